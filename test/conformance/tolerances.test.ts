import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  compileNodeMachine,
  type Message,
  type NodeInput,
  type NodeState,
  stepExplained,
} from '../../models/index.ts';
import type { NodeStatus } from '../../src/adapters/types.ts';
import { OPT_IN_TOLERANCES, TOLERANCES, type ToleranceName } from '../../src/conformance/compare.ts';
import { judgeStep, type StepSituation } from '../../src/conformance/variations.ts';
import { appendEntries, node } from '../model/nodes.ts';

/**
 * Each opt-in tolerance (docs/conformance.md, Tolerances; declared by an adapter in
 * `init_ok.tolerances`): the implementation's step, written as etcd's raft library takes it,
 * is NOT allowed without the tolerance (so the reference's mutants stay killed), IS allowed
 * with it, and a neighbouring wrong step stays refused even with it declared.
 */

const machine = compileNodeMachine();
const PLAIN = { preVote: false, checkQuorum: false };
const PREVOTE = { preVote: true, checkQuorum: false };

function situate(before: NodeState, input: NodeInput, features = PLAIN): StepSituation {
  const result = stepExplained(before, input, machine);
  return {
    input,
    before,
    after: result.state,
    sent: result.outputs,
    taken: result.taken.map((t) => ({ node: 'n1', ...t })),
    features,
    machine,
  };
}

/** The implementation's reported state: the given node state with some fields changed. */
function status(state: NodeState, fields: Partial<NodeStatus> = {}): NodeStatus {
  const c = state.context;
  return {
    id: c.id,
    role: state.role,
    currentTerm: c.currentTerm,
    votedFor: c.votedFor,
    log: c.log,
    commitIndex: c.commitIndex,
    ...fields,
  };
}

function judge(
  s: StepSituation,
  state: NodeStatus,
  messages: readonly Message[],
  declared: readonly ToleranceName[],
) {
  return judgeStep('n1', s, { state, messages }, new Set(declared), false);
}

/** Not allowed with no tolerance, nor with every OTHER opt-in tolerance; allowed with `name`. */
function expectOnlyWith(
  name: ToleranceName,
  s: StepSituation,
  state: NodeStatus,
  messages: readonly Message[],
) {
  expect(judge(s, state, messages, []).ok).toBe(false);
  expect(
    judge(
      s,
      state,
      messages,
      OPT_IN_TOLERANCES.filter((t) => t !== name),
    ).ok,
  ).toBe(false);
  const withIt = judge(s, state, messages, [name]);
  expect(withIt.ok).toBe(true);
  expect(withIt.used).toContain(name);
  expect(withIt.variation?.tolerance).toBe(name);
  return withIt;
}

describe('opt-in tolerances', () => {
  it('are the TOLERANCES entries marked optIn, each documented with the class it was made for', () => {
    const optIn = Object.values(TOLERANCES).filter((t) => 'optIn' in t);
    expect(OPT_IN_TOLERANCES).toEqual(optIn.map((t) => t.name));
    // E3, E5–E7 and E9–E12 became model switches (yieldOnLostElection, preVoteStickiness,
    // persistCommitIndex, appendBelowCommit, leaderStickiness, preVoteOwnTerm, backoff,
    // ignoreStaleRejections); E4 and E8 are observation artefacts.
    expect(OPT_IN_TOLERANCES).toHaveLength(2);
    for (const t of optIn) expect(t.madeFor).toMatch(/^E\d+$/);
    // Each has its row in the opt-in table of docs/conformance.md, with its class.
    const doc = readFileSync('docs/conformance.md', 'utf8');
    for (const t of optIn) expect(doc).toContain(`| \`${t.name}\` | ${t.madeFor} |`);
  });

  it('stale-append-dropped-without-prevote (E4): no reply to an older-term AppendEntries, without PreVote only', () => {
    const follower = node('follower', { currentTerm: 3 });
    const stale = appendEntries('n2', { term: 2 });
    const s = situate(follower, stale);
    expect(s.sent).toHaveLength(1); // the model rejects it (receiver rule 1)
    expectOnlyWith('stale-append-dropped-without-prevote', s, status(s.after), []);
    // With PreVote the deposed leader may never hear a higher-term RequestVote: it must get the reply.
    const withPreVote = situate(node('follower', { currentTerm: 3 }, { preVote: true }), stale, PREVOTE);
    expect(
      judge(withPreVote, status(withPreVote.after), [], ['stale-append-dropped-without-prevote']).ok,
    ).toBe(false);
  });

  it('stale-append-reply-unrejected (E8): with PreVote, the reply to an older-term AppendEntries may say success', () => {
    const follower = node('follower', { currentTerm: 3 }, { preVote: true });
    const s = situate(follower, appendEntries('n2', { term: 2 }), PREVOTE);
    const unrejected = [
      { type: 'AppendEntriesResponse', from: 'n1', to: 'n2', term: 3, success: true, matchIndex: 0 },
    ] as const;
    expectOnlyWith('stale-append-reply-unrejected', s, status(s.after), unrejected);
    // It must carry the newer term: that is what deposes the stale leader.
    const oldTerm = [{ ...unrejected[0], term: 2 }];
    expect(judge(s, status(s.after), oldTerm, ['stale-append-reply-unrejected']).ok).toBe(false);
  });
});
