import { describe, expect, it } from 'vitest';
import { HCLOG_MESSAGES } from '../../src/trace/hclog.ts';
import { analyzeTrace, exitCodeOf, parseTrace, TraceError } from '../../src/trace/index.ts';

/**
 * Formats and network events: unknown fields are not damage, hclog and etcd lines read
 * as the model's events, Partition / Cut / Heal decide who could talk, and a role change
 * the model does not take is explained in Figure 2's words.
 *
 * Reference: §5.1 (term rule), §5.2 (elections, one vote per term), Figure 2.
 */

const eliben = (lines: string[]) => parseTrace(lines.join('\n'), 'e.log', 'eliben').trace;

describe('eliben: unknown key=value fields are kept and ignored, a damaged line really holds two lines', () => {
  it('fields after a known message are extra fields, not damage, and open no hole', () => {
    const t = eliben([
      '10:00:00.000001 [0] becomes Candidate (currentTerm=1); log=[] shard=7 zone=eu',
      '10:00:00.000002 [0] becomes Leader; term=1, log=[]',
    ]);
    expect(t.damaged).toEqual([]);
    expect(t.holes).toEqual([]);
    expect(t.extraFields.map((x) => [x.line, x.ignored])).toEqual([[1, 'shard=7 zone=eu']]);
    expect(t.events.find((e) => e.event === 'BecomeLeader')?.state?.log).toEqual([]);
  });
  it('the tail of another message after a known one is damage (two lines run together)', () => {
    const t = eliben([
      '10:00:00.000001 [2] sending RequestVote to 0: {Term:20 CandidateId:2 LastLogIndex:0 LastLogTerm:0} [currentTerm=20, votedFor=0]',
    ]);
    expect(t.damaged.map((x) => x.ignored)).toEqual(['[currentTerm=20, votedFor=0]']);
  });
});

describe('hclog and etcd lines', () => {
  it('hclog: candidacy, votes from peers (own vote not a message), leader with the candidacy term', () => {
    const { trace, detection } = parseTrace(
      [
        '2026-12-06T10:46:30.943Z [INFO]  raft-n2: entering candidate state: node="Node at n2 [Candidate]" term=2',
        '2026-12-06T10:46:30.943Z [DEBUG] raft-n2: vote granted: from=n2 term=2 tally=1',
        '2026-12-06T10:46:30.944Z [DEBUG] raft-n2: vote granted: from=n1 term=2 tally=2',
        '2026-12-06T10:46:30.944Z [INFO]  raft-n2: election won: tally=2',
        '2026-12-06T10:46:30.945Z [INFO]  raft-n2: entering leader state: leader="Node at n2 [Leader]"',
      ].join('\n'),
      'h.log',
    );
    expect(detection?.format).toBe('hclog');
    expect(trace.events.map((e) => [e.event, e.node, e.term ?? e.message?.from])).toEqual([
      ['BecomeCandidate', 'n2', 2],
      ['Receive', 'n2', 'n1'],
      ['BecomeLeader', 'n2', 2],
    ]);
    expect(trace.informational).toBe(2);
  });
  it('etcd (Go log and zap JSON): a voter\'s "cast" is its receipt of the request and its reply', () => {
    const text = [
      'raft 2026/12/06 10:47:21.347714 INFO: 2 became candidate at term 2',
      '{"level":"info","ts":"2026-12-06T10:47:21.349Z","msg":"1 [logterm: 1, index: 3, vote: 0] cast MsgVote for 2 [logterm: 1, index: 3] at term 2"}',
    ].join('\n');
    const { trace } = parseTrace(text, 'x.log', 'etcd');
    expect(trace.events.map((e) => [e.event, e.node, e.message?.type ?? e.term])).toEqual([
      ['BecomeCandidate', '2', 2],
      ['Receive', '1', 'RequestVoteRequest'],
      ['Send', '1', 'RequestVoteResponse'],
    ]);
    expect(trace.events[1].message).toMatchObject({
      from: '2',
      to: '1',
      term: 2,
      lastLogIndex: 3,
      lastLogTerm: 1,
    });
  });
  it('hclog: a message is recognised in place — it ends at the end, a final colon or ": key=", never inside a longer text', () => {
    // The reader compares known messages where they stand; that reads a line as cutting its
    // message at the first ": key=" would only because no known message has a colon.
    expect(HCLOG_MESSAGES.filter((m) => m.includes(':'))).toEqual([]);
    const line = (message: string) => `2026-12-06T10:46:30.943Z [WARN]  raft-n1: ${message}`;
    const { trace } = parseTrace(
      [
        line('heartbeat timeout reached, starting election: last-leader='), // fields: read
        line('heartbeat timeout reached, starting election:'), // a final colon, no fields: read
        line('heartbeat timeout reached, starting election'), // bare: read
        line('heartbeat timeout reached, starting election: soon'), // ": " and no key=: not this message
        line('heartbeat timeout reached, starting elections: last-leader='), // a longer word: not this message
        line('failed to contact quorum of nodes, stepping down'), // a known message that starts like "failed to contact"
        line('failed to contact: server-id=n2 time=50.1ms'),
      ].join('\n'),
      'h.log',
      'hclog',
    );
    expect(trace.events.map((e) => [e.line, e.event])).toEqual([
      [1, 'ElectionTimeout'],
      [2, 'ElectionTimeout'],
      [3, 'ElectionTimeout'],
    ]);
    expect(trace.skipped.map((s) => s.line)).toEqual([4, 5]);
    expect(trace.informational).toBe(2); // line 6, and line 7: link evidence is no event
    expect(trace.links.toArray().map((l) => [l.line, l.from, l.to, l.reached])).toEqual([
      [7, 'n1', 'n2', false],
    ]);
  });
  it('--format forces a reader: an etcd log read as hclog has no event, a TraceError', () => {
    const text = 'raft 2026/12/06 10:47:21.347714 INFO: 2 became candidate at term 2\n';
    expect(() => parseTrace(text, 'x.log', 'hclog')).toThrow(TraceError);
    expect(parseTrace(text, 'x.log', 'auto').detection?.format).toBe('etcd');
  });
});

describe('Partition / Cut / Heal in a canonical trace', () => {
  const lines = (extra: object[]) =>
    [
      { event: 'Cluster', nodes: ['n1', 'n2', 'n3'] },
      { event: 'BecomeCandidate', node: 'n1', time: 1, term: 1 },
      { event: 'Receive', node: 'n2', time: 2, message: rv('n1', 'n2', 1) },
      { event: 'Send', node: 'n2', time: 2, message: { ...vote('n2', 'n1', 1) } },
      { event: 'Receive', node: 'n1', time: 3, message: vote('n2', 'n1', 1) },
      { event: 'BecomeLeader', node: 'n1', time: 3, term: 1 },
      ...extra,
      { event: 'BecomeCandidate', node: 'n3', time: 20, term: 2 },
      { event: 'BecomeCandidate', node: 'n3', time: 40, term: 3 },
      { event: 'BecomeCandidate', node: 'n3', time: 60, term: 4 },
    ]
      .map((l) => JSON.stringify(l))
      .join('\n');
  it('a node alone after a Partition starts isolated terms, not a leaderless cluster (exit 0)', () => {
    const r = analyzeTrace(
      lines([{ event: 'Partition', time: 10, groups: [['n1', 'n2'], ['n3']] }]),
      'p.ndjson',
    );
    expect(r.diagnosis.isolatedTerms).toEqual([2, 3, 4]);
    expect(r.diagnosis.isolatedCandidacies[0].evidence).toMatch(
      /n3 could talk to no one \(line 7: Partition \[n1 n2\] \[n3\]\)/,
    );
    expect(r.diagnosis.livenessFailure).toBe(false);
    expect(exitCodeOf(r)).toBe(0);
  });
  it('Cuts both ways isolate too; after Heal the same candidacies count (a liveness failure, exit 1)', () => {
    const cut = analyzeTrace(
      lines([
        { event: 'Cut', time: 10, from: 'n3', to: 'n1' },
        { event: 'Cut', time: 10, from: 'n2', to: 'n3' },
      ]),
      'c.ndjson',
    );
    expect(cut.diagnosis.isolatedTerms).toEqual([2, 3, 4]);
    const healed = analyzeTrace(
      lines([
        { event: 'Partition', time: 10, groups: [['n1', 'n2'], ['n3']] },
        { event: 'Heal', time: 11 },
      ]),
      'h.ndjson',
    );
    expect(healed.diagnosis.isolatedTerms).toEqual([]);
    expect(healed.diagnosis.livenessFailure).toBe(true);
  });
  it('a node named "kit" is refused: that name is the kit\'s', () => {
    expect(() => parseTrace('{"event":"Crash","node":"kit"}\n', 'k.ndjson', 'canonical')).toThrow(TraceError);
  });
});

describe('divergences explained in Figure 2 terms', () => {
  it('a candidate that becomes follower in its own term with nothing received: which rule allows what, and the nearest allowed behaviour', () => {
    const text = [
      { event: 'BecomeCandidate', node: 'n1', time: 1, term: 2 },
      { event: 'BecomeFollower', node: 'n1', time: 2, term: 2 },
    ]
      .map((l) => JSON.stringify(l))
      .join('\n');
    const r = analyzeTrace(
      `${JSON.stringify({ event: 'Cluster', nodes: ['n1', 'n2', 'n3'] })}\n${text}`,
      'd.ndjson',
    );
    const d = r.check.divergences[0];
    expect(d.found).toBe('BecomeFollower in term 2');
    expect(d.after).toBe('line 2: BecomeCandidate in term 2');
    expect(d.expected).toMatch(
      /a candidate in term 2 became follower in its own term 2; Figure 2 converts to follower only on a message with a higher term \(All Servers, §5\.1\) or on an AppendEntries from the leader of its term.*Nearest allowed: stay candidate/,
    );
    expect(d.expected).not.toMatch(/has no transition/);
  });
});

function rv(from: string, to: string, term: number) {
  return { type: 'RequestVoteRequest', from, to, term, lastLogIndex: 0, lastLogTerm: 0 };
}
function vote(from: string, to: string, term: number) {
  return { type: 'RequestVoteResponse', from, to, term, voteGranted: true };
}
