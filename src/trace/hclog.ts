import type { NodeId } from '../../models/index.ts';
import { HclogHeader } from './hclog-header.ts';
import { CH, Fields, type FieldValues, intField, isKeyChar, isSpace } from './scan.ts';
import {
  type Header,
  hasLineSeparator,
  type LineSink,
  type LogReader,
  readLibraryLog,
  type Understood,
} from './textlog.ts';
import type { ParsedTrace } from './trace.ts';

/**
 * Reader of hashicorp/raft's log, as its hclog logger writes it:
 *
 *   2026-12-06T10:46:30.943Z [INFO]  raft-n2: entering candidate state: node="Node at n2 [Candidate]" term=2
 *
 * The message texts are those of raft.go and replication.go (hashicorp/raft 1.1.x, as
 * Debian's golang-github-hashicorp-raft-dev ships it). hclog shows role changes, the term
 * of a candidacy, the votes a candidate counts and failed RPCs — never the content of a
 * message, nor a follower's term, nor a vote granted by a voter. The node is the logger's
 * name without its "raft" part (`raft-n2`, `raft.n2`, `n2` → n2), else the `Node at X` of
 * a state line.
 */

/** The node a logger name stands for: the name without "raft" components, or null. */
export function nodeOfLoggerName(name: string): NodeId | null {
  const parts = name.split(/[.\-_/]/).filter((p) => p !== '' && p.toLowerCase() !== 'raft');
  return parts.length === 0 ? null : parts.join('-');
}

/**
 * `{Voter n3 n3}` (a Server printed with %v) or a bare id/address → the id. An address
 * the "initial configuration" line named is taken back to its server's ID (over TCP,
 * hashicorp logs peers by address: `from=127.0.0.1:34383`).
 */
function serverId(text: string | undefined, addresses: ReadonlyMap<string, NodeId>): NodeId | null {
  if (text === undefined || text === '') return null;
  const m = /^\{\w+ (\S+) \S+\}$/.exec(text);
  if (m) return m[1];
  return /^[\w.:-]+$/.test(text) ? (addresses.get(text) ?? text) : null;
}

type Handler = (node: NodeId, fields: FieldValues, sink: LineSink, state: HclogState) => Understood;

interface HclogState {
  /** The term of each node's last candidacy: hclog's "entering leader state" has no term. */
  readonly candidacyTerm: Map<NodeId, number>;
  readonly names: Map<string, NodeId>;
  /** Server address → ID, from the "initial configuration" lines. */
  readonly addresses: Map<string, NodeId>;
  /** nodeOfLoggerName of each logger name seen, computed once. */
  readonly loggerNodes: Map<string, NodeId | null>;
  /** The node that wrote the whole file (one process's log, e.g. cluster mode's n1.log), or null. */
  readonly fileNode: NodeId | null;
  /** serverId of each field value seen (a log names a few servers on most of its lines). */
  readonly ids: Map<string, NodeId | null>;
}

/** Above this many distinct values, the id cache starts over (a log that names a server differently on every line). */
const ID_CACHE_LIMIT = 4096;

/** The server a field names (`serverId` of its value), or null; looked up once per distinct value. */
function serverField(fields: FieldValues, key: string, state: HclogState): NodeId | null {
  const text = fields.get(key);
  if (text === undefined) return null;
  let id = state.ids.get(text);
  if (id === undefined) {
    if (state.ids.size >= ID_CACHE_LIMIT) state.ids.clear();
    id = serverId(text, state.addresses);
    state.ids.set(text, id);
  }
  return id;
}

/** `servers="[{Suffrage:Voter ID:n1 Address:127.0.0.1:37241} …]"` → address → ID. */
function learnAddresses(fields: FieldValues, state: HclogState): Understood {
  const servers = fields.get('servers') ?? '';
  let changed = false;
  for (const m of servers.matchAll(/ID:(\S+) Address:([^\s}]+)/g)) {
    if (state.addresses.get(m[2]) === m[1]) continue;
    state.addresses.set(m[2], m[1]);
    changed = true;
  }
  // An address seen before may now stand for a server's ID; each node's copy of the same configuration changes nothing.
  if (changed) state.ids.clear();
  return 'info';
}

/** Known messages (prefix before ": " fields) → what they mean. */
const MESSAGES: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ['entering follower state', (node, _f, sink) => emit(sink, node, 'BecomeFollower')],
  [
    'entering candidate state',
    (node, f, sink, state) => {
      const term = intField(f, 'term');
      if (term === null) return null;
      state.candidacyTerm.set(node, term);
      sink.role(node, 'BecomeCandidate', term);
      return 'event';
    },
  ],
  [
    'entering leader state',
    (node, _f, sink, state) => {
      const term = state.candidacyTerm.get(node);
      sink.role(node, 'BecomeLeader', term);
      return 'event';
    },
  ],
  ['heartbeat timeout reached, starting election', (node, _f, sink) => timeout(node, sink)],
  ['Election timeout reached, restarting election', (node, _f, sink) => timeout(node, sink)],
  [
    'vote granted',
    (node, f, sink, state) => {
      const from = serverField(f, 'from', state);
      const term = intField(f, 'term');
      if (from === null || term === null) return null;
      if (from === node) return 'info'; // the candidate's own vote: counted from its candidacy
      sink.message(node, 'Receive', { type: 'RequestVoteResponse', from, to: node, term, voteGranted: true });
      return 'event';
    },
  ],
  ['failed to make requestVote RPC', failedRpc('target')],
  ['failed to heartbeat to', failedRpc('peer')],
  ['failed to appendEntries to', failedRpc('peer')],
  ['failed to pipeline appendEntries', failedRpc('peer')],
  ['failed to contact', failedRpc('server-id')],
  ['rejecting vote request since we have a leader', heardFrom('from')],
  ['rejecting vote request since our last term is greater', heardFrom('candidate')],
  ['rejecting vote request since our last index is greater', heardFrom('candidate')],
  ['duplicate requestVote from', heardFrom('candidate')],
  ['peer has newer term, stopping replication', heardFrom('peer')],
  ['appendEntries rejected, sending older logs', heardFrom('peer')],
]);

/** Understood lines that carry nothing to check. */
const INFO = new Set([
  'initial configuration',
  'election won',
  'votes',
  'duplicate requestVote for same term',
  'lost leadership because received a requestVote with a newer term',
  'newer term discovered, fallback to follower',
  'failed to contact quorum of nodes, stepping down',
  'added peer, starting replication',
  'removed peer, stopping replication',
  'pipelining replication',
  'aborting pipeline replication',
  'updating configuration',
  'new leader elected, stepping down',
  'no known peers, aborting election',
  'not part of stable configuration, aborting election',
  'failed to get previous log',
  'previous log term mis-match',
  'clearing log suffix',
  'ignoring installSnapshot request with older term than current term',
  'Installed remote snapshot',
  'copied to local snapshot',
  'starting restore from snapshot',
]);

function emit(sink: LineSink, node: NodeId, event: 'BecomeFollower' | 'ElectionTimeout'): Understood {
  sink.role(node, event);
  return 'event';
}

function timeout(node: NodeId, sink: LineSink): Understood {
  return emit(sink, node, 'ElectionTimeout');
}

/** An RPC error that says it timed out (`i/o timeout`, `timed out`, `Timeout`); one object, not a literal per line. */
const TIMED_OUT = /time[ds]? ?out/i;

/**
 * A failed RPC to the server named by field `key` is evidence of a cut link — unless it
 * timed out: a slow peer is not an unreachable one (the timing-broken run of
 * test/fixtures/trace has RPCs that time out).
 */
function failedRpc(key: string): Handler {
  return (node, fields, sink, state) => {
    const peer = serverField(fields, key, state);
    if (peer === null || TIMED_OUT.test(fields.get('error') ?? '')) return 'info';
    sink.link(node, peer, false);
    return 'event';
  };
}

/** A line that says the server named by field `key` reached this node. */
function heardFrom(key: string): Handler {
  return (node, fields, sink, state) => {
    const from = serverField(fields, key, state);
    if (from === null) return 'info';
    sink.link(from, node, true);
    return 'event';
  };
}

type Known = readonly [message: string, handler: Handler | null];

/** Every known message, with its handler (null: information only). */
const KNOWN_MESSAGES: readonly Known[] = [
  ...MESSAGES,
  ...[...INFO].filter((m) => !MESSAGES.has(m)).map((m) => [m, null] as const),
];

/** The known messages by their length. */
const KNOWN_BY_LENGTH: readonly (readonly Known[] | undefined)[] = (() => {
  const byLength: Known[][] = [];
  for (const known of KNOWN_MESSAGES) {
    const length = known[0].length;
    byLength[length] = [...(byLength[length] ?? []), known];
  }
  return byLength;
})();

/**
 * The known message that starts at text[from], or undefined. hclog writes a message, then
 * its fields after ": " (`message: k=v k=v`), or a bare message (maybe with a final colon).
 * No known message has a colon (test/trace/formats.test.ts pins it), so a known message ends
 * at the first colon after `from` (or at the end), and it is the line's message — as
 * `/^(.*?)(?:: [\w.-]+=|:?$)/` cuts it — if the end, a final colon or ": key=" follows it.
 * Found in place (one `indexOf`, one comparison): 73% of a busy log's lines are
 * information and are done with here, nothing cut out of them.
 */
function knownAt(text: string, from: number): Known | undefined {
  const colon = text.indexOf(':', from);
  const candidates = KNOWN_BY_LENGTH[(colon < 0 ? text.length : colon) - from];
  if (candidates === undefined) return undefined;
  for (const known of candidates) {
    if (text.startsWith(known[0], from) && endsMessage(text, from + known[0].length)) return known;
  }
  return undefined;
}

/** Whether a message ends at `at`: the end of the text, a final colon, or ": key=" (the fields). */
function endsMessage(text: string, at: number): boolean {
  if (at === text.length) return true;
  if (text.charCodeAt(at) !== CH.colon) return false;
  if (at + 1 === text.length) return true;
  if (text.charCodeAt(at + 1) !== CH.space) return false;
  let j = at + 2;
  while (j < text.length && isKeyChar(text.charCodeAt(j))) j++;
  return j > at + 2 && text.charCodeAt(j) === CH.equals;
}

/** The known message texts (for the test that no known message has a colon). */
export const HCLOG_MESSAGES: readonly string[] = KNOWN_MESSAGES.map(([message]) => message);

const NO_REPLAY =
  'hclog shows no message contents (no RequestVote, AppendEntries or replies), no follower terms and no vote a voter grants: ' +
  'the nodes are not replayed against the model; the cross-node properties are checked on the candidacies and the votes ' +
  'candidates count, and liveness on the roles and terms logged';

/** The hclog reader of one file: its state (names, addresses, candidacies) and per-line scratch. */
class HclogReader implements LogReader {
  readonly format = 'hclog';
  readonly noReplay = NO_REPLAY;
  readonly inferences = [
    'hclog\'s "entering leader state" has no term: the term of the node\'s last "entering candidate state" is taken',
  ];
  private readonly state: HclogState;
  /** Prefixes known to be a logger's name: a prefix is one once a known message has followed it (a name-less log's messages have colons too). */
  private readonly loggerNames: string[] = [];
  private readonly knownNames = new Set<string>();
  private readonly scan: HclogHeader;
  private readonly fields = new Fields();
  /** The header of the current line, reused line after line (readLibraryLog keeps none). */
  private readonly current: { time: number | null; name: string | null; text: string; from: number } = {
    time: null,
    name: null,
    text: '',
    from: 0,
  };

  constructor(fileNode: NodeId | null, lineSeparators: boolean) {
    this.state = {
      candidacyTerm: new Map(),
      names: new Map(),
      addresses: new Map(),
      loggerNodes: new Map(),
      fileNode,
      ids: new Map(),
    };
    this.scan = new HclogHeader(lineSeparators);
  }

  header(line: string): Header | null {
    const scan = this.scan;
    if (!scan.scan(line)) return null;
    const header = this.current;
    const from = scan.rest;
    const name = this.loggerName(line, from);
    header.time = scan.time(line);
    header.name = name;
    header.text = line;
    header.from = name === null ? from : from + name.length + 2;
    return header;
  }

  /**
   * The logger's name at line[from…] before ": " — one seen before, or one a known message
   * follows now (a name-less log's messages have colons too) — or null. A name has no space
   * or colon, so a known name followed by ": " is the name the first ": " would cut out.
   */
  private loggerName(line: string, from: number): string | null {
    const names = this.loggerNames;
    // A log has a few loggers: compare in place before cutting the name out.
    for (let i = 0; i < names.length && i < 8; i++) {
      const end = from + names[i].length;
      if (
        line.startsWith(names[i], from) &&
        line.charCodeAt(end) === CH.colon &&
        line.charCodeAt(end + 1) === CH.space
      ) {
        return names[i];
      }
    }
    const colon = line.indexOf(': ', from);
    if (colon <= from || hasSpaceOrColon(line, from, colon)) return null;
    const name = line.slice(from, colon);
    if (this.knownNames.has(name)) return name;
    if (knownAt(line, colon + 2) === undefined) return null;
    names.push(name);
    this.knownNames.add(name);
    return name;
  }

  message(header: Header, sink: LineSink): Understood {
    const { state, fields } = this;
    const { text, from } = header;
    const known = knownAt(text, from);
    if (known === undefined) return null;
    const fieldsFrom = Math.min(from + known[0].length + 2, text.length);
    if (known[0] === 'initial configuration') return learnAddresses(fields.read(text, fieldsFrom), state);
    const handler = known[1];
    if (handler === null) return 'info';
    fields.read(text, fieldsFrom);
    const node = nodeOf(header, fields, state);
    return node === null ? null : handler(node, fields, sink, state);
  }

  idMapping(nodes: readonly NodeId[]): string | null {
    const named = [...this.state.names.entries()].filter(([name, node]) => name !== node);
    return named.length === 0
      ? null
      : `hclog logger names ${named.map(([name]) => name).join(', ')} → ${nodes.join(', ')}`;
  }
}

/** `/[\s:]/` in line[from, to): a logger's name has no space or colon. */
function hasSpaceOrColon(line: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = line.charCodeAt(i);
    if (c === CH.colon || isSpace(c)) return true;
  }
  return false;
}

function nodeOf(header: Header, fields: FieldValues, state: HclogState): NodeId | null {
  if (state.fileNode !== null) return state.fileNode;
  if (header.name !== null) {
    let node = state.loggerNodes.get(header.name);
    if (node === undefined) {
      node = nodeOfLoggerName(header.name);
      state.loggerNodes.set(header.name, node);
    }
    if (node !== null) {
      if (!state.names.has(header.name)) state.names.set(header.name, node);
      return node;
    }
  }
  const own = fields.get('node') ?? fields.get('follower') ?? fields.get('leader');
  const m = own === undefined ? null : /^Node at (\S+) \[/.exec(own);
  return m ? (state.addresses.get(m[1]) ?? m[1]) : null;
}

const SHAPE = new HclogHeader(true);

export function looksLikeHclog(line: string): boolean {
  return SHAPE.scan(line.trim());
}

/** `fileNode`: the node that wrote every line of the file (one process's log), when the lines do not name it. */
export function parseHclog(text: string, file: string, fileNode: NodeId | null = null): ParsedTrace {
  return readLibraryLog(text, file, new HclogReader(fileNode, hasLineSeparator(text)));
}
