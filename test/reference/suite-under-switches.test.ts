import { describe, expect, it } from 'vitest';
import { runCli } from '../support/capture.ts';
import { allTogether, type Configuration, eachValueAlone } from './configurations.ts';

/**
 * The reference passes the conformance suite under every switch value alone and under all
 * switches together (`raftkit conform --reference-features …`): it declares the switches it
 * was built with and the runner judges it with the model under those switches. A scenario
 * whose steps only the model without a switch can follow is skipped with that reason, never
 * failed; enough still run that the switches are exercised (test/reference/agrees-with-model
 * shows each switch changes what the reference does).
 * Reference: thesis §6.2, §4.2.3, §9.6, §6.4; Raft paper §5.3 (the sources of each switch).
 */

const SUMMARY = /(\d+) scenarios: (\d+) passed, (\d+) failed, (\d+) skipped/;

/** Skipped because the scenario names a switch value or capability this build does not declare (another configuration's). */
const OTHER_CONFIGURATION = /^\s+(\d+) × needs .*, which the implementation does not declare$/gm;

async function conform(configuration: Configuration) {
  const run = await runCli(['conform', '--no-progress', '--reference-features', configuration.flag]);
  const [, total, passed, failed] = (SUMMARY.exec(run.stdout) ?? []).map(Number);
  const otherConfigurations = [...run.stdout.matchAll(OTHER_CONFIGURATION)].reduce(
    (n, m) => n + Number(m[1]),
    0,
  );
  return { ...run, total, passed, failed, runnable: total - otherConfigurations };
}

describe('the reference under each switch passes the suite', () => {
  for (const configuration of [...eachValueAlone(), ...allTogether()]) {
    it(`--reference-features ${configuration.flag}`, async () => {
      const run = await conform(configuration);
      expect(run.stdout).toMatch(SUMMARY);
      expect(run.failed, run.stdout).toBe(0);
      expect(run.code).toBe(0);
      // Most of the suite still runs under the switch (skips are the exception), leaving out the
      // scenarios written for another switch value (the matrix grows with every value: with
      // noOpAfterFirstAppend's three, 56 of 276 are another configuration's for some builds).
      expect(run.runnable).toBeGreaterThan(run.total * 0.75);
      expect(run.passed).toBeGreaterThan(run.runnable * 0.85);
      // It declares what it was built with: the report names them.
      for (const item of configuration.flag.split(',').filter((f) => f !== 'leaderNoOp'))
        expect(run.stdout).toContain(item);
      if (configuration.features.leaderNoOp) expect(run.stdout).toContain('leaderNoOp=yes');
    }, 30_000);
  }

  it('an unknown switch name is a one-line usage error (exit 2)', async () => {
    const run = await runCli(['conform', '--reference-features', 'checkQuorum,fastLeases']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain("--reference-features: unknown feature 'fastLeases'");
  });

  it('a switch value the model does not have is a usage error (exit 2)', async () => {
    const run = await runCli(['conform', '--reference-features', 'backoff=bisect']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("feature 'backoff' has no value 'bisect'");
  });

  it('preVote is per scenario, not a build option', async () => {
    const run = await runCli(['conform', '--reference-features', 'preVote']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('preVote is chosen per scenario');
  });

  it('--reference-features does not apply to an --adapter-cmd program', async () => {
    const run = await runCli(['conform', '--adapter-cmd', 'true', '--reference-features', 'checkQuorum']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('applies to the built-in reference only');
  });
});
