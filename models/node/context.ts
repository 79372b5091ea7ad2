import type { Features } from '../features.ts';
import type { LogEntry, Message, NodeId, PersistentState, Term } from '../types.ts';

/**
 * A node's variables, grouped by owner as raft.tla groups them. Every field is plain
 * data (no Maps or Sets) so that snapshots serialize, compare and hash cheaply.
 * Arrays of ids are kept sorted, so equal states have equal representations.
 */
export interface NodeContext {
  // --- configuration (never changes) ---
  /** This server's id. */
  readonly id: NodeId;
  /** Every server in the cluster, this one included, sorted. */
  readonly cluster: readonly NodeId[];
  readonly features: Features;

  // --- server: persistent state on all servers (Figure 2) ---
  /** Latest term this server has seen. */
  readonly currentTerm: Term;
  /** Candidate that received this server's vote in currentTerm, or null. */
  readonly votedFor: NodeId | null;

  // --- log ---
  /** Log entries; entry i (1-based) is log[i - 1]. Persistent. */
  readonly log: readonly LogEntry[];
  /** Index of the highest entry known to be committed. Volatile. */
  readonly commitIndex: number;

  // --- candidate (and pre-candidate) ---
  /** Servers that granted this candidate (or pre-candidate) a vote, self included. */
  readonly votesGranted: readonly NodeId[];
  /** Servers that answered this candidate (or pre-candidate) at all. */
  readonly votesResponded: readonly NodeId[];

  // --- leader ---
  /** For each other server, index of the next log entry to send to it. */
  readonly nextIndex: Readonly<Record<NodeId, number>>;
  /** For each other server, highest log entry known to be replicated on it. */
  readonly matchIndex: Readonly<Record<NodeId, number>>;
  /**
   * CheckQuorum (thesis §6.2): the servers this leader heard from since its last quorum check,
   * itself included, sorted. Empty unless the checkQuorum switch is on. Volatile.
   */
  readonly heardFrom: readonly NodeId[];

  // --- follower ---
  /** The leader of currentTerm this server has heard from, or null. Volatile. */
  readonly leaderId: NodeId | null;

  // --- timers (logical ticks, models/node/timers.ts) ---
  /** Ticks since the election timer was last reset. Volatile; always 0 in the model checker. */
  readonly electionElapsed: number;
  /** Ticks since a leader's heartbeat timer was last reset. Volatile; always 0 in the model checker. */
  readonly heartbeatElapsed: number;

  // --- outputs ---
  /** Messages sent by the step being taken; drained by `step()` (like etcd's `Ready`). */
  readonly outbox: readonly Message[];
}

export interface NodeSetup {
  readonly id: NodeId;
  readonly cluster: readonly NodeId[];
  readonly features: Features;
  /** Persistent state to start from (a restarted node); empty by default. */
  readonly persistent?: Partial<PersistentState>;
}

export function initialContext(setup: NodeSetup): NodeContext {
  const cluster = [...setup.cluster].sort();
  if (!cluster.includes(setup.id)) {
    throw new Error(`node ${setup.id} is not a member of the cluster [${cluster.join(', ')}]`);
  }
  return {
    id: setup.id,
    cluster,
    features: setup.features,
    currentTerm: setup.persistent?.currentTerm ?? 0,
    votedFor: setup.persistent?.votedFor ?? null,
    log: setup.persistent?.log ?? [],
    commitIndex: 0,
    votesGranted: [],
    votesResponded: [],
    nextIndex: {},
    matchIndex: {},
    heardFrom: [],
    leaderId: null,
    electionElapsed: 0,
    heartbeatElapsed: 0,
    outbox: [],
  };
}

/**
 * The context with another outbox. Written out field by field, in `initialContext`'s order,
 * rather than as `{ ...context, outbox }`: every send goes through here, and a literal of
 * one fixed shape is several times cheaper for the engine than an object spread (measured
 * with `npm run bench:check`). Every field of NodeContext is required, so the compiler
 * names any field a change forgets here.
 */
export function withOutbox(context: NodeContext, outbox: readonly Message[]): NodeContext {
  return {
    id: context.id,
    cluster: context.cluster,
    features: context.features,
    currentTerm: context.currentTerm,
    votedFor: context.votedFor,
    log: context.log,
    commitIndex: context.commitIndex,
    votesGranted: context.votesGranted,
    votesResponded: context.votesResponded,
    nextIndex: context.nextIndex,
    matchIndex: context.matchIndex,
    heardFrom: context.heardFrom,
    leaderId: context.leaderId,
    electionElapsed: context.electionElapsed,
    heartbeatElapsed: context.heartbeatElapsed,
    outbox,
  };
}

export function persistentState(context: NodeContext): PersistentState {
  return { currentTerm: context.currentTerm, votedFor: context.votedFor, log: context.log };
}

/** The other servers, in id order. */
export function peersOf(context: NodeContext): readonly NodeId[] {
  return context.cluster.filter((id) => id !== context.id);
}

/** Strictly more than half of the cluster. */
export function isQuorum(context: NodeContext, voters: readonly NodeId[]): boolean {
  return voters.length * 2 > context.cluster.length;
}
