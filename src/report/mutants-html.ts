import type { ScenarioFile, SuiteResult } from '../conformance/index.ts';
import { escapeHtml as e } from './escape.ts';
import { failureSection, REPORT_CSS } from './html.ts';

/**
 * `raftkit mutants --report html --out <dir>`: which scenarios kill each mutant of the
 * reference (a bug class of docs/bugs.md), and for each killed mutant its first failure
 * shown as `conform --report html` shows one (expected vs actual, rule, reproduce command,
 * sequence diagram, statechart).
 */

export interface MutantRun {
  readonly name: string;
  readonly bug: number;
  readonly suite: SuiteResult;
}

function row(run: MutantRun): string {
  const killers = run.suite.results.filter((r) => r.status === 'fail');
  const verdict =
    killers.length > 0 ? '<span class="pass">killed</span>' : '<span class="fail">NOT killed</span>';
  const link =
    killers.length > 0 ? `<a href="#mutant-${e(run.name)}">${killers.length} scenario(s)</a>` : '-';
  return `<tr><td>${e(run.name)}</td><td>#${run.bug}</td><td>${verdict}</td><td>${link}</td></tr>`;
}

export async function mutantsHtmlReport(
  reference: SuiteResult,
  runs: readonly MutantRun[],
  files: readonly ScenarioFile[],
): Promise<string> {
  const byFile = new Map(files.map((f) => [f.file, f]));
  const sections: string[] = [];
  for (const run of runs) {
    const first = run.suite.results.find((r) => r.status === 'fail');
    if (!first) continue;
    const killers = run.suite.results.filter((r) => r.status === 'fail').map((r) => e(r.name));
    sections.push(
      `<h2 id="mutant-${e(run.name)}">mutant ${e(run.name)} (docs/bugs.md #${run.bug})</h2>`,
      `<p>killed by ${killers.join(', ')}; the first:</p>`,
      await failureSection(run.suite, first, byFile.get(first.file)),
    );
  }
  const { pass, fail, skip } = reference.counts;
  const killed = runs.filter((r) => r.suite.counts.fail > 0).length;
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8"><title>raftkit mutants</title>',
    `<style>${REPORT_CSS}</style></head><body>`,
    '<h1>raftkit mutants</h1>',
    `<p id="summary">reference (unmutated): ${pass} passed, ${fail} failed, ${skip} skipped; mutants killed: ${killed}/${runs.length}</p>`,
    `<table id="mutants"><tr><th>mutant</th><th>bug class</th><th>verdict</th><th>killed by</th></tr>${runs.map(row).join('\n')}</table>`,
    ...sections,
    '</body></html>',
    '',
  ].join('\n');
}
