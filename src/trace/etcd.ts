import type { Message, NodeId } from '../../models/index.ts';
import type { RoleEvent } from './events.ts';
import { exactInt } from './scan.ts';
import {
  type Header,
  hasLineSeparator,
  type LineSink,
  type LogReader,
  MinuteClock,
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

/**
 * A rule: the character its message has right after "<id> " (null: any — a rule whose
 * character differs cannot match and its regex is not run; the order is kept), the regex,
 * what the match means.
 */
type Rule = readonly [string | null, RegExp, (m: RegExpExecArray, sink: LineSink) => Understood];

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

const n = exactInt;

/** A voter's decision: it received the request and sent its reply (raft.go Step, "cast" / "rejected"). */
function decision(m: RegExpExecArray, sink: LineSink): Understood {
  const [voter, verdict, kind, candidate, logTerm, index, term] = m.slice(1);
  const pre = kind === 'MsgPreVote';
  sink.message(voter, 'Receive', voteRequest(candidate, voter, n(term), n(index), n(logTerm), pre));
  sink.message(voter, 'Send', voteReply(voter, candidate, n(term), verdict === 'cast', pre));
  return 'event';
}

const ROLE_EVENT: Readonly<Record<string, RoleEvent>> = {
  follower: 'BecomeFollower',
  candidate: 'BecomeCandidate',
  'pre-candidate': 'BecomePreCandidate',
  leader: 'BecomeLeader',
};

const RULES: readonly Rule[] = [
  [
    'b',
    new RegExp(`^${ID} became (follower|candidate|pre-candidate|leader) at term (\\d+)$`),
    (m, sink) => {
      const event = ROLE_EVENT[m[2]];
      if (event === 'BecomePreCandidate') sink.preVote = true;
      sink.role(m[1], event, n(m[3]));
      return 'event';
    },
  ],
  [
    'i',
    new RegExp(`^${ID} is starting a new election at term \\d+$`),
    (m, sink) => {
      sink.role(m[1], 'ElectionTimeout');
      return 'event';
    },
  ],
  [
    '[',
    new RegExp(
      `^${ID} \\[logterm: (\\d+), index: (\\d+)\\] sent ${VOTE_MSG} request to ${ID} at term (\\d+)$`,
    ),
    (m, sink) => {
      const message = voteRequest(m[1], m[5], n(m[6]), n(m[3]), n(m[2]), m[4] === 'MsgPreVote');
      sink.message(m[1], 'Send', message);
      return 'event';
    },
  ],
  [
    'r',
    new RegExp(`^${ID} received (MsgVoteResp|MsgPreVoteResp)( rejection)? from ${ID} at term (\\d+)$`),
    (m, sink) => {
      if (m[1] === m[4]) return 'info'; // the candidate's own vote: counted from its candidacy
      const message = voteReply(m[4], m[1], n(m[5]), m[3] === undefined, m[2] === 'MsgPreVoteResp');
      sink.message(m[1], 'Receive', message);
      return 'event';
    },
  ],
  [
    '[',
    new RegExp(
      `^${ID} \\[logterm: \\d+, index: \\d+, vote: [0-9a-f]+\\] (cast|rejected) ${VOTE_MSG} (?:for|from) ${ID} \\[logterm: (\\d+), index: (\\d+)\\] at term (\\d+)$`,
    ),
    decision,
  ],
  [
    '[',
    new RegExp(
      `^${ID} \\[term: \\d+\\] (?:received a|ignored a) \\w+ message with (?:higher|lower) term from ${ID} \\[term: (\\d+)\\]$`,
    ),
    (m, sink) => heard(m[2], m[1], sink),
  ],
  [
    '[',
    new RegExp(
      `^${ID} \\[logterm: \\d+, index: \\d+, vote: [0-9a-f]+\\] ignored \\w+ from ${ID} .*lease is not expired.*$`,
    ),
    (m, sink) => heard(m[2], m[1], sink),
  ],
  [
    null,
    /^(?:newRaft |raft\.node: |[0-9a-f]{1,16} (?:switched to configuration|has received \d+ \w+ votes|no leader at term|not forwarding to leader|\[term \d+\] (?:starts to transfer|abort previous|transfer leadership|received MsgTimeoutNow)|sent MsgTimeoutNow|sends MsgTimeoutNow|received MsgTimeoutNow|\[commit: \d+|ignoring conf change|\[logterm: \d+, index: \d+, vote: [0-9a-f]+\] ignored)|initiating automatic transition)/,
    () => 'info',
  ],
];

function heard(from: NodeId, to: NodeId, sink: LineSink, term?: number): Understood {
  sink.link(from, to, true, term);
  return 'event';
}

/**
 * The first character after "<id> " each rule needs (null: the last rule, tried on every
 * line). Node ids have no space, so that is the character after the message's first space:
 * a rule that cannot match is skipped without running its regex; the order is kept.
 */
function etcdMessage(header: Header, sink: LineSink): Understood {
  const text = header.text.slice(header.from).trim();
  // Node ids have no space: the character after the first space is the one after "<id> ".
  const lead = text.charAt(text.indexOf(' ') + 1);
  for (const [needs, re, read] of RULES) {
    if (needs !== null && needs !== lead) continue;
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
  return { time, name: null, text: msg, from: 0 };
}

/**
 * GO_LOG without the captures: the header by one sticky regex (capturing the logger's
 * prefix, which moves the date, and the fraction), the message left where it is, the time
 * from the positions (MinuteClock). A line with a line terminator fails, as `(.*)$` does.
 */
const GO_HEAD =
  /([^\d\s]\S*? ?)?\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}(?:\.(\d{1,9}))? (?:(?:DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|PANIC|FATAL): )?/y;
const LINE_TERMINATOR = /[\n\r\u2028\u2029]/;

class GoLogHeader {
  private readonly clock = new MinuteClock();

  /** `lineSeparators`: whether a line may hold U+2028/U+2029 (false: the text has none, no line is searched). */
  constructor(private readonly lineSeparators: boolean) {}

  read(line: string): Header | null {
    GO_HEAD.lastIndex = 0;
    const m = GO_HEAD.exec(line);
    if (m === null || (this.lineSeparators && LINE_TERMINATOR.test(line))) return null;
    const at = m[1] === undefined ? 0 : m[1].length;
    const fracTo = m[2] === undefined ? at + 19 : at + 20 + m[2].length;
    const time = this.clock.at(line, at, fracTo - (m[2]?.length ?? 0), fracTo);
    return { time, name: null, text: line, from: GO_HEAD.lastIndex };
  }
}

/** The header as GO_LOG takes it apart (detection: one line at a time, no clock to keep). */
function goLogHeader(line: string): Header | null {
  const m = GO_LOG.exec(line);
  if (!m) return null;
  return {
    time: wallClockMs([m[1], m[2], m[3]], [m[4], m[5], m[6]], m[7], undefined),
    name: null,
    text: m[8],
    from: 0,
  };
}

/** A reader for one file (its clock caches the current minute). */
function etcdReader(lineSeparators: boolean): LogReader {
  const goLog = new GoLogHeader(lineSeparators);
  return { ...READER, header: (line) => goLog.read(line) ?? zapHeader(line) };
}

const READER: Omit<LogReader, 'header'> = {
  format: 'etcd',
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
      header.text.slice(header.from),
    )
  );
}

export function parseEtcd(text: string, file: string): ParsedTrace {
  return readLibraryLog(text, file, etcdReader(hasLineSeparator(text)));
}
