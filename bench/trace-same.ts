/**
 * Does a change to src/trace/ change any verdict? The reports of another checkout against
 * this tree's, compared whole (the report object and its text, deep-equal):
 * - every log of test/fixtures/trace and the seed log, read alone (`analyzeTrace`);
 * - every cluster run there (a directory of n<i>.log files, `analyzeTraceInputs`);
 * - mutated documents of the real logs: the fuzz test's mutations (test/trace/log-mutations.ts)
 *   plus cuts at a message's end
 *   (": ", ":", ": k=1" …), where the readers decide what a message is.
 *
 *   git worktree add --detach /tmp/old 9bdc98b && ln -s "$PWD/node_modules" /tmp/old/
 *   npx tsx bench/trace-same.ts /tmp/old [documents per log, default 1000]
 *
 * Prints one line per group ("same N different M", and the first differing names); exit 1
 * if anything differs. Made for speed work, where the answer must be "nothing changed".
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import * as NEW from '../src/trace/index.ts';
import type { TraceFormat } from '../src/trace/trace.ts';
import { at, type Mutation, mutation } from '../test/trace/log-mutations.ts';
import { withLinkArrays } from './link-arrays.ts';

type Trace = Pick<typeof NEW, 'analyzeTrace' | 'analyzeTraceInputs' | 'renderText'>;

const [oldDir, perLogArg] = process.argv.slice(2);
if (!oldDir) {
  console.error('usage: npx tsx bench/trace-same.ts <old checkout> [documents per log]');
  process.exit(2);
}
const OLD = (await import(resolve(oldDir, 'src/trace/index.ts'))) as Trace;
const PER_LOG = Number(perLogArg ?? 1000);
const FIXTURES = 'test/fixtures/trace';

/** The report and its text, or the error's message: what a user would see. */
function seen(side: Trace, run: (t: Trace) => NEW.TraceReport): unknown {
  try {
    const report = run(side);
    return { report: withLinkArrays(report), text: side.renderText(report) };
  } catch (error) {
    return { error: String(error) };
  }
}

function compare(group: string, cases: readonly [string, (t: Trace) => NEW.TraceReport][]): boolean {
  const differing = cases.filter(([, run]) => !isDeepStrictEqual(seen(OLD, run), seen(NEW, run)));
  const names = differing.slice(0, 3).map(([name]) => name);
  console.log(
    `${group}: same ${cases.length - differing.length}, different ${differing.length}${names.length > 0 ? ` (${names.join(', ')})` : ''}`,
  );
  return differing.length === 0;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const logs = [
  ...filesUnder(FIXTURES).filter((f) => !/\.(md|txt)$/.test(f)),
  'test/fixtures/000_c99288ffe9c5615b.txt',
];
const runs = [
  ...new Set(
    filesUnder(FIXTURES)
      .filter((f) => /\/n\d+\.log$/.test(f))
      .map((f) => f.replace(/\/[^/]+$/, '')),
  ),
];

function runOf(dir: string): (t: Trace) => NEW.TraceReport {
  const inputs = readdirSync(dir)
    .filter((name) => /^n\d+\.log$/.test(name))
    .map((name) => ({
      text: readFileSync(join(dir, name), 'utf8'),
      file: join(dir, name),
      node: name.slice(0, -4),
    }));
  return (t) => t.analyzeTraceInputs(inputs);
}

/** The fuzz test's mutations, and cuts at a message's end: where a reader decides what the message is. */
const mutationOrCut: fc.Arbitrary<Mutation> = fc.oneof(
  mutation,
  fc
    .tuple(fc.nat(), fc.constantFrom(':', ': ', ': x', ': k=1', '::', ' k=', 'x'))
    .map(([i, s]) => (l: string[]) => {
      const a = at(l, i);
      const line = l[a] ?? '';
      const c = line.indexOf(': ', 30);
      const k = c < 0 ? line.length : c;
      l[a] = line.slice(0, k) + s + line.slice(k);
    }),
);

/** `PER_LOG` mutated documents of one log, each analysed by both trees in the given format (or detected). */
function mutatedCases(file: string, format: TraceFormat): [string, (t: Trace) => NEW.TraceReport][] {
  const base = readFileSync(file, 'utf8');
  const all = base.split('\n');
  const documents = fc.sample(
    fc.tuple(fc.array(mutationOrCut, { minLength: 1, maxLength: 6 }), fc.nat(), fc.boolean()),
    { numRuns: PER_LOG, seed: 42 },
  );
  return documents.map(([mutations, start, detect], i) => {
    // A window of the log, as in the fuzz test, keeps the run short. Whole mutated logs once hung
    // (a term past 2^53 in diagnose.ts, fixed in b1ae0b1): a tree older than that hangs on them.
    const from = start % Math.max(1, all.length - 60);
    const lines = all.slice(from, from + 80);
    for (const m of mutations) m(lines);
    const text = lines.join('\n');
    return [`${file}#${i}`, (t) => t.analyzeTrace(text, file, { format: detect ? 'auto' : format })];
  });
}

const MUTATED: readonly [string, TraceFormat][] = [
  [`${FIXTURES}/eliben-follower-comes-back.log`, 'eliben'],
  [`${FIXTURES}/eliben-churn.log`, 'eliben'],
  [`${FIXTURES}/hashicorp-partitioned.log`, 'hclog'],
  [`${FIXTURES}/hashicorp-timing.log`, 'hclog'],
  [`${FIXTURES}/etcd-partitioned.log`, 'etcd'],
];

const results = [
  compare(
    `logs (${logs.length})`,
    logs.map((f) => [f, (t) => t.analyzeTrace(readFileSync(f, 'utf8'), f)]),
  ),
  compare(
    `cluster runs (${runs.length})`,
    runs.map((d) => [d, runOf(d)]),
  ),
  ...MUTATED.map(([file, format]) => compare(`${PER_LOG} mutated ${file}`, mutatedCases(file, format))),
];
process.exit(results.every(Boolean) ? 0 : 1);
