import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkTrace, parseTrace } from '../../src/trace/index.ts';

/**
 * The cross-node properties — Election Safety, "at most one leader can be elected in a given
 * term" (§5.2), and "each server will vote for at most one candidate in a given term" (§5.2)
 * — are kept per term in sorted columns for speed (terms mostly rise). Whatever order the
 * terms come in, they must give the violations a plain map of every term gives.
 */

const NODES = ['n1', 'n2', 'n3'] as const;

interface Step {
  readonly kind: 'candidate' | 'leader' | 'vote';
  readonly node: (typeof NODES)[number];
  readonly other: (typeof NODES)[number];
  readonly term: number;
}

const step: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom('candidate', 'leader', 'vote'),
  node: fc.constantFrom(...NODES),
  other: fc.constantFrom(...NODES),
  term: fc.integer({ min: 1, max: 12 }),
});

/** The steps as a canonical trace (line 1 the Cluster header, step k on line k + 2). */
function ndjson(steps: readonly Step[]): string {
  const lines = steps.map(({ kind, node, other, term }) => {
    if (kind === 'candidate') return { event: 'BecomeCandidate', node, term };
    if (kind === 'leader') return { event: 'BecomeLeader', node, term };
    const message = { type: 'RequestVoteResponse', from: other, to: node, term, voteGranted: true };
    return { event: 'Receive', node, message };
  });
  return `${[{ event: 'Cluster', nodes: NODES }, ...lines].map((l) => JSON.stringify(l)).join('\n')}\n`;
}

/** The violations' rule, term and lines as a map per term finds them. */
function byMaps(steps: readonly Step[]): string[] {
  const leaders = new Map<number, { node: string; line: number }>();
  const votes = new Map<string, { candidate: string; line: number }>();
  const found: string[] = [];
  const vote = (voter: string, candidate: string, term: number, line: number) => {
    const first = votes.get(`${voter}|${term}`);
    if (!first) votes.set(`${voter}|${term}`, { candidate, line });
    else if (first.candidate !== candidate) found.push(`single-vote ${term} ${first.line},${line}`);
  };
  steps.forEach(({ kind, node, other, term }, k) => {
    const line = k + 2;
    if (kind === 'candidate') vote(node, node, term, line);
    else if (kind === 'vote') vote(other, node, term, line);
    else {
      const first = leaders.get(term);
      if (!first) leaders.set(term, { node, line });
      else if (first.node !== node) found.push(`election-safety ${term} ${first.line},${line}`);
    }
  });
  return found;
}

describe('cross-node properties in any order of terms', () => {
  it('find the violations a map of every term finds (property)', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
        const trace = parseTrace(ndjson(steps), 'steps.ndjson', 'canonical').trace;
        const { violations } = checkTrace(trace);
        const found = violations
          .filter((v) => v.rule === 'single-vote' || v.rule === 'election-safety')
          .map((v) => `${v.rule} ${v.term} ${v.lines.join(',')}`);
        expect(found).toEqual(byMaps(steps));
      }),
      { numRuns: 2_000 },
    );
  });
});
