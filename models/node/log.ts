import type { AppendEntriesRequestRange, LogEntry, LogIndex, Term } from '../types.ts';

/** Pure helpers over a 1-based Raft log. */

export function lastLogIndex(log: readonly LogEntry[]): LogIndex {
  return log.length;
}

/** Term of the last entry, 0 for an empty log. */
export function lastLogTerm(log: readonly LogEntry[]): Term {
  return log.length === 0 ? 0 : log[log.length - 1].term;
}

/** Term of the entry at `index`; 0 at index 0; undefined beyond the end. */
export function termAt(log: readonly LogEntry[], index: LogIndex): Term | undefined {
  if (index === 0) return 0;
  if (index < 0 || index > log.length) return undefined;
  return log[index - 1].term;
}

/**
 * The last index an AppendEntries request covers, for the success that answers it (the
 * appendMatchFrom=request switch): the follower passed the consistency check at
 * prevLogIndex and stored the entries after it (§5.3 Log Matching); hashicorp/raft 1.1.2
 * replication.go:589 `updateLastAppended` reads the request it sent.
 */
export function lastIndexOfRequest(request: AppendEntriesRequestRange): LogIndex {
  return request.prevLogIndex + request.entries;
}

/**
 * §5.4.1: "Raft determines which of two logs is more up-to-date by comparing the index
 * and term of the last entries in the logs. If the logs have last entries with different
 * terms, then the log with the later term is more up-to-date. If the logs end with the
 * same term, then whichever log is longer is more up-to-date."
 */
export function isAtLeastAsUpToDate(
  candidateLastTerm: Term,
  candidateLastIndex: LogIndex,
  log: readonly LogEntry[],
): boolean {
  const myLastTerm = lastLogTerm(log);
  if (candidateLastTerm !== myLastTerm) return candidateLastTerm > myLastTerm;
  return candidateLastIndex >= lastLogIndex(log);
}

/**
 * Figure 2, AppendEntries receiver rules 3 and 4: "If an existing entry conflicts with a
 * new one (same index but different terms), delete the existing entry and all that follow
 * it. Append any new entries not already in the log." Entries that already match are
 * kept untouched, so a stale or duplicated request never truncates the log.
 * Returns the same array when nothing changes.
 */
export function mergeEntries(
  log: readonly LogEntry[],
  prevLogIndex: LogIndex,
  entries: readonly LogEntry[],
): readonly LogEntry[] {
  let result: LogEntry[] | null = null;
  for (let k = 0; k < entries.length; k++) {
    const index = prevLogIndex + 1 + k;
    const current: readonly LogEntry[] = result ?? log;
    const existing = termAt(current, index);
    if (existing === entries[k].term) continue;
    // Conflict (or end of log): keep the prefix before `index`, then the rest of entries.
    result = [...current.slice(0, index - 1), ...entries.slice(k)];
    break;
  }
  return result ?? log;
}
