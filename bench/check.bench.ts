/**
 * `npm run bench:check`: the model checker's speed on fixed bounds, with 1 and 2 workers.
 *
 *   (a) elections only (no client requests), 3 servers, max term 3
 *   (b) 3 servers, 1 client value, max term 2, max log 2, one copy of each message,
 *       no crash, no drop, no duplicate
 *   (c) elections only, 3 servers, max term 2, no drop, no duplicate (the bound of the
 *       side-by-side TLC runs, `bench/tlc.sh`)
 *
 * All with the network otherwise unbounded (`--max-in-flight 0`), BFS, no symmetry (the
 * `-sym` cases: with symmetry). Each run is its own process (so peak memory is its own)
 * of at most BENCH_SECONDS (default 600); a run that does not finish reports how far it
 * got. The worker counts of one case run one after the other, BENCH_ROUNDS times
 * (default 1), so that on a shared machine each pair of rates is measured in neighbouring
 * windows; the last column is the rate with N workers over the rate with 1 in that round.
 * On a shared machine judge by CPU per state (`µs cpu/st`, and the `cpu:` line under each
 * run: the searching threads apart from the rest) and page faults per 1,000 states
 * (`flt/kst`; a fault costs ~12 µs of CPU here and as much on the host), not by rates.
 * Reference: TLC 2.x on Ongaro's raft.tla explores about 8,500 distinct states/s
 * (≈ 85,000 generated states/s) with one worker on a machine like this one.
 *
 *   npm run bench:check                          cases a, b, c; 1 and 2 workers; 10 minutes a run
 *   BENCH_SECONDS=60 npm run bench:check         a quicker look
 *   BENCH_STATES=8000000 BENCH_CASES=a,b npm run bench:check
 *       every run stops at the same distinct count: in a fixed window the 2-worker run goes
 *       deeper with a bigger table (dearer states), which understates its speed-up
 *   BENCH_CASES=a,b-sym BENCH_WORKERS=1,2,4 BENCH_ROUNDS=3 npm run bench:check
 *   BENCH_STATES=4000000 BENCH_ROUNDS=3 npm run bench:check   each round's speed-up and the median
 *   npx tsx bench/check.bench.ts --case a --workers 2   one run, JSON on stdout
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { makeClusterConfig } from '../models/index.ts';
import type { LevelMark } from '../src/explore/bfs.ts';
import { type CheckOptions, check } from '../src/explore/checker.ts';
import { checkParallel } from '../src/explore/parallel/coordinator.ts';
import { type ParallelProfile, profileLine } from '../src/explore/parallel/profile.ts';
import { threadUsage } from '../src/explore/parallel/thread-usage.ts';

interface BenchCase {
  readonly id: string;
  readonly title: string;
  readonly symmetry: boolean;
  readonly values: readonly string[];
  readonly maxTerm: number;
  readonly maxLog: number;
  readonly lossy: boolean;
  readonly duplicating: boolean;
}

const CASES: readonly BenchCase[] = [
  {
    id: 'a',
    title: '(a) elections only, 3 servers, max term 3',
    symmetry: false,
    values: [],
    maxTerm: 3,
    maxLog: 0,
    lossy: true,
    duplicating: true,
  },
  {
    id: 'a-sym',
    title: '(a) same, symmetry',
    symmetry: true,
    values: [],
    maxTerm: 3,
    maxLog: 0,
    lossy: true,
    duplicating: true,
  },
  {
    id: 'b',
    title: '(b) 1 value, max term 2, max log 2, reliable',
    symmetry: false,
    values: ['v1'],
    maxTerm: 2,
    maxLog: 2,
    lossy: false,
    duplicating: false,
  },
  {
    id: 'b-sym',
    title: '(b) same, symmetry',
    symmetry: true,
    values: ['v1'],
    maxTerm: 2,
    maxLog: 2,
    lossy: false,
    duplicating: false,
  },
  {
    id: 'c',
    title: '(c) elections only, max term 2, no drop, no duplicate',
    symmetry: false,
    values: [],
    maxTerm: 2,
    maxLog: 0,
    lossy: false,
    duplicating: false,
  },
];

interface CaseResult {
  readonly id: string;
  readonly workers: number;
  readonly distinct: number;
  readonly generated: number;
  readonly depth: number;
  readonly seconds: number;
  readonly stoppedBy: string;
  readonly maxRssMb: number;
  readonly heapUsedMb: number;
  /** CPU time the process got during the run (all threads): on a shared machine, less than workers × seconds. */
  readonly cpuSeconds: number;
  /** Of which the main thread's, and the workers' threads' (the rest: V8's helper threads). */
  readonly mainCpuSeconds: number;
  readonly workersCpuSeconds: number;
  /** Minor page faults of the process during the run (first touches of memory). */
  readonly minorFaults: number;
  /** With workers: where their time went (busy, waiting at level ends, growth, start). */
  readonly parallel?: ParallelProfile;
  /** When each depth had all its states found (`LevelMark`, src/explore/bfs.ts). */
  readonly levels: readonly LevelMark[];
}

async function runCase(c: BenchCase, workers: number, seconds: number): Promise<CaseResult> {
  const config = makeClusterConfig({
    nodes: 3,
    values: c.values,
    network: { lossy: c.lossy, duplicating: c.duplicating },
    dropDeadResponses: true,
  });
  const options: CheckOptions = {
    config,
    bounds: { maxTerm: c.maxTerm, maxLog: c.maxLog, maxCopies: 1, maxCrashes: 0 },
    symmetry: c.symmetry,
    maxSeconds: seconds,
    maxStates: states,
    onProgress: (p) =>
      process.stderr.write(
        `  [${c.id} ×${workers}] ${p.seconds.toFixed(0)} s: ${p.distinct} distinct, ${p.generated} generated, depth ${p.depth}\n`,
      ),
    progressEveryMs: 30_000,
  };
  const cpu = process.cpuUsage();
  const faults = process.resourceUsage().minorPageFault;
  const main = threadUsage();
  const result = workers === 1 ? check(options) : await checkParallel({ ...options, workers });
  const used = process.cpuUsage(cpu);
  const mainAfter = threadUsage();
  return {
    id: c.id,
    workers,
    distinct: result.distinct,
    generated: result.generated,
    depth: result.depth,
    seconds: result.seconds,
    stoppedBy: result.stoppedBy,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    heapUsedMb: process.memoryUsage().heapUsed / 1024 / 1024,
    cpuSeconds: (used.user + used.system) / 1e6,
    mainCpuSeconds: main === null || mainAfter === null ? 0 : (mainAfter.cpuMs - main.cpuMs) / 1000,
    workersCpuSeconds: (result.parallel?.workers ?? []).reduce((a, w) => a + w.cpuMs, 0) / 1000,
    minorFaults: process.resourceUsage().minorPageFault - faults,
    parallel: result.parallel,
    levels: result.levels ?? [],
  };
}

/** TLC 2.x on Ongaro's raft.tla, one worker, a machine like this one (the issue's figure). */
const TLC_DISTINCT_PER_SECOND = 8_500;
const seconds = Number(process.env.BENCH_SECONDS ?? 600);
/** BENCH_STATES: stop every run at this many distinct states, so that 1 and 2 workers do the same work. */
const states = process.env.BENCH_STATES === undefined ? undefined : Number(process.env.BENCH_STATES);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const flag = (name: string) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
};

/** One run in a child process (its own memory), or null when it failed. */
function spawnRun(id: string, workers: number): CaseResult | null {
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync('npx', ['tsx', self, '--case', id, '--workers', String(workers)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.status !== 0) return null;
  return JSON.parse(child.stdout.trim().split('\n').pop() as string) as CaseResult;
}

function row(r: CaseResult, oneWorkerRate: number | undefined): string {
  const rate = r.distinct / r.seconds;
  return [
    r.id.padEnd(6),
    String(r.workers).padStart(7),
    fmt(r.distinct).padStart(11),
    fmt(r.generated).padStart(12),
    String(r.depth).padStart(6),
    r.seconds.toFixed(1).padStart(8),
    r.cpuSeconds.toFixed(1).padStart(6),
    ((r.cpuSeconds / r.distinct) * 1e6).toFixed(2).padStart(9),
    ((r.minorFaults / r.distinct) * 1000).toFixed(1).padStart(9),
    (r.cpuSeconds / r.seconds).toFixed(2).padStart(5),
    fmt(rate).padStart(11),
    `${(rate / TLC_DISTINCT_PER_SECOND).toFixed(1)}×`.padStart(6),
    fmt(r.generated / r.seconds).padStart(12),
    `${fmt(r.maxRssMb)} MB`.padStart(9),
    fmt((r.maxRssMb * 1024 * 1024) / r.distinct).padStart(12),
    (oneWorkerRate === undefined ? '' : `${(rate / oneWorkerRate).toFixed(2)}×`).padStart(8),
    r.stoppedBy === 'exhausted' ? ' yes' : ` no (${r.stoppedBy})`,
  ].join(' ');
}

/** Where the process's CPU went: the threads that search, and the rest (V8's helpers, the coordinator). */
function cpuLine(r: CaseResult): string {
  const searching = r.workers === 1 ? r.mainCpuSeconds : r.workersCpuSeconds;
  const rest = r.cpuSeconds - searching;
  const perState = (s: number) => `${((s / r.distinct) * 1e6).toFixed(2)} µs/st`;
  return (
    `cpu: searching thread${r.workers === 1 ? '' : 's'} ${searching.toFixed(1)} s (${perState(searching)}), ` +
    `other threads ${rest.toFixed(1)} s (${perState(rest)}); ${fmt(r.minorFaults)} minor page faults`
  );
}

/**
 * The two runs over the same work: every state of depth ≤ D, for the deepest D both
 * completed. A fixed window lets the faster run go deeper, where states cost more (more
 * messages in flight, a fuller table), so its rate over the window understates it.
 */
function sameLevelsLine(one: CaseResult, many: CaseResult): string {
  const both = commonLevel(one, many);
  if (both === null) return 'same levels: none completed by both runs';
  const [common, other] = both;
  const rate = (m: LevelMark) => `${fmt(m.distinct / m.seconds)}/s`;
  return (
    `same levels: all ${fmt(common.distinct)} states of depth ≤ ${common.depth} found in ` +
    `${common.seconds.toFixed(1)} s by 1 worker (${rate(common)}), ${other.seconds.toFixed(1)} s by ` +
    `${many.workers} (${rate(other)}): ${(common.seconds / other.seconds).toFixed(2)}×` +
    (other.distinct === common.distinct ? '' : ` (COUNTS DIFFER: ${fmt(other.distinct)})`)
  );
}

/** Per case and worker count above one: the speed-up of each round (rate over the window, and over the same levels). */
const speedUps = new Map<string, { window: number[]; levels: number[] }>();

function recordSpeedUp(c: BenchCase, one: CaseResult, many: CaseResult): void {
  const key = `${c.id} ×${many.workers}`;
  const entry = speedUps.get(key) ?? { window: [], levels: [] };
  entry.window.push(many.distinct / many.seconds / (one.distinct / one.seconds));
  const both = commonLevel(one, many);
  if (both !== null) entry.levels.push(both[0].seconds / both[1].seconds);
  speedUps.set(key, entry);
}

const median = (xs: readonly number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * The speed-ups of every round, and their median: on a VM whose memory system is shared
 * with other tenants one round's ratio swings (case (a), 2 workers: 1.12× and 1.87× in two
 * runs an hour apart, the same code), so a claim is made from the median of several rounds.
 */
function speedUpSummary(): void {
  if (speedUps.size === 0) return;
  console.log('speed-up over 1 worker, each round (window rate / same levels), median:');
  const list = (xs: readonly number[]) => xs.map((x) => `${x.toFixed(2)}×`).join(' ');
  for (const [key, { window, levels }] of speedUps) {
    const levelsPart =
      levels.length === 0 ? '' : `; same levels ${list(levels)}, median ${median(levels).toFixed(2)}×`;
    console.log(`  ${key}: window ${list(window)}, median ${median(window).toFixed(2)}×${levelsPart}`);
  }
}

/** The deepest level both runs completed: one run's mark for it and the other's. */
function commonLevel(one: CaseResult, many: CaseResult): [LevelMark, LevelMark] | null {
  const theirs = new Map(many.levels.map((m) => [m.depth, m]));
  const common = one.levels.filter((m) => theirs.has(m.depth) && m.distinct > 1).at(-1);
  return common === undefined ? null : [common, theirs.get(common.depth) as LevelMark];
}

/** One round of a case: each worker count in turn, printed as it ends. */
function benchRound(c: BenchCase, workerCounts: readonly number[]): void {
  let oneWorker: CaseResult | undefined;
  for (const workers of workerCounts) {
    const r = spawnRun(c.id, workers);
    if (r === null) {
      console.log(`${c.id.padEnd(6)} ${String(workers).padStart(7)} failed`);
      continue;
    }
    if (workers === 1) oneWorker = r;
    const base =
      workers === 1 || oneWorker === undefined ? undefined : oneWorker.distinct / oneWorker.seconds;
    console.log(row(r, base));
    console.log(`         ${cpuLine(r)}`);
    if (r.parallel !== undefined) console.log(`         ${profileLine(r.parallel)}`);
    if (workers !== 1 && oneWorker !== undefined) {
      console.log(`         ${sameLevelsLine(oneWorker, r)}`);
      recordSpeedUp(c, oneWorker, r);
    }
  }
}

/** What the columns and lines mean. */
function legend(cases: readonly BenchCase[]): void {
  for (const c of cases) console.log(`  ${c.id}: ${c.title}`);
  console.log(
    `  × TLC: distinct states/s over TLC's ${TLC_DISTINCT_PER_SECOND.toLocaleString('en-US')}/s (one worker); with symmetry each state stands for up to 3! = 6 renamings`,
  );
  console.log(
    '  vs 1 wkr: distinct states/s over the 1-worker run of the same round (the seconds include starting the workers)',
  );
  console.log(
    '  same levels: the time each run took to find every state of the deepest depth both completed (the same states): the fair speed-up when the faster run went deeper in its window',
  );
  console.log(
    '  µs cpu/st: CPU time of the process per distinct state; flt/kst: minor page faults per 1,000 distinct states; cores: CPU s over wall s (on a shared machine, judge by these)',
  );
  console.log(
    "  workers busy …: the share of the workers' time spent expanding states (and of it, paused for garbage collection), and where the rest went (src/explore/parallel/profile.ts)",
  );
}

async function main(): Promise<void> {
  const caseId = flag('--case');
  if (caseId !== undefined) {
    const c = CASES.find((k) => k.id === caseId);
    if (!c) throw new Error(`--case must be one of ${CASES.map((k) => k.id).join(', ')}`);
    process.stdout.write(`${JSON.stringify(await runCase(c, Number(flag('--workers') ?? 1), seconds))}\n`);
    return;
  }
  const only = (process.env.BENCH_CASES ?? 'a,b,c').split(',');
  const workerCounts = (process.env.BENCH_WORKERS ?? '1,2').split(',').map(Number);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
  console.log(
    `raftkit check benchmark: BFS, ${seconds} s at most per run${states === undefined ? '' : `, ${fmt(states)} distinct states at most`}, workers ${workerCounts.join(' and ')}, ${rounds} round(s); node ${process.version}`,
  );
  console.log(
    'case   workers    distinct    generated  depth  seconds  cpu s  µs cpu/st  flt/kst  cores  distinct/s  × TLC  generated/s  peak RSS  bytes/state  vs 1 wkr  finished?',
  );
  const cases = CASES.filter((k) => only.includes(k.id));
  for (const c of cases) for (let round = 0; round < rounds; round++) benchRound(c, workerCounts);
  speedUpSummary();
  legend(cases);
}

await main();
