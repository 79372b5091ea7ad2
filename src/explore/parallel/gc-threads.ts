import { availableParallelism } from 'node:os';
import { type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';

/**
 * Young-generation collections (scavenges) without V8's helper threads while the workers
 * of a parallel search keep every core busy.
 *
 * V8 scavenges a heap with parallel tasks on its platform's helper threads, and the
 * collecting thread waits for them to finish. With one search thread the helpers run on
 * the idle cores and a scavenge is quick; with a worker on every core they must take a
 * core from a worker, so each worker's scavenges wait for threads the OS has not scheduled,
 * and the other worker loses the core meanwhile. Measured on this 2-core VM with
 * `node --trace-gc` (case (b) of `npm run bench:check`, 3,000,000 states): one thread,
 * 1,449 scavenges, 927 ms in all (median 0.49 ms); two workers, 1,834 scavenges,
 * 4,490 ms (median 1.03 ms, a tenth of them over 5.6 ms); two workers with
 * `--no-parallel-scavenge`, 1,926 scavenges, 694 ms (median 0.23 ms). A worker's young
 * generation holds a few MB of live objects, which one thread copies in a fraction of a
 * millisecond.
 *
 * V8's flags belong to the process, and V8 reads this one at each scavenge, so it is set
 * while a pool runs and set back when the last pool closes; a process started with
 * `--no-parallel-scavenge` keeps it. With fewer workers than cores the helpers have idle
 * cores, and nothing is changed.
 */

let holders = 0;

/**
 * Turn parallel scavenging off for the life of a pool of `workers`; returns its release.
 * (`cores` and `setFlags`: tests pass their own.)
 */
export function serialScavengesFor(
  workers: number,
  cores = availableParallelism(),
  setFlags: (flags: string) => void = setFlagsFromString,
): () => void {
  if (workers < cores) return () => {};
  if (holders++ === 0) setFlags('--no-parallel-scavenge');
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders === 0 && !process.execArgv.includes('--no-parallel-scavenge')) {
      setFlags('--parallel-scavenge');
    }
  };
}

/**
 * Per semi-space, the young generation a worker's heap starts with (MB): what the main
 * thread's young generation grows to in a long search (V8's default maximum on 64-bit).
 *
 * V8 starts a heap with a small young generation and grows it with the survival rate. The
 * main thread's grows to 16 MB within the first seconds of a search; a worker's stayed at
 * 8 MB for most of a run, so it scavenged twice as often for the same allocations.
 * Measured with `node --trace-gc`, case (a) of `npm run bench:check`, 4,000,000 states:
 * one thread, 1,330 scavenges, 436 ms; two workers, 980 + 1,015 scavenges, 416 + 500 ms;
 * two workers starting at 16 MB, 544 + 545 scavenges, 250 + 259 ms (each scavenge copies
 * the same few MB of live objects, so half as many cost half as much).
 */
export const WORKER_SEMI_SPACE_MB = 16;

let youngHolders = 0;

/**
 * Start the heaps of the workers created from now on with `WORKER_SEMI_SPACE_MB` of young
 * generation (V8 reads the flag when it sets up a heap; the heaps already made keep theirs),
 * until the last pool that asked closes; a process started with its own
 * `--min-semi-space-size` keeps it. Returns the release.
 */
export function fullYoungGenerationFor(
  setFlags: (flags: string) => void = setFlagsFromString,
  execArgv: readonly string[] = process.execArgv,
): () => void {
  if (execArgv.some((option) => option.startsWith('--min-semi-space-size'))) return () => {};
  if (youngHolders++ === 0) setFlags(`--min-semi-space-size=${WORKER_SEMI_SPACE_MB}`);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--youngHolders === 0) setFlags('--min-semi-space-size=0');
  };
}

/** Everything a pool of `workers` sets for the garbage collector; returns the release of all. */
export function gcSettingsFor(workers: number): () => void {
  const releases = [serialScavengesFor(workers), fullYoungGenerationFor()];
  return () => {
    for (const release of releases) release();
  };
}

/** Where a thread adds up its garbage-collection pauses. */
export interface GcPauses {
  gcMs: number;
  gcPauses: number;
}

/**
 * Count this thread's garbage-collection pauses into `into` from now on (V8 reports each
 * pause after it; the profile shows the workers' share, which the helper threads above
 * lengthened). Returns what reads the pauses not yet reported and stops counting.
 */
export function countGcPauses(into: GcPauses): () => void {
  const add = (entries: readonly PerformanceEntry[]) => {
    for (const entry of entries) {
      into.gcMs += entry.duration;
      into.gcPauses++;
    }
  };
  const observer = new PerformanceObserver((list) => add(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  return () => {
    add(observer.takeRecords());
    observer.disconnect();
  };
}
