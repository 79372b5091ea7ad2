import type { Role } from '../types.ts';
import type { NodeState } from './compiled.ts';

/**
 * A compact, stable text form of a node's state, for hashing and for humans. Equal
 * states give equal strings; configuration (id, cluster, features) and the drained
 * outbox are left out. Example: `L|t2|v=n1|log=1:a,2:b|c=1|ld=n1|ni=n2:3,n3:2|mi=n2:2,n3:0`.
 */
const ROLE_CODE: Record<Role, string> = {
  follower: 'F',
  preCandidate: 'P',
  candidate: 'C',
  leader: 'L',
  crashed: 'X',
};

function indexes(ids: readonly string[], record: Readonly<Record<string, number>>): string {
  return ids
    .filter((id) => record[id] !== undefined)
    .map((id) => `${id}:${record[id]}`)
    .join(',');
}

export function serializeNode(state: NodeState): string {
  const c = state.context;
  const parts = [
    ROLE_CODE[state.role],
    `t${c.currentTerm}`,
    `v=${c.votedFor ?? '-'}`,
    `log=${c.log.map((e) => `${e.term}:${e.value}`).join(',')}`,
    `c=${c.commitIndex}`,
    `ld=${c.leaderId ?? '-'}`,
  ];
  if (c.votesResponded.length > 0)
    parts.push(`vg=${c.votesGranted.join(',')}`, `vr=${c.votesResponded.join(',')}`);
  if (state.role === 'leader')
    parts.push(`ni=${indexes(c.cluster, c.nextIndex)}`, `mi=${indexes(c.cluster, c.matchIndex)}`);
  return parts.join('|');
}
