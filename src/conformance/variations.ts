import type { CompiledMachine, Message, NodeInput, NodeState } from '../../models/index.ts';
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
 * E4. etcd `Step`, `m.Term < r.Term`: without CheckQuorum and PreVote a lower-term MsgApp is
 * ignored ("If checkQuorum is false, this will be handled by incrementing term numbers in
 * response to MsgVote with a higher term"). Only for AppendEntries, only with neither
 * feature: with PreVote a stale leader's followers may never send it a higher-term
 * RequestVote, and then only the reply tells it (docs/bugs.md #5, #10).
 */
const staleAppendDroppedWithoutPreVote: VariationOf = (s) => {
  const m = received(s.input);
  if (m?.type !== 'AppendEntriesRequest' || !took(s, 'isStaleRequest')) return [];
  if (s.features.preVote || s.features.checkQuorum) return [];
  return [otherReply(s, 'stale-append-dropped-without-prevote', [])];
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

const VARIATIONS: Readonly<Partial<Record<ToleranceName, VariationOf>>> = {
  'stale-append-dropped-without-prevote': staleAppendDroppedWithoutPreVote,
  'stale-append-reply-unrejected': staleAppendReplyUnrejected,
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
