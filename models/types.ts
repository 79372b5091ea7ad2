/**
 * The model's vocabulary, taken from Figure 2 of the Raft paper (Ongaro & Ousterhout 2014)
 * and from raft.tla. Scenario files, trace events, diagrams and error messages reuse
 * these names.
 */

/** A server's id, such as `n1`. */
export type NodeId = string;
export type Term = number;
/** Log positions are 1-based, as in the paper; 0 means "before the first entry". */
export type LogIndex = number;

export interface LogEntry {
  readonly term: Term;
  readonly value: string;
}

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: Term;
}

/** RequestVote RPC arguments (Figure 2). `candidateId` is `from`. */
export interface RequestVoteRequest extends Envelope {
  readonly type: 'RequestVoteRequest';
  readonly lastLogIndex: LogIndex;
  readonly lastLogTerm: Term;
}

/** RequestVote RPC results (Figure 2). */
export interface RequestVoteResponse extends Envelope {
  readonly type: 'RequestVoteResponse';
  readonly voteGranted: boolean;
}

/**
 * PreVote (Ongaro's thesis §9.6): "a candidate would first ask other servers whether its
 * log was up-to-date enough to get their vote". `term` is the term the sender would
 * campaign in (its currentTerm + 1); nobody's currentTerm changes because of it.
 */
export interface PreVoteRequest extends Envelope {
  readonly type: 'PreVoteRequest';
  readonly lastLogIndex: LogIndex;
  readonly lastLogTerm: Term;
}

/** A grant echoes the request's term; a rejection carries the voter's currentTerm. */
export interface PreVoteResponse extends Envelope {
  readonly type: 'PreVoteResponse';
  readonly voteGranted: boolean;
}

/** AppendEntries RPC arguments (Figure 2). `leaderId` is `from`. */
export interface AppendEntriesRequest extends Envelope {
  readonly type: 'AppendEntriesRequest';
  readonly prevLogIndex: LogIndex;
  readonly prevLogTerm: Term;
  readonly entries: readonly LogEntry[];
  readonly leaderCommit: LogIndex;
}

/**
 * AppendEntries RPC results (Figure 2), plus `matchIndex` as in raft.tla (`mmatchIndex`):
 * on success, the index of the last entry the follower now holds that matches the
 * leader's log, so that a reordered or duplicated reply cannot move the leader backwards.
 */
export interface AppendEntriesResponse extends Envelope {
  readonly type: 'AppendEntriesResponse';
  readonly success: boolean;
  readonly matchIndex: LogIndex;
  /**
   * With the `backoff: 'hint'` switch, on a rejection: the last index of the follower's log
   * (etcd `RejectHint`, hashicorp `LastLog`). The leader moves nextIndex to at most hint + 1.
   * Absent otherwise.
   */
  readonly rejectHint?: LogIndex;
  /**
   * With the `appendMatchFrom: 'request'` switch, on success: the request this reply answers,
   * as an RPC layer correlates them (hashicorp/raft's leader holds its `req`): that request's
   * prevLogIndex and number of entries. The follower then claims nothing (`matchIndex` 0);
   * the leader derives the match from what it sent. Absent otherwise.
   */
  readonly inReplyTo?: AppendEntriesRequestRange;
}

/** Which AppendEntries request a reply answers: what an RPC layer gives back to the caller. */
export interface AppendEntriesRequestRange {
  readonly prevLogIndex: LogIndex;
  readonly entries: number;
}

export type Message =
  | RequestVoteRequest
  | RequestVoteResponse
  | PreVoteRequest
  | PreVoteResponse
  | AppendEntriesRequest
  | AppendEntriesResponse;

export type MessageType = Message['type'];

export const MESSAGE_TYPES: readonly MessageType[] = [
  'RequestVoteRequest',
  'RequestVoteResponse',
  'PreVoteRequest',
  'PreVoteResponse',
  'AppendEntriesRequest',
  'AppendEntriesResponse',
];

/** Timers are inputs, never hidden state: the environment decides when one fires. */
export interface ElectionTimeout {
  readonly type: 'ElectionTimeout';
}
export interface HeartbeatTimeout {
  readonly type: 'HeartbeatTimeout';
}
export interface ClientRequest {
  readonly type: 'ClientRequest';
  readonly value: string;
}
/** The node stops; only its persistent state (currentTerm, votedFor, log) survives. */
export interface Crash {
  readonly type: 'Crash';
}
export interface Restart {
  readonly type: 'Restart';
}
/**
 * One tick of the node's own logical clock (etcd's `tick()`), carrying the timeouts the
 * environment drew, in ticks: the election timer fires on the tick that reaches
 * `electionTimeout` ticks since it was reset, a leader's heartbeat on the tick that reaches
 * `heartbeatTimeout` (models/node/timers.ts).
 */
export interface Tick {
  readonly type: 'Tick';
  readonly electionTimeout: number;
  readonly heartbeatTimeout: number;
}
/** Receipt of a message from the network. The term rule is applied to it first. */
export interface Receive {
  readonly type: 'Receive';
  readonly message: Message;
}

/** Everything that can happen to a node. */
export type NodeInput = ElectionTimeout | HeartbeatTimeout | ClientRequest | Crash | Restart | Receive | Tick;
export type NodeInputType = NodeInput['type'];

export const INPUT_TYPES: readonly NodeInputType[] = [
  'ElectionTimeout',
  'HeartbeatTimeout',
  'ClientRequest',
  'Crash',
  'Restart',
  'Receive',
  'Tick',
];

/** The roles of Figure 2, plus PreVote's pre-candidate phase and a crashed node. */
export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader' | 'crashed';
export const ROLES: readonly Role[] = ['follower', 'preCandidate', 'candidate', 'leader', 'crashed'];

/** The state Figure 2 says must be on stable storage before responding to RPCs. */
export interface PersistentState {
  readonly currentTerm: Term;
  readonly votedFor: NodeId | null;
  readonly log: readonly LogEntry[];
}
