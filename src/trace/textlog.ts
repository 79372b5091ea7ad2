import type { NodeId } from '../../models/index.ts';
import type { TraceEvent } from './events.ts';
import {
  isFence,
  type LinkEvidence,
  type ParsedTrace,
  type SkippedLine,
  sortedUnique,
  splitLines,
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
  readonly message: string;
}

/** What one line of a library log says, in the model's terms. */
export class LineSink {
  readonly events: TraceEvent[] = [];
  readonly links: LinkEvidence[] = [];
  readonly ids = new Set<NodeId>();
  preVote = false;
  constructor(
    readonly line: number,
    readonly time: number | null,
  ) {}

  event(node: NodeId, event: Omit<TraceEvent, 'line' | 'time' | 'node'>): void {
    this.ids.add(node);
    this.events.push({ line: this.line, time: this.time, node, ...event });
  }

  link(from: NodeId, to: NodeId, reached: boolean, term?: number): void {
    if (from === to) return;
    this.ids.add(from);
    this.ids.add(to);
    this.links.push({
      time: this.time,
      from,
      to,
      reached,
      line: this.line,
      ...(term === undefined ? {} : { term }),
    });
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

export function readLibraryLog(text: string, file: string, reader: LogReader): ParsedTrace {
  const lines = splitLines(text);
  const skipped: SkippedLine[] = [];
  const events: TraceEvent[] = [];
  const links: LinkEvidence[] = [];
  const ids = new Set<NodeId>();
  let logLines = 0;
  let informational = 0;
  let preVote = false;
  let lastTime: number | null = null;
  let outOfOrder = 0;
  let maxBackwardsMs = 0;
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i].trim();
    const line = i + 1;
    if (trimmed === '' || isFence(trimmed)) {
      skipped.push({
        line,
        kind: trimmed === '' ? 'blank' : 'fence',
        text: trimmed,
        reason: trimmed === '' ? 'blank line' : 'markdown fence',
      });
      continue;
    }
    const header = reader.header(trimmed);
    if (header === null) {
      skipped.push({ line, kind: 'other', text: trimmed, reason: `not a ${reader.format} log line` });
      continue;
    }
    logLines++;
    const sink = new LineSink(line, header.time);
    const understood = reader.message(header, sink);
    if (understood === null) {
      skipped.push({
        line,
        kind: 'other',
        text: trimmed,
        reason: `${reader.format} line with a message the ${reader.format} reader does not know`,
      });
      continue;
    }
    if (header.time !== null) {
      if (lastTime !== null && header.time < lastTime) {
        outOfOrder++;
        maxBackwardsMs = Math.max(maxBackwardsMs, lastTime - header.time);
      }
      lastTime = lastTime === null ? header.time : Math.max(lastTime, header.time);
    }
    for (const id of sink.ids) ids.add(id);
    preVote ||= sink.preVote;
    if (sink.events.length === 0) informational++;
    events.push(...sink.events);
    links.push(...sink.links);
  }
  const timed = events.every((e) => e.time !== null);
  if (timed && outOfOrder > 0) {
    events.sort((a, b) => (a.time as number) - (b.time as number) || a.line - b.line);
  }
  const nodes = sortedUnique(ids);
  return {
    file,
    format: reader.format,
    totalLines: lines.length,
    logLines,
    duplicates: 0,
    firstDuplicateLines: [],
    informational,
    skipped,
    damaged: [],
    extraFields: [],
    inconsistent: [],
    outOfOrder: { count: outOfOrder, maxBackwardsMs },
    events,
    nodes,
    preVote,
    holes: [],
    idMapping: reader.idMapping(nodes),
    inferences: reader.inferences,
    links,
    noReplay: reader.noReplay,
  };
}

/** `key=value` fields after a message: values bare or double-quoted (Go %q escapes). */
export function parseFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  const re = /([\w.-]+)=(?:"((?:[^"\\]|\\.)*)"|(\S*))/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    fields.set(m[1], m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]);
  }
  return fields;
}

/** A non-negative integer field, or null. */
export function intField(fields: ReadonlyMap<string, string>, key: string): number | null {
  const v = fields.get(key);
  return v !== undefined && /^\d{1,15}$/.test(v) ? Number(v) : null;
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
