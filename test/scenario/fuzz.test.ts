import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  listScenarioFiles,
  parseScenario,
  SCENARIO_ROOT,
  ScenarioSyntaxError,
} from '../../src/scenario/index.ts';

/**
 * "A fast-check fuzz test (≥ 10,000 mutated inputs) shows the parser never throws anything
 * but its own located error" (issue 4). Inputs are committed scenario files with random
 * edits: characters inserted, deleted or replaced, lines dropped, duplicated or swapped,
 * the text cut short.
 */
const corpus = listScenarioFiles(SCENARIO_ROOT)
  .filter((_, k) => k % 7 === 0)
  .map((f) => readFileSync(f, 'utf8'));
const ALPHABET = [
  ' ',
  '\n',
  '#',
  '-',
  '>',
  '=',
  '[',
  ']',
  ':',
  ',',
  '|',
  '$',
  '0',
  '9',
  'n',
  '\t',
  '\r',
  'é',
  '\u0000',
  '----',
];

type Edit =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'dropLine' | 'duplicateLine'; line: number }
  | { kind: 'swapLines'; a: number; b: number }
  | { kind: 'truncate'; at: number };

const position = fc.nat({ max: 10_000 });
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: position,
    text: fc.oneof(fc.constantFrom(...ALPHABET), fc.string({ maxLength: 4 })),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ kind: fc.constantFrom('dropLine' as const, 'duplicateLine' as const), line: position }),
  fc.record({ kind: fc.constant('swapLines' as const), a: position, b: position }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
);

function apply(text: string, e: Edit): string {
  const lines = text.split('\n');
  switch (e.kind) {
    case 'insert': {
      const at = e.at % (text.length + 1);
      return text.slice(0, at) + e.text + text.slice(at);
    }
    case 'delete': {
      const at = e.at % (text.length + 1);
      return text.slice(0, at) + text.slice(at + e.length);
    }
    case 'dropLine':
      lines.splice(e.line % lines.length, 1);
      return lines.join('\n');
    case 'duplicateLine': {
      const k = e.line % lines.length;
      lines.splice(k, 0, lines[k]);
      return lines.join('\n');
    }
    case 'swapLines': {
      const a = e.a % lines.length;
      const b = e.b % lines.length;
      [lines[a], lines[b]] = [lines[b], lines[a]];
      return lines.join('\n');
    }
    case 'truncate':
      return text.slice(0, e.at % (text.length + 1));
  }
}

describe('parser fuzz', () => {
  it('throws nothing but a located ScenarioSyntaxError on 10,000 mutated files', () => {
    let rejected = 0;
    fc.assert(
      fc.property(
        fc.nat({ max: corpus.length - 1 }),
        fc.array(edit, { minLength: 1, maxLength: 4 }),
        (k, edits) => {
          const text = edits.reduce(apply, corpus[k]);
          try {
            parseScenario(text, { file: 'fuzz.txt' });
          } catch (error) {
            rejected++;
            expect(error).toBeInstanceOf(ScenarioSyntaxError);
            const e = error as ScenarioSyntaxError;
            expect(e.line).toBeGreaterThanOrEqual(1);
            expect(e.column).toBeGreaterThanOrEqual(1);
            expect(e.message).toMatch(/^fuzz\.txt:\d+:\d+: expected .+, found .+$/s);
          }
        },
      ),
      { numRuns: 10_000, seed: 4 },
    );
    // Most mutations must be rejected, or the fuzzer is not reaching the parser's checks.
    expect(rejected).toBeGreaterThan(5_000);
  });
});
