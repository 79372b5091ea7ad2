import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { NO_FEATURES, SWITCHES, type SwitchInfo } from '../../../models/features.ts';

/**
 * `raftkit features`: every model switch (models/features.ts), its values (default first),
 * where it comes from, and which of the shipped adapters declare it in `init_ok.features`.
 */

/** The shipped stdio adapters, and the file whose `features` literal is their `init_ok.features`. */
const SHIPPED_ADAPTERS: readonly { readonly name: string; readonly file: string }[] = [
  { name: 'etcd-raft', file: 'conformance/adapters/etcd-raft/main.go' },
  { name: 'canonical-raft', file: 'conformance/adapters/canonical-raft/adapter.c' },
  { name: 'hashicorp-raft', file: 'conformance/adapters/hashicorp-raft/step/main.go' },
  { name: 'python-example', file: 'conformance/adapters/python-example/adapter.py' },
];

/** Where the `features` literal opens: a Go map (`"features": map[string]…{`), a JSON-like or a Python dict. */
const FEATURES_OPENING = [
  /"features"\s*:\s*map\[string\](?:bool|interface\{\})\{/,
  /"features"\s*:\s*\{/,
  /\bfeatures\s*=\s*\{/,
];

/** The text of the `features` literal in an adapter's source, up to its closing brace. */
function featuresLiteral(source: string): string {
  const found = FEATURES_OPENING.map((re) => re.exec(source)).find((m) => m !== null);
  if (!found) return '';
  const open = found.index + found[0].length - 1;
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    if (source[i] === '{') depth++;
    if (source[i] === '}' && --depth === 0) return source.slice(open, i + 1);
  }
  return '';
}

/**
 * canonical raft's C adapter writes its switches as a string macro continued over lines
 * (`#define PENDING_SWITCHES ",\"backoff\":\"hint\"" \`): its text, comments dropped, quotes unescaped.
 */
function cMacroLiteral(source: string): string {
  const start = source.indexOf('#define PENDING_SWITCHES');
  if (start < 0) return '';
  const lines: string[] = [];
  for (const line of source.slice(start).split('\n')) {
    lines.push(line.replace(/\/\*.*?\*\//g, ''));
    if (!line.trimEnd().endsWith('\\')) break;
  }
  return lines.join('\n').replace(/\\"/g, '"');
}

/** `"name": value` pairs of a Go map or Python dict literal, values as written (true, False, "hint"). */
function declaredValues(literal: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of literal.matchAll(/"(\w+)"\s*:\s*("[^"]*"|\w+)/g)) out.set(m[1], m[2].replace(/"/g, ''));
  return out;
}

/** The value an adapter declares for a switch, when it is not the default. */
function declaredBy(root: string, info: SwitchInfo): string[] {
  const out: string[] = [];
  for (const adapter of SHIPPED_ADAPTERS) {
    const path = join(root, adapter.file);
    if (!existsSync(path)) continue;
    const source = readFileSync(path, 'utf8');
    const value = declaredValues(featuresLiteral(source) || cMacroLiteral(source)).get(info.name);
    if (value === undefined || value.toLowerCase() === String(NO_FEATURES[info.name])) continue;
    out.push(value.toLowerCase() === 'true' ? adapter.name : `${adapter.name} (${value})`);
  }
  return out;
}

export function featureLines(root: string): string[] {
  const lines: string[] = [];
  for (const info of SWITCHES) {
    const values = info.values.map((v, i) => (i === 0 ? `${v} (default)` : String(v))).join(' | ');
    const adapters = declaredBy(root, info);
    lines.push(`${info.name}: ${values}`);
    lines.push(`  ${info.summary}`);
    lines.push(`  replaces: ${info.replaces}`);
    lines.push(`  source: ${info.source}`);
    for (const seen of info.seenIn) lines.push(`  seen in: ${seen}`);
    if (info.requires) {
      const needs = Object.entries(info.requires).map(([name, value]) => `${name}=${value}`);
      lines.push(`  needs: ${needs.join(', ')}`);
    }
    lines.push(`  declared by shipped adapters: ${adapters.length > 0 ? adapters.join(', ') : 'none'}`);
    lines.push('');
  }
  const count = SWITCHES.reduce((n, s) => n + s.values.length - 1, 0);
  lines.push(`${SWITCHES.length} switches, ${count} values besides the defaults.`);
  return lines;
}

export function register(program: Command): void {
  program
    .command('features')
    .description('list the model switches (implementation variants), their values, sources and adapters')
    .option('--json', 'print the switches as JSON')
    .addHelpText(
      'after',
      [
        '',
        'Each switch is read by named guards and actions of the node statechart (models/node/), so',
        '`raftkit check --features` explores exactly what the conformance runner accepts from an',
        'adapter that declares it in init_ok.features (conformance/PROTOCOL.md).',
        '',
        'Examples:',
        '  npx raftkit features',
        '  npx raftkit check --features checkQuorum,leaderStickiness=any-term',
      ].join('\n'),
    )
    .action((flags: { json?: boolean }) => {
      const root = fileURLToPath(new URL('../../../', import.meta.url));
      if (flags.json) {
        const out = SWITCHES.map((s) => ({ ...s, declaredBy: declaredBy(root, s) }));
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return;
      }
      for (const line of featureLines(root)) process.stdout.write(`${line}\n`);
    });
}
