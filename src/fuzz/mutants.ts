import { type AdapterSpec, createAdapter, IMPLEMENTATION_FEATURE_NAMES } from '../adapters/index.ts';
import type { MutantInfo, MutantName } from '../reference/index.ts';
import { type CampaignOptions, type FailureReport, runCampaign } from './campaign.ts';
import { campaignFeatures } from './features.ts';

/**
 * `raftkit mutants --fuzz`: the bug-class benchmark with fuzzing alone (no fixed suite).
 * Each mutant of the reference is fuzzed until the first failure or until its time budget
 * runs out; the verdict says which oracle and property killed it, after how many node steps
 * of fuzzing, and where its shrunk scenario was written.
 */

export interface FuzzVerdict {
  readonly mutant: MutantInfo;
  readonly killedBy: FailureReport | null;
  /** Node steps fuzzed until the kill (or the budget). */
  readonly nodeSteps: number;
  readonly runs: number;
  readonly seconds: number;
}

export interface MutantFuzzOptions {
  readonly budgetMs: number;
  readonly seed: number;
  readonly nodes: number;
  readonly depth: number;
  readonly batch: number;
  readonly shortAppends: boolean;
  readonly oracles: CampaignOptions['oracles'];
  readonly out: string;
}

export async function fuzzMutant(mutant: MutantInfo, options: MutantFuzzOptions): Promise<FuzzVerdict> {
  const adapter: AdapterSpec = { kind: 'builtin', name: 'reference', mutant: mutant.name as MutantName };
  const probe = createAdapter(adapter);
  const hello = await probe.hello();
  await probe.close();
  const started = performance.now();
  const result = await runCampaign({
    adapter,
    nodes: options.nodes,
    runs: 1_000_000,
    depth: options.depth,
    batch: options.batch,
    shortAppends: options.shortAppends,
    seed: options.seed,
    shard: { index: 1, count: 1 },
    jobs: 1,
    oracles: options.oracles,
    // `--features` of every capability, or of all but PreVote: the cluster's PreVote choice.
    ...campaignFeatures(
      hello,
      IMPLEMENTATION_FEATURE_NAMES.filter((name) => name !== 'preVote' || needsPreVote(mutant)),
    ),
    shrinkReplays: 2000,
    stopAtFailure: true,
    deadline: started + options.budgetMs,
    out: options.out,
    label: mutant.name,
  });
  return {
    mutant,
    killedBy: result.failures[0] ?? null,
    nodeSteps: result.nodeSteps,
    runs: result.runsDone,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Mutants of PreVote (docs/bugs.md #9, #10) show only in a cluster with PreVote on. */
function needsPreVote(mutant: MutantInfo): boolean {
  return /pre-vote/.test(mutant.name);
}

export function fuzzMutantTable(verdicts: readonly FuzzVerdict[]): string {
  const width = Math.max(6, ...verdicts.map((v) => v.mutant.name.length));
  const lines = [`${'mutant'.padEnd(width)}  bug  killed  node steps  by`];
  for (const v of verdicts) {
    const f = v.killedBy;
    const by = f
      ? `${f.oracle === 'model' ? 'model (per node)' : `${f.oracle}: ${f.property}`}${f.shrunk ? `; shrunk to ${f.shrunk.nodeSteps} steps: ${f.shrunk.scenario ?? ''}` : ''}`
      : `- (${v.runs} runs, ${v.seconds.toFixed(0)} s)`;
    lines.push(
      `${v.mutant.name.padEnd(width)}  ${`#${v.mutant.bug}`.padEnd(4)} ${(f ? 'yes' : 'NO').padEnd(6)}  ${String(v.nodeSteps).padStart(10)}  ${by}`,
    );
  }
  const killed = verdicts.filter((v) => v.killedBy).length;
  lines.push('', `mutants killed by fuzzing alone: ${killed}/${verdicts.length} (bug classes: docs/bugs.md)`);
  return `${lines.join('\n')}\n`;
}
