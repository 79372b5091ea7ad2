import type { NodeState } from '../node/compiled.ts';
import { initialNodeState } from '../node/step.ts';
import type { LogIndex, Message, NodeId, Term } from '../types.ts';
import type { ClusterConfig } from './config.ts';

/**
 * The cluster model's state, grouped as raft.tla groups its variables: the servers, the
 * network, and history variables. History variables are marked as such: no server reads
 * them; they exist so that properties about the past (Election Safety, State Machine
 * Safety) can be stated over single states, and they are part of the state's identity.
 */
export interface ClusterState {
  /** Server i is `nodes[i]`, in `config.nodes` order. */
  readonly nodes: readonly NodeState[];
  /** The network: a bag (multiset) of messages in flight, sorted by `key`. */
  readonly network: readonly InFlight[];
  readonly history: ClusterHistory;
}

/** One distinct message in flight and how many copies of it. */
export interface InFlight {
  readonly key: string;
  readonly message: Message;
  readonly count: number;
}

/** A server won an election: raft.tla's `elections` history, reduced to (term, leader). */
export interface Election {
  readonly term: Term;
  readonly leader: NodeId;
}

/**
 * An entry some server has known to be committed (it lay at or below that server's
 * commitIndex), and the lowest currentTerm of a server that knew it. The entry was
 * committed by a leader of that term or an earlier one.
 */
export interface CommittedEntry {
  readonly index: LogIndex;
  readonly term: Term;
  readonly value: string;
  readonly knownInTerm: Term;
}

/** History variables (ghost state): written by the cluster model, read only by properties. */
export interface ClusterHistory {
  /** Every election won so far, sorted by term, then leader. */
  readonly elections: readonly Election[];
  /** Every entry known committed so far, sorted by index, term, value. */
  readonly committed: readonly CommittedEntry[];
  /** How many crashes have happened (bounded by `maxCrashes`). */
  readonly crashes: number;
}

export const EMPTY_HISTORY: ClusterHistory = { elections: [], committed: [], crashes: 0 };

export function initialClusterState(config: ClusterConfig): ClusterState {
  return {
    nodes: config.nodes.map((id) =>
      initialNodeState({ id, cluster: config.nodes, features: config.features }),
    ),
    network: [],
    history: EMPTY_HISTORY,
  };
}

const TYPE_CODE: Record<Message['type'], string> = {
  RequestVoteRequest: 'a',
  RequestVoteResponse: 'b',
  PreVoteRequest: 'c',
  PreVoteResponse: 'd',
  AppendEntriesRequest: 'e',
  AppendEntriesResponse: 'f',
};

/** One character for a small non-negative integer (code 48 + n); a bracketed decimal otherwise. */
export function smallNumberCode(n: number): string {
  return n >= 0 && n < 200 && Number.isInteger(n) ? String.fromCharCode(48 + n) : `{${n}}`;
}

/** One character for a server id `nK` (code 47 + K, so `n1` is `0`); the braced id otherwise. */
export function nodeIdCode(id: NodeId): string {
  let code = idCodes.get(id);
  if (code === undefined) {
    const k = id.length > 1 && id[0] === 'n' ? Number(id.slice(1)) : Number.NaN;
    code = Number.isInteger(k) && k >= 1 && k <= 99 ? String.fromCharCode(47 + k) : `{${id}}`;
    if (idCodes.size < 1024) idCodes.set(id, code);
  }
  return code;
}

/** nodeIdCode's answers: every message key asks twice, and a cluster has a handful of ids. */
const idCodes = new Map<NodeId, string>();

/** Value text inside a key: values are short client strings; `'` and `,` are escaped. */
function valueCode(value: string): string {
  return /^[A-Za-z0-9_.-]*$/.test(value) ? value : JSON.stringify(value).replace(/'/g, '\\u0027');
}

const n = smallNumberCode;

/**
 * A message's canonical key: compact (one character per id and small number) and
 * stable. Equal messages give equal keys, and the keys order the network bag. The first
 * two characters are the sender and the addressee (`nodeIdCode`), so a renaming of the
 * servers only rewrites those. Not for display: see `describeAction`.
 */
export function messageKey(m: Message): string {
  const head = nodeIdCode(m.from) + nodeIdCode(m.to) + TYPE_CODE[m.type] + n(m.term);
  switch (m.type) {
    case 'RequestVoteRequest':
    case 'PreVoteRequest':
      return head + n(m.lastLogIndex) + n(m.lastLogTerm);
    case 'RequestVoteResponse':
    case 'PreVoteResponse':
      return head + (m.voteGranted ? '1' : '0');
    case 'AppendEntriesRequest': {
      let key = head + n(m.prevLogIndex) + n(m.prevLogTerm) + n(m.leaderCommit);
      for (const e of m.entries) key += `${n(e.term)}${valueCode(e.value)}'`;
      return key;
    }
    case 'AppendEntriesResponse':
      return (
        head +
        (m.success ? '1' : '0') +
        n(m.matchIndex) +
        (m.rejectHint === undefined ? '' : `h${n(m.rejectHint)}`) +
        (m.inReplyTo === undefined ? '' : `r${n(m.inReplyTo.prevLogIndex)}${n(m.inReplyTo.entries)}`)
      );
  }
}

/** Add copies of messages to the bag, keeping it sorted by key. */
export function addMessages(network: readonly InFlight[], messages: readonly Message[]): readonly InFlight[] {
  if (messages.length === 0) return network;
  if (messages.length === 1) return addMessage(network, messages[0]);
  const bag = network.slice();
  for (const message of messages) {
    const key = messageKey(message);
    const at = lowerBound(bag, key);
    if (at < bag.length && bag[at].key === key) bag[at] = { ...bag[at], count: bag[at].count + 1 };
    else bag.splice(at, 0, { key, message, count: 1 });
  }
  return bag;
}

/** addMessages for one message: one copy of the bag with the message in place (no splice). */
function addMessage(network: readonly InFlight[], message: Message): readonly InFlight[] {
  const key = messageKey(message);
  const at = lowerBound(network, key);
  if (at < network.length && network[at].key === key) {
    const bag = network.slice();
    bag[at] = { key, message: bag[at].message, count: bag[at].count + 1 };
    return bag;
  }
  const bag = new Array<InFlight>(network.length + 1);
  for (let k = 0; k < at; k++) bag[k] = network[k];
  bag[at] = { key, message, count: 1 };
  for (let k = at; k < network.length; k++) bag[k + 1] = network[k];
  return bag;
}

/** Remove one copy of the message with this key. */
export function removeMessage(network: readonly InFlight[], key: string): readonly InFlight[] {
  return removeAt(network, indexOfKey(network, key));
}

/** Remove one copy of the message at position `at` of the bag. */
export function removeAt(network: readonly InFlight[], at: number): readonly InFlight[] {
  const inFlight = network[at];
  if (inFlight.count > 1) {
    const bag = network.slice();
    bag[at] = { key: inFlight.key, message: inFlight.message, count: inFlight.count - 1 };
    return bag;
  }
  const bag = new Array<InFlight>(network.length - 1);
  for (let k = 0; k < at; k++) bag[k] = network[k];
  for (let k = at + 1; k < network.length; k++) bag[k - 1] = network[k];
  return bag;
}

/**
 * Where `message` is in the bag: by identity first (the explorer's actions carry the very
 * message objects of the bag, and this spares building its key), by key otherwise.
 */
export function positionOf(network: readonly InFlight[], message: Message): number {
  for (let k = 0; k < network.length; k++) if (network[k].message === message) return k;
  return indexOfKey(network, messageKey(message));
}

/** Add one copy of a message already in flight. */
export function duplicateMessage(network: readonly InFlight[], key: string): readonly InFlight[] {
  const at = indexOfKey(network, key);
  const bag = [...network];
  bag[at] = { ...bag[at], count: bag[at].count + 1 };
  return bag;
}

function indexOfKey(network: readonly InFlight[], key: string): number {
  const at = lowerBound(network, key);
  if (at >= network.length || network[at].key !== key) {
    throw new Error(
      `no message ${key} is in flight (in flight: ${network.map((f) => f.key).join('; ') || 'none'})`,
    );
  }
  return at;
}

function lowerBound(network: readonly InFlight[], key: string): number {
  let lo = 0;
  let hi = network.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (network[mid].key < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function nodeIndex(config: ClusterConfig, id: NodeId): number {
  const i = config.nodes.indexOf(id);
  if (i < 0) throw new Error(`no node ${id} in the cluster [${config.nodes.join(', ')}]`);
  return i;
}
