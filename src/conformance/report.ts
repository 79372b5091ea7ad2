import type { LogEntry, Message } from '../../models/index.ts';
import type { NodeStatus } from '../adapters/types.ts';
import { formatInput, formatMessage, type NodeObservation, switchTokens } from '../scenario/index.ts';
import type { ScenarioResult, StepFailure } from './run-scenario.ts';
import { reproduceCommand, type SuiteResult } from './suite.ts';

/**
 * Reports of a conformance run: text for people, JSON for tools, JUnit XML for CI, and a
 * Mermaid sequence diagram of each failing run. Implementation output is untrusted: it is
 * escaped for XML and for Mermaid, never interpreted.
 */

export type ReportFormat = 'text' | 'json' | 'junit';
export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'junit'];

function entries(log: readonly LogEntry[]): string {
  return `[${log.map((e) => `${e.term}:${e.value}`).join(',')}]`;
}

export function formatState(s: NodeObservation | NodeStatus): string {
  const id = 'node' in s ? s.node : s.id;
  return `${id} ${s.role} term=${s.currentTerm} votedFor=${s.votedFor ?? 'none'} log=${entries(s.log)} commitIndex=${s.commitIndex}`;
}

function messages(list: readonly Message[] | undefined): string {
  if (!list || list.length === 0) return '(none)';
  return list.map((m) => formatMessage(m)).join('\n               ');
}

/** The failure of one scenario, as lines. */
export function describeFailure(suite: SuiteResult, result: ScenarioResult): string[] {
  const f = result.failure as StepFailure;
  const lines = [
    `FAIL ${result.name} (${result.file}:${f.line})`,
    `  step ${f.step}: ${f.input}`,
    `  problem:      ${f.diagnosis}`,
  ];
  if (f.expectedState) lines.push(`  expected:     ${formatState(f.expectedState)}`);
  if (f.actualState) lines.push(`  actual:       ${formatState(f.actualState)}`);
  if (f.expectedSent) lines.push(`  model sends:  ${messages(f.expectedSent)}`);
  if (f.actualSent) lines.push(`  impl sent:    ${messages(f.actualSent)}`);
  if (f.missing.length > 0) lines.push(`  not sent:     ${messages(f.missing)}`);
  if (f.unexpected.length > 0) lines.push(`  not allowed:  ${messages(f.unexpected)}`);
  lines.push(`  rule:         ${f.rule}`);
  if (f.modelTook) lines.push(`  model took:   ${f.modelTook}`);
  if (f.stderr)
    lines.push(`  stderr:       ${f.stderr.trim().split('\n').slice(-5).join('\n                ')}`);
  lines.push(`  reproduce:    ${reproduceCommand(suite, result.file)}`);
  return lines;
}

/**
 * `timings: false` leaves out durations and rates, so that the files written to `--out` are
 * byte-identical for the same inputs (DESIGN.md: reproducible); stdout keeps them.
 */
export interface ReportOptions {
  readonly timings: boolean;
}

const WITH_TIMINGS: ReportOptions = { timings: true };

/** What the oracle is when the implementation changes it: declared behaviours and tolerances. */
function oracleLines(suite: SuiteResult): string[] {
  const lines: string[] = [];
  if (suite.features.leaderNoOp) lines.push(ORACLE_NOTE);
  if (suite.declaredTolerances.length > 0)
    lines.push(`opt-in tolerances declared: ${suite.declaredTolerances.join(', ')} (docs/conformance.md)`);
  return lines;
}

export const ORACLE_NOTE =
  "oracle: the model with leaderNoOp (declared by the implementation); the expected blocks of the scenario files are the default model's and are not what this run compared against";

export function textReport(suite: SuiteResult, options: ReportOptions = WITH_TIMINGS): string {
  const lines: string[] = [
    `raftkit conform: ${suite.implementation} (${suite.adapter}), seed ${suite.seed}`,
    `features: ${Object.entries(suite.features)
      .filter(([k]) => k !== 'switches')
      .map(([k, v]) => `${k}=${v ? 'yes' : 'no'}`)
      .join(' ')}`,
    `switches declared: ${switchTokens(suite.features.switches ?? {}).join(' ') || 'none (the default model)'}`,
    ...oracleLines(suite),
    '',
  ];
  for (const r of suite.results) {
    if (r.status === 'fail') lines.push(...describeFailure(suite, r), '');
  }
  const skipped = suite.results.filter((r) => r.status === 'skip');
  if (skipped.length > 0) {
    const reasons = new Map<string, number>();
    for (const r of skipped) reasons.set(r.reason ?? '', (reasons.get(r.reason ?? '') ?? 0) + 1);
    lines.push('skipped:');
    for (const [reason, n] of [...reasons].sort()) lines.push(`  ${n} × ${reason}`);
    lines.push('');
  }
  const used = new Set(suite.results.flatMap((r) => r.tolerances));
  if (used.size > 0) lines.push(`tolerances used: ${[...used].sort().join(', ')} (docs/conformance.md)`);
  const replayed = suite.results.filter((r) => r.replayedInLockstep).length;
  if (replayed > 0)
    lines.push(
      `${replayed} scenario(s) run again one request at a time: an allowed variation changed the commands sent ahead (PROTOCOL.md §1)`,
    );
  if (suite.stoppedEarly) lines.push(`stopped early: ${suite.stoppedEarly}`);
  const { pass, fail, skip } = suite.counts;
  lines.push(
    `${suite.results.length} scenarios: ${pass} passed, ${fail} failed, ${skip} skipped${options.timings ? ` in ${(suite.durationMs / 1000).toFixed(2)} s (${Math.round(suite.stepsPerSecond)} steps/s)` : ''}`,
  );
  return `${lines.join('\n')}\n`;
}

export function jsonReport(suite: SuiteResult, options: ReportOptions = WITH_TIMINGS): string {
  const body = {
    implementation: suite.implementation,
    adapter: suite.adapter,
    seed: suite.seed,
    features: suite.features,
    oracle: suite.features.leaderNoOp ? ORACLE_NOTE : undefined,
    declaredTolerances: suite.declaredTolerances,
    stoppedEarly: suite.stoppedEarly,
    counts: suite.counts,
    durationMs: options.timings ? Math.round(suite.durationMs) : undefined,
    scenarios: suite.results.map((r) => ({
      name: r.name,
      file: r.file,
      status: r.status,
      reason: r.reason,
      steps: r.steps,
      tolerances: r.tolerances,
      replayedInLockstep: r.replayedInLockstep,
      failure: r.failure ? { ...r.failure, reproduce: reproduceCommand(suite, r.file) } : undefined,
    })),
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}

/** XML 1.0 text: escape markup and drop characters XML cannot carry. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

export function junitReport(suite: SuiteResult, options: ReportOptions = WITH_TIMINGS): string {
  const { pass, fail, skip } = suite.counts;
  const time = (ms: number) => (options.timings ? ` time="${(ms / 1000).toFixed(3)}"` : '');
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="raftkit conform" tests="${pass + fail + skip}" failures="${fail}" errors="0" skipped="${skip}"${time(suite.durationMs)}>`,
    `  <testsuite name="${xmlEscape(suite.implementation)}" tests="${pass + fail + skip}" failures="${fail}" errors="0" skipped="${skip}"${time(suite.durationMs)}>`,
  ];
  for (const r of suite.results) {
    const open = `    <testcase classname="${xmlEscape(r.file.replace(/\.txt$/, '').replace(/\//g, '.'))}" name="${xmlEscape(r.name)}"${time(r.durationMs)}`;
    if (r.status === 'pass') out.push(`${open}/>`);
    else if (r.status === 'skip')
      out.push(`${open}>`, `      <skipped message="${xmlEscape(r.reason ?? '')}"/>`, '    </testcase>');
    else {
      const f = r.failure as StepFailure;
      out.push(
        `${open}>`,
        `      <failure message="${xmlEscape(`step ${f.step} (line ${f.line}): ${f.diagnosis}`)}" type="conformance">${xmlEscape(describeFailure(suite, r).join('\n'))}</failure>`,
        '    </testcase>',
      );
    }
  }
  out.push('  </testsuite>', '</testsuites>');
  return `${out.join('\n')}\n`;
}

export function renderReport(
  suite: SuiteResult,
  format: ReportFormat,
  options: ReportOptions = WITH_TIMINGS,
): string {
  if (format === 'json') return jsonReport(suite, options);
  if (format === 'junit') return junitReport(suite, options);
  return textReport(suite, options);
}

// ------------------------------------------------------------------ Mermaid

/** Mermaid text cannot hold `;`, `#` or newlines raw; entity codes keep it safe and readable. */
export function mermaidText(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/#/g, '#35;')
    .replace(/;/g, '#59;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/"/g, '#quot;');
}

/** A message in a few words (diagrams). */
export function brief(m: Message): string {
  switch (m.type) {
    case 'RequestVoteRequest':
    case 'PreVoteRequest':
      return `${m.type} t${m.term} last=${m.lastLogIndex}@${m.lastLogTerm}`;
    case 'RequestVoteResponse':
    case 'PreVoteResponse':
      return `${m.type} t${m.term} ${m.voteGranted ? 'granted' : 'denied'}`;
    case 'AppendEntriesRequest':
      return `AppendEntriesRequest t${m.term} prev=${m.prevLogIndex}@${m.prevLogTerm} ${entries(m.entries)} commit=${m.leaderCommit}`;
    case 'AppendEntriesResponse':
      return `AppendEntriesResponse t${m.term} ${m.success ? 'ok' : 'fail'} match=${m.matchIndex}`;
  }
}

/** A sequence diagram of a run up to its failure: deliveries as arrows, local inputs and states as notes. */
export function mermaidSequence(result: ScenarioResult, nodes: readonly string[]): string {
  const out = ['sequenceDiagram', `  title ${mermaidText(`${result.name}: ${result.status}`)}`];
  for (const id of nodes) out.push(`  participant ${id}`);
  for (const entry of result.transcript) {
    const input = entry.input;
    if (entry.delivered) {
      const m = entry.delivered;
      out.push(`  ${m.from}->>${m.to}: ${mermaidText(`${input.kind} ${brief(m)}`)}`);
    } else if (input.kind === 'drop' || input.kind === 'duplicate') {
      const p = input.pattern;
      out.push(`  ${p.from}--x${p.to}: ${mermaidText(`${input.kind} ${p.type}`)}`);
    } else if (input.kind === 'deliver' || input.kind === 'inject') {
      const p = input.kind === 'deliver' ? input.pattern : input.message;
      out.push(`  ${p.from}->>${p.to}: ${mermaidText(formatInput(input))}`);
    } else {
      out.push(`  Note over ${input.node}: ${mermaidText(formatInput(input))}`);
    }
    if (entry.state) {
      const s = entry.state;
      out.push(
        `  Note right of ${s.id}: ${mermaidText(`${s.role} t${s.currentTerm} vote=${s.votedFor ?? '-'} log=${entries(s.log)} commit=${s.commitIndex}`)}`,
      );
      for (const m of entry.sent) out.push(`  ${m.from}-->>${m.to}: ${mermaidText(`sends ${brief(m)}`)}`);
    }
  }
  const f = result.failure;
  if (f) {
    const where = f.node ?? nodes[0];
    out.push(
      `  Note over ${where}: ${mermaidText(`FAIL at step ${f.step} (line ${f.line}): ${f.diagnosis}`)}`,
    );
  }
  return `${out.join('\n')}\n`;
}
