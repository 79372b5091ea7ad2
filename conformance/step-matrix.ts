/**
 * The step-mode result matrix, implementation × scenario: runs the whole step suite against
 * the reference (as is, and built with the leader no-op), etcd's raft library (the Go
 * adapter of conformance/adapters/etcd-raft, built here), canonical raft (the C adapter of
 * conformance/adapters/canonical-raft, built here) and the Python toy example, and
 * writes docs/implementations-step-matrix.md. Each cell is pass, fail (with the class of
 * docs/implementations.md for etcd) or skip (with the reason).
 *
 *   npx tsx conformance/step-matrix.ts [output.md]      (default docs/implementations-step-matrix.md)
 *
 * Needs Go and golang-etcd-server-dev for the etcd column, a C compiler, pkg-config and
 * libraft-dev for the canonical raft column, python3 for the Python column;
 * a column whose implementation cannot be reached is left out and the output says so. The
 * output has no timings, so the same checkout gives the same file.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AdapterSpec } from '../src/adapters/index.ts';
import {
  DEFAULT_SCENARIO_DIRS,
  loadSuite,
  runSuite,
  type ScenarioResult,
  type SuiteResult,
  TOLERANCES,
} from '../src/conformance/index.ts';
import { itemsOfScenario } from '../src/generate/coverage.ts';
import { situationsOfScenario } from '../src/generate/report.ts';
import type { Scenario } from '../src/scenario/index.ts';
import { classify as classifyCanonical } from './adapters/canonical-raft/classify.ts';
import { classify } from './adapters/etcd-raft/classify.ts';
import { CLASSES as HASHICORP_CLASSES } from './adapters/hashicorp-raft/classify.ts';

const ROOT = join(import.meta.dirname, '..');
const OUT = process.argv[2] ?? join(ROOT, 'docs/implementations-step-matrix.md');
const ETCD = join(ROOT, '.raftkit-tmp/etcd-raft/etcd-raft-adapter');
const CANONICAL = join(ROOT, '.raftkit-tmp/canonical-raft/adapter');
const HASHICORP = join(ROOT, '.raftkit-tmp/hashicorp-raft/step');

interface Column {
  readonly title: string;
  readonly spec: AdapterSpec;
  /** Classify a failure (etcd: classes of docs/implementations.md). */
  readonly classOf?: (r: ScenarioResult) => string;
}

const MADE_FOR: ReadonlyMap<string, string> = new Map(
  Object.values(TOLERANCES)
    .filter((t) => 'madeFor' in t)
    .map((t) => [t.name, (t as { madeFor: string }).madeFor]),
);

function tryBuild(adapter: 'etcd-raft' | 'canonical-raft' | 'hashicorp-raft'): boolean {
  try {
    execFileSync('sh', [join(ROOT, `conformance/adapters/${adapter}/build.sh`)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function havePython(): boolean {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** "class: verdict" of a failure under an adapter's classifier (docs/implementations.md). */
const classOfWith =
  (classifier: (f: never) => { id: string; verdict: string } | null) =>
  (r: ScenarioResult): string => {
    const c = r.failure ? classifier(r.failure as never) : null;
    return c ? `${c.id.split(' ')[0]}: ${c.verdict}` : 'UNCLASSIFIED';
  };

const columns: Column[] = [
  { title: 'reference', spec: { kind: 'builtin', name: 'reference' } },
  { title: 'reference + leader no-op', spec: { kind: 'builtin', name: 'reference', leaderNoOp: true } },
];
const missing: string[] = [];
if (tryBuild('etcd-raft')) {
  columns.push({
    title: 'etcd raft 3.4 (library)',
    spec: { kind: 'command', command: ETCD, stepTimeoutMs: 5000 },
    classOf: classOfWith(classify),
  });
} else {
  missing.push('etcd raft (Go or golang-etcd-server-dev missing: build.sh failed)');
}
if (tryBuild('canonical-raft')) {
  columns.push({
    title: 'canonical raft 0.15 (C)',
    spec: { kind: 'command', command: CANONICAL, stepTimeoutMs: 5000 },
    classOf: classOfWith(classifyCanonical),
  });
} else {
  missing.push('canonical raft (cc, pkg-config or libraft-dev missing: build.sh failed)');
}
if (tryBuild('hashicorp-raft')) {
  columns.push({
    title: 'hashicorp/raft 1.1.2 (Go)',
    spec: { kind: 'command', command: HASHICORP, stepTimeoutMs: 5000 },
    classOf: classOfWith((f) => classifyCanonical(f, HASHICORP_CLASSES)),
  });
} else {
  missing.push('hashicorp/raft (Go or golang-github-hashicorp-raft-dev missing: build.sh failed)');
}
if (havePython()) {
  columns.push({
    title: 'Python toy example',
    spec: {
      kind: 'command',
      command: 'python3 conformance/adapters/python-example/adapter.py',
      stepTimeoutMs: 5000,
    },
  });
} else {
  missing.push('Python toy example (no python3)');
}

const files = loadSuite(DEFAULT_SCENARIO_DIRS);

/** With the no-op, does the model's own run of the scenario still exercise the targets it was written for? */
function targetsKept(scenario: Scenario): boolean {
  const targets = scenario.header.targets.filter((t) => /^(transition|guard|payload|rule|cluster):/.test(t));
  if (targets.length === 0) return true;
  const withNoOp = {
    ...scenario,
    cluster: { ...scenario.cluster, features: { ...scenario.cluster.features, leaderNoOp: true } },
  };
  try {
    const reached = new Set([...itemsOfScenario(withNoOp), ...situationsOfScenario(withNoOp)]);
    return targets.every((t) => reached.has(t));
  } catch {
    return false;
  }
}

function shortReason(reason: string | undefined): string {
  return (reason ?? '')
    .replace(/, which the implementation does not declare$/, '')
    .replace(/ \(line .*$/, '');
}

function cell(column: Column, suite: SuiteResult, r: ScenarioResult, kept: boolean): string {
  if (r.status === 'skip') return `skip (${shortReason(r.reason)})`;
  if (r.status === 'fail')
    return `**fail** (${column.classOf ? column.classOf(r) : r.failure?.rule.slice(0, 60)})`;
  const classes = [...new Set(r.tolerances.map((t) => MADE_FOR.get(t)).filter((c) => c !== undefined))].sort(
    (a, b) => Number(a.slice(1)) - Number(b.slice(1)),
  );
  const dagger = suite.features.leaderNoOp && !kept ? ' †' : '';
  return `pass${classes.length > 0 ? ` (${classes.join(', ')})` : ''}${dagger}`;
}

/**
 * Each column runs once: a cell is what that run gave. hashicorp's goroutines are ordered by
 * its adapter (holdNoOp in step/main.go), so its column no longer depends on the scheduler;
 * re-running a scenario until a wanted result appears would hide a race, not fix it.
 */
const suites: SuiteResult[] = [];
for (const column of columns) {
  process.stderr.write(`step-matrix: ${column.title}\n`);
  suites.push(await runSuite({ adapter: column.spec, scenarios: files, jobs: 1, seed: 1 }));
}
const kept = files.map((f) => (f.scenario.cluster.mode === 'step' ? targetsKept(f.scenario) : true));

const lines: string[] = [
  '# Step mode: result matrix, implementation × scenario',
  '',
  '<!-- Generated by `npx tsx conformance/step-matrix.ts`; do not edit. -->',
  '',
  'Every step-mode scenario of `conformance/scenarios/{generated,curated}` against each',
  'implementation, judged step by step by the model (docs/conformance.md). Classes E1–E13 (etcd),',
  'C1–C12 (canonical raft) and H1–H8 (hashicorp/raft) are those of [implementations.md](implementations.md).',
  '',
  '- **hashicorp/raft**: an RPC-style library with real-time goroutines (implementations.md). Its',
  '  adapter fixes the one goroutine order that decided cells (a new leader writes its no-op only',
  "  after each follower's replication goroutine has sent its first AppendEntries, H5), so every",
  '  run gives the same column; each column runs once.',
  '',
  '- **pass (E…)**: passed using the opt-in tolerances made for those classes (declared by the',
  '  adapter in `init_ok.tolerances`; named by the etcd class each was first made for, also in',
  '  other columns); a plain **pass** used none (default tolerances aside).',
  '- **fail (class)**: the first step that was not allowed, with its class.',
  '- **skip (reason)**: `needs preVote`/`ticks`/`leaderNoOp`: a feature the implementation does not',
  '  declare; `needs: no leader no-op`: the implementation declares the leader no-op, so the oracle',
  '  is the model with it, and a later step of the scenario names a message (by its indexes) that',
  '  only the model without the no-op sends.',
  '- **†** (columns with the leader no-op): passed, but with the no-op the model run of the',
  '  scenario no longer exercises every coverage target in its header (its meaning depended on',
  '  exact indexes); the steps were still all checked against the model with the no-op.',
  '- With the leader no-op, the expected blocks in the scenario files (computed by the default',
  '  model) are not what the run compared against: the oracle steps the model with the no-op.',
  '',
];
if (missing.length > 0) lines.push(`Columns left out on this machine: ${missing.join('; ')}.`, '');

lines.push(`| | ${columns.map((c) => c.title).join(' | ')} |`, `|---|${columns.map(() => '---').join('|')}|`);
const count = (s: SuiteResult, status: string) => s.results.filter((r) => r.status === status).length;
lines.push(`| passed | ${suites.map((s) => count(s, 'pass')).join(' | ')} |`);
lines.push(
  `| of which † | ${suites.map((s) => (s.features.leaderNoOp ? s.results.filter((r, i) => r.status === 'pass' && !kept[i]).length : '—')).join(' | ')} |`,
);
lines.push(`| failed | ${suites.map((s) => count(s, 'fail')).join(' | ')} |`);
lines.push(`| skipped | ${suites.map((s) => count(s, 'skip')).join(' | ')} |`);
lines.push(`| scenarios | ${suites.map((s) => s.results.length).join(' | ')} |`);
lines.push(
  `| implementation | ${suites.map((s) => s.implementation.replace(/\|/g, '\\|')).join(' | ')} |`,
  '',
);

lines.push(
  `| scenario | ${columns.map((c) => c.title).join(' | ')} |`,
  `|---|${columns.map(() => '---').join('|')}|`,
);
files.forEach((f, i) => {
  const name = f.file.replace(/^conformance\/scenarios\//, '').replace(/\.txt$/, '');
  lines.push(`| ${name} | ${suites.map((s, c) => cell(columns[c], s, s.results[i], kept[i])).join(' | ')} |`);
});
writeFileSync(OUT, `${lines.join('\n')}\n`);
process.stderr.write(`step-matrix: wrote ${OUT}\n`);
for (const [c, s] of suites.entries()) {
  process.stdout.write(
    `${columns[c].title}: ${count(s, 'pass')} passed, ${count(s, 'fail')} failed, ${count(s, 'skip')} skipped\n`,
  );
}
