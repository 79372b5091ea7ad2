import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * The rule: the work of `raftkit trace` is bounded by the log's size, not by the values in
 * it; a damaged log is reported, not hung. A line whose term was damaged into 10^20 (past
 * 2^53, where t + 1 === t) once made the longest-leaderless-run count loop forever
 * (diagnose.ts leaderlessBetween stepped term by term past the isolated terms). These are
 * the whole mutated real logs that hung, minimised (test/trace/log-mutations.ts: "a number
 * replaced" by 99999999999999999999), analysed in a child process so that a hang fails the
 * test instead of hanging the suite.
 */

const HUGE = '99999999999999999999';

/** From test/fixtures/trace/eliben-follower-comes-back.log, lines reversed and one term replaced. */
const ELIBEN = [
  '10:44:20.374971 [2] sending RequestVote to 0: {Term:3 CandidateId:2 LastLogIndex:0 LastLogTerm:0}',
  '10:44:20.374937 [2] election timer started (216ms), term=3',
  `10:44:20.374734 [2] becomes Candidate (currentTerm=${HUGE}); log=[]`,
  '10:44:19.966668 [2] AppendEntries: {Term:1 LeaderId:1 PrevLogIndex:0 PrevLogTerm:0 Entries:[] LeaderCommit:0}',
].join('\n');

/** From test/fixtures/trace/etcd-partitioned.log: a leader, then a candidacy whose term was replaced. */
const ETCD = [
  'raft 2026/12/06 10:47:24.016459 INFO: 2 became leader at term 2',
  `raft 2026/12/06 10:47:24.603415 INFO: 1 became candidate at term ${HUGE}`,
].join('\n');

interface Outcome {
  readonly ms: number;
  readonly format: string;
  readonly maxTerm: number;
  readonly skipped: { line: number; reason: string }[];
  readonly text: string;
}

/** Run `code` (an ES module that prints JSON) in a child process, killed after `limitMs`. */
function inChild<T>(code: string, env: Record<string, string>, limitMs: number): T {
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: limitMs,
  });
  if (child.error || child.status !== 0)
    throw new Error(`analysis did not finish in ${limitMs} ms: ${child.error ?? child.stderr}`);
  return JSON.parse(child.stdout) as T;
}

/** `analyzeTrace` of each log in a child process, killed after `limitMs`. */
function analyzeInChild(logs: Record<string, string>, limitMs: number): Record<string, Outcome> {
  const code = `
    import { analyzeTrace, renderText } from './src/trace/index.ts';
    const out = {};
    for (const [name, text] of Object.entries(JSON.parse(process.env.LOGS))) {
      const start = performance.now();
      const r = analyzeTrace(text, name);
      out[name] = {
        ms: performance.now() - start,
        format: r.detection.format,
        maxTerm: r.diagnosis.maxTerm,
        skipped: r.trace.skipped.map((s) => ({ line: s.line, reason: s.reason })),
        text: renderText(r),
      };
    }
    console.log(JSON.stringify(out));`;
  return inChild(code, { LOGS: JSON.stringify(logs) }, limitMs);
}

describe('work bounded by the log, not by the numbers in it: a damaged log is reported, not hung', () => {
  it('a term of 10^20 (no term a server holds, past 2^53): the line is reported as damaged and skipped, in well under 2 s', () => {
    const out = analyzeInChild({ 'eliben.log': ELIBEN, 'etcd.log': ETCD }, 10_000);
    expect(out['eliben.log'].format).toBe('eliben');
    expect(out['etcd.log'].format).toBe('etcd');
    const damagedLine = { 'eliben.log': 3, 'etcd.log': 2 } as const;
    for (const [name, o] of Object.entries(out)) {
      expect(o.ms).toBeLessThan(2_000);
      expect(o.skipped).toEqual([
        {
          line: damagedLine[name as keyof typeof damagedLine],
          reason: expect.stringMatching(/^damaged: a number of 20 digits/),
        },
      ]);
      // Nothing of the damaged line is used: the highest term is one the other lines show.
      expect(o.maxTerm).toBeLessThan(10);
      expect(o.text).toContain('damaged: a number of 20 digits (99999999999999999999)');
    }
  }, 20_000);

  it('hclog: a term field of 20 digits is a damaged line too', () => {
    const hclog = [
      '2026-12-06T10:46:30.943Z [INFO]  raft-n2: entering candidate state: node="Node at n2 [Candidate]" term=2',
      `2026-12-06T10:46:31.943Z [INFO]  raft-n1: entering candidate state: node="Node at n1 [Candidate]" term=${HUGE}`,
    ].join('\n');
    const out = analyzeInChild({ 'hclog.log': hclog }, 10_000)['hclog.log'];
    expect(out.format).toBe('hclog');
    expect(out.skipped).toEqual([
      { line: 2, reason: expect.stringMatching(/^damaged: a number of 20 digits/) },
    ]);
    expect(out.maxTerm).toBe(2);
  }, 20_000);

  it('diagnosis of terms past 2^53 (where t - 1 === t) ends: it walks the terms that occur, not the numbers between', () => {
    // No reader lets such a term through any more; the diagnosis must still not loop on one
    // (diagnose.ts leaderlessBetween once stepped term by term past the isolated terms).
    const code = `
      import { parseTrace } from './src/trace/index.ts';
      import { diagnose } from './src/trace/diagnose.ts';
      const parsed = parseTrace(process.env.LOG, 'etcd.log').trace;
      const events = parsed.events.map((e) => (e.event === 'BecomeCandidate' ? { ...e, term: ${HUGE} } : e));
      const start = performance.now();
      const d = diagnose({ ...parsed, events });
      console.log(JSON.stringify({ ms: performance.now() - start, maxTerm: d.maxTerm, isolated: d.isolatedTerms }));`;
    const out = inChild<{ ms: number; maxTerm: number; isolated: number[] }>(
      code,
      { LOG: ETCD.replace(HUGE, '3') },
      10_000,
    );
    expect(out.ms).toBeLessThan(2_000);
    expect(out.maxTerm).toBe(Number(HUGE));
    // The candidacy no other node heard is the isolated one (§5.2: it cannot win).
    expect(out.isolated).toEqual([Number(HUGE)]);
  }, 20_000);
});
