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
  RequestVoteRequest: 'RVq',
  RequestVoteResponse: 'RVp',
  PreVoteRequest: 'PVq',
  PreVoteResponse: 'PVp',
  AppendEntriesRequest: 'AEq',
  AppendEntriesResponse: 'AEp',
};

/**
 * A message's canonical text: equal messages give equal keys, and the keys order the
 * network bag. Example: `RVq n1>n2 t1 li0 lt0`.
 */
export function messageKey(m: Message): string {
  const head = `${TYPE_CODE[m.type]} ${m.from}>${m.to} t${m.term}`;
  switch (m.type) {
    case 'RequestVoteRequest':
    case 'PreVoteRequest':
      return `${head} li${m.lastLogIndex} lt${m.lastLogTerm}`;
    case 'RequestVoteResponse':
    case 'PreVoteResponse':
      return `${head} ${m.voteGranted ? 'granted' : 'denied'}`;
    case 'AppendEntriesRequest':
      return `${head} pi${m.prevLogIndex} pt${m.prevLogTerm} [${m.entries.map((e) => `${e.term}:${e.value}`).join(',')}] c${m.leaderCommit}`;
    case 'AppendEntriesResponse':
      return `${head} ${m.success ? 'ok' : 'fail'} mi${m.matchIndex}`;
  }
}

/** Add copies of messages to the bag, keeping it sorted by key. */
export function addMessages(network: readonly InFlight[], messages: readonly Message[]): readonly InFlight[] {
  if (messages.length === 0) return network;
  const bag = [...network];
  for (const message of messages) {
    const key = messageKey(message);
    const at = lowerBound(bag, key);
    if (at < bag.length && bag[at].key === key) bag[at] = { ...bag[at], count: bag[at].count + 1 };
    else bag.splice(at, 0, { key, message, count: 1 });
  }
  return bag;
}

/** Remove one copy of the message with this key. */
export function removeMessage(network: readonly InFlight[], key: string): readonly InFlight[] {
  const at = indexOfKey(network, key);
  const bag = [...network];
  if (bag[at].count === 1) bag.splice(at, 1);
  else bag[at] = { ...bag[at], count: bag[at].count - 1 };
  return bag;
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
