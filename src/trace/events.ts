import { z } from 'zod';
import type { LogEntry, Message, NodeId } from '../../models/index.ts';

/**
 * The canonical trace format: one JSON object per line, in the model's vocabulary
 * (`models/types.ts`). This module is its single definition: the zod schema below
 * validates it, `docs/trace-format.schema.json` is generated from it (a test keeps the
 * two equal), and every log-format parser produces these events.
 */

/** State fields an event may report, as Figure 2 names them. All optional. */
export interface StateFields {
  readonly currentTerm?: number;
  readonly votedFor?: NodeId | null;
  readonly log?: readonly LogEntry[];
  readonly commitIndex?: number;
}

export const EVENT_KINDS = [
  'Cluster',
  'TimerStart',
  'ElectionTimeout',
  'HeartbeatTimeout',
  'BecomeFollower',
  'BecomePreCandidate',
  'BecomeCandidate',
  'BecomeLeader',
  'Send',
  'Receive',
  'ClientRequest',
  'Crash',
  'Restart',
  'State',
  'Partition',
  'Cut',
  'Heal',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** Network faults, written by the kit or a test harness, not by a node: their `node` is `KIT`. */
export const NETWORK_EVENTS = ['Partition', 'Cut', 'Heal'] as const;
export type NetworkEvent = (typeof NETWORK_EVENTS)[number];
export const KIT: NodeId = 'kit';

export function isNetworkEvent(event: TraceEvent): boolean {
  return event.node === KIT;
}

export const ROLE_EVENTS = {
  BecomeFollower: 'follower',
  BecomePreCandidate: 'preCandidate',
  BecomeCandidate: 'candidate',
  BecomeLeader: 'leader',
} as const;
export type RoleEvent = keyof typeof ROLE_EVENTS;

/**
 * One event of a trace, whatever format it came from. `line` is the 1-based line of the
 * source file it came from; `time` is in milliseconds (any epoch), or null when the
 * format has no clock. State fields on the event are the node's state *after* it;
 * `before` is the state the node reported just before handling it.
 */
export interface TraceEvent {
  readonly line: number;
  readonly time: number | null;
  readonly node: NodeId;
  readonly event: EventKind;
  /** BecomeX: the term the node is in after the change. TimerStart: the term the timer was started in. */
  readonly term?: number;
  /** TimerStart: the election timeout drawn, in milliseconds. */
  readonly timeoutMs?: number;
  /** Send and Receive. */
  readonly message?: Message;
  /** ClientRequest. */
  readonly value?: string;
  /** Cluster: every server; the first Cluster event fixes the membership. */
  readonly nodes?: readonly NodeId[];
  readonly preVote?: boolean;
  /** Partition: the groups that can talk among themselves (a node in no group is cut off from all). */
  readonly groups?: readonly (readonly NodeId[])[];
  /** Cut: messages from `from` to `to` are lost (one way). */
  readonly from?: NodeId;
  readonly to?: NodeId;
  readonly state?: StateFields;
  readonly before?: StateFields;
  /** Parser notes on fields it had to infer (e.g. the sender of an eliben reply). */
  readonly inferred?: readonly string[];
}

// ------------------------------------------------------------------ zod schema

const nodeId = z.string().min(1).describe('a server id, e.g. "n1"');
const term = z.number().int().min(0);
const index = z.number().int().min(0);
const logEntry = z.object({ term: z.number().int().min(1), value: z.string() }).strict();

const envelope = { from: nodeId, to: nodeId, term };
const messageSchema = z.discriminatedUnion('type', [
  z
    .object({ type: z.literal('RequestVoteRequest'), ...envelope, lastLogIndex: index, lastLogTerm: term })
    .strict(),
  z.object({ type: z.literal('RequestVoteResponse'), ...envelope, voteGranted: z.boolean() }).strict(),
  z
    .object({ type: z.literal('PreVoteRequest'), ...envelope, lastLogIndex: index, lastLogTerm: term })
    .strict(),
  z.object({ type: z.literal('PreVoteResponse'), ...envelope, voteGranted: z.boolean() }).strict(),
  z
    .object({
      type: z.literal('AppendEntriesRequest'),
      ...envelope,
      prevLogIndex: index,
      prevLogTerm: term,
      entries: z.array(logEntry),
      leaderCommit: index,
    })
    .strict(),
  z
    .object({
      type: z.literal('AppendEntriesResponse'),
      ...envelope,
      success: z.boolean(),
      matchIndex: index,
    })
    .strict(),
]);

const stateFields = z
  .object({
    currentTerm: term.optional(),
    votedFor: nodeId.nullable().optional(),
    log: z.array(logEntry).optional(),
    commitIndex: index.optional(),
  })
  .strict();

const common = {
  time: z.number().finite().optional().describe('milliseconds since any fixed epoch'),
  node: nodeId,
  state: stateFields.optional().describe("the node's state after the event"),
  before: stateFields.optional().describe("the node's state just before handling the event"),
};

export const canonicalEventSchema = z.discriminatedUnion('event', [
  z
    .object({
      event: z.literal('Cluster'),
      time: common.time,
      node: nodeId.optional(),
      nodes: z.array(nodeId).min(1),
      preVote: z.boolean().optional(),
    })
    .strict(),
  z
    .object({
      event: z.literal('TimerStart'),
      ...common,
      term: term.optional(),
      timeoutMs: z.number().min(0),
    })
    .strict(),
  z.object({ event: z.literal('ElectionTimeout'), ...common }).strict(),
  z.object({ event: z.literal('HeartbeatTimeout'), ...common }).strict(),
  z.object({ event: z.literal('BecomeFollower'), ...common, term }).strict(),
  z.object({ event: z.literal('BecomePreCandidate'), ...common, term }).strict(),
  z.object({ event: z.literal('BecomeCandidate'), ...common, term }).strict(),
  z.object({ event: z.literal('BecomeLeader'), ...common, term }).strict(),
  z.object({ event: z.literal('Send'), ...common, message: messageSchema }).strict(),
  z.object({ event: z.literal('Receive'), ...common, message: messageSchema }).strict(),
  z.object({ event: z.literal('ClientRequest'), ...common, value: z.string() }).strict(),
  z.object({ event: z.literal('Crash'), ...common }).strict(),
  z.object({ event: z.literal('Restart'), ...common }).strict(),
  z.object({ event: z.literal('State'), ...common }).strict(),
  z
    .object({
      event: z.literal('Partition'),
      time: common.time,
      node: z.literal(KIT).optional(),
      groups: z
        .array(z.array(nodeId).min(1))
        .min(1)
        .describe('groups of servers that can talk among themselves'),
    })
    .strict(),
  z
    .object({
      event: z.literal('Cut'),
      time: common.time,
      node: z.literal(KIT).optional(),
      from: nodeId.describe('the server whose messages are lost'),
      to: nodeId.describe('the server they no longer reach'),
    })
    .strict(),
  z
    .object({ event: z.literal('Heal'), time: common.time, node: z.literal(KIT).optional() })
    .strict()
    .describe('every link restored'),
]);

export type CanonicalEvent = z.infer<typeof canonicalEventSchema>;

/** The JSON Schema of one line of a canonical trace (written to docs/trace-format.schema.json). */
export function canonicalJsonSchema(): unknown {
  const schema = z.toJSONSchema(canonicalEventSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    $id: 'https://raftkit.dev/schemas/trace-event.json',
    title: 'raftkit canonical trace event (one line of an NDJSON trace)',
    description:
      "One event of a Raft node, in the vocabulary of raftkit's model (Figure 2 of the Raft paper). See docs/trace-format.md.",
    ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema')),
  };
}

/** Render an event back as one canonical NDJSON line (stable key order). */
export function toCanonicalLine(event: TraceEvent): string {
  const out: Record<string, unknown> = { event: event.event };
  if (event.time !== null) out.time = event.time;
  if (event.event === 'Cluster') {
    out.nodes = event.nodes;
    if (event.preVote !== undefined) out.preVote = event.preVote;
    return JSON.stringify(out);
  }
  if (event.node === KIT) {
    for (const key of ['groups', 'from', 'to'] as const) if (event[key] !== undefined) out[key] = event[key];
    return JSON.stringify(out);
  }
  out.node = event.node;
  for (const key of ['term', 'timeoutMs', 'message', 'value', 'state', 'before'] as const) {
    if (event[key] !== undefined) out[key] = event[key];
  }
  return JSON.stringify(out);
}
