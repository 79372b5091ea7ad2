import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Where a worker thread's code comes from.
 *
 * In a checkout the checker is TypeScript. A worker that loads it through tsx's loader
 * (`worker-entry.mjs`) sends every module through the loader's hooks thread: measured on
 * this 2-core machine (under load), 0.75–0.93 s of CPU and 1.5 s before the worker was
 * ready, while the same code bundled into one ES module by esbuild (tsx's own dependency)
 * loaded in 0.13 s of CPU and 0.3 s. With both cores starting workers, that second is lost to the search. So
 * the first pool of a process bundles `worker.ts` once (~0.1 s) and every worker loads the
 * bundle from a `data:` URL (it imports only Node's built-in modules). If esbuild cannot
 * be found or the bundle fails, workers go through `worker-entry.mjs` as before. An
 * installed package has no TypeScript: its workers load the built `worker.js`.
 */

interface Esbuild {
  buildSync(options: Record<string, unknown>): { outputFiles: { contents: Uint8Array }[] };
}

let bundled: URL | null | undefined;

export function workerUrl(): URL {
  const source = new URL('./worker.ts', import.meta.url);
  if (!existsSync(fileURLToPath(source))) return new URL('./worker.js', import.meta.url);
  bundled ??= bundle(source);
  return bundled ?? new URL('./worker-entry.mjs', import.meta.url);
}

/** `worker.ts` and everything it imports as one ES module in a `data:` URL, or null. */
function bundle(entry: URL): URL | null {
  try {
    const esbuild = esbuildOfTsx();
    const out = esbuild.buildSync({
      entryPoints: [fileURLToPath(entry)],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      logLevel: 'silent',
    });
    const code = Buffer.from(out.outputFiles[0].contents).toString('base64');
    return new URL(`data:text/javascript;base64,${code}`);
  } catch {
    return null;
  }
}

/** The esbuild that tsx (a dependency of raftkit) brings along. */
function esbuildOfTsx(): Esbuild {
  const tsx = createRequire(import.meta.url).resolve('tsx/package.json');
  return createRequire(tsx)('esbuild') as Esbuild;
}
