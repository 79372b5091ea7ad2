import { join } from 'node:path';
import type { Features, NodeId } from '../../models/index.ts';
import { type AdapterSpec, adapterFlags, createAdapter } from '../adapters/index.ts';
import type { AdapterHello, ClusterTiming, StepAdapter } from '../adapters/types.ts';
import { DEFAULT_TIMING, type ToleranceName } from '../conformance/index.ts';
import { Random } from '../explore/random.ts';
import { printScenario, writeFileAtomic } from '../scenario/index.ts';
import type { FuzzAction } from './actions.ts';
import { historyLines } from './history.ts';
import { type FuzzSetup, failureSignature, fuzzRun, type RunFailure, type RunOutcome } from './run.ts';
import { fuzzScenario, signatureSlug } from './scenario-out.ts';
import { shrinkRun } from './shrink.ts';

/**
 * A fuzz campaign: `runs` seeded runs (those of this shard: run r belongs to shard
 * (r mod n) + 1), on `jobs` adapters at once. Each run has its own seed, derived from the
 * campaign seed and its number, and its own choices, so a run is the same whichever shard
 * or job runs it, and shards merge into the unsharded result. The first failure of each
 * kind is shrunk and written as a scenario file under `out`.
 */

export interface CampaignOptions {
  readonly adapter: AdapterSpec;
  readonly hello: AdapterHello;
  readonly nodes: number;
  readonly runs: number;
  readonly depth: number;
  /** Actions per round (run.ts): chosen together, sent together; 1 when absent. */
  readonly batch?: number;
  /** The network may deliver an AppendEntries with a prefix of its entries (actions.ts); off when absent. */
  readonly shortAppends?: boolean;
  readonly seed: number;
  readonly shard: { readonly index: number; readonly count: number };
  readonly jobs: number;
  readonly oracles: FuzzSetup['oracles'];
  readonly features: Features;
  readonly ticks: boolean;
  readonly crashes: boolean;
  readonly tolerances: readonly ToleranceName[];
  readonly out?: string;
  /** Starts the names of scenario files written under `out` (e.g. the mutant's name). */
  readonly label?: string;
  /** Replays a shrink may take. */
  readonly shrinkReplays: number;
  /** Stop starting runs after the first failure (mutants --fuzz). */
  readonly stopAtFailure?: boolean;
  /** Stop starting runs at this time (performance.now() ms). */
  readonly deadline?: number;
  readonly timing?: ClusterTiming;
  /**
   * The discrepancy class of a failure (`--classes`: an adapter's classify.ts), or undefined.
   * With it, the first failure of each class is shrunk, and shrinking keeps the class.
   */
  readonly classOf?: (f: RunFailure) => string | undefined;
  readonly onRun?: (done: number, steps: number, failures: number) => void;
}

export interface ShrunkReport {
  readonly actions: number;
  readonly nodeSteps: number;
  readonly nodes: number;
  readonly replays: number;
  readonly history: readonly string[];
  readonly scenario?: string;
  readonly reproduce?: string;
}

export interface FailureReport extends RunFailure {
  readonly run: number;
  readonly seed: number;
  readonly signature: string;
  /** Its discrepancy class, with `--classes`; absent when none matches. */
  readonly discrepancyClass?: string;
  /** Node steps of the run up to the failure. */
  readonly nodeSteps: number;
  readonly history: readonly string[];
  readonly shrunk?: ShrunkReport;
}

export interface CampaignResult {
  readonly runsDone: number;
  readonly nodeSteps: number;
  readonly items: ReadonlySet<string>;
  readonly failures: readonly FailureReport[];
}

/**
 * Actions per round of `raftkit fuzz` unless `--batch` says otherwise: over stdio a round is
 * one write and one read instead of one per step, and on a small machine a write that
 * wakes the adapter costs more than judging the step.
 */
export const DEFAULT_BATCH = 8;

export function nodeNames(count: number): NodeId[] {
  return Array.from({ length: count }, (_, k) => `n${k + 1}`);
}

/** The seed of run r (0-based) of a campaign: the same in every shard. */
export function runSeed(seed: number, run: number): number {
  return new Random((seed ^ Math.imul(run + 1, 0x9e3779b1)) >>> 0).nextUint32() & 0x7fffffff;
}

export function shardRuns(runs: number, shard: CampaignOptions['shard']): number[] {
  const mine: number[] = [];
  for (let r = shard.index - 1; r < runs; r += shard.count) mine.push(r);
  return mine;
}

function setupOf(options: CampaignOptions): FuzzSetup {
  return {
    nodes: nodeNames(options.nodes),
    depth: options.depth,
    oracles: options.oracles,
    features: options.features,
    ticks: options.ticks,
    crashes: options.crashes,
    tolerances: new Set(options.tolerances),
    timing: options.timing ?? DEFAULT_TIMING,
    capacity: 8 * options.nodes,
    batch: options.batch ?? 1,
    shortAppends: options.shortAppends === true,
  };
}

/** One worker's adapter, replaced by a fresh one when a failure broke its process. */
class AdapterSlot {
  private adapter: StepAdapter | null = null;
  constructor(private readonly spec: AdapterSpec) {}

  async get(): Promise<StepAdapter> {
    if (this.adapter?.broken) await this.close();
    if (!this.adapter) {
      this.adapter = createAdapter(this.spec);
      await this.adapter.hello();
    }
    return this.adapter;
  }

  async close(): Promise<void> {
    await this.adapter?.close();
    this.adapter = null;
  }
}

export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const setup = setupOf(options);
  const queue = shardRuns(options.runs, options.shard);
  const outcomes: { run: number; outcome: RunOutcome }[] = [];
  const items = new Set<string>();
  let nodeSteps = 0;
  let failed = false;
  let next = 0;
  const worker = async () => {
    const slot = new AdapterSlot(options.adapter);
    try {
      while (next < queue.length && !(options.stopAtFailure && failed)) {
        if (options.deadline !== undefined && performance.now() > options.deadline) return;
        const run = queue[next++];
        const outcome = await fuzzRun(await slot.get(), setup, runSeed(options.seed, run));
        for (const item of outcome.items) items.add(item);
        nodeSteps += outcome.nodeSteps;
        if (outcome.failure) failed = true;
        outcomes.push({ run, outcome });
        options.onRun?.(outcomes.length, nodeSteps, outcomes.filter((o) => o.outcome.failure).length);
      }
    } finally {
      await slot.close();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.jobs) }, worker));
  outcomes.sort((a, b) => a.run - b.run);
  const failures = await reportFailures(options, setup, outcomes);
  return { runsDone: outcomes.length, nodeSteps, items, failures };
}

async function reportFailures(
  options: CampaignOptions,
  setup: FuzzSetup,
  outcomes: readonly { run: number; outcome: RunOutcome }[],
): Promise<FailureReport[]> {
  const reports: FailureReport[] = [];
  const shrunkKinds = new Set<string>();
  const slot = new AdapterSlot(options.adapter);
  try {
    for (const { run, outcome } of outcomes) {
      const failure = outcome.failure;
      if (!failure) continue;
      const signature = failureSignature(failure);
      const seed = runSeed(options.seed, run);
      const discrepancyClass = options.classOf?.(failure);
      const kind = kindOf(options)(failure);
      const first = !shrunkKinds.has(kind);
      shrunkKinds.add(kind);
      const shrunk = first ? await shrinkFailure(options, setup, slot, run, seed, outcome) : undefined;
      reports.push({
        ...failure,
        run: run + 1,
        seed,
        signature,
        ...(discrepancyClass ? { discrepancyClass } : {}),
        nodeSteps: outcome.nodeSteps,
        history: historyLines(outcome.taken),
        ...(shrunk ? { shrunk } : {}),
      });
    }
  } finally {
    await slot.close();
  }
  return reports;
}

/** A kind of failure: oracle and property, and with `--classes` the class (or none). */
function kindOf(options: CampaignOptions): (f: RunFailure) => string {
  const classOf = options.classOf;
  if (!classOf) return failureSignature;
  return (f) => `${failureSignature(f)} ${classOf(f) ?? '(unclassified)'}`;
}

async function shrinkFailure(
  options: CampaignOptions,
  setup: FuzzSetup,
  slot: AdapterSlot,
  run: number,
  seed: number,
  outcome: RunOutcome,
): Promise<ShrunkReport> {
  // A hang costs a whole step timeout per replay: shrink adapter failures with few replays.
  const budget =
    outcome.failure!.oracle === 'adapter' ? Math.min(20, options.shrinkReplays) : options.shrinkReplays;
  const replay = async (actions: readonly FuzzAction[], nodes?: readonly NodeId[]) =>
    fuzzRun(await slot.get(), nodes ? { ...setup, nodes } : setup, seed, actions);
  const shrunk = await shrinkRun(replay, outcome, setup.nodes, budget, kindOf(options));
  const taken = shrunk.outcome.taken;
  const report: ShrunkReport = {
    actions: shrunk.actions.length,
    nodeSteps: shrunk.outcome.nodeSteps,
    nodes: shrunk.nodes.length,
    replays: shrunk.replays,
    history: historyLines(taken),
  };
  if (!options.out) return report;
  const failure = shrunk.outcome.failure ?? outcome.failure!;
  const label = options.classOf?.(failure)?.split(' ')[0].toLowerCase();
  const name = `${options.label ? `${options.label}-` : ''}fuzz-seed${options.seed}-run${run + 1}-${signatureSlug(failureSignature(failure))}${label ? `-${label}` : ''}`;
  const file = join(options.out, `${name}.txt`);
  const scenario = fuzzScenario(taken, shrunk.nodes, setup.features, {
    name,
    seed: options.seed,
    run: run + 1,
    originalActions: outcome.taken.length,
    failure,
  });
  writeFileAtomic(file, printScenario(scenario));
  return {
    ...report,
    scenario: file,
    reproduce: `npx raftkit conform ${adapterFlags(options.adapter)} --scenarios ${file}`,
  };
}
