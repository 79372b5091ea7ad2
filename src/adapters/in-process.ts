import type { Message, NodeId } from '../../models/types.ts';
import {
  AdapterError,
  type AdapterHello,
  type ClusterCreated,
  type ClusterInspection,
  type CreateCluster,
  ERROR_CODES,
  type ImplementationFeatures,
  type NodeStatus,
  PROTOCOL_VERSION,
  type StepAdapter,
  type StepCommand,
  type StepReply,
} from './types.ts';

/**
 * The in-process form of the step protocol: an object with one method per command. The
 * reference harness (`src/reference/harness.ts`) has this shape; an error it throws with a
 * numeric `code` is a protocol error (PROTOCOL.md §8), anything else an implementation
 * error (code 20).
 */
export interface StepTarget {
  readonly implementation: string;
  readonly features: ImplementationFeatures;
  /** Opt-in tolerances (PROTOCOL.md §3); none for the reference. */
  readonly tolerances?: readonly string[];
  create(spec: CreateCluster): ClusterCreated;
  deliver(message: Message): StepReply;
  timeout(node: NodeId, timer: 'election' | 'heartbeat'): StepReply;
  tick(node: NodeId, ticks: number): StepReply;
  propose(node: NodeId, value: string): StepReply;
  crash(node: NodeId): StepReply;
  restart(node: NodeId): StepReply;
  state(node: NodeId): NodeStatus;
  drain(node: NodeId): Message[];
  inspect?(): ClusterInspection;
}

/** Run one target command; the error it throws, as a protocol error code and text. */
export function dispatchStep(target: StepTarget, command: StepCommand): StepReply {
  switch (command.type) {
    case 'deliver':
      return target.deliver(command.message);
    case 'timeout':
      return target.timeout(command.node, command.timer);
    case 'tick':
      return target.tick(command.node, command.ticks);
    case 'propose':
      return target.propose(command.node, command.value);
    case 'crash':
      return target.crash(command.node);
    case 'restart':
      return target.restart(command.node);
  }
}

/** The protocol error code of a thrown error: its own `code`, or 20 (implementation error). */
export function errorCodeOf(error: unknown): { code: number; text: string } {
  const text = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' && ERROR_CODES[code] ? { code, text } : { code: 20, text };
}

function toAdapterError(error: unknown): AdapterError {
  const { code, text } = errorCodeOf(error);
  const { kind, definite } = ERROR_CODES[code];
  return new AdapterError(kind, code === 20 ? `implementation raised an error: ${text}` : text, definite);
}

export class InProcessAdapter implements StepAdapter {
  constructor(
    readonly name: string,
    private readonly target: StepTarget,
  ) {}

  async hello(): Promise<AdapterHello> {
    return {
      protocol: PROTOCOL_VERSION,
      implementation: this.target.implementation,
      features: this.target.features,
      tolerances: this.target.tolerances ?? [],
    };
  }

  async create(spec: CreateCluster): Promise<ClusterCreated> {
    return this.guard(() => this.target.create(spec));
  }

  async step(command: StepCommand): Promise<StepReply> {
    return this.guard(() => dispatchStep(this.target, command));
  }

  async state(node: NodeId): Promise<NodeStatus> {
    return this.guard(() => this.target.state(node));
  }

  async drain(node: NodeId): Promise<readonly Message[]> {
    return this.guard(() => this.target.drain(node));
  }

  async inspect(): Promise<ClusterInspection> {
    const target = this.target;
    if (!target.inspect) throw new AdapterError('not-supported', 'inspect is not supported', true);
    return this.guard(() => target.inspect!());
  }

  async close(): Promise<void> {}

  private guard<T>(call: () => T): T {
    try {
      return call();
    } catch (error) {
      throw toAdapterError(error);
    }
  }
}
