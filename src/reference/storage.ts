import type { LogEntry, NodeId, PersistentState } from '../../models/types.ts';

/**
 * Stable storage of the reference implementation: Figure 2's "persistent state on all
 * servers (updated on stable storage before responding to RPCs)": currentTerm, votedFor
 * and the log.
 *
 * Writes are buffered until `sync()`, like `write()` before `fsync()`. A crash (power
 * loss) keeps only what was synced. The correct node syncs before it sends anything; the
 * mutants of BUGS.md #1 and #18 forget to, and a crash then loses the vote or the entries
 * they already acknowledged.
 */
export interface Storage {
  /** What a restarted server finds: only synced writes. */
  load(): PersistentState;
  setTermAndVote(currentTerm: number, votedFor: NodeId | null): void;
  /** Delete entries from `index` (1-based) on, then append `entries`. */
  truncateAndAppend(index: number, entries: readonly LogEntry[]): void;
  /** Make every buffered write durable. */
  sync(): void;
  /** Power loss: buffered writes are gone. */
  loseUnsynced(): void;
  /**
   * The commit index, for the persistCommitIndex switch (etcd keeps it in `HardState.Commit`);
   * a storage without these cannot run that switch. Buffered until `sync()` like the rest.
   */
  setCommitIndex?(index: number): void;
  loadCommitIndex?(): number;
}

export class MemoryStorage implements Storage {
  private durable: PersistentState;
  private pending: PersistentState;
  private durableCommit = 0;
  private pendingCommit = 0;

  constructor(initial: PersistentState = { currentTerm: 0, votedFor: null, log: [] }) {
    this.durable = { ...initial, log: [...initial.log] };
    this.pending = this.durable;
  }

  load(): PersistentState {
    return this.durable;
  }

  setTermAndVote(currentTerm: number, votedFor: NodeId | null): void {
    this.pending = { ...this.pending, currentTerm, votedFor };
  }

  truncateAndAppend(index: number, entries: readonly LogEntry[]): void {
    this.pending = { ...this.pending, log: [...this.pending.log.slice(0, index - 1), ...entries] };
  }

  sync(): void {
    this.durable = this.pending;
    this.durableCommit = this.pendingCommit;
  }

  loseUnsynced(): void {
    this.pending = this.durable;
    this.pendingCommit = this.durableCommit;
  }

  setCommitIndex(index: number): void {
    this.pendingCommit = index;
  }

  loadCommitIndex(): number {
    return this.durableCommit;
  }

  /** True when every write is durable (for tests). */
  isSynced(): boolean {
    return this.pending === this.durable && this.pendingCommit === this.durableCommit;
  }
}
