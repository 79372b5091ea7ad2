import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * A cluster run interrupted half-way (Ctrl-C, a CI timeout's SIGTERM) must leave nothing
 * behind either: the exit hooks of the process manager kill every node's process group
 * and remove the run directory before raftkit exits.
 */

const ROOT = join(import.meta.dirname, '../..');

/** Pids whose command line mentions `text` (Linux /proc). */
function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) found.push(Number(entry));
    } catch {
      // gone
    }
  }
  return found;
}

describe('raftkit cluster interrupted', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} during a run: every node process is killed and the run directory removed`, async () => {
      const child = spawn(
        process.execPath,
        [
          join(ROOT, 'bin/raftkit.js'),
          'cluster',
          '--impl',
          'reference',
          '--filter',
          'election-time-distribution',
          '--verbose',
        ],
        { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      const runDir = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no run dir announced; stderr: ${stderr}`)), 30_000);
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const match = /run dir (\S+)/.exec(stderr);
          if (match && /expect leader within/.test(stderr)) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
      });
      expect(existsSync(runDir)).toBe(true);
      expect(processesMentioning(runDir).length).toBeGreaterThanOrEqual(3);

      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      // bin/raftkit.js runs the CLI in-process (tsx's loader), so the signal reaches raftkit
      // itself; the tsx *CLI* would relay it and SIGKILL raftkit if it did not confirm in 30 ms.
      child.kill(signal);
      const code = await exited;
      expect(code).toBe(signal === 'SIGINT' ? 130 : 143);
      // SIGKILL is delivered asynchronously: give the kernel a moment to finish the kills.
      for (let i = 0; i < 40 && processesMentioning(runDir).length > 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(processesMentioning(runDir)).toEqual([]);
      expect(existsSync(runDir)).toBe(false);
    });
  }
});
