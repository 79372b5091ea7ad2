import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './errors.ts';

/**
 * `--out` is checked before a run starts: a run of minutes must not end in "cannot write
 * there". Nothing is created here; the check finds the nearest existing ancestor and asks
 * whether a directory could be made under it.
 */

function kindOf(path: string): 'dir' | 'file' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

/** The nearest existing ancestor of `path` (or `path` itself). */
function nearestExisting(path: string): string {
  let current = resolve(path);
  while (kindOf(current) === 'missing' && dirname(current) !== current) current = dirname(current);
  return current;
}

function assertWritableDir(flag: string, given: string, dir: string): void {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw new UsageError(`${flag} '${given}': cannot write in '${dir}' (permission denied)`);
  }
}

/** `--out <dir>`: a directory that exists or can be created. */
export function checkOutDir(flag: string, dir: string): void {
  const existing = nearestExisting(dir);
  if (kindOf(existing) === 'file') {
    const what =
      existing === resolve(dir) ? 'is a file, not a directory' : `cannot be created: '${existing}' is a file`;
    throw new UsageError(`${flag} '${dir}' ${what}`);
  }
  assertWritableDir(flag, dir, existing);
}

/** `--out <file>`: a file that can be written (its directory exists or can be created). */
export function checkOutFile(flag: string, file: string): void {
  if (kindOf(file) === 'dir') throw new UsageError(`${flag} '${file}' is a directory; give a file name`);
  const parent = dirname(resolve(file));
  const existing = nearestExisting(parent);
  if (kindOf(existing) === 'file') {
    throw new UsageError(`${flag} '${file}' cannot be written: '${existing}' is a file, not a directory`);
  }
  assertWritableDir(flag, file, existing);
}
