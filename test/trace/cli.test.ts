import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { register } from '../../src/cli/commands/trace.ts';
import { UsageError } from '../../src/cli/errors.ts';

/** `raftkit trace`: the report on stdout, exit 1 on a safety or liveness failure, 2 on unreadable input. */
const SEED = 'test/fixtures/000_c99288ffe9c5615b.txt';

async function run(args: string[]): Promise<{ stdout: string; exitCode: number }> {
  let stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const program = new Command().exitOverride();
  register(program);
  await program.parseAsync(['trace', ...args], { from: 'user' });
  return { stdout, exitCode: Number(process.exitCode ?? 0) };
}

describe('raftkit trace', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  it('explains the seed log and exits 1 for its liveness failure', async () => {
    const { stdout, exitCode } = await run([SEED]);
    expect(exitCode).toBe(1);
    expect(stdout).toMatch(/^format: eliben \(detected: \d+ of \d+ non-blank lines have its shape\)$/m);
    expect(stdout).toMatch(
      /^lines: 1276 read; 1189 in the eliben shape, 10 of them exact duplicates \(overlapping pasted chunks, dropped\); 1179 parsed: 1167 events, 6 informational, 6 inconsistent$/m,
    );
    expect(stdout).toMatch(/^ {2}no safety property violated$/m);
    expect(stdout).toMatch(/^ {2}replayed \d+ events of 3 nodes against the model: no divergence$/m);
    expect(stdout).toMatch(/terms: 71 \(highest term in the log\); leaders: 0/);
    expect(stdout).toMatch(/timer tick: ≈10 ms/);
    expect(stdout).toMatch(/^Fix$/m);
  });

  it('--no-liveness reports the failure but exits 0; --json gives the same facts', async () => {
    expect((await run([SEED, '--no-liveness'])).exitCode).toBe(0);
    const { stdout } = await run([SEED, '--json', '--no-liveness']);
    const json = JSON.parse(stdout);
    expect(json.format).toBe('eliben');
    expect(json.lines.duplicates).toBe(10);
    expect(json.safety.ok).toBe(true);
    expect(json.liveness.ok).toBe(false);
    expect(json.liveness.counted).toBe(false);
    expect(json.exitCode).toBe(0);
  });

  it('exits 1 with the line of a double vote in a canonical trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'raftkit-trace-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'double-vote.ndjson');
    const rv = (from: string) => ({
      type: 'RequestVoteRequest',
      from,
      to: 'n3',
      term: 1,
      lastLogIndex: 0,
      lastLogTerm: 0,
    });
    const grant = (to: string) => ({
      type: 'RequestVoteResponse',
      from: 'n3',
      to,
      term: 1,
      voteGranted: true,
    });
    const lines = [
      { event: 'Cluster', nodes: ['n1', 'n2', 'n3'] },
      { event: 'Receive', node: 'n3', message: rv('n1') },
      { event: 'Send', node: 'n3', message: grant('n1') },
      { event: 'Receive', node: 'n3', message: rv('n2') },
      { event: 'Send', node: 'n3', message: grant('n2') },
    ];
    writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const { stdout, exitCode } = await run([file, '--no-liveness']);
    expect(exitCode).toBe(1);
    expect(stdout).toMatch(/DIVERGENCE at line 5 \(n3\), rule vote-decision/);
    expect(stdout).toMatch(
      /n3 voted twice in term 1: for n1 \(line 3, vote granted\) and for n2 \(line 5, vote granted\)/,
    );
    expect(stdout).toMatch(/SAFETY PROPERTY VIOLATED/);
    expect(stdout).toMatch(/THE IMPLEMENTATION DID WHAT THE MODEL DOES NOT ALLOW/);
  });

  it('unreadable input is a UsageError (exit 2) naming file and line', async () => {
    await expect(run(['no/such/file.log'])).rejects.toThrow(
      /cannot read trace file no\/such\/file\.log: ENOENT/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'raftkit-trace-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'bad.ndjson');
    writeFileSync(file, '{"event":"Crash","node":"n1"}\n{"event":"Jump","node":"n1"}\n');
    await expect(run([file])).rejects.toThrow(UsageError);
    await expect(run([file])).rejects.toThrow(/bad\.ndjson:2: expected a trace event/);
    await expect(run([SEED, '--max-leaderless-terms', '0'])).rejects.toThrow(
      /--max-leaderless-terms must be an integer from 1/,
    );
  });

  it("reads a cluster run directory as one trace: each <node>.log that node's own, the kit's events merged by time", async () => {
    const dir = 'test/fixtures/trace/cluster/hashicorp-partitioned';
    const { stdout, exitCode } = await run([dir]);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/^nodes: n1, n2, n3; PreVote off$/m);
    expect(stdout).toMatch(
      /4 files merged by timestamp, line numbers counted on across them: .*kit-events\.ndjson = lines 1–5; .*n1\.log = lines 6–42/,
    );
    expect(stdout).toMatch(/n1: terms 3–7 started while it was cut off from a majority — stated by the log/);
    // The same files named one by one give the same report.
    const files = ['kit-events.ndjson', 'n1.log', 'n2.log', 'n3.log'].map((f) => join(dir, f));
    expect((await run(files)).stdout.split('\n').slice(1)).toEqual(stdout.split('\n').slice(1));
  });

  it('a directory without logs is a usage error (exit 2), not a stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'raftkit-trace-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    await expect(run([dir])).rejects.toThrow(UsageError);
    await expect(run([dir])).rejects.toThrow(/no \*\.log or kit-events\.ndjson in this directory/);
  });
});
