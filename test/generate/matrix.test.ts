import { describe, expect, it } from 'vitest';
import { initialNodeState, makeFeatures, type NodeState, SWITCHES } from '../../models/index.ts';
import { recordStep } from '../../src/generate/coverage.ts';
import {
  configurationItems,
  switchChangesStep,
  switchConfigurations,
  UNREACHABLE_IN_CONFIGURATION,
} from '../../src/generate/matrix.ts';
import { coverageReport } from '../../src/generate/report.ts';
import { loadScenarios, namedSwitches, SCENARIO_ROOT } from '../../src/scenario/index.ts';

/**
 * The configuration matrix (issue 12: "The generator and `coverage` cover every switch's
 * guards (a configuration matrix, not one default model)").
 */
describe('the configuration matrix', () => {
  const suite = loadScenarios([SCENARIO_ROOT]);
  const report = coverageReport(suite);
  const byName = new Map(suite.map((s) => [s.name, s]));

  it('has one configuration per switch value away from its default', () => {
    const values = SWITCHES.reduce((n, s) => n + s.values.length - 1, 0);
    expect(switchConfigurations()).toHaveLength(values);
    expect(report.configurations.map((c) => c.name)).toEqual([
      'default',
      ...switchConfigurations().map((c) => c.name),
    ]);
  });

  it('the committed suite covers every reachable item of every configuration, with scenarios of that configuration', () => {
    for (const c of report.configurations) {
      expect(c.reachable, c.name).toBeGreaterThan(0);
      expect(c.scenarios, c.name).toBeGreaterThan(0);
      expect(c.covered, c.name).toBe(c.reachable);
    }
    for (const item of report.items.filter((i) => i.id.startsWith('switch:'))) {
      const [, config] = /^switch:([^/]+)\//.exec(item.id) ?? [];
      for (const name of item.coveredBy) {
        const scenario = byName.get(name);
        const named = Object.entries(
          namedSwitches(scenario?.cluster.features ?? { preVote: false, checkQuorum: false }),
        );
        expect(
          named.map(([k, v]) => (v === true ? k : `${k}=${v}`)),
          item.id,
        ).toContain(config);
      }
    }
  });

  it('every per-configuration unreachable reason names an item of the matrix', () => {
    const ids = new Set(configurationItems().map((i) => i.id));
    for (const id of Object.keys(UNREACHABLE_IN_CONFIGURATION)) expect(ids.has(id), id).toBe(true);
  });

  it('a switch changes a step when the same input from the same state differs with it at its default (thesis §4.2.3)', () => {
    // A follower that knows the leader of term 1 gets a RequestVote of term 1 from another server.
    const follower = (features: ReturnType<typeof makeFeatures>): NodeState => {
      const s = initialNodeState({
        id: 'n1',
        cluster: ['n1', 'n2', 'n3'],
        features,
        persistent: { currentTerm: 1, votedFor: null, log: [] },
      });
      return { ...s, context: { ...s.context, leaderId: 'n2' } };
    };
    const request = {
      type: 'Receive' as const,
      message: {
        type: 'RequestVoteRequest' as const,
        from: 'n3',
        to: 'n1',
        term: 1,
        lastLogIndex: 0,
        lastLogTerm: 0,
      },
    };
    const sticky = recordStep(follower(makeFeatures({ leaderStickiness: 'same-term' })), request);
    expect(sticky.outputs[0]).toMatchObject({ voteGranted: false });
    expect(switchChangesStep(sticky, 'leaderStickiness')).toBe(true);
    // The same step of the default model is no change of that switch.
    expect(switchChangesStep(recordStep(follower(makeFeatures()), request), 'leaderStickiness')).toBe(false);
    // A switch that does not decide the step does not change it.
    expect(
      switchChangesStep(recordStep(follower(makeFeatures({ backoff: 'hint' })), request), 'backoff'),
    ).toBe(false);
  });
});
