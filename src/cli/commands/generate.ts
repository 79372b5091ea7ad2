import type { Command } from 'commander';
import {
  CATALOG_FILE,
  checkSuite,
  computeSuite,
  NotGeneratedError,
  rewriteExpectations,
  SCHEMA_FILE,
  type SuiteFiles,
  writeSuite,
} from '../../generate/suite.ts';
import {
  CURATED_DIR,
  GENERATED_DIR,
  loadScenarios,
  ScenarioRunError,
  ScenarioSyntaxError,
  scenarioToJSON,
} from '../../scenario/index.ts';
import { UsageError } from '../errors.ts';

/**
 * `raftkit generate`: write the model-generated part of the conformance suite
 * (conformance/scenarios/generated/), the catalog docs/scenarios.md and the JSON Schema
 * docs/scenario.schema.json; `--check` only compares; `--rewrite` recomputes the expected
 * blocks of hand-written scenarios with the model.
 */

interface GenerateOptions {
  readonly json?: string[];
  readonly check?: boolean;
  readonly rewrite?: boolean | string[];
  readonly force?: boolean;
}

export function register(program: Command): void {
  program
    .command('generate')
    .summary('write the model-generated scenarios, the scenario catalog and the JSON Schema')
    .description(GENERATE_DESCRIPTION)
    .option(
      '--check',
      'write nothing; exit 1 if any generated file, the catalog, or an expected block is stale',
    )
    .option(
      '--rewrite [paths...]',
      `recompute the expected blocks (----) of hand-written scenarios with the model (default: ${CURATED_DIR})`,
    )
    .option('--force', 'overwrite or delete hand-written files found among the generated ones')
    .option(
      '--json <paths...>',
      `write nothing; print the JSON form of these scenario files or folders (one JSON array; schema ${SCHEMA_FILE})`,
    )
    .addHelpText('after', GENERATE_HELP_AFTER)
    .action((options: GenerateOptions) => {
      process.exitCode = runGenerate(options);
    });
}

const GENERATE_DESCRIPTION =
  'Generate conformance scenarios from the model. Node-level scenarios come from the node ' +
  'statechart with xstate/graph (shortest paths covering every transition, guard outcome, ' +
  'payload class and Figure 2 rule); cluster-level scenarios come from the model checker ' +
  '(shortest paths to situations such as a split vote or Figure 8). Output is deterministic: ' +
  'running it twice gives byte-identical files. Files are written atomically, and a ' +
  'hand-written file in the generated folder is never overwritten without --force. Also ' +
  `writes ${CATALOG_FILE} and ${SCHEMA_FILE}.`;

const GENERATE_HELP_AFTER = [
  '',
  'Examples:',
  `  raftkit generate                      regenerate ${GENERATED_DIR}/ and the docs`,
  '  raftkit generate --check              CI: fail when the committed suite is stale against the model',
  '  raftkit generate --rewrite            refresh the expected blocks of the curated scenarios',
  '  raftkit generate --rewrite my.txt     refresh one file',
  '  raftkit generate --json conformance/scenarios/curated > curated.json   the AST as JSON, for other languages',
  '',
  'Exit codes: 0 done (or up to date), 1 stale (--check), 2 usage error or a bad scenario file.',
].join('\n');

/**
 * Progress on stderr: every phase when stderr is a terminal, otherwise at most one line
 * every 5 seconds (CI logs stay short).
 */
function progress(started: number): (message: string) => void {
  let last = started;
  return (message) => {
    const now = performance.now();
    if (!process.stderr.isTTY && now - last < 5000) return;
    last = now;
    process.stderr.write(`raftkit generate: ${((now - started) / 1000).toFixed(1)}s ${message}\n`);
  };
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

export function runGenerate(options: GenerateOptions): number {
  try {
    if (options.json) return printJson(options, options.json);
    if (options.rewrite !== undefined && options.rewrite !== false) return rewrite(options, options.rewrite);
    const started = performance.now();
    const suite = computeSuite('.', progress(started));
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const scenarios = [...suite.files.keys()].filter((f) => f.endsWith('.txt')).length;
    if (options.check) return reportStale(suite, scenarios, seconds);
    const result = writeSuite(suite, { force: options.force });
    say(`generated ${scenarios} scenarios in ${GENERATED_DIR}/ (${seconds}s, seed 0)`);
    say(
      `  written ${result.written.length}, unchanged ${result.unchanged}, deleted ${result.deleted.length}`,
    );
    return 0;
  } catch (error) {
    if (
      error instanceof NotGeneratedError ||
      error instanceof ScenarioSyntaxError ||
      error instanceof ScenarioRunError
    ) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}

/** --json: print the scenario files' JSON form, writing nothing. */
function printJson(options: GenerateOptions, paths: readonly string[]): number {
  if (options.check || options.rewrite)
    throw new UsageError('--json cannot be combined with --check or --rewrite');
  const scenarios = loadScenarios(paths);
  if (scenarios.length === 0)
    throw new UsageError(`--json: expected scenario files, found none in ${paths.join(' ')}`);
  process.stdout.write(`${JSON.stringify(scenarios.map(scenarioToJSON), null, 2)}
`);
  return 0;
}

/** --rewrite: recompute the expected blocks of hand-written scenarios. */
function rewrite(options: GenerateOptions, rewrite: true | string[]): number {
  if (options.check) throw new UsageError('--rewrite and --check cannot be combined');
  const paths = rewrite === true ? [CURATED_DIR] : rewrite;
  const changed = rewriteExpectations(paths);
  say(`rewrote expected blocks: ${changed.length} file(s) changed`);
  for (const file of changed) say(`  ${file}`);
  return 0;
}

/** --check: name every stale or obsolete file and stale expected block; 1 when there is any. */
function reportStale(suite: SuiteFiles, scenarios: number, seconds: string): number {
  const stale = checkSuite(suite);
  const problems = stale.stale.length + stale.obsolete.length + stale.expectations.length;
  for (const file of stale.stale) say(`stale: ${file} (run raftkit generate)`);
  for (const file of stale.obsolete) say(`obsolete: ${file} (no longer generated; run raftkit generate)`);
  for (const e of stale.expectations) {
    say(
      `stale expected blocks: ${e.file} lines ${e.lines.join(', ')} (run raftkit generate --rewrite ${e.file})`,
    );
  }
  say(
    problems === 0
      ? `up to date: ${scenarios} generated scenarios, catalog and schema (${seconds}s)`
      : `${problems} stale file(s)`,
  );
  return problems === 0 ? 0 : 1;
}
