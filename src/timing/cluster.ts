import {
  type CompiledMachine,
  compileNodeMachine,
  initialNodeState,
  type Message,
  makeFeatures,
  type NodeId,
  type NodeInput,
  type NodeState,
  type Role,
  stepExplained,
  tickTimeouts,
} from '../../models/index.ts';
import type { TraceEvent } from '../trace/events.ts';
import type { Random } from './random.ts';

/**
 * A timed cluster: N model nodes, real-valued time, election timers with a tick, and a
 * network with random latency. Every vote, role change and message comes from stepping
 * the model (`models/`, compiled); this file only decides *when* inputs happen:
 *
 * - an election timer is drawn uniformly from [timeoutMin, timeoutMax] whenever it is
 *   (re)set, and is checked on a ticker: it fires at the first tick at or after its
 *   deadline. The ticker restarts when the node starts a new election (as in a
 *   `time.NewTicker` started by each new timer goroutine); tick 0 means exact timers;
 * - when a timer restarts is the model's rule (models/node/timers.ts): the election timer
 *   restarts (a new deadline drawn) when the model's step takes `resetElectionTimer`, and
 *   the ticker restarts with it when that step enters a campaign (candidate or
 *   pre-candidate); the heartbeat is scheduled when the step takes `resetHeartbeatTimer`.
 *   Which timer a role runs is the model's too (`tickTimeouts`);
 * - each message takes half a round trip, the round trip drawn uniformly from
 *   [rttMin, rttMax]; every timer firing and delivery gets up to `jitterMs` of
 *   scheduling delay;
 * - a leader sends heartbeats every `heartbeatMs`.
 */

export interface TimingConfig {
  readonly nodes: number;
  readonly timeoutMinMs: number;
  readonly timeoutMaxMs: number;
  readonly tickMs: number;
  readonly rttMinMs: number;
  readonly rttMaxMs: number;
  readonly heartbeatMs: number;
  readonly jitterMs: number;
  /** PreVote (thesis §9.6): a timed-out node first asks for pre-votes. */
  readonly preVote?: boolean;
}

type Pending =
  | { kind: 'timer'; node: number; generation: number }
  | { kind: 'heartbeat'; node: number; generation: number }
  | { kind: 'deliver'; message: Message };

interface Scheduled {
  readonly time: number;
  readonly tie: number;
  readonly item: Pending;
}

/** A binary min-heap on (time, tie). */
class Agenda {
  private readonly items: Scheduled[] = [];
  get size(): number {
    return this.items.length;
  }
  push(entry: Scheduled): void {
    const a = this.items;
    a.push(entry);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(a[i], a[parent])) break;
      [a[i], a[parent]] = [a[parent], a[i]];
      i = parent;
    }
  }
  pop(): Scheduled | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop() as Scheduled;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l], a[m])) m = l;
        if (r < a.length && before(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

function before(x: Scheduled, y: Scheduled): boolean {
  return x.time < y.time || (x.time === y.time && x.tie < y.tie);
}

interface Timer {
  deadline: number;
  phase: number;
  generation: number;
}

export type Recorder = (event: TraceEvent) => void;

export interface RoleChange {
  readonly time: number;
  readonly node: NodeId;
  readonly role: Role;
  readonly term: number;
}

export class TimedCluster {
  readonly ids: readonly NodeId[];
  readonly states: NodeState[];
  now = 0;
  private readonly agenda = new Agenda();
  private readonly timers: Timer[];
  private readonly heartbeatGeneration: number[];
  private readonly machine: CompiledMachine;
  private readonly index = new Map<NodeId, number>();
  private line = 0;
  /** Called on every role change, for the statistics of the caller. */
  onRoleChange: ((change: RoleChange) => void) | null = null;

  constructor(
    readonly config: TimingConfig,
    private readonly random: Random,
    private readonly record: Recorder | null = null,
    machine?: CompiledMachine,
  ) {
    this.machine = machine ?? compileNodeMachine();
    this.ids = Array.from({ length: config.nodes }, (_, i) => `n${i + 1}`);
    for (const [i, id] of this.ids.entries()) this.index.set(id, i);
    const features = makeFeatures({ preVote: config.preVote ?? false });
    this.states = this.ids.map((id) => initialNodeState({ id, cluster: this.ids, features }));
    this.timers = this.ids.map(() => ({ deadline: 0, phase: 0, generation: 0 }));
    this.heartbeatGeneration = this.ids.map(() => 0);
    if (record)
      record({
        line: 0,
        time: 0,
        node: this.ids[0],
        event: 'Cluster',
        nodes: this.ids,
        preVote: config.preVote ?? false,
      });
  }

  /** Simultaneous start: every node arms its election timer at time 0. */
  start(): void {
    for (let i = 0; i < this.ids.length; i++) this.restartTimer(i);
  }

  /** Run events until `stop()` is true or time passes `untilMs`. Returns false when time ran out. */
  run(stop: () => boolean, untilMs: number): boolean {
    while (!stop()) {
      const next = this.agenda.pop();
      if (!next) return false;
      if (next.time > untilMs) {
        this.agenda.push(next);
        return false;
      }
      this.now = next.time;
      this.handle(next.item);
    }
    return true;
  }

  crash(node: number): void {
    this.apply(node, { type: 'Crash' });
  }

  restart(node: number): void {
    this.apply(node, { type: 'Restart' });
    this.restartTimer(node);
  }

  clientRequest(node: number, value: string): void {
    if (this.states[node].role === 'leader') this.apply(node, { type: 'ClientRequest', value });
  }

  private handle(item: Pending): void {
    switch (item.kind) {
      case 'timer': {
        if (item.generation !== this.timers[item.node].generation) return;
        if (!tickTimeouts(this.machine, this.states[item.node].role).includes('ElectionTimeout')) return;
        this.apply(item.node, { type: 'ElectionTimeout' });
        return;
      }
      case 'heartbeat': {
        if (item.generation !== this.heartbeatGeneration[item.node]) return;
        if (!tickTimeouts(this.machine, this.states[item.node].role).includes('HeartbeatTimeout')) return;
        this.apply(item.node, { type: 'HeartbeatTimeout' });
        return;
      }
      case 'deliver': {
        const to = this.index.get(item.message.to);
        if (to === undefined || this.states[to].role === 'crashed') return;
        this.apply(to, { type: 'Receive', message: item.message });
        return;
      }
    }
  }

  private apply(node: number, input: NodeInput): void {
    const before = this.states[node];
    const result = stepExplained(before, input, this.machine);
    const after = result.state;
    this.states[node] = after;
    const id = this.ids[node];
    if (this.record) this.recordInput(id, input);
    if (after.role !== before.role || after.context.currentTerm !== before.context.currentTerm) {
      // Logged before the timer it restarts, as implementations log "becomes Candidate" first.
      if (after.role !== before.role || after.role === 'candidate') this.recordRole(id, after);
      this.onRoleChange?.({ time: this.now, node: id, role: after.role, term: after.context.currentTerm });
    }
    this.followTimerResets(node, result.taken);
    for (const message of result.outputs) {
      this.record?.({ line: ++this.line, time: this.now, node: id, event: 'Send', message });
      const rtt = this.random.uniform(this.config.rttMinMs, this.config.rttMaxMs);
      this.schedule(this.now + rtt / 2 + this.jitter(), { kind: 'deliver', message });
    }
  }

  /** The timers the model's step restarted (models/node/timers.ts), as real-time deadlines. */
  private followTimerResets(
    node: number,
    taken: readonly { actions: readonly string[]; target: Role | null }[],
  ): void {
    // A leader runs no election timer (tickTimeouts): its reset on election arms nothing.
    const electionRuns = tickTimeouts(this.machine, this.states[node].role).includes('ElectionTimeout');
    for (const t of taken) {
      if (electionRuns && t.actions.includes('resetElectionTimer')) {
        const campaign = t.target === 'candidate' || t.target === 'preCandidate';
        if (campaign) this.restartTimer(node);
        else this.resetTimer(node);
      }
      if (t.actions.includes('resetHeartbeatTimer')) {
        this.heartbeatGeneration[node]++;
        this.scheduleHeartbeat(node);
      }
    }
  }

  private recordInput(id: NodeId, input: NodeInput): void {
    const record = this.record as Recorder;
    const base = { line: ++this.line, time: this.now, node: id };
    switch (input.type) {
      case 'Receive':
        record({ ...base, event: 'Receive', message: input.message });
        return;
      case 'ClientRequest':
        record({ ...base, event: 'ClientRequest', value: input.value });
        return;
      case 'HeartbeatTimeout':
      case 'Crash':
      case 'Restart':
        record({ ...base, event: input.type });
        return;
      case 'ElectionTimeout':
        return; // shown by the BecomeCandidate that follows
    }
  }

  private recordRole(id: NodeId, state: NodeState): void {
    const events = {
      follower: 'BecomeFollower',
      preCandidate: 'BecomePreCandidate',
      candidate: 'BecomeCandidate',
      leader: 'BecomeLeader',
    } as const;
    if (state.role === 'crashed') return;
    const c = state.context;
    this.record?.({
      line: ++this.line,
      time: this.now,
      node: id,
      event: events[state.role],
      term: c.currentTerm,
      state: { currentTerm: c.currentTerm, votedFor: c.votedFor, commitIndex: c.commitIndex },
    });
  }

  private jitter(): number {
    return this.config.jitterMs > 0 ? this.random.uniform(0, this.config.jitterMs) : 0;
  }

  private draw(): number {
    return this.random.uniform(this.config.timeoutMinMs, this.config.timeoutMaxMs);
  }

  /** A new timer with a new ticker (new election, start, restart). */
  private restartTimer(node: number): void {
    const timer = this.timers[node];
    timer.phase = this.now;
    this.armTimer(node, this.draw());
  }

  /** The same ticker, a new deadline (vote granted, heartbeat from the leader). */
  private resetTimer(node: number): void {
    this.armTimer(node, this.draw());
  }

  private armTimer(node: number, timeoutMs: number): void {
    const timer = this.timers[node];
    timer.deadline = this.now + timeoutMs;
    timer.generation++;
    const tick = this.config.tickMs;
    const fire =
      tick > 0
        ? timer.phase + Math.max(1, Math.ceil((timer.deadline - timer.phase) / tick - 1e-9)) * tick
        : timer.deadline;
    this.record?.({
      line: ++this.line,
      time: this.now,
      node: this.ids[node],
      event: 'TimerStart',
      timeoutMs: Math.round(timeoutMs * 1000) / 1000,
      term: this.states[node].context.currentTerm,
    });
    this.schedule(fire + this.jitter(), { kind: 'timer', node, generation: timer.generation });
  }

  private scheduleHeartbeat(node: number): void {
    this.schedule(this.now + this.config.heartbeatMs, {
      kind: 'heartbeat',
      node,
      generation: this.heartbeatGeneration[node],
    });
  }

  private schedule(time: number, item: Pending): void {
    this.agenda.push({ time, tie: this.random.next(), item });
  }
}
