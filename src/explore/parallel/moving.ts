import type { ClusterHistory, InFlight } from '../../../models/cluster/state.ts';
import type { NodeState } from '../../../models/node/compiled.ts';
import type { QueuedState, StateParts } from '../state-queue.ts';

/**
 * Frontier states moved from one worker to another as queue records, not as state objects.
 *
 * Each worker numbers the parts of its states (servers, messages, histories) in its own
 * order (`StateParts`), so a record means nothing to another worker by itself. A few
 * thousand parts make up millions of states, though: the giver sends each part the first
 * time a record it gives to that worker refers to it, and the taker keeps a translation
 * from the giver's numbers to its own. After the first levels a move is an `Int32Array`
 * copy and a translation loop; cloning the state objects and numbering them again cost
 * more than expanding them (measured: a move of 22k states idled both workers 2.6 s).
 */

export interface MovedNode {
  readonly at: number;
  readonly position: number;
  readonly key: string;
  readonly node: NodeState;
}

/** Parts a receiver has not been sent before, by the giver's numbers. */
export interface MovedParts {
  readonly nodes: readonly MovedNode[];
  readonly messages: readonly { readonly at: number; readonly inFlight: InFlight }[];
  readonly histories: readonly { readonly at: number; readonly history: ClusterHistory }[];
}

/** Records (id, N servers, history, M, M messages) in the giver's numbers, and the parts new to the taker. */
export interface MovedRecords {
  readonly records: Int32Array;
  readonly parts: MovedParts;
}

/** The records of `items` (as `StateQueue.shift` returns them), one after the other. */
export function recordsOf(items: readonly QueuedState[]): Int32Array {
  let ints = 0;
  for (const item of items) ints += 3 + item.nodes.length + item.messages.length;
  const records = new Int32Array(ints);
  let at = 0;
  for (const item of items) {
    records[at++] = item.id;
    for (const n of item.nodes) records[at++] = n;
    records[at++] = item.history;
    records[at++] = item.messages.length;
    for (const m of item.messages) records[at++] = m;
  }
  return records;
}

/** Visit each record's numbers: `node(i, at)`, `history(at)`, `message(at)` may rewrite them in place. */
function forEachNumber(
  records: Int32Array,
  servers: number,
  rewrite: { node(at: number): number; history(at: number): number; message(at: number): number },
): void {
  for (let r = 0; r < records.length; ) {
    r++;
    for (let i = 0; i < servers; i++, r++) records[r] = rewrite.node(records[r]);
    records[r] = rewrite.history(records[r]);
    r++;
    const count = records[r++];
    for (let k = 0; k < count; k++, r++) records[r] = rewrite.message(records[r]);
  }
}

/** Which part numbers were sent already: one byte per number (they are dense, from 0). */
class SentFlags {
  private flags = new Uint8Array(1024);

  /** Whether `at` was not sent yet (it counts as sent from now on). */
  firstTime(at: number): boolean {
    if (at >= this.flags.length) {
      const bigger = new Uint8Array(Math.max(2 * this.flags.length, at + 1));
      bigger.set(this.flags);
      this.flags = bigger;
    }
    if (this.flags[at] !== 0) return false;
    this.flags[at] = 1;
    return true;
  }
}

/** What one worker has sent another so far: packs records with the parts new to it. */
export class Outbox {
  private readonly sentNodes = new SentFlags();
  private readonly sentMessages = new SentFlags();
  private readonly sentHistories = new SentFlags();

  constructor(
    private readonly parts: StateParts,
    private readonly servers: number,
  ) {}

  pack(records: Int32Array): MovedRecords {
    const parts = this.parts;
    const nodes: MovedNode[] = [];
    const messages: { at: number; inFlight: InFlight }[] = [];
    const histories: { at: number; history: ClusterHistory }[] = [];
    forEachNumber(records, this.servers, {
      node: (at) => {
        if (this.sentNodes.firstTime(at)) {
          nodes.push({
            at,
            position: parts.nodePositionOf(at),
            key: parts.nodeKeyOf(at),
            node: parts.nodeOf(at),
          });
        }
        return at;
      },
      history: (at) => {
        if (this.sentHistories.firstTime(at)) histories.push({ at, history: parts.historyOf(at) });
        return at;
      },
      message: (at) => {
        if (this.sentMessages.firstTime(at)) messages.push({ at, inFlight: parts.messageOf(at) });
        return at;
      },
    });
    return { records, parts: { nodes, messages, histories } };
  }
}

/** What one worker has received from another: the giver's part numbers → this worker's. */
export class Inbox {
  private readonly nodes: number[] = [];
  private readonly messages: number[] = [];
  private readonly histories: number[] = [];

  constructor(
    private readonly parts: StateParts,
    private readonly servers: number,
  ) {}

  /** The moved records in this worker's numbers (rewritten in place). */
  unpack(moved: MovedRecords): Int32Array {
    const parts = this.parts;
    for (const n of moved.parts.nodes) this.nodes[n.at] = parts.node(n.position, n.key, n.node);
    for (const m of moved.parts.messages) this.messages[m.at] = parts.message(m.inFlight);
    for (const h of moved.parts.histories) this.histories[h.at] = parts.history(h.history);
    forEachNumber(moved.records, this.servers, {
      node: (at) => this.nodes[at],
      history: (at) => this.histories[at],
      message: (at) => this.messages[at],
    });
    return moved.records;
  }
}
