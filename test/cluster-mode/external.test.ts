import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExternalCluster } from '../../src/cluster/impls/external.ts';
import { type ClusterRunOptions, runClusterScenario } from '../../src/cluster/runner.ts';
import { parseScenario } from '../../src/scenario/index.ts';

/**
 * A program the kit has never seen, through nothing but the external contract
 * (conformance/CLUSTER-PROTOCOL.md): a tiny fake node written here, started from a
 * `--node-cmd` template. It does no Raft: n1 says it leads term 1 and the others follow it
 * (or, by mode, nobody ever leads, or it babbles, or it answers as another node). That is
 * enough to show what the runner — not the program — checks: who answered, the shape of
 * the answer, liveness deadlines, whether the scenario reached its situation; and that
 * nothing is left behind whatever the program does.
 */

const dir = mkdtempSync(join(tmpdir(), 'raftkit-external-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FAKE = join(dir, 'fake-node.mjs');
writeFileSync(
  FAKE,
  `import http from 'node:http';
const [, , id, httpPort, mode, ...rest] = process.argv;
console.log('fake node', id, 'argv', JSON.stringify(rest));
const leader = mode === 'never' ? null : 'n1';
http
  .createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/status') {
      res.statusCode = 404;
      return res.end();
    }
    if (mode === 'garbage') return res.end('hello, I am not JSON');
    const status = {
      id: mode === 'wrong-id' ? 'n9' : id,
      role: leader === id ? 'leader' : 'follower',
      term: leader === null ? 0 : 1,
      leader,
      commitIndex: 0,
      applied: [],
    };
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(status));
  })
  .listen(Number(httpPort), '127.0.0.1');
`,
);

function fake(mode: string, nodeCmd?: string): ExternalCluster {
  return new ExternalCluster({
    name: `fake (${mode})`,
    nodeCmd:
      nodeCmd ??
      `${process.execPath} ${FAKE} {id} {httpPort} ${mode} --peer-port {peerPort} --advertise {advertise} --peers {peers} --data {dataDir} --timeout {electionTimeoutMs}`,
    cwd: dir,
    electionTimeoutMs: 200,
    features: { preVote: false, checkQuorum: false },
    sampleIntervalMs: 20,
  });
}

function scenario(steps: string, situation?: string): ReturnType<typeof parseScenario> {
  const head = ['# external', '#', '# source: curated: test/cluster-mode/external.test.ts', ''];
  const cluster = ['cluster n1 n2 n3', 'mode cluster', ...(situation ? [`situation ${situation}`] : []), ''];
  return parseScenario([...head, ...cluster, steps.trim(), ''].join('\n'), { file: 'external.txt' });
}

const quick: ClusterRunOptions = { startupMs: 3000 };

function expectClean(result: { leftoverPids: readonly number[]; leftoverDir: boolean }): void {
  expect(result.leftoverPids).toEqual([]);
  expect(result.leftoverDir).toBe(false);
}

describe('an external program through CLUSTER-PROTOCOL.md', () => {
  it('§5.2: a leader that holds its term passes; the placeholders reach the program; the evidence is kept', async () => {
    const evidence = join(dir, 'evidence');
    const result = await runClusterScenario(
      scenario('expect leader within 2s\ncapture $t = term\nwait 300ms\nexpect term == $t', 'leader-elected'),
      fake('leader'),
      { ...quick, evidenceDir: evidence },
    );
    expect(result.reason).toBeUndefined();
    expect(result.verdict).toBe('pass');
    expect(result.situation).toMatchObject({ name: 'leader-elected', reached: true });
    expect(result.initialElectionMs).not.toBeNull();
    const log = readFileSync(join(evidence, 'n2.log'), 'utf8');
    expect(log).toMatch(/--peers","n1=127\.0\.0\.1:\d+,n3=127\.0\.0\.1:\d+"/);
    expect(log).toMatch(/--advertise","127\.0\.0\.1:\d+"/);
    expect(log).toMatch(/--timeout","200"/);
    expect(readFileSync(join(evidence, 'kit-events.ndjson'), 'utf8')).toMatch(
      /^\{"event":"Cluster","nodes":\["n1","n2","n3"\]\}/,
    );
    expectClean(result);
  });

  it('a partition aimed at the leader that never leads to another leader is "not reached", not a pass; the kit logs Partition and Heal as trace events', async () => {
    const evidence = join(dir, 'not-reached');
    const result = await runClusterScenario(
      scenario('expect leader within 2s\npartition leader | rest\nwait 300ms\nheal', 'leader-isolated'),
      fake('leader'),
      { ...quick, evidenceDir: evidence },
    );
    expect(result.verdict).toBe('not-reached');
    expect(result.reason).toMatch(/did not reach its situation: a partition put the leader in a minority/);
    expect(result.timeline.join('\n')).toMatch(/= partition n1 \| n2 n3/);
    const events = readFileSync(join(evidence, 'kit-events.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.map((e) => e.event)).toEqual(['Cluster', 'Partition', 'Heal']);
    expect(events[1]).toMatchObject({ groups: [['n1'], ['n2', 'n3']] });
    // Epoch milliseconds, the time base of the nodes' own canonical traces.
    expect(Math.abs(events[1].time - Date.now())).toBeLessThan(60_000);
    expectClean(result);
  });

  it('§5.2 liveness: a program that never elects fails "expect leader within" with every node\'s last status', async () => {
    const result = await runClusterScenario(scenario('expect leader within 1s'), fake('never'), quick);
    expect(result.verdict).toBe('fail');
    expect(result.reason).toMatch(
      /no stable leader within 1s .*n1=follower@t0 n2=follower@t0 n3=follower@t0/,
    );
    expectClean(result);
  });

  it('a /status answer that is not the contract fails the scenario with what was expected and found', async () => {
    const result = await runClusterScenario(scenario('expect leader within 1s'), fake('garbage'), quick);
    expect(result.verdict).toBe('fail');
    expect(result.reason).toMatch(
      /n\d's \/status answered garbage: expected \{"id","role".*found hello, I am not JSON/,
    );
    expectClean(result);
  });

  it('the runner, not the program, checks who answered: answers from another id are discarded', async () => {
    const result = await runClusterScenario(scenario('expect leader within 1s'), fake('wrong-id'), quick);
    expect(result.verdict).toBe('fail');
    expect(result.reason).toMatch(/not every node answered a status query within startup/);
    expect(result.timeline.join('\n')).toMatch(/n1's status port answered as n9: answer discarded/);
    expectClean(result);
  });

  it('a command that does not exist, or exits at once, fails with how it ended', async () => {
    const missing = await runClusterScenario(
      scenario('expect leader within 1s'),
      fake('x', '/nonexistent/raft-node {id} {httpPort}'),
      quick,
    );
    expect(missing.verdict).toBe('fail');
    expect(missing.reason).toMatch(/n1: could not start '\/nonexistent\/raft-node'/);
    expectClean(missing);

    const exits = await runClusterScenario(
      scenario('expect leader within 1s'),
      fake('x', `${process.execPath} -e "console.error('no config for {id}'); process.exit(3)"`),
      quick,
    );
    expect(exits.verdict).toBe('fail');
    expect(exits.reason).toMatch(
      /n\d exited \(exit 3\) before answering \/status; its log .* ends: "no config for n\d"/,
    );
    expectClean(exits);
  });

  it('raftkit cluster --impl external --node-cmd runs it from the command line; a bad template is a usage error', async () => {
    const { main } = await import('../../src/cli/main.ts');
    const scenarioFile = join(dir, 'elected.txt');
    writeFileSync(
      scenarioFile,
      '# elected\n#\n# source: curated: test\n\ncluster n1 n2 n3\nmode cluster\n\nexpect leader within 2s\n',
    );
    const cmd = `${process.execPath} ${FAKE} {id} {httpPort} leader`;
    const out = join(dir, 'cli-out');
    const code = await main([
      'cluster',
      '--impl',
      'external',
      '--node-cmd',
      cmd,
      '--election-timeout-ms',
      '200',
      '--scenarios',
      scenarioFile,
      '--out',
      out,
      '--json',
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.implementations[0].counts).toEqual({ pass: 1, fail: 0, skip: 0, 'not-reached': 0 });
    expect(existsSync(join(out, 'external', 'elected', 'n1.log'))).toBe(true);
    expect(
      await main(['cluster', '--impl', 'external', '--node-cmd', 'x {nope}', '--scenarios', scenarioFile]),
    ).toBe(2);
  }, 30_000);

  it('bad --node-cmd from the command line: each scenario gets its own diagnosis (does not start, garbage /status, never elects), and no process or run directory is left', async () => {
    const { main } = await import('../../src/cli/main.ts');
    const scenarios = join(dir, 'two-scenarios');
    const write = (name: string) =>
      writeFileSync(
        join(scenarios, `${name}.txt`),
        `# ${name}\n#\n# source: curated: test\n\ncluster n1 n2 n3\nmode cluster\n\nexpect leader within 1s\n`,
      );
    rmSync(scenarios, { recursive: true, force: true });
    const { mkdirSync, readdirSync } = await import('node:fs');
    mkdirSync(scenarios);
    write('first');
    write('second');
    const runDirs = () => readdirSync(tmpdir()).filter((f) => f.startsWith('raftkit-cluster-'));
    const before = new Set(runDirs());
    const cases: [string, RegExp][] = [
      ['/nonexistent/raft-node {id} {httpPort}', /n1: could not start '\/nonexistent\/raft-node'/],
      [`${process.execPath} ${FAKE} {id} {httpPort} garbage`, /\/status answered garbage: expected/],
      [`${process.execPath} ${FAKE} {id} {httpPort} never`, /no stable leader within 1s/],
    ];
    for (const [index, [cmd, diagnosis]] of cases.entries()) {
      const out = join(dir, `bad-cli-${index}`);
      const args = ['cluster', '--impl', 'external', '--node-cmd', cmd, '--election-timeout-ms', '200'];
      const code = await main([...args, '--scenarios', scenarios, '--out', out, '--json']);
      expect(code).toBe(1);
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
      const results = report.implementations[0].results as {
        scenario: string;
        verdict: string;
        reason: string;
        leftoverPids: number[];
        leftoverDir: boolean;
      }[];
      expect(results.map((r) => [r.scenario, r.verdict])).toEqual([
        ['first', 'fail'],
        ['second', 'fail'],
      ]);
      for (const r of results) {
        expect(r.reason).toMatch(diagnosis);
        expect(r.leftoverPids).toEqual([]);
        expect(r.leftoverDir).toBe(false);
      }
    }
    expect(runDirs().filter((d) => !before.has(d))).toEqual([]);
  }, 60_000);
});
