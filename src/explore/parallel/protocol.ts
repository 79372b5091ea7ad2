import type { ClusterBounds } from '../../../models/cluster/actions.ts';
import type { NetworkSemantics } from '../../../models/cluster/config.ts';
import type { Features } from '../../../models/features.ts';
import type { WorkerPiece } from './checkpoint.ts';
import type { MovedRecords } from './moving.ts';
import type { WorkerProfile } from './profile.ts';

/**
 * What the coordinator and the workers of a parallel breadth-first search say to each
 * other (structured clones over `worker_threads` ports). The search goes level by level:
 * the coordinator starts a level in every worker, each expands its share of the frontier
 * (stealing from the others when it runs out, `stealing.ts`) and reports, and so on.
 */

/** What a worker needs to rebuild the cluster model (a compiled statechart cannot be cloned). */
export interface ModelRecipe {
  readonly nodes: number;
  readonly features: Features;
  readonly network: NetworkSemantics;
  readonly values: readonly string[];
  readonly dropDeadResponses: boolean;
  /** A mutation's name (models/mutations.ts), or null for the model itself. */
  readonly mutation: string | null;
}

export interface WorkerSetup {
  readonly index: number;
  /** When the coordinator created the thread (Date.now()). */
  readonly spawnedAt: number;
  readonly workers: number;
  readonly recipe: ModelRecipe;
  readonly bounds: ClusterBounds;
  readonly symmetry: boolean;
  readonly stopOnViolation: boolean;
  readonly maxStates: number;
  readonly deadline: number;
  /** Names of the properties to check (the registry's). */
  readonly properties: readonly string[];
  readonly control: SharedArrayBuffer;
  readonly stats: SharedArrayBuffer;
  readonly table: SharedArrayBuffer;
  /** The steal board (`stealing.ts`). */
  readonly board: SharedArrayBuffer;
  readonly maxMemoryFraction?: number;
  /** Go on from a checkpoint: its directory and this worker's part of it. */
  readonly resume?: { readonly dir: string; readonly piece: WorkerPiece };
}

export type ToWorker =
  | { readonly type: 'start' }
  | { readonly type: 'level'; readonly level: number; readonly resumed?: boolean }
  | { readonly type: 'checkpoint'; readonly dir: string }
  | { readonly type: 'lookup'; readonly id: number }
  | { readonly type: 'finish' };

export interface FoundReport {
  readonly property: string;
  readonly id: number;
  readonly via?: number;
  readonly length: number;
}

export interface WorkerSummary {
  readonly distinct: number;
  readonly generated: number;
  readonly depth: number;
  readonly violated: boolean;
  readonly outOfTime: boolean;
  readonly outOfMemory: boolean;
  readonly found: readonly FoundReport[];
  /** Bytes of this worker's per-state columns. */
  readonly columnBytes: number;
  /** States this worker queued, the ints their records took, the most queued at once. */
  readonly pushed: number;
  readonly pushedInts: number;
  readonly peakFrontier: number;
}

export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'grow' }
  | { readonly type: 'done'; readonly queued: number }
  /** States for thief `to`: the coordinator puts them on its steal port, then answers it. */
  | { readonly type: 'stolen'; readonly to: number; readonly moved: MovedRecords }
  | { readonly type: 'step'; readonly parent: number; readonly action: number }
  | { readonly type: 'saved'; readonly piece: WorkerPiece }
  | { readonly type: 'summary'; readonly summary: WorkerSummary; readonly profile: WorkerProfile };

/** Per worker in the stats block (Float64Array): distinct, generated, depth, queued. */
export const STATS_PER_WORKER = 4;
