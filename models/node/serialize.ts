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
  let out = '';
  for (let i = 0; i < ids.length; i++) {
    const value = record[ids[i]];
    if (value === undefined) continue;
    out += out === '' ? `${ids[i]}:${value}` : `,${ids[i]}:${value}`;
  }
  return out;
}

export function serializeNode(state: NodeState): string {
  // Loops and no per-call closures: this is the model checker's hash key (see
  // `runMacrostep` in compiled.ts on the cost of closures under tsx's keepNames).
  const c = state.context;
  let log = '';
  for (let i = 0; i < c.log.length; i++)
    log += i === 0 ? `${c.log[i].term}:${c.log[i].value}` : `,${c.log[i].term}:${c.log[i].value}`;
  let out = `${ROLE_CODE[state.role]}|t${c.currentTerm}|v=${c.votedFor ?? '-'}|log=${log}|c=${c.commitIndex}|ld=${c.leaderId ?? '-'}`;
  if (c.votesResponded.length > 0) out += `|vg=${c.votesGranted.join(',')}|vr=${c.votesResponded.join(',')}`;
  if (state.role === 'leader')
    out += `|ni=${indexes(c.cluster, c.nextIndex)}|mi=${indexes(c.cluster, c.matchIndex)}`;
  if (c.heardFrom.length > 0) out += `|hf=${c.heardFrom.join(',')}`;
  // Tick counts only when a clock ticked (the conformance runner's tick steps). The model
  // checker never ticks, so there they are 0 and this key is what it was without timers.
  if (c.electionElapsed > 0 || c.heartbeatElapsed > 0)
    out += `|te=${c.electionElapsed},${c.heartbeatElapsed}`;
  return out;
}
