import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StepDetail } from './run.ts';

/**
 * Fuzz failures grouped by an implementation's discrepancy classes — the same classes that
 * explain its step-mode column (conformance/adapters/<name>/classify.ts, docs/implementations.md),
 * read from the same fields: a failure of the model oracle carries its failing step as
 * `raftkit conform --report json` reports one (`detail`). A safety or adapter failure, or a
 * tick the model could not match, has no such step: it stays unclassified, to be read.
 */

/** A fuzz failure as far as classification reads it (an entry of fuzz-report.json). */
export interface FuzzFailureRecord {
  readonly run: number;
  readonly seed: number;
  readonly oracle: string;
  readonly property: string;
  readonly diagnosis: string;
  readonly detail?: StepDetail;
}

/** One discrepancy class: an id (its first word is the doc's label), a verdict, a predicate on the failing step. */
export interface FuzzClass<F> {
  readonly id: string;
  readonly verdict: string;
  readonly matches: (f: F) => boolean;
}

export interface FuzzClassification {
  readonly failures: number;
  /** Failing runs per class id, in the order of the classes, classes with none left out. */
  readonly byClass: readonly { readonly id: string; readonly verdict: string; readonly runs: number }[];
  readonly unclassified: readonly FuzzFailureRecord[];
}

/** Each failure in the first class that matches its failing step; the rest unclassified. */
export function classifyFuzzFailures<F>(
  failures: readonly FuzzFailureRecord[],
  classes: readonly FuzzClass<F>[],
): FuzzClassification {
  const counts = new Map<string, number>();
  const unclassified: FuzzFailureRecord[] = [];
  for (const f of failures) {
    const c = f.detail ? classes.find((k) => k.matches(f.detail as F)) : undefined;
    if (c) counts.set(c.id, (counts.get(c.id) ?? 0) + 1);
    else unclassified.push(f);
  }
  const byClass = classes
    .filter((c) => counts.has(c.id))
    .map((c) => ({ id: c.id, verdict: c.verdict, runs: counts.get(c.id) ?? 0 }));
  return { failures: failures.length, byClass, unclassified };
}

/** The label of a class id: its first word (`E15`). */
const labelOf = (id: string) => id.split(' ')[0];

/** `48 failing runs: 36 classified as E15 (allowed variation), 11 as E16 (…), 1 unclassified`, then a line per class and per unclassified run. */
export function classificationLines(c: FuzzClassification, verdictWidth = 20): string[] {
  const parts = c.byClass.map(
    (k, i) => `${k.runs} ${i === 0 ? 'classified as ' : 'as '}${labelOf(k.id)} (${k.verdict})`,
  );
  const head = `${c.failures} failing run(s): ${[...parts, `${c.unclassified.length} unclassified`].join(', ')}`;
  const pad = (n: number) => String(n).padStart(4);
  return [
    head,
    ...c.byClass.map((k) => `${pad(k.runs)}  ${k.verdict.padEnd(verdictWidth)}  ${k.id}`),
    `${pad(c.unclassified.length)}  UNCLASSIFIED`,
    ...c.unclassified.map(
      (f) =>
        `      run ${f.run} (seed ${f.seed}): ${f.detail ? `${f.detail.input} — ` : ''}${f.oracle}: ${f.diagnosis}`,
    ),
  ];
}

/** A fuzz-report.json (as opposed to a `conform --report json` report): it has runs and failures. */
export function isFuzzReport(json: unknown): json is { failures: FuzzFailureRecord[]; runsDone: number } {
  const r = json as { failures?: unknown; runsDone?: unknown } | null;
  return r !== null && typeof r === 'object' && Array.isArray(r.failures) && typeof r.runsDone === 'number';
}

/**
 * The classes exported as `DISCREPANCY_CLASSES` by an adapter's classify.ts
 * (`raftkit fuzz --classes conformance/adapters/etcd-raft/classify.ts`). Throws an Error with
 * a one-line message when the file cannot be loaded or exports no such list.
 */
export async function loadDiscrepancyClasses(file: string): Promise<FuzzClass<StepDetail>[]> {
  let loaded: { DISCREPANCY_CLASSES?: unknown };
  try {
    loaded = await import(pathToFileURL(resolve(file)).href);
  } catch (error) {
    throw new Error(`--classes ${file}: cannot load it (${(error as Error).message.split('\n')[0]})`);
  }
  const classes = loaded.DISCREPANCY_CLASSES;
  if (!Array.isArray(classes) || classes.some((c) => typeof c?.matches !== 'function'))
    throw new Error(`--classes ${file}: exports no DISCREPANCY_CLASSES list (an adapter's classify.ts does)`);
  return classes as FuzzClass<StepDetail>[];
}

/** The class id of a failure's step, or undefined (no step detail, or no class matches). */
export function classOfFailure<F>(
  classes: readonly FuzzClass<F>[],
): (f: { readonly detail?: StepDetail }) => string | undefined {
  return (f) => (f.detail ? classes.find((c) => c.matches(f.detail as F))?.id : undefined);
}
