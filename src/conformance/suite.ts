import { relative } from 'node:path';
import {
  FEATURE_NAMES,
  type Features,
  makeFeatures,
  UnsupportedFeatureError,
} from '../../models/features.ts';
import { type AdapterSpec, adapterFlags, createAdapter } from '../adapters/index.ts';
import {
  AdapterError,
  type AdapterHello,
  ALWAYS,
  type ClusterTiming,
  IMPLEMENTATION_FEATURE_NAMES,
  type ImplementationFeatureName,
  type ImplementationFeatures,
  type StepAdapter,
} from '../adapters/types.ts';
import { listScenarioFiles, loadScenarioFile, type Scenario } from '../scenario/index.ts';
import { OPT_IN_TOLERANCES, type ToleranceName } from './compare.ts';
import { DEFAULT_TIMING, runScenario, type ScenarioResult } from './run-scenario.ts';

/**
 * A conformance run: every selected scenario against one implementation, on `jobs`
 * adapters in parallel (each its own process for `--adapter-cmd`). A scenario whose
 * adapter process broke (crash, hang, garbage) fails with that diagnosis; the worker
 * starts a fresh adapter and goes on.
 */

export interface ScenarioFile {
  readonly scenario: Scenario;
  /** Path as given to the reproduce command (relative to the working directory). */
  readonly file: string;
}

export const DEFAULT_SCENARIO_DIRS = ['conformance/scenarios/generated', 'conformance/scenarios/curated'];

/** Two step-mode files of one suite with the same scenario name: their reports and
 * diagrams would overwrite each other. (Cluster-mode files are another suite, run by
 * `raftkit cluster`; `cluster/initial-election` may share a name with a step scenario.) */
export class DuplicateScenarioName extends Error {}

function assertUniqueNames(files: readonly ScenarioFile[]): void {
  const byName = new Map<string, string>();
  for (const { scenario, file } of files) {
    if (scenario.cluster.mode !== 'step') continue;
    const first = byName.get(scenario.name);
    if (first !== undefined)
      throw new DuplicateScenarioName(
        `${file}: scenario name '${scenario.name}' is also the name of ${first}; rename one of the files`,
      );
    byName.set(scenario.name, file);
  }
}

/** Load scenario files (sorted, deduplicated, names unique); step-mode only unless asked for by file. */
export function loadSuite(paths: readonly string[], filter?: string): ScenarioFile[] {
  const seen = new Set<string>();
  const files: ScenarioFile[] = [];
  for (const path of paths) {
    for (const full of listScenarioFiles(path)) {
      const file = relative(process.cwd(), full) || full;
      if (seen.has(file)) continue;
      seen.add(file);
      if (filter && !file.includes(filter)) continue;
      files.push({ scenario: loadScenarioFile(full), file });
    }
  }
  assertUniqueNames(files);
  return files;
}

export class SetupError extends Error {}

export interface SuiteOptions {
  readonly adapter: AdapterSpec;
  readonly scenarios: readonly ScenarioFile[];
  readonly jobs: number;
  /** Restrict the implementation's declared features to these (`--features`). */
  readonly features?: readonly ImplementationFeatureName[];
  readonly timing?: ClusterTiming;
  readonly seed: number;
  /** Stop the run after this many scenarios in a row timed out (the adapter stopped
   * answering); the rest are skipped with that reason. Default 3; 0: never stop. */
  readonly maxTimeouts?: number;
  /** Called after each scenario with the number done so far. */
  readonly onResult?: (result: ScenarioResult, done: number, total: number) => void;
}

export interface SuiteResult {
  readonly adapter: string;
  readonly implementation: string;
  readonly features: ImplementationFeatures;
  /** Opt-in tolerances the implementation declared (docs/conformance.md, Tolerances). */
  readonly declaredTolerances: readonly ToleranceName[];
  readonly seed: number;
  readonly results: readonly ScenarioResult[];
  readonly durationMs: number;
  readonly counts: { readonly pass: number; readonly fail: number; readonly skip: number };
  /** Model-checked steps executed per second over the whole run. */
  readonly stepsPerSecond: number;
  /** The flags that select the same implementation, for reproduce commands. */
  readonly adapterFlags: string;
  /** Why the run stopped before its end (`--max-timeouts`), if it did. */
  readonly stoppedEarly?: string;
}

export const DEFAULT_MAX_TIMEOUTS = 3;

/** Counts scenarios that timed out in a row; trips at `limit` (0: never). */
function timeoutFuse(limit: number) {
  let inARow = 0;
  let reason: string | undefined;
  return {
    record(result: ScenarioResult): void {
      inARow = result.adapterHung ? inARow + 1 : 0;
      if (limit > 0 && inARow >= limit && reason === undefined)
        reason = `the adapter timed out in ${inARow} scenarios in a row (--max-timeouts ${limit}): the rest were not run`;
    },
    get tripped(): string | undefined {
      return reason;
    },
  };
}

function notRun(file: ScenarioFile, reason: string): ScenarioResult {
  return {
    name: file.scenario.name,
    file: file.file,
    status: 'skip',
    reason: `not run: ${reason}`,
    steps: 0,
    durationMs: 0,
    tolerances: [],
    transcript: [],
  };
}

/** The declared features, restricted to `only` (`--features`) when given. */
export function effectiveFeatures(
  declared: ImplementationFeatures,
  only: readonly ImplementationFeatureName[] | undefined,
): ImplementationFeatures {
  if (!only) return declared;
  return Object.fromEntries(
    IMPLEMENTATION_FEATURE_NAMES.map((name) => [name, declared[name] && only.includes(name)]),
  ) as unknown as ImplementationFeatures;
}

async function startAdapter(spec: AdapterSpec): Promise<{ adapter: StepAdapter; hello: AdapterHello }> {
  const adapter = createAdapter(spec);
  try {
    return { adapter, hello: await adapter.hello() };
  } catch (error) {
    await adapter.close();
    const why = error instanceof Error ? error.message : String(error);
    const tail = adapter.stderrTail?.().trim();
    throw new SetupError(
      `could not start the adapter (${adapter.name}): ${why}${tail && !why.includes('stderr') ? `; stderr: ${tail.split('\n').slice(-3).join(' | ')}` : ''}`,
    );
  }
}

/**
 * What a run may use of the adapter's declaration: its capabilities (restricted by
 * `--features`) and every model switch it declares (never restricted: the implementation runs
 * with them whatever the kit asks). Step mode (`raftkit conform`) and `raftkit fuzz` both read
 * `init_ok` through this; a bad switch is a SetupError.
 */
export function runFeatures(
  hello: AdapterHello,
  only: readonly ImplementationFeatureName[] | undefined,
): ImplementationFeatures {
  return { ...effectiveFeatures(hello.features, only), switches: declaredSwitches(hello) };
}

/** Names `init_ok.features` may carry besides the capabilities and the switches: informational ones (PROTOCOL.md §3). */
const INFORMATIONAL_FEATURES = ['deterministicTicks', 'rpcStyle'];

/**
 * The model switches of `init_ok.features` (models/features.ts). An unknown feature name, or a
 * switch value the model does not have, is a setup error: the run would otherwise judge the
 * implementation by a model it does not run.
 */
export function declaredSwitches(hello: AdapterHello): Partial<Features> {
  const declared = hello.declaredFeatures;
  if (declared === undefined) return hello.features.switches ?? {};
  const switches: Record<string, boolean | string> = {};
  for (const [name, value] of Object.entries(declared)) {
    // "checkQuorum": "always" is the switch; `true` only the per-cluster capability.
    if (name === 'checkQuorum' && value === ALWAYS) {
      switches[name] = true;
      continue;
    }
    if ((IMPLEMENTATION_FEATURE_NAMES as readonly string[]).includes(name)) continue;
    if (INFORMATIONAL_FEATURES.includes(name)) continue;
    if (!(FEATURE_NAMES as readonly string[]).includes(name)) {
      throw new SetupError(
        `the adapter declares feature '${name}', which is neither a capability (${IMPLEMENTATION_FEATURE_NAMES.join(', ')}) nor a model switch (${FEATURE_NAMES.join(', ')}; raftkit features)`,
      );
    }
    switches[name] = value;
  }
  try {
    makeFeatures(switches as Partial<Features>);
  } catch (error) {
    if (error instanceof UnsupportedFeatureError) throw new SetupError(`init_ok.features: ${error.message}`);
    throw error;
  }
  return switches as Partial<Features>;
}

/** The opt-in tolerances of `init_ok.tolerances`; an unknown name is a setup error. */
export function declaredTolerances(hello: AdapterHello): ToleranceName[] {
  for (const name of hello.tolerances) {
    if (!(OPT_IN_TOLERANCES as readonly string[]).includes(name)) {
      throw new SetupError(
        `the adapter declares tolerance '${name}', which is not an opt-in tolerance of the kit (${OPT_IN_TOLERANCES.join(', ')}; docs/conformance.md)`,
      );
    }
  }
  return [...new Set(hello.tolerances as ToleranceName[])].sort();
}

export async function runSuite(options: SuiteOptions): Promise<SuiteResult> {
  const started = performance.now();
  const first = await startAdapter(options.adapter);
  const { features, tolerances } = await readDeclarations(first, options);
  const fuse = timeoutFuse(options.maxTimeouts ?? DEFAULT_MAX_TIMEOUTS);
  const results = await runAll(options, first.adapter, { features, tolerances }, fuse);
  const counts = { pass: 0, fail: 0, skip: 0 };
  let steps = 0;
  for (const r of results) {
    counts[r.status]++;
    steps += r.steps;
  }
  const durationMs = performance.now() - started;
  const stoppedEarly = fuse.tripped;
  return {
    adapter: first.adapter.name,
    implementation: first.hello.implementation,
    features,
    declaredTolerances: tolerances,
    seed: options.seed,
    results,
    durationMs,
    counts,
    stepsPerSecond: durationMs > 0 ? (steps * 1000) / durationMs : 0,
    adapterFlags: adapterFlags(options.adapter),
    ...(stoppedEarly ? { stoppedEarly } : {}),
  };
}

type Started = Awaited<ReturnType<typeof startAdapter>>;
interface Declared {
  readonly features: ImplementationFeatures;
  readonly tolerances: ToleranceName[];
}

/** The features, switches and tolerances the adapter's `init_ok` declares (a bad one closes it and throws). */
async function readDeclarations(first: Started, options: SuiteOptions): Promise<Declared> {
  try {
    return {
      features: runFeatures(first.hello, options.features),
      tolerances: declaredTolerances(first.hello),
    };
  } catch (error) {
    await first.adapter.close();
    throw error;
  }
}

/**
 * Runs every scenario on `options.jobs` adapters at once (the first already started), each
 * taking the next scenario when it is free; a broken adapter process is replaced; the fuse
 * stops the run after too many hung scenarios, and what was not run is reported as such.
 */
async function runAll(
  options: SuiteOptions,
  firstAdapter: StepAdapter,
  declared: Declared,
  fuse: ReturnType<typeof timeoutFuse>,
): Promise<ScenarioResult[]> {
  const total = options.scenarios.length;
  const results: ScenarioResult[] = new Array(total);
  let next = 0;
  let done = 0;
  const worker = async (initial: StepAdapter | null) => {
    let adapter = initial ?? (await startAdapter(options.adapter)).adapter;
    try {
      for (let index = next++; index < total && !fuse.tripped; index = next++) {
        const { scenario, file } = options.scenarios[index];
        const result = await runScenario(adapter, scenario, file, {
          features: declared.features,
          timing: options.timing ?? DEFAULT_TIMING,
          seed: options.seed,
          tolerances: declared.tolerances,
        });
        results[index] = result;
        fuse.record(result);
        options.onResult?.(result, ++done, total);
        if (result.adapterBroken && next < total && !fuse.tripped) {
          await adapter.close();
          adapter = (await startAdapter(options.adapter)).adapter;
        }
      }
    } finally {
      await adapter.close();
    }
  };
  const jobs = Math.max(1, Math.min(options.jobs, total));
  const workers = [worker(firstAdapter)];
  try {
    for (let j = 1; j < jobs; j++) workers.push(worker(null));
  } finally {
    await Promise.allSettled(workers);
  }
  for (const w of workers) await w; // rethrow a setup error of a later worker
  if (total === 0) await firstAdapter.close();
  for (let i = 0; i < total; i++)
    if (results[i] === undefined) results[i] = notRun(options.scenarios[i], fuse.tripped ?? 'stopped');
  return results;
}

export function reproduceCommand(suite: Pick<SuiteResult, 'adapterFlags'>, file: string): string {
  return `npx raftkit conform ${suite.adapterFlags} --scenarios ${file}`;
}

export { AdapterError };
