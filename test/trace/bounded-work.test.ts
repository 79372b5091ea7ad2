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
  readonly divergenceLines: number[];
  readonly maxTerm: number;
  readonly isolatedTerms: number[];
  readonly text: string;
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
        divergenceLines: r.check.divergences.map((d) => d.line),
        maxTerm: r.diagnosis.maxTerm,
        isolatedTerms: r.diagnosis.isolatedTerms,
        text: renderText(r),
      };
    }
    console.log(JSON.stringify(out));`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    env: { ...process.env, LOGS: JSON.stringify(logs) },
    encoding: 'utf8',
    timeout: limitMs,
  });
  if (child.error || child.status !== 0)
    throw new Error(`analysis did not finish in ${limitMs} ms: ${child.error ?? child.stderr}`);
  return JSON.parse(child.stdout) as Record<string, Outcome>;
}

describe('work bounded by the log, not by the numbers in it: a damaged log is reported, not hung', () => {
  it('a term of 10^20 on an isolated candidacy: eliben and etcd logs analysed in well under 2 s each', () => {
    const out = analyzeInChild({ 'eliben.log': ELIBEN, 'etcd.log': ETCD }, 10_000);
    for (const o of Object.values(out)) {
      expect(o.ms).toBeLessThan(2_000);
      expect(o.maxTerm).toBe(Number(HUGE));
      // The candidacy no other node heard is the isolated one (§5.2: it cannot win).
      expect(o.isolatedTerms).toEqual([Number(HUGE)]);
    }
    expect(out['eliben.log'].format).toBe('eliben');
    expect(out['etcd.log'].format).toBe('etcd');
    // Figure 2: a candidacy increments currentTerm by one; the damaged jump is a divergence at its line.
    expect(out['eliben.log'].divergenceLines).toEqual([3]);
    expect(out['eliben.log'].text).toMatch(/DIVERGENCE at line 3 \(n2\)/);
  }, 20_000);
});
