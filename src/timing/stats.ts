/** Summary statistics over samples (milliseconds, counts), nearest-rank percentiles. */
export interface Stats {
  readonly count: number;
  readonly min: number;
  readonly p10: number;
  readonly median: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function stats(samples: readonly number[]): Stats | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    min: sorted[0],
    p10: percentile(sorted, 10),
    median: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1],
    mean: sum / sorted.length,
  };
}

/** Round for display and JSON (3 decimals: microseconds when the unit is ms). */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export function roundStats(s: Stats | null): Stats | null {
  if (s === null) return null;
  return {
    count: s.count,
    min: round3(s.min),
    p10: round3(s.p10),
    median: round3(s.median),
    p90: round3(s.p90),
    p99: round3(s.p99),
    max: round3(s.max),
    mean: round3(s.mean),
  };
}

/** "1.2–5.3 ms (median 3.1)". */
export function formatRange(s: Stats | null, unit = 'ms', digits = 1): string {
  if (s === null) return 'n/a';
  const f = (x: number) => x.toFixed(digits);
  return `${f(s.min)}–${f(s.max)} ${unit} (median ${f(s.median)}, n=${s.count})`;
}

/** Compress sorted integers into "1–34, 63–68, 70". */
export function formatRanges(values: readonly number[]): string {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}–${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}
