import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { type Built, cachedBundle } from '../../src/explore/parallel/bundle-cache.ts';
import { bundle, newWorker, workerExecArgv } from '../../src/explore/parallel/worker-source.ts';

/**
 * The workers of `raftkit check --workers N` load one bundled module instead of the
 * TypeScript sources, and the bundle is kept on disk between processes: these tests pin
 * that a kept bundle is used only while every file it was made from is unchanged, that a
 * cache directory that cannot be written costs nothing but the cache, and that workers
 * started under tsx do not load tsx again.
 */
const dirs: string[] = [];
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'raftkit-bundle-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A file written as if edited at `seconds` after the epoch (well before any bundling). */
function writeAt(path: string, text: string, seconds: number): void {
  writeFileSync(path, text);
  utimesSync(path, seconds, seconds);
}

/** A two-file TypeScript program; the bundle exports dep.ts's value. */
function program(value: string): { dir: string; entry: string; dep: string } {
  const dir = scratch();
  const entry = join(dir, 'entry.ts');
  const dep = join(dir, 'dep.ts');
  writeAt(entry, "export { value } from './dep.ts';\n", 1_000_000);
  writeAt(dep, `export const value: string = '${value}';\n`, 1_000_000);
  return { dir, entry, dep };
}

const exported = async (url: URL) => ((await import(url.href)) as { value: string }).value;

describe('the worker bundle kept on disk', () => {
  it('is bundled once, then used as it is while its inputs are unchanged', async () => {
    const { entry, dep } = program('first');
    const cache = scratch();
    const url = bundle(entry, cache);
    expect(url?.protocol).toBe('file:');
    expect(await exported(url as URL)).toBe('first');
    expect(bundle(entry, cache)?.href).toBe(url?.href);
    let builds = 0;
    const build = (): Built => {
      builds++;
      return { code: new TextEncoder().encode('export {};'), inputs: [entry, dep] };
    };
    const first = cachedBundle(cache, 'worker-counted', build);
    expect(cachedBundle(cache, 'worker-counted', build)).toEqual(first);
    expect(builds).toBe(1);
  });

  it('is bundled again when an input changed (its size or its modification time, as make judges), and the new code is loaded', async () => {
    const { entry, dep } = program('first');
    const cache = scratch();
    const first = bundle(entry, cache) as URL;
    writeAt(dep, "export const value: string = 'second';\n", 2_000_000);
    const second = bundle(entry, cache) as URL;
    expect(second.href).not.toBe(first.href);
    expect(await exported(second)).toBe('second');
    writeAt(dep, "export const value: string = 'third!';\n", 3_000_000);
    expect(await exported(bundle(entry, cache) as URL)).toBe('third!');
  });

  it('still gives the bundle, as a data: URL, when the cache directory cannot be written', async () => {
    const { entry, dir } = program('uncached');
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, '');
    const url = bundle(entry, join(blocker, 'cache'));
    expect(url?.protocol).toBe('data:');
    expect(await exported(url as URL)).toBe('uncached');
  });

  it('gives null (workers then load the sources through tsx) when the entry cannot be bundled', () => {
    const { dir } = program('x');
    const broken = join(dir, 'broken.ts');
    writeAt(broken, "export { nothing } from './missing.ts';\n", 1_000_000);
    expect(bundle(broken, scratch())).toBeNull();
  });

  it('does not keep a bundle whose input changed while it was being bundled', () => {
    const dir = scratch();
    const input = join(dir, 'input.ts');
    writeAt(input, 'a', 1_000_000);
    const build = (): Built => {
      writeFileSync(input, 'b');
      return { code: new TextEncoder().encode('export {};'), inputs: [input] };
    };
    expect('code' in cachedBundle(join(dir, 'cache'), 'worker-test', build)).toBe(true);
    mkdirSync(join(dir, 'cache'), { recursive: true });
    expect(readdirSync(join(dir, 'cache'))).toEqual([]);
  });
  it('removes, when it writes a bundle, old bundles no manifest names, and keeps recent or named ones', () => {
    const dir = scratch();
    const input = join(dir, 'input.ts');
    writeAt(input, 'a', 1_000_000);
    const cache = join(dir, 'cache');
    const built = (text: string) => (): Built => ({ code: new TextEncoder().encode(text), inputs: [input] });
    const named = cachedBundle(cache, 'worker-named', built('export const a = 1;')) as { path: string };
    utimesSync(named.path, 1_000_000, 1_000_000);
    writeAt(join(cache, 'worker-orphan-old.mjs'), '', 1_000_000);
    writeFileSync(join(cache, 'worker-orphan-recent.mjs'), '');
    cachedBundle(cache, 'worker-other', built('export const b = 2;'));
    const left = readdirSync(cache);
    expect(left).not.toContain('worker-orphan-old.mjs');
    expect(left).toContain('worker-orphan-recent.mjs');
    expect(left).toContain(named.path.split('/').pop());
  });
});

describe("a worker's Node options", () => {
  const loader = 'file:///x/node_modules/tsx/dist/loader.mjs';
  it("drops tsx's preloads in every spelling and keeps every other option", () => {
    const argv = ['--require', '/x/node_modules/tsx/dist/preflight.cjs', '--import', loader];
    expect(workerExecArgv(argv)).toEqual([]);
    expect(workerExecArgv([`--import=${loader}`, '-r', 'tsx/cjs', '--max-old-space-size=4096'])).toEqual([
      '--max-old-space-size=4096',
    ]);
    expect(workerExecArgv(['--import', './mine.mjs', '--enable-source-maps'])).toEqual([
      '--import',
      './mine.mjs',
      '--enable-source-maps',
    ]);
  });

  it('falls back to inheriting them when Node refuses the rest for a worker (a V8 flag such as --trace-gc)', async () => {
    const idle = new URL('data:text/javascript,');
    expect(() => new Worker(idle, { execArgv: ['--trace-gc'] })).toThrow(/invalid execArgv/);
    const worker = newWorker({ workerData: null }, ['--import', loader, '--trace-gc']);
    worker.on('error', () => {}); // it has no search to set up; only its start is tested
    await worker.terminate();
  });
});
