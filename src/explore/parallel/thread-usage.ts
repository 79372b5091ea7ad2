import { readFileSync } from 'node:fs';

/**
 * The calling thread's own CPU time and minor page faults, from Linux's
 * `/proc/thread-self/stat` (Node 20 has no per-thread `cpuUsage`). A worker reads it when
 * it reports, so a run can tell its workers' CPU from the rest of the process (the
 * coordinator, V8's garbage-collection helper threads): on a shared machine CPU per state
 * and faults per state compare runs where wall-clock rates do not. Null where there is no
 * such file (not Linux).
 */
export interface ThreadUsage {
  readonly cpuMs: number;
  readonly minorFaults: number;
}

/** Clock ticks per second of `/proc` times (USER_HZ: 100 on every Linux Node runs on). */
const TICKS_PER_SECOND = 100;

export function threadUsage(): ThreadUsage | null {
  let stat: string;
  try {
    stat = readFileSync('/proc/thread-self/stat', 'utf8');
  } catch {
    return null;
  }
  // Fields after the command name (which may hold spaces, so split after its last ')'):
  // state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime …
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { cpuMs: (ticks * 1000) / TICKS_PER_SECOND, minorFaults: Number(fields[7]) };
}
