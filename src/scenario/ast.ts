import type { Features, LogEntry, Message, MessageType, NodeId, Role } from '../../models/index.ts';

/**
 * The scenario AST. A scenario file (`conformance/scenarios/**\/*.txt`, grammar in
 * `docs/scenario-format.md`) parses to a `Scenario`; its JSON form (`docs/scenario.schema.json`)
 * is this same tree, so tools in other languages read exactly what the runner reads.
 *
 * Vocabulary is the model's (Figure 2 of the Raft paper, raft.tla): message types and their
 * fields, roles, `currentTerm`/`votedFor`/`log`/`commitIndex`. Nothing here is specific to
 * one implementation.
 *
 * Two kinds of scenario share the format:
 * - **step mode** (`mode: 'step'`): the kit injects every input (timeouts, deliveries,
 *   crashes) and, after each, compares the implementation with the model's `expect`
 *   observation (as an acceptor, with named tolerances: see docs/conformance.md);
 * - **cluster mode** (`mode: 'cluster'`): real nodes with their own timers; steps start,
 *   kill and partition them, wait, and state properties with deadlines (`expect leader
 *   within 5s`). These steps have no model-computed `expect` block.
 */

/** Format version of the JSON form; bumped on an incompatible change. */
export const SCENARIO_FORMAT_VERSION = 1;

export interface Scenario {
  /** The file's base name without `.txt`, e.g. `initial-election`. Unique within the suite. */
  readonly name: string;
  readonly header: ScenarioHeader;
  readonly cluster: ClusterSpec;
  readonly steps: readonly Step[];
}

// ------------------------------------------------------------------------- header

export interface ScenarioHeader {
  /** The `#` paragraph: what this scenario tests, one element per line, without the `# `. */
  readonly summary: readonly string[];
  /** Paper sections and figures it checks, e.g. `§5.2`, `Figure 8`, `thesis §9.6`. */
  readonly references: readonly string[];
  /** Bug classes of docs/bugs.md (the project's catalogue of real Raft bugs) this scenario exposes. */
  readonly bugs: readonly number[];
  readonly source: ScenarioSource;
  /**
   * Coverage targets this scenario was written or generated for, e.g.
   * `transition:follower/AppendEntriesRequest/prevLogMatches`, `payload:term=higher`,
   * `cluster:figure-8`. `raftkit coverage` recomputes coverage from the run itself; this is
   * the stated intent, shown in the catalog.
   */
  readonly targets: readonly string[];
}

export type ScenarioSource =
  /** Written by a person; `citation` says where the situation comes from (paper, test suite, bug). */
  | { readonly kind: 'curated'; readonly citation: string }
  /** Written by `raftkit generate`; regenerated, never edited. */
  | {
      readonly kind: 'generated';
      /** Generator name, e.g. `node-paths` (xstate/graph) or `cluster-paths` (explorer). */
      readonly generator: string;
      readonly seed: number;
      /** The coverage target the path was searched for. */
      readonly target: string;
    };

// ------------------------------------------------------------------------- cluster

export type ScenarioMode = 'step' | 'cluster';

/** Persistent state a node starts from (Figure 2 "persistent state on all servers"). */
export interface InitialNodeState {
  readonly currentTerm: number;
  readonly votedFor: NodeId | null;
  readonly log: readonly LogEntry[];
}

export interface ScenarioFeatures {
  /** PreVote (thesis §9.6). A scenario that needs it is skipped by an implementation without it. */
  readonly preVote: boolean;
  /** CheckQuorum (thesis §6.2). A scenario that needs it is skipped by an implementation without it. */
  readonly checkQuorum: boolean;
  /**
   * The leader no-op (thesis §6.4, §8): the model's leaders append a blank entry of their term
   * on election. Absent means off. A scenario that needs it is skipped by an implementation
   * that does not declare it.
   */
  readonly leaderNoOp?: boolean;
  /**
   * Every other model switch (models/features.ts) away from its default: those the scenario
   * names on its `features` line (`leaderStickiness=same-term`; such a scenario runs only
   * against an implementation that declares that value), and in the conformance oracle's
   * copy also those the implementation declares.
   */
  readonly switches?: Partial<Features>;
}

/**
 * The situations a cluster-mode scenario may state it must reach (`situation leader-isolated`
 * in its cluster block). The run report says per run whether it was reached: a run that did
 * not reach it is "not reached", never a pass. The checks live in src/cluster/situations.ts.
 */
export const CLUSTER_SITUATIONS = {
  'leader-elected': 'a leader was elected and held its term for the stability window',
  'leader-killed':
    'the node that led was killed and a leader was elected again afterwards (a new leadership)',
  'follower-killed': 'a follower of the current leader (not the leader) was killed',
  'leader-isolated': 'a partition put the leader in a minority and the majority elected another leader',
  'follower-isolated': 'a partition put a follower in a minority while the leader kept a majority',
  'leader-keeps-majority':
    'a partition left the leader with a majority, and it kept leading through the partition',
  'leader-cut-off': "the leader's messages to a follower were lost (a cut from the leader)",
  'quorum-lost': 'fewer than a majority of the nodes were running at once',
  'all-restarted': 'every node was killed and started again',
} as const;
export type ClusterSituation = keyof typeof CLUSTER_SITUATIONS;

/**
 * Where a cluster-mode fault is aimed, resolved when the step runs: a node id, `leader`
 * (the current unique leader), `follower` (a node following that leader, not chosen
 * already in the step), `rest` (in a partition: every node not named in another group; in
 * a cut: every other node), or `$var` (a node id captured earlier).
 */
export type ClusterTarget = NodeId | 'leader' | 'follower' | 'rest';

export interface ClusterSpec {
  readonly mode: ScenarioMode;
  /** The situation a cluster-mode scenario must reach (absent: none stated). */
  readonly situation?: ClusterSituation;
  /** Server ids, sorted (`n1`, `n2`, …). */
  readonly nodes: readonly NodeId[];
  readonly features: ScenarioFeatures;
  /**
   * Nodes that do not start empty. A node absent here starts with term 0, no vote and an
   * empty log. Every node starts as a follower (a restarted server does, Figure 2).
   */
  readonly initial: Readonly<Record<NodeId, InitialNodeState>>;
}

// ------------------------------------------------------------------------- steps

export interface Step {
  /** 1-based line of the step in its file (0 when built in memory). */
  readonly line: number;
  readonly input: ScenarioInput;
  /**
   * Step mode only: what the model says is observable after the input, computed by the
   * model (`raftkit generate --rewrite`), never edited by hand. Absent on cluster steps.
   */
  readonly expect?: Observation;
}

/** Selects in-flight messages: type, sender and receiver, plus optional field equalities. */
export interface MessagePattern {
  readonly type: MessageType;
  readonly from: NodeId;
  readonly to: NodeId;
  /** e.g. `{ term: 2 }`, `{ voteGranted: true }`, `{ entries: [{term: 1, value: 'x'}] }`. */
  readonly fields: Readonly<Record<string, number | boolean | readonly LogEntry[]>>;
}

/**
 * The inputs of a step-mode scenario. The network is a bag of in-flight messages (the
 * cluster model's): every message a node sends is added to it; `deliver`/`drop`/`duplicate`
 * act on the FIRST in-flight message matching the pattern in the format's message order
 * (`compareMessages` in text.ts: type, sender, receiver, then the fields in printed order)
 * — an error if none matches. The order does not depend on the order messages were sent
 * or stored, so the choice is the same for an implementation that sends the same
 * messages in another order.
 */
export type StepInput =
  /** `timeout n1`: ElectionTimeout fires at n1. */
  | { readonly kind: 'timeout'; readonly node: NodeId }
  /** `heartbeat n1`: HeartbeatTimeout fires at n1 (a leader sends AppendEntries). */
  | { readonly kind: 'heartbeat'; readonly node: NodeId }
  /** `propose n1 x`: ClientRequest{value: x} at n1. */
  | { readonly kind: 'propose'; readonly node: NodeId; readonly value: string }
  /** `crash n1`: n1 stops, keeping only its persistent state. */
  | { readonly kind: 'crash'; readonly node: NodeId }
  /** `restart n1`: n1 comes back as a follower from its persistent state. */
  | { readonly kind: 'restart'; readonly node: NodeId }
  /** `deliver RequestVoteRequest n1->n2 [term=2]`: the receiver gets the message (removed from the bag). */
  | { readonly kind: 'deliver'; readonly pattern: MessagePattern }
  /** `drop …`: the message is lost (removed from the bag, nobody steps). */
  | { readonly kind: 'drop'; readonly pattern: MessagePattern }
  /** `duplicate …`: a copy of the message is added to the bag (nobody steps). */
  | { readonly kind: 'duplicate'; readonly pattern: MessagePattern }
  /**
   * `inject AppendEntriesRequest n2->n1 term=3 prevLogIndex=1 …`: the receiver gets a
   * message written out in full by the scenario (node-level tests: the sender need not have
   * sent it, as in etcd's `Step(pb.Message{…})`). All fields of the type must be given.
   */
  | { readonly kind: 'inject'; readonly message: Message }
  /**
   * `tick n1 5`: advance n1's clock by 5 ticks and let its own timers fire. The timeouts are
   * the implementation's, so replaying the file does not tick the model; `timers` names the timeout inputs
   * the implementation MAY fire during it instead (ElectionTimeout; HeartbeatTimeout for
   * a leader). The acceptor allows either outcome; the expected block shows the no-timer
   * one. Only implementations declaring the `ticks` feature run tick steps.
   */
  | { readonly kind: 'tick'; readonly node: NodeId; readonly ticks: number };

/** A duration in milliseconds, written `500ms` or `5s`. */
export type Millis = number;

/** What an `expect` or `capture` in cluster mode looks at. */
export type ClusterSubject =
  /** The highest term any live node reports. */
  | { readonly kind: 'term' }
  /** The id of the unique leader of the highest term (or none). */
  | { readonly kind: 'leader' }
  /**
   * `majority.term`: the highest term that a majority of the whole cluster has reached (each
   * running node's reported term; a node down or silent has reached none).
   */
  | { readonly kind: 'majorityTerm' }
  /** One node's field. */
  | {
      readonly kind: 'node';
      readonly node: NodeId;
      readonly field: 'term' | 'role' | 'votedFor' | 'commitIndex' | 'lastLogIndex';
    };

export type ClusterValue =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'text'; readonly value: string }
  /** `$t`: a value captured earlier; `$t+1` adds an offset to a captured number. */
  | { readonly kind: 'var'; readonly name: string; readonly offset: number };

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

/**
 * The inputs of a cluster-mode scenario (issue 7): real processes, real timers. A target
 * may be `leader` (the current leader, resolved when the step runs) instead of a node id.
 */
export type ClusterInput =
  /** `kill n1` / `kill leader` / `kill follower` / `kill $l`: SIGKILL the node's process (its data dir is kept). */
  | { readonly kind: 'kill'; readonly node: ClusterTarget }
  /** `start n1` / `start $l`: (re)start a node from its data dir. */
  | { readonly kind: 'start'; readonly node: NodeId }
  /**
   * `partition n1 | n2 n3`, `partition leader | rest`, `partition leader + 1 | rest`: only
   * nodes in the same group can talk (`leader + 1` is the leader and one follower).
   */
  | { readonly kind: 'partition'; readonly groups: readonly (readonly ClusterTarget[])[] }
  /** `cut n1 -> n2` (one direction) or `cut leader <-> follower` (both): block one link (`-> rest`: every link from it). */
  | {
      readonly kind: 'cut';
      readonly from: ClusterTarget;
      readonly to: ClusterTarget;
      readonly bothWays: boolean;
    }
  /** `heal`: every link flows again. */
  | { readonly kind: 'heal' }
  /** `wait 500ms`. */
  | { readonly kind: 'wait'; readonly ms: Millis }
  /** `submit n1 x` / `submit leader x` / `submit $l x`: a client write through the node. */
  | { readonly kind: 'submit'; readonly node: ClusterTarget; readonly value: string }
  /** `expect leader within 5s`: some node is the sole leader of the highest term before the deadline. */
  | { readonly kind: 'expectLeader'; readonly withinMs: Millis }
  /** `expect no leader for 1s`: no node claims leadership during the whole interval. */
  | { readonly kind: 'expectNoLeader'; readonly forMs: Millis }
  /**
   * `expect term > $t`, `expect n1.votedFor == n2 within 2s`, `expect leader != $l`:
   * a comparison, checked once, or until it holds (`within`), or all along (`for`).
   */
  | {
      readonly kind: 'expect';
      readonly subject: ClusterSubject;
      readonly op: CompareOp;
      readonly value: ClusterValue;
      readonly withinMs?: Millis;
      readonly forMs?: Millis;
    }
  /** `expect committed x within 2s` (or `for 1s` with `not`): value x is in every live node's committed prefix. */
  | {
      readonly kind: 'expectCommitted';
      readonly value: string;
      readonly negated: boolean;
      readonly withinMs?: Millis;
      readonly forMs?: Millis;
    }
  /** `capture $t = term`: remember a value for later comparisons. */
  | { readonly kind: 'capture'; readonly name: string; readonly subject: ClusterSubject }
  /** `repeat 20` … `end`: the nested steps run that many times (e.g. election time over 20 leader kills). */
  | { readonly kind: 'repeat'; readonly count: number; readonly steps: readonly Step[] };

export type ScenarioInput = StepInput | ClusterInput;
export type StepInputKind = StepInput['kind'];
export type ClusterInputKind = ClusterInput['kind'];

export const STEP_INPUT_KINDS: readonly StepInputKind[] = [
  'timeout',
  'heartbeat',
  'propose',
  'crash',
  'restart',
  'deliver',
  'drop',
  'duplicate',
  'inject',
  'tick',
];

export const CLUSTER_INPUT_KINDS: readonly ClusterInputKind[] = [
  'kill',
  'start',
  'partition',
  'cut',
  'heal',
  'wait',
  'submit',
  'expectLeader',
  'expectNoLeader',
  'expect',
  'expectCommitted',
  'capture',
  'repeat',
];

// ------------------------------------------------------------------------- observations

/** A node's observable state: Figure 2's persistent state, commitIndex, and the role. */
export interface NodeObservation {
  readonly node: NodeId;
  readonly role: Role;
  readonly currentTerm: number;
  readonly votedFor: NodeId | null;
  readonly log: readonly LogEntry[];
  readonly commitIndex: number;
}

/**
 * What the model says is observable after a step-mode input.
 * - `nodes`: the node the input went to (the receiver of a delivered message, the node
 *   that timed out, crashed, …), always, then any other node whose observation changed,
 *   in id order. Empty for `drop` and `duplicate`.
 * - `sent`: the messages the stepping node sent, in the model's order (the acceptor
 *   compares them as a multiset, with the tolerances of docs/conformance.md).
 * - `timers` (tick steps only): timeout inputs the implementation may fire instead of
 *   doing nothing.
 */
export interface Observation {
  readonly nodes: readonly NodeObservation[];
  readonly sent: readonly Message[];
  readonly timers?: readonly ('ElectionTimeout' | 'HeartbeatTimeout')[];
}

/** Is this input one of step mode's (as opposed to cluster mode's)? */
export function isStepInput(input: ScenarioInput): input is StepInput {
  return (STEP_INPUT_KINDS as readonly string[]).includes(input.kind);
}
