import type { NodeId } from '../../models/index.ts';
import type { PortBook } from './ports.ts';
import type { ProcessManager } from './processes.ts';
import type { FaultProxy } from './proxy.ts';

/**
 * How cluster mode reaches a real Raft implementation: it starts each node as a process on
 * loopback (peer traffic through the fault proxy) and reads each node's status while it
 * runs. One `ClusterImplementation` per implementation: the external contract
 * (conformance/CLUSTER-PROTOCOL.md, `external.ts`) for any program, built-in classes only
 * where an implementation has its own API (etcd) or is ours (the reference).
 *
 * An implementation reports who answered (`NodeStatus.node`, `CommittedAnswer.from`); the
 * runner, not the implementation, checks that this is the node it asked (`reader.ts`).
 */

/** The role a node reports; `unknown` when the implementation does not say. */
export type ObservedRole = 'follower' | 'preCandidate' | 'candidate' | 'leader' | 'unknown';

export const OBSERVED_ROLES: readonly ObservedRole[] = [
  'follower',
  'preCandidate',
  'candidate',
  'leader',
  'unknown',
];

/** One reading of a node's status (the model's vocabulary; null when not observable). */
export interface NodeStatus {
  /** The node that answered, as it says of itself (checked against the node asked). */
  readonly node: NodeId;
  readonly role: ObservedRole;
  /** currentTerm (Figure 2), or null if the implementation does not report it exactly. */
  readonly term: number | null;
  /** The leader this node believes in, if any. */
  readonly leader: NodeId | null;
  readonly votedFor?: NodeId | null;
  readonly commitIndex: number | null;
  readonly lastLogIndex?: number | null;
}

/** The values in a node's committed (applied) state, and who answered. */
export interface CommittedAnswer {
  readonly from: NodeId;
  readonly values: readonly string[];
}

export interface ClusterFeatures {
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
}

/** What an implementation gets to set itself up. */
export interface ClusterEnv {
  readonly nodes: readonly NodeId[];
  readonly features: ClusterFeatures;
  readonly processes: ProcessManager;
  readonly proxy: FaultProxy;
  /** Each node's API, peer and proxy ports; read them at every `start` (a restart gets fresh ones). */
  readonly ports: PortBook;
}

/** Optional fields of `NodeStatus` and the committed values an implementation may report. */
export type ObservableField = 'votedFor' | 'lastLogIndex' | 'applied';

export interface ClusterImplementation {
  /** e.g. `etcd 3.4.23 (server)`. */
  readonly name: string;
  /** Which feature switches it has; a scenario needing another is skipped with a reason. */
  readonly supports: ClusterFeatures;
  /** Fields it reports beyond role/term/leader/commitIndex. */
  readonly observes: readonly ObservableField[];
  /** How often the safety monitor samples every node. */
  readonly sampleIntervalMs: number;
  /** The (minimum) election timeout it runs with; scenario deadlines scale with it (timing.ts). */
  readonly electionTimeoutMs: number;
  /** Keep the environment (ports are already allocated, the proxy in front of each peer port). Called once. */
  prepare(env: ClusterEnv): Promise<void>;
  /** Start (or restart, from its data dir) one node's process. */
  start(node: NodeId): Promise<void>;
  /** Read one node's status; throws if the node does not answer, `GarbageAnswerError` if it babbles. */
  status(node: NodeId, signal: AbortSignal): Promise<NodeStatus>;
  /** A client write through `node`; resolves when the implementation acknowledges it as committed. */
  submit(node: NodeId, value: string, signal: AbortSignal): Promise<void>;
  /** The values in `node`'s committed (applied) state, in order. */
  committed(node: NodeId, signal: AbortSignal): Promise<CommittedAnswer>;
}

/** Thrown when a scenario asks for something an implementation cannot show. */
export class NotObservableError extends Error {}

/** A node answered, but not in the shape its contract promises: the run cannot trust it. */
export class GarbageAnswerError extends Error {}
