import { describe, expect, it } from 'vitest';
import {
  checkImplementation,
  conformanceCases,
  createNode,
  explainFailure,
  NO_FEATURES,
  ReferenceHarness,
  step,
} from '../../src/index.ts';

/** The library surface of docs/api.md, as a user calls it. */
describe('raftkit as a library', () => {
  it('steps a node: a timeout makes a follower candidate of term 1 voting for itself (Reference: §5.2)', () => {
    const node = createNode({ id: 'n1', cluster: ['n1', 'n2', 'n3'], features: NO_FEATURES });
    const { state, outputs } = step(node, { type: 'ElectionTimeout' });
    expect(state.role).toBe('candidate');
    expect(state.context).toMatchObject({ currentTerm: 1, votedFor: 'n1' });
    expect(outputs.map((m) => m.to)).toEqual(['n2', 'n3']);
  });

  it('runs the bundled suite against an in-process implementation: the reference passes', async () => {
    const { counts } = await checkImplementation(() => new ReferenceHarness(), { filter: 'curated' });
    expect(counts.fail).toBe(0);
    expect(counts.pass).toBeGreaterThan(40);
  });

  it('a mutant fails, and the failure is explained with the Figure 2 rule', async () => {
    const cases = conformanceCases(() => new ReferenceHarness('skip-consistency-check'), {
      filter: 'prevlogbeyondend',
    });
    expect(cases.length).toBeGreaterThan(0);
    const result = await cases[0].run();
    expect(result.status).toBe('fail');
    const text = explainFailure(result);
    expect(text).toMatch(/^FAIL /);
    expect(text).toMatch(/rule: +AppendEntries receiver rule 2/);
  });
});
