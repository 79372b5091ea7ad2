import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InProcessAdapter, type StepTarget } from '../adapters/in-process.ts';
import type { ImplementationFeatureName } from '../adapters/types.ts';
import { describeFailure } from '../conformance/report.ts';
import { DEFAULT_TIMING, runScenario, type ScenarioResult } from '../conformance/run-scenario.ts';
import { loadSuite, reproduceCommand, type ScenarioFile } from '../conformance/suite.ts';

/**
 * The conformance suite as a library, for an implementation that runs in the caller's own
 * process: a factory makes a fresh `StepTarget` (the in-process form of PROTOCOL.md) per
 * scenario, and each scenario is judged by the model as `raftkit conform` judges it.
 */

/** The folders of the suite shipped with raftkit (generated and curated step-mode scenarios). */
export function bundledScenarioDirs(): string[] {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'conformance', 'scenarios', 'curated'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('raftkit: the bundled scenarios (conformance/scenarios) are missing');
    dir = up;
  }
  return ['generated', 'curated'].map((name) => join(dir, 'conformance', 'scenarios', name));
}

export interface ConformanceOptions {
  /** Scenario files or folders (default: the bundled suite). */
  readonly scenarios?: readonly string[];
  /** Only scenarios whose path contains this text. */
  readonly filter?: string;
  /** Restrict the features the target declares to these. */
  readonly features?: readonly ImplementationFeatureName[];
  /** Seed handed to the implementation (default 1). */
  readonly seed?: number;
}

/** One scenario, ready to run against a fresh target. */
export interface ConformanceCase {
  readonly name: string;
  readonly file: string;
  run(): Promise<ScenarioResult>;
}

function featuresOf(target: StepTarget, only: ConformanceOptions['features']): StepTarget['features'] {
  if (!only) return target.features;
  const entries = Object.entries(target.features).map(([name, on]) => [
    name,
    on && only.includes(name as ImplementationFeatureName),
  ]);
  return Object.fromEntries(entries) as StepTarget['features'];
}

function caseOf(file: ScenarioFile, factory: () => StepTarget, options: ConformanceOptions): ConformanceCase {
  return {
    name: file.scenario.name,
    file: file.file,
    run: async () => {
      const target = factory();
      const adapter = new InProcessAdapter(target.implementation, target);
      return runScenario(adapter, file.scenario, file.file, {
        features: featuresOf(target, options.features),
        timing: DEFAULT_TIMING,
        seed: options.seed ?? 1,
        tolerances: [],
      });
    },
  };
}

/** Every scenario of the suite as a case to run (one fresh target each). */
export function conformanceCases(
  factory: () => StepTarget,
  options: ConformanceOptions = {},
): ConformanceCase[] {
  const paths = options.scenarios ?? bundledScenarioDirs();
  const files = loadSuite(paths, options.filter).map((f) => ({
    ...f,
    file: relative(process.cwd(), f.file) || f.file,
  }));
  return files.map((file) => caseOf(file, factory, options));
}

/** Run the whole suite; resolves with every result and the counts. */
export async function checkImplementation(
  factory: () => StepTarget,
  options: ConformanceOptions = {},
): Promise<{ results: ScenarioResult[]; counts: { pass: number; fail: number; skip: number } }> {
  const results: ScenarioResult[] = [];
  for (const c of conformanceCases(factory, options)) results.push(await c.run());
  const counts = { pass: 0, fail: 0, skip: 0 };
  for (const r of results) counts[r.status]++;
  return { results, counts };
}

/** A failed result in the words of `raftkit conform` (expected vs actual, the rule). */
export function explainFailure(result: ScenarioResult, implementation = 'your implementation'): string {
  const suite = { adapterFlags: '--adapter-cmd <your adapter>', implementation } as Parameters<
    typeof describeFailure
  >[0];
  return describeFailure(suite, result)
    .filter((line) => !line.includes(reproduceCommand(suite, result.file)))
    .join('\n');
}
