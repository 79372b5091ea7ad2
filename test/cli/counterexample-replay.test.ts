import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/capture.ts';

/**
 * A model-checker counterexample is a test of implementations: `check --out c.json` writes
 * c.txt, which `conform --scenarios c.txt` runs. A correct implementation (the reference)
 * passes it; an implementation with the bug the mutation models fails it at the step the
 * header names. "the voter denies its vote if its own log is more up-to-date than that of
 * the candidate" (Reference: §5.4.1).
 */

const dir = mkdtempSync(join(tmpdir(), 'raftkit-cex-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = runCli;

describe('check --out writes a scenario that conform runs', () => {
  it('double-vote (the --help example): conform accepts the file, no format error, no warning', async () => {
    const out = join(dir, 'c.json');
    const checked = await cli([
      'check',
      '--mutate',
      'double-vote',
      '--out',
      out,
      '--report',
      'html',
      '--no-progress',
    ]);
    expect(checked.code).toBe(1);
    // The HTML page: each of the 4 steps with the cluster state after it.
    const page = readFileSync(join(dir, 'c.html'), 'utf8');
    expect(page.match(/<li><code>[^<]+<\/code><pre>n1: /g)).toHaveLength(4);
    const run = await cli(['conform', '--scenarios', join(dir, 'c.txt'), '--no-progress', '--strict']);
    expect(run.stderr).not.toMatch(/raftkit: |warning/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/1 scenarios: 1 passed/);
  });

  it('--verbose prints the whole cluster state after every step of the counterexample', async () => {
    const run = await cli(['check', '--mutate', 'double-vote', '--verbose', '--no-progress']);
    expect(run.code).toBe(1);
    const after = run.stdout.split(/ {2}1\. ElectionTimeout n\d\n/)[1] ?? '';
    // Right after step 1: each server's line and the network, before step 2.
    expect(after).toMatch(/^ {7}n1: C\|t1\|v=n1/);
    expect(after.split(/ {2}2\. /)[0]).toMatch(/network:\n {9}RequestVoteRequest n1→n2 term 1/);
  });

  it('no-log-check: the reference passes, the mutant vote-without-log-check fails at the step the header names', async () => {
    const out = join(dir, 'log-check.json');
    expect((await cli(['check', '--mutate', 'no-log-check', '--out', out, '--no-progress'])).code).toBe(1);
    const file = join(dir, 'log-check.txt');
    const header = readFileSync(file, 'utf8');
    const step = Number(/the mutated model departs from them at step (\d+)/.exec(header)?.[1]);
    expect(step).toBeGreaterThan(0);

    const reference = await cli(['conform', '--scenarios', file, '--no-progress', '--strict']);
    expect(reference.code).toBe(0);

    const mutant = await cli([
      'conform',
      '--scenarios',
      file,
      '--mutant',
      'vote-without-log-check',
      '--no-progress',
      '--report',
      'json',
    ]);
    expect(mutant.code).toBe(1);
    const failure = JSON.parse(mutant.stdout).scenarios[0].failure;
    expect(failure.step).toBe(step);
    expect(failure.input).toMatch(/^deliver RequestVoteRequest/);
  });
});
