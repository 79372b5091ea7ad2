import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import { concatInts, type QueuedState, type StateParts, StateQueue } from '../state-queue.ts';
import { Inbox, type MovedRecords, Outbox } from './moving.ts';
import type { WorkerProfile } from './profile.ts';
import { answer, MIN_STEAL, NOTHING, SENT, StealBoard, WAITING } from './stealing.ts';

/**
 * One worker's states of the level under way: those at the front of its own frontier,
 * then those it stole from other workers (`stealing.ts`). It gives half of what it has
 * left to a worker that asks, and when it has nothing left it asks the others, until none
 * has `MIN_STEAL` states of the level left.
 *
 * Stolen states are kept apart from the frontier, whose tail holds the next level's: they
 * are expanded now, and their successors join the frontier like any others (a state's id
 * still names the worker that admitted it, so paths are rebuilt as before).
 */
export interface ShareSettings {
  readonly index: number;
  readonly workers: number;
  readonly board: SharedArrayBuffer;
  readonly servers: number;
  /** Where stolen states arrive (the coordinator relays them, then answers). */
  readonly stealPort: MessagePort;
  /** Send states for a thief to the coordinator (records' buffer transferred). */
  readonly send: (to: number, moved: MovedRecords) => void;
  /** Called while waiting for a victim's answer (the worker pauses there for a table growth). */
  readonly whileWaiting: () => void;
  readonly profile: WorkerProfile;
}

export class LevelShare {
  /** States at the front of the frontier that belong to the level under way, not yet taken. */
  ownLeft = 0;
  /** Stolen states of the level under way, not yet taken. */
  private readonly stolen: StateQueue;
  private readonly board: StealBoard;
  /** Per other worker: the parts sent to it, the translation of the parts received from it. */
  private readonly outboxes: Outbox[] = [];
  private readonly inboxes: Inbox[] = [];

  constructor(
    private readonly queue: StateQueue,
    private readonly parts: StateParts,
    private readonly s: ShareSettings,
  ) {
    this.stolen = new StateQueue(parts, s.servers, 1 << 16);
    this.board = new StealBoard(s.board, s.index, s.workers);
  }

  /** States of the level this worker has left to expand. */
  get left(): number {
    return this.ownLeft + this.stolen.length;
  }

  /** Stolen states not expanded yet, as records (a checkpoint puts them first). */
  stolenRecords(): Int32Array {
    return this.stolen.unread();
  }

  /** The next state of the level (its own, then stolen ones), or undefined when the level is over for it. */
  next(): QueuedState | undefined {
    this.answerThief();
    if (this.ownLeft > 0) {
      this.ownLeft--;
      return this.queue.shift();
    }
    if (this.stolen.length === 0 && !this.steal()) return undefined;
    return this.stolen.shift();
  }

  /** No more thieves this level (a pending one is answered with nothing). */
  refuseThieves(): void {
    const thief = this.board.close();
    if (thief >= 0) answer(this.board.words, thief, NOTHING);
  }

  /**
   * If a thief asked, give it half of this level's states left (or nothing, if too few).
   * Looked at every 16 states, when the count left is published too: a thief waits for at
   * most 16 expansions, and the other 15 cost no `Atomics.load` call.
   */
  private answerThief(): void {
    const left = this.left;
    if ((left & 15) !== 0) return;
    this.board.publishLeft(left);
    const thief = this.board.thief();
    if (thief < 0) return;
    this.board.reopen();
    if (left < MIN_STEAL) answer(this.board.words, thief, NOTHING);
    else this.give(thief, Math.floor(left / 2));
  }

  /** `count` states of the level, its own first, packed for worker `to` and sent. */
  private give(to: number, count: number): void {
    const start = performance.now();
    const fromOwn = Math.min(count, this.ownLeft);
    const own = this.queue.takeRecords(fromOwn);
    this.ownLeft -= fromOwn;
    const records = fromOwn === count ? own : concatInts([own, this.stolen.takeRecords(count - fromOwn)]);
    this.outboxes[to] ??= new Outbox(this.parts, this.s.servers);
    this.s.send(to, this.outboxes[to].pack(records));
    this.s.profile.given += count;
    this.s.profile.givingMs += performance.now() - start;
  }

  /**
   * Ask the worker with the most states of the level left for half of them, until one
   * gives some (true) or none has `MIN_STEAL` left (false: this worker's level is over).
   */
  private steal(): boolean {
    this.refuseThieves();
    for (let victim = this.board.victim(); victim >= 0; victim = this.board.victim()) {
      if (!this.board.ask(victim)) {
        this.s.whileWaiting();
        continue;
      }
      if (this.awaitAnswer() === SENT && this.takeStolen() > 0) {
        this.board.reopen();
        return true;
      }
    }
    return false;
  }

  private awaitAnswer(): number {
    const start = performance.now();
    let got = this.board.awaitAnswer(1);
    while (got === WAITING) {
      this.s.whileWaiting();
      got = this.board.awaitAnswer(1);
    }
    this.s.profile.stealWaitMs += performance.now() - start;
    return got;
  }

  /** Queue the states a victim sent (they are on the steal port before the answer); how many. */
  private takeStolen(): number {
    const m = receiveMessageOnPort(this.s.stealPort);
    if (m === undefined) throw new Error(`worker ${this.s.index}: answered, but no stolen states arrived`);
    const { from, moved } = m.message as { from: number; moved: MovedRecords };
    this.inboxes[from] ??= new Inbox(this.parts, this.s.servers);
    const before = this.stolen.length;
    this.stolen.pushRecords(this.inboxes[from].unpack(moved));
    const took = this.stolen.length - before;
    this.s.profile.steals++;
    this.s.profile.stolen += took;
    return took;
  }
}
