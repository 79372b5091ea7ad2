import { cpus, loadavg } from 'node:os';
import { createAdapter, StdioAdapter, type StepAdapter } from '../src/adapters/index.ts';
import {
  DEFAULT_TIMING,
  loadSuite,
  runScenario,
  runSuite,
  type ScenarioFile,
} from '../src/conformance/index.ts';

/**
 * `npm run bench:conform`: how fast the conformance runner checks an implementation.
 *
 * - model-checked scenario steps per second against the reference in-process, and over the
 *   stdio protocol (`node bin/raftkit.js serve-reference`, process start-up excluded; one
 *   adapter process, and two in parallel as `--jobs 2` runs them): the
 *   whole step-mode suite is replayed on one adapter for about MEASURE_MS after WARMUP_MS
 *   of warm-up; a step is one scenario step with the model stepped alongside and the comparison
 *   done; each scenario also pays its `create` and the final `state`/`drain` reads;
 * - the wall time of the whole suite (`runSuite`, adapter start-up included) with
 *   `--jobs 1` and `--jobs 2`, in-process and over stdio.
 *
 * Targets (issue 5): ≥ 50,000 steps/s in-process, ≥ 10,000 steps/s over stdio, the whole
 * suite in-process under 10 s.
 */

const MEASURE_MS = Number(process.env.MEASURE_MS ?? 3000);
const WARMUP_MS = Number(process.env.WARMUP_MS ?? 3000);
const SERVE = 'node bin/raftkit.js serve-reference';

/** Replay the suite on each adapter concurrently (one lockstep conversation each); total steps/s. */
async function stepsPerSecond(
  adapters: readonly StepAdapter[],
  files: readonly ScenarioFile[],
): Promise<{ rate: number; cpuRate: number; steps: number; passes: number }> {
  const pass = async (adapter: StepAdapter, options: Parameters<typeof runScenario>[3]) => {
    let steps = 0;
    for (const { scenario, file } of files) {
      const result = await runScenario(adapter, scenario, file, options);
      if (result.status === 'fail') throw new Error(`${file} failed: ${result.failure?.diagnosis}`);
      steps += result.steps;
    }
    return steps;
  };
  const loop = async (adapter: StepAdapter, ms: number) => {
    const hello = await adapter.hello();
    const options = { features: hello.features, timing: DEFAULT_TIMING, seed: 1 };
    // Warm-up: let the JIT (and, over stdio, the adapter process's JIT) settle first.
    const warmUntil = performance.now() + WARMUP_MS;
    while (performance.now() < warmUntil) await pass(adapter, options);
    await barrier.wait();
    let steps = 0;
    let passes = 0;
    const started = performance.now();
    while (performance.now() - started < ms) {
      steps += await pass(adapter, options);
      passes++;
    }
    return { steps, passes, elapsed: performance.now() - started };
  };
  const barrier = makeBarrier(adapters.length);
  let cpu = process.cpuUsage();
  barrier.reached.then(() => {
    cpu = process.cpuUsage();
  });
  const runs = await Promise.all(adapters.map((a) => loop(a, MEASURE_MS)));
  const used = process.cpuUsage(cpu);
  await Promise.all(adapters.map((a) => a.close()));
  const steps = runs.reduce((n, r) => n + r.steps, 0);
  const elapsed = Math.max(...runs.map((r) => r.elapsed));
  return {
    rate: (steps * 1000) / elapsed,
    cpuRate: (steps * 1e6) / (used.user + used.system),
    steps,
    passes: runs.reduce((n, r) => n + r.passes, 0),
  };
}

function makeBarrier(parties: number) {
  let waiting = 0;
  let release: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    reached: all,
    wait(): Promise<void> {
      waiting++;
      if (waiting === parties) release();
      return all;
    },
  };
}

async function wallTime(files: readonly ScenarioFile[], jobs: number, stdio: boolean): Promise<number> {
  const adapter = stdio
    ? ({ kind: 'command', command: SERVE, stepTimeoutMs: 10_000 } as const)
    : ({ kind: 'builtin', name: 'reference' } as const);
  const started = performance.now();
  const suite = await runSuite({ adapter, scenarios: files, jobs, seed: 1 });
  if (suite.counts.fail > 0) throw new Error(`${suite.counts.fail} scenarios failed`);
  return performance.now() - started;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en');
const files = loadSuite(['conformance/scenarios/generated', 'conformance/scenarios/curated']);
const totalSteps = files.reduce((n, f) => n + f.scenario.steps.length, 0);
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${cpus().length} CPUs (shared machines make wall-clock rates noisy)`,
);
console.log(
  `suite: ${files.length} step-mode scenarios, ${totalSteps} steps; measuring ~${MEASURE_MS} ms each`,
);

const inProcess = await stepsPerSecond([createAdapter({ kind: 'builtin', name: 'reference' })], files);
console.log(
  `in-process  ${fmt(inProcess.rate)} steps/s  (${fmt(inProcess.cpuRate)} per CPU-second; ${inProcess.steps} steps, ${inProcess.passes} suite passes; target ≥ 50,000)`,
);
for (const parallel of [1, 2]) {
  const adapters = Array.from(
    { length: parallel },
    () => new StdioAdapter({ command: SERVE, stepTimeoutMs: 10_000 }),
  );
  const overStdio = await stepsPerSecond(adapters, files);
  console.log(
    `over stdio  ${fmt(overStdio.rate)} steps/s  with ${parallel} adapter process(es) in parallel (kit side ${fmt(overStdio.cpuRate)} per CPU-second; ${overStdio.steps} steps; target ≥ 10,000)`,
  );
}
for (const stdio of [false, true]) {
  for (const jobs of [1, 2]) {
    const ms = await wallTime(files, jobs, stdio);
    console.log(
      `whole suite ${stdio ? 'over stdio' : 'in-process'} --jobs ${jobs}: ${(ms / 1000).toFixed(2)} s${stdio ? ' (adapter start-up included)' : ' (target < 10 s)'}`,
    );
  }
}
