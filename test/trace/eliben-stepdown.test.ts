import { describe, expect, it } from 'vitest';
import { analyzeTrace } from '../../src/trace/index.ts';

/**
 * A leader of eliben/raft stepping down on a heartbeat reply. eliben's leader, on an
 * AppendEntries reply, does
 *
 *     if reply.Term > savedCurrentTerm {
 *         cm.dlog("term out of date in heartbeat reply")
 *         cm.becomeFollower(reply.Term)
 *
 * so "term out of date in heartbeat reply" is the only trace of the receipt, and
 * "becomes Follower with term=T" follows it. Figure 2, Rules for Servers, All Servers: "If
 * RPC request or response contains term T > currentTerm: set currentTerm = T, convert to
 * follower (§5.1)". The checker must read the line as that receipt; before it did, it
 * reported a leader turning follower with no input as a (false) divergence.
 *
 * The excerpt: n0 wins term 1; n2 misses the first heartbeat, times out and stands in
 * term 2; the delayed term-1 heartbeat reaches n2, which rejects it with Term:2; n0 logs
 * the stale heartbeat reply and steps down to term 2.
 */
const LOG = `
10:00:00.000000 [0] listening at [::]:4000
10:00:00.000010 [1] listening at [::]:4001
10:00:00.000020 [2] listening at [::]:4002
10:00:00.000100 [0] election timer started (180ms), term=0
10:00:00.000110 [1] election timer started (250ms), term=0
10:00:00.000120 [2] election timer started (290ms), term=0
10:00:00.190000 [0] becomes Candidate (currentTerm=1); log=[]
10:00:00.190050 [0] election timer started (220ms), term=1
10:00:00.190100 [0] sending RequestVote to 1: {Term:1 CandidateId:0 LastLogIndex:0 LastLogTerm:0}
10:00:00.190110 [0] sending RequestVote to 2: {Term:1 CandidateId:0 LastLogIndex:0 LastLogTerm:0}
10:00:00.192000 [1] RequestVote: {Term:1 CandidateId:0 LastLogIndex:0 LastLogTerm:0} [currentTerm=0, votedFor=-1, log index/term=(0, 0)]
10:00:00.192010 [1] ... term out of date in RequestVote
10:00:00.192020 [1] becomes Follower with term=1; log=[]
10:00:00.192030 [1] ... RequestVote reply: &{Term:1 VoteGranted:true}
10:00:00.193000 [0] received RequestVoteReply {Term:1 VoteGranted:true}
10:00:00.193010 [0] wins election with 2 votes
10:00:00.193020 [0] becomes Leader; term=1, nextIndex=map[1:1 2:1], matchIndex=map[1:0 2:0]; log=[]
10:00:00.193100 [0] sending AppendEntries to 1: ni=1, args={Term:1 LeaderId:0 PrevLogIndex:0 PrevLogTerm:0 Entries:[] LeaderCommit:0}
10:00:00.193110 [0] sending AppendEntries to 2: ni=1, args={Term:1 LeaderId:0 PrevLogIndex:0 PrevLogTerm:0 Entries:[] LeaderCommit:0}
10:00:00.194000 [2] RequestVote: {Term:1 CandidateId:0 LastLogIndex:0 LastLogTerm:0} [currentTerm=0, votedFor=-1, log index/term=(0, 0)]
10:00:00.194010 [2] ... term out of date in RequestVote
10:00:00.194020 [2] becomes Follower with term=1; log=[]
10:00:00.194030 [2] ... RequestVote reply: &{Term:1 VoteGranted:true}
10:00:00.194040 [2] election timer started (200ms), term=1
10:00:00.194500 [1] AppendEntries: {Term:1 LeaderId:0 PrevLogIndex:0 PrevLogTerm:0 Entries:[] LeaderCommit:0}
10:00:00.194510 [1] AppendEntries reply: {Term:1 Success:true ConflictIndex:0 ConflictTerm:0}
10:00:00.195000 [0] received RequestVoteReply {Term:1 VoteGranted:true}
10:00:00.195010 [0] while waiting for reply, state = Leader
10:00:00.196000 [0] AppendEntries reply from 1 success: nextIndex := map[1:1 2:1], matchIndex := map[1:0 2:0]; commitIndex := 0
10:00:00.400000 [2] becomes Candidate (currentTerm=2); log=[]
10:00:00.400010 [2] election timer started (260ms), term=2
10:00:00.400020 [2] sending RequestVote to 0: {Term:2 CandidateId:2 LastLogIndex:0 LastLogTerm:0}
10:00:00.400030 [2] sending RequestVote to 1: {Term:2 CandidateId:2 LastLogIndex:0 LastLogTerm:0}
10:00:00.401000 [2] AppendEntries: {Term:1 LeaderId:0 PrevLogIndex:0 PrevLogTerm:0 Entries:[] LeaderCommit:0}
10:00:00.401010 [2] AppendEntries reply: {Term:2 Success:false ConflictIndex:0 ConflictTerm:0}
10:00:00.402000 [0] term out of date in heartbeat reply
10:00:00.402010 [0] becomes Follower with term=2; log=[]
10:00:00.402020 [0] election timer started (240ms), term=2
`;

const STEP_DOWN_LINE = LOG.split('\n').findIndex((l) => l.includes('[0] becomes Follower with term=2')) + 1;
const STALE_LINE = LOG.split('\n').findIndex((l) => l.includes('term out of date in heartbeat reply')) + 1;

describe('eliben: "term out of date in heartbeat reply" (§5.1 term rule on an AppendEntries reply)', () => {
  it('is the receipt of an AppendEntries reply with the higher term: the step-down checks clean', () => {
    const report = analyzeTrace(LOG, 'stepdown.log');
    expect(report.trace.skipped.filter((s) => s.kind === 'other')).toEqual([]);
    expect(report.check.divergences).toEqual([]);
    expect(report.check.violations).toEqual([]);
    expect(report.check.bridges).toEqual([]);
    const receipt = report.trace.events.find((e) => e.line === STALE_LINE);
    expect(receipt).toMatchObject({
      event: 'Receive',
      node: 'n0',
      message: { type: 'AppendEntriesResponse', to: 'n0', term: 2, success: false },
    });
    // The assumption is stated in the report.
    expect(report.trace.inferences.join('\n')).toMatch(
      /term out of date in heartbeat reply.*1 read as the receipt/,
    );
  });

  it('is not a licence to step down: a "becomes Follower" in the same term is still a divergence', () => {
    // eliben compares the reply with the term it sent, not its current one; a step-down
    // to a term that is not higher is one the model never takes (a leader keeps its term).
    const sameTerm = LOG.replace('[0] becomes Follower with term=2', '[0] becomes Follower with term=1');
    const report = analyzeTrace(sameTerm, 'stepdown-same-term.log');
    expect(report.check.divergences).toHaveLength(1);
    expect(report.check.divergences[0]).toMatchObject({
      line: STEP_DOWN_LINE,
      node: 'n0',
      rule: 'role-transition',
    });
  });

  it('without the "becomes Follower" line after it, the term is unknown: no event, counted as informational', () => {
    const lost = LOG.split('\n')
      .filter((l) => !l.includes('[0] becomes Follower with term=2'))
      .join('\n');
    const report = analyzeTrace(lost, 'stepdown-lost.log');
    expect(report.trace.events.some((e) => e.line === STALE_LINE)).toBe(false);
    expect(report.trace.inferences.join('\n')).toMatch(/0 read as the receipt.*1 not followed by that line/);
    const withLine = analyzeTrace(LOG, 'stepdown.log');
    expect(report.trace.informational).toBe(withLine.trace.informational + 1);
  });
});
