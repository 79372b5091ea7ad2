import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
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
    .description(TRACE_DESCRIPTION)
    .argument('<files...>', TRACE_FILES)
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
    .addHelpText('after', TRACE_HELP_AFTER)
    .action(traceAction);
}

const TRACE_DESCRIPTION =
  "Check an implementation's log against the model: replay each node's events through the statechart, " +
  "check at most one leader and one vote per term (a candidate's own vote counted), and diagnose liveness " +
  'on the nodes that could talk (split votes, timer tick, leader churn, disruptive rejoin, slow elections; ' +
  'partitions stated by Partition/Cut/Heal events or inferred).';

const TRACE_FILES =
  'the log: canonical NDJSON (docs/trace-format.md), eliben/raft output, hashicorp/raft hclog output or etcd raft logger lines; ' +
  "pasted text is fine. Several files are one run: each <node>.log is that node's own log, *.ndjson the kit's events; " +
  "a directory is a `raftkit cluster --out` run's evidence (its node logs and kit-events.ndjson)";

const TRACE_HELP_AFTER = [
  '',
  'Examples:',
  '  raftkit trace test/fixtures/000_c99288ffe9c5615b.txt      diagnose the endless split vote of the seed log',
  '  raftkit trace run.ndjson --format canonical --json        machine-readable report of a canonical trace',
  '  raftkit trace node-logs.txt --no-liveness                 fail only on safety (a divergence from the model)',
  "  raftkit trace test/fixtures/trace/etcd-partitioned.log    an isolated node's terms, a disruptive rejoin (exit 0)",
  '  raftkit trace reports/hc/hashicorp/follower-comes-back    a cluster-mode run: n1.log n2.log n3.log + kit-events.ndjson',
  '  raftkit trace consul.log --format hclog                   force the hashicorp/raft reader',
  '',
  'Exit codes: 0 no problem (warnings do not fail); 1 a safety violation or divergence from the model, or a',
  'liveness failure: no leader among nodes that could talk, or leader churn (unless --no-liveness);',
  '2 unreadable input or bad flags (the message names file, line, expected and found).',
].join('\n');

async function traceAction(paths: string[], flags: TraceFlags): Promise<void> {
  // Loaded on use, so that other subcommands (and --help) do not pay for the checker.
  const { analyzeTraceInputs, exitCodeOf, renderJson, renderText, TraceError } = await import(
    '../../trace/index.ts'
  );
  const maxLeaderlessTerms = intInRange('--max-leaderless-terms', flags.maxLeaderlessTerms, 1, 1_000_000);
  const inputs = traceInputs(paths);
  try {
    const report = analyzeTraceInputs(inputs, {
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
}

interface Input {
  readonly text: string;
  readonly file: string;
  readonly node: string | null;
}

/** A cluster run's evidence directory: the reference's merged trace.log, else each node's log and the kit's events. */
function evidenceFiles(dir: string): string[] {
  const names = readdirSync(dir).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (names.includes('trace.log')) return [join(dir, 'trace.log')];
  const files = names.filter((n) => n.endsWith('.log') || n === 'kit-events.ndjson').map((n) => join(dir, n));
  if (files.length === 0) throw new UsageError(`${dir}: no *.log or kit-events.ndjson in this directory`);
  return files;
}

/** The files to read: one log, or the files of one run (a <node>.log is that node's own log). */
export function traceInputs(paths: readonly string[]): Input[] {
  const files = paths.flatMap((p) => (isDirectory(p) ? evidenceFiles(p) : [p]));
  const several = files.length > 1;
  return files.map((file) => ({
    text: readTrace(file),
    file,
    node: several && file.endsWith('.log') ? basename(file, '.log') : null,
  }));
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function readTrace(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read trace file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
}
