import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import {
  applyAction,
  type ClusterAction,
  type ClusterBounds,
  enabledActions,
  type NodeStepper,
  withinBounds,
} from '../../models/cluster/actions.ts';
import type { ClusterConfig } from '../../models/cluster/config.ts';
import { type ClusterState, initialClusterState } from '../../models/cluster/state.ts';
import type { NodeState } from '../../models/node/compiled.ts';
import {
  PROPERTIES,
  type Property,
  type StateProperty,
  type StepProperty,
} from '../../models/properties/index.ts';
import { StateEncoder } from './encode.ts';
import { collisionBound, Fingerprint, FingerprintSet, IntColumn } from './fingerprints.ts';
import { NodeStepMemo } from './node-steps.ts';
import { type Path, pathFromIndexes } from './path.ts';
import { Random } from './random.ts';
import { StateParts, StateQueue } from './state-queue.ts';

/**
 * The model checker: explores the cluster model's reachable states within bounds and
 * checks every property on each (TLC for raft.tla, stateright for Rust models).
 *
 * - `bfs` (default) visits states in order of depth, so the first violation found has a
 *   shortest counterexample (recovered from parent pointers);
 * - `dfs` goes deep first (less memory for the frontier, no shortest guarantee);
 * - `random` takes seeded random walks from the initial state.
 *
 * The visited set holds canonical encodings (`encode.ts`), with symmetry reduction over
 * server ids when asked. Each visited state keeps its parent and the index of the action
 * that reached it, so a path is replayed by index from the initial state.
 */
export type Strategy = 'bfs' | 'dfs' | 'random';
export const STRATEGIES: readonly Strategy[] = ['bfs', 'dfs', 'random'];

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
  /** Called every `progressEveryMs` milliseconds during long runs. */
  readonly onProgress?: (progress: Progress) => void;
  readonly progressEveryMs?: number;
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
  /** For `not-applicable`: why the bounds rule the witness out. */
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
}

/** The `ok` verdict: no `always` property failed and every `sometimes` was witnessed. */
export function verdictOk(result: CheckResult): boolean {
  return result.properties.every(
    (p) => p.status === 'pass' || p.status === 'witnessed' || p.status === 'not-applicable',
  );
}

interface Found {
  id: number;
  /** For step properties: the action index taken from state `id`. */
  via?: number;
}

export function check(options: CheckOptions): CheckResult {
  const { config, bounds } = options;
  const strategy = options.strategy ?? 'bfs';
  const seed = options.seed ?? 1;
  const maxStates = options.maxStates ?? Number.POSITIVE_INFINITY;
  const symmetry = options.symmetry ?? false;
  const stopOnViolation = options.stopOnViolation ?? true;
  const properties = options.properties ?? PROPERTIES;
  const stateProps = properties.filter((p): p is StateProperty => p.scope === 'state' && p.kind === 'always');
  const stepProps = properties.filter((p): p is StepProperty => p.scope === 'step');
  const witnesses = properties.filter(
    (p): p is StateProperty => p.scope === 'state' && p.kind === 'sometimes',
  );
  const found = new Map<Property, Found>();

  const encoder = new StateEncoder(config);
  // Per server, a string the explorer recomputes only for the server a step changed: with
  // symmetry its signature (the id-free part, which orders the servers), without it its
  // whole part of the key.
  const perNode = symmetry
    ? (node: NodeState) => encoder.signature(node)
    : (node: NodeState) => encoder.nodePart(node);
  const perNodeAll = symmetry
    ? (state: ClusterState) => encoder.signatures(state)
    : (state: ClusterState) => encoder.nodeParts(state);
  const key = symmetry
    ? (s: ClusterState, sigs: readonly string[]) => encoder.canonical(s, sigs)
    : (s: ClusterState, sigs: readonly string[]) => encoder.encodeFromParts(s, sigs);
  // Visited encodings. BFS and DFS need no id per encoding (the frontier carries ids), so a
  // set is enough and one insertion answers "was it new?": 64-bit fingerprints by default,
  // the keys themselves with `exact`. A random walk that revisits a state continues from
  // its recorded id, so it needs the Map.
  const needIds = strategy === 'random';
  const exact = needIds || (options.exact ?? false);
  const seen = new Set<string>();
  const fingerprints = new FingerprintSet();
  const fingerprint = new Fingerprint();
  const ids = new Map<string, number>();
  // Per state id, in typed arrays outside the JavaScript heap.
  const parent = new IntColumn();
  const actionIndex = new IntColumn();
  const depthOf = new IntColumn();
  const heapLimit = getHeapStatistics().heap_size_limit * (options.maxHeapFraction ?? 0.85);
  const memoryLimit = totalmem() * (options.maxMemoryFraction ?? 0.8);
  let outOfMemory = false;
  let generated = 0;
  let maxDepth = 0;
  let violated = false;
  const start = performance.now();
  const progressEvery = options.progressEveryMs ?? 2000;
  let nextProgress = start + progressEvery;

  /** Check a new state's properties; returns false when the run must stop. */
  const checkState = (state: ClusterState, id: number) => {
    for (const p of stateProps) {
      if (!found.has(p) && !p.holds(config, state)) {
        found.set(p, { id });
        violated = true;
      }
    }
    for (const p of witnesses) {
      if (!found.has(p) && p.holds(config, state)) found.set(p, { id });
    }
  };

  /**
   * Record a state if new; returns its id, or -1 when it was seen before. With
   * fingerprints the key string is not built: the encoder hashes the state as it writes it.
   */
  const visit = (state: ClusterState, sigs: readonly string[], from: number, index: number): number => {
    const id = parent.length;
    if (!exact) {
      if (symmetry) encoder.canonicalFingerprint(state, sigs, fingerprint);
      else encoder.fingerprintFromParts(state, sigs, fingerprint);
      if (!fingerprints.addFingerprint(fingerprint.high, fingerprint.low)) return -1;
    } else if (needIds) {
      const k = key(state, sigs);
      if (ids.has(k)) return -1;
      ids.set(k, id);
    } else {
      const size = seen.size;
      seen.add(key(state, sigs));
      if (seen.size === size) return -1;
    }
    return admit(state, from, index);
  };

  /** Give a state found new its id: parent, action index, depth; check its properties. */
  const admit = (state: ClusterState, from: number, index: number): number => {
    const id = parent.length;
    parent.push(from);
    actionIndex.push(index);
    const depth = from < 0 ? 0 : depthOf.get(from) + 1;
    depthOf.push(depth);
    if (depth > maxDepth) maxDepth = depth;
    checkState(state, id);
    return id;
  };

  // How a server steps, and the key part (or signature) of a stepped server: BFS sets
  // remembering versions (node-steps.ts).
  let stepNode: NodeStepper | undefined;
  let steppedSig = perNode;

  /** The successors of a state within bounds, with their action indexes; checks step properties. */
  const successors = (
    state: ClusterState,
    sigs: readonly string[],
    id: number,
    each: (next: ClusterState, nextSigs: readonly string[], index: number, stepped: number) => void,
  ) => {
    const actions = enabledActions(config, state, bounds);
    for (let index = 0; index < actions.length; index++) {
      const result = applyAction(config, state, actions[index], stepNode);
      if (!withinBounds(result.state, bounds)) continue;
      generated++;
      let nextSigs = sigs;
      let stepped = -1;
      if (result.stepped >= 0 && state.nodes[result.stepped] !== result.state.nodes[result.stepped]) {
        stepped = result.stepped;
        const before = state.nodes[result.stepped];
        const after = result.state.nodes[result.stepped];
        const sig = steppedSig(after);
        if (sig !== sigs[result.stepped]) {
          const changed = sigs.slice();
          changed[result.stepped] = sig;
          nextSigs = changed;
        }
        for (const p of stepProps) {
          if (!found.has(p) && !p.holds(before, after)) {
            found.set(p, { id, via: index });
            violated = true;
          }
        }
      }
      each(result.state, nextSigs, index, stepped);
    }
  };

  const deadline =
    options.maxSeconds === undefined ? Number.POSITIVE_INFINITY : start + options.maxSeconds * 1000;
  let outOfTime = false;
  let sinceClock = 0;
  let sinceHeap = 0;
  const shouldStop = () => {
    if ((violated && stopOnViolation) || parent.length >= maxStates || outOfTime || outOfMemory) return true;
    if (++sinceClock >= 256) {
      sinceClock = 0;
      outOfTime = performance.now() > deadline;
      if (++sinceHeap >= 64) {
        sinceHeap = 0;
        outOfMemory =
          getHeapStatistics().used_heap_size > heapLimit || process.memoryUsage.rss() > memoryLimit;
      }
    }
    return outOfTime || outOfMemory;
  };

  const report = (queued: number) => {
    if (!options.onProgress) return;
    const now = performance.now();
    if (now < nextProgress) return;
    nextProgress = now + progressEvery;
    options.onProgress({
      distinct: parent.length,
      generated,
      depth: maxDepth,
      queued,
      seconds: (now - start) / 1000,
    });
  };

  const initial = initialClusterState(config);
  const initialSigs = perNodeAll(initial);
  // Without symmetry, and with fingerprints, BFS fingerprints a state by its record in the
  // queue (its parts' numbers: servers, history, messages), the initial state too.
  // Numbering is by content, so equal states have equal records and distinct ones distinct
  // records, and most numbers are the parent's. With symmetry or `--exact` the visited set
  // needs the (canonical) encoding, and the record is made only for a new state.
  const byRecord = strategy === 'bfs' && !symmetry && !exact;
  if (!byRecord) visit(initial, initialSigs, -1, -1);
  let exhausted = false;

  if (strategy === 'bfs') {
    // The frontier keeps states as numbers of their distinct parts (state-queue.ts): far
    // less memory and garbage collection than state objects, and no key to build or parse.
    // Paths replay by index only from the state actually reached, so with symmetry the
    // frontier keeps that state, not its canonical renaming.
    const parts = new StateParts();
    const queue = new StateQueue(parts, config.nodes.length);
    const memo = new NodeStepMemo(config.machine);
    stepNode = memo.step;
    steppedSig = (node) => memo.keyOf(node, perNode);
    const numberNode = (position: number, node: NodeState, sig: string) =>
      parts.node(position, symmetry ? encoder.nodePart(node) : sig, node);
    /** A successor's server numbers: its parent's, but for the server that stepped (a state
     * the memo returned, so its number is remembered per object). */
    const successorNumbers = (
      numbers: readonly number[],
      stepped: number,
      next: ClusterState,
      nextSigs: readonly string[],
    ): readonly number[] => {
      if (stepped < 0) return numbers;
      const node = next.nodes[stepped];
      const changed = numbers.slice();
      changed[stepped] = memo.numberOf(node, () => numberNode(stepped, node, nextSigs[stepped]));
      return changed;
    };
    /** The fingerprint of a state's record, into `fingerprint`. */
    const recordFingerprint = (nodes: readonly number[], history: number, messages: readonly number[]) => {
      fingerprint.reset();
      for (let i = 0; i < nodes.length; i++) fingerprint.pushWord(nodes[i]);
      fingerprint.pushWord(history);
      fingerprint.pushWord(messages.length);
      for (let k = 0; k < messages.length; k++) fingerprint.pushWord(messages[k]);
      fingerprint.finish();
    };
    /** byRecord: one expanded state's successors within bounds, in action order, with fingerprints. */
    const batch: {
      state: ClusterState;
      index: number;
      nodes: readonly number[];
      history: number;
      messages: readonly number[];
    }[] = [];
    let batchHighs = new Uint32Array(64);
    let batchLows = new Uint32Array(64);
    const initialNumbers = initial.nodes.map((node, i) => numberNode(i, node, initialSigs[i]));
    if (byRecord) {
      const history = parts.history(initial.history);
      const messages = queue.messageNumbers(initial.network);
      recordFingerprint(initialNumbers, history, messages);
      fingerprints.addFingerprint(fingerprint.high, fingerprint.low);
      queue.pushNumbers(admit(initial, -1, -1), initialNumbers, history, messages);
    } else queue.push(initial, initialNumbers, 0);
    const signatureOf = (at: number) => parts.signatureOf(at, (node) => encoder.signature(node));
    let expansions = 0;
    while (!shouldStop()) {
      const item = queue.shift();
      if (item === undefined) {
        exhausted = true;
        break;
      }
      const { state, id, nodes: numbers } = item;
      const sigs = symmetry ? numbers.map(signatureOf) : numbers.map((at) => parts.nodeKeyOf(at));
      batch.length = 0;
      successors(state, sigs, id, (next, nextSigs, index, stepped) => {
        if (byRecord) {
          // Fingerprint now, look up after the whole batch (FingerprintSet.touch).
          const nextNumbers = successorNumbers(numbers, stepped, next, nextSigs);
          const history = parts.history(next.history);
          const messages = queue.messageNumbers(next.network, item);
          recordFingerprint(nextNumbers, history, messages);
          const at = batch.length;
          if (at === batchHighs.length) {
            batchHighs = growInts(batchHighs);
            batchLows = growInts(batchLows);
          }
          batchHighs[at] = fingerprint.high;
          batchLows[at] = fingerprint.low;
          batch.push({ state: next, index, nodes: nextNumbers, history, messages });
          return;
        }
        if (shouldStop()) return;
        const nextId = visit(next, nextSigs, id, index);
        if (nextId >= 0) queue.push(next, successorNumbers(numbers, stepped, next, nextSigs), nextId, item);
      });
      if (batch.length > 0) {
        fingerprints.touch(batchHighs, batchLows, batch.length);
        for (let b = 0; b < batch.length && !shouldStop(); b++) {
          if (!fingerprints.addFingerprint(batchHighs[b], batchLows[b])) continue;
          const found = batch[b];
          queue.pushNumbers(admit(found.state, id, found.index), found.nodes, found.history, found.messages);
        }
      }
      if ((++expansions & 255) === 0) report(queue.length);
    }
  } else if (strategy === 'dfs') {
    // A stack of states, which stays small (one path's worth of siblings).
    const stack: { state: ClusterState; sigs: readonly string[]; id: number }[] = [
      { state: initial, sigs: initialSigs, id: 0 },
    ];
    let expansions = 0;
    while (!shouldStop()) {
      const item = stack.pop();
      if (item === undefined) {
        exhausted = true;
        break;
      }
      const { state, sigs, id } = item;
      const freshStart = stack.length;
      successors(state, sigs, id, (next, nextSigs, index) => {
        if (shouldStop()) return;
        const nextId = visit(next, nextSigs, id, index);
        if (nextId >= 0) stack.push({ state: next, sigs: nextSigs, id: nextId });
      });
      // Reverse the states just pushed, so the first enabled action is explored first.
      for (let i = freshStart, j = stack.length - 1; i < j; i++, j--)
        [stack[i], stack[j]] = [stack[j], stack[i]];
      if ((++expansions & 255) === 0) report(stack.length);
    }
  } else {
    const random = new Random(seed);
    const walkDepth = options.walkDepth ?? 64;
    const maxSteps = Number.isFinite(maxStates) ? maxStates * 20 : 2_000_000;
    let steps = 0;
    // The state first recorded under each id, in id order.
    const recorded: ClusterState[] = [initial];
    const recordedSigs: (readonly string[])[] = [initialSigs];
    while (!shouldStop() && steps < maxSteps) {
      let state = initial;
      let sigs: readonly string[] = initialSigs;
      let id = 0;
      for (let d = 0; d < walkDepth && !shouldStop(); d++) {
        const options: { next: ClusterState; sigs: readonly string[]; index: number }[] = [];
        successors(state, sigs, id, (next, nextSigs, index) => options.push({ next, sigs: nextSigs, index }));
        if (options.length === 0) break;
        const choice = options[random.below(options.length)];
        steps++;
        const nextId = visit(choice.next, choice.sigs, id, choice.index);
        if (nextId >= 0) {
          recorded.push(choice.next);
          recordedSigs.push(choice.sigs);
          id = nextId;
        } else {
          // A revisited state: continue from the state as first recorded (with symmetry it
          // may be another renaming of this one), so that paths replay by index.
          id = ids.get(key(choice.next, choice.sigs)) as number;
        }
        state = recorded[id];
        sigs = recordedSigs[id];
        if ((steps & 1023) === 0) report(0);
      }
    }
  }

  const pathTo = (f: Found): Path => {
    const indexes: number[] = [];
    if (f.via !== undefined) indexes.push(f.via);
    for (let id = f.id; parent.get(id) >= 0; id = parent.get(id)) indexes.push(actionIndex.get(id));
    indexes.reverse();
    return pathFromIndexes(config, bounds, indexes);
  };

  const results: PropertyResult[] = properties.map((property) => {
    const f = found.get(property);
    if (property.kind === 'always') {
      return f ? { property, status: 'fail', path: pathTo(f) } : { property, status: 'pass' };
    }
    if (f) return { property, status: 'witnessed', path: pathTo(f) };
    const reason = property.scope === 'state' ? property.impossible?.(config, bounds) : undefined;
    return reason ? { property, status: 'not-applicable', reason } : { property, status: 'unwitnessed' };
  });

  const stoppedBy: StopReason =
    violated && stopOnViolation
      ? 'violation'
      : exhausted
        ? 'exhausted'
        : outOfTime
          ? 'time'
          : outOfMemory
            ? 'memory'
            : 'max-states';
  return {
    strategy,
    seed,
    symmetry,
    exact,
    collisionBound: exact ? 0 : collisionBound(parent.length),
    distinct: parent.length,
    generated,
    depth: maxDepth,
    seconds: (performance.now() - start) / 1000,
    stoppedBy,
    properties: results,
  };
}

function growInts(ints: Uint32Array<ArrayBuffer>): Uint32Array<ArrayBuffer> {
  const bigger = new Uint32Array(ints.length * 2);
  bigger.set(ints);
  return bigger;
}

/**
 * For the scenario generator: the shortest path (by BFS) from the initial state to a state
 * satisfying `goal`, within bounds; null when no such state is reachable within them.
 * `goal` also sees the step that reached the state (null for the initial state).
 */
export function findShortestPath(
  config: ClusterConfig,
  bounds: ClusterBounds,
  goal: (state: ClusterState, step: { from: ClusterState; action: ClusterAction } | null) => boolean,
  options: { symmetry?: boolean; maxStates?: number } = {},
): Path | null {
  const encoder = new StateEncoder(config);
  const key = options.symmetry
    ? (s: ClusterState) => encoder.canonical(s)
    : (s: ClusterState) => encoder.encode(s);
  const maxStates = options.maxStates ?? 1_000_000;
  const initial = initialClusterState(config);
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
          return pathFromIndexes(config, bounds, [...indexes, index]);
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
