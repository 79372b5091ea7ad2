import type { NodeId } from '../../models/index.ts';
import type { NodeStatus } from './types.ts';

/** Where the monitor reads statuses from (the runner's `NodeReader`: it checks who answered). */
export interface StatusSource {
  readonly sampleIntervalMs: number;
  status(node: NodeId, signal: AbortSignal): Promise<NodeStatus>;
}

/**
 * The safety monitor of cluster mode: it samples every running node's status continuously
 * and checks, on every sample, the properties that must hold under any fault:
 *
 * - **Election Safety** (Figure 3, §5.2): "at most one leader can be elected in a given
 *   term" — two nodes seen claiming leadership of the same term is a violation;
 * - **terms never go backwards** (Figure 2: currentTerm is persistent and only increases) —
 *   also across a restart, since currentTerm must survive it (docs/bugs.md #1);
 * - **commitIndex never decreases** while a node runs (§5.3: a committed entry stays
 *   committed);
 *
 * and "committed entries are never lost" is checked by the runner against the writes the
 * implementation acknowledged. Violations are kept with the time and the samples that show
 * them.
 */

export interface Violation {
  readonly property:
    | 'Election Safety'
    | 'Term Monotonicity'
    | 'Commit Monotonicity'
    | 'Committed Entries Kept';
  readonly atMs: number;
  readonly text: string;
}

export interface Sample {
  readonly atMs: number;
  readonly status: NodeStatus;
}

export class SafetyMonitor {
  readonly violations: Violation[] = [];
  /** Latest sample per running node (absent while the node is down or does not answer). */
  readonly latest = new Map<NodeId, Sample>();
  /** Every leader seen per term. */
  readonly leadersByTerm = new Map<number, Set<NodeId>>();
  /** Highest term each node ever reported (kept across restarts). */
  private readonly highestTerm = new Map<NodeId, number>();
  private readonly highestCommit = new Map<NodeId, number>();
  /** Kills and restarts of each node so far: answers from an earlier incarnation are dropped. */
  private readonly incarnations = new Map<NodeId, number>();
  private readonly started = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private controller = new AbortController();
  /** Samples overlap (the periodic one and those a step asks for): apply only newer answers. */
  private sequence = 0;
  private readonly appliedSequence = new Map<NodeId, number>();
  private chain: Promise<void> = Promise.resolve();
  samples = 0;
  /** Called after every sample (the election tracker listens). */
  onSample: (atMs: number) => void = () => {};

  constructor(
    private readonly implementation: StatusSource,
    private readonly running: () => readonly NodeId[],
    private readonly clusterSize: number,
    /** Whether a and b can talk both ways now (the fault proxy's view). */
    private readonly connected: (a: NodeId, b: NodeId) => boolean = () => true,
    private readonly onViolation: (violation: Violation) => void = () => {},
  ) {}

  now(): number {
    return Date.now() - this.started;
  }

  start(): void {
    const tick = () => {
      if (this.inFlight === null) this.inFlight = this.sample().finally(() => (this.inFlight = null));
      this.timer = setTimeout(tick, this.implementation.sampleIntervalMs);
    };
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.controller.abort();
    await this.inFlight;
  }

  /** A node was killed: forget its latest sample. */
  nodeDown(node: NodeId): void {
    this.nextIncarnation(node);
    this.latest.delete(node);
  }

  /** A node restarts: its commitIndex is volatile (Figure 2) and may start low again. */
  nodeRestarted(node: NodeId): void {
    this.nextIncarnation(node);
    this.latest.delete(node);
    this.highestCommit.delete(node);
  }

  /**
   * Each kill and restart starts a new incarnation of the node: an answer asked of the old
   * process but checked after the restart would otherwise set the new process's baseline
   * (its commitIndex 3, then the restarted node's 0 looked like a decrease without restart).
   */
  private nextIncarnation(node: NodeId): void {
    this.incarnations.set(node, (this.incarnations.get(node) ?? 0) + 1);
  }

  /** Sample every running node once, now, and check the properties. */
  /**
   * Samples run one at a time: two status requests in flight to the same node could be
   * served in the other order, and an older answer arriving last would look like a term
   * going backwards.
   */
  sample(): Promise<void> {
    const next = this.chain.then(() => this.sampleOnce());
    this.chain = next.catch(() => {});
    return next;
  }

  private async sampleOnce(): Promise<void> {
    const signal = this.controller.signal; // each request also has its own 1 s deadline (http.ts)
    const nodes = this.running();
    const sequence = ++this.sequence;
    const asked = nodes.map((n) => this.incarnations.get(n) ?? 0);
    const results = await Promise.allSettled(nodes.map((n) => this.implementation.status(n, signal)));
    const atMs = this.now();
    this.samples++;
    const stillRunning = new Set(this.running());
    results.forEach((result, i) => {
      const node = nodes[i];
      if (!stillRunning.has(node)) return; // killed while we asked
      if ((this.incarnations.get(node) ?? 0) !== asked[i]) return; // killed (and restarted) meanwhile
      if ((this.appliedSequence.get(node) ?? 0) > sequence) return; // a newer answer is in
      this.appliedSequence.set(node, sequence);
      if (result.status === 'rejected') {
        this.latest.delete(node);
        return;
      }
      this.check(result.value, atMs);
      this.latest.set(node, { atMs, status: result.value });
    });
    this.onSample(atMs);
  }

  record(violation: Violation): void {
    this.violations.push(violation);
    this.onViolation(violation);
  }

  private check(status: NodeStatus, atMs: number): void {
    if (status.term !== null) this.checkTerm(status.node, status.term, status.role === 'leader', atMs);
    if (status.commitIndex !== null) this.checkCommit(status.node, status.commitIndex, atMs);
  }

  /** Term Monotonicity (Figure 2: persistent, only increases) and Election Safety (§5.2). */
  private checkTerm(node: NodeId, term: number, leads: boolean, atMs: number): void {
    const before = this.highestTerm.get(node) ?? 0;
    if (term < before) {
      this.record({
        property: 'Term Monotonicity',
        atMs,
        text: `${node} reported term ${term} after term ${before} (currentTerm must never decrease, also across a restart; Figure 2, docs/bugs.md #1)`,
      });
    }
    // After a reported regression the new value is the baseline: one violation per drop.
    this.highestTerm.set(node, term);
    if (!leads) return;
    const leaders = this.leadersByTerm.get(term) ?? new Set<NodeId>();
    this.leadersByTerm.set(term, leaders);
    leaders.add(node);
    if (leaders.size === 2) {
      this.record({
        property: 'Election Safety',
        atMs,
        text: `two leaders in term ${term}: ${[...leaders].sort().join(' and ')} (§5.2: at most one leader per term)`,
      });
    }
  }

  /** Commit Monotonicity: a committed entry stays committed (§5.3) while the node runs. */
  private checkCommit(node: NodeId, commitIndex: number, atMs: number): void {
    const before = this.highestCommit.get(node) ?? 0;
    if (commitIndex < before) {
      this.record({
        property: 'Commit Monotonicity',
        atMs,
        text: `${node} reported commitIndex ${commitIndex} after ${before} without restarting (§5.3)`,
      });
    }
    this.highestCommit.set(node, commitIndex);
  }

  /**
   * The leader now, or null: a node that claims leadership in term T while a majority of
   * the cluster (itself included) that it can talk to reports term T, and no other node
   * claims leadership in a term ≥ T. A deposed leader cut off in a minority, or a candidate whose term ran ahead
   * in isolation, does not hide the leader of the majority.
   */
  currentLeader(): NodeId | null {
    return this.currentLeadership()?.leader ?? null;
  }

  /** The current leader (see `currentLeader`) with its term. */
  currentLeadership(): { leader: NodeId; term: number } | null {
    const statuses = [...this.latest.values()].map((s) => s.status);
    const claims = statuses.filter((s) => s.role === 'leader' && s.term !== null);
    for (const claim of claims) {
      const inTerm = statuses.filter(
        (s) => s.term === claim.term && (s.node === claim.node || this.connected(s.node, claim.node)),
      ).length;
      const rivals = claims.filter((c) => c !== claim && (c.term ?? 0) >= (claim.term ?? 0));
      if (inTerm * 2 > this.clusterSize && rivals.length === 0)
        return { leader: claim.node, term: claim.term! };
    }
    return null;
  }

  /** The highest term any running node reports now. */
  highestTermNow(): number | null {
    const terms = [...this.latest.values()].map((s) => s.status.term).filter((t): t is number => t !== null);
    return terms.length === 0 ? null : Math.max(...terms);
  }

  /** Every node claiming leadership now, with its term. */
  leaderClaims(): { leader: NodeId; term: number }[] {
    return [...this.latest.values()]
      .filter((s) => s.status.role === 'leader' && s.status.term !== null)
      .map((s) => ({ leader: s.status.node, term: s.status.term! }));
  }

  /**
   * The highest term a majority of the whole cluster has reached: the (⌊n/2⌋+1)-th highest
   * term among the running nodes' reports (a node down or silent has reached none).
   */
  majorityTerm(): number | null {
    const terms = [...this.latest.values()]
      .map((s) => s.status.term)
      .filter((t): t is number => t !== null)
      .sort((a, b) => b - a);
    const quorum = Math.floor(this.clusterSize / 2) + 1;
    return terms.length >= quorum ? terms[quorum - 1] : null;
  }

  anyLeader(): NodeId[] {
    return [...this.latest.values()].filter((s) => s.status.role === 'leader').map((s) => s.status.node);
  }
}
