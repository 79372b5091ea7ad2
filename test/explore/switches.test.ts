import { describe, expect, it } from 'vitest';
import { describeFeatures, type Features, makeFeatures } from '../../models/index.ts';
import { clusterConfigOf, runCheck } from '../../src/cli/commands/check.ts';
import { verdictOk } from '../../src/explore/index.ts';
import { cleanVerdict, settings } from './support.ts';

/**
 * Every switch of models/features.ts is checked by the model checker (`raftkit check
 * --features`): alone, and all compatible switches together, every always-property passes
 * and every sometimes-property is witnessed. The bounds are the reliable-network defaults
 * (1 value, max term 2, max log 1, no drop), small enough for the suite; the CLI runs at the
 * full default bounds are in docs/model.md. Counts are pinned, so a switch that stops
 * changing anything (or changes the default model) shows up here: each differs from the
 * default model's 3,093 states (pinned in test/explore/check.test.ts) but where a comment says why not.
 * Reference: thesis §4.2.3, §6.2, §9.6; Raft paper §5.3.
 */
/** Every switch but leaderNoOp (whose second leader's no-op needs max log 2: test/model/leader-no-op.test.ts). */
const ALL: Partial<Features> = {
  preVote: true,
  checkQuorum: true,
  leaderStickiness: 'any-term',
  preVoteRefusalTerm: 'echo',
  candidateRetry: 'election',
  preVoteOwnTerm: true,
  backoff: 'hint',
  ignoreStaleRejections: true,
  appendMatchFrom: 'request',
};

const cases: {
  features: Partial<Features>;
  distinct: number;
  duplicate?: boolean;
  crashes?: number;
  maxLog?: number;
}[] = [
  { features: { preVote: true }, distinct: 27_730 },
  { features: { checkQuorum: true }, distinct: 17_371 },
  { features: { leaderStickiness: 'same-term' }, distinct: 4_094 },
  { features: { leaderStickiness: 'any-term' }, distinct: 10_179 },
  { features: { leaderStickiness: 'any-term-reply' }, distinct: 12_052 },
  { features: { leaderStickiness: 'any-term-reply-except-leader' }, distinct: 11_080 },
  { features: { preVote: true, preVoteRefusalTerm: 'echo' }, distinct: 27_244 },
  { features: { preVote: true, candidateRetry: 'election' }, distinct: 31_172 },
  { features: { preVote: true, preVoteOwnTerm: true }, distinct: 27_597 },
  // The default model's count: with max log 1 every back-off goes from nextIndex 2 to 1,
  // hinted or not (the hinted transitions are taken; test/model/switches.test.ts shows a jump).
  { features: { backoff: 'hint' }, distinct: 3_093 },
  { features: { ignoreStaleRejections: true }, distinct: 3_047 },
  // More than the default: a success names the request it answers (prevLogIndex, entry
  // count) instead of their sum, so replies to different requests are different messages.
  { features: { appendMatchFrom: 'request' }, distinct: 3_264 },
  // The default model's count at max term 2 (why the two spaces have equal size there was
  // not worked out; the yield is reachable, see docs/model.md); at --max-term 3 it is 19,391 against the default's
  // 19,389 (`npx raftkit check --no-drop --max-term 3 --features yieldOnLostElection`), and
  // test/model/switches.test.ts shows the yield itself.
  { features: { yieldOnLostElection: true }, distinct: 3_093 },
  // etcd E5-E7 (docs/implementations.md). preVoteStickiness=false grants pre-votes a known
  // leader would have refused, so fewer distinct refusals than with preVote alone (27,730).
  { features: { preVote: true, preVoteStickiness: false }, distinct: 10_340 },
  // Without crashes a commitIndex is never lost, so persistCommitIndex needs `crashes: 1`
  // (76,119 states for the default model at the same bounds).
  { features: { persistCommitIndex: true }, distinct: 78_778, crashes: 1 },
  // The default's 3,093 less two: at max log 1 an AppendEntries below commitIndex carries the
  // committed entry itself, so only the reply's path differs (17,787 against 17,757 at max log 2).
  { features: { appendBelowCommit: 'reply-commit' }, distinct: 3_091 },
  // The default's count: the switch changes only the election timer, and the checker never
  // ticks (timeouts are its inputs; the counts stay out of its state key, models/node/timers.ts).
  // Checked all the same: the transition it adds must break no property.
  { features: { checkQuorum: true, electionTimerOnHigherTerm: 'always' }, distinct: 17_371 },
  // The leader no-op needs max log 2 (a second leader's no-op must fit). leaderNoOp alone: 4,897
  // states; with noOpAfterFirstAppend more: the empty first round and each no-op sent after a
  // follower's success are steps and messages of their own (hashicorp H5, docs/implementations.md).
  { features: { leaderNoOp: true }, distinct: 4_897, maxLog: 2 },
  { features: { leaderNoOp: true, noOpAfterFirstAppend: true }, distinct: 10_984, maxLog: 2 },
  // All together: the slowest case of the suite (~775k states; two minutes on a loaded
  // 2-core machine), on a network that neither loses nor duplicates messages.
  { features: ALL, distinct: 774_559, duplicate: false },
];

describe('the model checker checks every switch (reliable network, default bounds otherwise)', () => {
  for (const c of cases) {
    it(`${describeFeatures(makeFeatures(c.features))}: every property holds, every witness found`, {
      timeout: 600_000,
    }, () => {
      const { result } = runCheck(
        settings({
          drop: false,
          duplicate: c.duplicate ?? true,
          crashes: c.crashes ?? 0,
          ...(c.maxLog !== undefined ? { maxLog: c.maxLog } : {}),
          features: c.features,
        }),
      );
      expect(result.stoppedBy).toBe('exhausted');
      const statuses = Object.fromEntries(result.properties.map((p) => [p.property.name, p.status]));
      const config = clusterConfigOf(settings({ features: c.features }));
      for (const p of result.properties) {
        const expected = p.property.kind === 'sometimes' ? 'witnessed' : cleanVerdict(p.property, config);
        expect(p.status, p.property.name).toBe(expected);
      }
      expect(verdictOk(result), JSON.stringify(statuses)).toBe(true);
      expect(result.distinct).toBe(c.distinct);
    });
  }
});
