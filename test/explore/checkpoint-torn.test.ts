import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runCheck, runCheckOnWorkers } from '../../src/cli/commands/check.ts';
import { CheckpointError } from '../../src/explore/index.ts';
import { settings } from './support.ts';

/**
 * A checkpoint is what a long search falls back on when it is killed (out of memory, a CI
 * job's time limit), so a kill while one is being written must not leave a checkpoint that
 * `--resume` reads wrongly: either the previous checkpoint is still there whole, or the
 * resume stops with a clear error. Never a crash or wrong counts, which would make a
 * verdict (§5.2 Election Safety holds on every state) about states never explored.
 */

function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string, under = ''): string[] {
  return readdirSync(join(dir, under)).flatMap((name) => {
    const path = join(under, name);
    return statSync(join(dir, path)).isDirectory() ? filesUnder(dir, path) : [path];
  });
}

const s = settings({ values: 0, maxLog: 0, symmetry: false });

describe('a torn checkpoint', () => {
  it('a data file cut short: the resume says the checkpoint is damaged', () => {
    const dir = scratchDir('raftkit-torn-');
    runCheck({ ...s, checkpoint: dir, maxStates: 3000 });
    const frontier = filesUnder(dir).find((f) => f.endsWith('frontier.bin')) as string;
    truncateSync(join(dir, frontier), statSync(join(dir, frontier)).size - 6);
    expect(() => runCheck({ ...s, resume: dir })).toThrow(CheckpointError);
    expect(() => runCheck({ ...s, resume: dir })).toThrow(/damaged checkpoint .*frontier\.bin/);
  });

  it('the data files of a later checkpoint under an earlier checkpoint.json (a kill between the two): refused', () => {
    const [early, late, torn] = ['early', 'late', 'torn'].map(() => scratchDir('raftkit-torn-'));
    runCheck({ ...s, checkpoint: early, maxStates: 1000 });
    runCheck({ ...s, checkpoint: late, maxStates: 3000 });
    cpSync(early, torn, { recursive: true });
    for (const f of filesUnder(late).filter((f) => f !== 'checkpoint.json')) {
      mkdirSync(join(torn, f, '..'), { recursive: true });
      cpSync(join(late, f), join(torn, f));
    }
    expect(() => runCheck({ ...s, resume: torn })).toThrow(/damaged checkpoint/);
  });

  it('checkpoint.json cut short: the resume says so', () => {
    const dir = scratchDir('raftkit-torn-');
    runCheck({ ...s, checkpoint: dir, maxStates: 1000 });
    const json = readFileSync(join(dir, 'checkpoint.json'), 'utf8');
    writeFileSync(join(dir, 'checkpoint.json'), json.slice(0, json.length / 2));
    expect(() => runCheck({ ...s, resume: dir })).toThrow(
      /damaged checkpoint .*checkpoint\.json is not JSON/,
    );
  });

  it('a write killed half-way leaves the previous checkpoint, which resumes to the uninterrupted counts', async () => {
    const whole = runCheck(s).result;
    const dir = scratchDir('raftkit-torn-');
    runCheck({ ...s, checkpoint: dir, maxStates: 3000 });
    const saved = filesUnder(dir).filter((f) => f !== 'checkpoint.json');
    // What a kill while writing the next one leaves: its data files begun, checkpoint.json not yet.
    const next = readdirSync(dir).filter((f) => statSync(join(dir, f)).isDirectory());
    expect(next).toHaveLength(1);
    const begun = join(
      dir,
      next[0].replace(/\d+$/, (n) => String(Number(n) + 1)),
    );
    mkdirSync(begun);
    writeFileSync(join(begun, 'visited.bin'), Buffer.alloc(100));
    const rest = runCheck({ ...s, resume: dir, checkpoint: dir }).result;
    expect([rest.distinct, rest.generated, rest.depth, rest.stoppedBy]).toEqual([
      whole.distinct,
      whole.generated,
      whole.depth,
      'exhausted',
    ]);
    expect(saved.length).toBeGreaterThanOrEqual(5);
    const workers = settings({ values: 0, maxLog: 0, symmetry: false, workers: 2 });
    const two = scratchDir('raftkit-torn-');
    await runCheckOnWorkers({ ...workers, checkpoint: two, maxStates: 30_000 });
    const wFrontier = filesUnder(two).find((f) => f.endsWith('w1-frontier.bin')) as string;
    truncateSync(join(two, wFrontier), 0);
    await expect(runCheckOnWorkers({ ...workers, resume: two })).rejects.toThrow(
      /damaged checkpoint .*w1-frontier\.bin/,
    );
  });
});
