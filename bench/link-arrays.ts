/**
 * A parse or a report with any LinkColumns (ParsedTrace.links since the columns) as its array
 * of objects, as a checkout from before them kept it: the same evidence compares equal.
 * Used by bench/trace-ab.ts and bench/trace-same.ts, which compare this tree with an old one.
 */
export function withLinkArrays(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const columns = value as { toArray?: () => unknown[] };
  if (typeof columns.toArray === 'function') return columns.toArray();
  if (Array.isArray(value)) return value.map(withLinkArrays);
  if (Object.getPrototypeOf(value) !== Object.prototype) return value; // a Map, a Set…: compared as they are
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withLinkArrays(v)]));
}
