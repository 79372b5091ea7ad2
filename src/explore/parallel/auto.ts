import { type CheckResult, check } from '../checker.ts';
import { type ParallelCheckOptions, searchWith, WorkerPool } from './coordinator.ts';

/**
 * The default of `raftkit check` (no `--workers`): one thread while the run is small, every
 * core once it is not.
 *
 * Starting worker threads costs 0.1–0.3 s of both cores (each loads the bundle,
 * `worker-source.ts`, and compiles the model; the first run after a source changed bundles
 * first), more than a small run takes on one core. So the one-thread engine searches alone; past
 * `START_WORKERS_AT` states the workers start in the background, and if the search ends
 * (exhausted, a violation, a limit) within `ALONE_STATES` states, its result is the
 * run's and the workers are stopped. A run smaller than `START_WORKERS_AT` states starts
 * no thread at all. Otherwise
 * the search starts over from the initial state on the workers, which are ready by then:
 * a large run loses what one core did in its first `ALONE_STATES` states (about a
 * second), and its counts and counterexamples are those of the parallel search, the same
 * as one thread's.
 */
export const ALONE_STATES = 200_000;
/** About a third of a second of one core. */
export const START_WORKERS_AT = 50_000;

/** The two thresholds (tests lower them to see a small space go parallel). */
export interface AloneLimits {
  readonly aloneStates: number;
  readonly startWorkersAt: number;
}

export async function checkAuto(
  options: ParallelCheckOptions,
  limits: AloneLimits = { aloneStates: ALONE_STATES, startWorkersAt: START_WORKERS_AT },
): Promise<CheckResult> {
  const start = performance.now();
  let pool: WorkerPool | null = null;
  const startWorkers = (distinct: number) => {
    if (pool === null && distinct >= limits.startWorkersAt) pool = new WorkerPool(options);
  };
  const limit = options.maxStates ?? Number.POSITIVE_INFINITY;
  let alone: CheckResult;
  try {
    alone = check({ ...options, maxStates: Math.min(limit, limits.aloneStates), onExpanded: startWorkers });
  } catch (error) {
    await (pool as WorkerPool | null)?.close();
    throw error;
  }
  const started = pool as WorkerPool | null;
  if (alone.stoppedBy !== 'max-states' || alone.distinct >= limit) {
    await started?.close();
    return alone;
  }
  return searchWith(started ?? new WorkerPool(options), options, start);
}
