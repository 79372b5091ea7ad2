import type { Message, NodeId } from '../../models/index.ts';
import {
  type Header,
  type LineSink,
  type LogReader,
  readLibraryLog,
  type Understood,
  wallClockMs,
} from './textlog.ts';
import type { ParsedTrace } from './trace.ts';

/**
 * Reader of etcd raft's logger lines (go.etcd.io/etcd/raft, raft.go), in either shape
 * etcd writes them:
 *
 *   raft 2026/12/06 10:47:21.347714 INFO: 2 became candidate at term 2        (raft.DefaultLogger, Go's log)
 *   {"level":"info","ts":"2026-12-06T10:47:21.347Z","msg":"2 became candidate at term 2"}   (etcd server, zap)
 *
 * Node ids are etcd's (hex) ids as logged. etcd logs the vote messages in full (who asked,
 * with which last log index and term, who voted for whom) but no AppendEntries, no
 * heartbeats and no log contents.
 */

const GO_LOG =
  /^(?:[^\d\s]\S*? ?)?(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? (?:(?:DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|PANIC|FATAL): )?(.*)$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

const ID = '([0-9a-f]{1,16})';
const VOTE_MSG = '(MsgVote|MsgPreVote)';

type Rule = readonly [RegExp, (m: RegExpExecArray, sink: LineSink) => Understood];

function voteRequest(
  from: NodeId,
  to: NodeId,
  term: number,
  index: number,
  logTerm: number,
  pre: boolean,
): Message {
  return {
    type: pre ? 'PreVoteRequest' : 'RequestVoteRequest',
    from,
    to,
    term,
    lastLogIndex: index,
    lastLogTerm: logTerm,
  };
}

function voteReply(from: NodeId, to: NodeId, term: number, granted: boolean, pre: boolean): Message {
  return { type: pre ? 'PreVoteResponse' : 'RequestVoteResponse', from, to, term, voteGranted: granted };
}

const n = Number;

/** A voter's decision: it received the request and sent its reply (raft.go Step, "cast" / "rejected"). */
function decision(m: RegExpExecArray, sink: LineSink): Understood {
  const [voter, verdict, kind, candidate, logTerm, index, term] = m.slice(1);
  const pre = kind === 'MsgPreVote';
  sink.event(voter, {
    event: 'Receive',
    message: voteRequest(candidate, voter, n(term), n(index), n(logTerm), pre),
  });
  sink.event(voter, {
    event: 'Send',
    message: voteReply(voter, candidate, n(term), verdict === 'cast', pre),
  });
  return 'event';
}

const RULES: readonly Rule[] = [
  [
    new RegExp(`^${ID} became (follower|candidate|pre-candidate|leader) at term (\\d+)$`),
    (m, sink) => {
      const event = {
        follower: 'BecomeFollower',
        candidate: 'BecomeCandidate',
        'pre-candidate': 'BecomePreCandidate',
        leader: 'BecomeLeader',
      }[m[2]] as 'BecomeFollower';
      if (event === ('BecomePreCandidate' as string)) sink.preVote = true;
      sink.event(m[1], { event, term: n(m[3]) });
      return 'event';
    },
  ],
  [
    new RegExp(`^${ID} is starting a new election at term \\d+$`),
    (m, sink) => {
      sink.event(m[1], { event: 'ElectionTimeout' });
      return 'event';
    },
  ],
  [
    new RegExp(
      `^${ID} \\[logterm: (\\d+), index: (\\d+)\\] sent ${VOTE_MSG} request to ${ID} at term (\\d+)$`,
    ),
    (m, sink) => {
      const message = voteRequest(m[1], m[5], n(m[6]), n(m[3]), n(m[2]), m[4] === 'MsgPreVote');
      sink.event(m[1], { event: 'Send', message });
      return 'event';
    },
  ],
  [
    new RegExp(`^${ID} received (MsgVoteResp|MsgPreVoteResp)( rejection)? from ${ID} at term (\\d+)$`),
    (m, sink) => {
      if (m[1] === m[4]) return 'info'; // the candidate's own vote: counted from its candidacy
      const message = voteReply(m[4], m[1], n(m[5]), m[3] === undefined, m[2] === 'MsgPreVoteResp');
      sink.event(m[1], { event: 'Receive', message });
      return 'event';
    },
  ],
  [
    new RegExp(
      `^${ID} \\[logterm: \\d+, index: \\d+, vote: [0-9a-f]+\\] (cast|rejected) ${VOTE_MSG} (?:for|from) ${ID} \\[logterm: (\\d+), index: (\\d+)\\] at term (\\d+)$`,
    ),
    decision,
  ],
  [
    new RegExp(
      `^${ID} \\[term: \\d+\\] (?:received a|ignored a) \\w+ message with (?:higher|lower) term from ${ID} \\[term: (\\d+)\\]$`,
    ),
    (m, sink) => heard(m[2], m[1], sink),
  ],
  [
    new RegExp(
      `^${ID} \\[logterm: \\d+, index: \\d+, vote: [0-9a-f]+\\] ignored \\w+ from ${ID} .*lease is not expired.*$`,
    ),
    (m, sink) => heard(m[2], m[1], sink),
  ],
  [
    /^(?:newRaft |raft\.node: |[0-9a-f]{1,16} (?:switched to configuration|has received \d+ \w+ votes|no leader at term|not forwarding to leader|\[term \d+\] (?:starts to transfer|abort previous|transfer leadership|received MsgTimeoutNow)|sent MsgTimeoutNow|sends MsgTimeoutNow|received MsgTimeoutNow|\[commit: \d+|ignoring conf change|\[logterm: \d+, index: \d+, vote: [0-9a-f]+\] ignored)|initiating automatic transition)/,
    () => 'info',
  ],
];

function heard(from: NodeId, to: NodeId, sink: LineSink, term?: number): Understood {
  sink.link(from, to, true, term);
  return 'event';
}

function etcdMessage(header: Header, sink: LineSink): Understood {
  const text = header.message.trim();
  for (const [re, read] of RULES) {
    const m = re.exec(text);
    if (m) return read(m, sink);
  }
  return null;
}

/** A zap JSON line of etcd server: {"level":…,"ts":…,"msg":…}. */
function zapHeader(line: string): Header | null {
  if (!line.startsWith('{') || !line.includes('"msg"')) return null;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { ts, msg } = value as { ts?: unknown; msg?: unknown };
  if (typeof msg !== 'string') return null;
  let time: number | null = null;
  if (typeof ts === 'number' && Number.isFinite(ts)) time = ts * 1000;
  else if (typeof ts === 'string') {
    const m = ISO.exec(ts);
    time = m ? wallClockMs([m[1], m[2], m[3]], [m[4], m[5], m[6]], m[7], m[8]) : null;
  }
  return { time, name: null, message: msg };
}

function goLogHeader(line: string): Header | null {
  const m = GO_LOG.exec(line);
  if (!m) return null;
  return {
    time: wallClockMs([m[1], m[2], m[3]], [m[4], m[5], m[6]], m[7], undefined),
    name: null,
    message: m[8],
  };
}

const reader: LogReader = {
  format: 'etcd',
  header: (line) => goLogHeader(line) ?? zapHeader(line),
  message: etcdMessage,
  noReplay:
    "etcd raft's logger shows the vote messages but no AppendEntries, no heartbeats and no log contents: a follower's step-down on " +
    "a leader's message and the log a candidate's lastLogIndex refers to are not in the log, so the nodes are not replayed against " +
    'the model; the cross-node properties are checked on the candidacies and votes logged, and liveness on the roles and terms',
  inferences: [],
  idMapping: (nodes) => (nodes.length === 0 ? null : `etcd ids ${nodes.join(', ')} (as logged)`),
};

/** Does the line look like one of etcd raft's? (For format detection: the header and a raft message.) */
export function looksLikeEtcd(line: string): boolean {
  const t = line.trim();
  const header = goLogHeader(t) ?? (t.includes('"msg"') ? zapHeader(t) : null);
  return (
    header !== null &&
    /^[0-9a-f]{1,16} (?:became|is starting|received|\[logterm|\[term|has received)|^newRaft /.test(
      header.message,
    )
  );
}

export function parseEtcd(text: string, file: string): ParsedTrace {
  return readLibraryLog(text, file, reader);
}
