import { type Features, makeFeatures } from '../features.ts';
import type { CompiledMachine } from '../node/compiled.ts';
import { compileNodeMachine } from '../node/compiled.ts';
import type { NodeImplementations } from '../node/machine.ts';
import { defaultImplementations } from '../node/machine.ts';
import type { NodeId } from '../types.ts';

/**
 * What the network may do to a message in flight, besides delivering it. raft.tla's
 * network is both lossy (`DropMessage`) and duplicating (`DuplicateMessage`); either can
 * be switched off.
 */
export interface NetworkSemantics {
  /** A message may be lost (`Drop`). */
  readonly lossy: boolean;
  /** A message may be delivered more than once (`Duplicate`). */
  readonly duplicating: boolean;
}

export const LOSSY_DUPLICATING: NetworkSemantics = { lossy: true, duplicating: true };
export const RELIABLE: NetworkSemantics = { lossy: false, duplicating: false };

/** The cluster model's configuration: raft.tla's constants `Server` and `Value`, plus features. */
export interface ClusterConfig {
  /** The servers, sorted: `n1`, `n2`, … */
  readonly nodes: readonly NodeId[];
  readonly features: Features;
  readonly network: NetworkSemantics;
  /** The values clients may ask to append (raft.tla `Value`). Empty: elections only. */
  readonly values: readonly string[];
  /** The compiled node statechart every node is stepped through (a mutation replaces rules). */
  readonly machine: CompiledMachine;
  /**
   * A reduction, not a change of behaviour: responses that can never again have an
   * effect (from a term below their addressee's currentTerm) leave the network at once.
   */
  readonly dropDeadResponses?: boolean;
}

export const MAX_NODES = 7;

export interface ClusterOptions {
  /** Number of servers, 1 to 7 (default 3). */
  readonly nodes?: number;
  readonly features?: Partial<Features>;
  readonly network?: Partial<NetworkSemantics>;
  /** Client values (default none). */
  readonly values?: readonly string[];
  /** Guard and update implementations (default: the unmutated model). */
  readonly implementations?: NodeImplementations;
  /** An already compiled statechart (a mutation's); wins over `implementations`. */
  readonly machine?: CompiledMachine;
  /** Remove dead responses from the network at once (default false). */
  readonly dropDeadResponses?: boolean;
}

export function nodeIds(count: number): NodeId[] {
  return Array.from({ length: count }, (_, i) => `n${i + 1}`);
}

export function makeClusterConfig(options: ClusterOptions = {}): ClusterConfig {
  const count = options.nodes ?? 3;
  if (!Number.isInteger(count) || count < 1 || count > MAX_NODES) {
    throw new RangeError(`a cluster has 1 to ${MAX_NODES} nodes, got ${count}`);
  }
  const values = [...(options.values ?? [])];
  if (new Set(values).size !== values.length)
    throw new RangeError(`client values must be distinct: ${values}`);
  return {
    nodes: nodeIds(count),
    features: makeFeatures(options.features),
    network: { ...LOSSY_DUPLICATING, ...options.network },
    values,
    dropDeadResponses: options.dropDeadResponses ?? false,
    machine: options.machine ?? compileNodeMachine(options.implementations ?? defaultImplementations),
  };
}
