import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { mutantProgress } from '../../src/cli/commands/mutants.ts';

/**
 * `raftkit mutants` runs the whole suite once per mutant (a minute or more): like the other
 * long commands it shows which mutant runs, on a terminal only, and `--no-progress` silences
 * it. A CI log (no terminal, CI=true) never gets carriage returns. Reference: docs/DESIGN
 * "progress on long runs" (house rule; no paper rule is involved).
 */

/** `raftkit <args>` with stderr kept on success too (spawnSync, not a terminal). */
function run(args: readonly string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync('node', ['bin/raftkit.js', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A stream that records what is written to it, a terminal or not. */
function stream(isTTY: boolean) {
  const written: string[] = [];
  return { written, isTTY, columns: 40, write: (s: string) => written.push(s) > 0 };
}

describe('raftkit mutants progress', () => {
  it('--help documents --no-progress', () => {
    const help = run(['mutants', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^ {2}--no-progress +no progress line on stderr/m);
  });

  it('--no-progress is accepted, and under CI=true stderr has no carriage return', () => {
    const args = ['mutants', '--filter', 'mutant-vote-not-durable', '--mutant', 'vote-not-durable'];
    for (const extra of [['--no-progress'], []]) {
      const r = run([...args, ...extra], { ...process.env, CI: 'true' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('mutants killed: 1/1');
      expect(r.stderr).toBe('raftkit mutants: seed 1, 1 scenarios, 1 mutants\n');
    }
  }, 60_000);

  it('draws one rewritten line on a terminal, and nothing when disabled or off a terminal', () => {
    const tty = stream(true);
    const p = mutantProgress(22, true, tty);
    p.update(3, 'vote-cleared-on-append');
    p.finish();
    expect(tty.written).toEqual([`\r${'[3/22] vote-cleared-on-append'.padEnd(39)}`, `\r${' '.repeat(39)}\r`]);
    for (const [s, enabled] of [
      [stream(true), false],
      [stream(false), true],
    ] as const) {
      const q = mutantProgress(22, enabled, s);
      q.update(1, 'vote-not-durable');
      q.finish();
      expect(s.written).toEqual([]);
    }
  });
});
