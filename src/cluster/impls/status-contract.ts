import { z } from 'zod';
import type { NodeId } from '../../../models/index.ts';
import { type CommittedAnswer, GarbageAnswerError, type NodeStatus, OBSERVED_ROLES } from '../types.ts';

/**
 * The `GET /status` answer of the external contract (conformance/CLUSTER-PROTOCOL.md §2),
 * validated: a body that breaks it is garbage and fails the scenario with what was
 * expected and what was found. Unknown fields are ignored; optional fields stay undefined
 * (the runner then reports the checks that need them as not observable).
 */

const nodeId = z.string().min(1);
const count = z.number().int().min(0);

const statusSchema = z.object({
  id: nodeId,
  role: z.enum(OBSERVED_ROLES as [string, ...string[]]),
  term: count.nullable(),
  leader: nodeId.nullable(),
  commitIndex: count.nullable(),
  votedFor: nodeId.nullable().optional(),
  lastLogIndex: count.optional(),
  applied: z.array(z.string()).optional(),
});

export type ContractStatus = z.infer<typeof statusSchema>;

const EXPECTED =
  '{"id","role":"follower|candidate|preCandidate|leader|unknown","term","leader","commitIndex", optional "votedFor","lastLogIndex","applied":[...]}';

/** Validate a `/status` body (already JSON-parsed if it was JSON). Throws `GarbageAnswerError`. */
export function parseContractStatus(node: NodeId, body: unknown): ContractStatus {
  const parsed = statusSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue.path.length > 0 ? ` (field ${issue.path.join('.')}: ${issue.message})` : '';
  const found = (typeof body === 'string' ? body : JSON.stringify(body)).slice(0, 200);
  throw new GarbageAnswerError(
    `${node}'s /status answered garbage${where}: expected ${EXPECTED}, found ${found}`,
  );
}

export function toNodeStatus(s: ContractStatus): NodeStatus {
  return {
    node: s.id,
    role: s.role as NodeStatus['role'],
    term: s.term,
    leader: s.leader,
    commitIndex: s.commitIndex,
    ...(s.votedFor !== undefined ? { votedFor: s.votedFor } : {}),
    ...(s.lastLogIndex !== undefined ? { lastLogIndex: s.lastLogIndex } : {}),
  };
}

export function toCommitted(s: ContractStatus): CommittedAnswer | null {
  return s.applied === undefined ? null : { from: s.id, values: s.applied };
}
