import type { ClusterHistory, ClusterState, InFlight } from '../../models/cluster/state.ts';
import type { NodeState } from '../../models/node/compiled.ts';
import { withOutbox } from '../../models/node/context.ts';

/**
 * The frontier of the search (states found, not yet expanded) as records of small
 * integers, outside the JavaScript heap.
 *
 * A state's parts recur across millions of states: a few thousand distinct servers, a few
 * hundred distinct messages, a few distinct histories. `StateParts` numbers each distinct
 * part once and keeps the object; a state is then its servers' numbers, its history's
 * number and its messages' numbers. Writing one is a few array stores, reading it back a
 * few lookups that return the very objects the explorer made, with each server's key
 * part alongside (so the explorer need not rebuild them). TLC keeps its queue of states
 * on disk in the same spirit.
 *
 * A record in a chunk of int32: state id, N server numbers, history number, count of
 * distinct messages M, M message numbers (each an InFlight: message and copies).
 */
export class StateParts {
  /** Per server position: key part → number. The key part leaves out the server's own id
   * (the position says it), so two servers in the same situation have equal parts. */
  private readonly nodeIndex: Map<string, number>[] = [];
  private readonly nodes: NodeState[] = [];
  private readonly nodeKeys: string[] = [];
  private readonly nodeSignatures: (string | undefined)[] = [];
  private readonly nodePositions: number[] = [];
  /** Message key → copies → number. */
  private readonly messageIndex = new Map<string, number[]>();
  private readonly messages: InFlight[] = [];
  private readonly historyIndex = new Map<string, number>();
  private readonly histories: ClusterHistory[] = [];
  /** The last history numbered: siblings share their parent's history object. */
  private lastHistory: ClusterHistory | null = null;
  private lastHistoryNumber = -1;

  /** Server `position`'s number; `key` is its part of the state key (`StateEncoder.nodePart`). */
  node(position: number, key: string, node: NodeState): number {
    let index = this.nodeIndex[position];
    if (index === undefined) {
      index = new Map();
      this.nodeIndex[position] = index;
    }
    let at = index.get(key);
    if (at === undefined) {
      at = this.nodes.length;
      this.nodes.push(uniformNode(node));
      this.nodeKeys.push(key);
      this.nodeSignatures.push(undefined);
      this.nodePositions.push(position);
      index.set(key, at);
    }
    return at;
  }

  message(inFlight: InFlight): number {
    let byCopies = this.messageIndex.get(inFlight.key);
    if (byCopies === undefined) {
      byCopies = [];
      this.messageIndex.set(inFlight.key, byCopies);
    }
    let at = byCopies[inFlight.count];
    if (at === undefined) {
      at = this.messages.length;
      this.messages.push(inFlight);
      byCopies[inFlight.count] = at;
    }
    return at;
  }

  history(history: ClusterHistory): number {
    if (history === this.lastHistory) return this.lastHistoryNumber;
    const key = historyKey(history);
    let at = this.historyIndex.get(key);
    if (at === undefined) {
      at = this.histories.length;
      this.histories.push(history);
      this.historyIndex.set(key, at);
    }
    this.lastHistory = history;
    this.lastHistoryNumber = at;
    return at;
  }

  nodeOf(at: number): NodeState {
    return this.nodes[at];
  }

  /** The server position a numbered server was first seen at. */
  nodePositionOf(at: number): number {
    return this.nodePositions[at];
  }

  nodeKeyOf(at: number): string {
    return this.nodeKeys[at];
  }

  /** The server's signature, computed by `sign` the first time it is asked for. */
  signatureOf(at: number, sign: (node: NodeState) => string): string {
    let signature = this.nodeSignatures[at];
    if (signature === undefined) {
      signature = sign(this.nodes[at]);
      this.nodeSignatures[at] = signature;
    }
    return signature;
  }

  messageOf(at: number): InFlight {
    return this.messages[at];
  }

  historyOf(at: number): ClusterHistory {
    return this.histories[at];
  }

  /** Every numbered part in number order, for a checkpoint (`load` numbers them alike). */
  dump(): PartsDump {
    return {
      nodes: this.nodes.map((node, at) => ({
        position: this.nodePositions[at],
        key: this.nodeKeys[at],
        node,
      })),
      messages: this.messages,
      histories: this.histories,
    };
  }

  /** Parts numbered as in a dump. */
  static load(dump: PartsDump): StateParts {
    const parts = new StateParts();
    for (const { position, key, node } of dump.nodes) parts.node(position, key, node);
    for (const inFlight of dump.messages) parts.message(inFlight);
    for (const history of dump.histories) parts.history(history);
    return parts;
  }

  /** Distinct servers, messages and histories numbered so far. */
  get sizes(): { nodes: number; messages: number; histories: number } {
    return { nodes: this.nodes.length, messages: this.messages.length, histories: this.histories.length };
  }
}

/**
 * A copy of the server built by one object literal of a fixed shape. The statechart's
 * actions build contexts by object spread, and a spread is fast only while its source
 * objects share one hidden class; servers from the queue are the sources of the next
 * steps, so they are given one (measured: without this the model's steps ran ~40% slower).
 */
function uniformNode(node: NodeState): NodeState {
  return { role: node.role, context: withOutbox(node.context, node.context.outbox) };
}

/** A history's content as a string (distinct histories are few; this runs once per history object seen). */
export function historyKey(h: ClusterHistory): string {
  let key = `${h.crashes}|`;
  for (const e of h.elections) key += `${e.term}:${e.leader},`;
  key += '|';
  for (const e of h.committed) key += `${e.index}:${e.term}:${JSON.stringify(e.value)}:${e.knownInTerm},`;
  return key;
}

export interface PartsDump {
  readonly nodes: readonly { readonly position: number; readonly key: string; readonly node: NodeState }[];
  readonly messages: readonly InFlight[];
  readonly histories: readonly ClusterHistory[];
}

/** A state read back from the queue: the state, its id, and its parts' numbers. */
export interface QueuedState {
  readonly state: ClusterState;
  readonly id: number;
  /** Server i's number. */
  readonly nodes: readonly number[];
  /** The number of `state.network[k]`. */
  readonly messages: readonly number[];
  /** The number of `state.history`. */
  readonly history: number;
}

/**
 * Chunks read to the end that a queue keeps for its next writes. A breadth-first search
 * reads one level from the front while it writes the next at the back, so a chunk freed
 * by the reads is soon needed by the writes. A fresh chunk costs the kernel a page fault
 * on the first write to each of its pages (on this VM 20–150 µs a page, 2,048 pages for
 * the default 8 MB chunk); measured in a CPU profile of a 2-worker run of case (b), the
 * fresh chunks of the workers' frontiers took 5% of their time (`pushNumbers`). A few
 * spares are enough: while the frontier grows every freed chunk is taken again at once;
 * when it shrinks the spares past these are let go.
 */
const SPARE_CHUNKS = 4;

/** FIFO of states as int32 records (see `StateParts`), in chunks reused once read. */
export class StateQueue {
  private readonly chunks: (Int32Array | null)[] = [];
  private readonly spares: Int32Array[] = [];
  private readonly used: number[] = [];
  private writeChunk = -1;
  private writeAt = 0;
  private readChunk = 0;
  private readAt = 0;
  private count = 0;
  private liveBytes = 0;
  /** Chunks allocated (not taken from the spares) so far. */
  chunksAllocated = 0;
  /** States queued in all, the ints their records took, and the most queued at once. */
  pushed = 0;
  pushedInts = 0;
  peak = 0;

  constructor(
    readonly parts: StateParts,
    private readonly servers: number,
    private readonly chunkInts = 1 << 21,
  ) {}

  get length(): number {
    return this.count;
  }

  /** Bytes held by the chunks not yet read to the end. */
  get bytes(): number {
    return this.liveBytes;
  }

  /**
   * The numbers of a state's messages, in bag order. `parent`: the state it was reached
   * from, as read from this queue; a successor keeps most of its parent's messages (the
   * very objects), whose numbers are known without a lookup.
   */
  messageNumbers(network: readonly InFlight[], parent?: QueuedState): number[] {
    const numbers = new Array<number>(network.length);
    const known = parent?.state.network;
    for (let k = 0; k < network.length; k++) {
      const inFlight = network[k];
      let number = -1;
      if (known !== undefined) {
        for (let j = 0; j < known.length; j++) {
          if (known[j] === inFlight) {
            number = (parent as QueuedState).messages[j];
            break;
          }
        }
      }
      numbers[k] = number >= 0 ? number : this.parts.message(inFlight);
    }
    return numbers;
  }

  /** Queue a state whose servers were numbered already (`nodeNumbers[i]` for server i). */
  push(state: ClusterState, nodeNumbers: readonly number[], id: number, parent?: QueuedState): void {
    this.pushNumbers(
      id,
      nodeNumbers,
      this.parts.history(state.history),
      this.messageNumbers(state.network, parent),
    );
  }

  /** Queue a state given as its parts' numbers. */
  pushNumbers(
    id: number,
    nodeNumbers: readonly number[],
    historyNumber: number,
    messageNumbers: readonly number[],
  ): void {
    const need = 3 + this.servers + messageNumbers.length;
    const chunk = this.chunkFor(need);
    let at = this.writeAt;
    chunk[at++] = id;
    for (let i = 0; i < this.servers; i++) chunk[at++] = nodeNumbers[i];
    chunk[at++] = historyNumber;
    chunk[at++] = messageNumbers.length;
    for (let k = 0; k < messageNumbers.length; k++) chunk[at++] = messageNumbers[k];
    this.writeAt = at;
    this.counted(need);
  }

  /** The chunk to write a record of `need` ints into (a new one when the last is full). */
  private chunkFor(need: number): Int32Array {
    const chunk = this.writeChunk >= 0 ? this.chunks[this.writeChunk] : null;
    if (chunk !== null && this.writeAt + need <= chunk.length) return chunk;
    if (this.writeChunk >= 0) this.used[this.writeChunk] = this.writeAt;
    const spare = need <= this.chunkInts ? this.spares.pop() : undefined;
    const fresh = spare ?? this.allocate(need);
    this.chunks.push(fresh);
    this.used.push(0);
    this.liveBytes += fresh.byteLength;
    this.writeChunk = this.chunks.length - 1;
    this.writeAt = 0;
    return fresh;
  }

  /** Count one record of `ints` ints just written. */
  private counted(ints: number): void {
    this.count++;
    this.pushed++;
    this.pushedInts += ints;
    if (this.count > this.peak) this.peak = this.count;
  }

  /** Average bytes of a queued state's record. */
  get bytesPerState(): number {
    return this.pushed === 0 ? 0 : (this.pushedInts * 4) / this.pushed;
  }

  /** The records not read yet, in order, as one array (for a checkpoint). */
  unread(): Int32Array {
    const pieces: Int32Array[] = [];
    for (let c = this.readChunk; c < this.chunks.length; c++) {
      const chunk = this.chunks[c];
      if (chunk === null) continue;
      const from = c === this.readChunk ? this.readAt : 0;
      const to = c === this.writeChunk ? this.writeAt : this.used[c];
      if (to > from) pieces.push(chunk.subarray(from, to));
    }
    return pieces.length === 1 ? pieces[0].slice() : concatInts(pieces);
  }

  /** Queue records as `unread` gave them (copied int by int, no state read back). */
  pushRecords(records: Int32Array): void {
    for (let at = 0; at < records.length; ) {
      const need = 3 + this.servers + records[at + 2 + this.servers];
      const chunk = this.chunkFor(need);
      chunk.set(records.subarray(at, at + need), this.writeAt);
      this.writeAt += need;
      this.counted(need);
      at += need;
    }
  }

  /**
   * Remove the `count` oldest records (fewer if the queue holds fewer) and return them as
   * `unread` would: what a worker gives another without reading the states back.
   */
  takeRecords(count: number): Int32Array {
    const pieces: Int32Array[] = [];
    let taken = 0;
    while (taken < count && this.count > 0) {
      const chunk = this.readableChunk();
      const end = this.readChunk === this.writeChunk ? this.writeAt : this.used[this.readChunk];
      const from = this.readAt;
      for (; taken < count && this.readAt < end; taken++, this.count--) {
        this.readAt += 3 + this.servers + chunk[this.readAt + 2 + this.servers];
      }
      pieces.push(chunk.slice(from, this.readAt));
    }
    return concatInts(pieces);
  }

  /** The oldest state, or undefined when the queue is empty. */
  shift(): QueuedState | undefined {
    if (this.count === 0) return undefined;
    const chunk = this.readableChunk();
    const parts = this.parts;
    let at = this.readAt;
    const id = chunk[at++];
    const nodeNumbers = new Array<number>(this.servers);
    const nodes = new Array<NodeState>(this.servers);
    for (let i = 0; i < this.servers; i++) {
      nodeNumbers[i] = chunk[at++];
      nodes[i] = parts.nodeOf(nodeNumbers[i]);
    }
    const historyNumber = chunk[at++];
    const history = parts.historyOf(historyNumber);
    const length = chunk[at++];
    const network = new Array<InFlight>(length);
    const messages = new Array<number>(length);
    for (let k = 0; k < length; k++) {
      messages[k] = chunk[at++];
      network[k] = parts.messageOf(messages[k]);
    }
    this.readAt = at;
    this.count--;
    return { state: { nodes, network, history }, id, nodes: nodeNumbers, messages, history: historyNumber };
  }

  private allocate(need: number): Int32Array {
    this.chunksAllocated++;
    return new Int32Array(Math.max(this.chunkInts, need));
  }

  /** A chunk read to the end: kept as a spare (up to `SPARE_CHUNKS`) or left to the collector. */
  private release(chunk: Int32Array): void {
    this.liveBytes -= chunk.byteLength;
    if (chunk.length === this.chunkInts && this.spares.length < SPARE_CHUNKS) this.spares.push(chunk);
  }

  /** The chunk holding the oldest record (chunks read to the end are freed); the queue is not empty. */
  private readableChunk(): Int32Array {
    let end = this.readChunk === this.writeChunk ? this.writeAt : this.used[this.readChunk];
    while (this.readAt >= end) {
      this.release(this.chunks[this.readChunk] as Int32Array);
      this.chunks[this.readChunk] = null;
      this.readChunk++;
      this.readAt = 0;
      end = this.readChunk === this.writeChunk ? this.writeAt : this.used[this.readChunk];
    }
    return this.chunks[this.readChunk] as Int32Array;
  }
}

/** The pieces one after the other (a single piece is returned as it is). */
export function concatInts(pieces: readonly Int32Array[]): Int32Array {
  if (pieces.length === 1) return pieces[0];
  const all = new Int32Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const piece of pieces) {
    all.set(piece, at);
    at += piece.length;
  }
  return all;
}
