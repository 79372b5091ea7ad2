import { applyAction, enabledActions, withinBounds } from '../../models/cluster/actions.ts';
import type { ClusterState } from '../../models/cluster/state.ts';
import { initialClusterState } from '../../models/cluster/state.ts';
import {
  PROPERTIES,
  type Property,
  type StateProperty,
  type StepProperty,
} from '../../models/properties/index.ts';
import type { IsNew } from './bfs.ts';
import {
  type CheckOptions,
  type CheckResult,
  fingerprintIsNew,
  pathToLocal,
  propertyResults,
  resultOf,
  searchSettings,
} from './checker.ts';
import { FingerprintSet } from './fingerprints.ts';
import { type Path, pathFromIndexes } from './path.ts';
import { Random } from './random.ts';
import { type Found, Search } from './search.ts';

/**
 * Swarm verification (Holzmann, Joshi and Groce, "Swarm Verification Techniques", 2011) for
 * bounds no machine can exhaust: many small, independent, diversified searches instead of
 * one exhaustive one. Member k of the swarm is a seeded random walk or a bounded
 * depth-first search exploring each state's successors in a seeded random order (its kind,
 * seed and depth limit drawn from the run's seed and k), each with its own state budget and
 * visited set. `--shard i/n` runs members
 * i, i + n, i + 2n, … until its time is up, so n processes (a CI matrix, a Kubernetes
 * Indexed Job) run disjoint members, and `raftkit check --merge` joins their results.
 *
 * What a swarm finds is real (every counterexample replays); what it does not find proves
 * nothing: its PASS means "no violation among the states it visited".
 */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

export interface SwarmOptions extends CheckOptions {
  readonly shard: Shard;
  /** Most distinct states one member visits (default 200,000). */
  readonly memberStates?: number;
  /** Most seconds one member runs (default 10). */
  readonly memberSeconds?: number;
}

/** What a swarm shard did besides the verdicts. */
export interface SwarmReport {
  readonly shard: Shard;
  readonly members: number;
  /** Model items covered: server steps as `role input → role'`, sorted. */
  readonly coverage: readonly string[];
}

export type SwarmResult = CheckResult & { readonly swarm: SwarmReport };

const DEPTH_LIMITS = [40, 48, 64, 80, 96, 128];

/** One member's plan: derived from the seed and its number only, so a shard's run is reproducible. */
export interface MemberPlan {
  readonly member: number;
  readonly kind: 'walk' | 'dfs';
  readonly depthLimit: number;
  readonly seed: number;
}

export function memberPlan(seed: number, member: number): MemberPlan {
  const mixed = new Random((seed ^ Math.imul(member + 1, 0x9e3779b1)) >>> 0).nextUint32();
  return {
    member,
    kind: (mixed & 1) === 0 ? 'walk' : 'dfs',
    depthLimit: DEPTH_LIMITS[(mixed >>> 1) % DEPTH_LIMITS.length],
    seed: mixed,
  };
}

export function swarm(options: SwarmOptions): SwarmResult {
  const start = performance.now();
  const deadline =
    options.maxSeconds === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.maxSeconds * 1000;
  const tally = new Tally(options);
  let member = options.shard.index;
  for (; Date.now() < deadline && !tally.mustStop(); member += options.shard.count) {
    const plan = memberPlan(options.seed ?? 1, member);
    tally.add(runMember(options, plan, deadline, tally.coverage));
    if (options.maxSeconds === undefined && member >= options.shard.index + 64 * options.shard.count) break;
  }
  const members = (member - options.shard.index) / options.shard.count;
  return tally.result(options, (performance.now() - start) / 1000, deadline, members);
}

interface MemberOutcome {
  readonly search: Search;
  readonly paths: Map<Property, { found: Found; path: Path }>;
}

function runMember(
  options: SwarmOptions,
  plan: MemberPlan,
  deadline: number,
  coverage: Set<string>,
): MemberOutcome {
  const memberDeadline = Math.min(deadline, Date.now() + (options.memberSeconds ?? 10) * 1000);
  const search = new Search({
    ...searchSettings(options),
    maxStates: options.memberStates ?? 200_000,
    deadline: memberDeadline,
  });
  search.coverage = coverage;
  const random = new Random(plan.seed);
  if (plan.kind === 'walk') return new Walks(search, random, plan.depthLimit).run();
  boundedDepthFirst(search, random, plan.depthLimit);
  const paths = new Map<Property, { found: Found; path: Path }>();
  for (const [property, found] of search.found) {
    paths.set(property, { found, path: pathToLocal(search, found) });
  }
  return { search, paths };
}

/**
 * Random walks that take one random enabled action a step (not every successor, as
 * `random-walk.ts` does to replay by state id): a path is the walk's own action indexes.
 * States are counted as distinct by fingerprint; properties are checked on every state and
 * step the walk takes.
 */
class Walks {
  private readonly paths = new Map<Property, { found: Found; path: Path }>();
  private readonly isNew: IsNew;
  private readonly stateProps: readonly StateProperty[];
  private readonly stepProps: readonly StepProperty[];

  constructor(
    private readonly search: Search,
    private readonly random: Random,
    private readonly depthLimit: number,
  ) {
    this.isNew = fingerprintIsNew(search, new FingerprintSet(12));
    this.stateProps = search.properties.filter((p): p is StateProperty => p.scope === 'state');
    this.stepProps = search.properties.filter((p): p is StepProperty => p.scope === 'step');
  }

  run(): MemberOutcome {
    while (!this.search.shouldStop()) this.walk();
    return { search: this.search, paths: this.paths };
  }

  private walk(): void {
    let state = initialClusterState(this.search.config);
    const indexes: number[] = [];
    this.visit(state, indexes);
    for (let d = 0; d < this.depthLimit && !this.search.shouldStop(); d++) {
      const step = this.randomStep(state);
      if (step === null) return;
      indexes.push(step.index);
      if (step.stepped >= 0) this.checkStep(state, step.state, step.stepped, indexes);
      state = step.state;
      this.visit(state, indexes);
    }
  }

  /** A random enabled action that stays within bounds, or null at a dead end. */
  private randomStep(state: ClusterState): { state: ClusterState; index: number; stepped: number } | null {
    const { config, bounds } = this.search;
    const actions = enabledActions(config, state, bounds);
    const order = actions.map((_, i) => i);
    for (let left = order.length; left > 0; left--) {
      const pick = this.random.below(left);
      const index = order[pick];
      order[pick] = order[left - 1];
      const result = applyAction(config, state, actions[index]);
      this.search.generated++;
      if (!withinBounds(result.state, bounds)) continue;
      const i = result.stepped;
      if (i >= 0) this.search.cover(state.nodes[i], result.state.nodes[i], actions[index]);
      return { state: result.state, index, stepped: i };
    }
    return null;
  }

  private visit(state: ClusterState, indexes: readonly number[]): void {
    if (this.isNew(state, this.search.perNodeAll(state))) this.search.admit(state, -1, -1, indexes.length);
    for (const p of this.stateProps) {
      if (p.holds(this.search.config, state) === (p.kind === 'sometimes')) this.record(p, indexes);
    }
  }

  private checkStep(
    before: ClusterState,
    after: ClusterState,
    stepped: number,
    indexes: readonly number[],
  ): void {
    for (const p of this.stepProps) {
      if (!p.holds(before.nodes[stepped], after.nodes[stepped])) this.record(p, indexes);
    }
  }

  /** Keep the shortest path found to a violation or witness of `p`. */
  private record(p: Property, indexes: readonly number[]): void {
    const best = this.paths.get(p);
    if (best !== undefined && best.path.indexes.length <= indexes.length) return;
    const path = pathFromIndexes(this.search.config, this.search.bounds, indexes);
    this.paths.set(p, { found: { id: -1, length: indexes.length }, path });
    if (p.kind === 'always') this.search.violated = true;
  }
}

/** Depth-first to `depthLimit`, each state's successors in a random order. */
function boundedDepthFirst(search: Search, random: Random, depthLimit: number): void {
  const isNew = fingerprintIsNew(search, new FingerprintSet(12));
  const initial = initialClusterState(search.config);
  const sigs = search.perNodeAll(initial);
  if (!isNew(initial, sigs)) return;
  const stack: { state: ClusterState; sigs: readonly string[]; id: number; depth: number }[] = [
    { state: initial, sigs, id: search.admit(initial, -1, -1, 0), depth: 0 },
  ];
  while (!search.shouldStop()) {
    const item = stack.pop();
    if (item === undefined) return;
    if (item.depth >= depthLimit) continue;
    const fresh: typeof stack = [];
    search.successors(item.state, item.sigs, item.id, item.depth, (next, nextSigs, index) => {
      if (search.shouldStop() || !isNew(next, nextSigs)) return;
      const id = search.admit(next, item.id, index, item.depth + 1);
      fresh.push({ state: next, sigs: nextSigs, id, depth: item.depth + 1 });
    });
    shuffle(fresh, random);
    for (const f of fresh) stack.push(f);
  }
}

function shuffle<T>(items: T[], random: Random): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.below(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
}

/** The shard's totals over its members: counts, and per property the shortest path found. */
class Tally {
  readonly coverage = new Set<string>();
  private readonly best = new Map<Property, { found: Found; path: Path }>();
  private distinct = 0;
  private generated = 0;
  private depth = 0;
  private violated = false;
  private outOfMemory = false;

  constructor(private readonly options: SwarmOptions) {}

  add(outcome: MemberOutcome): void {
    const s = outcome.search;
    this.distinct += s.count;
    this.generated += s.generated;
    this.depth = Math.max(this.depth, s.maxDepth);
    this.violated ||= s.violated;
    this.outOfMemory ||= s.outOfMemory;
    for (const [property, found] of outcome.paths) {
      const best = this.best.get(property);
      if (best === undefined || found.path.actions.length < best.path.actions.length)
        this.best.set(property, found);
    }
  }

  mustStop(): boolean {
    return (this.violated && (this.options.stopOnViolation ?? true)) || this.outOfMemory;
  }

  result(options: SwarmOptions, seconds: number, deadline: number, members: number): SwarmResult {
    const found = new Map([...this.best].map(([p, b]) => [p, b.found]));
    const properties = propertyResults(
      { properties: options.properties ?? PROPERTIES, found, config: options.config, bounds: options.bounds },
      (f) => [...this.best.values()].find((b) => b.found === f)?.path as Path,
    );
    const stoppedBy = this.mustStop()
      ? this.violated && (options.stopOnViolation ?? true)
        ? 'violation'
        : 'memory'
      : Date.now() >= deadline
        ? 'time'
        : 'max-states';
    const result = resultOf({
      strategy: 'swarm',
      seed: options.seed ?? 1,
      symmetry: options.symmetry ?? false,
      exact: false,
      distinct: this.distinct,
      generated: this.generated,
      depth: this.depth,
      seconds,
      stoppedBy,
      properties,
      workers: 1,
      memory: { perVisited: 0, perFrontier: 0, peakFrontier: 0 },
    });
    return { ...result, swarm: { shard: options.shard, members, coverage: [...this.coverage].sort() } };
  }
}
