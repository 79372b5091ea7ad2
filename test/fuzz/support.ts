import { execFileSync } from 'node:child_process';
import { makeFeatures } from '../../models/index.ts';
import type { AdapterSpec } from '../../src/adapters/index.ts';
import type { CampaignOptions } from '../../src/fuzz/campaign.ts';
import type { ReportHeader } from '../../src/fuzz/report.ts';

/** What the reference declares (PROTOCOL.md §3), for campaigns that skip the handshake. */
export const HELLO = {
  protocol: 1,
  implementation: 'raftkit reference',
  features: { preVote: true, checkQuorum: false, ticks: true, restartWithPersistence: true },
  tolerances: [],
};

export const REFERENCE: AdapterSpec = { kind: 'builtin', name: 'reference' };

/** A small campaign on three nodes against the reference, both oracles; override what a test needs. */
export function campaign(overrides: Partial<CampaignOptions> = {}): CampaignOptions {
  return {
    adapter: REFERENCE,
    hello: HELLO,
    nodes: 3,
    runs: 20,
    depth: 60,
    seed: 7,
    shard: { index: 1, count: 1 },
    jobs: 1,
    oracles: { model: true, safety: true },
    features: makeFeatures({}),
    ticks: true,
    crashes: true,
    tolerances: [],
    shrinkReplays: 500,
    ...overrides,
  };
}

/** `raftkit <args>` from the repository's bin, its exit status and output (never throws). */
export function raftkit(args: readonly string[]): { status: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync('node', ['bin/raftkit.js', ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { status: 0, stdout, stderr: '' };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { status: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The header of a small report of shard 1/2, both oracles, the default model; override what a test needs. */
export function reportHeader(overrides: Partial<ReportHeader> = {}): ReportHeader {
  return {
    implementation: 'x',
    adapter: 'y',
    nodes: 3,
    runs: 2,
    depth: 5,
    batch: 1,
    shortAppends: false,
    seed: 1,
    oracles: ['model', 'safety'],
    features: makeFeatures({}),
    shard: '1/2',
    ...overrides,
  };
}
