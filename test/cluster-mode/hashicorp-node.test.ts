import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../src/cluster/ports.ts';
import { haveGo } from '../support/go-adapter.ts';

/**
 * The hashicorp/raft node program (conformance/adapters/hashicorp-raft) on the external
 * cluster contract (CLUSTER-PROTOCOL.md): three processes on loopback elect one leader,
 * acknowledge a write only once committed, and elect a new leader in a later term when the
 * leader is killed; the write survives. Needs Go and Debian's hashicorp raft packages.
 */

const available = haveGo('github.com/hashicorp/raft', 'github.com/hashicorp/raft-boltdb');

interface Status {
  id: string;
  role: string;
  term: number;
  leader: string | null;
  commitIndex: number;
  applied: string[];
}

const dir = mkdtempSync(join(tmpdir(), 'raftkit-hashicorp-'));
const children = new Map<string, ChildProcess>();
afterAll(() => {
  for (const child of children.values()) {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL'); // the node's whole process group
    } catch {
      // already gone (the killed leader)
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

async function status(port: number): Promise<Status | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/status`, { signal: AbortSignal.timeout(1000) });
    return (await res.json()) as Status;
  } catch {
    return null;
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | null>, ms = 15_000): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    const found = await probe();
    if (found !== null) return found;
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(!available)('hashicorp/raft node program (cluster contract)', () => {
  const binary = join(dir, 'node');
  const stepAdapter = join(dir, 'step');
  execFileSync('sh', ['conformance/adapters/hashicorp-raft/build.sh', binary, stepAdapter], {
    stdio: 'ignore',
  });
  const ids = ['n1', 'n2', 'n3'];

  it('elects one leader, acks a committed write, and survives the leader being killed (§5.2, §5.4)', async () => {
    const ports = await freePorts(6);
    const raftPort = (i: number) => ports[i];
    const httpPort = (i: number) => ports[3 + i];
    ids.forEach((id, i) => {
      const peers = ids
        .flatMap((other, j) => (j === i ? [] : [`${other}=127.0.0.1:${raftPort(j)}`]))
        .join(',');
      const args = [
        '--id',
        id,
        '--bind',
        `127.0.0.1:${raftPort(i)}`,
        '--advertise',
        `127.0.0.1:${raftPort(i)}`,
      ];
      args.push('--peers', peers, '--http', String(httpPort(i)), '--data', join(dir, id));
      args.push('--election-timeout-ms', '300');
      execFileSync('mkdir', ['-p', join(dir, id)]);
      children.set(id, spawn(binary, args, { detached: true, stdio: 'ignore' }));
    });
    const all = async () => Promise.all(ids.map((_, i) => status(httpPort(i))));
    const leaderOf = (statuses: (Status | null)[]) => {
      const leaders = statuses.filter((s) => s?.role === 'leader');
      return leaders.length === 1 ? (leaders[0] as Status) : null;
    };
    const first = await waitFor('a leader', async () => leaderOf(await all()));
    expect((await all()).map((s) => s?.id)).toEqual(ids); // each answers as itself
    const at = ids.indexOf(first.id);

    const ack = await fetch(`http://127.0.0.1:${httpPort(at)}/submit?value=x`, { method: 'POST' });
    expect(ack.status).toBe(200);
    const follower = (at + 1) % 3;
    const refused = await fetch(`http://127.0.0.1:${httpPort(follower)}/submit?value=y`, { method: 'POST' });
    expect(refused.status).toBe(503);

    process.kill(-(children.get(first.id)?.pid as number), 'SIGKILL');
    // A new leader applies the committed write once it has committed an entry of its own
    // term (§5.4.2), a little after it becomes leader: wait for both, not for the first sight.
    const second = await waitFor('a new leader that has applied x', async () => {
      const s = leaderOf(await all());
      return s !== null && s.id !== first.id && s.applied.includes('x') ? s : null;
    });
    expect(second.term).toBeGreaterThan(first.term);
    expect(second.applied).toContain('x');
    expect(second.applied).not.toContain('y');
  }, 60_000);

  it('step mode: TimeoutNow starts an election (Figure 2: a candidate votes for itself and asks the others, §5.2); what the RPC-style design cannot do is error 10', () => {
    const requests = [
      { id: 1, type: 'init', protocol: 1 },
      { id: 2, type: 'create', nodes: ids, features: {} },
      { id: 3, type: 'timeout', node: 'n1', timer: 'election' },
      // n1 waits on no AppendEntries call to n2: this response cannot be given to hashicorp
      {
        id: 4,
        type: 'deliver',
        message: {
          type: 'AppendEntriesResponse',
          from: 'n2',
          to: 'n1',
          term: 1,
          success: true,
          matchIndex: 0,
        },
      },
      { id: 5, type: 'timeout', node: 'n1', timer: 'election' },
    ];
    const out = execFileSync(stepAdapter, {
      input: requests.map((r) => JSON.stringify(r)).join('\n'),
      encoding: 'utf8',
    });
    const replies = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(replies[0].features).toMatchObject({ rpcStyle: true, leaderNoOp: true });
    expect(replies[2].state).toMatchObject({ role: 'candidate', currentTerm: 1, votedFor: 'n1' });
    expect(replies[2].messages.map((m: { type: string; to: string }) => `${m.type}>${m.to}`).sort()).toEqual([
      'RequestVoteRequest>n2',
      'RequestVoteRequest>n3',
    ]);
    expect(replies[3]).toMatchObject({ type: 'error', code: 10 });
    expect(replies[3].text).toMatch(/^rpc-style: /);
    expect(replies[4]).toMatchObject({ type: 'error', code: 10 }); // a candidate's retry: a real-time timer
    expect(replies[4].text).toMatch(/^timers cannot be fired/);
  });
});
