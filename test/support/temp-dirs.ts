import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Global setup of the test run: tests must remove the `raftkit-*` directories they make in
 * the temp dir. The run gets a temp dir of its own (TMPDIR, inherited by the test workers, so
 * that other runs on the machine do not count); the teardown fails the run if a `raftkit-*`
 * directory is left in it.
 */
export default function setup(): () => void {
  const own = mkdtempSync(join(tmpdir(), 'vitest-run-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = own;
  return () => {
    const left = readdirSync(own).filter((name) => name.startsWith('raftkit-'));
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(own, { recursive: true, force: true });
    if (left.length > 0) {
      // A throw here is printed but leaves the exit code at 0: set it.
      process.exitCode = 1;
      throw new Error(`tests left ${left.length} temp dir(s) in the temp dir: ${left.sort().join(', ')}`);
    }
  };
}
