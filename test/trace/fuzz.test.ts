import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { syntheticTrace } from '../../src/timing/synthetic.ts';
import { toCanonicalLine } from '../../src/trace/events.ts';
import { analyzeTrace, analyzeTraceInputs, parseTrace, TraceError } from '../../src/trace/index.ts';
import type { TraceFormat } from '../../src/trace/trace.ts';
import { mutation } from './log-mutations.ts';

/**
 * Mutation fuzzing of every reader: real logs (test/fixtures/trace) cut, spliced,
 * shuffled and corrupted the way pasted and rotated logs are. Whatever the input, a
 * reader either reads it or throws a TraceError naming file and line — never anything
 * else (DESIGN.md: "Bad input gets a clear error and loses nothing").
 */

const fixture = (name: string) => readFileSync(`test/fixtures/trace/${name}`, 'utf8');
const BASES: Readonly<Record<TraceFormat, string>> = {
  canonical: `${syntheticTrace({ events: 300, seed: 7 }).map(toCanonicalLine).join('\n')}\n${fixture('canonical-self-vote.ndjson')}`,
  eliben: fixture('eliben-follower-comes-back.log'),
  hclog: fixture('hashicorp-partitioned.log'),
  etcd: fixture('etcd-partitioned.log'),
};

function mutated(base: string): fc.Arbitrary<string> {
  const lines = base.split('\n');
  return fc
    .tuple(fc.array(mutation, { minLength: 1, maxLength: 8 }), fc.nat(), fc.constantFrom('\n', '\r\n'))
    .map(([mutations, start, eol]) => {
      // A window of the log keeps each run fast; the mutations act on it.
      const from = start % Math.max(1, lines.length - 60);
      const copy = lines.slice(from, from + 80);
      for (const m of mutations) m(copy);
      return copy.join(eol);
    });
}

function onlyTraceErrors(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof TraceError)) throw error;
  }
}

describe('mutated real logs: every reader throws nothing but TraceError', () => {
  for (const [format, base] of Object.entries(BASES) as [TraceFormat, string][]) {
    it(`${format}: 10,000 mutated documents parsed with --format ${format}, and 300 analysed with auto-detection`, () => {
      fc.assert(
        fc.property(mutated(base), (text) => onlyTraceErrors(() => parseTrace(text, 'fuzz.log', format))),
        { numRuns: 10_000, seed: 20261206 },
      );
      fc.assert(
        fc.property(mutated(base), (text) => onlyTraceErrors(() => analyzeTrace(text, 'fuzz.log'))),
        { numRuns: 300, seed: 20261207 },
      );
    }, 600_000);
  }
});

describe('mutated cluster runs (several files, one per node, merged by time): nothing but TraceError', () => {
  const run = (dir: string) => {
    const read = (f: string) => fixture(`cluster/${dir}/${f}`);
    return { kit: read('kit-events.ndjson'), logs: ['n1', 'n2', 'n3'].map((n) => read(`${n}.log`)) };
  };
  for (const dir of ['hashicorp-partitioned', 'etcd-partitioned']) {
    it(`${dir}: 1,000 runs with one node's log and the kit's events mutated`, () => {
      const { kit, logs } = run(dir);
      fc.assert(
        fc.property(mutated(logs[0]), mutated(kit), (log, events) =>
          onlyTraceErrors(() =>
            analyzeTraceInputs([
              { text: events, file: 'kit-events.ndjson', node: null },
              { text: log, file: 'n1.log', node: 'n1' },
              { text: logs[1], file: 'n2.log', node: 'n2' },
              { text: logs[2], file: 'n3.log', node: 'n3' },
            ]),
          ),
        ),
        { numRuns: 1_000, seed: 20261208 },
      );
    }, 600_000);
  }
});

const HUGE = ['99999999999999999999', '18446744073709551615', '9007199254740993'];

/** The whole log once per line naming a term, that term replaced by a value past 2^53 (where t + 1 === t). */
function hugeTerms(base: string): string[] {
  const lines = base.split('\n');
  return lines.flatMap((line, i) => {
    if (!/term\W{0,2}\d/i.test(line)) return [];
    const copy = lines.slice();
    copy[i] = line.replace(/(term\W{0,2})\d+/i, `$1${HUGE[i % HUGE.length]}`);
    return [copy.join('\n')];
  });
}

/** Whole logs, not windows: a number a damaged line makes huge must not make the work huge. */
function wholeMutated(base: string): fc.Arbitrary<string> {
  const lines = base.split('\n');
  return fc.array(mutation, { minLength: 1, maxLength: 8 }).map((mutations) => {
    const copy = lines.slice();
    for (const m of mutations) m(copy);
    return copy.join('\n');
  });
}

describe('whole mutated logs: work bounded by the log, not by the numbers in it (a damaged log is reported, not hung)', () => {
  const WHOLE = ['eliben-follower-comes-back.log', 'etcd-partitioned.log', 'hashicorp-partitioned.log'];
  for (const name of WHOLE) {
    it(`${name}: every line naming a term, its term past 2^53, and 60 documents with the fuzz mutations, analysed`, () => {
      const base = fixture(name);
      const documents = hugeTerms(base);
      expect(documents.length).toBeGreaterThan(20);
      for (const text of documents) onlyTraceErrors(() => analyzeTrace(text, name));
      fc.assert(
        fc.property(wholeMutated(base), (text) => onlyTraceErrors(() => analyzeTrace(text, name))),
        { numRuns: 60, seed: 20261209 },
      );
    }, 600_000);
  }
});
