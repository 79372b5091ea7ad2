import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { junitReport, loadSuite, runSuite } from '../../src/conformance/index.ts';

/**
 * The JUnit report is read back by a JUnit XML parser: well-formed, one <testcase> per
 * scenario, counts that add up, a <failure> with the diagnosis for each failed scenario and
 * a <skipped> with the reason for each skipped one.
 */
describe('JUnit report', () => {
  it('is valid XML that a JUnit reader understands', async () => {
    const scenarios = loadSuite(['test/conformance/fixtures']);
    const suite = await runSuite({
      adapter: { kind: 'builtin', name: 'reference', mutant: 'stale-term-in-reply' },
      scenarios,
      jobs: 1,
      seed: 1,
      features: ['ticks', 'restartWithPersistence'],
    });
    const xml = junitReport(suite);
    expect(XMLValidator.validate(xml)).toBe(true);
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
    const root = parsed.testsuites;
    const cases = [root.testsuite.testcase].flat();
    expect(cases).toHaveLength(scenarios.length);
    expect(Number(root.tests)).toBe(scenarios.length);
    expect(Number(root.failures)).toBe(suite.counts.fail);
    expect(Number(root.skipped)).toBe(suite.counts.skip);
    expect(suite.counts.fail).toBeGreaterThan(0);
    expect(suite.counts.skip).toBeGreaterThan(0);
    const failures = cases.filter((c) => c.failure);
    expect(failures).toHaveLength(suite.counts.fail);
    for (const c of failures) {
      expect(c.failure.message).toMatch(/^step \d+ \(line \d+\): /);
      expect(c.failure['#text']).toMatch(
        /reproduce: +npx raftkit conform --adapter builtin:reference --mutant stale-term-in-reply/,
      );
    }
    const skipped = cases.filter((c) => c.skipped);
    expect(skipped.map((c) => c.skipped.message)).toContain(
      'needs preVote, which the implementation does not declare',
    );
  });
});
