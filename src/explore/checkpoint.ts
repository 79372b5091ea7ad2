import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Property } from '../../models/properties/index.ts';
import type { BreadthFirst } from './bfs.ts';
import { FingerprintSet } from './fingerprints.ts';
import type { Found, Search } from './search.ts';
import { type PartsDump, StateParts } from './state-queue.ts';

/**
 * Checkpoints of a breadth-first search (`raftkit check --checkpoint DIR`, `--resume DIR`),
 * as TLC writes them: everything needed to go on exactly where the search stopped.
 *
 * - `checkpoint.json`: what space this is (a resume of another space is refused), the
 *   counters, what was found, and the numbered parts (servers, messages, histories) the
 *   frontier's records refer to;
 * - `visited.bin`: the fingerprint table as it is in memory;
 * - `parent.bin`, `action.bin`, `depth.bin`: the per-state columns (paths are rebuilt from them);
 * - `frontier.bin`: the frontier's records, oldest first. A state whose expansion the stop
 *   cut short comes first, to be expanded again (its successors already admitted are
 *   seen as visited; the transitions it had counted are not counted twice).
 *
 * The data files of one checkpoint go into a directory of their own, `generation-<n>`;
 * `checkpoint.json`, written last (to a temporary name, then renamed), names it and the size
 * and SHA-1 of each of its files, and only then are older generations removed. A run killed
 * while writing leaves the previous checkpoint whole (its `checkpoint.json` still names the
 * previous generation); a resume checks every file against `checkpoint.json` and refuses a
 * damaged one with a CheckpointError rather than read a torn table or frontier.
 */

const VERSION = 2;

/** A checkpoint that cannot be resumed (missing, of another version or of another space). */
export class CheckpointError extends Error {}

/** One search's counters, findings and parts (a parallel checkpoint has one per worker). */
export interface SearchPiece {
  readonly distinct: number;
  readonly generated: number;
  readonly maxDepth: number;
  readonly found: readonly { readonly property: string; readonly found: Found }[];
  readonly parts: PartsDump;
}

/** Where a checkpoint's data files are, and what each holds (`checkpoint.json` lists them). */
export interface DataFiles {
  /** The directory of this generation's files, inside the checkpoint's directory. */
  readonly files: string;
  readonly digests: Readonly<Record<string, { readonly bytes: number; readonly sha1: string }>>;
}

interface Meta extends SearchPiece, DataFiles {
  readonly version: number;
  /** The space searched: model, bounds, symmetry, properties (`CheckOptions.space`). */
  readonly space: string;
  readonly visited: number;
  readonly writtenAt: string;
}

export function writeCheckpoint(dir: string, bfs: BreadthFirst, space: string): void {
  const generation = nextGeneration(dir);
  const data = join(dir, generation);
  const visited = bfs.options.visited as FingerprintSet;
  writeAtomic(join(data, 'visited.bin'), visited.table);
  const piece = writeSearchFiles(data, '', bfs);
  const writtenAt = new Date().toISOString();
  commitCheckpoint(dir, generation, { version: VERSION, space, visited: visited.size, ...piece, writtenAt });
}

/**
 * A fresh, empty directory for the next checkpoint's data files: the generation after the
 * one `checkpoint.json` names (what a killed write left of it is removed first).
 */
export function nextGeneration(dir: string): string {
  let current = 0;
  try {
    const meta = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as Partial<DataFiles>;
    current = Number(/^generation-(\d+)$/.exec(String(meta.files))?.[1] ?? 0);
  } catch {
    // No checkpoint yet, or a damaged one: this one starts the count again.
  }
  const generation = `generation-${current + 1}`;
  rmSync(join(dir, generation), { recursive: true, force: true });
  mkdirSync(join(dir, generation), { recursive: true });
  return generation;
}

/**
 * Make the generation's files the checkpoint: `checkpoint.json` (with their sizes and
 * digests) replaces the old one in one rename, then the older generations go.
 */
export function commitCheckpoint(dir: string, generation: string, meta: object): void {
  const data = join(dir, generation);
  const digests = Object.fromEntries(
    readdirSync(data)
      .sort()
      .map((f) => [f, digestOf(join(data, f))]),
  );
  writeAtomic(join(dir, 'checkpoint.json'), JSON.stringify({ ...meta, files: generation, digests }));
  for (const name of readdirSync(dir))
    if (/^generation-\d+$/.test(name) && name !== generation)
      rmSync(join(dir, name), { recursive: true, force: true });
}

function digestOf(file: string): { bytes: number; sha1: string } {
  const bytes = readFileSync(file);
  return { bytes: bytes.byteLength, sha1: createHash('sha1').update(bytes).digest('hex') };
}

/**
 * The directory of a checkpoint's data files, each checked against `checkpoint.json`: a file
 * missing, cut short or of another checkpoint is a CheckpointError, never a torn read.
 */
export function checkedData(dir: string, meta: DataFiles): string {
  const damaged = (why: string) =>
    new CheckpointError(`damaged checkpoint in ${dir}: ${why}; run again without --resume`);
  if (
    typeof meta.files !== 'string' ||
    !/^generation-\d+$/.test(meta.files) ||
    typeof meta.digests !== 'object'
  )
    throw damaged('checkpoint.json does not list its data files');
  const data = join(dir, meta.files);
  for (const [file, expected] of Object.entries(meta.digests)) {
    let found: { bytes: number; sha1: string };
    try {
      found = digestOf(join(data, file));
    } catch {
      throw damaged(`${meta.files}/${file} is missing`);
    }
    if (found.bytes !== expected.bytes)
      throw damaged(`${meta.files}/${file} has ${found.bytes} bytes, checkpoint.json says ${expected.bytes}`);
    if (found.sha1 !== expected.sha1)
      throw damaged(`${meta.files}/${file} is not the file checkpoint.json describes (another SHA-1)`);
  }
  return data;
}

/**
 * Write a search's columns and frontier as `<prefix>parent.bin` … `<prefix>frontier.bin`
 * (a state whose expansion was cut short first, then `ahead`, records to expand before the
 * queue's: a parallel worker's stolen states); returns what goes into `checkpoint.json`.
 */
export function writeSearchFiles(
  dir: string,
  prefix: string,
  bfs: BreadthFirst,
  ahead: Int32Array = new Int32Array(0),
): SearchPiece {
  const search = bfs.search;
  const interrupted = bfs.interrupted;
  const frontier = bfs.queue.unread();
  const first = interrupted === null ? new Int32Array(0) : recordOf(interrupted.item);
  writeAtomic(join(dir, `${prefix}parent.bin`), search.parent.values());
  writeAtomic(join(dir, `${prefix}action.bin`), search.actionIndex.values());
  writeAtomic(join(dir, `${prefix}depth.bin`), search.depthOf.values());
  writeAtomic(join(dir, `${prefix}frontier.bin`), concat(concat(first, ahead), frontier));
  return {
    distinct: search.count,
    generated: interrupted?.generated ?? search.generated,
    maxDepth: search.maxDepth,
    found: [...search.found].map(([p, found]) => ({ property: p.name, found })),
    parts: bfs.parts.dump(),
  };
}

/** A search's columns and frontier as `writeSearchFiles` wrote them. */
export interface SearchFiles {
  readonly frontier: Int32Array;
  readonly columns: { parent: Int32Array; action: Int32Array; depth: Int32Array };
}

export function readSearchFiles(dir: string, prefix: string): SearchFiles {
  const ints = (name: string) => new Int32Array(bytesOf(join(dir, `${prefix}${name}`)));
  return {
    frontier: ints('frontier.bin'),
    columns: { parent: ints('parent.bin'), action: ints('action.bin'), depth: ints('depth.bin') },
  };
}

/** A checkpoint read back, ready to restore into a new search. */
export interface Checkpoint extends SearchFiles {
  readonly meta: Meta;
  readonly parts: StateParts;
  readonly visited: FingerprintSet;
}

/** Read a checkpoint; throws an Error naming the problem when it is missing, old or of another space. */
export function readCheckpoint(dir: string, space: string): Checkpoint {
  const meta = readMeta<Meta>(dir, space, VERSION);
  if ('workers' in meta) {
    throw new CheckpointError(
      `${dir} is a checkpoint of a run with ${meta.workers} workers; resume it with --workers ${meta.workers}`,
    );
  }
  const data = checkedData(dir, meta);
  return {
    meta,
    parts: StateParts.load(meta.parts),
    visited: FingerprintSet.fromTable(new Uint32Array(bytesOf(join(data, 'visited.bin'))), meta.visited),
    ...readSearchFiles(data, ''),
  };
}

/** A checkpoint's `checkpoint.json`, checked: it exists, has this version and is of this space. */
export function readMeta<M extends { version: number; space: string }>(
  dir: string,
  space: string,
  version: number,
): M {
  let text: string;
  try {
    text = readFileSync(join(dir, 'checkpoint.json'), 'utf8');
  } catch (error) {
    throw new CheckpointError(`no checkpoint in ${dir} (${(error as Error).message})`);
  }
  const meta = parseMeta<M>(dir, text);
  if (meta.version !== version)
    throw new CheckpointError(`${dir}: checkpoint version ${meta.version}, expected ${version}`);
  if (meta.space !== space) {
    throw new CheckpointError(
      `${dir} is a checkpoint of another run (${meta.space}); resume it with the same model and bounds`,
    );
  }
  return meta;
}

function parseMeta<M>(dir: string, text: string): M {
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch (error) {
    throw new CheckpointError(
      `damaged checkpoint in ${dir}: checkpoint.json is not JSON (${(error as Error).message}); run again without --resume`,
    );
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta))
    throw new CheckpointError(`damaged checkpoint in ${dir}: checkpoint.json is not an object`);
  return meta as M;
}

/** Put a checkpoint's counters, columns, findings and frontier into a fresh search. */
export function restore(checkpoint: { meta: SearchPiece } & SearchFiles, bfs: BreadthFirst): void {
  const search: Search = bfs.search;
  const { meta, columns } = checkpoint;
  search.parent.pushAll(columns.parent);
  search.actionIndex.pushAll(columns.action);
  search.depthOf.pushAll(columns.depth);
  search.generated = meta.generated;
  search.maxDepth = meta.maxDepth;
  for (const { property, found } of meta.found) {
    const p = search.properties.find((q: Property) => q.name === property);
    if (p === undefined) continue;
    search.found.set(p, found);
    if (p.kind === 'always') search.violated = true;
  }
  bfs.queue.pushRecords(checkpoint.frontier);
}

function recordOf(item: {
  id: number;
  nodes: readonly number[];
  history: number;
  messages: readonly number[];
}) {
  return Int32Array.from([item.id, ...item.nodes, item.history, item.messages.length, ...item.messages]);
}

function concat(a: Int32Array, b: Int32Array): Int32Array {
  const all = new Int32Array(a.length + b.length);
  all.set(a);
  all.set(b, a.length);
  return all;
}

export function bytesOf(file: string): ArrayBuffer {
  const buffer = readFileSync(file);
  return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
}

export function writeAtomic(file: string, data: ArrayBufferView | string): void {
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, data as Uint8Array | string);
  renameSync(temporary, file);
}
