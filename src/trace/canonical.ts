import type { Message, NodeId } from '../../models/index.ts';
import { readCanonicalLine } from './canonical-line.ts';
import { excerpt, TraceError } from './errors.ts';
import { type CanonicalEvent, canonicalEventSchema, KIT, type TraceEvent } from './events.ts';
import { LinkColumns } from './links.ts';
import {
  isFence,
  LineReader,
  NO_PASTE_DAMAGE,
  type ParsedTrace,
  type SkippedLine,
  sortedUnique,
} from './trace.ts';

/**
 * Parser for the canonical trace format (docs/trace-format.md): one JSON object per
 * line. Lines that are not JSON objects (blank lines, fences, prose around a pasted
 * trace) are skipped and reported; a JSON object that breaks the schema is an error
 * naming the line, what was expected and what was found — the format is written by
 * programs, so a bad event is a bug to fix, not noise to skip.
 */

function describeIssue(issue: { path: readonly PropertyKey[]; message: string; code: string }): string {
  const where = issue.path.length === 0 ? 'the event' : `field "${issue.path.map(String).join('.')}"`;
  return `${where}: ${issue.message}`;
}

export function looksLikeCanonical(text: string): boolean {
  const t = text.trim();
  return t.startsWith('{') && t.includes('"event"');
}

function parseLine(line: string, lineNo: number, file: string): unknown {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new Error('not an object');
    }
    return value;
  } catch (error) {
    throw new TraceError(
      file,
      lineNo,
      'one JSON object per line',
      `invalid JSON (${error instanceof Error ? error.message : String(error)}): ${excerpt(line.trim())}`,
    );
  }
}

type NetworkCanonical = Extract<CanonicalEvent, { event: 'Partition' | 'Cut' | 'Heal' }>;

/** A Partition, Cut or Heal line: logged by the kit (node "kit"); the servers it names join the membership. */
function networkEvent(e: NetworkCanonical, line: number, ids: Set<NodeId>): TraceEvent {
  const base = { line, time: e.time ?? null, node: KIT, event: e.event };
  if (e.event === 'Partition') {
    for (const id of e.groups.flat()) ids.add(id);
    return { ...base, groups: e.groups };
  }
  if (e.event === 'Cut') {
    ids.add(e.from);
    ids.add(e.to);
    return { ...base, from: e.from, to: e.to };
  }
  return base;
}

/**
 * The JSON object of a line that the fast reader did not take, or the TraceError naming
 * its bad JSON. The text parsed is the one the reader parsed before the fast reader (a
 * line ending in '}' untrimmed, any other trimmed), so the error's wording is the same.
 */
function parseJsonLine(line: string, trimmed: string, lineNo: number, file: string): unknown {
  return parseLine(trimmed.endsWith('}') ? line : trimmed, lineNo, file);
}

/** The event of a parsed JSON object, validated by the schema (zod returns a fresh object: it is given its line and time). */
function validated(json: unknown, line: string, lineNo: number, file: string): TraceEvent {
  const result = canonicalEventSchema.safeParse(json);
  if (!result.success) {
    throw new TraceError(
      file,
      lineNo,
      'a trace event as in docs/trace-format.md',
      `${describeIssue(result.error.issues[0])} in ${excerpt(line)}`,
    );
  }
  const event = result.data as unknown as { line: number; time: number | null };
  event.line = lineNo;
  event.time = (event as { time?: number }).time ?? null;
  return event as unknown as TraceEvent;
}

/**
 * The first line after the reader's position whose JSON is bad, as its TraceError, or
 * null. A reader that parsed every line before validating any reported bad JSON anywhere
 * in the file before a schema error: an error found while reading line by line is thrown
 * only after this look at the rest, so the error for a file is the one it always was.
 */
function laterJsonError(lines: LineReader, file: string): TraceError | null {
  for (let line = lines.next(); line !== null; line = lines.next()) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{') || readCanonicalLine(line, lines.count) !== undefined) continue;
    try {
      parseJsonLine(line, trimmed, lines.count, file);
    } catch (error) {
      return error as TraceError;
    }
  }
  return null;
}

export function parseCanonical(text: string, file: string): ParsedTrace {
  const lines = new LineReader(text);
  const reading = new CanonicalReading(file);
  for (let line = lines.next(); line !== null; line = lines.next()) {
    const lineNo = lines.count;
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) {
      reading.skip(lineNo, trimmed);
      continue;
    }
    const fast = readCanonicalLine(line, lineNo);
    const json = fast === undefined ? parseJsonLine(line, trimmed, lineNo, file) : undefined;
    try {
      reading.add(fast ?? validated(json, line, lineNo, file), line);
    } catch (error) {
      throw laterJsonError(lines, file) ?? error;
    }
  }
  return reading.finish(lines.count);
}

/** What the lines read so far make: events, skipped lines, membership, clock order. */
class CanonicalReading {
  readonly skipped: SkippedLine[] = [];
  readonly events: TraceEvent[] = [];
  readonly ids = new Set<NodeId>();
  clusterNodes: readonly NodeId[] | null = null;
  preVote = false;
  logLines = 0;
  outOfOrder = 0;
  maxBackwardsMs = 0;
  lastTime: number | null = null;
  untimed = 0;

  constructor(readonly file: string) {}

  skip(lineNo: number, trimmed: string): void {
    if (trimmed === '') this.skipped.push({ line: lineNo, kind: 'blank', text: '', reason: 'blank line' });
    else if (isFence(trimmed))
      this.skipped.push({ line: lineNo, kind: 'fence', text: trimmed, reason: 'markdown fence' });
    else this.skipped.push({ line: lineNo, kind: 'other', text: trimmed, reason: 'not a JSON object' });
  }

  /** A valid event of line `text`. */
  add(e: TraceEvent, text: string): void {
    this.logLines++;
    if (e.event === 'Cluster') {
      if (this.clusterNodes === null) {
        this.clusterNodes = e.nodes ?? [];
        this.preVote = e.preVote ?? false;
      }
      return;
    }
    if (e.message !== undefined) this.checkOwnMessage(e, text);
    this.clock(e.time);
    if (e.event === 'Partition' || e.event === 'Cut' || e.event === 'Heal') {
      this.events.push(networkEvent(e as unknown as NetworkCanonical, e.line, this.ids));
      return;
    }
    this.addNodeEvent(e, text);
  }

  /** A Send is logged by its sender, a Receive by its recipient. */
  private checkOwnMessage(e: TraceEvent, text: string): void {
    const message = e.message as Message;
    const own = e.event === 'Send' ? message.from : message.to;
    if (own !== e.node) {
      throw new TraceError(
        this.file,
        e.line,
        `message.${e.event === 'Send' ? 'from' : 'to'} to be the node that logs the ${e.event} (${e.node})`,
        `${own} in ${excerpt(text)}`,
      );
    }
  }

  /** Events out of clock order (sorted afterwards), and events without a time. */
  private clock(time: number | null): void {
    if (time === null) {
      this.untimed++;
      return;
    }
    const last = this.lastTime;
    if (last !== null && time < last) {
      this.outOfOrder++;
      this.maxBackwardsMs = Math.max(this.maxBackwardsMs, last - time);
    }
    this.lastTime = last === null ? time : Math.max(last, time);
  }

  private addNodeEvent(e: TraceEvent, text: string): void {
    if (e.node === KIT) {
      throw new TraceError(
        this.file,
        e.line,
        `a server id other than "${KIT}" (the kit's own, for network events)`,
        `${excerpt(text)}`,
      );
    }
    const { ids } = this;
    if (!ids.has(e.node)) ids.add(e.node);
    const m = e.message;
    if (m !== undefined && !(ids.has(m.from) && ids.has(m.to))) {
      ids.add(m.from);
      ids.add(m.to);
    }
    this.events.push(e);
  }

  finish(totalLines: number): ParsedTrace {
    const { events, clusterNodes } = this;
    // Order by time when every event has one (stable: ties keep file order).
    if (this.untimed === 0 && this.outOfOrder > 0) {
      events.sort((a, b) => (a.time as number) - (b.time as number) || a.line - b.line);
    }
    if (clusterNodes !== null) this.checkMembership(clusterNodes);
    return {
      file: this.file,
      format: 'canonical',
      totalLines,
      logLines: this.logLines,
      ...NO_PASTE_DAMAGE,
      informational: 0,
      skipped: this.skipped,
      outOfOrder: { count: this.outOfOrder, maxBackwardsMs: this.maxBackwardsMs },
      events,
      nodes: clusterNodes ? sortedUnique(clusterNodes) : sortedUnique(this.ids),
      preVote: this.preVote,
      idMapping: null,
      inferences: [],
      links: new LinkColumns(),
      noReplay: null,
    };
  }

  /** Every server named is one of the Cluster event's. */
  private checkMembership(clusterNodes: readonly NodeId[]): void {
    const unknown = [...this.ids].filter((id) => !clusterNodes.includes(id));
    if (unknown.length === 0) return;
    const first = this.events.find(
      (e) => unknown.includes(e.node) || unknown.includes(e.message?.from ?? ''),
    );
    throw new TraceError(
      this.file,
      first?.line ?? 1,
      `only the nodes of the Cluster event (${clusterNodes.join(', ')})`,
      `node ${unknown[0]}`,
    );
  }
}
