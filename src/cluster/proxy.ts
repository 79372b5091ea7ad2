import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import type { NodeId } from '../../models/index.ts';
import { LOOPBACK } from './ports.ts';

/**
 * The loopback TCP fault proxy of cluster mode. Each node's peer port gets a proxy port in
 * front of it; the other nodes are configured to reach the node through the proxy. The
 * proxy forwards bytes both ways unless the fault set blocks a direction:
 *
 * - `partition([[n1], [n2, n3]])`: only nodes in the same group can talk (a node not named in
 *   any group is alone);
 * - `cut(n1, n2, false)`: bytes from n1 to n2 are dropped, n2 to n1 still flow (one direction);
 *   `cut(n1, n2, true)` blocks the pair both ways;
 * - `heal()`: everything flows again.
 *
 * A connection's source is found by `resolveSource` (see `socket-owner.ts`); a connection
 * nobody owns is never blocked. When the fault set changes, every connection whose
 * verdict changed is reset, so that implementations reconnect under the new rules instead
 * of resuming a stream with a hole in it. A connection blocked both ways is reset at once,
 * as a lost link would eventually be. Dropped bytes are counted per link.
 */

export type SourceResolver = (clientPort: number, serverPort: number) => NodeId | null;

interface Route {
  readonly node: NodeId;
  readonly server: Server;
  readonly listenPort: number;
  /** The node's own peer port; it changes when the node restarts on fresh ports (ports.ts). */
  targetPort: number;
}

interface ProxiedConnection {
  readonly source: NodeId | null;
  readonly dest: NodeId;
  readonly client: Socket;
  upstream: Socket | null;
  /** Bytes may flow source → dest. */
  forward: boolean;
  /** Bytes may flow dest → source. */
  backward: boolean;
}

export interface LinkCounters {
  forwarded: number;
  dropped: number;
  /** Connections refused or reset because the link was blocked both ways. */
  resets: number;
}

function linkKey(from: NodeId | null, to: NodeId): string {
  return `${from ?? '?'}->${to}`;
}

export class FaultProxy {
  private readonly routes = new Map<NodeId, Route>();
  private readonly connections = new Set<ProxiedConnection>();
  private readonly blocked = new Set<string>();
  private readonly counters = new Map<string, LinkCounters>();

  constructor(private readonly resolveSource: SourceResolver) {}

  /** Put a proxy in front of `node`'s peer port; returns the port the other nodes must use. */
  route(node: NodeId, targetPort: number, listenPort = 0): Promise<number> {
    if (this.routes.has(node)) throw new Error(`node ${node} already has a proxy route`);
    const server = createServer({ pauseOnConnect: true }, (client) => this.accept(node, client));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(listenPort, LOOPBACK, () => {
        const address = server.address();
        const port = typeof address === 'object' && address !== null ? address.port : 0;
        this.routes.set(node, { node, server, listenPort: port, targetPort });
        resolve(port);
      });
    });
  }

  /** From now on, forward connections to `node` to `targetPort` (the node restarts there). */
  retarget(node: NodeId, targetPort: number): void {
    const route = this.routes.get(node);
    if (route === undefined) throw new Error(`node ${node} has no proxy route`);
    route.targetPort = targetPort;
  }

  /** The proxy port of `node`. */
  portOf(node: NodeId): number {
    const route = this.routes.get(node);
    if (route === undefined) throw new Error(`node ${node} has no proxy route`);
    return route.listenPort;
  }

  isBlocked(from: NodeId | null, to: NodeId | null): boolean {
    if (from === null || to === null) return false;
    return this.blocked.has(linkKey(from, to));
  }

  /** Replace the fault set: only nodes in the same group can talk. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    const groupOf = new Map<NodeId, number>();
    groups.forEach((group, index) => {
      for (const node of group) groupOf.set(node, index);
    });
    const nodes = [...new Set([...this.routes.keys(), ...groupOf.keys()])];
    this.blocked.clear();
    nodes.forEach((a, i) => {
      for (const b of nodes) {
        if (a === b) continue;
        const ga = groupOf.get(a) ?? -1 - i;
        const gb = groupOf.get(b) ?? -1 - nodes.indexOf(b);
        if (ga !== gb) this.blocked.add(linkKey(a, b));
      }
    });
    this.reconsider();
  }

  /** Add a fault: drop bytes from `from` to `to` (and back, if `bothWays`). */
  cut(from: NodeId, to: NodeId, bothWays: boolean): void {
    this.blocked.add(linkKey(from, to));
    if (bothWays) this.blocked.add(linkKey(to, from));
    this.reconsider();
  }

  heal(): void {
    this.blocked.clear();
    this.reconsider();
  }

  /** The blocked links, as `from->to`, sorted. */
  blockedLinks(): string[] {
    return [...this.blocked].sort();
  }

  /** Per link (`from->to`, `?` for an unattributed source): bytes forwarded and dropped. */
  stats(): ReadonlyMap<string, LinkCounters> {
    return this.counters;
  }

  openConnections(): number {
    return this.connections.size;
  }

  async close(): Promise<void> {
    for (const connection of this.connections) this.reset(connection);
    const routes = [...this.routes.values()];
    this.routes.clear();
    // A listener closes once its last connection is gone; never wait more than 2 s for that.
    await Promise.race([
      Promise.all(routes.map((route) => new Promise<void>((resolve) => route.server.close(() => resolve())))),
      new Promise<void>((resolve) => setTimeout(resolve, 2000).unref()),
    ]);
  }

  // ---------------------------------------------------------------- internals

  private counter(from: NodeId | null, to: NodeId): LinkCounters {
    const key = linkKey(from, to);
    let counter = this.counters.get(key);
    if (counter === undefined) {
      counter = { forwarded: 0, dropped: 0, resets: 0 };
      this.counters.set(key, counter);
    }
    return counter;
  }

  private accept(dest: NodeId, client: Socket): void {
    const route = this.routes.get(dest);
    if (route === undefined) {
      client.destroy(); // closing
      return;
    }
    client.on('error', () => this.resetAll(client));
    const source =
      client.remotePort === undefined ? null : this.resolveSource(client.remotePort, route.listenPort);
    const connection: ProxiedConnection = {
      source,
      dest,
      client,
      upstream: null,
      forward: !this.isBlocked(source, dest),
      backward: !this.isBlocked(dest, source),
    };
    if (!connection.forward && !connection.backward) {
      this.counter(source, dest).resets++;
      client.destroy();
      return;
    }
    this.connections.add(connection);
    this.pipe(connection, route.targetPort);
  }

  /** Forward bytes both ways, dropping (and counting) those of a blocked direction. */
  private pipe(connection: ProxiedConnection, targetPort: number): void {
    const { client, source, dest } = connection;
    const upstream = tcpConnect({ host: LOOPBACK, port: targetPort });
    connection.upstream = upstream;
    upstream.on('error', () => this.reset(connection));
    upstream.on('close', () => this.reset(connection));
    client.on('close', () => this.reset(connection));
    client.on('data', (chunk: Buffer) => {
      if (connection.forward) {
        this.counter(source, dest).forwarded += chunk.length;
        if (!upstream.write(chunk)) client.pause();
      } else {
        this.counter(source, dest).dropped += chunk.length;
      }
    });
    upstream.on('drain', () => client.resume());
    upstream.on('data', (chunk: Buffer) => {
      const counter = source === null ? this.counter(dest, '?') : this.counter(dest, source);
      if (connection.backward) {
        counter.forwarded += chunk.length;
        if (!client.write(chunk)) upstream.pause();
      } else {
        counter.dropped += chunk.length;
      }
    });
    client.on('drain', () => upstream.resume());
    upstream.once('connect', () => client.resume());
  }

  private reconsider(): void {
    for (const connection of [...this.connections]) {
      const forward = !this.isBlocked(connection.source, connection.dest);
      const backward = !this.isBlocked(connection.dest, connection.source);
      if (forward !== connection.forward || backward !== connection.backward) {
        if (connection.source !== null) this.counter(connection.source, connection.dest).resets++;
        this.reset(connection);
      }
    }
  }

  private resetAll(client: Socket): void {
    for (const connection of this.connections) if (connection.client === client) this.reset(connection);
    client.destroy();
  }

  private reset(connection: ProxiedConnection): void {
    if (!this.connections.delete(connection)) return;
    connection.client.destroy();
    connection.upstream?.destroy();
  }
}
