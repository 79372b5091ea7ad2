import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import type { Message, NodeId } from '../../models/types.ts';
import { describeIssues, errorReplySchema, replySchemas, truncate } from './protocol.ts';
import {
  AdapterError,
  type AdapterHello,
  type ClusterCreated,
  type ClusterInspection,
  type CreateCluster,
  ERROR_CODES,
  IMPLEMENTATION_FEATURE_NAMES,
  type ImplementationFeatures,
  isOn,
  type NodeStatus,
  PROTOCOL_VERSION,
  type StepAdapter,
  type StepCommand,
  type StepReply,
} from './types.ts';

/**
 * The kit side of `conformance/PROTOCOL.md`: spawn the adapter command in its own process
 * group (no shell), send NDJSON requests, and check every reply. Requests may be pipelined
 * (PROTOCOL.md §1): they queue in order, the replies must come back in that order, and the
 * per-step timeout runs for the oldest unanswered one. Requests made in the same turn of the
 * event loop go out in one pipe write: a pipe write that wakes the other process costs tens
 * of microseconds on a VM, more than checking a step against the model. Whatever goes
 * wrong — the process dies, hangs past the per-step timeout, writes something that is not
 * JSON or a reply of the wrong shape — becomes an `AdapterError` naming the cause, and the
 * whole process group is killed, so no child of the adapter survives it.
 */

export interface StdioAdapterOptions {
  /** The command line, split like a shell would (quotes respected), run without a shell. */
  readonly command: string;
  /** Per-request reply deadline. */
  readonly stepTimeoutMs: number;
  /** Reply deadline of the handshake (covers process start-up, e.g. `npx`). */
  readonly startTimeoutMs?: number;
  readonly cwd?: string;
  /** false: never pipeline, whatever the adapter declares (`--no-pipelining`). */
  readonly pipelining?: boolean;
}

/** Split a command line into words: spaces separate, '…' and "…" group, \ escapes. */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: '"' | "'" | null = null;
  let started = false;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < command.length) current += command[++i];
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      started = true;
    } else if (c === '\\' && i + 1 < command.length) {
      current += command[++i];
      started = true;
    } else if (/\s/.test(c)) {
      if (started) words.push(current);
      current = '';
      started = false;
    } else {
      current += c;
      started = true;
    }
  }
  if (quote) throw new Error(`unbalanced ${quote} in command: ${command}`);
  if (started) words.push(current);
  return words;
}

/** Process groups started by this kit; killed on exit whatever happens. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
  liveGroups.delete(pid);
}

/**
 * Adapters run in their own process group, so a Ctrl-C at the terminal does not reach
 * them: on exit, and on SIGINT/SIGTERM/SIGHUP (then re-raised, so the kit still dies of
 * it), kill every group still alive.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = () => {
    for (const pid of liveGroups) killGroup(pid);
  };
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      process.kill(process.pid, signal);
    });
  }
}

interface Pending {
  readonly id: number;
  readonly type: string;
  readonly line: string;
  readonly timeoutMs: number;
  readonly resolve: (value: Record<string, unknown>) => void;
  readonly reject: (error: AdapterError) => void;
}

const STDERR_LINES = 20;

export class StdioAdapter implements StepAdapter {
  readonly name: string;
  private child: ChildProcessWithoutNullStreams | null = null;
  /** Requests sent and not yet answered, oldest first (more than one when pipelined). */
  private queue: Pending[] = [];
  /** The per-step timeout of the oldest request in `queue`. */
  private watchdog: NodeJS.Timeout | null = null;
  private watchdogMs = 0;
  /** Request lines made in this turn of the event loop, written together at its end. */
  private outgoing = '';
  private buffer = '';
  private stderrLines: string[] = [];
  private stderrPartial = '';
  private nextId = 1;
  private failure: AdapterError | null = null;
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly options: StdioAdapterOptions) {
    this.name = options.command;
  }

  /** Whether the adapter process failed (exited, hung, wrote garbage); it is then killed. */
  get broken(): boolean {
    return this.failure !== null;
  }

  /** Whether requests are pipelined: the adapter did not refuse it (`init_ok.pipelining`)
   * and the kit was not told not to (`--no-pipelining`). */
  pipelining = false;

  /** Process id (= process group id) of the running adapter, for tests. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  stderrTail(): string {
    const lines = this.stderrPartial ? [...this.stderrLines, this.stderrPartial] : this.stderrLines;
    return lines.join('\n');
  }

  async hello(): Promise<AdapterHello> {
    this.start();
    const reply = await this.request(
      'init',
      { protocol: PROTOCOL_VERSION, kit: 'raftkit 0.1.0' },
      this.options.startTimeoutMs ?? Math.max(this.options.stepTimeoutMs, 30_000),
    );
    const body = this.check('init', replySchemas.init, reply);
    if (body.protocol !== PROTOCOL_VERSION) {
      throw this.fail(
        new AdapterError(
          'protocol-version',
          `adapter speaks protocol ${body.protocol}, the kit speaks ${PROTOCOL_VERSION}`,
          true,
        ),
      );
    }
    this.pipelining = body.pipelining !== false && this.options.pipelining !== false;
    const features = Object.fromEntries(
      IMPLEMENTATION_FEATURE_NAMES.map((name) => [name, isOn(body.features?.[name])]),
    ) as unknown as ImplementationFeatures;
    return {
      protocol: body.protocol,
      implementation: body.implementation ?? this.name,
      features,
      declaredFeatures: body.features ?? {},
      tolerances: body.tolerances ?? [],
    };
  }

  async create(spec: CreateCluster): Promise<ClusterCreated> {
    return this.check('create', replySchemas.create, await this.request('create', { ...spec }));
  }

  async step(command: StepCommand): Promise<StepReply> {
    const { type, ...fields } = command;
    return this.check(type, replySchemas.step, await this.request(type, fields));
  }

  async state(node: NodeId): Promise<NodeStatus> {
    return this.check('state', replySchemas.state, await this.request('state', { node })).state;
  }

  async drain(node: NodeId): Promise<readonly Message[]> {
    return this.check('drain', replySchemas.drain, await this.request('drain', { node }))
      .messages as Message[];
  }

  async inspect(): Promise<ClusterInspection> {
    return this.check(
      'inspect',
      replySchemas.inspect,
      await this.request('inspect', {}),
    ) as ClusterInspection;
  }

  async close(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin.end();
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, 300).unref());
      await Promise.race([this.exited, timeout]);
    }
    // The adapter's own children (npx → node, a Go binary, …) share its process group.
    if (child.pid !== undefined) killGroup(child.pid);
    await this.exited;
  }

  // ---------------------------------------------------------------- plumbing

  private start(): void {
    if (this.child) return;
    const [program, ...args] = splitCommand(this.options.command);
    if (!program) throw new AdapterError('exited', 'empty --adapter-cmd', true);
    installExitHook();
    const child = spawn(program, args, {
      cwd: this.options.cwd,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    if (child.pid !== undefined) liveGroups.add(child.pid);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => this.onStdout(chunk));
    child.stderr.on('data', (chunk: string) => this.onStderr(chunk));
    child.stdin.on('error', () => {}); // EPIPE after a crash: reported through 'exit'
    this.exited = new Promise((resolve) => {
      child.on('close', () => resolve());
      child.on('error', (error) => {
        this.fail(
          new AdapterError('exited', `could not start adapter '${this.name}': ${error.message}`, false),
        );
        resolve();
      });
    });
    child.on('exit', (code, signal) => {
      const how = signal ? `signal ${signal}` : `code ${code}`;
      const head = this.queue[0];
      const during = head ? ` while answering ${truncate(head.line, 120)}` : '';
      this.fail(new AdapterError('exited', `adapter exited (${how})${during}${this.stderrHint()}`, false));
    });
  }

  private stderrHint(): string {
    const tail = this.stderrTail().trim();
    if (!tail) return '';
    const last = tail.split('\n').slice(-3).join(' | ');
    return `; stderr: ${truncate(last, 300)}`;
  }

  private request(
    type: string,
    fields: object,
    timeoutMs = this.options.stepTimeoutMs,
  ): Promise<Record<string, unknown>> {
    if (this.failure) return Promise.reject(this.failure);
    const child = this.child;
    if (!child) return Promise.reject(new AdapterError('exited', 'adapter is not running', true));
    const id = this.nextId++;
    const line = JSON.stringify({ id, type, ...fields });
    return new Promise((resolve, reject) => {
      this.queue.push({ id, type, line, timeoutMs, resolve, reject });
      if (this.queue.length === 1) this.armWatchdog();
      if (this.outgoing === '') queueMicrotask(() => this.flushOutgoing());
      this.outgoing += `${line}\n`;
    });
  }

  private flushOutgoing(): void {
    const lines = this.outgoing;
    this.outgoing = '';
    if (lines !== '' && this.child && !this.failure) this.child.stdin.write(lines);
  }

  /** (Re)start the per-step timeout for the oldest unanswered request, or stop it. */
  private armWatchdog(): void {
    const head = this.queue[0];
    if (!head) {
      if (this.watchdog) clearTimeout(this.watchdog);
      this.watchdog = null;
      return;
    }
    if (this.watchdog && this.watchdogMs === head.timeoutMs) {
      this.watchdog.refresh();
      return;
    }
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdogMs = head.timeoutMs;
    this.watchdog = setTimeout(() => {
      const oldest = this.queue[0];
      if (!oldest) return;
      this.fail(
        new AdapterError(
          'hung',
          `adapter hung: no reply within ${oldest.timeoutMs} ms to ${truncate(oldest.line, 120)}`,
          false,
        ),
      );
    }, head.timeoutMs);
  }

  private onStdout(chunk: string): void {
    this.buffer += chunk;
    let newline = this.buffer.indexOf('\n');
    while (newline >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      newline = this.buffer.indexOf('\n');
      if (line !== '') this.onLine(line);
    }
  }

  private onLine(line: string): void {
    const pending = this.queue[0];
    if (!pending) {
      this.fail(
        new AdapterError('wrong-shape', `adapter wrote without being asked: ${truncate(line, 120)}`, false),
      );
      return;
    }
    const body = this.parseReply(line);
    if (body === undefined) return;
    if (body.in_reply_to !== pending.id) {
      this.fail(
        new AdapterError(
          'wrong-shape',
          `reply has the wrong shape: expected in_reply_to ${pending.id}, found ${truncate(JSON.stringify(body.in_reply_to), 40)} in ${truncate(line, 120)}`,
          false,
        ),
      );
      return;
    }
    this.queue.shift();
    this.armWatchdog();
    if (body.type === 'error') {
      rejectWithErrorReply(pending, body, line);
      return;
    }
    if (body.type !== `${pending.type}_ok`) {
      this.fail(
        new AdapterError(
          'wrong-shape',
          `reply has the wrong shape: expected type "${pending.type}_ok" or "error", found ${truncate(JSON.stringify(body.type), 40)}`,
          false,
        ),
      );
      pending.reject(this.failure!);
      return;
    }
    pending.resolve(body);
  }

  /** The reply as a JSON object, or undefined once the adapter is failed for writing anything else. */
  private parseReply(line: string): Record<string, unknown> | undefined {
    let reply: unknown;
    try {
      reply = JSON.parse(line);
    } catch {
      this.fail(
        new AdapterError('invalid-json', `adapter wrote invalid JSON: ${truncate(line, 120)}`, false),
      );
      return undefined;
    }
    if (reply === null || typeof reply !== 'object' || Array.isArray(reply)) {
      this.fail(
        new AdapterError(
          'invalid-json',
          `adapter wrote ${truncate(line, 80)}, expected a JSON object`,
          false,
        ),
      );
      return undefined;
    }
    return reply as Record<string, unknown>;
  }

  private onStderr(chunk: string): void {
    const text = this.stderrPartial + chunk;
    const lines = text.split('\n');
    this.stderrPartial = lines.pop() ?? '';
    this.stderrLines.push(...lines);
    if (this.stderrLines.length > STDERR_LINES)
      this.stderrLines.splice(0, this.stderrLines.length - STDERR_LINES);
  }

  /** Validate a reply body; a mismatch is a wrong-shape failure (and kills the adapter). */
  private check<T>(
    type: string,
    schema: {
      safeParse(
        value: unknown,
      ): { success: true; data: T } | { success: false; error: import('zod').ZodError };
    },
    body: Record<string, unknown>,
  ): T {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    throw this.fail(
      new AdapterError(
        'wrong-shape',
        `reply has the wrong shape: ${type}_ok ${describeIssues(parsed.error, body)}`,
        false,
      ),
    );
  }

  /** Record the first fatal failure, reject every request in flight, kill the process group. */
  private fail(error: AdapterError): AdapterError {
    if (!this.failure) this.failure = error;
    const queued = this.queue;
    this.queue = [];
    this.armWatchdog();
    for (const pending of queued) pending.reject(this.failure);
    const pid = this.child?.pid;
    if (pid !== undefined) killGroup(pid);
    return this.failure;
  }
}

/** An `error` reply (PROTOCOL.md): the step fails with the kind its code names (unknown codes: an implementation error). */
function rejectWithErrorReply(pending: Pending, body: Record<string, unknown>, line: string): void {
  const parsed = errorReplySchema.safeParse(body);
  const code = parsed.success ? parsed.data.code : 20;
  const known = ERROR_CODES[code] ?? { kind: 'implementation-error' as const, definite: false };
  const text = parsed.success ? (parsed.data.text ?? `error ${code}`) : line;
  const prefix = known.kind === 'implementation-error' ? 'implementation raised an error: ' : '';
  pending.reject(new AdapterError(known.kind, `${prefix}${text} (error ${code})`, known.definite));
}
