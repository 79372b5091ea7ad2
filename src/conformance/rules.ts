import type { Message } from '../../models/index.ts';
import { ruleDoc, ruleRegistry } from '../rules/registry.ts';
import type { TakenTransition } from '../scenario/index.ts';

/**
 * The Figure 2 rule behind a model transition is the doc comment of its guard or action
 * (`ruleRegistry`, read from models/node): the model names each after the rule it
 * implements and quotes the rule above it. Used to say, in a failure, which rule the
 * implementation departed from.
 */
function ruleText(name: string): string | undefined {
  return ruleRegistry().get(name)?.text;
}

/** Crash and restart: what survives is Figure 2's persistent state (`loseVolatileState`). */
const CRASH_RULE = ruleDoc('loseVolatileState').text;
/** A tick step: the timer rule of the model (`resetElectionTimer`, models/node/timers.ts). */
const TIMER_RULE = ruleDoc('resetElectionTimer').text;

/** The names of the transitions taken, e.g. `isHigherTerm → updateTerm; canGrantVote → grantVote`. */
export function describeTaken(taken: readonly TakenTransition[]): string {
  return taken
    .filter((t) => t.guard !== null || t.actions.some((a) => a !== 'deliverToRole'))
    .map((t) => {
      const actions = t.actions.filter((a) => a !== 'deliverToRole');
      const head = t.guard ?? `${t.event}`;
      return actions.length > 0 ? `${head} → ${actions.join(', ')}` : head;
    })
    .join('; ');
}

/** What differs between the implementation and the model at a failing step. */
export interface Discrepancy {
  /** State fields that differ, and whether the model changed each in this step. */
  readonly fields: readonly { readonly field: string; readonly changedByModel: boolean }[];
  /** Fields that differ between a message the model sends and the one sent instead. */
  readonly messageFields: readonly string[];
  /** Some message is missing or not allowed. */
  readonly messagesDiffer: boolean;
}

/** Fields that differ between messages the model sends and ones of the same type, sender and receiver sent instead. */
export function differingMessageFields(
  missing: readonly Message[],
  unexpected: readonly Message[],
): string[] {
  const fields = new Set<string>();
  for (const m of missing) {
    const other = unexpected.find((u) => u.type === m.type && u.from === m.from && u.to === m.to);
    if (!other) continue;
    const a = m as unknown as Record<string, unknown>;
    const b = other as unknown as Record<string, unknown>;
    for (const key of Object.keys(a)) if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) fields.add(key);
  }
  return [...fields];
}

/** A field the model kept but the implementation changed: the guard or action whose rule keeps it. */
const KEPT: Readonly<Record<string, string>> = {
  votedFor: 'votedForAnother',
  currentTerm: 'isHigherTerm',
  commitIndex: 'advanceFollowerCommit',
  log: 'appendEntries',
};

/** The rules to prefer when this field differs. */
const BY_FIELD: Readonly<Record<string, readonly string[]>> = {
  commitIndex: ['advanceFollowerCommit', 'advanceCommitIndex'],
  votedFor: ['grantVote', 'startElection'],
  currentTerm: ['updateTerm', 'isHigherTerm', 'startElection'],
  log: ['appendEntries', 'appendClientEntry', 'appendLeaderNoOp'],
  role: ['hasVoteQuorumWithLeaderNoOp', 'hasVoteQuorum', 'becomeFollower', 'isHigherTerm', 'preVoteEnabled'],
  term: ['updateTerm', 'isHigherTerm'],
};

function namesOf(t: TakenTransition): string[] {
  const names = t.actions.filter((a) => a !== 'deliverToRole');
  return t.guard ? [...names, t.guard] : names;
}

/**
 * The Figure 2 rule concerned by a failing step, from the names of the guards and actions
 * the model's transitions took: a field the model kept but the implementation changed
 * points at the rule that keeps it; otherwise an action touching a differing field; the
 * term of a reply points at the term rule; otherwise the guard of the last (most
 * specific) transition — the decision the implementation made differently.
 */
export function ruleFor(taken: readonly TakenTransition[], input: string, discrepancy: Discrepancy): string {
  if (input === 'restart' || input === 'crash') return CRASH_RULE;
  if (input === 'tick') return TIMER_RULE;
  const kept = discrepancy.messagesDiffer
    ? undefined
    : discrepancy.fields.find((f) => !f.changedByModel && KEPT[f.field]);
  const meaningful = taken.filter((t) => namesOf(t).length > 0);
  const last = meaningful[meaningful.length - 1];
  if (kept && !(last && namesOf(last).some((n) => (BY_FIELD[kept.field] ?? []).includes(n)))) {
    return ruleText(KEPT[kept.field]) as string;
  }
  const wanted = [...discrepancy.fields.map((f) => f.field), ...discrepancy.messageFields].flatMap(
    (f) => BY_FIELD[f] ?? [],
  );
  for (const t of [...meaningful].reverse()) {
    for (const name of namesOf(t))
      if (wanted.includes(name) && ruleText(name)) return ruleText(name) as string;
  }
  if (last) {
    for (const name of [last.guard, ...last.actions])
      if (name && ruleText(name)) return ruleText(name) as string;
  }
  if (taken.length === 0) {
    return 'the model takes no transition here: the input must change nothing and send nothing';
  }
  return 'Figure 2';
}

export { CRASH_RULE, TIMER_RULE };
