import { existsSync } from 'node:fs';
import type { NodeId } from '../../models/index.ts';
import type {
  ClusterInput,
  ClusterSubject,
  ClusterValue,
  CompareOp,
  Scenario,
  Step,
} from '../scenario/ast.ts';
import { formatInput } from '../scenario/text.ts';
import { SafetyMonitor, type Violation } from './monitor.ts';
import { ProcessManager } from './processes.ts';
import { FaultProxy } from './proxy.ts';
import { connectionOwner } from './socket-owner.ts';
import { type ClusterImplementation, NotObservableError } from './types.ts';

/**
 * Runs one cluster-mode scenario against a real implementation: starts every node, then
 * carries out the steps (kill, start, partition, cut, heal, wait, submit, expect, capture,
 * repeat) while the safety monitor samples every node. Liveness is checked by deadlines
 * (`expect leader within 5s`); safety all along. At the end the network is healed and
 * every write the implementation acknowledged must be in every running node's committed
 * state (committed entries are never lost, §5.4). Then every process is killed and the
 * run directory removed, and the result says whether anything was left behind.
 *
 * Semantics worth knowing when writing scenarios (docs/cluster-mode.md):
 * - `start n1` on a running node does nothing, so `start n1`, `start n2`, `start n3` brings
 *   back whichever node is down;
 * - `kill leader` waits up to 5 s for a unique leader to kill;
 * - `expect leader within D`: some node is the sole leader of the highest term, first seen
 *   within D and still the sole leader of that same term `stableMs` (300 ms) later; the
 *   election time is measured from the last disruption (cluster start, kill, partition,
 *   cut, heal) to the first sample showing that leader, and only counted when the leader or
 *   its term changed (a partition that left the leader in the majority is no election).
 */

export interface ClusterRunOptions {
  /** Timeline lines (one per step and per violation), for progress and reports. */
  readonly onEvent?: (line: string) => void;
  /** How long every node gets to answer its first status query. */
  readonly startupMs?: number;
  /** How long acknowledged writes get to reach every node after the final heal. */
  readonly settleMs?: number;
  /** How long a leader must stay the sole leader of its term to count as elected (default 300 ms). */
  readonly stableMs?: number;
}

export interface ClusterScenarioResult {
  readonly scenario: string;
  readonly implementation: string;
  readonly verdict: 'pass' | 'fail' | 'skip';
  /** Why it failed or was skipped. */
  readonly reason?: string;
  /** The line of the failing step. */
  readonly line?: number;
  /**
   * One per successful `expect leader within` after a kill, partition, cut or heal,
   * measured from that disruption (ms): the election-time distribution.
   */
  readonly electionMs: readonly number[];
  /** The first election, measured from process start (includes the nodes' boot time). */
  readonly initialElectionMs: number | null;
  readonly violations: readonly Violation[];
  readonly timeline: readonly string[];
  readonly durationMs: number;
  readonly samples: number;
  /** Processes and directories still there after cleanup (must be empty / false). */
  readonly leftoverPids: readonly number[];
  readonly leftoverDir: boolean;
}

class StepFailure extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

class Skip extends Error {}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 2)}s` : `${Math.round(ms)}ms`;
}

type Value = number | string | null;

function compare(actual: Value, op: CompareOp, expected: Value): boolean {
  if (op === '==') return actual === expected;
  if (op === '!=') return actual !== expected;
  if (typeof actual !== 'number' || typeof expected !== 'number') return false;
  switch (op) {
    case '<':
      return actual < expected;
    case '<=':
      return actual <= expected;
    case '>':
      return actual > expected;
    default:
      return actual >= expected;
  }
}

export async function runClusterScenario(
  scenario: Scenario,
  implementation: ClusterImplementation,
  options: ClusterRunOptions = {},
): Promise<ClusterScenarioResult> {
  const began = Date.now();
  const timeline: string[] = [];
  const electionMs: number[] = [];
  const base = { scenario: scenario.name, implementation: implementation.name };
  const skip = (reason: string): ClusterScenarioResult => ({
    ...base,
    verdict: 'skip',
    reason,
    electionMs,
    initialElectionMs: null,
    violations: [],
    timeline,
    durationMs: 0,
    samples: 0,
    leftoverPids: [],
    leftoverDir: false,
  });
  if (scenario.cluster.mode !== 'cluster') return skip('not a cluster-mode scenario (mode step)');
  for (const feature of ['preVote', 'checkQuorum'] as const) {
    if (scenario.cluster.features[feature] && !implementation.supports[feature]) {
      return skip(`needs ${feature}, which ${implementation.name} does not have`);
    }
  }

  const processes = new ProcessManager();
  const proxy = new FaultProxy((client, server) => connectionOwner(client, server, processes.pidsByNode()));
  const nodes = scenario.cluster.nodes;
  const running = new Set<NodeId>();
  const acked = new Set<string>();
  const submits = new AbortController();
  const vars = new Map<string, Value>();
  /** Nodes that did not answer within the start step (see `start`). */
  const silentAfterStart = new Set<NodeId>();
  const stableMs = options.stableMs ?? 300;
  let lastDisruption = 0;
  let measured = true;
  /** The pending measurement is the first election, from process start. */
  let initial = false;
  let initialElectionMs: number | null = null;

  const event = (line: string) => {
    const stamped = `+${fmtMs(monitor.now()).padStart(7)} ${line}`;
    timeline.push(stamped);
    options.onEvent?.(stamped);
  };
  const monitor = new SafetyMonitor(
    implementation,
    () => nodes.filter((n) => running.has(n)),
    nodes.length,
    (a, b) => !proxy.isBlocked(a, b) && !proxy.isBlocked(b, a),
    (v) => event(`VIOLATION ${v.property}: ${v.text}`),
  );
  /** Who led when the last disruption happened: re-finding the same leader in the same term is no election. */
  let leadershipBefore: { leader: NodeId; term: number } | null = null;
  const disrupt = () => {
    initial = false;
    lastDisruption = monitor.now();
    leadershipBefore = monitor.currentLeadership();
    measured = false;
  };

  /** A node process that ends without a `kill` step is reported and counted as down. */
  const watchExit = (node: NodeId) => {
    const managed = processes.get(node);
    managed?.exited.then((how) => {
      if (killing.has(node) || !running.has(node) || stopping || processes.get(node) !== managed) return;
      running.delete(node);
      monitor.nodeDown(node);
      event(`     ${node} exited on its own (${how}); its log: ${processes.logFile(node)}`);
    });
  };
  let stopping = false;
  const killing = new Set<NodeId>();

  const statusLine = () =>
    nodes
      .map((n) => {
        if (!running.has(n)) return `${n}=down`;
        const s = monitor.latest.get(n)?.status;
        return s === undefined ? `${n}=?` : `${n}=${s.role}@t${s.term ?? '?'}`;
      })
      .join(' ');

  async function leaderNow(line: number, waitMs = 5000): Promise<NodeId> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      await monitor.sample();
      const leader = monitor.currentLeader();
      if (leader !== null) return leader;
      if (Date.now() > deadline) throw new StepFailure(`no unique leader to act on (${statusLine()})`, line);
      await sleep(implementation.sampleIntervalMs);
    }
  }

  function subjectValue(subject: ClusterSubject): Value {
    switch (subject.kind) {
      case 'term':
        return monitor.highestTermNow();
      case 'leader':
        return monitor.currentLeader();
      case 'node': {
        if (
          (subject.field === 'votedFor' || subject.field === 'lastLogIndex') &&
          !implementation.observes.includes(subject.field)
        ) {
          throw new NotObservableError(`${implementation.name} does not report ${subject.field}`);
        }
        const status = monitor.latest.get(subject.node)?.status;
        if (status === undefined && silentAfterStart.has(subject.node)) {
          throw new NotObservableError(
            `${subject.node} answered no status query after it was started (${implementation.name} may serve status only once it reaches a majority), so ${subject.node}.${subject.field} cannot be observed here`,
          );
        }
        if (status === undefined) return null;
        switch (subject.field) {
          case 'term':
            return status.term;
          case 'role':
            return status.role;
          case 'votedFor':
            return status.votedFor ?? null;
          case 'commitIndex':
            return status.commitIndex;
          default:
            return status.lastLogIndex ?? null;
        }
      }
    }
  }

  function resolve(value: ClusterValue, line: number): Value {
    if (value.kind !== 'var') return value.value;
    if (!vars.has(value.name)) throw new StepFailure(`${value.name} was never captured`, line);
    const v = vars.get(value.name) ?? null;
    if (value.offset === 0) return v;
    if (typeof v !== 'number') throw new StepFailure(`${value.name} is ${v}, not a number`, line);
    return v + value.offset;
  }

  /** Check `holds` once, until it holds (within), or all along (for). */
  async function expectOver(
    step: Step,
    holds: () => Promise<boolean>,
    describe: () => string,
    timing: { withinMs?: number; forMs?: number },
  ): Promise<void> {
    const text = formatInput(step.input);
    if (timing.withinMs !== undefined) {
      const deadline = Date.now() + timing.withinMs;
      for (;;) {
        await monitor.sample();
        if (await holds()) return;
        if (Date.now() > deadline) throw new StepFailure(`${text}: still false (${describe()})`, step.line);
        await sleep(implementation.sampleIntervalMs);
      }
    }
    if (timing.forMs !== undefined) {
      const deadline = Date.now() + timing.forMs;
      do {
        await monitor.sample();
        if (!(await holds())) throw new StepFailure(`${text}: became false (${describe()})`, step.line);
        await sleep(implementation.sampleIntervalMs);
      } while (Date.now() < deadline);
      return;
    }
    await monitor.sample();
    if (!(await holds())) throw new StepFailure(`${text}: false (${describe()})`, step.line);
  }

  /**
   * Positive: `value` is in the committed state of a majority of the cluster (what
   * "committed" means in Raft, §5.3); negated: it is in nobody's.
   */
  async function committedCheck(
    value: string,
    negated: boolean,
    all = false,
  ): Promise<{ ok: boolean; where: string }> {
    const up = nodes.filter((n) => running.has(n));
    const signal = submits.signal; // each read has its own deadline (http.ts)
    const sets = await Promise.all(
      up.map((n) =>
        implementation.committed(n, signal).then(
          (values) => values.includes(value),
          () => null,
        ),
      ),
    );
    const where = up.map((n, i) => `${n}:${sets[i] === null ? '?' : sets[i] ? 'yes' : 'no'}`).join(' ');
    const holding = sets.filter((s) => s === true).length;
    if (negated) return { ok: holding === 0, where };
    return { ok: all ? holding === up.length : holding * 2 > nodes.length, where };
  }

  async function runStep(step: Step): Promise<void> {
    const input = step.input as ClusterInput;
    if (input.kind !== 'repeat') event(`${String(step.line).padStart(3)}: ${formatInput(input)}`);
    switch (input.kind) {
      case 'kill': {
        const node = input.node === 'leader' ? await leaderNow(step.line) : input.node;
        if (input.node === 'leader') event(`     leader is ${node}`);
        killing.add(node);
        await processes.kill(node);
        killing.delete(node);
        running.delete(node);
        monitor.nodeDown(node);
        disrupt();
        return;
      }
      case 'start': {
        if (running.has(input.node)) return;
        await implementation.start(input.node);
        running.add(input.node);
        watchExit(input.node);
        monitor.nodeRestarted(input.node);
        // The step ends when the node answers, so the next step sees its restarted state. An
        // implementation may not answer while it cannot reach a majority (etcd serves its
        // client port only after publishing itself through Raft): then later checks of this
        // node are "not observable" (the scenario is skipped with that reason), not failed.
        const deadline = Date.now() + Math.min(options.startupMs ?? 20_000, 10_000);
        while (!monitor.latest.has(input.node) && Date.now() < deadline) {
          await monitor.sample();
          if (!monitor.latest.has(input.node)) await sleep(20);
        }
        if (!monitor.latest.has(input.node)) {
          silentAfterStart.add(input.node);
          event(`     ${input.node} does not answer status queries yet`);
        } else silentAfterStart.delete(input.node);
        return;
      }
      case 'partition':
        proxy.partition(input.groups);
        disrupt();
        return;
      case 'cut':
        proxy.cut(input.from, input.to, input.bothWays);
        disrupt();
        return;
      case 'heal':
        proxy.heal();
        disrupt();
        return;
      case 'wait':
        await sleep(input.ms);
        return;
      case 'submit': {
        const node = input.node === 'leader' ? await leaderNow(step.line) : input.node;
        implementation.submit(node, input.value, submits.signal).then(
          () => {
            acked.add(input.value);
            event(`     ${input.value} acknowledged by ${node}`);
          },
          () => {},
        );
        return;
      }
      case 'expectLeader': {
        const deadline = Date.now() + input.withinMs;
        // A leader counts once it has stayed the sole leader of the same term for
        // `stableMs` (a leader deposed within a timer tick or two has not ended the election).
        let candidate: { leader: NodeId; term: number | null; seenAt: number } | null = null;
        for (;;) {
          await monitor.sample();
          const leadership = monitor.currentLeadership();
          const leader = leadership?.leader ?? null;
          const term = leadership?.term ?? null;
          if (
            leader === null ||
            candidate === null ||
            candidate.leader !== leader ||
            candidate.term !== term
          ) {
            candidate =
              leader === null || Date.now() > deadline ? null : { leader, term, seenAt: monitor.now() };
          }
          if (candidate !== null && monitor.now() - candidate.seenAt >= stableMs) {
            const took = candidate.seenAt - lastDisruption;
            const sameAsBefore = leadershipBefore?.leader === leader && leadershipBefore?.term === term;
            if (!measured && !sameAsBefore) {
              if (initial) initialElectionMs = took;
              else electionMs.push(took);
            }
            measured = true;
            initial = false;
            event(`     leader ${leader} (term ${term}), ${fmtMs(took)} after the last disruption`);
            return;
          }
          if (Date.now() > deadline && candidate === null) {
            throw new StepFailure(
              `no stable leader within ${fmtMs(input.withinMs)} (§5.2 liveness; last statuses: ${statusLine()})`,
              step.line,
            );
          }
          await sleep(implementation.sampleIntervalMs);
        }
      }
      case 'expectNoLeader':
        return expectOver(
          step,
          async () => monitor.anyLeader().length === 0,
          () => `leader claimed by ${monitor.anyLeader().join(', ')}; ${statusLine()}`,
          { forMs: input.forMs },
        );
      case 'expect': {
        const expected = resolve(input.value, step.line);
        return expectOver(
          step,
          async () => compare(subjectValue(input.subject), input.op, expected),
          () => `found ${subjectValue(input.subject)}, expected ${input.op} ${expected}; ${statusLine()}`,
          input,
        );
      }
      case 'expectCommitted': {
        let where = '';
        return expectOver(
          step,
          async () => {
            const result = await committedCheck(input.value, input.negated);
            where = result.where;
            return result.ok;
          },
          () => `committed ${input.value}? ${where}`,
          input,
        );
      }
      case 'capture': {
        await monitor.sample();
        const value = subjectValue(input.subject);
        if (value === null)
          throw new StepFailure(`${formatInput(input)}: nothing to capture (${statusLine()})`, step.line);
        vars.set(input.name, value);
        event(`     ${input.name} = ${value}`);
        return;
      }
      case 'repeat':
        for (let i = 0; i < input.count; i++) {
          event(`${String(step.line).padStart(3)}: repeat ${i + 1}/${input.count}`);
          for (const inner of input.steps) await runStep(inner);
        }
        return;
      default:
        throw new StepFailure(
          `${formatInput(input)} is a step-mode input; this is a cluster-mode run`,
          step.line,
        );
    }
  }

  let verdict: 'pass' | 'fail' | 'skip' = 'pass';
  let reason: string | undefined;
  let line: number | undefined;
  try {
    await implementation.prepare({ nodes, features: scenario.cluster.features, processes, proxy });
    for (const node of nodes) {
      await implementation.start(node);
      running.add(node);
      watchExit(node);
    }
    event(`started ${nodes.join(' ')} (${implementation.name}); run dir ${processes.root}`);
    disrupt();
    initial = true; // the first election is measured from process start
    monitor.start();
    const startupDeadline = Date.now() + (options.startupMs ?? 20_000);
    while (monitor.latest.size < nodes.length) {
      if (Date.now() > startupDeadline) {
        throw new StepFailure(`not every node answered a status query within startup (${statusLine()})`, 0);
      }
      await sleep(50);
    }
    for (const step of scenario.steps) await runStep(step);
    if (acked.size > 0) {
      proxy.heal();
      const deadline = Date.now() + (options.settleMs ?? 10_000);
      for (const value of acked) {
        for (;;) {
          const result = await committedCheck(value, false, true);
          if (result.ok) break;
          if (Date.now() > deadline) {
            monitor.record({
              property: 'Committed Entries Kept',
              atMs: monitor.now(),
              text: `acknowledged write ${value} is missing after healing (${result.where}) (§5.4 Leader Completeness)`,
            });
            break;
          }
          await sleep(100);
        }
      }
    }
    if (monitor.violations.length > 0) {
      verdict = 'fail';
      reason = monitor.violations.map((v) => `${v.property}: ${v.text}`).join('; ');
    }
  } catch (error) {
    if (error instanceof NotObservableError || error instanceof Skip) {
      verdict = 'skip';
      reason = error.message;
    } else if (error instanceof StepFailure) {
      verdict = 'fail';
      line = error.line;
      reason = error.message;
      if (monitor.violations.length > 0) {
        reason += `; ${monitor.violations.map((v) => `${v.property}: ${v.text}`).join('; ')}`;
      }
    } else {
      verdict = 'fail';
      reason = `cluster run error: ${error instanceof Error ? error.message : String(error)}`;
    }
    event(`${verdict.toUpperCase()}: ${reason}`);
  } finally {
    stopping = true;
    submits.abort();
    await monitor.stop();
    await proxy.close();
    await processes.shutdown();
    // SIGKILL is delivered asynchronously: give the kernel a moment before the leak check.
    for (let i = 0; i < 40 && processes.leftovers().length > 0; i++) await sleep(50);
  }
  return {
    ...base,
    verdict,
    reason,
    line,
    electionMs,
    initialElectionMs,
    violations: monitor.violations,
    timeline,
    durationMs: Date.now() - began,
    samples: monitor.samples,
    leftoverPids: processes.leftovers(),
    leftoverDir: existsSync(processes.root),
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
