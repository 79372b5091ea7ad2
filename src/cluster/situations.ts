import type { NodeId } from '../../models/index.ts';
import type { ClusterSituation } from '../scenario/ast.ts';
import type { LeaderChange, Leadership } from './elections.ts';

/**
 * Did a run reach the situation its scenario is named after? A scenario states it
 * (`situation leader-isolated`); these checks read what the run recorded — each fault with
 * the leadership standing when it was injected, and every leader change — so a partition
 * aimed at `n1` that happened to hit a follower is "not reached", never a pass.
 * The sentences are in src/scenario/ast.ts (CLUSTER_SITUATIONS).
 */

export interface FaultRecord {
  readonly kind: 'kill' | 'start' | 'partition' | 'cut' | 'heal';
  readonly atMs: number;
  /** The leadership standing when the fault was injected. */
  readonly leaderBefore: Leadership | null;
  /** kill/start: the node; cut: the sending node. */
  readonly node?: NodeId;
  /** cut: the nodes whose messages from `node` are lost. */
  readonly to?: readonly NodeId[];
  readonly groups?: readonly (readonly NodeId[])[];
  /** How many nodes were running after it. */
  readonly running: number;
  /** When the partition or cut ended (the next heal or partition); absent: at the end. */
  endedAtMs?: number;
}

export interface RunRecord {
  readonly clusterSize: number;
  readonly faults: readonly FaultRecord[];
  readonly changes: readonly LeaderChange[];
}

const isMajority = (size: number, clusterSize: number) => size * 2 > clusterSize;

function changedDuring(record: RunRecord, f: FaultRecord, notIn: readonly NodeId[]): boolean {
  const end = f.endedAtMs ?? Number.POSITIVE_INFINITY;
  return record.changes.some((c) => c.atMs > f.atMs && c.atMs <= end && !notIn.includes(c.to.leader));
}

function leaderGroup(f: FaultRecord): readonly NodeId[] | null {
  const leader = f.leaderBefore?.leader;
  return leader === undefined ? null : (f.groups?.find((g) => g.includes(leader)) ?? null);
}

const CHECKS: Record<ClusterSituation, (record: RunRecord, f: FaultRecord) => boolean> = {
  'leader-elected': () => false,
  'leader-killed': (r, f) =>
    f.kind === 'kill' && f.node === f.leaderBefore?.leader && changedDuring(r, f, []),
  'follower-killed': (_, f) =>
    f.kind === 'kill' && f.leaderBefore !== null && f.node !== f.leaderBefore.leader,
  'leader-isolated': (r, f) => {
    const group = f.kind === 'partition' ? leaderGroup(f) : null;
    return group !== null && !isMajority(group.length, r.clusterSize) && changedDuring(r, f, group);
  },
  'follower-isolated': (r, f) => {
    const group = f.kind === 'partition' ? leaderGroup(f) : null;
    return group !== null && isMajority(group.length, r.clusterSize);
  },
  'leader-keeps-majority': (r, f) => {
    const group = f.kind === 'partition' ? leaderGroup(f) : null;
    return (
      group !== null &&
      group.length < r.clusterSize &&
      isMajority(group.length, r.clusterSize) &&
      !changedDuring(r, f, [])
    );
  },
  'leader-cut-off': (_, f) => f.kind === 'cut' && f.leaderBefore !== null && f.node === f.leaderBefore.leader,
  'quorum-lost': (r, f) => f.kind === 'kill' && !isMajority(f.running, r.clusterSize),
  'all-restarted': () => false,
};

/** Every node of the cluster has a kill followed by a start. */
function allRestarted(record: RunRecord): boolean {
  const restarted = new Set<NodeId>();
  for (const f of record.faults) {
    const killedBefore = record.faults.some(
      (k) => k.kind === 'kill' && k.node === f.node && k.atMs <= f.atMs,
    );
    if (f.kind === 'start' && f.node !== undefined && killedBefore) restarted.add(f.node);
  }
  return restarted.size === record.clusterSize;
}

export function situationReached(situation: ClusterSituation, record: RunRecord): boolean {
  if (situation === 'leader-elected') return record.changes.length > 0;
  if (situation === 'all-restarted') return allRestarted(record);
  return record.faults.some((f) => CHECKS[situation](record, f));
}
