import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Scenario } from '../scenario/ast.ts';
import type { ImplementationChoice } from './impls/implementations.ts';
import {
  type ClusterReport,
  type ImplementationReport,
  implementationReport,
  resultLine,
  summaryLine,
} from './report.ts';
import { type ClusterScenarioResult, runClusterScenario } from './runner.ts';

/**
 * The cluster suite: every chosen implementation through every scenario, one at a time
 * (the machine's cores belong to the nodes), with a line per run as it finishes. With
 * `out`, each run's evidence goes to `<out>/<impl>/<scenario>/` (node logs, the kit's
 * event log, the reference's own trace).
 */

export interface SuiteOptions {
  readonly seed: number;
  readonly scenarios: readonly Scenario[];
  readonly out?: string;
  readonly traceFormat: 'canonical' | 'eliben';
  readonly timeScale?: number;
  /** Prints report lines (not in --json mode). */
  readonly say: (text: string) => void;
  /** Per-scenario step lines (progress or --verbose). */
  readonly onEvent?: (scenario: string) => ((line: string) => void) | undefined;
  readonly afterRun?: () => void;
  /** The command that reproduces one scenario of one implementation. */
  readonly reproduce: (impl: string, scenario: string) => string;
}

export async function runClusterSuite(
  choices: readonly ImplementationChoice[],
  options: SuiteOptions,
): Promise<ClusterReport> {
  const reports: ImplementationReport[] = [];
  for (const choice of choices) reports.push(await runImplementation(choice, options));
  return { seed: options.seed, scenarios: options.scenarios.map((s) => s.name), implementations: reports };
}

async function runImplementation(
  choice: ImplementationChoice,
  options: SuiteOptions,
): Promise<ImplementationReport> {
  const reason = choice.unavailable();
  if (reason !== null) {
    options.say(`\n== ${choice.key}: UNAVAILABLE: ${reason}`);
    return implementationReport(choice.key, choice.key, [], reason);
  }
  const results: ClusterScenarioResult[] = [];
  let name = choice.key;
  for (const scenario of options.scenarios) {
    const result = await runOne(choice, scenario, options, results.length === 0);
    name = result.implementation;
    results.push(result);
  }
  const report = implementationReport(choice.key, name, results);
  options.say(summaryLine(report));
  return report;
}

async function runOne(
  choice: ImplementationChoice,
  scenario: Scenario,
  options: SuiteOptions,
  first: boolean,
): Promise<ClusterScenarioResult> {
  // Absolute: each node runs in its own working directory.
  const evidenceDir = options.out === undefined ? undefined : resolve(options.out, choice.key, scenario.name);
  if (evidenceDir !== undefined) mkdirSync(evidenceDir, { recursive: true });
  const implementation = choice.make({
    seed: options.seed,
    traceFile: evidenceDir === undefined ? undefined : () => join(evidenceDir, 'trace.log'),
    traceFormat: options.traceFormat,
  });
  if (first) options.say(`\n== ${implementation.name}`);
  const result = await runClusterScenario(scenario, implementation, {
    onEvent: options.onEvent?.(scenario.name),
    timeScale: options.timeScale,
    evidenceDir,
  });
  options.afterRun?.();
  if (first && result.timeScale !== 1)
    options.say(
      `   (deadlines × ${result.timeScale}: election timeout ${implementation.electionTimeoutMs} ms)`,
    );
  options.say(resultLine(result));
  if (result.verdict === 'fail')
    options.say(`       reproduce: ${options.reproduce(choice.key, scenario.name)}`);
  return result;
}
