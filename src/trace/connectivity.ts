import type { NodeId } from '../../models/index.ts';
import { KIT, type TraceEvent } from './events.ts';
import type { LinkColumns } from './links.ts';
import type { ParsedTrace } from './trace.ts';

/**
 * Who could talk to whom when a node became a candidate. Liveness is a property of a
 * majority that can talk (§5.2 needs votes from a majority): terms started by a node cut
 * off from the majority are that node's own, not a cluster without a leader.
 *
 * Two sources, never mixed in one trace:
 * - **stated**: Partition / Cut / Heal events (the kit's cluster runner, eliben's
 *   `[TEST] Disconnect N`): a candidate whose side of the network holds no majority is isolated;
 * - **inferred**, when the trace has none: a candidacy nobody heard (no peer logs its
 *   request or answers it, no link evidence) is isolated when there is evidence that the
 *   node could not talk — its RPCs failed, a leader of a lower term went on leading
 *   meanwhile, or it had received nothing for longer than the largest election timeout drawn.
 */

export interface Candidacy {
  readonly node: NodeId;
  readonly term: number;
  readonly index: number;
  readonly line: number;
  readonly time: number | null;
  /** Why the candidate was cut off from a majority, or null if it was not (or nothing shows it). */
  readonly isolated: Isolation | null;
  /** The nodes on a side of the network holding a majority then, when the log states the network; else null. */
  readonly majority: readonly NodeId[] | null;
}

export interface Isolation {
  readonly how: 'stated' | 'inferred';
  readonly evidence: string;
}

const majority = (n: number) => Math.floor(n / 2) + 1;

export function candidacies(trace: ParsedTrace): Candidacy[] {
  const events = trace.events;
  const stated = events.some((e) => e.node === KIT);
  const result: Candidacy[] = [];
  const network = stated ? new NetworkState(trace.nodes) : null;
  const inference = stated ? null : new Inference(trace);
  const won = wonElections(events);
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (network && e.node === KIT) network.apply(e);
    if (e.event !== 'BecomeCandidate' || e.term === undefined) continue;
    // A candidate that won had a majority's votes: it could talk, whatever a failed RPC suggests.
    const isolated = won.has(`${e.node}|${e.term}`)
      ? null
      : network
        ? network.isolation(e.node)
        : (inference as Inference).isolation(i);
    const majority = network ? network.majoritySide() : null;
    result.push({ node: e.node, term: e.term, index: i, line: e.line, time: e.time, isolated, majority });
  }
  return result;
}

/** `node|term` of every BecomeLeader: elections won (§5.2: votes from a majority). */
function wonElections(events: readonly TraceEvent[]): Set<string> {
  const won = new Set<string>();
  for (const e of events)
    if (e.event === 'BecomeLeader' && e.term !== undefined) won.add(`${e.node}|${e.term}`);
  return won;
}

/** The network as the Partition / Cut / Heal events so far describe it. */
class NetworkState {
  private groups: NodeId[][] | null = null;
  private readonly cuts = new Set<string>();
  private last: TraceEvent | null = null;
  constructor(private readonly nodes: readonly NodeId[]) {}

  apply(e: TraceEvent): void {
    this.last = e;
    if (e.event === 'Heal') {
      this.groups = null;
      this.cuts.clear();
    } else if (e.event === 'Partition') this.groups = (e.groups ?? []).map((g) => [...g]);
    else if (e.event === 'Cut' && e.from && e.to) this.cuts.add(`${e.from}>${e.to}`);
  }

  /** The nodes `node` can exchange messages with both ways, itself included. */
  private reachable(node: NodeId): NodeId[] {
    const group = this.groups === null ? this.nodes : (this.groups.find((g) => g.includes(node)) ?? [node]);
    return group.filter(
      (x) => x === node || !(this.cuts.has(`${node}>${x}`) || this.cuts.has(`${x}>${node}`)),
    );
  }

  /** The nodes that can talk to a majority (themselves included). */
  majoritySide(): NodeId[] {
    return this.nodes.filter((n) => this.reachable(n).length >= majority(this.nodes.length));
  }

  isolation(node: NodeId): Isolation | null {
    const side = this.reachable(node);
    if (side.length >= majority(this.nodes.length) || this.last === null) return null;
    return {
      how: 'stated',
      evidence: `${side.length === 1 ? `${node} could talk to no one` : `${node} could talk only to ${side.filter((x) => x !== node).join(', ')}`} (line ${this.last.line}: ${describeNetwork(this.last)})`,
    };
  }
}

export function describeNetwork(e: TraceEvent): string {
  if (e.event === 'Partition')
    return `Partition ${(e.groups ?? []).map((g) => `[${g.join(' ')}]`).join(' ')}`;
  if (e.event === 'Cut') return `Cut ${e.from}→${e.to}`;
  return e.event;
}

interface LinkHit {
  readonly time: number;
  readonly line: number;
  readonly peer: NodeId;
  readonly term: number | undefined;
}

/** The rows of link evidence per node (the link's `from`), sorted by time, for a window query by binary search. */
class LinkIndex {
  private readonly byNode = new Map<NodeId, number[]>();

  /** `reached`: the rows of messages that got through (true) or of failed ones (false). */
  constructor(
    private readonly links: LinkColumns,
    reached: boolean,
  ) {
    for (let row = 0; row < links.length; row++) {
      if (links.reachedAt(row) !== reached || links.timeAt(row) === null) continue;
      const node = links.fromAt(row);
      const list = this.byNode.get(node);
      if (list === undefined) this.byNode.set(node, [row]);
      else list.push(row);
    }
    const time = (row: number) => links.timeAt(row) as number;
    for (const list of this.byNode.values()) list.sort((a, b) => time(a) - time(b) || a - b);
  }

  /** Evidence for `node` with from ≤ time < to. */
  within(node: NodeId, from: number, to: number): LinkHit[] {
    const { links } = this;
    const list = this.byNode.get(node) ?? [];
    const time = (k: number) => links.timeAt(list[k]) as number;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (time(mid) < from) lo = mid + 1;
      else hi = mid;
    }
    const out: LinkHit[] = [];
    for (let k = lo; k < list.length && time(k) < to; k++) {
      const row = list[k];
      out.push({ time: time(k), line: links.lineAt(row), peer: links.toAt(row), term: links.termAt(row) });
    }
    return out;
  }
}

/**
 * Inference of isolation from what the nodes logged. Called for candidacies in trace
 * order: the leaders and last receipts are kept as the cursor moves (linear in the trace).
 */
class Inference {
  private readonly events: readonly TraceEvent[];
  private readonly maxTimeoutMs: number | null;
  private readonly next: Int32Array;
  private readonly reached: LinkIndex;
  private readonly failed: LinkIndex;
  private readonly leaders = new Map<NodeId, TraceEvent>();
  private readonly lastReceive = new Map<NodeId, TraceEvent>();
  private cursor = 0;

  constructor(trace: ParsedTrace) {
    this.events = trace.events;
    let max: number | null = null;
    for (const e of trace.events) if (e.event === 'TimerStart') max = Math.max(max ?? 0, e.timeoutMs ?? 0);
    this.maxTimeoutMs = max;
    this.next = nextCandidacies(trace.events);
    // Only the candidate's own messages getting through say that it was heard.
    this.reached = new LinkIndex(trace.links, true);
    this.failed = new LinkIndex(trace.links, false);
  }

  isolation(i: number): Isolation | null {
    this.advance(i);
    const c = this.events[i];
    const end = this.next[i];
    const from = c.time;
    const to =
      end < this.events.length
        ? (this.events[end].time ?? Number.POSITIVE_INFINITY)
        : Number.POSITIVE_INFINITY;
    if (this.heard(c, i, end, from, to)) return null;
    const evidence = this.failedLinks(c.node, from, to) ?? this.leaderLives(i, end) ?? this.silence(c);
    return evidence === null ? null : { how: 'inferred', evidence };
  }

  /** Keep the leaders and the last receipt of each node up to event i (exclusive). */
  private advance(i: number): void {
    for (; this.cursor < i; this.cursor++) {
      const e = this.events[this.cursor];
      if (e.event === 'BecomeLeader') this.leaders.set(e.node, e);
      else if (e.event.startsWith('Become') || e.event === 'Crash') this.leaders.delete(e.node);
      else if (e.event === 'Receive') this.lastReceive.set(e.node, e);
    }
  }

  /**
   * Did the candidacy reach anyone: a peer logs a message of the candidate's term from it,
   * the candidate gets an answer in that term, or a line says its message got through?
   */
  private heard(c: TraceEvent, i: number, end: number, from: number | null, to: number): boolean {
    for (let j = i + 1; j < end; j++) {
      const e = this.events[j];
      const m = e.message;
      if (e.event !== 'Receive' || !m || m.term !== c.term) continue;
      if (m.from === c.node && e.node !== c.node) return true;
      if (e.node === c.node && m.from !== c.node && m.from !== '?') return true;
    }
    if (from === null) return false;
    return this.reached.within(c.node, from, to).some((l) => l.term === undefined || l.term === c.term);
  }

  private failedLinks(node: NodeId, from: number | null, to: number): string | null {
    if (from === null) return null;
    const failed = this.failed.within(node, from, to);
    if (failed.length === 0) return null;
    const peers = [...new Set(failed.map((l) => l.peer))].sort();
    return `its messages to ${peers.join(', ')} failed (line ${failed[0].line}) and no peer logged hearing it`;
  }

  /** A leader of a lower term that went on leading past this candidacy never heard of it. */
  private leaderLives(i: number, end: number): string | null {
    const c = this.events[i];
    for (const [node, leader] of this.leaders) {
      if (node === c.node || (leader.term ?? 0) >= (c.term ?? 0)) continue;
      if (this.stillLeading(node, i, end)) {
        return `nobody logged hearing it, while ${node} went on leading term ${leader.term} (line ${leader.line})`;
      }
    }
    return null;
  }

  private stillLeading(node: NodeId, i: number, end: number): boolean {
    for (let j = i + 1; j < end; j++) {
      const e = this.events[j];
      if (e.node === node && (e.event.startsWith('Become') || e.event === 'Crash')) return false;
    }
    return true;
  }

  /** The candidate received nothing for longer than any election timeout drawn. */
  private silence(c: TraceEvent): string | null {
    const last = this.lastReceive.get(c.node);
    if (this.maxTimeoutMs === null || c.time === null || !last || last.time === null) return null;
    const gap = c.time - last.time;
    return gap > this.maxTimeoutMs
      ? `it received nothing for ${gap.toFixed(1)} ms before (since line ${last.line}), longer than any election timeout drawn (${this.maxTimeoutMs} ms), and nobody logged hearing it`
      : null;
  }
}

/** For each event, the index of the same node's next candidacy (or the trace's length). */
function nextCandidacies(events: readonly TraceEvent[]): Int32Array {
  const next = new Int32Array(events.length);
  const after = new Map<NodeId, number>();
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    next[i] = after.get(e.node) ?? events.length;
    if (e.event === 'BecomeCandidate') after.set(e.node, i);
  }
  return next;
}
