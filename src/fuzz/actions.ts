import type { Message, NodeId } from '../../models/index.ts';
import { formatMessage } from '../scenario/index.ts';

/**
 * The environment actions of a fuzz run: what the kit may do to a cluster of real nodes at
 * one step. Messages are the implementation's own (what its nodes sent), named by their
 * canonical key (`messageKey` of models/cluster), so that a recorded run replays, and a
 * shrunk run still names the same messages when they are in flight.
 */
export type FuzzAction =
  /** The message in flight with this key reaches its receiver. */
  | { readonly kind: 'deliver'; readonly key: string }
  /**
   * The AppendEntriesRequest in flight with this key reaches its receiver with only its
   * first `entries` entries (prevLogIndex, terms and leaderCommit unchanged): the message a
   * leader that caps what one message carries sends for the same nextIndex (etcd's
   * MaxSizePerMsg, hashicorp/raft's MaxAppendEntries). Its leaderCommit may then pass the
   * last entry it carries, the case Figure 2 AppendEntries rule 5 bounds with
   * min(leaderCommit, index of last new entry).
   */
  | { readonly kind: 'deliverPrefix'; readonly key: string; readonly entries: number }
  /** The network loses one copy of it. */
  | { readonly kind: 'drop'; readonly key: string }
  /** The network puts a second copy of it in flight. */
  | { readonly kind: 'duplicate'; readonly key: string }
  /** ElectionTimeout fires at the node (any role: Figure 2 Followers and Candidates). */
  | { readonly kind: 'timeout'; readonly node: NodeId }
  /** HeartbeatTimeout fires at the node (any role; only a leader acts on it). */
  | { readonly kind: 'heartbeat'; readonly node: NodeId }
  /** The node's own clock advances; its timers fire as they expire (feature `ticks`). */
  | { readonly kind: 'tick'; readonly node: NodeId; readonly ticks: number }
  /** A client asks the node to append a value (ClientRequest). */
  | { readonly kind: 'propose'; readonly node: NodeId; readonly value: string }
  /** The node stops, keeping only its persistent state (feature `restartWithPersistence`). */
  | { readonly kind: 'crash'; readonly node: NodeId }
  | { readonly kind: 'restart'; readonly node: NodeId }
  /** The network splits into groups: messages between groups are lost, also those in flight. */
  | { readonly kind: 'partition'; readonly groups: readonly (readonly NodeId[])[] }
  /** Every link works again. */
  | { readonly kind: 'heal' };

export type FuzzActionKind = FuzzAction['kind'];

/** One line for a report: `deliver RequestVoteRequest n1->n2 term=1`, `partition n1 | n2 n3`. */
export function describeAction(action: FuzzAction, message?: Message): string {
  switch (action.kind) {
    case 'deliver':
    case 'drop':
    case 'duplicate':
      return message ? `${action.kind} ${formatMessage(message)}` : `${action.kind} (not in flight)`;
    case 'deliverPrefix':
      return message
        ? `deliver the first ${action.entries} entries of ${formatMessage(message)}`
        : 'deliverPrefix (not in flight)';
    case 'tick':
      return `tick ${action.node} ${action.ticks}`;
    case 'propose':
      return `propose ${action.node} ${action.value}`;
    case 'partition':
      return `partition ${action.groups.map((g) => g.join(' ')).join(' | ')}`;
    case 'heal':
      return 'heal';
    default:
      return `${action.kind} ${action.node}`;
  }
}
