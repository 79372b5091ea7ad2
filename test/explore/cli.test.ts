import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { runCli } from '../support/capture.ts';

/** A temp dir removed when the test ends (test/support/temp-dirs.ts fails a run that leaves one). */
function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `raftkit check` as a user calls it: output, exit codes, errors. */

/** `raftkit check <args>` in-process, output captured (test/support/capture.ts). */
function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli(['check', ...args]);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('raftkit check --features', () => {
  it('checks the model with the switches, names them in the header and the reproduce line', async () => {
    const { code, stdout } = await run([
      '--no-drop',
      '--no-progress',
      '--features',
      'backoff=hint,ignoreStaleRejections',
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/switches backoff=hint,ignoreStaleRejections, network/);
    expect(stdout).toMatch(/reproduce: npx raftkit check .* --features backoff=hint,ignoreStaleRejections /);
  });
  it('a bad switch name or value, or a switch without the one it needs, is a usage error (exit 2)', async () => {
    for (const bad of ['lease', 'backoff=jump', 'candidateRetry=election']) {
      const { code, stderr } = await run(['--no-progress', '--features', bad]);
      expect(code, bad).toBe(2);
      expect(stderr).toMatch(/^raftkit: --features: /);
    }
  });
});

describe('raftkit check', () => {
  it('prints seed and bounds first, then counts and a verdict per property; exit 0 when all pass', async () => {
    const { code, stdout } = await run(['--no-drop', '--no-progress']);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(
      /^raftkit check: seed 1, strategy bfs, symmetry on, \d+ workers?( \(one until 200,000 states\))?$/,
    );
    expect(lines[2]).toMatch(/^bounds: max term 2, max log 1, max copies 1, max in flight 3, crashes 0/);
    expect(stdout).toMatch(/distinct states 3,093, transitions 7,493, depth 46, [\d.]+ s, [\d,]+ states\/s/);
    expect(stdout).toMatch(/PASS +always +Election Safety/);
    expect(stdout).toMatch(
      /^memory: [\d.]+ bytes per visited state .*, [\d.]+ bytes per frontier state \(peak [\d,]+ queued\); \d+ workers?$/m,
    );
    expect(stdout).toMatch(/witness-found sometimes Entry committed/);
    expect(stdout).toMatch(/reproduce: npx raftkit check --nodes 3 .* --no-drop/);
  });

  it('exit 1 on a violation, with the counterexample in the model’s vocabulary, saved as JSON and as a scenario', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'raftkit-check-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const out = join(dir, 'cex.json');
    const { code, stdout } = await run(['--mutate', 'double-vote', '--out', out, '--no-progress']);
    expect(code).toBe(1);
    expect(stdout).toMatch(/FAIL +always +One vote per term/);
    expect(stdout).toMatch(/Counterexample to One vote per term .*, 4 steps:/);
    expect(stdout).toMatch(/ {2}1\. ElectionTimeout n\d/);
    const saved = JSON.parse(readFileSync(out, 'utf8'));
    expect(saved.counterexamples[0].property).toBe('One vote per term');
    expect(saved.counterexamples[0].actions).toHaveLength(4);
    const scenario = readFileSync(join(dir, 'cex.txt'), 'utf8');
    expect(scenario).toMatch(/^# Counterexample to One vote per term/);
    expect(scenario).toMatch(/\ntimeout n\d\n----\n/);
  });

  it('--json prints the result as JSON', async () => {
    const { code, stdout } = await run(['--json', '--values', '0', '--max-log', '0', '--max-term', '1']);
    // One term, no values: no leadership change and no committed entry can exist, so those
    // witnesses are not applicable (not missing) and the run passes.
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.bounds).toMatchObject({ maxTerm: 1, maxLog: 0 });
    expect(result.properties.find((p: { name: string }) => p.name === 'Leadership changes')).toMatchObject({
      status: 'not-applicable',
      reason: expect.stringMatching(/second term/),
    });
  });

  it('--max-seconds stops a run that cannot finish and says the space was not exhausted; --exact keeps keys', async () => {
    const long = await run([
      '--values',
      '0',
      '--max-log',
      '0',
      '--max-term',
      '6',
      '--max-in-flight',
      '0',
      '--no-symmetry',
      '--max-seconds',
      '1',
      '--workers',
      '1',
      '--no-progress',
      '--json',
    ]);
    const result = JSON.parse(long.stdout);
    expect(result.stoppedBy).toBe('time');
    expect(result.seconds).toBeGreaterThanOrEqual(1);
    expect(result.seconds).toBeLessThan(5);
    expect(result.exact).toBe(false);
    expect(result.collisionBound).toBeGreaterThan(0);
    const exact = await run(['--no-drop', '--exact', '--no-progress']);
    expect(exact.code).toBe(0);
    expect(exact.stdout).toMatch(/distinct states 3,093, transitions 7,493, depth 46/);
    expect(exact.stdout).not.toMatch(/fingerprints/);
    const fingerprinted = await run(['--no-drop', '--no-progress']);
    expect(fingerprinted.stdout).toMatch(
      /visited set: 64-bit fingerprints; chance that a collision hid a state ≤ \d/,
    );
  });

  it('--strategy swarm --shard i/n --json, then --merge: one verdict from the shards; exit 1 on a violation in any', async () => {
    const dir = scratchDir('raftkit-swarm-');
    const files: string[] = [];
    for (const shard of ['0/2', '1/2']) {
      const common = [
        '--strategy',
        'swarm',
        '--shard',
        shard,
        '--max-seconds',
        '1',
        '--mutate',
        'double-vote',
      ];
      const { stdout } = await run([...common, '--json', '--no-progress']);
      const file = join(dir, `shard-${shard.replace('/', '-')}.json`);
      writeFileSync(file, stdout);
      files.push(file);
    }
    const merged = await run(['--merge', ...files]);
    expect(merged.code).toBe(1);
    expect(merged.stdout).toMatch(/^merged 2 result\(s\) \(0\/2, 1\/2\), \d+ search\(es\)/);
    expect(merged.stdout).toMatch(/FAIL +always +One vote per term .*\(\d+ steps\)/);
    const bad = await run(['--merge', join(dir, 'missing.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^raftkit: --merge: cannot read .*missing.json/);
  });

  for (const [args, message] of [
    [['--nodes', '8'], "--nodes must be an integer from 1 to 7, got '8'"],
    [['--max-term', '-1'], "--max-term must be an integer from 0 to 20, got '-1'"],
    [['--crashes', 'x'], "--crashes must be an integer from 0 to 20, got 'x'"],
    [['--max-copies', '0'], "--max-copies must be an integer from 1 to 9, got '0'"],
    [['--max-seconds', '0'], "--max-seconds must be an integer from 1 to 604800, got '0'"],
    [
      ['--mutate', 'nope'],
      '--mutate must be one of double-vote, commit-previous-term, no-step-down, no-log-check',
    ],
    [['--strategy', 'astar'], '--strategy must be one of bfs, dfs, random, swarm'],
    [['--workers', '0'], "--workers must be an integer from 1 to 256, got '0'"],
    [['--shard', '2/2', '--strategy', 'swarm'], "--shard must be i/n with 0 ≤ i < n ≤ 100000, got '2/2'"],
    [['--shard', '0/2'], '--shard needs --strategy swarm'],
    [['--checkpoint', 'x', '--strategy', 'dfs'], '--checkpoint and --resume need --strategy bfs'],
  ] as const) {
    it(`bad input ${args.join(' ')}: a one-line error naming the flag and its range, exit 2`, async () => {
      const { code, stderr, stdout } = await run([...args]);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toContain(message);
    });
  }
});
