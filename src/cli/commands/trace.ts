import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { FORMATS } from '../../trace/trace.ts';
import { intInRange, UsageError } from '../errors.ts';

interface TraceFlags {
  format: string;
  json?: boolean;
  liveness: boolean;
  maxLeaderlessTerms: string;
}

/** `raftkit trace <file>`: check an implementation's log against the model and explain it. */
export function register(program: Command): void {
  program
    .command('trace')
    .summary('check an implementation log against the model and explain it (safety, split votes, timer tick)')
    .description(
      "Check an implementation's log against the model: replay each node's events through the statechart, " +
        'check at most one leader and one vote per term, and diagnose liveness (split votes, timer tick, round trips).',
    )
    .argument(
      '<file>',
      'the log: canonical NDJSON (docs/trace-format.md) or eliben/raft output, pasted text is fine',
    )
    .addOption(new Option('--format <format>', 'log format').choices(['auto', ...FORMATS]).default('auto'))
    .option('--json', 'print the report as JSON (see docs/trace-format.md, "The --json report")')
    .option('--no-liveness', 'report a liveness failure but do not fail the exit code on it')
    .option(
      '--max-leaderless-terms <n>',
      'a run of at least this many terms without a leader is a liveness failure',
      '3',
    )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  raftkit trace test/fixtures/000_c99288ffe9c5615b.txt      diagnose the endless split vote of the seed log',
        '  raftkit trace run.ndjson --format canonical --json        machine-readable report of a canonical trace',
        '  raftkit trace node-logs.txt --no-liveness                 fail only on safety (a divergence from the model)',
        '',
        'Exit codes: 0 no problem; 1 a safety violation or divergence from the model, or a liveness failure',
        '(unless --no-liveness); 2 unreadable input or bad flags (the message names file, line, expected and found).',
      ].join('\n'),
    )
    .action(async (file: string, flags: TraceFlags) => {
      // Loaded on use, so that other subcommands (and --help) do not pay for the checker.
      const { analyzeTrace, exitCodeOf, renderJson, renderText, TraceError } = await import(
        '../../trace/index.ts'
      );
      const maxLeaderlessTerms = intInRange('--max-leaderless-terms', flags.maxLeaderlessTerms, 1, 1_000_000);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        throw new UsageError(
          `cannot read trace file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        );
      }
      try {
        const report = analyzeTrace(text, file, {
          format: flags.format as 'auto',
          liveness: flags.liveness,
          maxLeaderlessTerms,
        });
        process.stdout.write(flags.json ? renderJson(report) : renderText(report));
        process.exitCode = exitCodeOf(report);
      } catch (error) {
        if (error instanceof TraceError) throw new UsageError(error.message);
        throw error;
      }
    });
}
