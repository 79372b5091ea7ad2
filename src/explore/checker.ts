import type { ClusterAction, ClusterBounds } from '../../models/cluster/actions.ts';
import { applyAction, enabledActions, withinBounds } from '../../models/cluster/actions.ts';
import type { ClusterConfig } from '../../models/cluster/config.ts';
import { type ClusterState, initialClusterState } from '../../models/cluster/state.ts';
import type { Property } from '../../models/properties/index.ts';
import { BreadthFirst, type IsNew, type LevelMark, type VisitedFingerprints } from './bfs.ts';
import { readCheckpoint, restore, writeCheckpoint } from './checkpoint.ts';
import { depthFirst } from './dfs.ts';
import { StateEncoder } from './encode.ts';
import { collisionBound, Fingerprint, FingerprintSet, slotsLog2For } from './fingerprints.ts';
import type { ParallelProfile } from './parallel/profile.ts';
import { type Path, pathFromIndexes } from './path.ts';
import { Random } from './random.ts';
import { randomWalks, type WalkSettings } from './random-walk.ts';
import { type Found, Search, type SearchSettings } from './search.ts';

/**
 * The model checker: explores the cluster model's reachable states within bounds and
 * checks every property on each (TLC for raft.tla, stateright for Rust models).
 *
 * - `bfs` (default) visits states in order of depth, so the first violation found has a
 *   shortest counterexample (recovered from parent pointers);
 * - `dfs` goes deep first (less memory for the frontier, no shortest guarantee);
 * - `random` takes seeded random walks from the initial state;
 * - `swarm` runs many small diversified searches (`swarm.ts`), split into shards.
 *
 * The visited set holds canonical encodings (`encode.ts`), with symmetry reduction over
 * server ids when asked. Each visited state keeps its parent and the index of the action
 * that reached it, so a path is replayed by index from the initial state.
 */
export type Strategy = 'bfs' | 'dfs' | 'random' | 'swarm';
export const STRATEGIES: readonly Strategy[] = ['bfs', 'dfs', 'random', 'swarm'];

export interface CheckOptions {
  readonly config: ClusterConfig;
  readonly bounds: ClusterBounds;
  readonly strategy?: Strategy;
  /** Seed of the random walk (the other strategies make no random choice). */
  readonly seed?: number;
  /** Stop after this many distinct states. */
  readonly maxStates?: number;
  /** Stop after this many seconds (checked every few hundred states). */
  readonly maxSeconds?: number;
  /** Identify states that differ only by a renaming of the servers. */
  readonly symmetry?: boolean;
  /**
   * Keep the visited states' keys themselves instead of 64-bit fingerprints (no chance of
   * a fingerprint collision; ~10× the memory, and at most 2^24 states). Random walks
   * always keep keys.
   */
  readonly exact?: boolean;
  /**
   * Stop (reason `memory`) when the JavaScript heap passes this fraction of its limit,
   * instead of dying of an out-of-memory crash (default 0.85).
   */
  readonly maxHeapFraction?: number;
  /**
   * Stop (reason `memory`) when the process's resident memory (the visited set and the
   * frontier live outside the heap) passes this fraction of the machine's (default 0.8).
   */
  readonly maxMemoryFraction?: number;
  readonly properties?: readonly Property[];
  /** Stop at the first violated `always` property (default), or go on to find one per property. */
  readonly stopOnViolation?: boolean;
  /** Random walk: the longest walk before starting again from the initial state. */
  readonly walkDepth?: number;
  /** BFS: write a checkpoint into this directory when the run stops short, and every `checkpointEverySeconds`. */
  readonly checkpoint?: string;
  readonly checkpointEverySeconds?: number;
  /** BFS: go on from the checkpoint in this directory. */
  readonly resume?: string;
  /**
   * What space is searched, in words (model, bounds, symmetry, properties): a checkpoint
   * records it, and a resume of a checkpoint of another space is refused.
   */
  readonly space?: string;
  /** Called every `progressEveryMs` milliseconds during long runs. */
  readonly onProgress?: (progress: Progress) => void;
  readonly progressEveryMs?: number;
  /** BFS: called with the distinct states so far every 256 expansions (parallel/auto.ts starts workers). */
  readonly onExpanded?: (distinct: number) => void;
}

export interface Progress {
  readonly distinct: number;
  readonly generated: number;
  readonly depth: number;
  readonly queued: number;
  readonly seconds: number;
}

export type PropertyStatus = 'pass' | 'fail' | 'witnessed' | 'unwitnessed' | 'not-applicable';

export interface PropertyResult {
  readonly property: Property;
  readonly status: PropertyStatus;
  /** For `fail`: a counterexample; for `witnessed`: a witness. */
  readonly path?: Path;
  /** For `not-applicable`: why the bounds rule the witness out, or why the always-property says nothing here. */
  readonly reason?: string;
}

export type StopReason = 'exhausted' | 'max-states' | 'time' | 'memory' | 'violation';

export interface CheckResult {
  readonly strategy: Strategy;
  readonly seed: number;
  readonly symmetry: boolean;
  /** Whether the visited set kept keys (`true`) or 64-bit fingerprints. */
  readonly exact: boolean;
  /**
   * With fingerprints: an upper bound of the probability that two distinct states shared a
   * fingerprint, so that one of them went unexplored (0 when exact).
   */
  readonly collisionBound: number;
  /** Distinct states (after symmetry reduction, if on). */
  readonly distinct: number;
  /** Successor states computed within bounds (transitions), revisits included. */
  readonly generated: number;
  /** Greatest depth (path length from the initial state) of a visited state. */
  readonly depth: number;
  readonly seconds: number;
  readonly stoppedBy: StopReason;
  readonly properties: readonly PropertyResult[];
  /** Threads that searched (`--workers`; 1 but for a parallel BFS). */
  readonly workers: number;
  readonly memory: MemoryUse;
  /** A parallel search: where the workers' time went. */
  readonly parallel?: ParallelProfile;
  /** A breadth-first search: when each depth had all its states found (`bfs.ts`). */
  readonly levels?: readonly LevelMark[];
}

/** What the search's own structures cost (the process's whole footprint is larger). */
export interface MemoryUse {
  /** Bytes of the visited set and the per-state columns (parent, action, depth), per distinct state. */
  readonly perVisited: number;
  /** Bytes of a frontier record per queued state (BFS; 0 otherwise). */
  readonly perFrontier: number;
  /** Most states queued at once (BFS; 0 otherwise). */
  readonly peakFrontier: number;
}

/** The `ok` verdict: no `always` property failed and every `sometimes` was witnessed. */
export function verdictOk(result: CheckResult): boolean {
  return result.properties.every(
    (p) => p.status === 'pass' || p.status === 'witnessed' || p.status === 'not-applicable',
  );
}

/** The parts of a search a result is made of (a parallel search gathers them from its workers). */
export type SearchOutcome = Omit<CheckResult, 'collisionBound'>;

export function check(options: CheckOptions): CheckResult {
  const strategy = options.strategy ?? 'bfs';
  if (strategy === 'swarm') throw new Error('a swarm runs through swarm() (swarm.ts), with its shard');
  const start = performance.now();
  const search = new Search(searchSettings(options));
  const exact = strategy === 'random' || (options.exact ?? false);
  const progress = progressReporter(options, search, start);
  let ran: Ran = { exhausted: false, memory: { perVisited: 0, perFrontier: 0, peakFrontier: 0 } };
  if (strategy === 'bfs') ran = breadthFirst(search, exact, options, progress, start);
  else if (strategy === 'dfs')
    ran = { ...ran, exhausted: depthFirst(search, isNewFor(search, exact), progress) };
  else {
    randomWalks(
      search,
      walkSettings(options, () => progress(0)),
    );
  }
  const { exhausted, memory, levels } = ran;
  return resultOf({
    strategy,
    seed: options.seed ?? 1,
    symmetry: search.symmetry,
    exact,
    distinct: search.count,
    generated: search.generated,
    depth: search.maxDepth,
    seconds: (performance.now() - start) / 1000,
    stoppedBy: stopReason(search, exhausted),
    properties: propertyResults(search, (f) => pathToLocal(search, f)),
    workers: 1,
    memory,
    levels,
  });
}

/** How a strategy's search ended. */
interface Ran {
  readonly exhausted: boolean;
  readonly memory: MemoryUse;
  readonly levels?: readonly LevelMark[];
}

/** One thread's breadth-first search (`start`: the run's, from `performance.now()`). */
function breadthFirst(
  search: Search,
  exact: boolean,
  options: CheckOptions,
  progress: (queued: number) => void,
  start: number,
): Ran {
  const bfs = startBfs(search, exact, options);
  const checkpoints = checkpointer(options, bfs);
  const exhausted = bfs.run(() => {
    progress(bfs.queue.length);
    checkpoints(false);
    options.onExpanded?.(search.count);
  });
  if (!exhausted && !(search.violated && search.stopOnViolation)) checkpoints(true);
  // After a resume the queue's order is not the order of the ids (`markLevel`).
  const marks = options.resume === undefined ? bfs.levelMarks : [];
  const levels = marks.map((m) => ({ ...m, seconds: m.seconds - start / 1000 }));
  return { exhausted, memory: bfsMemory(bfs, exact), levels };
}

function bfsMemory(bfs: BreadthFirst, exact: boolean): MemoryUse {
  const s = bfs.search;
  const columns = s.parent.bytes + s.actionIndex.bytes + s.depthOf.bytes;
  const visited = exact ? 0 : bfs.options.visited.bytes;
  return {
    perVisited: s.count === 0 ? 0 : (visited + columns) / s.count,
    perFrontier: bfs.queue.bytesPerState,
    peakFrontier: bfs.queue.peak,
  };
}

export function searchSettings(options: CheckOptions): SearchSettings {
  return {
    config: options.config,
    bounds: options.bounds,
    symmetry: options.symmetry ?? false,
    stopOnViolation: options.stopOnViolation ?? true,
    maxStates: options.maxStates ?? Number.POSITIVE_INFINITY,
    deadline:
      options.maxSeconds === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.maxSeconds * 1000,
    properties: options.properties,
    maxHeapFraction: options.maxHeapFraction,
    maxMemoryFraction: options.maxMemoryFraction,
  };
}

/** The result with its collision bound. */
export function resultOf(outcome: SearchOutcome): CheckResult {
  return { ...outcome, collisionBound: outcome.exact ? 0 : collisionBound(outcome.distinct) };
}

/**
 * How the visited set answers "is it new?" outside the record path: 64-bit fingerprints
 * written as the encoder hashes the state (no key string built), or the keys themselves
 * with `exact`.
 */
function isNewFor(search: Search, exact: boolean): IsNew {
  if (exact) {
    const seen = new Set<string>();
    return (state, sigs) => {
      const size = seen.size;
      seen.add(search.key(state, sigs));
      return seen.size !== size;
    };
  }
  const fingerprints = new FingerprintSet();
  return fingerprintIsNew(search, fingerprints);
}

/** "Is it new?" by the state's content fingerprint (canonical with symmetry) in `visited`. */
export function fingerprintIsNew(search: Search, visited: VisitedFingerprints): IsNew {
  const fingerprint = new Fingerprint();
  const { encoder } = search;
  return (state, sigs) => {
    if (search.symmetry) encoder.canonicalFingerprint(state, sigs, fingerprint);
    else encoder.fingerprintFromParts(state, sigs, fingerprint);
    return visited.addFingerprint(fingerprint.high, fingerprint.low);
  };
}

/** A breadth-first search from the initial state, or from a checkpoint (`options.resume`). */
function startBfs(search: Search, exact: boolean, options: CheckOptions): BreadthFirst {
  const saved = options.resume === undefined ? null : readCheckpoint(options.resume, options.space ?? '');
  const visited =
    saved?.visited ?? new FingerprintSet(slotsLog2For(options.maxStates ?? Number.POSITIVE_INFINITY, 16));
  const isNew = exact
    ? isNewFor(search, true)
    : search.symmetry
      ? fingerprintIsNew(search, visited)
      : undefined;
  const bfs = new BreadthFirst(search, { visited, prints: 'numbers', isNew, parts: saved?.parts });
  if (saved === null) bfs.start();
  else restore(saved, bfs);
  return bfs;
}

/** Writes checkpoints when asked: `now`, or when the interval has passed. */
function checkpointer(options: CheckOptions, bfs: BreadthFirst): (now: boolean) => void {
  const dir = options.checkpoint;
  if (dir === undefined) return () => {};
  const every = (options.checkpointEverySeconds ?? 600) * 1000;
  let next = Date.now() + every;
  return (now) => {
    if (!now && Date.now() < next) return;
    writeCheckpoint(dir, bfs, options.space ?? '');
    next = Date.now() + every;
  };
}

function walkSettings(options: CheckOptions, onStep: () => void): WalkSettings {
  const maxStates = options.maxStates ?? Number.POSITIVE_INFINITY;
  return {
    random: new Random(options.seed ?? 1),
    walkDepth: options.walkDepth ?? 64,
    maxSteps: Number.isFinite(maxStates) ? maxStates * 20 : 2_000_000,
    onStep,
  };
}

function progressReporter(options: CheckOptions, search: Search, start: number): (queued: number) => void {
  const every = options.progressEveryMs ?? 2000;
  let next = start + every;
  return (queued) => {
    if (!options.onProgress) return;
    const now = performance.now();
    if (now < next) return;
    next = now + every;
    const { count: distinct, generated, maxDepth: depth } = search;
    options.onProgress({ distinct, generated, depth, queued, seconds: (now - start) / 1000 });
  };
}

export function stopReason(search: Search, exhausted: boolean): StopReason {
  if (search.violated && search.stopOnViolation) return 'violation';
  if (exhausted) return 'exhausted';
  if (search.outOfTime) return 'time';
  return search.outOfMemory ? 'memory' : 'max-states';
}

/** The path to a found state, by the parent pointers kept in this search. */
export function pathToLocal(search: Search, f: Found): Path {
  const indexes: number[] = [];
  if (f.via !== undefined) indexes.push(f.via);
  for (let id = f.id; search.parent.get(id) >= 0; id = search.parent.get(id)) {
    indexes.push(search.actionIndex.get(id));
  }
  indexes.reverse();
  return pathFromIndexes(search.config, search.bounds, indexes);
}

/** A verdict per property, with its counterexample or witness. */
export function propertyResults(
  search: {
    readonly properties: readonly Property[];
    readonly found: ReadonlyMap<Property, Found>;
    readonly config: ClusterConfig;
    readonly bounds: ClusterBounds;
  },
  pathTo: (f: Found) => Path,
): PropertyResult[] {
  const { config, bounds } = search;
  return search.properties.map((property) => {
    const f = search.found.get(property);
    if (property.kind === 'always') {
      if (f) return { property, status: 'fail', path: pathTo(f) };
      const vacuous = property.scope === 'state' ? property.vacuous?.(config) : undefined;
      return vacuous ? { property, status: 'not-applicable', reason: vacuous } : { property, status: 'pass' };
    }
    if (f) return { property, status: 'witnessed', path: pathTo(f) };
    const reason = property.scope === 'state' ? property.impossible?.(config, bounds) : undefined;
    return reason ? { property, status: 'not-applicable', reason } : { property, status: 'unwitnessed' };
  });
}

/**
 * For the scenario generator: the shortest path (by BFS) from the initial state (or `from`,
 * to search in stages: a path's indexes then count from that state) to a state satisfying
 * `goal`, within bounds; null when no such state is reachable within them.
 * `goal` also sees the step that reached the state (null for the initial state).
 */
export function findShortestPath(
  config: ClusterConfig,
  bounds: ClusterBounds,
  goal: (state: ClusterState, step: { from: ClusterState; action: ClusterAction } | null) => boolean,
  options: { symmetry?: boolean; maxStates?: number; from?: ClusterState } = {},
): Path | null {
  const encoder = new StateEncoder(config);
  const key = options.symmetry
    ? (s: ClusterState) => encoder.canonical(s)
    : (s: ClusterState) => encoder.encode(s);
  const maxStates = options.maxStates ?? 1_000_000;
  const initial = options.from ?? initialClusterState(config);
  if (goal(initial, null)) return { actions: [], indexes: [] };
  const seen = new Set<string>([key(initial)]);
  let level: { state: ClusterState; indexes: number[] }[] = [{ state: initial, indexes: [] }];
  while (level.length > 0 && seen.size < maxStates) {
    const next: typeof level = [];
    for (const { state, indexes } of level) {
      const actions = enabledActions(config, state, bounds);
      for (let index = 0; index < actions.length; index++) {
        const reached = applyAction(config, state, actions[index]).state;
        if (!withinBounds(reached, bounds)) continue;
        if (goal(reached, { from: state, action: actions[index] })) {
          return pathFromIndexes(config, bounds, [...indexes, index], initial);
        }
        const k = key(reached);
        if (seen.has(k)) continue;
        seen.add(k);
        next.push({ state: reached, indexes: [...indexes, index] });
      }
    }
    level = next;
  }
  return null;
}
