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
import type { ClusterState } from '../../models/cluster/state.ts';
import type { NodeState } from '../../models/node/compiled.ts';
import {
  PROPERTIES,
  type Property,
  type StateProperty,
  type StepProperty,
} from '../../models/properties/index.ts';
import { StateEncoder } from './encode.ts';
import { IntColumn } from './fingerprints.ts';

/**
 * What one search (one thread's share of it) keeps whatever its strategy: the properties
 * to check and what was found, the per-state columns (parent, action index, depth), the
 * counters and the reasons to stop. The strategies (`bfs.ts`, `dfs.ts`, `random-walk.ts`)
 * decide only the order in which states are expanded.
 */

/** Where a property was found violated (or witnessed): a state, or a step from it. */
export interface Found {
  /** The state's id. */
  id: number;
  /** For step properties: the action index taken from state `id`. */
  via?: number;
  /** Length of the path to it (a step property's counts the step). */
  length: number;
}

/** A successor: the state, its per-server strings, its action index, the server stepped (or -1). */
export type Visitor = (
  next: ClusterState,
  nextSigs: readonly string[],
  index: number,
  stepped: number,
) => void;

export interface SearchSettings {
  readonly config: ClusterConfig;
  readonly bounds: ClusterBounds;
  readonly symmetry: boolean;
  readonly stopOnViolation: boolean;
  readonly maxStates: number;
  /** Absolute time (Date.now()) after which the search stops. */
  readonly deadline: number;
  readonly properties?: readonly Property[];
  readonly maxHeapFraction?: number;
  readonly maxMemoryFraction?: number;
  /** Parallel search: ids are `local * stride + offset` (one residue per worker). */
  readonly stride?: number;
  readonly offset?: number;
}

export class Search {
  readonly config: ClusterConfig;
  readonly bounds: ClusterBounds;
  readonly symmetry: boolean;
  readonly stopOnViolation: boolean;
  readonly properties: readonly Property[];
  readonly found = new Map<Property, Found>();
  readonly encoder: StateEncoder;
  /** Per state id (local index), in typed arrays outside the JavaScript heap. */
  readonly parent = new IntColumn();
  readonly actionIndex = new IntColumn();
  readonly depthOf = new IntColumn();
  generated = 0;
  maxDepth = 0;
  violated = false;
  outOfTime = false;
  outOfMemory = false;
  /** Set by a parallel search when another worker stopped the run. */
  stopRequested = false;
  /** Whether `shouldStop` has said yes. */
  stopped = false;
  /** How a server steps (BFS sets a remembering one, node-steps.ts). */
  stepNode: NodeStepper | undefined;
  /**
   * Per server, a string recomputed only for the server a step changed: with symmetry its
   * signature (the id-free part, which orders the servers), without it its part of the key.
   */
  readonly perNode: (node: NodeState) => string;
  /**
   * When set (swarm runs), every server step taken is added as a model item:
   * `role input → role'`, a delivery named by its message type.
   */
  coverage: Set<string> | undefined;
  /** The per-server string of a stepped server (BFS: remembered per server object). */
  steppedSig: (node: NodeState) => string;
  private readonly stateProps: readonly StateProperty[];
  private readonly stepProps: readonly StepProperty[];
  private readonly witnesses: readonly StateProperty[];
  private readonly maxStates: number;
  private readonly deadline: number;
  private readonly heapLimit: number;
  private readonly memoryLimit: number;
  private readonly stride: number;
  private readonly offset: number;
  private sinceClock = 0;
  private sinceHeap = 0;

  constructor(s: SearchSettings) {
    this.config = s.config;
    this.bounds = s.bounds;
    this.symmetry = s.symmetry;
    this.stopOnViolation = s.stopOnViolation;
    this.maxStates = s.maxStates;
    this.deadline = s.deadline;
    this.properties = s.properties ?? PROPERTIES;
    this.stateProps = this.properties.filter(
      (p): p is StateProperty => p.scope === 'state' && p.kind === 'always',
    );
    this.stepProps = this.properties.filter((p): p is StepProperty => p.scope === 'step');
    this.witnesses = this.properties.filter(
      (p): p is StateProperty => p.scope === 'state' && p.kind === 'sometimes',
    );
    this.encoder = new StateEncoder(s.config);
    const encoder = this.encoder;
    this.perNode = s.symmetry ? (node) => encoder.signature(node) : (node) => encoder.nodePart(node);
    this.steppedSig = this.perNode;
    this.heapLimit = getHeapStatistics().heap_size_limit * (s.maxHeapFraction ?? 0.85);
    this.memoryLimit = totalmem() * (s.maxMemoryFraction ?? 0.8);
    this.stride = s.stride ?? 1;
    this.offset = s.offset ?? 0;
  }

  /** States admitted by this search. */
  get count(): number {
    return this.parent.length;
  }

  perNodeAll(state: ClusterState): string[] {
    return this.symmetry ? this.encoder.signatures(state) : this.encoder.nodeParts(state);
  }

  /** The visited-set key of a state (with `exact`, or for random walks). */
  key(state: ClusterState, sigs: readonly string[]): string {
    return this.symmetry ? this.encoder.canonical(state, sigs) : this.encoder.encodeFromParts(state, sigs);
  }

  /** The id of the state admitted `local`-th by this search. */
  idOf(local: number): number {
    return local * this.stride + this.offset;
  }

  /** Give a state found new its id, parent, action index and depth; check its properties. */
  admit(state: ClusterState, from: number, index: number, depth: number): number {
    const id = this.idOf(this.parent.length);
    this.parent.push(from);
    this.actionIndex.push(index);
    this.depthOf.push(depth);
    if (depth > this.maxDepth) this.maxDepth = depth;
    this.checkState(state, id, depth);
    return id;
  }

  /** The depth of a state this search admitted (by id) plus one: its successors' depth. */
  depthAfter(from: number): number {
    return from < 0 ? 0 : this.depthOf.get((from - this.offset) / this.stride) + 1;
  }

  private checkState(state: ClusterState, id: number, depth: number): void {
    for (const p of this.stateProps) {
      if (!this.found.has(p) && !p.holds(this.config, state)) {
        this.found.set(p, { id, length: depth });
        this.violated = true;
      }
    }
    for (const p of this.witnesses) {
      if (!this.found.has(p) && p.holds(this.config, state)) this.found.set(p, { id, length: depth });
    }
  }

  /** The successors of a state within bounds, in action order; checks the step properties. */
  successors(state: ClusterState, sigs: readonly string[], id: number, depth: number, each: Visitor): void {
    const actions = enabledActions(this.config, state, this.bounds);
    for (let index = 0; index < actions.length; index++) {
      const result = applyAction(this.config, state, actions[index], this.stepNode);
      if (!withinBounds(result.state, this.bounds)) continue;
      this.generated++;
      const i = result.stepped;
      if (i < 0 || state.nodes[i] === result.state.nodes[i]) {
        each(result.state, sigs, index, -1);
        continue;
      }
      this.checkStep(state.nodes[i], result.state.nodes[i], id, index, depth + 1);
      if (this.coverage !== undefined) this.cover(state.nodes[i], result.state.nodes[i], actions[index]);
      each(result.state, this.sigsAfter(sigs, i, result.state.nodes[i]), index, i);
    }
  }

  /** Add a server step to `coverage` (when kept). */
  cover(before: NodeState, after: NodeState, action: ClusterAction): void {
    const input = action.type === 'Deliver' ? `receives ${action.message.type}` : action.type;
    this.coverage?.add(`${before.role} ${input} → ${after.role}`);
  }

  private sigsAfter(sigs: readonly string[], stepped: number, after: NodeState): readonly string[] {
    const sig = this.steppedSig(after);
    if (sig === sigs[stepped]) return sigs;
    const changed = sigs.slice();
    changed[stepped] = sig;
    return changed;
  }

  private checkStep(before: NodeState, after: NodeState, id: number, via: number, length: number): void {
    for (const p of this.stepProps) {
      if (!this.found.has(p) && !p.holds(before, after)) {
        this.found.set(p, { id, via, length });
        this.violated = true;
      }
    }
  }

  /** Whether the search must stop: a violation, a bound on states, time or memory. */
  shouldStop(): boolean {
    this.stopped = this.mustStop();
    return this.stopped;
  }

  private mustStop(): boolean {
    if ((this.violated && this.stopOnViolation) || this.stopRequested) return true;
    if (this.parent.length >= this.maxStates || this.outOfTime || this.outOfMemory) return true;
    if (++this.sinceClock >= 256) {
      this.sinceClock = 0;
      this.outOfTime = Date.now() > this.deadline;
      if (++this.sinceHeap >= 64) {
        this.sinceHeap = 0;
        this.outOfMemory = this.nearMemoryLimit();
      }
    }
    return this.outOfTime || this.outOfMemory;
  }

  private nearMemoryLimit(): boolean {
    return (
      getHeapStatistics().used_heap_size > this.heapLimit || process.memoryUsage.rss() > this.memoryLimit
    );
  }
}
