import type { Message } from '../../models/index.ts';
import { formatState, reproduceCommand, type ScenarioFile, type SuiteResult } from '../conformance/index.ts';
import type { ScenarioResult, StepFailure } from '../conformance/run-scenario.ts';
import { formatMessage } from '../scenario/index.ts';
import { escapeHtml as e } from './escape.ts';
import { sequenceSvg } from './sequence-svg.ts';
import { markedStatechartSvg, runMarks } from './statechart-marks.ts';

/**
 * `raftkit conform --report html --out <dir>`: one self-contained HTML file (no script, no
 * network): a summary; per failure the step, expected vs actual state and messages, the
 * Figure 2 rule, the reproduce command, the run as a message sequence diagram and the
 * statechart with the transitions the run covered (blue) and the one it failed at (red).
 * Every text that came from an implementation or a file is escaped.
 */

export const REPORT_CSS = `
body{font:14px/1.45 system-ui,sans-serif;color:#1d2a44;margin:0 auto;max-width:1200px;padding:16px 24px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #dde3ee}
table{border-collapse:collapse}td,th{border:1px solid #dde3ee;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f4f6fa}.pass{color:#1c7c3a}.fail{color:#d11f1f}.skip{color:#8a6d00}
code,pre{font:12px ui-monospace,monospace;background:#f4f6fa}pre{padding:8px;white-space:pre-wrap;word-break:break-word}
.diagram{overflow-x:auto;border:1px solid #dde3ee;margin:8px 0;padding:4px}
.legend span{display:inline-block;margin-right:16px}.covered-key{color:#1f6fd1;font-weight:bold}
.failed-key{color:#d11f1f;font-weight:bold}section.failure{margin-bottom:40px}`;

function messages(list: readonly Message[] | undefined): string {
  if (!list || list.length === 0) return '(none)';
  return list.map((m) => e(formatMessage(m))).join('<br>');
}

function summary(suite: SuiteResult): string {
  const { pass, fail, skip } = suite.counts;
  const features = Object.entries(suite.features)
    .map(([k, v]) => `${k}=${v ? 'yes' : 'no'}`)
    .join(' ');
  return [
    '<table id="summary">',
    `<tr><th>implementation</th><td>${e(suite.implementation)} (${e(suite.adapter)})</td></tr>`,
    `<tr><th>seed</th><td>${suite.seed}</td></tr>`,
    `<tr><th>features</th><td>${e(features)}</td></tr>`,
    `<tr><th>scenarios</th><td>${suite.results.length}: <span class="pass">${pass} passed</span>, <span class="fail">${fail} failed</span>, <span class="skip">${skip} skipped</span></td></tr>`,
    suite.stoppedEarly ? `<tr><th>stopped early</th><td>${e(suite.stoppedEarly)}</td></tr>` : '',
    '</table>',
  ].join('\n');
}

function anchor(result: ScenarioResult): string {
  return `fail-${result.name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

function failureList(failures: readonly ScenarioResult[]): string {
  if (failures.length === 0) return '<p id="failures">No scenario failed.</p>';
  const items = failures.map((r) => {
    const f = r.failure as StepFailure;
    return `<li class="failure-link"><a href="#${anchor(r)}">${e(r.name)}</a>: step ${f.step}, ${e(f.diagnosis)}</li>`;
  });
  return `<ol id="failures">\n${items.join('\n')}\n</ol>`;
}

function comparison(f: StepFailure): string {
  const rows = [
    [
      'state',
      f.expectedState ? formatState(f.expectedState) : '',
      f.actualState ? formatState(f.actualState) : '',
    ],
  ].map(
    ([what, expected, actual]) => `<tr><th>${what}</th><td>${e(expected)}</td><td>${e(actual)}</td></tr>`,
  );
  rows.push(
    `<tr><th>messages</th><td>${messages(f.expectedSent)}</td><td>${messages(f.actualSent)}</td></tr>`,
  );
  for (const d of f.differences)
    rows.push(`<tr><th>${e(d.field)}</th><td>${e(d.expected)}</td><td>${e(d.actual)}</td></tr>`);
  if (f.missing.length > 0) rows.push(`<tr><th>not sent</th><td>${messages(f.missing)}</td><td></td></tr>`);
  if (f.unexpected.length > 0)
    rows.push(`<tr><th>not allowed</th><td></td><td>${messages(f.unexpected)}</td></tr>`);
  return `<table class="comparison"><tr><th></th><th>expected (model)</th><th>actual (implementation)</th></tr>\n${rows.join('\n')}\n</table>`;
}

export async function failureSection(
  suite: SuiteResult,
  result: ScenarioResult,
  file?: ScenarioFile,
): Promise<string> {
  const f = result.failure as StepFailure;
  const nodes = file?.scenario.cluster.nodes ?? [];
  const mark = file ? runMarks(file.scenario, result) : null;
  const chart = await markedStatechartSvg(mark ?? undefined);
  return [
    `<section class="failure" id="${anchor(result)}">`,
    `<h2 class="fail">FAIL ${e(result.name)}</h2>`,
    `<p><code>${e(result.file)}:${f.line}</code> — step ${f.step}: <code>${e(f.input)}</code></p>`,
    `<p class="diagnosis"><b>problem:</b> ${e(f.diagnosis)}</p>`,
    comparison(f),
    `<p class="rule"><b>Figure 2 rule:</b> ${e(f.rule)}</p>`,
    f.modelTook ? `<p><b>model took:</b> <code>${e(f.modelTook)}</code></p>` : '',
    f.stderr ? `<p><b>implementation stderr:</b></p><pre>${e(f.stderr)}</pre>` : '',
    `<p><b>reproduce:</b></p><pre class="reproduce">${e(reproduceCommand(suite, result.file))}</pre>`,
    '<h3>Message sequence</h3>',
    `<div class="diagram">${sequenceSvg(result, nodes)}</div>`,
    '<h3>Statechart</h3>',
    '<p class="legend"><span class="covered-key">covered by this run</span><span class="failed-key">where it failed (what the model did)</span></p>',
    `<div class="diagram statechart">${chart}</div>`,
    '</section>',
  ].join('\n');
}

function otherResults(suite: SuiteResult): string {
  const rows = suite.results
    .filter((r) => r.status !== 'fail')
    .map(
      (r) =>
        `<tr><td class="${r.status}">${r.status}</td><td>${e(r.name)}</td><td>${e(r.reason ?? `${r.steps} steps`)}</td></tr>`,
    );
  return `<details><summary>${rows.length} scenarios passed or skipped</summary><table>${rows.join('\n')}</table></details>`;
}

/** The whole report as one HTML document. */
export async function htmlReport(suite: SuiteResult, files: readonly ScenarioFile[]): Promise<string> {
  const byFile = new Map(files.map((f) => [f.file, f]));
  const failures = suite.results.filter((r) => r.status === 'fail');
  const sections: string[] = [];
  for (const r of failures) sections.push(await failureSection(suite, r, byFile.get(r.file)));
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>raftkit conform: ${e(suite.implementation)}</title>`,
    `<style>${REPORT_CSS}</style></head><body>`,
    `<h1>raftkit conform: ${e(suite.implementation)}</h1>`,
    summary(suite),
    '<h2>Failures</h2>',
    failureList(failures),
    ...sections,
    '<h2>Passed and skipped</h2>',
    otherResults(suite),
    '</body></html>',
    '',
  ].join('\n');
}
