import {
  type AppendEntriesRequest,
  becomeFollower,
  type CompiledMachine,
  candidateLogUpToDate,
  isQuorum,
  type Message,
  type NodeEvent,
  type NodeInput,
  type NodeState,
  type PreVoteRequest,
  type PreVoteResponse,
  type RequestVoteRequest,
  step,
  stepExplained,
} from '../../models/index.ts';
import type { NodeStatus } from '../adapters/types.ts';
import { observeNode, type TakenTransition } from '../scenario/index.ts';
import {
  compareMessages,
  compareState,
  type FieldDifference,
  type MessageComparison,
  type ToleranceName,
} from './compare.ts';

/**
 * The opt-in tolerances (TOLERANCES entries with `optIn`, docs/conformance.md): allowed
 * variations of one implementation, accepted only when its adapter declares them in
 * `init_ok.tolerances`. Each is written as an **alternative outcome** of the step the model
 * just took: what a node with that variation would be and send, derived from the model's
 * own state and rules. The runner accepts the implementation's step if it equals the
 * model's outcome (with the default tolerances of compare.ts) or, failing that, one of
 * these alternatives; then the model follows the alternative (`followModel`), as it follows
 * the timer outcome an implementation took in a `tick`.
 *
 * Every alternative is narrow: it names the rule the model applied (the guards of `taken`)
 * and the exact difference the variation makes; nothing else may differ.
 */

/** What the model did at one step, as the runner saw it. */
export interface StepSituation {
  readonly input: NodeInput;
  readonly before: NodeState;
  readonly after: NodeState;
  readonly sent: readonly Message[];
  readonly taken: readonly TakenTransition[];
  /** Features of the cluster this scenario runs (PreVote, CheckQuorum). */
  readonly features: { readonly preVote: boolean; readonly checkQuorum: boolean };
  /** For a Restart: the node's commitIndex just before it crashed. */
  readonly commitBeforeCrash?: number;
  readonly machine: CompiledMachine;
}

export interface Variation {
  readonly tolerance: ToleranceName;
  /** The node's state with the variation. */
  readonly after: NodeState;
  /** What it sends with the variation. */
  readonly sent: readonly Message[];
  /** Actions of the variation's step (timer resets). */
  readonly actions: readonly string[];
  /**
   * The messages put in flight stay the model's (as for the default tolerances: both sides
   * see the same inputs) — true for variations that only change a reply; false when the
   * node's state follows the variation, so what is in flight must match it.
   */
  readonly keepsModelMessages: boolean;
}

function received(input: NodeInput): Message | null {
  return input.type === 'Receive' ? input.message : null;
}

function took(s: StepSituation, guard: string): boolean {
  return s.taken.some((t) => t.guard === guard);
}

function modelActions(s: StepSituation): string[] {
  return s.taken.flatMap((t) => t.actions);
}

/** The same state and actions as the model, another reply. */
function otherReply(s: StepSituation, tolerance: ToleranceName, sent: readonly Message[]): Variation {
  return { tolerance, after: s.after, sent, actions: modelActions(s), keepsModelMessages: true };
}

type VariationOf = (s: StepSituation) => Variation[];

/**
 * E3. etcd `stepCandidate`: `case quorum.VoteLost: r.becomeFollower(r.Term, None)`. A
 * (pre-)candidate whose refusals leave too few servers to reach a majority becomes a
 * follower of the same term; its vote (for itself) stays, so no second vote in the term
 * follows. The model stays candidate until its next election timeout.
 */
const candidateYieldsOnLostElection: VariationOf = (s) => {
  const { after } = s;
  if (after.role !== 'candidate' && after.role !== 'preCandidate') return [];
  const c = after.context;
  const stillPossible = [...c.votesGranted, ...c.cluster.filter((id) => !c.votesResponded.includes(id))];
  if (isQuorum(c, stillPossible)) return [];
  const follower: NodeState = { role: 'follower', context: becomeFollower(c, s.input as NodeEvent) };
  return [
    {
      tolerance: 'candidate-yields-on-lost-election',
      after: follower,
      sent: s.sent,
      actions: [...modelActions(s), 'becomeFollower'],
      keepsModelMessages: false,
    },
  ];
};

/**
 * E4. etcd `Step`, `m.Term < r.Term`: without CheckQuorum and PreVote a lower-term MsgApp is
 * ignored ("If checkQuorum is false, this will be handled by incrementing term numbers in
 * response to MsgVote with a higher term"). Only for AppendEntries, only with neither
 * feature: with PreVote a stale leader's followers may never send it a higher-term
 * RequestVote, and then only the reply tells it (BUGS.md #5, #10).
 */
const staleAppendDroppedWithoutPreVote: VariationOf = (s) => {
  const m = received(s.input);
  if (m?.type !== 'AppendEntriesRequest' || !took(s, 'isStaleRequest')) return [];
  if (s.features.preVote || s.features.checkQuorum) return [];
  return [otherReply(s, 'stale-append-dropped-without-prevote', [])];
};

/**
 * E5. etcd grants a MsgPreVote for a future term to an up-to-date log whatever leader it
 * knows; leader stickiness (thesis §4.2.3, `inLease`) comes with CheckQuorum only. The model
 * refused only for `hasCurrentLeader`; the grant is what it would send without that rule.
 */
const preVoteWithoutLeaderStickiness: VariationOf = (s) => {
  const m = received(s.input);
  if (m?.type !== 'PreVoteRequest' || !took(s, 'hasCurrentLeader') || s.features.checkQuorum) return [];
  if (!candidateLogUpToDate(s.before.context, m as PreVoteRequest as NodeEvent)) return [];
  return [otherReply(s, 'pre-vote-without-leader-stickiness', [grantPreVoteOf(s, m as PreVoteRequest)])];
};

function grantPreVoteOf(s: StepSituation, m: PreVoteRequest): PreVoteResponse {
  return { type: 'PreVoteResponse', from: s.before.context.id, to: m.from, term: m.term, voteGranted: true };
}

/**
 * E6. etcd persists `HardState.Commit` and restores it on restart. An index that was
 * committed stays committed (§5.4: Leader Completeness), so a restarted node may know it.
 */
const commitIndexPersisted: VariationOf = (s) => {
  if (s.input.type !== 'Restart' || s.after.role === 'crashed') return [];
  const max = Math.min(s.commitBeforeCrash ?? 0, s.after.context.log.length);
  const out: Variation[] = [];
  for (let commitIndex = 1; commitIndex <= max; commitIndex++) {
    out.push({
      tolerance: 'commit-index-persisted',
      after: { role: s.after.role, context: { ...s.after.context, commitIndex } },
      sent: s.sent,
      actions: modelActions(s),
      keepsModelMessages: false,
    });
  }
  return out;
};

/**
 * E7. etcd `handleAppendEntries`: `if m.Index < r.raftLog.committed { send MsgAppResp
 * Index: committed }`. The entries up to commitIndex are committed, hence in the log of
 * every leader of a later term (Leader Completeness), so the claim is true.
 */
const appendMatchAtCommit: VariationOf = (s) => {
  const m = received(s.input);
  if (m?.type !== 'AppendEntriesRequest' || !took(s, 'prevLogMatches')) return [];
  const commitIndex = s.before.context.commitIndex;
  if ((m as AppendEntriesRequest).prevLogIndex >= commitIndex) return [];
  const sent = s.sent.map((r) =>
    r.type === 'AppendEntriesResponse' && r.success ? { ...r, matchIndex: commitIndex } : r,
  );
  return [otherReply(s, 'append-match-at-commit', sent)];
};

/**
 * E8. etcd `Step`, `m.Term < r.Term` with CheckQuorum or PreVote: `r.send(pb.Message{To:
 * m.From, Type: pb.MsgAppResp})` — the newer term, no Reject flag. The stale leader steps
 * down on the term (Figure 2, All Servers) before it reads the flag.
 */
const staleAppendReplyUnrejected: VariationOf = (s) => {
  const m = received(s.input);
  if (m?.type !== 'AppendEntriesRequest' || !took(s, 'isStaleRequest')) return [];
  if (!s.features.preVote && !s.features.checkQuorum) return [];
  const sent = s.sent.map((r) =>
    r.type === 'AppendEntriesResponse' ? { ...r, success: true, matchIndex: 0 } : r,
  );
  return [otherReply(s, 'stale-append-reply-unrejected', sent)];
};

/**
 * E9. etcd `canVote := r.Vote == m.From || (r.Vote == None && r.lead == None) || …`: a
 * server that knows the leader of its term does not vote in that term. Refusing a vote is
 * always safe (§5.2 only bounds votes from above); the model granted it.
 */
const noVoteUnderKnownLeader: VariationOf = (s) => {
  const m = received(s.input);
  if (m?.type !== 'RequestVoteRequest' || !took(s, 'canGrantVote') || took(s, 'isHigherTerm')) return [];
  const c = s.before.context;
  if (c.leaderId === null || c.votedFor !== null) return [];
  const request = m as RequestVoteRequest;
  return [
    {
      tolerance: 'no-vote-under-known-leader',
      after: { role: s.after.role, context: { ...s.after.context, votedFor: c.votedFor } },
      sent: [
        {
          type: 'RequestVoteResponse',
          from: c.id,
          to: request.from,
          term: c.currentTerm,
          voteGranted: false,
        },
      ],
      actions: modelActions(s).map((a) => (a === 'grantVote' ? 'rejectVote' : a)),
      keepsModelMessages: false,
    },
  ];
};

/**
 * E10. etcd's pre-candidate counts a granted MsgPreVoteResp of term == its own term (an
 * earlier round's grant) as a grant ("PreVote is necessarily best-effort", etcd-io/raft#70;
 * etcd-io/etcd#8288 review). The alternative is the model's step on the same grant for this
 * round (term = currentTerm + 1).
 */
const stalePreVoteGrantCounted: VariationOf = (s) => {
  const m = received(s.input);
  if (m?.type !== 'PreVoteResponse' || !m.voteGranted || s.before.role !== 'preCandidate') return [];
  if (m.term !== s.before.context.currentTerm) return [];
  const counted = { ...m, term: s.before.context.currentTerm + 1 };
  const result = stepExplained(s.before, { type: 'Receive', message: counted }, s.machine);
  return [
    {
      tolerance: 'stale-pre-vote-grant-counted',
      after: result.state,
      sent: result.outputs,
      actions: result.taken.flatMap((t) => t.actions),
      keepsModelMessages: false,
    },
  ];
};

/**
 * E11. etcd's `canVote` for a MsgPreVote whose term equals the voter's: granted if the voter
 * voted for that candidate, or has neither voted nor seen a leader in the term — exactly
 * when it could still grant the real vote of that term (Figure 2, RequestVote rule 2), so
 * the grant promises nothing the real vote would not give.
 */
const preVoteInCurrentTerm: VariationOf = (s) => {
  const m = received(s.input);
  if (m?.type !== 'PreVoteRequest' || !took(s, 'preVoteTermNotAhead')) return [];
  const c = s.before.context;
  if (m.term !== c.currentTerm) return [];
  const couldVote = c.votedFor === m.from || (c.votedFor === null && c.leaderId === null);
  if (!couldVote || !candidateLogUpToDate(c, m as PreVoteRequest as NodeEvent)) return [];
  return [otherReply(s, 'pre-vote-in-current-term', [grantPreVoteOf(s, m as PreVoteRequest)])];
};

/**
 * E12. Raft §5.3: "If desired, the protocol can be optimized to reduce the number of rejected
 * AppendEntries RPCs": the leader may move nextIndex back by more than one on a rejection.
 * etcd's follower puts its last index in `RejectHint` and the leader's `maybeDecrTo` sets
 * Next = min(rejected, hint + 1), then probes from there at once. Any nextIndex ≥ 1 is safe:
 * the consistency check at prevLogIndex still decides (Log Matching). The alternatives are
 * the model's leader with nextIndex[follower] = p + 1 for each p below the model's, sending
 * what it would send that follower on a heartbeat.
 */
const rejectHintBackoff: VariationOf = (s) => {
  const m = received(s.input);
  if (m?.type !== 'AppendEntriesResponse' || m.success || !took(s, 'appendRejected')) return [];
  if (s.after.role !== 'leader') return [];
  const c = s.after.context;
  const out: Variation[] = [];
  for (let prev = 0; prev < (c.nextIndex[m.from] ?? 1) - 1; prev++) {
    const after: NodeState = {
      role: 'leader',
      context: { ...c, nextIndex: { ...c.nextIndex, [m.from]: prev + 1 } },
    };
    const sent = step(after, { type: 'HeartbeatTimeout' }, s.machine).outputs.filter((r) => r.to === m.from);
    out.push({
      tolerance: 'reject-hint-backoff',
      after,
      sent,
      actions: [...modelActions(s), 'sendAppendEntries'],
      keepsModelMessages: false,
    });
  }
  return out;
};

const VARIATIONS: Readonly<Partial<Record<ToleranceName, VariationOf>>> = {
  'candidate-yields-on-lost-election': candidateYieldsOnLostElection,
  'stale-append-dropped-without-prevote': staleAppendDroppedWithoutPreVote,
  'pre-vote-without-leader-stickiness': preVoteWithoutLeaderStickiness,
  'commit-index-persisted': commitIndexPersisted,
  'append-match-at-commit': appendMatchAtCommit,
  'stale-append-reply-unrejected': staleAppendReplyUnrejected,
  'no-vote-under-known-leader': noVoteUnderKnownLeader,
  'stale-pre-vote-grant-counted': stalePreVoteGrantCounted,
  'pre-vote-in-current-term': preVoteInCurrentTerm,
  'reject-hint-backoff': rejectHintBackoff,
};

/** The alternative outcomes the declared opt-in tolerances allow for this step, in table order. */
export function variationsOf(s: StepSituation, declared: ReadonlySet<ToleranceName>): Variation[] {
  const out: Variation[] = [];
  for (const [name, of] of Object.entries(VARIATIONS) as [ToleranceName, VariationOf][]) {
    if (declared.has(name)) out.push(...of(s));
  }
  return out;
}

export interface StepJudgement {
  /** The implementation's step is allowed. */
  readonly ok: boolean;
  /** Against the model's own outcome (what a failure reports). */
  readonly diffs: readonly FieldDifference[];
  readonly msgs: MessageComparison;
  /** The opt-in variation it took, when the model's outcome did not match. */
  readonly variation?: Variation;
  /** Tolerances used (default ones, and the variation's). */
  readonly used: readonly ToleranceName[];
}

/**
 * Is the implementation's step (its state and messages) allowed by the model from the
 * model's state? First the model's outcome with the default tolerances (compare.ts), then,
 * only for tolerances the implementation declared, the alternatives of `variationsOf`.
 */
export function judgeStep(
  node: string,
  s: StepSituation,
  reply: { readonly state: NodeStatus; readonly messages: readonly Message[] },
  declared: ReadonlySet<ToleranceName>,
  heartbeat: boolean,
): StepJudgement {
  const m = received(s.input);
  const diffs = compareState(observeNode(node, s.after), reply.state);
  const msgs = compareMessages(s.sent, reply.messages, {
    after: s.after,
    heartbeat,
    electedNow: s.after.role === 'leader' && s.before.role !== 'leader',
    staleVoteRequest: m?.type === 'RequestVoteRequest' && took(s, 'isStaleRequest'),
    machine: s.machine,
  });
  if (diffs.length === 0 && msgs.ok) return { ok: true, diffs, msgs, used: msgs.used };
  for (const v of variationsOf(s, declared)) {
    const vMsgs = compareMessages(v.sent, reply.messages, {
      after: v.after,
      heartbeat,
      electedNow: v.after.role === 'leader' && s.before.role !== 'leader',
      machine: s.machine,
    });
    if (vMsgs.ok && compareState(observeNode(node, v.after), reply.state).length === 0) {
      return { ok: true, diffs, msgs, variation: v, used: [...vMsgs.used, v.tolerance] };
    }
  }
  return { ok: false, diffs, msgs, used: [] };
}
