import { describe, expect, it } from 'vitest';
import type { Message } from '../../models/types.ts';
import { pairRepliesWithRequest } from '../../src/conformance/pair-replies.ts';

/**
 * appendMatchFrom=request: a success carries only term and success (Figure 2, AppendEntries
 * RPC, Results), the kit pairs it with the request it answers (hashicorp replication.go
 * `updateLastAppended(s, &req)`). Reference: Figure 2; §5.3.
 */
const request: Message = {
  type: 'AppendEntriesRequest',
  from: 'n1',
  to: 'n2',
  term: 1,
  prevLogIndex: 2,
  prevLogTerm: 1,
  entries: [{ term: 1, value: 'x' }],
  leaderCommit: 0,
};
const success: Message = {
  type: 'AppendEntriesResponse',
  from: 'n2',
  to: 'n1',
  term: 1,
  success: true,
  matchIndex: 3,
};
const rejection: Message = { ...success, success: false, matchIndex: 0 };

describe('pairRepliesWithRequest', () => {
  it('with appendMatchFrom=request a success gets the delivered request range and matchIndex 0', () => {
    expect(pairRepliesWithRequest({ appendMatchFrom: 'request' }, request, [success, rejection])).toEqual([
      { ...success, matchIndex: 0, inReplyTo: { prevLogIndex: 2, entries: 1 } },
      rejection,
    ]);
  });

  it('without the switch, or when no AppendEntries was delivered, nothing changes', () => {
    expect(pairRepliesWithRequest(undefined, request, [success])).toEqual([success]);
    expect(pairRepliesWithRequest({ appendMatchFrom: 'response' }, request, [success])).toEqual([success]);
    expect(pairRepliesWithRequest({ appendMatchFrom: 'request' }, undefined, [success])).toEqual([success]);
  });
});
