import {
  type CompiledMachine,
  compileNodeMachine,
  initialNodeState,
  type Message,
  makeFeatures,
  type NodeId,
  type NodeInput,
  type NodeState,
  type Role,
  stepExplained,
} from '../../models/index.ts';
import { ruleRegistry } from '../rules/registry.ts';
import { ROLE_EVENTS, type RoleEvent, type StateFields, type TraceEvent } from './events.ts';
import { HoleIndex } from './holes.ts';
import type { ParsedTrace } from './trace.ts';

/**
 * The trace checker. Each node's events are replayed against the model: the node's own
 * statechart (`models/`, compiled) is stepped with the inputs the trace shows or implies,
 * and every observed role change, message sent and state field must be what the model
 * does from the state it is in. There is no second copy of Raft's rules here: a vote is
 * right if the model's `canGrantVote` transition produces the same reply, a candidacy is
 * right if the model's ElectionTimeout transition produces the same role and term.
 *
 * Cross-node properties are checked on the observed events themselves, independently of
 * the replay: at most one leader per term, and at most one vote per voter per term.
 *
 * Partial logs get the weakest sound assumption, and every assumption is reported:
 * - a timer firing is an input nobody has to log: a leader's AppendEntries the model has
 *   not produced yet is explained by a HeartbeatTimeout;
 * - where the log may be missing lines (its start, between pasted chunks, around a
 *   damaged line), a node whose next event the model cannot explain is brought forward
 *   by the fewest unlogged inputs (timeouts, receipt of a higher term, a request or a
 *   vote) that the model accepts and that make the event allowed — a "bridge";
 * - everywhere else, every receipt and every role change is assumed logged, so an event
 *   the model does not allow is a divergence.
 */

export const CHECK_RULES = {
  'role-transition': 'every role change is a transition the statechart takes from the state the model is in',
  term: "a node's term is the one the model has (term rule §5.1; +1 on a new election, Figure 2 Candidates)",
  'vote-decision':
    'a vote is granted or refused as the model decides (Figure 2 RequestVote receiver rules 1–2, §5.2, §5.4.1)',
  send: 'every message sent is one the model sends from that state',
  state: "logged state fields (currentTerm, votedFor, log, commitIndex) equal the model's",
  'election-safety': 'at most one leader per term (Election Safety, Figure 3, §5.2)',
  'single-vote': '"each server will vote for at most one candidate in a given term" (§5.2)',
} as const;
export type CheckRule = keyof typeof CHECK_RULES;

export interface Divergence {
  readonly rule: CheckRule;
  readonly line: number;
  readonly node: NodeId;
  /** What the trace shows. */
  readonly found: string;
  /** What the model does from the state it is in. */
  readonly expected: string;
  /** The model's state before the event, compact (`serializeNode`-like). */
  readonly modelState: string;
  /** The node's previous event replayed, for context ("line 12: Receive RequestVoteResponse …"), or null. */
  readonly after: string | null;
}

export interface Violation {
  readonly rule: 'election-safety' | 'single-vote';
  readonly term: number;
  readonly lines: readonly [number, number];
  readonly description: string;
}

/** Unlogged inputs assumed before `line` (the first event after a possible gap), found needed at `neededAt`. */
export interface Bridge {
  readonly line: number;
  readonly node: NodeId;
  readonly inputs: readonly string[];
  readonly reason: string;
  readonly neededAt: number;
}

export interface CheckResult {
  /** False when the format shows too little to replay the nodes (`ParsedTrace.noReplay` says why). */
  readonly replayed: boolean;
  readonly eventsChecked: number;
  readonly nodes: readonly NodeId[];
  /** The first divergence of each node, in line order; replay of that node stops there. */
  readonly divergences: readonly Divergence[];
  readonly violations: readonly Violation[];
  readonly bridges: readonly Bridge[];
  /** HeartbeatTimeouts assumed to explain a leader's AppendEntries. */
  readonly heartbeatsAssumed: number;
  /** Sends equal to a message already sent (retransmissions, a named tolerance). */
  readonly retransmissions: number;
  /** Receipts whose sender the log does not name; a peer that had not answered yet was assumed. */
  readonly sendersAssumed: number;
}

interface Pending {
  readonly message: Message;
  /** The transitions of the step that sent it. */
  readonly taken: readonly Taken[];
  used: boolean;
}

/** The replay state where the log may have lost lines, and the events replayed since. */
interface Snapshot {
  readonly state: NodeState;
  readonly pending: PendingAt;
  readonly events: TraceEvent[];
  readonly line: number;
  readonly reason: string;
}

interface NodeReplay {
  state: NodeState;
  pending: Pending[];
  lastTime: number | null;
  seen: boolean;
  halted: boolean;
  snapshot: Snapshot | null;
  /** The last event replayed, for a divergence's context (described only then). */
  last: TraceEvent | null;
}

/** How many events after a hole a bridge may still be inserted at the hole. */
const SNAPSHOT_WINDOW = 64;

type Attempt =
  | { ok: true; state: NodeState; pending: Pending[]; heartbeat?: boolean; retransmission?: boolean }
  | { ok: false; rule: CheckRule; found: string; expected: string };

const PENDING_CAP = 96;

export interface CheckOptions {
  /** A mutated model, for testing the checker. */
  readonly machine?: CompiledMachine;
}

export function checkTrace(trace: ParsedTrace, options: CheckOptions = {}): CheckResult {
  const replay = new TraceReplay(trace, options.machine ?? compileNodeMachine());
  for (const event of trace.events) replay.event(event);
  return replay.result();
}

/** The replay of a whole trace: each node's model state, the cross-node properties, and the account kept. */
class TraceReplay {
  private readonly replays = new Map<NodeId, NodeReplay>();
  private readonly divergences: Divergence[] = [];
  private readonly bridges: Bridge[] = [];
  private readonly cross = new CrossNode();
  private readonly holes: HoleIndex;
  private heartbeatsAssumed = 0;
  private retransmissions = 0;
  private sendersAssumed = 0;
  private checked = 0;

  constructor(
    private readonly trace: ParsedTrace,
    private readonly machine: CompiledMachine,
  ) {
    const features = makeFeatures({ preVote: trace.preVote });
    for (const id of trace.nodes) {
      const state = initialNodeState({ id, cluster: trace.nodes, features });
      this.replays.set(id, {
        state,
        pending: [],
        lastTime: null,
        seen: false,
        halted: false,
        snapshot: null,
        last: null,
      });
    }
    this.holes = new HoleIndex(trace.holes);
  }

  event(event: TraceEvent): void {
    this.cross.observe(event);
    if (this.trace.noReplay !== null) return;
    const replay = this.replays.get(event.node);
    if (!replay || replay.halted || event.event === 'TimerStart' || event.event === 'Cluster') return;
    this.checked++;
    if (event.message?.from === '?') this.sendersAssumed++;
    if (mayBridge(replay, event, this.holes)) {
      replay.snapshot = {
        state: replay.state,
        pending: pendingAt(replay.pending),
        events: [],
        line: event.line,
        reason: replay.seen ? holeReason(replay, event, this.holes) : 'the log may start mid-run',
      };
    }
    const attempt = this.attempt(replay, event);
    if (attempt.ok) this.accept(replay, event, attempt);
    else this.diverge(replay, event, attempt);
  }

  /** The event on the node's model state; failing that, on the state before a hole with inputs the log may have lost. */
  private attempt(replay: NodeReplay, event: TraceEvent): Attempt {
    const attempt = tryEvent(this.machine, replay.state, replay.pending, event);
    const snapshot = replay.snapshot;
    if (attempt.ok || !snapshot) return attempt;
    const bridged = bridge(this.machine, snapshot, [...snapshot.events, event]);
    if (!bridged) return attempt;
    this.bridges.push({
      line: snapshot.line,
      node: event.node,
      inputs: bridged.inputs,
      reason: snapshot.reason,
      neededAt: event.line,
    });
    replay.snapshot = null;
    return bridged.attempt;
  }

  private diverge(replay: NodeReplay, event: TraceEvent, attempt: Extract<Attempt, { ok: false }>): void {
    this.divergences.push({
      rule: attempt.rule,
      line: event.line,
      node: event.node,
      found: attempt.found,
      expected: attempt.expected,
      modelState: describeState(replay.state),
      after: replay.last && `line ${replay.last.line}: ${describeEvent(replay.last)}`,
    });
    replay.halted = true;
  }

  private accept(replay: NodeReplay, event: TraceEvent, attempt: Extract<Attempt, { ok: true }>): void {
    if (attempt.heartbeat) this.heartbeatsAssumed++;
    if (attempt.retransmission) this.retransmissions++;
    replay.state = attempt.state;
    replay.pending =
      attempt.pending.length > PENDING_CAP ? attempt.pending.slice(-PENDING_CAP) : attempt.pending;
    replay.seen = true;
    replay.last = event;
    if (event.time !== null) replay.lastTime = event.time;
    if (replay.snapshot) {
      replay.snapshot.events.push(event);
      if (replay.snapshot.events.length > SNAPSHOT_WINDOW) replay.snapshot = null;
    }
  }

  result(): CheckResult {
    return {
      replayed: this.trace.noReplay === null,
      eventsChecked: this.checked,
      nodes: this.trace.nodes,
      divergences: this.divergences.sort((a, b) => a.line - b.line),
      violations: this.cross.violations,
      bridges: this.bridges,
      heartbeatsAssumed: this.heartbeatsAssumed,
      retransmissions: this.retransmissions,
      sendersAssumed: this.sendersAssumed,
    };
  }
}

// ------------------------------------------------------------------ one event

function tryEvent(
  machine: CompiledMachine,
  state: NodeState,
  pending: Pending[],
  original: TraceEvent,
): Attempt {
  const event = resolveSender(original, state);
  const before = event.before ? compareState(state, event.before, 'before handling it') : null;
  if (before) return before;
  let attempt: Attempt;
  switch (event.event) {
    case 'ElectionTimeout':
    case 'HeartbeatTimeout':
    case 'Crash':
    case 'Restart':
      attempt = stepWith(machine, state, pending, { type: event.event });
      break;
    case 'ClientRequest':
      attempt = stepWith(machine, state, pending, { type: 'ClientRequest', value: event.value ?? '' });
      break;
    case 'Receive':
      attempt = stepWith(machine, state, pending, { type: 'Receive', message: event.message as Message });
      break;
    case 'Send':
      attempt = trySend(machine, state, pending, event.message as Message);
      break;
    case 'State':
      attempt = { ok: true, state, pending };
      break;
    default:
      attempt = tryRoleChange(machine, state, pending, event);
  }
  if (!attempt.ok || !event.state) return attempt;
  return compareState(attempt.state, event.state, 'after it') ?? attempt;
}

/**
 * Step the model. The pending list is appended to in place (the replay owns it; a bridge
 * search works on copies), and the transition description is built only when needed.
 */
function stepWith(machine: CompiledMachine, state: NodeState, pending: Pending[], input: NodeInput): Attempt {
  const result = stepExplained(state, input, machine);
  if (result.outputs.length === 0) return { ok: true, state: result.state, pending };
  const taken = result.taken;
  for (const message of result.outputs) pending.push({ message, taken, used: false });
  if (pending.length > PENDING_CAP) compact(pending);
  return { ok: true, state: result.state, pending };
}

/** The environment inputs that can make a node change role by themselves (timers, crash, restart). */
const SPONTANEOUS: Readonly<Record<Role, readonly NodeInput[]>> = {
  candidate: [{ type: 'ElectionTimeout' }],
  preCandidate: [{ type: 'ElectionTimeout' }],
  follower: [{ type: 'Restart' }],
  leader: [],
  crashed: [{ type: 'Crash' }],
};

function tryRoleChange(
  machine: CompiledMachine,
  state: NodeState,
  pending: Pending[],
  event: TraceEvent,
): Attempt {
  const role = ROLE_EVENTS[event.event as RoleEvent];
  const term = event.term ?? state.context.currentTerm;
  if (state.role === role && state.context.currentTerm === term) return { ok: true, state, pending };
  for (const input of SPONTANEOUS[role]) {
    const result = stepExplained(state, input, machine);
    if (result.state.role === role && result.state.context.currentTerm === term) {
      return stepWith(machine, state, pending, input);
    }
  }
  return {
    ok: false,
    rule: state.role === role ? 'term' : 'role-transition',
    found: `${event.event} in term ${term}`,
    expected: explainRoleChange(state, role, term),
  };
}

const MAJORITY = (n: number) => Math.floor(n / 2) + 1;

/**
 * Why the model does not take a logged role change, in Figure 2's words: what the node
 * did, in which role and term, which rule allows what, and the nearest allowed behaviour.
 */
export function explainRoleChange(state: NodeState, role: Role, term: number): string {
  const c = state.context;
  const now = `a ${roleName(state.role)} in term ${c.currentTerm}`;
  switch (role) {
    case 'follower':
      if (term < c.currentTerm)
        return `${now} cannot go back to term ${term}: currentTerm only grows (§5.1). Nearest allowed: stay in term ${c.currentTerm}.`;
      if (term === c.currentTerm)
        return (
          `${now} became follower in its own term ${term}; Figure 2 converts to follower only on a message with a higher term ` +
          `(All Servers, §5.1)${state.role === 'candidate' ? ' or on an AppendEntries from the leader of its term (Candidates, §5.2)' : ''}, ` +
          `and none is logged as received here. Nearest allowed: stay ${roleName(state.role)} until such a message arrives.`
        );
      return (
        `${now} became follower in term ${term}; Figure 2 does so on receiving a message of term ${term} (All Servers: ` +
        `"if RPC request or response contains term T > currentTerm: set currentTerm = T, convert to follower", §5.1), ` +
        'and none is logged as received before this line. Nearest allowed: the same step, after the receipt of that message.'
      );
    case 'candidate':
    case 'preCandidate':
      if (state.role === 'leader')
        return `${now} started an election; Figure 2 gives a leader no election timeout (Leaders: it sends heartbeats), it steps down only on a higher term (§5.1). Nearest allowed: stay leader.`;
      return (
        `${now} became ${roleName(role)} in term ${term}; Figure 2 Candidates: on an election timeout, increment currentTerm, ` +
        `vote for self — a new candidacy is in term ${c.currentTerm + 1}. Nearest allowed: ${roleName(role)} in term ${c.currentTerm + 1}` +
        (term > c.currentTerm + 1
          ? ` (a receipt of term ${term - 1} first would explain term ${term}, and none is logged).`
          : '.')
      );
    case 'leader':
      return state.role === 'candidate'
        ? `${now} became leader with votes from [${c.votesGranted.join(', ')}]; Figure 2 Candidates: "if votes received from majority of servers: become leader" — a majority is ${MAJORITY(c.cluster.length)} of ${c.cluster.length} (hasVoteQuorum). Nearest allowed: stay candidate until more votes arrive.`
        : `${now} became leader; only a candidate with votes from a majority becomes leader (Figure 2 Candidates, hasVoteQuorum), and the model is ${roleName(state.role)}. Nearest allowed: an election (timeout, candidacy in term ${c.currentTerm + 1}, votes from a majority) first.`;
    default:
      return `${now} cannot become ${roleName(role)} in term ${term}.`;
  }
}

function roleName(role: Role): string {
  return role === 'preCandidate' ? 'pre-candidate' : role;
}

function trySend(
  machine: CompiledMachine,
  state: NodeState,
  pending: Pending[],
  message: Message,
  heartbeatAllowed = true,
): Attempt {
  const index = findPending(pending, message, false);
  if (index >= 0) {
    pending[index].used = true;
    return { ok: true, state, pending };
  }
  if (heartbeatAllowed && state.role === 'leader' && message.type === 'AppendEntriesRequest') {
    const beat = heartbeat(machine, state, pending, message);
    if (beat) return beat;
  }
  const similar = pending.find(
    (p) => !p.used && p.message.type === message.type && sameTarget(p.message, message),
  );
  if (message.type === 'RequestVoteResponse' && similar) {
    return {
      ok: false,
      rule: 'vote-decision',
      found: `${describeMessage(message)}`,
      expected: `${describeMessage(similar.message)}, by the transition ${describeTaken(similar.taken)}`,
    };
  }
  const open = pending.filter((p) => !p.used).map((p) => describeMessage(p.message));
  return {
    ok: false,
    rule: 'send',
    found: describeMessage(message),
    expected:
      open.length === 0
        ? `no message: the model has sent nothing that is not already logged, in state ${state.role}`
        : `one of the messages the model has sent: ${open.slice(0, 4).join('; ')}${open.length > 4 ? '; …' : ''}`,
  };
}

/**
 * A leader's AppendEntries the model has not sent yet, explained by an unlogged
 * HeartbeatTimeout, or null. The heartbeat's messages are appended to the pending list in
 * place and taken off again if they do not explain the send (a copy of the list per
 * heartbeat was a tenth of the check); only where they would overflow it (compaction
 * cannot be undone) is the step tried on a copy.
 */
function heartbeat(
  machine: CompiledMachine,
  state: NodeState,
  pending: Pending[],
  message: Message,
): Attempt | null {
  const length = pending.length;
  const beat = stepExplained(state, { type: 'HeartbeatTimeout' }, machine);
  if (length + beat.outputs.length > PENDING_CAP) return heartbeatOnCopy(machine, state, pending, message);
  for (const output of beat.outputs) pending.push({ message: output, taken: beat.taken, used: false });
  const again = trySend(machine, beat.state, pending, message, false);
  if (again.ok) return { ...again, pending, heartbeat: true };
  pending.length = length;
  return null;
}

function heartbeatOnCopy(
  machine: CompiledMachine,
  state: NodeState,
  pending: Pending[],
  message: Message,
): Attempt | null {
  const beat = stepWith(machine, state, clonePending(pending), { type: 'HeartbeatTimeout' });
  if (!beat.ok) return null;
  const again = trySend(machine, beat.state, beat.pending, message, false);
  if (!again.ok) return null;
  pending.length = 0;
  pending.push(...again.pending);
  return { ...again, pending, heartbeat: true };
}

function clonePending(pending: readonly Pending[]): Pending[] {
  return pending.map((p) => ({ ...p }));
}

/**
 * The pending list as it is now, to be restored if a bridge is tried: the entries (shared;
 * only their `used` changes later) and their `used` flags. A snapshot is taken at every
 * event after a possible hole and a bridge is tried only on a divergence, so copying the
 * entries' objects here (clonePending) was 6% of a profiled eliben check for nothing.
 */
interface PendingAt {
  readonly entries: readonly Pending[];
  readonly used: Uint8Array;
}

function pendingAt(pending: readonly Pending[]): PendingAt {
  const used = new Uint8Array(pending.length);
  for (let i = 0; i < pending.length; i++) used[i] = pending[i].used ? 1 : 0;
  return { entries: pending.slice(), used };
}

function restorePending({ entries, used }: PendingAt): Pending[] {
  return entries.map((p, i) => ({ message: p.message, taken: p.taken, used: used[i] === 1 }));
}

/** Drop used messages beyond the last 16 (kept to recognise retransmissions), then the oldest. */
function compact(pending: Pending[]): void {
  const kept = pending.filter((p, i) => !p.used || i >= pending.length - 16);
  const trimmed = kept.length > PENDING_CAP ? kept.slice(kept.length - PENDING_CAP) : kept;
  pending.length = 0;
  pending.push(...trimmed);
}

function sameTarget(a: Message, b: Message): boolean {
  return a.to === b.to || a.to === '?' || b.to === '?';
}

function findPending(pending: readonly Pending[], message: Message, used: boolean): number {
  for (let i = 0; i < pending.length; i++) {
    if (pending[i].used === used && sameMessage(pending[i].message, message)) return i;
  }
  return -1;
}

/** Field-by-field equality; an unknown recipient ('?') matches any. */
export function sameMessage(a: Message, b: Message): boolean {
  if (a.type !== b.type || a.from !== b.from || a.term !== b.term || !sameTarget(a, b)) return false;
  switch (a.type) {
    case 'RequestVoteRequest':
    case 'PreVoteRequest': {
      const o = b as typeof a;
      return a.lastLogIndex === o.lastLogIndex && a.lastLogTerm === o.lastLogTerm;
    }
    case 'RequestVoteResponse':
    case 'PreVoteResponse':
      return a.voteGranted === (b as typeof a).voteGranted;
    case 'AppendEntriesRequest': {
      const o = b as typeof a;
      return (
        a.prevLogIndex === o.prevLogIndex &&
        a.prevLogTerm === o.prevLogTerm &&
        a.leaderCommit === o.leaderCommit &&
        a.entries.length === o.entries.length &&
        a.entries.every((e, i) => e.term === o.entries[i].term && e.value === o.entries[i].value)
      );
    }
    case 'AppendEntriesResponse': {
      const o = b as typeof a;
      return a.success === o.success && a.matchIndex === o.matchIndex;
    }
  }
}

function compareState(state: NodeState, fields: StateFields, when: string): Attempt | null {
  const c = state.context;
  const mismatches: string[] = [];
  const expected: string[] = [];
  if (fields.currentTerm !== undefined && fields.currentTerm !== c.currentTerm) {
    mismatches.push(`currentTerm=${fields.currentTerm}`);
    expected.push(`currentTerm=${c.currentTerm}`);
  }
  if (fields.votedFor !== undefined && fields.votedFor !== c.votedFor) {
    mismatches.push(`votedFor=${fields.votedFor ?? 'null'}`);
    expected.push(
      `votedFor=${c.votedFor ?? 'null'}` +
        (c.votedFor !== null && (fields.currentTerm ?? c.currentTerm) === c.currentTerm
          ? ` — Figure 2 keeps votedFor for the whole term (it is reset only when currentTerm changes, §5.1); clearing it in term ${c.currentTerm} would let the node vote a second time in that term (§5.2)`
          : ''),
    );
  }
  if (fields.log !== undefined) {
    const same =
      fields.log.length === c.log.length &&
      fields.log.every((e, i) => e.term === c.log[i].term && e.value === c.log[i].value);
    if (!same) {
      mismatches.push(`log=${formatLog(fields.log)}`);
      expected.push(`log=${formatLog(c.log)}`);
    }
  }
  if (fields.commitIndex !== undefined && fields.commitIndex !== c.commitIndex) {
    mismatches.push(`commitIndex=${fields.commitIndex}`);
    expected.push(`commitIndex=${c.commitIndex}`);
  }
  if (mismatches.length === 0) return null;
  const termOnly =
    mismatches.length === 1 && fields.currentTerm !== undefined && fields.currentTerm !== c.currentTerm;
  return {
    ok: false,
    rule: termOnly ? 'term' : 'state',
    found: `${mismatches.join(', ')} ${when}`,
    expected: `${expected.join(', ')} (model ${state.role})`,
  };
}

// ------------------------------------------------------------------ partial logs

function resolveSender(event: TraceEvent, state: NodeState): TraceEvent {
  const message = event.message;
  if (event.event !== 'Receive' || !message || message.from !== '?') return event;
  const c = state.context;
  const from =
    c.cluster.find((id) => id !== c.id && !c.votesResponded.includes(id)) ??
    c.cluster.find((id) => id !== c.id);
  return { ...event, message: { ...message, from: from ?? '?' } as Message };
}

function mayBridge(replay: NodeReplay, event: TraceEvent, holes: HoleIndex): boolean {
  if (!replay.seen) return true;
  return holes.between(replay.lastTime, event.time) !== undefined;
}

function holeReason(replay: NodeReplay, event: TraceEvent, holes: HoleIndex): string {
  const hole = holes.between(replay.lastTime, event.time);
  return hole ? `lines may be missing ${hole.reason} (near line ${hole.line})` : 'lines may be missing';
}

/**
 * Breadth-first over unlogged environment inputs (at most 3) inserted where the log may
 * have lost lines, stepping the model, for the fewest that make every event replayed
 * since then allowed.
 */
function bridge(
  machine: CompiledMachine,
  snapshot: Snapshot,
  events: readonly TraceEvent[],
): { inputs: string[]; attempt: Attempt & { ok: true } } | null {
  interface Node {
    state: NodeState;
    pending: Pending[];
    inputs: string[];
  }
  const target = events[events.length - 1];
  let frontier: Node[] = [{ state: snapshot.state, pending: restorePending(snapshot.pending), inputs: [] }];
  for (let depth = 1; depth <= 3; depth++) {
    const next: Node[] = [];
    for (const node of frontier) {
      for (const input of bridgeInputs(node.state, events[0], target)) {
        const stepped = stepWith(machine, node.state, clonePending(node.pending), input);
        if (!stepped.ok) continue;
        const inputs = [...node.inputs, describeInput(input)];
        const attempt = replayAll(machine, stepped.state, clonePending(stepped.pending), events);
        if (attempt.ok) return { inputs, attempt };
        next.push({ state: stepped.state, pending: stepped.pending, inputs });
      }
    }
    frontier = next;
  }
  return null;
}

function replayAll(
  machine: CompiledMachine,
  state: NodeState,
  pending: Pending[],
  events: readonly TraceEvent[],
): Attempt {
  let attempt: Attempt = { ok: true, state, pending };
  for (const event of events) {
    if (!attempt.ok) return attempt;
    attempt = tryEvent(machine, attempt.state, attempt.pending, event);
  }
  return attempt;
}

function eventTerm(event: TraceEvent): number | undefined {
  return event.term ?? event.before?.currentTerm ?? event.message?.term ?? event.state?.currentTerm;
}

function bridgeInputs(state: NodeState, first: TraceEvent, last: TraceEvent): NodeInput[] {
  const c = state.context;
  if (state.role === 'crashed') return [{ type: 'Restart' }];
  const peers = c.cluster.filter((id) => id !== c.id);
  const inputs: NodeInput[] = [{ type: 'ElectionTimeout' }];
  const target = eventTerm(first) ?? eventTerm(last);
  if (target !== undefined) {
    for (const term of [target - 1, target]) {
      if (term > c.currentTerm) {
        inputs.push({
          type: 'Receive',
          message: { type: 'RequestVoteResponse', from: peers[0], to: c.id, term, voteGranted: false },
        });
      }
    }
  }
  for (const from of peers) {
    inputs.push({
      type: 'Receive',
      message: {
        type: 'RequestVoteRequest',
        from,
        to: c.id,
        term: Math.max(c.currentTerm, target ?? 0),
        lastLogIndex: c.log.length,
        lastLogTerm: c.log.length === 0 ? 0 : c.log[c.log.length - 1].term,
      },
    });
    if (state.role === 'candidate' && !c.votesResponded.includes(from)) {
      inputs.push({
        type: 'Receive',
        message: { type: 'RequestVoteResponse', from, to: c.id, term: c.currentTerm, voteGranted: true },
      });
    }
  }
  return inputs;
}

// ------------------------------------------------------------------ cross-node properties

/**
 * The terms a record was kept for, each with the row of its first record. A log's terms
 * mostly rise, so a term above the last is appended without a lookup and an older one is
 * found by binary search; a term that comes late and new (lines out of order) goes to a
 * map, so no order of the log makes this worse than a map. A map of every term with an
 * object per record had been 90% of the hclog check at 1M events (Map lookups and the
 * collector), and the check's cost per event had grown with the log.
 */
class FirstPerTerm {
  private readonly terms: number[] = [];
  private readonly rows: number[] = [];
  private readonly late = new Map<number, number>();

  /** The row first recorded for `term`; if none, `row` is recorded for it and -1 returned. */
  firstOr(term: number, row: number): number {
    const { terms } = this;
    const n = terms.length;
    if (n === 0 || term > terms[n - 1]) {
      terms.push(term);
      this.rows.push(row);
      return -1;
    }
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (terms[mid] < term) lo = mid + 1;
      else hi = mid;
    }
    if (terms[lo] === term) return this.rows[lo];
    const first = this.late.get(term);
    if (first !== undefined) return first;
    this.late.set(term, row);
    return -1;
  }
}

class CrossNode {
  readonly violations: Violation[] = [];
  /** The first leader of each term (rows of leaderNode/leaderLine). */
  private readonly leaders = new FirstPerTerm();
  private readonly leaderNode: NodeId[] = [];
  private readonly leaderLine: number[] = [];
  /** voter → the first vote of each term (rows of the vote columns). */
  private readonly votes = new Map<NodeId, FirstPerTerm>();
  private readonly voteCandidate: NodeId[] = [];
  private readonly voteLine: number[] = [];
  private readonly voteHow: string[] = [];

  observe(event: TraceEvent): void {
    // A candidate votes for itself (Figure 2 Candidates); a pre-candidate's vote is no vote (thesis §9.6).
    if (event.event === 'BecomeCandidate' && event.term !== undefined) {
      this.vote(event.node, event.node, event.term, event.line, 'its own candidacy');
      return;
    }
    if (event.event === 'BecomeLeader' && event.term !== undefined) {
      this.leader(event.node, event.term, event.line);
      return;
    }
    const m = event.message;
    if (m?.type !== 'RequestVoteResponse' || !m.voteGranted) return;
    if (event.event === 'Send') this.vote(m.from, m.to, m.term, event.line, 'vote granted');
    else if (event.event === 'Receive') this.vote(m.from, event.node, m.term, event.line, 'vote received');
  }

  private leader(node: NodeId, term: number, line: number): void {
    const first = this.leaders.firstOr(term, this.leaderNode.length);
    if (first < 0) {
      this.leaderNode.push(node);
      this.leaderLine.push(line);
      return;
    }
    const [firstNode, firstLine] = [this.leaderNode[first], this.leaderLine[first]];
    if (firstNode === node) return;
    this.violations.push({
      rule: 'election-safety',
      term,
      lines: [firstLine, line],
      description: `two leaders in term ${term}: ${firstNode} (line ${firstLine}) and ${node} (line ${line})`,
    });
  }

  private vote(voter: NodeId, candidate: NodeId, term: number, line: number, how: string): void {
    if (voter === '?' || candidate === '?') return;
    let byTerm = this.votes.get(voter);
    if (byTerm === undefined) {
      byTerm = new FirstPerTerm();
      this.votes.set(voter, byTerm);
    }
    const first = byTerm.firstOr(term, this.voteCandidate.length);
    if (first < 0) {
      this.voteCandidate.push(candidate);
      this.voteLine.push(line);
      this.voteHow.push(how);
    } else if (this.voteCandidate[first] !== candidate) {
      this.twoVotes(voter, term, first, candidate, line, how);
    }
  }

  private twoVotes(
    voter: NodeId,
    term: number,
    first: number,
    candidate: NodeId,
    line: number,
    how: string,
  ): void {
    const whom = (c: NodeId) => (c === voter ? 'itself' : c);
    const [firstCandidate, firstLine] = [this.voteCandidate[first], this.voteLine[first]];
    this.violations.push({
      rule: 'single-vote',
      term,
      lines: [firstLine, line],
      description:
        `${voter} voted twice in term ${term}: for ${whom(firstCandidate)} (line ${firstLine}, ${this.voteHow[first]}) ` +
        `and for ${whom(candidate)} (line ${line}, ${how})`,
    });
  }
}

// ------------------------------------------------------------------ descriptions

export function describeMessage(m: Message): string {
  switch (m.type) {
    case 'RequestVoteRequest':
    case 'PreVoteRequest':
      return `${m.type} ${m.from}→${m.to} term ${m.term} last=${m.lastLogIndex}@${m.lastLogTerm}`;
    case 'RequestVoteResponse':
    case 'PreVoteResponse':
      return `${m.type} ${m.from}→${m.to} term ${m.term} voteGranted=${m.voteGranted}`;
    case 'AppendEntriesRequest':
      return `${m.type} ${m.from}→${m.to} term ${m.term} prev=${m.prevLogIndex}@${m.prevLogTerm} entries=${m.entries.length} commit=${m.leaderCommit}`;
    case 'AppendEntriesResponse':
      return `${m.type} ${m.from}→${m.to} term ${m.term} success=${m.success} match=${m.matchIndex}`;
  }
}

export function describeEvent(event: TraceEvent): string {
  if (event.message) return `${event.event} ${describeMessage(event.message)}`;
  return event.term === undefined ? event.event : `${event.event} in term ${event.term}`;
}

function describeInput(input: NodeInput): string {
  return input.type === 'Receive' ? `Receive ${describeMessage(input.message)}` : input.type;
}

interface Taken {
  readonly event: string;
  readonly guard: string | null;
  readonly actions: readonly string[];
  readonly target: Role | null;
}

export function describeTaken(taken: readonly Taken[]): string {
  return taken
    .map((t) => {
      const guard = t.guard ? ` [${t.guard}${citesOf(t.guard)}]` : '';
      return `${t.event}${guard} / ${t.actions.join(', ')}${t.target ? ` → ${t.target}` : ''}`;
    })
    .join('; ');
}

function formatLog(log: readonly { term: number; value: string }[]): string {
  if (log.length <= 6) return `[${log.map((e) => `${e.value}@${e.term}`).join(' ')}]`;
  const tail = log.slice(-3).map((e) => `${e.value}@${e.term}`);
  return `[${log.length} entries: … ${tail.join(' ')}]`;
}

export function describeState(state: NodeState): string {
  const c = state.context;
  return `${state.role}, term ${c.currentTerm}, votedFor ${c.votedFor ?? 'null'}, log ${formatLog(c.log)}, commitIndex ${c.commitIndex}${
    state.role === 'candidate' || state.role === 'preCandidate'
      ? `, votes granted [${c.votesGranted.join(', ')}]`
      : ''
  }`;
}

/** The paper references of a guard, from its doc comment in models/node (the rule registry). */
function citesOf(guard: string): string {
  const cites = ruleRegistry().get(guard)?.cites ?? [];
  return cites.length > 0 ? ` — ${cites.join(', ')}` : '';
}
