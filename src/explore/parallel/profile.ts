/**
 * Where the time of a parallel breadth-first search went: per worker, expanding states
 * against waiting (at the end of a level for the others, for stolen states, while the
 * shared table grew) and packing states for thieves; for the coordinator, starting the
 * workers and growing the table. On a shared machine a wall-clock speed-up says little;
 * these proportions say how far the search is from using its cores fully
 * (`raftkit check --workers N` prints them, `npm run bench:check` too).
 */

/** One worker's time, in milliseconds, and its steals. */
export interface WorkerProfile {
  /** From the thread's creation to its first message (loading and compiling the model). */
  startupMs: number;
  /** Expanding states (what the search is for). */
  expandingMs: number;
  /** Done with a level, waiting for the other workers to finish theirs. */
  levelEndMs: number;
  /** Waiting for a victim's answer. */
  stealWaitMs: number;
  /** Packing states for a thief. */
  givingMs: number;
  /** Paused while the shared table grew. */
  growthMs: number;
  /** Steals that brought states, the states they brought, the states given. */
  steals: number;
  stolen: number;
  given: number;
  /** The thread's own CPU time and minor page faults over its life (`thread-usage.ts`; 0 where unknown). */
  cpuMs: number;
  minorFaults: number;
  /** Garbage-collection pauses of the thread's heap, and their time (within the above; `gc-threads.ts`). */
  gcPauses: number;
  gcMs: number;
}

export interface ParallelProfile {
  /** The whole run, from creating the workers to the result. */
  readonly wallMs: number;
  /** Creating the workers until every one is ready. */
  readonly startupMs: number;
  /** The coordinator growing the table (waiting for the workers to pause, then rehashing). */
  readonly growthMs: number;
  readonly growths: number;
  /** The share of the grown tables' pages mapped before the growth took them (`spare-table.ts`). */
  readonly premapped: number;
  readonly levels: number;
  readonly workers: readonly WorkerProfile[];
}

export function emptyWorkerProfile(): WorkerProfile {
  return {
    startupMs: 0,
    expandingMs: 0,
    levelEndMs: 0,
    stealWaitMs: 0,
    givingMs: 0,
    growthMs: 0,
    steals: 0,
    stolen: 0,
    given: 0,
    cpuMs: 0,
    minorFaults: 0,
    gcPauses: 0,
    gcMs: 0,
  };
}

/** Shares of the workers' time after starting (expanding, waiting at level ends, …), summed over workers. */
export function shares(p: ParallelProfile): {
  busy: number;
  levelEnd: number;
  stealWait: number;
  giving: number;
  growth: number;
  gc: number;
} {
  const sum = (pick: (w: WorkerProfile) => number) => p.workers.reduce((a, w) => a + pick(w), 0);
  const total = sum((w) => w.expandingMs + w.levelEndMs + w.stealWaitMs + w.givingMs + w.growthMs) || 1;
  return {
    busy: sum((w) => w.expandingMs) / total,
    levelEnd: sum((w) => w.levelEndMs) / total,
    stealWait: sum((w) => w.stealWaitMs) / total,
    giving: sum((w) => w.givingMs) / total,
    growth: sum((w) => w.growthMs) / total,
    gc: sum((w) => w.gcMs) / total,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** One line: how busy the workers were and where the rest went. */
export function profileLine(p: ParallelProfile): string {
  const s = shares(p);
  const steals = p.workers.reduce((a, w) => a + w.steals, 0);
  const stolen = p.workers.reduce((a, w) => a + w.stolen, 0);
  const pauses = p.workers.reduce((a, w) => a + w.gcPauses, 0);
  return (
    `workers busy ${pct(s.busy)} of their time (garbage collection ${pct(s.gc)}, ${pauses} pauses); ` +
    `waiting at level ends ${pct(s.levelEnd)}, ` +
    `for stolen states ${pct(s.stealWait)}, for the table to grow ${pct(s.growth)} ` +
    (p.growths === 0
      ? '(no growth); '
      : `(${p.growths} growths, ${pct(p.premapped)} of their pages mapped ahead); `) +
    `giving ${pct(s.giving)}; ${steals} steals (${stolen.toLocaleString('en-US')} states); ` +
    `starting ${(p.startupMs / 1000).toFixed(1)} s of ${(p.wallMs / 1000).toFixed(1)} s`
  );
}
