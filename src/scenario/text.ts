import type { Features, LogEntry, Message, MessageType, NodeId, Role } from '../../models/index.ts';
import {
  FEATURE_NAMES,
  MESSAGE_TYPES,
  parseFeatureList,
  ROLES,
  UnsupportedFeatureError,
} from '../../models/index.ts';
import {
  CLUSTER_SITUATIONS,
  type ClusterInput,
  type ClusterSituation,
  type ClusterSpec,
  type ClusterSubject,
  type ClusterTarget,
  type ClusterValue,
  type CompareOp,
  type InitialNodeState,
  type MessagePattern,
  type NodeObservation,
  type Observation,
  type Scenario,
  type ScenarioFeatures,
  type ScenarioHeader,
  type ScenarioInput,
  type ScenarioSource,
  type Step,
} from './ast.ts';
import { describeFound, ScenarioSyntaxError } from './errors.ts';
import { namedSwitches, scenarioFeaturesOf, switchTokens } from './features.ts';

/**
 * The scenario text format: parser and printer. The grammar, with examples, is in
 * docs/scenario-format.md. In short:
 *
 *   # What the scenario tests (one or more lines).
 *   #
 *   # references: §5.2, Figure 2
 *   # bugs: 2
 *   # source: curated: Raft paper §5.2
 *   # targets: cluster:first-leader
 *
 *   cluster n1 n2 n3
 *   features preVote leaderStickiness=same-term
 *   node n2 term=2 votedFor=n2 log=[1:a,2:b]
 *
 *   timeout n1
 *   ----
 *   n1 candidate term=1 votedFor=n1 commitIndex=0 log=[]
 *   send RequestVoteRequest n1->n2 term=1 lastLogIndex=0 lastLogTerm=0
 *
 * `print(parse(text)) === text` for every file the printer wrote. The parser throws only
 * `ScenarioSyntaxError`, located at file:line:column.
 */

// ------------------------------------------------------------------ message field layout

type FieldKind = 'nat' | 'bool' | 'log' | 'range';
/** `optional`: written only when the message has it (a switch's extra field, e.g. `rejectHint` of backoff=hint). */
type FieldSpec = readonly [name: string, kind: FieldKind, optional?: 'optional'];

const VOTE_REQUEST: readonly FieldSpec[] = [
  ['term', 'nat'],
  ['lastLogIndex', 'nat'],
  ['lastLogTerm', 'nat'],
];
const VOTE_RESPONSE: readonly FieldSpec[] = [
  ['term', 'nat'],
  ['voteGranted', 'bool'],
];

/** The fields of each message type, in the order the printer writes them (Figure 2's order). */
export const MESSAGE_FIELDS: Readonly<Record<MessageType, readonly FieldSpec[]>> = {
  RequestVoteRequest: VOTE_REQUEST,
  RequestVoteResponse: VOTE_RESPONSE,
  PreVoteRequest: VOTE_REQUEST,
  PreVoteResponse: VOTE_RESPONSE,
  AppendEntriesRequest: [
    ['term', 'nat'],
    ['prevLogIndex', 'nat'],
    ['prevLogTerm', 'nat'],
    ['entries', 'log'],
    ['leaderCommit', 'nat'],
  ],
  AppendEntriesResponse: [
    ['term', 'nat'],
    ['success', 'bool'],
    ['matchIndex', 'nat'],
    ['rejectHint', 'nat', 'optional'],
    // appendMatchFrom=request: the request a success answers, `prevLogIndex+entries` (e.g. `0+1`).
    ['inReplyTo', 'range', 'optional'],
  ],
};

const NODE_ID = /^[a-z][a-z0-9_]*$/;
const VALUE = /^[A-Za-z0-9_.-]+$/;
const NAT = /^(0|[1-9][0-9]{0,8})$/;
const VAR = /^\$[a-z][A-Za-z0-9_]*$/;
const HEADER_FIELDS = ['references', 'bugs', 'source', 'targets'] as const;

// ------------------------------------------------------------------ printing

export function formatLog(log: readonly LogEntry[]): string {
  return `[${log.map((e) => `${e.term}:${e.value}`).join(',')}]`;
}

function formatField(value: unknown): string {
  if (Array.isArray(value)) return formatLog(value as LogEntry[]);
  if (typeof value === 'object' && value !== null) {
    const range = value as { prevLogIndex: number; entries: number };
    return `${range.prevLogIndex}+${range.entries}`;
  }
  return String(value);
}

/** `RequestVoteRequest n1->n2 term=1 lastLogIndex=0 lastLogTerm=0`. */
export function formatMessage(message: Message): string {
  const record = message as unknown as Record<string, unknown>;
  const fields = MESSAGE_FIELDS[message.type]
    .filter(([name, , optional]) => optional === undefined || record[name] !== undefined)
    .map(([name]) => `${name}=${formatField(record[name])}`);
  return [message.type, `${message.from}->${message.to}`, ...fields].join(' ');
}

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const x = formatField(a);
  const y = formatField(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The order in which `deliver`, `drop` and `duplicate` consider messages in flight, defined
 * by the format itself (not by any implementation's or the model's send order or storage):
 * by type in `MESSAGE_TYPES` order, sender, receiver, then each field in the order the
 * printer writes them (numbers numerically, false before true, logs by their text).
 */
export function compareMessages(a: Message, b: Message): number {
  if (a.type !== b.type) return MESSAGE_TYPES.indexOf(a.type) - MESSAGE_TYPES.indexOf(b.type);
  if (a.from !== b.from) return a.from < b.from ? -1 : 1;
  if (a.to !== b.to) return a.to < b.to ? -1 : 1;
  const x = a as unknown as Record<string, unknown>;
  const y = b as unknown as Record<string, unknown>;
  for (const [name] of MESSAGE_FIELDS[a.type]) {
    const c = compareValues(x[name], y[name]);
    if (c !== 0) return c;
  }
  return 0;
}

export function formatPattern(pattern: MessagePattern): string {
  const fields = Object.entries(pattern.fields).map(([k, v]) => `${k}=${formatField(v)}`);
  return [pattern.type, `${pattern.from}->${pattern.to}`, ...fields].join(' ');
}

export function formatDuration(ms: number): string {
  return ms > 0 && ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function formatSubject(subject: ClusterSubject): string {
  if (subject.kind === 'majorityTerm') return 'majority.term';
  return subject.kind === 'node' ? `${subject.node}.${subject.field}` : subject.kind;
}

/** A partition group as written: `leader + 1` for the leader and one follower. */
function formatGroup(group: readonly ClusterTarget[]): string {
  const followers = group.slice(1);
  if (group[0] === 'leader' && followers.length > 0 && followers.every((t) => t === 'follower')) {
    return `leader + ${followers.length}`;
  }
  return group.join(' ');
}

function formatValue(value: ClusterValue): string {
  if (value.kind === 'var') {
    if (value.offset === 0) return value.name;
    return `${value.name}${value.offset > 0 ? '+' : ''}${value.offset}`;
  }
  return String(value.value);
}

function formatDeadline(input: { readonly withinMs?: number; readonly forMs?: number }): string {
  if (input.withinMs !== undefined) return ` within ${formatDuration(input.withinMs)}`;
  if (input.forMs !== undefined) return ` for ${formatDuration(input.forMs)}`;
  return '';
}

/** One input line, as written in a file (a `repeat` prints only its first line). */
export function formatInput(input: ScenarioInput): string {
  switch (input.kind) {
    case 'timeout':
    case 'heartbeat':
    case 'crash':
    case 'restart':
    case 'start':
    case 'kill':
      return `${input.kind} ${input.node}`;
    case 'propose':
    case 'submit':
      return `${input.kind} ${input.node} ${input.value}`;
    case 'tick':
      return `tick ${input.node} ${input.ticks}`;
    case 'deliver':
    case 'drop':
    case 'duplicate':
      return `${input.kind} ${formatPattern(input.pattern)}`;
    case 'inject':
      return `inject ${formatMessage(input.message)}`;
    case 'partition':
      return `partition ${input.groups.map(formatGroup).join(' | ')}`;
    case 'cut':
      return `cut ${input.from} ${input.bothWays ? '<->' : '->'} ${input.to}`;
    case 'heal':
      return 'heal';
    case 'wait':
      return `wait ${formatDuration(input.ms)}`;
    case 'expectLeader':
      return `expect leader within ${formatDuration(input.withinMs)}`;
    case 'expectNoLeader':
      return `expect no leader for ${formatDuration(input.forMs)}`;
    case 'expect':
      return `expect ${formatSubject(input.subject)} ${input.op} ${formatValue(input.value)}${formatDeadline(input)}`;
    case 'expectCommitted':
      return `expect ${input.negated ? 'not ' : ''}committed ${input.value}${formatDeadline(input)}`;
    case 'capture':
      return `capture ${input.name} = ${formatSubject(input.subject)}`;
    case 'repeat':
      return `repeat ${input.count}`;
  }
}

export function formatNodeObservation(o: NodeObservation): string {
  return `${o.node} ${o.role} term=${o.currentTerm} votedFor=${o.votedFor ?? 'none'} commitIndex=${o.commitIndex} log=${formatLog(o.log)}`;
}

export function formatObservation(observation: Observation): string[] {
  const lines = [
    ...observation.nodes.map(formatNodeObservation),
    ...observation.sent.map((m) => `send ${formatMessage(m)}`),
  ];
  if (observation.timers && observation.timers.length > 0)
    lines.push(`timers ${observation.timers.join(' ')}`);
  return lines.length === 0 ? ['ok'] : lines;
}

function formatSource(source: ScenarioSource): string {
  return source.kind === 'curated'
    ? `curated: ${source.citation}`
    : `generated by ${source.generator}, seed ${source.seed}, target ${source.target}`;
}

function printHeader(header: ScenarioHeader): string[] {
  const lines = header.summary.map((s) => (s === '' ? '#' : `# ${s}`));
  lines.push('#');
  if (header.references.length > 0) lines.push(`# references: ${header.references.join(', ')}`);
  if (header.bugs.length > 0) lines.push(`# bugs: ${header.bugs.join(', ')}`);
  lines.push(`# source: ${formatSource(header.source)}`);
  if (header.targets.length > 0) lines.push(`# targets: ${header.targets.join(', ')}`);
  return lines;
}

function printCluster(cluster: ClusterSpec): string[] {
  const lines = [`cluster ${cluster.nodes.join(' ')}`];
  const features = switchTokens(namedSwitches(cluster.features));
  if (features.length > 0) lines.push(`features ${features.join(' ')}`);
  if (cluster.mode === 'cluster') lines.push('mode cluster');
  if (cluster.situation !== undefined) lines.push(`situation ${cluster.situation}`);
  for (const node of cluster.nodes) {
    const init = cluster.initial[node];
    if (init) {
      lines.push(
        `node ${node} term=${init.currentTerm} votedFor=${init.votedFor ?? 'none'} log=${formatLog(init.log)}`,
      );
    }
  }
  return lines;
}

function printSteps(steps: readonly Step[], mode: ClusterSpec['mode'], indent: string): string[] {
  const lines: string[] = [];
  for (const [i, s] of steps.entries()) {
    if (mode === 'step' && i > 0) lines.push('');
    lines.push(indent + formatInput(s.input));
    if (s.input.kind === 'repeat') {
      lines.push(...printSteps(s.input.steps, mode, `${indent}  `), `${indent}  end`);
    }
    if (s.expect) lines.push('----', ...formatObservation(s.expect));
  }
  return lines;
}

/** The canonical text of a scenario. */
export function printScenario(scenario: Scenario): string {
  const lines = [
    ...printHeader(scenario.header),
    '',
    ...printCluster(scenario.cluster),
    '',
    ...printSteps(scenario.steps, scenario.cluster.mode, ''),
  ];
  return `${lines.join('\n')}\n`;
}

// ------------------------------------------------------------------ parsing: tokens

interface Token {
  readonly text: string;
  /** 1-based column. */
  readonly column: number;
}

class LineReader {
  readonly tokens: Token[] = [];
  private next = 0;

  constructor(
    readonly file: string,
    readonly line: number,
    readonly raw: string,
  ) {
    const re = /[^ ]+/g;
    for (let m = re.exec(raw); m !== null; m = re.exec(raw))
      this.tokens.push({ text: m[0], column: m.index + 1 });
  }

  fail(expected: string, token: Token | undefined = this.tokens[this.next]): never {
    const column = token ? token.column : this.raw.length + 1;
    throw new ScenarioSyntaxError(this.file, this.line, column, expected, describeFound(token?.text));
  }

  peek(): Token | undefined {
    return this.tokens[this.next];
  }

  take(expected: string): Token {
    const token = this.tokens[this.next];
    if (token === undefined) this.fail(expected);
    this.next++;
    return token;
  }

  /** Take a token that must be exactly `word`. */
  word(word: string): void {
    const token = this.take(`'${word}'`);
    if (token.text !== word) this.fail(`'${word}'`, token);
  }

  atEnd(): boolean {
    return this.next >= this.tokens.length;
  }

  end(): void {
    if (!this.atEnd()) this.fail('end of line');
  }
}

function nat(r: LineReader, token: Token, what: string): number {
  if (!NAT.test(token.text)) r.fail(`${what} (a whole number)`, token);
  return Number(token.text);
}

/** Parse `[1:a,2:b]`. */
function parseLog(r: LineReader, token: Token, text: string, offset: number): LogEntry[] {
  const at = (k: number): Token => ({ text: text.slice(k), column: token.column + offset + k });
  if (!text.startsWith('[')) r.fail("a log such as '[]' or '[1:a,2:b]'", at(0));
  if (!text.endsWith(']')) r.fail("']' closing the log", at(text.length));
  const body = text.slice(1, -1);
  if (body === '') return [];
  const entries: LogEntry[] = [];
  let k = 1;
  for (const part of body.split(',')) {
    const colon = part.indexOf(':');
    const term = colon < 0 ? '' : part.slice(0, colon);
    const value = colon < 0 ? '' : part.slice(colon + 1);
    // An empty value is a leader's blank no-op entry (`1:`, feature leaderNoOp).
    if (!NAT.test(term) || term === '0' || (value !== '' && !VALUE.test(value)) || colon < 0) {
      r.fail('a log entry term:value (term ≥ 1, value of letters, digits, _ . -, or empty for a no-op)', {
        text: part,
        column: token.column + offset + k,
      });
    }
    entries.push({ term: Number(term), value });
    k += part.length + 1;
  }
  return entries;
}

function keyValue(r: LineReader, token: Token, key: string): string {
  if (!token.text.startsWith(`${key}=`)) r.fail(`'${key}=…'`, token);
  return token.text.slice(key.length + 1);
}

// ------------------------------------------------------------------ parsing: pieces

interface Context {
  readonly file: string;
  nodes: readonly NodeId[];
}

function nodeId(r: LineReader, ctx: Context, token: Token, allowLeader = false): NodeId {
  if (allowLeader && token.text === 'leader') return 'leader';
  if (!ctx.nodes.includes(token.text)) {
    r.fail(`a node of the cluster (${ctx.nodes.join(', ')}${allowLeader ? ', or leader' : ''})`, token);
  }
  return token.text;
}

function messageType(r: LineReader): MessageType {
  const token = r.take(`a message type (${MESSAGE_TYPES.join(', ')})`);
  if (!(MESSAGE_TYPES as readonly string[]).includes(token.text)) {
    r.fail(`a message type (${MESSAGE_TYPES.join(', ')})`, token);
  }
  return token.text as MessageType;
}

function link(r: LineReader, ctx: Context): { from: NodeId; to: NodeId } {
  const token = r.take('sender->receiver such as n1->n2');
  const arrow = token.text.indexOf('->');
  if (arrow < 0) r.fail('sender->receiver such as n1->n2', token);
  const from = nodeId(r, ctx, { text: token.text.slice(0, arrow), column: token.column });
  const to = nodeId(r, ctx, { text: token.text.slice(arrow + 2), column: token.column + arrow + 2 });
  if (from === to) r.fail('a receiver other than the sender', { text: to, column: token.column + arrow + 2 });
  return { from, to };
}

function fieldValue(r: LineReader, token: Token, name: string, kind: FieldKind, raw: string): unknown {
  const valueToken = { text: raw, column: token.column + name.length + 1 };
  if (kind === 'nat') return nat(r, valueToken, `${name} value`);
  if (kind === 'bool') {
    if (raw !== 'true' && raw !== 'false') r.fail(`${name} value true or false`, valueToken);
    return raw === 'true';
  }
  if (kind === 'range') return requestRange(r, valueToken, name, raw);
  return parseLog(r, token, raw, name.length + 1);
}

/** `inReplyTo=2+1`: the answered request's prevLogIndex and number of entries. */
function requestRange(r: LineReader, valueToken: Token, name: string, raw: string): unknown {
  const plus = raw.indexOf('+');
  if (plus < 0) r.fail(`${name} value prevLogIndex+entries such as 0+1`, valueToken);
  const prevLogIndex = nat(
    r,
    { text: raw.slice(0, plus), column: valueToken.column },
    `${name} prevLogIndex`,
  );
  const entries = nat(
    r,
    { text: raw.slice(plus + 1), column: valueToken.column + plus + 1 },
    `${name} entries`,
  );
  return { prevLogIndex, entries };
}

/** A complete message: type, link and every field in order. */
function message(r: LineReader, ctx: Context): Message {
  const type = messageType(r);
  const { from, to } = link(r, ctx);
  const result: Record<string, unknown> = { type, from, to };
  for (const [name, kind, optional] of MESSAGE_FIELDS[type]) {
    if (optional && (r.atEnd() || !r.peek()?.text.startsWith(`${name}=`))) continue;
    const token = r.take(`'${name}=…'`);
    result[name] = fieldValue(r, token, name, kind, keyValue(r, token, name));
  }
  r.end();
  return result as unknown as Message;
}

/** A pattern: type, link, then any fields of that type, in the message's field order. */
function pattern(r: LineReader, ctx: Context): MessagePattern {
  const type = messageType(r);
  const { from, to } = link(r, ctx);
  const fields: Record<string, number | boolean | LogEntry[]> = {};
  const scalar = MESSAGE_FIELDS[type];
  const names = scalar.map(([n]) => n).join(', ');
  while (!r.atEnd()) {
    const token = r.take('a field');
    const eq = token.text.indexOf('=');
    const name = eq < 0 ? token.text : token.text.slice(0, eq);
    const spec = scalar.find(([n]) => n === name);
    if (eq < 0 || !spec) r.fail(`a field of ${type} to match (${names})=value`, token);
    const order = scalar.indexOf(spec);
    if (Object.keys(fields).some((k) => scalar.findIndex(([n]) => n === k) >= order)) {
      r.fail(`each field once, in the order ${names}`, token);
    }
    fields[name] = fieldValue(r, token, name, spec[1], token.text.slice(eq + 1)) as
      | number
      | boolean
      | LogEntry[];
  }
  return { type, from, to, fields };
}

function duration(r: LineReader): number {
  const token = r.take("a duration such as '500ms' or '5s'");
  const m = /^(0|[1-9][0-9]{0,6})(ms|s)$/.exec(token.text);
  if (!m) r.fail("a duration such as '500ms' or '5s'", token);
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

/** Optional `within D` or `for D`. */
function deadline(r: LineReader): { withinMs?: number; forMs?: number } {
  if (r.atEnd()) return {};
  const token = r.take("'within' or 'for'");
  if (token.text === 'within') return { withinMs: duration(r) };
  if (token.text === 'for') return { forMs: duration(r) };
  return r.fail("'within', 'for' or end of line", token);
}

const NODE_FIELDS = ['term', 'role', 'votedFor', 'commitIndex', 'lastLogIndex'] as const;

function subject(r: LineReader, ctx: Context): ClusterSubject {
  const expected = `a subject (term, leader, majority.term, or <node>.${NODE_FIELDS.join('|')})`;
  const token = r.take(expected);
  if (token.text === 'term' || token.text === 'leader') return { kind: token.text };
  if (token.text === 'majority.term') return { kind: 'majorityTerm' };
  const dot = token.text.indexOf('.');
  if (dot < 0) r.fail(expected, token);
  const node = nodeId(r, ctx, { text: token.text.slice(0, dot), column: token.column });
  const field = token.text.slice(dot + 1);
  if (!(NODE_FIELDS as readonly string[]).includes(field)) {
    r.fail(`a node field (${NODE_FIELDS.join(', ')})`, { text: field, column: token.column + dot + 1 });
  }
  return { kind: 'node', node, field: field as (typeof NODE_FIELDS)[number] };
}

function clusterValue(r: LineReader): ClusterValue {
  const token = r.take('a value (a number, a name, or $var, $var+1)');
  const m = /^(\$[a-z][A-Za-z0-9_]*)([+-](?:0|[1-9][0-9]{0,5}))?$/.exec(token.text);
  if (m) return { kind: 'var', name: m[1], offset: m[2] ? Number(m[2]) : 0 };
  if (NAT.test(token.text)) return { kind: 'number', value: Number(token.text) };
  if (/^[A-Za-z][A-Za-z0-9_]*$/.test(token.text)) return { kind: 'text', value: token.text };
  return r.fail('a value (a number, a name, or $var, $var+1)', token);
}

const OPS: readonly CompareOp[] = ['==', '!=', '<', '<=', '>', '>='];

function value(r: LineReader): string {
  const token = r.take('a value (letters, digits, _ . -)');
  if (!VALUE.test(token.text)) r.fail('a value (letters, digits, _ . -)', token);
  return token.text;
}

function expectInput(r: LineReader, ctx: Context): ClusterInput {
  const first = r.peek();
  if (first?.text === 'no') {
    r.word('no');
    r.word('leader');
    r.word('for');
    const forMs = duration(r);
    r.end();
    return { kind: 'expectNoLeader', forMs };
  }
  if (first?.text === 'committed' || first?.text === 'not') {
    const negated = first.text === 'not';
    if (negated) r.take('not');
    r.word('committed');
    const v = value(r);
    const d = deadline(r);
    r.end();
    return { kind: 'expectCommitted', value: v, negated, ...d };
  }
  if (first?.text === 'leader' && r.tokens[2]?.text === 'within') {
    r.word('leader');
    r.word('within');
    const withinMs = duration(r);
    r.end();
    return { kind: 'expectLeader', withinMs };
  }
  const s = subject(r, ctx);
  const opToken = r.take(`a comparison (${OPS.join(' ')})`);
  if (!(OPS as readonly string[]).includes(opToken.text)) r.fail(`a comparison (${OPS.join(' ')})`, opToken);
  const v = clusterValue(r);
  const d = deadline(r);
  r.end();
  return { kind: 'expect', subject: s, op: opToken.text as CompareOp, value: v, ...d };
}

const STEP_KEYWORDS = 'timeout, heartbeat, propose, crash, restart, deliver, drop, duplicate, inject, tick';
const CLUSTER_KEYWORDS = 'kill, start, partition, cut, heal, wait, submit, expect, capture, repeat';

/** One input line (not `repeat`'s body). */
function input(r: LineReader, ctx: Context, mode: ClusterSpec['mode']): ScenarioInput {
  const expected = `a ${mode}-mode step (${mode === 'step' ? STEP_KEYWORDS : CLUSTER_KEYWORDS})`;
  const keyword = r.take(expected);
  if (mode === 'cluster' && keyword.text === 'expect') return expectInput(r, ctx);
  const result = mode === 'step' ? stepInput(r, ctx, keyword.text) : clusterInput(r, ctx, keyword.text);
  if (result === null) return r.fail(expected, keyword);
  r.end();
  return result;
}

/** A step-mode input after its keyword (null: not a step-mode keyword). */
function stepInput(r: LineReader, ctx: Context, keyword: string): ScenarioInput | null {
  const node = () => nodeId(r, ctx, r.take('a node id'), false);
  switch (keyword) {
    case 'timeout':
    case 'heartbeat':
    case 'crash':
    case 'restart':
      return { kind: keyword, node: node() };
    case 'propose':
      return { kind: 'propose', node: node(), value: value(r) };
    case 'tick': {
      const at = node();
      const token = r.take('a number of ticks');
      const ticks = nat(r, token, 'a number of ticks');
      if (ticks === 0) r.fail('a number of ticks ≥ 1', token);
      return { kind: 'tick', node: at, ticks };
    }
    case 'deliver':
    case 'drop':
    case 'duplicate':
      return { kind: keyword, pattern: pattern(r, ctx) };
    case 'inject':
      return { kind: 'inject', message: message(r, ctx) };
    default:
      return null;
  }
}

/** A cluster-mode input after its keyword, but `expect` (null: not a cluster-mode keyword). */
function clusterInput(r: LineReader, ctx: Context, keyword: string): ScenarioInput | null {
  switch (keyword) {
    case 'kill':
      return { kind: 'kill', node: target(r, ctx, ROLE_TARGETS) };
    case 'start':
      return { kind: 'start', node: target(r, ctx, []) };
    case 'submit':
      return { kind: 'submit', node: target(r, ctx, ['leader']), value: value(r) };
    case 'heal':
      return { kind: 'heal' };
    case 'wait':
      return { kind: 'wait', ms: duration(r) };
    case 'partition':
      return partition(r, ctx);
    case 'cut':
      return cut(r, ctx);
    case 'capture': {
      const name = r.take('a variable such as $t');
      if (!VAR.test(name.text)) r.fail('a variable such as $t', name);
      r.word('=');
      return { kind: 'capture', name: name.text, subject: subject(r, ctx) };
    }
    case 'repeat': {
      const token = r.take('a repeat count');
      const count = nat(r, token, 'a repeat count');
      if (count < 1 || count > 1000) r.fail('a repeat count from 1 to 1000', token);
      return { kind: 'repeat', count, steps: [] };
    }
    default:
      return null;
  }
}

/** Role words a cluster step may aim at instead of a node id (resolved when it runs). */
const ROLE_TARGETS: readonly ClusterTarget[] = ['leader', 'follower'];

/** A node id, `$var` (a captured node id), or one of the `roles` allowed here. */
function target(
  r: LineReader,
  ctx: Context,
  roles: readonly ClusterTarget[],
  token = r.take('a node id'),
): ClusterTarget {
  if (roles.includes(token.text) || VAR.test(token.text)) return token.text;
  if (!ctx.nodes.includes(token.text)) {
    const also = [...roles, '$var'].join(', ');
    r.fail(`a node of the cluster (${ctx.nodes.join(', ')}) or ${also}`, token);
  }
  return token.text;
}

function cut(r: LineReader, ctx: Context): ClusterInput {
  const from = target(r, ctx, ROLE_TARGETS);
  const arrow = r.take("'->' or '<->'");
  if (arrow.text !== '->' && arrow.text !== '<->') r.fail("'->' or '<->'", arrow);
  const toToken = r.take('a node id');
  const to = target(r, ctx, [...ROLE_TARGETS, 'rest'], toToken);
  if (to === from && to !== 'follower') r.fail('a node other than the first', toToken);
  return { kind: 'cut', from, to, bothWays: arrow.text === '<->' };
}

/** `+ 1` / `+1` after `leader`: that many followers join the leader's group. */
function plusFollowers(r: LineReader, token: Token): number | null {
  if (token.text !== '+' && !/^\+[1-9]$/.test(token.text)) return null;
  const count =
    token.text === '+' ? r.take('a number of followers') : { ...token, text: token.text.slice(1) };
  if (!/^[1-9]$/.test(count.text)) r.fail('a number of followers from 1 to 9', count);
  return Number(count.text);
}

function partition(r: LineReader, ctx: Context): ClusterInput {
  const groups: ClusterTarget[][] = [[]];
  const seen = new Set<ClusterTarget>();
  while (!r.atEnd()) {
    const token = r.take('a node id, leader, follower, rest or |');
    const current = groups[groups.length - 1];
    if (token.text === '|') {
      if (current.length === 0) r.fail('a node id before |', token);
      groups.push([]);
      continue;
    }
    const plus = plusFollowers(r, token);
    if (plus !== null) {
      if (current.at(-1) !== 'leader') r.fail("'+ N' right after leader", token);
      for (let i = 0; i < plus; i++) current.push('follower');
      continue;
    }
    const member = target(r, ctx, [...ROLE_TARGETS, 'rest'], token);
    if (seen.has(member) && member !== 'follower') r.fail('each node in one group only', token);
    seen.add(member);
    current.push(member);
  }
  if (groups[groups.length - 1].length === 0) r.fail('a node id');
  if (groups.length < 2) r.fail("at least two groups separated by '|'");
  return { kind: 'partition', groups };
}

// ------------------------------------------------------------------ parsing: observation

function role(r: LineReader): Role {
  const token = r.take(`a role (${ROLES.join(', ')})`);
  if (!(ROLES as readonly string[]).includes(token.text)) r.fail(`a role (${ROLES.join(', ')})`, token);
  return token.text as Role;
}

function votedFor(r: LineReader, ctx: Context, token: Token, raw: string): NodeId | null {
  if (raw === 'none') return null;
  return nodeId(r, ctx, { text: raw, column: token.column + 'votedFor='.length });
}

/** `key=<whole number>`. */
function natField(r: LineReader, key: string, what: string): number {
  const token = r.take(`'${key}=…'`);
  return nat(r, { text: keyValue(r, token, key), column: token.column + key.length + 1 }, what);
}

function votedForField(r: LineReader, ctx: Context): NodeId | null {
  const token = r.take("'votedFor=…'");
  return votedFor(r, ctx, token, keyValue(r, token, 'votedFor'));
}

function logField(r: LineReader): { log: LogEntry[]; token: Token } {
  const token = r.take("'log=…'");
  return { log: parseLog(r, token, keyValue(r, token, 'log'), 4), token };
}

function nodeObservation(r: LineReader, ctx: Context): NodeObservation {
  const node = nodeId(r, ctx, r.take('a node id'));
  const observedRole = role(r);
  const currentTerm = natField(r, 'term', 'a term');
  const vote = votedForField(r, ctx);
  const commitIndex = natField(r, 'commitIndex', 'a commit index');
  const { log } = logField(r);
  r.end();
  return { node, role: observedRole, currentTerm, votedFor: vote, log, commitIndex };
}

function observationLine(
  r: LineReader,
  ctx: Context,
  into: { nodes: NodeObservation[]; sent: Message[]; timers?: ('ElectionTimeout' | 'HeartbeatTimeout')[] },
): void {
  const first = r.peek();
  if (first?.text === 'send') {
    r.take('send');
    into.sent.push(message(r, ctx));
    return;
  }
  if (first?.text === 'timers') {
    r.take('timers');
    const timers: ('ElectionTimeout' | 'HeartbeatTimeout')[] = [];
    do {
      const token = r.take('ElectionTimeout or HeartbeatTimeout');
      if (token.text !== 'ElectionTimeout' && token.text !== 'HeartbeatTimeout') {
        r.fail('ElectionTimeout or HeartbeatTimeout', token);
      }
      timers.push(token.text);
    } while (!r.atEnd());
    into.timers = timers;
    return;
  }
  if (first !== undefined && !ctx.nodes.includes(first.text)) {
    r.fail(`an observation ('<node> <role> term=…', 'send <message>', 'timers …' or 'ok')`, first);
  }
  into.nodes.push(nodeObservation(r, ctx));
}

// ------------------------------------------------------------------ parsing: file

export interface ParseOptions {
  /** The file name shown in errors; also gives the scenario name. */
  readonly file?: string;
  /** Scenario name; defaults to the file's base name without `.txt`. */
  readonly name?: string;
}

export function scenarioNameOf(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.endsWith('.txt') ? base.slice(0, -4) : base;
}

function parseSource(r: LineReader, text: string, column: number): ScenarioSource {
  const curated = /^curated: (\S.*)$/.exec(text);
  if (curated) return { kind: 'curated', citation: curated[1] };
  const generated = /^generated by ([A-Za-z0-9_-]+), seed (0|[1-9][0-9]{0,9}), target (\S+)$/.exec(text);
  if (generated)
    return { kind: 'generated', generator: generated[1], seed: Number(generated[2]), target: generated[3] };
  return r.fail("'curated: <citation>' or 'generated by <generator>, seed <n>, target <target>'", {
    text,
    column,
  });
}

function splitList(r: LineReader, text: string, column: number, what: string): string[] {
  const items = text.split(', ');
  let k = column;
  for (const item of items) {
    if (item === '' || item.trim() !== item || item.includes(',')) {
      r.fail(`${what} separated by ', '`, { text: item, column: k });
    }
    k += item.length + 2;
  }
  return items;
}

function parseHeader(file: string, lines: readonly string[]): { header: ScenarioHeader; next: number } {
  const summary: string[] = [];
  const fields: Partial<Record<(typeof HEADER_FIELDS)[number], unknown>> = {};
  let i = 0;
  let inFields = false;
  for (; i < lines.length && lines[i].startsWith('#'); i++) {
    const raw = lines[i];
    const r = new LineReader(file, i + 1, raw);
    if (raw !== '#' && !raw.startsWith('# '))
      r.fail("'# ' followed by text, or '#' alone", { text: raw, column: 1 });
    const text = raw.slice(2);
    const m = /^([a-z]+): (.*)$/.exec(text);
    const key =
      m && (HEADER_FIELDS as readonly string[]).includes(m[1])
        ? (m[1] as (typeof HEADER_FIELDS)[number])
        : null;
    if (key === null) {
      if (inFields) r.fail(`a header field (${HEADER_FIELDS.join(':, ')}:)`, { text, column: 3 });
      summary.push(text);
      continue;
    }
    inFields = true;
    const valueColumn = 3 + key.length + 2;
    const valueText = (m as RegExpExecArray)[2];
    if (key in fields) r.fail(`each header field once`, { text: key, column: 3 });
    if (key === 'source') fields.source = parseSource(r, valueText, valueColumn);
    else if (key === 'bugs') {
      fields.bugs = splitList(r, valueText, valueColumn, 'bug class numbers').map((b, j, all) => {
        const column = valueColumn + all.slice(0, j).reduce((n, s) => n + s.length + 2, 0);
        return nat(r, { text: b, column }, 'a docs/bugs.md class number');
      });
    } else fields[key] = splitList(r, valueText, valueColumn, key);
  }
  while (summary.length > 0 && summary[summary.length - 1] === '') summary.pop();
  const at = new LineReader(file, i + 1, lines[i] ?? '');
  if (summary.length === 0) at.fail("a '# ' paragraph saying what the scenario tests", at.tokens[0]);
  if (!fields.source) at.fail("a '# source: …' header line", at.tokens[0]);
  return {
    header: {
      summary,
      references: (fields.references as string[] | undefined) ?? [],
      bugs: (fields.bugs as number[] | undefined) ?? [],
      source: fields.source as ScenarioSource,
      targets: (fields.targets as string[] | undefined) ?? [],
    },
    next: i,
  };
}

/** `situation leader-isolated`: one of CLUSTER_SITUATIONS. */
function situationName(r: LineReader): ClusterSituation {
  const names = Object.keys(CLUSTER_SITUATIONS);
  const token = r.take(`a situation (${names.join(', ')})`);
  if (!names.includes(token.text)) r.fail(`a situation (${names.join(', ')})`, token);
  r.end();
  return token.text as ClusterSituation;
}

/** The node ids after `cluster`: distinct, well formed, at most 9, sorted. */
function clusterNodes(first: LineReader): NodeId[] {
  const nodes: NodeId[] = [];
  do {
    const token = first.take('a node id such as n1');
    if (!NODE_ID.test(token.text))
      first.fail('a node id such as n1 (lower-case letter, then letters, digits, _)', token);
    if (nodes.includes(token.text)) first.fail('distinct node ids', token);
    nodes.push(token.text);
  } while (!first.atEnd());
  if (nodes.length > 9) first.fail('at most 9 nodes', first.tokens[10]);
  nodes.sort();
  return nodes;
}

/** `node n1 term=2 votedFor=n2 log=[1:x]`: a node's initial state, into `initial`; each node once. */
function initialNode(r: LineReader, ctx: Context, initial: Record<NodeId, InitialNodeState>): void {
  const idToken = r.take('a node id');
  const id = nodeId(r, ctx, idToken);
  if (initial[id]) r.fail('each node once', idToken);
  const currentTerm = natField(r, 'term', 'a term');
  const vote = votedForField(r, ctx);
  const { log, token: logToken } = logField(r);
  r.end();
  if (log.some((e) => e.term > currentTerm)) r.fail(`log entries with terms ≤ term=${currentTerm}`, logToken);
  initial[id] = { currentTerm, votedFor: vote, log };
}

function parseCluster(
  file: string,
  lines: readonly string[],
  start: number,
): { cluster: ClusterSpec; next: number } {
  let i = start;
  while (i < lines.length && lines[i] === '') i++;
  const first = new LineReader(file, i + 1, lines[i] ?? '');
  first.word('cluster');
  const nodes = clusterNodes(first);
  const ctx: Context = { file, nodes };
  let mode: ClusterSpec['mode'] = 'step';
  let situation: ClusterSituation | undefined;
  let features: ScenarioFeatures = { preVote: false, checkQuorum: false };
  const initial: Record<NodeId, InitialNodeState> = {};
  for (i++; i < lines.length && lines[i] !== ''; i++) {
    const r = new LineReader(file, i + 1, lines[i]);
    const keyword = r.take("'features', 'mode', 'situation' or 'node'");
    if (keyword.text === 'features') {
      features = featuresLine(r);
    } else if (keyword.text === 'mode') {
      const token = r.take("'step' or 'cluster'");
      if (token.text !== 'step' && token.text !== 'cluster') r.fail("'step' or 'cluster'", token);
      mode = token.text as ClusterSpec['mode'];
      r.end();
    } else if (keyword.text === 'situation') {
      situation = situationName(r);
    } else if (keyword.text === 'node') {
      initialNode(r, ctx, initial);
    } else {
      r.fail("'features', 'mode', 'situation', 'node' or a blank line", keyword);
    }
  }
  const sortedInitial: Record<NodeId, InitialNodeState> = {};
  for (const node of nodes) if (initial[node]) sortedInitial[node] = initial[node];
  if (situation !== undefined && mode !== 'cluster') {
    throw new ScenarioSyntaxError(file, start + 2, 1, 'situation only in mode cluster', "'situation'");
  }
  const cluster = { mode, nodes, features, initial: sortedInitial };
  return { cluster: situation === undefined ? cluster : { ...cluster, situation }, next: i };
}

const SWITCH_EXPECTED = `a switch of models/features.ts, as name or name=value (${FEATURE_NAMES.join(', ')}; raftkit features)`;

/**
 * `features preVote leaderStickiness=same-term backoff=hint`: each token is read by the
 * parser of `raftkit check --features` (models/features.ts `parseFeatureList`), so a file
 * names switches exactly as the checker does.
 */
function featuresLine(r: LineReader): ScenarioFeatures {
  const named: Record<string, boolean | string> = {};
  do {
    const token = r.take(SWITCH_EXPECTED);
    try {
      const entries = Object.entries(parseFeatureList(token.text));
      if (entries.length !== 1) r.fail(SWITCH_EXPECTED, token);
      const [[name, value]] = entries;
      if (name in named) r.fail('each switch once', token);
      named[name] = value;
    } catch (error) {
      if (!(error instanceof UnsupportedFeatureError)) throw error;
      r.fail(`${SWITCH_EXPECTED}: ${error.message}`, token);
    }
  } while (!r.atEnd());
  try {
    return scenarioFeaturesOf(named as Partial<Features>);
  } catch (error) {
    r.fail(`switches that fit together (${(error as Error).message})`, r.tokens[1]);
  }
}

function parseSteps(file: string, lines: readonly string[], start: number, cluster: ClusterSpec): Step[] {
  const ctx: Context = { file, nodes: cluster.nodes };
  const top: Step[] = [];
  const stack: { steps: Step[]; line: number }[] = [];
  let current = top;
  let i = start;
  while (i < lines.length) {
    const raw = lines[i];
    i++;
    if (raw === '') continue;
    const r = new LineReader(file, i, raw);
    if (closesRepeat(r, raw, stack.length)) {
      current = (stack.pop() as { steps: Step[]; line: number }).steps;
      continue;
    }
    if (r.tokens[0]?.text === '----') r.fail('a step before the ---- block', r.tokens[0]);
    const parsed = input(r, ctx, cluster.mode);
    if (parsed.kind === 'repeat') {
      const body: Step[] = [];
      current.push({ line: r.line, input: { ...parsed, steps: body } });
      stack.push({ steps: current, line: r.line });
      current = body;
      continue;
    }
    const block = lines[i] === '----' ? observationBlock(file, lines, i, ctx, cluster.mode) : null;
    if (block) i = block.next;
    current.push(
      block ? { line: r.line, input: parsed, expect: block.expect } : { line: r.line, input: parsed },
    );
  }
  if (stack.length > 0) {
    throw new ScenarioSyntaxError(
      file,
      lines.length,
      1,
      `'end' closing the repeat on line ${stack[stack.length - 1].line}`,
      'end of file',
    );
  }
  return top;
}

/**
 * Whether this line is the `end` of the innermost repeat (written at the body's indentation
 * or the repeat's); any other line must sit at the body's indentation exactly.
 */
function closesRepeat(r: LineReader, raw: string, depth: number): boolean {
  const closing =
    r.tokens[0]?.text === 'end' &&
    r.tokens.length === 1 &&
    depth > 0 &&
    [2 * depth, 2 * depth - 2].includes(r.tokens[0].column - 1);
  const indent = 2 * depth;
  if (!closing && (raw.slice(0, indent) !== ' '.repeat(indent) || raw[indent] === ' '))
    r.fail(`a step indented by ${indent} spaces`, r.tokens[0]);
  if (closing) {
    r.take('end');
    r.end();
  }
  return closing;
}

/** The `----` block after a step at line index `at`: what is observed, and the index after it. */
function observationBlock(
  file: string,
  lines: readonly string[],
  at: number,
  ctx: Context,
  mode: ClusterSpec['mode'],
): { expect: Observation; next: number } {
  if (mode === 'cluster')
    new LineReader(file, at + 1, lines[at]).fail(
      'no ---- block in mode cluster (cluster steps state expectations with expect)',
    );
  let i = at + 1;
  const into: {
    nodes: NodeObservation[];
    sent: Message[];
    timers?: ('ElectionTimeout' | 'HeartbeatTimeout')[];
  } = {
    nodes: [],
    sent: [],
  };
  if (lines[i] === 'ok') i++;
  else {
    const blockStart = i;
    for (; i < lines.length && lines[i] !== ''; i++)
      observationLine(new LineReader(file, i + 1, lines[i]), ctx, into);
    if (i === blockStart)
      new LineReader(file, i + 1, lines[i] ?? '').fail("an observation, or 'ok' when nothing is observed");
  }
  return { expect: into.timers ? into : { nodes: into.nodes, sent: into.sent }, next: i };
}

/** Parse a scenario file. Throws only `ScenarioSyntaxError`. */
export function parseScenario(text: string, options: ParseOptions = {}): Scenario {
  const file = options.file ?? '<scenario>';
  if (text.includes('\r')) {
    const line = text.slice(0, text.indexOf('\r')).split('\n').length;
    throw new ScenarioSyntaxError(file, line, 1, 'lines ending in \\n only', "'\\r'");
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const { header, next } = parseHeader(file, lines);
  if (lines[next] !== '' && next < lines.length) {
    new LineReader(file, next + 1, lines[next]).fail('a blank line after the header', {
      text: lines[next],
      column: 1,
    });
  }
  const { cluster, next: afterCluster } = parseCluster(file, lines, next);
  const steps = parseSteps(file, lines, afterCluster, cluster);
  if (steps.length === 0) {
    throw new ScenarioSyntaxError(file, lines.length + 1, 1, 'at least one step', 'end of file');
  }
  return { name: options.name ?? scenarioNameOf(file), header, cluster, steps };
}
