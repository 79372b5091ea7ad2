import { describe, expect, it } from 'vitest';
import { runCheckOnWorkers } from '../../src/cli/commands/check.ts';
import { replay } from '../../src/explore/index.ts';
import { mergedOk, mergeResults, type ResultJson } from '../../src/explore/merge.ts';
import { resultJson } from '../../src/explore/report.ts';
import { memberPlan } from '../../src/explore/swarm.ts';
import { settings } from './support.ts';

/**
 * Swarm runs (`--strategy swarm --shard i/n`) and `--merge`. A swarm proves nothing by
 * passing, but what it reports must be real: a counterexample replays to the violation; a
 * witness replays to a state where the witness holds. Merging keeps the failure of any
 * shard (the shortest), the witnesses of any shard, the union of the model items covered.
 * Reference: Figure 2 RequestVote rule 2 ("If votedFor is null or candidateId … grant
 * vote"), broken by the double-vote mutation.
 */
async function shard(index: number, count: number, mutation: string | null, maxSeconds = 2) {
  const s = settings({ strategy: 'swarm', shard: { index, count }, mutation, maxSeconds, maxTerm: 3 });
  const { run, result } = await runCheckOnWorkers(s);
  return { run, result, json: JSON.parse(JSON.stringify(resultJson(run, result))) as ResultJson };
}

describe('swarm', () => {
  it('members are diversified by the seed: kinds, depth limits and seeds differ, and a plan is reproducible', () => {
    const plans = Array.from({ length: 16 }, (_, k) => memberPlan(1, k));
    expect(new Set(plans.map((p) => p.kind))).toEqual(new Set(['walk', 'dfs']));
    expect(new Set(plans.map((p) => p.depthLimit)).size).toBeGreaterThan(2);
    expect(new Set(plans.map((p) => p.seed)).size).toBe(16);
    expect(memberPlan(1, 5)).toEqual(plans[5]);
    expect(memberPlan(2, 5).seed).not.toBe(plans[5].seed);
  });

  it('a shard finds the double-vote mutation, and its counterexample replays to a second vote in one term', async () => {
    const { run, result } = await shard(0, 2, 'double-vote', 5);
    const failed = result.properties.find((p) => p.status === 'fail');
    expect(failed?.property.name).toBe('One vote per term');
    const states = replay(run.config, failed?.path?.actions ?? [], run.bounds);
    const before = states[states.length - 2];
    const after = states[states.length - 1];
    const stepped = before.nodes.findIndex((n, i) => n !== after.nodes[i]);
    expect(
      failed?.property.scope === 'step' && failed.property.holds(before.nodes[stepped], after.nodes[stepped]),
    ).toBe(false);
  });

  it('merging two shards of the clean model: no failure, the witnesses of either, the union of coverage', async () => {
    const a = await shard(0, 2, null);
    const b = await shard(1, 2, null);
    const merged = mergeResults([
      { name: 'a.json', result: a.json },
      { name: 'b.json', result: b.json },
    ]);
    expect(merged.shards).toEqual(['0/2', '1/2']);
    expect(merged.distinct).toBe(a.result.distinct + b.result.distinct);
    expect(merged.properties.filter((p) => p.status === 'fail')).toEqual([]);
    expect(merged.properties.find((p) => p.name === 'Leader elected')?.status).toBe('witnessed');
    // ignoreStaleRejections is off: its promise stays "n/a" through the merge, and is no failure.
    const na = merged.properties.filter((p) => p.name === 'nextIndex above matchIndex');
    expect(na.map((p) => p.status)).toEqual(['not-applicable']);
    expect(mergedOk({ ...merged, properties: na })).toBe(true);
    const union = new Set([...(a.json.swarm?.coverage ?? []), ...(b.json.swarm?.coverage ?? [])]);
    expect(merged.coverage).toEqual([...union].sort());
    expect(merged.coverage).toContain('candidate receives RequestVoteResponse → leader');
  });

  it('a failure in one shard fails the merge, with the shortest counterexample; another space is refused', async () => {
    const clean = (await shard(0, 2, null)).json;
    const broken = (await shard(1, 2, 'double-vote', 5)).json;
    // The same space but for the mutation: merge them as if they were one space's shards.
    const merged = mergeResults([
      { name: 'clean.json', result: { ...clean, space: 'x' } },
      { name: 'broken.json', result: { ...broken, space: 'x' } },
    ]);
    expect(mergedOk(merged)).toBe(false);
    const failed = merged.properties.find((p) => p.name === 'One vote per term');
    expect(failed?.status).toBe('fail');
    expect(failed?.length).toBe(broken.properties.find((p) => p.name === 'One vote per term')?.length);
    expect(() =>
      mergeResults([
        { name: 'clean.json', result: clean },
        { name: 'broken.json', result: broken },
      ]),
    ).toThrow(/broken.json is a result of another space/);
  });
});
