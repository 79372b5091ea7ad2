import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCampaign } from '../../src/fuzz/campaign.ts';
import { campaign, HELLO } from './support.ts';

// DESIGN.md "Bad input gets a clear error and loses nothing": an adapter that crashes, hangs
// or babbles mid-run fails that run with the diagnosis (PROTOCOL.md §8), its process group
// is killed, and fuzzing goes on with a fresh adapter.

/** Running (a zombie — killed, not yet reaped by a container's init — does not count). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('fuzz with an adapter that fails mid-run', () => {
  for (const [fault, diagnosis] of [
    ['crash', /adapter exited \(code 3/],
    ['hang', /adapter hung: no reply within 400 ms/],
    ['garbage', /adapter wrote invalid JSON/],
  ] as const) {
    it(`${fault}: every run fails with the diagnosis and a shrunk prefix; no process survives; the campaign goes on`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'fuzz-bad-'));
      const pids = join(dir, 'pids');
      const result = await runCampaign(
        campaign({
          adapter: {
            kind: 'command',
            command: `node --import tsx test/fuzz/fixtures/flaky-reference.ts ${fault} 12 ${pids}`,
            stepTimeoutMs: 400,
          },
          hello: { ...HELLO, implementation: 'flaky' },
          runs: 2,
          depth: 40,
          seed: 3,
          // As `raftkit fuzz` runs by default: several requests are pending when it fails.
          batch: 8,
          shortAppends: true,
          shrinkReplays: 2,
          out: dir,
        }),
      );
      expect(result.runsDone).toBe(2);
      expect(result.failures).toHaveLength(2);
      for (const f of result.failures) {
        expect(f.oracle).toBe('adapter');
        expect(f.diagnosis).toMatch(diagnosis);
      }
      const first = result.failures[0];
      expect(first.shrunk?.scenario).toBeDefined();
      expect(readFileSync(first.shrunk!.scenario!, 'utf8')).toContain('cluster n1 n2 n3');
      if (fault === 'crash') expect(first.stderr).toContain('panic: runtime error');
      const started = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
      expect(started.length).toBeGreaterThanOrEqual(4);
      await new Promise((r) => setTimeout(r, 200));
      expect(started.filter(alive)).toEqual([]);
    }, 120_000);
  }
});
