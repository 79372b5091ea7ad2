import { expect } from 'vitest';
import {
  type Features,
  initialNodeState,
  type LogEntry,
  type Message,
  makeFeatures,
  type NodeContext,
  type NodeId,
  type NodeInput,
  type NodeState,
  type Role,
  step,
  stepSnapshot,
  type Term,
  toNodeState,
  toSnapshot,
} from '../../models/index.ts';

/**
 * Helpers for the Figure 2 tests: build a node in a given role with given fields, step it
 * through BOTH engines (the compiled `step` and XState's `transition()` via
 * `stepSnapshot`), check they agree, and return the result. Messages are written the
 * way the paper writes RPCs: `requestVote('n2', 2, 1, 1)` is RequestVote from n2 in term
 * 2 with lastLogIndex 1 and lastLogTerm 1.
 */

export const CLUSTER3: readonly NodeId[] = ['n1', 'n2', 'n3'];

export interface NodeOptions {
  readonly id?: NodeId;
  readonly cluster?: readonly NodeId[];
  readonly preVote?: boolean;
  readonly leaderNoOp?: boolean;
  /** Any other switches of models/features.ts. */
  readonly features?: Partial<Features>;
}

/** Node `n1` (by default) of a 3-node cluster, in `role`, with `fields` set on its context. */
export function node(role: Role, fields: Partial<NodeContext> = {}, options: NodeOptions = {}): NodeState {
  const base = initialNodeState({
    id: options.id ?? 'n1',
    cluster: options.cluster ?? CLUSTER3,
    features: makeFeatures({
      ...options.features,
      preVote: options.preVote ?? options.features?.preVote ?? false,
      leaderNoOp: options.leaderNoOp ?? options.features?.leaderNoOp ?? false,
    }),
  });
  return { role, context: { ...base.context, ...fields } };
}

/** A fresh follower in term 0 with an empty log. */
export function freshNode(options: NodeOptions = {}): NodeState {
  return node('follower', {}, options);
}

/** A log whose entry i has term `terms[i-1]` and value `v<i>`. */
export function logOf(...terms: Term[]): LogEntry[] {
  return terms.map((term, i) => ({ term, value: `v${i + 1}` }));
}

export interface Stepped {
  readonly state: NodeState;
  readonly outputs: readonly Message[];
}

/** One step through both engines; they must agree on the next state and on the outputs. */
export function stepBoth(state: NodeState, input: NodeInput): Stepped {
  const compiled = step(state, input);
  const viaXState = stepSnapshot(toSnapshot(state), input);
  expect(compiled.outputs).toEqual(viaXState.outputs);
  expect(compiled.state).toEqual(toNodeState(viaXState.state));
  return compiled;
}

/** Several steps; returns the final state and every output, in order. */
export function run(state: NodeState, inputs: readonly NodeInput[]): Stepped {
  const outputs: Message[] = [];
  for (const input of inputs) {
    const result = stepBoth(state, input);
    outputs.push(...result.outputs);
    state = result.state;
  }
  return { state, outputs };
}

// ------------------------------------------------------------------ inputs

export const electionTimeout: NodeInput = { type: 'ElectionTimeout' };
export const heartbeatTimeout: NodeInput = { type: 'HeartbeatTimeout' };
export const crash: NodeInput = { type: 'Crash' };
export const restart: NodeInput = { type: 'Restart' };
export const clientRequest = (value: string): NodeInput => ({ type: 'ClientRequest', value });

export const receive = (message: Message): NodeInput => ({ type: 'Receive', message });

export function requestVote(from: NodeId, term: Term, lastLogIndex: number, lastLogTerm: Term, to = 'n1') {
  return receive({ type: 'RequestVoteRequest', from, to, term, lastLogIndex, lastLogTerm });
}

export function voteResponse(from: NodeId, term: Term, voteGranted: boolean, to = 'n1') {
  return receive({ type: 'RequestVoteResponse', from, to, term, voteGranted });
}

export function preVote(from: NodeId, term: Term, lastLogIndex: number, lastLogTerm: Term, to = 'n1') {
  return receive({ type: 'PreVoteRequest', from, to, term, lastLogIndex, lastLogTerm });
}

export function preVoteResponse(from: NodeId, term: Term, voteGranted: boolean, to = 'n1') {
  return receive({ type: 'PreVoteResponse', from, to, term, voteGranted });
}

export interface AppendArgs {
  readonly term: Term;
  readonly prevLogIndex?: number;
  readonly prevLogTerm?: Term;
  readonly entries?: readonly LogEntry[];
  readonly leaderCommit?: number;
  readonly to?: NodeId;
}

export function appendEntries(from: NodeId, args: AppendArgs) {
  return receive({
    type: 'AppendEntriesRequest',
    from,
    to: args.to ?? 'n1',
    term: args.term,
    prevLogIndex: args.prevLogIndex ?? 0,
    prevLogTerm: args.prevLogTerm ?? 0,
    entries: args.entries ?? [],
    leaderCommit: args.leaderCommit ?? 0,
  });
}

export function appendResponse(from: NodeId, term: Term, success: boolean, matchIndex: number, to = 'n1') {
  return receive({ type: 'AppendEntriesResponse', from, to, term, success, matchIndex });
}

// ------------------------------------------------------------------ states reached by the rules

/**
 * n1 elected leader of `term` in a 3-node cluster by the rules themselves: it starts from
 * a follower in term - 1 with `log`, times out, and n2 grants its vote. The election's
 * outputs are dropped.
 */
export function electedLeader(term: Term, log: readonly LogEntry[] = []): NodeState {
  const follower = node('follower', { currentTerm: term - 1, log });
  const { state } = run(follower, [electionTimeout, voteResponse('n2', term, true)]);
  expect(state.role).toBe('leader');
  return state;
}
