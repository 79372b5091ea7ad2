import { describe, expect, it } from 'vitest';
import { serialScavengesFor } from '../../src/explore/parallel/gc-threads.ts';

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
