import type { Hole } from './trace.ts';

/**
 * "Is there a hole between these two times?", asked once per event by the checker and the
 * diagnosis. A scan of every hole made that quadratic: a long pasted log has a hole between
 * every two chunks. Holes sorted by `from` (as the readers give them) are searched in
 * O(log n) with a running maximum of `to`; the answer is the one `holes.find` gives — the
 * first hole in array order that overlaps [from, to].
 */
export class HoleIndex {
  private readonly holes: readonly Hole[];
  /** `maxTo[i]`: the largest `to` of holes 0..i; null when the holes are not sorted (then: a scan). */
  private readonly maxTo: Float64Array | null;

  constructor(holes: readonly Hole[]) {
    this.holes = holes;
    this.maxTo = sortedByFrom(holes) ? runningMaxTo(holes) : null;
  }

  /** The first hole (in array order) with `from ≤ to` and `to ≥ from`, or undefined; none for an unknown time. */
  between(from: number | null, to: number | null): Hole | undefined {
    if (from === null || to === null) return undefined;
    const { holes, maxTo } = this;
    if (maxTo === null || Number.isNaN(from) || Number.isNaN(to)) {
      return holes.find((h) => h.from <= to && h.to >= from);
    }
    const first = firstAtLeast(maxTo, from);
    return first < holes.length && holes[first].from <= to ? holes[first] : undefined;
  }

  get size(): number {
    return this.holes.length;
  }
}

function sortedByFrom(holes: readonly Hole[]): boolean {
  for (let i = 0; i < holes.length; i++) {
    const h = holes[i];
    if (Number.isNaN(h.from) || Number.isNaN(h.to)) return false;
    if (i > 0 && holes[i - 1].from > h.from) return false;
  }
  return true;
}

function runningMaxTo(holes: readonly Hole[]): Float64Array {
  const maxTo = new Float64Array(holes.length);
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < holes.length; i++) {
    max = Math.max(max, holes[i].to);
    maxTo[i] = max;
  }
  return maxTo;
}

/**
 * The first index whose running maximum reaches `value` (the length if none). The running
 * maximum first reaches it at a hole whose own `to` does; holes before it all end earlier,
 * and holes after it start no earlier, so it is the first overlapping one if any is.
 */
function firstAtLeast(maxTo: Float64Array, value: number): number {
  let lo = 0;
  let hi = maxTo.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (maxTo[mid] >= value) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
