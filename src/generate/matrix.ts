import {
  type FeatureName,
  type Features,
  type FeatureValue,
  type GuardName,
  makeFeatures,
  NO_FEATURES,
  type NodeState,
  SWITCH_OF_GUARD,
  SWITCHES,
} from '../../models/index.ts';
import { namedSwitches, runOnModel, type Scenario } from '../scenario/index.ts';
import { type CoverageItem, coverageUniverse, itemsOfStep, recordStep, type StepRecord } from './coverage.ts';

/**
 * The configuration matrix (issue 12): one configuration per switch value away from its
 * default (models/features.ts `SWITCHES`), with the switches that value requires. Each has
 * its own coverage items, so that `raftkit coverage` says per configuration whether the
 * suite reaches the switch's own guards and whether the switch changed what a node did:
 *
 * - `switch:<name>=<value>/<item>` for each transition guarded by one of the switch's guards
 *   (`SWITCH_OF_GUARD` of models/node/guards.ts) and each such guard's true outcome;
 * - `switch:<name>=<value>/changes-a-step`: a step whose outcome (state and messages) differs
 *   when the same node takes the same input with the switch at its default. This is how a
 *   switch that lives in actions only (preVoteRefusalTerm, ignoreStaleRejections) is covered.
 *
 * Nothing here decides a rule: items are derived from the model's guard names and checked by
 * stepping the model.
 */

export interface Configuration {
  /** `leaderStickiness=same-term`, `checkQuorum`. */
  readonly name: string;
  readonly switch: FeatureName;
  readonly value: FeatureValue;
  /** The value with every switch it requires (candidateRetry=election needs preVote). */
  readonly features: Features;
}

export function configurationName(name: FeatureName, value: FeatureValue): string {
  return value === true ? name : `${name}=${value}`;
}

export function switchConfigurations(): Configuration[] {
  return SWITCHES.flatMap((info) =>
    info.values.slice(1).map((value) => ({
      name: configurationName(info.name, value),
      switch: info.name,
      value,
      features: makeFeatures({ ...info.requires, [info.name]: value } as Partial<Features>),
    })),
  );
}

export const CHANGES_A_STEP = 'changes-a-step';

/** The guard a transition or guard-outcome item names, if any. */
function guardOf(id: string): string | undefined {
  return /^transition:[^[]*\[(\w+)\]$/.exec(id)?.[1] ?? /^guard:[^/]+\/(\w+)=true$/.exec(id)?.[1];
}

/** Base coverage items of a switch's own guards: the transitions they guard, their true outcome. */
export function ownGuardItems(name: FeatureName, universe: readonly CoverageItem[] = BASE): CoverageItem[] {
  return universe.filter((item) => {
    const guard = guardOf(item.id);
    return guard !== undefined && SWITCH_OF_GUARD[guard as GuardName] === name;
  });
}

const BASE = coverageUniverse();

export function configurationItemId(config: Configuration, item: string): string {
  return `switch:${config.name}/${item}`;
}

/** The base item a configuration item refines (`switch:checkQuorum/guard:…` → `guard:…`). */
export function baseItemOf(id: string): string {
  return id.replace(/^switch:[^/]+\//, '');
}

export function configurationItems(): CoverageItem[] {
  return switchConfigurations().flatMap((config) => [
    {
      id: configurationItemId(config, CHANGES_A_STEP),
      kind: 'switch' as const,
      description: `with ${config.name}, a step whose outcome differs from the same step with ${config.switch} at its default`,
    },
    ...ownGuardItems(config.switch).map((item) => ({
      id: configurationItemId(config, item.id),
      kind: 'switch' as const,
      description: `with ${config.name}: ${item.description}`,
    })),
  ]);
}

function withSwitch(state: NodeState, name: FeatureName, value: FeatureValue): NodeState {
  const features = { ...state.context.features, [name]: value };
  return { role: state.role, context: { ...state.context, features, outbox: [] } };
}

/** What a step did, leaving out the switches themselves. */
function outcome(record: StepRecord): string {
  const { features: _features, outbox: _outbox, ...context } = record.after.context;
  return JSON.stringify([record.after.role, context, record.outputs]);
}

/** Whether the switch made a difference: the same input from the same state, with it at its default. */
export function switchChangesStep(record: StepRecord, name: FeatureName): boolean {
  if (record.before.context.features[name] === NO_FEATURES[name]) return false;
  const plain = recordStep(withSwitch(record.before, name, NO_FEATURES[name]), record.input);
  return outcome(plain) !== outcome(record);
}

/** The configuration items one step (taken with the configuration's switches) exercises. */
export function configurationItemsOfStep(config: Configuration, record: StepRecord): string[] {
  const own = new Set(ownGuardItems(config.switch).map((i) => i.id));
  const ids = itemsOfStep(record)
    .filter((id) => own.has(id))
    .map((id) => configurationItemId(config, id));
  if (switchChangesStep(record, config.switch)) ids.push(configurationItemId(config, CHANGES_A_STEP));
  return ids;
}

/** The configurations a scenario runs in: every switch value it names. */
export function configurationsOf(scenario: Scenario): Configuration[] {
  const named = namedSwitches(scenario.cluster.features) as Record<string, FeatureValue>;
  return switchConfigurations().filter((c) => named[c.switch] === c.value);
}

/** Configuration items exercised by the steps of a step-mode scenario. */
export function configurationItemsOfScenario(scenario: Scenario): string[] {
  const configs = configurationsOf(scenario);
  if (configs.length === 0) return [];
  const ids = new Set<string>();
  for (const { result } of runOnModel(scenario)) {
    if (!result.nodeInput) continue;
    const { before, input } = result.nodeInput;
    const record = recordStep({ ...before, context: { ...before.context, outbox: [] } }, input);
    for (const config of configs) for (const id of configurationItemsOfStep(config, record)) ids.add(id);
  }
  return [...ids];
}

/** Guards a value of their switch cannot make true, and why. */
const SILENT_ONLY =
  'isDisruptiveRequest holds only with leaderStickiness=any-term (the other values refuse, they do not ignore)';
const REPLY_ONLY =
  'isRefusedDisruptiveVote holds only with leaderStickiness=any-term-reply or any-term-reply-except-leader';
const GUARDS_OFF_IN: Readonly<
  Record<string, readonly { readonly guard: string; readonly reason: string }[]>
> = {
  'leaderStickiness=same-term': [
    { guard: 'isDisruptiveRequest', reason: SILENT_ONLY },
    { guard: 'isRefusedDisruptiveVote', reason: REPLY_ONLY },
  ],
  'leaderStickiness=any-term': [{ guard: 'isRefusedDisruptiveVote', reason: REPLY_ONLY }],
  'leaderStickiness=any-term-reply': [{ guard: 'isDisruptiveRequest', reason: SILENT_ONLY }],
  'leaderStickiness=any-term-reply-except-leader': [{ guard: 'isDisruptiveRequest', reason: SILENT_ONLY }],
};

/** Roles whose timer a value of electionTimerOnHigherTerm keeps (`restartsTimerOnHigherTerm`, models/node/timers.ts). */
const TIMER_KEPT_IN: Readonly<
  Record<string, { readonly roles: readonly string[]; readonly reason: string }>
> = {
  'electionTimerOnHigherTerm=leader': {
    roles: ['follower', 'preCandidate', 'candidate'],
    reason:
      'with electionTimerOnHigherTerm=leader only a leader restarts its election timer on a higher term',
  },
  'electionTimerOnHigherTerm=leader-or-candidate': {
    roles: ['follower'],
    reason:
      'with electionTimerOnHigherTerm=leader-or-candidate a follower keeps its election timer on a higher term',
  },
};

/**
 * electionTimerOnHigherTerm changes only the election timer's count, which replaying a scenario
 * never reads: its tick steps are judged by the conformance runner, not replayed on the model
 * (`tick` in src/scenario/ast.ts). The runner's judgement of the ticks is what tests it
 * (curated/*-timer-on-higher-term, test/model/timers.test.ts).
 */
const TIMER_ONLY =
  "the switch changes only the election timer's count, and replaying a scenario does not tick the model (tick steps are judged by the conformance runner)";

function timerKeptItems(config: Configuration): [string, string][] {
  if (config.switch !== 'electionTimerOnHigherTerm') return [];
  const kept = TIMER_KEPT_IN[config.name] ?? { roles: [], reason: '' };
  return [
    [configurationItemId(config, CHANGES_A_STEP), TIMER_ONLY],
    ...kept.roles.map((role): [string, string] => [
      configurationItemId(config, `transition:${role}:running/Receive[isHigherTermRestartingTimer]`),
      kept.reason,
    ]),
  ];
}

/**
 * Items of a configuration that its switch value cannot reach, with the reason (checked by
 * `raftkit coverage`: a scenario covering one contradicts it).
 */
export const UNREACHABLE_IN_CONFIGURATION: Readonly<Record<string, string>> = Object.fromEntries([
  ...switchConfigurations().flatMap((config) => {
    const off = GUARDS_OFF_IN[config.name] ?? [];
    return off.flatMap(({ guard, reason }) =>
      ownGuardItems(config.switch)
        .filter((item) => guardOf(item.id) === guard)
        .map((item) => [configurationItemId(config, item.id), reason]),
    );
  }),
  ...switchConfigurations().flatMap(timerKeptItems),
]);
