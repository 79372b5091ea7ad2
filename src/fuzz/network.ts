import { type Message, messageKey, type NodeId } from '../../models/index.ts';

/**
 * The kit's network in a fuzz run: the messages the implementation's nodes sent and that
 * have not arrived yet, in sending order, with partitions. It has no Raft in it: it only
 * holds, loses, copies and hands over what the nodes sent. A message between two groups of
 * a partition is lost when it is sent, and a new partition loses what is in flight across
 * it. At most `capacity` messages are held; sending more loses the oldest (a lossy network,
 * which Raft must survive), so that a long run does not pile up heartbeats.
 */
export interface InFlightMessage {
  readonly key: string;
  readonly message: Message;
}

export class FuzzNetwork {
  private readonly messages: InFlightMessage[] = [];
  private groupOf: ReadonlyMap<NodeId, number> | null = null;
  /** Messages lost to partitions or to a full network, for the report. */
  lost = 0;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.messages.length;
  }

  get partitioned(): boolean {
    return this.groupOf !== null;
  }

  at(k: number): InFlightMessage {
    return this.messages[k];
  }

  send(messages: readonly Message[]): void {
    for (const message of messages) {
      if (!this.connected(message.from, message.to)) {
        this.lost++;
        continue;
      }
      if (this.messages.length >= this.capacity) {
        this.messages.shift();
        this.lost++;
      }
      this.messages.push({ key: messageKey(message), message });
    }
  }

  /** The first message in flight with this key, removed; undefined if none is. */
  take(key: string): Message | undefined {
    const at = this.indexOf(key);
    if (at < 0) return undefined;
    return this.messages.splice(at, 1)[0].message;
  }

  /** A second copy of the message with this key; undefined if none is in flight. */
  copy(key: string): Message | undefined {
    const at = this.indexOf(key);
    if (at < 0) return undefined;
    this.send([this.messages[at].message]);
    return this.messages[at].message;
  }

  partition(groups: readonly (readonly NodeId[])[]): void {
    const groupOf = new Map<NodeId, number>();
    groups.forEach((g, k) => {
      for (const id of g) groupOf.set(id, k);
    });
    this.groupOf = groupOf;
    for (let k = this.messages.length - 1; k >= 0; k--) {
      const { message } = this.messages[k];
      if (!this.connected(message.from, message.to)) {
        this.messages.splice(k, 1);
        this.lost++;
      }
    }
  }

  heal(): void {
    this.groupOf = null;
  }

  private connected(a: NodeId, b: NodeId): boolean {
    return this.groupOf === null || this.groupOf.get(a) === this.groupOf.get(b);
  }

  private indexOf(key: string): number {
    for (let k = 0; k < this.messages.length; k++) if (this.messages[k].key === key) return k;
    return -1;
  }
}
