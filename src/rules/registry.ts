import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The documentation of the statechart's guards and actions, read from their doc comments
 * in `models/node/guards.ts`, `actions.ts` and `timers.ts` — the comments are the registry,
 * so the generated tables cannot drift from the code.
 */

export interface RuleDoc {
  readonly name: string;
  /** The doc comment's first paragraph, on one line. */
  readonly text: string;
  /** The references it cites: `§5.4.1`, `Figure 2`, `thesis §9.6`, `raft.tla DropStaleResponse`. */
  readonly cites: readonly string[];
}

/**
 * A source file of models/node, whose doc comments are the rules. From the repository it is
 * two folders up; from the built package (dist/src/rules) three, where `files` ships it.
 */
function modelSource(file: string): string {
  const here = fileURLToPath(new URL(`../../models/node/${file}`, import.meta.url));
  return existsSync(here) ? here : fileURLToPath(new URL(`../../../models/node/${file}`, import.meta.url));
}

export const GUARDS_SOURCE = modelSource('guards.ts');
export const ACTIONS_SOURCE = modelSource('actions.ts');
export const TIMERS_SOURCE = modelSource('timers.ts');

const DOC_THEN_EXPORT = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*export const (\w+)/g;
const CITATION = /(?:[Tt]hesis )?§[\d.]*\d|Figure \d+|raft\.tla \w+/g;

function firstParagraph(comment: string): string {
  const lines = comment.split('\n').map((line) => line.replace(/^\s*\*\s?/, '').trim());
  const paragraph: string[] = [];
  for (const line of lines) {
    if (line === '' && paragraph.length > 0) break;
    if (line !== '') paragraph.push(line);
  }
  return paragraph.join(' ').replace(/\s+/g, ' ');
}

/** Parse `/** doc *\/ export const name` pairs out of TypeScript source text. */
export function parseRuleDocs(source: string): Map<string, RuleDoc> {
  const docs = new Map<string, RuleDoc>();
  for (const match of source.matchAll(DOC_THEN_EXPORT)) {
    const text = firstParagraph(match[1]);
    const cites = [...new Set((text.match(CITATION) ?? []).map((c) => c.replace(/^Thesis/, 'thesis')))];
    docs.set(match[2], { name: match[2], text, cites });
  }
  return docs;
}

export function readRuleDocs(file: string): Map<string, RuleDoc> {
  return parseRuleDocs(readFileSync(file, 'utf8'));
}

let registry: Map<string, RuleDoc> | null = null;

/**
 * Every guard and action of the node statechart with its doc comment, by name: the one
 * registry of rule descriptions and citations. The conformance runner's failure rules, the
 * trace checker's explanations, the coverage items and the generated statechart reference
 * all read it, so a rule is described once, next to its code.
 */
export function ruleRegistry(): ReadonlyMap<string, RuleDoc> {
  registry ??= new Map([
    ...readRuleDocs(GUARDS_SOURCE),
    ...readRuleDocs(ACTIONS_SOURCE),
    ...readRuleDocs(TIMERS_SOURCE),
  ]);
  return registry;
}

/** The doc of one guard or action; an unknown or undocumented name is a programming error. */
export function ruleDoc(name: string): RuleDoc {
  const doc = ruleRegistry().get(name);
  if (doc === undefined) throw new Error(`no doc comment for guard or action '${name}' in models/node`);
  return doc;
}
