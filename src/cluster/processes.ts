import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The process manager of cluster mode: it starts real Raft nodes as child processes on
 * loopback, kills and restarts them, gives each a data directory under one temporary run
 * directory, and leaves nothing behind.
 *
 * - Every node runs in its own process group (`detached`), so a kill reaches the wrappers'
 *   children too (`kill(-pgid)`), and `pids()` can list every process of a node.
 * - Everything lives under one `raftkit-cluster-*` directory in the OS temp dir; `shutdown()`
 *   kills every group and removes it. A process-wide `exit`/`SIGINT`/`SIGTERM` hook does the
 *   same synchronously for managers that were not shut down (a crashed test, Ctrl-C).
 */

export interface ProcessSpec {
  /** Node id, e.g. `n1`; names the data dir and the log file. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory; default the node's data dir. */
  readonly cwd?: string;
}

export interface ManagedProcess {
  readonly name: string;
  /** The process group id (= the pid of the process we spawned). */
  readonly pgid: number;
  readonly child: ChildProcess;
  /** Resolves with the exit code or signal when the spawned process ends. */
  readonly exited: Promise<string>;
}

const liveManagers = new Set<ProcessManager>();
let hooksInstalled = false;

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const manager of liveManagers) manager.shutdownSync();
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const manager of liveManagers) manager.shutdownSync();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Every pid whose process group is `pgid` (read from /proc; Linux). */
export function processGroupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command name: state ppid pgrp …
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return members;
}

export class ProcessManager {
  /** The run directory: one data dir and one log file per node live under it. */
  readonly root: string;
  private readonly running = new Map<string, ManagedProcess>();
  /** Every process group this manager ever started, for the leak check. */
  private readonly everStarted = new Set<number>();
  private closed = false;

  constructor(prefix = 'raftkit-cluster-') {
    this.root = mkdtempSync(join(tmpdir(), prefix));
    liveManagers.add(this);
    installExitHooks();
  }

  /** The node's data directory (created on first use; kept across kill/start). */
  dataDir(name: string): string {
    const dir = join(this.root, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  logFile(name: string): string {
    return join(this.root, `${name}.log`);
  }

  isRunning(name: string): boolean {
    return this.running.has(name);
  }

  get(name: string): ManagedProcess | undefined {
    return this.running.get(name);
  }

  /** Start a node; stdout and stderr are appended to `<root>/<name>.log`. */
  start(spec: ProcessSpec): ManagedProcess {
    if (this.closed) throw new Error(`process manager for ${this.root} is shut down`);
    if (this.running.has(spec.name)) throw new Error(`node ${spec.name} is already running`);
    const log = openSync(this.logFile(spec.name), 'a');
    let child: ChildProcess;
    try {
      child = spawn(spec.command, [...spec.args], {
        cwd: spec.cwd ?? this.dataDir(spec.name),
        env: { ...process.env, ...spec.env },
        stdio: ['ignore', log, log],
        detached: true,
      });
    } finally {
      closeSync(log);
    }
    // Listen before anything can throw: a command that does not exist emits 'error' later.
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => resolve(signal ?? `exit ${code}`));
      child.once('error', (error) => resolve(`spawn error: ${error.message}`));
    });
    if (child.pid === undefined) {
      throw new Error(`${spec.name}: could not start '${spec.command}' (not found or not executable)`);
    }
    const pgid = child.pid;
    const managed: ManagedProcess = { name: spec.name, pgid, child, exited };
    this.running.set(spec.name, managed);
    this.everStarted.add(pgid);
    exited.then(() => {
      if (this.running.get(spec.name) === managed) this.running.delete(spec.name);
      // Orphans of a wrapper that died on its own must not outlive it.
      killGroup(pgid, 'SIGKILL');
    });
    return managed;
  }

  /** SIGKILL the node's whole process group and wait until the spawned process is gone. */
  async kill(name: string): Promise<void> {
    const managed = this.running.get(name);
    if (managed === undefined) return;
    killGroup(managed.pgid, 'SIGKILL');
    // SIGKILL cannot be caught; a process stuck in the kernel (disk I/O) may still take a
    // moment. Do not hang a run on it: leftovers() reports anything that survived.
    await Promise.race([managed.exited, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    this.running.delete(name);
  }

  /** Every live pid of every node, by node (for the proxy's source attribution). */
  pidsByNode(): Map<string, number[]> {
    const result = new Map<string, number[]>();
    for (const [name, managed] of this.running) result.set(name, processGroupMembers(managed.pgid));
    return result;
  }

  /** Pids of any process this manager ever started that is still alive (should be none after shutdown). */
  leftovers(): number[] {
    return [...this.everStarted].flatMap((pgid) => processGroupMembers(pgid));
  }

  /** Kill every node; `beforeRemove` runs once they are dead, before the run dir goes (to keep logs). */
  async shutdown(beforeRemove?: () => void): Promise<void> {
    await Promise.all([...this.running.keys()].map((name) => this.kill(name)));
    try {
      beforeRemove?.();
    } finally {
      this.shutdownSync();
    }
  }

  /** Synchronous cleanup for exit hooks: kill every group, remove the run directory. */
  shutdownSync(): void {
    for (const pgid of this.everStarted) killGroup(pgid, 'SIGKILL');
    this.running.clear();
    rmSync(this.root, { recursive: true, force: true });
    this.closed = true;
    liveManagers.delete(this);
  }
}
