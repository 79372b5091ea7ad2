import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ReferenceCluster, TIMING_MUTANT } from '../../src/cluster/impls/reference.ts';
import { percentiles, runClusterScenario } from '../../src/cluster/runner.ts';
import { parseScenario } from '../../src/scenario/index.ts';
import { analyzeTrace } from '../../src/trace/index.ts';

/**
 * Cluster mode end to end with the reference implementation as real processes: the
 * runner starts three nodes on loopback, injects faults through the proxy, and checks
 * safety all along and liveness by deadline. After every run no process and no run
 * directory may be left.
 */

const traces = mkdtempSync(join(tmpdir(), 'raftkit-cluster-traces-'));
afterAll(() => rmSync(traces, { recursive: true, force: true }));

function scenario(name: string, steps: string, features = ''): ReturnType<typeof parseScenario> {
  const text = [
    `# ${name}`,
    '#',
    '# source: curated: test/cluster-mode/reference-cluster.test.ts',
    '',
    'cluster n1 n2 n3',
    ...(features ? [`features ${features}`] : []),
    'mode cluster',
    '',
    steps.trim(),
    '',
  ].join('\n');
  return parseScenario(text, { file: `${name}.txt` });
}

describe('the reference implementation in cluster mode', () => {
  it('§5.2: elects one leader; after the leader is killed, a new one in a higher term; nothing is left behind', async () => {
    const result = await runClusterScenario(
      scenario(
        'reelection',
        `
expect leader within 5s
capture $t = term
kill leader
expect leader within 5s
expect term > $t
`,
      ),
      new ReferenceCluster({ seed: 7 }),
    );
    expect(result.reason).toBeUndefined();
    expect(result.verdict).toBe('pass');
    expect(result.violations).toEqual([]);
    expect(result.initialElectionMs).not.toBeNull();
    expect(result.electionMs).toHaveLength(1);
    // 150–300 ms timeouts: a re-election takes well under the 5 s deadline.
    expect(percentiles(result.electionMs)!.median).toBeLessThan(5000);
    expect(result.leftoverPids).toEqual([]);
    expect(result.leftoverDir).toBe(false);
  });

  it('§5.3: a write through the majority side of a partition commits, one through the cut-off node does not', async () => {
    const result = await runClusterScenario(
      scenario(
        'minority',
        `
expect leader within 5s
partition n1 | n2 n3
expect leader within 5s
submit n1 lost
submit leader kept
expect committed kept within 5s
expect not committed lost for 1s
heal
expect leader within 5s
`,
      ),
      new ReferenceCluster({ seed: 3 }),
    );
    expect(result.reason).toBeUndefined();
    expect(result.verdict).toBe('pass');
    expect(result.leftoverPids).toEqual([]);
    expect(result.leftoverDir).toBe(false);
  });

  it('BUGS.md #8: the timing mutant (5–9 ms timeouts, 10 ms tick, 1–5 ms RPC delay) fails "expect leader within", and raftkit trace diagnoses its log', async () => {
    const traceFile = join(traces, 'mutant.log');
    const result = await runClusterScenario(
      scenario('split-vote', 'expect leader within 3s'),
      new ReferenceCluster({ seed: 1, timing: TIMING_MUTANT, traceFile: () => traceFile }),
    );
    expect(result.verdict).toBe('fail');
    expect(result.line).toBe(8);
    expect(result.reason).toMatch(/no stable leader within 3s/);
    expect(result.violations).toEqual([]); // liveness, not safety
    expect(result.leftoverPids).toEqual([]);
    expect(existsSync(traceFile)).toBe(true);

    // The nodes' own canonical trace (docs/trace-format.md): safe and model-conformant, but
    // no leader for many consecutive terms, and the diagnosis says why.
    const report = analyzeTrace(readFileSync(traceFile, 'utf8'), traceFile, { format: 'canonical' });
    expect(report.check.violations).toEqual([]);
    expect(report.check.divergences).toEqual([]);
    expect(report.diagnosis.livenessFailure).toBe(true);
  });

  it("raftkit cluster --out with a relative directory writes each run's trace there (nodes run in their own data directories)", async () => {
    const { main } = await import('../../src/cli/main.ts');
    const previous = process.cwd();
    process.chdir(traces);
    try {
      const code = await main([
        'cluster',
        '--impl',
        'reference',
        '--scenarios',
        join(previous, 'conformance/scenarios/cluster/initial-election.txt'),
        '--out',
        'relative-out',
        '--json',
      ]);
      expect(code).toBe(0);
      const log = readFileSync(join(traces, 'relative-out/reference/initial-election/trace.log'), 'utf8');
      expect(log).toMatch(/"event":"BecomeLeader"/);
    } finally {
      process.chdir(previous);
    }
  }, 30_000);
});
