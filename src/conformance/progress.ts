import type { ScenarioResult } from './run-scenario.ts';

/**
 * Progress of a long run on stderr: a line rewritten in place on a terminal, otherwise
 * one line every few seconds (never a line per scenario in CI logs).
 */
/** Columns a rewritten line may use: a terminal may report 0 (or nothing) columns. */
export function lineWidth(stream: { readonly columns?: number }): number {
  const columns = stream.columns ?? 0;
  return columns >= 20 ? columns - 1 : 79;
}

export function progressReporter(
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
  everyMs = 5000,
): { update: (result: ScenarioResult, done: number) => void; finish: () => void } {
  const tty = stream.isTTY === true;
  const counts = { pass: 0, fail: 0, skip: 0 };
  let last = performance.now();
  let drawn = false;
  const line = (done: number, name: string) =>
    `[${done}/${total}] ${counts.pass} passed, ${counts.fail} failed, ${counts.skip} skipped  ${name}`;
  return {
    update(result, done) {
      counts[result.status]++;
      const now = performance.now();
      if (tty) {
        if (now - last < 100 && done < total) return;
        last = now;
        const width = lineWidth(stream);
        stream.write(`\r${line(done, result.name).slice(0, width).padEnd(width)}`);
        drawn = true;
      } else if (now - last >= everyMs) {
        last = now;
        stream.write(`${line(done, result.name)}\n`);
      }
    },
    finish() {
      if (tty && drawn) stream.write(`\r${' '.repeat(lineWidth(stream))}\r`);
    },
  };
}
