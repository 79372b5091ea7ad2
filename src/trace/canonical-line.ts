import type { TraceEvent } from './events.ts';

/**
 * The fast reader of one canonical line (docs/trace-format.md): a single pass over the
 * characters of an event a node logs, in the shape `toCanonicalLine` writes (and the
 * cluster runner, and most programs: strings without escapes, integers without exponents),
 * building the same event that `JSON.parse` and the zod schema of events.ts would build.
 *
 * It accepts a subset of what the schema accepts and nothing else: every key is known to
 * it and allowed for the event's kind, every value has the schema's type and bounds, no key
 * twice. Anything else — a Cluster or network event, an escape, an exponent, an unknown
 * key, bad JSON — gives `undefined`, and the caller reads the line the general way
 * (`JSON.parse` + `canonicalEventSchema`), which accepts it or names the error. So the
 * events and the errors are the general way's; only the time differs (JSON.parse and zod
 * were two thirds of the canonical reader: test/trace/canonical-line.test.ts holds the two
 * to the same results).
 */

/** Bits of the event's keys seen, to check each kind's allowed and required keys at once. */
const K = {
  event: 1,
  time: 2,
  node: 4,
  term: 8,
  timeoutMs: 16,
  message: 32,
  value: 64,
  state: 128,
  before: 256,
} as const;
const COMMON = K.event | K.time | K.node | K.state | K.before;
const NEEDS = K.event | K.node;

/** Per event kind this reader takes: [keys allowed, keys required] (events.ts, canonicalEventSchema). */
const EVENT_KEYS: Readonly<Record<string, readonly [number, number]>> = {
  TimerStart: [COMMON | K.term | K.timeoutMs, NEEDS | K.timeoutMs],
  ElectionTimeout: [COMMON, NEEDS],
  HeartbeatTimeout: [COMMON, NEEDS],
  BecomeFollower: [COMMON | K.term, NEEDS | K.term],
  BecomePreCandidate: [COMMON | K.term, NEEDS | K.term],
  BecomeCandidate: [COMMON | K.term, NEEDS | K.term],
  BecomeLeader: [COMMON | K.term, NEEDS | K.term],
  Send: [COMMON | K.message, NEEDS | K.message],
  Receive: [COMMON | K.message, NEEDS | K.message],
  ClientRequest: [COMMON | K.value, NEEDS | K.value],
  Crash: [COMMON, NEEDS],
  Restart: [COMMON, NEEDS],
  State: [COMMON, NEEDS],
};

const M = {
  type: 1,
  from: 2,
  to: 4,
  term: 8,
  lastLogIndex: 16,
  lastLogTerm: 32,
  voteGranted: 64,
  prevLogIndex: 128,
  prevLogTerm: 256,
  entries: 512,
  leaderCommit: 1024,
  success: 2048,
  matchIndex: 4096,
} as const;
const ENVELOPE = M.type | M.from | M.to | M.term;

/** Per message type: its keys, every one required (the message schemas are strict, no optional field). */
const MESSAGE_KEYS: Readonly<Record<string, number>> = {
  RequestVoteRequest: ENVELOPE | M.lastLogIndex | M.lastLogTerm,
  PreVoteRequest: ENVELOPE | M.lastLogIndex | M.lastLogTerm,
  RequestVoteResponse: ENVELOPE | M.voteGranted,
  PreVoteResponse: ENVELOPE | M.voteGranted,
  AppendEntriesRequest: ENVELOPE | M.prevLogIndex | M.prevLogTerm | M.entries | M.leaderCommit,
  AppendEntriesResponse: ENVELOPE | M.success | M.matchIndex,
};

const S = { currentTerm: 1, votedFor: 2, log: 4, commitIndex: 8 } as const;

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const MINUS = 45;
const ZERO = 48;
const NINE = 57;

/** The most digits of an integer read digit by digit: below 2^53, so every one is exact (and a safe integer). */
const MAX_INT_DIGITS = 15;

/**
 * Strings a line repeats (keys, event kinds, message types, server ids), each kept once and
 * found by its first and last character and length: the reader returns the kept string
 * rather than a fresh copy per line (a third of the reader's time was allocating and
 * collecting them), and the checker then compares ids that are the same object.
 */
class Interner {
  private readonly buckets: (string[] | undefined)[] = new Array(1024);
  private size = 0;

  constructor(
    words: readonly string[],
    /** Strings not in `words` are kept as they come, up to this many; 0: only `words`. */
    private readonly room: number,
  ) {
    for (const word of words) this.keep(word);
  }

  /** The kept string equal to `text[start, end)`, or undefined. */
  find(text: string, start: number, end: number): string | undefined {
    const bucket = this.buckets[Interner.hash(text.charCodeAt(start), text.charCodeAt(end - 1), end - start)];
    if (bucket === undefined) return undefined;
    for (let i = 0; i < bucket.length; i++) {
      const word = bucket[i];
      if (word.length === end - start && text.startsWith(word, start)) return word;
    }
    return undefined;
  }

  /** The kept string equal to `text[start, end)`, kept now if there is room, else a fresh copy. */
  intern(text: string, start: number, end: number): string {
    const found = this.find(text, start, end);
    if (found !== undefined) return found;
    const word = text.slice(start, end);
    if (this.size < this.room) this.keep(word);
    return word;
  }

  private keep(word: string): void {
    const h = Interner.hash(word.charCodeAt(0), word.charCodeAt(word.length - 1), word.length);
    const bucket = this.buckets[h];
    if (bucket === undefined) this.buckets[h] = [word];
    else bucket.push(word);
    this.size++;
  }

  private static hash(first: number, last: number, length: number): number {
    return (first * 31 + last * 7 + length) & 1023;
  }
}

const KEYS = new Interner(
  [...Object.keys(K), ...Object.keys(M), ...Object.keys(S)].filter((k, i, all) => all.indexOf(k) === i),
  0,
);
const NAMES = new Interner([...Object.keys(EVENT_KEYS), ...Object.keys(MESSAGE_KEYS)], 0);
/** Server ids: a cluster has a few; a trace with many (or random ones) gets fresh copies past 256. */
const IDS = new Interner([], 256);

/**
 * A cursor over one line. Every read either advances past a well-formed value or sets
 * `bad` (and the line is read the general way); reads after a bad one are harmless.
 */
class Cursor {
  text = '';
  pos = 0;
  bad = false;

  reset(text: string): void {
    this.text = text;
    this.pos = 0;
    this.bad = false;
  }

  /** JSON white space (the only kind JSON.parse skips; `trim()`'s other kinds are bad JSON). */
  skipSpace(): number {
    const { text } = this;
    let code = text.charCodeAt(this.pos);
    while (code === 32 || code === 9 || code === 10 || code === 13) code = text.charCodeAt(++this.pos);
    return code;
  }

  /** The next non-space character is `code`: step over it. */
  take(code: number): boolean {
    if (this.skipSpace() !== code) return false;
    this.pos++;
    return true;
  }

  /** After a value: true on a comma (another member follows), false on `close` (stepped over); else bad. */
  more(close: number): boolean {
    const code = this.skipSpace();
    this.pos++;
    if (code === COMMA) return true;
    if (code !== close) this.bad = true;
    return false;
  }

  /** A string without escapes or control characters (those are left to JSON.parse). */
  string(): string {
    const end = this.stringEnd();
    if (end < 0) return '';
    const value = this.text.slice(this.pos, end);
    this.pos = end + 1;
    return value;
  }

  /** A string of `words` (a kept copy), or an unknown one: bad. */
  word(words: Interner): string {
    const end = this.stringEnd();
    const word = end < 0 ? undefined : words.find(this.text, this.pos, end);
    if (word === undefined) return this.fail('');
    this.pos = end + 1;
    return word;
  }

  /** A server id: a non-empty string, a kept copy. */
  nodeId(): string {
    const end = this.stringEnd();
    if (end <= this.pos) return this.fail('');
    const id = IDS.intern(this.text, this.pos, end);
    this.pos = end + 1;
    return id;
  }

  /** Steps into a string: the index of its closing quote (`pos` is at its first character), or -1 (bad). */
  private stringEnd(): number {
    if (!this.take(QUOTE)) return this.fail(-1);
    const { text } = this;
    for (let i = this.pos; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === QUOTE) return i;
      if (code === BACKSLASH || code < 32) break;
    }
    return this.fail(-1);
  }

  /** A key this reader knows (a kept copy) and its colon. */
  key(): string {
    const key = this.word(KEYS);
    if (!this.take(COLON)) this.bad = true;
    return key;
  }

  /** An integer ≥ `min` written as plain digits (no sign, fraction or exponent: those go the general way). */
  int(min: number): number {
    const { text } = this;
    const first = this.skipSpace();
    let end = this.pos;
    let value = 0;
    if (first === ZERO) end++;
    else {
      for (let code = first; code >= ZERO && code <= NINE; code = text.charCodeAt(++end)) {
        value = value * 10 + (code - ZERO);
      }
    }
    const next = text.charCodeAt(end);
    const digits = end - this.pos;
    if (
      digits === 0 ||
      digits > MAX_INT_DIGITS ||
      isDigit(next) ||
      next === 46 ||
      next === 69 ||
      next === 101
    )
      return this.fail(0);
    if (value < min) return this.fail(0);
    this.pos = end;
    return value;
  }

  /** A JSON number (its exact grammar), as JSON.parse reads it; a non-finite one is bad. */
  number(): number {
    const { text } = this;
    const sign = this.skipSpace();
    const start = this.pos;
    let i = sign === MINUS ? start + 1 : start;
    if (text.charCodeAt(i) === ZERO) i++;
    else if (isDigit(text.charCodeAt(i))) i = digitsEnd(text, i);
    else return this.fail(0);
    if (text.charCodeAt(i) === 46) {
      if (!isDigit(text.charCodeAt(i + 1))) return this.fail(0);
      i = digitsEnd(text, i + 1);
    }
    const e = text.charCodeAt(i);
    if (e === 69 || e === 101) {
      const expSign = text.charCodeAt(i + 1);
      const first = expSign === 43 || expSign === MINUS ? i + 2 : i + 1;
      if (!isDigit(text.charCodeAt(first))) return this.fail(0);
      i = digitsEnd(text, first);
    }
    // Number() and JSON.parse convert a decimal the same way (correctly rounded).
    const value = Number(text.slice(start, i));
    if (!Number.isFinite(value)) return this.fail(0);
    this.pos = i;
    return value;
  }

  boolean(): boolean {
    const { text } = this;
    const code = this.skipSpace();
    if (code === 116 && text.startsWith('true', this.pos)) {
      this.pos += 4;
      return true;
    }
    if (code === 102 && text.startsWith('false', this.pos)) {
      this.pos += 5;
      return false;
    }
    return this.fail(false);
  }

  /** `null`, stepped over. */
  null(): boolean {
    if (this.skipSpace() !== 110 || !this.text.startsWith('null', this.pos)) return false;
    this.pos += 4;
    return true;
  }

  /** Only white space left. */
  atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }

  fail<T>(value: T): T {
    this.bad = true;
    return value;
  }
}

function isDigit(code: number): boolean {
  return code >= ZERO && code <= NINE;
}

function digitsEnd(text: string, from: number): number {
  let i = from;
  while (isDigit(text.charCodeAt(i))) i++;
  return i;
}

const cursor = new Cursor();

/** A log entry `{"term": ≥ 1, "value": string}`. */
function logEntry(c: Cursor): { term: number; value: string } {
  const entry = { term: 0, value: '' };
  let seen = 0;
  if (!c.take(123)) return c.fail(entry);
  do {
    const key = c.key();
    if (key === 'term' && !(seen & 1)) {
      entry.term = c.int(1);
      seen |= 1;
    } else if (key === 'value' && !(seen & 2)) {
      entry.value = c.string();
      seen |= 2;
    } else return c.fail(entry);
  } while (!c.bad && c.more(125));
  if (seen !== 3) c.bad = true;
  return entry;
}

/** An array of log entries. */
function logEntries(c: Cursor): { term: number; value: string }[] {
  const entries: { term: number; value: string }[] = [];
  if (!c.take(91)) return c.fail(entries);
  if (c.skipSpace() === 93) {
    c.pos++;
    return entries;
  }
  do entries.push(logEntry(c));
  while (!c.bad && c.more(93));
  return entries;
}

/** A message as it is read; `type` is checked against the keys seen at its end. */
interface MessageFields {
  type?: string;
  from?: string;
  to?: string;
  term?: number;
  lastLogIndex?: number;
  lastLogTerm?: number;
  voteGranted?: boolean;
  prevLogIndex?: number;
  prevLogTerm?: number;
  entries?: { term: number; value: string }[];
  leaderCommit?: number;
  success?: boolean;
  matchIndex?: number;
}

/**
 * One member of a message: its bit, or 0 for a key no message has. Each key is stored by
 * name (a store by a computed key goes through V8's slowest path, and costs more than the
 * whole member otherwise).
 */
function messageMember(c: Cursor, key: string, m: MessageFields): number {
  switch (key) {
    case 'type':
      m.type = c.word(NAMES);
      return M.type;
    case 'from':
      m.from = c.nodeId();
      return M.from;
    case 'to':
      m.to = c.nodeId();
      return M.to;
    case 'term':
      m.term = c.int(0);
      return M.term;
    default:
      return messageBody(c, key, m);
  }
}

/** The members of a message past its envelope. */
function messageBody(c: Cursor, key: string, m: MessageFields): number {
  switch (key) {
    case 'lastLogIndex':
      m.lastLogIndex = c.int(0);
      return M.lastLogIndex;
    case 'lastLogTerm':
      m.lastLogTerm = c.int(0);
      return M.lastLogTerm;
    case 'voteGranted':
      m.voteGranted = c.boolean();
      return M.voteGranted;
    case 'prevLogIndex':
      m.prevLogIndex = c.int(0);
      return M.prevLogIndex;
    case 'prevLogTerm':
      m.prevLogTerm = c.int(0);
      return M.prevLogTerm;
    case 'entries':
      m.entries = logEntries(c);
      return M.entries;
    case 'leaderCommit':
      m.leaderCommit = c.int(0);
      return M.leaderCommit;
    case 'success':
      m.success = c.boolean();
      return M.success;
    case 'matchIndex':
      m.matchIndex = c.int(0);
      return M.matchIndex;
    default:
      return 0;
  }
}

function message(c: Cursor): MessageFields {
  const m: MessageFields = {};
  let seen = 0;
  if (!c.take(123)) return c.fail(m);
  do {
    const bit = messageMember(c, c.key(), m);
    if (bit === 0 || seen & bit) return c.fail(m);
    seen |= bit;
  } while (!c.bad && c.more(125));
  if (seen !== MESSAGE_KEYS[m.type as string]) c.bad = true;
  return m;
}

interface StateRead {
  currentTerm?: number;
  votedFor?: string | null;
  log?: { term: number; value: string }[];
  commitIndex?: number;
}

/** One member of a state object (`state`, `before`): its bit, or 0 for an unknown key. */
function stateMember(c: Cursor, key: string, s: StateRead): number {
  switch (key) {
    case 'currentTerm':
      s.currentTerm = c.int(0);
      return S.currentTerm;
    case 'commitIndex':
      s.commitIndex = c.int(0);
      return S.commitIndex;
    case 'votedFor':
      s.votedFor = c.null() ? null : c.nodeId();
      return S.votedFor;
    case 'log':
      s.log = logEntries(c);
      return S.log;
    default:
      return 0;
  }
}

function stateFields(c: Cursor): StateRead {
  const s: StateRead = {};
  let seen = 0;
  if (!c.take(123)) return c.fail(s);
  if (c.skipSpace() === 125) {
    c.pos++;
    return s;
  }
  do {
    const bit = stateMember(c, c.key(), s);
    if (bit === 0 || seen & bit) return c.fail(s);
    seen |= bit;
  } while (!c.bad && c.more(125));
  return s;
}

/** An event as it is read. */
interface EventRead {
  line: number;
  time: number | null;
  node: string;
  event: string;
  term?: number;
  timeoutMs?: number;
  message?: MessageFields;
  value?: string;
  state?: StateRead;
  before?: StateRead;
}

/** One member of an event: its bit, or 0 for a key this reader does not take. */
function eventMember(c: Cursor, key: string, e: EventRead): number {
  switch (key) {
    case 'event':
      e.event = c.word(NAMES);
      return K.event;
    case 'time':
      e.time = c.number();
      return K.time;
    case 'node':
      e.node = c.nodeId();
      return K.node;
    case 'message':
      e.message = message(c);
      return K.message;
    case 'term':
      e.term = c.int(0);
      return K.term;
    default:
      return eventExtra(c, key, e);
  }
}

/** The members of an event other than the most common ones. */
function eventExtra(c: Cursor, key: string, e: EventRead): number {
  switch (key) {
    case 'timeoutMs':
      e.timeoutMs = c.number();
      // z.number().min(0); a negative zero is left to the schema.
      if (e.timeoutMs < 0 || Object.is(e.timeoutMs, -0)) c.bad = true;
      return K.timeoutMs;
    case 'value':
      e.value = c.string();
      return K.value;
    case 'state':
      e.state = stateFields(c);
      return K.state;
    case 'before':
      e.before = stateFields(c);
      return K.before;
    default:
      return 0;
  }
}

/**
 * The event of a canonical line, with its line number, as the general way builds it, or
 * `undefined` when the line is not one this reader takes whole.
 */
export function readCanonicalLine(text: string, line: number): TraceEvent | undefined {
  const c = cursor;
  c.reset(text);
  const e: EventRead = { line, time: null, node: '', event: '' };
  let seen = 0;
  if (!c.take(123)) return undefined;
  do {
    const bit = eventMember(c, c.key(), e);
    if (bit === 0 || seen & bit) return undefined;
    seen |= bit;
  } while (!c.bad && c.more(125));
  const keys = EVENT_KEYS[e.event];
  if (c.bad || !c.atEnd() || keys === undefined || !Object.hasOwn(EVENT_KEYS, e.event)) return undefined;
  return (seen & ~keys[0]) === 0 && (seen & keys[1]) === keys[1] ? (e as unknown as TraceEvent) : undefined;
}
