/**
 * What the three `classify.ts` scripts (etcd raft, canonical raft, hashicorp/raft) share:
 * the summary they print for a `raftkit conform --report json` run — counts, one line per
 * discrepancy class, the skip reasons, the tolerances used, and the failures no class
 * explains — and their command line. The classes themselves stay with each adapter.
 */
import { readFileSync } from 'node:fs';
import { classificationLines, classifyFuzzFailures, isFuzzReport } from '../../src/fuzz/classify.ts';

/** A scenario of the JSON report, as far as classification reads it. */
export interface ReportResult<F> {
  readonly name: string;
  readonly status: 'pass' | 'fail' | 'skip';
  readonly reason?: string;
  readonly tolerances?: readonly string[];
  readonly failure?: F & { readonly input: string; readonly diagnosis: string };
}

/** One discrepancy class: an id (its first word is the doc's label), a verdict, a predicate on the first failing step. */
export interface ClassOf<F> {
  readonly id: string;
  readonly verdict: string;
  readonly matches: (f: F) => boolean;
}

const pad = (n: number) => String(n).padStart(4);

function countBy<T>(items: readonly T[], key: (t: T) => string | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    if (k !== undefined) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/**
 * Prints the classified summary of a report (each failure counted in the first class that
 * matches it); returns the failures no class explains. `verdictWidth` aligns the columns.
 */
export function printClassified<F>(
  results: readonly ReportResult<F>[],
  classes: readonly ClassOf<F>[],
  verdictWidth = 24,
): ReportResult<F>[] {
  const classify = (f: F) => classes.find((c) => c.matches(f))?.id;
  const failed = results.filter((r) => r.status === 'fail' && r.failure !== undefined);
  const byClass = countBy(failed, (r) => classify(r.failure as F));
  const status = countBy(results, (r) => r.status);
  const out: string[] = [
    `${results.length} scenarios: ${status.get('pass') ?? 0} passed, ${status.get('fail') ?? 0} failed, ${status.get('skip') ?? 0} skipped`,
  ];
  for (const c of classes)
    out.push(`${pad(byClass.get(c.id) ?? 0)}  ${c.verdict.padEnd(verdictWidth)}  ${c.id}`);
  const skips = countBy(results, (r) =>
    r.status === 'skip' ? (r.reason ?? '').replace(/ \(line .*$/, '') : undefined,
  );
  for (const [why, n] of skips) out.push(`${pad(n)}  ${'skipped'.padEnd(verdictWidth)}  ${why}`);
  const used = countBy(
    results.flatMap((r) => r.tolerances ?? []),
    (t) => t,
  );
  const tolerances = [...used].sort(([a], [b]) => a.localeCompare(b)).map(([t, n]) => `${t} ${n}`);
  out.push(`tolerances used (scenarios): ${tolerances.join(', ') || 'none'}`);
  const unexplained = failed.filter((r) => classify(r.failure as F) === undefined);
  out.push(`${pad(unexplained.length)}  UNCLASSIFIED`);
  for (const r of unexplained) out.push(`      ${r.name}: ${r.failure?.input} — ${r.failure?.diagnosis}`);
  process.stdout.write(`${out.join('\n')}\n`);
  return unexplained;
}

/**
 * The script's command line, when `script` (e.g. 'etcd-raft/classify.ts') is the file run:
 * reads the report named by the first argument, prints the summary, exit code 1 if any
 * failure is unclassified, 2 on a usage error.
 */
export function classifyCli<F>(script: string, classes: readonly ClassOf<F>[], verdictWidth?: number): void {
  if (!process.argv[1]?.endsWith(script)) return;
  const file = process.argv[2];
  if (file === undefined) {
    process.stderr.write(
      `raftkit: usage: tsx conformance/adapters/${script} <conform --report json output | fuzz-report.json>\n`,
    );
    process.exit(2);
  }
  const json: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (isFuzzReport(json)) {
    // A `raftkit fuzz --out` report: its failing runs by the same classes.
    const c = classifyFuzzFailures(json.failures, classes);
    process.stdout.write(`${classificationLines(c, verdictWidth).join('\n')}\n`);
    process.exitCode = c.unclassified.length > 0 ? 1 : 0;
    return;
  }
  const report = json as { scenarios: ReportResult<F>[] };
  process.exitCode = printClassified(report.scenarios, classes, verdictWidth).length > 0 ? 1 : 0;
}
