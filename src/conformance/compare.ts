import type {
  AppendEntriesRequest,
  CompiledMachine,
  LogEntry,
  Message,
  NodeState,
} from '../../models/index.ts';
import { messageKey, step, termAt } from '../../models/index.ts';
import type { NodeStatus } from '../adapters/types.ts';
import type { NodeObservation } from '../scenario/index.ts';

/**
 * The acceptor's comparisons: is what the implementation did allowed by the model from
 * the model's state? States must be equal; messages are compared as a multiset with the
 * named tolerances below, documented in docs/conformance.md. Each tolerance is data, so
 * a report can say which ones were used.
 */

export interface Tolerance {
  readonly name: string;
  readonly description: string;
  /**
   * Declared by the adapter (`init_ok.tolerances`), never on by default: an allowed variation
   * of one implementation that a conforming Figure 2 implementation must not show (the
   * reference's mutants stay killed). Its acceptance lives in `variations.ts`.
   */
  readonly optIn?: true;
  /** The discrepancy class of docs/implementations.md it was made for. */
  readonly madeFor?: string;
}

export const TOLERANCES = {
  messageOrder: {
    name: 'message-order',
    description: 'the messages of one step may be sent in any order (compared as a multiset)',
  },
  failedAppendMatchIndex: {
    name: 'failed-append-match-index',
    description:
      'matchIndex of a failed AppendEntriesResponse is not compared (implementations send a rejection hint there)',
  },
  appendBatching: {
    name: 'append-batching',
    description: 'an AppendEntriesRequest may carry a non-empty prefix of the entries from nextIndex on',
  },
  heartbeatContent: {
    name: 'heartbeat-content',
    description:
      "an AppendEntriesRequest sent on a heartbeat may carry no entries and a lower leaderCommit, as long as prevLogIndex/prevLogTerm name an entry of the leader's log",
  },
  firstHeartbeatDeferred: {
    name: 'first-heartbeat-deferred',
    description: 'a new leader may send its first AppendEntries later than the step that elected it',
  },
  staleVoteRequestDropped: {
    name: 'stale-vote-request-dropped',
    description:
      'a RequestVote from an older term may be dropped instead of rejected: the stale candidate times out again and catches up (not a PreVote: docs/bugs.md #10; not an AppendEntries: the stale leader must learn it is deposed, docs/bugs.md #5)',
  },
  leaderSendsEarly: {
    name: 'leader-sends-early',
    description:
      'a leader may send, in any step, an AppendEntriesRequest it would send on a heartbeat from its state after the step',
  },
  // ---------------------------------------------------------------- opt-in (declared by the adapter)
  staleAppendDroppedWithoutPreVote: {
    name: 'stale-append-dropped-without-prevote',
    description:
      'with neither PreVote nor CheckQuorum, an AppendEntries from an older term may be dropped instead of rejected: the deposed leader learns the new term from the new leader (its AppendEntries and, in elections, RequestVotes)',
    optIn: true,
    madeFor: 'E4',
  },
  staleAppendReplyUnrejected: {
    name: 'stale-append-reply-unrejected',
    description:
      'with PreVote or CheckQuorum, the reply to an AppendEntries from an older term may say success=true with matchIndex 0: it carries the newer term, on which the receiver steps down before reading success',
    optIn: true,
    madeFor: 'E8',
  },
} as const satisfies Record<string, Tolerance>;

/** Tolerances an adapter may declare in `init_ok.tolerances` (PROTOCOL.md §3). */
export const OPT_IN_TOLERANCES: readonly ToleranceName[] = Object.values(TOLERANCES)
  .filter((t: Tolerance) => t.optIn === true)
  .map((t) => t.name);

export type ToleranceName = (typeof TOLERANCES)[keyof typeof TOLERANCES]['name'];

// ------------------------------------------------------------------ states

export const STATE_FIELDS = ['role', 'currentTerm', 'votedFor', 'log', 'commitIndex'] as const;
export type StateField = (typeof STATE_FIELDS)[number];

export interface FieldDifference {
  readonly field: StateField;
  readonly expected: string;
  readonly actual: string;
}

export function formatEntries(log: readonly LogEntry[]): string {
  return `[${log.map((e) => `${e.term}:${e.value}`).join(',')}]`;
}

function fieldText(field: StateField, value: unknown): string {
  if (field === 'log') return formatEntries(value as LogEntry[]);
  return value === null ? 'none' : String(value);
}

export function compareState(expected: NodeObservation, actual: NodeStatus): FieldDifference[] {
  const out: FieldDifference[] = [];
  for (const field of STATE_FIELDS) {
    const e = expected[field];
    const a = actual[field];
    const same =
      field === 'log'
        ? sameLog(e as readonly LogEntry[], a as readonly LogEntry[])
        : (e ?? null) === (a ?? null);
    if (!same) out.push({ field, expected: fieldText(field, e), actual: fieldText(field, a) });
  }
  return out;
}

function sameLog(a: readonly LogEntry[], b: readonly LogEntry[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].term !== b[i].term || a[i].value !== b[i].value) return false;
  return true;
}

// ------------------------------------------------------------------ messages

export interface MessageContext {
  /** The model node before and after the step (for heartbeat-based tolerances). */
  readonly after: NodeState;
  /** The step was a heartbeat (HeartbeatTimeout, or a tick that fired one). */
  readonly heartbeat: boolean;
  /** The model's node became leader in this step. */
  readonly electedNow: boolean;
  /** The model rejected a RequestVote from an older term (Figure 2 receiver rule 1). */
  readonly staleVoteRequest?: boolean;
  /** The run's own machine: what the leader would send is asked of it, never of the default model. */
  readonly machine: CompiledMachine;
}

export interface MessageComparison {
  readonly ok: boolean;
  /** Model messages the implementation did not send. */
  readonly missing: readonly Message[];
  /** Implementation messages the model does not allow. */
  readonly unexpected: readonly Message[];
  readonly used: readonly ToleranceName[];
}

function isAppend(m: Message): m is AppendEntriesRequest {
  return m.type === 'AppendEntriesRequest';
}

/** Key of a message under the tolerances that do not need context. */
function looseKey(m: Message): string {
  if (m.type === 'AppendEntriesResponse' && !m.success) return `${messageKey({ ...m, matchIndex: 0 })}`;
  return messageKey(m);
}

/** `actual` is `expected` with fewer entries (append-batching) or a heartbeat form of it. */
function appendAllowed(
  expected: AppendEntriesRequest,
  actual: AppendEntriesRequest,
  heartbeat: boolean,
  leaderLog: readonly LogEntry[],
): ToleranceName | null {
  if (expected.from !== actual.from || expected.to !== actual.to || expected.term !== actual.term)
    return null;
  if (
    actual.prevLogIndex === expected.prevLogIndex &&
    actual.prevLogTerm === expected.prevLogTerm &&
    actual.leaderCommit === expected.leaderCommit &&
    actual.entries.length > 0 &&
    actual.entries.length < expected.entries.length &&
    sameLog(actual.entries, expected.entries.slice(0, actual.entries.length))
  ) {
    return 'append-batching';
  }
  if (
    heartbeat &&
    actual.entries.length === 0 &&
    actual.leaderCommit <= expected.leaderCommit &&
    termAt(leaderLog, actual.prevLogIndex) === actual.prevLogTerm
  ) {
    return 'heartbeat-content';
  }
  return null;
}

/** What is left of a comparison while the tolerances are tried on it, and the tolerances used. */
interface Leftover {
  missing: Message[];
  unexpected: Message[];
  readonly used: Set<ToleranceName>;
}

/**
 * Compare the implementation's messages with the model's, as a multiset, then try the
 * tolerances on what is left over on each side.
 */
export function compareMessages(
  expected: readonly Message[],
  actual: readonly Message[],
  context: MessageContext,
): MessageComparison {
  const left = matchExactly(expected, actual);
  const leaderLog = context.after.context.log;
  pairAppends(left, context.heartbeat, leaderLog);
  // stale-vote-request-dropped: no answer at all to a RequestVote from an older term.
  if (context.staleVoteRequest && actual.length === 0 && left.missing.length === 1 && expected.length === 1) {
    left.used.add('stale-vote-request-dropped');
    left.missing = [];
  }
  // first-heartbeat-deferred: a new leader's AppendEntries may come later.
  if (context.electedNow && left.missing.length > 0 && left.missing.every(isAppend)) {
    left.used.add('first-heartbeat-deferred');
    left.missing = [];
  }
  allowEarlyHeartbeat(left, context, leaderLog);
  const { missing, unexpected, used } = left;
  const ok = missing.length === 0 && unexpected.length === 0;
  const exact = used.size === 0 || (used.size === 1 && used.has('failed-append-match-index'));
  if (ok && exact && actual.length > 1 && actual.map(looseKey).join('|') !== expected.map(looseKey).join('|'))
    used.add('message-order');
  return { ok, missing, unexpected, used: [...used] };
}

/** The multiset match (looseKey): what each side has that the other has not. */
function matchExactly(expected: readonly Message[], actual: readonly Message[]): Leftover {
  const used = new Set<ToleranceName>();
  const pool = new Map<string, Message[]>();
  for (const m of expected) {
    const k = looseKey(m);
    const list = pool.get(k);
    if (list) list.push(m);
    else pool.set(k, [m]);
  }
  const unexpected: Message[] = [];
  for (const m of actual) {
    const list = pool.get(looseKey(m));
    if (!list || list.length === 0) {
      unexpected.push(m);
      continue;
    }
    list.pop();
    if (m.type === 'AppendEntriesResponse' && !m.success && m.matchIndex !== 0)
      used.add('failed-append-match-index');
  }
  return { missing: [...pool.values()].flat(), unexpected, used };
}

/** append-batching / heartbeat-content: pair a left-over actual AE with a missing model AE. */
function pairAppends(
  left: Leftover,
  heartbeat: boolean,
  leaderLog: MessageContext['after']['context']['log'],
): void {
  if (!left.unexpected.some(isAppend) || !left.missing.some(isAppend)) return;
  const stillUnexpected: Message[] = [];
  for (const m of left.unexpected) {
    const at = isAppend(m)
      ? left.missing.findIndex((e) => isAppend(e) && appendAllowed(e, m, heartbeat, leaderLog) !== null)
      : -1;
    if (at < 0) {
      stillUnexpected.push(m);
      continue;
    }
    left.used.add(
      appendAllowed(
        left.missing[at] as AppendEntriesRequest,
        m as AppendEntriesRequest,
        heartbeat,
        leaderLog,
      )!,
    );
    left.missing = [...left.missing.slice(0, at), ...left.missing.slice(at + 1)];
  }
  left.unexpected = stillUnexpected;
}

/** leader-sends-early: what it would send on a heartbeat from its state after the step. */
function allowEarlyHeartbeat(
  left: Leftover,
  context: MessageContext,
  leaderLog: MessageContext['after']['context']['log'],
): void {
  if (left.unexpected.length === 0 || context.after.role !== 'leader' || !left.unexpected.every(isAppend))
    return;
  const wouldSend = step(context.after, { type: 'HeartbeatTimeout' }, context.machine).outputs;
  const allowed = left.unexpected.every((m) =>
    wouldSend.some(
      (h) =>
        isAppend(h) &&
        (messageKey(h) === messageKey(m) ||
          appendAllowed(h, m as AppendEntriesRequest, true, leaderLog) !== null),
    ),
  );
  if (!allowed) return;
  left.used.add('leader-sends-early');
  left.unexpected = [];
}
