import type { Command } from 'commander';
import {
  applyAction,
  type ClusterAction,
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
  type CheckResult,
  check,
  type Progress,
  STRATEGIES,
  type Strategy,
  verdictOk,
} from '../../explore/checker.ts';
import {
  counterexampleJson,
  counterexampleLines,
  headerLines,
  type RunDescription,
  resultJson,
  summaryLines,
} from '../../explore/report.ts';
import { patternFor } from '../../generate/cluster-paths.ts';
import { checkHtmlReport } from '../../report/check-html.ts';
import {
  printScenario,
  type Scenario,
  type Step,
  type StepInput,
  sameObservation,
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
  readonly strategy: Strategy;
  readonly seed: number;
  readonly maxStates: number;
  /** Stop after this many seconds (infinite: no limit). */
  readonly maxSeconds?: number;
  /** Keep the visited states' keys instead of 64-bit fingerprints. */
  readonly exact?: boolean;
  readonly mutation: string | null;
  readonly keepGoing: boolean;
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
  };
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
  if (s.preVote) parts.push('--prevote');
  parts.push(`--strategy ${s.strategy}`, `--seed ${s.seed}`);
  if (Number.isFinite(s.maxStates)) parts.push(`--max-states ${s.maxStates}`);
  if (s.maxSeconds !== undefined && Number.isFinite(s.maxSeconds))
    parts.push(`--max-seconds ${s.maxSeconds}`);
  if (s.exact) parts.push('--exact');
  if (s.mutation) parts.push(`--mutate ${s.mutation}`);
  if (s.keepGoing) parts.push('--keep-going');
  return parts.join(' ');
}

export function clusterConfigOf(s: CheckSettings): ClusterConfig {
  return makeClusterConfig({
    nodes: s.nodes,
    features: { preVote: s.preVote },
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
  const config = clusterConfigOf(s);
  const bounds = boundsOf(s);
  const run: RunDescription = {
    config,
    bounds,
    strategy: s.strategy,
    seed: s.seed,
    symmetry: s.symmetry,
    maxStates: s.maxStates,
    mutation: s.mutation,
    command: reproduceCommand(s),
  };
  const result = check({
    config,
    bounds,
    strategy: s.strategy,
    seed: s.seed,
    symmetry: s.symmetry,
    maxStates: s.maxStates,
    maxSeconds: s.maxSeconds !== undefined && Number.isFinite(s.maxSeconds) ? s.maxSeconds : undefined,
    exact: s.exact ?? false,
    stopOnViolation: !s.keepGoing,
    onProgress,
    progressEveryMs: process.stderr.isTTY ? 1000 : 10_000,
  });
  return { run, result };
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

function stepInputOf(state: ReturnType<typeof initialClusterState>, action: ClusterAction): StepInput {
  switch (action.type) {
    case 'Deliver':
      return { kind: 'deliver', pattern: patternFor(state, action.message) };
    case 'Drop':
      return { kind: 'drop', pattern: patternFor(state, action.message) };
    case 'Duplicate':
      return { kind: 'duplicate', pattern: patternFor(state, action.message) };
    case 'ElectionTimeout':
      return { kind: 'timeout', node: action.node };
    case 'HeartbeatTimeout':
      return { kind: 'heartbeat', node: action.node };
    case 'ClientRequest':
      return { kind: 'propose', node: action.node, value: action.value };
    case 'Crash':
      return { kind: 'crash', node: action.node };
    case 'Restart':
      return { kind: 'restart', node: action.node };
  }
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
    steps.push({ line: 0, input: stepInputOf(state, action) });
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

export function register(program: Command): void {
  const d = CHECK_DEFAULTS;
  program
    .command('check')
    .summary('model-check the Raft model: safety properties over every reachable state within bounds')
    .description(
      'Explore every reachable state of a Raft cluster (servers stepped through the node statechart, ' +
        'a network bag, and the environment: Deliver, Drop, Duplicate, ElectionTimeout, HeartbeatTimeout, ' +
        'ClientRequest, Crash, Restart) within bounds, and check on each state the safety properties of ' +
        'Figure 3 of the Raft paper (Election Safety, Log Matching, Leader Append-Only, Leader ' +
        'Completeness, State Machine Safety) and per-server invariants, plus `sometimes` witnesses ' +
        '(leader elected, entry committed, leadership changes) showing the checks are not vacuous. ' +
        'Prints the seed and bounds first, then distinct states, transitions, depth, time, states/s, ' +
        'and PASS / FAIL / witness-found per property; a violation comes with its shortest ' +
        'counterexample (breadth-first search) in the model’s vocabulary.',
    )
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
    )
    .option('--no-drop', 'the network never loses a message (default: it may)')
    .option('--no-duplicate', 'the network never duplicates a message (default: it may, up to --max-copies)')
    .option('--symmetry', 'identify states that differ only by renaming the servers (default)', true)
    .option('--no-symmetry', 'explore every renaming separately')
    .option('--prevote', 'servers run PreVote (thesis §9.6) before elections')
    .option('--strategy <name>', `exploration order: ${STRATEGIES.join(', ')}`, 'bfs')
    .option('--seed <n>', 'seed of every random choice (random walk)', String(d.seed))
    .option('--max-states <n>', 'stop after this many distinct states (default: no limit)')
    .option('--max-seconds <n>', 'stop after this many seconds, reporting how far it got (default: no limit)')
    .option(
      '--exact',
      'keep every visited state’s key instead of a 64-bit fingerprint (no collision risk; ~10× the memory, at most 16.7 million states)',
    )
    .option('--mutate <name>', `check a deliberately broken model: ${MUTATION_NAMES.join(', ')}`)
    .option('--keep-going', 'after a violation, go on to look for violations of the other properties')
    .option('--json', 'print the result as JSON on stdout instead of text')
    .option('--out <file>', 'save counterexamples as JSON there (and the first as a scenario file, .txt)')
    .option(
      '--report <format>',
      'html: with --out c.json, also write c.html (every property, each counterexample step with the whole cluster state)',
    )
    .option('--verbose', 'print the whole cluster state after every step of a counterexample')
    .option('--no-progress', 'no progress lines on stderr')
    .addHelpText(
      'after',
      [
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
        '  npx raftkit check --crashes 1 --no-drop             one crash, a network that loses nothing',
        '  npx raftkit check --mutate commit-previous-term --no-drop --max-term 4',
        '                                                      Figure 8: the checker finds the broken commit rule',
        '  npx raftkit check --strategy random --seed 7 --max-states 100000 --max-term 4',
        '  npx raftkit check --mutate double-vote --out cex.json   save the counterexample (cex.json, cex.txt)',
        '',
        'Exit codes: 0 every always-property PASS and every sometimes witnessed, 1 a violation or a',
        'missing witness, 2 bad flags (the message names the flag and its allowed range).',
      ].join('\n'),
    )
    .action((flags: CheckFlags) => {
      const settings = parseCheckFlags(flags);
      if (flags.out !== undefined) checkOutFile('--out', flags.out);
      if (flags.report !== undefined && (flags.report !== 'html' || flags.out === undefined))
        throw new UsageError(`--report must be html, together with --out <file.json>; got '${flags.report}'`);
      const printer = progressPrinter(flags.progress && !flags.json);
      const text = (line: string) => {
        if (!flags.json) process.stdout.write(`${line}\n`);
      };
      const config = clusterConfigOf(settings);
      for (const line of headerLines({
        config,
        bounds: boundsOf(settings),
        strategy: settings.strategy,
        seed: settings.seed,
        symmetry: settings.symmetry,
        maxStates: settings.maxStates,
        mutation: settings.mutation,
        command: reproduceCommand(settings),
      })) {
        text(line);
      }
      const { run, result } = runCheck(settings, printer);
      if (printer && process.stderr.isTTY) process.stderr.write('\r\u001b[K');
      const written = flags.out ? writeOutputs(flags.out, run, result, settings) : [];
      if (flags.out && flags.report === 'html') {
        const page = `${flags.out.replace(/\.json$/i, '')}.html`;
        writeFileAtomic(page, checkHtmlReport(run, result));
        written.push(page);
      }
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ ...(resultJson(run, result) as object), written }, null, 2)}\n`,
        );
      } else {
        for (const line of summaryLines(result)) text(line);
        for (const line of counterexampleLines(config, result, flags.verbose === true)) text(line);
        for (const file of written) text(`wrote ${file}`);
        text(`reproduce: ${run.command}`);
      }
      process.exitCode = verdictOk(result) ? 0 : 1;
    });
}
