import { XMLValidator } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSuite, runSuite, type SuiteResult } from '../../src/conformance/index.ts';
import type { ScenarioResult } from '../../src/conformance/run-scenario.ts';
import { htmlReport } from '../../src/report/html.ts';
import { sequenceSvg } from '../../src/report/sequence-svg.ts';

/**
 * Implementation output is untrusted data (DESIGN.md): the HTML report must show hostile
 * strings as text, never as markup.
 */

const HOSTILE = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(2)>',
  "'onmouseover='alert(3)",
  ']]><!--',
  '\u0000\u001b[31m',
  '&lt;already escaped&gt;',
];
const EVIL = HOSTILE.join(' ');

function poisoned(suite: SuiteResult): SuiteResult {
  const results = suite.results.map((r): ScenarioResult => {
    if (!r.failure) return r;
    const f = r.failure;
    const message = { ...(f.actualSent?.[0] ?? f.expectedSent?.[0]), from: 'n1', to: 'n2' } as never;
    return {
      ...r,
      name: `${r.name}${EVIL}`,
      failure: {
        ...f,
        diagnosis: EVIL,
        input: EVIL,
        stderr: EVIL,
        rule: EVIL,
        modelTook: EVIL,
        differences: [{ field: 'votedFor', expected: EVIL, actual: EVIL }],
        actualSent: [{ ...(message as object), value: EVIL } as never],
        actualState: f.actualState ? { ...f.actualState, votedFor: EVIL } : undefined,
      },
    };
  });
  return { ...suite, implementation: EVIL, adapter: EVIL, results };
}

describe('the HTML report escapes what implementations write', () => {
  const files = loadSuite(['test/conformance/fixtures']);
  let suite: SuiteResult;
  beforeAll(async () => {
    suite = await runSuite({
      adapter: { kind: 'builtin', name: 'reference', mutant: 'stale-term-in-reply' },
      scenarios: files,
      jobs: 1,
      seed: 1,
    });
  });

  it('hostile strings appear as text only', async () => {
    expect(suite.counts.fail).toBeGreaterThan(0);
    const html = await htmlReport(poisoned(suite), files);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toContain("'onmouseover='");
    expect(html).not.toContain('\u0000');
    expect(html).not.toContain('\u001b');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&amp;lt;already escaped&amp;gt;');
  });

  it('the sequence diagram is well-formed XML with hostile labels', async () => {
    const failed = poisoned(suite).results.find((r) => r.status === 'fail') as ScenarioResult;
    const svg = sequenceSvg(failed, ['n1', 'n2', 'n3']);
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).toContain('&lt;script&gt;');
  });
});
