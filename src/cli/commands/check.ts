import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import {
  describeFeatures,
  type Features,
  makeFeatures,
  parseFeatureList,
  UnsupportedFeatureError,
  unmetRequirements,
} from '../../../models/features.ts';
import {
  applyAction,
  type ClusterActionType,
  type ClusterBounds,
  type ClusterConfig,
  type CompiledMachine,
  compileMutation,
  initialClusterState,
  MUTATION_NAMES,
  makeClusterConfig,
  mutationNamed,
} from '../../../models/index.ts';
import type { PropertyResult } from '../../explore/checker.ts';
import {
  type CheckOptions,
  type CheckResult,
  check,
  type Progress,
  STRATEGIES,
  type Strategy,
  verdictOk,
} from '../../explore/checker.ts';
import { CheckpointError } from '../../explore/checkpoint.ts';
import { MergeError, mergedLines, mergedOk, mergeResults, type ResultJson } from '../../explore/merge.ts';
import { ALONE_STATES, checkAuto } from '../../explore/parallel/auto.ts';
import { checkpointWorkers } from '../../explore/parallel/checkpoint.ts';
import { checkParallel } from '../../explore/parallel/coordinator.ts';
import {
  counterexampleJson,
  counterexampleLines,
  headerLines,
  type RunDescription,
  resultJson,
  summaryLines,
} from '../../explore/report.ts';
import { type Shard, type SwarmResult, swarm } from '../../explore/swarm.ts';
import { checkHtmlReport } from '../../report/check-html.ts';
import {
  printScenario,
  type Scenario,
  type Step,
  sameObservation,
  stepOfAction,
  withModelExpectations,
  writeFileAtomic,
} from '../../scenario/index.ts';
import { intInRange, UsageError } from '../errors.ts';
import { checkOutFile } from '../out.ts';

/**
 * `raftkit check`: model-check the Raft model. Explores every reachable state of a
 * cluster within bounds and checks the safety properties of Figure 3 and the per-server
 * invariants on each, plus `sometimes` witnesses that show the checks are not vacuous.
 */

/** The defaults: `npx raftkit check` exhausts this space in well under a minute. */
export const CHECK_DEFAULTS = {
  nodes: 3,
  maxTerm: 2,
  maxLog: 1,
  maxCopies: 1,
  maxInFlight: 3,
  crashes: 0,
  values: 1,
  seed: 1,
} as const;

interface CheckFlags {
  readonly nodes: string;
  readonly maxTerm: string;
  readonly maxLog: string;
  readonly maxCopies: string;
  readonly maxInFlight: string;
  readonly crashes: string;
  readonly values: string;
  readonly drop: boolean;
  readonly duplicate: boolean;
  readonly symmetry: boolean;
  readonly prevote?: boolean;
  readonly features?: string;
  readonly strategy: string;
  readonly seed: string;
  readonly maxStates?: string;
  readonly maxSeconds?: string;
  readonly exact?: boolean;
  readonly json?: boolean;
  readonly mutate?: string;
  readonly out?: string;
  readonly keepGoing?: boolean;
  readonly verbose?: boolean;
  readonly report?: string;
  readonly progress: boolean;
  readonly workers?: string;
  readonly checkpoint?: string;
  readonly checkpointEvery?: string;
  readonly resume?: string;
  readonly shard?: string;
  readonly merge?: string[];
}

export interface CheckSettings {
  readonly nodes: number;
  readonly maxTerm: number;
  readonly maxLog: number;
  readonly maxCopies: number;
  /** 0: no limit. */
  readonly maxInFlight: number;
  readonly crashes: number;
  readonly values: number;
  readonly drop: boolean;
  readonly duplicate: boolean;
  readonly symmetry: boolean;
  readonly preVote: boolean;
  /** Model switches besides PreVote (`--features`, models/features.ts); absent: all off. */
  readonly features?: Partial<Features>;
  readonly strategy: Strategy;
  readonly seed: number;
  readonly maxStates: number;
  /** Stop after this many seconds (infinite: no limit). */
  readonly maxSeconds?: number;
  /** Keep the visited states' keys instead of 64-bit fingerprints. */
  readonly exact?: boolean;
  readonly mutation: string | null;
  readonly keepGoing: boolean;
  /** Threads of a breadth-first search (default 1 here; the command's default is the core count). */
  readonly workers?: number;
  /** No `--workers` given: one thread while the run is small, then `workers` (parallel/auto.ts). */
  readonly autoWorkers?: boolean;
  /** Write a checkpoint there when the run stops short (and every `checkpointEvery` seconds). */
  readonly checkpoint?: string;
  readonly checkpointEvery?: number;
  /** Go on from the checkpoint there. */
  readonly resume?: string;
  /** Swarm: which members this process runs. */
  readonly shard?: Shard;
}

/** Validate the flags; a bad one throws a UsageError naming it and its allowed range. */
export function parseCheckFlags(flags: CheckFlags): CheckSettings {
  const strategy = flags.strategy as Strategy;
  if (!STRATEGIES.includes(strategy)) {
    throw new UsageError(`--strategy must be one of ${STRATEGIES.join(', ')}, got '${flags.strategy}'`);
  }
  if (flags.mutate !== undefined && !MUTATION_NAMES.includes(flags.mutate)) {
    throw new UsageError(`--mutate must be one of ${MUTATION_NAMES.join(', ')}, got '${flags.mutate}'`);
  }
  return {
    nodes: intInRange('--nodes', flags.nodes, 1, 7),
    maxTerm: intInRange('--max-term', flags.maxTerm, 0, 20),
    maxLog: intInRange('--max-log', flags.maxLog, 0, 20),
    maxCopies: intInRange('--max-copies', flags.maxCopies, 1, 9),
    maxInFlight: intInRange('--max-in-flight', flags.maxInFlight, 0, 100),
    crashes: intInRange('--crashes', flags.crashes, 0, 20),
    values: intInRange('--values', flags.values, 0, 9),
    drop: flags.drop,
    duplicate: flags.duplicate,
    symmetry: flags.symmetry,
    preVote: flags.prevote ?? false,
    features: featuresFlag(flags.features, flags.prevote ?? false),
    strategy,
    seed: intInRange('--seed', flags.seed, 0, 2 ** 32 - 1),
    maxStates:
      flags.maxStates === undefined
        ? Number.POSITIVE_INFINITY
        : intInRange('--max-states', flags.maxStates, 1, 1_000_000_000),
    maxSeconds:
      flags.maxSeconds === undefined
        ? Number.POSITIVE_INFINITY
        : intInRange('--max-seconds', flags.maxSeconds, 1, 7 * 24 * 3600),
    exact: flags.exact ?? false,
    mutation: flags.mutate ?? null,
    keepGoing: flags.keepGoing ?? false,
    workers: intInRange('--workers', flags.workers ?? String(availableParallelism()), 1, 256),
    autoWorkers: flags.workers === undefined,
    ...checkpointSettings(flags, strategy),
    shard: shardOf(flags.shard, strategy),
  };
}

/** `--shard i/n`: 0 ≤ i < n; swarm runs only. */
function shardOf(raw: string | undefined, strategy: Strategy): Shard | undefined {
  if (raw === undefined) return strategy === 'swarm' ? { index: 0, count: 1 } : undefined;
  if (strategy !== 'swarm') throw new UsageError('--shard needs --strategy swarm');
  const match = /^(\d+)\/(\d+)$/.exec(raw);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || count > 100_000 || index >= count) {
    throw new UsageError(`--shard must be i/n with 0 ≤ i < n ≤ 100000, got '${raw}'`);
  }
  return { index, count };
}

function checkpointSettings(flags: CheckFlags, strategy: Strategy): Partial<CheckSettings> {
  if (flags.checkpoint === undefined && flags.resume === undefined) return {};
  if (strategy !== 'bfs') throw new UsageError('--checkpoint and --resume need --strategy bfs');
  if (flags.exact) throw new UsageError('--checkpoint and --resume work with fingerprints, not --exact');
  return {
    checkpoint: flags.checkpoint,
    resume: flags.resume,
    checkpointEvery: intInRange('--checkpoint-every', flags.checkpointEvery ?? '600', 10, 7 * 24 * 3600),
  };
}

/** The space a run searches, in words: what a checkpoint must match to be resumed. */
export function spaceOf(s: CheckSettings): string {
  const plain = {
    ...s,
    strategy: 'bfs' as const,
    seed: 1,
    maxStates: Number.POSITIVE_INFINITY,
    shard: undefined,
  };
  return reproduceCommand({ ...plain, maxSeconds: undefined, keepGoing: false, exact: false });
}

/**
 * Threads the run will use: `--workers` for a breadth-first search with fingerprints; one
 * for dfs, random walks and `--exact` (their visited sets are not shared).
 */
export function workersOf(s: CheckSettings): number {
  const shared = s.strategy === 'bfs' && !s.exact;
  if (!shared) return 1;
  // A resume goes on with the workers that wrote the checkpoint, unless --workers says otherwise.
  if (s.autoWorkers === true && s.resume !== undefined) return checkpointWorkers(s.resume);
  return s.workers ?? 1;
}

/** Whether a run with the default workers begins on one thread (parallel/auto.ts). */
function startsAlone(s: CheckSettings): boolean {
  return s.autoWorkers === true && s.checkpoint === undefined && s.resume === undefined;
}

/**
 * `--features a,b=v`: the switches it names, checked against models/features.ts. A bad name or
 * value, or a switch that needs another one off (candidateRetry without PreVote), exits 2.
 */
function featuresFlag(list: string | undefined, preVote: boolean): Partial<Features> | undefined {
  if (list === undefined) return undefined;
  try {
    const features = parseFeatureList(list);
    const unmet = unmetRequirements(
      makeFeatures({ ...features, preVote: preVote || features.preVote === true }),
    );
    if (unmet.length > 0) throw new UsageError(`--features: ${unmet.join('; ')}`);
    return features;
  } catch (error) {
    if (error instanceof UnsupportedFeatureError) throw new UsageError(`--features: ${error.message}`);
    throw error;
  }
}

/** The command line that reproduces a run (every setting spelled out). */
export function reproduceCommand(s: CheckSettings): string {
  const parts = [
    'npx raftkit check',
    `--nodes ${s.nodes}`,
    `--max-term ${s.maxTerm}`,
    `--max-log ${s.maxLog}`,
    `--max-copies ${s.maxCopies}`,
    `--max-in-flight ${s.maxInFlight}`,
    `--crashes ${s.crashes}`,
    `--values ${s.values}`,
  ];
  if (!s.drop) parts.push('--no-drop');
  if (!s.duplicate) parts.push('--no-duplicate');
  if (!s.symmetry) parts.push('--no-symmetry');
  // PreVote named in --features (`--features preVote,…`) is spelled --prevote here.
  if (s.preVote || s.features?.preVote === true) parts.push('--prevote');
  const switches = describeFeatures(makeFeatures({ ...s.features, preVote: false }));
  if (switches !== 'none') parts.push(`--features ${switches}`);
  parts.push(`--strategy ${s.strategy}`, `--seed ${s.seed}`);
  if (Number.isFinite(s.maxStates)) parts.push(`--max-states ${s.maxStates}`);
  if (s.maxSeconds !== undefined && Number.isFinite(s.maxSeconds))
    parts.push(`--max-seconds ${s.maxSeconds}`);
  if (s.exact) parts.push('--exact');
  if (s.mutation) parts.push(`--mutate ${s.mutation}`);
  if (s.keepGoing) parts.push('--keep-going');
  if (s.shard !== undefined) parts.push(`--shard ${s.shard.index}/${s.shard.count}`);
  return parts.join(' ');
}

/** The switches a run checks: --features, --prevote, and those a --mutate mutation belongs to. */
function featuresOf(s: CheckSettings): Partial<Features> {
  const mutation = s.mutation ? mutationNamed(s.mutation).features : undefined;
  const merged = { ...mutation, ...s.features };
  return { ...merged, preVote: s.preVote || merged.preVote === true };
}

export function clusterConfigOf(s: CheckSettings): ClusterConfig {
  return makeClusterConfig({
    nodes: s.nodes,
    features: featuresOf(s),
    network: { lossy: s.drop, duplicating: s.duplicate },
    values: Array.from({ length: s.values }, (_, i) => `v${i + 1}`),
    machine: s.mutation ? compileMutation(mutationNamed(s.mutation)) : undefined,
    dropDeadResponses: true,
  });
}

export function boundsOf(s: CheckSettings): ClusterBounds {
  const actions = new Set<ClusterActionType>([
    'ElectionTimeout',
    'HeartbeatTimeout',
    'ClientRequest',
    'Deliver',
    'Drop',
    'Duplicate',
    'Crash',
    'Restart',
  ]);
  return {
    maxTerm: s.maxTerm,
    maxLog: s.maxLog,
    maxCopies: s.maxCopies,
    maxCrashes: s.crashes,
    maxInFlight: s.maxInFlight === 0 ? undefined : s.maxInFlight,
    actions,
  };
}

export function runCheck(
  s: CheckSettings,
  onProgress?: (p: Progress) => void,
): { run: RunDescription; result: CheckResult } {
  const run = runDescription(s);
  return { run, result: check(checkOptions(run, s, onProgress)) };
}

/** `runCheck` on `workersOf(s)` threads. */
export async function runCheckOnWorkers(
  s: CheckSettings,
  onProgress?: (p: Progress) => void,
): Promise<{ run: RunDescription; result: CheckResult }> {
  const workers = workersOf(s);
  if (s.strategy === 'swarm') {
    const run = runDescription(s);
    return {
      run,
      result: swarm({ ...checkOptions(run, s, onProgress), shard: s.shard ?? { index: 0, count: 1 } }),
    };
  }
  if (workers === 1) return runCheck(s, onProgress);
  const run = runDescription(s);
  const options = { ...checkOptions(run, s, onProgress), workers, mutation: s.mutation };
  const result = await (startsAlone(s) ? checkAuto(options) : checkParallel(options));
  return { run, result };
}

function runDescription(s: CheckSettings): RunDescription {
  const config = clusterConfigOf(s);
  const bounds = boundsOf(s);
  return {
    config,
    bounds,
    strategy: s.strategy,
    seed: s.seed,
    symmetry: s.symmetry,
    maxStates: s.maxStates,
    mutation: s.mutation,
    command: reproduceCommand(s),
    workers: workersOf(s),
    aloneStates: startsAlone(s) && workersOf(s) > 1 ? ALONE_STATES : undefined,
    space: spaceOf(s),
  };
}

function checkOptions(
  run: RunDescription,
  s: CheckSettings,
  onProgress?: (p: Progress) => void,
): CheckOptions {
  return {
    config: run.config,
    bounds: run.bounds,
    strategy: s.strategy,
    seed: s.seed,
    symmetry: s.symmetry,
    maxStates: s.maxStates,
    maxSeconds: s.maxSeconds !== undefined && Number.isFinite(s.maxSeconds) ? s.maxSeconds : undefined,
    exact: s.exact ?? false,
    stopOnViolation: !s.keepGoing,
    onProgress,
    progressEveryMs: process.stderr.isTTY ? 1000 : 10_000,
    checkpoint: s.checkpoint,
    checkpointEverySeconds: s.checkpointEvery,
    resume: s.resume,
    space: spaceOf(s),
  };
}

function progressPrinter(enabled: boolean): ((p: Progress) => void) | undefined {
  if (!enabled) return undefined;
  const tty = process.stderr.isTTY;
  return (p) => {
    const line =
      `… ${p.seconds.toFixed(0)} s: ${p.distinct.toLocaleString('en-US')} distinct states, ` +
      `${p.generated.toLocaleString('en-US')} transitions, depth ${p.depth}, ${p.queued.toLocaleString('en-US')} queued`;
    process.stderr.write(tty ? `\r${line}\u001b[K` : `${line}\n`);
  };
}

/** A counterexample as a step-mode scenario file, with the (possibly mutated) model's expectations. */
export function counterexampleScenario(
  run: RunDescription,
  failed: PropertyResult,
  machine?: CompiledMachine,
): Scenario {
  const { config } = run;
  let state = initialClusterState(config);
  const steps: Step[] = [];
  for (const action of failed.path?.actions ?? []) {
    steps.push({ line: 0, input: stepOfAction(state, action) });
    state = applyAction(config, state, action).state;
  }
  // One slug for the name and the target: the scenario format's target is one word.
  const slug = failed.property.name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const name = `counterexample-${slug}`;
  const scenario: Scenario = {
    name,
    header: {
      summary: [
        `Counterexample to ${failed.property.name} (${failed.property.reference}): "${failed.property.sentence}"`,
        `Found by the model checker${run.mutation ? ` in the model with mutation ${run.mutation}` : ''}; the shortest path to a violation.`,
        `Reproduce: ${run.command}`,
      ],
      references: [failed.property.reference],
      bugs: [],
      source: {
        kind: 'generated',
        generator: 'check',
        seed: run.seed,
        target: `property:${slug}`,
      },
      targets: [`property:${slug}`],
    },
    cluster: {
      mode: 'step',
      nodes: config.nodes,
      features: { preVote: config.features.preVote, checkQuorum: false },
      initial: {},
    },
    steps,
  };
  return expectationsOfCorrectModel(scenario, machine);
}

/**
 * A counterexample file is a test for implementations, which the conformance runner judges
 * by the correct model: its expected blocks are the correct model's, so a correct
 * implementation passes without a warning and one with the bug departs at the step named in
 * the header. Without a mutation (or if the path does not replay on the correct model) the
 * checked model's own blocks are kept.
 */
function expectationsOfCorrectModel(scenario: Scenario, mutated: CompiledMachine | undefined): Scenario {
  if (mutated === undefined) return withModelExpectations(scenario);
  const buggy = withModelExpectations(scenario, mutated);
  let correct: Scenario;
  try {
    correct = withModelExpectations(scenario);
  } catch {
    return buggy;
  }
  const k = correct.steps.findIndex((step, i) => {
    const other = buggy.steps[i].expect;
    return step.expect === undefined || other === undefined || !sameObservation(step.expect, other);
  });
  const note =
    k < 0
      ? 'The expected blocks are the correct model’s; the mutated model answers the same at every step.'
      : `The expected blocks are the correct model’s; the mutated model departs from them at step ${k + 1}.`;
  return { ...correct, header: { ...correct.header, summary: [...correct.header.summary, note] } };
}

function writeOutputs(out: string, run: RunDescription, result: CheckResult, s: CheckSettings): string[] {
  const written: string[] = [];
  writeFileAtomic(out, `${JSON.stringify(counterexampleJson(run, result), null, 2)}\n`);
  written.push(out);
  const failed = result.properties.find((p) => p.status === 'fail' && p.path);
  if (failed?.path) {
    const scenarioFile = `${out.replace(/\.json$/i, '')}.txt`;
    const scenario = counterexampleScenario(
      run,
      failed,
      s.mutation ? compileMutation(mutationNamed(s.mutation)) : undefined,
    );
    writeFileAtomic(scenarioFile, printScenario(scenario));
    written.push(scenarioFile);
  }
  return written;
}

async function checkAction(flags: CheckFlags): Promise<void> {
  if (flags.merge !== undefined) return mergeCommand(flags.merge, flags.json ?? false);
  const settings = parseCheckFlags(flags);
  if (flags.out !== undefined) checkOutFile('--out', flags.out);
  if (flags.report !== undefined && (flags.report !== 'html' || flags.out === undefined))
    throw new UsageError(`--report must be html, together with --out <file.json>; got '${flags.report}'`);
  const printer = progressPrinter(flags.progress && !flags.json);
  const text = (line: string) => {
    if (!flags.json) process.stdout.write(`${line}\n`);
  };
  for (const line of headerLines(runDescription(settings))) text(line);
  const { run, result } = await runCheckOnWorkers(settings, printer).catch((error: unknown) => {
    throw error instanceof CheckpointError ? new UsageError(error.message) : error;
  });
  if (printer && process.stderr.isTTY) process.stderr.write('\r\u001b[K');
  const written = flags.out ? writeOutputs(flags.out, run, result, settings) : [];
  if (flags.out && flags.report === 'html') {
    const page = `${flags.out.replace(/\.json$/i, '')}.html`;
    writeFileAtomic(page, checkHtmlReport(run, result));
    written.push(page);
  }
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ ...(resultJson(run, result) as object), written }, null, 2)}\n`);
  } else {
    for (const line of resultLines(run, result, settings, written, flags.verbose === true)) text(line);
  }
  process.exitCode = verdictOk(result) ? 0 : 1;
}

/** The text after a run: summary, swarm line, counterexamples, files written, checkpoint, reproduce. */
function resultLines(
  run: RunDescription,
  result: CheckResult,
  s: CheckSettings,
  written: string[],
  everyState: boolean,
): string[] {
  const lines = summaryLines(result);
  if ('swarm' in result) lines.push(swarmLine(result as SwarmResult));
  lines.push(...counterexampleLines(run.config, result, everyState));
  for (const file of written) lines.push(`wrote ${file}`);
  if (s.checkpoint !== undefined && ['time', 'memory', 'max-states'].includes(result.stoppedBy)) {
    lines.push(`checkpoint saved in ${s.checkpoint}; go on with --resume ${s.checkpoint}`);
  }
  lines.push(`reproduce: ${run.command}`);
  return lines;
}

function swarmLine(result: SwarmResult): string {
  const { shard, members, coverage } = result.swarm;
  return (
    `swarm: shard ${shard.index}/${shard.count}, ${members} searches (random walks and bounded depth-first), ` +
    `${coverage.length} model items covered; states are summed over searches; merge shards with --merge`
  );
}

/** `--merge a.json b.json …`: one verdict from several results. */
function mergeCommand(files: readonly string[], json: boolean): void {
  const read = files.map((name) => {
    try {
      return { name, result: JSON.parse(readFileSync(name, 'utf8')) as ResultJson };
    } catch (error) {
      throw new UsageError(`--merge: cannot read ${name}: ${(error as Error).message}`);
    }
  });
  let merged: ReturnType<typeof mergeResults>;
  try {
    merged = mergeResults(read);
  } catch (error) {
    throw error instanceof MergeError ? new UsageError(`--merge: ${error.message}`) : error;
  }
  if (json) process.stdout.write(`${JSON.stringify(merged, null, 2)}\n`);
  else for (const line of mergedLines(merged)) process.stdout.write(`${line}\n`);
  process.exitCode = mergedOk(merged) ? 0 : 1;
}

export function register(program: Command): void {
  const cmd = program
    .command('check')
    .summary('model-check the Raft model: safety properties over every reachable state within bounds')
    .description(CHECK_DESCRIPTION);
  boundsOptions(cmd);
  networkAndModelOptions(cmd);
  searchOptions(cmd);
  outputOptions(cmd);
  longRunOptions(cmd);
  cmd.addHelpText('after', checkHelpAfter()).action(checkAction);
}

const CHECK_DESCRIPTION =
  'Explore every reachable state of a Raft cluster (servers stepped through the node statechart, ' +
  'a network bag, and the environment: Deliver, Drop, Duplicate, ElectionTimeout, HeartbeatTimeout, ' +
  'ClientRequest, Crash, Restart) within bounds, and check on each state the safety properties of ' +
  'Figure 3 of the Raft paper (Election Safety, Log Matching, Leader Append-Only, Leader ' +
  'Completeness, State Machine Safety) and per-server invariants, plus `sometimes` witnesses ' +
  '(leader elected, entry committed, leadership changes) showing the checks are not vacuous. ' +
  'Prints the seed and bounds first, then distinct states, transitions, depth, time, states/s, ' +
  'and PASS / FAIL / witness-found per property; a violation comes with its shortest ' +
  'counterexample (breadth-first search) in the model’s vocabulary.';

/** How far the search goes: the bounds of the explored state space. */
function boundsOptions(cmd: Command): void {
  const d = CHECK_DEFAULTS;
  cmd
    .option('--nodes <n>', 'servers in the cluster, 1 to 7', String(d.nodes))
    .option('--max-term <n>', 'bound: no server’s currentTerm goes above this (0 to 20)', String(d.maxTerm))
    .option('--max-log <n>', 'bound: no server’s log grows longer than this (0 to 20)', String(d.maxLog))
    .option(
      '--max-copies <n>',
      'bound: copies of one message in flight at once (1 to 9)',
      String(d.maxCopies),
    )
    .option(
      '--max-in-flight <n>',
      'bound: messages in flight in all, copies counted (0 = no limit, up to 100)',
      String(d.maxInFlight),
    )
    .option(
      '--crashes <n>',
      'bound: Crash actions along a path (0 to 20; each crashed server may Restart)',
      String(d.crashes),
    )
    .option(
      '--values <n>',
      'client values v1…vN a leader may be asked to append (0 = elections only)',
      String(d.values),
    );
}

/** The network's faults and the model's switches. */
function networkAndModelOptions(cmd: Command): void {
  cmd
    .option('--no-drop', 'the network never loses a message (default: it may)')
    .option('--no-duplicate', 'the network never duplicates a message (default: it may, up to --max-copies)')
    .option('--symmetry', 'identify states that differ only by renaming the servers (default)', true)
    .option('--no-symmetry', 'explore every renaming separately')
    .option('--prevote', 'servers run PreVote (thesis §9.6) before elections')
    .option(
      '--features <list>',
      'model switches, comma-separated: name (on) or name=value, e.g. checkQuorum,leaderStickiness=any-term (see raftkit features)',
    );
}

/** Exploration order and when to stop. */
function searchOptions(cmd: Command): void {
  const d = CHECK_DEFAULTS;
  cmd
    .option('--strategy <name>', `exploration order: ${STRATEGIES.join(', ')}`, 'bfs')
    .option('--seed <n>', 'seed of every random choice (random walk)', String(d.seed))
    .option('--max-states <n>', 'stop after this many distinct states (default: no limit)')
    .option('--max-seconds <n>', 'stop after this many seconds, reporting how far it got (default: no limit)')
    .option(
      '--exact',
      'keep every visited state’s key instead of a 64-bit fingerprint (no collision risk; ~10× the memory, at most 16.7 million states)',
    );
}

/** A deliberately broken model, and what to print or save. */
function outputOptions(cmd: Command): void {
  cmd
    .option('--mutate <name>', `check a deliberately broken model: ${MUTATION_NAMES.join(', ')}`)
    .option('--keep-going', 'after a violation, go on to look for violations of the other properties')
    .option('--json', 'print the result as JSON on stdout instead of text')
    .option('--out <file>', 'save counterexamples as JSON there (and the first as a scenario file, .txt)')
    .option(
      '--report <format>',
      'html: with --out c.json, also write c.html (every property, each counterexample step with the whole cluster state)',
    )
    .option('--verbose', 'print the whole cluster state after every step of a counterexample')
    .option('--no-progress', 'no progress lines on stderr');
}

/** Long runs: checkpoints, swarm shards and their merge, worker threads. */
function longRunOptions(cmd: Command): void {
  cmd
    .option(
      '--checkpoint <dir>',
      'bfs: save the search there when it stops short (time, memory, --max-states) and every 10 minutes',
    )
    .option('--checkpoint-every <s>', 'seconds between checkpoints (10 to 604800, default 600)')
    .option('--resume <dir>', 'bfs: go on from the checkpoint there (same model, bounds and --workers)')
    .option('--shard <i/n>', 'swarm: run part i of n (members i, i + n, …; default 0/1)')
    .option(
      '--merge <files...>',
      'merge results saved with --json (swarm shards, other runs) into one verdict',
    )
    .option(
      '--workers <n>',
      `threads of a breadth-first search, sharing one visited set (default: one until ${ALONE_STATES.toLocaleString('en-US')} states, then the ${availableParallelism()} cores; dfs, random and --exact use 1)`,
    );
}

function checkHelpAfter(): string {
  const d = CHECK_DEFAULTS;
  return [
    '',
    `Defaults: ${d.nodes} servers, max term ${d.maxTerm}, max log ${d.maxLog}, max copies ${d.maxCopies}, ` +
      `max in flight ${d.maxInFlight},`,
    `  ${d.crashes} crashes, ${d.values} client value (v1), lossy network, symmetry on, bfs, seed ${d.seed}.`,
    'With these the whole space (about 270,000 states) is explored in seconds and every property',
    'passes with every witness found. The state space grows fast: each bound raised multiplies it.',
    'Responses that can no longer have any effect (from a term below their addressee’s) leave the',
    'network at once: a reduction that changes no server’s behaviour.',
    '',
    'Like TLC, the visited set keeps a 64-bit fingerprint per state (about 30 bytes a state with',
    'the parent pointers); the summary bounds the chance that two states shared one (n²/2^65).',
    'A run that nears the JavaScript heap limit stops cleanly and says how far it got; give it',
    'more with NODE_OPTIONS=--max-old-space-size=<MB>.',
    '',
    'Examples:',
    '  npx raftkit check                                   the defaults',
    '  npx raftkit check --values 0 --max-term 3           elections only, three terms',
    '  npx raftkit check --features checkQuorum,leaderStickiness=any-term,backoff=hint',
    '                                                      the model with those switches (raftkit features)',
    '  npx raftkit check --crashes 1 --no-drop             one crash, a network that loses nothing',
    '  npx raftkit check --mutate commit-previous-term --no-drop --max-term 4',
    '                                                      Figure 8: the checker finds the broken commit rule',
    '  npx raftkit check --strategy random --seed 7 --max-states 100000 --max-term 4',
    '  npx raftkit check --mutate double-vote --out cex.json   save the counterexample (cex.json, cex.txt)',
    '  npx raftkit check --max-term 3 --max-seconds 600 --checkpoint ck   stop after 10 minutes, saved in ck/',
    '  npx raftkit check --max-term 3 --resume ck --checkpoint ck         go on from there',
    '  npx raftkit check --values 0 --max-term 3 --workers 2             breadth-first on two cores',
    '',
    'Exit codes: 0 every always-property PASS and every sometimes witnessed, 1 a violation or a',
    'missing witness, 2 bad flags (the message names the flag and its allowed range).',
  ].join('\n');
}
