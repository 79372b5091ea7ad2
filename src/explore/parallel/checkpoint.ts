import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  bytesOf,
  CheckpointError,
  checkedData,
  commitCheckpoint,
  type DataFiles,
  readMeta,
  type SearchPiece,
  writeAtomic,
} from '../checkpoint.ts';

/**
 * Checkpoints of a parallel breadth-first search (`raftkit check --workers N --checkpoint DIR`).
 *
 * The same files as a one-worker checkpoint (`../checkpoint.ts`), with each worker's own:
 * `visited.bin` is the shared fingerprint table, `w<i>-parent.bin` … `w<i>-frontier.bin`
 * are worker i's columns and frontier (written by the worker itself), and
 * `checkpoint.json` holds every worker's counters and parts plus the level under way and,
 * per worker, how many states at the front of its frontier belong to that level (the rest
 * belong to the next). A resume expands those first, so the search stays level by level
 * and ends with the counts of an uninterrupted run. State ids interleave the workers
 * (`local * N + worker`), so a checkpoint resumes with the same number of workers. The
 * data files go into a generation directory of their own, as in `../checkpoint.ts`, so a
 * run killed while writing keeps the previous checkpoint.
 */

const VERSION = 2;

/** A worker's part of a checkpoint: its search, and its states of the level under way. */
export interface WorkerPiece extends SearchPiece {
  readonly levelLeft: number;
}

export interface ParallelMeta extends DataFiles {
  readonly version: number;
  readonly space: string;
  readonly workers: number;
  /** The level being expanded when the checkpoint was written. */
  readonly level: number;
  /** Fingerprints in the shared table. */
  readonly visited: number;
  readonly pieces: readonly WorkerPiece[];
  readonly writtenAt: string;
}

/** The file prefix of worker `index`'s columns and frontier. */
export function workerPrefix(index: number): string {
  return `w${index}-`;
}

/**
 * Write the shared table into the generation directory (`nextGeneration`) once every worker
 * wrote its files there, then `checkpoint.json`, which makes them the checkpoint.
 */
export function writeParallelCheckpoint(
  dir: string,
  generation: string,
  table: SharedArrayBuffer,
  meta: Omit<ParallelMeta, 'version' | 'writtenAt' | keyof DataFiles>,
): void {
  writeAtomic(join(dir, generation, 'visited.bin'), new Uint8Array(table));
  commitCheckpoint(dir, generation, { version: VERSION, ...meta, writtenAt: new Date().toISOString() });
}

/**
 * A parallel checkpoint's description, checked against this run's space and worker count,
 * and the directory of its data files, each checked against it.
 */
export function readParallelMeta(
  dir: string,
  space: string,
  workers: number,
): ParallelMeta & { data: string } {
  const meta = readMeta<ParallelMeta>(dir, space, VERSION);
  if (!('workers' in meta)) {
    throw new CheckpointError(`${dir} is a checkpoint of a one-worker run; resume it with --workers 1`);
  }
  if (meta.workers !== workers) {
    throw new CheckpointError(
      `${dir} is a checkpoint of a run with ${meta.workers} workers; resume it with --workers ${meta.workers}`,
    );
  }
  return { ...meta, data: checkedData(dir, meta) };
}

/** How many workers wrote the checkpoint in `dir` (1 for a one-worker one, or when there is none). */
export function checkpointWorkers(dir: string): number {
  try {
    const meta = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as { workers?: number };
    return meta.workers ?? 1;
  } catch {
    return 1;
  }
}

/** The shared table as the checkpoint saved it (`data`: its data files' directory). */
export function readSharedTable(data: string): SharedArrayBuffer {
  const bytes = new Uint8Array(bytesOf(join(data, 'visited.bin')));
  const table = new SharedArrayBuffer(bytes.byteLength);
  new Uint8Array(table).set(bytes);
  return table;
}
