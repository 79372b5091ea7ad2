import { describe, expect, it } from 'vitest';
import { analyzeTrace } from '../../src/trace/index.ts';

/**
 * A healthy eliben/raft run (the line shapes of "Implementing Raft", parts 2–3): an
 * election, heartbeats, a client command replicated and committed. Every step is one the
 * model allows, so the checker must report nothing — the acceptor does not flag a
 * correct implementation (Figure 2: RequestVote, AppendEntries, Leaders' commit rule).
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
10:00:00.194500 [1] AppendEntries: {Term:1 LeaderId:0 PrevLogIndex:0 PrevLogTerm:0 Entries:[] LeaderCommit:0}
10:00:00.194510 [1] AppendEntries reply: {Term:1 Success:true ConflictIndex:0 ConflictTerm:0}
10:00:00.195000 [0] received RequestVoteReply {Term:1 VoteGranted:true}
10:00:00.195010 [0] while waiting for reply, state = Leader
10:00:00.196000 [0] AppendEntries reply from 1 success: nextIndex := map[1:1 2:1], matchIndex := map[1:0 2:0]; commitIndex := 0
10:00:00.196500 [2] AppendEntries: {Term:1 LeaderId:0 PrevLogIndex:0 PrevLogTerm:0 Entries:[] LeaderCommit:0}
10:00:00.196510 [2] AppendEntries reply: {Term:1 Success:true ConflictIndex:0 ConflictTerm:0}
10:00:00.197000 [0] AppendEntries reply from 2 success: nextIndex := map[1:1 2:1], matchIndex := map[1:0 2:0]; commitIndex := 0
10:00:00.200000 [0] Submit received by Leader: 42
10:00:00.243000 [0] sending AppendEntries to 1: ni=1, args={Term:1 LeaderId:0 PrevLogIndex:0 PrevLogTerm:0 Entries:[{Command:42 Term:1}] LeaderCommit:0}
10:00:00.243010 [0] sending AppendEntries to 2: ni=1, args={Term:1 LeaderId:0 PrevLogIndex:0 PrevLogTerm:0 Entries:[{Command:42 Term:1}] LeaderCommit:0}
10:00:00.245000 [1] AppendEntries: {Term:1 LeaderId:0 PrevLogIndex:0 PrevLogTerm:0 Entries:[{Command:42 Term:1}] LeaderCommit:0}
10:00:00.245010 [1] ... inserting entries [{42 1}] from index 0
10:00:00.245020 [1] ... log is now: [{42 1}]
10:00:00.245030 [1] AppendEntries reply: {Term:1 Success:true ConflictIndex:0 ConflictTerm:0}
10:00:00.247000 [0] AppendEntries reply from 1 success: nextIndex := map[1:2 2:1], matchIndex := map[1:1 2:0]; commitIndex := 0
10:00:00.247010 [0] leader sets commitIndex := 1
10:00:00.293000 [0] sending AppendEntries to 1: ni=2, args={Term:1 LeaderId:0 PrevLogIndex:1 PrevLogTerm:1 Entries:[] LeaderCommit:1}
10:00:00.294000 [1] AppendEntries: {Term:1 LeaderId:0 PrevLogIndex:1 PrevLogTerm:1 Entries:[] LeaderCommit:1}
10:00:00.294010 [1] ... setting commitIndex=1
10:00:00.294020 [1] AppendEntries reply: {Term:1 Success:true ConflictIndex:0 ConflictTerm:0}
`;

describe('a healthy eliben/raft run', () => {
  const report = analyzeTrace(LOG, 'healthy-eliben.log');

  it('parses every log line and checks clean against the model', () => {
    expect(report.trace.format).toBe('eliben');
    expect(report.trace.skipped.filter((s) => s.kind === 'other')).toEqual([]);
    expect(report.trace.inconsistent).toEqual([]);
    expect(report.check.divergences).toEqual([]);
    expect(report.check.violations).toEqual([]);
    expect(report.check.bridges).toEqual([]);
    // The heartbeat after the client command needs no logged timer.
    expect(report.check.heartbeatsAssumed).toBeGreaterThan(0);
  });

  it('elects one leader in term 1 and is not a liveness failure', () => {
    expect(report.diagnosis.leaders).toEqual([{ term: 1, node: 'n0', line: 18, index: 11 }]);
    expect(report.diagnosis.livenessFailure).toBe(false);
  });

  it('reads a crash ("becomes Dead") and a restart ("listening at" again): persistent state survives (Figure 2)', () => {
    const restart = [
      '10:00:00.300000 [2] becomes Dead',
      '10:00:00.400000 [2] listening at [::]:4002',
      '10:00:00.400100 [2] election timer started (200ms), term=1',
      '10:00:00.600000 [2] becomes Candidate (currentTerm=2); log=[]',
    ].join('\n');
    const withRestart = analyzeTrace(`${LOG}${restart}\n`, 'restart.log');
    expect(withRestart.trace.events.filter((e) => e.node === 'n2').map((e) => e.event)).toContain('Restart');
    expect(withRestart.check.divergences).toEqual([]);
  });

  it('catches a follower that commits what its leader did not (Figure 2, AppendEntries rule 5)', () => {
    const wrong = LOG.replace('[1] ... setting commitIndex=1', '[1] ... setting commitIndex=2');
    const divergence = analyzeTrace(wrong, 'bad.log').check.divergences[0];
    expect(divergence).toMatchObject({ rule: 'state', node: 'n1', line: 44 });
    expect(divergence.found).toBe('commitIndex=2 after it');
    expect(divergence.expected).toMatch(/commitIndex=1/);
  });
});

/**
 * eliben/raft parts 2–3 count log indexes from 0, with -1 for "none" (an empty log sends
 * LastLogIndex:-1 LastLogTerm:-1, a fresh leader PrevLogIndex:-1 and LeaderCommit:-1).
 * The parser detects it and shifts indexes to the model's 1-based positions.
 */
const ZERO_BASED = `
10:00:00.000000 [0] listening at [::]:4000
10:00:00.000010 [1] listening at [::]:4001
10:00:00.000020 [2] listening at [::]:4002
10:00:00.190000 [0] becomes Candidate (currentTerm=1); log=[]
10:00:00.190100 [0] sending RequestVote to 1: {Term:1 CandidateId:0 LastLogIndex:-1 LastLogTerm:-1}
10:00:00.190110 [0] sending RequestVote to 2: {Term:1 CandidateId:0 LastLogIndex:-1 LastLogTerm:-1}
10:00:00.192000 [1] RequestVote: {Term:1 CandidateId:0 LastLogIndex:-1 LastLogTerm:-1} [currentTerm=0, votedFor=-1, log index/term=(-1, -1)]
10:00:00.192020 [1] becomes Follower with term=1; log=[]
10:00:00.192030 [1] ... RequestVote reply: &{Term:1 VoteGranted:true}
10:00:00.193000 [0] received RequestVoteReply {Term:1 VoteGranted:true}
10:00:00.193020 [0] becomes Leader; term=1, nextIndex=map[1:0 2:0], matchIndex=map[1:-1 2:-1]; log=[]
10:00:00.193100 [0] sending AppendEntries to 1: ni=0, args={Term:1 LeaderId:0 PrevLogIndex:-1 PrevLogTerm:-1 Entries:[] LeaderCommit:-1}
10:00:00.194500 [1] AppendEntries: {Term:1 LeaderId:0 PrevLogIndex:-1 PrevLogTerm:-1 Entries:[] LeaderCommit:-1}
10:00:00.194510 [1] AppendEntries reply: {Term:1 Success:true ConflictIndex:0 ConflictTerm:0}
10:00:00.196000 [0] AppendEntries reply from 1 success: nextIndex := map[1:0 2:0], matchIndex := map[1:-1 2:-1]; commitIndex := -1
10:00:00.200000 [0] Submit received by Leader: 42
10:00:00.243000 [0] sending AppendEntries to 1: ni=0, args={Term:1 LeaderId:0 PrevLogIndex:-1 PrevLogTerm:-1 Entries:[{Command:42 Term:1}] LeaderCommit:-1}
10:00:00.245000 [1] AppendEntries: {Term:1 LeaderId:0 PrevLogIndex:-1 PrevLogTerm:-1 Entries:[{Command:42 Term:1}] LeaderCommit:-1}
10:00:00.245030 [1] AppendEntries reply: {Term:1 Success:true ConflictIndex:0 ConflictTerm:0}
10:00:00.247000 [0] AppendEntries reply from 1 success: nextIndex := map[1:1 2:0], matchIndex := map[1:0 2:-1]; commitIndex := -1
10:00:00.247010 [0] leader sets commitIndex := 0
10:00:00.293000 [0] sending AppendEntries to 1: ni=1, args={Term:1 LeaderId:0 PrevLogIndex:0 PrevLogTerm:1 Entries:[] LeaderCommit:0}
10:00:00.294000 [1] AppendEntries: {Term:1 LeaderId:0 PrevLogIndex:0 PrevLogTerm:1 Entries:[] LeaderCommit:0}
10:00:00.294010 [1] ... setting commitIndex=0
10:00:00.300000 [1] becomes Candidate (currentTerm=2); log=[{42 1}]
10:00:00.300100 [1] sending RequestVote to 2: {Term:2 CandidateId:1 LastLogIndex:0 LastLogTerm:1}
`;

describe('eliben/raft parts 2–3: 0-based log indexes', () => {
  it('are detected, shifted to 1-based, and the run checks clean', () => {
    const report = analyzeTrace(ZERO_BASED, 'zero-based.log');
    expect(report.trace.idMapping).toMatch(/0-based/);
    expect(report.trace.skipped.filter((s) => s.kind === 'other')).toEqual([]);
    expect(report.check.divergences).toEqual([]);
    const lastVote = report.trace.events.at(-1)?.message;
    expect(lastVote).toMatchObject({ type: 'RequestVoteRequest', lastLogIndex: 1, lastLogTerm: 1 });
  });
});
