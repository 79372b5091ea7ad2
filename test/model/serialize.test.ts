import { describe, expect, it } from 'vitest';
import { serializeNode } from '../../models/index.ts';
import { electedLeader, logOf, node } from './nodes.ts';

/**
 * `serializeNode` is the model checker's key for a node's state: equal states give equal
 * strings, and a change in any variable a later step can read gives a different string.
 */
describe('serializeNode', () => {
  it('writes a leader compactly, with its nextIndex and matchIndex', () => {
    const leader = electedLeader(2, [
      { term: 1, value: 'a' },
      { term: 2, value: 'b' },
    ]);
    const state = {
      ...leader,
      context: {
        ...leader.context,
        commitIndex: 1,
        nextIndex: { n2: 3, n3: 2 },
        matchIndex: { n2: 2, n3: 0 },
      },
    };
    expect(serializeNode(state)).toBe('L|t2|v=n1|log=1:a,2:b|c=1|ld=n1|ni=n2:3,n3:2|mi=n2:2,n3:0');
  });

  it('writes a candidate with its votes, and a fresh follower with dashes', () => {
    const candidate = node('candidate', {
      currentTerm: 3,
      votedFor: 'n1',
      votesGranted: ['n1', 'n3'],
      votesResponded: ['n1', 'n2', 'n3'],
    });
    expect(serializeNode(candidate)).toBe('C|t3|v=n1|log=|c=0|ld=-|vg=n1,n3|vr=n1,n2,n3');
    expect(serializeNode(node('follower'))).toBe('F|t0|v=-|log=|c=0|ld=-');
  });

  it('tells apart states that differ in any one variable', () => {
    const base = node('follower', {
      currentTerm: 2,
      votedFor: 'n2',
      log: logOf(1, 2),
      commitIndex: 1,
      leaderId: 'n2',
    });
    const variants = [
      base,
      { ...base, role: 'crashed' as const },
      { ...base, context: { ...base.context, currentTerm: 3 } },
      { ...base, context: { ...base.context, votedFor: null } },
      { ...base, context: { ...base.context, log: logOf(1, 1) } },
      {
        ...base,
        context: {
          ...base.context,
          log: [
            { term: 1, value: 'v1' },
            { term: 2, value: 'other' },
          ],
        },
      },
      { ...base, context: { ...base.context, commitIndex: 2 } },
      { ...base, context: { ...base.context, leaderId: null } },
      { ...base, context: { ...base.context, votesGranted: ['n1'], votesResponded: ['n1'] } },
    ];
    const keys = variants.map(serializeNode);
    expect(new Set(keys).size).toBe(variants.length);
    expect(serializeNode(structuredClone(base))).toBe(keys[0]);
  });
});
