/**
 * A mistake in how raftkit was called (a flag out of range, a missing file). The CLI
 * prints its message on one line and exits with code 2.
 */
export class UsageError extends Error {}

/** Parse an integer flag and check its range, or throw a UsageError naming the flag. */
export function intInRange(flag: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}
