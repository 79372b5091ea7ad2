import type { Message, NodeId, NodeState } from '../../models/index.ts';
import {
  addMessages,
  type CompiledMachine,
  compileNodeMachine,
  messageKey,
  removeMessage,
} from '../../models/index.ts';
import {
  AdapterError,
  type ClusterInspection,
  type ClusterTiming,
  type ImplementationFeatureName,
  type ImplementationFeatures,
  type NodeStatus,
  type StepAdapter,
  type StepCommand,
  type StepReply,
} from '../adapters/types.ts';
import {
  behaviourSwitches,
  type ClusterSpec,
  formatInput,
  type ModelRun,
  type NodeObservation,
  observeNode,
  type Scenario,
  type ScenarioFeatures,
  ScenarioRunError,
  type ScenarioStep,
  type StepInput,
  startModelRun,
  stepScenario,
  switchTokens,
  withNodeMoved,
} from '../scenario/index.ts';
import { compareMessages, compareState, type FieldDifference, type ToleranceName } from './compare.ts';
import { pairRepliesWithRequest } from './pair-replies.ts';
import { Pipeline, SpeculationMissed } from './pipeline.ts';
import { describeTaken, differingMessageFields, ruleFor } from './rules.ts';
import { type TickBranch, type TickTiming, tickBranches } from './timers.ts';
import { judgeStep, type Variation } from './variations.ts';

/**
 * Runs one step-mode scenario against an implementation, with the model as the oracle:
 * before each input the model's cluster (models/cluster, through `stepScenario`) is
 * stepped the same way, and the implementation's state and messages must be what the
 * model allows from its state (compare.ts). Messages in flight are the model's, so both
 * sides see the same inputs whatever tolerances the implementation used.
 */

export type ScenarioStatus = 'pass' | 'fail' | 'skip';

/** One line of the run, for the sequence diagram of a failure. */
export interface TranscriptEntry {
  readonly line: number;
  readonly input: StepInput;
  /** The stepped node's state as the implementation reported it. */
  readonly state?: NodeStatus;
  readonly sent: readonly Message[];
  /** The message a deliver or inject step handed over. */
  readonly delivered?: Message;
}

export interface StepFailure {
  /** 1-based index of the step in the scenario, and its file line. */
  readonly step: number;
  readonly line: number;
  /** The input as written in the scenario, e.g. `deliver RequestVoteRequest n1->n2`. */
  readonly input: string;
  readonly node: NodeId | null;
  /** What went wrong, in one line. */
  readonly diagnosis: string;
  readonly differences: readonly FieldDifference[];
  readonly missing: readonly Message[];
  readonly unexpected: readonly Message[];
  readonly expectedState?: NodeObservation;
  readonly expectedSent?: readonly Message[];
  readonly actualState?: NodeStatus;
  readonly actualSent?: readonly Message[];
  /** The Figure 2 rule concerned. */
  readonly rule: string;
  /** The model transitions taken at this step, e.g. `isHigherTerm → updateTerm; canGrantVote → grantVote`. */
  readonly modelTook: string;
  /** Last lines of the implementation's stderr. */
  readonly stderr?: string;
}

export interface ScenarioResult {
  readonly name: string;
  readonly file: string;
  readonly status: ScenarioStatus;
  /** Why it was skipped. */
  readonly reason?: string;
  readonly failure?: StepFailure;
  /** Steps executed (all of them on a pass). */
  readonly steps: number;
  readonly durationMs: number;
  readonly tolerances: readonly ToleranceName[];
  readonly transcript: readonly TranscriptEntry[];
  /** The adapter process must be replaced before the next scenario. */
  readonly adapterBroken?: boolean;
  /** The adapter gave no reply within the per-step timeout (counted by `--max-timeouts`). */
  readonly adapterHung?: boolean;
  /** The commands sent ahead (pipelining) were not the ones needed, because the
   * implementation took an allowed variation: the scenario was run again one request at a
   * time, and this is that run's verdict. */
  readonly replayedInLockstep?: boolean;
}

export interface RunOptions {
  readonly features: ImplementationFeatures;
  readonly timing: ClusterTiming;
  readonly seed: number;
  /** The model's compiled machine (default: the unmutated model). */
  readonly machine?: CompiledMachine;
  /** Opt-in tolerances the implementation declared (`init_ok.tolerances`); none by default. */
  readonly tolerances?: readonly ToleranceName[];
}

export const DEFAULT_TIMING: ClusterTiming = { electionTicks: 10, heartbeatTicks: 3, randomized: false };

const defaultMachine = compileNodeMachine();

/** The features a scenario needs from an implementation, with the reason for each. */
export function requiredFeatures(scenario: Scenario): ImplementationFeatureName[] {
  const needs = new Set<ImplementationFeatureName>();
  if (scenario.cluster.features.preVote) needs.add('preVote');
  if (scenario.cluster.features.checkQuorum) needs.add('checkQuorum');
  if (scenario.cluster.features.leaderNoOp) needs.add('leaderNoOp');
  for (const step of scenario.steps) {
    if (step.input.kind === 'tick') needs.add('ticks');
    if (step.input.kind === 'crash' || step.input.kind === 'restart') needs.add('restartWithPersistence');
  }
  return [...needs];
}

/**
 * The cluster the oracle models: the scenario's, plus the behaviour features the
 * implementation declares it always has (`leaderNoOp`). The expected blocks of the scenario
 * file are the default model's; with an added feature the runner still judges every step by
 * the model, from the model's state, so they are not what the run compares against.
 */
export function oracleCluster(scenario: Scenario, features: ImplementationFeatures): ClusterSpec {
  const own = scenario.cluster.features;
  const oracle = oracleFeatures(own, features);
  return oracle === own ? scenario.cluster : { ...scenario.cluster, features: oracle };
}

/**
 * A cluster's features (a scenario's, or those `raftkit fuzz` asks for) plus what the
 * implementation declares it always runs with: the leader no-op and its model switches.
 * The one place both step mode and fuzz mode turn a declaration into the oracle's model
 * (`modelFeaturesOf` of the result).
 */
export function oracleFeatures(own: ScenarioFeatures, features: ImplementationFeatures): ScenarioFeatures {
  const declared = features.switches ?? {};
  const addNoOp = features.leaderNoOp === true && !own.leaderNoOp;
  if (!addNoOp && Object.keys(declared).length === 0) return own;
  const withNoOp = addNoOp ? { leaderNoOp: true } : {};
  // The scenario's own switches are the declared ones where both name a switch (a scenario
  // asking for another value is skipped first, `lackingSwitches`).
  const switches = { ...own.switches, ...declared };
  return { ...own, ...withNoOp, switches };
}

/**
 * The switches a scenario names (`features leaderStickiness=same-term`) that the
 * implementation does not declare with that value, as `name=value`: such a scenario is
 * skipped. The model would judge the implementation by rules it does not claim to follow.
 */
export function lackingSwitches(scenario: Scenario, features: ImplementationFeatures): string[] {
  const declared: Readonly<Record<string, boolean | string>> = features.switches ?? {};
  return switchTokens(
    Object.fromEntries(
      behaviourSwitches(scenario.cluster.features).filter(([name, value]) => declared[name] !== value),
    ),
  );
}

/** A skip reason for a scenario written for the model without the leader no-op. */
export const NEEDS_NO_LEADER_NO_OP = 'needs: no leader no-op';
/** A skip reason for a scenario whose steps the model with the implementation's switches cannot follow. */
export const NEEDS_DEFAULT_SWITCHES = 'needs: the model without the declared switches';

function commandFor(input: StepInput, delivered: Message | undefined): StepCommand | null {
  switch (input.kind) {
    case 'timeout':
      return { type: 'timeout', node: input.node, timer: 'election' };
    case 'heartbeat':
      return { type: 'timeout', node: input.node, timer: 'heartbeat' };
    case 'propose':
      return { type: 'propose', node: input.node, value: input.value };
    case 'crash':
      return { type: 'crash', node: input.node };
    case 'restart':
      return { type: 'restart', node: input.node };
    case 'tick':
      return { type: 'tick', node: input.node, ticks: input.ticks };
    case 'deliver':
    case 'inject':
      return { type: 'deliver', message: delivered as Message };
    case 'drop':
    case 'duplicate':
      return null;
  }
}

class Failed extends Error {
  constructor(readonly failure: StepFailure) {
    super(failure.diagnosis);
  }
}

class Skipped extends Error {}

/** An adapter error outside the steps: while creating the cluster, or in the final check. */
class OutsideSteps extends Error {
  constructor(
    readonly phase: '(create)' | '(end of scenario)',
    readonly error: unknown,
  ) {
    super(phase);
  }
}

export async function runScenario(
  adapter: StepAdapter,
  scenario: Scenario,
  file: string,
  options: RunOptions,
): Promise<ScenarioResult> {
  const started = performance.now();
  const why = whyNotRun(scenario, options);
  if (why !== null) return skipped({ name: scenario.name, file }, why, started);
  const transcript: TranscriptEntry[] = [];
  const tolerances = new Set<ToleranceName>();
  const walked = await walkScenario(adapter, scenario, options, transcript, tolerances);
  const base = {
    name: scenario.name,
    file,
    ...(walked.replayedInLockstep ? { replayedInLockstep: true } : {}),
  };
  const adapterBroken = adapter.broken === true;
  if (walked.caught === null)
    return {
      ...base,
      status: 'pass',
      steps: walked.executed,
      durationMs: performance.now() - started,
      tolerances: [...tolerances].sort(),
      transcript,
    };
  const { error } = walked.caught;
  if (error instanceof Skipped)
    return { ...skipped(base, error.message, started), ...(adapterBroken ? { adapterBroken } : {}) };
  const failure =
    error instanceof Failed
      ? error.failure
      : error instanceof OutsideSteps
        ? adapterFailure(error.error, scenario, transcript.length, adapter, error.phase)
        : adapterFailure(error, scenario, transcript.length, adapter);
  const cause = error instanceof OutsideSteps ? error.error : error;
  return {
    ...base,
    status: 'fail',
    failure,
    steps: transcript.length,
    durationMs: performance.now() - started,
    tolerances: [...tolerances].sort(),
    transcript,
    adapterBroken: (cause instanceof AdapterError && cause.processBroken) || adapterBroken,
    ...(cause instanceof AdapterError && cause.kind === 'hung' ? { adapterHung: true } : {}),
  };
}

/** Why the step runner does not run this scenario against this implementation (null: it does). */
function whyNotRun(scenario: Scenario, options: RunOptions): string | null {
  if (scenario.cluster.mode !== 'step') return 'cluster-mode scenario: the step-mode runner does not run it';
  const lacking = [
    ...requiredFeatures(scenario).filter((f) => !options.features[f]),
    ...lackingSwitches(scenario, options.features),
  ];
  return lacking.length > 0 ? `needs ${lacking.join(', ')}, which the implementation does not declare` : null;
}

function skipped(base: { name: string; file: string }, reason: string, started: number): ScenarioResult {
  return {
    ...base,
    status: 'skip',
    reason,
    steps: 0,
    durationMs: performance.now() - started,
    tolerances: [],
    transcript: [],
  };
}

/**
 * Walks the scenario, pipelined when the adapter allows it; when the implementation departs
 * from the model's first choice in a way that changes later commands, replays it from
 * `create` one request at a time. What stopped the walk is returned, not thrown.
 */
async function walkScenario(
  adapter: StepAdapter,
  scenario: Scenario,
  options: RunOptions,
  transcript: TranscriptEntry[],
  tolerances: Set<ToleranceName>,
): Promise<{ executed: number; replayedInLockstep: boolean; caught: { error: unknown } | null }> {
  let pipeline = adapter.pipelining ? new Pipeline(adapter) : null;
  let replayedInLockstep = false;
  let executed = 0;
  let caught: { error: unknown } | null = null;
  try {
    try {
      executed = await runSteps(adapter, scenario, options, transcript, tolerances, pipeline);
    } catch (error) {
      if (!(error instanceof SpeculationMissed) || !pipeline) throw error;
      await pipeline.settle();
      pipeline = null;
      replayedInLockstep = true;
      transcript.length = 0;
      tolerances.clear();
      executed = await runSteps(adapter, scenario, options, transcript, tolerances, null);
    }
  } catch (error) {
    caught = { error };
  }
  // Replies to requests sent ahead of a failure still arrive: read them all, so the next
  // scenario starts on a quiet conversation (or on a fresh process, if one broke it).
  await pipeline?.settle();
  return { executed, replayedInLockstep, caught };
}

function adapterFailure(
  error: unknown,
  scenario: Scenario,
  index: number,
  adapter: StepAdapter,
  phase?: '(create)' | '(end of scenario)',
): StepFailure {
  const step = phase ? undefined : scenario.steps[index];
  const diagnosis =
    error instanceof AdapterError
      ? error.message
      : error instanceof ScenarioRunError
        ? `the scenario cannot be applied: ${error.message}`
        : `internal error: ${error instanceof Error ? error.message : String(error)}`;
  return {
    step: phase === '(create)' ? 0 : index + (phase ? 0 : 1),
    line: step?.line ?? (phase === '(create)' ? 0 : (scenario.steps[index - 1]?.line ?? 0)),
    input: step ? formatInput(step.input) : (phase ?? '(end of scenario)'),
    node: null,
    diagnosis,
    differences: [],
    missing: [],
    unexpected: [],
    rule:
      error instanceof AdapterError && error.kind === 'implementation-error'
        ? 'docs/bugs.md #23: a legal input (reordered, duplicated or old-term message) must not crash a node'
        : 'the step protocol (conformance/PROTOCOL.md)',
    modelTook: '',
    stderr: adapter.stderrTail?.() || undefined,
  };
}

function failAt(
  k: number,
  step: Scenario['steps'][number],
  f: Omit<StepFailure, 'step' | 'line' | 'input' | 'stderr'>,
): never {
  throw new Failed({ step: k + 1, line: step.line, input: formatInput(step.input), ...f });
}

/** Everything one scenario's walk reads, and the model run it advances step by step. */
interface Walk {
  readonly adapter: StepAdapter;
  readonly scenario: Scenario;
  readonly options: RunOptions;
  readonly transcript: TranscriptEntry[];
  readonly tolerances: Set<ToleranceName>;
  readonly pipeline: Pipeline | null;
  readonly machine: CompiledMachine;
  /** The run's oracle has a leader no-op / switches the scenario was not written for. */
  readonly noOpAdded: boolean;
  readonly switchesAdded: boolean;
  readonly declared: ReadonlySet<ToleranceName>;
  readonly runFeatures: { readonly preVote: boolean; readonly checkQuorum: boolean };
  timing: TickTiming;
  run: ModelRun;
}

async function runSteps(
  adapter: StepAdapter,
  scenario: Scenario,
  options: RunOptions,
  transcript: TranscriptEntry[],
  tolerances: Set<ToleranceName>,
  pipeline: Pipeline | null,
): Promise<number> {
  const machine = options.machine ?? defaultMachine;
  const cluster = oracleCluster(scenario, options.features);
  const walk: Walk = {
    adapter,
    scenario,
    options,
    transcript,
    tolerances,
    pipeline,
    machine,
    noOpAdded: cluster.features.leaderNoOp === true && scenario.cluster.features.leaderNoOp !== true,
    switchesAdded: Object.keys(cluster.features.switches ?? {}).length > 0,
    declared: new Set(options.tolerances ?? []),
    runFeatures: { preVote: cluster.features.preVote, checkQuorum: cluster.features.checkQuorum },
    timing: { electionMin: 0, electionMax: 0, heartbeat: 0 },
    run: startModelRun(cluster, machine),
  };
  await createNodes(walk, cluster.features.leaderNoOp === true);
  for (let k = 0; k < scenario.steps.length; k++) {
    const step = scenario.steps[k];
    if (pipeline?.needsPlan(k)) planAhead(pipeline, scenario, walk.run, k);
    if ((step.input as StepInput).kind === 'tick') await walkTick(walk, k);
    else await walkInput(walk, k);
  }
  await checkFinalStates(adapter, scenario, walk.run, transcript.length, pipeline);
  return scenario.steps.length;
}

/** `create` the implementation's nodes (planning ahead meanwhile) and read its timer ranges. */
async function createNodes(walk: Walk, leaderNoOp: boolean): Promise<void> {
  const { adapter, scenario, options, pipeline, runFeatures } = walk;
  const creating = adapter.create({
    nodes: scenario.cluster.nodes,
    features: leaderNoOp ? { ...runFeatures, leaderNoOp: true } : runFeatures,
    initial: scenario.cluster.initial,
    timing: options.timing,
    seed: options.seed,
  });
  if (pipeline) planAhead(pipeline, scenario, walk.run, 0);
  let created: Awaited<ReturnType<StepAdapter['create']>>;
  try {
    created = await creating;
  } catch (error) {
    if (error instanceof AdapterError && error.kind === 'not-supported') throw new Skipped(error.message);
    throw new OutsideSteps('(create)', error);
  }
  walk.timing = {
    electionMin: created.electionTimeoutTicks?.min ?? options.timing.electionTicks,
    electionMax: created.electionTimeoutTicks?.max ?? options.timing.electionTicks,
    heartbeat: created.heartbeatTicks ?? options.timing.heartbeatTicks,
  };
}

/** A `tick` step: the implementation's reply must match one of the model's timer outcomes. */
async function walkTick(walk: Walk, k: number): Promise<void> {
  const step = walk.scenario.steps[k];
  const input = step.input as Extract<StepInput, { kind: 'tick' }>;
  const node = input.node;
  const i = walk.run.config.nodes.indexOf(node);
  if (i < 0)
    throw new ScenarioRunError(
      walk.scenario.name,
      step.line,
      `expected a node of the cluster, found ${node}`,
    );
  const reply = await stepAdapter(walk.adapter, { type: 'tick', node, ticks: input.ticks }, walk.pipeline, k);
  walk.transcript.push({ line: step.line, input, state: reply.state, sent: reply.messages });
  const before = walk.run.state.nodes[i];
  const branches = tickBranches(before, input.ticks, walk.timing, walk.machine);
  const matched = matchTickBranch(node, before, branches, reply, walk.machine);
  if (!matched) failTick(walk, k, before, branches[0], reply);
  for (const t of matched.used) walk.tolerances.add(t);
  walk.run = withNodeMoved(walk.run, node, matched.branch.state, matched.branch.sent);
}

function failTick(walk: Walk, k: number, before: NodeState, expected: TickBranch, reply: StepReply): never {
  const step = walk.scenario.steps[k];
  const input = step.input as Extract<StepInput, { kind: 'tick' }>;
  const { node } = input;
  const { timing } = walk;
  const branches = tickBranches(before, input.ticks, timing, walk.machine);
  const msgs = compareMessages(expected.sent, reply.messages, {
    after: expected.state,
    heartbeat: expected.fired.includes('HeartbeatTimeout'),
    electedNow: false,
    machine: walk.machine,
  });
  const fired = expected.fired.length > 0 ? `fires ${expected.fired.join(', ')}` : 'fires no timer';
  failAt(k, step, {
    node,
    diagnosis: `after ${input.ticks} tick(s) the model ${fired} (election timeout ${timing.electionMin}–${timing.electionMax} ticks, ${before.context.electionElapsed} elapsed before; heartbeat every ${timing.heartbeat}), the implementation did otherwise${branches.length > 1 ? ` (${branches.length} outcomes allowed)` : ''}`,
    differences: compareState(observeNode(node, expected.state), reply.state),
    missing: msgs.missing,
    unexpected: msgs.unexpected,
    expectedState: observeNode(node, expected.state),
    expectedSent: expected.sent,
    actualState: reply.state,
    actualSent: reply.messages,
    rule: ruleFor([], 'tick', { fields: [], messageFields: [], messagesDiffer: !msgs.ok }),
    modelTook: expected.fired.join(', ') || '(no timer)',
  });
}

/**
 * The model's step for a scenario input; a message the model does not have in flight with
 * the oracle's added no-op or switches means the scenario needs the model it was written for.
 */
function modelStep(walk: Walk, k: number): ScenarioStep {
  const step = walk.scenario.steps[k];
  const input = step.input as StepInput;
  try {
    return stepScenario(walk.run, input, { scenario: walk.scenario.name, line: step.line });
  } catch (error) {
    if (walk.noOpAdded && error instanceof ScenarioRunError)
      throw new Skipped(
        `${NEEDS_NO_LEADER_NO_OP} (line ${step.line}: ${formatInput(input)} matches no message in flight with the no-op)`,
      );
    if (walk.switchesAdded && error instanceof ScenarioRunError)
      throw new Skipped(
        `${NEEDS_DEFAULT_SWITCHES} (line ${step.line}: ${formatInput(input)} matches no message in flight with the declared switches)`,
      );
    throw error;
  }
}

/** Any other step: step the model, send the same input to the implementation, judge its reply. */
async function walkInput(walk: Walk, k: number): Promise<void> {
  const step = walk.scenario.steps[k];
  const input = step.input as StepInput;
  const result = modelStep(walk, k);
  const delivered = result.input?.type === 'Receive' ? result.input.message : undefined;
  const command = commandFor(input, delivered);
  if (command === null || result.node === null) {
    walk.pipeline?.take(k, null);
    walk.transcript.push({ line: step.line, input, sent: [] });
    walk.run = result.run;
    return;
  }
  const raw = await stepAdapter(walk.adapter, command, walk.pipeline, k);
  const reply = {
    ...raw,
    messages: pairRepliesWithRequest(walk.options.features.switches, delivered, raw.messages),
  };
  walk.transcript.push({ line: step.line, input, state: reply.state, sent: reply.messages, delivered });
  const judged = judgeStep(
    result.node,
    {
      input: result.input!,
      before: result.before!,
      after: result.after!,
      sent: result.sent,
      taken: result.taken,
      features: walk.runFeatures,
      machine: walk.machine,
    },
    reply,
    walk.declared,
    input.kind === 'heartbeat',
  );
  if (!judged.ok) failInput(walk, k, result, reply, judged);
  for (const t of judged.used) walk.tolerances.add(t);
  walk.run =
    judged.variation === undefined
      ? result.run
      : followVariation(result.run, result.node, result.sent, judged.variation);
}

function failInput(
  walk: Walk,
  k: number,
  result: ScenarioStep,
  reply: StepReply,
  { diffs, msgs }: Pick<ReturnType<typeof judgeStep>, 'diffs' | 'msgs'>,
): never {
  const step = walk.scenario.steps[k];
  const node = result.node!;
  const expectedState = observeNode(node, result.after!);
  const beforeState = observeNode(node, result.before!);
  failAt(k, step, {
    node,
    diagnosis: diagnose(node, diffs, msgs.missing.length, msgs.unexpected.length),
    differences: diffs,
    missing: msgs.missing,
    unexpected: msgs.unexpected,
    expectedState,
    expectedSent: result.sent,
    actualState: reply.state,
    actualSent: reply.messages,
    rule: ruleFor(result.taken, (step.input as StepInput).kind, {
      fields: diffs.map((d) => ({
        field: d.field,
        changedByModel: JSON.stringify(beforeState[d.field]) !== JSON.stringify(expectedState[d.field]),
      })),
      messageFields: differingMessageFields(msgs.missing, msgs.unexpected),
      messagesDiffer: !msgs.ok,
    }),
    modelTook: describeTaken(result.taken) || '(no transition)',
  });
}

/**
 * The first of the model's outcomes of a `tick` (timers.ts `tickBranches`) that the
 * implementation's reply matches, with the tolerances it used; null when none does.
 */
export function matchTickBranch(
  node: NodeId,
  before: NodeState,
  branches: readonly TickBranch[],
  reply: StepReply,
  machine: CompiledMachine,
): { readonly branch: TickBranch; readonly used: readonly ToleranceName[] } | null {
  for (const b of branches) {
    const diffs = compareState(observeNode(node, b.state), reply.state);
    const msgs = compareMessages(b.sent, reply.messages, {
      after: b.state,
      heartbeat: b.fired.includes('HeartbeatTimeout'),
      electedNow: b.state.role === 'leader' && before.role !== 'leader',
      machine,
    });
    if (diffs.length === 0 && msgs.ok) return { branch: b, used: msgs.used };
  }
  return null;
}

/**
 * Send ahead the commands of steps `from`… as the model would have them if the
 * implementation does what the model does, up to and including the next `tick` (its outcome
 * decides the model's next state) or to the end, then the final `inspect`. A step the model
 * cannot take (the runner reports it when it gets there) ends the plan before it.
 */
function planAhead(pipeline: Pipeline, scenario: Scenario, start: ModelRun, from: number): void {
  let run = start;
  for (let j = from; j < scenario.steps.length; j++) {
    const step = scenario.steps[j];
    const input = step.input as StepInput;
    if (input.kind === 'tick') {
      if (run.config.nodes.includes(input.node)) pipeline.send(j, commandFor(input, undefined));
      return;
    }
    let result: ScenarioStep;
    try {
      result = stepScenario(run, input, { scenario: scenario.name, line: step.line });
    } catch {
      return;
    }
    const delivered = result.input?.type === 'Receive' ? result.input.message : undefined;
    const command = commandFor(input, delivered);
    pipeline.send(j, result.node === null ? null : command);
    run = result.run;
  }
  pipeline.sendFinalRead();
}

/** The model follows the variation the implementation took: the node's state, and (unless
 * the variation keeps the model's messages in flight) what it sent. */
function followVariation(
  run: ModelRun,
  node: NodeId,
  modelSent: readonly Message[],
  variation: Variation,
): ModelRun {
  const i = run.config.nodes.indexOf(node);
  const nodes: NodeState[] = run.state.nodes.slice();
  nodes[i] = variation.after;
  let network = run.state.network;
  if (!variation.keepsModelMessages) {
    for (const m of modelSent) network = removeMessage(network, messageKey(m));
    network = addMessages(network, variation.sent);
  }
  return { config: run.config, state: { ...run.state, nodes, network } };
}

async function stepAdapter(
  adapter: StepAdapter,
  command: StepCommand,
  pipeline: Pipeline | null,
  k: number,
): Promise<StepReply> {
  const ahead = pipeline?.take(k, command);
  try {
    return await (ahead ?? adapter.step(command));
  } catch (error) {
    if (error instanceof AdapterError && error.kind === 'not-supported') throw new Skipped(error.message);
    throw error;
  }
}

export function diagnose(
  node: NodeId,
  diffs: readonly FieldDifference[],
  missing: number,
  unexpected: number,
): string {
  const parts = diffs.map((d) => `${d.field} ${d.actual}, expected ${d.expected}`);
  if (missing > 0) parts.push(`${missing} expected message(s) not sent`);
  if (unexpected > 0) parts.push(`${unexpected} message(s) the model does not send`);
  return `${node}: ${parts.join('; ')}`;
}

/** Adapters that answered `inspect` with error 10: read them node by node. */
const noInspect = new WeakSet<StepAdapter>();

async function readCluster(
  adapter: StepAdapter,
  nodes: readonly NodeId[],
  sentAhead: Promise<ClusterInspection> | undefined,
) {
  if (!noInspect.has(adapter)) {
    try {
      const { states, messages } = await (sentAhead ?? adapter.inspect());
      return { states: new Map(states.map((s) => [s.id, s])), messages };
    } catch (error) {
      if (!(error instanceof AdapterError && error.kind === 'not-supported')) throw error;
      noInspect.add(adapter);
    }
  }
  const states = new Map<NodeId, NodeStatus>();
  const messages: Message[] = [];
  for (const node of nodes) {
    states.set(node, await adapter.state(node));
    messages.push(...(await adapter.drain(node)));
  }
  return { states, messages };
}

/** After the last step every node must be in the model's state and have nothing left to send. */
async function checkFinalStates(
  adapter: StepAdapter,
  scenario: Scenario,
  run: ModelRun,
  steps: number,
  pipeline: Pipeline | null,
) {
  let read: Awaited<ReturnType<typeof readCluster>>;
  try {
    read = await readCluster(adapter, run.config.nodes, pipeline?.takeFinalRead());
  } catch (error) {
    throw new OutsideSteps('(end of scenario)', error);
  }
  const { states, messages } = read;
  const end = {
    step: steps,
    line: scenario.steps[steps - 1]?.line ?? 0,
    input: '(end of scenario)',
    modelTook: '',
  };
  run.config.nodes.forEach((node, i) => {
    checkFinalNode(node, observeNode(node, run.state.nodes[i]), states.get(node), end);
  });
  if (messages.length > 0) {
    throw new Failed({
      ...end,
      node: messages[0].from,
      diagnosis: `leftover messages after the scenario: ${messages.length} message(s) sent outside any step`,
      differences: [],
      missing: [],
      unexpected: messages,
      rule: 'a node sends only when it takes a step (messages are outputs of a step)',
    });
  }
}

/** One node at the end: in the model's state, or the scenario fails (or the reply was malformed). */
function checkFinalNode(
  node: NodeId,
  expectedState: NodeObservation,
  actual: NodeStatus | undefined,
  end: { step: number; line: number; input: string; modelTook: string },
): void {
  if (!actual)
    throw new OutsideSteps(
      '(end of scenario)',
      new AdapterError('wrong-shape', `reply has the wrong shape: inspect_ok has no state of ${node}`, false),
    );
  const diffs = compareState(expectedState, actual);
  if (diffs.length === 0) return;
  throw new Failed({
    ...end,
    node,
    diagnosis: `at the end, ${diagnose(node, diffs, 0, 0)} (a node changed without being stepped)`,
    differences: diffs,
    missing: [],
    unexpected: [],
    expectedState,
    actualState: actual,
    rule: 'a node changes only when it takes a step (timers are inputs)',
  });
}
