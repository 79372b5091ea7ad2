import type { NodeId } from '../../models/index.ts';

/**
 * Every leader change of a run, measured (Figure 16 of the Raft paper plots this time).
 * The tracker sees the monitor's current leadership after every sample. A leadership counts
 * once it has stayed the same (leader, term) for `stableMs` — a leader deposed within a
 * timer tick or two has not ended the election. The time of a change runs from the moment
 * the previous leadership was last seen standing (or the disruption that ended it, or the
 * start of the cluster) to the first sample that showed the new one. A change no step
 * asked about counts too: a heal whose returning node deposes the leader is an election.
 *
 * A stale leader — a node still claiming leadership of an older term after a heal — is
 * timed separately: from the heal to the sample where it no longer claims it.
 */

export interface Leadership {
  readonly leader: NodeId;
  readonly term: number;
}

export interface LeaderChange {
  readonly from: Leadership | null;
  readonly to: Leadership;
  /** When the new leader was first seen (run clock, ms). */
  readonly atMs: number;
  /** From the old leadership's end (or the start of the cluster) to `atMs`. */
  readonly tookMs: number;
  /** The first election of the run, from process start (includes the nodes' boot time). */
  readonly initial: boolean;
  /** The last disruption before it (`kill n1`, `partition n1 | n2 n3`, `heal`, …). */
  readonly after: string;
}

export interface StaleLeaderStepDown {
  readonly node: NodeId;
  readonly term: number;
  /** From the heal to the first sample without its claim. */
  readonly tookMs: number;
}

const same = (a: Leadership | null, b: Leadership | null) =>
  a !== null && b !== null && a.leader === b.leader && a.term === b.term;

export class ElectionTracker {
  readonly changes: LeaderChange[] = [];
  readonly stepDowns: StaleLeaderStepDown[] = [];
  private established: Leadership | null = null;
  /** Whether the last sample still showed `established`. */
  private standing = false;
  /** When `established` was last seen standing (or the run started). */
  private lastStandingMs = 0;
  private pending: { leadership: Leadership; seenAt: number } | null = null;
  private cause = 'start';
  /** Leaders of older terms that still claimed leadership at the last heal, and when it was. */
  private stale: Leadership[] = [];
  private staleSince: number | null = null;

  constructor(private readonly stableMs: number) {}

  /** The leadership that has held for the stability window, if it still stands. */
  get current(): Leadership | null {
    return this.standing ? this.established : null;
  }

  /** A fault was injected; `standing` is the leadership the monitor sees just before it. */
  disrupted(label: string, atMs: number, standing: Leadership | null): void {
    this.cause = label;
    if (same(standing, this.established)) this.lastStandingMs = atMs;
  }

  /** The network healed: leaders of older terms still claiming leadership (`claims`) are timed from now. */
  healed(atMs: number, claims: readonly Leadership[]): void {
    const term = this.established?.term;
    this.stale = term === undefined ? [] : claims.filter((c) => c.term < term);
    this.staleSince = this.stale.length > 0 ? atMs : null;
  }

  /** After every sample: the monitor's leadership now, and every leadership claim now. */
  observe(now: Leadership | null, claims: readonly Leadership[], atMs: number): void {
    this.watchStale(claims, atMs);
    this.standing = same(now, this.established);
    if (this.standing) {
      this.lastStandingMs = atMs;
      this.pending = null;
      return;
    }
    if (now === null) {
      this.pending = null;
      return;
    }
    if (this.pending === null || !same(this.pending.leadership, now))
      this.pending = { leadership: now, seenAt: atMs };
    if (atMs - this.pending.seenAt >= this.stableMs)
      this.establish(this.pending.leadership, this.pending.seenAt);
  }

  private establish(to: Leadership, seenAt: number): void {
    const initial = this.changes.length === 0 && this.established === null;
    this.changes.push({
      from: this.established,
      to,
      atMs: seenAt,
      tookMs: seenAt - this.lastStandingMs,
      initial,
      after: this.cause,
    });
    this.established = to;
    this.standing = true;
    this.lastStandingMs = seenAt;
    this.pending = null;
  }

  /** When the leadership now waiting out its stability window was first seen, if any. */
  pendingSince(): number | null {
    return this.pending?.seenAt ?? null;
  }

  private watchStale(claims: readonly Leadership[], atMs: number): void {
    if (this.staleSince === null) return;
    const still = this.stale.filter((s) => claims.some((c) => same(c, s)));
    for (const gone of this.stale.filter((s) => !still.includes(s))) {
      this.stepDowns.push({ node: gone.leader, term: gone.term, tookMs: atMs - this.staleSince });
    }
    this.stale = still;
    if (still.length === 0) this.staleSince = null;
  }
}
