import { describe, expect, it } from 'vitest';
import { InProcessAdapter } from '../../src/adapters/index.ts';
import {
  declaredSwitches,
  declaredTolerances,
  loadSuite,
  NEEDS_NO_LEADER_NO_OP,
  runScenario,
  runSuite,
  SetupError,
  textReport,
} from '../../src/conformance/index.ts';
import { ReferenceHarness } from '../../src/reference/index.ts';

/**
 * What an implementation declares in `init_ok` changes the oracle: `features.leaderNoOp`
 * runs the model with the leader no-op, `tolerances` switches on opt-in tolerances. Neither
 * is on by default, so the reference and its mutants are judged by Figure 2 alone.
 */

const ALL = { preVote: true, checkQuorum: false, ticks: true, restartWithPersistence: true };
const timing = { electionTicks: 10, heartbeatTicks: 3, randomized: false };
const [staleAppend] = loadSuite(['conformance/scenarios/curated/mutant-stale-append-dropped.txt']);

describe('tolerances declared by the adapter', () => {
  it('an opt-in tolerance applies only when declared: the stale-append-dropped mutant fails without it', async () => {
    const mutant = () => new InProcessAdapter('mutant', new ReferenceHarness('stale-append-dropped'));
    const run = (tolerances: readonly never[] | ['stale-append-dropped-without-prevote']) =>
      runScenario(mutant(), staleAppend.scenario, staleAppend.file, {
        features: ALL,
        timing,
        seed: 1,
        tolerances,
      });
    const without = await run([]);
    expect(without.status).toBe('fail');
    expect(without.failure?.rule).toMatch(/receiver rule 1/);
    // Declared (as etcd's adapter does, docs/implementations.md E4), the dropped reply is the
    // allowed variation; the run says which tolerance it used.
    const declared = await run(['stale-append-dropped-without-prevote']);
    expect(declared.status).toBe('pass');
    expect(declared.tolerances).toContain('stale-append-dropped-without-prevote');
  });

  it('an adapter declaring a tolerance the kit does not have is a setup error', () => {
    const hello = { protocol: 1, implementation: 'x', features: ALL };
    expect(() => declaredTolerances({ ...hello, tolerances: ['anything-goes'] })).toThrow(SetupError);
    expect(() => declaredTolerances({ ...hello, tolerances: ['message-order'] })).toThrow(
      /not an opt-in tolerance/,
    );
    expect(
      declaredTolerances({
        ...hello,
        tolerances: ['stale-append-reply-unrejected', 'stale-append-dropped-without-prevote'],
      }),
    ).toEqual(['stale-append-dropped-without-prevote', 'stale-append-reply-unrejected']);
  });

  it('init_ok.features declares model switches; an unknown name or value is a setup error', () => {
    const hello = { protocol: 1, implementation: 'x', features: ALL, tolerances: [] };
    const declared = {
      preVote: true,
      leaderStickiness: 'same-term',
      backoff: 'hint',
      deterministicTicks: false,
    };
    expect(declaredSwitches({ ...hello, declaredFeatures: declared })).toEqual({
      leaderStickiness: 'same-term',
      backoff: 'hint',
    });
    expect(() => declaredSwitches({ ...hello, declaredFeatures: { lease: true } })).toThrow(
      /neither a capability/,
    );
    expect(() => declaredSwitches({ ...hello, declaredFeatures: { backoff: 'jump' } })).toThrow(SetupError);
  });
});

describe('leaderNoOp declared by the implementation', () => {
  const withNoOp = () => new InProcessAdapter('no-op', new ReferenceHarness(undefined, { leaderNoOp: true }));
  const options = { features: { ...ALL, leaderNoOp: true }, timing, seed: 1 };

  it('the oracle steps the model with the no-op: the expected blocks of the file (without it) are not compared', async () => {
    const [initial] = loadSuite(['conformance/scenarios/curated/initial-election.txt']);
    expect(initial.scenario.steps.some((s) => s.expect?.nodes.some((n) => n.log.length === 0))).toBe(true);
    const result = await runScenario(withNoOp(), initial.scenario, initial.file, options);
    expect(result.status).toBe('pass');
    const leader = result.transcript.find((t) => t.state?.role === 'leader');
    expect(leader?.state?.log).toEqual([{ term: 1, value: '' }]);
  });

  it('a scenario whose steps name messages only the model without the no-op sends is skipped, with the line', async () => {
    const [majority] = loadSuite(['conformance/scenarios/curated/leader-commits-on-majority.txt']);
    const result = await runScenario(withNoOp(), majority.scenario, majority.file, options);
    expect(result.status).toBe('skip');
    expect(result.reason).toMatch(
      new RegExp(
        `^${NEEDS_NO_LEADER_NO_OP} \\(line \\d+: deliver AppendEntriesRequest n1->n2 entries=\\[1:x\\] matches no message in flight with the no-op\\)$`,
      ),
    );
  });

  it('an implementation that does not append the no-op fails such a run, and the report says what the oracle was', async () => {
    const [initial] = loadSuite(['conformance/scenarios/curated/initial-election.txt']);
    class IgnoresNoOp extends ReferenceHarness {
      override create(spec: Parameters<ReferenceHarness['create']>[0]) {
        return super.create({ ...spec, features: { ...spec.features, leaderNoOp: false } });
      }
    }
    const plain = await runScenario(
      new InProcessAdapter('plain', new IgnoresNoOp()),
      initial.scenario,
      initial.file,
      options,
    );
    expect(plain.status).toBe('fail');
    expect(plain.failure?.rule).toMatch(/no-op/);
    const suite = await runSuite({
      adapter: { kind: 'builtin', name: 'reference', leaderNoOp: true },
      scenarios: [initial],
      jobs: 1,
      seed: 1,
    });
    expect(suite.counts.pass).toBe(1);
    expect(textReport(suite)).toMatch(/oracle: the model with leaderNoOp \(declared by the implementation\)/);
  });
});
