import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesOf, CheckpointError, readMeta, type SearchPiece, writeAtomic } from '../checkpoint.ts';

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
 * (`local * N + worker`), so a checkpoint resumes with the same number of workers.
 */

const VERSION = 1;

/** A worker's part of a checkpoint: its search, and its states of the level under way. */
export interface WorkerPiece extends SearchPiece {
  readonly levelLeft: number;
}

export interface ParallelMeta {
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

/** Write the shared table and `checkpoint.json` (last) once every worker wrote its files. */
export function writeParallelCheckpoint(
  dir: string,
  table: SharedArrayBuffer,
  meta: Omit<ParallelMeta, 'version' | 'writtenAt'>,
): void {
  mkdirSync(dir, { recursive: true });
  writeAtomic(join(dir, 'visited.bin'), new Uint8Array(table));
  const full: ParallelMeta = { version: VERSION, ...meta, writtenAt: new Date().toISOString() };
  writeAtomic(join(dir, 'checkpoint.json'), JSON.stringify(full));
}

/** A parallel checkpoint's description, checked against this run's space and worker count. */
export function readParallelMeta(dir: string, space: string, workers: number): ParallelMeta {
  const meta = readMeta<ParallelMeta>(dir, space, VERSION);
  if (!('workers' in meta)) {
    throw new CheckpointError(`${dir} is a checkpoint of a one-worker run; resume it with --workers 1`);
  }
  if (meta.workers !== workers) {
    throw new CheckpointError(
      `${dir} is a checkpoint of a run with ${meta.workers} workers; resume it with --workers ${meta.workers}`,
    );
  }
  return meta;
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

/** The shared table as the checkpoint saved it. */
export function readSharedTable(dir: string): SharedArrayBuffer {
  const bytes = new Uint8Array(bytesOf(join(dir, 'visited.bin')));
  const table = new SharedArrayBuffer(bytes.byteLength);
  new Uint8Array(table).set(bytes);
  return table;
}
