import type { NodeId } from '../../models/index.ts';
import type { ClusterInput, Step } from '../scenario/ast.ts';
import { formatInput } from '../scenario/text.ts';
import { committedCheck, compare, expectLeader, expectOver, resolveValue, subjectValue } from './expect.ts';
import { StepFailure } from './outcome.ts';
import type { ClusterSession } from './session.ts';
import {
  aimsAtRole,
  followersNeeded,
  type RoleView,
  resolveCut,
  resolveGroups,
  resolveTarget,
} from './targets.ts';
import { sleep } from './timing.ts';

/**
 * The step executor of cluster mode: one small function per step kind, acting through the
 * session. Role targets (`leader`, `follower`, `rest`, `$var`) are resolved first, from
 * the leadership standing when the step runs, and the resolution is written to the event
 * log (`partition leader | rest` → `partition n2 | n1 n3`). Durations are scaled.
 */

type Input<K extends ClusterInput['kind']> = Extract<ClusterInput, { kind: K }>;

export async function runStep(session: ClusterSession, step: Step): Promise<void> {
  const input = step.input as ClusterInput;
  if (input.kind === 'repeat') return repeat(session, step, input);
  session.log.line(`${String(step.line).padStart(3)}: ${formatInput(input)}`);
  const view = aimsAtRole(input) ? await session.awaitRoles(followersNeeded(input), step.line) : null;
  await dispatch(session, step, input, view ?? session.roleView());
}

async function repeat(session: ClusterSession, step: Step, input: Input<'repeat'>): Promise<void> {
  for (let i = 0; i < input.count; i++) {
    session.log.line(`${String(step.line).padStart(3)}: repeat ${i + 1}/${input.count}`);
    for (const inner of input.steps) await runStep(session, inner);
  }
}

async function dispatch(
  session: ClusterSession,
  step: Step,
  input: ClusterInput,
  view: RoleView,
): Promise<void> {
  const scaled = (ms: number) => session.scaled(ms);
  switch (input.kind) {
    case 'kill':
      return kill(session, input, view);
    case 'start':
      return session.restart(resolveTarget(input.node, view, new Set()), step.line);
    case 'partition':
      return partition(session, input, view);
    case 'cut':
      return cut(session, input, view);
    case 'heal':
      return session.heal();
    case 'wait':
      return sleep(scaled(input.ms));
    case 'submit':
      return submit(session, input, view);
    case 'expectLeader':
      return expectLeader(session, scaled(input.withinMs), step.line);
    case 'expectNoLeader':
      return expectNoLeader(session, step, scaled(input.forMs));
    case 'expect':
      return expectValue(session, step, input);
    case 'expectCommitted':
      return expectCommitted(session, step, input);
    case 'capture':
      return capture(session, step, input);
    default:
      throw new StepFailure(
        `${formatInput(input)} is a step-mode input; this is a cluster-mode run`,
        step.line,
      );
  }
}

/** Says which node a role target hit, when the step named a role or a variable. */
function aimed(session: ClusterSession, input: ClusterInput, resolved: string): void {
  const written = formatInput(input);
  if (written !== resolved) session.log.line(`     = ${resolved}`);
}

async function kill(session: ClusterSession, input: Input<'kill'>, view: RoleView): Promise<void> {
  const node = resolveTarget(input.node, view, new Set());
  aimed(session, input, `kill ${node}`);
  await session.kill(node, formatInput(input));
}

function partition(session: ClusterSession, input: Input<'partition'>, view: RoleView): void {
  const groups = resolveGroups(input.groups, view);
  const resolved = `partition ${groups.map((g) => g.join(' ')).join(' | ')}`;
  aimed(session, input, resolved);
  session.partition(groups, resolved);
}

function cut(session: ClusterSession, input: Input<'cut'>, view: RoleView): void {
  const { from, to } = resolveCut(input.from, input.to, view);
  const resolved = `cut ${from} ${input.bothWays ? '<->' : '->'} ${to.join(' ')}`;
  aimed(session, input, resolved);
  session.cut(from, to, input.bothWays, resolved);
}

function submit(session: ClusterSession, input: Input<'submit'>, view: RoleView): void {
  const node: NodeId = resolveTarget(input.node, view, new Set());
  aimed(session, input, `submit ${node} ${input.value}`);
  session.implementation.submit(node, input.value, session.submits.signal).then(
    () => {
      session.acked.add(input.value);
      session.log.line(`     ${input.value} acknowledged by ${node}`);
    },
    () => {},
  );
}

function expectNoLeader(session: ClusterSession, step: Step, forMs: number): Promise<void> {
  const { monitor } = session;
  return expectOver(
    session,
    step,
    async () => monitor.anyLeader().length === 0,
    () => `leader claimed by ${monitor.anyLeader().join(', ')}; ${session.statusLine()}`,
    { forMs },
  );
}

function expectValue(session: ClusterSession, step: Step, input: Input<'expect'>): Promise<void> {
  const expected = resolveValue(session, input.value, step.line);
  const actual = () => subjectValue(session, input.subject);
  return expectOver(
    session,
    step,
    async () => compare(actual(), input.op, expected),
    () => `found ${actual()}, expected ${input.op} ${expected}; ${session.statusLine()}`,
    scaledTiming(session, input),
  );
}

function expectCommitted(
  session: ClusterSession,
  step: Step,
  input: Input<'expectCommitted'>,
): Promise<void> {
  let where = '';
  return expectOver(
    session,
    step,
    async () => {
      const result = await committedCheck(session, input.value, input.negated);
      where = result.where;
      return result.ok;
    },
    () => `committed ${input.value}? ${where}`,
    scaledTiming(session, input),
  );
}

async function capture(session: ClusterSession, step: Step, input: Input<'capture'>): Promise<void> {
  await session.sample(step.line);
  const value = subjectValue(session, input.subject);
  if (value === null) {
    throw new StepFailure(`${formatInput(input)}: nothing to capture (${session.statusLine()})`, step.line);
  }
  session.vars.set(input.name, value);
  session.log.line(`     ${input.name} = ${value}`);
}

function scaledTiming(session: ClusterSession, input: { withinMs?: number; forMs?: number }) {
  return {
    ...(input.withinMs === undefined ? {} : { withinMs: session.scaled(input.withinMs) }),
    ...(input.forMs === undefined ? {} : { forMs: session.scaled(input.forMs) }),
  };
}
