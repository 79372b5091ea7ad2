import type { NodeId } from '../../models/index.ts';
import type { TraceEvent } from './events.ts';
import type { LinkColumns } from './links.ts';

/** A parsed trace: the events in checking order, and an account of every line that was not used. */

export const FORMATS = ['canonical', 'eliben', 'hclog', 'etcd'] as const;
export type TraceFormat = (typeof FORMATS)[number];

export type SkipKind = 'blank' | 'fence' | 'other';

/** A line that produced no event, with the reason. Never dropped silently: reports count and show them. */
export interface SkippedLine {
  readonly line: number;
  readonly kind: SkipKind;
  readonly text: string;
  readonly reason: string;
}

/** A line that was understood, but with text the parser could not account for (e.g. two pasted lines run together). */
export interface DamagedLine {
  readonly line: number;
  readonly text: string;
  readonly ignored: string;
}

/** A time interval (ms) in which the log may be missing events: between pasted chunks, or at a damaged line. */
export interface Hole {
  readonly from: number;
  readonly to: number;
  readonly reason: string;
  /** The line next to which the hole was found. */
  readonly line: number;
}

export type { LinkEvidence } from './links.ts';

export interface ParsedTrace {
  readonly file: string;
  readonly format: TraceFormat;
  readonly totalLines: number;
  /** Lines recognized as log lines of the format (duplicates included). */
  readonly logLines: number;
  /** Log lines that repeat an earlier line exactly (overlapping pasted chunks), dropped. */
  readonly duplicates: number;
  readonly firstDuplicateLines: readonly number[];
  /** Log lines that carried information but no checkable event (e.g. "listening at"). */
  readonly informational: number;
  readonly skipped: readonly SkippedLine[];
  readonly damaged: readonly DamagedLine[];
  /** Lines whose known message is followed by `key=value` fields the parser does not know: used, the fields ignored. */
  readonly extraFields: readonly DamagedLine[];
  /** Lines that contradict themselves or the lines around them (e.g. a reply nobody asked for): not checked, shown. */
  readonly inconsistent: readonly DamagedLine[];
  /** Log lines whose timestamp is earlier than the line before them within a chunk. */
  readonly outOfOrder: { readonly count: number; readonly maxBackwardsMs: number };
  readonly events: readonly TraceEvent[];
  readonly nodes: readonly NodeId[];
  readonly preVote: boolean;
  readonly holes: readonly Hole[];
  /** How the format's node ids map onto the model's, e.g. "eliben ids 0, 1, 2 → n0, n1, n2". */
  readonly idMapping: string | null;
  /** Notes on fields the parser had to infer, with counts. */
  readonly inferences: readonly string[];
  /** Link evidence from lines that are no event (Receive events are evidence of their own). */
  /** What lines show about links (no message to say it), in columns: see LinkColumns. */
  readonly links: LinkColumns;
  /** Why the nodes are not replayed against the model (the format shows too little), or null when they are. */
  readonly noReplay: string | null;
}

/** The accounts a format without pasted chunks leaves empty: no duplicates, damage, inconsistency or holes. */
export const NO_PASTE_DAMAGE = {
  duplicates: 0,
  firstDuplicateLines: [],
  damaged: [],
  extraFields: [],
  inconsistent: [],
  holes: [],
} as const satisfies Partial<ParsedTrace>;

export function isFence(text: string): boolean {
  return /^\s*(```|~~~)/.test(text);
}

/** Split into lines (LF, CRLF or CR). */
export function splitLines(text: string): string[] {
  const lines = text.includes('\r') ? text.split(/\r\n|\n|\r/) : text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The lines of a text one at a time, exactly as `splitLines` cuts them, without an array
 * of every line: a reader keeps only what it makes of each line (a million-line log would
 * otherwise be held twice). A text with a CR (rare) is split the general way.
 */
export class LineReader {
  /** Lines returned so far: after the last, the total (`ParsedTrace.totalLines`). */
  count = 0;
  private pos = 0;
  private readonly split: string[] | null;

  constructor(private readonly text: string) {
    this.split = text.includes('\r') ? splitLines(text) : null;
  }

  /** The next line, or null after the last. */
  next(): string | null {
    if (this.split !== null) return this.count < this.split.length ? this.split[this.count++] : null;
    const { text, pos } = this;
    if (pos > text.length) return null;
    const end = text.indexOf('\n', pos);
    if (end >= 0) {
      this.pos = end + 1;
      this.count++;
      return text.slice(pos, end);
    }
    this.pos = text.length + 1;
    // A text that ends with a newline has no empty last line (splitLines drops it).
    if (this.count > 0 && pos === text.length) return null;
    this.count++;
    return text.slice(pos);
  }
}

/** Lines logged earlier than one before them: how many, and the furthest back. `restart` forgets the lines before. */
export class TimeOrder {
  private count = 0;
  private maxBackwardsMs = 0;
  private last: number | null = null;

  restart(): void {
    this.last = null;
  }

  at(time: number): void {
    const last = this.last;
    if (last !== null && time < last) {
      this.count++;
      this.maxBackwardsMs = Math.max(this.maxBackwardsMs, last - time);
    }
    this.last = last === null ? time : Math.max(last, time);
  }

  outOfOrder(): ParsedTrace['outOfOrder'] {
    return { count: this.count, maxBackwardsMs: this.maxBackwardsMs };
  }
}

export function sortedUnique(ids: Iterable<NodeId>): NodeId[] {
  return [...new Set(ids)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}
