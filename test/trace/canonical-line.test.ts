import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { syntheticTrace } from '../../src/timing/synthetic.ts';
import { readCanonicalLine } from '../../src/trace/canonical-line.ts';
import { canonicalEventSchema, toCanonicalLine } from '../../src/trace/events.ts';

/**
 * The canonical reader's fast path (src/trace/canonical-line.ts) against the general way
 * it stands in for: JSON.parse, then the zod schema of docs/trace-format.md. Wherever the
 * fast path returns an event, the general way accepts the line and builds the same event;
 * where it returns nothing, the general way decides (and names the error). The fast path
 * must also take the lines programs write, or it saves nothing.
 */

/** The general way: the event JSON.parse + zod build, with its line and time, or null if the line is rejected. */
function general(line: string, lineNo: number): unknown {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return null;
  }
  const result = canonicalEventSchema.safeParse(json);
  if (!result.success) return null;
  return { ...result.data, line: lineNo, time: (result.data as { time?: number }).time ?? null };
}

const SYNTHETIC = syntheticTrace({ events: 3000, seed: 11, preVote: true }).map(toCanonicalLine);
const FIXTURE = readFileSync('test/fixtures/trace/canonical-self-vote.ndjson', 'utf8').split('\n');
const CORPUS = [...SYNTHETIC, ...FIXTURE].filter((l) => l.startsWith('{'));

/** Texts that make a line unusual: JSON white space, escapes, other number forms, unknown or repeated keys, bad JSON. */
const PIECES = [
  ' ',
  '\t',
  '\u00a0',
  '\\"',
  '\\u0041',
  '1e3',
  '-1',
  '-0',
  '01',
  '1.0',
  '0.5',
  '1E2',
  '99999999999999999999',
  '1e309',
  'null',
  'true',
  '"x"',
  '""',
  '{}',
  '[]',
  ',',
  ':',
  '}',
  '{',
  '"',
  '"time":5,',
  '"node":"n1",',
  '"term":1,',
  '"extra":1,',
  '"__proto__":{},',
  '"kit"',
  '"Cluster"',
  '"PreVoteResponse"',
  '"log":[{"term":1,"value":"v"}],',
  '"votedFor":null,',
];

const NUMBERS = [
  '0',
  '1',
  '-1',
  '-0',
  '01',
  '1.0',
  '0.5',
  '1e3',
  '1E2',
  '2.5e-1',
  '99999999999999999999',
  '1e309',
  '"1"',
  'null',
  'true',
];
const STRINGS = [
  '"n1"',
  '"n9"',
  '""',
  '"kit"',
  '"a\\"b"',
  '"Cluster"',
  '"Send"',
  '"State"',
  '"PreVoteResponse"',
  '"extra"',
  '1',
  'null',
];

type Edit = (line: string) => string;
/** The k-th match of `re` in the line replaced by `by`. */
const replaceNth =
  (re: RegExp, k: number, by: (match: string) => string): Edit =>
  (line) => {
    let n = 0;
    return line.replace(re, (m) => (n++ === k % 16 ? by(m) : m));
  };
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.tuple(fc.nat(), fc.nat(3), fc.constantFrom(...PIECES)).map(([at, cut, piece]) => (line: string) => {
    const k = at % (line.length + 1);
    return line.slice(0, k) + piece + line.slice(k + cut);
  }),
  fc.tuple(fc.nat(), fc.constantFrom(...NUMBERS)).map(([k, by]) => replaceNth(/-?\d+(\.\d+)?/g, k, () => by)),
  fc.tuple(fc.nat(), fc.constantFrom(...STRINGS)).map(([k, by]) => replaceNth(/"[^"]*"(?!:)/g, k, () => by)),
  fc.tuple(fc.nat(), fc.constantFrom(...STRINGS)).map(([k, by]) => replaceNth(/"[^"]*"(?=:)/g, k, () => by)),
  fc
    .tuple(fc.nat(), fc.constantFrom(' ', '\t', '  '))
    .map(([k, by]) => replaceNth(/[,:{}[\]]/g, k, (m) => m + by)),
);
const mutatedLine = fc
  .tuple(fc.constantFrom(...CORPUS), fc.array(edit, { minLength: 1, maxLength: 3 }))
  .map(([line, edits]) => edits.reduce((text, e) => e(text), line));

describe('the fast canonical line reader (src/trace/canonical-line.ts)', () => {
  it('reads every event line the kit writes as the general way does (JSON.parse + schema)', () => {
    let fast = 0;
    for (const [i, line] of CORPUS.entries()) {
      const event = readCanonicalLine(line, i + 1);
      if (event === undefined) continue;
      fast++;
      expect(event).toEqual(general(line, i + 1));
    }
    // Only Cluster lines (and the kit's network events) are left to the general way.
    const left = CORPUS.filter((l) => /"event":"(Cluster|Partition|Cut|Heal)"/.test(l)).length;
    expect(fast).toBe(CORPUS.length - left);
  });

  it('on 20,000 mutated lines, returns an event only where the general way builds the same one', () => {
    let taken = 0;
    let rejectedByGeneral = 0;
    fc.assert(
      fc.property(mutatedLine, (line) => {
        const event = readCanonicalLine(line, 7);
        const expected = general(line, 7);
        if (expected === null) rejectedByGeneral++;
        if (event === undefined) return true;
        taken++;
        return isDeepStrictEqual(event, expected);
      }),
      { numRuns: 20_000, seed: 20261206 },
    );
    // The mutations reach both sides: lines the fast path still takes, lines the schema rejects.
    expect(taken).toBeGreaterThan(1000);
    expect(rejectedByGeneral).toBeGreaterThan(1000);
  });

  it('leaves to the general way what it does not read whole', () => {
    const line = (s: string) => readCanonicalLine(s, 1);
    expect(line('{"event":"Crash","node":"n1"}')).toEqual({
      event: 'Crash',
      node: 'n1',
      line: 1,
      time: null,
    });
    expect(line(' {"event" : "Crash", "node":"n1", "time": -2.5e1 } ')).toEqual({
      event: 'Crash',
      node: 'n1',
      line: 1,
      time: -25,
    });
    for (const other of [
      '{"event":"Crash","node":"n\\u0031"}', // an escape
      '{"event":"Crash","node":"n1","node":"n2"}', // a key twice (JSON.parse keeps the last)
      '{"event":"BecomeLeader","node":"n1","term":1.0}', // an integer written as a decimal
      '{"event":"BecomeLeader","node":"n1","term":01}', // bad JSON
      '{"event":"Cluster","nodes":["n1"]}', // not a node's event
      '{"event":"Crash","node":""}', // an empty id (the schema names the error)
      '{"event":"Crash","node":"n1"}\u00a0', // white space JSON does not allow
      '{"event":"TimerStart","node":"n1","timeoutMs":-0}',
      '{"event":"State","node":"n1","state":{"log":[{"term":0,"value":"v"}]}}', // an entry's term is ≥ 1
    ]) {
      expect(line(other), other).toBeUndefined();
    }
  });
});
