/**
 * A malformed scenario file. Names the file, the 1-based line and column, what the parser
 * expected and what it found, so the message alone says how to fix the file:
 *
 *   conformance/scenarios/curated/x.txt:12:9: expected a node of the cluster (n1, n2, n3), found 'n4'
 *
 * The parser throws nothing else, whatever the input (a fast-check test holds it to that).
 */
export class ScenarioSyntaxError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly expected: string,
    readonly found: string,
  ) {
    super(`${file}:${line}:${column}: expected ${expected}, found ${found}`);
    this.name = 'ScenarioSyntaxError';
  }
}

/**
 * A well-formed scenario that cannot run on the model: a `deliver` that matches no message
 * in flight, an input to a node that is not there. Names the scenario and step line.
 */
export class ScenarioRunError extends Error {
  constructor(
    readonly scenario: string,
    readonly line: number,
    message: string,
  ) {
    super(`${scenario}:${line}: ${message}`);
    this.name = 'ScenarioRunError';
  }
}

/** How a found token is shown in an error: quoted, shortened, or "end of line"/"end of file". */
export function describeFound(token: string | undefined, what: 'line' | 'file' = 'line'): string {
  if (token === undefined) return `end of ${what}`;
  const shown = token.length > 40 ? `${token.slice(0, 37)}...` : token;
  let escaped = '';
  for (const c of shown) {
    const code = c.charCodeAt(0);
    escaped += code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : c;
  }
  return `'${escaped}'`;
}
