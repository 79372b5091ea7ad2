import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSuite, runSuite } from '../../src/conformance/index.ts';
import { haveGo, speakProtocol } from '../support/go-adapter.ts';

/**
 * The hashicorp/raft step adapter (conformance/adapters/hashicorp-raft/step) fixes one order
 * of hashicorp's goroutines at an election (holdNoOp): runLeader triggers each follower's
 * replication goroutine (raft.go:440, 490) before it writes the no-op (raft.go:453, 1073),
 * and the goroutine sends whatever lies beyond nextIndex when the scheduler runs it
 * (replication.go:157). Unheld, the first AppendEntries carried the no-op in most runs and
 * not in some, and the H2 scenario below passed or failed by that (a CI flake). Needs Go and
 * Debian's golang-github-hashicorp-raft-dev.
 */

const ROOT = join(import.meta.dirname, '../..');
const H2_SCENARIO = join(
  ROOT,
  'conformance/scenarios/generated/switches/switch-appendmatchfrom-request-leader-appendentriesresponse-successanswersrequest.txt',
);
const available = haveGo('github.com/hashicorp/raft');
/** The binaries are built here, not at the default paths a developer's `npm run conform:…` uses. */
const DIR = available ? mkdtempSync(join(tmpdir(), 'raftkit-hashicorp-step-')) : '';
const BINARY = join(DIR, 'step');

interface Msg {
  type: string;
  to: string;
  prevLogIndex?: number;
  entries?: { term: number; value: string }[];
}
interface Reply {
  type: string;
  state: { role: string; log: unknown[]; commitIndex: number };
  messages: Msg[];
}

let send: (request: Record<string, unknown>) => Promise<Reply>;
let stop: () => void = () => {};

/** n2's success to n1's first, empty AppendEntries of term 1, naming that request (appendMatchFrom=request). */
const SUCCESS_TO_EMPTY = {
  type: 'AppendEntriesResponse',
  from: 'n2',
  to: 'n1',
  term: 1,
  success: true,
  matchIndex: 0,
  inReplyTo: { prevLogIndex: 0, entries: 0 },
};

/** "AppendEntriesRequest>n2 prev=0 entries=1", sorted: what a step sent, order aside. */
const shapes = (messages: Msg[]) =>
  messages.map((m) => `${m.type}>${m.to} prev=${m.prevLogIndex} entries=${m.entries?.length}`).sort();

describe.skipIf(!available)(
  'hashicorp/raft step adapter: one goroutine order at an election (needs Go + golang-github-hashicorp-raft-dev)',
  () => {
    beforeAll(() => {
      const build = join(ROOT, 'conformance/adapters/hashicorp-raft/build.sh');
      execFileSync('sh', [build, join(DIR, 'node'), BINARY], { stdio: 'ignore' });
      ({ send, stop } = speakProtocol<Reply>(BINARY));
    }, 120_000);
    afterAll(() => {
      stop();
      rmSync(DIR, { recursive: true, force: true });
    });

    it('a new leader sends its no-op (thesis §8) only after the first AppendEntries to each follower is answered, in 25 elections out of 25', async () => {
      expect((await send({ type: 'init', protocol: 1 })).type).toBe('init_ok');
      for (let run = 0; run < 25; run++) {
        await send({ type: 'create', nodes: ['n1', 'n2', 'n3'], features: {}, initial: {} });
        await send({ type: 'timeout', node: 'n1', timer: 'election' });
        const elected = await send({
          type: 'deliver',
          message: { type: 'RequestVoteResponse', from: 'n2', to: 'n1', term: 1, voteGranted: true },
        });
        // Figure 2, Leaders: "Upon election: send initial empty AppendEntries RPCs (heartbeat) to each server"
        expect(elected.state).toMatchObject({
          role: 'leader',
          log: [{ term: 1, value: '' }],
          commitIndex: 0,
        });
        expect(shapes(elected.messages)).toEqual([
          'AppendEntriesRequest>n2 prev=0 entries=0',
          'AppendEntriesRequest>n3 prev=0 entries=0',
        ]);
        // A success answering that empty request (inReplyTo 0+0) matches nothing: no commit
        // (Figure 2, Leaders: commit N only when a majority of matchIndex ≥ N); then the no-op.
        const answered = await send({
          type: 'deliver',
          message: SUCCESS_TO_EMPTY,
        });
        expect(answered.state.commitIndex).toBe(0);
        expect(shapes(answered.messages)).toEqual(['AppendEntriesRequest>n2 prev=0 entries=1']);
      }
    }, 60_000);

    it('a repeated answer to the empty request does not complete the call that carries the no-op (error 10)', async () => {
      // hashicorp's RPC pairs a response with the call that sent the request (replication.go:217,
      // then :236 reads that req): an answer to an earlier request cannot reach a later call.
      await send({ type: 'create', nodes: ['n1', 'n2', 'n3'], features: {}, initial: {} });
      await send({ type: 'timeout', node: 'n1', timer: 'election' });
      await send({
        type: 'deliver',
        message: { type: 'RequestVoteResponse', from: 'n2', to: 'n1', term: 1, voteGranted: true },
      });
      const first = await send({ type: 'deliver', message: SUCCESS_TO_EMPTY });
      expect(shapes(first.messages)).toEqual(['AppendEntriesRequest>n2 prev=0 entries=1']);
      const again = (await send({ type: 'deliver', message: SUCCESS_TO_EMPTY })) as unknown as {
        type: string;
        code: number;
        text: string;
      };
      expect(again).toMatchObject({ type: 'error', code: 10 });
      expect(again.text).toContain(
        'waiting on the answer to another AppendEntries to n2 (prevLogIndex 0, 1 entries)',
      );
      // The no-op is not taken as replicated: the leader still has commitIndex 0.
      const state = (await send({ type: 'state', node: 'n1' })) as unknown as {
        state: { commitIndex: number };
      };
      expect(state.state.commitIndex).toBe(0);
    }, 30_000);

    it('the H2 scenario (a success naming the request without the no-op) gives one verdict, pass, in 5 runs of 5', async () => {
      const files = loadSuite([H2_SCENARIO]);
      const verdicts: string[] = [];
      for (let run = 0; run < 5; run++) {
        const suite = await runSuite({
          adapter: { kind: 'command', command: BINARY, stepTimeoutMs: 5000 },
          scenarios: files,
          jobs: 1,
          seed: 1,
        });
        verdicts.push(suite.results[0].status);
      }
      expect(verdicts).toEqual(['pass', 'pass', 'pass', 'pass', 'pass']);
    }, 60_000);
  },
);
