import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { usefulJobs } from '../../src/cli/commands/conform.ts';
import { loadSuite, runSuite } from '../../src/conformance/index.ts';
import { progressReporter } from '../../src/conformance/progress.ts';
import { runCli } from '../support/capture.ts';

/**
 * Every user mistake of issue 16's first paragraph, re-run: each gives one `raftkit: ...`
 * line naming the flag, file or message field, and the documented exit code (2 for usage
 * or setup), never a stack trace.
 */

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'raftkit-mistakes-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let stdout = '';
let stderr = '';
async function cli(args: string[]): Promise<number> {
  const run = await runCli(args);
  stdout = run.stdout;
  stderr = run.stderr;
  return run.code;
}
afterEach(() => vi.restoreAllMocks());

/** The last stderr line is the message: one line, `raftkit: `, no stack frame anywhere. */
function expectOneLine(pattern: RegExp): void {
  expect(stderr).not.toMatch(/\n\s+at /);
  const last = stderr.trim().split('\n').at(-1) ?? '';
  expect(last).toMatch(/^raftkit: /);
  expect(last).toMatch(pattern);
}

const FIXTURES = 'test/conformance/fixtures';

describe('a bad --out path is refused before the run starts (exit 2)', () => {
  const commands = [
    ['conform', '--scenarios', FIXTURES, '--no-progress'],
    ['check', '--max-term', '1', '--no-progress'],
    ['cluster', '--impl', 'reference'],
    ['diagram'],
  ];
  for (const [command, ...rest] of commands) {
    it(`${command} --out under a file`, async () => {
      const file = join(dir, `${command}-file`);
      writeFileSync(file, 'not a directory');
      const out = command === 'check' ? join(file, 'cex.json') : join(file, 'reports');
      const started = performance.now();
      expect(await cli([command, ...rest, '--out', out])).toBe(2);
      expectOneLine(/--out '.*' cannot be (created|written): '.*-file' is a file/);
      expect(stdout).toBe(''); // nothing ran
      expect(performance.now() - started).toBeLessThan(5000);
    });
  }
});

describe('the conformance runner', () => {
  // Scenarios that need no feature (the faulty adapter declares none), twice over.
  const plain = loadSuite([FIXTURES]).filter((f) => ['election', 'replication'].includes(f.scenario.name));
  const scenarios = [...plain, ...plain];

  it('an adapter reply without in_reply_to fails the scenario with the field named; the run goes on', async () => {
    const suite = await runSuite({
      adapter: {
        kind: 'command',
        command: `node test/adapters/fixtures/faulty-adapter.mjs no-id ${dir}`,
        stepTimeoutMs: 2000,
      },
      scenarios: scenarios.slice(0, 2),
      jobs: 1,
      seed: 1,
    });
    expect(suite.results.map((r) => r.status)).toEqual(['fail', 'fail']);
    expect(suite.results[0].failure?.diagnosis).toMatch(
      /reply has the wrong shape: expected in_reply_to \d+, found nothing in \{"type":"timeout_ok"/,
    );
  });

  it('an adapter that hangs after its handshake trips --max-timeouts: the rest are not run', async () => {
    const started = performance.now();
    const suite = await runSuite({
      adapter: {
        kind: 'command',
        command: `node test/adapters/fixtures/faulty-adapter.mjs hang ${dir}`,
        stepTimeoutMs: 300,
      },
      scenarios,
      jobs: 1,
      seed: 1,
      maxTimeouts: 2,
    });
    expect(scenarios.length).toBeGreaterThan(2);
    expect(suite.results.map((r) => r.status)).toEqual([
      'fail',
      'fail',
      ...scenarios.slice(2).map(() => 'skip'),
    ]);
    expect(suite.results[2].reason).toMatch(/^not run: the adapter timed out in 2 scenarios in a row/);
    expect(suite.stoppedEarly).toMatch(/--max-timeouts 2/);
    expect(performance.now() - started).toBeLessThan(2 * 300 + 5000);
  });

  it('--max-timeouts is checked like every integer flag', async () => {
    expect(await cli(['conform', '--scenarios', FIXTURES, '--max-timeouts', 'x'])).toBe(2);
    expectOneLine(/--max-timeouts must be an integer from 0/);
  });

  it('a 0-column terminal draws progress without a RangeError', () => {
    let written = '';
    const stream = {
      isTTY: true,
      columns: 0,
      write: (text: string) => {
        written += text;
        return true;
      },
    } as unknown as NodeJS.WriteStream;
    const progress = progressReporter(1, stream);
    progress.update({ status: 'pass', name: 'election' } as never, 1);
    progress.finish();
    expect(written).toMatch(/\[1\/1\] 1 passed/);
  });

  it('--jobs is capped to what helps, and says so', () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(usefulJobs(4, { kind: 'builtin', name: 'reference' })).toBe(1);
    expect(usefulJobs(8, { kind: 'command', command: 'x', stepTimeoutMs: 1 }, 4)).toBe(3);
    expect(usefulJobs(2, { kind: 'command', command: 'x', stepTimeoutMs: 1 }, 4)).toBe(2);
  });
});

describe('scenario files', () => {
  it('two scenarios with the same name are a load error naming both files', async () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    mkdirSync(a);
    mkdirSync(b);
    const text = readFileSync(join(FIXTURES, 'election.txt'), 'utf8');
    writeFileSync(join(a, 'same.txt'), text);
    writeFileSync(join(b, 'same.txt'), text);
    expect(await cli(['conform', '--scenarios', a, b])).toBe(2);
    expectOneLine(/b\/same\.txt: scenario name 'same' is also the name of .*a\/same\.txt/);
  });

  it('the shipped suite has no two scenarios of one name', () => {
    const names = loadSuite(['conformance/scenarios/generated', 'conformance/scenarios/curated']).map(
      (f) => f.scenario.name,
    );
    expect(new Set(names).size).toBe(names.length);
  });

  it('a hand-edited expected block is a warning with the first difference; --strict makes it exit 2', async () => {
    const original = readFileSync(join(FIXTURES, 'election.txt'), 'utf8');
    const edited = original.replace(/^(n\d \w+ term=1 votedFor=)n1/m, '$1n3');
    expect(edited).not.toBe(original);
    const file = join(dir, 'edited.txt');
    writeFileSync(file, edited);
    expect(await cli(['conform', '--scenarios', file, '--no-progress'])).toBe(0);
    expect(stderr).toMatch(
      /warning: .*edited\.txt:\d+: expected block differs from the model: the file says '.*votedFor=n3.*', the model computes '.*votedFor=n1.*'/,
    );
    expect(await cli(['conform', '--scenarios', file, '--no-progress', '--strict'])).toBe(2);
    expectOneLine(/^raftkit: --strict: .*edited\.txt:\d+: expected block differs/);
  });
});

describe('raftkit check', () => {
  it('the help example --values 0 --max-term 3 passes: a witness that needs values is not applicable', async () => {
    expect(await cli(['check', '--values', '0', '--max-term', '3', '--no-progress'])).toBe(0);
    expect(stdout).toMatch(/n\/a +sometimes Entry committed .*cannot happen: no client values/);
    expect(stdout).not.toMatch(/NO WITNESS/);
  });
});

describe('errors that are not usage errors', () => {
  it('a file-system error is one line naming the path, no stack', async () => {
    const { fileSystemError } = await import('../../src/cli/main.ts');
    const error = Object.assign(new Error("ENOTDIR: not a directory, mkdir '/x/y'"), {
      code: 'ENOTDIR',
      path: '/x/y',
      syscall: 'mkdir',
    });
    expect(fileSystemError(error)).toBe(
      "cannot mkdir '/x/y': a part of the path is a file, not a directory (ENOTDIR)",
    );
    expect(fileSystemError(new Error('other'))).toBeNull();
  });

  it('an internal error is one line; the stack only with RAFTKIT_DEBUG=1', async () => {
    const { internalErrorText } = await import('../../src/cli/main.ts');
    const saved = process.env.RAFTKIT_DEBUG;
    delete process.env.RAFTKIT_DEBUG;
    try {
      const text = internalErrorText(new TypeError('x is undefined'));
      expect(text).toMatch(
        /^raftkit: internal error: x is undefined \(a bug in raftkit; RAFTKIT_DEBUG=1 shows where\)\n$/,
      );
      process.env.RAFTKIT_DEBUG = '1';
      expect(internalErrorText(new TypeError('x is undefined'))).toMatch(/\n\s+at /);
    } finally {
      if (saved === undefined) delete process.env.RAFTKIT_DEBUG;
      else process.env.RAFTKIT_DEBUG = saved;
    }
  });
});
