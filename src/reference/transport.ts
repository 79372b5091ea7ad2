import type { Message } from '../../models/types.ts';

/**
 * How a reference node sends messages. Step mode collects them in an `Outbox` that the
 * harness drains after each step; cluster mode hands them to a network transport.
 */
export interface Transport {
  send(message: Message): void;
}

export class Outbox implements Transport {
  private messages: Message[] = [];
  send(message: Message): void {
    this.messages.push(message);
  }
  drain(): Message[] {
    const out = this.messages;
    this.messages = [];
    return out;
  }
}
