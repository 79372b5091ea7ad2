import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initialNodeState, makeFeatures, type NodeInput, type NodeState, step } from '../../models/index.ts';
import { ReferenceHarness } from '../../src/reference/index.ts';
import { anchoredInputFor, anchorInput, CLUSTER } from '../support/arbitraries.ts';

/**
 * The reference implementation is written without the model (only its message types), so
 * the two can disagree. On random single-node input sequences — anchored to the node's
 * state so that elections, replication and commits happen — they must not: same role,
 * term, vote, log and commitIndex after every input, and the same messages.
 * Reference: Figure 2 of the Raft paper; thesis §9.6 for PreVote.
 */

function apply(harness: ReferenceHarness, input: NodeInput) {
  switch (input.type) {
    case 'ElectionTimeout':
      return harness.timeout('n1', 'election');
    case 'HeartbeatTimeout':
      return harness.timeout('n1', 'heartbeat');
    case 'ClientRequest':
      return harness.propose('n1', input.value);
    case 'Crash':
      return harness.crash('n1');
    case 'Restart':
      return harness.restart('n1');
    case 'Receive':
      return harness.deliver(input.message);
    case 'Tick':
      throw new Error('anchored inputs plan no ticks');
  }
}

const key = (m: object) => JSON.stringify(m, Object.keys(m).sort());

describe('reference implementation agrees with the model', () => {
  for (const preVote of [false, true]) {
    it(`on random anchored inputs (preVote=${preVote})`, () => {
      fc.assert(
        fc.property(fc.array(anchoredInputFor('n1'), { minLength: 1, maxLength: 40 }), (planned) => {
          const harness = new ReferenceHarness();
          harness.create({
            nodes: CLUSTER,
            features: { preVote, checkQuorum: false },
            initial: {},
            timing: { electionTicks: 10, heartbeatTicks: 1, randomized: false },
            seed: 1,
          });
          let model: NodeState = initialNodeState({
            id: 'n1',
            cluster: CLUSTER,
            features: makeFeatures({ preVote }),
          });
          for (const p of planned) {
            const input = anchorInput(model.context, p);
            const expected = step(model, input);
            const actual = apply(harness, input);
            model = expected.state;
            const c = model.context;
            expect(actual.state).toEqual({
              id: 'n1',
              role: model.role,
              currentTerm: c.currentTerm,
              votedFor: c.votedFor,
              log: c.log,
              commitIndex: c.commitIndex,
            });
            expect(actual.messages.map(key).sort()).toEqual(expected.outputs.map(key).sort());
          }
        }),
        { numRuns: 1500 },
      );
    });
  }
});
