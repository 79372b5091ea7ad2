import type { NodeId } from '../../../models/index.ts';
import { httpJson, loopbackUrl, postValue } from '../http.ts';
import { LOOPBACK, type NodePorts } from '../ports.ts';
import {
  type ClusterEnv,
  type ClusterFeatures,
  type ClusterImplementation,
  type CommittedAnswer,
  type NodeStatus,
  NotObservableError,
} from '../types.ts';
import { parseContractStatus, toCommitted, toNodeStatus } from './status-contract.ts';
import { checkPlaceholders, fillTemplate } from './template.ts';

/**
 * Any Raft program in cluster mode, through the external contract
 * (conformance/CLUSTER-PROTOCOL.md): the kit fills the command template for each node,
 * puts the fault proxy in front of its peer port, and reads `GET /status` and
 * `POST /submit` on its HTTP port. Nothing here knows the program.
 */

export interface ExternalSpec {
  /** Label in reports, e.g. `pysyncobj 0.3.11`. */
  readonly name: string;
  /** The command template with `{id}` … `{electionTimeoutMs}` placeholders. */
  readonly nodeCmd: string;
  /** Working directory of every node (the config file's directory, or the current one). */
  readonly cwd: string;
  readonly electionTimeoutMs: number;
  readonly features: ClusterFeatures;
  readonly sampleIntervalMs: number;
  /** Extra environment variables for every node. */
  readonly env?: Readonly<Record<string, string>>;
}

export class ExternalCluster implements ClusterImplementation {
  readonly name: string;
  readonly supports: ClusterFeatures;
  readonly observes = ['votedFor', 'lastLogIndex', 'applied'] as const;
  readonly sampleIntervalMs: number;
  readonly electionTimeoutMs: number;
  private env: ClusterEnv | null = null;

  constructor(private readonly spec: ExternalSpec) {
    checkPlaceholders(spec.nodeCmd);
    this.name = spec.name;
    this.supports = spec.features;
    this.sampleIntervalMs = spec.sampleIntervalMs;
    this.electionTimeoutMs = spec.electionTimeoutMs;
  }

  async prepare(env: ClusterEnv): Promise<void> {
    this.env = env;
  }

  private portsOf(node: NodeId): NodePorts {
    return this.env!.ports.get(node);
  }

  /** The argv of `node`, as CLUSTER-PROTOCOL.md §1 fills it. */
  argv(node: NodeId): string[] {
    const env = this.env!;
    const p = this.portsOf(node);
    const peers = env.nodes.filter((n) => n !== node);
    return fillTemplate(this.spec.nodeCmd, {
      id: node,
      peerPort: String(p.peer),
      advertise: `${LOOPBACK}:${p.proxy}`,
      peers: peers.map((n) => `${n}=${LOOPBACK}:${this.portsOf(n).proxy}`).join(','),
      httpPort: String(p.http),
      dataDir: env.processes.dataDir(node),
      electionTimeoutMs: String(this.electionTimeoutMs),
    });
  }

  async start(node: NodeId): Promise<void> {
    const [command, ...args] = this.argv(node);
    this.env!.processes.start({ name: node, command, args, cwd: this.spec.cwd, env: this.spec.env });
  }

  private async read(node: NodeId, signal: AbortSignal) {
    const { ok, status, body } = await httpJson(loopbackUrl(this.portsOf(node).http, '/status'), signal);
    if (!ok) throw new Error(`${node}'s /status answered HTTP ${status}`);
    return parseContractStatus(node, body);
  }

  async status(node: NodeId, signal: AbortSignal): Promise<NodeStatus> {
    return toNodeStatus(await this.read(node, signal));
  }

  async submit(node: NodeId, value: string, signal: AbortSignal): Promise<void> {
    const url = loopbackUrl(this.portsOf(node).http, '/submit');
    const { ok, status } = await postValue(url, value, signal);
    if (!ok) throw new Error(`submit ${value} via ${node}: HTTP ${status}`);
  }

  async committed(node: NodeId, signal: AbortSignal): Promise<CommittedAnswer> {
    const answer = toCommitted(await this.read(node, signal));
    if (answer === null) throw new NotObservableError(`${this.name} does not report applied values`);
    return answer;
  }
}
