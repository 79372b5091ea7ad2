import type { Message, NodeId } from '../../models/index.ts';
import type { EventKind, TraceEvent } from './events.ts';
import { LinkColumns } from './links.ts';
import { damageReason, digitsAt, POW10 } from './scan.ts';
import {
  isFence,
  LineReader,
  NO_PASTE_DAMAGE,
  type ParsedTrace,
  type SkippedLine,
  sortedUnique,
  TimeOrder,
  type TraceFormat,
} from './trace.ts';

/**
 * The common frame of the readers of library loggers (hashicorp's hclog, etcd raft's
 * logger): each line is a header (time, level, maybe a logger name) and a message with
 * `key=value` fields. A reader says how to split a line and what each message means;
 * this module keeps the account of every line (events, information, not understood),
 * orders events by time (stable) and builds the ParsedTrace.
 */

export interface Header {
  readonly time: number | null;
  /** The logger's name or another per-line node hint, or null. */
  readonly name: string | null;
  /** The message is `text.slice(from)`: left in place, so a reader that skips the line cuts nothing out. */
  readonly text: string;
  readonly from: number;
}

/**
 * What the lines of a library log say, in the model's terms. One sink serves the whole
 * file (`at` moves it to the next line): a per-line object would cost more than the line.
 */
export class LineSink {
  readonly events: TraceEvent[] = [];
  readonly links = new LinkColumns();
  readonly ids = new Set<NodeId>();
  preVote = false;
  line = 0;
  time: number | null = null;
  /**
   * Each id once: a reader cuts a fresh copy of an id out of every line, and an event or a
   * link keeps it to the end; keeping the first copy instead (the rest die young) leaves
   * the collector fewer survivors to copy (hclog's reading 1.09× faster on the bench text).
   */
  private readonly kept = new Map<NodeId, NodeId>();

  /** The id kept for `id` (and `id` counted among the nodes the first time). */
  private id(id: NodeId): NodeId {
    const kept = this.kept.get(id);
    if (kept !== undefined) return kept;
    this.kept.set(id, id);
    this.ids.add(id);
    return id;
  }

  at(line: number, time: number | null): void {
    this.line = line;
    this.time = time;
  }

  /** A role change or timeout (`term` left out when undefined): the event built whole, not spread. */
  role(id: NodeId, event: EventKind, term?: number): void {
    const node = this.id(id);
    const { line, time } = this;
    this.events.push(term === undefined ? { line, time, node, event } : { line, time, node, event, term });
  }

  /** A message sent or received. */
  message(id: NodeId, event: 'Send' | 'Receive', message: Message): void {
    const node = this.id(id);
    this.events.push({ line: this.line, time: this.time, node, event, message });
  }

  link(fromId: NodeId, toId: NodeId, reached: boolean, term?: number): void {
    if (fromId === toId) return;
    const from = this.id(fromId);
    const to = this.id(toId);
    this.links.add(this.time, from, to, reached, this.line, term);
  }
}

/** `event`: the line gave events or link evidence; `info`: understood, nothing to check; null: not understood. */
export type Understood = 'event' | 'info' | null;

export interface LogReader {
  readonly format: TraceFormat;
  /** Split a line of the format, or null if the line does not have its shape. */
  header(line: string): Header | null;
  /** Read one message into the sink. */
  message(header: Header, sink: LineSink): Understood;
  /** Why nodes are not replayed against the model (what the format does not show). */
  readonly noReplay: string;
  readonly inferences: readonly string[];
  idMapping(nodes: readonly NodeId[]): string | null;
}

/** Whether the text has a U+2028/U+2029 (where `.` stops): one search per file, not one per line. */
export function hasLineSeparator(text: string): boolean {
  return text.includes('\u2028') || text.includes('\u2029');
}

export function readLibraryLog(text: string, file: string, reader: LogReader): ParsedTrace {
  const lines = new LineReader(text);
  const reading = new LibraryLogReading(reader);
  for (let raw = lines.next(); raw !== null; raw = lines.next()) reading.line(raw.trim(), lines.count);
  return reading.result(file, lines.count);
}

/** The account of one library log's lines as they are read: events, information, lines skipped, order. */
class LibraryLogReading {
  readonly skipped: SkippedLine[] = [];
  readonly sink = new LineSink();
  logLines = 0;
  informational = 0;
  private readonly order = new TimeOrder();

  constructor(private readonly reader: LogReader) {}

  line(trimmed: string, line: number): void {
    // A fence starts with ` or ~: test the first character before the regex.
    const first = trimmed.charCodeAt(0);
    if (trimmed === '' || ((first === 96 || first === 126) && isFence(trimmed))) {
      const blank = trimmed === '';
      this.skip(line, blank ? 'blank' : 'fence', trimmed, blank ? 'blank line' : 'markdown fence');
      return;
    }
    const { reader, sink } = this;
    const header = reader.header(trimmed);
    if (header === null) {
      this.skip(line, 'other', trimmed, `not a ${reader.format} log line`);
      return;
    }
    this.logLines++;
    sink.at(line, header.time);
    const before = sink.events.length;
    const linksBefore = sink.links.length;
    const understood = this.read(header);
    if (typeof understood === 'object') {
      sink.events.length = before;
      sink.links.truncate(linksBefore);
      this.skip(line, 'other', trimmed, understood.skip);
      return;
    }
    if (header.time !== null) this.order.at(header.time);
    if (sink.events.length === before) this.informational++;
  }

  /** The reader's reading of the line's message, or why the line is skipped (unknown, or a damaged number). */
  private read(header: Header): 'event' | 'info' | { readonly skip: string } {
    const format = this.reader.format;
    try {
      return (
        this.reader.message(header, this.sink) ?? {
          skip: `${format} line with a message the ${format} reader does not know`,
        }
      );
    } catch (error) {
      return { skip: damageReason(error) };
    }
  }

  private skip(line: number, kind: SkippedLine['kind'], text: string, reason: string): void {
    this.skipped.push({ line, kind, text, reason });
  }

  result(file: string, totalLines: number): ParsedTrace {
    const { reader, sink } = this;
    const events = sink.events;
    const outOfOrder = this.order.outOfOrder();
    // Lines logged earlier than one before them: the events are sorted by time.
    if (outOfOrder.count > 0 && events.every((e) => e.time !== null)) {
      events.sort((a, b) => (a.time as number) - (b.time as number) || a.line - b.line);
    }
    const nodes = sortedUnique(sink.ids);
    return {
      file,
      format: reader.format,
      totalLines,
      logLines: this.logLines,
      ...NO_PASTE_DAMAGE,
      informational: this.informational,
      skipped: this.skipped,
      outOfOrder,
      events,
      nodes,
      preVote: sink.preVote,
      idMapping: reader.idMapping(nodes),
      inferences: reader.inferences,
      links: sink.links,
      noReplay: reader.noReplay,
    };
  }
}

/**
 * `wallClockMs` of a line's `YYYY?MM?DD HH:MM:SS[.frac]` (no zone) at `at`, with Date.UTC
 * once a minute rather than once a line: Date.UTC of second s is that of second 0 plus
 * s × 1000 exactly, and F / 10^k is the same double as Number("0.<k digits of F>").
 */
export class MinuteClock {
  private lastMinute = '';
  private lastBase: number | null = null;

  /** `fracFrom`/`fracTo`: the fraction's digits (equal when there are none). */
  at(line: string, at: number, fracFrom: number, fracTo: number): number | null {
    const minute = line.slice(at, at + 16);
    if (minute !== this.lastMinute) {
      this.lastMinute = minute;
      const date: [string, string, string] = [minute.slice(0, 4), minute.slice(5, 7), minute.slice(8, 10)];
      this.lastBase = wallClockMs(
        date,
        [minute.slice(11, 13), minute.slice(14, 16), '0'],
        undefined,
        undefined,
      );
    }
    const seconds = digitsAt(line, at + 17, 2);
    if (this.lastBase === null || seconds > 60) return null;
    const digits = fracTo - fracFrom;
    const frac = digits === 0 ? 0 : (digitsAt(line, fracFrom, digits) / POW10[digits]) * 1000;
    return this.lastBase + seconds * 1000 + frac;
  }
}

/** Wall-clock time of `YYYY-MM-DD` / `YYYY/MM/DD` and `HH:MM:SS[.frac]` with an optional zone, in ms. */
export function wallClockMs(
  date: readonly [string, string, string],
  clock: readonly [string, string, string],
  frac: string | undefined,
  zone: string | undefined,
): number | null {
  const [y, mo, d] = date.map(Number);
  const [h, mi, s] = clock.map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 60) return null;
  let ms = Date.UTC(y, mo - 1, d, h, mi, s) + (frac === undefined ? 0 : Number(`0.${frac}`) * 1000);
  if (zone && zone !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
    if (!z) return null;
    ms -= (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) * 60000;
  }
  return Number.isFinite(ms) ? ms : null;
}
