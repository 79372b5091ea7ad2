import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport, jsonReport, MergeError, mergeReports } from '../../src/fuzz/report.ts';
import { raftkit, reportHeader } from './support.ts';

/**
 * A shard's verdicts are only as strong as the oracles that judged it: a shard run with the
 * model oracle alone never looked at the safety properties (at most one leader per term, Log
 * Matching — Figure 3). Adding its "no failure" to a shard judged by both would claim a
 * check that did not run, so `--merge` refuses shards judged by different oracles, as it
 * refuses shards judged by different models. Reference: §5.2, §5.3 (Figure 3's properties).
 */

const empty = { runsDone: 1, nodeSteps: 0, items: new Set<string>(), failures: [] };

function shard(oracles: string[], shard: string) {
  return buildReport(reportHeader({ oracles, shard }), empty);
}

describe('raftkit fuzz --merge and the oracles', () => {
  it('refuses shards judged by different oracles', () => {
    const a = shard(['model', 'safety'], '1/2');
    const b = shard(['model'], '2/2');
    expect(() => mergeReports([a, b])).toThrow(MergeError);
    expect(() => mergeReports([a, b])).toThrow(
      'reports of different campaigns: oracles model+safety and model',
    );
  });

  it('merges shards judged by the same oracles', () => {
    const merged = mergeReports([shard(['safety'], '1/2'), shard(['safety'], '2/2')]);
    expect(merged.oracles).toEqual(['safety']);
    expect(merged.shards).toEqual(['1/2', '2/2']);
  });

  it('says so in one line and exits 2 from the command line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fuzz-merge-oracles-'));
    writeFileSync(join(dir, '1.json'), jsonReport(shard(['model', 'safety'], '1/2')));
    writeFileSync(join(dir, '2.json'), jsonReport(shard(['safety'], '2/2')));
    const run = raftkit(['fuzz', '--merge', join(dir, '1.json'), join(dir, '2.json')]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'raftkit: --merge: reports of different campaigns: oracles model+safety and safety\n',
    );
  });
});
