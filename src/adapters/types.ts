import type { Features } from '../../models/features.ts';
import type { LogEntry, Message, NodeId, PersistentState, Role } from '../../models/types.ts';

/**
 * Step mode: how the conformance runner reaches an implementation. The kit injects every
 * input and reads back the stepped node's state and the messages it sent. The commands
 * and shapes are those of `conformance/PROTOCOL.md`; an adapter is either in-process (the
 * reference implementation) or a child process speaking that protocol over stdio.
 */

export const PROTOCOL_VERSION = 1;

/** What an implementation can do (PROTOCOL.md §3). A missing feature is `false`. */
export interface ImplementationFeatures {
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  /** The `tick` command: the node's own timers fire as its logical clock advances. */
  readonly ticks: boolean;
  /** `crash` + `restart` keep exactly the persistent state. */
  readonly restartWithPersistence: boolean;
  /**
   * Its leaders append a blank no-op entry of their term on election (thesis §8): the kit's
   * oracle then runs the model with the `leaderNoOp` feature in every scenario, and says so
   * in `create.features.leaderNoOp`. Absent means false.
   */
  readonly leaderNoOp?: boolean;
  /**
   * The model switches (models/features.ts) it runs with, declared in `init_ok.features`
   * beside the capabilities above: the oracle runs the model with them in every scenario.
   */
  readonly switches?: Partial<Features>;
}

export const IMPLEMENTATION_FEATURE_NAMES = [
  'preVote',
  'checkQuorum',
  'ticks',
  'restartWithPersistence',
  'leaderNoOp',
] as const;
export type ImplementationFeatureName = (typeof IMPLEMENTATION_FEATURE_NAMES)[number];

/** `init_ok.features.checkQuorum: "always"`: the switch on for every cluster, not per `create`. */
export const ALWAYS = 'always';

/** A declared capability is on when it is `true`, or `"always"` (checkQuorum). */
export function isOn(value: boolean | string | undefined): boolean {
  return value === true || value === ALWAYS;
}

export interface AdapterHello {
  readonly protocol: number;
  readonly implementation: string;
  readonly features: ImplementationFeatures;
  /** `init_ok.features` as declared (capabilities and switches), for the suite to check the names. */
  readonly declaredFeatures?: Readonly<Record<string, boolean | string>>;
  /**
   * Opt-in tolerances the implementation asks for (`init_ok.tolerances`, names from the
   * Tolerances table of docs/conformance.md): allowed variations of its own, never on by default.
   */
  readonly tolerances: readonly string[];
}

/** A node's observable state (PROTOCOL.md §7). */
export interface NodeStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly currentTerm: number;
  readonly votedFor: NodeId | null;
  readonly log: readonly LogEntry[];
  readonly commitIndex: number;
}

export interface ClusterTiming {
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly randomized: boolean;
}

export interface CreateCluster {
  readonly nodes: readonly NodeId[];
  readonly features: {
    readonly preVote: boolean;
    readonly checkQuorum: boolean;
    /** The cluster runs with the leader no-op (sent only when true). */
    readonly leaderNoOp?: boolean;
  };
  readonly initial: Readonly<Record<NodeId, PersistentState>>;
  readonly timing: ClusterTiming;
  readonly seed: number;
}

export interface ClusterCreated {
  /** The election timeout the implementation really uses, in ticks (absent without `ticks`). */
  readonly electionTimeoutTicks?: { readonly min: number; readonly max: number };
  readonly heartbeatTicks?: number;
  readonly states: readonly NodeStatus[];
}

export interface ClusterInspection {
  readonly states: readonly NodeStatus[];
  readonly messages: readonly Message[];
}

/** The commands that make one node take one step (PROTOCOL.md §5). */
export type StepCommand =
  | { readonly type: 'deliver'; readonly message: Message }
  | { readonly type: 'timeout'; readonly node: NodeId; readonly timer: 'election' | 'heartbeat' }
  | { readonly type: 'tick'; readonly node: NodeId; readonly ticks: number }
  | { readonly type: 'propose'; readonly node: NodeId; readonly value: string }
  | { readonly type: 'crash'; readonly node: NodeId }
  | { readonly type: 'restart'; readonly node: NodeId };

export interface StepReply {
  /** The stepped node after the step. */
  readonly state: NodeStatus;
  /** Everything it sent during the step, in any order. */
  readonly messages: readonly Message[];
}

/** The node a step command makes step. */
export function steppedNode(command: StepCommand): NodeId {
  return command.type === 'deliver' ? command.message.to : command.node;
}

/** A step-mode adapter. One cluster at a time; calls are strictly sequential. */
export interface StepAdapter {
  /** A short name for reports, e.g. `builtin:reference` or the command line. */
  readonly name: string;
  /** The handshake (`init`/`init_ok`). Called once, first. */
  hello(): Promise<AdapterHello>;
  create(spec: CreateCluster): Promise<ClusterCreated>;
  step(command: StepCommand): Promise<StepReply>;
  state(node: NodeId): Promise<NodeStatus>;
  drain(node: NodeId): Promise<readonly Message[]>;
  /**
   * Every node's state and every message produced outside a step, in one call (optional in
   * the protocol: an adapter without it answers error 10 and the runner reads node by node).
   */
  inspect(): Promise<ClusterInspection>;
  /** Stop the implementation; never leaves a process behind. Safe to call twice. */
  close(): Promise<void>;
  /** Last lines the implementation wrote to stderr (for failure reports), if any. */
  stderrTail?(): string;
  /**
   * True for a process adapter that accepts pipelined requests: the runner then sends a
   * scenario's steps before their replies arrive (PROTOCOL.md §1). In-process adapters
   * leave it unset; a call costs them nothing to wait for.
   */
  readonly pipelining?: boolean;
  /** True once a process adapter failed and was killed (the runner then starts a fresh one). */
  readonly broken?: boolean;
}

/**
 * Why an adapter call failed. `definite` (PROTOCOL.md §8): the request certainly had no
 * effect. After an indefinite failure the runner fails the scenario and, for a process
 * adapter, starts a fresh process.
 */
export type AdapterFailureKind =
  | 'not-supported'
  | 'malformed-request'
  | 'unknown-node'
  | 'no-cluster'
  | 'implementation-error'
  | 'exited'
  | 'hung'
  | 'invalid-json'
  | 'wrong-shape'
  | 'protocol-version';

export class AdapterError extends Error {
  constructor(
    readonly kind: AdapterFailureKind,
    message: string,
    readonly definite: boolean,
  ) {
    super(message);
    this.name = 'AdapterError';
  }

  /** After this failure the adapter process cannot be trusted and must be replaced. */
  get processBroken(): boolean {
    return (
      this.kind === 'exited' ||
      this.kind === 'hung' ||
      this.kind === 'invalid-json' ||
      this.kind === 'wrong-shape'
    );
  }
}

/** Protocol error codes (PROTOCOL.md §8) and the failure kind each maps to. */
export const ERROR_CODES: Readonly<Record<number, { kind: AdapterFailureKind; definite: boolean }>> = {
  10: { kind: 'not-supported', definite: true },
  12: { kind: 'malformed-request', definite: true },
  13: { kind: 'unknown-node', definite: true },
  14: { kind: 'no-cluster', definite: true },
  20: { kind: 'implementation-error', definite: false },
};
