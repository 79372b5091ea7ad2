import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { type Built, cachedBundle } from './bundle-cache.ts';

/**
 * Where a worker thread's code comes from.
 *
 * In a checkout the checker is TypeScript. A worker that loads it through tsx's loader
 * (`worker-entry.mjs`) sends every module through the loader's hooks thread: measured on
 * this 2-core machine (under load), 0.75–0.93 s of CPU and 1.5 s before the worker was
 * ready, while the same code bundled into one ES module by esbuild (tsx's own dependency)
 * loaded in 0.13 s of CPU and 0.3 s. With both cores starting workers, that second is lost
 * to the search. So `worker.ts` and everything it imports is bundled into one module that
 * imports only Node's built-in modules, kept on disk between processes
 * (`bundle-cache.ts`, under `node_modules/.cache/raftkit`), and every worker loads that
 * file (27 ms here, against 56 ms from a `data:` URL). If the cache cannot be written the
 * bundle is loaded from a `data:` URL; if esbuild cannot be found or the bundle fails,
 * workers go through `worker-entry.mjs` as before. An installed package has no
 * TypeScript: its workers load the built `worker.js`.
 */

interface Esbuild {
  buildSync(options: Record<string, unknown>): {
    outputFiles: { contents: Uint8Array }[];
    metafile: { inputs: Record<string, unknown> };
  };
}

/** The package's root (three levels above this file), where esbuild resolves from. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let bundled: URL | null | undefined;

/**
 * A worker thread of the search, on the code `workerUrl` gives, with the parent's Node
 * options less tsx's preloads (`workerExecArgv`). Node checks options given to a worker
 * and refuses some it would inherit silently (`--trace-gc` and other V8 flags): then the
 * worker inherits them all, tsx's preloads too, as before.
 */
export function newWorker(options: WorkerOptions, parentArgv: readonly string[] = process.execArgv): Worker {
  const execArgv = workerExecArgv(parentArgv);
  if (execArgv.length === parentArgv.length) return new Worker(workerUrl(), options);
  try {
    return new Worker(workerUrl(), { ...options, execArgv });
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
    return new Worker(workerUrl(), options);
  }
}

export function workerUrl(cacheDir = defaultCacheDir()): URL {
  const source = new URL('./worker.ts', import.meta.url);
  if (!existsSync(fileURLToPath(source))) return new URL('./worker.js', import.meta.url);
  bundled ??= bundle(fileURLToPath(source), cacheDir);
  return bundled ?? new URL('./worker-entry.mjs', import.meta.url);
}

/** `node_modules/.cache/raftkit` of the package (the directory tools such as Babel and ESLint use). */
export function defaultCacheDir(): string {
  return resolve(ROOT, 'node_modules', '.cache', 'raftkit');
}

/** The bundle of `entry` as a file URL (cached) or a `data:` URL, or null if it cannot be made. */
export function bundle(entry: string, cacheDir: string): URL | null {
  try {
    const esbuild = esbuildOfTsx();
    const key = `worker-${createHash('sha256').update(`${entry}\0${esbuild.version}`).digest('hex').slice(0, 16)}`;
    const got = cachedBundle(cacheDir, key, () => build(esbuild.load(), entry));
    if ('path' in got) return pathToFileURL(got.path);
    return new URL(`data:text/javascript;base64,${Buffer.from(got.code).toString('base64')}`);
  } catch {
    return null;
  }
}

function build(esbuild: Esbuild, entry: string): Built {
  const out = esbuild.buildSync({
    entryPoints: [entry],
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(out.metafile.inputs).map((p) => resolve(ROOT, p));
  return { code: out.outputFiles[0].contents, inputs };
}

/**
 * The esbuild that tsx (a dependency of raftkit) brings along: its version at once, the
 * module itself only when a bundle must be made (loading it took 17–50 ms, ten times what
 * finding a cached bundle takes).
 */
function esbuildOfTsx(): { version: string; load(): Esbuild } {
  const tsx = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'));
  const { version } = tsx('esbuild/package.json') as { version: string };
  return { version, load: () => tsx('esbuild') as Esbuild };
}

/**
 * The parent's Node options for a worker, without tsx's own preloads. Run under `tsx`
 * (as `npm run bench:check` is), the process has `--require …/tsx/dist/preflight.cjs
 * --import …/tsx/dist/loader.mjs`, which a worker inherits by default: each worker then
 * loaded tsx and started its loader before its first line, 150–200 ms of a busy machine
 * for a worker that otherwise starts in 50. The bundle needs no loader, and
 * `worker-entry.mjs` registers tsx itself. Every other option is kept.
 */
export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const option = execArgv[i];
    const [name, inline] = option.split(/=(.*)/s, 2);
    const preload = ['--require', '-r', '--import', '--loader', '--experimental-loader'].includes(name);
    const value = inline ?? (preload ? execArgv[i + 1] : undefined);
    if (preload && value !== undefined && isTsx(value)) {
      if (inline === undefined) i++;
      continue;
    }
    kept.push(option);
  }
  return kept;
}

/** A module of the tsx package: its name, a path into it, or a file URL into it. */
function isTsx(specifier: string): boolean {
  return /^tsx(\/|$)/.test(specifier) || /[/\\]node_modules[/\\]tsx[/\\]/.test(specifier);
}
