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
 * linear growth. Each reader is warmed up first by five runs at the smallest size, so the
 * smallest size is not the one that pays for compilation (eliben's check at 30k events takes
 * five runs to reach its steady time: 250, 186, 106, 126, 72, 61 ms in one process); the
 * first of them, cold, is printed too: what a one-off `raftkit trace` of a small log sees.
 * The texts are written to files first and each timed run reads its file, as `raftkit trace`
 * does: the reader is timed, not the tiler (see writeTexts).
 * Last, the seed log end to end (read, parse, check, diagnose, render), target < 0.5 s.
 *
 * Usage: npm run bench:trace [-- --quick]   (--quick: 10k to 100k events instead of 30k to 1M)
 *        BENCH_FORMATS=hclog,etcd npm run bench:trace   (only these readers; the seed log is timed always)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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
 * The texts are built first, for every size of a reader, and written to files; the garbage
 * of building them (tiling a log thousands of times: hundreds of MB) is collected once,
 * before the warm-up. Each timed run then reads its file, as `raftkit trace` does (one flat
 * string, next to no garbage). Collected on the reader's clock instead, that garbage cost
 * 16–26% of a profiled hclog parse at 300k events; collected by a forced GC before each
 * timed run, it shrinks the young generation back to its start, and a short run (30k events)
 * then pays for growing it again: hclog 150k/s at 30k against 255k/s without that GC.
 */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const TEXTS = mkdtempSync(join(tmpdir(), 'raftkit-bench-trace-'));
process.on('exit', () => rmSync(TEXTS, { recursive: true, force: true }));

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

interface Sample {
  readonly events: number;
  readonly parse: Timed<unknown>;
  readonly check: Timed<unknown>;
  readonly replayed: number;
}

/** Write the reader's text of every size to a file (then collect the garbage of building them). */
function writeTexts(format: TraceFormat): void {
  for (const size of SIZES) writeFileSync(fileOf(format, size), textOf(format, size));
  collectGarbage();
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
  return { events: parse.value.trace.events.length, parse, check, replayed: result.eventsChecked };
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

console.log(
  `seed ${SEED}; node ${process.version}; sizes ${SIZES.join(', ')}; target ${TARGET.toLocaleString('en-US')} events/s per reader`,
);
const FORMATS = ['canonical', 'eliben', 'hclog', 'etcd'] as const;
const only = process.env.BENCH_FORMATS?.split(',');
for (const format of FORMATS.filter((f) => only === undefined || only.includes(f))) {
  writeTexts(format);
  const cold = measure(format, SIZES[0]);
  console.log(`${report(format, cold)} — cold: the process's first run, not counted`);
  for (let i = 1; i < WARM_UP_RUNS; i++) measure(format, SIZES[0]); // the JIT warms up here, not in the sweep
  const samples = SIZES.map((size) => measure(format, size));
  for (const s of samples) console.log(report(format, s));
  const perEvent = (s: Sample) => (s.parse.cpu + s.check.cpu) / s.events;
  const perEventWall = (s: Sample) => (s.parse.wall + s.check.wall) / s.events;
  const [first, last] = [samples[0], samples[samples.length - 1]];
  const cpuRatio = perEvent(last) / perEvent(first);
  console.log(
    `${format.padEnd(9)} linearity: ${(last.events / first.events).toFixed(0)}× the events, time per event ` +
      `${(perEventWall(last) / perEventWall(first)).toFixed(2)}× wall, ${cpuRatio.toFixed(2)}× CPU (1.00 is linear) — ` +
      `${cpuRatio <= 1 + LINEAR_MARGIN ? 'linear' : 'NOT linear'}: at most +${LINEAR_MARGIN * 100}% per event (CPU)`,
  );
}

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
