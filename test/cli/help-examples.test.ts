import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { splitCommand } from '../../src/adapters/stdio.ts';
import { buildProgram, main } from '../../src/cli/main.ts';

/**
 * Every `Examples:` line of every `raftkit <command> --help` is checked: its flags parse
 * (names, choices, arity), and the examples that finish in seconds are run for real and
 * must end with exit 0 or 1 (never a usage error or a crash). The others (whole-suite
 * generation, real clusters, searches of minutes) are named below with the reason.
 */

interface Example {
  readonly command: string;
  readonly line: string;
  readonly args: string[];
}

function helpOf(command: Command): string {
  let text = '';
  command.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  command.outputHelp();
  return text;
}

/** `  npx raftkit check --values 0   what it does` → ['check', '--values', '0']. */
function examplesOf(command: Command): Example[] {
  const help = helpOf(command);
  const block = help.split('\nExamples:\n')[1]?.split('\n\n')[0] ?? '';
  return block
    .replace(/ \\\n\s*/g, ' ') // a shell line continuation: one command, as a user pastes it
    .split('\n')
    .map((raw) => raw.trim())
    .filter((line) => /^(npx )?raftkit /.test(line))
    .map((line) => {
      const invocation = line
        .replace(/^(npx )?raftkit /, '')
        .split(/ {2,}/)[0]
        .split(/ [|>] /)[0];
      return { command: command.name(), line, args: splitCommand(invocation) };
    });
}

const program = buildProgram();
const examples = program.commands.flatMap(examplesOf);

/** Run for real (seconds each); every other example is parsed only. */
const RUN = new Set([
  'check --mutate double-vote --out cex.json',
  'conform --mutant skip-consistency-check --filter curated',
  'coverage',
  'diagram --check',
  'mutants --filter curated',
  'trace test/fixtures/000_c99288ffe9c5615b.txt',
]);
/** Why the rest are only parsed. */
const PARSE_ONLY_REASON: Record<string, string> = {
  check:
    'searches of 10 s to minutes (the defaults are pinned in test/explore; --values 0 --max-term 3 runs in test/cli/user-mistakes)',
  conform: 'whole-suite runs (test/conformance covers them)',
  cluster: 'real processes with their own timers, or the Debian etcd/PySyncObj',
  generate: 'regenerates the suite (a minute) or writes into the repository',
  simulate: '6–20 s of trials each',
  'serve-reference': 'reads the protocol on stdin',
  diagram: 'writes into docs/',
  coverage: 'minutes with the whole suite in JSON',
  trace: 'needs a log the example does not ship',
  mutants: 'every mutant against the whole suite',
};

const dir = mkdtempSync(join(tmpdir(), 'raftkit-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function quietly<T>(run: () => Promise<T>): Promise<{ value: T; stderr: string }> {
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { value: await run(), stderr };
  } finally {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  }
}

describe('the examples of every --help', () => {
  it('are found (each command with an Examples block has some)', () => {
    expect(examples.length).toBeGreaterThan(30);
    for (const key of RUN) expect(examples.map((e) => e.args.join(' '))).toContain(key);
  });

  for (const example of examples) {
    const key = example.args.join(' ');
    if (RUN.has(key)) {
      it(`runs: ${example.line}`, async () => {
        const cwd = process.cwd();
        // An example that writes a file writes it in a scratch directory.
        const writes = key.includes('--out');
        if (writes) process.chdir(mkdtempSync(join(dir, 'run-')));
        try {
          const { value: code, stderr } = await quietly(() => main(example.args));
          expect(stderr, stderr).not.toMatch(/^raftkit: /m);
          expect([0, 1]).toContain(code);
        } finally {
          process.chdir(cwd);
        }
      });
    } else {
      it(`parses (${PARSE_ONLY_REASON[example.command] ?? 'not run'}): ${example.line}`, async () => {
        const parser = buildProgram();
        for (const command of parser.commands) command.action(() => {});
        const { stderr } = await quietly(() => parser.parseAsync(example.args, { from: 'user' }));
        expect(stderr).toBe('');
      });
    }
  }
});
