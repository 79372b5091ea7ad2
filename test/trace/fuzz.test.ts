import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, it } from 'vitest';
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
