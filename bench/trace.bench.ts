/**
 * `npm run bench:trace`: how fast `raftkit trace` reads and checks a trace, per reader.
 *
 * Every reader of src/trace/ (canonical, eliben, hclog, etcd) at a sweep of sizes, each ten
 * times or so the one before:
 * - canonical: a synthetic trace of the timed cluster (elections, client requests, leader
 *   crashes and restarts), replayed against the model;
 * - eliben, hclog, etcd: a real log of test/fixtures/trace tiled into a long run (bench/tile.ts:
 *   terms and timestamps moved on copy after copy).
 * Per size: events per second for parse, check (replay against the model, or the cross-node
 * properties where the format cannot be replayed) and both, wall clock and CPU time of this
 * process (the machine may be shared); then the linearity of each reader: the CPU time per
 * event at the largest size against that at the smallest (1.00 is linear; the target holds at
 * every size). The check is one-sided: only a reader that is slower per event at the largest
 * size (by more than 25%) is "NOT linear" — a lower time per event at the larger size is
 * what a warm JIT and fixed costs spread over more events give, not a sign of worse than
 * linear growth. Each process is warmed up first by five runs at the smallest size, so the
 * smallest size is not the one that pays for compilation (eliben's check at 30k events takes
 * five runs to reach its steady time: 250, 186, 106, 126, 72, 61 ms in one process); the
 * first of them, cold, is printed too: what a one-off `raftkit trace` of a small log sees.
 * The texts are written to files first and each timed run reads its file, as `raftkit trace`
 * does: the reader is timed, not the tiler; each size is read in a process of its own, as
 * `raftkit trace` reads one log per process (see TEXTS); a size below 300k events is read
 * several times there and its median run counts (see runsOf).
 * Last, the seed log end to end (read, parse, check, diagnose, render), target < 0.5 s.
 *
 * Usage: npm run bench:trace [-- --quick]   (--quick: 10k to 100k events instead of 30k to 1M)
 *        BENCH_ROUNDS=3 npm run bench:trace   (three sweeps per reader; the verdicts read each size's median run:
 *                                              one run on this VM moves ±20%)
 *        BENCH_FORMATS=hclog,etcd npm run bench:trace   (only these readers; the seed log is timed always)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticTrace } from '../src/timing/synthetic.ts';
import { toCanonicalLine } from '../src/trace/events.ts';
import { analyzeTrace, checkTrace, parseTrace, renderText } from '../src/trace/index.ts';
import type { TraceFormat } from '../src/trace/trace.ts';
import { tile } from './tile.ts';

const quick = process.argv.includes('--quick');
const SIZES = quick ? [10_000, 30_000, 100_000] : [30_000, 100_000, 300_000, 1_000_000];
const SEED = 20260601;
const TARGET = 200_000;
/** Time per event at the largest size at most this fraction above that at the smallest: linear. */
const LINEAR_MARGIN = 0.25;
/** Runs at the smallest size before the sweep: the JIT's warm-up is paid here. */
const WARM_UP_RUNS = 5;

/**
 * The texts are built first, for every size of a reader, and written to files; each timed
 * run then reads its file, as `raftkit trace` does: the reader is timed, not the tiler
 * (whose garbage, collected on the reader's clock, cost 16–26% of a profiled hclog parse).
 * Each size is read in a process of its own (`--measure`), warmed up first at the smallest
 * size, as `raftkit trace` reads one log per process: in one process for the whole sweep, a
 * size's time per event depended on the sizes read before it (hclog's parse at 1M events:
 * 5.5 µs per event in a fresh process, as at 30k, but 1.27–1.56× the 30k time after the
 * smaller sizes in the same heap).
 */
const MEASURE = measureArgs();
const TEXTS = MEASURE?.dir ?? mkdtempSync(join(tmpdir(), 'raftkit-bench-trace-'));

/** `--measure <format> <size> <dir>` (a child's one size), or null in the parent. */
function measureArgs(): { format: TraceFormat; size: number; dir: string } | null {
  const at = process.argv.indexOf('--measure');
  if (at < 0) return null;
  const [format, size, dir] = process.argv.slice(at + 1, at + 4);
  return { format: format as TraceFormat, size: Number(size), dir };
}

interface Timed<T> {
  readonly value: T;
  readonly wall: number;
  readonly cpu: number;
}

/** Wall-clock and CPU seconds of one call. */
function time<T>(fn: () => T): Timed<T> {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const value = fn();
  const used = process.cpuUsage(cpuStart);
  return { value, wall: (performance.now() - start) / 1000, cpu: (used.user + used.system) / 1e6 };
}

const rate = (n: number, s: number) => `${Math.round(n / s).toLocaleString('en-US')}/s`;

const REAL_LOGS: Readonly<Record<Exclude<TraceFormat, 'canonical'>, string>> = {
  eliben: 'test/fixtures/trace/eliben-follower-comes-back.log',
  hclog: 'test/fixtures/trace/hashicorp-partitioned.log',
  etcd: 'test/fixtures/trace/etcd-partitioned.log',
};

/** A text of about `events` events in the reader's format. */
function textOf(format: TraceFormat, events: number): string {
  if (format === 'canonical')
    return `${syntheticTrace({ events, seed: SEED }).map(toCanonicalLine).join('\n')}\n`;
  const base = readFileSync(REAL_LOGS[format], 'utf8');
  const perCopy = parseTrace(base, REAL_LOGS[format], format).trace.events.length;
  return tile(base, format, Math.max(1, Math.round(events / perCopy)));
}

/** One run's numbers only: a sample that kept its parsed trace would keep it alive while the next is timed. */
interface Sample {
  readonly events: number;
  readonly parse: Seconds;
  readonly check: Seconds;
  readonly replayed: number;
}

interface Seconds {
  readonly wall: number;
  readonly cpu: number;
}

/** Write the reader's text of every size to a file. */
function writeTexts(format: TraceFormat): void {
  for (const size of SIZES) writeFileSync(fileOf(format, size), textOf(format, size));
}

const fileOf = (format: TraceFormat, size: number) => join(TEXTS, `${format}-${size}.log`);

function measure(format: TraceFormat, size: number): Sample {
  const text = readFileSync(fileOf(format, size), 'utf8');
  const parse = time(() => parseTrace(text, `${format}-${size}`, format));
  const check = time(() => checkTrace(parse.value.trace));
  const result = check.value;
  if (format === 'canonical' && (result.divergences.length > 0 || result.violations.length > 0)) {
    console.error('the synthetic trace does not check clean:', result.divergences[0] ?? result.violations[0]);
    process.exit(1);
  }
  const seconds = ({ wall, cpu }: Seconds): Seconds => ({ wall, cpu });
  return {
    events: parse.value.trace.events.length,
    parse: seconds(parse),
    check: seconds(check),
    replayed: result.eventsChecked,
  };
}

interface Measured {
  /** The process's first run (smallest size, before the JIT warmed up). */
  readonly cold: Sample;
  readonly sample: Sample;
}

/**
 * Runs of a size in its process: a read of 30k events takes 0.1–0.2 s, and one such run on
 * this VM moved by ±20% from process to process in a quiet window (eliben at 30k: 182k–253k
 * events/s in five processes, one after the other), so a small size is read until about
 * 300k events have been read and its median run is the sample; 300k and more, once.
 */
const runsOf = (size: number) => Math.min(10, Math.max(1, Math.round(300_000 / size)));

/** `--measure <format> <size> <dir>`: this process warms up on the smallest text, times `size` (runsOf), prints JSON. */
function measureInThisProcess(format: TraceFormat, size: number): void {
  const cold = measure(format, SIZES[0]);
  for (let i = 1; i < WARM_UP_RUNS; i++) measure(format, SIZES[0]); // the JIT warms up here
  const runs = Array.from({ length: runsOf(size) }, () => measure(format, size));
  const result: Measured = { cold, sample: medianSample(runs) };
  console.log(JSON.stringify(result));
}

/** One size of a reader in a child process of its own. */
function measureInChild(format: TraceFormat, size: number): Measured {
  const self = fileURLToPath(import.meta.url);
  const args = ['tsx', self, '--measure', format, String(size), TEXTS, ...(quick ? ['--quick'] : [])];
  const child = spawnSync('npx', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (child.status !== 0) {
    console.error(`bench:trace: measuring ${format} at ${size} failed (exit ${child.status})`);
    process.exit(1);
  }
  return JSON.parse(child.stdout.trim().split('\n').pop() as string) as Measured;
}

function report(format: TraceFormat, s: Sample): string {
  const wall = s.parse.wall + s.check.wall;
  const cpu = s.parse.cpu + s.check.cpu;
  return (
    `${format.padEnd(9)} ${s.events.toLocaleString('en-US').padStart(9)} events: ` +
    `parse ${rate(s.events, s.parse.cpu)}, check ${rate(s.events, s.check.cpu)} (CPU); ` +
    `parse+check ${rate(s.events, wall)} wall, ${rate(s.events, cpu)} CPU` +
    `${s.events / wall >= TARGET ? '' : ` — wall BELOW ${TARGET.toLocaleString('en-US')}/s`}` +
    `${s.events / cpu >= TARGET ? '' : ` — CPU BELOW ${TARGET.toLocaleString('en-US')}/s`}; ` +
    (s.replayed > 0 ? `${s.replayed.toLocaleString('en-US')} replayed` : 'not replayed (no message contents)')
  );
}

/** Sweeps per reader (BENCH_ROUNDS, default 1): with more than one, each size's median rate is what the verdicts read. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));

if (MEASURE !== null) {
  measureInThisProcess(MEASURE.format, MEASURE.size);
} else {
  process.on('exit', () => rmSync(TEXTS, { recursive: true, force: true }));
  console.log(
    `seed ${SEED}; node ${process.version}; sizes ${SIZES.join(', ')}, each in a process of its own; ${ROUNDS} round(s); ` +
      `target ${TARGET.toLocaleString('en-US')} events/s per reader`,
  );
  const FORMATS = ['canonical', 'eliben', 'hclog', 'etcd'] as const;
  const only = process.env.BENCH_FORMATS?.split(',');
  for (const format of FORMATS.filter((f) => only === undefined || only.includes(f))) benchReader(format);
  seedEndToEnd();
}

/** One reader: its texts, ROUNDS sweeps (the first run of the first child printed as cold), then the verdicts. */
function benchReader(format: TraceFormat): void {
  writeTexts(format);
  const rounds: Sample[][] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const samples = SIZES.map((size, i) => {
      const { cold, sample } = measureInChild(format, size);
      if (round === 0 && i === 0)
        console.log(`${report(format, cold)} — cold: a process's first run, not counted`);
      console.log(`${report(format, sample)}${ROUNDS > 1 ? ` — round ${round + 1}` : ''}`);
      return sample;
    });
    rounds.push(samples);
  }
  const typical = SIZES.map((_, i) => medianSample(rounds.map((samples) => samples[i])));
  if (ROUNDS > 1) for (const s of typical) console.log(`${report(format, s)} — median of ${ROUNDS} rounds`);
  console.log(linearity(format, typical));
  for (const size of SIZES) rmSync(fileOf(format, size), { force: true });
}

/** The sample whose parse+check CPU time is the median one (the lower middle of an even count). */
function medianSample(samples: readonly Sample[]): Sample {
  const cpu = (s: Sample) => s.parse.cpu + s.check.cpu;
  return [...samples].sort((a, b) => cpu(a) - cpu(b))[(samples.length - 1) >> 1];
}

function linearity(format: TraceFormat, samples: readonly Sample[]): string {
  const perEvent = (s: Sample) => (s.parse.cpu + s.check.cpu) / s.events;
  const perEventWall = (s: Sample) => (s.parse.wall + s.check.wall) / s.events;
  const [first, last] = [samples[0], samples[samples.length - 1]];
  const cpuRatio = perEvent(last) / perEvent(first);
  return (
    `${format.padEnd(9)} linearity: ${(last.events / first.events).toFixed(0)}× the events, time per event ` +
    `${(perEventWall(last) / perEventWall(first)).toFixed(2)}× wall, ${cpuRatio.toFixed(2)}× CPU (1.00 is linear) — ` +
    `${cpuRatio <= 1 + LINEAR_MARGIN ? 'linear' : 'NOT linear'}: at most +${LINEAR_MARGIN * 100}% per event (CPU)`
  );
}

/** The seed log end to end, in this process. */
function seedEndToEnd(): void {
  const seedFile = 'test/fixtures/000_c99288ffe9c5615b.txt';
  const runs = Array.from({ length: 5 }, () =>
    time(() => renderText(analyzeTrace(readFileSync(seedFile, 'utf8'), seedFile))),
  ).map((r) => r.wall * 1000);
  const sorted = [...runs].sort((a, b) => a - b);
  console.log(
    `seed log end to end (read, parse, check, diagnose, render): best ${sorted[0].toFixed(0)} ms, ` +
      `median ${sorted[2].toFixed(0)} ms; runs in order (the first cold): ${runs.map((r) => r.toFixed(0)).join(', ')} ms ` +
      `(target < 500 ms)`,
  );
}
