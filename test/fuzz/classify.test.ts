import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLASSES, FUZZ_CLASSES, LATER_CLASSES } from '../../conformance/adapters/etcd-raft/classify.ts';
import { runCampaign } from '../../src/fuzz/campaign.ts';
import {
  classificationLines,
  classifyFuzzFailures,
  classOfFailure,
  type FuzzFailureRecord,
  isFuzzReport,
} from '../../src/fuzz/classify.ts';
import { campaign, raftkit } from './support.ts';

/**
 * Fuzz failures grouped by the step column's discrepancy classes (docs/fuzz.md, "Classifying
 * failures"). The fixture holds three failing runs recorded from
 * `raftkit fuzz --adapter-cmd <etcd step adapter> --runs 100 --json` (seed 1, 2026-12-07):
 * run 1 a proposal sent at once (E16), run 9 a heartbeat below the follower's commit index
 * (E18), run 91 a heartbeat's answer followed by an append from etcd's own Next (E17); and run 6
 * of the same campaign with `--features preVote,leaderNoOp`, a pre-vote grant after the same
 * voter's stale refusal (E19).
 */
const FIXTURE = 'test/fixtures/fuzz/etcd-step-failures.json';
const recorded = JSON.parse(readFileSync(FIXTURE, 'utf8'));
const ETCD = [...CLASSES, ...LATER_CLASSES, ...FUZZ_CLASSES];
const failureOfRun = (run: number): FuzzFailureRecord =>
  recorded.failures.find((f: FuzzFailureRecord) => f.run === run);
const labelOf = (f: FuzzFailureRecord) =>
  classifyFuzzFailures([f], ETCD).byClass.map((c) => c.id.split(' ')[0])[0] ?? 'unclassified';

describe('fuzz failures classified by the step column classes', () => {
  it('puts each recorded etcd failure in its class', () => {
    expect(isFuzzReport(recorded)).toBe(true);
    expect([1, 9, 91, 6].map((run) => labelOf(failureOfRun(run)))).toEqual(['E16', 'E18', 'E17', 'E19']);
  });

  it('says how many runs each class explains and lists the rest', () => {
    const safety: FuzzFailureRecord = {
      run: 5,
      seed: 42,
      oracle: 'safety',
      property: 'Election Safety',
      diagnosis: 'two leaders in term 3: n1 and n2',
    };
    const c = classifyFuzzFailures([...recorded.failures, safety], ETCD);
    expect(c.unclassified).toEqual([safety]);
    const lines = classificationLines(c);
    expect(lines[0]).toBe(
      '5 failing run(s): 1 classified as E16 (allowed variation), 1 as E17 (allowed variation), 1 as E18 (limit of the kit), 1 as E19 (allowed variation), 1 unclassified',
    );
    expect(lines.at(-1)).toBe('      run 5 (seed 42): safety: two leaders in term 3: n1 and n2');
  });

  it('does not take a proposal whose AppendEntries stops short of the new entry for E16', () => {
    // Figure 2, Leaders: "If last log index ≥ nextIndex for a follower: send AppendEntries RPC
    // with log entries starting at nextIndex" — E16 is the new entry sent at once, not any message.
    const f = structuredClone(failureOfRun(1));
    (f.detail!.unexpected as object[])[0] = { ...f.detail!.unexpected[0], entries: [] };
    expect(labelOf(f)).toBe('unclassified');
  });

  it('does not take a heartbeat answered at the follower commit index for E18', () => {
    // The appendBelowCommit switch (etcd raft.go:1374-1375): prevLogIndex below commitIndex is
    // answered with matchIndex = commitIndex; E18 is only the answer that falls short of it.
    const f = structuredClone(failureOfRun(9));
    (f.detail!.unexpected as object[])[0] = { ...f.detail!.unexpected[0], matchIndex: 1 };
    expect(labelOf(f)).toBe('unclassified');
  });

  it('classifies a live campaign: a reference that refuses votes under a known leader, judged by the default model, is E9', async () => {
    // Figure 2, RequestVote receiver rule 2: grant if votedFor is null; the leaderStickiness
    // switch, `same-term` (etcd raft.go:941 canVote needs r.lead == None), refuses — the step column's E9.
    const result = await runCampaign(
      campaign({
        adapter: { kind: 'builtin', name: 'reference', switches: { leaderStickiness: 'same-term' } },
        runs: 40,
        depth: 60,
        seed: 1,
        shrinkReplays: 0,
      }),
    );
    expect(result.failures.length).toBeGreaterThan(0);
    const detail = result.failures[0].detail!;
    expect(detail.input).toMatch(/^inject RequestVoteRequest /);
    expect(detail.differences.map((d) => d.field)).toEqual(['votedFor']);
    const c = classifyFuzzFailures(result.failures, ETCD);
    expect(c.byClass.map((k) => [k.id.split(' ')[0], k.runs])).toEqual([['E9', result.failures.length]]);
  });

  it('with classes (--classes), shrinks the first failure of each class and keeps its class while shrinking', async () => {
    const out = mkdtempSync(join(tmpdir(), 'fuzz-classes-'));
    const result = await runCampaign(
      campaign({
        adapter: { kind: 'builtin', name: 'reference', switches: { leaderStickiness: 'same-term' } },
        runs: 40,
        depth: 60,
        seed: 1,
        shrinkReplays: 300,
        out,
        classOf: classOfFailure(ETCD),
      }),
    );
    expect(result.failures.map((f) => f.discrepancyClass?.split(' ')[0])).toEqual(
      result.failures.map(() => 'E9'),
    );
    const shrunk = result.failures.filter((f) => f.shrunk);
    expect(shrunk).toHaveLength(1);
    expect(shrunk[0].shrunk?.scenario).toMatch(/-model-step-allowed-by-the-model-e9\.txt$/);
    expect(shrunk[0].shrunk!.nodeSteps).toBeLessThan(shrunk[0].nodeSteps);
  });

  it('raftkit fuzz --classes refuses a file without DISCREPANCY_CLASSES in one line, exit 2', () => {
    const { status, stderr } = raftkit(['fuzz', '--runs', '1', '--classes', 'test/fuzz/support.ts']);
    expect(status).toBe(2);
    expect(stderr.trim()).toBe(
      "raftkit fuzz: --classes test/fuzz/support.ts: exports no DISCREPANCY_CLASSES list (an adapter's classify.ts does)",
    );
  });

  it('the adapter script reads a fuzz-report.json: exit 0 when all are classified, 1 otherwise', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fuzz-classify-'));
    const script = 'conformance/adapters/etcd-raft/classify.ts';
    const run = (file: string) => {
      try {
        return { status: 0, out: execFileSync('npx', ['tsx', script, file], { encoding: 'utf8' }) };
      } catch (error) {
        const e = error as { status: number; stdout: string };
        return { status: e.status, out: e.stdout };
      }
    };
    const all = run(FIXTURE);
    expect(all.status).toBe(0);
    expect(all.out).toContain('4 failing run(s): 1 classified as E16');
    const withSafety = join(dir, 'fuzz-report.json');
    const safety = {
      run: 5,
      seed: 42,
      oracle: 'safety',
      property: 'Election Safety',
      diagnosis: 'two leaders',
    };
    writeFileSync(withSafety, JSON.stringify({ ...recorded, failures: [...recorded.failures, safety] }));
    const some = run(withSafety);
    expect(some.status).toBe(1);
    expect(some.out).toContain('   1  UNCLASSIFIED');
  });
});
