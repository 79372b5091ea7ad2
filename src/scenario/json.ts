import { z } from 'zod';
import { MESSAGE_TYPES, ROLES, SWITCHES } from '../../models/index.ts';
import { CLUSTER_SITUATIONS, SCENARIO_FORMAT_VERSION, type Scenario } from './ast.ts';

/**
 * The JSON form of a scenario: the AST of `ast.ts` plus `formatVersion`. The zod schema
 * below is the one definition; `docs/scenario.schema.json` is generated from it
 * (`raftkit generate` writes it), so the published JSON Schema cannot drift from the code.
 */

const nat = z.number().int().min(0);
const nodeId = z.string().regex(/^[a-z][a-z0-9_]*$/);
const value = z.string().regex(/^[A-Za-z0-9_.-]+$/);
/** A log entry's value may be empty: a leader's blank no-op entry (feature leaderNoOp). */
const entry = z
  .object({ term: z.number().int().min(1), value: z.string().regex(/^[A-Za-z0-9_.-]*$/) })
  .strict();
const log = z.array(entry);
const messageType = z.enum(MESSAGE_TYPES as unknown as [string, ...string[]]);
const envelope = { from: nodeId, to: nodeId, term: nat };

const voteRequest = { ...envelope, lastLogIndex: nat, lastLogTerm: nat };
const voteResponse = { ...envelope, voteGranted: z.boolean() };
export const messageSchema = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('RequestVoteRequest'), ...voteRequest }).strict(),
    z.object({ type: z.literal('RequestVoteResponse'), ...voteResponse }).strict(),
    z.object({ type: z.literal('PreVoteRequest'), ...voteRequest }).strict(),
    z.object({ type: z.literal('PreVoteResponse'), ...voteResponse }).strict(),
    z
      .object({
        type: z.literal('AppendEntriesRequest'),
        ...envelope,
        prevLogIndex: nat,
        prevLogTerm: nat,
        entries: log,
        leaderCommit: nat,
      })
      .strict(),
    z
      .object({
        type: z.literal('AppendEntriesResponse'),
        ...envelope,
        success: z.boolean(),
        matchIndex: nat,
        rejectHint: nat.optional(),
        inReplyTo: z.object({ prevLogIndex: nat, entries: nat }).strict().optional(),
      })
      .strict(),
  ])
  .meta({ id: 'Message', description: 'A Raft message in the model vocabulary (Figure 2 field names).' });

/** The switches of models/features.ts besides preVote, checkQuorum and leaderNoOp, each with its values. */
const otherSwitches = z
  .object(
    Object.fromEntries(
      SWITCHES.filter((s) => !['preVote', 'checkQuorum', 'leaderNoOp'].includes(s.name)).map((s) => [
        s.name,
        z.union(s.values.map((v) => z.literal(v)) as unknown as [z.ZodLiteral, z.ZodLiteral]).optional(),
      ]),
    ),
  )
  .strict();

const pattern = z
  .object({
    type: messageType,
    from: nodeId,
    to: nodeId,
    fields: z.record(z.string(), z.union([nat, z.boolean(), log])),
  })
  .strict();

const node = z.object({ kind: z.literal('x'), node: nodeId });
const millis = nat.describe('milliseconds');
/** A node id, a role (`leader`, `follower`, `rest`) or a captured `$var` (ast.ts ClusterTarget). */
const target = z.union([nodeId, z.string().regex(/^\$[a-z][A-Za-z0-9_]*$/)]);
const subject = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('term') }).strict(),
  z.object({ kind: z.literal('leader') }).strict(),
  z.object({ kind: z.literal('majorityTerm') }).strict(),
  z
    .object({
      kind: z.literal('node'),
      node: nodeId,
      field: z.enum(['term', 'role', 'votedFor', 'commitIndex', 'lastLogIndex']),
    })
    .strict(),
]);
const clusterValue = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('number'), value: nat }).strict(),
  z.object({ kind: z.literal('text'), value: z.string() }).strict(),
  z
    .object({
      kind: z.literal('var'),
      name: z.string().regex(/^\$[a-z][A-Za-z0-9_]*$/),
      offset: z.number().int(),
    })
    .strict(),
]);

const nodeObservation = z
  .object({
    node: nodeId,
    role: z.enum(ROLES as unknown as [string, ...string[]]),
    currentTerm: nat,
    votedFor: nodeId.nullable(),
    log,
    commitIndex: nat,
  })
  .strict();
const observation = z
  .object({
    nodes: z.array(nodeObservation),
    sent: z.array(messageSchema),
    timers: z.array(z.enum(['ElectionTimeout', 'HeartbeatTimeout'])).optional(),
  })
  .strict()
  .meta({ id: 'Observation', description: 'What the model says is observable after a step-mode input.' });

const simple = (kind: string) => node.extend({ kind: z.literal(kind) }).strict();

/** Inputs that step a node (timers, crash, restart, start, propose, tick) or move a message. */
const nodeAndNetworkInputs = [
  simple('timeout'),
  simple('heartbeat'),
  simple('crash'),
  simple('restart'),
  z.object({ kind: z.literal('start'), node: target }).strict(),
  z.object({ kind: z.literal('propose'), node: nodeId, value }).strict(),
  z.object({ kind: z.literal('tick'), node: nodeId, ticks: z.number().int().min(1) }).strict(),
  z.object({ kind: z.literal('deliver'), pattern }).strict(),
  z.object({ kind: z.literal('drop'), pattern }).strict(),
  z.object({ kind: z.literal('duplicate'), pattern }).strict(),
  z.object({ kind: z.literal('inject'), message: messageSchema }).strict(),
] as const;

/** Faults (kill, partition, cut, heal), client submits, waits and expectations on a cluster. */
const faultAndExpectationInputs = [
  z.object({ kind: z.literal('kill'), node: target }).strict(),
  z.object({ kind: z.literal('submit'), node: target, value }).strict(),
  z.object({ kind: z.literal('partition'), groups: z.array(z.array(target).min(1)).min(2) }).strict(),
  z.object({ kind: z.literal('cut'), from: target, to: target, bothWays: z.boolean() }).strict(),
  z.object({ kind: z.literal('heal') }).strict(),
  z.object({ kind: z.literal('wait'), ms: millis }).strict(),
  z.object({ kind: z.literal('expectLeader'), withinMs: millis }).strict(),
  z.object({ kind: z.literal('expectNoLeader'), forMs: millis }).strict(),
  z
    .object({
      kind: z.literal('expect'),
      subject,
      op: z.enum(['==', '!=', '<', '<=', '>', '>=']),
      value: clusterValue,
      withinMs: millis.optional(),
      forMs: millis.optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('expectCommitted'),
      value,
      negated: z.boolean(),
      withinMs: millis.optional(),
      forMs: millis.optional(),
    })
    .strict(),
  z
    .object({ kind: z.literal('capture'), name: z.string().regex(/^\$[a-z][A-Za-z0-9_]*$/), subject })
    .strict(),
] as const;

// biome-ignore lint/suspicious/noExplicitAny: a recursive schema (repeat holds steps)
const step: z.ZodType<any> = z.lazy(() =>
  z
    .object({
      line: nat,
      input: z.discriminatedUnion('kind', [
        ...nodeAndNetworkInputs,
        ...faultAndExpectationInputs,
        z
          .object({
            kind: z.literal('repeat'),
            count: z.number().int().min(1).max(1000),
            steps: z.array(step),
          })
          .strict(),
      ]),
      expect: observation.optional(),
    })
    .strict()
    .meta({
      id: 'Step',
      description: 'One step: an input line and, in step mode, its expected observation.',
    }),
);

const source = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('curated'), citation: z.string().min(1) }).strict(),
  z
    .object({
      kind: z.literal('generated'),
      generator: z.string().min(1),
      seed: nat,
      target: z.string().min(1),
    })
    .strict(),
]);

export const scenarioSchema = z
  .object({
    formatVersion: z.literal(SCENARIO_FORMAT_VERSION),
    name: z.string().min(1),
    header: z
      .object({
        summary: z.array(z.string()).min(1),
        references: z.array(z.string()),
        bugs: z.array(nat),
        source,
        targets: z.array(z.string()),
      })
      .strict(),
    cluster: z
      .object({
        mode: z.enum(['step', 'cluster']),
        situation: z.enum(Object.keys(CLUSTER_SITUATIONS) as [string, ...string[]]).optional(),
        nodes: z.array(nodeId).min(1).max(9),
        features: z
          .object({
            preVote: z.boolean(),
            checkQuorum: z.boolean(),
            leaderNoOp: z.boolean().optional(),
            switches: otherSwitches.optional(),
          })
          .strict(),
        initial: z.record(nodeId, z.object({ currentTerm: nat, votedFor: nodeId.nullable(), log }).strict()),
      })
      .strict(),
    steps: z.array(step).min(1),
  })
  .strict()
  .describe('A raftkit scenario (docs/scenario-format.md). The JSON form of src/scenario/ast.ts.');

export function scenarioToJSON(scenario: Scenario): unknown {
  return { formatVersion: SCENARIO_FORMAT_VERSION, ...scenario };
}

/** Read a scenario's JSON form; throws a zod error naming the path of each problem. */
export function scenarioFromJSON(json: unknown): Scenario {
  const { formatVersion: _version, ...scenario } = scenarioSchema.parse(json);
  return scenario as unknown as Scenario;
}

/** The published JSON Schema (docs/scenario.schema.json), generated from `scenarioSchema`. */
export function scenarioJSONSchema(): string {
  const schema = z.toJSONSchema(scenarioSchema, { target: 'draft-2020-12' });
  return `${JSON.stringify({ $id: 'https://raftkit.dev/scenario.schema.json', title: 'raftkit scenario', ...schema }, null, 2)}\n`;
}
