/**
 * Runs that show the safety consequence of canonical raft's departures C7 and C9
 * (docs/implementations.md), using only messages the implementation itself sent: the
 * script drives the step adapter, keeps every message a node sent in a pool, and delivers
 * from that pool only (never a message it wrote). After every step it records, per log
 * index, the entry each node claims committed, and stops at the first index committed
 * with two different entries (State Machine Safety, §5.4.3).
 *
 *   sh conformance/adapters/canonical-raft/build.sh
 *   npx tsx conformance/adapters/canonical-raft/consequences.ts [.raftkit-tmp/canonical-raft/adapter]
 *
 * Exit code 0 when every run reached its violation (the departure has that consequence),
 * 1 when one did not (the run does not show what the doc claims), 2 on bad usage.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

interface Entry {
  readonly term: number;
  readonly value: string;
}
interface State {
  readonly id: string;
  readonly role: string;
  readonly currentTerm: number;
  readonly log: readonly Entry[];
  readonly commitIndex: number;
}
type Message = Readonly<Record<string, unknown>> & { type: string; from: string; to: string };
interface Reply {
  readonly type: string;
  readonly text?: string;
  readonly state?: State;
  readonly messages?: Message[];
}

interface Run {
  readonly name: string;
  readonly nodes: readonly string[];
  /** `timeout n1`, `heartbeat n1`, `propose n1 x`, `crash n1`, `restart n1`,
   * `deliver <type> <from>-><to>` (the newest undelivered message of that kind). */
  readonly steps: readonly string[];
}

/** C7: n1 (term 3) commits its term-1 entry by counting replicas; n2 later commits another. */
const COMMIT_PREVIOUS_TERM: Run = {
  name: 'C7 commit of an earlier-term entry by counting (Figure 8)',
  nodes: ['n1', 'n2', 'n3'],
  steps: [
    'timeout n1',
    'deliver RequestVoteRequest n1->n2',
    'deliver RequestVoteResponse n2->n1',
    'propose n1 a',
    'timeout n2',
    'deliver RequestVoteRequest n2->n3',
    'deliver RequestVoteResponse n3->n2',
    'propose n2 b',
    'deliver AppendEntriesRequest n2->n1',
    'timeout n1',
    'deliver RequestVoteRequest n1->n3',
    'deliver RequestVoteResponse n3->n1',
    'deliver AppendEntriesRequest n1->n3',
    'deliver AppendEntriesResponse n3->n1',
    'heartbeat n1',
    'deliver AppendEntriesRequest n1->n3',
    'deliver AppendEntriesResponse n3->n1',
    'crash n1',
    'timeout n3',
    'deliver AppendEntriesRequest n1->n2',
    'timeout n2',
    'timeout n2',
    'deliver RequestVoteRequest n2->n3',
    'deliver RequestVoteResponse n3->n2',
    'propose n2 c',
    'deliver AppendEntriesRequest n2->n3',
    'deliver AppendEntriesResponse n3->n2',
    'heartbeat n2',
    'deliver AppendEntriesRequest n2->n3',
    'deliver AppendEntriesResponse n3->n2',
  ],
};

/** C9: n2 answers a heartbeat with its whole log's last index; leader n3 counts n2 for an
 * index where n2 holds a different entry, commits it, and n2 later commits its own. */
const MATCH_FROM_LAST_INDEX: Run = {
  name: 'C9 matchIndex taken from the follower’s last index',
  nodes: ['n1', 'n2', 'n3', 'n4', 'n5'],
  steps: [
    'timeout n1',
    'deliver RequestVoteRequest n1->n2',
    'deliver RequestVoteRequest n1->n3',
    'deliver RequestVoteResponse n2->n1',
    'deliver RequestVoteResponse n3->n1',
    'propose n1 a',
    'heartbeat n1',
    'deliver AppendEntriesRequest n1->n2',
    'deliver AppendEntriesRequest n1->n2',
    'deliver AppendEntriesRequest n1->n3',
    'deliver AppendEntriesRequest n1->n3',
    'deliver AppendEntriesResponse n2->n1',
    'deliver AppendEntriesResponse n2->n1',
    'propose n1 b',
    'deliver AppendEntriesRequest n1->n2',
    'crash n1',
    'timeout n3',
    'deliver RequestVoteRequest n3->n4',
    'deliver RequestVoteRequest n3->n5',
    'deliver RequestVoteResponse n4->n3',
    'deliver RequestVoteResponse n5->n3',
    'deliver AppendEntriesRequest n3->n2',
    'propose n3 c',
    'deliver AppendEntriesResponse n2->n3',
    'deliver AppendEntriesRequest n3->n4',
    'deliver AppendEntriesResponse n4->n3',
    'heartbeat n3',
    'deliver AppendEntriesRequest n3->n4',
    'deliver AppendEntriesResponse n4->n3',
    'crash n3',
    'restart n1',
    'timeout n2',
    'deliver RequestVoteRequest n2->n1',
    'deliver RequestVoteRequest n2->n5',
    'deliver RequestVoteResponse n1->n2',
    'deliver RequestVoteResponse n5->n2',
    'propose n2 d',
    'heartbeat n2',
    'deliver AppendEntriesRequest n2->n1',
    'deliver AppendEntriesResponse n1->n2',
    'deliver AppendEntriesRequest n2->n5',
    'deliver AppendEntriesResponse n5->n2',
    'heartbeat n2',
    'deliver AppendEntriesRequest n2->n5',
    'deliver AppendEntriesResponse n5->n2',
  ],
};

class Adapter {
  private readonly child;
  private readonly lines: AsyncIterator<string>;
  private id = 0;

  constructor(command: string) {
    this.child = spawn(command, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  async request(body: Record<string, unknown>): Promise<Reply> {
    this.child.stdin.write(`${JSON.stringify({ id: ++this.id, ...body })}\n`);
    const line = await this.lines.next();
    if (line.done) throw new Error(`adapter exited before answering ${JSON.stringify(body)}`);
    return JSON.parse(line.value) as Reply;
  }

  close(): void {
    this.child.stdin.end();
  }
}

/** Translates one step line into a protocol request, taking deliveries from the pool. */
function requestOf(step: string, pool: Message[]): Record<string, unknown> {
  const [verb, a, b] = step.split(' ');
  if (verb === 'timeout') return { type: 'timeout', node: a, timer: 'election' };
  if (verb === 'heartbeat') return { type: 'timeout', node: a, timer: 'heartbeat' };
  if (verb === 'propose') return { type: 'propose', node: a, value: b };
  if (verb === 'crash' || verb === 'restart') return { type: verb, node: a };
  const [from, to] = b.split('->');
  let at = pool.length - 1;
  while (at >= 0 && !(pool[at].type === a && pool[at].from === from && pool[at].to === to)) at--;
  if (at < 0) throw new Error(`step "${step}": ${from} has sent no such message to ${to} yet`);
  const [message] = pool.splice(at, 1);
  return { type: 'deliver', message };
}

/** index → the first committed entry seen there, and who committed it at which step. */
type Committed = Map<number, { entry: Entry; by: string; step: number }>;

function checkCommitted(state: State, step: number, committed: Committed): string | null {
  for (let i = 1; i <= state.commitIndex; i++) {
    const entry = state.log[i - 1];
    const seen = committed.get(i);
    if (seen === undefined) committed.set(i, { entry, by: state.id, step });
    else if (seen.entry.term !== entry.term || seen.entry.value !== entry.value)
      return `index ${i} committed as ${seen.entry.term}:${seen.entry.value} by ${seen.by} (step ${seen.step}) and as ${entry.term}:${entry.value} by ${state.id} (step ${step})`;
  }
  return null;
}

const show = (s: State) =>
  `${s.id} ${s.role} term=${s.currentTerm} commitIndex=${s.commitIndex} log=[${s.log.map((e) => `${e.term}:${e.value}`).join(',')}]`;

async function execute(command: string, run: Run): Promise<boolean> {
  const adapter = new Adapter(command);
  await adapter.request({ type: 'init', protocol: 1, kit: 'consequences.ts' });
  await adapter.request({
    type: 'create',
    nodes: run.nodes,
    features: {},
    timing: { electionTicks: 10, heartbeatTicks: 1 },
  });
  const pool: Message[] = [];
  const committed: Committed = new Map();
  process.stdout.write(`\n${run.name}\n`);
  try {
    for (const [n, step] of run.steps.entries()) {
      const reply = await adapter.request(requestOf(step, pool));
      if (reply.state === undefined) throw new Error(`step "${step}": ${reply.type} ${reply.text ?? ''}`);
      pool.push(...(reply.messages ?? []));
      const sent = (reply.messages ?? []).map(
        (m) => `${m.type.replace(/Request$|Response$/, (s) => s[0])}>${m.to}`,
      );
      process.stdout.write(
        `  ${String(n + 1).padStart(2)} ${step.padEnd(36)} ${show(reply.state)}  sent: ${sent.join(' ') || '-'}\n`,
      );
      const violation = checkCommitted(reply.state, n + 1, committed);
      if (violation !== null) {
        process.stdout.write(`  State Machine Safety violated (§5.4.3): ${violation}\n`);
        return true;
      }
    }
    process.stdout.write('  not reached: no index was committed with two different entries\n');
    return false;
  } finally {
    adapter.close();
  }
}

if (process.argv[1]?.endsWith('consequences.ts')) {
  const command = process.argv[2] ?? '.raftkit-tmp/canonical-raft/adapter';
  let reached = 0;
  const runs = [COMMIT_PREVIOUS_TERM, MATCH_FROM_LAST_INDEX];
  for (const run of runs) if (await execute(command, run)) reached++;
  process.stdout.write(`\n${reached} of ${runs.length} runs reached a State Machine Safety violation\n`);
  process.exitCode = reached === runs.length ? 0 : 1;
}
