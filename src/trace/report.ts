import { formatRange, formatRanges } from '../timing/stats.ts';
import { CHECK_RULES, type CheckResult } from './check.ts';
import type { Diagnosis } from './diagnose.ts';
import type { Detection } from './parse.ts';
import type { ParsedTrace } from './trace.ts';

/**
 * The `raftkit trace` report: what was read, what was assumed, safety, liveness. The
 * text form is for people; the JSON form (`--json`, documented in docs/trace-format.md)
 * carries the same facts for programs.
 */

export interface TraceReport {
  readonly trace: ParsedTrace;
  readonly detection: Detection | null;
  readonly check: CheckResult;
  readonly diagnosis: Diagnosis;
  readonly liveness: boolean;
}

export function exitCodeOf(report: TraceReport): number {
  const unsafe = report.check.divergences.length > 0 || report.check.violations.length > 0;
  if (unsafe) return 1;
  return report.liveness && report.diagnosis.livenessFailure ? 1 : 0;
}

const SHOW = 5;

function quote(text: string): string {
  return JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}…` : text);
}

export function assumptions(report: TraceReport): string[] {
  const { trace, check, diagnosis } = report;
  const lines: string[] = [];
  if (trace.noReplay !== null) lines.push(`${capitalize(trace.noReplay)}.`);
  else if (trace.holes.length > 0) {
    lines.push(
      `The log may be missing lines in ${trace.holes.length} places (${describeHoleReasons(report)}). There the checker assumes ` +
        'the fewest unlogged inputs the model accepts (a timeout, receipt of a higher term, a request or a vote) that make the ' +
        `next logged events allowed: ${check.bridges.length} such bridge${check.bridges.length === 1 ? '' : 's'}` +
        (check.bridges.length > 0
          ? ` (first: line ${check.bridges[0].line}, ${check.bridges[0].node}: ${check.bridges[0].inputs.join(', ')})`
          : '') +
        '. Elsewhere every receipt and role change is assumed logged.',
    );
  } else {
    lines.push(
      'Every receipt and role change is assumed logged; the first event of each node may follow unlogged inputs (the log may start mid-run).',
    );
  }
  if (trace.noReplay === null) {
    lines.push(
      "Timers are inputs nobody has to log: a leader's AppendEntries not yet explained is taken to follow a HeartbeatTimeout" +
        (check.heartbeatsAssumed > 0 ? ` (${check.heartbeatsAssumed} times)` : '') +
        '; a message sent twice is a retransmission' +
        (check.retransmissions > 0 ? ` (${check.retransmissions} times)` : '') +
        '.',
    );
  }
  for (const note of trace.inferences) lines.push(`${note}.`);
  if (check.sendersAssumed > 0 && trace.inferences.length === 0) {
    lines.push(
      `${check.sendersAssumed} receipts name no sender: the first peer that had not answered yet was assumed.`,
    );
  }
  const inferred = diagnosis.isolatedCandidacies.filter((c) => c.how === 'inferred').length;
  if (inferred > 0) {
    lines.push(
      `The log says nothing of the network: ${inferred} candidac${inferred === 1 ? 'y was' : 'ies were'} inferred to be cut off from the majority ` +
        '(nobody logged hearing it, and its messages failed, a leader of a lower term led on, or it had heard nothing for longer than any election timeout).',
    );
  }
  if (trace.noReplay === null) {
    lines.push("State fields missing from a line are not checked; those present must equal the model's.");
  }
  return lines;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function describeHoleReasons(report: TraceReport): string {
  const counts = new Map<string, number>();
  for (const h of report.trace.holes) counts.set(h.reason, (counts.get(h.reason) ?? 0) + 1);
  return [...counts.entries()].map(([reason, n]) => `${n} ${reason}`).join(', ');
}

export function renderText(report: TraceReport): string {
  const out = [
    ...linesSection(report),
    '',
    'Assumptions (the weakest that keep the check sound):',
    ...assumptions(report).map((a) => `  - ${a}`),
    '',
    ...safetySection(report),
    '',
    ...conformanceSection(report),
    '',
    ...livenessSection(report),
    '',
    ...verdictSection(report),
    '',
    `exit code: ${exitCodeOf(report)}${!report.liveness && report.diagnosis.livenessFailure ? ' (liveness failure not counted: --no-liveness)' : ''}`,
  ];
  return `${out.join('\n')}\n`;
}

function linesSection(report: TraceReport): string[] {
  const { trace, detection } = report;
  const out: string[] = [];
  const skippedBy = (kind: string) => trace.skipped.filter((s) => s.kind === kind).length;
  const other = trace.skipped.filter((s) => s.kind === 'other');
  out.push(`raftkit trace ${trace.file}`);
  out.push(
    `format: ${trace.format}` +
      (detection
        ? ` (detected: ${detection.votes[trace.format]} of ${detection.sampled} non-blank lines have its shape)`
        : ' (as requested)'),
  );
  const unique = trace.logLines - trace.duplicates;
  const unknownLogLines = unique - trace.events.length - trace.informational - trace.inconsistent.length;
  out.push(
    `lines: ${trace.totalLines} read; ${trace.logLines} in the ${trace.format} shape, ${trace.duplicates} of them exact ` +
      `duplicates (overlapping pasted chunks, dropped); ${unique - Math.max(0, unknownLogLines)} parsed: ` +
      `${trace.events.length} events, ${trace.informational} informational, ${trace.inconsistent.length} inconsistent`,
  );
  out.push(
    `not understood: ${trace.skipped.length} lines (${skippedBy('fence')} markdown fences, ${skippedBy('blank')} blank, ${other.length} other)` +
      (other.length > 0 ? `; first ${Math.min(SHOW, other.length)} other:` : ''),
  );
  for (const s of other.slice(0, SHOW)) out.push(`  line ${s.line}: ${quote(s.text)} — ${s.reason}`);
  out.push(...lineAccounts(trace));
  out.push(
    `nodes: ${trace.nodes.join(', ')}${trace.idMapping ? ` (${trace.idMapping})` : ''}; PreVote ${trace.preVote ? 'on' : 'off'}`,
  );
  return out;
}

function lineAccounts(trace: TraceReport['trace']): string[] {
  const out: string[] = [];
  if (trace.extraFields.length > 0) {
    out.push(
      `unknown fields: ${trace.extraFields.length} lines carry key=value fields after a known message; used, the fields ignored (first: line ${trace.extraFields[0].line}, ${quote(trace.extraFields[0].ignored)})`,
    );
  }
  if (trace.damaged.length > 0) {
    out.push(
      `damaged: ${trace.damaged.length} lines understood in part (two lines run together; the rest ignored):`,
    );
    for (const dmg of trace.damaged.slice(0, SHOW))
      out.push(`  line ${dmg.line}: ignored ${quote(dmg.ignored)}`);
  }
  if (trace.inconsistent.length > 0) {
    out.push(
      `inconsistent: ${trace.inconsistent.length} lines contradict themselves or their neighbours, not checked:`,
    );
    for (const bad of trace.inconsistent.slice(0, SHOW))
      out.push(`  line ${bad.line}: ${bad.ignored}: ${quote(bad.text)}`);
  }
  if (trace.outOfOrder.count > 0) {
    out.push(
      `out of order: ${trace.outOfOrder.count} lines carry a timestamp earlier than the line before (by up to ` +
        `${trace.outOfOrder.maxBackwardsMs.toFixed(3)} ms); events are checked in timestamp order`,
    );
  }
  return out;
}

/** Figure 3's properties, checked on what the nodes logged, apart from the replay. */
function safetySection(report: TraceReport): string[] {
  const { check, diagnosis: d } = report;
  const leaders = d.leaders.length;
  const electionSafety = check.violations.filter((v) => v.rule === 'election-safety');
  const singleVote = check.violations.filter((v) => v.rule === 'single-vote');
  const out = ['Safety properties (Figure 3, checked on what was logged)'];
  out.push(
    `  at most one leader per term: ${electionSafety.length === 0 ? `OK (${leaders} leader${leaders === 1 ? '' : 's'} seen)` : 'VIOLATED'}`,
  );
  for (const v of electionSafety.slice(0, SHOW)) out.push(`    ${v.description}`);
  out.push(
    `  at most one vote per voter per term (a candidate's vote for itself counted, pre-votes not): ${singleVote.length === 0 ? 'OK' : 'VIOLATED'}`,
  );
  for (const v of singleVote.slice(0, SHOW)) out.push(`    ${v.description}`);
  out.push(check.violations.length === 0 ? '  no safety property violated' : '  SAFETY PROPERTY VIOLATED');
  return out;
}

/** Figure 2: did each node do only what the model allows? */
function conformanceSection(report: TraceReport): string[] {
  const { check, trace } = report;
  const out = ['Conformance to the model (each node replayed through the statechart, Figure 2)'];
  if (!check.replayed) {
    out.push(`  not replayed: ${trace.noReplay}`);
    return out;
  }
  out.push(
    `  replayed ${check.eventsChecked} events of ${check.nodes.length} nodes against the model: ` +
      (check.divergences.length === 0 ? 'no divergence' : `${check.divergences.length} node(s) diverged`),
  );
  for (const dv of check.divergences.slice(0, SHOW)) {
    out.push(`  DIVERGENCE at line ${dv.line} (${dv.node}), rule ${dv.rule}: ${CHECK_RULES[dv.rule]}`);
    out.push(`    found:    ${dv.found}`);
    if (dv.after) out.push(`    after:    ${dv.after}`);
    out.push(`    expected: ${dv.expected}`);
    out.push(`    model was: ${dv.modelState}`);
  }
  if (check.divergences.length > 0) out.push('  THE IMPLEMENTATION DID WHAT THE MODEL DOES NOT ALLOW');
  return out;
}

function livenessSection(report: TraceReport): string[] {
  const d = report.diagnosis;
  const out = [`Liveness${d.livenessFailure ? ': FAILURE' : ''}`];
  out.push(
    `  terms: ${d.maxTerm} (highest term in the log); leaders: ${d.leaders.length}; terms with candidacies in the log: ${d.terms.length} ` +
      `(${formatRanges(d.terms.map((t) => t.term))})` +
      (d.missingTerms.length > 0
        ? `; not in the log: ${d.missingTerms.length} (${formatRanges(d.missingTerms)})`
        : ''),
  );
  if (d.isolatedCandidacies.length > 0) {
    out.push(
      `  isolated: ${d.isolatedCandidacies.length} candidacies by nodes cut off from the majority; terms with no other candidacy and no leader: ${d.isolatedTerms.length}${d.isolatedTerms.length > 0 ? ` (${formatRanges(d.isolatedTerms)})` : ''}, not counted as leaderless`,
    );
  }
  out.push(
    `  split votes (≥ 2 candidates, no leader): ${d.splitVoteTerms} of ${d.terms.length} terms; all ${d.nodes} nodes candidates: ${d.allNodesCandidateTerms}`,
  );
  if (d.longestLeaderlessRun) {
    out.push(
      `  longest run without a leader among nodes that could talk: ${d.longestLeaderlessRun.length} terms (${d.longestLeaderlessRun.from}–${d.longestLeaderlessRun.to})`,
    );
  }
  out.push(`  spread of candidacies within a term: ${formatRange(d.spreadMs, 'ms', 3)}`);
  out.push(`  a new term every (first candidacy to first candidacy): ${formatRange(d.termPeriodMs)}`);
  out.push(`  vote round trip (RequestVote sent → reply received): ${formatRange(d.voteRoundTripMs)}`);
  out.push(`  election timeouts drawn: ${formatRange(d.drawnTimeoutMs)}`);
  out.push(`  timer start → candidacy:  ${formatRange(d.actualTimeoutMs)}`);
  for (const g of d.byDrawn) out.push(`    drawn ${g.drawnMs} ms → actual ${formatRange(g.actualMs)}`);
  if (d.tickMs !== null)
    out.push(`  timer tick: ≈${d.tickMs} ms (candidacies do not follow the drawn timeouts)`);
  out.push(`  findings: ${d.findings.map((f) => `${f.id} (${f.severity})`).join(', ')}`);
  return out;
}

function verdictSection(report: TraceReport): string[] {
  const d = report.diagnosis;
  const out = ['Verdict', ...d.verdict.map((v) => `  ${v}`)];
  if (d.fix.length > 0) {
    out.push('', 'Fix');
    for (const f of d.fix) out.push(`  - ${f}`);
    if (d.simulateCommand) out.push(`  Check a configuration before running it: ${d.simulateCommand}`);
  }
  return out;
}

/** The --json document. Stable key order; `version` bumps on incompatible changes. */
export function renderJson(report: TraceReport): string {
  const { trace, detection, check, diagnosis } = report;
  const document = {
    version: 1,
    file: trace.file,
    format: trace.format,
    detected: detection !== null,
    lines: {
      total: trace.totalLines,
      log: trace.logLines,
      duplicates: trace.duplicates,
      informational: trace.informational,
      events: trace.events.length,
      notUnderstood: trace.skipped.length,
      notUnderstoodByKind: {
        fence: trace.skipped.filter((s) => s.kind === 'fence').length,
        blank: trace.skipped.filter((s) => s.kind === 'blank').length,
        other: trace.skipped.filter((s) => s.kind === 'other').length,
      },
      firstNotUnderstood: trace.skipped.filter((s) => s.kind === 'other').slice(0, 10),
      extraFields: trace.extraFields,
      damaged: trace.damaged,
      inconsistent: trace.inconsistent,
      outOfOrder: trace.outOfOrder,
    },
    nodes: trace.nodes,
    idMapping: trace.idMapping,
    assumptions: assumptions(report),
    holes: trace.holes,
    safety: {
      ok: check.divergences.length === 0 && check.violations.length === 0,
      replayed: check.replayed,
      notReplayed: trace.noReplay,
      eventsChecked: check.eventsChecked,
      rules: CHECK_RULES,
      divergences: check.divergences,
      violations: check.violations,
      bridges: check.bridges,
    },
    liveness: { ok: !diagnosis.livenessFailure, counted: report.liveness, ...diagnosis },
    exitCode: exitCodeOf(report),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
