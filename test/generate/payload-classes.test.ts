import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import * as model from '../../models/index.ts';
import { initialNodeState, makeFeatures, type NodeInput, type NodeState } from '../../models/index.ts';
import { payloadClasses } from '../../src/generate/coverage.ts';
import { CLUSTER, messageTo } from '../support/arbitraries.ts';

// The model's term-rule guards and update, watched: coverage must ask them, not decide itself.
vi.mock('../../models/index.ts', async (original) => {
  const m = await original<typeof import('../../models/index.ts')>();
  return {
    ...m,
    isStaleRequest: vi.fn(m.isStaleRequest),
    isStaleResponse: vi.fn(m.isStaleResponse),
    isHigherTerm: vi.fn(m.isHigherTerm),
    updateTerm: vi.fn(m.updateTerm),
  };
});

/**
 * Coverage's payload classes judge a message after the term rule, and take that rule from
 * models/ (one copy of each rule, docs/DESIGN): Figure 2, Rules for All Servers, "If RPC
 * request or response contains term T > currentTerm: set currentTerm = T, convert to
 * follower", and receiver rule 1, "Reply false if term < currentTerm". Reference: §5.1.
 */

function voter(currentTerm: number, votedFor: string | null): NodeState {
  const node = initialNodeState({ id: 'n1', cluster: CLUSTER, features: makeFeatures() });
  return { ...node, context: { ...node.context, currentTerm, votedFor } };
}

const vote = (term: number): NodeInput => ({
  type: 'Receive',
  message: { type: 'RequestVoteRequest', from: 'n2', to: 'n1', term, lastLogIndex: 0, lastLogTerm: 0 },
});

describe('payload classes follow the model’s term rule', () => {
  it('a stale request is classed by the model’s isStaleRequest, and nothing else is classed', () => {
    expect(payloadClasses(voter(3, 'n3'), vote(2))).toEqual(['payload:RequestVoteRequest/term=lower']);
    expect(model.isStaleRequest).toHaveBeenCalled();
  });

  it('a higher-term request meets the vote after the model’s updateTerm (votedFor cleared)', () => {
    expect(payloadClasses(voter(3, 'n3'), vote(4))).toContain('payload:RequestVoteRequest/votedFor=none');
    expect(model.updateTerm).toHaveBeenCalled();
    expect(payloadClasses(voter(4, 'n3'), vote(4))).toContain('payload:RequestVoteRequest/votedFor=another');
  });

  it('a model whose term rule kept a stale request would be classed so', () => {
    vi.mocked(model.isStaleRequest).mockReturnValueOnce(false).mockReturnValueOnce(false);
    const classes = payloadClasses(voter(3, 'n3'), vote(2));
    expect(classes).not.toContain('payload:RequestVoteRequest/term=lower');
    expect(classes.slice(1)).toEqual([
      'payload:RequestVoteRequest/votedFor=another',
      'payload:RequestVoteRequest/log=equal',
    ]);
  });

  it('on any message: "lower" and nothing more exactly when the model calls it stale', () => {
    const state = fc.record({
      term: fc.integer({ min: 0, max: 4 }),
      voted: fc.constantFrom(null, 'n1', 'n2', 'n3'),
    });
    fc.assert(
      fc.property(state, messageTo('n1'), ({ term, voted }, message) => {
        const before = voter(term, voted);
        const input: NodeInput = { type: 'Receive', message };
        const stale =
          model.isStaleRequest(before.context, input) || model.isStaleResponse(before.context, input);
        const classes = payloadClasses(before, input);
        expect(classes[0] === `payload:${message.type}/term=lower`).toBe(stale);
        if (stale) expect(classes).toHaveLength(1);
      }),
    );
  });
});
