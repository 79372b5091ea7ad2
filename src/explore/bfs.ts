import { type ClusterState, initialClusterState } from '../../models/cluster/state.ts';
import type { NodeState } from '../../models/node/compiled.ts';
import { Fingerprint } from './fingerprints.ts';
import { NodeStepMemo } from './node-steps.ts';
import type { Search } from './search.ts';
import { historyKey, type QueuedState, StateParts, StateQueue } from './state-queue.ts';

/**
 * Breadth-first search: states are expanded in order of depth, so the first violation
 * found has a shortest counterexample.
 *
 * The frontier keeps states as numbers of their distinct parts (state-queue.ts): far less
 * memory and garbage collection than state objects, and no key to build or parse. Paths
 * replay by index only from the state actually reached, so with symmetry the frontier
 * keeps that state, not its canonical renaming.
 *
 * Without symmetry and with fingerprints (`byRecord`), a state's fingerprint is that of its
 * record in the queue (its parts' numbers: servers, history, messages): numbering is by
 * content, so equal states have equal records and distinct ones distinct records, and most
 * numbers are the parent's. Each expansion fingerprints all its successors first, touches
 * the table slots they would go to, then inserts them in order (the reads overlap their
 * cache misses). With symmetry or `exact`, the visited set needs the (canonical) encoding,
 * and the record is made only for a new state.
 */

/** The visited set as BFS uses it: a local `FingerprintSet` or the workers' shared one. */
export interface VisitedFingerprints {
  touch(highs: Uint32Array, lows: Uint32Array, count: number): void;
  addFingerprint(high: number, low: number): boolean;
  readonly bytes: number;
}

/** Whether a state (given by its per-server strings) is new, for the non-record path. */
export type IsNew = (state: ClusterState, sigs: readonly string[]) => boolean;

/** How a record is fingerprinted: by its local part numbers, or by the parts' contents. */
export type RecordPrints = 'numbers' | 'contents';

export interface BfsOptions {
  readonly visited: VisitedFingerprints;
  /** Set for the non-record path (symmetry or exact); then `visited` is not used. */
  readonly isNew?: IsNew;
  readonly prints: RecordPrints;
  /** The parts numbered so far (a resumed search's); default: none yet. */
  readonly parts?: StateParts;
}

interface Successor {
  state: ClusterState;
  index: number;
  nodes: readonly number[];
  history: number;
  messages: readonly number[];
}

/**
 * Every state of depth ≤ `depth` had been found (`distinct` states, no deeper one) at
 * `seconds`: the same work for any number of threads, so two runs compare by the deepest
 * mark both reached (`npm run bench:check`). Seconds from the run's start in a result.
 */
export interface LevelMark {
  readonly depth: number;
  readonly distinct: number;
  readonly seconds: number;
}

/** A state whose expansion a stop cut short, and the transitions counted before it began. */
export interface Interrupted {
  readonly item: QueuedState;
  readonly generated: number;
}

export class BreadthFirst {
  readonly parts: StateParts;
  readonly queue: StateQueue;
  readonly memo: NodeStepMemo;
  private readonly fingerprint = new Fingerprint();
  private readonly contents: PartPrints | null;
  private readonly batch: Successor[] = [];
  private batchHighs = new Uint32Array(64);
  private batchLows = new Uint32Array(64);
  /** Depth of the states being expanded, when the caller knows it (level by level). */
  level = -1;
  /** Set when the search stopped in the middle of an expansion (a checkpoint expands it again). */
  interrupted: Interrupted | null = null;
  /** One thread's search (`level` unset): when each depth had all its states found. */
  readonly levelMarks: LevelMark[] = [];
  /** The id of the first state of the next depth, once admitted (`markLevel`). */
  private nextLevelAt = 0;

  constructor(
    readonly search: Search,
    readonly options: BfsOptions,
  ) {
    this.parts = options.parts ?? new StateParts();
    this.queue = new StateQueue(this.parts, search.config.nodes.length);
    this.memo = new NodeStepMemo(search.config.machine);
    search.stepNode = this.memo.step;
    search.steppedSig = (node) => this.memo.keyOf(node, search.perNode);
    this.contents = options.prints === 'contents' ? new PartPrints(this.parts) : null;
  }

  get byRecord(): boolean {
    return this.options.isNew === undefined;
  }

  /** The initial state's numbers, admitted and queued if new. */
  start(): void {
    const initial = initialClusterState(this.search.config);
    const sigs = this.search.perNodeAll(initial);
    const numbers = initial.nodes.map((node, i) => this.numberNode(i, node, sigs[i]));
    if (!this.byRecord) {
      if (this.isNew(initial, sigs)) this.queue.push(initial, numbers, this.search.admit(initial, -1, -1, 0));
      return;
    }
    const history = this.parts.history(initial.history);
    const messages = this.queue.messageNumbers(initial.network);
    this.recordFingerprint(numbers, history, messages);
    if (!this.options.visited.addFingerprint(this.fingerprint.high, this.fingerprint.low)) return;
    this.queue.pushNumbers(this.search.admit(initial, -1, -1, 0), numbers, history, messages);
  }

  /** Expand states until the queue is empty (true) or the search must stop (false). */
  run(onExpanded: () => void): boolean {
    let expansions = 0;
    while (!this.search.shouldStop()) {
      const item = this.queue.shift();
      if (item === undefined) return true;
      if (item.id >= this.nextLevelAt) this.markLevel(item);
      const generated = this.search.generated;
      this.expand(item);
      if (this.search.stopped) this.interrupted = { item, generated };
      if ((++expansions & 255) === 0) onExpanded();
    }
    return false;
  }

  /** One state's successors: the new ones admitted and queued. */
  expand(item: QueuedState): void {
    const search = this.search;
    const depth = this.level >= 0 ? this.level : search.depthAfter(item.id) - 1;
    const sigs = this.sigsOf(item.nodes);
    if (!this.byRecord) {
      search.successors(item.state, sigs, item.id, depth, (next, nextSigs, index, stepped) => {
        if (search.shouldStop() || !this.isNew(next, nextSigs)) return;
        const numbers = this.successorNumbers(item.nodes, stepped, next, nextSigs);
        this.queue.push(next, numbers, search.admit(next, item.id, index, depth + 1), item);
      });
      return;
    }
    this.batch.length = 0;
    search.successors(item.state, sigs, item.id, depth, (next, nextSigs, index, stepped) =>
      this.addToBatch(item, next, nextSigs, index, stepped),
    );
    this.admitBatch(item.id, depth + 1);
  }

  /**
   * One thread's search takes the states from its queue in the order it admitted them
   * (ids 0, 1, 2, …). When it takes the first state of depth d, every state of depth ≤ d
   * has been found and no deeper one, and the next one found is the first of depth d + 1.
   * (After a resume the queue also holds states found before the checkpoint, which breaks
   * this order: the checker keeps no marks then.) A compare per expansion, no more.
   */
  private markLevel(item: QueuedState): void {
    const depth = this.search.depthAfter(item.id) - 1;
    this.levelMarks.push({ depth, distinct: this.search.count, seconds: performance.now() / 1000 });
    this.nextLevelAt = this.search.count;
  }

  private isNew(state: ClusterState, sigs: readonly string[]): boolean {
    return (this.options.isNew as IsNew)(state, sigs);
  }

  private sigsOf(numbers: readonly number[]): string[] {
    if (!this.search.symmetry) return numbers.map((at) => this.parts.nodeKeyOf(at));
    return numbers.map((at) => this.parts.signatureOf(at, (node) => this.search.encoder.signature(node)));
  }

  /** Fingerprint a successor now; it is looked up after the whole batch (`touch`). */
  private addToBatch(
    item: QueuedState,
    next: ClusterState,
    nextSigs: readonly string[],
    index: number,
    stepped: number,
  ): void {
    const nodes = this.successorNumbers(item.nodes, stepped, next, nextSigs);
    const history = this.parts.history(next.history);
    const messages = this.queue.messageNumbers(next.network, item);
    this.recordFingerprint(nodes, history, messages);
    const at = this.batch.length;
    if (at === this.batchHighs.length) {
      this.batchHighs = growInts(this.batchHighs);
      this.batchLows = growInts(this.batchLows);
    }
    this.batchHighs[at] = this.fingerprint.high;
    this.batchLows[at] = this.fingerprint.low;
    this.batch.push({ state: next, index, nodes, history, messages });
  }

  private admitBatch(from: number, depth: number): void {
    const count = this.batch.length;
    if (count === 0) return;
    const visited = this.options.visited;
    visited.touch(this.batchHighs, this.batchLows, count);
    for (let b = 0; b < count && !this.search.shouldStop(); b++) {
      if (!visited.addFingerprint(this.batchHighs[b], this.batchLows[b])) continue;
      const found = this.batch[b];
      const id = this.search.admit(found.state, from, found.index, depth);
      this.queue.pushNumbers(id, found.nodes, found.history, found.messages);
    }
  }

  private numberNode(position: number, node: NodeState, sig: string): number {
    const key = this.search.symmetry ? this.search.encoder.nodePart(node) : sig;
    return this.parts.node(position, key, node);
  }

  /** A successor's server numbers: its parent's, but for the server that stepped (a state
   * the memo returned, so its number is remembered per object). */
  successorNumbers(
    numbers: readonly number[],
    stepped: number,
    next: ClusterState,
    nextSigs: readonly string[],
  ): readonly number[] {
    if (stepped < 0) return numbers;
    const node = next.nodes[stepped];
    const changed = numbers.slice();
    changed[stepped] = this.memo.numberOf(node, () => this.numberNode(stepped, node, nextSigs[stepped]));
    return changed;
  }

  /** The fingerprint of a state's record, into `this.fingerprint`. */
  private recordFingerprint(nodes: readonly number[], history: number, messages: readonly number[]): void {
    const f = this.fingerprint;
    f.reset();
    if (this.contents !== null) this.contents.write(f, nodes, history, messages);
    else {
      for (let i = 0; i < nodes.length; i++) f.pushWord(nodes[i]);
      f.pushWord(history);
      f.pushWord(messages.length);
      for (let k = 0; k < messages.length; k++) f.pushWord(messages[k]);
    }
    f.finish();
  }
}

/**
 * Each numbered part's own 64-bit fingerprint, from its content: what workers fingerprint
 * records with, since each numbers the parts in its own order but the same state must get
 * the same fingerprint in every worker. Computed once per part (a typed array by part
 * number, 0 for not yet).
 */
type Ints = Uint32Array<ArrayBuffer>;

class PartPrints {
  private nodes = new Uint32Array(2048);
  private messages = new Uint32Array(2048);
  private histories = new Uint32Array(256);
  private readonly scratch = new Fingerprint();

  constructor(private readonly parts: StateParts) {}

  write(f: Fingerprint, nodes: readonly number[], history: number, messages: readonly number[]): void {
    for (let i = 0; i < nodes.length; i++) {
      const at = 2 * nodes[i];
      const prints = at < this.nodes.length && this.nodes[at] !== 0 ? this.nodes : this.learnNode(nodes[i]);
      f.pushPair(prints[at], prints[at + 1]);
    }
    const h = 2 * history;
    if (h >= this.histories.length || this.histories[h] === 0) this.learnHistory(history);
    f.pushPair(this.histories[h], this.histories[h + 1]);
    f.pushWord(messages.length);
    for (let k = 0; k < messages.length; k++) {
      const at = 2 * messages[k];
      const prints =
        at < this.messages.length && this.messages[at] !== 0 ? this.messages : this.learnMessage(messages[k]);
      f.pushPair(prints[at], prints[at + 1]);
    }
  }

  private learnNode(at: number): Ints {
    this.nodes = remember(this.nodes, at, this.scratch.of(this.parts.nodeKeyOf(at)));
    return this.nodes;
  }

  private learnHistory(at: number): void {
    this.histories = remember(this.histories, at, this.scratch.of(historyKey(this.parts.historyOf(at))));
  }

  private learnMessage(at: number): Ints {
    const m = this.parts.messageOf(at);
    this.messages = remember(this.messages, at, this.scratch.of(`${m.key}*${m.count}`));
    return this.messages;
  }
}

/** Store part `at`'s fingerprint (its high half made nonzero: 0 marks "not yet"). */
function remember(prints: Ints, at: number, f: Fingerprint): Ints {
  let into = prints;
  if (2 * at + 1 >= into.length) {
    into = new Uint32Array(Math.max(2 * into.length, 2 * at + 2));
    into.set(prints);
  }
  into[2 * at] = f.high || 1;
  into[2 * at + 1] = f.low;
  return into;
}

function growInts(ints: Uint32Array<ArrayBuffer>): Uint32Array<ArrayBuffer> {
  const bigger = new Uint32Array(ints.length * 2);
  bigger.set(ints);
  return bigger;
}
