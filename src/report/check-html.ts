import { type ClusterConfig, describeAction, describeClusterState } from '../../models/index.ts';
import type { CheckResult, PropertyResult } from '../explore/checker.ts';
import { replay } from '../explore/path.ts';
import type { RunDescription } from '../explore/report.ts';
import { escapeHtml as e } from './escape.ts';

/**
 * `raftkit check --report html --out c.json` also writes c.html: one self-contained page
 * with the verdict of every property and, per counterexample, each step with the whole
 * cluster state after it (every server, the network, the history).
 */

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;color:#1d2a44;margin:0 auto;max-width:1100px;padding:16px 24px}
table{border-collapse:collapse}td,th{border:1px solid #dde3ee;padding:4px 8px;text-align:left}
.fail,.unwitnessed{color:#d11f1f;font-weight:bold}.pass,.witnessed{color:#1c7c3a}
pre{font:12px ui-monospace,monospace;background:#f4f6fa;padding:6px;margin:4px 0 12px}
ol.steps>li{margin-bottom:4px}`;

function propertyRows(result: CheckResult): string {
  return result.properties
    .map(
      (p) =>
        `<tr><td class="${p.status}">${p.status}</td><td>${p.property.kind}</td><td>${e(p.property.name)}</td><td>${e(p.property.reference)}</td><td>${e(p.reason ?? (p.path ? `${p.path.actions.length} steps` : ''))}</td></tr>`,
    )
    .join('\n');
}

function counterexample(config: ClusterConfig, p: PropertyResult): string {
  const actions = p.path?.actions ?? [];
  const states = replay(config, actions);
  const steps = actions.map(
    (action, k) =>
      `<li><code>${e(describeAction(action))}</code><pre>${e(describeClusterState(config, states[k + 1]).join('\n'))}</pre></li>`,
  );
  return [
    `<section class="counterexample"><h2 class="fail">Counterexample to ${e(p.property.name)} (${e(p.property.reference)})</h2>`,
    `<p>“${e(p.property.sentence)}” — ${actions.length} steps; the state after each:</p>`,
    `<p>initial state:</p><pre>${e(describeClusterState(config, states[0]).join('\n'))}</pre>`,
    `<ol class="steps">${steps.join('\n')}</ol></section>`,
  ].join('\n');
}

export function checkHtmlReport(run: RunDescription, result: CheckResult): string {
  const failures = result.properties.filter((p) => p.status === 'fail' && p.path);
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8"><title>raftkit check</title>',
    `<style>${CSS}</style></head><body>`,
    '<h1>raftkit check</h1>',
    `<p>reproduce: <code>${e(run.command)}</code></p>`,
    `<p>${result.distinct.toLocaleString('en-US')} distinct states, depth ${result.depth}, stopped: ${e(result.stoppedBy)}</p>`,
    `<table id="properties"><tr><th>status</th><th>kind</th><th>property</th><th>reference</th><th></th></tr>${propertyRows(result)}</table>`,
    ...failures.map((p) => counterexample(run.config, p)),
    '</body></html>',
    '',
  ].join('\n');
}
