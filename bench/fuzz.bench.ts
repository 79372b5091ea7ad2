import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { makeFeatures } from '../models/index.ts';
import { createAdapter, StdioAdapter, type StepAdapter } from '../src/adapters/index.ts';
import { DEFAULT_TIMING } from '../src/conformance/index.ts';
import { DEFAULT_BATCH, nodeNames, runSeed } from '../src/fuzz/campaign.ts';
import { type FuzzSetup, fuzzRun } from '../src/fuzz/run.ts';

/**
 * `npm run bench:fuzz`: node steps per second of `raftkit fuzz` (a node step: one command
 * the adapter carries out, with the model's node stepped and judged, the coverage items
 * recorded, the safety properties checked across nodes, and the next action chosen), on
 * three nodes, depth 100, both oracles, rounds of DEFAULT_BATCH actions (`BATCH=1` for one action per
 * round) and short AppendEntries on, as `raftkit fuzz` runs by default:
 *
 * - in-process against the reference;
 * - over stdio with one `node bin/raftkit.js serve-reference` process (start-up excluded);
 * - over stdio with two processes and two runs at once, as `--jobs 2` runs them.
 *
 * Each measurement runs successive seeds for MEASURE_MS after WARMUP_MS of warm-up, and prints
 * the wall-clock rate and the rate per CPU second of the kit's process (a busy machine slows
 * the first, not the second; over stdio the adapter's own CPU is not in it).
 * Targets (issue 13): ≥ 50,000 node steps/s in-process, ≥ 5,000 over stdio with one adapter.
 */

const MEASURE_MS = Number(process.env.MEASURE_MS ?? 4000);
const WARMUP_MS = Number(process.env.WARMUP_MS ?? 2000);
const SERVE = 'node bin/raftkit.js serve-reference';

const setup: FuzzSetup = {
  nodes: nodeNames(3),
  depth: 100,
  oracles: { model: true, safety: true },
  features: makeFeatures({}),
  ticks: true,
  crashes: true,
  tolerances: new Set(),
  timing: DEFAULT_TIMING,
  capacity: 24,
  batch: Number(process.env.BATCH ?? DEFAULT_BATCH),
  shortAppends: true,
};

let nextRun = 0;

async function fuzzFor(adapter: StepAdapter, ms: number): Promise<number> {
  let steps = 0;
  const until = performance.now() + ms;
  while (performance.now() < until) {
    const outcome = await fuzzRun(adapter, setup, runSeed(1, nextRun++));
    if (outcome.failure) throw new Error(`run failed: ${outcome.failure.diagnosis}`);
    steps += outcome.nodeSteps;
  }
  return steps;
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc (Linux); 0 elsewhere.
 * Fields 14 and 15 of /proc/<pid>/stat are utime and stime in clock ticks (100 per second).
 */
function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

const adapterCpu = (adapters: readonly StepAdapter[]) =>
  adapters.reduce((sum, a) => sum + (a instanceof StdioAdapter ? processCpuSeconds(a.pid) : 0), 0);

async function measure(label: string, adapters: readonly StepAdapter[]): Promise<number> {
  for (const a of adapters) await a.hello();
  await Promise.all(adapters.map((a) => fuzzFor(a, WARMUP_MS)));
  const started = performance.now();
  const cpu = process.cpuUsage();
  const adapterBefore = adapterCpu(adapters);
  const steps = await Promise.all(adapters.map((a) => fuzzFor(a, MEASURE_MS)));
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const kitSeconds = (used.user + used.system) / 1e6;
  const adapterSeconds = adapterCpu(adapters) - adapterBefore;
  const total = steps.reduce((a, b) => a + b, 0);
  const rate = total / elapsed;
  // CPU time per step: what a step costs, whatever else the machine is doing (a busy
  // machine slows the wall rate, not this).
  const perCpu = Math.round(total / kitSeconds).toLocaleString('en-US');
  const micros = (seconds: number) => ((seconds * 1e6) / total).toFixed(1);
  console.log(
    `${label.padEnd(40)} ${Math.round(rate).toLocaleString('en-US').padStart(8)} node steps/s wall, ${perCpu.padStart(8)} per kit CPU second; CPU per node step: kit ${micros(kitSeconds)} µs, adapter ${micros(adapterSeconds)} µs  (${total} steps in ${elapsed.toFixed(1)} s)`,
  );
  for (const a of adapters) await a.close();
  return rate;
}

const stdio = () => new StdioAdapter({ command: SERVE, stepTimeoutMs: 10_000, startTimeoutMs: 30_000 });

console.log(
  `bench:fuzz — ${cpus().length} cores, load ${loadavg()[0].toFixed(2)}, 3 nodes, depth 100, batch ${setup.batch}, oracles model+safety`,
);
const inProcess = await measure('in-process (builtin:reference)', [
  createAdapter({ kind: 'builtin', name: 'reference' }),
]);
const one = await measure('stdio, one serve-reference process', [stdio()]);
const two = await measure('stdio, two processes (--jobs 2)', [stdio(), stdio()]);
console.log('');
console.log(
  `targets: in-process ≥ 50,000: ${inProcess >= 50_000 ? 'met' : 'NOT met'}; stdio one adapter ≥ 5,000: ${one >= 5_000 ? 'met' : 'NOT met'}; --jobs 2 more than one: ${two > one ? 'yes' : 'no'}`,
);
