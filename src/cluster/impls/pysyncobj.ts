import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeId } from '../../../models/index.ts';
import { httpJson } from '../http.ts';
import { freePorts, LOOPBACK } from '../ports.ts';
import type { ClusterEnv, ClusterImplementation, NodeStatus, ObservedRole } from '../types.ts';

/**
 * PySyncObj (Debian `python3-pysyncobj`, run with `/usr/bin/python3`) in cluster mode. Each
 * node is `conformance/adapters/pysyncobj/node.py`: a replicated list of values plus a
 * loopback HTTP API with `getStatus()` (term, state, leader, commit index, log length)
 * and the applied values. PySyncObj has no PreVote and no switch for it.
 */

export const PYSYNCOBJ_NODE = join(import.meta.dirname, '../../../conformance/adapters/pysyncobj/node.py');
const PYTHON = '/usr/bin/python3';

export function pysyncobjVersion(): string | null {
  if (!existsSync(PYTHON)) return null;
  try {
    return execFileSync(PYTHON, ['-c', 'from pysyncobj.version import VERSION; print(VERSION)'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

interface Ports {
  readonly http: number;
  readonly peer: number;
  proxy: number;
}

export class PySyncObjCluster implements ClusterImplementation {
  readonly name: string;
  readonly supports = { preVote: false, checkQuorum: false };
  readonly observes = ['lastLogIndex'] as const;
  readonly sampleIntervalMs = 50;
  private env: ClusterEnv | null = null;
  private readonly ports = new Map<NodeId, Ports>();

  constructor() {
    this.name = `pysyncobj ${pysyncobjVersion() ?? '?'}`;
  }

  async prepare(env: ClusterEnv): Promise<void> {
    this.env = env;
    const ports = await freePorts(env.nodes.length * 2);
    env.nodes.forEach((node, i) => {
      this.ports.set(node, { http: ports[2 * i], peer: ports[2 * i + 1], proxy: 0 });
    });
    for (const node of env.nodes) {
      const p = this.ports.get(node)!;
      p.proxy = await env.proxy.route(node, p.peer);
    }
  }

  async start(node: NodeId): Promise<void> {
    const env = this.env!;
    const p = this.ports.get(node)!;
    const peers = env.nodes
      .filter((n) => n !== node)
      .flatMap((n) => ['--peer', `${n}=${LOOPBACK}:${this.ports.get(n)!.proxy}`]);
    env.processes.start({
      name: node,
      command: PYTHON,
      args: [
        PYSYNCOBJ_NODE,
        '--id',
        node,
        '--bind',
        `${LOOPBACK}:${p.peer}`,
        '--self',
        `${LOOPBACK}:${p.proxy}`,
        '--http',
        String(p.http),
        '--data',
        join(env.processes.dataDir(node), 'pysyncobj'),
        ...peers,
      ],
      env: { PYTHONDONTWRITEBYTECODE: '1' },
    });
  }

  private url(node: NodeId, path: string): string {
    return `http://${LOOPBACK}:${this.ports.get(node)!.http}${path}`;
  }

  private async read(node: NodeId, signal: AbortSignal) {
    const { ok, body } = await httpJson(this.url(node, '/status'), signal);
    if (!ok) throw new Error(`status of ${node}: ${JSON.stringify(body)}`);
    return body as {
      node: NodeId;
      role: ObservedRole;
      term: number;
      leader: NodeId | null;
      commitIndex: number;
      lastLogIndex: number;
      values: string[];
    };
  }

  async status(node: NodeId, signal: AbortSignal): Promise<NodeStatus> {
    const s = await this.read(node, signal);
    // Another run may have taken the port after ours was released: trust only our node.
    if (s.node !== node) throw new Error(`port of ${node} answered as ${s.node}`);
    return {
      node,
      role: s.role,
      term: s.term,
      leader: s.leader,
      commitIndex: s.commitIndex,
      lastLogIndex: s.lastLogIndex,
    };
  }

  async submit(node: NodeId, value: string, signal: AbortSignal): Promise<void> {
    const { ok, body } = await httpJson(
      this.url(node, `/submit?value=${encodeURIComponent(value)}`),
      signal,
      {
        method: 'POST',
        timeoutMs: 10_000,
      },
    );
    if (!ok) throw new Error(`submit ${value} via ${node}: ${JSON.stringify(body)}`);
  }

  async committed(node: NodeId, signal: AbortSignal): Promise<readonly string[]> {
    const s = await this.read(node, signal);
    if (s.node !== node) throw new Error(`port of ${node} answered as ${s.node}`);
    return s.values;
  }
}
