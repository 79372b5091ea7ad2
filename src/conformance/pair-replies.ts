import type { Message } from '../../models/types.ts';

/**
 * The appendMatchFrom switch, `request` (Figure 2, AppendEntries RPC, Results: only "term" and
 * "success"): an implementation's successful reply need not say how far it matches; the leader
 * reads that from the request the reply answers, as an RPC layer hands it back (hashicorp/raft
 * 1.1.2 replication.go `updateLastAppended(s, &req)`). The kit plays that RPC layer: a success
 * sent back to the sender of the AppendEntries delivered in the same step answers it, so it
 * gets that request's range as `inReplyTo` and matchIndex 0 (the model's shape). Nothing else
 * is touched, and without the switch nothing is.
 */
export function pairRepliesWithRequest(
  switches: Readonly<Record<string, boolean | string>> | undefined,
  delivered: Message | undefined,
  sent: readonly Message[],
): Message[] {
  if (switches?.appendMatchFrom !== 'request' || delivered?.type !== 'AppendEntriesRequest') return [...sent];
  const inReplyTo = { prevLogIndex: delivered.prevLogIndex, entries: delivered.entries.length };
  return sent.map((message) =>
    message.type === 'AppendEntriesResponse' && message.success && message.to === delivered.from
      ? { ...message, matchIndex: 0, inReplyTo }
      : message,
  );
}
