import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { type Command, Option } from 'commander';
import { type AdapterSpec, AdapterSpecError, adapterSpec } from '../../adapters/index.ts';
import { IMPLEMENTATION_FEATURE_NAMES, type ImplementationFeatureName } from '../../adapters/types.ts';
import {
  DEFAULT_MAX_TIMEOUTS,
  DEFAULT_SCENARIO_DIRS,
  DuplicateScenarioName,
  loadSuite,
  mermaidSequence,
  progressReporter,
  REPORT_FORMATS,
  type ReportFormat,
  renderReport,
  runSuite,
  type ScenarioFile,
  SetupError,
  type SuiteResult,
} from '../../conformance/index.ts';
import { htmlReport } from '../../report/html.ts';
import { ScenarioSyntaxError } from '../../scenario/index.ts';
import { intInRange, UsageError } from '../errors.ts';
import { expectationWarnings } from '../expectations.ts';
import { checkOutDir } from '../out.ts';
import { parseReferenceFeatures } from '../reference-features.ts';

/**
 * `raftkit conform`: run the step-mode conformance suite against an implementation — the
 * built-in reference (default), one of its mutants, or any program speaking
 * conformance/PROTOCOL.md — with the model as the oracle.
 */

export interface ConformOptions {
  readonly adapter?: string;
  readonly adapterCmd?: string;
  readonly mutant?: string;
  readonly scenarios?: readonly string[];
  readonly filter?: string;
  readonly features?: string;
  readonly referenceFeatures?: string;
  readonly jobs: string;
  readonly report: ReportFormat | 'html';
  readonly out?: string;
  readonly seed: string;
  readonly stepTimeoutMs: string;
  readonly progress?: boolean;
  readonly pipelining?: boolean;
  readonly maxTimeouts?: string;
  readonly strict?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('conform')
    .summary('run the conformance suite against a Raft implementation (default: the reference)')
    .description(CONFORM_DESCRIPTION);
  implementationOptions(cmd);
  suiteOptions(cmd);
  reportOptions(cmd);
  stepOptions(cmd);
  cmd.addHelpText('after', CONFORM_HELP_AFTER).action(async (options: ConformOptions) => {
    process.exitCode = await runConform(options);
  });
}

const CONFORM_DESCRIPTION =
  'Drive a Raft implementation through the step-mode scenarios and check every step against ' +
  "the model as an acceptor: after each input, is the implementation's state (role, term, " +
  'votedFor, log, commitIndex) and are its messages what the model allows from its state? ' +
  "Tolerances (message order, batching, heartbeat content, a leader's first heartbeat) are " +
  'named in docs/conformance.md. Each scenario passes, fails (step, expected vs actual, the ' +
  'Figure 2 rule, a reproduce command) or is skipped (a feature the implementation lacks).';

/** Which implementation runs: the reference, one of its mutants, or a program. */
function implementationOptions(cmd: Command): void {
  cmd
    .option('--adapter <name>', 'built-in implementation: builtin:reference (default when no --adapter-cmd)')
    .option(
      '--adapter-cmd <command>',
      'a program speaking conformance/PROTOCOL.md on stdin/stdout (run without a shell)',
    )
    .option('--mutant <name>', 'with builtin:reference: run one of its named mutants (see raftkit mutants)');
}

/** Which scenarios run, what the implementation is assumed to have, and how many at once. */
function suiteOptions(cmd: Command): void {
  cmd
    .option(
      '--scenarios <paths...>',
      `scenario files or folders (default: ${DEFAULT_SCENARIO_DIRS.join(' ')})`,
    )
    .option('--filter <text>', 'only scenarios whose file path contains this text')
    .option(
      '--features <list>',
      `comma-separated features to assume the implementation has, out of what it declares (${IMPLEMENTATION_FEATURE_NAMES.join(', ')}); with the built-in reference, listing leaderNoOp builds it with the leader no-op (thesis §8)`,
    )
    .option(
      '--reference-features <list>',
      'build the built-in reference with these model switches, as raftkit check --features takes them (name or name=value, see raftkit features); it declares them and the model judges it with them',
    )
    .option('--jobs <n>', 'scenarios run in parallel, each on its own adapter (1–16)', '1');
}

/** What is printed and written. */
function reportOptions(cmd: Command): void {
  cmd
    .addOption(
      new Option(
        '--report <format>',
        'report format on stdout; html: also write report.html with --out (summary, per failure expected vs actual, rule, reproduce command, sequence diagram and statechart)',
      )
        .choices([...REPORT_FORMATS, 'html'])
        .default('text'),
    )
    .option(
      '--out <dir>',
      'also write report.{txt,json,xml} and a Mermaid sequence diagram per failing scenario here',
    );
}

/** How each step is driven, and what stops a run or fails it. */
function stepOptions(cmd: Command): void {
  cmd
    .option('--seed <n>', 'seed passed to the implementation for its randomness (printed in the report)', '1')
    .option('--step-timeout-ms <ms>', 'per-step reply deadline for --adapter-cmd (100–600000)', '5000')
    .option(
      '--no-pipelining',
      'with --adapter-cmd: send one request at a time, waiting for each reply (slower; to rule out an adapter that mishandles pipelined requests, PROTOCOL.md §1)',
    )
    .option(
      '--max-timeouts <n>',
      'stop the run after this many scenarios in a row got no reply within --step-timeout-ms (0 = never stop)',
      String(DEFAULT_MAX_TIMEOUTS),
    )
    .option('--strict', "an expected block that differs from the model's is an error (exit 2), not a warning")
    .option('--no-progress', 'no progress line on stderr');
}

const CONFORM_HELP_AFTER = [
  '',
  'Examples:',
  '  npx raftkit conform                                    the whole suite against the reference',
  '  npx raftkit conform --adapter-cmd "npx raftkit serve-reference"   the same over stdio',
  '  npx raftkit conform --adapter-cmd "python3 conformance/adapters/python-example/adapter.py"',
  '  npx raftkit conform --mutant skip-consistency-check --filter curated',
  '  npx raftkit conform --features preVote,ticks,restartWithPersistence,leaderNoOp   the reference with the leader no-op',
  '  npx raftkit conform --reference-features checkQuorum,leaderStickiness=same-term   the reference with two switches',
  '  npx raftkit conform --report junit --out reports/conform   for CI',
  '  npx raftkit conform --mutant stale-term-in-reply --report html --out r   open r/report.html in a browser',
  '',
  'Exit codes: 0 every scenario passed or was skipped, 1 a scenario failed, 2 usage or setup error',
  '(adapter does not start or speaks another protocol version, unreadable scenario file).',
].join('\n');

export function parseFeatures(raw: string | undefined): ImplementationFeatureName[] | undefined {
  if (raw === undefined) return undefined;
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const name of names) {
    if (!(IMPLEMENTATION_FEATURE_NAMES as readonly string[]).includes(name)) {
      throw new UsageError(
        `--features must list names of ${IMPLEMENTATION_FEATURE_NAMES.join(', ')}; got '${name}'`,
      );
    }
  }
  return names as ImplementationFeatureName[];
}

export function parseAdapter(options: {
  adapter?: string;
  adapterCmd?: string;
  mutant?: string;
  stepTimeoutMs: string;
  features?: string;
  referenceFeatures?: string;
  pipelining?: boolean;
}): AdapterSpec {
  const stepTimeoutMs = intInRange('--step-timeout-ms', options.stepTimeoutMs, 100, 600_000);
  const build =
    options.referenceFeatures === undefined
      ? undefined
      : parseReferenceFeatures('--reference-features', options.referenceFeatures);
  // The reference can run with or without the leader no-op; --features leaderNoOp asks for it.
  const leaderNoOp =
    options.adapterCmd === undefined &&
    (parseFeatures(options.features)?.includes('leaderNoOp') || build?.leaderNoOp === true);
  try {
    return adapterSpec({ ...options, stepTimeoutMs, leaderNoOp, switches: build?.switches });
  } catch (error) {
    if (error instanceof AdapterSpecError) throw new UsageError(error.message);
    throw error;
  }
}

/** Load the suite or throw a UsageError naming the file and line. */
export function loadScenarioFiles(paths: readonly string[] | undefined, filter?: string): ScenarioFile[] {
  try {
    const files = loadSuite(paths && paths.length > 0 ? paths : DEFAULT_SCENARIO_DIRS, filter);
    if (files.length === 0) {
      const where = (paths && paths.length > 0 ? paths : DEFAULT_SCENARIO_DIRS).join(' ');
      throw new UsageError(
        `--scenarios: no scenario files (*.txt) found in ${where}${filter ? ` matching --filter '${filter}'` : ''}`,
      );
    }
    return files;
  } catch (error) {
    if (error instanceof ScenarioSyntaxError || error instanceof DuplicateScenarioName)
      throw new UsageError(error.message);
    throw error;
  }
}

/** Write through a temporary file and a rename. */
export function writeAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.tmp-${process.pid}`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

const EXTENSIONS: Record<ReportFormat, string> = { text: 'txt', json: 'json', junit: 'xml' };

export function writeOutDir(dir: string, suite: SuiteResult, files: readonly ScenarioFile[]): void {
  // Without durations: the same run writes byte-identical files.
  for (const format of REPORT_FORMATS) {
    writeAtomic(join(dir, `report.${EXTENSIONS[format]}`), renderReport(suite, format, { timings: false }));
  }
  const byFile = new Map(files.map((f) => [f.file, f.scenario]));
  for (const result of suite.results) {
    if (result.status !== 'fail') continue;
    const nodes = byFile.get(result.file)?.cluster.nodes ?? [];
    writeAtomic(join(dir, 'diagrams', `${result.name}.mmd`), mermaidSequence(result, nodes));
  }
}

/**
 * More jobs only help where work runs in parallel. The built-in reference runs in this
 * process, on the same thread as the model (measured: 4.9 s with 1 job, 5.7 s with 4); an
 * adapter process runs beside the kit, whose model checking stays on one thread, so jobs
 * beyond the cores left over only add switching (measured on 2 cores: 12.5 s with 1 job,
 * 14.0 s with 4). Asked-for jobs beyond that are capped, and the cap is said.
 */
export function usefulJobs(asked: number, spec: AdapterSpec, cores = availableParallelism()): number {
  const cap = spec.kind === 'builtin' ? 1 : Math.max(1, cores - 1);
  if (asked <= cap) return asked;
  const why =
    spec.kind === 'builtin'
      ? 'the built-in reference runs on the kit’s own thread'
      : `${cores} core(s): one for the kit, the rest for adapters`;
  process.stderr.write(
    `raftkit conform: --jobs ${asked} capped to ${cap} (${why}; more jobs would be slower)\n`,
  );
  return cap;
}

/** Warn about hand-edited expected blocks; with --strict they stop the run (exit 2). */
function reportExpectations(files: readonly ScenarioFile[], strict: boolean): void {
  const warnings = expectationWarnings(files);
  if (strict && warnings.length > 0)
    throw new UsageError(
      `--strict: ${warnings[0]}${warnings.length > 1 ? ` (and ${warnings.length - 1} more file(s))` : ''}`,
    );
  for (const warning of warnings) process.stderr.write(`raftkit conform: warning: ${warning}\n`);
}

export async function runConform(options: ConformOptions): Promise<number> {
  const spec = parseAdapter(options);
  const jobs = usefulJobs(intInRange('--jobs', options.jobs, 1, 16), spec);
  const seed = intInRange('--seed', options.seed, 0, 2 ** 31 - 1);
  const maxTimeouts = intInRange(
    '--max-timeouts',
    options.maxTimeouts ?? String(DEFAULT_MAX_TIMEOUTS),
    0,
    1_000_000,
  );
  const features = parseFeatures(options.features);
  if (options.out !== undefined) checkOutDir('--out', options.out);
  if (options.report === 'html' && options.out === undefined)
    throw new UsageError('--report html writes report.html into a directory: give --out <dir>');
  const files = loadScenarioFiles(options.scenarios, options.filter);
  reportExpectations(files, options.strict === true);
  const progress = options.progress === false ? null : progressReporter(files.length);
  process.stderr.write(`raftkit conform: seed ${seed}, ${files.length} scenarios, ${jobs} job(s)\n`);
  let suite: SuiteResult;
  try {
    suite = await runSuite({
      adapter: spec,
      scenarios: files,
      jobs,
      features,
      seed,
      maxTimeouts,
      onResult: (result, done) => progress?.update(result, done),
    });
  } catch (error) {
    progress?.finish();
    if (error instanceof SetupError) {
      process.stderr.write(`raftkit conform: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  progress?.finish();
  process.stdout.write(renderReport(suite, options.report === 'html' ? 'text' : options.report));
  if (options.out) {
    writeOutDir(options.out, suite, files);
    if (options.report === 'html')
      writeAtomic(join(options.out, 'report.html'), await htmlReport(suite, files));
    process.stderr.write(`raftkit conform: reports and diagrams written to ${options.out}\n`);
  }
  return suite.counts.fail > 0 ? 1 : 0;
}
