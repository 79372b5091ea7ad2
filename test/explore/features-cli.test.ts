import { describe, expect, it } from 'vitest';
import { makeFeatures, parseFeatureList, SWITCHES, UnsupportedFeatureError } from '../../models/index.ts';
import { featureLines } from '../../src/cli/commands/features.ts';

/**
 * `raftkit features` and `--features`: every switch of models/features.ts with its values,
 * source and the shipped adapters that declare it (read from their init_ok.features).
 */
describe('raftkit features', () => {
  const lines = featureLines('.');

  it('lists every switch with its values, its source and where it is seen upstream', () => {
    for (const s of SWITCHES) {
      const at = lines.findIndex((l) => l.startsWith(`${s.name}: `));
      expect(at, s.name).toBeGreaterThanOrEqual(0);
      expect(lines[at]).toContain(`${s.values[0]} (default)`);
      expect(lines.slice(at, at + 12).join('\n')).toContain(`source: ${s.source}`);
    }
    // At least 8 values besides the defaults (issue 12).
    expect(lines.at(-1)).toMatch(/^16 switches, 21 values besides the defaults\.$/);
  });

  it("reads the shipped etcd adapter's declared switches from its source", () => {
    const block = (name: string) => lines.slice(lines.findIndex((l) => l.startsWith(`${name}: `))).join('\n');
    expect(block('leaderStickiness')).toMatch(/declared by shipped adapters: etcd-raft \(same-term\)/);
    expect(block('backoff')).toMatch(/declared by shipped adapters: etcd-raft \(hint\)/);
    // etcd E5-E7: a switch whose default is true is declared with its other value.
    expect(block('preVoteStickiness')).toMatch(/declared by shipped adapters: etcd-raft \(false\)/);
    expect(block('persistCommitIndex')).toMatch(/declared by shipped adapters: etcd-raft\n/);
    expect(block('appendBelowCommit')).toMatch(/declared by shipped adapters: etcd-raft \(reply-commit\)/);
    expect(block('appendMatchFrom')).toMatch(/declared by shipped adapters: hashicorp-raft \(request\)\n/);
    // H5 of docs/implementations.md: hashicorp sends its no-op after the first, empty round.
    expect(block('noOpAfterFirstAppend')).toMatch(/declared by shipped adapters: hashicorp-raft\n/);
  });

  it("reads canonical raft's (a C string macro) and hashicorp/raft's (a Go map) declared switches", () => {
    const block = (name: string) => lines.slice(lines.findIndex((l) => l.startsWith(`${name}: `))).join('\n');
    expect(block('leaderStickiness')).toMatch(
      /declared by shipped adapters: etcd-raft \(same-term\), canonical-raft \(any-term-reply\), hashicorp-raft \(any-term-reply-except-leader\)\n/,
    );
    expect(block('candidateRetry')).toMatch(/declared by shipped adapters: canonical-raft \(election\)\n/);
  });
});

describe('--features', () => {
  it('parses names (true) and name=value, and rejects unknown names and values', () => {
    expect(parseFeatureList('checkQuorum,leaderStickiness=any-term')).toEqual({
      checkQuorum: true,
      leaderStickiness: 'any-term',
    });
    expect(() => parseFeatureList('lease')).toThrow(UnsupportedFeatureError);
    expect(() => parseFeatureList('backoff=jump')).toThrow(/no value 'jump'/);
    expect(() => parseFeatureList('backoff')).toThrow(/needs a value/);
    expect(() => makeFeatures({ backoff: 'jump' as never })).toThrow(UnsupportedFeatureError);
  });
});
