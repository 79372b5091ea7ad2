import { describe, expect, it } from 'vitest';
import { LinkColumns, type LinkEvidence } from '../../src/trace/links.ts';

/** Link evidence is kept in columns for speed; what goes in must come out as it was given. */
describe('LinkColumns (link evidence in columns)', () => {
  it('gives back each row as it was added: no time, no term, a term past 2^31', () => {
    const rows: LinkEvidence[] = [
      { time: 1765018000000.123, from: 'n1', to: 'n2', reached: false, line: 7 },
      { time: null, from: 'n2', to: 'n1', reached: true, line: 8, term: 3 },
      { time: 0, from: 'n3', to: 'n1', reached: true, line: 9, term: 2 ** 40 },
    ];
    const columns = LinkColumns.of(rows);
    expect(columns.length).toBe(3);
    expect(columns.toArray()).toEqual(rows);
    expect('term' in columns.at(0)).toBe(false);
    expect([columns.timeAt(1), columns.termAt(0), columns.fromAt(2), columns.toAt(2)]).toEqual([
      null,
      undefined,
      'n3',
      'n1',
    ]);
  });

  it('grows past its first capacity and keeps every row', () => {
    const rows: LinkEvidence[] = Array.from({ length: 1000 }, (_, i) => ({
      time: i * 1.5,
      from: `n${i % 7}`,
      to: `n${(i + 1) % 7}`,
      reached: i % 3 === 0,
      line: i + 1,
      ...(i % 2 === 0 ? { term: i } : {}),
    }));
    expect(LinkColumns.of(rows).toArray()).toEqual(rows);
  });

  it('truncate drops the rows of a line whose reading was undone', () => {
    const columns = LinkColumns.of([
      { time: 1, from: 'a', to: 'b', reached: true, line: 1 },
      { time: 2, from: 'b', to: 'a', reached: false, line: 2 },
    ]);
    columns.truncate(1);
    columns.add(3, 'c', 'a', true, 3);
    expect(columns.toArray().map((l) => l.line)).toEqual([1, 3]);
  });
});
