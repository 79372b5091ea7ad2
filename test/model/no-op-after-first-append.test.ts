import { describe, expect, it } from 'vitest';
import type { Features } from '../../models/index.ts';
import {
  appendResponse,
  clientRequest,
  electionTimeout,
  logOf,
  node,
  receive,
  run,
  stepBoth,
  voteResponse,
} from './nodes.ts';

/**
 * The noOpAfterFirstAppend switch (with leaderNoOp): when a new leader's no-op goes out.
 * Figure 2, Leaders: "Upon election: send initial empty AppendEntries RPCs (heartbeat) to each
 * server" and "If last log index ≥ nextIndex for a follower: send AppendEntries RPC with log
 * entries starting at nextIndex"; thesis §8: "each leader commit[s] a blank no-op entry into the
 * log at the start of its term". hashicorp/raft 1.1.2 triggers replication (raft.go:440,
 * 489-490) before it writes the no-op (raft.go:453, 1073): the first round to each follower ends
 * at the old last index, and the no-op's trigger (raft.go:1088) starts the next round after the
 * follower's reply (replication.go:264, 156-157). Every step goes through both engines.
 */
const SWITCH: Partial<Features> = { leaderNoOp: true, noOpAfterFirstAppend: true };

function candidate(term: number, log = logOf(), features: Partial<Features> = SWITCH) {
  const { state } = stepBoth(node('follower', { currentTerm: term - 1, log }, { features }), electionTimeout);
  expect(state.role).toBe('candidate');
  return state;
}

/** n1, elected leader of term 3 over the log [1, 2] with the switch, its election's messages. */
function elected(features: Partial<Features> = SWITCH) {
  return stepBoth(candidate(3, logOf(1, 2), features), voteResponse('n2', 3, true));
}

function requestSuccess(from: string, term: number, prevLogIndex: number, entries: number) {
  return receive({
    type: 'AppendEntriesResponse',
    from,
    to: 'n1',
    term,
    success: true,
    matchIndex: 0,
    inReplyTo: { prevLogIndex, entries },
  });
}

describe('noOpAfterFirstAppend: the no-op follows the first, empty AppendEntries', () => {
  it('a new leader sends empty AppendEntries, then appends its no-op', () => {
    // "Upon election: send initial empty AppendEntries RPCs (heartbeat) to each server"
    const { state, outputs } = elected();
    expect(state.role).toBe('leader');
    expect(state.context.log).toEqual([...logOf(1, 2), { term: 3, value: '' }]);
    expect(outputs).toEqual(
      ['n2', 'n3'].map((to) => ({
        type: 'AppendEntriesRequest',
        from: 'n1',
        to,
        term: 3,
        prevLogIndex: 2,
        prevLogTerm: 2,
        entries: [],
        leaderCommit: 0,
      })),
    );
    // nextIndex stays at the old last index + 1: the no-op is the next entry each follower gets.
    expect(state.context.nextIndex).toEqual({ n2: 3, n3: 3 });
    // Reference: Figure 2, Leaders; thesis §8
  });

  it("a follower's success to the empty request brings it the no-op, and only that follower", () => {
    // "If last log index ≥ nextIndex for a follower: send AppendEntries RPC with log entries starting at nextIndex"
    const leader = elected().state;
    const { state, outputs } = stepBoth(leader, appendResponse('n2', 3, true, 2));
    expect(outputs).toEqual([
      {
        type: 'AppendEntriesRequest',
        from: 'n1',
        to: 'n2',
        term: 3,
        prevLogIndex: 2,
        prevLogTerm: 2,
        entries: [{ term: 3, value: '' }],
        leaderCommit: 0,
      },
    ]);
    expect(state.context.matchIndex.n2).toBe(2);
    expect(state.context.commitIndex).toBe(0);
    // Reference: Figure 2, Leaders; §5.3
  });

  it('with appendMatchFrom=request the success names the empty request it answers (hashicorp)', () => {
    const leader = elected({ ...SWITCH, appendMatchFrom: 'request' }).state;
    const first = stepBoth(leader, requestSuccess('n2', 3, 2, 0));
    expect(first.outputs).toHaveLength(1);
    expect(first.outputs[0]).toMatchObject({ to: 'n2', prevLogIndex: 2, entries: [{ term: 3, value: '' }] });
    // The success to the no-op itself sends nothing more, and commits it with n1 (a majority).
    const { state, outputs: after } = stepBoth(first.state, requestSuccess('n2', 3, 2, 1));
    expect(after).toEqual([]);
    expect(state.context.commitIndex).toBe(3);
    // Reference: thesis §8; Figure 2, Leaders: "If there exists an N such that N > commitIndex, a majority of matchIndex[i] ≥ N"
  });

  it('client entries appended before the reply go out with the no-op', () => {
    const { state } = elected();
    const { outputs } = run(state, [clientRequest('x'), appendResponse('n3', 3, true, 2)]);
    expect(outputs).toHaveLength(1);
    expect(outputs[0]).toMatchObject({
      to: 'n3',
      prevLogIndex: 2,
      entries: [
        { term: 3, value: '' },
        { term: 3, value: 'x' },
      ],
    });
    // Reference: Figure 2, Leaders: "log entries starting at nextIndex"
  });

  it('a success past the no-op, or a rejection, sends nothing (the rest waits for a heartbeat)', () => {
    const { state } = elected();
    expect(stepBoth(state, appendResponse('n2', 3, true, 3)).outputs).toEqual([]);
    expect(stepBoth(state, appendResponse('n2', 3, false, 0)).outputs).toEqual([]);
    // Reference: Figure 2, Leaders: "If AppendEntries fails because of log inconsistency: decrement nextIndex and retry"
  });

  it('without leaderNoOp the switch changes nothing; without the switch the no-op is in the first AppendEntries', () => {
    const plain = elected({ noOpAfterFirstAppend: true });
    expect(plain.state.context.log).toEqual(logOf(1, 2));
    expect(stepBoth(plain.state, appendResponse('n2', 3, true, 2)).outputs).toEqual([]);
    const etcd = elected({ leaderNoOp: true });
    expect(etcd.outputs.every((m) => m.type === 'AppendEntriesRequest' && m.entries.length === 1)).toBe(true);
    // Reference: thesis §8 (etcd becomeLeader → appendEntry before its first MsgApp)
  });

  it('a single-server cluster commits its no-op at once', () => {
    const solo = node('follower', {}, { features: SWITCH, cluster: ['n1'] });
    const { state, outputs } = stepBoth(solo, electionTimeout);
    expect(state.context.log).toEqual([{ term: 1, value: '' }]);
    expect(state.context.commitIndex).toBe(1);
    expect(outputs).toEqual([]);
    // Reference: thesis §8; Figure 2, Leaders: commit N when a majority has it
  });
});
