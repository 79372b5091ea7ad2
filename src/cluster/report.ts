import type { ClusterVerdict } from './outcome.ts';
import { type ClusterScenarioResult, percentiles } from './runner.ts';

/**
 * The cluster report: one line per scenario run, one summary per implementation (pass,
 * fail, skip, not reached; election-time median and p99 over every leader change), and
 * the JSON written with `--out` / printed with `--json`.
 */

export interface ImplementationReport {
  /** The `--impl` name. */
  readonly implementation: string;
  /** Its label, e.g. `etcd 3.4.23 (server)`. */
  readonly name: string;
  readonly unavailable: string | null;
  readonly results: readonly ClusterScenarioResult[];
  readonly counts: Readonly<Record<ClusterVerdict, number>>;
  /** Every leader change after the first election of each run. */
  readonly election: { n: number; median: number; p99: number } | null;
  /** Stale leaders stepping down after a heal, from the heal. */
  readonly staleStepDown: { n: number; median: number; p99: number } | null;
}

export interface ClusterReport {
  readonly seed: number;
  readonly scenarios: readonly string[];
  readonly implementations: readonly ImplementationReport[];
}

const VERDICTS: readonly ClusterVerdict[] = ['pass', 'fail', 'skip', 'not-reached'];

export function implementationReport(
  implementation: string,
  name: string,
  results: readonly ClusterScenarioResult[],
  unavailable: string | null = null,
): ImplementationReport {
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, results.filter((r) => r.verdict === v).length]));
  return {
    implementation,
    name,
    unavailable,
    results,
    counts: counts as Record<ClusterVerdict, number>,
    election: percentiles(results.flatMap((r) => r.electionMs)),
    staleStepDown: percentiles(results.flatMap((r) => r.staleLeaderStepDowns.map((s) => s.tookMs))),
  };
}

const ms = (value: number) => `${Math.round(value)}ms`;

/** One scenario run, with why it failed, was skipped or did not reach its situation. */
export function resultLine(result: ClusterScenarioResult): string {
  const verdict = result.verdict.toUpperCase().padEnd(11);
  const secs = `${(result.durationMs / 1000).toFixed(1)}s`;
  const first =
    result.initialElectionMs === null ? '' : `, first leader after ${ms(result.initialElectionMs)}`;
  const again = result.electionMs.length > 0 ? `, leader changes ${result.electionMs.map(ms).join(' ')}` : '';
  const where = result.line !== undefined && result.line > 0 ? ` (line ${result.line})` : '';
  const situation =
    result.situation === undefined
      ? ''
      : `\n       situation ${result.situation.name}: ${result.situation.reached ? 'reached' : 'NOT reached'}`;
  const why = result.reason ? `\n       ${result.reason}` : '';
  const leaked =
    result.leftoverPids.length > 0 || result.leftoverDir
      ? `\n       LEAK: ${result.leftoverPids.length} process(es) and ${result.leftoverDir ? 'the run dir' : 'no dir'} left behind`
      : '';
  return `${verdict} ${result.scenario} ${secs}${first}${again}${where}${situation}${why}${leaked}`;
}

/** The summary of one implementation. */
export function summaryLine(report: ImplementationReport): string {
  const c = report.counts;
  const counts = `${c.pass} passed, ${c.fail} failed, ${c.skip} skipped, ${c['not-reached']} not reached`;
  const e = report.election;
  const election =
    e === null ? '' : `; election time over ${e.n} leader changes: median ${ms(e.median)}, p99 ${ms(e.p99)}`;
  const s = report.staleStepDown;
  const stale = s === null ? '' : `; stale leader stepped down after a heal (${s.n}): median ${ms(s.median)}`;
  return `${report.implementation}: ${counts}${election}${stale}`;
}
