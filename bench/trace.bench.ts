/**
 * `npm run bench:trace`: how fast `raftkit trace` checks a trace.
 *
 * - a synthetic canonical trace from the timed cluster (elections, client requests,
 *   leader crashes and restarts), 100,000 and 1,000,000 events: events checked per
 *   second, parsing (JSON + zod schema) and replay against the model (checkTrace) timed
 *   apart and together, and the 1M/100k time ratio (≈ 10 when linear);
 * - each log reader (eliben, hclog, etcd) on a real log of test/fixtures/trace tiled into
 *   a long run (bench/tile.ts: terms and timestamps moved on copy after copy), at two sizes
 *   ten times apart: events per second (wall clock and CPU time) and the ratio (≈ 10 when linear);
 * - the seed log end to end (read, parse, check, diagnose, render), target < 0.5 s.
 *
 * Usage: npm run bench:trace [-- --quick]   (--quick: 10k and 100k events)
 */
import { readFileSync } from 'node:fs';
import { syntheticTrace } from '../src/timing/synthetic.ts';
import { toCanonicalLine } from '../src/trace/events.ts';
import { analyzeTrace, checkTrace, diagnose, parseTrace, renderText } from '../src/trace/index.ts';
import type { TraceFormat } from '../src/trace/trace.ts';
import { tile } from './tile.ts';

const quick = process.argv.includes('--quick');
const sizes = quick ? [10_000, 100_000] : [100_000, 1_000_000];
const SEED = 20260601;
const TARGET = 200_000;

/** Wall-clock seconds; CPU seconds of this process are kept in `cpu` (the machine may be shared). */
let cpu = 0;
function time<T>(fn: () => T): [T, number] {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const result = fn();
  const used = process.cpuUsage(cpuStart);
  cpu = (used.user + used.system) / 1e6;
  return [result, (performance.now() - start) / 1000];
}

const rate = (n: number, s: number) => `${Math.round(n / s).toLocaleString('en-US')} events/s`;

console.log(`seed ${SEED}; node ${process.version}; sizes ${sizes.join(', ')}`);
// Warm the JIT up on a small trace first, so the first measured size is not the cold one.
checkTrace(
  parseTrace(
    `${syntheticTrace({ events: 20_000, seed: SEED + 1 })
      .map(toCanonicalLine)
      .join('\n')}\n`,
    'warmup',
    'canonical',
  ).trace,
);
const totals: number[] = [];
const cpuTotals: number[] = [];
for (const size of sizes) {
  const [text, genSeconds] = time(
    () => `${syntheticTrace({ events: size, seed: SEED }).map(toCanonicalLine).join('\n')}\n`,
  );
  const [parsed, parseSeconds] = time(() => parseTrace(text, `synthetic-${size}.ndjson`, 'canonical'));
  const parseCpu = cpu;
  const [check, checkSeconds] = time(() => checkTrace(parsed.trace));
  const checkCpu = cpu;
  const [, diagnoseSeconds] = time(() => diagnose(parsed.trace));
  if (check.divergences.length > 0 || check.violations.length > 0) {
    console.error('the synthetic trace does not check clean:', check.divergences[0] ?? check.violations[0]);
    process.exit(1);
  }
  const events = parsed.trace.events.length;
  const total = parseSeconds + checkSeconds;
  totals.push(total);
  cpuTotals.push(parseCpu + checkCpu);
  console.log(
    `${size.toLocaleString('en-US')} events (generated in ${genSeconds.toFixed(2)} s, ${(text.length / 1e6).toFixed(1)} MB): ` +
      `parse ${parseSeconds.toFixed(2)} s (${rate(events, parseSeconds)}), ` +
      `check ${checkSeconds.toFixed(2)} s (${rate(check.eventsChecked, checkSeconds)} replayed), ` +
      `parse+check ${rate(events, total)}${events / total >= TARGET ? '' : ` — BELOW the ${TARGET.toLocaleString('en-US')}/s target`}; ` +
      `diagnose ${diagnoseSeconds.toFixed(2)} s; ` +
      `CPU time: parse ${parseCpu.toFixed(2)} s, check ${checkCpu.toFixed(2)} s, parse+check ${rate(events, parseCpu + checkCpu)}`,
  );
}
console.log(
  `linearity: ${sizes[1]} / ${sizes[0]} events took ${(totals[1] / totals[0]).toFixed(1)}× the wall-clock time and ` +
    `${(cpuTotals[1] / cpuTotals[0]).toFixed(1)}× the CPU time (10× is linear)`,
);

const READERS: readonly [Exclude<TraceFormat, 'canonical'>, string][] = [
  ['eliben', 'test/fixtures/trace/eliben-follower-comes-back.log'],
  ['hclog', 'test/fixtures/trace/hashicorp-partitioned.log'],
  ['etcd', 'test/fixtures/trace/etcd-partitioned.log'],
];

/** One reader at one size: parse + check, wall clock and CPU. */
function benchReader(format: Exclude<TraceFormat, 'canonical'>, base: string, copies: number) {
  const text = tile(base, format, copies);
  const [parsed, parseSeconds] = time(() => parseTrace(text, `${format}-tiled.log`, format));
  const parseCpu = cpu;
  const [check, checkSeconds] = time(() => checkTrace(parsed.trace));
  const events = parsed.trace.events.length;
  return { events, wall: parseSeconds + checkSeconds, cpu: parseCpu + cpu, replayed: check.eventsChecked };
}

for (const [format, file] of READERS) {
  const base = readFileSync(file, 'utf8');
  const perCopy = parseTrace(base, file, format).trace.events.length;
  benchReader(format, base, Math.ceil(20_000 / perCopy)); // warm-up
  const results = sizes.map((size) => benchReader(format, base, Math.ceil(size / perCopy)));
  for (const r of results) {
    console.log(
      `${format}: ${r.events.toLocaleString('en-US')} events (${file} tiled), parse+check ${r.wall.toFixed(2)} s: ` +
        `${rate(r.events, r.wall)} wall clock, ${rate(r.events, r.cpu)} CPU time` +
        `${r.events / r.cpu >= TARGET ? '' : ` — BELOW the ${TARGET.toLocaleString('en-US')}/s target`}` +
        (r.replayed > 0
          ? `; ${r.replayed.toLocaleString('en-US')} replayed against the model`
          : '; not replayed (format without message contents)'),
    );
  }
  const [small, large] = results;
  console.log(
    `${format} linearity: ${(large.events / small.events).toFixed(1)}× the events took ${(large.wall / small.wall).toFixed(1)}× the wall-clock ` +
      `and ${(large.cpu / small.cpu).toFixed(1)}× the CPU time`,
  );
}

const seedFile = 'test/fixtures/000_c99288ffe9c5615b.txt';
const runs: number[] = [];
for (let i = 0; i < 5; i++) {
  const [, seconds] = time(() => renderText(analyzeTrace(readFileSync(seedFile, 'utf8'), seedFile)));
  runs.push(seconds);
}
runs.sort((a, b) => a - b);
console.log(
  `seed log end to end (read, parse, check, diagnose, render): best ${(runs[0] * 1000).toFixed(0)} ms, ` +
    `median ${(runs[2] * 1000).toFixed(0)} ms, first (cold) run included: ${runs.map((r) => (r * 1000).toFixed(0)).join(', ')} ms ` +
    `(target < 500 ms)`,
);
