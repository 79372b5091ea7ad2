import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compileNodeMachine, guards, updates } from '../../models/index.ts';
import { register } from '../../src/cli/commands/simulate.ts';
import { UsageError } from '../../src/cli/errors.ts';
import { parseDuration, parseRange } from '../../src/timing/options.ts';
import { Random } from '../../src/timing/random.ts';
import { recommend, type SimulationOptions, simulate } from '../../src/timing/simulate.ts';

/**
 * Raft §5.2: "Raft uses randomized election timeouts to ensure that split votes are rare
 * and that they are resolved quickly." §9.3: "broadcastTime ≪ electionTimeout ≪ MTBF".
 * The simulator steps the model's nodes under real timings; these tests pin what it
 * predicts for the seed log's configuration and for the paper's.
 */
const SEED_LOG_CONFIG: SimulationOptions = {
  nodes: 3,
  timeoutMinMs: 5,
  timeoutMaxMs: 9,
  tickMs: 10,
  rttMinMs: 1,
  rttMaxMs: 5,
  heartbeatMs: 2,
  jitterMs: 0.05,
  trials: 300,
  seed: 20260601,
  maxTerms: 10,
  crashLeader: false,
};
const PAPER_CONFIG: SimulationOptions = {
  ...SEED_LOG_CONFIG,
  timeoutMinMs: 150,
  timeoutMaxMs: 300,
  heartbeatMs: 50,
  trials: 3000,
};

describe('raftkit simulate', () => {
  it('5–9 ms timeouts on a 10 ms tick with 1–5 ms round trips: a leader in well under 5% of terms', () => {
    const result = simulate(SEED_LOG_CONFIG);
    expect(result.terms).toBeGreaterThan(2000);
    expect(result.pLeaderPerTerm).toBeLessThan(0.05);
    expect(result.splitVoteRate).toBeGreaterThan(0.95);
  });

  it('150–300 ms timeouts (the paper, §9.3) on the same tick and network: a leader in over 99% of terms', () => {
    const result = simulate(PAPER_CONFIG);
    expect(result.pLeaderPerTerm).toBeGreaterThan(0.99);
    expect(result.elected).toBe(PAPER_CONFIG.trials);
    // Time to elect: at least the smallest timeout (nobody times out sooner), a few round trips more.
    expect(result.timeToLeaderMs?.min).toBeGreaterThanOrEqual(150);
    expect(result.timeToLeaderMs?.median).toBeLessThan(300);
  });

  it('the tick is what breaks 5–9 ms: with exact timers the same draws elect leaders often', () => {
    const exact = simulate({ ...SEED_LOG_CONFIG, tickMs: 0 });
    const ticked = simulate(SEED_LOG_CONFIG);
    expect(exact.pLeaderPerTerm).toBeGreaterThan(0.3);
    expect(exact.pLeaderPerTerm).toBeGreaterThan(10 * ticked.pLeaderPerTerm);
  });

  it('decides votes through the model: a model that grants every vote elects leaders even in lockstep', () => {
    const grantsEverything = compileNodeMachine({ guards: { ...guards, canGrantVote: () => true }, updates });
    const mutated = simulate({ ...SEED_LOG_CONFIG, trials: 50 }, undefined, grantsEverything);
    expect(mutated.pLeaderPerTerm).toBeGreaterThan(0.5);
  });

  it('PreVote (thesis §9.6) runs through the model too: it keeps the paper range above 99%', () => {
    const result = simulate({ ...PAPER_CONFIG, trials: 1000, preVote: true });
    expect(result.pLeaderPerTerm).toBeGreaterThan(0.99);
    expect(result.config.preVote).toBe(true);
  });

  it('--crash-leader measures the time to replace a crashed leader', () => {
    const result = simulate({ ...PAPER_CONFIG, trials: 500, crashLeader: true });
    expect(result.elected).toBeGreaterThan(495);
    // Followers heard the leader's heartbeat, so none times out before 150 ms.
    expect(result.timeToLeaderMs?.min).toBeGreaterThanOrEqual(150);
  });

  it('is reproducible: the same seed gives the same result', () => {
    const a = simulate({ ...PAPER_CONFIG, trials: 200 });
    const b = simulate({ ...PAPER_CONFIG, trials: 200 });
    expect(a).toEqual(b);
    expect(new Random(1).nextU32()).toBe(new Random(1).nextU32());
    expect(new Random(1).nextU32()).not.toBe(new Random(2).nextU32());
  });

  it('recommends a configuration that the simulation shows elects leaders', () => {
    const current = simulate({ ...SEED_LOG_CONFIG, trials: 50 });
    const advice = recommend({ ...SEED_LOG_CONFIG, trials: 300 }, current);
    expect(advice.alreadyGood).toBe(false);
    expect(advice.timeoutMinMs).toBeGreaterThanOrEqual(150);
    expect(advice.timeoutMaxMs).toBe(2 * advice.timeoutMinMs);
    expect(advice.result?.pLeaderPerTerm).toBeGreaterThanOrEqual(0.99);
  });
});

describe('durations on the command line', () => {
  it('reads ranges and durations with units, and names the flag when it cannot', () => {
    expect(parseRange('--timeout', '5-9ms')).toEqual([5, 9]);
    expect(parseRange('--timeout', '150-300')).toEqual([150, 300]);
    expect(parseRange('--timeout', '0.15-0.3s')).toEqual([150, 300]);
    expect(parseDuration('--tick', '10ms')).toBe(10);
    expect(parseDuration('--tick', '250us')).toBe(0.25);
    expect(() => parseRange('--rtt', '9-5ms')).toThrow(/--rtt expects min ≤ max; got '9-5ms'/);
    expect(() => parseDuration('--tick', 'soon')).toThrow(/--tick expects a duration such as 10ms/);
  });
});

describe('the CLI', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  async function run(args: string[]): Promise<{ stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout += String(chunk);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr += String(chunk);
      return true;
    });
    const program = new Command().exitOverride();
    register(program);
    await program.parseAsync(['simulate', ...args], { from: 'user' });
    return { stdout, stderr };
  }

  it('prints the seed first, the figures, a recommendation and the command that repeats the run', async () => {
    const { stdout } = await run([
      '--timeout',
      '5-9ms',
      '--tick',
      '10ms',
      '--rtt',
      '1-5ms',
      '--trials',
      '40',
      '--seed',
      '9',
    ]);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('seed: 9');
    expect(stdout).toMatch(/P\(leader per term\): 0\.00 %/);
    expect(stdout).toMatch(/split-vote rate: +100\.00 %/);
    expect(stdout).toMatch(/recommended: --timeout \d+-\d+ms --tick 10ms/);
    expect(stdout).toMatch(/repeat: raftkit simulate --nodes 3 --timeout 5-9ms .* --seed 9/);
  });

  it('--json: the seed on stderr, a JSON document on stdout', async () => {
    const { stdout, stderr } = await run([
      '--timeout',
      '150-300ms',
      '--trials',
      '1000',
      '--seed',
      '3',
      '--json',
    ]);
    expect(stderr).toBe('seed: 3\n');
    const json = JSON.parse(stdout);
    expect(json.version).toBe(1);
    expect(json.seed).toBe(3);
    expect(json.config.timeoutMinMs).toBe(150);
    expect(json.pLeaderPerTerm).toBeGreaterThan(0.9);
    expect(json.recommended.alreadyGood).toBe(true);
    expect(json.timeToLeaderMs.median).toBeGreaterThan(150);
  });

  it('a bad flag is a UsageError naming the flag and the range', async () => {
    await expect(run(['--nodes', '0'])).rejects.toThrow(UsageError);
    await expect(run(['--nodes', '0'])).rejects.toThrow(/--nodes must be an integer from 1 to 15, got '0'/);
    await expect(run(['--timeout', 'fast'])).rejects.toThrow(/--timeout expects a range such as 5-9ms/);
  });
});
