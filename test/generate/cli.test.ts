import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { scenarioSchema } from '../../src/scenario/index.ts';

/** `raftkit coverage` and `raftkit generate` as a user runs them: exit codes and output. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  process.exitCode = undefined;
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'raftkit-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('raftkit coverage', () => {
  it('--check passes on the committed suite and shows 100% of reachable items', async () => {
    const { code, stdout } = await run(['coverage', '--check']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^total +(\d+) \/ \1 +reachable covered \(100\.0%\)$/m);
  });

  it('--check fails (exit 1) on a suite that leaves items uncovered, naming them', async () => {
    const { code, stdout } = await run([
      'coverage',
      '--check',
      '--scenarios',
      'conformance/scenarios/curated',
    ]);
    expect(code).toBe(1);
    expect(stdout).toContain('NOT COVERED');
  });

  it('a malformed scenario file is a usage error (exit 2) located at file:line:column', async () => {
    const bad = join(scratch, 'bad.txt');
    writeFileSync(bad, '# x\n#\n# source: curated: test\n\ncluster n1 n2\n\ntimeout n3\n');
    const { code, stderr } = await run(['coverage', '--scenarios', bad]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/bad\.txt:7:9: expected a node of the cluster \(n1, n2\), found 'n3'/);
  });
});

describe('raftkit generate', () => {
  it('--json prints the JSON form, valid against the published schema', async () => {
    const { code, stdout } = await run([
      'generate',
      '--json',
      'conformance/scenarios/curated/initial-election.txt',
    ]);
    expect(code).toBe(0);
    const [scenario] = JSON.parse(stdout);
    expect(scenarioSchema.safeParse(scenario).success).toBe(true);
    expect(scenario.name).toBe('initial-election');
  });

  it('rejects contradictory flags with a one-line usage error (exit 2)', async () => {
    const { code, stderr } = await run(['generate', '--rewrite', '--check']);
    expect(code).toBe(2);
    expect(stderr).toBe('raftkit: --rewrite and --check cannot be combined\n');
  });
});
