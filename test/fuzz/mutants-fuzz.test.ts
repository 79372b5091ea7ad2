import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { raftkit } from './support.ts';

describe('raftkit mutants --fuzz', () => {
  // Reference: Figure 2 "Rules for All Servers" (a reply carries the current term) and
  // thesis §9.6 (a pre-candidate does not raise its term) — docs/bugs.md #5 and #9.
  it('kills each mutant by fuzzing alone, says by what and after how many steps, writes its shrunk scenario', () => {
    const out = mkdtempSync(join(tmpdir(), 'fuzz-mutants-'));
    const { status, stdout } = raftkit([
      'mutants',
      '--fuzz',
      '--budget',
      '20s',
      '--mutant',
      'stale-term-in-reply',
      'pre-vote-bumps-term',
      '--report',
      'json',
      '--out',
      out,
    ]);
    expect(status).toBe(0);
    const verdicts = JSON.parse(stdout) as {
      name: string;
      killed: boolean;
      nodeSteps: number;
      by: { oracle: string; scenario: string };
    }[];
    expect(verdicts.map((v) => v.name)).toEqual(['stale-term-in-reply', 'pre-vote-bumps-term']);
    for (const v of verdicts) {
      expect(v.killed).toBe(true);
      expect(v.nodeSteps).toBeGreaterThan(0);
      expect(v.by.oracle).toBe('model');
      expect(v.by.scenario.startsWith(join(out, v.name))).toBe(true);
      expect(existsSync(v.by.scenario)).toBe(true);
    }
  }, 120_000);

  it('--budget soon → one line naming the flag, exit 2', () => {
    const { status, stderr } = raftkit(['mutants', '--fuzz', '--budget', 'soon']);
    expect(status).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('--budget');
  });
});
