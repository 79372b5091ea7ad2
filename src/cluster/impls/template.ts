/**
 * The command template of the external contract (conformance/CLUSTER-PROTOCOL.md §1):
 * split into words like a shell would for quoting only (`'…'`, `"…"`, spaces), never run
 * by a shell, then every `{placeholder}` in every word replaced by its value.
 */

export const PLACEHOLDERS = [
  'id',
  'peerPort',
  'advertise',
  'peers',
  'httpPort',
  'dataDir',
  'electionTimeoutMs',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

export class TemplateError extends Error {}

/** Split a template into words: spaces separate, single and double quotes group. */
export function splitWords(template: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: '"' | "'" | null = null;
  for (const char of template) {
    if (quote !== null) {
      if (char === quote) quote = null;
      else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      word ??= '';
    } else if (/\s/.test(char)) {
      if (word !== null) words.push(word);
      word = null;
    } else word = (word ?? '') + char;
  }
  if (quote !== null) throw new TemplateError(`unclosed ${quote} in the node command "${template}"`);
  if (word !== null) words.push(word);
  if (words.length === 0) throw new TemplateError('the node command is empty');
  return words;
}

/** Every `{name}` of the template must be a known placeholder (checked before any run). */
export function checkPlaceholders(template: string): void {
  for (const match of template.matchAll(/\{([^{}\s]*)\}/g)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(match[1])) {
      throw new TemplateError(
        `unknown placeholder {${match[1]}} in the node command; known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`,
      );
    }
  }
}

/** The argv of one node: the template's words with every placeholder filled. */
export function fillTemplate(template: string, values: Readonly<Record<Placeholder, string>>): string[] {
  checkPlaceholders(template);
  return splitWords(template).map((word) =>
    word.replace(/\{([A-Za-z]+)\}/g, (_, name: Placeholder) => values[name]),
  );
}
