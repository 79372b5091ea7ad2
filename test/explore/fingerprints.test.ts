import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundsOf, clusterConfigOf, runCheck } from '../../src/cli/commands/check.ts';
import { check } from '../../src/explore/checker.ts';
import {
  collisionBound,
  Fingerprint,
  FingerprintSet,
  fingerprintHex,
  growsAt,
  IntColumn,
  slotsLog2For,
} from '../../src/explore/fingerprints.ts';
import { firstSlotsLog2, mayGrow } from '../../src/explore/parallel/shared-fingerprints.ts';
import { settings } from './support.ts';

/**
 * The visited set keeps 64-bit fingerprints of state keys (as TLC does). These tests show
 * that a fingerprint written in parts is the fingerprint of the whole key (the encoder
 * hashes states without building their keys), that the set behaves as a set, and that the
 * checker finds exactly the states it finds with the keys themselves.
 */

describe('Fingerprint', () => {
  it('a key written in parts has the fingerprint of the whole key', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { maxLength: 8 }), (parts) => {
        const streamed = new Fingerprint().reset();
        for (const part of parts) streamed.push(part);
        streamed.finish();
        const whole = new Fingerprint().of(parts.join(''));
        expect([streamed.high, streamed.low]).toEqual([whole.high, whole.low]);
      }),
      { numRuns: 2000 },
    );
  });

  it('tells apart keys that differ in one character, in order, or in length', () => {
    const keys = ['F00&--/', 'F01&--/', 'F00&--', 'F00&--//', '0F0&--/', '', '\u0000', '\u0000\u0000'];
    const hexes = keys.map(fingerprintHex);
    expect(new Set(hexes).size).toBe(keys.length);
  });

  it('never yields the empty-slot marker (0, 0)', () => {
    fc.assert(
      fc.property(fc.string(), (key) => {
        const f = new Fingerprint().of(key);
        expect(f.high !== 0 || f.low !== 0).toBe(true);
      }),
    );
  });

  it('pushPair (a part print as one round, parallel workers): 300,000 random records of pairs, no collision; order and halves matter', () => {
    const f = new Fingerprint();
    const print = (pairs: readonly number[]) => {
      f.reset();
      for (let i = 0; i < pairs.length; i += 2) f.pushPair(pairs[i], pairs[i + 1]);
      f.finish();
      return `${f.high}:${f.low}`;
    };
    expect(print([1, 2, 3, 4])).not.toBe(print([3, 4, 1, 2]));
    expect(print([1, 2])).not.toBe(print([2, 1]));
    // Records as the workers write them: a few parts drawn from a small pool of part prints.
    const pool = Array.from({ length: 4000 }, (_, i) => new Fingerprint().of(`part ${i}`));
    const seen = new Set<string>();
    let seed = 7;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % pool.length;
    };
    const records = new Set<string>();
    for (let r = 0; r < 300_000; r++) {
      const parts = Array.from({ length: 6 }, next);
      records.add(parts.join(','));
      seen.add(print(parts.flatMap((p) => [pool[p].high, pool[p].low])));
    }
    expect(seen.size).toBe(records.size);
  });

  it('collisionBound is the birthday bound n²/2^65', () => {
    expect(collisionBound(1_000_000)).toBeCloseTo(1e12 / 2 ** 65, 20);
    expect(collisionBound(50_000_000)).toBeLessThan(1e-4);
  });
});

describe('FingerprintSet', () => {
  it('answers like a Set<string> on random keys, across several doublings', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 6 }), { maxLength: 400 }), (keys) => {
        const set = new FingerprintSet(2); // 4 slots: grows many times
        const reference = new Set<string>();
        for (const key of keys) {
          const wasNew = !reference.has(key);
          reference.add(key);
          expect(set.add(key)).toBe(wasNew);
        }
        expect(set.size).toBe(reference.size);
        for (const key of keys) expect(set.has(key)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('holds a million distinct keys with no collision, in about 16 bytes each', () => {
    const set = new FingerprintSet();
    let added = 0;
    for (let i = 0; i < 1_000_000; i++) if (set.add(`F${i}&-/`)) added++;
    expect(added).toBe(1_000_000);
    expect(set.size).toBe(1_000_000);
    expect(set.bytes / set.size).toBeLessThan(24);
    expect(set.add('F999999&-/')).toBe(false);
  });
});

describe('slotsLog2For (a table sized for --max-states)', () => {
  it('is the default without a bound, else the smallest table that holds the bound without growing, up to 2^26 slots', () => {
    expect(slotsLog2For(Number.POSITIVE_INFINITY, 16)).toBe(16);
    expect(slotsLog2For(1_000, 16)).toBe(16);
    for (const n of [50_000, 1_000_000, 8_000_000, 30_000_000]) {
      const log2 = slotsLog2For(n, 16);
      expect(growsAt(2 ** log2)).toBeGreaterThanOrEqual(n);
      expect(growsAt(2 ** (log2 - 1))).toBeLessThan(n * 1.07 + 4096);
    }
    expect(slotsLog2For(8_000_000, 16)).toBe(24);
    expect(slotsLog2For(1e9, 16)).toBe(26);
  });

  it("workers' shared table: 2^20 slots without a bound; with one, no growth and so no spare table mapped ahead", () => {
    expect(firstSlotsLog2(Number.POSITIVE_INFINITY)).toBe(20);
    expect(firstSlotsLog2(8_000_000)).toBe(24);
    expect(mayGrow(growsAt(2 ** 24), 8_000_000)).toBe(false);
    expect(mayGrow(growsAt(2 ** 20), 8_000_000)).toBe(true);
    expect(mayGrow(growsAt(2 ** 26), Number.POSITIVE_INFINITY)).toBe(true);
  });
});

describe('IntColumn', () => {
  it('grows and keeps what was pushed, across blocks; values() gives them back in order for a checkpoint', () => {
    const column = new IntColumn(2); // blocks of 4 entries
    for (let i = 0; i < 1000; i++) column.push(i * 7 - 3);
    expect(column.length).toBe(1000);
    expect(column.get(0)).toBe(-3);
    expect(column.get(4)).toBe(25);
    expect(column.get(999)).toBe(999 * 7 - 3);
    expect(column.bytes).toBe(1000 * 4);
    const values = column.values();
    expect(values).toHaveLength(1000);
    expect(values.every((v, i) => v === i * 7 - 3)).toBe(true);
    const copy = new IntColumn(3);
    copy.pushAll(values.subarray(0, 13));
    expect([copy.length, copy.get(12), copy.values().length]).toEqual([13, 81, 13]);
  });
});

describe('the checker with fingerprints or exact keys', () => {
  it('finds the same states, transitions, depth and verdicts either way (no collision in these spaces)', () => {
    for (const s of [
      settings({ values: 0, maxLog: 0, symmetry: false }),
      settings({ drop: false }),
      settings({ drop: false, preVote: true }),
    ]) {
      const fingerprinted = runCheck(s).result;
      const exact = runCheck({ ...s, exact: true }).result;
      expect(fingerprinted.exact).toBe(false);
      expect(exact.exact).toBe(true);
      expect(exact.collisionBound).toBe(0);
      expect({
        distinct: fingerprinted.distinct,
        generated: fingerprinted.generated,
        depth: fingerprinted.depth,
      }).toEqual({ distinct: exact.distinct, generated: exact.generated, depth: exact.depth });
      expect(fingerprinted.properties.map((p) => [p.property.name, p.status, p.path?.indexes])).toEqual(
        exact.properties.map((p) => [p.property.name, p.status, p.path?.indexes]),
      );
      expect(fingerprinted.collisionBound).toBeGreaterThan(0);
      expect(fingerprinted.collisionBound).toBeLessThan(1e-8);
    }
  });

  it('stops cleanly, reason memory, near the heap limit instead of crashing', () => {
    const s = settings({ values: 0, maxLog: 0, symmetry: false });
    const result = check({
      config: clusterConfigOf(s),
      bounds: boundsOf(s),
      maxHeapFraction: 1e-6, // any heap is "too much": stops at the first heap check
    });
    expect(result.stoppedBy).toBe('memory');
    expect(result.distinct).toBeGreaterThan(0);
    expect(result.distinct).toBeLessThan(114_916);
  });
});
