/**
 * Deadlines scale with the election timeout (conformance/CLUSTER-PROTOCOL.md §4). The
 * scenario files are written for an election timeout of 500 ms (the reference's 300–600 ms);
 * an implementation that times out after 1 s gets every `within`, `for` and `wait` doubled.
 * Never shrunk: a faster implementation keeps the written deadlines.
 */

export const SCENARIO_ELECTION_TIMEOUT_MS = 500;

export function timeScaleFor(electionTimeoutMs: number, override?: number): number {
  if (override !== undefined) return override;
  return Math.max(1, electionTimeoutMs / SCENARIO_ELECTION_TIMEOUT_MS);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 2)}s` : `${Math.round(ms)}ms`;
}
