import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLUSTER_SITUATIONS, type ClusterSituation, type Scenario } from '../scenario/ast.ts';
import type { LeaderChange, StaleLeaderStepDown } from './elections.ts';
import { committedCheck } from './expect.ts';
import type { Violation } from './monitor.ts';
import { type ClusterVerdict, type Outcome, outcomeOf } from './outcome.ts';
import type { PortChooser } from './ports.ts';
import { ClusterSession } from './session.ts';
import { situationReached } from './situations.ts';
import { runStep } from './steps.ts';
import { timeScaleFor } from './timing.ts';
import type { ClusterImplementation } from './types.ts';

/**
 * Runs one cluster-mode scenario against a real implementation: starts every node, carries
 * out the steps while the safety monitor samples every node, then heals the network and
 * checks every acknowledged write reached every running node (§5.4). Then it judges
 * whether the run reached the scenario's situation, keeps the evidence (`evidenceDir`:
 * each node's log, the kit's event log as trace events and as a timeline), kills every
 * process and removes the run directory, and says whether anything was left behind.
 * Semantics of the steps: docs/cluster-mode.md.
 */

export interface ClusterRunOptions {
  readonly onEvent?: (line: string) => void;
  readonly startupMs?: number;
  readonly settleMs?: number;
  readonly stableMs?: number;
  /** Multiplies every duration; default from the implementation's election timeout (timing.ts). */
  readonly timeScale?: number;
  /** Keep each node's log and the kit's event log here (created). */
  readonly evidenceDir?: string;
  /** How node ports are picked (default: free ones from the OS); tests pick taken ones. */
  readonly choosePorts?: PortChooser;
}

export interface ClusterScenarioResult {
  readonly scenario: string;
  readonly implementation: string;
  readonly verdict: ClusterVerdict;
  readonly reason?: string;
  readonly line?: number;
  /** The situation the scenario states, and whether this run reached it. */
  readonly situation?: { readonly name: ClusterSituation; readonly text: string; readonly reached: boolean };
  /** Every leader change after the first election (ms each): the election-time distribution. */
  readonly electionMs: readonly number[];
  /** The first election, measured from process start (includes the nodes' boot time). */
  readonly initialElectionMs: number | null;
  readonly leaderChanges: readonly LeaderChange[];
  readonly staleLeaderStepDowns: readonly StaleLeaderStepDown[];
  readonly violations: readonly Violation[];
  readonly timeline: readonly string[];
  readonly durationMs: number;
  readonly samples: number;
  readonly timeScale: number;
  /** Processes and directories still there after cleanup (must be empty / false). */
  readonly leftoverPids: readonly number[];
  readonly leftoverDir: boolean;
}

export async function runClusterScenario(
  scenario: Scenario,
  implementation: ClusterImplementation,
  options: ClusterRunOptions = {},
): Promise<ClusterScenarioResult> {
  const timeScale = timeScaleFor(implementation.electionTimeoutMs, options.timeScale);
  const refused = refusal(scenario, implementation);
  if (refused !== null) return skipped(scenario, implementation, refused, timeScale);
  const began = Date.now();
  const session = new ClusterSession(scenario, implementation, { ...options, timeScale });
  let outcome: Outcome;
  try {
    outcome = await drive(session);
  } catch (error) {
    outcome = outcomeOf(error, violationTexts(session));
    session.log.line(`${outcome.verdict.toUpperCase()}: ${outcome.reason}`);
  } finally {
    await session.shutdown(() => keepEvidence(session, options.evidenceDir));
  }
  return result(session, judge(session, outcome), Date.now() - began);
}

/** Why the scenario cannot run on this implementation, or null. */
function refusal(scenario: Scenario, implementation: ClusterImplementation): string | null {
  if (scenario.cluster.mode !== 'cluster') return 'not a cluster-mode scenario (mode step)';
  for (const feature of ['preVote', 'checkQuorum'] as const) {
    if (scenario.cluster.features[feature] && !implementation.supports[feature]) {
      return `needs ${feature}, which ${implementation.name} does not have`;
    }
  }
  return null;
}

async function drive(session: ClusterSession): Promise<Outcome> {
  await session.ports.allocate(session.nodes);
  await session.implementation.prepare({
    nodes: session.nodes,
    features: session.scenario.cluster.features,
    processes: session.processes,
    proxy: session.proxy,
    ports: session.ports,
  });
  await session.startAll();
  for (const step of session.scenario.steps) await runStep(session, step);
  await session.settleAcknowledged((value) => committedCheck(session, value, false, true));
  const violations = violationTexts(session);
  return violations.length > 0 ? { verdict: 'fail', reason: violations.join('; ') } : { verdict: 'pass' };
}

const violationTexts = (session: ClusterSession) =>
  session.monitor.violations.map((v) => `${v.property}: ${v.text}`);

/** A pass that did not reach the scenario's situation is "not reached". */
function judge(session: ClusterSession, outcome: Outcome): Outcome {
  const situation = session.scenario.cluster.situation;
  if (outcome.verdict !== 'pass' || situation === undefined || reached(session)) return outcome;
  const reason = `the run did not reach its situation: ${CLUSTER_SITUATIONS[situation]}`;
  session.log.line(`NOT REACHED: ${reason}`);
  return { verdict: 'not-reached', reason };
}

function reached(session: ClusterSession): boolean {
  const situation = session.scenario.cluster.situation;
  if (situation === undefined) return true;
  return situationReached(situation, {
    clusterSize: session.nodes.length,
    faults: session.faults,
    changes: session.elections.changes,
  });
}

/** Copy each node's log and write the kit's event log (trace events and timeline). */
function keepEvidence(session: ClusterSession, dir: string | undefined): void {
  if (dir === undefined) return;
  mkdirSync(dir, { recursive: true });
  for (const node of session.nodes) {
    const log = session.processes.logFile(node);
    if (existsSync(log)) copyFileSync(log, join(dir, `${node}.log`));
  }
  writeFileSync(join(dir, 'kit-events.ndjson'), session.log.traceText());
  writeFileSync(join(dir, 'timeline.txt'), `${session.log.timeline.join('\n')}\n`);
}

function result(session: ClusterSession, outcome: Outcome, durationMs: number): ClusterScenarioResult {
  const changes = session.elections.changes;
  const situation = session.scenario.cluster.situation;
  return {
    scenario: session.scenario.name,
    implementation: session.implementation.name,
    ...outcome,
    ...(situation === undefined
      ? {}
      : { situation: { name: situation, text: CLUSTER_SITUATIONS[situation], reached: reached(session) } }),
    electionMs: changes.filter((c) => !c.initial).map((c) => c.tookMs),
    initialElectionMs: changes.find((c) => c.initial)?.tookMs ?? null,
    leaderChanges: changes,
    staleLeaderStepDowns: session.elections.stepDowns,
    violations: session.monitor.violations,
    timeline: session.log.timeline,
    durationMs,
    samples: session.monitor.samples,
    timeScale: session.options.timeScale,
    leftoverPids: session.processes.leftovers(),
    leftoverDir: existsSync(session.processes.root),
  };
}

function skipped(
  scenario: Scenario,
  implementation: ClusterImplementation,
  reason: string,
  timeScale: number,
): ClusterScenarioResult {
  return {
    scenario: scenario.name,
    implementation: implementation.name,
    verdict: 'skip',
    reason,
    electionMs: [],
    initialElectionMs: null,
    leaderChanges: [],
    staleLeaderStepDowns: [],
    violations: [],
    timeline: [],
    durationMs: 0,
    samples: 0,
    timeScale,
    leftoverPids: [],
    leftoverDir: false,
  };
}

/** Median and 99th percentile (nearest rank) of a list of durations. */
export function percentiles(values: readonly number[]): { n: number; median: number; p99: number } | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
  return { n: sorted.length, median: rank(0.5), p99: rank(0.99) };
}
