import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  CLUSTER_IMPLEMENTATIONS,
  type ClusterImplementationName,
  makeImplementation,
  unavailable,
} from '../../adapters/cluster/implementations.ts';
import {
  type ClusterScenarioResult,
  percentiles,
  runClusterScenario,
} from '../../adapters/cluster/runner.ts';
import { lineWidth } from '../../conformance/progress.ts';
import { CLUSTER_DIR, loadScenarios, type Scenario, ScenarioSyntaxError } from '../../scenario/index.ts';
import { intInRange, UsageError } from '../errors.ts';
import { checkOutDir } from '../out.ts';

/**
 * `raftkit cluster`: run the cluster-mode scenarios against real Raft processes on
 * loopback (etcd, PySyncObj, the reference and its timing mutant), with the fault proxy,
 * the safety monitor and liveness deadlines; report per scenario and the election-time
 * distribution per implementation.
 */

interface ClusterFlags {
  impl: string;
  scenarios?: string[];
  filter?: string;
  seed: string;
  out?: string;
  json?: boolean;
  verbose?: boolean;
  traceFormat: string;
}

interface ImplementationReport {
  readonly implementation: ClusterImplementationName;
  readonly name: string;
  readonly unavailable: string | null;
  readonly results: readonly ClusterScenarioResult[];
  readonly election: { n: number; median: number; p99: number } | null;
}

function writeAtomic(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

function parseImpls(raw: string): ClusterImplementationName[] {
  const names = raw === 'all' ? [...CLUSTER_IMPLEMENTATIONS] : raw.split(',').map((s) => s.trim());
  for (const name of names) {
    if (!(CLUSTER_IMPLEMENTATIONS as readonly string[]).includes(name)) {
      throw new UsageError(
        `--impl must be one of ${CLUSTER_IMPLEMENTATIONS.join(', ')} or all (comma-separated), got '${name}'`,
      );
    }
  }
  return names as ClusterImplementationName[];
}

function line(result: ClusterScenarioResult): string {
  const verdict = result.verdict.toUpperCase().padEnd(4);
  const secs = `${(result.durationMs / 1000).toFixed(1)}s`;
  const first =
    result.initialElectionMs === null ? '' : `, first leader after ${Math.round(result.initialElectionMs)}ms`;
  const elections =
    first +
    (result.electionMs.length > 0
      ? `, re-elections ${result.electionMs.map((ms) => `${Math.round(ms)}ms`).join(' ')}`
      : '');
  const where = result.line !== undefined && result.line > 0 ? ` (line ${result.line})` : '';
  const why = result.reason ? `\n       ${result.reason}` : '';
  const leaked =
    result.leftoverPids.length > 0 || result.leftoverDir
      ? `\n       LEAK: ${result.leftoverPids.length} process(es) and ${result.leftoverDir ? 'the run dir' : 'no dir'} left behind`
      : '';
  return `${verdict} ${result.scenario} ${secs}${elections}${where}${why}${leaked}`;
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

export function register(program: Command): void {
  program
    .command('cluster')
    .summary('run the cluster-mode scenarios against real Raft processes (etcd, PySyncObj, the reference)')
    .description(
      'Start a real 3-node cluster on loopback for each cluster-mode scenario, inject faults (kill, ' +
        'restart, partitions and one-way cuts through a TCP fault proxy in front of every peer port), ' +
        'check safety continuously (at most one leader per term, terms never go backwards, commitIndex ' +
        'never decreases, acknowledged writes never lost) and liveness by deadlines (expect leader ' +
        'within 5s). Prints a verdict per scenario and the election-time distribution (median, p99).',
    )
    .option(
      '--impl <names>',
      `implementation(s), comma-separated or "all": ${CLUSTER_IMPLEMENTATIONS.join(', ')}`,
      'reference',
    )
    .option('--scenarios <paths...>', `scenario files or directories (default: ${CLUSTER_DIR})`)
    .option('--filter <text>', 'only scenarios whose name contains this text')
    .option('--seed <n>', 'seed of the reference implementation (timeouts, RPC delays); printed first', '1')
    .option(
      '--out <dir>',
      "write report.json and, for the reference, each run's trace log (seed-log format) here",
    )
    .option(
      '--trace-format <format>',
      "format of the reference's trace logs under --out: canonical (docs/trace-format.md) or eliben (the seed log's)",
      'canonical',
    )
    .option('--json', 'print the report as JSON instead of text')
    .option('--verbose', 'print every step of every run as it happens (timeline)')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  raftkit cluster                                         the reference, all cluster scenarios',
        '  raftkit cluster --impl etcd,pysyncobj                   the Debian etcd server and PySyncObj',
        '  raftkit cluster --impl reference-timing-mutant --filter initial-election --out reports/mutant',
        '  raftkit trace reports/mutant/reference-timing-mutant/initial-election.log   diagnose that run',
        '',
        'Implementations: reference (src/reference as processes: 300-600 ms timeouts, 5 ms tick);',
        'reference-timing-mutant (5-9 ms timeouts on a 10 ms tick, 1-5 ms RPC delay: the seed log, docs/bugs.md #8);',
        'etcd (etcd-server, 3 members, peer URLs through the proxy); pysyncobj (/usr/bin/python3 + python3-pysyncobj).',
        'An implementation whose binaries are missing is reported as unavailable, not failed.',
        'Scenario steps and their semantics: docs/cluster-mode.md. Only 127.0.0.1 is used; every run',
        'lives in one temp directory and process group per node, removed at the end (also on Ctrl-C).',
        '',
        'Exit codes: 0 all ran scenarios passed; 1 a scenario failed; 2 usage or setup error.',
      ].join('\n'),
    )
    .action(async (flags: ClusterFlags) => {
      const impls = parseImpls(flags.impl);
      if (flags.traceFormat !== 'canonical' && flags.traceFormat !== 'eliben') {
        throw new UsageError(`--trace-format must be canonical or eliben, got '${flags.traceFormat}'`);
      }
      const seed = intInRange('--seed', flags.seed, 0, 2 ** 31 - 1);
      if (flags.out !== undefined) checkOutDir('--out', flags.out);
      let scenarios: Scenario[];
      try {
        scenarios = loadScenarios(flags.scenarios ?? [CLUSTER_DIR]);
      } catch (error) {
        if (error instanceof ScenarioSyntaxError) throw new UsageError(error.message);
        throw new UsageError(
          `cannot load scenarios: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      scenarios = scenarios.filter(
        (s) => s.cluster.mode === 'cluster' && (flags.filter === undefined || s.name.includes(flags.filter)),
      );
      if (scenarios.length === 0)
        throw new UsageError('no cluster-mode scenario matches --scenarios/--filter');
      process.stderr.write(
        `raftkit cluster: seed ${seed}, ${scenarios.length} scenario(s), implementation(s) ${impls.join(', ')}\n`,
      );
      const say = (text: string) => {
        if (!flags.json) process.stdout.write(`${text}\n`);
      };
      const reports: ImplementationReport[] = [];
      for (const impl of impls) {
        const reason = unavailable(impl);
        if (reason !== null) {
          say(`\n== ${impl}: UNAVAILABLE: ${reason}`);
          reports.push({
            implementation: impl,
            name: impl,
            unavailable: reason,
            results: [],
            election: null,
          });
          continue;
        }
        const results: ClusterScenarioResult[] = [];
        let name: string = impl;
        for (const scenario of scenarios) {
          // Absolute: each node runs in its own data directory.
          const traceDir = flags.out === undefined ? undefined : resolve(flags.out, impl);
          if (traceDir !== undefined) mkdirSync(traceDir, { recursive: true });
          const implementation = makeImplementation(impl, {
            seed,
            traceFile: traceDir === undefined ? undefined : () => join(traceDir, `${scenario.name}.log`),
            traceFormat: flags.traceFormat as 'canonical' | 'eliben',
          });
          if (results.length === 0) say(`\n== ${implementation.name}`);
          name = implementation.name;
          const result = await runClusterScenario(scenario, implementation, {
            onEvent: flags.verbose
              ? (text) => process.stderr.write(`  ${scenario.name} ${text}\n`)
              : progress(scenario.name),
          });
          clearProgress();
          results.push(result);
          say(line(result));
          if (result.verdict === 'fail') {
            say(
              `       reproduce: npx raftkit cluster --impl ${impl} --seed ${seed} --scenarios ${flags.scenarios?.join(' ') ?? CLUSTER_DIR} --filter ${scenario.name} --verbose`,
            );
          }
        }
        const election = percentiles(results.flatMap((r) => r.electionMs));
        const count = (v: string) => results.filter((r) => r.verdict === v).length;
        say(
          `${impl}: ${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped` +
            (election === null
              ? ''
              : `; election time (after a kill, partition or heal) over ${election.n} elections: median ${Math.round(election.median)} ms, p99 ${Math.round(election.p99)} ms`),
        );
        reports.push({ implementation: impl, name, unavailable: null, results, election });
      }
      const report = { seed, scenarios: scenarios.map((s) => s.name), implementations: reports };
      if (flags.out !== undefined) {
        mkdirSync(flags.out, { recursive: true });
        writeAtomic(join(flags.out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
        process.stderr.write(`raftkit cluster: wrote ${join(flags.out, 'report.json')}\n`);
      }
      if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      const failed = reports.some((r) => r.results.some((x) => x.verdict === 'fail'));
      process.exitCode = failed ? 1 : 0;
    });
}
