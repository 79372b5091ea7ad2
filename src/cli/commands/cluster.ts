import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../cluster/config.ts';
import {
  type ImplementationChoice,
  resolveImplementations,
  shippedImplementations,
} from '../../cluster/impls/implementations.ts';
import type { ClusterReport } from '../../cluster/report.ts';
import { runClusterSuite } from '../../cluster/suite.ts';
import { lineWidth } from '../../conformance/progress.ts';
import { CLUSTER_DIR, loadScenarios, type Scenario, ScenarioSyntaxError } from '../../scenario/index.ts';
import { intInRange, UsageError } from '../errors.ts';
import { checkOutDir } from '../out.ts';

/**
 * `raftkit cluster`: flags in, the cluster suite (src/cluster/suite.ts) out. Real Raft
 * processes on loopback — built-ins, the implementations of `raftkit.cluster.json`, or any
 * program through `--impl external --node-cmd` (conformance/CLUSTER-PROTOCOL.md).
 */

interface ClusterFlags {
  impl: string;
  nodeCmd?: string;
  config?: string;
  electionTimeoutMs?: string;
  timeScale?: string;
  preVote?: boolean;
  scenarios?: string[];
  filter?: string;
  seed: string;
  out?: string;
  json?: boolean;
  verbose?: boolean;
  traceFormat: string;
}

function writeAtomic(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

function choose(flags: ClusterFlags): ImplementationChoice[] {
  const electionTimeoutMs =
    flags.electionTimeoutMs === undefined
      ? undefined
      : intInRange('--election-timeout-ms', flags.electionTimeoutMs, 1, 600_000);
  if (flags.nodeCmd !== undefined && !flags.impl.split(',').includes('external')) {
    throw new UsageError('--node-cmd is for --impl external');
  }
  try {
    const names = flags.impl.split(',').map((s) => s.trim());
    return resolveImplementations(names, {
      config: flags.config,
      nodeCmd: flags.nodeCmd,
      electionTimeoutMs,
      preVote: flags.preVote,
    });
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

function timeScaleOf(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0.1 || value > 100) {
    throw new UsageError(`--time-scale must be a number from 0.1 to 100, got '${raw}'`);
  }
  return value;
}

function scenariosOf(flags: ClusterFlags): Scenario[] {
  let scenarios: Scenario[];
  try {
    scenarios = loadScenarios(flags.scenarios ?? [CLUSTER_DIR]);
  } catch (error) {
    if (error instanceof ScenarioSyntaxError) throw new UsageError(error.message);
    throw new UsageError(`cannot load scenarios: ${error instanceof Error ? error.message : String(error)}`);
  }
  scenarios = scenarios.filter(
    (s) => s.cluster.mode === 'cluster' && (flags.filter === undefined || s.name.includes(flags.filter)),
  );
  if (scenarios.length === 0) throw new UsageError('no cluster-mode scenario matches --scenarios/--filter');
  return scenarios;
}

/** On a terminal, the step in progress on one self-overwriting stderr line; nothing in CI logs. */
function progress(scenario: string): ((text: string) => void) | undefined {
  if (process.stderr.isTTY !== true) return undefined;
  return (text) => {
    const width = lineWidth(process.stderr);
    process.stderr.write(`\r${`${scenario} ${text.trim()}`.slice(0, width).padEnd(width)}`);
  };
}

function clearProgress(): void {
  if (process.stderr.isTTY === true) process.stderr.write(`\r${' '.repeat(lineWidth(process.stderr))}\r`);
}

function reproduceCommand(flags: ClusterFlags, seed: number) {
  return (impl: string, scenario: string) => {
    const cmd =
      impl === 'external' && flags.nodeCmd !== undefined
        ? ` --node-cmd ${JSON.stringify(flags.nodeCmd)}`
        : '';
    const config = flags.config === undefined ? '' : ` --config ${flags.config}`;
    const scenarios = flags.scenarios?.join(' ') ?? CLUSTER_DIR;
    return `npx raftkit cluster --impl ${impl}${cmd}${config} --seed ${seed} --scenarios ${scenarios} --filter ${scenario} --verbose`;
  };
}

function writeReport(flags: ClusterFlags, report: ClusterReport): void {
  if (flags.out !== undefined) {
    mkdirSync(flags.out, { recursive: true });
    writeAtomic(join(flags.out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    process.stderr.write(
      `raftkit cluster: wrote ${join(flags.out, 'report.json')} and each run's evidence\n`,
    );
  }
  if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

async function action(flags: ClusterFlags): Promise<void> {
  const choices = choose(flags);
  if (flags.traceFormat !== 'canonical' && flags.traceFormat !== 'eliben') {
    throw new UsageError(`--trace-format must be canonical or eliben, got '${flags.traceFormat}'`);
  }
  const seed = intInRange('--seed', flags.seed, 0, 2 ** 31 - 1);
  if (flags.out !== undefined) checkOutDir('--out', flags.out);
  const timeScale = timeScaleOf(flags.timeScale);
  const scenarios = scenariosOf(flags);
  process.stderr.write(
    `raftkit cluster: seed ${seed}, ${scenarios.length} scenario(s), implementation(s) ${choices.map((c) => c.key).join(', ')}\n`,
  );
  const report = await runClusterSuite(choices, {
    seed,
    scenarios,
    out: flags.out,
    traceFormat: flags.traceFormat,
    timeScale,
    say: (text) => {
      if (!flags.json) process.stdout.write(`${text}\n`);
    },
    onEvent: (scenario) =>
      flags.verbose ? (text) => process.stderr.write(`  ${scenario} ${text}\n`) : progress(scenario),
    afterRun: clearProgress,
    reproduce: reproduceCommand(flags, seed),
  });
  writeReport(flags, report);
  const failed = report.implementations.some((r) => r.counts.fail > 0);
  process.exitCode = failed ? 1 : 0;
}

/** The names --help lists; a broken config file must not break every command's help. */
function helpNames(): string {
  try {
    return [...shippedImplementations(), 'external'].join(', ');
  } catch {
    return 'reference, reference-timing-mutant, etcd, external';
  }
}

const HELP = [
  '',
  'Examples:',
  '  raftkit cluster                                         the reference, all cluster scenarios',
  '  raftkit cluster --impl reference,etcd,pysyncobj         built-ins and a shipped external implementation',
  '  raftkit cluster --impl external --election-timeout-ms 1000 \\',
  '    --node-cmd "./my-raft --id {id} --listen 127.0.0.1:{peerPort} --advertise {advertise} --peers {peers} --http {httpPort} --data {dataDir} --election-timeout {electionTimeoutMs}"',
  '  raftkit cluster --impl mine --config raftkit.cluster.json   a named implementation of your own file',
  '  raftkit cluster --impl reference-timing-mutant --filter initial-election --out reports/mutant',
  '  raftkit trace reports/mutant/reference-timing-mutant/initial-election/trace.log   diagnose that run',
  '',
  'Implementations: reference (src/reference as processes: 300-600 ms timeouts, 5 ms tick);',
  'reference-timing-mutant (5-9 ms timeouts on a 10 ms tick, 1-5 ms RPC delay: the seed log, docs/bugs.md #8);',
  'etcd (etcd-server, its own API); every implementation of conformance/adapters/*/raftkit.cluster.json',
  '(pysyncobj, ...) and of ./raftkit.cluster.json or --config; external (--node-cmd).',
  'The external contract (placeholders, GET /status, POST /submit): conformance/CLUSTER-PROTOCOL.md.',
  'An implementation whose binaries are missing is reported as unavailable, not failed.',
  'Verdicts: pass, fail, skip (needs what the implementation lacks), not reached (the run never got',
  "into the scenario's situation, e.g. no leader to partition off). Deadlines scale with the election",
  'timeout (× max(1, timeout / 500 ms)) or --time-scale. Steps: docs/cluster-mode.md. Only 127.0.0.1',
  'is used; every run lives in one temp directory and process group per node, removed at the end.',
  '',
  'Exit codes: 0 no scenario failed; 1 a scenario failed; 2 usage or setup error.',
].join('\n');

const DESCRIPTION =
  'Start a real 3-node cluster on loopback for each cluster-mode scenario, inject faults aimed at ' +
  'roles (kill the leader, partition the leader from the rest, cut the leader from a follower) through ' +
  'a TCP fault proxy in front of every peer port, check safety continuously (at most one leader per ' +
  'term, terms never go backwards, commitIndex never decreases, acknowledged writes never lost) and ' +
  'liveness by deadlines. Prints a verdict per scenario, whether it reached its situation, and the ' +
  'election-time distribution (median, p99) over every leader change.';

export function register(program: Command): void {
  program
    .command('cluster')
    .summary('run the cluster-mode scenarios against real Raft processes (any program, etcd, the reference)')
    .description(DESCRIPTION)
    .option('--impl <names>', `implementation(s), comma-separated or "all": ${helpNames()}`, 'reference')
    .option(
      '--node-cmd <template>',
      'with --impl external: the command that starts one node (CLUSTER-PROTOCOL.md)',
    )
    .option(
      '--election-timeout-ms <ms>',
      'with --impl external: the election timeout the program uses (default 1000); with --impl etcd: ' +
        "etcd's --election-timeout, its heartbeat a tenth of it (default 1000, heartbeat 100)",
    )
    .option('--pre-vote', 'with --impl external: the program has PreVote (scenarios that need it run)')
    .option(
      '--config <file>',
      'a raftkit.cluster.json naming implementations (default ./raftkit.cluster.json)',
    )
    .option('--time-scale <x>', 'multiply every scenario duration by x (default from the election timeout)')
    .option('--scenarios <paths...>', `scenario files or directories (default: ${CLUSTER_DIR})`)
    .option('--filter <text>', 'only scenarios whose name contains this text')
    .option('--seed <n>', 'seed of the reference implementation (timeouts, RPC delays); printed first', '1')
    .option('--out <dir>', "write report.json and each run's evidence (node logs, the kit's event log) here")
    .option(
      '--trace-format <format>',
      "format of the reference's trace logs under --out: canonical (docs/trace-format.md) or eliben",
      'canonical',
    )
    .option('--json', 'print the report as JSON instead of text')
    .option('--verbose', 'print every step of every run as it happens (timeline)')
    .addHelpText('after', HELP)
    .action(action);
}
