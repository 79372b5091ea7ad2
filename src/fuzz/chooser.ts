import type { AppendEntriesRequest, Message, NodeId, NodeState, Role } from '../../models/index.ts';
import type { Random } from '../explore/random.ts';
import { payloadClasses } from '../generate/coverage.ts';
import type { FuzzAction, FuzzActionKind } from './actions.ts';
import type { FuzzNetwork, InFlightMessage } from './network.ts';

/**
 * The fuzzer's choice of the next environment action: seeded, and biased towards what the
 * run has not seen yet. A few candidate actions are drawn (the kind by weight, then its
 * target uniformly), each is given a signature — the action kind, the role it meets and,
 * for a delivery, the payload classes of the message against the receiver's model state
 * (term lower/equal/higher, votedFor, log up-to-date or behind, prevLog match/mismatch/
 * beyond the end, new/duplicate/conflicting entries: src/generate/coverage.ts) — and the
 * candidate whose signature was taken least often wins. Each run also weighs the kinds
 * differently (swarm testing: some runs never drop, others partition often). So a run keeps trying the
 * guards, roles and term/vote/log relations it has met least, as coverage-guided fuzzers
 * prefer inputs that reach new branches.
 */

export interface ChoiceView {
  readonly nodes: readonly NodeId[];
  readonly network: FuzzNetwork;
  /** The role each node reports. */
  role(node: NodeId): Role;
  /** The model's state of a node (payload classes are relative to it). */
  modelState(node: NodeId): NodeState;
  readonly ticks: boolean;
  readonly crashes: boolean;
  /** Whether the network may deliver an AppendEntries with a prefix of its entries. */
  readonly shortAppends: boolean;
  readonly electionTicks: number;
  /** Whether the node is already stepped in the round being built (run.ts): its state here is stale. */
  busy(node: NodeId): boolean;
}

/** Relative weights of the action kinds (deliveries dominate, as in a real network). */
const WEIGHTS: Readonly<Record<FuzzActionKind, number>> = {
  deliver: 24,
  drop: 1,
  duplicate: 1,
  timeout: 2,
  heartbeat: 3,
  tick: 2,
  propose: 2,
  crash: 0.6,
  restart: 2,
  partition: 0.4,
  heal: 1,
  deliverPrefix: 3,
};

const CANDIDATES = 4;
const STALE_PENALTY = 1e9;

/** Swarm testing (Groce et al., ISSTA 2012): each run scales every kind but delivery by one of these. */
const SWARM_FACTORS = [0, 1, 1, 4] as const;

export class Chooser {
  private readonly seen = new Map<string, number>();
  private readonly weights: Record<FuzzActionKind, number>;
  private values = 0;

  constructor(
    private readonly random: Random,
    shortAppends = false,
  ) {
    const weights = { ...WEIGHTS };
    // Drawn in this order (deliverPrefix last, and only when on) so that a campaign without
    // short appends makes the same choices as before they existed.
    for (const kind of Object.keys(weights) as FuzzActionKind[])
      if (kind !== 'deliver' && kind !== 'deliverPrefix')
        weights[kind] *= SWARM_FACTORS[random.below(SWARM_FACTORS.length)];
    weights.deliverPrefix = shortAppends ? WEIGHTS.deliverPrefix : 0;
    this.weights = weights;
  }

  next(view: ChoiceView): FuzzAction | null {
    const kinds = enabledKinds(view).filter((kind) => this.weights[kind] > 0);
    if (kinds.length === 0) return null;
    let best: { action: FuzzAction; signature: string; count: number; rank: number } | null = null;
    for (let k = 0; k < CANDIDATES; k++) {
      const { action, message } = this.draw(view, this.pickKind(kinds));
      const signature = signatureOf(view, action, message);
      const count = this.seen.get(signature) ?? 0;
      // A busy node's state is from before its step in this round: choose it last.
      const target = targetOf(action, message);
      const rank = count + (target !== undefined && view.busy(target) ? STALE_PENALTY : 0);
      if (best === null || rank < best.rank) best = { action, signature, count, rank };
    }
    if (best === null) return null;
    this.seen.set(best.signature, best.count + 1);
    return best.action;
  }

  private pickKind(kinds: readonly FuzzActionKind[]): FuzzActionKind {
    let total = 0;
    for (const kind of kinds) total += this.weights[kind];
    let at = (this.random.nextUint32() / 2 ** 32) * total;
    for (const kind of kinds) {
      at -= this.weights[kind];
      if (at < 0) return kind;
    }
    return kinds[kinds.length - 1];
  }

  private draw(view: ChoiceView, kind: FuzzActionKind): { action: FuzzAction; message?: Message } {
    const r = this.random;
    switch (kind) {
      case 'deliver':
      case 'drop':
      case 'duplicate': {
        const { key, message } = view.network.at(r.below(view.network.size));
        return { action: { kind, key }, message };
      }
      case 'deliverPrefix': {
        const appends = appendsWithEntries(view.network);
        const { key, message } = appends[r.below(appends.length)];
        const entries = r.below((message as AppendEntriesRequest).entries.length);
        return {
          action: { kind, key, entries },
          message: {
            ...message,
            entries: (message as AppendEntriesRequest).entries.slice(0, entries),
          } as Message,
        };
      }
      case 'restart':
        return {
          action: {
            kind,
            node: pick(
              r,
              view.nodes.filter((n) => view.role(n) === 'crashed'),
            ),
          },
        };
      case 'partition':
        return { action: { kind, groups: split(r, view.nodes) } };
      case 'heal':
        return { action: { kind } };
      default: {
        const node = pick(r, targetsOf(view, kind, r));
        if (kind === 'tick') return { action: { kind, node, ticks: 1 + r.below(view.electionTicks) } };
        if (kind === 'propose') return { action: { kind, node, value: `v${++this.values}` } };
        return { action: { kind, node } as FuzzAction };
      }
    }
  }
}

/**
 * Nodes a node action may target: any live node, but clients mostly find the leader (a
 * request at a follower is ignored), and election timeouts mostly hit non-leaders (a
 * leader ignores one): so logs grow, and leaders change, often enough to diverge.
 */
function targetsOf(view: ChoiceView, kind: FuzzActionKind, random: Random): NodeId[] {
  const up = view.nodes.filter((n) => view.role(n) !== 'crashed');
  const preferred =
    kind === 'propose'
      ? up.filter((n) => view.role(n) === 'leader')
      : kind === 'timeout'
        ? up.filter((n) => view.role(n) !== 'leader')
        : up;
  return preferred.length > 0 && random.below(5) > 0 ? preferred : up;
}

function enabledKinds(view: ChoiceView): FuzzActionKind[] {
  const up = view.nodes.some((n) => view.role(n) !== 'crashed');
  const down = view.nodes.some((n) => view.role(n) === 'crashed');
  const kinds: FuzzActionKind[] = [];
  if (view.network.size > 0) kinds.push('deliver', 'drop', 'duplicate');
  if (view.shortAppends && appendsWithEntries(view.network).length > 0) kinds.push('deliverPrefix');
  if (up) kinds.push('timeout', 'heartbeat', 'propose');
  if (up && view.ticks) kinds.push('tick');
  if (up && view.crashes) kinds.push('crash');
  if (down) kinds.push('restart');
  kinds.push(view.network.partitioned ? 'heal' : 'partition');
  return kinds;
}

function signatureOf(view: ChoiceView, action: FuzzAction, message: Message | undefined): string {
  switch (action.kind) {
    case 'deliver': {
      const m = message as Message;
      const classes = payloadClasses(view.modelState(m.to), { type: 'Receive', message: m });
      return `deliver|${view.role(m.to)}|${m.type}|${classes.join('|')}`;
    }
    case 'deliverPrefix':
      return `deliverPrefix|${view.role((message as Message).to)}|${appendRelation(view, message as AppendEntriesRequest)}`;
    case 'drop':
    case 'duplicate':
      return `${action.kind}|${(message as Message).type}`;
    case 'partition':
    case 'heal':
      return action.kind;
    default:
      return `${action.kind}|${view.role(action.node)}`;
  }
}

/** AppendEntries requests in flight that carry entries (a prefix of them can be delivered). */
function appendsWithEntries(network: FuzzNetwork): InFlightMessage[] {
  const found: InFlightMessage[] = [];
  for (let k = 0; k < network.size; k++) {
    const m = network.at(k).message;
    if (m.type === 'AppendEntriesRequest' && m.entries.length > 0) found.push(network.at(k));
  }
  return found;
}

/**
 * How a shortened AppendEntries meets its receiver (Figure 2 AppendEntries rules 3–5):
 * whether its leaderCommit passes its last entry, and whether the receiver's log goes past
 * that entry, with entries of another term than the leader's (a stale suffix the request
 * does not vouch for).
 * These are the relations under which min(leaderCommit, index of last new entry) matters.
 */
function appendRelation(view: ChoiceView, m: AppendEntriesRequest): string {
  const lastNew = m.prevLogIndex + m.entries.length;
  const log = view.modelState(m.to).context.log;
  const commitBeyond = m.leaderCommit > lastNew;
  const longer = log.length > lastNew;
  const otherTerm = longer && log.slice(lastNew).some((e) => e.term !== m.term);
  return `commitBeyondLastNew=${commitBeyond}|receiverLonger=${longer}|suffixOfOtherTerm=${otherTerm}`;
}

function targetOf(action: FuzzAction, message: Message | undefined): NodeId | undefined {
  if (action.kind === 'deliver' || action.kind === 'deliverPrefix') return message?.to;
  return 'node' in action ? action.node : undefined;
}

function pick<T>(random: Random, list: readonly T[]): T {
  return list[random.below(list.length)];
}

/** A partition: a minority group (1 … ⌊n/2⌋ nodes, drawn) and the rest. */
function split(random: Random, nodes: readonly NodeId[]): NodeId[][] {
  const shuffled = [...nodes];
  for (let k = shuffled.length - 1; k > 0; k--) {
    const j = random.below(k + 1);
    [shuffled[k], shuffled[j]] = [shuffled[j], shuffled[k]];
  }
  const size = 1 + random.below(Math.floor(nodes.length / 2));
  return [shuffled.slice(0, size).sort(), shuffled.slice(size).sort()];
}
