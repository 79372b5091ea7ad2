import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { runSuite, type SuiteResult } from '../../conformance/index.ts';
import { lineWidth } from '../../conformance/progress.ts';
import { type FuzzVerdict, fuzzMutant, fuzzMutantTable } from '../../fuzz/mutants.ts';
import { MUTANTS, type MutantInfo } from '../../reference/index.ts';
import { mutantsHtmlReport } from '../../report/mutants-html.ts';
import { intInRange, UsageError } from '../errors.ts';
import { checkOutDir } from '../out.ts';
import { loadScenarioFiles, writeAtomic } from './conform.ts';
import { parseOracles } from './fuzz.ts';

/**
 * `raftkit mutants`: the mutation score of the suite. Runs the conformance suite against
 * the unmutated reference implementation (which must pass) and against each named mutant,
 * each reproducing a bug class of docs/bugs.md, and shows which scenarios kill which mutant.
 */

interface MutantsOptions {
  readonly scenarios?: readonly string[];
  readonly filter?: string;
  readonly mutant?: readonly string[];
  readonly report: 'text' | 'json' | 'html';
  readonly out?: string;
  readonly seed: string;
  readonly fuzz?: boolean;
  readonly budget: string;
  readonly oracle: string;
  readonly nodes: string;
  readonly depth: string;
  readonly batch: string;
  readonly shortAppends: boolean;
  readonly progress?: boolean;
}

export interface MutantVerdict {
  readonly mutant: MutantInfo;
  readonly killedBy: readonly string[];
  readonly skipped: number;
  /** The mutant's whole run (for the HTML report). */
  readonly suite: SuiteResult;
}

export function register(program: Command): void {
  program
    .command('mutants')
    .summary('mutation score: run the suite against each named mutant of the reference')
    .description(MUTANTS_DESCRIPTION)
    .option('--scenarios <paths...>', 'scenario files or folders (default: the whole step-mode suite)')
    .option('--filter <text>', 'only scenarios whose file path contains this text')
    .option('--mutant <names...>', `only these mutants (default: all ${MUTANTS.length})`)
    .addOption(
      new Option('--report <format>', 'output format; html: also write report.html into --out')
        .choices(['text', 'json', 'html'])
        .default('text'),
    )
    .option('--seed <n>', 'seed passed to the implementation (with --fuzz: the fuzz seed)', '1')
    .option('--fuzz', 'no fixed suite: fuzz each mutant (raftkit fuzz) until it fails or its budget runs out')
    .option('--budget <duration>', 'with --fuzz: time per mutant, e.g. 60s or 2m', '60s')
    .option('--oracle <list>', 'with --fuzz: model, safety or both', 'model,safety')
    .option('--nodes <n>', 'with --fuzz: nodes in the cluster (3–5)', '3')
    .option('--depth <n>', 'with --fuzz: actions per run at most', '60')
    .option(
      '--batch <n>',
      'with --fuzz: actions per round (raftkit fuzz --batch; in process a round saves nothing and choices on fresher states find more)',
      '1',
    )
    .option('--no-short-appends', 'with --fuzz: never deliver an AppendEntries with a prefix of its entries')
    .option(
      '--out <dir>',
      'with --report html: the directory for report.html; with --fuzz: where the shrunk scenario of each kill is written (default fuzz-mutants)',
    )
    .option('--no-progress', 'no progress line on stderr (one is drawn only on a terminal)')
    .addHelpText('after', MUTANTS_HELP_AFTER)
    .action(async (options: MutantsOptions) => {
      process.exitCode = options.fuzz ? await runFuzzMutants(options) : await runMutants(options);
    });
}

const MUTANTS_DESCRIPTION =
  'Run the step-mode conformance suite against the reference implementation and against each ' +
  'of its named mutants (each reproduces a class of real Raft bugs from docs/bugs.md, named by ' +
  'number). A mutant is killed when at least one scenario fails against it. Prints a table: ' +
  'mutant, bug class, killed?, by which scenarios.';

const MUTANTS_HELP_AFTER = [
  '',
  'Examples:',
  '  npx raftkit mutants                              every mutant against the whole suite',
  '  npx raftkit mutants --mutant vote-not-durable ack-before-persist',
  '  npx raftkit mutants --filter curated              how much the curated scenarios alone kill',
  '  npx raftkit mutants --report json --no-progress  for a script: JSON on stdout, no progress line',
  '  npx raftkit mutants --fuzz --budget 60s           fuzzing alone, no fixed suite (docs/fuzz.md)',
  '  npx raftkit mutants --fuzz --budget 10m --oracle safety --mutant vote-not-durable',
  '',
  'Exit codes: 0 the reference passes and every mutant is killed, 1 otherwise, 2 usage error.',
].join('\n');

/**
 * Which mutant runs now, on stderr: a line rewritten in place on a terminal only, like
 * `raftkit fuzz`'s, so a CI log (no terminal) never gets carriage returns; nothing at all
 * with `--no-progress`.
 */
export function mutantProgress(
  total: number,
  enabled: boolean,
  stream: Pick<NodeJS.WriteStream, 'isTTY' | 'columns' | 'write'> = process.stderr,
): { update: (done: number, name: string) => void; finish: () => void } {
  const drawn = enabled && stream.isTTY === true;
  const width = lineWidth(stream);
  return {
    update(done, name) {
      if (drawn) stream.write(`\r${`[${done}/${total}] ${name}`.slice(0, width).padEnd(width)}`);
    },
    finish() {
      if (drawn) stream.write(`\r${' '.repeat(width)}\r`);
    },
  };
}

export async function mutationScore(
  files: ReturnType<typeof loadScenarioFiles>,
  mutants: readonly MutantInfo[],
  seed: number,
  progress = mutantProgress(mutants.length, true),
): Promise<{ reference: SuiteResult; verdicts: MutantVerdict[] }> {
  const reference = await runSuite({
    adapter: { kind: 'builtin', name: 'reference' },
    scenarios: files,
    jobs: 1,
    seed,
  });
  const verdicts: MutantVerdict[] = [];
  for (const [k, mutant] of mutants.entries()) {
    progress.update(k + 1, mutant.name);
    const suite = await runSuite({
      adapter: { kind: 'builtin', name: 'reference', mutant: mutant.name as never },
      scenarios: files,
      jobs: 1,
      seed,
    });
    verdicts.push({
      mutant,
      killedBy: suite.results.filter((r) => r.status === 'fail').map((r) => r.file),
      skipped: suite.counts.skip,
      suite,
    });
  }
  progress.finish();
  return { reference, verdicts };
}

function shortName(file: string): string {
  return file.replace(/^conformance\/scenarios\//, '').replace(/\.txt$/, '');
}

export function mutantTable(reference: SuiteResult, verdicts: readonly MutantVerdict[]): string {
  const width = Math.max(6, ...verdicts.map((v) => v.mutant.name.length));
  const lines = [`${'mutant'.padEnd(width)}  bug  killed  by scenarios`];
  for (const v of verdicts) {
    const by = v.killedBy.map(shortName);
    const shown = by.length > 3 ? `${by.slice(0, 3).join(', ')} … (${by.length} in all)` : by.join(', ');
    lines.push(
      `${v.mutant.name.padEnd(width)}  ${`#${v.mutant.bug}`.padEnd(4)} ${(v.killedBy.length > 0 ? 'yes' : 'NO').padEnd(6)}  ${shown || '-'}`,
    );
  }
  const killed = verdicts.filter((v) => v.killedBy.length > 0).length;
  const { pass, fail, skip } = reference.counts;
  lines.push(
    '',
    `reference (unmutated): ${pass} passed, ${fail} failed, ${skip} skipped of ${reference.results.length} scenarios`,
    `mutants killed: ${killed}/${verdicts.length} (bug classes: docs/bugs.md)`,
  );
  return `${lines.join('\n')}\n`;
}

function selectedMutants(options: MutantsOptions): MutantInfo[] {
  const selected = options.mutant ?? MUTANTS.map((m) => m.name);
  return selected.map((name) => {
    const found = MUTANTS.find((m) => m.name === name);
    if (!found)
      throw new UsageError(`--mutant must be one of ${MUTANTS.map((m) => m.name).join(', ')}; got '${name}'`);
    return found as MutantInfo;
  });
}

async function runMutants(options: MutantsOptions): Promise<number> {
  const seed = intInRange('--seed', options.seed, 0, 2 ** 31 - 1);
  const mutants = selectedMutants(options);
  if (options.report === 'html') {
    if (options.out === undefined)
      throw new UsageError('--report html writes report.html into a directory: give --out <dir>');
    checkOutDir('--out', options.out);
  }
  const files = loadScenarioFiles(options.scenarios, options.filter);
  process.stderr.write(
    `raftkit mutants: seed ${seed}, ${files.length} scenarios, ${mutants.length} mutants\n`,
  );
  const progress = mutantProgress(mutants.length, options.progress !== false);
  const { reference, verdicts } = await mutationScore(files, mutants, seed, progress);
  if (options.report === 'json') {
    const body = {
      reference: reference.counts,
      mutants: verdicts.map((v) => ({
        name: v.mutant.name,
        bug: v.mutant.bug,
        killed: v.killedBy.length > 0,
        killedBy: v.killedBy,
      })),
    };
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  } else {
    process.stdout.write(mutantTable(reference, verdicts));
  }
  if (options.report === 'html' && options.out !== undefined) {
    const runs = verdicts.map((v) => ({ name: v.mutant.name, bug: v.mutant.bug, suite: v.suite }));
    writeAtomic(join(options.out, 'report.html'), await mutantsHtmlReport(reference, runs, files));
    process.stderr.write(`raftkit mutants: wrote ${join(options.out, 'report.html')}\n`);
  }
  const allKilled = verdicts.every((v) => v.killedBy.length > 0);
  return reference.counts.fail === 0 && allKilled ? 0 : 1;
}

/** `--budget 60s`, `2m`, `500ms`: milliseconds, or a UsageError naming the flag. */
export function parseBudget(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(raw);
  const ms = m ? Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000) : Number.NaN;
  if (!(ms >= 100 && ms <= 86_400_000))
    throw new UsageError(`--budget must be a duration from 100ms to 24h such as 60s or 2m, got '${raw}'`);
  return ms;
}

async function runFuzzMutants(options: MutantsOptions): Promise<number> {
  const budgetMs = parseBudget(options.budget);
  const fuzz = {
    budgetMs,
    seed: intInRange('--seed', options.seed, 0, 2 ** 31 - 1),
    nodes: intInRange('--nodes', options.nodes, 3, 5),
    depth: intInRange('--depth', options.depth, 1, 100_000),
    batch: intInRange('--batch', options.batch, 1, 64),
    shortAppends: options.shortAppends !== false,
    oracles: parseOracles(options.oracle),
    out: options.out ?? 'fuzz-mutants',
  };
  const mutants = selectedMutants(options);
  process.stderr.write(
    `raftkit mutants --fuzz: seed ${fuzz.seed}, ${mutants.length} mutants, up to ${budgetMs / 1000} s each, oracles ${options.oracle}\n`,
  );
  const verdicts: FuzzVerdict[] = [];
  for (const [k, mutant] of mutants.entries()) {
    if (options.progress !== false) process.stderr.write(`[${k + 1}/${mutants.length}] ${mutant.name}\n`);
    verdicts.push(await fuzzMutant(mutant, fuzz));
  }
  if (options.report === 'json') {
    const body = verdicts.map((v) => ({
      name: v.mutant.name,
      bug: v.mutant.bug,
      killed: v.killedBy !== null,
      nodeSteps: v.nodeSteps,
      runs: v.runs,
      by: v.killedBy
        ? {
            oracle: v.killedBy.oracle,
            property: v.killedBy.property,
            diagnosis: v.killedBy.diagnosis,
            scenario: v.killedBy.shrunk?.scenario,
            reproduce: v.killedBy.shrunk?.reproduce,
          }
        : null,
    }));
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  } else process.stdout.write(fuzzMutantTable(verdicts));
  return verdicts.every((v) => v.killedBy) ? 0 : 1;
}
