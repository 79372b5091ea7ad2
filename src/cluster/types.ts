import type { NodeId } from '../../models/index.ts';
import type { ProcessManager } from './processes.ts';
import type { FaultProxy } from './proxy.ts';

/**
 * How cluster mode reaches a real Raft implementation: it starts each node as a process on
 * loopback (peer traffic through the fault proxy) and reads each node's status while it
 * runs. One `ClusterImplementation` per implementation (etcd, PySyncObj, the reference).
 */

/** The role a node reports; `unknown` when the implementation does not say. */
export type ObservedRole = 'follower' | 'preCandidate' | 'candidate' | 'leader' | 'unknown';

/** One reading of a node's status (the model's vocabulary; null when not observable). */
export interface NodeStatus {
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
}

export interface ClusterImplementation {
  /** e.g. `etcd 3.4.23 (server)`. */
  readonly name: string;
  /** Which feature switches it has; a scenario needing another is skipped with a reason. */
  readonly supports: ClusterFeatures;
  /** Fields of `NodeStatus` it reports beyond role/term/leader/commitIndex. */
  readonly observes: readonly ('votedFor' | 'lastLogIndex')[];
  /** How often the safety monitor samples every node. */
  readonly sampleIntervalMs: number;
  /** Allocate ports, put the proxy in front of each peer port. Called once. */
  prepare(env: ClusterEnv): Promise<void>;
  /** Start (or restart, from its data dir) one node's process. */
  start(node: NodeId): Promise<void>;
  /** Read one node's status; throws if the node does not answer. */
  status(node: NodeId, signal: AbortSignal): Promise<NodeStatus>;
  /** A client write through `node`; resolves when the implementation acknowledges it as committed. */
  submit(node: NodeId, value: string, signal: AbortSignal): Promise<void>;
  /** The values in `node`'s committed (applied) state, in order. */
  committed(node: NodeId, signal: AbortSignal): Promise<readonly string[]>;
}

/** Thrown when a scenario asks for something an implementation cannot show. */
export class NotObservableError extends Error {}
