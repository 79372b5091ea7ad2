import type { ClusterInspection, StepAdapter, StepCommand, StepReply } from '../adapters/types.ts';

/**
 * Requests sent ahead of their turn to an adapter that accepts pipelining
 * (PROTOCOL.md §1). Over a pipe every round trip wakes the other process twice, which on a
 * VM costs more than checking the step against the model; sending a run of steps in one
 * write and reading the replies as they come removes most of those wake-ups.
 *
 * Which message a `deliver` step sends depends on the model's state, and the model follows
 * the implementation (a tick's timers, an allowed variation), so the runner can only guess
 * the commands ahead: it plans them from the model's own successors, up to the next `tick`
 * (whose outcome it cannot guess) or the end. When a step's actual command is not the one
 * sent ahead, the guess was wrong, the implementation has already run other commands, and
 * `take` throws `SpeculationMissed`: the runner replays the scenario one request at a time.
 */
export class Pipeline {
  private readonly planned = new Map<number, { readonly key: string; readonly reply: Promise<StepReply> }>();
  /** Every step index up to this one was planned (a step without a command has no entry). */
  private plannedThrough = -1;
  private finalRead: Promise<ClusterInspection> | null = null;
  private readonly outstanding: Promise<unknown>[] = [];

  constructor(private readonly adapter: StepAdapter) {}

  /** Whether step `k` still needs planning. */
  needsPlan(k: number): boolean {
    return k > this.plannedThrough && this.finalRead === null;
  }

  /** Send step `k`'s command now; `null`: the step sends nothing (a drop, or a crashed node). */
  send(k: number, command: StepCommand | null): void {
    this.plannedThrough = k;
    if (command === null) return;
    const reply = this.track(this.adapter.step(command));
    this.planned.set(k, { key: JSON.stringify(command), reply });
  }

  /** Send the final `inspect` (after the last step was planned). */
  sendFinalRead(): void {
    this.finalRead = this.track(this.adapter.inspect());
  }

  /**
   * The reply to step `k`, whose actual command is `command` (`null`: sends nothing);
   * `undefined` if step `k` was not sent ahead (the runner sends it itself).
   */
  take(k: number, command: StepCommand | null): Promise<StepReply> | undefined {
    if (k > this.plannedThrough) return undefined;
    const ahead = this.planned.get(k);
    this.planned.delete(k);
    if (command === null && ahead === undefined) return undefined;
    if (command === null || ahead === undefined || ahead.key !== JSON.stringify(command))
      throw new SpeculationMissed(k);
    return ahead.reply;
  }

  /** The final `inspect` sent ahead, if it was. */
  takeFinalRead(): Promise<ClusterInspection> | undefined {
    const read = this.finalRead ?? undefined;
    this.finalRead = null;
    return read;
  }

  /** Wait until every request sent ahead is answered (or failed), so the next scenario's
   * requests meet an adapter that is done with this one's. */
  async settle(): Promise<void> {
    await Promise.allSettled(this.outstanding);
  }

  private track<T>(reply: Promise<T>): Promise<T> {
    reply.catch(() => {}); // a reply nobody reads (the scenario ended first) is not unhandled
    this.outstanding.push(reply);
    return reply;
  }
}

/** The commands sent ahead for step `step` and later were not what the scenario needed. */
export class SpeculationMissed extends Error {
  constructor(readonly step: number) {
    super(`step ${step + 1}: the command sent ahead was not the one the scenario needed`);
  }
}
