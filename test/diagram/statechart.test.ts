import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { guards, nodeMachineConfig, REDELIVER, ROLES, updates } from '../../models/index.ts';
import { main } from '../../src/cli/main.ts';
import { type GeneratedFile, generateStatechartDocs, staleFiles } from '../../src/diagram/docs.ts';
import { describeStatechart, toDot, toMermaid } from '../../src/diagram/statechart.ts';
import { parseRuleDocs } from '../../src/rules/registry.ts';

/**
 * The statechart drawings are generated from the machine definition: every transition of
 * `nodeMachineConfig` appears with its event, guard and actions; the output is the same
 * bytes every time; `raftkit diagram --check` tells a stale docs/ apart from a current one.
 */

let files: GeneratedFile[];
let markdown: string;
let svg: string;

beforeAll(async () => {
  files = await generateStatechartDocs();
  markdown = files.find((f) => f.name === 'statechart.md')!.content;
  svg = files.find((f) => f.name === 'statechart.svg')!.content;
});

/** Count transitions in the config by walking it directly (plain data). */
function countConfigTransitions(node: { on?: object; always?: unknown; states?: object }): number {
  let count = 0;
  for (const raw of Object.values(node.on ?? {})) count += Array.isArray(raw) ? raw.length : 1;
  if (node.always !== undefined) count += Array.isArray(node.always) ? node.always.length : 1;
  for (const child of Object.values(node.states ?? {})) count += countConfigTransitions(child);
  return count;
}

describe('reading the machine definition', () => {
  it('finds every transition of the config, with resolved targets', () => {
    const chart = describeStatechart();
    expect(chart.transitions).toHaveLength(countConfigTransitions(nodeMachineConfig));
    expect(chart.states.map((s) => s.path)).toEqual([
      'running',
      'running.follower',
      'running.preCandidate',
      'running.candidate',
      'running.leader',
      'crashed',
    ]);
    expect(chart.transitions).toContainEqual({
      source: 'running',
      event: 'Receive',
      guard: 'isHigherTerm',
      actions: ['updateTerm', REDELIVER],
      target: 'running.follower',
    });
    expect(chart.transitions).toContainEqual({
      source: 'running.candidate',
      event: 'always',
      guard: 'hasVoteQuorum',
      actions: [
        'becomeLeader',
        'startQuorumCheck',
        'sendAppendEntries',
        'resetElectionTimer',
        'resetHeartbeatTimer',
      ],
      target: 'running.leader',
    });
  });
});

describe('Mermaid stateDiagram-v2', () => {
  const mermaid = toMermaid(describeStatechart());

  it('draws the roles inside the running composite state, and crashed outside it', () => {
    expect(
      mermaid.startsWith('stateDiagram-v2\n  [*] --> running\n  state running {\n    [*] --> follower\n'),
    ).toBe(true);
    for (const role of ROLES) expect(mermaid).toMatch(new RegExp(`\\b${role}\\b`));
    expect(mermaid).toContain('  running --> crashed : Crash / loseVolatileState\n');
    expect(mermaid).toContain('  crashed --> running : Restart\n');
  });

  it('labels edges "Event [guard] / actions" with the names the machine uses', () => {
    expect(mermaid).toContain(
      '    candidate --> leader : always [hasVoteQuorum] / becomeLeader, startQuorumCheck, sendAppendEntries, resetElectionTimer, resetHeartbeatTimer\n',
    );
    // A transition only a switch (models/features.ts) enables says which.
    expect(mermaid).toContain(
      '    follower --> preCandidate : ElectionTimeout [preVoteEnabled; switch preVote] / startPreVote, broadcastPreVote, resetElectionTimer\n',
    );
    expect(mermaid).toContain(
      '    leader --> follower : ElectionTimeout [quorumLost; switch checkQuorum] / stepDownOnLostQuorum, resetElectionTimer\n',
    );
    // The term rule is defined once on `running` and drawn from each role.
    for (const role of ['preCandidate', 'candidate', 'leader']) {
      expect(mermaid).toContain(
        `    ${role} --> follower : Receive [isHigherTerm] / updateTerm, deliverToRole\n`,
      );
    }
    // Transitions that stay in a role are written inside it.
    expect(mermaid).toContain(
      '    leader : AppendEntriesResponse [appendRejected] / noteHeardFrom, backOffNextIndex\n',
    );
  });

  it('names every guard of the machine', () => {
    const used = describeStatechart().transitions.flatMap((t) => (t.guard ? [t.guard] : []));
    const drawnOrListed = `${mermaid}\n${markdown}`;
    for (const guard of new Set(used)) expect(drawnOrListed).toContain(`[${guard}]`.slice(1, -1));
    expect(used.length).toBeGreaterThan(20);
  });
});

describe('docs/statechart.md', () => {
  it('starts with the do-not-edit header and embeds the Mermaid block and the SVG', () => {
    expect(markdown.split('\n')[0]).toMatch(
      /^<!-- Generated by `npx raftkit diagram`.*Do not edit; regenerate/,
    );
    expect(markdown).toContain(`\`\`\`mermaid\n${toMermaid(describeStatechart())}\`\`\`\n`);
    expect(markdown).toContain('![The node statechart, rendered by Graphviz](statechart.svg)');
  });

  it('documents every guard and action from its doc comment, with its citation', () => {
    expect(markdown).not.toContain('(no doc comment)');
    for (const name of [...Object.keys(guards), ...Object.keys(updates), REDELIVER]) {
      expect(markdown).toMatch(new RegExp(`^\\| \`${name}\` \\|`, 'm'));
    }
    expect(markdown).toContain(
      '| `isHigherTerm` | running: Receive | Figure 2, Rules for All Servers: "If RPC request or response contains term T &gt; currentTerm: set currentTerm = T, convert to follower (§5.1)". | Figure 2, §5.1 |',
    );
  });

  it('lists every transition of the machine in the transitions table', () => {
    const section = markdown.split('## All transitions')[1].split('## Guards')[0];
    const rows = section.split('\n').filter((line) => line.startsWith('| `'));
    expect(rows).toHaveLength(countConfigTransitions(nodeMachineConfig));
  });
});

describe('docs/statechart.svg', () => {
  it('is an SVG document naming every role and the running cluster', () => {
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    for (const name of [...ROLES, 'running']) expect(svg).toContain(`>${name}</text>`);
    expect(svg).toContain('[hasVoteQuorum]');
  });

  it('comes from a DOT graph with a cluster for running and the crashed state outside', () => {
    const dot = toDot(describeStatechart());
    expect(dot).toContain('subgraph "cluster_running" {');
    expect(dot).toContain(
      '"follower" -> "crashed" [label="Crash\\n/ loseVolatileState", ltail="cluster_running"];',
    );
    expect(dot).toContain('"crashed" -> "follower" [label="Restart", lhead="cluster_running"];');
  });
});

describe('determinism', () => {
  it('generates byte-identical files on a second run', async () => {
    const again = await generateStatechartDocs();
    expect(again).toEqual(files);
  });
});

describe('parseRuleDocs', () => {
  it('takes the first paragraph of the doc comment above each exported const, and its citations', () => {
    const source = [
      '/** Not attached to an export. */',
      'const hidden = 1;',
      '/**',
      ' * Figure 2, receiver rule 1: "Reply false if term < currentTerm (§5.1)".',
      ' * Continued line.',
      ' *',
      ' * A second paragraph, ignored.',
      ' */',
      'export const isStale = () => true;',
      '/** Thesis §9.6 and raft.tla DropStaleResponse. */',
      'export const other = () => false;',
    ].join('\n');
    const docs = parseRuleDocs(source);
    expect([...docs.keys()]).toEqual(['isStale', 'other']);
    expect(docs.get('isStale')).toEqual({
      name: 'isStale',
      text: 'Figure 2, receiver rule 1: "Reply false if term < currentTerm (§5.1)". Continued line.',
      cites: ['Figure 2', '§5.1'],
    });
    expect(docs.get('other')?.cites).toEqual(['thesis §9.6', 'raft.tla DropStaleResponse']);
  });
});

describe('raftkit diagram', () => {
  const dirs: string[] = [];
  const out = () => {
    const dir = mkdtempSync(join(tmpdir(), 'raftkit-diagram-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function capture() {
    const stdout: string[] = [];
    const stderr: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout.push(String(chunk));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr.push(String(chunk));
      return true;
    });
    return { stdout, stderr };
  }

  async function raftkit(...args: string[]) {
    const streams = capture();
    const code = await main(args);
    vi.restoreAllMocks();
    process.exitCode = undefined;
    return { code, stdout: streams.stdout.join(''), stderr: streams.stderr.join('') };
  }

  it('writes both files, then --check passes (exit 0)', async () => {
    const dir = out();
    const written = await raftkit('diagram', '--out', dir);
    expect(written.code).toBe(0);
    expect(written.stdout).toBe(
      `wrote ${join(dir, 'statechart.md')}\nwrote ${join(dir, 'statechart.svg')}\n`,
    );
    expect(readFileSync(join(dir, 'statechart.md'), 'utf8')).toBe(markdown);
    expect(readFileSync(join(dir, 'statechart.svg'), 'utf8')).toBe(svg);
    const checked = await raftkit('diagram', '--check', '--out', dir);
    expect(checked).toMatchObject({ code: 0, stderr: '' });
  });

  it('--check exits 1 naming the stale file and the missing one', async () => {
    const dir = out();
    await raftkit('diagram', '--out', dir);
    writeFileSync(join(dir, 'statechart.md'), `${markdown}edited by hand\n`);
    unlinkSync(join(dir, 'statechart.svg'));
    const checked = await raftkit('diagram', '--check', '--out', dir);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toBe(
      [
        `raftkit diagram --check: ${join(dir, 'statechart.md')} is stale (differs from what the model generates); regenerate with \`npx raftkit diagram\``,
        `raftkit diagram --check: ${join(dir, 'statechart.svg')} is missing; regenerate with \`npx raftkit diagram\``,
        '',
      ].join('\n'),
    );
  });

  it('--print mermaid writes the diagram source to stdout and no files', async () => {
    const printed = await raftkit('diagram', '--print', 'mermaid');
    expect(printed).toEqual({ code: 0, stdout: toMermaid(describeStatechart()), stderr: '' });
  });

  it('a bad --print value is a usage error (exit 2) naming the choices', async () => {
    const bad = await raftkit('diagram', '--print', 'png');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("argument 'png' is invalid. Allowed choices are mermaid, dot.");
  });

  it('the committed docs/statechart.md and docs/statechart.svg are current', () => {
    expect(staleFiles(fileURLToPath(new URL('../../docs', import.meta.url)), files)).toEqual([]);
  });
});
