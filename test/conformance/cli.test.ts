import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { runConform } from '../../src/cli/commands/conform.ts';
import { UsageError } from '../../src/cli/errors.ts';

/**
 * `raftkit conform` end to end (in-process): exit 0 when everything passes, 1 with a
 * report, the reports and a Mermaid diagram of the failure in --out when a scenario fails,
 * and a one-line usage error (exit 2 in the CLI) naming the flag for bad input.
 */
const FIXTURES = 'test/conformance/fixtures';
const base = { jobs: '1', report: 'text' as const, seed: '1', stepTimeoutMs: '5000', progress: false };

describe('raftkit conform', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'raftkit-conform-'));
  });
  let stdout = '';
  beforeEach(() => {
    stdout = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout += String(chunk);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 when every scenario passes', async () => {
    expect(await runConform({ ...base, scenarios: [FIXTURES] })).toBe(0);
    expect(stdout).toMatch(/5 scenarios: 5 passed, 0 failed, 0 skipped/);
  });

  it('exits 1 on a failure and writes reports and the diagram of the failing run', async () => {
    const out = join(dir, 'mutant');
    const code = await runConform({
      ...base,
      scenarios: [FIXTURES],
      mutant: 'stale-term-in-reply',
      out,
      report: 'json',
    });
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.counts.fail).toBeGreaterThan(0);
    for (const file of ['report.txt', 'report.json', 'report.xml'])
      expect(existsSync(join(out, file))).toBe(true);
    const failed = report.scenarios.find((s: { status: string }) => s.status === 'fail');
    const diagram = readFileSync(join(out, 'diagrams', `${failed.name}.mmd`), 'utf8');
    expect(diagram).toMatch(/^sequenceDiagram/);
    expect(diagram).toMatch(/FAIL at step/);
    expect(failed.failure.reproduce).toBe(
      `npx raftkit conform --adapter builtin:reference --mutant stale-term-in-reply --scenarios ${failed.file}`,
    );
  });

  it('writes byte-identical --out files for the same inputs', async () => {
    const first = join(dir, 'first');
    const second = join(dir, 'second');
    for (const out of [first, second]) {
      await runConform({ ...base, scenarios: [FIXTURES], mutant: 'stale-term-in-reply', out, jobs: '2' });
    }
    for (const file of ['report.txt', 'report.json', 'report.xml']) {
      expect(readFileSync(join(second, file), 'utf8'), file).toBe(readFileSync(join(first, file), 'utf8'));
    }
  });

  it('rejects bad flags with a message naming the flag', async () => {
    await expect(runConform({ ...base, jobs: '0' })).rejects.toThrow(
      new UsageError("--jobs must be an integer from 1 to 16, got '0'"),
    );
    await expect(runConform({ ...base, adapterCmd: 'x', mutant: 'vote-not-durable' })).rejects.toThrow(
      /--mutant applies to --adapter builtin:reference only/,
    );
    await expect(runConform({ ...base, features: 'preVote,lease' })).rejects.toThrow(
      /--features .* got 'lease'/,
    );
    await expect(runConform({ ...base, scenarios: [join(dir, 'none')] })).rejects.toThrow(
      /no scenario files/,
    );
  });

  it('exits 2 when the adapter cannot start', async () => {
    const code = await runConform({ ...base, scenarios: [FIXTURES], adapterCmd: 'raftkit-no-such-program' });
    expect(code).toBe(2);
  });
});
