import {
  type CompiledMachine,
  compileNodeMachine,
  defaultImplementations,
  type Guard,
  isHigherTerm,
  isStaleRequest,
  isStaleResponse,
  type LogEntry,
  lastLogIndex,
  lastLogTerm,
  MESSAGE_TYPES,
  type Message,
  type NodeContext,
  type NodeEvent,
  type NodeInput,
  type NodeState,
  runMacrostep,
  termAt,
  updateTerm,
} from '../../models/index.ts';
import { ruleDoc } from '../rules/registry.ts';
import { runOnModel, type Scenario } from '../scenario/index.ts';

/**
 * Coverage accounting: which scenario exercises which part of the model.
 *
 * Four kinds of item, all derived from the model or from the paper, never from scenarios:
 * - `transition`: every transition of the node statechart, per role it can fire in
 *   (`transition:follower:running/Receive[isHigherTerm]`);
 * - `guard`: every guard's two outcomes, true and false, per event it is tried on
 *   (`guard:RequestVoteRequest/canGrantVote=false`);
 * - `payload`: classes of message payloads relative to the receiver's state
 *   (`payload:AppendEntriesRequest/prevLog=beyond-end`);
 * - `rule`: the rules of Figure 2 (and PreVote's), each realised by named actions;
 * - `situation`: cluster-level situations (first leader, split vote, Figure 8, …),
 *   recognised on the cluster model's states (`report.ts`, targets of `cluster-paths.ts`);
 * - `switch`: per configuration of the switch matrix, the switch's own guards and whether it
 *   changed a step (`matrix.ts`).
 *
 * An item is covered by a scenario when some step of it, run on the model, exercises the
 * item. Items that cannot be exercised carry a reason (`UNREACHABLE`).
 */

export type ItemKind = 'transition' | 'guard' | 'payload' | 'rule' | 'situation' | 'switch';
export const ITEM_KINDS: readonly ItemKind[] = [
  'transition',
  'guard',
  'payload',
  'rule',
  'situation',
  'switch',
];

export interface CoverageItem {
  readonly id: string;
  readonly kind: ItemKind;
  readonly description: string;
  /** Paper reference for rules. */
  readonly reference?: string;
}

/** What one model step did: the input, the node before and after, and the transitions taken. */
export interface StepRecord {
  readonly before: NodeState;
  readonly after: NodeState;
  readonly input: NodeInput;
  readonly outputs: readonly Message[];
  readonly taken: readonly {
    readonly source: string;
    readonly event: string;
    readonly guard: string | null;
    readonly actions: readonly string[];
    readonly target: string | null;
  }[];
  /** Guards evaluated, in order, with their outcome. */
  readonly guards: readonly { readonly guard: string; readonly event: string; readonly outcome: boolean }[];
}

// ------------------------------------------------------------------ the statechart's items

interface TransitionInfo {
  readonly role: string;
  readonly source: string;
  readonly event: string;
  readonly guard: string | null;
  readonly actions: readonly string[];
  readonly target: string | null;
}

function transitionsOf(machine: CompiledMachine): TransitionInfo[] {
  const all: TransitionInfo[] = [];
  for (const role of machine.roles) {
    for (const [, list] of machine.transitions.get(role) ?? new Map()) {
      for (const t of list) all.push({ role, ...t });
    }
    for (const t of machine.always.get(role) ?? []) all.push({ role, ...t });
  }
  return all;
}

export function transitionId(
  role: string,
  t: { source: string; event: string; guard: string | null },
): string {
  return `transition:${role}:${t.source}/${t.event}[${t.guard ?? 'else'}]`;
}

/** The event key a guard is tried on: the event type, or `(always)` for eventless transitions. */
function guardEvents(machine: CompiledMachine): Map<string, string[]> {
  const byGuard = new Map<string, string[]>();
  for (const t of transitionsOf(machine)) {
    if (t.guard === null) continue;
    const events = byGuard.get(t.guard) ?? [];
    if (!events.includes(t.event)) events.push(t.event);
    byGuard.set(t.guard, events);
  }
  return byGuard;
}

// ------------------------------------------------------------------ payload classes

const VOTE_REQUESTS = ['RequestVoteRequest', 'PreVoteRequest'] as const;
const TERM_CLASSES = ['lower', 'equal', 'higher'] as const;
const VOTED_FOR_CLASSES = ['none', 'self', 'candidate', 'another'] as const;
const LOG_CLASSES = [
  'behind-by-term',
  'behind-by-length',
  'equal',
  'ahead-by-term',
  'ahead-by-length',
] as const;
const PREV_LOG_CLASSES = ['match', 'mismatch', 'beyond-end'] as const;
const ENTRY_CLASSES = ['none', 'new', 'duplicate', 'conflicting'] as const;

/** Records one payload class of one message type as a coverage item. */
type AddPayloadItem = (type: string, dimension: string, value: string, description: string) => void;

function payloadItems(): CoverageItem[] {
  const items: CoverageItem[] = [];
  const add: AddPayloadItem = (type, dimension, value, description) => {
    items.push({ id: `payload:${type}/${dimension}=${value}`, kind: 'payload', description });
  };
  termItems(add);
  voteRequestItems(add);
  appendEntriesItems(add);
  return items;
}

/** Every message type's term against the receiver's currentTerm. */
function termItems(add: AddPayloadItem): void {
  const types = MESSAGE_TYPES;
  for (const type of types) {
    for (const c of TERM_CLASSES)
      add(
        type,
        'term',
        c,
        `${type} with a term ${c === 'equal' ? 'equal to' : `${c} than`} the receiver's currentTerm`,
      );
  }
}

/** A vote request's receiver votedFor, and the candidate's log against the receiver's (§5.4.1). */
function voteRequestItems(add: AddPayloadItem): void {
  for (const type of VOTE_REQUESTS) {
    for (const c of VOTED_FOR_CLASSES)
      add(
        type,
        'votedFor',
        c,
        `${type} to a receiver whose votedFor is ${c === 'candidate' ? 'this candidate' : c === 'another' ? 'another server' : c}`,
      );
    for (const c of LOG_CLASSES)
      add(
        type,
        'log',
        c,
        `${type} whose candidate log, compared with the receiver's, is ${c.replace(/-/g, ' ')} (§5.4.1)`,
      );
  }
}

/** An AppendEntries request's prevLog against the receiver log, and its entries. */
function appendEntriesItems(add: AddPayloadItem): void {
  for (const c of PREV_LOG_CLASSES)
    add(
      'AppendEntriesRequest',
      'prevLog',
      c,
      `AppendEntriesRequest whose prevLogIndex/prevLogTerm ${c === 'match' ? 'matches the receiver log' : c === 'mismatch' ? 'names an entry of another term' : 'lies beyond the end of the receiver log'}`,
    );
  for (const c of ENTRY_CLASSES)
    add(
      'AppendEntriesRequest',
      'entries',
      c,
      `AppendEntriesRequest (prevLog matching) with ${c === 'none' ? 'no entries (heartbeat)' : `${c} entries`}`,
    );
}

/**
 * The message's term against the receiver's: `lower` is what the model's term rule calls
 * stale (isStaleRequest, isStaleResponse: decided by the term alone); `higher` is any
 * greater term, a pre-vote's proposed one too (which isHigherTerm leaves alone).
 */
function termClass(context: NodeContext, input: NodeEvent & { type: 'Receive' }): string {
  if (isStale(context, input)) return 'lower';
  return input.message.term === context.currentTerm ? 'equal' : 'higher';
}

function isStale(context: NodeContext, input: NodeEvent): boolean {
  return isStaleRequest(context, input) || isStaleResponse(context, input);
}

/** Log of the candidate (last index and term) compared with the voter's (§5.4.1, refined). */
export function logClass(lastIndex: number, lastTerm: number, log: readonly LogEntry[]): string {
  const myTerm = lastLogTerm(log);
  const myIndex = lastLogIndex(log);
  if (lastTerm !== myTerm) return lastTerm < myTerm ? 'behind-by-term' : 'ahead-by-term';
  if (lastIndex === myIndex) return 'equal';
  return lastIndex < myIndex ? 'behind-by-length' : 'ahead-by-length';
}

/** The payload classes of a received message, relative to the receiver's state before it. */
export function payloadClasses(before: NodeState, input: NodeInput): string[] {
  // A crashed server ignores messages; a stale one is decided by its term alone.
  if (input.type !== 'Receive' || before.role === 'crashed') return [];
  const m = input.message;
  const c = before.context;
  const ids = [`payload:${m.type}/term=${termClass(c, input)}`];
  if (isStale(c, input)) return ids;
  if (m.type === 'RequestVoteRequest' || m.type === 'PreVoteRequest') {
    // The vote is judged after the model's term rule: a higher term clears votedFor ("none").
    const voted = (isHigherTerm(c, input) ? updateTerm(c, input) : c).votedFor;
    const votedFor =
      voted === null ? 'none' : voted === c.id ? 'self' : voted === m.from ? 'candidate' : 'another';
    ids.push(`payload:${m.type}/votedFor=${votedFor}`);
    ids.push(`payload:${m.type}/log=${logClass(m.lastLogIndex, m.lastLogTerm, c.log)}`);
  }
  if (m.type === 'AppendEntriesRequest') {
    const at = termAt(c.log, m.prevLogIndex);
    const prevLog = at === undefined ? 'beyond-end' : at === m.prevLogTerm ? 'match' : 'mismatch';
    ids.push(`payload:AppendEntriesRequest/prevLog=${prevLog}`);
    if (prevLog === 'match')
      ids.push(`payload:AppendEntriesRequest/entries=${entriesClass(c.log, m.prevLogIndex, m.entries)}`);
  }
  return ids;
}

function entriesClass(log: readonly LogEntry[], prevLogIndex: number, entries: readonly LogEntry[]): string {
  if (entries.length === 0) return 'none';
  let fresh = false;
  for (let k = 0; k < entries.length; k++) {
    const existing = termAt(log, prevLogIndex + 1 + k);
    if (existing === undefined) fresh = true;
    else if (existing !== entries[k].term) return 'conflicting';
  }
  return fresh ? 'new' : 'duplicate';
}

// ------------------------------------------------------------------ Figure 2 rules

interface Rule extends CoverageItem {
  readonly covers: (step: StepRecord) => boolean;
}

const fired = (step: StepRecord, action: string) => step.taken.some((t) => t.actions.includes(action));
const received = (step: StepRecord, type: string) =>
  step.input.type === 'Receive' && step.input.message.type === type;

function rule(
  id: string,
  reference: string,
  description: string,
  covers: (step: StepRecord) => boolean,
): Rule {
  return { id: `rule:${id}`, kind: 'rule', reference, description, covers };
}

/**
 * A rule implemented by one guard or action of the model: its reference and description
 * are that function's doc comment (the rule registry, `src/rules/registry.ts`), not a copy.
 */
function documented(id: string, implementedBy: string, covers: (step: StepRecord) => boolean): Rule {
  const doc = ruleDoc(implementedBy);
  return rule(id, doc.cites.join(', '), doc.text, covers);
}

/**
 * The rules of Figure 2 (and PreVote's), each with the observable sign that it was
 * applied. Most are described by the guard or action implementing them; the few written
 * here have no single function in the model (they are observed on the step as a whole).
 * The election timeouts are described by the timer rules of models/node/timers.ts.
 */
export const RULES: readonly Rule[] = [
  documented('all-servers/higher-term', 'isHigherTerm', (s) => fired(s, 'updateTerm')),
  rule(
    'all-servers/apply',
    '§5.3, Figure 2 Rules for All Servers',
    'If commitIndex > lastApplied: increment lastApplied, apply log[lastApplied] to state machine',
    () => false,
  ),
  rule(
    'followers/respond',
    '§5.2, Figure 2 Rules for Followers',
    'Respond to RPCs from candidates and leaders',
    (s) => s.before.role === 'follower' && s.outputs.length > 0 && s.input.type === 'Receive',
  ),
  documented(
    'followers/election-timeout',
    'resetElectionTimer',
    (s) => s.before.role === 'follower' && s.input.type === 'ElectionTimeout',
  ),
  documented(
    'candidates/start-election',
    'startElection',
    (s) => fired(s, 'startElection') && fired(s, 'broadcastRequestVote'),
  ),
  documented('candidates/majority', 'hasVoteQuorum', (s) => fired(s, 'becomeLeader')),
  documented('candidates/append-entries', 'becomeFollower', (s) => fired(s, 'becomeFollower')),
  documented(
    'candidates/election-timeout',
    'electionTimeoutElapsed',
    (s) => s.before.role === 'candidate' && fired(s, 'startElection'),
  ),
  documented('leaders/heartbeat', 'sendAppendEntries', (s) => fired(s, 'sendAppendEntries')),
  documented('leaders/client-request', 'appendClientEntry', (s) => fired(s, 'appendClientEntry')),
  documented('leaders/send-entries', 'sendAppendEntries', (s) =>
    s.outputs.some((m) => m.type === 'AppendEntriesRequest' && m.entries.length > 0),
  ),
  documented('leaders/success', 'recordReplication', (s) => fired(s, 'recordReplication')),
  documented('leaders/failure', 'backOffNextIndex', (s) => fired(s, 'backOffNextIndex')),
  documented(
    'leaders/commit',
    'advanceCommitIndex',
    (s) => s.before.role === 'leader' && s.after.context.commitIndex > s.before.context.commitIndex,
  ),
  rule(
    'leaders/no-old-term-commit',
    '§5.4.2, Figure 8',
    'A leader does not commit an entry of an earlier term by counting replicas',
    (s) =>
      fired(s, 'advanceCommitIndex') &&
      s.after.context.commitIndex === s.before.context.commitIndex &&
      s.before.context.log.length > s.before.context.commitIndex &&
      termAt(s.before.context.log, s.before.context.log.length) !== s.before.context.currentTerm,
  ),
  documented(
    'request-vote/stale-term',
    'isStaleRequest',
    (s) => received(s, 'RequestVoteRequest') && fired(s, 'rejectStaleRequest'),
  ),
  documented('request-vote/grant', 'canGrantVote', (s) => fired(s, 'grantVote')),
  documented('request-vote/already-voted', 'votedForAnother', (s) =>
    s.taken.some((t) => t.guard === 'votedForAnother'),
  ),
  documented(
    'request-vote/up-to-date',
    'candidateLogBehind',
    (s) => received(s, 'RequestVoteRequest') && s.taken.some((t) => t.guard === 'candidateLogBehind'),
  ),
  documented(
    'append-entries/stale-term',
    'isStaleRequest',
    (s) => received(s, 'AppendEntriesRequest') && fired(s, 'rejectStaleRequest'),
  ),
  documented('append-entries/consistency', 'replyAppendFailure', (s) => fired(s, 'replyAppendFailure')),
  documented(
    'append-entries/truncate',
    'appendEntries',
    (s) => fired(s, 'appendEntries') && !isPrefix(s.before.context.log, s.after.context.log),
  ),
  documented(
    'append-entries/append',
    'appendEntries',
    (s) => fired(s, 'appendEntries') && s.after.context.log.length > s.before.context.log.length,
  ),
  documented(
    'append-entries/commit',
    'advanceFollowerCommit',
    (s) => fired(s, 'advanceFollowerCommit') && s.after.context.commitIndex > s.before.context.commitIndex,
  ),
  documented(
    'persistence/restart',
    'loseVolatileState',
    (s) =>
      s.input.type === 'Restart' &&
      s.before.role === 'crashed' &&
      (s.after.context.currentTerm > 0 || s.after.context.log.length > 0),
  ),
  documented('prevote/grant', 'canGrantPreVote', (s) => fired(s, 'grantPreVote')),
  documented('prevote/leader-stickiness', 'hasCurrentLeader', (s) =>
    s.taken.some((t) => t.guard === 'hasCurrentLeader'),
  ),
  rule(
    'prevote/become-candidate',
    'thesis §9.6',
    'A pre-candidate granted pre-votes by a majority starts a real election',
    (s) => s.before.role !== 'candidate' && s.after.role === 'candidate' && s.input.type === 'Receive',
  ),
];

function isPrefix(a: readonly LogEntry[], b: readonly LogEntry[]): boolean {
  return a.length <= b.length && a.every((e, i) => e.term === b[i].term && e.value === b[i].value);
}

// ------------------------------------------------------------------ the universe

/**
 * A tick of a node's clock is not an input a scenario file feeds the model: a `tick` step
 * advances the implementation's own clock, whose timeouts the implementation declares, and
 * the conformance runner judges it by stepping the model's `Tick` with those timeouts
 * (src/conformance/timers.ts). So no scenario replay covers the Tick transitions.
 */
const TICK_REASON =
  "ticks are the implementation's own clock: a tick step is judged by the conformance runner with the model's Tick and the implementation's timeouts (src/conformance/timers.ts; test/model/timers.test.ts, test/conformance tick fixtures), not replayed from a scenario";

const TICK_ITEMS = [
  ...['follower', 'preCandidate', 'candidate'].flatMap((role) => [
    `transition:${role}:running/Tick[electionTimeoutElapsed]`,
    `transition:${role}:running/Tick[else]`,
  ]),
  'transition:leader:running.leader/Tick[quorumCheckAndHeartbeatDue]',
  'transition:leader:running.leader/Tick[quorumCheckDue]',
  'transition:leader:running.leader/Tick[heartbeatIntervalElapsed]',
  'transition:leader:running.leader/Tick[else]',
  ...[
    'electionTimeoutElapsed',
    'heartbeatIntervalElapsed',
    'quorumCheckDue',
    'quorumCheckAndHeartbeatDue',
  ].flatMap((g) => [`guard:Tick/${g}=true`, `guard:Tick/${g}=false`]),
];

/** Leader stickiness needs a known leader; a (pre-)candidate has none. */
function NO_LEADER_KNOWN(action: string, role: string): string {
  return `${action} clears leaderId, and a ${role} that hears AppendEntries becomes a follower before recognising the leader, so it never knows a leader`;
}

/** Items no scenario can cover, and why. Checked by `raftkit coverage`: a reason must stay true. */
export const UNREACHABLE: Readonly<Record<string, string>> = {
  ...Object.fromEntries(TICK_ITEMS.map((id) => [id, TICK_REASON])),
  'transition:leader:running/Tick[electionTimeoutElapsed]':
    "a leader's own Tick transitions (heartbeat, the last unguarded) handle every tick of a leader first",
  'transition:leader:running/Tick[else]':
    "a leader's own Tick transitions (heartbeat, the last unguarded) handle every tick of a leader first",
  'rule:all-servers/apply':
    'the model has no state machine: lastApplied and applying entries are outside it (the conformance runner checks commitIndex)',
  'guard:RequestVoteRequest/candidateLogBehind=false':
    'tried only after canGrantVote and votedForAnother are false, which means the log is behind',
  'guard:PreVoteRequest/candidateLogBehind=false':
    'tried only after canGrantPreVote, preVoteTermNotAhead and hasCurrentLeader are false, which means the log is behind',
  'guard:AppendEntriesRequest/prevLogTermMismatch=false':
    'tried only after prevLogMatches and prevLogBeyondEnd are false, which means a mismatch',
  'guard:RequestVoteResponse/voteDenied=false': 'tried only after voteGranted is false',
  'guard:AppendEntriesResponse/appendRejected=false': 'tried only after appendSucceeded is false',
  'transition:leader:running/RequestVoteRequest[canGrantVote]':
    'a leader has voted for itself in its term, and a RequestVote from itself never arrives; a higher-term request makes it a follower first',
  'transition:candidate:running/RequestVoteRequest[canGrantVote]':
    'a candidate has voted for itself in its term; a higher-term request makes it a follower first',
  'transition:candidate:running/RequestVoteRequest[candidateLogBehind]':
    'a candidate voted for itself in its term, so votedForAnother decides every same-term RequestVote first',
  'transition:leader:running/RequestVoteRequest[candidateLogBehind]':
    'a leader voted for itself in its term, so votedForAnother decides every same-term RequestVote first',
  'transition:preCandidate:running.preCandidate/ElectionTimeout[else]':
    'a pre-candidate exists only with PreVote on, where preVoteEnabled always holds',
  'transition:preCandidate:running/PreVoteRequest[hasCurrentLeader]':
    'startPreVote clears leaderId, and a pre-candidate that hears AppendEntries becomes a follower before recognising the leader',
  'transition:candidate:running/PreVoteRequest[hasCurrentLeader]':
    'startElection clears leaderId, and a candidate that hears AppendEntries becomes a follower before recognising the leader',
  'transition:preCandidate:running/Receive[isDisruptiveRequest]': NO_LEADER_KNOWN(
    'startPreVote',
    'pre-candidate',
  ),
  'transition:candidate:running/Receive[isDisruptiveRequest]': NO_LEADER_KNOWN('startElection', 'candidate'),
  'transition:preCandidate:running/Receive[isRefusedDisruptiveVote]': NO_LEADER_KNOWN(
    'startPreVote',
    'pre-candidate',
  ),
  'transition:candidate:running/Receive[isRefusedDisruptiveVote]': NO_LEADER_KNOWN(
    'startElection',
    'candidate',
  ),
  'transition:preCandidate:running/RequestVoteRequest[leaderKnownInTerm]': NO_LEADER_KNOWN(
    'startPreVote',
    'pre-candidate',
  ),
  'transition:candidate:running/RequestVoteRequest[leaderKnownInTerm]': NO_LEADER_KNOWN(
    'startElection',
    'candidate',
  ),
  'transition:preCandidate:running/PreVoteRequest[canGrantPreVoteDespiteLeader]': NO_LEADER_KNOWN(
    'startPreVote',
    'pre-candidate',
  ),
  'transition:candidate:running/PreVoteRequest[canGrantPreVoteDespiteLeader]': NO_LEADER_KNOWN(
    'startElection',
    'candidate',
  ),
  'transition:candidate:running/PreVoteRequest[canGrantPreVoteInOwnTerm]':
    'a candidate voted for itself in its term, and a PreVote of that term comes from another server, so the real vote could not be granted',
  'transition:leader:running/PreVoteRequest[canGrantPreVoteInOwnTerm]':
    'a leader voted for itself in its term and counts itself as the current leader, so the real vote could not be granted',
  'transition:leader:running/PreVoteRequest[canGrantPreVote]':
    'a leader counts itself as the current leader (leader stickiness), so hasCurrentLeader rejects first',
  'transition:leader:running/PreVoteRequest[candidateLogBehind]':
    'a leader counts itself as the current leader (leader stickiness), so hasCurrentLeader rejects first',
};

export function coverageUniverse(machine: CompiledMachine = instrumented.machine): CoverageItem[] {
  const items: CoverageItem[] = [];
  const seen = new Set<string>();
  for (const t of transitionsOf(machine)) {
    const id = transitionId(t.role, t);
    if (seen.has(id)) continue;
    seen.add(id);
    const actions = t.actions.join(', ') || 'nothing';
    items.push({
      id,
      kind: 'transition',
      description: `in ${t.role}, on ${t.event}${t.guard ? ` if ${t.guard}` : ''}: ${actions}${t.target ? ` → ${t.target}` : ''}`,
    });
  }
  for (const [guard, events] of guardEvents(machine)) {
    for (const event of events) {
      for (const outcome of [true, false]) {
        items.push({
          id: `guard:${event}/${guard}=${outcome}`,
          kind: 'guard',
          description: `guard ${guard} evaluates ${outcome} on ${event}`,
        });
      }
    }
  }
  items.push(...payloadItems());
  for (const r of RULES)
    items.push({ id: r.id, kind: r.kind, description: r.description, reference: r.reference });
  return items;
}

// ------------------------------------------------------------------ recording a step

/**
 * The model, compiled with every guard wrapped to record its outcome. The guards and
 * actions are the model's own: only the recording is added.
 */
function instrument(): {
  machine: CompiledMachine;
  log: { guard: string; event: string; outcome: boolean }[];
} {
  const log: { guard: string; event: string; outcome: boolean }[] = [];
  const plain = compileNodeMachine();
  const eventsOf = guardEvents(plain);
  const guards: Record<string, Guard> = {};
  for (const [name, guard] of Object.entries(defaultImplementations.guards)) {
    const events = eventsOf.get(name) ?? [];
    guards[name] = (context, event: NodeEvent) => {
      const outcome = guard(context, event);
      const key = events.includes(event.type)
        ? event.type
        : events.includes('(always)')
          ? '(always)'
          : event.type;
      log.push({ guard: name, event: key, outcome });
      return outcome;
    };
  }
  return { machine: compileNodeMachine({ guards, updates: defaultImplementations.updates }), log };
}

const instrumented = instrument();

/** Step a node on the instrumented model and record what it did. */
export function recordStep(before: NodeState, input: NodeInput): StepRecord {
  instrumented.log.length = 0;
  const result = runMacrostep(instrumented.machine, before, input);
  const guards = [...instrumented.log];
  const after = result.state;
  const outputs = after.context.outbox.slice(before.context.outbox.length);
  return { before, after, input, outputs, taken: result.taken, guards };
}

/** The coverage items one step exercises. */
export function itemsOfStep(step: StepRecord): string[] {
  const ids = new Set<string>();
  let role: string = step.before.role;
  for (const t of step.taken) {
    ids.add(transitionId(role, t));
    if (t.target !== null) role = t.target;
  }
  for (const g of step.guards) ids.add(`guard:${g.event}/${g.guard}=${g.outcome}`);
  for (const p of payloadClasses(step.before, step.input)) ids.add(p);
  for (const r of RULES) if (r.covers(step)) ids.add(r.id);
  return [...ids];
}

/** Items exercised by each step of a step-mode scenario. */
export function itemsOfScenario(scenario: Scenario): string[] {
  const ids = new Set<string>();
  for (const { result } of runOnModel(scenario)) {
    if (!result.nodeInput) continue;
    const { before, input } = result.nodeInput;
    for (const id of itemsOfStep(
      recordStep({ ...before, context: { ...before.context, outbox: [] } }, input),
    ))
      ids.add(id);
  }
  return [...ids];
}
