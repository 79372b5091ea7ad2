import type { Features, Message, NodeId, Role } from '../../models/index.ts';
import {
  AdapterError,
  type ClusterTiming,
  type NodeStatus,
  type StepAdapter,
  type StepCommand,
  type StepReply,
  steppedNode,
} from '../adapters/types.ts';
import type { StepFailure, ToleranceName } from '../conformance/index.ts';
import { pairRepliesWithRequest } from '../conformance/pair-replies.ts';
import { Random } from '../explore/random.ts';
import type { FuzzAction } from './actions.ts';
import { Chooser } from './chooser.ts';
import { FuzzNetwork } from './network.ts';
import { NodeModels } from './node-oracle.ts';
import { SafetyOracle } from './safety.ts';

/**
 * One fuzz run: create the cluster through the adapter, then take up to `depth`
 * environment actions — chosen by the seeded, coverage-biased `Chooser`, or replayed from a
 * script (shrinking) — handing the nodes the messages they themselves sent. After every
 * node step both oracles look: the model per node (node-oracle.ts) and the safety
 * properties across nodes (safety.ts). The run stops at the first violation, or at the
 * first adapter failure (a crash, hang or garbage: the diagnosis of PROTOCOL.md §8).
 *
 * Actions are taken in rounds of `batch`: the round's actions are chosen (or read from the
 * script) on what the cluster reported before the round, their commands are sent together
 * (one write over stdio, pipelined as PROTOCOL.md §1 allows), and then the replies are
 * judged in order and the messages they carry join the network. A round is the unit of the
 * run's meaning, not of its transport: an adapter that refuses pipelining gets the same
 * commands one at a time, and the run is the same (same seed, same batch, same run). A
 * round can name a node twice: the adapter carries out its commands in order.
 */

export interface FuzzSetup {
  readonly nodes: readonly NodeId[];
  readonly depth: number;
  readonly oracles: { readonly model: boolean; readonly safety: boolean };
  /**
   * The model's switches for the cluster: what `create.features` asks for (preVote,
   * checkQuorum, leaderNoOp) and every switch the adapter declares (`campaignFeatures`).
   */
  readonly features: Features;
  /** Actions the implementation supports: its own clock (`tick`), crash and restart. */
  readonly ticks: boolean;
  readonly crashes: boolean;
  readonly tolerances: ReadonlySet<ToleranceName>;
  readonly timing: ClusterTiming;
  /** Most messages in flight at once (network.ts). */
  readonly capacity: number;
  /** Whether the network may deliver an AppendEntries with a prefix of its entries (actions.ts); off when absent. */
  readonly shortAppends?: boolean;
  /** Actions per round (chosen on the state before the round, sent together); 1 when absent. */
  readonly batch?: number;
}

export type OracleKind = 'model' | 'safety' | 'adapter';

export interface RunFailure {
  readonly oracle: OracleKind;
  /** What broke: a property name, `step allowed by the model`, or the adapter failure kind. */
  readonly property: string;
  readonly diagnosis: string;
  /** The rule or property sentence, with its paper reference. */
  readonly rule: string;
  /** Index (1-based) of the action at which it showed. */
  readonly step: number;
  readonly node?: NodeId;
  /** Stderr of the adapter, for an adapter failure. */
  readonly stderr?: string;
  /** For the model oracle: the failing step in the shape of a `conform --report json` failure. */
  readonly detail?: StepDetail;
}

/**
 * A step the model does not allow, as `raftkit conform --report json` reports a failing
 * step (src/conformance StepFailure), so that one adapter's discrepancy classes
 * (conformance/adapters/<name>/classify.ts) read a fuzz failure as they read a step-mode one.
 */
export type StepDetail = Pick<
  StepFailure,
  'input' | 'differences' | 'missing' | 'unexpected' | 'expectedState' | 'actualState'
>;

/** An action the run took, with what the stepped node answered. */
export interface Taken {
  readonly action: FuzzAction;
  /** The message a deliver/drop/duplicate acted on. */
  readonly message?: Message;
  readonly command?: StepCommand;
  readonly reply?: StepReply;
}

export interface RunOutcome {
  readonly taken: readonly Taken[];
  /** Node steps (commands the adapter carried out). */
  readonly nodeSteps: number;
  readonly items: ReadonlySet<string>;
  readonly failure: RunFailure | null;
  readonly initial: readonly NodeStatus[];
}

/** The signature of a failure that shrinking preserves: oracle and property. */
export function failureSignature(f: RunFailure): string {
  return `${f.oracle}:${f.property}`;
}

export async function fuzzRun(
  adapter: StepAdapter,
  setup: FuzzSetup,
  seed: number,
  script?: readonly FuzzAction[],
): Promise<RunOutcome> {
  const run = new Run(adapter, setup, seed);
  try {
    await run.start();
    await run.drive(
      script ? scripted(script) : chosen(new Chooser(new Random(seed), setup.shortAppends), run, setup.depth),
    );
  } catch (error) {
    if (!(error instanceof AdapterError)) throw error;
    run.adapterFailed(error, run.taken.length);
  }
  return run.outcome();
}

/** The next action, or null at the end of the run. */
type ActionSource = () => FuzzAction | null;

function scripted(script: readonly FuzzAction[]): ActionSource {
  let at = 0;
  return () => (at < script.length ? script[at++] : null);
}

function chosen(chooser: Chooser, run: Run, depth: number): ActionSource {
  let taken = 0;
  return () => (taken++ < depth ? chooser.next(run) : null);
}

/** A node step sent and not yet judged: its entry in the history and its reply to come. */
interface InFlightStep {
  readonly entry: { action: FuzzAction; command: StepCommand; message?: Message; reply?: StepReply };
  /** 1-based index of the action in the run's history. */
  readonly index: number;
  readonly reply: Promise<{ reply: StepReply } | { error: unknown }>;
}

class Run {
  readonly network: FuzzNetwork;
  failure: RunFailure | null = null;
  readonly taken: Taken[] = [];
  /** Nodes crashed by the run's commands (known before their replies come). */
  private readonly down = new Set<NodeId>();
  private readonly items = new Set<string>();
  private readonly states = new Map<NodeId, NodeStatus>();
  private models!: NodeModels;
  private safety!: SafetyOracle;
  private initial: readonly NodeStatus[] = [];
  private nodeSteps = 0;
  /** Nodes stepped in the round being built. */
  private readonly stepped = new Set<NodeId>();
  /** Settles when the last command sent has its reply (or failed). */
  private lastSent: Promise<void> = Promise.resolve();

  constructor(
    private readonly adapter: StepAdapter,
    private readonly setup: FuzzSetup,
    private readonly seed: number,
  ) {
    this.network = new FuzzNetwork(setup.capacity);
  }

  // ChoiceView
  get nodes(): readonly NodeId[] {
    return this.setup.nodes;
  }
  get ticks(): boolean {
    return this.setup.ticks;
  }
  get crashes(): boolean {
    return this.setup.crashes;
  }
  get shortAppends(): boolean {
    return this.setup.shortAppends === true;
  }
  get electionTicks(): number {
    return this.setup.timing.electionTicks;
  }
  /** The role a node reported, or `crashed` when a crash was sent (a round's commands are known before their replies). */
  role(node: NodeId): Role {
    if (this.down.has(node)) return 'crashed';
    const reported = (this.states.get(node) as NodeStatus).role;
    return reported === 'crashed' ? 'follower' : reported;
  }
  modelState(node: NodeId) {
    return this.models.state(node);
  }

  async start(): Promise<void> {
    const { setup } = this;
    const created = await this.adapter.create({
      nodes: setup.nodes,
      features: {
        preVote: setup.features.preVote,
        checkQuorum: setup.features.checkQuorum,
        ...(setup.features.leaderNoOp ? { leaderNoOp: true } : {}),
      },
      initial: {},
      timing: setup.timing,
      seed: this.seed,
    });
    this.initial = created.states;
    for (const s of created.states) {
      this.states.set(s.id, s);
      if (s.role === 'crashed') this.down.add(s.id);
    }
    const timing = {
      electionMin: created.electionTimeoutTicks?.min ?? setup.timing.electionTicks,
      electionMax: created.electionTimeoutTicks?.max ?? setup.timing.electionTicks,
      heartbeat: created.heartbeatTicks ?? setup.timing.heartbeatTicks,
    };
    this.models = new NodeModels(setup.nodes, setup.features, timing, setup.tolerances, setup.oracles.model);
    this.safety = new SafetyOracle(created.states);
  }

  /**
   * Take the actions of `next` round by round until it ends or a failure shows. A round
   * ends after `batch` steps, and when nothing is left in flight (the rest would be timers
   * and clients only, not the mix of one-action rounds). The rule reads only the actions
   * and the network, so a replayed list of actions falls into the same rounds. A node may
   * be stepped twice in a round (the chooser prefers one that is not, whose state it knows).
   */
  async drive(next: ActionSource): Promise<void> {
    const batch = Math.max(1, this.setup.batch ?? 1);
    let steps: InFlightStep[] = [];
    const settleRound = async () => {
      for (const step of steps) await this.settle(step);
      steps = [];
      this.stepped.clear();
    };
    while (this.failure === null) {
      if (steps.length >= batch || (steps.length > 0 && this.network.size === 0)) await settleRound();
      const action = this.failure === null ? next() : null;
      if (action === null) break;
      const step = this.send(action);
      if (step) {
        steps.push(step);
        this.stepped.add(steppedNode(step.entry.command));
      }
    }
    await settleRound();
  }

  /** Whether the node is stepped in the round being built (the chooser prefers others). */
  busy(node: NodeId): boolean {
    return this.stepped.has(node);
  }

  /**
   * Apply an action now: a network action acts at once, a node step is sent (its reply is
   * judged in `settle`); one that does not apply now (its message is gone, …) is skipped.
   */
  private send(action: FuzzAction): InFlightStep | undefined {
    const command = this.commandFor(action);
    if (command === undefined) return undefined;
    if (command === null) {
      this.taken.push(this.environment(action));
      return undefined;
    }
    if (command.type === 'crash') this.down.add(command.node);
    if (command.type === 'restart') this.down.delete(command.node);
    const entry: InFlightStep['entry'] = {
      action,
      command,
      ...(command.type === 'deliver' ? { message: command.message } : {}),
    };
    this.taken.push(entry);
    const reply = this.stepInOrder(command).then(
      (reply) => ({ reply }),
      (error: unknown) => ({ error }),
    );
    return { entry, index: this.taken.length, reply };
  }

  /**
   * Send a command now to an adapter that takes requests ahead of their replies
   * (PROTOCOL.md §1), else once the previous command's reply is in (`pipelining: false`,
   * and in-process adapters, for which waiting costs nothing).
   */
  private stepInOrder(command: StepCommand): Promise<StepReply> {
    const reply = this.adapter.pipelining
      ? this.adapter.step(command)
      : this.lastSent.then(() => this.adapter.step(command));
    this.lastSent = reply.then(
      () => undefined,
      () => undefined,
    );
    return reply;
  }

  /** Judge a step's reply, in sending order; after a failure the rest are only awaited. */
  private async settle(step: InFlightStep): Promise<void> {
    const settled = await step.reply;
    if (this.failure !== null) return;
    if ('error' in settled) {
      if (!(settled.error instanceof AdapterError)) throw settled.error;
      this.adapterFailed(settled.error, step.index);
      return;
    }
    const { command } = step.entry;
    // The kit is the RPC layer between the nodes, as in step mode (pair-replies.ts): with
    // appendMatchFrom=request a success answers the AppendEntries it was sent for.
    const delivered = command.type === 'deliver' ? command.message : undefined;
    const switches: Partial<Features> = this.setup.features;
    const messages = pairRepliesWithRequest(switches, delivered, settled.reply.messages);
    const reply = { ...settled.reply, messages };
    step.entry.reply = reply;
    this.nodeSteps++;
    this.judge(command, reply, step.index);
  }

  private judge(command: StepCommand, reply: StepReply, step: number): void {
    const node = reply.state.id;
    this.states.set(node, reply.state);
    this.network.send(reply.messages);
    const verdict = this.models.step(node, command, reply);
    for (const item of verdict.items) this.items.add(item);
    if (verdict.violation) {
      const v = verdict.violation;
      this.failure = {
        oracle: 'model',
        property: 'step allowed by the model',
        diagnosis: `${v.diagnosis} (the model: ${v.modelTook})`,
        rule: v.rule,
        step,
        node,
        detail: v.detail,
      };
      return;
    }
    if (!this.setup.oracles.safety) return;
    const broken = this.safety.observe(reply.state);
    if (broken) {
      this.failure = {
        oracle: 'safety',
        property: broken.property,
        diagnosis: broken.diagnosis,
        rule: `${broken.sentence} (${broken.reference})`,
        step,
        node,
      };
    }
  }

  /**
   * The step command of an action; null for an action of the network alone; undefined
   * when the action does not apply now (a replayed script after shrinking).
   */
  private commandFor(action: FuzzAction): StepCommand | null | undefined {
    const up = (node: NodeId) => !this.down.has(node);
    switch (action.kind) {
      case 'deliver': {
        const message = this.network.take(action.key);
        return message ? { type: 'deliver', message } : undefined;
      }
      case 'deliverPrefix': {
        const message = this.setup.shortAppends ? this.network.take(action.key) : undefined;
        return message?.type === 'AppendEntriesRequest'
          ? { type: 'deliver', message: { ...message, entries: message.entries.slice(0, action.entries) } }
          : undefined;
      }
      case 'drop':
      case 'duplicate':
        return this.network.size > 0 && this.inFlight(action.key) ? null : undefined;
      case 'partition':
        return this.network.partitioned ? undefined : null;
      case 'heal':
        return this.network.partitioned ? null : undefined;
      case 'timeout':
      case 'heartbeat':
        return up(action.node)
          ? {
              type: 'timeout',
              node: action.node,
              timer: action.kind === 'timeout' ? 'election' : 'heartbeat',
            }
          : undefined;
      case 'tick':
        return up(action.node) && this.setup.ticks
          ? { type: 'tick', node: action.node, ticks: action.ticks }
          : undefined;
      case 'propose':
        return up(action.node) ? { type: 'propose', node: action.node, value: action.value } : undefined;
      case 'crash':
        return up(action.node) && this.setup.crashes ? { type: 'crash', node: action.node } : undefined;
      case 'restart':
        return up(action.node) ? undefined : { type: 'restart', node: action.node };
    }
  }

  private inFlight(key: string): boolean {
    for (let k = 0; k < this.network.size; k++) if (this.network.at(k).key === key) return true;
    return false;
  }

  /** Drop, duplicate, partition, heal: the network alone acts. */
  private environment(action: FuzzAction): Taken {
    switch (action.kind) {
      case 'drop':
        return { action, message: this.network.take(action.key) };
      case 'duplicate':
        return { action, message: this.network.copy(action.key) };
      case 'partition':
        this.network.partition(action.groups);
        return { action };
      default:
        this.network.heal();
        return { action };
    }
  }

  adapterFailed(error: AdapterError, step: number): void {
    this.failure = {
      oracle: 'adapter',
      property: error.kind,
      diagnosis: error.message,
      rule:
        error.kind === 'implementation-error'
          ? 'docs/bugs.md #23: a legal input (reordered, duplicated or old-term message) must not crash a node'
          : 'the step protocol (conformance/PROTOCOL.md)',
      step,
      ...(this.adapter.stderrTail?.() ? { stderr: this.adapter.stderrTail?.() } : {}),
    };
  }

  /** What the run did; after a failure, the actions up to it (a round may have sent more). */
  outcome(): RunOutcome {
    return {
      taken: this.failure ? this.taken.slice(0, this.failure.step) : this.taken,
      nodeSteps: this.nodeSteps,
      items: this.items,
      failure: this.failure,
      initial: this.initial,
    };
  }
}
