import { createServer } from 'node:net';

/** Cluster mode listens on loopback only. */
export const LOOPBACK = '127.0.0.1';

/** A port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** `count` distinct free ports. */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/** A node's ports: where it serves its API, where it listens for peers, and its proxy in front. */
export interface NodePorts {
  readonly http: number;
  readonly peer: number;
  readonly proxy: number;
}

/** Where a node's proxy forwards: the proxy keeps its own port for the whole run. */
export interface ProxyRoutes {
  route(node: string, targetPort: number): Promise<number>;
  retarget(node: string, targetPort: number): void;
}

/** Picks `count` distinct ports that were free a moment ago (tests pass one that picks taken ports). */
export type PortChooser = (count: number) => Promise<number[]>;

/**
 * Every node's ports for one run. A chosen port is only free "a moment ago": the node binds
 * it later, and another process (a parallel test file, an outgoing connection) may take it
 * in between. The proxy port is held by the kit for the whole run, so the address the
 * other nodes use never changes; a node's own two ports are chosen afresh at each restart
 * (`renew`), just before it binds them, instead of being reused minutes later.
 */
export class PortBook {
  private readonly ports = new Map<string, NodePorts>();

  constructor(
    private readonly proxy: ProxyRoutes,
    private readonly choose: PortChooser = freePorts,
  ) {}

  /** Two ports per node (API and peer) and a proxy route in front of each peer port. */
  async allocate(nodes: readonly string[]): Promise<void> {
    const free = await this.choose(nodes.length * 2);
    for (const [i, node] of nodes.entries()) {
      const peer = free[2 * i + 1];
      this.ports.set(node, { http: free[2 * i], peer, proxy: await this.proxy.route(node, peer) });
    }
  }

  get(node: string): NodePorts {
    const ports = this.ports.get(node);
    if (ports === undefined) throw new Error(`${node} is not a node of this cluster`);
    return ports;
  }

  /** Fresh API and peer ports for `node`, distinct from every other node's; the proxy forwards there. */
  async renew(node: string): Promise<NodePorts> {
    const { proxy } = this.get(node);
    const inUse = new Set([...this.ports.values()].flatMap((p) => [p.http, p.peer, p.proxy]));
    let http = 0;
    let peer = 0;
    for (let tries = 0; tries < 20 && (http === 0 || inUse.has(http) || inUse.has(peer)); tries++) {
      [http, peer] = await this.choose(2);
    }
    const ports = { http, peer, proxy };
    this.ports.set(node, ports);
    this.proxy.retarget(node, peer);
    return ports;
  }
}

/** What every runtime prints when a bind finds its port taken (Go, Python, Node, C: EADDRINUSE). */
const PORT_TAKEN = /address already in use|EADDRINUSE/i;

/** Does this log text say the node could not bind a port because another process has it? */
export function saysPortTaken(logText: string): boolean {
  return PORT_TAKEN.test(logText);
}
