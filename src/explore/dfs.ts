import type { ClusterState } from '../../models/cluster/state.ts';
import { initialClusterState } from '../../models/cluster/state.ts';
import type { IsNew } from './bfs.ts';
import type { Search } from './search.ts';

/**
 * Depth-first search: a stack of states, which stays small (one path's worth of
 * siblings); no shortest-counterexample guarantee. Returns true when the stack emptied
 * (the space within bounds is exhausted), false when the search had to stop.
 */
export function depthFirst(search: Search, isNew: IsNew, onExpanded: (queued: number) => void): boolean {
  const initial = initialClusterState(search.config);
  const initialSigs = search.perNodeAll(initial);
  if (!isNew(initial, initialSigs)) return true;
  const stack: StackItem[] = [{ state: initial, sigs: initialSigs, id: search.admit(initial, -1, -1, 0) }];
  let expansions = 0;
  while (!search.shouldStop()) {
    const item = stack.pop();
    if (item === undefined) return true;
    pushSuccessors(search, isNew, stack, item);
    if ((++expansions & 255) === 0) onExpanded(stack.length);
  }
  return false;
}

interface StackItem {
  readonly state: ClusterState;
  readonly sigs: readonly string[];
  readonly id: number;
}

function pushSuccessors(search: Search, isNew: IsNew, stack: StackItem[], item: StackItem): void {
  const freshStart = stack.length;
  const depth = search.depthAfter(item.id) - 1;
  search.successors(item.state, item.sigs, item.id, depth, (next, sigs, index) => {
    if (search.shouldStop() || !isNew(next, sigs)) return;
    stack.push({ state: next, sigs, id: search.admit(next, item.id, index, depth + 1) });
  });
  // Reverse the states just pushed, so the first enabled action is explored first.
  for (let i = freshStart, j = stack.length - 1; i < j; i++, j--) [stack[i], stack[j]] = [stack[j], stack[i]];
}
