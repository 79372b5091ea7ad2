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

/**
 * Two free ports per node (API and peer) and a proxy route in front of each peer port: what
 * every implementation's `prepare` needs. The others must reach a node at its `proxy` port.
 */
export async function routedPorts(
  nodes: readonly string[],
  route: (node: string, peerPort: number) => Promise<number>,
): Promise<Map<string, NodePorts>> {
  const free = await freePorts(nodes.length * 2);
  const result = new Map<string, NodePorts>();
  for (const [i, node] of nodes.entries()) {
    const peer = free[2 * i + 1];
    result.set(node, { http: free[2 * i], peer, proxy: await route(node, peer) });
  }
  return result;
}
