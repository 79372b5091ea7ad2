import {
  describeFeatures,
  type Features,
  type GuardName,
  makeFeatures,
  NO_FEATURES,
  SWITCH_OF_GUARD,
  SWITCHES,
} from '../../models/index.ts';
import { coverageUniverse, UNREACHABLE } from '../generate/coverage.ts';
import type { CampaignResult, FailureReport } from './campaign.ts';

/**
 * The fuzz report: what ran, which model items the runs exercised (out of those the model
 * can reach with the cluster's switches), and the failures with their histories and shrunk
 * scenarios. The JSON form has no timings, so the same seed and adapter give byte-identical
 * JSON, and `--merge` can add shards' reports together.
 *
 * Version 2 records every model switch the runs were judged with, with its value (version 1
 * listed the boolean switches that were on, and only preVote and leaderNoOp could be).
 */

export const FUZZ_REPORT_VERSION = 2;

/** What ran: the same in every shard of a campaign. */
interface CampaignHeader {
  readonly implementation: string;
  readonly adapter: string;
  readonly nodes: number;
  readonly runs: number;
  readonly depth: number;
  /** Actions per round (`--batch`): a different batch is a different campaign. */
  readonly batch: number;
  /** Whether AppendEntries prefixes were delivered (`--no-short-appends` turns them off). */
  readonly shortAppends: boolean;
  readonly seed: number;
  readonly oracles: readonly string[];
}

export interface FuzzReport extends CampaignHeader {
  readonly version: number;
  /** Every switch of models/features.ts and its value in the model the runs were judged by. */
  readonly features: Features;
  /** The shards whose runs this report holds, e.g. ["1/2", "2/2"]. */
  readonly shards: readonly string[];
  readonly runsDone: number;
  readonly nodeSteps: number;
  readonly coverage: {
    readonly reachable: number;
    readonly covered: number;
    readonly items: readonly string[];
  };
  readonly failures: readonly FailureReport[];
}

export interface ReportHeader extends CampaignHeader {
  readonly features: Features;
  readonly shard: string;
}

/**
 * Model items a run can exercise with these switches: a switch that is off leaves out its
 * items (PreVote's, the no-op's), and one that is on leaves out the branch it replaces (with
 * PreVote an election timeout always starts a pre-vote; with the no-op a candidate's quorum
 * always takes the no-op transition).
 */
export function reachableItems(features: Features): string[] {
  const excluded = [
    ...(features.preVote
      ? [/preVoteEnabled=false/, /ElectionTimeout\[else\]/]
      : [/PreVote|preCandidate|prevote|preVoteEnabled(=true|\])/]),
    ...(features.leaderNoOp ? [/candidate\/\(always\)\[hasVoteQuorum\]/] : [/WithLeaderNoOp(=true|\])/]),
  ];
  return coverageUniverse()
    .map((i) => i.id)
    .filter(
      (id) => !(id in UNREACHABLE) && !excluded.some((re) => re.test(id)) && !needsSwitchOff(id, features),
    )
    .sort();
}

/** An item only a switch that is off in this run can exercise (a guard of models/features.ts's other switches). */
function needsSwitchOff(id: string, features: Features): boolean {
  const guard = /^transition:[^[]*\[(\w+)\]$/.exec(id)?.[1] ?? /^guard:[^/]+\/(\w+)=true$/.exec(id)?.[1];
  const feature = guard === undefined ? undefined : SWITCH_OF_GUARD[guard as GuardName];
  if (feature === undefined || feature === 'preVote' || feature === 'leaderNoOp') return false;
  return features[feature] === NO_FEATURES[feature];
}

export class MergeError extends Error {}

/** Every switch with its value, in the order of models/features.ts (the same bytes for the same model). */
function everySwitch(features: Features): Features {
  return Object.fromEntries(SWITCHES.map((s) => [s.name, features[s.name]])) as unknown as Features;
}

/**
 * The model a report's runs were judged by, rebuilt from the report (for `--merge`). A
 * version 1 report listed the boolean switches that were on; every other switch was at its
 * default then, so that list is its model exactly. An unknown switch or value is a MergeError.
 */
export function reportFeatures(report: { readonly version: number; readonly features: unknown }): Features {
  const named =
    report.version === 1 && Array.isArray(report.features)
      ? Object.fromEntries(report.features.map((name) => [String(name), true]))
      : report.features;
  if (typeof named !== 'object' || named === null || Array.isArray(named))
    throw new MergeError('its features are not an object of model switches');
  try {
    return makeFeatures(named as Partial<Features>);
  } catch (error) {
    throw new MergeError(`its features: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function buildReport(header: ReportHeader, result: CampaignResult): FuzzReport {
  const reachable = reachableItems(header.features);
  const items = reachable.filter((id) => result.items.has(id));
  const { features, shard, ...campaign } = header;
  return {
    version: FUZZ_REPORT_VERSION,
    ...campaign,
    features: everySwitch(features),
    shards: [shard],
    runsDone: result.runsDone,
    nodeSteps: result.nodeSteps,
    coverage: { reachable: reachable.length, covered: items.length, items },
    failures: result.failures,
  };
}

/**
 * A report read back (`--merge`) in this version's form: its model rebuilt with every switch
 * and value (`reportFeatures`), so shards compare, and print, by the model they ran.
 */
export function upgradeReport(report: FuzzReport): FuzzReport {
  return { ...report, version: FUZZ_REPORT_VERSION, features: everySwitch(reportFeatures(report)) };
}

/** Refuse to add up shards of different campaigns: another model is another campaign. */
function checkSameCampaign(first: FuzzReport, r: FuzzReport): void {
  for (const key of ['implementation', 'nodes', 'runs', 'depth', 'batch', 'shortAppends', 'seed'] as const) {
    if (r[key] !== first[key])
      throw new MergeError(
        `reports of different campaigns: ${key} ${String(first[key])} and ${String(r[key])}`,
      );
  }
  const [a, b] = [describeFeatures(first.features), describeFeatures(r.features)];
  if (a !== b) throw new MergeError(`reports of different campaigns: model switches ${a} and ${b}`);
  // A shard judged without an oracle never looked for what it catches: its "no failure" is not the other's.
  const [x, y] = [oraclesText(first.oracles), oraclesText(r.oracles)];
  if (x !== y) throw new MergeError(`reports of different campaigns: oracles ${x} and ${y}`);
}

/** The oracles a report was judged by, in a fixed order, as the text report prints them. */
function oraclesText(oracles: readonly string[]): string {
  return [...oracles].sort().join('+');
}

/** Shards of one campaign as one report: coverage union, runs and steps added, failures by run. */
export function mergeReports(reports: readonly FuzzReport[]): FuzzReport {
  const [first, ...rest] = reports;
  for (const r of rest) checkSameCampaign(first, r);
  const items = [...new Set(reports.flatMap((r) => r.coverage.items))].sort();
  const shards = reports.flatMap((r) => r.shards);
  const duplicated = shards.find((s, k) => shards.indexOf(s) !== k);
  if (duplicated) throw new MergeError(`shard ${duplicated} appears twice`);
  return {
    ...first,
    shards: [...shards].sort(),
    runsDone: reports.reduce((n, r) => n + r.runsDone, 0),
    nodeSteps: reports.reduce((n, r) => n + r.nodeSteps, 0),
    coverage: { reachable: first.coverage.reachable, covered: items.length, items },
    failures: reports.flatMap((r) => r.failures).sort((a, b) => a.run - b.run),
  };
}

export function jsonReport(report: FuzzReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

export function textReport(report: FuzzReport, reachable: readonly string[]): string {
  const pct = report.coverage.reachable > 0 ? (100 * report.coverage.covered) / report.coverage.reachable : 0;
  const covered = new Set(report.coverage.items);
  const missing = reachable.filter((id) => !covered.has(id));
  const lines = [
    `raftkit fuzz: ${report.implementation}, ${report.nodes} nodes, ${report.runsDone} of ${report.runs} runs (shard ${report.shards.join(' + ')}), depth ${report.depth}, seed ${report.seed}, oracles ${report.oracles.join('+')}${switchesText(report.features)}`,
    `node steps: ${report.nodeSteps}, failures: ${report.failures.length}`,
    `coverage: ${report.coverage.covered} of ${report.coverage.reachable} reachable model items (${pct.toFixed(1)}%)`,
  ];
  if (missing.length > 0)
    lines.push(
      `  not covered: ${missing.slice(0, 12).join(', ')}${missing.length > 12 ? ` … (${missing.length} in all)` : ''}`,
    );
  for (const f of report.failures) lines.push('', ...failureLines(f));
  return `${lines.join('\n')}\n`;
}

/** The switches away from their defaults (the JSON has them all), or nothing for the default model. */
function switchesText(features: Features): string {
  const named = describeFeatures(features);
  return named === 'none' ? '' : `, features ${named}`;
}

function failureLines(f: FailureReport): string[] {
  const lines = [
    `FAIL run ${f.run} (seed ${f.seed}) after ${f.nodeSteps} node steps: ${f.oracle === 'model' ? 'model: a step the model does not allow' : `${f.oracle}: ${f.property}`} at action ${f.step}`,
    `  ${f.diagnosis}`,
    `  rule: ${f.rule}`,
    ...(f.discrepancyClass ? [`  class: ${f.discrepancyClass}`] : []),
  ];
  if (f.stderr) lines.push(`  stderr: ${f.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  if (!f.shrunk)
    return [
      ...lines,
      `  (same kind as an earlier failure: not shrunk; ${f.history.length} history lines in --json)`,
    ];
  const s = f.shrunk;
  lines.push(
    `  shrunk: ${s.nodeSteps} node steps on ${s.nodes} nodes (from ${f.step} actions; ${s.replays} replays)`,
  );
  if (s.scenario) lines.push(`  scenario: ${s.scenario}`, `  reproduce: ${s.reproduce}`);
  lines.push('  history (shrunk):', ...s.history.map((l) => `    ${l}`));
  return lines;
}
