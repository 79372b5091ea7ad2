import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, StdioAdapter, serveStdio, splitCommand } from '../../src/adapters/index.ts';
import { loadSuite, runSuite } from '../../src/conformance/index.ts';
import { ReferenceHarness } from '../../src/reference/index.ts';

/**
 * The stdio protocol (conformance/PROTOCOL.md) from both ends: the reference served over
 * it gives the same verdicts as in-process; malformed requests get error 12 naming the
 * field; and an adapter that crashes, hangs, prints garbage or replies with the wrong
 * shape fails its scenario with that diagnosis, the run finishes, and no process of the
 * adapter's group survives.
 */

const FIXTURES = loadSuite(['test/conformance/fixtures']);
const SERVE_REFERENCE = 'node bin/raftkit.js serve-reference';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0) until reaped; treat it as gone.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function waitGone(pids: readonly number[], ms = 3000): Promise<number[]> {
  const deadline = Date.now() + ms;
  let left = pids.filter(alive);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    left = left.filter(alive);
  }
  return left;
}

describe('stdio server (serve-reference)', () => {
  const harness = new ReferenceHarness();

  it('answers the handshake with its features', () => {
    expect(answer(harness, '{"id":1,"type":"init","protocol":1}')).toEqual({
      in_reply_to: 1,
      type: 'init_ok',
      protocol: 1,
      implementation: 'raftkit reference',
      features: {
        preVote: true,
        checkQuorum: false,
        ticks: true,
        restartWithPersistence: true,
        leaderNoOp: false,
      },
    });
  });

  it('declares leaderNoOp when built with the leader no-op (serve-reference --leader-no-op)', () => {
    const withNoOp = new ReferenceHarness(undefined, { leaderNoOp: true });
    expect(answer(withNoOp, '{"id":1,"type":"init","protocol":1}')).toMatchObject({
      implementation: 'raftkit reference with leader no-op',
      features: { leaderNoOp: true },
    });
  });

  it('answers a malformed request with error 12 naming the field, expected and found', () => {
    expect(answer(harness, 'not json')).toMatchObject({ in_reply_to: null, type: 'error', code: 12 });
    const reply = answer(harness, '{"id":4,"type":"timeout","node":"n1","timer":"lunch"}');
    expect(reply).toMatchObject({ in_reply_to: 4, type: 'error', code: 12 });
    expect(reply.text).toMatch(/field timer: .*"election".*"heartbeat".*found "lunch"/);
    expect(answer(harness, '{"id":5,"type":"state","node":"n1"}')).toMatchObject({ code: 14 });
  });

  it('serves NDJSON over streams until shutdown', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const served = serveStdio(new ReferenceHarness(), input, output);
    input.write(
      '{"id":1,"type":"create","nodes":["n1","n2","n3"],"features":{"preVote":false,"checkQuorum":false}}\n',
    );
    input.write('{"id":2,"type":"timeout","node":"n1","timer":"election"}\n{"id":3,"type":"shutdown"}\n');
    await served;
    const replies = output
      .read()
      .toString()
      .trim()
      .split('\n')
      .map((l: string) => JSON.parse(l));
    expect(replies.map((r: { type: string }) => r.type)).toEqual(['create_ok', 'timeout_ok', 'shutdown_ok']);
    expect(replies[1].state).toMatchObject({ role: 'candidate', currentTerm: 1, votedFor: 'n1' });
    expect(replies[1].messages).toHaveLength(2);
  });
});

describe('raftkit serve-reference', () => {
  it('answers every request of a long input before it exits, even into a slow pipe', () => {
    const lines = [
      '{"id":1,"type":"create","nodes":["n1","n2","n3"],"features":{"preVote":false,"checkQuorum":false}}',
    ];
    for (let id = 2; id <= 20_000; id++) {
      lines.push(JSON.stringify({ id, type: 'timeout', node: 'n1', timer: 'election' }));
    }
    const out = execFileSync('sh', ['-c', 'node bin/raftkit.js serve-reference | cat'], {
      input: `${lines.join('\n')}\n`,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    const replies = out.trim().split('\n');
    expect(replies).toHaveLength(20_000);
    expect(JSON.parse(replies[19_999])).toMatchObject({ in_reply_to: 20_000, type: 'timeout_ok' });
  });
});

describe('stdio adapter', () => {
  it('splits a command line like a shell, without running one', () => {
    expect(splitCommand(`python3 "my adapter.py" --name 'a b' x\\ y`)).toEqual([
      'python3',
      'my adapter.py',
      '--name',
      'a b',
      'x y',
    ]);
  });

  it('gives the same verdicts over stdio as in-process', async () => {
    const inProcess = await runSuite({
      adapter: { kind: 'builtin', name: 'reference' },
      scenarios: FIXTURES,
      jobs: 1,
      seed: 1,
    });
    const overStdio = await runSuite({
      adapter: { kind: 'command', command: SERVE_REFERENCE, stepTimeoutMs: 10_000 },
      scenarios: FIXTURES,
      jobs: 1,
      seed: 1,
    });
    expect(overStdio.results.map((r) => [r.name, r.status])).toEqual(
      inProcess.results.map((r) => [r.name, r.status]),
    );
    expect(overStdio.counts.pass).toBe(FIXTURES.length);
    const mutant = await runSuite({
      adapter: {
        kind: 'command',
        command: `${SERVE_REFERENCE} --mutant stale-term-in-reply`,
        stepTimeoutMs: 10_000,
      },
      scenarios: FIXTURES,
      jobs: 1,
      seed: 1,
    });
    expect(mutant.counts.fail).toBeGreaterThan(0);
  });

  describe('pipelining (PROTOCOL.md §1)', () => {
    const LOCKSTEP_ONLY = 'node_modules/.bin/tsx test/adapters/fixtures/lockstep-reference.ts';
    const run = (command: string, pipelining?: false, scenarios = FIXTURES) =>
      runSuite({
        adapter: { kind: 'command', command, stepTimeoutMs: 10_000, pipelining },
        scenarios,
        jobs: 1,
        seed: 1,
      });

    it('the kit sends requests ahead of their replies: an adapter that cannot take that breaks', async () => {
      const suite = await run(LOCKSTEP_ONLY, undefined, FIXTURES.slice(0, 1));
      expect(suite.counts.fail).toBe(1);
      const failed = suite.results.find((r) => r.status === 'fail');
      expect(failed?.failure?.diagnosis).toMatch(
        /adapter exited \(code 5\).*pipelined: \d+ requests arrived/,
      );
    });

    it('an adapter that says "pipelining": false gets one request at a time, and passes', async () => {
      const suite = await run(`${LOCKSTEP_ONLY} declare`);
      expect(suite.results.map((r) => [r.name, r.status])).toEqual(
        FIXTURES.map((f) => [f.scenario.name, 'pass']),
      );
    });

    it('--no-pipelining does the same for an adapter that does not say so', async () => {
      const suite = await run(LOCKSTEP_ONLY, false);
      expect(suite.counts.pass).toBe(FIXTURES.length);
      expect(suite.adapterFlags).toContain('--no-pipelining');
    });
  });

  it('runs the Python example adapter (standard library only)', async () => {
    const suite = await runSuite({
      adapter: {
        kind: 'command',
        command: 'python3 conformance/adapters/python-example/adapter.py',
        stepTimeoutMs: 10_000,
      },
      scenarios: FIXTURES,
      jobs: 1,
      seed: 1,
    });
    expect(suite.implementation).toBe('toy-raft (python example)');
    expect(suite.results.map((r) => [r.name, r.status, r.reason ?? ''])).toEqual([
      ['election-prevote', 'skip', 'needs preVote, which the implementation does not declare'],
      ['election', 'pass', ''],
      ['replication', 'pass', ''],
      ['tick-heartbeat', 'skip', 'needs ticks, which the implementation does not declare'],
      ['ticks', 'skip', 'needs ticks, which the implementation does not declare'],
    ]);
  });
});

describe('adapter faults', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'raftkit-faults-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const scenarios = FIXTURES.filter(
    (f) => f.scenario.name === 'election' || f.scenario.name === 'replication',
  );

  const cases = [
    [
      'crash',
      /adapter exited \(code 3\) while answering .*"type":"timeout".*stderr: panic: index out of range/,
    ],
    ['hang', /adapter hung: no reply within 400 ms to .*"type":"timeout"/],
    ['garbage', /adapter wrote invalid JSON: Raft node n1 stepping\.\.\. done!/],
    ['shape', /reply has the wrong shape: timeout_ok field state\.role: .*found "boss"/],
  ] as const;

  for (const [fault, diagnosis] of cases) {
    it(`an adapter that fails with '${fault}' fails each scenario with that diagnosis; nothing survives`, async () => {
      const pidDir = mkdtempSync(join(dir, `${fault}-`));
      const suite = await runSuite({
        adapter: {
          kind: 'command',
          command: `node test/adapters/fixtures/faulty-adapter.mjs ${fault} ${pidDir}`,
          stepTimeoutMs: 400,
        },
        scenarios,
        jobs: 1,
        seed: 1,
      });
      // The run finished: every scenario has a verdict, each a failure with the diagnosis.
      expect(suite.results).toHaveLength(2);
      for (const result of suite.results) {
        expect(result.status).toBe('fail');
        expect(result.failure?.step).toBe(1);
        expect(result.failure?.diagnosis).toMatch(diagnosis);
      }
      // Two adapter processes (one per scenario), each with a grandchild: all gone.
      const pids = readFileSync(join(pidDir, 'pids'), 'utf8').trim().split('\n').map(Number);
      expect(pids).toHaveLength(4);
      expect(await waitGone(pids)).toEqual([]);
    });
  }

  it('an adapter that dies while creating the cluster fails the scenario at (create)', async () => {
    const pidDir = mkdtempSync(join(dir, 'create-'));
    const suite = await runSuite({
      adapter: {
        kind: 'command',
        command: `node test/adapters/fixtures/faulty-adapter.mjs create ${pidDir}`,
        stepTimeoutMs: 2000,
      },
      scenarios: scenarios.slice(0, 1),
      jobs: 1,
      seed: 1,
    });
    expect(suite.results[0].failure).toMatchObject({ step: 0, input: '(create)' });
    expect(suite.results[0].failure?.diagnosis).toMatch(
      /adapter exited \(code 4\) while answering .*"type":"create"/,
    );
  });

  it('an interrupted kit (SIGINT) takes its adapters and their children with it', async () => {
    const pidDir = mkdtempSync(join(dir, 'sigint-'));
    const kit = spawn(
      'node',
      ['--import', 'tsx', 'test/adapters/fixtures/kit-with-hanging-adapter.ts', pidDir],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve) =>
      kit.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()),
    );
    const pids = readFileSync(join(pidDir, 'pids'), 'utf8').trim().split('\n').map(Number);
    expect(pids.every(alive)).toBe(true);
    kit.kill('SIGINT');
    const [, signal] = await new Promise<[number | null, string | null]>((resolve) =>
      kit.on('exit', (code, sig) => resolve([code, sig])),
    );
    expect(signal).toBe('SIGINT');
    expect(await waitGone(pids)).toEqual([]);
  });

  it('a clean close leaves no process of the adapter group either', async () => {
    const adapter = new StdioAdapter({ command: SERVE_REFERENCE, stepTimeoutMs: 10_000 });
    await adapter.hello();
    const pid = adapter.pid!;
    await adapter.close();
    expect(await waitGone([pid])).toEqual([]);
    const group = execFileSync('ps', ['-e', '-o', 'pgid='], { encoding: 'utf8' })
      .split('\n')
      .map((s) => Number(s.trim()));
    expect(group).not.toContain(pid);
  });
});
