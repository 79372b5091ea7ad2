import type { NodeId } from '../../models/index.ts';
import { type ClusterImplementation, GarbageAnswerError, type NodeStatus } from './types.ts';

/**
 * Every read of a node goes through here, whatever the implementation: the runner — not
 * each implementation — checks that an answer came from the node it asked (a port reused
 * by another process, a wrapper that forwards to the wrong node), discards it otherwise
 * and says so once in the event log. An answer that breaks the status contract
 * (`GarbageAnswerError`) is kept as the run's fatal problem: the scenario fails with it.
 */

export class WrongNodeError extends Error {}

export class NodeReader {
  /** The first contract-breaking answer of the run (the scenario fails with it). */
  fatal: GarbageAnswerError | null = null;
  private readonly noted = new Set<string>();

  constructor(
    private readonly implementation: ClusterImplementation,
    private readonly note: (line: string) => void,
  ) {}

  get sampleIntervalMs(): number {
    return this.implementation.sampleIntervalMs;
  }

  async status(node: NodeId, signal: AbortSignal): Promise<NodeStatus> {
    const status = await this.guard(() => this.implementation.status(node, signal));
    this.checkFrom(node, status.node);
    return status;
  }

  async committed(node: NodeId, signal: AbortSignal): Promise<readonly string[]> {
    const answer = await this.guard(() => this.implementation.committed(node, signal));
    this.checkFrom(node, answer.from);
    return answer.values;
  }

  private async guard<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (error instanceof GarbageAnswerError) this.fatal ??= error;
      throw error;
    }
  }

  private checkFrom(asked: NodeId, answered: NodeId): void {
    if (answered === asked) return;
    const text = `${asked}'s status port answered as ${answered}: answer discarded`;
    if (!this.noted.has(text)) this.note(`     ${text}`);
    this.noted.add(text);
    throw new WrongNodeError(text);
  }
}
