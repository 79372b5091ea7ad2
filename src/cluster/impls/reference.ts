import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { NodeId } from '../../../models/index.ts';
import { httpJson, postValue } from '../http.ts';
import { LOOPBACK } from '../ports.ts';
import type { ClusterEnv, ClusterImplementation, CommittedAnswer, NodeStatus } from '../types.ts';

/**
 * The reference implementation (src/reference) in cluster mode: every node is a
 * `reference-node.ts` process with real timers, an fsync'd state file and TCP peers
 * through the fault proxy.
 *
 * `REFERENCE_TIMING` is a sane configuration: 300–600 ms election timeouts (twice the
 * paper's 150–300 ms of §9.3, because test machines here are shared and loaded: message
 * latency under load reached ~80 ms, plus an fsync per vote), 50 ms heartbeats, a 5 ms
 * timer tick. `TIMING_MUTANT` reproduces the seed log's endless split
 * vote (docs/bugs.md #8): election timeouts of 5–9 ms checked on a 10 ms timer tick, with 1–5 ms
 * RPC delay, so every node times out in the same tick, votes for itself and rejects the
 * others, term after term.
 */

export interface ReferenceTiming {
  readonly tickMs: number;
  readonly electionMinMs: number;
  readonly electionMaxMs: number;
  readonly heartbeatMs: number;
  readonly rpcDelayMinMs: number;
  readonly rpcDelayMaxMs: number;
}

export const REFERENCE_TIMING: ReferenceTiming = {
  tickMs: 5,
  electionMinMs: 300,
  electionMaxMs: 600,
  heartbeatMs: 50,
  rpcDelayMinMs: 0,
  rpcDelayMaxMs: 0,
};

export const TIMING_MUTANT: ReferenceTiming = {
  tickMs: 10,
  electionMinMs: 5,
  electionMaxMs: 9,
  heartbeatMs: 1,
  rpcDelayMinMs: 1,
  rpcDelayMaxMs: 5,
};

const NODE_SCRIPT = join(import.meta.dirname, 'reference-node.ts');
/** tsx's loader, by absolute URL: a node's working directory is its data dir in /tmp. */
const TSX_LOADER = pathToFileURL(join(import.meta.dirname, '../../../node_modules/tsx/dist/loader.mjs')).href;

export interface ReferenceClusterOptions {
  readonly timing?: ReferenceTiming;
  readonly seed?: number;
  /** A named mutant of src/reference/mutants.ts. */
  readonly mutant?: string;
  /** Where each node appends its trace log (seed-log format); default: in its data dir. */
  readonly traceFile?: (node: NodeId) => string;
  /** `canonical` (docs/trace-format.md, default) or `eliben` (the seed log's format). */
  readonly traceFormat?: 'canonical' | 'eliben';
  readonly label?: string;
}

export class ReferenceCluster implements ClusterImplementation {
  readonly name: string;
  readonly supports = { preVote: true, checkQuorum: false };
  readonly observes = ['votedFor', 'lastLogIndex'] as const;
  readonly sampleIntervalMs = 20;
  readonly electionTimeoutMs: number;
  readonly timing: ReferenceTiming;
  readonly seed: number;
  private env: ClusterEnv | null = null;

  constructor(private readonly options: ReferenceClusterOptions = {}) {
    this.timing = options.timing ?? REFERENCE_TIMING;
    this.seed = options.seed ?? 1;
    const t = this.timing;
    this.electionTimeoutMs = t.electionMinMs;
    this.name =
      options.label ??
      `reference${options.mutant ? ` (mutant ${options.mutant})` : ''}: election ${t.electionMinMs}-${t.electionMaxMs} ms, tick ${t.tickMs} ms, RPC delay ${t.rpcDelayMinMs}-${t.rpcDelayMaxMs} ms, seed ${this.seed}`;
  }

  async prepare(env: ClusterEnv): Promise<void> {
    this.env = env;
  }

  traceFileOf(node: NodeId): string {
    return this.options.traceFile?.(node) ?? join(this.env!.processes.dataDir(node), 'trace.log');
  }

  async start(node: NodeId): Promise<void> {
    const env = this.env!;
    const p = this.env!.ports.get(node);
    const t = this.timing;
    const peers = env.nodes
      .filter((n) => n !== node)
      .flatMap((n) => ['--peer', `${n}=${this.env!.ports.get(n).proxy}`]);
    env.processes.start({
      name: node,
      command: process.execPath,
      args: [
        '--import',
        TSX_LOADER,
        NODE_SCRIPT,
        `--id=${node}`,
        `--cluster=${env.nodes.join(',')}`,
        `--listen=${p.peer}`,
        `--http=${p.http}`,
        `--data=${env.processes.dataDir(node)}`,
        `--tick-ms=${t.tickMs}`,
        `--election-min-ms=${t.electionMinMs}`,
        `--election-max-ms=${t.electionMaxMs}`,
        `--heartbeat-ms=${t.heartbeatMs}`,
        `--rpc-delay-min-ms=${t.rpcDelayMinMs}`,
        `--rpc-delay-max-ms=${t.rpcDelayMaxMs}`,
        `--seed=${this.seed}`,
        `--trace=${this.traceFileOf(node)}`,
        `--trace-format=${this.options.traceFormat ?? 'canonical'}`,
        ...(env.features.preVote ? ['--pre-vote'] : []),
        ...(this.options.mutant ? [`--mutant=${this.options.mutant}`] : []),
        ...peers,
      ],
    });
  }

  private url(node: NodeId, path: string): string {
    return `http://${LOOPBACK}:${this.env!.ports.get(node).http}${path}`;
  }

  private async read(node: NodeId, signal: AbortSignal) {
    const { ok, body } = await httpJson(this.url(node, '/status'), signal);
    if (!ok) throw new Error(`status of ${node}: ${JSON.stringify(body)}`);
    return body as {
      id: NodeId;
      role: NodeStatus['role'] | 'crashed';
      currentTerm: number;
      votedFor: NodeId | null;
      log: unknown[];
      commitIndex: number;
      values: string[];
    };
  }

  async status(node: NodeId, signal: AbortSignal): Promise<NodeStatus> {
    const s = await this.read(node, signal);
    return {
      node: s.id,
      role: s.role === 'crashed' ? 'unknown' : s.role,
      term: s.currentTerm,
      leader: s.role === 'leader' ? node : null,
      votedFor: s.votedFor,
      commitIndex: s.commitIndex,
      lastLogIndex: s.log.length,
    };
  }

  async submit(node: NodeId, value: string, signal: AbortSignal): Promise<void> {
    const { ok, body } = await postValue(this.url(node, '/submit'), value, signal);
    if (!ok) throw new Error(`submit ${value} via ${node}: ${JSON.stringify(body)}`);
  }

  async committed(node: NodeId, signal: AbortSignal): Promise<CommittedAnswer> {
    const s = await this.read(node, signal);
    return { from: s.id, values: s.values };
  }
}
