/**
 * Durations on the command line: `10ms`, `0.5s`, `250us`, or a bare number of
 * milliseconds; ranges as `5-9ms`, `150-300` or `0.15-0.3s`. A bad value names the flag
 * and what was expected.
 */
export class DurationError extends Error {}

const UNIT_MS: Readonly<Record<string, number>> = { us: 0.001, µs: 0.001, ms: 1, s: 1000 };

function number(flag: string, raw: string, text: string, unit: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new DurationError(`${flag} expects a duration such as 10ms, 0.5s or 250us; got '${raw}'`);
  }
  return value * (UNIT_MS[unit] ?? 1);
}

export function parseDuration(flag: string, raw: string): number {
  const m = /^\s*([0-9.]+)\s*(us|µs|ms|s)?\s*$/.exec(raw);
  if (!m) throw new DurationError(`${flag} expects a duration such as 10ms, 0.5s or 250us; got '${raw}'`);
  return number(flag, raw, m[1], m[2] ?? 'ms');
}

export function parseRange(flag: string, raw: string): readonly [number, number] {
  const m = /^\s*([0-9.]+)\s*(us|µs|ms|s)?\s*(?:-|\.\.|–)\s*([0-9.]+)\s*(us|µs|ms|s)?\s*$/.exec(raw);
  if (!m) {
    const single = /^\s*([0-9.]+)\s*(us|µs|ms|s)?\s*$/.exec(raw);
    if (single) {
      const v = number(flag, raw, single[1], single[2] ?? 'ms');
      return [v, v];
    }
    throw new DurationError(`${flag} expects a range such as 5-9ms, 150-300ms or 0.15-0.3s; got '${raw}'`);
  }
  const unit = m[4] ?? m[2] ?? 'ms';
  const lo = number(flag, raw, m[1], m[2] ?? unit);
  const hi = number(flag, raw, m[3], unit);
  if (hi < lo) throw new DurationError(`${flag} expects min ≤ max; got '${raw}'`);
  return [lo, hi];
}

/** "5–9 ms", "150–300 ms", "10 ms". */
export function formatMs(lo: number, hi?: number): string {
  const f = (x: number) => (Number.isInteger(x) ? `${x}` : `${Math.round(x * 1000) / 1000}`);
  return hi === undefined || hi === lo ? `${f(lo)} ms` : `${f(lo)}–${f(hi)} ms`;
}
