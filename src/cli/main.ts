import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.ts';
import { UsageError } from './errors.ts';

/**
 * `raftkit`: one Raft model, four jobs. Each subcommand lives in its own file under
 * `commands/` and is registered in `commands/index.ts`.
 */
export function buildProgram(): Command {
  const program = new Command('raftkit')
    .description(
      'A Raft formal model and conformance kit. One XState statechart of a Raft node ' +
        '(Figure 2 of the Raft paper, plus PreVote) is the single source of truth: raftkit ' +
        'checks it, generates test scenarios from it, drives Raft implementations in any ' +
        'language through them, and explains their logs.',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false })
    // Before the subcommands exist, so that they inherit it: a bad flag on a subcommand
    // must reach main() as a CommanderError (exit 2), not exit the process with 1.
    .exitOverride();
  registerCommands(program);
  program.addHelpText(
    'after',
    [
      '',
      'Start here:',
      '  raftkit check                 model-check the Raft model (safety properties, 3 nodes)',
      '  raftkit conform               run the conformance suite against the reference implementation',
      '  raftkit trace <log>           check an implementation log against the model and explain it',
      '  raftkit diagram               regenerate docs/statechart.md and docs/statechart.svg',
      '',
      'Exit codes: 0 success, 1 a check failed, 2 usage or setup error.',
    ].join('\n'),
  );
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`raftkit: ${error.message}\n`);
      return 2;
    }
    const io = fileSystemError(error);
    if (io !== null) {
      process.stderr.write(`raftkit: ${io}\n`);
      return 2;
    }
    throw error;
  }
}

/** A file the user named could not be read or written: one line, no stack. */
export function fileSystemError(error: unknown): string | null {
  const e = error as NodeJS.ErrnoException;
  if (!(error instanceof Error) || typeof e.code !== 'string' || typeof e.path !== 'string') return null;
  const why: Record<string, string> = {
    ENOENT: 'no such file or directory',
    ENOTDIR: 'a part of the path is a file, not a directory',
    EISDIR: 'is a directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOSPC: 'no space left on the device',
    EROFS: 'read-only file system',
  };
  const text = why[e.code];
  return text === undefined ? null : `cannot ${e.syscall ?? 'use'} '${e.path}': ${text} (${e.code})`;
}

/** A bug of raftkit's own: one line, and the stack only when asked for (RAFTKIT_DEBUG=1). */
export function internalErrorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const stack = process.env.RAFTKIT_DEBUG && error instanceof Error ? `\n${error.stack}` : '';
  return `raftkit: internal error: ${message.split('\n')[0]} (a bug in raftkit; RAFTKIT_DEBUG=1 shows where)${stack}\n`;
}

const isEntryPoint =
  process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
const viaBin = process.argv[1]?.endsWith('raftkit') || process.argv[1]?.endsWith('raftkit.js');
if (isEntryPoint || viaBin) {
  main(process.argv.slice(2)).then(
    (code) => exitAfterOutput(code),
    (error: unknown) => {
      process.stderr.write(internalErrorText(error));
      exitAfterOutput(2);
    },
  );
}

/**
 * Exit once stdout and stderr have taken everything written to them: `process.exit()` at once
 * drops what a pipe has not read yet (`raftkit fuzz --json | jq` lost all but the first 64 KiB).
 * Write callbacks run in order: an empty write's callback runs once every earlier write is out.
 */
function exitAfterOutput(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}
