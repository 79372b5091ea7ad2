import fc from 'fast-check';
import type { LogEntry, Message, NodeContext, NodeId, NodeInput } from '../../models/index.ts';

/**
 * fast-check arbitraries for node inputs. Terms, indexes and values are kept small so
 * that random sequences hit equal, higher and lower terms and matching and conflicting
 * logs often.
 */
export const CLUSTER: readonly NodeId[] = ['n1', 'n2', 'n3'];
const term = fc.integer({ min: 0, max: 4 });
const index = fc.integer({ min: 0, max: 4 });
const nodeId = fc.constantFrom(...CLUSTER);
const value = fc.constantFrom('a', 'b', 'c');
const entry: fc.Arbitrary<LogEntry> = fc.record({ term: fc.integer({ min: 1, max: 4 }), value });

export function messageTo(to: NodeId): fc.Arbitrary<Message> {
  const from = nodeId.filter((id) => id !== to);
  return fc.oneof(
    fc.record({
      type: fc.constant('RequestVoteRequest' as const),
      from,
      to: fc.constant(to),
      term,
      lastLogIndex: index,
      lastLogTerm: term,
    }),
    fc.record({
      type: fc.constant('RequestVoteResponse' as const),
      from,
      to: fc.constant(to),
      term,
      voteGranted: fc.boolean(),
    }),
    fc.record({
      type: fc.constant('PreVoteRequest' as const),
      from,
      to: fc.constant(to),
      term,
      lastLogIndex: index,
      lastLogTerm: term,
    }),
    fc.record({
      type: fc.constant('PreVoteResponse' as const),
      from,
      to: fc.constant(to),
      term,
      voteGranted: fc.boolean(),
    }),
    fc.record({
      type: fc.constant('AppendEntriesRequest' as const),
      from,
      to: fc.constant(to),
      term,
      prevLogIndex: index,
      prevLogTerm: term,
      entries: fc.array(entry, { maxLength: 3 }),
      leaderCommit: index,
    }),
    fc.record(
      {
        type: fc.constant('AppendEntriesResponse' as const),
        from,
        to: fc.constant(to),
        term,
        success: fc.boolean(),
        matchIndex: index,
        // The backoff switch's optional hint (the follower's last index) on a rejection.
        rejectHint: index,
        // The appendMatchFrom switch's request a success answers.
        inReplyTo: fc.record({ prevLogIndex: index, entries: fc.nat({ max: 3 }) }),
      },
      { requiredKeys: ['type', 'from', 'to', 'term', 'success', 'matchIndex'] },
    ),
  );
}

export function inputFor(to: NodeId): fc.Arbitrary<NodeInput> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant({ type: 'ElectionTimeout' as const }) },
    { weight: 1, arbitrary: fc.constant({ type: 'HeartbeatTimeout' as const }) },
    { weight: 1, arbitrary: value.map((v) => ({ type: 'ClientRequest' as const, value: v })) },
    { weight: 1, arbitrary: fc.constant({ type: 'Crash' as const }) },
    { weight: 1, arbitrary: fc.constant({ type: 'Restart' as const }) },
    { weight: 8, arbitrary: messageTo(to).map((message) => ({ type: 'Receive' as const, message })) },
  );
}

/** A tick of the node's clock with small timeouts, so that timers fire within a short sequence. */
export const tickInput: fc.Arbitrary<NodeInput> = fc.record({
  type: fc.constant('Tick' as const),
  electionTimeout: fc.integer({ min: 1, max: 4 }),
  heartbeatTimeout: fc.integer({ min: 1, max: 3 }),
});

/** `inputFor` plus ticks of the node's own clock (not for the reference: its clock is its own). */
export function inputWithTicksFor(to: NodeId): fc.Arbitrary<NodeInput> {
  return fc.oneof({ weight: 5, arbitrary: inputFor(to) }, { weight: 2, arbitrary: tickInput });
}

// ------------------------------------------------------------------ inputs anchored to the state

/**
 * An input drawn blind (by `inputFor`) plus how to anchor it to the node it is delivered
 * to. Blind random terms and indexes seldom fit a node's state, so a lone node rarely
 * gets elected or replicates; anchoring rewrites a message's term and log positions
 * relative to the receiver's currentTerm and log (one term behind, equal, ahead; a
 * matching or off-by-one prevLogIndex), so that the interesting cases — an election won,
 * entries appended and committed, a leader stepping down — occur in short sequences.
 * About a quarter of the inputs stay blind, so nonsense keeps arriving too.
 */
export interface AnchoredInput {
  readonly input: NodeInput;
  /** false: deliver `input` as drawn. */
  readonly anchor: boolean;
  /** Message term relative to the receiver's currentTerm (or to currentTerm + 1 for pre-votes). */
  readonly termDelta: number;
  /** Log index relative to the receiver's last log index. */
  readonly indexDelta: number;
  /** Log term relative to the receiver's term at that index. */
  readonly logTermDelta: number;
}

export function anchoredInputFor(to: NodeId): fc.Arbitrary<AnchoredInput> {
  return fc.record({
    input: inputFor(to),
    anchor: fc.oneof(
      { weight: 3, arbitrary: fc.constant(true) },
      { weight: 1, arbitrary: fc.constant(false) },
    ),
    termDelta: fc.constantFrom(-1, 0, 0, 0, 0, 1, 2),
    indexDelta: fc.constantFrom(-2, -1, 0, 0, 0, 1),
    logTermDelta: fc.constantFrom(-1, 0, 0, 0, 1),
  });
}

/** Make `planned` concrete against the receiving node's current context. */
export function anchorInput(context: NodeContext, planned: AnchoredInput): NodeInput {
  const { input } = planned;
  if (!planned.anchor || input.type !== 'Receive') return input;
  const m = input.message;
  const clamp = (n: number) => Math.max(0, n);
  const myTerm = context.currentTerm;
  const logEnd = context.log.length;
  const index = Math.min(logEnd, clamp(logEnd + planned.indexDelta));
  const termAtIndex = index === 0 ? 0 : context.log[index - 1].term;
  const term = clamp(myTerm + planned.termDelta);
  switch (m.type) {
    case 'RequestVoteRequest':
    case 'PreVoteRequest':
      return {
        type: 'Receive',
        message: {
          ...m,
          term: m.type === 'PreVoteRequest' ? term + 1 : term,
          lastLogIndex: clamp(logEnd + planned.indexDelta),
          lastLogTerm: clamp(termAtIndex + planned.logTermDelta),
        },
      };
    case 'RequestVoteResponse':
      return { type: 'Receive', message: { ...m, term } };
    case 'PreVoteResponse':
      return { type: 'Receive', message: { ...m, term: m.voteGranted ? term + 1 : term } };
    case 'AppendEntriesRequest': {
      // prevLogIndex may point one past the end (indexDelta 1): the consistency check fails.
      const prevLogIndex = clamp(logEnd + planned.indexDelta);
      const prevLogTerm =
        prevLogIndex > logEnd ? m.prevLogTerm : clamp(termAtIndex + (planned.logTermDelta === 1 ? 1 : 0));
      // A leader's entries have non-decreasing terms between prevLogTerm and its own term.
      let last = Math.min(prevLogTerm, term);
      const entries = m.entries.map((e) => {
        last = Math.min(term, Math.max(last, e.term));
        return { term: last, value: e.value };
      });
      const lastNew = prevLogIndex + entries.length;
      return {
        type: 'Receive',
        message: {
          ...m,
          term,
          prevLogIndex,
          prevLogTerm,
          entries,
          leaderCommit: Math.min(m.leaderCommit, lastNew),
        },
      };
    }
    case 'AppendEntriesResponse':
      return { type: 'Receive', message: { ...m, term, matchIndex: m.success ? index : 0 } };
  }
}
