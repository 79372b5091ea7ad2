import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/capture.ts';

/**
 * `raftkit serve-reference --features …`: the reference over the stdio protocol, built with
 * model switches, declares them in `init_ok.features` (PROTOCOL.md §3: one flat object, the
 * capabilities and the switches) and the runner judges it with them — the same verdicts as
 * in-process. Reference: thesis §4.2.3, §9.6; Raft paper §5.3 (the switches run here).
 * A reference built with CheckQuorum declares `"checkQuorum": "always"` (the switch for every
 * cluster), not `true` (the capability to turn it on per `create`), so the model judges every
 * scenario with it.
 */

const SERVE = ['bin/raftkit.js', 'serve-reference'];
const SWITCHES =
  'checkQuorum,leaderNoOp,leaderStickiness=any-term,preVoteRefusalTerm=echo,candidateRetry=election,preVoteOwnTerm,backoff=hint,ignoreStaleRejections';

function statuses(json: string): string[] {
  const report = JSON.parse(json) as { scenarios: { name: string; status: string; reason?: string }[] };
  return report.scenarios.map((r) => `${r.name} ${r.status} ${r.reason ?? ''}`);
}

describe('serve-reference --features', () => {
  it('declares the switches beside the capabilities in init_ok.features', () => {
    const out = execFileSync('node', [...SERVE, '--features', 'checkQuorum,leaderStickiness=same-term'], {
      input: '{"id":1,"type":"init","protocol":1}\n',
      encoding: 'utf8',
    });
    const reply = JSON.parse(out.trim());
    expect(reply.features).toEqual({
      preVote: true,
      checkQuorum: 'always',
      ticks: true,
      restartWithPersistence: true,
      leaderNoOp: false,
      leaderStickiness: 'same-term',
    });
  });

  it('an unknown switch is a one-line error, exit 2', () => {
    const run = spawnSync('node', [...SERVE, '--features', 'fastLeases'], { input: '', encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringContaining("raftkit: --features: unknown feature 'fastLeases'"),
    ]);
  });

  it.each([SWITCHES, 'appendMatchFrom=request'])(
    'passes the suite over stdio with %s, scenario by scenario as in-process',
    async (switches) => {
      const cmd = `node ${SERVE.join(' ')} --features ${switches}`;
      const stdio = await runCli(['conform', '--no-progress', '--report', 'json', '--adapter-cmd', cmd]);
      const inProcess = await runCli([
        'conform',
        '--no-progress',
        '--report',
        'json',
        '--reference-features',
        switches,
      ]);
      expect(stdio.code, stdio.stderr).toBe(0);
      const rows = statuses(stdio.stdout);
      expect(rows.filter((r) => r.includes(' fail '))).toEqual([]);
      expect(rows.filter((r) => r.includes(' pass ')).length).toBeGreaterThan(150);
      expect(rows).toEqual(statuses(inProcess.stdout));
    },
    60_000,
  );
});
