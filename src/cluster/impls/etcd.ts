import { execFileSync } from 'node:child_process';
import type { NodeId } from '../../../models/index.ts';
import { httpJson } from '../http.ts';
import { LOOPBACK } from '../ports.ts';
import type {
  ClusterEnv,
  ClusterImplementation,
  CommittedAnswer,
  NodeStatus,
  ObservedRole,
} from '../types.ts';

/**
 * The etcd server (Debian `etcd-server`, etcd 3.4) in cluster mode: one member per node on
 * loopback, each advertising its peer URL through the fault proxy, so all peer traffic
 * (rafthttp streams and pipelines) crosses the proxy.
 *
 * Status comes from the member's `/debug/vars` (`raft.status`: the raft library's own
 * `Status` — exact term, vote, commit, lead, raftState). We do not use the JSON gateway's
 * `/v3/maintenance/status` for the term: its `raftTerm` is the term of the last *applied*
 * entry (etcdserver sets it when applying), which lags behind currentTerm during an election.
 * Member ids are 64-bit: the gateway prints them as decimal strings that overflow a
 * JavaScript number, `raft.status` as hex strings; we keep them as strings and map each
 * member's hex id to its node name from its own status.
 *
 * Writes go through the gateway (`/v3/kv/put`, base64 key and value under `raftkit/`),
 * committed state is read back with a serializable range read from each member.
 */

export interface EtcdOptions {
  /** etcd's --heartbeat-interval (ms); etcd's default is 100. */
  readonly heartbeatMs?: number;
  /** etcd's --election-timeout (ms); etcd's default is 1000. */
  readonly electionMs?: number;
  readonly binary?: string;
}

const KEY_PREFIX = 'raftkit/';
const b64 = (text: string) => Buffer.from(text).toString('base64');
const unb64 = (text: string) => Buffer.from(text, 'base64').toString();

const ROLES: Record<string, ObservedRole> = {
  StateFollower: 'follower',
  StatePreCandidate: 'preCandidate',
  StateCandidate: 'candidate',
  StateLeader: 'leader',
};

export function etcdVersion(binary = 'etcd'): string | null {
  try {
    const out = execFileSync(binary, ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return /etcd Version: (\S+)/.exec(out)?.[1] ?? null;
  } catch {
    return null;
  }
}

export class EtcdCluster implements ClusterImplementation {
  readonly name: string;
  readonly supports = { preVote: true, checkQuorum: false };
  readonly observes = ['votedFor'] as const;
  readonly sampleIntervalMs = 50;
  readonly electionTimeoutMs: number;
  private env: ClusterEnv | null = null;
  private readonly nodeOfId = new Map<string, NodeId>();
  private readonly idOfNode = new Map<NodeId, string>();
  private token = '';

  constructor(private readonly options: EtcdOptions = {}) {
    this.name = `etcd ${etcdVersion(options.binary) ?? '?'} (server)`;
    this.electionTimeoutMs = options.electionMs ?? 1000;
  }

  async prepare(env: ClusterEnv): Promise<void> {
    this.env = env;
    this.token = `raftkit-${process.pid}-${Date.now()}`;
  }

  private url(node: NodeId, path: string): string {
    return `http://${LOOPBACK}:${this.env!.ports.get(node).http}${path}`;
  }

  async start(node: NodeId): Promise<void> {
    const env = this.env!;
    const p = this.env!.ports.get(node);
    const cluster = env.nodes.map((n) => `${n}=http://${LOOPBACK}:${this.env!.ports.get(n).proxy}`).join(',');
    env.processes.start({
      name: node,
      command: this.options.binary ?? 'etcd',
      args: [
        `--name=${node}`,
        `--data-dir=${env.processes.dataDir(node)}/etcd`,
        `--listen-client-urls=http://${LOOPBACK}:${p.http}`,
        `--advertise-client-urls=http://${LOOPBACK}:${p.http}`,
        `--listen-peer-urls=http://${LOOPBACK}:${p.peer}`,
        `--initial-advertise-peer-urls=http://${LOOPBACK}:${p.proxy}`,
        `--initial-cluster=${cluster}`,
        '--initial-cluster-state=new',
        `--initial-cluster-token=${this.token}`,
        `--heartbeat-interval=${this.options.heartbeatMs ?? 100}`,
        `--election-timeout=${this.electionTimeoutMs}`,
        `--pre-vote=${env.features.preVote}`,
        '--logger=zap',
        '--log-outputs=stderr',
      ],
    });
  }

  async status(node: NodeId, signal: AbortSignal): Promise<NodeStatus> {
    const { body } = await httpJson(this.url(node, '/debug/vars'), signal);
    const vars = body as { 'raft.status'?: Record<string, unknown> };
    const raft = vars['raft.status'];
    if (raft === undefined || typeof raft.term !== 'number') {
      throw new Error(`${node}: /debug/vars has no raft.status`);
    }
    const id = String(raft.id);
    // A member's hex id is pinned to the node on its first answer; a later answer from
    // another member on that port (a port reused by another run) names that member, and the
    // runner discards it (reader.ts).
    if (!this.idOfNode.has(node)) {
      this.idOfNode.set(node, id);
      this.nodeOfId.set(id, node);
    }
    const name = (hex: unknown) =>
      hex === '0' || typeof hex !== 'string' ? null : (this.nodeOfId.get(hex) ?? null);
    return {
      node: this.nodeOfId.get(id) ?? `etcd member ${id}`,
      role: ROLES[String(raft.raftState)] ?? 'unknown',
      term: raft.term,
      leader: name(raft.lead),
      votedFor: name(raft.vote),
      commitIndex: typeof raft.commit === 'number' ? raft.commit : null,
    };
  }

  async submit(node: NodeId, value: string, signal: AbortSignal): Promise<void> {
    const { ok, body } = await httpJson(this.url(node, '/v3/kv/put'), signal, {
      method: 'POST',
      body: JSON.stringify({ key: b64(`${KEY_PREFIX}${value}`), value: b64(value) }),
      timeoutMs: 10_000,
    });
    if (!ok || (body as { header?: unknown }).header === undefined) {
      throw new Error(`put ${value} via ${node}: ${JSON.stringify(body)}`);
    }
  }

  async committed(node: NodeId, signal: AbortSignal): Promise<CommittedAnswer> {
    const { ok, body } = await httpJson(this.url(node, '/v3/kv/range'), signal, {
      method: 'POST',
      body: JSON.stringify({ key: b64(KEY_PREFIX), range_end: b64('raftkit0'), serializable: true }),
    });
    if (!ok) throw new Error(`range via ${node}: ${JSON.stringify(body)}`);
    const answer = body as { header?: { member_id?: string }; kvs?: { value: string }[] };
    // The gateway prints the 64-bit member id in decimal; raft.status in hex.
    const hex = BigInt(answer.header?.member_id ?? '0').toString(16);
    return {
      from: this.nodeOfId.get(hex) ?? `etcd member ${hex}`,
      values: (answer.kvs ?? []).map((kv) => unb64(kv.value)),
    };
  }
}
