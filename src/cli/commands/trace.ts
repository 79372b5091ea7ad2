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
    .summary(
      'check an implementation log against the model and explain it (safety, split votes, churn, partitions)',
    )
    .description(
      "Check an implementation's log against the model: replay each node's events through the statechart, " +
        "check at most one leader and one vote per term (a candidate's own vote counted), and diagnose liveness " +
        'on the nodes that could talk (split votes, timer tick, leader churn, disruptive rejoin, slow elections; ' +
        'partitions stated by Partition/Cut/Heal events or inferred).',
    )
    .argument(
      '<file>',
      'the log: canonical NDJSON (docs/trace-format.md), eliben/raft output, hashicorp/raft hclog output or etcd raft logger lines; pasted text is fine',
    )
    .addOption(
      new Option('--format <format>', 'log format (auto: detected per file)')
        .choices(['auto', ...FORMATS])
        .default('auto'),
    )
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
        "  raftkit trace test/fixtures/trace/etcd-partitioned.log    an isolated node's terms, a disruptive rejoin (exit 0)",
        '  raftkit trace consul.log --format hclog                   force the hashicorp/raft reader',
        '',
        'Exit codes: 0 no problem (warnings do not fail); 1 a safety violation or divergence from the model, or a',
        'liveness failure: no leader among nodes that could talk, or leader churn (unless --no-liveness);',
        '2 unreadable input or bad flags (the message names file, line, expected and found).',
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
