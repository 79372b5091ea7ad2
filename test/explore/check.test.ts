import { describe, expect, it } from 'vitest';
import {
  applyAction,
  type ClusterBounds,
  type ClusterState,
  enabledActions,
  initialClusterState,
  makeClusterConfig,
  PROPERTIES,
  type StateProperty,
  type StepProperty,
  withinBounds,
} from '../../models/index.ts';
import { boundsOf, clusterConfigOf, runCheck } from '../../src/cli/commands/check.ts';
import { check, findShortestPath, replay, StateEncoder, verdictOk } from '../../src/explore/index.ts';
import { Random } from '../../src/explore/random.ts';
import { cleanVerdict, renameState, settings } from './support.ts';

/**
 * The model checker on the cluster model. Exact distinct-state counts are pinned (as
 * stateright's tests do), so any change of the model or of the checker's semantics shows
 * up as a reviewable diff here. If a count changes on purpose, update it and say why in
 * the commit.
 */

const verdicts = (r: ReturnType<typeof runCheck>['result']) =>
  Object.fromEntries(r.properties.map((p) => [p.property.name, p.status]));

describe('pinned state counts (exhaustive BFS)', () => {
  const cases = [
    {
      name: 'elections only, max term 2, lossy network, symmetry',
      s: settings({ values: 0, maxLog: 0 }),
      distinct: 19_214,
      generated: 83_777,
      depth: 26,
    },
    {
      name: 'elections only, max term 2, lossy network, no symmetry',
      s: settings({ values: 0, maxLog: 0, symmetry: false }),
      distinct: 114_916,
      generated: 501_519,
      depth: 26,
    },
    {
      name: '1 value, max term 2, max log 1, reliable network, symmetry',
      s: settings({ drop: false }),
      distinct: 3_093,
      generated: 7_493,
      depth: 46,
    },
    {
      name: '1 value, max term 3, max log 1, reliable network, symmetry',
      s: settings({ drop: false, maxTerm: 3 }),
      distinct: 19_389,
      generated: 47_347,
      depth: 54,
    },
    {
      name: 'PreVote, 1 value, max term 2, max log 1, reliable network, symmetry',
      s: settings({ drop: false, preVote: true }),
      distinct: 27_730,
      generated: 70_908,
      depth: 63,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { result } = runCheck(c.s);
      expect(result.stoppedBy).toBe('exhausted');
      expect({ distinct: result.distinct, generated: result.generated, depth: result.depth }).toEqual({
        distinct: c.distinct,
        generated: c.generated,
        depth: c.depth,
      });
      const config = clusterConfigOf(c.s);
      for (const p of result.properties) {
        if (p.property.kind === 'always')
          expect(p.status, p.property.name).toBe(cleanVerdict(p.property, config));
      }
    });
  }

  it('the reliable-network default bounds witness every sometimes property (the always checks are not vacuous)', () => {
    const { result } = runCheck(settings({ drop: false }));
    expect(verdictOk(result)).toBe(true);
    expect(verdicts(result)).toMatchObject({
      'Leader elected': 'witnessed',
      'Entry committed': 'witnessed',
      'Leadership changes': 'witnessed',
    });
  });
});

describe('symmetry reduction', () => {
  it('gives the same verdicts with fewer states (servers are interchangeable)', () => {
    for (const base of [
      settings({ values: 0, maxLog: 0, maxTerm: 3, maxInFlight: 2 }),
      settings({ drop: false }),
    ]) {
      const on = runCheck({ ...base, symmetry: true }).result;
      const off = runCheck({ ...base, symmetry: false }).result;
      expect(verdicts(on)).toEqual(verdicts(off));
      expect(on.depth).toBe(off.depth);
      const factor = off.distinct / on.distinct;
      // 3 servers: at most 3! = 6 renamings of a state; most states have 6 distinct ones.
      expect(factor).toBeGreaterThan(5.5);
      expect(factor).toBeLessThanOrEqual(6);
    }
  });

  it('the canonical form is the same for every renaming of a reachable state, and the plain encoding tells them apart', () => {
    const config = makeClusterConfig({ values: ['v1'] });
    const bounds: ClusterBounds = { maxTerm: 3, maxLog: 2, maxCopies: 2, maxCrashes: 1 };
    const encoder = new StateEncoder(config);
    const random = new Random(42);
    const renamings = [
      { n1: 'n1', n2: 'n3', n3: 'n2' },
      { n1: 'n2', n2: 'n1', n3: 'n3' },
      { n1: 'n2', n2: 'n3', n3: 'n1' },
      { n1: 'n3', n2: 'n1', n3: 'n2' },
    ];
    let differing = 0;
    for (let walk = 0; walk < 40; walk++) {
      let state = initialClusterState(config);
      for (let k = 0; k < 30; k++) {
        const actions = enabledActions(config, state, bounds);
        if (actions.length === 0) break;
        state = applyAction(config, state, actions[random.below(actions.length)]).state;
        for (const rename of renamings) {
          const renamed = renameState(state, config.nodes, rename);
          expect(encoder.canonical(renamed)).toBe(encoder.canonical(state));
          if (encoder.encode(renamed) !== encoder.encode(state)) differing++;
        }
      }
    }
    expect(differing).toBeGreaterThan(1000);
  });
});

describe('state encoding', () => {
  /** A state as a string independent of object key order (nextIndex, matchIndex). */
  const stable = (state: ClusterState) =>
    JSON.stringify(state, (_key, value) =>
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : value,
    );

  it('one key per state and one state per key on reachable states (--exact keeps keys)', () => {
    // Breadth-first over the states themselves (compared as text), not over their keys:
    // the first 5,000 reachable states of each configuration.
    for (const preVote of [false, true]) {
      const config = makeClusterConfig({ values: ['v1', 'v2'], features: { preVote } });
      const bounds: ClusterBounds = { maxTerm: 3, maxLog: 2, maxCopies: 2, maxCrashes: 1 };
      const encoder = new StateEncoder(config);
      const initial = initialClusterState(config);
      const keyOfState = new Map<string, string>([[stable(initial), encoder.encode(initial)]]);
      const stateOfKey = new Map<string, string>([[encoder.encode(initial), stable(initial)]]);
      let level = [initial];
      while (level.length > 0 && keyOfState.size < 5_000) {
        const next: ClusterState[] = [];
        for (const state of level) {
          if (keyOfState.size >= 5_000) break;
          for (const action of enabledActions(config, state, bounds)) {
            const reached = applyAction(config, state, action).state;
            if (!withinBounds(reached, bounds)) continue;
            const text = stable(reached);
            if (keyOfState.has(text)) continue;
            const key = encoder.encode(reached);
            expect(stateOfKey.get(key) ?? text).toBe(text);
            keyOfState.set(text, key);
            stateOfKey.set(key, text);
            next.push(reached);
          }
        }
        level = next;
      }
      expect(keyOfState.size).toBeGreaterThanOrEqual(5_000);
      expect(stateOfKey.size).toBe(keyOfState.size);
    }
  });
});

describe('determinism', () => {
  it('two runs with the same bounds and seed give identical counts and counterexamples', () => {
    for (const s of [
      settings({ strategy: 'random', seed: 7, maxStates: 5_000, maxTerm: 3 }),
      settings({ mutation: 'no-log-check' }),
      settings({ strategy: 'dfs', values: 0, maxLog: 0 }),
    ]) {
      const a = runCheck(s).result;
      const b = runCheck(s).result;
      expect([a.distinct, a.generated, a.depth]).toEqual([b.distinct, b.generated, b.depth]);
      expect(a.properties.map((p) => p.path?.actions)).toEqual(b.properties.map((p) => p.path?.actions));
    }
  });

  it('a different seed takes different random walks', () => {
    const a = runCheck(settings({ strategy: 'random', seed: 1, maxStates: 2_000, maxTerm: 3 })).result;
    const b = runCheck(settings({ strategy: 'random', seed: 2, maxStates: 2_000, maxTerm: 3 })).result;
    expect(a.properties.map((p) => p.path?.indexes)).not.toEqual(b.properties.map((p) => p.path?.indexes));
  });
});

describe('findShortestPath and replay (for the scenario generator)', () => {
  it('finds the shortest path to a first leader: a timeout, one vote delivered, its reply delivered', () => {
    const config = makeClusterConfig();
    const bounds: ClusterBounds = { maxTerm: 2, maxLog: 0, maxCopies: 1, maxCrashes: 0 };
    const path = findShortestPath(config, bounds, (state) => state.nodes.some((n) => n.role === 'leader'));
    expect(path?.actions.map((a) => a.type)).toEqual(['ElectionTimeout', 'Deliver', 'Deliver']);
    const states = replay(config, path?.actions ?? [], bounds);
    expect(states).toHaveLength(4);
    expect(states[3].nodes[0].role).toBe('leader');
  });

  it('returns null when no state within the bounds satisfies the goal', () => {
    const config = makeClusterConfig();
    const bounds: ClusterBounds = { maxTerm: 1, maxLog: 0, maxCopies: 1, maxCrashes: 0 };
    expect(
      findShortestPath(config, bounds, (state) => state.nodes.some((n) => n.context.currentTerm > 1)),
    ).toBeNull();
  });

  it('replay names the step that cannot be taken', () => {
    const config = makeClusterConfig();
    expect(() => replay(config, [{ type: 'HeartbeatTimeout', node: 'n1' }], boundsOf(settings()))).toThrow(
      /step 1: HeartbeatTimeout n1 is not enabled/,
    );
  });
});

describe('the checker finds violations of the properties it checks', () => {
  it('a step property is checked on every transition: a hand-made broken property fails at the first step', () => {
    const alwaysFollower: StepProperty = {
      name: 'Never a candidate',
      kind: 'always',
      scope: 'step',
      sentence: 'test only',
      reference: 'none',
      holds: (_before, after) => after.role !== 'candidate',
    };
    const config = clusterConfigOf(settings());
    const result = check({ config, bounds: boundsOf(settings()), properties: [alwaysFollower] });
    expect(result.properties[0].status).toBe('fail');
    expect(result.properties[0].path?.actions).toEqual([{ type: 'ElectionTimeout', node: 'n1' }]);
  });

  it('every property in the registry has a sentence and a reference', () => {
    for (const p of PROPERTIES) {
      expect(p.sentence.length, p.name).toBeGreaterThan(20);
      expect(p.reference, p.name).toMatch(/§|Figure/);
    }
    const state = PROPERTIES.filter((p): p is StateProperty => p.scope === 'state');
    expect(state.length).toBeGreaterThan(0);
  });
});
