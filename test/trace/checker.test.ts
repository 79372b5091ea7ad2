import { describe, expect, it } from 'vitest';
import { compileNodeMachine, guards, type Message, updates } from '../../models/index.ts';
import { syntheticTrace } from '../../src/timing/synthetic.ts';
import {
  analyzeTrace,
  CHECK_RULES,
  type CheckResult,
  checkTrace,
  parseTrace,
  toCanonicalLine,
} from '../../src/trace/index.ts';

/**
 * The trace checker replays each node's events against the model and checks the
 * cross-node properties on what was observed. Each rule it enforces has a hand-made
 * canonical trace here that breaks it, and the report must name the rule and the line.
 */

type Line = Record<string, unknown>;
const CLUSTER: Line = { event: 'Cluster', nodes: ['n1', 'n2', 'n3'] };

/** NDJSON with the Cluster header on line 1, so event k of `events` is on line k + 2. */
function ndjson(events: readonly Line[]): string {
  return `${[CLUSTER, ...events].map((e) => JSON.stringify(e)).join('\n')}\n`;
}

function check(events: readonly Line[], machine = compileNodeMachine()): CheckResult {
  return checkTrace(parseTrace(ndjson(events), 'hand-made.ndjson', 'canonical').trace, { machine });
}

const rv = (from: string, to: string, term: number): Message => ({
  type: 'RequestVoteRequest',
  from,
  to,
  term,
  lastLogIndex: 0,
  lastLogTerm: 0,
});
const vote = (from: string, to: string, term: number, voteGranted: boolean): Message => ({
  type: 'RequestVoteResponse',
  from,
  to,
  term,
  voteGranted,
});
const send = (node: string, message: Message): Line => ({ event: 'Send', node, message });
const receive = (node: string, message: Message): Line => ({ event: 'Receive', node, message });
const become = (node: string, role: string, term: number, state?: Line): Line => ({
  event: `Become${role}`,
  node,
  term,
  ...(state ? { state } : {}),
});

describe('cross-node properties', () => {
  it('catches two leaders in one term with both line numbers (Election Safety, §5.2)', () => {
    // "at most one leader can be elected in a given term" — here n3's double vote makes two.
    const result = check([
      become('n1', 'Candidate', 1), // line 2
      send('n1', rv('n1', 'n2', 1)),
      send('n1', rv('n1', 'n3', 1)),
      become('n2', 'Candidate', 1), // line 5
      send('n2', rv('n2', 'n1', 1)),
      send('n2', rv('n2', 'n3', 1)),
      receive('n1', vote('n3', 'n1', 1, true)), // line 8
      become('n1', 'Leader', 1), // line 9
      receive('n2', vote('n3', 'n2', 1, true)), // line 10
      become('n2', 'Leader', 1), // line 11
    ]);
    const safety = result.violations.find((v) => v.rule === 'election-safety');
    expect(safety?.term).toBe(1);
    expect(safety?.lines).toEqual([9, 11]);
    expect(safety?.description).toMatch(/two leaders in term 1: n1 \(line 9\) and n2 \(line 11\)/);
    // The grants as received show the voter's double vote too.
    expect(result.violations.find((v) => v.rule === 'single-vote')?.lines).toEqual([8, 10]);
    // Each candidate on its own did what the model allows: the bug is n3's.
    expect(result.divergences).toEqual([]);
  });

  it("catches a double vote in the voter's own log, at the second grant (§5.2)", () => {
    // "each server will vote for at most one candidate in a given term".
    const result = check([
      receive('n3', rv('n1', 'n3', 1)), // line 2
      send('n3', vote('n3', 'n1', 1, true)), // line 3
      receive('n3', rv('n2', 'n3', 1)), // line 4
      send('n3', vote('n3', 'n2', 1, true)), // line 5
    ]);
    expect(result.violations).toEqual([
      expect.objectContaining({ rule: 'single-vote', term: 1, lines: [3, 5] }),
    ]);
    const [divergence] = result.divergences;
    expect(divergence.line).toBe(5);
    expect(divergence.rule).toBe('vote-decision');
    expect(divergence.found).toMatch(/voteGranted=true/);
    expect(divergence.expected).toMatch(/voteGranted=false/);
    expect(divergence.expected).toMatch(/votedForAnother/);
  });

  it('checks the properties on observed events, independently of the model (a mutated model still flags the double vote)', () => {
    const alwaysGrant = compileNodeMachine({ guards: { ...guards, canGrantVote: () => true }, updates });
    const result = check(
      [
        receive('n3', rv('n1', 'n3', 1)),
        send('n3', vote('n3', 'n1', 1, true)),
        receive('n3', rv('n2', 'n3', 1)),
        send('n3', vote('n3', 'n2', 1, true)),
      ],
      alwaysGrant,
    );
    expect(result.divergences).toEqual([]); // the mutated model agrees with the buggy node ...
    expect(result.violations.map((v) => v.rule)).toEqual(['single-vote']); // ... the property does not.
  });
});

describe('replay against the model: one trace per rule', () => {
  it('role-transition: a leader does not start an election (Figure 2: only followers and candidates time out)', () => {
    const result = check([
      become('n1', 'Candidate', 1),
      receive('n1', vote('n2', 'n1', 1, true)),
      become('n1', 'Leader', 1), // line 4
      become('n1', 'Candidate', 2), // line 5
    ]);
    expect(result.divergences).toHaveLength(1);
    expect(result.divergences[0]).toMatchObject({ rule: 'role-transition', line: 5, node: 'n1' });
    expect(result.divergences[0].expected).toMatch(
      /a leader in term 1 started an election; Figure 2 gives a leader no election timeout.*Nearest allowed: stay leader/,
    );
  });

  it('role-transition: no leader without votes from a majority (Figure 2, Candidates)', () => {
    const result = check([
      become('n1', 'Candidate', 1),
      receive('n1', vote('n2', 'n1', 1, false)),
      become('n1', 'Leader', 1), // line 4
    ]);
    expect(result.divergences[0]).toMatchObject({ rule: 'role-transition', line: 4 });
    expect(result.divergences[0].expected).toMatch(
      /with votes from \[n1\].*a majority is 2 of 3 \(hasVoteQuorum\)/,
    );
  });

  it('term: a new election increments the term by one (Figure 2: "Increment currentTerm")', () => {
    const result = check([become('n1', 'Candidate', 1), become('n1', 'Candidate', 3)]);
    expect(result.divergences[0]).toMatchObject({ rule: 'term', line: 3 });
    expect(result.divergences[0].expected).toMatch(/candidate in term 2/);
  });

  it('send: a follower that did not time out sends no RequestVote', () => {
    const result = check([
      { event: 'State', node: 'n1', state: { currentTerm: 0, votedFor: null } },
      send('n1', rv('n1', 'n2', 1)), // line 3
    ]);
    expect(result.divergences[0]).toMatchObject({ rule: 'send', line: 3 });
    expect(result.divergences[0].expected).toMatch(/no message/);
  });

  it('vote-decision: a stale RequestVote is refused (Figure 2, RequestVote rule 1: "Reply false if term < currentTerm")', () => {
    const result = check([
      receive('n3', rv('n1', 'n3', 2)),
      send('n3', vote('n3', 'n1', 2, true)),
      receive('n3', rv('n2', 'n3', 1)),
      send('n3', vote('n3', 'n2', 1, true)), // line 5
    ]);
    expect(result.divergences[0]).toMatchObject({ rule: 'vote-decision', line: 5 });
    expect(result.divergences[0].expected).toMatch(/term 2 voteGranted=false.*isStaleRequest/);
  });

  it('state: logged state fields must equal the model (votedFor is the candidate itself, §5.2 "votes for itself")', () => {
    const result = check([
      become('n1', 'Candidate', 1),
      become('n1', 'Candidate', 2, { currentTerm: 2, votedFor: 'n2' }), // line 3
    ]);
    expect(result.divergences[0]).toMatchObject({ rule: 'state', line: 3 });
    expect(result.divergences[0].found).toMatch(/votedFor=n2 after it/);
    expect(result.divergences[0].expected).toMatch(/votedFor=n1/);
  });

  it('every rule has a sentence the report prints', () => {
    for (const rule of [
      'role-transition',
      'term',
      'vote-decision',
      'send',
      'state',
      'election-safety',
      'single-vote',
    ]) {
      expect(CHECK_RULES[rule as keyof typeof CHECK_RULES]).toMatch(/\w/);
    }
  });
});

describe('partial logs: the weakest sound assumption, stated', () => {
  it("a leader's heartbeats need no logged HeartbeatTimeout", () => {
    const ae = (term: number): Message => ({
      type: 'AppendEntriesRequest',
      from: 'n1',
      to: 'n2',
      term,
      prevLogIndex: 0,
      prevLogTerm: 0,
      entries: [],
      leaderCommit: 0,
    });
    const result = check([
      become('n1', 'Candidate', 1),
      receive('n1', vote('n2', 'n1', 1, true)),
      become('n1', 'Leader', 1),
      send('n1', ae(1)),
      send('n1', ae(1)),
      send('n1', ae(1)),
    ]);
    expect(result.divergences).toEqual([]);
    expect(result.heartbeatsAssumed).toBe(2);
  });

  it('bridges a gap between pasted chunks with the fewest unlogged inputs, and only there', () => {
    const first = '13:00:00.000000 [0] becomes Candidate (currentTerm=1); log=[]';
    const later = '13:00:05.000000 [0] becomes Candidate (currentTerm=7); log=[]';
    const peers = '12:59:59.000000 [1] listening at [::]:4001\n12:59:59.000001 [2] listening at [::]:4002';
    const gap = analyzeTrace(`\`\`\`\n${peers}\n${first}\n\`\`\`\n\n\`\`\`\n${later}\n\`\`\`\n`, 'gap.txt');
    expect(gap.check.divergences).toEqual([]);
    expect(gap.check.bridges).toEqual([
      expect.objectContaining({
        line: 8,
        node: 'n0',
        // A message of term 6 (the term rule makes n0 a follower of term 6); the logged
        // candidacy is then n0's own ElectionTimeout.
        inputs: ['Receive RequestVoteResponse n1→n0 term 6 voteGranted=false'],
      }),
    ]);
    const noGap = analyzeTrace(`${peers}\n${first}\n${later}\n`, 'no-gap.txt');
    expect(noGap.check.bridges).toEqual([]);
    expect(noGap.check.divergences[0]).toMatchObject({ rule: 'term', line: 4 });
  });

  it('a trace recorded from the timed cluster with PreVote on checks clean (BecomePreCandidate, PreVote messages)', () => {
    const events = syntheticTrace({ events: 3000, seed: 12, crashEveryMs: 1000, preVote: true });
    const report = analyzeTrace(`${events.map(toCanonicalLine).join('\n')}\n`, 'prevote.ndjson');
    expect(report.trace.preVote).toBe(true);
    expect(events.some((e) => e.event === 'BecomePreCandidate')).toBe(true);
    expect(events.some((e) => e.message?.type === 'PreVoteRequest')).toBe(true);
    expect(report.check.divergences).toEqual([]);
    expect(report.check.violations).toEqual([]);
  });

  it('a trace recorded from the timed cluster (which steps the same model) checks clean', () => {
    const events = syntheticTrace({ events: 5000, seed: 11, requestEveryMs: 50, crashEveryMs: 1500 });
    const text = `${events.map(toCanonicalLine).join('\n')}\n`;
    const report = analyzeTrace(text, 'synthetic.ndjson');
    expect(report.trace.format).toBe('canonical');
    expect(report.check.divergences).toEqual([]);
    expect(report.check.violations).toEqual([]);
    expect(report.diagnosis.leaders.length).toBeGreaterThan(0);
    expect(new Set(events.map((e) => e.event))).toEqual(
      new Set([
        'Cluster',
        'TimerStart',
        'BecomeCandidate',
        'BecomeLeader',
        'BecomeFollower',
        'Send',
        'Receive',
        'ClientRequest',
        'HeartbeatTimeout',
        'Crash',
        'Restart',
      ]),
    );
  });
});
