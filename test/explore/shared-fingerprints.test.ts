import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONTROL, newTable, SharedFingerprintSet } from '../../src/explore/parallel/shared-fingerprints.ts';
import { bundle } from '../../src/explore/parallel/worker-source.ts';
import { firstAnswer } from '../support/worker-answer.ts';

/**
 * The visited set the workers of `raftkit check --workers N` share: two threads insert
 * the same fingerprints into one table at the same moment, and each fingerprint must be
 * new to exactly one of them (a state admitted twice would be counted twice; a state new
 * to neither would be lost). The probe reads words plainly and claims slots with
 * `compareExchange` (shared-fingerprints.ts): this is the test of that protocol with real
 * threads, on a small table so that probes run long and meet the other thread's slots.
 */
const cache = mkdtempSync(join(tmpdir(), 'raftkit-shared-table-'));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

/** `count` fingerprints from a seed; a few share their first half with another (the slot's claimed word). */
function fingerprints(seed: number, count: number): { highs: Uint32Array; lows: Uint32Array } {
  const highs = new Uint32Array(count);
  const lows = new Uint32Array(count);
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  for (let i = 0; i < count; i++) {
    highs[i] = i % 7 === 0 && i > 0 ? highs[i - 1] : next();
    lows[i] = next();
  }
  return { highs, lows };
}

function insertOnThread(
  url: URL,
  shared: { table: SharedArrayBuffer; control: SharedArrayBuffer; start: SharedArrayBuffer },
  prints: { highs: Uint32Array; lows: Uint32Array },
): Promise<Uint8Array> {
  return firstAnswer<Uint8Array>(url, { workerData: { ...shared, ...prints } });
}

describe('the shared fingerprint table (two threads at once)', () => {
  it('admits each fingerprint exactly once when two threads insert the same ones together', async () => {
    const url = bundle(join(import.meta.dirname, 'fixtures', 'shared-table-inserter.ts'), cache);
    expect(url).not.toBeNull();
    const all = fingerprints(12345, 150_000);
    // Both threads insert every fingerprint in the same order, so that they race for the
    // same slots all along; thread B also inserts the last third first, in reverse, where
    // it meets A coming the other way.
    const third = all.highs.length / 3;
    const a = all;
    const b = {
      highs: Uint32Array.from([...all.highs.slice(2 * third).reverse(), ...all.highs.slice(0, 2 * third)]),
      lows: Uint32Array.from([...all.lows.slice(2 * third).reverse(), ...all.lows.slice(0, 2 * third)]),
    };
    for (let round = 0; round < 3; round++) {
      // 2^18 slots for 150,000 fingerprints: 57% full, long probe runs.
      const shared = {
        table: newTable(18),
        control: new SharedArrayBuffer(CONTROL.size * 4),
        start: new SharedArrayBuffer(8),
      };
      Atomics.store(new Int32Array(shared.control), CONTROL.growAt, 2 ** 30);
      const threads = [insertOnThread(url as URL, shared, a), insertOnThread(url as URL, shared, b)];
      const gate = new Int32Array(shared.start);
      while (Atomics.load(gate, 1) < 2) await new Promise((r) => setTimeout(r, 1));
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
      const [addedA, addedB] = await Promise.all(threads);
      const newTo = new Map<string, number>();
      const note = (prints: { highs: Uint32Array; lows: Uint32Array }, added: Uint8Array) => {
        for (let i = 0; i < added.length; i++) {
          const key = `${prints.highs[i]}:${prints.lows[i]}`;
          newTo.set(key, (newTo.get(key) ?? 0) + added[i]);
        }
      };
      note(a, addedA);
      note(b, addedB);
      expect(newTo.size).toBe(all.highs.length);
      expect([...newTo.values()].filter((n) => n !== 1)).toEqual([]);
      expect(Atomics.load(new Int32Array(shared.control), CONTROL.count)).toBe(all.highs.length);
      // Afterwards, every fingerprint is found (not new) by a third reader.
      const reader = new SharedFingerprintSet(shared.table, new Int32Array(shared.control));
      let found = 0;
      for (let i = 0; i < all.highs.length; i++)
        if (!reader.addFingerprint(all.highs[i], all.lows[i])) found++;
      expect(found).toBe(all.highs.length);
    }
  });
});
