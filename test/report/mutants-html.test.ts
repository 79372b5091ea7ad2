import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';

const dir = mkdtempSync(join(tmpdir(), 'raftkit-mutants-html-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// "If an existing entry conflicts with a new one … delete the existing entry" needs the
// consistency check first (Figure 2, AppendEntries receiver rule 2). Reference: §5.3.
it('mutants --report html: the table, and the first failure of each killed mutant with its diagrams', async () => {
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const args = ['mutants', '--mutant', 'skip-consistency-check', '--filter', 'curated', '--report', 'html'];
  try {
    expect(await main([...args, '--out', dir])).toBe(0);
    expect(await main(args)).toBe(2); // html needs --out
  } finally {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  }
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  expect(html).toMatch(
    /<tr><td>skip-consistency-check<\/td><td>#11<\/td><td><span class="pass">killed<\/span>/,
  );
  expect(html).toMatch(/<h2 id="mutant-skip-consistency-check">/);
  expect(html).toMatch(/<svg [^>]*class="sequence"/);
  expect(html).toMatch(/class="[^"]*failed/); // the statechart marks the failed transition
  expect(html).toMatch(/Figure 2 rule:<\/b> AppendEntries receiver rule 2/);
});
