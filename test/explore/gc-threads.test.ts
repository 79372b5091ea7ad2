import { describe, expect, it } from 'vitest';
import {
  fullYoungGenerationFor,
  serialScavengesFor,
  WORKER_SEMI_SPACE_MB,
} from '../../src/explore/parallel/gc-threads.ts';
import { firstAnswer } from '../support/worker-answer.ts';

/**
 * The workers of a parallel search scavenge their heaps without V8's helper threads while
 * every core has a worker (the helpers would take cores from the workers), and the process
 * gets parallel scavenging back when the last pool closes.
 */
describe('serial scavenges while a pool holds every core', () => {
  it('turns parallel scavenging off once for overlapping pools and back on when the last one closes', () => {
    const set: string[] = [];
    const first = serialScavengesFor(2, 2, (f) => set.push(f));
    const second = serialScavengesFor(4, 2, (f) => set.push(f));
    expect(set).toEqual(['--no-parallel-scavenge']);
    first();
    first();
    expect(set).toEqual(['--no-parallel-scavenge']);
    second();
    expect(set).toEqual(['--no-parallel-scavenge', '--parallel-scavenge']);
  });

  it('changes nothing with fewer workers than cores (the helpers have idle cores)', () => {
    const set: string[] = [];
    serialScavengesFor(2, 8, (f) => set.push(f))();
    expect(set).toEqual([]);
  });
});

/** The young generation (new space) a fresh worker thread's heap starts with, in bytes. */
function newSpaceOfAWorker(): Promise<number> {
  const code =
    "const v8 = require('node:v8');" +
    "require('node:worker_threads').parentPort.postMessage(" +
    "v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size)";
  return firstAnswer<number>(code, { eval: true });
}

describe("a full young generation for the workers' heaps", () => {
  it('starts the heaps of workers created while a pool runs with 16 MB semi-spaces, and new ones after it as before', async () => {
    const before = await newSpaceOfAWorker();
    const release = fullYoungGenerationFor();
    const during = await newSpaceOfAWorker();
    release();
    const after = await newSpaceOfAWorker();
    expect(before).toBeLessThan(WORKER_SEMI_SPACE_MB * 2 ** 20);
    expect(during).toBeGreaterThanOrEqual(WORKER_SEMI_SPACE_MB * 2 ** 20);
    expect(after).toBe(before);
  });

  it('sets the flag once for overlapping pools, and leaves a process started with its own size alone', () => {
    const set: string[] = [];
    const first = fullYoungGenerationFor((f) => set.push(f), []);
    const second = fullYoungGenerationFor((f) => set.push(f), []);
    first();
    first();
    expect(set).toEqual([`--min-semi-space-size=${WORKER_SEMI_SPACE_MB}`]);
    second();
    expect(set).toEqual([`--min-semi-space-size=${WORKER_SEMI_SPACE_MB}`, '--min-semi-space-size=0']);
    const own: string[] = [];
    fullYoungGenerationFor((f) => own.push(f), ['--min-semi-space-size=4'])();
    expect(own).toEqual([]);
  });
});
