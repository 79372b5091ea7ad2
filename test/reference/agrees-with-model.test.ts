import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initialNodeState, makeFeatures, type NodeInput, type NodeState, step } from '../../models/index.ts';
import { ReferenceHarness } from '../../src/reference/index.ts';
import { anchoredInputFor, anchorInput, CLUSTER } from '../support/arbitraries.ts';
import { allTogether, type Configuration, eachValueAlone } from './configurations.ts';

/**
 * The reference implementation is written without the model (only its message types), so
 * the two can disagree. On random single-node input sequences — anchored to the node's
 * state so that elections, replication and commits happen — they must not: same role,
 * term, vote, log and commitIndex after every input, and the same messages.
 * The same holds under every switch (models/features.ts), which the reference implements on
 * its own (src/reference/switches.ts): each value alone and all together, the model with
 * the same switches.
 * Reference: Figure 2 of the Raft paper; thesis §9.6 for PreVote; §6.2 (CheckQuorum),
 * §4.2.3 (leader stickiness), §6.4 (leader no-op), §5.3 (back-off) for the switches.
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

function harnessFor(preVote: boolean, configuration: Configuration): ReferenceHarness {
  const { leaderNoOp, preVote: _, ...switches } = configuration.features;
  const harness = new ReferenceHarness(undefined, { leaderNoOp, switches });
  harness.create({
    nodes: CLUSTER,
    features: { preVote, checkQuorum: false, leaderNoOp },
    initial: {},
    timing: { electionTicks: 10, heartbeatTicks: 1, randomized: false },
    seed: 1,
  });
  return harness;
}

const PAPER: Configuration = { flag: 'none', features: {} };
const SEEDS = [1, 2, 3];

/** The reference built with `built`, the model run with `judged`: same state and messages after every input. */
function sameOnRandomInputs(preVote: boolean, built: Configuration, judged: Configuration) {
  return fc.property(fc.array(anchoredInputFor('n1'), { minLength: 1, maxLength: 40 }), (planned) => {
    const harness = harnessFor(preVote, built);
    let model: NodeState = initialNodeState({
      id: 'n1',
      cluster: CLUSTER,
      features: makeFeatures({ ...judged.features, preVote }),
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
  });
}

describe('reference implementation agrees with the model', () => {
  for (const preVote of [false, true]) {
    it(`on random anchored inputs (preVote=${preVote})`, () =>
      fc.assert(sameOnRandomInputs(preVote, PAPER, PAPER), { numRuns: 1500 }));
  }
  for (const configuration of [...eachValueAlone(), ...allTogether()]) {
    for (const preVote of [false, true]) {
      it(`with ${configuration.flag} (preVote=${preVote})`, () =>
        fc.assert(sameOnRandomInputs(preVote, configuration, configuration), { numRuns: 300 }));
    }
    // Not vacuous: the switch changes what the reference does on these inputs, so a model
    // without it tells them apart (a reference that ignored its switch would fail above).
    // ignoreStaleRejections needs a success and then a stale rejection from one follower of
    // a leader with entries, too rare here: switches.test.ts shows it on fixed steps.
    if (configuration.flag === 'ignoreStaleRejections') continue;
    // electionTimerOnHigherTerm changes only when the election timer fires, and these inputs
    // have no ticks: switches.test.ts and test/model/timers.test.ts show it on ticks.
    if (configuration.flag.startsWith('electionTimerOnHigherTerm=')) continue;
    // Fixed seeds (tried in order): some switches change a step only on rare input
    // sequences (yieldOnLostElection needs a lost election), and an unseeded run missed one.
    it(`with ${configuration.flag}, unlike the model without it`, () => {
      const differs = SEEDS.flatMap((seed) =>
        [false, true].filter(
          (preVote) =>
            fc.check(sameOnRandomInputs(preVote, configuration, PAPER), { numRuns: 2000, seed }).failed,
        ),
      );
      expect(differs.length).toBeGreaterThan(0);
    });
  }
});
