import { describe, expect, it } from 'vitest';
import { boundsOf, clusterConfigOf, runCheck, runCheckOnWorkers } from '../../src/cli/commands/check.ts';
import { replay } from '../../src/explore/index.ts';
import { checkAuto } from '../../src/explore/parallel/auto.ts';
import { checkParallel } from '../../src/explore/parallel/coordinator.ts';
import { settings } from './support.ts';

/**
 * `raftkit check --workers N`: a breadth-first search shared by N threads must explore the
 * very space one thread does. Exact counts are pinned for 1 and 2 workers (the same numbers
 * as check.test.ts), and a planted bug's counterexample must stay shortest: the search is
 * level-synchronous, so no state of depth d + 1 is expanded before every state of depth d
 * was checked. Reference: §5.2 (Election Safety), §5.4.2 and Figure 8 (commit-previous-term).
 */
const pinned = [
  {
    name: 'elections only, no symmetry',
    s: settings({ values: 0, maxLog: 0, symmetry: false }),
    distinct: 114_916,
    generated: 501_519,
    depth: 26,
  },
  {
    name: 'elections only, symmetry',
    s: settings({ values: 0, maxLog: 0 }),
    distinct: 19_214,
    generated: 83_777,
    depth: 26,
  },
  {
    name: '1 value, max term 3, reliable, symmetry',
    s: settings({ drop: false, maxTerm: 3 }),
    distinct: 19_389,
    generated: 47_347,
    depth: 54,
  },
];

const verdicts = (r: Awaited<ReturnType<typeof runCheckOnWorkers>>['result']) =>
  r.properties.map((p) => [p.property.name, p.status, p.path?.actions.length]);

describe('parallel breadth-first search', () => {
  for (const c of pinned) {
    it(`${c.name}: ${c.distinct} states with 1 worker and with 2`, async () => {
      const one = runCheck(c.s).result;
      const two = (await runCheckOnWorkers({ ...c.s, workers: 2 })).result;
      expect(two.workers).toBe(2);
      for (const r of [one, two]) {
        expect(r.stoppedBy).toBe('exhausted');
        expect({ distinct: r.distinct, generated: r.generated, depth: r.depth }).toEqual({
          distinct: c.distinct,
          generated: c.generated,
          depth: c.depth,
        });
      }
      expect(verdicts(two)).toEqual(verdicts(one));
      // The same states at every depth: a mark of depth d counts every state of depth ≤ d
      // (what npm run bench:check compares runs by). One thread marks depth 0 when it takes
      // the initial state; the workers mark d + 1 after level d, the last one past the end.
      const marks = (r: typeof one) => (r.levels ?? []).map((m) => [m.depth, m.distinct]);
      const depths = Array.from({ length: c.depth + 1 }, (_, d) => d);
      expect(marks(one).map(([d]) => d)).toEqual(depths);
      expect(marks(two).map(([d]) => d)).toEqual([...depths.slice(1), c.depth + 1]);
      expect(marks(two).slice(0, -1)).toEqual(marks(one).slice(1));
      expect(marks(two).at(-1)).toEqual([c.depth + 1, c.distinct]);
    });
  }

  it('elections only, symmetry: 19214 states with 3 and with 4 workers too (more threads than cores)', async () => {
    const c = pinned[1];
    for (const workers of [3, 4]) {
      const r = (await runCheckOnWorkers({ ...c.s, workers })).result;
      expect([r.workers, r.stoppedBy, r.distinct, r.generated, r.depth]).toEqual([
        workers,
        'exhausted',
        c.distinct,
        c.generated,
        c.depth,
      ]);
    }
  });

  it('commit-previous-term: the same 34-step counterexample length with 2 workers, and it replays to the violation', async () => {
    const s = settings({ mutation: 'commit-previous-term', maxTerm: 4, drop: false, workers: 2 });
    const { run, result } = await runCheckOnWorkers(s);
    expect(result.stoppedBy).toBe('violation');
    const failed = result.properties.filter((p) => p.status === 'fail');
    expect(failed.map((p) => p.property.name)).toEqual(['Leader Completeness']);
    expect(failed[0].path?.actions).toHaveLength(34);
    const states = replay(run.config, failed[0].path?.actions ?? []);
    expect(failed[0].property.scope === 'state' && failed[0].property.holds(run.config, states[34])).toBe(
      false,
    );
  });

  it('default workers: a small space is searched by one thread alone, with the same counts', async () => {
    const s = settings({ values: 0, maxLog: 0, workers: 2, autoWorkers: true });
    const { run, result } = await runCheckOnWorkers(s);
    expect(run.aloneStates).toBe(200_000);
    expect([result.workers, result.distinct, result.generated, result.depth]).toEqual([
      1, 19_214, 83_777, 26,
    ]);
  });

  it('default workers: past its threshold the search starts over on the workers and ends with the same counts', async () => {
    const s = settings({ values: 0, maxLog: 0, symmetry: false });
    const options = { config: clusterConfigOf(s), bounds: boundsOf(s), workers: 2, symmetry: false };
    const result = await checkAuto(options, { aloneStates: 30_000, startWorkersAt: 10_000 });
    expect(result.stoppedBy).toBe('exhausted');
    expect([result.workers, result.distinct, result.generated, result.depth]).toEqual([
      2, 114_916, 501_519, 26,
    ]);
  });

  it('the shared table grows while workers write to it, and no state is lost or counted twice', async () => {
    // A first table of 2^10 slots: eight growths (each with both workers paused) before
    // the 114,916 states fit.
    const s = settings({ values: 0, maxLog: 0, symmetry: false });
    const config = clusterConfigOf(s);
    const result = await checkParallel({ config, bounds: boundsOf(s), workers: 2, tableSlotsLog2: 10 });
    expect(result.stoppedBy).toBe('exhausted');
    expect([result.distinct, result.generated, result.depth]).toEqual([114_916, 501_519, 26]);
    // 2^18 slots (2 MB) after the growths, plus the columns (3 ints a state, grown by doubling).
    expect(result.memory.perVisited).toBeGreaterThan(16);
    expect(result.memory.perVisited).toBeLessThan(64);
    expect(result.parallel?.growths).toBe(8);
  });

  it('a worker out of states steals from another within the level, and each accounts for its time', async () => {
    // Level 1 is all worker 0's (it expanded the initial state): worker 1 can only steal.
    const s = settings({ values: 0, maxLog: 0, symmetry: false });
    const result = await checkParallel({ config: clusterConfigOf(s), bounds: boundsOf(s), workers: 2 });
    expect([result.distinct, result.generated, result.depth]).toEqual([114_916, 501_519, 26]);
    const p = result.parallel;
    expect(p?.workers).toHaveLength(2);
    expect(p?.levels).toBe(27);
    const stolen = p?.workers.reduce((a, w) => a + w.stolen, 0);
    const given = p?.workers.reduce((a, w) => a + w.given, 0);
    expect(stolen).toBeGreaterThan(0);
    expect(stolen).toBe(given);
    for (const w of p?.workers ?? []) {
      expect(w.expandingMs).toBeGreaterThan(0);
      // 114,916 states allocate far more than one young generation: each worker collects.
      expect(w.gcPauses).toBeGreaterThan(0);
      expect(w.gcMs).toBeGreaterThan(0);
      expect(w.gcMs).toBeLessThan(w.expandingMs + w.levelEndMs + w.stealWaitMs + w.givingMs + w.growthMs);
    }
  });
});
