import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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
 * Files are written under temporary names and renamed, `checkpoint.json` last, so a crash
 * while writing leaves the previous checkpoint whole.
 */

const VERSION = 1;

/** A checkpoint that cannot be resumed (missing, of another version or of another space). */
export class CheckpointError extends Error {}

interface Meta {
  readonly version: number;
  /** The space searched: model, bounds, symmetry, properties (`CheckOptions.space`). */
  readonly space: string;
  readonly distinct: number;
  readonly generated: number;
  readonly maxDepth: number;
  readonly visited: number;
  readonly found: readonly { readonly property: string; readonly found: Found }[];
  readonly parts: PartsDump;
  readonly writtenAt: string;
}

export function writeCheckpoint(dir: string, bfs: BreadthFirst, space: string): void {
  mkdirSync(dir, { recursive: true });
  const search = bfs.search;
  const visited = bfs.options.visited as FingerprintSet;
  const interrupted = bfs.interrupted;
  const meta: Meta = {
    version: VERSION,
    space,
    distinct: search.count,
    generated: interrupted?.generated ?? search.generated,
    maxDepth: search.maxDepth,
    visited: visited.size,
    found: [...search.found].map(([p, found]) => ({ property: p.name, found })),
    parts: bfs.parts.dump(),
    writtenAt: new Date().toISOString(),
  };
  const frontier = bfs.queue.unread();
  const first = interrupted === null ? new Int32Array(0) : recordOf(interrupted.item);
  writeAtomic(join(dir, 'visited.bin'), visited.table);
  writeAtomic(join(dir, 'parent.bin'), search.parent.values());
  writeAtomic(join(dir, 'action.bin'), search.actionIndex.values());
  writeAtomic(join(dir, 'depth.bin'), search.depthOf.values());
  writeAtomic(join(dir, 'frontier.bin'), concat(first, frontier));
  writeAtomic(join(dir, 'checkpoint.json'), JSON.stringify(meta));
}

/** A checkpoint read back, ready to restore into a new search. */
export interface Checkpoint {
  readonly meta: Meta;
  readonly parts: StateParts;
  readonly visited: FingerprintSet;
  readonly frontier: Int32Array;
  readonly columns: { parent: Int32Array; action: Int32Array; depth: Int32Array };
}

/** Read a checkpoint; throws an Error naming the problem when it is missing, old or of another space. */
export function readCheckpoint(dir: string, space: string): Checkpoint {
  let meta: Meta;
  try {
    meta = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as Meta;
  } catch (error) {
    throw new CheckpointError(`no checkpoint in ${dir} (${(error as Error).message})`);
  }
  if (meta.version !== VERSION)
    throw new Error(`${dir}: checkpoint version ${meta.version}, expected ${VERSION}`);
  if (meta.space !== space) {
    throw new Error(
      `${dir} is a checkpoint of another run (${meta.space}); resume it with the same model and bounds`,
    );
  }
  const ints = (name: string) => new Int32Array(bytesOf(join(dir, name)));
  return {
    meta,
    parts: StateParts.load(meta.parts),
    visited: FingerprintSet.fromTable(new Uint32Array(bytesOf(join(dir, 'visited.bin'))), meta.visited),
    frontier: ints('frontier.bin'),
    columns: { parent: ints('parent.bin'), action: ints('action.bin'), depth: ints('depth.bin') },
  };
}

/** Put a checkpoint's counters, columns, findings and frontier into a fresh search. */
export function restore(checkpoint: Checkpoint, bfs: BreadthFirst): void {
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

function bytesOf(file: string): ArrayBuffer {
  const buffer = readFileSync(file);
  return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
}

function writeAtomic(file: string, data: ArrayBufferView | string): void {
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, data as Uint8Array | string);
  renameSync(temporary, file);
}
