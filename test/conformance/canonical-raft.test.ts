import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { classify } from '../../conformance/adapters/canonical-raft/classify.ts';
import { CLASSES as HASHICORP } from '../../conformance/adapters/hashicorp-raft/classify.ts';

/**
 * canonical raft (libraft 0.15) in step mode: `classify.ts` assigns each failure to a class
 * of docs/implementations.md and exits 1 on an unclassified one; the C adapter speaks the
 * protocol; `consequences.ts` reaches the State Machine Safety violations the doc claims.
 */

const dir = mkdtempSync(join(tmpdir(), 'raftkit-canonical-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Figure 2 / raft.tla: a success answers prevLogIndex + len(entries), here 1; the follower's log has 2. */
const matchFromLastIndex = {
  input:
    'inject AppendEntriesRequest n1->n2 term=1 prevLogIndex=0 prevLogTerm=0 entries=[1:a] leaderCommit=0',
  diagnosis: 'n2: 1 expected message(s) not sent; 1 message(s) the model does not send',
  differences: [],
  missing: [{ type: 'AppendEntriesResponse', from: 'n2', to: 'n1', term: 1, success: true, matchIndex: 1 }],
  unexpected: [
    { type: 'AppendEntriesResponse', from: 'n2', to: 'n1', term: 1, success: true, matchIndex: 2 },
  ],
};
const unexplained = {
  input: 'timeout n1',
  diagnosis: 'n1: currentTerm 5, expected 1',
  differences: [{ field: 'currentTerm', expected: '1', actual: '5' }],
  missing: [],
  unexpected: [],
};

function classifyCli(scenarios: unknown[]) {
  const file = join(dir, `report-${scenarios.length}.json`);
  writeFileSync(file, JSON.stringify({ scenarios }));
  return spawnSync('npx', ['tsx', 'conformance/adapters/canonical-raft/classify.ts', file], {
    encoding: 'utf8',
  });
}

describe('canonical raft classify.ts', () => {
  it('classifies a reply carrying the follower’s last index as C9 (a departure), and nothing else', () => {
    expect(classify(matchFromLastIndex)?.id).toMatch(/^C9 /);
    expect(classify(matchFromLastIndex)?.verdict).toBe('(a) departure from Raft');
    // A lower matchIndex than the model's is not C9.
    const lower = {
      ...matchFromLastIndex,
      unexpected: [{ ...matchFromLastIndex.unexpected[0], matchIndex: 0 }],
    };
    expect(classify(lower)).toBeNull();
    expect(classify(unexplained)).toBeNull();
  });

  it('exits 0 when every failure is classified, 1 with an unclassified one (listed)', () => {
    const ok = classifyCli([
      { name: 'a', status: 'fail', failure: matchFromLastIndex },
      { name: 'b', status: 'pass' },
    ]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^ {3}0 {2}UNCLASSIFIED$/m);
    const bad = classifyCli([{ name: 'c', status: 'fail', failure: unexplained }]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('c: timeout n1');
  });
});

describe('hashicorp/raft classify.ts', () => {
  /** A reply that lets the leader's no-op out only after it (H5: its first AppendEntries went without it). */
  const noOpAfterReply = {
    input: 'deliver AppendEntriesResponse n2->n1',
    diagnosis: 'n1: commitIndex 0, expected 1; 1 message(s) the model does not send',
    differences: [{ field: 'commitIndex', expected: '1', actual: '0' }],
    missing: [],
    unexpected: [
      {
        type: 'AppendEntriesRequest',
        from: 'n1',
        to: 'n2',
        term: 1,
        prevLogIndex: 0,
        prevLogTerm: 0,
        entries: [{ term: 1, value: '' }],
        leaderCommit: 0,
      },
    ],
    actualState: { role: 'leader', currentTerm: 1 },
  };
  const first = (f: Parameters<(typeof HASHICORP)[number]['matches']>[0]) =>
    HASHICORP.find((c) => c.matches(f));

  it('classifies the no-op sent after the first reply as H5, the switch noOpAfterFirstAppend, and not a reply carrying a client value', () => {
    // Seen only if the adapter stops declaring the switch: with it the model sends that no-op too.
    expect(first(noOpAfterReply)?.id).toMatch(/^H5 .*noOpAfterFirstAppend, declared/);
    expect(first(noOpAfterReply)?.verdict).toBe('(b) switch of the model');
    const valued = {
      ...noOpAfterReply,
      unexpected: [{ ...noOpAfterReply.unexpected[0], entries: [{ term: 1, value: 'x' }] }],
    };
    expect(first(valued)).toBeUndefined();
    expect(first(unexplained)).toBeUndefined();
  });
});

function haveLibraft(): boolean {
  return spawnSync('pkg-config', ['--exists', 'raft']).status === 0;
}

describe.skipIf(!haveLibraft())('canonical raft adapter (needs cc, pkg-config, libraft-dev)', () => {
  const binary = join(dir, 'adapter');
  execFileSync('sh', ['conformance/adapters/canonical-raft/build.sh', binary], { stdio: 'ignore' });

  it('elects a candidate through its own I/O hooks: Figure 2 "On conversion to candidate: increment currentTerm, vote for self, send RequestVote RPCs" (§5.2)', () => {
    const requests = [
      { id: 1, type: 'init', protocol: 1 },
      {
        id: 2,
        type: 'create',
        nodes: ['n1', 'n2', 'n3'],
        features: {},
        timing: { electionTicks: 10, heartbeatTicks: 1 },
      },
      { id: 3, type: 'timeout', node: 'n1', timer: 'election' },
      { id: 4, type: 'bogus' },
    ];
    const out = execFileSync(binary, {
      input: requests.map((r) => JSON.stringify(r)).join('\n'),
      encoding: 'utf8',
    });
    const replies = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(replies.map((r) => r.type)).toEqual(['init_ok', 'create_ok', 'timeout_ok', 'error']);
    expect(replies[1].electionTimeoutTicks).toEqual({ min: 10, max: 10 });
    expect(replies[2].state).toMatchObject({ role: 'candidate', currentTerm: 1, votedFor: 'n1' });
    expect(replies[2].messages.map((m: { type: string; to: string }) => `${m.type}>${m.to}`).sort()).toEqual([
      'RequestVoteRequest>n2',
      'RequestVoteRequest>n3',
    ]);
    expect(replies[3]).toMatchObject({ in_reply_to: 4, code: 10 });
  });

  it('consequences.ts reaches both State Machine Safety violations (§5.4.3) with the implementation’s own messages', () => {
    const run = spawnSync('npx', ['tsx', 'conformance/adapters/canonical-raft/consequences.ts', binary], {
      encoding: 'utf8',
    });
    expect(run.stdout).toContain('2 of 2 runs reached a State Machine Safety violation');
    expect(run.status).toBe(0);
  });
});
