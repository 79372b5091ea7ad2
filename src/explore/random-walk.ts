import type { ClusterState } from '../../models/cluster/state.ts';
import { initialClusterState } from '../../models/cluster/state.ts';
import type { Random } from './random.ts';
import type { Search } from './search.ts';

/**
 * Seeded random walks from the initial state, each at most `walkDepth` steps, until the
 * search must stop or `maxSteps` steps were taken. The visited set maps each state's key
 * to its id: a walk that revisits a state continues from the state as first recorded
 * (with symmetry it may be another renaming of this one), so that paths replay by index.
 */
export interface WalkSettings {
  readonly random: Random;
  readonly walkDepth: number;
  readonly maxSteps: number;
  readonly onStep: () => void;
}

export function randomWalks(search: Search, settings: WalkSettings): void {
  const walker = new Walker(search, settings);
  while (!search.shouldStop() && walker.steps < settings.maxSteps) walker.walk();
}

class Walker {
  steps = 0;
  /** The state first recorded under each id, in id order, and its per-server strings. */
  private readonly recorded: ClusterState[];
  private readonly recordedSigs: (readonly string[])[];
  private readonly ids = new Map<string, number>();

  constructor(
    private readonly search: Search,
    private readonly settings: WalkSettings,
  ) {
    const initial = initialClusterState(search.config);
    const sigs = search.perNodeAll(initial);
    this.ids.set(search.key(initial, sigs), search.admit(initial, -1, -1, 0));
    this.recorded = [initial];
    this.recordedSigs = [sigs];
  }

  /** One walk from the initial state. */
  walk(): void {
    let id = 0;
    for (let d = 0; d < this.settings.walkDepth && !this.search.shouldStop(); d++) {
      const next = this.step(id, d);
      if (next < 0) return;
      id = next;
      if ((this.steps & 1023) === 0) this.settings.onStep();
    }
  }

  /** One random step from state `id` at depth `depth`: the id reached, or -1 at a dead end. */
  private step(id: number, depth: number): number {
    const options: { next: ClusterState; sigs: readonly string[]; index: number }[] = [];
    this.search.successors(this.recorded[id], this.recordedSigs[id], id, depth, (next, sigs, index) =>
      options.push({ next, sigs, index }),
    );
    if (options.length === 0) return -1;
    const choice = options[this.settings.random.below(options.length)];
    this.steps++;
    const key = this.search.key(choice.next, choice.sigs);
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    const nextId = this.search.admit(choice.next, id, choice.index, this.search.depthAfter(id));
    this.ids.set(key, nextId);
    this.recorded.push(choice.next);
    this.recordedSigs.push(choice.sigs);
    return nextId;
  }
}
