import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { type AdapterSpec, adapterFlags, createAdapter } from '../../adapters/index.ts';
import type { AdapterHello } from '../../adapters/types.ts';
import { SetupError } from '../../conformance/index.ts';
import { type CampaignOptions, DEFAULT_BATCH, runCampaign } from '../../fuzz/campaign.ts';
import {
  classificationLines,
  classifyFuzzFailures,
  classOfFailure,
  type FuzzClass,
  loadDiscrepancyClasses,
} from '../../fuzz/classify.ts';
import { campaignFeatures } from '../../fuzz/features.ts';
import {
  buildReport,
  FUZZ_REPORT_VERSION,
  type FuzzReport,
  jsonReport,
  MergeError,
  mergeReports,
  reachableItems,
  reportFeatures,
  textReport,
  upgradeReport,
} from '../../fuzz/report.ts';
import type { StepDetail } from '../../fuzz/run.ts';
import { writeFileAtomic } from '../../scenario/index.ts';
import { intInRange, UsageError } from '../errors.ts';
import { parseAdapter, parseFeatures } from './conform.ts';

/**
 * `raftkit fuzz`: several nodes of one implementation, driven deterministically with the
 * messages they themselves send, under seeded, coverage-biased choices of deliveries,
 * drops, duplicates, timeouts, ticks, client requests, crashes and partitions; checked per
 * node against the model and across nodes against the safety properties; failures shrunk
 * to scenario files (src/fuzz/, docs/fuzz.md).
 */

export interface FuzzOptions {
  readonly adapter?: string;
  readonly adapterCmd?: string;
  readonly mutant?: string;
  readonly features?: string;
  readonly referenceFeatures?: string;
  readonly nodes: string;
  readonly runs: string;
  readonly depth: string;
  readonly batch: string;
  readonly shortAppends: boolean;
  readonly seed: string;
  readonly shard: string;
  readonly jobs: string;
  readonly oracle: string;
  readonly json?: boolean;
  readonly out?: string;
  readonly stepTimeoutMs: string;
  readonly shrinkReplays: string;
  readonly merge?: readonly string[];
  readonly progress?: boolean;
  readonly classes?: string;
}

export function register(program: Command): void {
  const command = program
    .command('fuzz')
    .summary('drive 3–5 nodes with their own messages under a seeded scheduler; check, shrink, shard')
    .description(FUZZ_DESCRIPTION);
  adapterOptions(command);
  campaignOptions(command);
  outputOptions(command);
  command.addHelpText('after', FUZZ_HELP_AFTER).action(async (options: FuzzOptions) => {
    process.exitCode = options.merge ? mergeCommand(options) : await runFuzz(options);
  });
}

const FUZZ_DESCRIPTION =
  'Create a cluster through the step protocol (one adapter hosts every node) and run seeded ' +
  'runs of environment actions: deliver a message a node sent (in any order), drop or ' +
  'duplicate it, fire an election or heartbeat timeout or tick a clock in any role, a client ' +
  'request, crash and restart, partition and heal — biased towards model transitions and ' +
  'term/vote/log relations not met yet. After every step: (a) the node did what the model ' +
  'allows, (b) Election Safety, Log Matching, Leader Completeness, State Machine Safety, ' +
  'and persistent term and committed entries hold across nodes and restarts. A failure is ' +
  'shrunk to a scenario file that `raftkit conform --scenarios` replays.';

/** Which implementation, and which of its features and switches. */
function adapterOptions(command: Command): void {
  command
    .option('--adapter <name>', 'built-in implementation: builtin:reference (default when no --adapter-cmd)')
    .option('--adapter-cmd <command>', 'a program speaking conformance/PROTOCOL.md (run without a shell)')
    .option('--mutant <name>', 'with builtin:reference: fuzz one of its named mutants')
    .option(
      '--features <list>',
      'comma-separated capabilities to use out of what the adapter declares; preVote and checkQuorum switch them on for the cluster (the model switches the adapter declares are always on)',
    )
    .option(
      '--reference-features <list>',
      'build the built-in reference with these model switches (name or name=value, see raftkit features); it declares them and the model judges it with them',
    );
}

/** The runs: cluster size, how many, how long, how chosen, which share. */
function campaignOptions(command: Command): void {
  command
    .option('--nodes <n>', 'nodes in the cluster (3–5)', '3')
    .option('--runs <n>', 'runs, each with its own seed (1–1000000)', '100')
    .option('--depth <n>', 'actions per run at most (1–100000)', '100')
    .option(
      '--batch <n>',
      'actions per round, chosen together and sent in one write (1–64; 1: each after the last reply)',
      String(DEFAULT_BATCH),
    )
    .option(
      '--no-short-appends',
      'never deliver an AppendEntries with only a prefix of its entries (the runs before they existed)',
    )
    .option('--seed <n>', 'campaign seed: every choice derives from it', '1')
    .option('--shard <i/n>', 'run only shard i of n (run r belongs to shard (r mod n) + 1)', '1/1')
    .option('--jobs <n>', 'runs in parallel, each on its own adapter (1–16)', '1');
}

/** What is checked and what is written. */
function outputOptions(command: Command): void {
  command
    .option('--oracle <list>', 'oracles: model (per node), safety (across nodes), or both', 'model,safety')
    .option('--json', 'print the report as JSON (no timings: the same seed gives the same bytes)')
    .option('--out <dir>', 'write shrunk scenarios and fuzz-report.json here')
    .option('--step-timeout-ms <ms>', 'per-step reply deadline for --adapter-cmd (100–600000)', '5000')
    .option('--shrink-replays <n>', 'replays a shrink may take (0–100000)', '2000')
    .option(
      '--classes <file>',
      "an adapter's classify.ts (its DISCREPANCY_CLASSES): group failures by the step column's discrepancy classes, shrink the first of each",
    )
    .option('--merge <reports...>', 'merge the --json reports of shards into one report; runs nothing')
    .option('--no-progress', 'no progress line on stderr');
}

const FUZZ_HELP_AFTER = [
  '',
  'Examples:',
  '  npx raftkit fuzz --nodes 5 --runs 500 --seed 1                 the reference, in process',
  '  npx raftkit fuzz --adapter-cmd "npx raftkit serve-reference" --runs 100',
  '  npx raftkit fuzz --reference-features leaderStickiness=same-term,backoff=hint --runs 100   judged with those switches',
  '  npx raftkit fuzz --mutant commit-previous-term --oracle safety --runs 20000 --depth 150 --out fuzz-out',
  '  npx raftkit fuzz --batch 1 --no-short-appends --runs 100      each action after the last reply',
  '  npx raftkit fuzz --runs 1000 --shard 2/4 --json > shard-2.json   one shard of four',
  '  npx raftkit fuzz --merge shard-*.json                           one report of all shards',
  '  npx raftkit fuzz --adapter-cmd .raftkit-tmp/etcd-raft/etcd-raft-adapter --classes conformance/adapters/etcd-raft/classify.ts --out fuzz-out',
  '',
  'Exit codes: 0 no failure, 1 a run failed, 2 usage or setup error. See docs/fuzz.md.',
].join('\n');

export function parseShard(raw: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(raw);
  const index = m ? Number(m[1]) : 0;
  const count = m ? Number(m[2]) : 0;
  if (!m || count < 1 || index < 1 || index > count)
    throw new UsageError(`--shard must be i/n with 1 ≤ i ≤ n (e.g. 2/4), got '${raw}'`);
  return { index, count };
}

export function parseOracles(raw: string): { model: boolean; safety: boolean } {
  const names = raw.split(',').map((s) => s.trim());
  for (const name of names)
    if (name !== 'model' && name !== 'safety')
      throw new UsageError(`--oracle must list model, safety or both (comma-separated), got '${raw}'`);
  return { model: names.includes('model'), safety: names.includes('safety') };
}

async function hello(spec: AdapterSpec): Promise<AdapterHello> {
  const adapter = createAdapter(spec);
  try {
    return await adapter.hello();
  } catch (error) {
    throw new SetupError(
      `could not start the adapter (${adapter.name}): ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    await adapter.close();
  }
}

interface Parsed {
  readonly spec: AdapterSpec;
  readonly campaign: Omit<
    CampaignOptions,
    'adapter' | 'hello' | 'features' | 'ticks' | 'crashes' | 'tolerances'
  >;
  readonly listed: ReturnType<typeof parseFeatures>;
}

function parseOptions(options: FuzzOptions): Parsed {
  const shard = parseShard(options.shard);
  return {
    spec: parseAdapter(options),
    listed: parseFeatures(options.features),
    campaign: {
      nodes: intInRange('--nodes', options.nodes, 3, 5),
      runs: intInRange('--runs', options.runs, 1, 1_000_000),
      depth: intInRange('--depth', options.depth, 1, 100_000),
      batch: intInRange('--batch', options.batch, 1, 64),
      shortAppends: options.shortAppends !== false,
      seed: intInRange('--seed', options.seed, 0, 2 ** 31 - 1),
      jobs: intInRange('--jobs', options.jobs, 1, 16),
      shrinkReplays: intInRange('--shrink-replays', options.shrinkReplays, 0, 100_000),
      oracles: parseOracles(options.oracle),
      shard,
      ...(options.out ? { out: options.out } : {}),
    },
  };
}

async function runFuzz(options: FuzzOptions): Promise<number> {
  const { spec, campaign, listed } = parseOptions(options);
  let setup: ReturnType<typeof campaignFeatures>;
  let classes: FuzzClass<StepDetail>[] | undefined;
  try {
    classes = options.classes ? await loadDiscrepancyClasses(options.classes) : undefined;
    setup = campaignFeatures(await hello(spec), listed);
  } catch (error) {
    if (!(error instanceof SetupError) && !(error as Error).message.startsWith('--classes')) throw error;
    process.stderr.write(`raftkit fuzz: ${(error as Error).message}\n`);
    return 2;
  }
  const { shard } = campaign;
  process.stderr.write(
    `raftkit fuzz: seed ${campaign.seed}, ${campaign.runs} runs (shard ${shard.index}/${shard.count}) of depth ${campaign.depth}, ${campaign.nodes} nodes, ${campaign.jobs} job(s)\n`,
  );
  const started = performance.now();
  const progress = options.progress !== false && process.stderr.isTTY;
  const result = await runCampaign({
    ...campaign,
    ...setup,
    adapter: spec,
    ...(classes ? { classOf: classOfFailure(classes) } : {}),
    onRun: progress
      ? (done, steps, failures) =>
          process.stderr.write(`\r[${done} runs] ${steps} node steps, ${failures} failed`)
      : undefined,
  });
  if (progress) process.stderr.write('\n');
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(
    `raftkit fuzz: ${result.nodeSteps} node steps in ${seconds.toFixed(1)} s (${Math.round(result.nodeSteps / Math.max(seconds, 1e-9))}/s)\n`,
  );
  const report = buildReport(headerOf(spec, campaign, setup), result);
  if (campaign.out) writeFileAtomic(join(campaign.out, 'fuzz-report.json'), jsonReport(report));
  process.stdout.write(
    options.json ? jsonReport(report) : textReport(report, reachableItems(setup.features)),
  );
  if (classes && !options.json)
    process.stdout.write(
      `\n${classificationLines(classifyFuzzFailures(report.failures, classes)).join('\n')}\n`,
    );
  return report.failures.length > 0 ? 1 : 0;
}

function headerOf(
  spec: AdapterSpec,
  campaign: Parsed['campaign'],
  setup: ReturnType<typeof campaignFeatures>,
) {
  return {
    implementation: setup.hello.implementation,
    adapter: adapterFlags(spec),
    nodes: campaign.nodes,
    runs: campaign.runs,
    depth: campaign.depth,
    batch: campaign.batch ?? 1,
    shortAppends: campaign.shortAppends === true,
    seed: campaign.seed,
    oracles: (['model', 'safety'] as const).filter((o) => campaign.oracles[o]),
    features: setup.features,
    shard: `${campaign.shard.index}/${campaign.shard.count}`,
  };
}

function mergeCommand(options: FuzzOptions): number {
  const files = options.merge ?? [];
  if (files.length === 0) throw new UsageError('--merge needs at least one report file');
  const reports = files.map((file) => readReport(file));
  let merged: FuzzReport;
  try {
    merged = mergeReports(reports);
  } catch (error) {
    if (error instanceof MergeError) throw new UsageError(`--merge: ${error.message}`);
    throw error;
  }
  process.stdout.write(
    options.json ? jsonReport(merged) : textReport(merged, reachableItems(reportFeatures(merged))),
  );
  return merged.failures.length > 0 ? 1 : 0;
}

function readReport(file: string): FuzzReport {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(
      `--merge: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const r = parsed as Partial<FuzzReport>;
  if (
    typeof r !== 'object' ||
    r === null ||
    (r.version !== 1 && r.version !== FUZZ_REPORT_VERSION) ||
    !Array.isArray(r.coverage?.items) ||
    !Array.isArray(r.shards) ||
    !Array.isArray(r.oracles)
  )
    throw new UsageError(
      `--merge: ${file} is not a raftkit fuzz --json report (version 1 or ${FUZZ_REPORT_VERSION})`,
    );
  try {
    return upgradeReport(r as FuzzReport);
  } catch (error) {
    if (error instanceof MergeError) throw new UsageError(`--merge: ${file}: ${error.message}`);
    throw error;
  }
}
