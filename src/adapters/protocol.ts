import { z } from 'zod';
import type { Message } from '../../models/types.ts';
import type { NodeStatus } from './types.ts';

/**
 * The shapes of `conformance/PROTOCOL.md`, as zod schemas: the stdio adapter checks every
 * reply against them (implementation output is untrusted data), and `serve-reference`
 * checks every request. A failed check names the field, what was expected and what arrived.
 */

const nodeId = z.string().min(1);
const count = z.number().int().min(0);
const term = count;
const entry = z.object({ term, value: z.string() });

const envelope = { from: nodeId, to: nodeId, term };

export const messageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('RequestVoteRequest'), ...envelope, lastLogIndex: count, lastLogTerm: term }),
  z.object({ type: z.literal('RequestVoteResponse'), ...envelope, voteGranted: z.boolean() }),
  z.object({ type: z.literal('PreVoteRequest'), ...envelope, lastLogIndex: count, lastLogTerm: term }),
  z.object({ type: z.literal('PreVoteResponse'), ...envelope, voteGranted: z.boolean() }),
  z.object({
    type: z.literal('AppendEntriesRequest'),
    ...envelope,
    prevLogIndex: count,
    prevLogTerm: term,
    entries: z.array(entry),
    leaderCommit: count,
  }),
  z.object({
    type: z.literal('AppendEntriesResponse'),
    ...envelope,
    success: z.boolean(),
    matchIndex: count,
    /** The backoff switch's hint (the follower's last index), on a rejection; optional. */
    rejectHint: count.optional(),
    /**
     * The appendMatchFrom=request switch: the range of the request a success answers. The kit
     * fills it (the adapter need not send it) and hands it back to the leader on deliver.
     */
    inReplyTo: z.object({ prevLogIndex: count, entries: count }).optional(),
  }),
]);

export const nodeStatusSchema = z.object({
  id: nodeId,
  role: z.enum(['follower', 'preCandidate', 'candidate', 'leader', 'crashed']),
  currentTerm: term,
  votedFor: nodeId.nullable(),
  log: z.array(entry),
  commitIndex: count,
});

/**
 * Capabilities are booleans; model switches (models/features.ts) may be strings. Names are
 * checked by the suite. `checkQuorum` is both: `true` says the implementation turns CheckQuorum
 * on when `create` asks for it; `"always"` says it always runs with it, so the model judges
 * every scenario with the switch on.
 */
const features = z
  .object({
    preVote: z.boolean().optional(),
    checkQuorum: z.union([z.boolean(), z.literal('always')]).optional(),
    ticks: z.boolean().optional(),
    restartWithPersistence: z.boolean().optional(),
    leaderNoOp: z.boolean().optional(),
  })
  .catchall(z.union([z.boolean(), z.string()]));

export const replySchemas = {
  init: z.object({
    protocol: z.number().int(),
    implementation: z.string().optional(),
    features: features.optional(),
    tolerances: z.array(z.string()).optional(),
    /** false: send one request at a time (PROTOCOL.md §1); absent or true: pipelining is fine. */
    pipelining: z.boolean().optional(),
  }),
  create: z.object({
    electionTimeoutTicks: z.object({ min: count, max: count }).optional(),
    heartbeatTicks: count.optional(),
    states: z.array(nodeStatusSchema),
  }),
  step: z.object({ state: nodeStatusSchema, messages: z.array(messageSchema) }),
  state: z.object({ state: nodeStatusSchema }),
  drain: z.object({ messages: z.array(messageSchema) }),
  inspect: z.object({ states: z.array(nodeStatusSchema), messages: z.array(messageSchema) }),
  shutdown: z.object({}),
} as const;

export const errorReplySchema = z.object({ code: z.number().int(), text: z.string().optional() });

// ------------------------------------------------------------------------ requests (server side)

const persistent = z.object({ currentTerm: term, votedFor: nodeId.nullable(), log: z.array(entry) });

export const requestSchema = z.discriminatedUnion('type', [
  z.object({
    id: z.number(),
    type: z.literal('init'),
    protocol: z.number().int(),
    kit: z.string().optional(),
  }),
  z.object({
    id: z.number(),
    type: z.literal('create'),
    nodes: z.array(nodeId).min(1),
    features: z.object({
      preVote: z.boolean(),
      checkQuorum: z.boolean(),
      leaderNoOp: z.boolean().optional(),
    }),
    initial: z.record(z.string(), persistent).default({}),
    timing: z
      .object({
        electionTicks: z.number().int().min(1),
        heartbeatTicks: z.number().int().min(1),
        randomized: z.boolean(),
      })
      .default({ electionTicks: 10, heartbeatTicks: 1, randomized: false }),
    seed: z.number().int().default(1),
  }),
  z.object({ id: z.number(), type: z.literal('deliver'), message: messageSchema }),
  z.object({
    id: z.number(),
    type: z.literal('timeout'),
    node: nodeId,
    timer: z.enum(['election', 'heartbeat']),
  }),
  z.object({ id: z.number(), type: z.literal('tick'), node: nodeId, ticks: z.number().int().min(0) }),
  z.object({ id: z.number(), type: z.literal('propose'), node: nodeId, value: z.string() }),
  z.object({ id: z.number(), type: z.literal('crash'), node: nodeId }),
  z.object({ id: z.number(), type: z.literal('restart'), node: nodeId }),
  z.object({ id: z.number(), type: z.literal('state'), node: nodeId }),
  z.object({ id: z.number(), type: z.literal('drain'), node: nodeId }),
  z.object({ id: z.number(), type: z.literal('inspect') }),
  z.object({ id: z.number(), type: z.literal('shutdown') }),
]);

export type ProtocolRequest = z.infer<typeof requestSchema>;

/** One line: which field, what was expected, what was found. */
export function describeIssues(error: z.ZodError, value: unknown): string {
  const issue = error.issues[0];
  const path = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
  let found: unknown = value;
  for (const key of issue.path) {
    found =
      found !== null && typeof found === 'object' ? (found as Record<PropertyKey, unknown>)[key] : undefined;
  }
  const shown = found === undefined ? 'nothing' : truncate(JSON.stringify(found), 80);
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  return `field ${path}: ${issue.message}; found ${shown}${more}`;
}

/** Shorten text for a one-line message. Also takes what JSON.stringify returns for a missing
 * field (undefined), which a reply without `in_reply_to` used to turn into a TypeError. */
export function truncate(text: string | undefined, max: number): string {
  if (text === undefined) return 'nothing';
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

export type { Message, NodeStatus };
