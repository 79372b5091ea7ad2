import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Socket, connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { LogEntry, Message, NodeId, PersistentState } from '../../../models/types.ts';
import { nodeSeed, Rng, SystemClock } from '../../reference/clock.ts';
import { findMutant, type MutantName } from '../../reference/mutants.ts';
import { RaftNode } from '../../reference/node.ts';
import type { Storage } from '../../reference/storage.ts';
import type { Transport } from '../../reference/transport.ts';
import { LOOPBACK } from '../ports.ts';

/**
 * One node of the reference implementation as a real networked process, for cluster mode:
 * `RaftNode` from src/reference with the system clock, a file it fsyncs before answering
 * (Figure 2: persistent state "updated on stable storage before responding to RPCs"), and
 * newline-delimited JSON messages over TCP to its peers (through the fault proxy).
 *
 * Timers are checked on a **timer tick** aligned to the wall clock (every node ticks at the
 * same multiples of `--tick-ms`, as timers do on a coarse OS tick). With election timeouts
 * shorter than the tick (the timing mutant: 5–9 ms on a 10 ms tick, 1–5 ms RPC delay) every
 * node times out in the same tick every term: the endless split vote of the seed log
 * (docs/bugs.md #8).
 *
 * The node appends its trace to `--trace FILE`, all nodes of a run to the same file, for
 * `raftkit trace`: by default in the canonical format (docs/trace-format.md: every timer,
 * role change, message sent and received, with the state after each role change), or with
 * `--trace-format eliben` in the seed log's format (`13:43:33.422806 [2] becomes Candidate
 * (currentTerm=1); log=[]`, servers numbered from 0 in id order).
 *
 * Loopback HTTP on `--http`: `GET /status` (Figure 2 state + committed values) and
 * `POST /submit?value=x` (200 once committed, 503 if not leader or not committed in 5 s).
 */

const { values: args } = parseArgs({
  options: {
    id: { type: 'string' },
    cluster: { type: 'string' },
    listen: { type: 'string' },
    http: { type: 'string' },
    peer: { type: 'string', multiple: true, default: [] },
    data: { type: 'string' },
    'pre-vote': { type: 'boolean', default: false },
    'tick-ms': { type: 'string', default: '5' },
    'election-min-ms': { type: 'string', default: '150' },
    'election-max-ms': { type: 'string', default: '300' },
    'heartbeat-ms': { type: 'string', default: '50' },
    'rpc-delay-min-ms': { type: 'string', default: '0' },
    'rpc-delay-max-ms': { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
    mutant: { type: 'string' },
    trace: { type: 'string' },
    'trace-format': { type: 'string', default: 'canonical' },
  },
});

function required(name: keyof typeof args): string {
  const value = args[name];
  if (typeof value !== 'string') {
    process.stderr.write(`reference-node: --${name} is required\n`);
    process.exit(2);
  }
  return value;
}

const id: NodeId = required('id');
const cluster = required('cluster').split(',').sort();
const dataDir = required('data');
const seed = Number(args.seed);
const number = (name: keyof typeof args) => Number(args[name]);
const peers = new Map<NodeId, number>(
  (args.peer as string[]).map((p) => {
    const [node, port] = p.split('=');
    return [node, Number(port)];
  }),
);
const mutant = args.mutant as MutantName | undefined;
if (mutant !== undefined && findMutant(mutant) === undefined) {
  process.stderr.write(`reference-node: unknown mutant '${mutant}'\n`);
  process.exit(2);
}

// ------------------------------------------------------------------ trace log (seed format)

const traceFd = typeof args.trace === 'string' ? openSync(args.trace, 'a') : null;
const index = (node: NodeId) => cluster.indexOf(node);
/** Wall-clock microseconds, monotonic within this process (Date's epoch, performance's ticks). */
const clockBaseMicros = Date.now() * 1000 - Math.round(performance.now() * 1000);
function trace(text: string): void {
  if (traceFd === null) return;
  const micros = clockBaseMicros + Math.round(performance.now() * 1000);
  const now = new Date(Math.floor(micros / 1000));
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}:${pad(now.getUTCSeconds())}.${pad(micros % 1_000_000, 6)}`;
  writeSync(traceFd, `${stamp} [${index(id)}] ${text}\n`);
}
const canonical = args['trace-format'] !== 'eliben';
/** One canonical trace event (docs/trace-format.md), time in ms since the epoch. */
function event(fields: Record<string, unknown>): void {
  if (traceFd === null || !canonical) return;
  const time = (clockBaseMicros + Math.round(performance.now() * 1000)) / 1000;
  writeSync(traceFd, `${JSON.stringify({ ...fields, node: id, time })}\n`);
}
/** A line of the seed log's format (eliben/raft's dlog), when --trace-format eliben. */
function seedLine(text: string): void {
  if (!canonical) trace(text);
}
const logText = (log: readonly LogEntry[]) => `[${log.map((e) => `{${e.value} ${e.term}}`).join(' ')}]`;
const ROLE_NAMES = {
  follower: 'Follower',
  preCandidate: 'PreCandidate',
  candidate: 'Candidate',
  leader: 'Leader',
};

function describe(message: Message): string {
  switch (message.type) {
    case 'RequestVoteRequest':
    case 'PreVoteRequest':
      return `{Term:${message.term} CandidateId:${index(message.from)} LastLogIndex:${message.lastLogIndex} LastLogTerm:${message.lastLogTerm}}`;
    case 'RequestVoteResponse':
    case 'PreVoteResponse':
      return `{Term:${message.term} VoteGranted:${message.voteGranted}}`;
    case 'AppendEntriesRequest':
      return `{Term:${message.term} LeaderId:${index(message.from)} PrevLogIndex:${message.prevLogIndex} PrevLogTerm:${message.prevLogTerm} Entries:${logText(message.entries)} LeaderCommit:${message.leaderCommit}}`;
    case 'AppendEntriesResponse':
      return `{Term:${message.term} Success:${message.success}}`;
  }
}

const RPC_NAME: Record<Message['type'], string> = {
  RequestVoteRequest: 'RequestVote',
  RequestVoteResponse: 'RequestVoteReply',
  PreVoteRequest: 'PreVote',
  PreVoteResponse: 'PreVoteReply',
  AppendEntriesRequest: 'AppendEntries',
  AppendEntriesResponse: 'AppendEntriesReply',
};

// ------------------------------------------------------------------ storage (fsync'd file)

class FileStorage implements Storage {
  private readonly file = join(dataDir, 'raft-state.json');
  private durable: PersistentState;
  private pending: PersistentState;

  constructor() {
    this.durable = existsSync(this.file)
      ? (JSON.parse(readFileSync(this.file, 'utf8')) as PersistentState)
      : { currentTerm: 0, votedFor: null, log: [] };
    this.pending = this.durable;
  }
  load(): PersistentState {
    return this.durable;
  }
  setTermAndVote(currentTerm: number, votedFor: NodeId | null): void {
    this.pending = { ...this.pending, currentTerm, votedFor };
  }
  truncateAndAppend(at: number, entries: readonly LogEntry[]): void {
    this.pending = { ...this.pending, log: [...this.pending.log.slice(0, at - 1), ...entries] };
  }
  sync(): void {
    if (this.pending === this.durable) return;
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w');
    writeFileSync(fd, JSON.stringify(this.pending));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.file);
    this.durable = this.pending;
  }
  loseUnsynced(): void {
    this.pending = this.durable;
  }
}

// ------------------------------------------------------------------ transport (JSON lines over TCP)

const delayRng = new Rng(nodeSeed(seed ^ 0x5eed, id));
const delayMin = number('rpc-delay-min-ms');
const delayMax = number('rpc-delay-max-ms');
const connections = new Map<NodeId, Socket>();

function connection(to: NodeId): Socket | null {
  const existing = connections.get(to);
  if (existing !== undefined) return existing;
  const port = peers.get(to);
  if (port === undefined) return null;
  const socket = tcpConnect({ host: LOOPBACK, port });
  socket.on('error', () => {});
  socket.on('close', () => {
    if (connections.get(to) === socket) connections.delete(to);
  });
  connections.set(to, socket);
  return socket;
}

class TcpTransport implements Transport {
  send(message: Message): void {
    const line = `${JSON.stringify(message)}\n`;
    const write = () => connection(message.to)?.write(line);
    observe(); // a role change is logged before the messages it sends, as in the seed log
    if (inTick && !timerLogged && message.type === 'AppendEntriesRequest') {
      event({ event: 'HeartbeatTimeout' });
      timerLogged = true;
    }
    event({ event: 'Send', message });
    switch (message.type) {
      case 'AppendEntriesRequest':
        seedLine(
          `sending AppendEntries to ${index(message.to)}: ni=${message.prevLogIndex + 1}, args=${describe(message)}`,
        );
        break;
      case 'AppendEntriesResponse':
        seedLine(`AppendEntries reply: &${describe(message)}`);
        break;
      case 'RequestVoteRequest':
      case 'PreVoteRequest':
        seedLine(`sending ${RPC_NAME[message.type]} to ${index(message.to)}: ${describe(message)}`);
        break;
      default:
        seedLine(`... ${RPC_NAME[message.type].replace('Reply', '')} reply: &${describe(message)}`);
    }
    if (delayMax <= 0) write();
    else setTimeout(write, delayRng.intBetween(delayMin, delayMax));
  }
}

// ------------------------------------------------------------------ the node

const node = new RaftNode({
  id,
  cluster,
  preVote: args['pre-vote'] === true,
  transport: new TcpTransport(),
  storage: new FileStorage(),
  clock: new SystemClock(),
  timing: {
    electionTimeoutMin: number('election-min-ms'),
    electionTimeoutMax: number('election-max-ms'),
    heartbeatInterval: number('heartbeat-ms'),
  },
  seed: nodeSeed(seed, id),
  mutant,
});

let last = node.status();
/** The election timeout the node drew last (a private field of RaftNode, read for the log only). */
const drawnTimeout = () => (node as unknown as { electionTimeout: number }).electionTimeout;
if (last.currentTerm === 0 && last.log.length === 0)
  event({ event: 'Cluster', nodes: cluster, preVote: args['pre-vote'] === true });
else
  event({
    event: 'Restart',
    state: { currentTerm: last.currentTerm, votedFor: last.votedFor, log: last.log },
  });
event({ event: 'TimerStart', timeoutMs: drawnTimeout(), term: last.currentTerm });
seedLine(`listening at [::]:${required('listen')}`);
seedLine(`election timer started (${drawnTimeout()}ms), term=${last.currentTerm}`);
/** Inside a timer tick, the first role change or AppendEntries is the timer firing. */
let inTick = false;
let timerLogged = false;

/** Log role and term changes in the seed log's words (eliben/raft's dlog lines). */
function observe(): void {
  const now = node.status();
  if (now.role !== last.role || now.currentTerm !== last.currentTerm) {
    if (inTick && !timerLogged && (now.role === 'candidate' || now.role === 'preCandidate')) {
      event({ event: 'ElectionTimeout' });
      timerLogged = true;
    }
    if (now.role !== 'crashed') {
      const kind = `Become${now.role[0].toUpperCase()}${now.role.slice(1)}`;
      const { currentTerm, votedFor, log: entries, commitIndex } = now;
      event({ event: kind, term: currentTerm, state: { currentTerm, votedFor, log: entries, commitIndex } });
    }
    if (now.role !== 'leader' && now.role !== 'crashed') {
      event({ event: 'TimerStart', timeoutMs: drawnTimeout(), term: now.currentTerm });
    }
    const log = logText(now.log);
    if (now.role === 'candidate' || now.role === 'preCandidate') {
      seedLine(`becomes ${ROLE_NAMES[now.role]} (currentTerm=${now.currentTerm}); log=${log}`);
    } else if (now.role === 'leader') {
      seedLine(`becomes Leader; term=${now.currentTerm}; log=${log}`);
    } else if (now.role === 'follower') {
      seedLine(`becomes Follower with term=${now.currentTerm}; log=${log}`);
    }
    if (now.role !== 'leader' && now.role !== 'crashed') {
      seedLine(`election timer started (${drawnTimeout()}ms), term=${now.currentTerm}`);
    }
  }
  last = now;
}

function receive(message: Message): void {
  if (message.to !== id || !cluster.includes(message.from)) return;
  event({ event: 'Receive', message });
  switch (message.type) {
    case 'RequestVoteRequest':
    case 'PreVoteRequest':
      seedLine(
        `${RPC_NAME[message.type]}: ${describe(message)} [currentTerm=${last.currentTerm}, votedFor=${last.votedFor === null ? -1 : index(last.votedFor)}]`,
      );
      break;
    case 'AppendEntriesRequest':
      seedLine(`AppendEntries: ${describe(message)}`);
      break;
    case 'AppendEntriesResponse':
      // eliben/raft logs the leader's nextIndex/matchIndex maps for a current reply (we have
      // no such line), and this for a reply from a higher term, before stepping down:
      if (message.term > last.currentTerm) seedLine('term out of date in heartbeat reply');
      break;
    default:
      seedLine(`received ${RPC_NAME[message.type]} ${describe(message)}`);
  }
  node.receive(message);
  observe();
  settleWaiters();
}

createServer((socket) => {
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('error', () => {});
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      try {
        receive(JSON.parse(line) as Message);
      } catch (error) {
        process.stderr.write(`reference-node ${id}: bad peer line ${JSON.stringify(line)}: ${error}\n`);
      }
      newline = buffer.indexOf('\n');
    }
  });
}).listen(Number(required('listen')), LOOPBACK);

const tickMs = number('tick-ms');
function scheduleTick(): void {
  setTimeout(
    () => {
      inTick = true;
      timerLogged = false;
      node.tick();
      observe();
      inTick = false;
      settleWaiters();
      scheduleTick();
    },
    tickMs - (Date.now() % tickMs),
  );
}
scheduleTick();

// ------------------------------------------------------------------ client API

interface Waiter {
  readonly index: number;
  readonly entry: LogEntry;
  readonly done: (ok: boolean) => void;
}
const waiters = new Set<Waiter>();

function settleWaiters(): void {
  const status = node.status();
  for (const waiter of waiters) {
    const entry = status.log[waiter.index - 1];
    if (entry === undefined || entry.term !== waiter.entry.term || entry.value !== waiter.entry.value) {
      waiters.delete(waiter);
      waiter.done(false);
    } else if (status.commitIndex >= waiter.index) {
      waiters.delete(waiter);
      waiter.done(true);
    }
  }
}

createHttpServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const reply = (code: number, body: unknown) => {
    response.writeHead(code, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  if (request.method === 'GET' && url.pathname === '/status') {
    const s = node.status();
    return reply(200, { ...s, values: s.log.slice(0, s.commitIndex).map((e) => e.value) });
  }
  const value = url.searchParams.get('value');
  if (request.method === 'POST' && url.pathname === '/submit' && value !== null) {
    if (node.status().role === 'leader') event({ event: 'ClientRequest', value });
    if (!node.propose(value)) return reply(503, { error: `${id} is not the leader` });
    observe();
    const s = node.status();
    const waiter: Waiter = {
      index: s.log.length,
      entry: s.log[s.log.length - 1],
      done: (ok) => reply(ok ? 200 : 503, ok ? { ok } : { error: 'entry was not committed' }),
    };
    waiters.add(waiter);
    setTimeout(() => {
      if (waiters.delete(waiter)) waiter.done(false);
    }, 5000);
    settleWaiters();
    return;
  }
  reply(404, { error: 'expected GET /status or POST /submit?value=...' });
}).listen(Number(required('http')), LOOPBACK);

process.on('SIGTERM', () => process.exit(0));
