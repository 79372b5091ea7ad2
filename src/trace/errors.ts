/**
 * A trace that cannot be read: names the file, the line, what was expected and what was
 * found. Parsers throw nothing else (a fast-check fuzz test holds them to it).
 */
export class TraceError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly expected: string,
    readonly found: string,
  ) {
    super(`${file}:${line}: expected ${expected}, found ${found}`);
    this.name = 'TraceError';
  }
}

/** Shorten untrusted text for a one-line message. */
export function excerpt(text: string, max = 80): string {
  const flat = JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
  return flat;
}
