import type { NodeId } from '../../models/index.ts';

/**
 * What a log line shows about one link, where the format has no message to say it:
 * `reached` — a message of `from` got to `to` (a voter logs a candidate's request, a leader
 * a peer's reply); otherwise `from` failed to reach `to` (a failed RPC, a peer not heard from).
 */
export interface LinkEvidence {
  readonly time: number | null;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly reached: boolean;
  readonly line: number;
  /** The term of the message of `from` that got through, when the line says it. */
  readonly term?: number;
}

const INITIAL_CAPACITY = 256;

/**
 * A log's link evidence in columns (typed arrays), one row per line that shows a link.
 * Why not one object per link: a busy hashicorp log has 1.5 link lines per event (every
 * failed RPC is one), and a million small objects, each with a boxed time, cost the reader
 * more in garbage collection than reading their lines did (hclog's parse of the bench's
 * 300k-event text: 15–25% less CPU with no link kept at all, measured in separate processes).
 * Columns live outside the collected heap; `at` builds the object a consumer asks for.
 */
export class LinkColumns {
  /** Rows in use. */
  length = 0;
  private time = new Float64Array(INITIAL_CAPACITY);
  private line = new Int32Array(INITIAL_CAPACITY);
  private from = new Int32Array(INITIAL_CAPACITY);
  private to = new Int32Array(INITIAL_CAPACITY);
  /** 1: reached; 0: failed. */
  private reached = new Uint8Array(INITIAL_CAPACITY);
  /** A term past 2^31 is possible (a term is exact up to 2^53): doubles. NaN: no term. */
  private term = new Float64Array(INITIAL_CAPACITY);
  /** Node ids by number: a log names a few nodes on all of its lines. */
  private readonly ids: NodeId[] = [];
  private readonly numbers = new Map<NodeId, number>();

  static of(links: Iterable<LinkEvidence>): LinkColumns {
    const columns = new LinkColumns();
    for (const l of links) columns.add(l.time, l.from, l.to, l.reached, l.line, l.term);
    return columns;
  }

  /** One row; `time` null and `term` undefined are kept as such. */
  add(time: number | null, from: NodeId, to: NodeId, reached: boolean, line: number, term?: number): void {
    if (this.length === this.line.length) this.grow();
    const row = this.length++;
    this.time[row] = time === null ? Number.NaN : time;
    this.line[row] = line;
    this.from[row] = this.number(from);
    this.to[row] = this.number(to);
    this.reached[row] = reached ? 1 : 0;
    this.term[row] = term === undefined ? Number.NaN : term;
  }

  /** Drop the rows from `length` on (a line whose reading was undone). */
  truncate(length: number): void {
    this.length = Math.min(this.length, length);
  }

  /** Row `row`'s time, or null. */
  timeAt(row: number): number | null {
    const time = this.time[row];
    return Number.isNaN(time) ? null : time;
  }
  lineAt(row: number): number {
    return this.line[row];
  }
  fromAt(row: number): NodeId {
    return this.ids[this.from[row]];
  }
  toAt(row: number): NodeId {
    return this.ids[this.to[row]];
  }
  reachedAt(row: number): boolean {
    return this.reached[row] === 1;
  }
  termAt(row: number): number | undefined {
    const term = this.term[row];
    return Number.isNaN(term) ? undefined : term;
  }

  /** Row `row` as an object (`term` only when the line said it). */
  at(row: number): LinkEvidence {
    const link = {
      time: this.timeAt(row),
      from: this.fromAt(row),
      to: this.toAt(row),
      reached: this.reachedAt(row),
      line: this.lineAt(row),
    };
    const term = this.termAt(row);
    return term === undefined ? link : { ...link, term };
  }

  /** Every row as an object, in order. */
  toArray(): LinkEvidence[] {
    return Array.from({ length: this.length }, (_, row) => this.at(row));
  }

  private number(id: NodeId): number {
    let n = this.numbers.get(id);
    if (n === undefined) {
      n = this.ids.length;
      this.ids.push(id);
      this.numbers.set(id, n);
    }
    return n;
  }

  private grow(): void {
    const capacity = this.line.length * 2;
    const grown = <T extends Float64Array | Int32Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.time = grown(this.time, (n) => new Float64Array(n));
    this.line = grown(this.line, (n) => new Int32Array(n));
    this.from = grown(this.from, (n) => new Int32Array(n));
    this.to = grown(this.to, (n) => new Int32Array(n));
    this.reached = grown(this.reached, (n) => new Uint8Array(n));
    this.term = grown(this.term, (n) => new Float64Array(n));
  }
}
