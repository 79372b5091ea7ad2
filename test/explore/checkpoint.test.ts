import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type CheckSettings, runCheck, runCheckOnWorkers } from '../../src/cli/commands/check.ts';
import { settings } from './support.ts';

/** A temp dir removed when the test ends (test/support/temp-dirs.ts fails a run that leaves one). */
function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * `--checkpoint DIR` / `--resume DIR`: a breadth-first search stopped short and resumed
 * must end exactly where one uninterrupted run ends: the same distinct states, transitions,
 * depth and verdicts (the counts check.test.ts pins). Reference: §5.2 (Election Safety),
 * whose witness "Leader elected" must be found either way.
 */
const counts = (r: ReturnType<typeof runCheck>['result']) => ({
  distinct: r.distinct,
  generated: r.generated,
  depth: r.depth,
  stoppedBy: r.stoppedBy,
  verdicts: r.properties.map((p) => [p.property.name, p.status, p.path?.actions.length]),
});

/** Run `s` in legs of at most `legStates` more states each, each resuming the last one's checkpoint. */
function inLegs(
  s: CheckSettings,
  legStates: number,
): { legs: number; final: ReturnType<typeof runCheck>['result'] } {
  const dir = scratchDir('raftkit-checkpoint-');
  let resume: string | undefined;
  let done = 0;
  for (let legs = 1; ; legs++) {
    const { result } = runCheck({ ...s, checkpoint: dir, resume, maxStates: done + legStates });
    if (result.stoppedBy !== 'max-states') return { legs, final: result };
    done = result.distinct;
    resume = dir;
  }
}

describe('checkpoint and resume', () => {
  for (const c of [
    {
      name: 'elections only, no symmetry (record fingerprints)',
      s: settings({ values: 0, maxLog: 0, symmetry: false }),
      distinct: 114_916,
    },
    {
      name: '1 value, max term 3, reliable, symmetry (canonical fingerprints)',
      s: settings({ drop: false, maxTerm: 3 }),
      distinct: 19_389,
    },
  ]) {
    it(`${c.name}: stopped every few thousand states and resumed, it ends with the uninterrupted run's counts`, () => {
      const whole = runCheck(c.s).result;
      expect(whole.distinct).toBe(c.distinct);
      const { legs, final } = inLegs(c.s, Math.ceil(c.distinct / 4));
      expect(legs).toBeGreaterThanOrEqual(4);
      expect(counts(final)).toEqual(counts(whole));
    });
  }

  it('a run stopped by its time limit goes on from its checkpoint to the same end', () => {
    // 114,916 states: about a second alone on a core, so 0.2 s stops it well before the end.
    const s = settings({ values: 0, maxLog: 0, symmetry: false });
    const whole = runCheck(s).result;
    expect(whole.stoppedBy).toBe('exhausted');
    const dir = scratchDir('raftkit-checkpoint-');
    const first = runCheck({ ...s, checkpoint: dir, maxSeconds: 0.2 }).result;
    expect(first.stoppedBy).toBe('time');
    expect(first.distinct).toBeLessThan(whole.distinct);
    const rest = runCheck({ ...s, resume: dir }).result;
    expect(counts(rest)).toEqual(counts(whole));
  });

  it('with 2 workers: stopped every few thousand states (mid-level) and resumed, it ends with the uninterrupted run counts', async () => {
    const s = settings({ values: 0, maxLog: 0, symmetry: false, workers: 2 });
    const whole = (await runCheckOnWorkers(s)).result;
    expect([whole.workers, whole.distinct, whole.generated, whole.depth]).toEqual([2, 114_916, 501_519, 26]);
    const dir = scratchDir('raftkit-checkpoint-');
    let resume: string | undefined;
    let legs = 0;
    let last = whole;
    for (let done = 0; legs < 20; legs++) {
      last = (await runCheckOnWorkers({ ...s, checkpoint: dir, resume, maxStates: done + 30_000 })).result;
      if (last.stoppedBy !== 'max-states') break;
      expect(last.distinct).toBeGreaterThan(done);
      done = last.distinct;
      resume = dir;
    }
    expect(legs).toBeGreaterThanOrEqual(3);
    expect(counts(last)).toEqual(counts(whole));
  });

  it('with 2 workers: a run stopped by its time limit goes on from its checkpoint to the same end', async () => {
    const s = settings({ drop: false, maxTerm: 3, workers: 2 });
    const whole = (await runCheckOnWorkers(s)).result;
    const dir = scratchDir('raftkit-checkpoint-');
    const first = (await runCheckOnWorkers({ ...s, checkpoint: dir, maxSeconds: 0.5 })).result;
    expect(first.stoppedBy).toBe('time');
    expect(first.distinct).toBeLessThan(whole.distinct);
    const rest = (await runCheckOnWorkers({ ...s, resume: dir })).result;
    expect(counts(rest)).toEqual(counts(whole));
    await expect(runCheckOnWorkers({ ...s, workers: 1, resume: dir })).rejects.toThrow(
      /checkpoint of a run with 2 workers; resume it with --workers 2/,
    );
  });

  it('refuses a checkpoint of another space', () => {
    const dir = scratchDir('raftkit-checkpoint-');
    runCheck({ ...settings({ values: 0, maxLog: 0 }), checkpoint: dir, maxStates: 1000 });
    expect(() => runCheck({ ...settings({ values: 0, maxLog: 0, maxTerm: 3 }), resume: dir })).toThrow(
      /is a checkpoint of another run .*--max-term 2/,
    );
  });
});
