/**
 * Names and bug classes for coverage targets. The bug classes are those of the project's
 * catalogue of real Raft bugs (docs/bugs.md): a scenario that exercises an item can expose an
 * implementation with that class of bug.
 */

/** A file-name-safe form of a target id: `transition:follower:running/Receive[isHigherTerm]` → `follower-receive-ishigherterm` (the source state is left out: role, event and guard name a transition). */
export function slug(id: string): string {
  return id
    .replace(/^transition:([A-Za-z]+):[^/]*\//, '$1-')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();
}

/** docs/bugs.md class numbers per coverage item (or item prefix ending in `*`). */
const BUG_CLASSES: readonly (readonly [string, readonly number[]])[] = [
  ['rule:persistence/restart', [1]],
  ['rule:request-vote/already-voted', [2]],
  ['guard:RequestVoteRequest/votedForAnother=true', [2]],
  ['rule:request-vote/up-to-date', [4]],
  ['payload:RequestVoteRequest/log=*', [4]],
  ['rule:all-servers/higher-term', [5]],
  ['rule:prevote/leader-stickiness', [9]],
  ['rule:prevote/grant', [9]],
  ['rule:append-entries/consistency', [11]],
  ['payload:AppendEntriesRequest/prevLog=*', [11]],
  ['rule:leaders/no-old-term-commit', [15]],
  ['payload:*/term=lower', [23]],
];

export function bugClassesOf(items: readonly string[]): number[] {
  const found = new Set<number>();
  for (const item of items) {
    for (const [pattern, classes] of BUG_CLASSES) {
      const matches = pattern.includes('*')
        ? new RegExp(
            `^${pattern
              .split('*')
              .map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
              .join('.*')}$`,
          ).test(item)
        : item === pattern;
      if (matches) for (const c of classes) found.add(c);
    }
  }
  return [...found].sort((a, b) => a - b);
}
