import fc from 'fast-check';

/**
 * Mutations of a log's lines, the way pasted and rotated logs are damaged: lines dropped,
 * repeated, swapped, cut, run together, garbled, numbers replaced, fences added, order
 * reversed, the first half lost. Shared by the readers' fuzz test (test/trace/fuzz.test.ts:
 * only TraceError, whatever the input) and bench/trace-same.ts (two trees, the same reports).
 */

export type Mutation = (lines: string[]) => void;
export const at = (lines: string[], i: number) => (lines.length === 0 ? 0 : i % lines.length);

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.nat().map((i) => (l: string[]) => void l.splice(at(l, i), 1)),
  fc.nat().map((i) => (l: string[]) => void l.splice(at(l, i), 0, l[at(l, i)] ?? '')),
  fc.tuple(fc.nat(), fc.nat()).map(([i, j]) => (l: string[]) => {
    const [a, b] = [at(l, i), at(l, j)];
    [l[a], l[b]] = [l[b], l[a]];
  }),
  fc.tuple(fc.nat(), fc.nat()).map(([i, k]) => (l: string[]) => {
    const a = at(l, i);
    l[a] = (l[a] ?? '').slice(0, k % ((l[a] ?? '').length + 1));
  }),
  fc.nat().map((i) => (l: string[]) => {
    const a = at(l, i);
    l.splice(a, 2, `${l[a] ?? ''}${l[a + 1] ?? ''}`);
  }),
  fc.tuple(fc.nat(), fc.string({ unit: 'grapheme', maxLength: 12 })).map(([i, s]) => (l: string[]) => {
    const a = at(l, i);
    const line = l[a] ?? '';
    const k = i % (line.length + 1);
    l[a] = line.slice(0, k) + s + line.slice(k);
  }),
  fc
    .tuple(fc.nat(), fc.constantFrom('-1', '0', '99999999999999999999', 'NaN', '1e309', '', 'x'))
    .map(([i, v]) => (l: string[]) => {
      const a = at(l, i);
      let n = 0;
      l[a] = (l[a] ?? '').replace(/\d+/g, (m) => (n++ === i % 7 ? v : m));
    }),
  fc.constantFrom<Mutation>(
    (l) => void l.unshift('```'),
    (l) => void l.push('```'),
    (l) => void l.reverse(),
    (l) => void l.splice(0, l.length >> 1),
  ),
);
