import { createHash } from 'node:crypto';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/**
 * The worker bundle kept on disk between processes (`worker-source.ts`).
 *
 * Bundling `worker.ts` with esbuild took 195–221 ms of the main thread in a quiet process
 * and 470–480 ms on a busy one, before any worker could be spawned, and it is the same
 * bundle every time until a source file changes. So the bundle is written under a cache
 * directory with a manifest of its inputs (path, size, modification time, as `make`
 * judges); a later process whose inputs all still match uses the file as it is (a few
 * `stat` calls), and any difference bundles again. Files are written under a temporary
 * name and renamed, so a reader sees a whole file or none; the bundle's name is the hash of
 * its content, so a process never replaces the bundle another one's workers are loading.
 */

/** What one bundling produced: the code, and the files it was made from (absolute paths). */
export interface Built {
  readonly code: Uint8Array;
  readonly inputs: readonly string[];
}

/** An input as last bundled: path, size in bytes, modification time in ms. */
type Stamp = [string, number, number];

interface Manifest {
  readonly bundle: string;
  readonly inputs: readonly Stamp[];
}

/** An input modified less than this before bundling may have changed while it was read. */
const SETTLE_MS = 2000;

/**
 * Bundles no manifest names and not used for this long are removed when a new one is
 * written (a process that took one a day ago and starts workers again needs it still).
 */
const PRUNE_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * The path of the cached bundle for `key` (a name safe in a file name: what is bundled,
 * with what) if its inputs are unchanged; otherwise `build()` is run and its bundle cached.
 * Returns the bundle's path, or its code when the directory cannot be written.
 */
export function cachedBundle(
  dir: string,
  key: string,
  build: () => Built,
): { path: string } | { code: Uint8Array } {
  const fresh = freshBundle(dir, key);
  if (fresh !== null) return { path: fresh };
  const started = Date.now();
  const built = build();
  const stamps = stampsOf(built.inputs);
  // An input changed while esbuild read it: this bundle may mix two versions, so it is
  // used once and not kept (the next process bundles again). File times come from a
  // coarse clock (a few ms behind, whole seconds on some file systems), hence the margin.
  const settled = (mtime: number) => mtime < started - SETTLE_MS;
  if (stamps === null || !stamps.every(([, , mtime]) => settled(mtime))) return { code: built.code };
  const path = store(dir, key, built.code, stamps);
  return path === null ? { code: built.code } : { path };
}

/** The cached bundle's path when the manifest exists and every input still matches it. */
function freshBundle(dir: string, key: string): string | null {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath(dir, key), 'utf8')) as Manifest;
  } catch {
    return null;
  }
  const now = stampsOf(manifest.inputs.map(([path]) => path));
  if (now === null || JSON.stringify(now) !== JSON.stringify(manifest.inputs)) return null;
  const path = join(dir, manifest.bundle);
  try {
    const now = new Date();
    utimesSync(path, now, now); // in use: pruning goes by the last use (and fails here if it is gone)
  } catch {
    return null;
  }
  return path;
}

/** Size and modification time of each file, or null if one cannot be read. */
function stampsOf(paths: readonly string[]): Stamp[] | null {
  try {
    return paths.map((path) => {
      const s = statSync(path);
      return [path, s.size, s.mtimeMs];
    });
  } catch {
    return null;
  }
}

/** Write the bundle, then its manifest; null when the directory cannot be written. */
function store(dir: string, key: string, code: Uint8Array, inputs: Stamp[]): string | null {
  const bundle = `worker-${createHash('sha256').update(code).digest('hex').slice(0, 20)}.mjs`;
  try {
    mkdirSync(dir, { recursive: true });
    writeAtomically(join(dir, bundle), code);
    writeAtomically(manifestPath(dir, key), JSON.stringify({ bundle, inputs } satisfies Manifest));
  } catch {
    return null;
  }
  prune(dir);
  return join(dir, bundle);
}

function writeAtomically(path: string, data: Uint8Array | string): void {
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(temporary, data);
  renameSync(temporary, path);
}

function manifestPath(dir: string, key: string): string {
  return join(dir, `${key}.json`);
}

/**
 * Remove the bundles no manifest names any more (each edit of a source makes a new one),
 * once they have not been used for long enough that no running process still needs them.
 */
function prune(dir: string): void {
  try {
    const names = readdirSync(dir);
    const named = new Set(
      names
        .filter((n) => n.endsWith('.json'))
        .map((n) => (JSON.parse(readFileSync(join(dir, n), 'utf8')) as Manifest).bundle),
    );
    const old = Date.now() - PRUNE_AFTER_MS;
    for (const n of names) {
      const path = join(dir, n);
      if (/^worker-.*\.(mjs|tmp)$/.test(n) && !named.has(n) && statSync(path).mtimeMs < old) unlinkSync(path);
    }
  } catch {
    // Pruning is tidying: a file another process removed first, or a manifest half
    // written by hand, must not stop the run.
  }
}
