import fc from 'fast-check';
import type { LogEntry, Message, NodeId, NodeInput } from '../../models/index.ts';

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
    fc.record({
      type: fc.constant('AppendEntriesResponse' as const),
      from,
      to: fc.constant(to),
      term,
      success: fc.boolean(),
      matchIndex: index,
    }),
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
