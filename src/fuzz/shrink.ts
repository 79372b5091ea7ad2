import type { NodeId } from '../../models/index.ts';
import type { FuzzAction } from './actions.ts';
import { failureSignature, type RunFailure, type RunOutcome } from './run.ts';

/**
 * Shrinking a failing run by delta debugging (Zeller's ddmin): replay the run's actions
 * with chunks removed and keep any smaller list that still fails the same way (same oracle
 * and property); then merge adjacent ticks of one node, and try the run on the first three
 * nodes only. Replays are deterministic (actions name messages by key; an action that does
 * not apply any more is skipped), so a shrunk list fails every time it is replayed.
 */

export type Replay = (actions: readonly FuzzAction[], nodes?: readonly NodeId[]) => Promise<RunOutcome>;

export interface Shrunk {
  readonly actions: readonly FuzzAction[];
  readonly nodes: readonly NodeId[];
  readonly outcome: RunOutcome;
  /** Replays it took. */
  readonly replays: number;
}

export async function shrinkRun(
  replay: Replay,
  original: RunOutcome,
  nodes: readonly NodeId[],
  budget: number,
  /** What "fails the same way" means: by default the same oracle and property. */
  kindOf: (f: RunFailure) => string = failureSignature,
): Promise<Shrunk> {
  const target = kindOf(original.failure!);
  let replays = 0;
  let best = {
    actions: original.taken.map((t) => t.action),
    nodes,
    outcome: original,
  };
  const attempt = async (actions: readonly FuzzAction[], on = best.nodes): Promise<boolean> => {
    if (replays >= budget) return false;
    replays++;
    const outcome = await replay(actions, on);
    if (outcome.failure === null || kindOf(outcome.failure) !== target) return false;
    // The actions the replay applied, up to the failure (skipped ones are not in `taken`).
    best = { actions: outcome.taken.map((t) => t.action), nodes: on, outcome };
    return true;
  };
  await ddmin(best.actions, (candidate) => attempt(candidate));
  const merged = mergeTicks(best.actions);
  if (merged.length < best.actions.length) await attempt(merged);
  if (best.nodes.length > 3) {
    const three = best.nodes.slice(0, 3);
    const onThree = best.actions.filter((a) => mentionsOnly(a, three));
    if (await attempt(onThree, three)) await ddmin(best.actions, (candidate) => attempt(candidate));
  }
  return { ...best, replays };
}

/** ddmin: split into n chunks, keep a complement that still fails, refine until 1-minimal. */
async function ddmin(
  start: readonly FuzzAction[],
  fails: (candidate: readonly FuzzAction[]) => Promise<boolean>,
): Promise<readonly FuzzAction[]> {
  let actions = start;
  let n = 2;
  while (actions.length >= 2) {
    const chunk = Math.ceil(actions.length / n);
    let reduced = false;
    for (let k = 0; k < n && k * chunk < actions.length; k++) {
      const complement = [...actions.slice(0, k * chunk), ...actions.slice((k + 1) * chunk)];
      if (await fails(complement)) {
        actions = complement;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (n >= actions.length) break;
      n = Math.min(actions.length, 2 * n);
    }
  }
  return actions;
}

/** Adjacent ticks of the same node as one tick of their sum. */
function mergeTicks(actions: readonly FuzzAction[]): FuzzAction[] {
  const out: FuzzAction[] = [];
  for (const a of actions) {
    const last = out[out.length - 1];
    if (a.kind === 'tick' && last?.kind === 'tick' && last.node === a.node)
      out[out.length - 1] = { ...last, ticks: last.ticks + a.ticks };
    else out.push(a);
  }
  return out;
}

/** The action names only these nodes (message keys start with sender and receiver codes). */
function mentionsOnly(action: FuzzAction, nodes: readonly NodeId[]): boolean {
  switch (action.kind) {
    case 'deliver':
    case 'deliverPrefix':
    case 'drop':
    case 'duplicate':
      return true; // a key of a message from or to a missing node is simply never in flight
    case 'partition':
      return action.groups.every((g) => g.some((n) => nodes.includes(n)));
    case 'heal':
      return true;
    default:
      return nodes.includes(action.node);
  }
}
