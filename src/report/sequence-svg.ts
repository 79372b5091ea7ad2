import type { Message } from '../../models/index.ts';
import { brief } from '../conformance/report.ts';
import type { ScenarioResult, TranscriptEntry } from '../conformance/run-scenario.ts';
import { formatInput } from '../scenario/index.ts';
import { escapeHtml } from './escape.ts';

/**
 * A run as a message sequence diagram in SVG, drawn here without a browser: one lane per
 * node, one row per step. A delivered message is an arrow between lanes; a drop or a
 * duplicate a dashed arrow marked as a fault; timeouts, ticks, proposals, crashes and
 * restarts a box on the node's lane (crash and restart in the fault colour); the state the
 * implementation reported under it; the failing step a red box. (Maelstrom's Lamport view.)
 */

const LANE_GAP = 210;
const LEFT = 90;
const TOP = 56;
const ROW = 42;

interface Row {
  readonly svg: string[];
}

function laneX(nodes: readonly string[], id: string): number {
  return LEFT + Math.max(0, nodes.indexOf(id)) * LANE_GAP;
}

function text(x: number, y: number, content: string, cls: string, anchor = 'middle'): string {
  return `<text x="${x}" y="${y}" class="${cls}" text-anchor="${anchor}">${escapeHtml(content)}</text>`;
}

function arrow(x1: number, x2: number, y: number, label: string, cls: string): string[] {
  const dir = x2 >= x1 ? 1 : -1;
  const head = `${x2},${y} ${x2 - dir * 8},${y - 4} ${x2 - dir * 8},${y + 4}`;
  return [
    `<line x1="${x1}" y1="${y}" x2="${x2 - dir * 2}" y2="${y}" class="${cls}"/>`,
    `<polygon points="${head}" class="${cls}-head"/>`,
    text((x1 + x2) / 2, y - 6, label, `${cls}-label`),
  ];
}

function box(x: number, y: number, label: string, cls: string, maxWidth = LANE_GAP - 16): string[] {
  const width = Math.min(maxWidth, 12 + label.length * 6.6);
  return [
    `<rect x="${x - width / 2}" y="${y - 13}" width="${width}" height="20" rx="4" class="${cls}"/>`,
    text(x, y + 1, label, `${cls}-label`),
  ];
}

function stateLine(entry: TranscriptEntry): string | null {
  const s = entry.state;
  if (!s) return null;
  return `${s.role} t${s.currentTerm} vote=${s.votedFor ?? '-'} commit=${s.commitIndex} log=${s.log.length}`;
}

function messageRow(nodes: readonly string[], m: Pick<Message, 'from' | 'to'>, label: string, cls: string) {
  return arrow(laneX(nodes, m.from), laneX(nodes, m.to), 0, label, cls);
}

function rowOf(nodes: readonly string[], entry: TranscriptEntry): Row {
  const input = entry.input;
  if (entry.delivered) return { svg: messageRow(nodes, entry.delivered, brief(entry.delivered), 'msg') };
  if (input.kind === 'drop' || input.kind === 'duplicate')
    return { svg: messageRow(nodes, input.pattern, `${input.kind} ${input.pattern.type}`, 'fault') };
  if (input.kind === 'deliver' || input.kind === 'inject') {
    const p = input.kind === 'deliver' ? input.pattern : input.message;
    return { svg: messageRow(nodes, p, formatInput(input), 'msg') };
  }
  const fault = input.kind === 'crash' || input.kind === 'restart';
  const node = 'node' in input ? String(input.node) : nodes[0];
  return { svg: box(laneX(nodes, node), 0, formatInput(input), fault ? 'fault-box' : 'input-box') };
}

const STYLE = `
.lane{stroke:#9aa5b8;stroke-dasharray:4 4}.lane-head{fill:#eef3fb;stroke:#3b5b92}
.lane-name{font:bold 13px sans-serif;fill:#1d2a44}
.msg{stroke:#3b5b92;stroke-width:1.4}.msg-head{fill:#3b5b92}.msg-label{font:11px sans-serif;fill:#1d2a44}
.fault{stroke:#c26b00;stroke-width:1.4;stroke-dasharray:5 3}.fault-head{fill:#c26b00}
.fault-label{font:italic 11px sans-serif;fill:#c26b00}
.input-box{fill:#f4f6fa;stroke:#6b7a96}.input-box-label{font:11px sans-serif;fill:#1d2a44}
.fault-box{fill:#fff1e0;stroke:#c26b00}.fault-box-label{font:bold 11px sans-serif;fill:#c26b00}
.state{font:10px monospace;fill:#5b6578}.step{font:10px sans-serif;fill:#8a93a6}
.fail-box{fill:#ffe5e5;stroke:#d11f1f;stroke-width:2}.fail-box-label{font:bold 11px sans-serif;fill:#d11f1f}`;

/** The SVG of one run (up to its failure). */
export function sequenceSvg(result: ScenarioResult, nodes: readonly string[]): string {
  const rows = result.transcript.map((entry) => rowOf(nodes, entry));
  const failing = result.failure ? 1 : 0;
  // Room on the right for the last lane's state line.
  const width = LEFT + (nodes.length - 1) * LANE_GAP + 280;
  const height = TOP + (rows.length + failing) * ROW + 30;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="sequence" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(`message sequence of ${result.name}`)}">`,
    `<style>${STYLE}</style>`,
  ];
  for (const id of nodes) {
    const x = laneX(nodes, id);
    out.push(`<line x1="${x}" y1="${TOP - 10}" x2="${x}" y2="${height - 10}" class="lane"/>`);
    out.push(`<rect x="${x - 30}" y="8" width="60" height="26" rx="5" class="lane-head"/>`);
    out.push(text(x, 26, id, 'lane-name'));
  }
  rows.forEach((row, k) => {
    const y = TOP + k * ROW + 14;
    out.push(`<g transform="translate(0 ${y})">`, text(8, 4, String(k + 1), 'step', 'start'), ...row.svg);
    const entry = result.transcript[k];
    const state = stateLine(entry);
    if (state && entry.state) out.push(text(laneX(nodes, entry.state.id) + 6, 20, state, 'state', 'start'));
    out.push('</g>');
  });
  const f = result.failure;
  if (f) {
    const y = TOP + rows.length * ROW + 14;
    const x = laneX(nodes, f.node ?? nodes[0]);
    out.push(`<g transform="translate(0 ${y})" class="failure-mark">`);
    const label = `FAIL at step ${f.step}: ${f.input}`;
    out.push(...box(Math.max(x, 12 + label.length * 3.3), 0, label, 'fail-box', width), '</g>');
  }
  out.push('</svg>');
  return out.join('\n');
}
