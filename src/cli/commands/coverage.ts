import { type Command, Option } from 'commander';
import { ITEM_KINDS } from '../../generate/coverage.ts';
import { type CoverageReport, coverageReport } from '../../generate/report.ts';
import { loadScenarios, SCENARIO_ROOT, ScenarioRunError, ScenarioSyntaxError } from '../../scenario/index.ts';
import { UsageError } from '../errors.ts';

/**
 * `raftkit coverage`: which scenarios exercise which transitions, guard outcomes, payload
 * classes and Figure 2 rules of the model; unreachable items with the reason.
 */

interface CoverageOptions {
  readonly scenarios: string[];
  readonly format: 'text' | 'json';
  readonly check?: boolean;
  readonly verbose?: boolean;
}

export function register(program: Command): void {
  program
    .command('coverage')
    .summary('show which scenarios cover each transition, guard outcome, payload class and Figure 2 rule')
    .description(COVERAGE_DESCRIPTION)
    .option('--scenarios <paths...>', `scenario files or folders (default: ${SCENARIO_ROOT})`, [
      SCENARIO_ROOT,
    ])
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option(
      '--check',
      'exit 1 unless every reachable item is covered and no unreachable reason is contradicted',
    )
    .option('--verbose', 'list every covering scenario, not just the first three')
    .addHelpText('after', COVERAGE_HELP_AFTER)
    .action(coverageAction);
}

const COVERAGE_DESCRIPTION =
  'Run every step-mode scenario on the model and account what each step exercises: the ' +
  'node statechart’s transitions (per role), each guard’s true and false outcomes, payload ' +
  'classes of messages (term lower/equal/higher, votedFor, candidate log behind/equal/ahead, ' +
  'prevLog match/mismatch/beyond end, entries new/duplicate/conflicting), the rules of ' +
  'Figure 2, and cluster situations (first leader, split vote, Figure 8, …) recognised on ' +
  'the cluster model. Per configuration of the switch matrix (each switch value of ' +
  'models/features.ts), the switch’s own guards and whether a scenario of that ' +
  'configuration changed a step by it. Items no scenario can reach are listed with the reason.';

const COVERAGE_HELP_AFTER = [
  '',
  'Examples:',
  '  raftkit coverage                         the whole suite, summary and per-item table',
  '  raftkit coverage --check                 CI: fail below 100% of reachable items',
  '  raftkit coverage --scenarios conformance/scenarios/curated --format json',
  '',
  'Exit codes: 0 done, 1 --check found an uncovered item, 2 usage error or a bad scenario file.',
].join('\n');

/** Replays the scenarios on the model, prints the report, and fails --check on a gap. */
function coverageAction(options: CoverageOptions): void {
  let report: CoverageReport;
  let count: number;
  try {
    const scenarios = loadScenarios(options.scenarios);
    if (scenarios.length === 0)
      throw new UsageError(
        `--scenarios: expected scenario files, found none in ${options.scenarios.join(' ')}`,
      );
    count = scenarios.length;
    report = coverageReport(scenarios);
  } catch (error) {
    if (error instanceof ScenarioSyntaxError || error instanceof ScenarioRunError)
      throw new UsageError(error.message);
    throw error;
  }
  const ok = report.covered === report.reachable && report.contradicted.length === 0;
  if (options.format === 'json')
    process.stdout.write(`${JSON.stringify({ scenarios: count, ...report }, null, 2)}\n`);
  else process.stdout.write(renderText(report, count, options.verbose ?? false));
  process.exitCode = options.check && !ok ? 1 : 0;
}

function percent(a: number, b: number): string {
  return b === 0 ? '100.0%' : `${((100 * a) / b).toFixed(1)}%`;
}

export function renderText(report: CoverageReport, scenarios: number, verbose: boolean): string {
  const lines: string[] = [`coverage of the model by ${scenarios} scenarios`, ''];
  for (const kind of ITEM_KINDS) {
    const items = report.items.filter((i) => i.kind === kind);
    const reachable = items.filter((i) => i.unreachable === undefined);
    const covered = reachable.filter((i) => i.coveredBy.length > 0);
    lines.push(
      `${kind.padEnd(11)} ${String(covered.length).padStart(4)} / ${String(reachable.length).padEnd(4)} reachable covered (${percent(covered.length, reachable.length)}), ${items.length - reachable.length} unreachable`,
    );
  }
  lines.push(
    `${'total'.padEnd(11)} ${String(report.covered).padStart(4)} / ${String(report.reachable).padEnd(4)} reachable covered (${percent(report.covered, report.reachable)})`,
    '',
    'configurations (default: the items of the model, covered in any configuration; each switch value: its own guards and whether it changed a step):',
  );
  for (const c of report.configurations) {
    lines.push(
      `  ${c.name.padEnd(32)} ${String(c.scenarios).padStart(4)} scenarios  ${String(c.covered).padStart(4)} / ${String(c.reachable).padEnd(4)} covered (${percent(c.covered, c.reachable)})`,
    );
  }
  lines.push('');
  for (const kind of ITEM_KINDS) {
    lines.push(`${kind}s:`);
    for (const item of report.items.filter((i) => i.kind === kind)) {
      if (item.unreachable !== undefined) {
        const flag = item.coveredBy.length > 0 ? `CONTRADICTED by ${item.coveredBy[0]}: ` : '';
        lines.push(`  - ${item.id}  unreachable: ${flag}${item.unreachable}`);
        continue;
      }
      if (item.coveredBy.length === 0) {
        lines.push(`  ✗ ${item.id}  NOT COVERED (${item.description})`);
        continue;
      }
      const shown = verbose ? item.coveredBy : item.coveredBy.slice(0, 3);
      const more =
        item.coveredBy.length > shown.length ? ` +${item.coveredBy.length - shown.length} more` : '';
      lines.push(`  ✓ ${item.id}  ${shown.join(', ')}${more}`);
    }
    lines.push('');
  }
  return `${lines.join('\n')}`;
}
