import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { classify } from '../../conformance/adapters/etcd-raft/classify.ts';

/**
 * `classify.ts` assigns each failure of an etcd raft run to a class of
 * docs/implementations.md and exits 1 when one fails no class (the gate of
 * `npm run conform:etcd-raft`).
 */

const dir = mkdtempSync(join(tmpdir(), 'raftkit-classify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const overwriteCommitted = {
  input:
    'inject AppendEntriesRequest n2->n1 term=2 prevLogIndex=0 prevLogTerm=0 entries=[2:y] leaderCommit=0',
  diagnosis: 'n1: log [1:y], expected [2:y]',
  differences: [{ field: 'log', expected: '[2:y]', actual: '[1:y]' }],
  missing: [],
  unexpected: [],
  expectedState: { role: 'follower', currentTerm: 2, commitIndex: 1, log: [{ term: 2, value: 'y' }] },
  actualState: { role: 'follower', log: [{ term: 1, value: 'y' }] },
};
const unexplained = {
  input: 'timeout n1',
  diagnosis: 'n1: currentTerm 5, expected 1',
  differences: [{ field: 'currentTerm', expected: '1', actual: '5' }],
  missing: [],
  unexpected: [],
};

function run(scenarios: unknown[]) {
  const file = join(dir, `report-${scenarios.length}.json`);
  writeFileSync(file, JSON.stringify({ scenarios }));
  return spawnSync('npx', ['tsx', 'conformance/adapters/etcd-raft/classify.ts', file], { encoding: 'utf8' });
}

describe('etcd raft classify.ts', () => {
  it('classifies a step overwriting a committed entry as a limit of the kit (E13), and nothing else', () => {
    expect(classify(overwriteCommitted)?.id).toMatch(/^E13 /);
    expect(classify(overwriteCommitted)?.verdict).toBe('limit of the kit');
    // Below the commit index only: a difference above it is not E13.
    expect(
      classify({
        ...overwriteCommitted,
        expectedState: { ...overwriteCommitted.expectedState, commitIndex: 0 },
      }),
    ).toBeNull();
    expect(classify(unexplained)).toBeNull();
  });

  it('exits 0 when every failure is classified, 1 with an unclassified one (listed)', () => {
    const ok = run([
      { name: 'a', status: 'fail', failure: overwriteCommitted },
      { name: 'b', status: 'pass' },
    ]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/ {3}0 {2}UNCLASSIFIED/);
    const bad = run([
      { name: 'a', status: 'fail', failure: overwriteCommitted },
      { name: 'mystery', status: 'fail', failure: unexplained },
      { name: 'c', status: 'skip', reason: 'needs: no leader no-op (line 3: …)' },
    ]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/ {3}1 {2}UNCLASSIFIED\n {6}mystery: timeout n1/);
    expect(bad.stdout).toMatch(/ {3}1 {2}skipped {15}needs: no leader no-op/);
  });
});
