import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HclogHeader } from '../../src/trace/hclog-header.ts';
import { wallClockMs } from '../../src/trace/textlog.ts';

/**
 * The hclog header is read by position, character by character, for speed; it must accept
 * exactly the lines this regex (the reader's original) accepts, with the same message start
 * and the same time.
 */
const HEADER =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})? +\[(?:TRACE|DEBUG|INFO|WARN|ERROR)\] */;

function byRegex(line: string): { rest: number; time: number | null } | null {
  const m = HEADER.exec(line);
  if (m === null || /[\n\r\u2028\u2029]/.test(line)) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  return { rest: m[0].length, time: wallClockMs([y, mo, d], [h, mi, s], frac, zone) };
}

function byScan(line: string): { rest: number; time: number | null } | null {
  const header = new HclogHeader(true);
  return header.scan(line) ? { rest: header.rest, time: header.time(line) } : null;
}

/** Lines near the header's shape: each part right, or off by one character. */
const nearHeader: fc.Arbitrary<string> = (() => {
  const digits = (n: number) => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`));
  const oneOf = (...xs: string[]) => fc.constantFrom(...xs);
  const part = fc.tuple(
    fc.oneof(digits(4), oneOf('2026', '202', '20a6')),
    oneOf('-', '/'),
    fc.oneof(digits(2), oneOf('12', '13', '00', '1')),
    oneOf('-', '-', '.'),
    fc.oneof(digits(2), oneOf('06', '31', '32')),
    oneOf('T', ' ', 't'),
    fc.oneof(digits(2), oneOf('10', '24', '25')),
    oneOf(':', ':', '-'),
    fc.oneof(digits(2), oneOf('46', '59', '60')),
    oneOf(':', ':', '.'),
    fc.oneof(digits(2), oneOf('30', '60', '61', '6')),
  );
  const frac = fc.oneof(
    oneOf('', '.', ','),
    fc.tuple(oneOf('.', ','), fc.stringMatching(/^[0-9]{1,11}$/)).map((t) => t.join('')),
  );
  const zone = oneOf('', 'Z', '+01:00', '-0530', '+01:0', '+1', 'z', '+01:000');
  const level = oneOf(
    ' [INFO] ',
    '  [INFO]  ',
    ' [WARN]',
    ' [ERROR] ',
    '[INFO] ',
    ' [info] ',
    ' [TRACE]',
    ' [DEBUG]x',
    ' [FATAL] ',
  );
  const message = oneOf('raft-n2: entering candidate state: term=2', '', ': x', '\u2028x');
  return fc.tuple(part, frac, zone, level, message).map(([p, f, z, l, m]) => `${p.join('')}${f}${z}${l}${m}`);
})();

describe('hclog header (read by position, as the regex reads it)', () => {
  it('reads a real line: the message start and the time', () => {
    const line = '2026-12-06T10:46:30.943Z [INFO]  raft-n2: entering candidate state: term=2';
    expect(byScan(line)).toEqual({ rest: 33, time: Date.UTC(2026, 11, 6, 10, 46, 30, 943) });
    expect(byScan(line)).toEqual(byRegex(line));
  });

  it('refuses what the regex refuses: 10 fraction digits, a zone without its digits, no space before the level', () => {
    for (const line of [
      '2026-12-06T10:46:30.9430000000Z [INFO] x',
      '2026-12-06T10:46:30.943+01: [INFO] x',
      '2026-12-06T10:46:30.943Z[INFO] x',
      '2026-12-06T10:46:30. [INFO] x',
      '2026-12-06T10:46:30.943Z [NOTICE] x',
    ]) {
      expect(byRegex(line), line).toBeNull();
      expect(byScan(line), line).toBeNull();
    }
  });

  it('accepts and reads exactly the lines the regex does (property, lines near the shape)', () => {
    fc.assert(
      fc.property(nearHeader, (line) => {
        expect(byScan(line)).toEqual(byRegex(line));
      }),
      { numRuns: 20_000 },
    );
  });

  it('accepts and reads exactly the lines the regex does (property, any text after a real header)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 8 }), (head, tail) => {
        const line = `2026-12-06T10:46:30${head}${tail}`;
        expect(byScan(line)).toEqual(byRegex(line));
      }),
      { numRuns: 20_000 },
    );
  });
});
