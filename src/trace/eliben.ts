import type { LogEntry, Message, NodeId } from '../../models/index.ts';
import { KIT, type StateFields, type TraceEvent } from './events.ts';
import { LinkColumns } from './links.ts';
import { damageReason, exactInt, POW10 } from './scan.ts';
import {
  type DamagedLine,
  type Hole,
  isFence,
  LineReader,
  type ParsedTrace,
  type SkippedLine,
  sortedUnique,
  TimeOrder,
} from './trace.ts';

/**
 * Parser for the log format of eliben/raft (Eli Bendersky's Go Raft, "Implementing Raft"
 * parts 1–3): `HH:MM:SS.micro [id] message`, as `dlog` prints it with
 * `log.Lmicroseconds`. Node ids 0, 1, 2 become the model's n0, n1, n2.
 *
 * The input may be a pasted document (the seed log is one): markdown fences and prose
 * between log lines, chunks pasted twice with overlap, two lines run together, slightly
 * out-of-order timestamps (Go's logger takes the time before it takes its lock). So:
 * exact repeated lines are dropped as duplicates; events are ordered by timestamp
 * (stable); every line that yields no event is kept in `skipped` with its reason; a line
 * understood only in part is kept in `damaged`; and the time ranges where lines may be
 * missing (between chunks, around damaged lines) are reported as `holes`.
 */

const LINE = /^(?:\d{4}\/\d{2}\/\d{2} )?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? \[(\d+|TEST)\] (.*)$/;

/**
 * Text after a known message made only of `key=value` fields (`, log=[]`, `; foo=1 bar=x`):
 * fields a newer or patched version added. They are kept in the line and ignored — not
 * damage. Anything else left over (the tail of another message, a second timestamp) is a
 * damaged line: two lines run together.
 */
const EXTRA_FIELDS =
  /^[,;]?\s*[A-Za-z_][\w.-]*\s*[=:]\s*[^\s,;]*(?:\s*[,;]?\s*[A-Za-z_][\w.-]*\s*[=:]\s*[^\s,;]*)*\s*[,;]?$/;

export function isExtraFields(text: string): boolean {
  return EXTRA_FIELDS.test(text) && !/\d{1,2}:\d{2}:\d{2}\.\d+ \[/.test(text);
}
const DAY_MS = 24 * 3600 * 1000;

/** Go's `time.Duration` String(): "5ms", "1.5s", "999.9µs", "1m30s". */
export function parseGoDuration(text: string): number | null {
  const units: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    µs: 1e-3,
    μs: 1e-3,
    ms: 1,
    s: 1000,
    m: 60000,
    h: 3600000,
  };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  if (text === '0s' || text === '0') return 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    total += Number(m[1]) * units[m[2]];
    matched = re.lastIndex;
  }
  return matched === text.length && matched > 0 ? total : null;
}

/** Go's %v / %+v of eliben's `[]LogEntry`: `[]`, `{}`, `[{x 1} {y 2}]`, `[{Command:x Term:1}]`. */
export function parseGoLog(text: string): LogEntry[] | null {
  const t = text.trim();
  if (t === '[]' || t === '{}' || t === '') return [];
  if (!t.startsWith('[') || !t.endsWith(']')) return null;
  const entries: LogEntry[] = [];
  const re = /\{(?:Command:)?(.*?) (?:Term:)?(\d+)\}/g;
  let rest = t.slice(1, -1);
  for (let m = re.exec(rest); m !== null; m = re.exec(rest)) {
    entries.push({ term: exactInt(m[2]), value: m[1] });
  }
  rest = rest.replace(re, '').trim();
  return rest === '' ? entries : null;
}

/** Go's %v of a `map[int]int`: `map[1:3 2:3]`. */
function parseGoIntMap(text: string): Map<number, number> | null {
  const m = /^map\[(.*)\]$/.exec(text.trim());
  if (!m) return null;
  const result = new Map<number, number>();
  for (const pair of m[1].split(' ').filter((p) => p !== '')) {
    const kv = /^(-?\d+):(-?\d+)$/.exec(pair);
    if (!kv) return null;
    result.set(exactInt(kv[1]), exactInt(kv[2]));
  }
  return result;
}

/** The model ids of eliben ids 0–63, made once: every line names one or two, and each copy would be kept with its event. */
const SMALL_IDS: readonly NodeId[] = Array.from({ length: 64 }, (_, i) => `n${i}`);

export function nodeIdOf(elibenId: string | number): NodeId {
  const n = Number(elibenId);
  return Number.isInteger(n) && n >= 0 && n < 64 ? SMALL_IDS[n] : `n${n}`;
}

/** A recognized log line before inference: what the line says, in the model's terms where possible. */
type Raw =
  | { kind: 'info' }
  | { kind: 'listen' }
  | { kind: 'timer'; timeoutMs: number; term: number }
  | {
      kind: 'role';
      event: 'BecomeCandidate' | 'BecomeLeader' | 'BecomeFollower';
      term: number;
      log?: LogEntry[];
    }
  | { kind: 'dead' }
  | { kind: 'rvSend'; to: NodeId; term: number; candidate: NodeId; lastLogIndex: number; lastLogTerm: number }
  | {
      kind: 'rvRecv';
      term: number;
      candidate: NodeId;
      lastLogIndex: number;
      lastLogTerm: number;
      before: StateFields;
    }
  | { kind: 'rvReply'; term: number; granted: boolean }
  | { kind: 'rvReplyRecv'; term: number; granted: boolean }
  | {
      kind: 'aeSend';
      to: NodeId;
      term: number;
      leader: NodeId;
      prevLogIndex: number;
      prevLogTerm: number;
      entries: LogEntry[];
      leaderCommit: number;
    }
  | {
      kind: 'aeRecv';
      term: number;
      leader: NodeId;
      prevLogIndex: number;
      prevLogTerm: number;
      entries: LogEntry[];
      leaderCommit: number;
    }
  | { kind: 'aeReply'; term: number; success: boolean }
  | { kind: 'aeReplyRecv'; from: NodeId; success: boolean; matchIndex: number | null }
  | { kind: 'aeStaleReply' }
  | { kind: 'submit'; value: string }
  | { kind: 'net'; peer: NodeId; connected: boolean }
  | { kind: 'commit'; commitIndex: number };

interface Recognized {
  readonly raw: Raw;
  /** Text after the recognized part that the parser could not account for. */
  readonly trailing: string;
}

type Rule = readonly [RegExp, (m: RegExpExecArray) => Raw | null];

const num = exactInt;
const RV_ARGS = String.raw`\{Term:(\d+) CandidateId:(\d+) LastLogIndex:(-?\d+) LastLogTerm:(-?\d+)\}`;
const AE_ARGS = String.raw`\{Term:(\d+) LeaderId:(\d+)(?: PrevLogIndex:(-?\d+) PrevLogTerm:(-?\d+) Entries:(\[.*?\]) LeaderCommit:(-?\d+))?\}`;

/**
 * The raw line of an AppendEntries request whose fields start at capture `offset`: a
 * receipt, or a send to `to`. One literal each (a spread of shared fields per line cost as
 * much as the regex).
 */
function aeRaw(m: RegExpExecArray, offset: number, to: NodeId | null): Raw | null {
  const entries = m[offset + 4] === undefined ? [] : parseGoLog(m[offset + 4]);
  if (entries === null) return null;
  const term = num(m[offset]);
  const leader = nodeIdOf(m[offset + 1]);
  const prevLogIndex = num(m[offset + 2] ?? 0);
  const prevLogTerm = num(m[offset + 3] ?? 0);
  const leaderCommit = num(m[offset + 5] ?? 0);
  return to === null
    ? { kind: 'aeRecv', term, leader, prevLogIndex, prevLogTerm, entries, leaderCommit }
    : { kind: 'aeSend', to, term, leader, prevLogIndex, prevLogTerm, entries, leaderCommit };
}

type RoleRaw = Extract<Raw, { kind: 'role' }>;

function withLog(raw: RoleRaw, logText: string | undefined): Raw | null {
  if (logText === undefined) return raw;
  const log = parseGoLog(logText);
  return log === null ? null : { kind: raw.kind, event: raw.event, term: raw.term, log };
}

/** Each rule matches a message prefix; whatever follows the match is `trailing`. */
const RULES: readonly Rule[] = [
  [/^listening at \S+/, () => ({ kind: 'listen' })],
  [
    /^election timer started \(([^)]+)\), term=(\d+)/,
    (m) => {
      const timeoutMs = parseGoDuration(m[1]);
      return timeoutMs === null ? null : { kind: 'timer', timeoutMs, term: num(m[2]) };
    },
  ],
  [
    /^becomes Candidate \(currentTerm=(\d+)(?:\)\s*;?\s*|\s*;\s*)(?:log\s*=?\s*(\[[^\]]*\]|\{\}))?\)?/,
    (m) => withLog({ kind: 'role', event: 'BecomeCandidate', term: num(m[1]) }, m[2]),
  ],
  [
    /^becomes Leader; term=(\d+)(?:, nextIndex=map\[[^\]]*\], matchIndex=map\[[^\]]*\])?(?:[;,]? ?log=(\[.*\]|\{\}))?/,
    (m) => withLog({ kind: 'role', event: 'BecomeLeader', term: num(m[1]) }, m[2]),
  ],
  [
    /^becomes Follower with term=(\d+)(?:;? ?log=(\[.*\]|\{\}))?/,
    (m) => withLog({ kind: 'role', event: 'BecomeFollower', term: num(m[1]) }, m[2]),
  ],
  [/^becomes Dead/, () => ({ kind: 'dead' })],
  [
    new RegExp(`^sending RequestVote to (\\d+): ${RV_ARGS}`),
    (m) => ({
      kind: 'rvSend',
      to: nodeIdOf(m[1]),
      term: num(m[2]),
      candidate: nodeIdOf(m[3]),
      lastLogIndex: num(m[4]),
      lastLogTerm: num(m[5]),
    }),
  ],
  [
    new RegExp(
      `^RequestVote: ${RV_ARGS} \\[currentTerm=(\\d+), votedFor=(-?\\d+)(?:, log index/term=\\((-?\\d+), (-?\\d+)\\))?\\]`,
    ),
    (m) => ({
      kind: 'rvRecv',
      term: num(m[1]),
      candidate: nodeIdOf(m[2]),
      lastLogIndex: num(m[3]),
      lastLogTerm: num(m[4]),
      before: { currentTerm: num(m[5]), votedFor: num(m[6]) < 0 ? null : nodeIdOf(m[6]) },
    }),
  ],
  [
    /^\.\.\. RequestVote reply: &?\{Term:(\d+) VoteGranted:(true|false)\}/,
    (m) => ({ kind: 'rvReply', term: num(m[1]), granted: m[2] === 'true' }),
  ],
  [
    /^received RequestVoteReply &?\{Term:(\d+) VoteGranted:(true|false)\}/,
    (m) => ({ kind: 'rvReplyRecv', term: num(m[1]), granted: m[2] === 'true' }),
  ],
  [
    new RegExp(`^sending AppendEntries to (\\d+): ni=(\\d+), args=${AE_ARGS}`),
    (m) => aeRaw(m, 3, nodeIdOf(m[1])),
  ],
  [new RegExp(`^AppendEntries: ${AE_ARGS}`), (m) => aeRaw(m, 1, null)],
  [
    /^AppendEntries reply: &?\{Term:(\d+) Success:(true|false)(?: ConflictIndex:-?\d+ ConflictTerm:-?\d+)?\}/,
    (m) => ({ kind: 'aeReply', term: num(m[1]), success: m[2] === 'true' }),
  ],
  [
    /^AppendEntries reply from (\d+) success: nextIndex := (map\[[^\]]*\]), matchIndex := (map\[[^\]]*\])(?:; commitIndex := -?\d+)?/,
    (m) => {
      const matchIndex = parseGoIntMap(m[3])?.get(num(m[1])) ?? null;
      return { kind: 'aeReplyRecv', from: nodeIdOf(m[1]), success: true, matchIndex };
    },
  ],
  [
    /^AppendEntries reply from (\d+) !success: nextIndex := \d+/,
    (m) => ({ kind: 'aeReplyRecv', from: nodeIdOf(m[1]), success: false, matchIndex: 0 }),
  ],
  // eliben's leader, on an AppendEntries reply with `reply.Term > savedCurrentTerm`, logs
  // this and calls becomeFollower(reply.Term) — the reply's only trace in the log.
  [/^(?:\.\.\. )?term out of date in heartbeat reply$/, () => ({ kind: 'aeStaleReply' })],
  [/^Submit received by Leader: (.*)$/, (m) => ({ kind: 'submit', value: m[1] })],
  [/^leader sets commitIndex := (-?\d+)/, (m) => ({ kind: 'commit', commitIndex: num(m[1]) })],
  [/^\.\.\. setting commitIndex=(-?\d+)/, (m) => ({ kind: 'commit', commitIndex: num(m[1]) })],
  // Lines that say something true but need no checking of their own.
  [
    /^(?:\.\.\. )?(?:term out of date in (?:RequestVote|RequestVoteReply|AppendEntries)|in election timer state=\w+, bailing out|in election timer term changed from \d+ to \d+, bailing out|while waiting for reply, state = \w+|wins election with \d+ votes|Submit received by \w+: .*|log is now: .*|inserting entries .* from index \d+|becomes Dead|sending commit|commitChanSender .*|.*persist.*)$/,
    () => ({ kind: 'info' }),
  ],
];

/**
 * The text every match of an anchored regex starts with: its source after `^` up to the
 * first character that is not a literal (an escaped punctuation mark is one), less a last
 * character a quantifier makes optional. A message without it cannot match: the regex is
 * not run (most lines would otherwise run a dozen regexes before theirs).
 */
export function literalPrefix(re: RegExp): string {
  const source = re.source;
  if (!source.startsWith('^') || re.flags.replace(/[gy]/g, '') !== '' || topLevelAlternative(source))
    return '';
  let prefix = '';
  for (let i = 1; i < source.length; i++) {
    let c = source[i];
    if (c === '\\') {
      c = source[i + 1] ?? '';
      if (!/^[^\w\s]$/.test(c)) break;
      i++;
    } else if ('()[]{}.*+?|^$'.includes(c)) break;
    if (i + 1 < source.length && '?*{'.includes(source[i + 1])) break;
    prefix += c;
  }
  return prefix;
}

/** The message recognized, or why the line is skipped (unknown, or damaged by a number no server holds). */
function recognizeOrSkip(message: string): Recognized | string {
  try {
    return recognize(message) ?? 'log line with a message the eliben parser does not know';
  } catch (error) {
    return damageReason(error);
  }
}

/** Whether the source has a `|` outside every group (then `^` anchors only its first alternative). */
function topLevelAlternative(source: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return true;
  }
  return false;
}

const PREFIXES: readonly string[] = RULES.map(([re]) => literalPrefix(re));

export function recognize(message: string): Recognized | null {
  for (let i = 0; i < RULES.length; i++) {
    if (!message.startsWith(PREFIXES[i])) continue;
    const [re, build] = RULES[i];
    const m = re.exec(message);
    if (!m) continue;
    const raw = build(m);
    if (raw === null) continue;
    return { raw, trailing: message.slice(m[0].length).trim() };
  }
  return null;
}

interface LogLine {
  readonly line: number;
  readonly text: string;
  readonly time: number;
  readonly node: NodeId;
  readonly raw: Raw;
  readonly segment: number;
}

/** Does the line look like eliben's format? (For format detection.) */
export function looksLikeEliben(text: string): boolean {
  return LINE.test(text.trim());
}

export function parseEliben(text: string, file: string): ParsedTrace {
  const lines = new LineReader(text);
  const reading = new ElibenReading();
  for (let textLine = lines.next(); textLine !== null; textLine = lines.next()) {
    reading.line(textLine.trim(), lines.count);
  }
  return reading.result(file, lines.count);
}

/** The account of an eliben log's lines as they are read, in file order; events are built at the end, by time. */
class ElibenReading {
  readonly skipped: SkippedLine[] = [];
  readonly damaged: DamagedLine[] = [];
  readonly extraFields: DamagedLine[] = [];
  private readonly seen = new RepeatedLines();
  readonly firstDuplicateLines: number[] = [];
  readonly records: LogLine[] = [];
  private readonly coverage = new Map<number, Range>();
  readonly ids = new Set<NodeId>();
  duplicates = 0;
  logLines = 0;
  informational = 0;
  private segment = 0;
  private readonly clock = new DayClock();
  /** Order within a chunk: a fence starts a new chunk. */
  private readonly order = new TimeOrder();

  line(trimmed: string, lineNo: number): void {
    if (trimmed === '') {
      this.skipped.push({ line: lineNo, kind: 'blank', text: '', reason: 'blank line' });
      return;
    }
    if (isFence(trimmed)) {
      this.skipped.push({
        line: lineNo,
        kind: 'fence',
        text: trimmed,
        reason: 'markdown fence (chunk boundary)',
      });
      this.segment++;
      this.order.restart();
      return;
    }
    const m = LINE.exec(trimmed);
    if (!m) {
      const reason = 'not a log line (no "HH:MM:SS.micro [id]")';
      this.skipped.push({ line: lineNo, kind: 'other', text: trimmed, reason });
      return;
    }
    this.logLine(m, trimmed, lineNo);
  }

  /** A line of the log's shape: timed, checked for a repeat, then read as the harness's or a node's. */
  private logLine(m: RegExpExecArray, trimmed: string, lineNo: number): void {
    this.logLines++;
    const frac = m[4] === undefined ? 0 : (Number(m[4]) / POW10[m[4].length]) * 1000;
    const clock = ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + frac;
    const time = this.clock.time(clock);
    cover(this.coverage, this.segment, time, lineNo);
    if (this.seen.repeats(clock, trimmed)) {
      this.duplicates++;
      if (this.firstDuplicateLines.length < 5) this.firstDuplicateLines.push(lineNo);
      return;
    }
    this.order.at(time);
    if (m[5] === 'TEST') this.harnessLine(m[6], trimmed, lineNo, time);
    else this.nodeLine(nodeIdOf(m[5]), m[6], trimmed, lineNo, time);
  }

  private harnessLine(message: string, trimmed: string, lineNo: number, time: number): void {
    const harness = recognizeHarness(message);
    if (harness === null) {
      this.informational++;
      return;
    }
    this.ids.add(harness.peer);
    this.records.push({ line: lineNo, text: trimmed, time, node: KIT, raw: harness, segment: this.segment });
  }

  private nodeLine(node: NodeId, message: string, trimmed: string, lineNo: number, time: number): void {
    this.ids.add(node);
    const recognized = recognizeOrSkip(message);
    if (typeof recognized === 'string') {
      this.skipped.push({ line: lineNo, kind: 'other', text: trimmed, reason: recognized });
      return;
    }
    if (recognized.trailing !== '') {
      const extra = isExtraFields(recognized.trailing);
      (extra ? this.extraFields : this.damaged).push({
        line: lineNo,
        text: trimmed,
        ignored: recognized.trailing,
      });
    }
    const raw = recognized.raw;
    if (raw.kind === 'info') {
      this.informational++;
      return;
    }
    if ('to' in raw) this.ids.add(raw.to);
    this.records.push({ line: lineNo, text: trimmed, time, node, raw, segment: this.segment });
  }

  result(file: string, totalLines: number): ParsedTrace {
    const sorted = byTime(this.records);
    const zeroBased = detectZeroBased(sorted);
    const nodes = sortedUnique(this.ids);
    const built = buildEvents(sorted, zeroBased, nodes);
    const holes = [
      ...chunkHoles(this.coverage),
      ...damagedHoles(sorted, this.damaged, 'a damaged line (two lines run together)'),
      ...damagedHoles(sorted, built.inconsistent, 'a line that contradicts itself'),
    ];
    return {
      file,
      format: 'eliben',
      totalLines,
      logLines: this.logLines,
      duplicates: this.duplicates,
      firstDuplicateLines: this.firstDuplicateLines,
      informational: this.informational + built.informational,
      skipped: this.skipped,
      damaged: this.damaged,
      extraFields: this.extraFields,
      inconsistent: built.inconsistent,
      outOfOrder: this.order.outOfOrder(),
      events: built.events,
      nodes,
      preVote: false,
      holes: holes.sort((a, b) => a.from - b.from),
      idMapping: idMapping(nodes, zeroBased),
      inferences: built.inferences,
      links: new LinkColumns(),
      noReplay: null,
    };
  }
}

function idMapping(nodes: readonly NodeId[], zeroBased: boolean): string | null {
  if (nodes.length === 0) return null;
  const elibenIds = nodes.map((n) => n.slice(1));
  return (
    `eliben ids ${elibenIds.join(', ')} → ${nodes.join(', ')}` +
    (zeroBased ? "; log indexes 0-based (eliben parts 2–3: -1 = none), shifted to the model's 1-based" : '')
  );
}

/** Clock readings (ms since midnight) to times that go on past midnight: a reading half a day below the last is the next day's. */
class DayClock {
  private dayOffset = 0;
  private lastTime: number | null = null;

  time(clock: number): number {
    let time = clock + this.dayOffset;
    if (this.lastTime !== null && time < this.lastTime - DAY_MS / 2) {
      this.dayOffset += DAY_MS;
      time += DAY_MS;
    }
    this.lastTime = time;
    return time;
  }
}

/** The records ordered by timestamp; the sort is stable, so equal times keep file order (a log in order is left as it is). */
function byTime(records: LogLine[]): LogLine[] {
  let ordered = true;
  for (let i = 1; i < records.length && ordered; i++) ordered = records[i - 1].time <= records[i].time;
  if (ordered) return records;
  const order = records.map((_r, i) => i);
  order.sort((a, b) => records[a].time - records[b].time || a - b);
  return order.map((i) => records[i]);
}

/**
 * Exact repeats of earlier log lines (chunks pasted with overlap). Equal lines have equal
 * clock readings, and a line read later than every line kept so far repeats none of them:
 * such a line (nearly every line of a log) costs two array pushes, where a set of line
 * texts hashed every line whole (a third of the eliben reader). The rest are looked for
 * among the kept lines of their clock reading (a binary search), and kept apart by clock.
 */
class RepeatedLines {
  /** Clock readings of the lines kept in increasing order, and their texts. */
  private readonly clocks: number[] = [];
  private readonly texts: string[] = [];
  /** Lines not later than every line before them, by clock reading. */
  private readonly others = new Map<number, string[]>();

  /** Whether `text`, read at `clock`, repeats an earlier line; if not, it is kept. */
  repeats(clock: number, text: string): boolean {
    const { clocks } = this;
    if (clocks.length === 0 || clock > clocks[clocks.length - 1]) {
      clocks.push(clock);
      this.texts.push(text);
      return false;
    }
    if (this.inOrder(clock, text)) return true;
    const same = this.others.get(clock);
    if (same === undefined) this.others.set(clock, [text]);
    else if (same.includes(text)) return true;
    else same.push(text);
    return false;
  }

  private inOrder(clock: number, text: string): boolean {
    const { clocks, texts } = this;
    let lo = 0;
    let hi = clocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (clocks[mid] < clock) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < clocks.length && clocks[i] === clock; i++) if (texts[i] === text) return true;
    return false;
  }
}

interface Range {
  from: number;
  to: number;
  line: number;
}

function cover(coverage: Map<number, Range>, segment: number, time: number, line: number): void {
  const range = coverage.get(segment);
  if (!range) coverage.set(segment, { from: time, to: time, line });
  else {
    range.from = Math.min(range.from, time);
    range.to = Math.max(range.to, time);
  }
}

/** Time ranges covered by no pasted chunk (duplicated lines count as covered), between the first and last log line. */
function chunkHoles(coverage: ReadonlyMap<number, Range>): Hole[] {
  const ranges = [...coverage.values()].sort((a, b) => a.from - b.from);
  const holes: Hole[] = [];
  let coveredTo = ranges.length > 0 ? ranges[0].to : 0;
  for (const range of ranges.slice(1)) {
    if (range.from > coveredTo) {
      holes.push({ from: coveredTo, to: range.from, reason: 'between pasted chunks', line: range.line });
    }
    coveredTo = Math.max(coveredTo, range.to);
  }
  return holes;
}

/** Around a damaged line (two lines run together), the text of at least one line is lost. */
function damagedHoles(records: readonly LogLine[], damaged: readonly DamagedLine[], reason: string): Hole[] {
  if (damaged.length === 0) return [];
  const byLine = new Map(records.map((r, i) => [r.line, i]));
  const holes: Hole[] = [];
  for (const d of damaged) {
    const i = byLine.get(d.line);
    if (i === undefined) continue;
    const before = records[Math.max(0, i - 1)].time;
    const after = records[Math.min(records.length - 1, i + 1)].time;
    holes.push({
      from: Math.min(before, records[i].time),
      to: Math.max(after, records[i].time),
      reason,
      line: d.line,
    });
  }
  return holes;
}

/** The notes on inferred fields, one array each, shared by the events they describe (never changed). */
const INFERRED = {
  candidate: ['candidate from the RequestVote logged just before'],
  voterMatched: ['voter matched to its logged reply'],
  voterUnknown: ['voter unknown'],
  leaderAndMatch: ['leader and matchIndex from the AppendEntries logged just before'],
  leaderTerm: ['term from the leader\'s "becomes Leader" line'],
  staleReply: ['sender unknown; term from the "becomes Follower" line after it; success false'],
} as const satisfies Record<string, readonly string[]>;

interface PendingReply {
  readonly event: { message: Message; inferred?: readonly string[] };
  readonly voter: NodeId;
  readonly term: number;
  readonly granted: boolean;
  matched: boolean;
}

/**
 * Turn recognized lines into model events. eliben's lines leave some fields implicit;
 * they are inferred, and each inference is counted:
 * - a vote reply names neither its candidate nor, on receipt, its voter: the voter's
 *   reply goes to the candidate of the RequestVote it just logged; a received reply is
 *   matched to the earliest unmatched logged reply to that candidate with the same term
 *   and answer;
 * - an AppendEntries reply goes to the leader of the request just logged, with
 *   matchIndex = prevLogIndex + len(entries) on success (raft.tla's mmatchIndex).
 */
/**
 * eliben/raft parts 2–3 count log indexes from 0 (-1 = no entry, term -1 = none); part 1
 * and the seed log send zeros. The log is 0-based if any index or term field is
 * negative, or if a candidate's LastLogIndex is the length of its logged log minus one.
 */
function detectZeroBased(records: readonly LogLine[]): boolean {
  const logLength = new Map<NodeId, number>();
  for (const { raw, node } of records) {
    switch (raw.kind) {
      case 'rvSend':
        if (raw.lastLogIndex < 0 || raw.lastLogTerm < 0) return true;
        if ((logLength.get(node) ?? 0) > 0 && raw.lastLogIndex === (logLength.get(node) as number) - 1)
          return true;
        break;
      case 'rvRecv':
        if (raw.lastLogIndex < 0 || raw.lastLogTerm < 0) return true;
        break;
      case 'aeSend':
      case 'aeRecv':
        if (raw.prevLogIndex < 0 || raw.prevLogTerm < 0 || raw.leaderCommit < 0) return true;
        break;
      case 'aeReplyRecv':
        if (raw.matchIndex !== null && raw.matchIndex < 0) return true;
        break;
      case 'commit':
        if (raw.commitIndex < 0) return true;
        break;
      case 'role':
        if (raw.log !== undefined) logLength.set(node, raw.log.length);
        break;
    }
  }
  return false;
}

function contradiction(r: LogLine, reason: string): DamagedLine {
  return { line: r.line, text: r.text, ignored: reason };
}

/**
 * eliben's test harness: `[TEST] Disconnect N` cuts server N off from every other
 * (`DisconnectPeer`), `[TEST] Reconnect N` restores its links. Other harness lines (Crash,
 * Restart — the node logs those itself —, commits collected, dropped calls) are information.
 */
function recognizeHarness(message: string): Extract<Raw, { kind: 'net' }> | null {
  const m = /^(Disconnect|Reconnect) (\d+)$/.exec(message.trim());
  return m ? { kind: 'net', peer: nodeIdOf(m[2]), connected: m[1] === 'Reconnect' } : null;
}

/** The groups that can talk after the harness disconnected `down`: the rest together, each of `down` alone. */
function groupsWithout(nodes: readonly NodeId[], down: ReadonlySet<NodeId>): NodeId[][] {
  const rest = nodes.filter((n) => !down.has(n));
  return [...(rest.length > 0 ? [rest] : []), ...[...down].sort().map((n) => [n])];
}

function buildEvents(sorted: readonly LogLine[], zeroBased: boolean, nodes: readonly NodeId[]): BuiltEvents {
  const builder = new ElibenEvents(zeroBased, nodes);
  for (const r of sorted) builder.add(r);
  return builder.result();
}

interface BuiltEvents {
  events: TraceEvent[];
  inferences: string[];
  inconsistent: DamagedLine[];
  /** "listening at" lines that are not a restart. */
  informational: number;
}

type RawOf<K extends Raw['kind']> = Extract<Raw, { kind: K }>;

/**
 * The canonical events of eliben's log lines, in time order, with what each line leaves for
 * later ones: the last RequestVote and AppendEntries each node received (its reply names
 * neither candidate nor leader), the logged vote replies a candidate's receipt is matched
 * to, the stale-reply events waiting for their term, who is down and who is dead.
 */
class ElibenEvents {
  private readonly events: TraceEvent[] = [];
  private readonly inconsistent: DamagedLine[] = [];
  private readonly lastRvRecv = new Map<NodeId, { candidate: NodeId; term: number; answered: boolean }>();
  private readonly lastAeRecv = new Map<
    NodeId,
    { leader: NodeId; term: number; matchIndex: number; answered: boolean }
  >();
  private readonly leaderTerm = new Map<NodeId, number>();
  private readonly replies: PendingReply[] = [];
  private readonly openReplies = new Map<string, PendingReply[]>();
  private readonly dead = new Set<NodeId>();
  private readonly down = new Set<NodeId>();
  // "term out of date in heartbeat reply" events waiting for their term from the node's next line.
  private readonly staleAwaitingTerm = new Map<NodeId, TraceEvent & { message: Message }>();
  private readonly staleUnread = new Set<TraceEvent>();
  private staleRead = 0;
  private listens = 0;
  private sendersMatched = 0;
  private sendersUnknown = 0;
  private aeRepliesInferred = 0;

  constructor(
    private readonly zeroBased: boolean,
    private readonly nodes: readonly NodeId[],
  ) {}

  private ix(index: number): number {
    return this.zeroBased ? index + 1 : index;
  }

  private tm(term: number): number {
    return Math.max(0, term);
  }

  // Each event is built whole ({ line, time, node, … } — the order a spread of them gave): no spread per event.
  add(r: LogLine): void {
    const raw = r.raw;
    if (raw.kind === 'net') {
      this.network(r, raw);
      return;
    }
    this.readStaleTerm(r);
    switch (raw.kind) {
      case 'rvSend':
      case 'rvRecv':
      case 'rvReply':
      case 'rvReplyRecv':
        this.voteLine(r, raw);
        break;
      case 'aeSend':
      case 'aeRecv':
      case 'aeReply':
      case 'aeReplyRecv':
      case 'aeStaleReply':
        this.appendLine(r, raw);
        break;
      default:
        this.nodeLine(r, raw);
        break;
    }
  }

  private network({ line, time, node }: LogLine, raw: RawOf<'net'>): void {
    if (raw.connected) this.down.delete(raw.peer);
    else this.down.add(raw.peer);
    this.events.push(
      this.down.size === 0
        ? { line, time, node, event: 'Heal' }
        : { line, time, node, event: 'Partition', groups: groupsWithout(this.nodes, this.down) },
    );
  }

  /** A stale-reply event takes its term from the "becomes Follower" line right after it, or stays unread. */
  private readStaleTerm(r: LogLine): void {
    const stale = this.staleAwaitingTerm.get(r.node);
    if (!stale) return;
    this.staleAwaitingTerm.delete(r.node);
    if (r.raw.kind === 'role' && r.raw.event === 'BecomeFollower') {
      stale.message = { ...stale.message, term: r.raw.term };
      this.staleRead++;
    } else this.staleUnread.add(stale);
  }

  private nodeLine(
    r: LogLine,
    raw: RawOf<'timer' | 'role' | 'dead' | 'listen' | 'submit' | 'commit' | 'info'>,
  ): void {
    const { line, time, node } = r;
    switch (raw.kind) {
      case 'timer':
        this.events.push({ line, time, node, event: 'TimerStart', timeoutMs: raw.timeoutMs, term: raw.term });
        break;
      case 'role':
        if (raw.event === 'BecomeLeader') this.leaderTerm.set(r.node, raw.term);
        this.events.push({
          line,
          time,
          node,
          event: raw.event,
          term: raw.term,
          state: raw.log === undefined ? { currentTerm: raw.term } : { currentTerm: raw.term, log: raw.log },
        });
        break;
      case 'dead':
        this.dead.add(r.node);
        this.events.push({ line, time, node, event: 'Crash' });
        break;
      case 'listen':
        // A server that starts listening after "becomes Dead" was restarted (eliben's RestartPeer).
        if (this.dead.delete(r.node)) this.events.push({ line, time, node, event: 'Restart' });
        else this.listens++;
        break;
      case 'submit':
        this.events.push({ line, time, node, event: 'ClientRequest', value: raw.value });
        break;
      case 'commit':
        this.events.push({
          line,
          time,
          node,
          event: 'State',
          state: { commitIndex: this.ix(raw.commitIndex) },
        });
        break;
      case 'info':
        break;
    }
  }

  private voteLine(r: LogLine, raw: RawOf<'rvSend' | 'rvRecv' | 'rvReply' | 'rvReplyRecv'>): void {
    switch (raw.kind) {
      case 'rvSend':
        this.voteRequestSent(r, raw);
        break;
      case 'rvRecv':
        this.voteRequestReceived(r, raw);
        break;
      case 'rvReply':
        this.voteReplySent(r, raw);
        break;
      case 'rvReplyRecv':
        this.voteReplyReceived(r, raw);
        break;
    }
  }

  /**
   * A request the node logs sending must name it as the sender (`named`, its CandidateId or
   * LeaderId) and go to another node; otherwise the line contradicts the log (kept as such).
   */
  private misaddressed(
    r: LogLine,
    named: NodeId,
    to: NodeId,
    rpc: 'RequestVote' | 'AppendEntries',
    field: string,
  ): boolean {
    if (named === r.node && to !== r.node) return false;
    const article = rpc === 'AppendEntries' ? 'an' : 'a';
    this.inconsistent.push(
      contradiction(
        r,
        to === r.node
          ? `a node sending ${rpc} to itself`
          : `[${r.node.slice(1)}] logs ${article} ${rpc} whose ${field} is ${named.slice(1)}`,
      ),
    );
    return true;
  }

  /** The RequestVote a send or receipt line shows (indexes made 1-based, the "-1" term made 0). */
  private voteRequest(raw: RawOf<'rvSend' | 'rvRecv'>, to: NodeId): Message {
    return {
      type: 'RequestVoteRequest',
      from: raw.candidate,
      to,
      term: raw.term,
      lastLogIndex: this.ix(raw.lastLogIndex),
      lastLogTerm: this.tm(raw.lastLogTerm),
    };
  }

  /** The AppendEntries a send or receipt line shows. */
  private appendRequest(raw: RawOf<'aeSend' | 'aeRecv'>, to: NodeId): Message {
    return {
      type: 'AppendEntriesRequest',
      from: raw.leader,
      to,
      term: raw.term,
      prevLogIndex: this.ix(raw.prevLogIndex),
      prevLogTerm: this.tm(raw.prevLogTerm),
      entries: raw.entries,
      leaderCommit: this.ix(raw.leaderCommit),
    };
  }

  private voteRequestSent(r: LogLine, raw: RawOf<'rvSend'>): void {
    const { line, time, node } = r;
    if (this.misaddressed(r, raw.candidate, raw.to, 'RequestVote', 'CandidateId')) return;
    this.events.push({
      line,
      time,
      node,
      event: 'Send',
      message: this.voteRequest(raw, raw.to),
    });
  }

  private voteRequestReceived(r: LogLine, raw: RawOf<'rvRecv'>): void {
    const { line, time, node } = r;
    if (raw.candidate === r.node) {
      this.inconsistent.push(contradiction(r, 'a node receiving its own RequestVote'));
      return;
    }
    this.lastRvRecv.set(r.node, { candidate: raw.candidate, term: raw.term, answered: false });
    this.events.push({
      line,
      time,
      node,
      event: 'Receive',
      before: raw.before,
      message: this.voteRequest(raw, r.node),
    });
  }

  /** A vote reply names no candidate: the RequestVote this node logged just before, unanswered. */
  private voteReplySent(r: LogLine, raw: RawOf<'rvReply'>): void {
    const { line, time, node } = r;
    const request = this.lastRvRecv.get(r.node);
    const known = request !== undefined && !request.answered && request.term <= raw.term;
    if (!known) {
      this.inconsistent.push(
        contradiction(r, 'a RequestVote reply with no unanswered RequestVote logged by this node before it'),
      );
      return;
    }
    request.answered = true;
    const event = {
      line,
      time,
      node,
      event: 'Send' as const,
      message: {
        type: 'RequestVoteResponse' as const,
        from: r.node,
        to: request.candidate,
        term: raw.term,
        voteGranted: raw.granted,
      } as Message,
      inferred: INFERRED.candidate,
    };
    this.events.push(event);
    const pending = { event, voter: r.node, term: raw.term, granted: raw.granted, matched: false };
    this.replies.push(pending);
    const key = `${request.candidate}|${raw.term}|${raw.granted}`;
    const queue = this.openReplies.get(key);
    if (queue) queue.push(pending);
    else this.openReplies.set(key, [pending]);
  }

  /** A received vote reply names no voter: the earliest unmatched logged reply to this candidate with the same term and answer. */
  private voteReplyReceived(r: LogLine, raw: RawOf<'rvReplyRecv'>): void {
    const { line, time, node } = r;
    const reply = this.openReplies.get(`${r.node}|${raw.term}|${raw.granted}`)?.shift();
    let from = '?';
    if (reply) {
      reply.matched = true;
      from = reply.voter;
      this.sendersMatched++;
    } else this.sendersUnknown++;
    this.events.push({
      line,
      time,
      node,
      event: 'Receive',
      message: { type: 'RequestVoteResponse', from, to: r.node, term: raw.term, voteGranted: raw.granted },
      inferred: reply ? INFERRED.voterMatched : INFERRED.voterUnknown,
    });
  }

  private appendLine(
    r: LogLine,
    raw: RawOf<'aeSend' | 'aeRecv' | 'aeReply' | 'aeReplyRecv' | 'aeStaleReply'>,
  ): void {
    switch (raw.kind) {
      case 'aeSend':
        this.appendSent(r, raw);
        break;
      case 'aeRecv':
        this.appendReceived(r, raw);
        break;
      case 'aeReply':
        this.appendReplySent(r, raw);
        break;
      case 'aeReplyRecv':
        this.appendReplyReceived(r, raw);
        break;
      case 'aeStaleReply':
        this.staleAppendReply(r);
        break;
    }
  }

  private appendSent(r: LogLine, raw: RawOf<'aeSend'>): void {
    const { line, time, node } = r;
    if (this.misaddressed(r, raw.leader, raw.to, 'AppendEntries', 'LeaderId')) return;
    this.events.push({
      line,
      time,
      node,
      event: 'Send',
      message: this.appendRequest(raw, raw.to),
    });
  }

  private appendReceived(r: LogLine, raw: RawOf<'aeRecv'>): void {
    const { line, time, node } = r;
    this.lastAeRecv.set(r.node, {
      leader: raw.leader,
      term: raw.term,
      matchIndex: this.ix(raw.prevLogIndex) + raw.entries.length,
      answered: false,
    });
    this.events.push({
      line,
      time,
      node,
      event: 'Receive',
      message: this.appendRequest(raw, r.node),
    });
  }

  /** An AppendEntries reply names neither leader nor match: the request this node logged just before. */
  private appendReplySent(r: LogLine, raw: RawOf<'aeReply'>): void {
    const { line, time, node } = r;
    const request = this.lastAeRecv.get(r.node);
    if (request === undefined || request.answered) {
      this.inconsistent.push(
        contradiction(
          r,
          'an AppendEntries reply with no unanswered AppendEntries logged by this node before it',
        ),
      );
      return;
    }
    request.answered = true;
    this.aeRepliesInferred++;
    this.events.push({
      line,
      time,
      node,
      event: 'Send',
      message: {
        type: 'AppendEntriesResponse',
        from: r.node,
        to: request.leader,
        term: raw.term,
        success: raw.success,
        matchIndex: raw.success ? request.matchIndex : 0,
      },
      inferred: INFERRED.leaderAndMatch,
    });
  }

  private appendReplyReceived(r: LogLine, raw: RawOf<'aeReplyRecv'>): void {
    const { line, time, node } = r;
    this.events.push({
      line,
      time,
      node,
      event: 'Receive',
      message: {
        type: 'AppendEntriesResponse',
        from: raw.from,
        to: r.node,
        term: this.leaderTerm.get(r.node) ?? 0,
        success: raw.success,
        matchIndex: raw.success && raw.matchIndex !== null ? this.ix(raw.matchIndex) : 0,
      },
      inferred: INFERRED.leaderTerm,
    });
  }

  /**
   * eliben: `if reply.Term > savedCurrentTerm { dlog("term out of date in heartbeat reply");
   * becomeFollower(reply.Term) }`. The line is the receipt of an AppendEntries reply; its term
   * is the one the "becomes Follower with term=T" line right after it shows. Neither the
   * replying peer nor `Success` is logged: the sender is left unknown and the reply read as a
   * rejection (a follower in a higher term rejects, Figure 2 AppendEntries rule 1). Only the
   * term matters to the model: the term rule (§5.1) turns the leader into a follower, which
   * ignores the reply itself.
   */
  private staleAppendReply({ line, time, node }: LogLine): void {
    const event = {
      line,
      time,
      node,
      event: 'Receive' as const,
      message: {
        type: 'AppendEntriesResponse' as const,
        from: '?',
        to: node,
        term: Number.NaN,
        success: false,
        matchIndex: 0,
      } as Message,
      inferred: INFERRED.staleReply,
    };
    this.events.push(event);
    this.staleAwaitingTerm.set(node, event);
  }

  result(): BuiltEvents {
    for (const stale of this.staleAwaitingTerm.values()) this.staleUnread.add(stale);
    const events =
      this.staleUnread.size === 0 ? this.events : this.events.filter((e) => !this.staleUnread.has(e));
    return {
      events,
      inferences: this.inferences(),
      inconsistent: this.inconsistent,
      informational: this.listens + this.staleUnread.size,
    };
  }

  private inferences(): string[] {
    const inferences: string[] = [];
    if (this.staleRead + this.staleUnread.size > 0) {
      inferences.push(
        `"term out of date in heartbeat reply" names neither the replying peer nor its term: ${this.staleRead} read as the ` +
          'receipt of an AppendEntries reply with the term of the "becomes Follower with term=T" line that follows it ' +
          '(sender not logged: the checker names a peer, which the model does not use once the term rule has made the node a follower)' +
          (this.staleUnread.size > 0
            ? `; ${this.staleUnread.size} not followed by that line, kept as information only (the term is unknown)`
            : ''),
      );
    }
    if (this.sendersMatched + this.sendersUnknown > 0) {
      inferences.push(
        `"received RequestVoteReply" names no voter: ${this.sendersMatched} matched to the voter's logged reply` +
          (this.sendersUnknown > 0
            ? `, ${this.sendersUnknown} unmatched (the checker assumes the first peer that has not answered yet)`
            : ''),
      );
    }
    if (this.replies.length > 0) {
      inferences.push(
        `"... RequestVote reply" names no candidate: ${this.replies.length} taken from the RequestVote the voter logged just before`,
      );
    }
    if (this.aeRepliesInferred > 0) {
      inferences.push(
        `${this.aeRepliesInferred} AppendEntries replies: leader and matchIndex taken from the request just before`,
      );
    }
    return inferences;
  }
}
