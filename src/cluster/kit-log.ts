import type { NodeId } from '../../models/index.ts';
import { fmtMs } from './timing.ts';

/**
 * The kit's own event log of one run: a readable timeline (every step, who was aimed at,
 * what the run saw) and the same faults as canonical trace events (docs/trace-format.md;
 * the Partition/Cut/Heal events agreed for issue 15, beside Crash/Restart), so that
 * `raftkit trace` sees partitions and crashes next to the nodes' own logs.
 */

export type KitTraceEvent =
  | { readonly event: 'Cluster'; readonly nodes: readonly NodeId[] }
  | { readonly event: 'Crash' | 'Restart'; readonly node: NodeId }
  | { readonly event: 'Partition'; readonly groups: readonly (readonly NodeId[])[] }
  | { readonly event: 'Cut'; readonly from: NodeId; readonly to: NodeId }
  | { readonly event: 'Heal' };

export class KitLog {
  readonly timeline: string[] = [];
  private readonly events: string[] = [];

  constructor(
    private readonly clock: () => number,
    private readonly onLine?: (line: string) => void,
  ) {}

  /** A timeline line, stamped with the run's clock. */
  line(text: string): void {
    const stamped = `+${fmtMs(this.clock()).padStart(7)} ${text}`;
    this.timeline.push(stamped);
    this.onLine?.(stamped);
  }

  /**
   * A trace event, stamped in milliseconds since the epoch — the time base of the nodes' own
   * canonical traces (the reference's), so the two logs merge into one for `raftkit trace`.
   */
  trace(event: KitTraceEvent): void {
    const epochMs = performance.timeOrigin + performance.now();
    const time = event.event === 'Cluster' ? {} : { time: Math.round(epochMs * 10) / 10 };
    this.events.push(JSON.stringify({ ...event, ...time }));
  }

  /** The trace events as NDJSON (one line each). */
  traceText(): string {
    return this.events.length === 0 ? '' : `${this.events.join('\n')}\n`;
  }
}
