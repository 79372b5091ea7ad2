import type { Message, NodeInput } from '../types.ts';

/**
 * The events the node statechart sees: the inputs from outside, and each received
 * message again under its own type once the term rule has been applied to it (the
 * machine raises it, as etcd's `Step` calls `stepFollower` and friends).
 */
export type NodeEvent = NodeInput | Message;
