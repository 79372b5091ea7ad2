import type { ClusterSubject, ClusterValue, CompareOp, Step } from '../scenario/ast.ts';
import { formatInput } from '../scenario/text.ts';
import { StepFailure } from './outcome.ts';
import type { ClusterSession, Value } from './session.ts';
import { fmtMs, sleep } from './timing.ts';
import { NotObservableError } from './types.ts';

/**
 * The checks of cluster steps: the value of a subject (`term`, `leader`, `majority.term`,
 * `n1.votedFor`), comparisons checked once, until they hold (`within`) or all along
 * (`for`), committed values, and `expect leader within` (a leadership that held for the
 * stability window, elections.ts). Durations arrive already scaled.
 */

export function compare(actual: Value, op: CompareOp, expected: Value): boolean {
  if (op === '==') return actual === expected;
  if (op === '!=') return actual !== expected;
  if (typeof actual !== 'number' || typeof expected !== 'number') return false;
  if (op === '<') return actual < expected;
  if (op === '<=') return actual <= expected;
  if (op === '>') return actual > expected;
  return actual >= expected;
}

export function resolveValue(session: ClusterSession, value: ClusterValue, line: number): Value {
  if (value.kind !== 'var') return value.value;
  if (!session.vars.has(value.name)) throw new StepFailure(`${value.name} was never captured`, line);
  const v = session.vars.get(value.name) ?? null;
  if (value.offset === 0) return v;
  if (typeof v !== 'number') throw new StepFailure(`${value.name} is ${v}, not a number`, line);
  return v + value.offset;
}

export function subjectValue(session: ClusterSession, subject: ClusterSubject): Value {
  const { monitor } = session;
  if (subject.kind === 'term') return monitor.highestTermNow();
  if (subject.kind === 'leader') return monitor.currentLeader();
  if (subject.kind === 'majorityTerm') return monitor.majorityTerm();
  const name = session.implementation.name;
  const status = monitor.latest.get(subject.node)?.status;
  if (status === undefined && session.silentAfterStart.has(subject.node)) {
    throw new NotObservableError(
      `${subject.node} answered no status query after it was started (${name} may serve status only once it reaches a majority), so ${subject.node}.${subject.field} cannot be observed here`,
    );
  }
  if (status === undefined) return null;
  const value = status[subject.field === 'role' ? 'role' : subject.field];
  if (value === undefined) throw new NotObservableError(`${name} does not report ${subject.field}`);
  return value;
}

/** Check `holds` once, until it holds (within), or all along (for). */
export async function expectOver(
  session: ClusterSession,
  step: Step,
  holds: () => Promise<boolean>,
  describe: () => string,
  timing: { withinMs?: number; forMs?: number },
): Promise<void> {
  const text = formatInput(step.input);
  const interval = session.implementation.sampleIntervalMs;
  if (timing.withinMs !== undefined) {
    const deadline = Date.now() + timing.withinMs;
    for (;;) {
      await session.sample(step.line);
      if (await holds()) return;
      if (Date.now() > deadline) throw new StepFailure(`${text}: still false (${describe()})`, step.line);
      await sleep(interval);
    }
  }
  if (timing.forMs !== undefined) {
    const deadline = Date.now() + timing.forMs;
    do {
      await session.sample(step.line);
      if (!(await holds())) throw new StepFailure(`${text}: became false (${describe()})`, step.line);
      await sleep(interval);
    } while (Date.now() < deadline);
    return;
  }
  await session.sample(step.line);
  if (!(await holds())) throw new StepFailure(`${text}: false (${describe()})`, step.line);
}

/**
 * Positive: `value` is in the committed state of a majority of the cluster (what
 * "committed" means in Raft, §5.3), or of every running node (`all`); negated: in nobody's.
 */
export async function committedCheck(
  session: ClusterSession,
  value: string,
  negated: boolean,
  all = false,
): Promise<{ ok: boolean; where: string }> {
  const up = session.nodes.filter((n) => session.running.has(n));
  const signal = session.submits.signal; // each read has its own deadline (http.ts)
  const sets = await Promise.all(
    up.map((n) =>
      session.reader.committed(n, signal).then(
        (values) => values.includes(value),
        (error) => {
          if (error instanceof NotObservableError) throw error;
          return null;
        },
      ),
    ),
  );
  const where = up.map((n, i) => `${n}:${sets[i] === null ? '?' : sets[i] ? 'yes' : 'no'}`).join(' ');
  const holding = sets.filter((s) => s === true).length;
  if (negated) return { ok: holding === 0, where };
  return { ok: all ? holding === up.length : holding * 2 > session.nodes.length, where };
}

/**
 * `expect leader within D`: a leadership first seen within D that held for the stability
 * window (it may finish holding after D). The time it took is the tracker's, not the step's.
 */
export async function expectLeader(session: ClusterSession, withinMs: number, line: number): Promise<void> {
  const deadline = session.monitor.now() + withinMs;
  for (;;) {
    await session.sample(line);
    const current = session.elections.current;
    if (current !== null) {
      const change = session.elections.changes.at(-1);
      const took =
        change !== undefined && change.to === current ? `, elected in ${fmtMs(change.tookMs)}` : '';
      session.log.line(`     leader ${current.leader} (term ${current.term})${took}`);
      return;
    }
    const pending = session.elections.pendingSince();
    if (session.monitor.now() > deadline && (pending === null || pending > deadline)) {
      throw new StepFailure(
        `no stable leader within ${fmtMs(withinMs)} (§5.2 liveness; last statuses: ${session.statusLine()})`,
        line,
      );
    }
    await sleep(session.implementation.sampleIntervalMs);
  }
}
