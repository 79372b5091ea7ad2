import type { Message, NodeId, PersistentState } from '../../models/types.ts';
import { ManualClock, nodeSeed } from './clock.ts';
import type { MutantName } from './mutants.ts';
import { type NodeStatus, RaftNode } from './node.ts';
import { MemoryStorage } from './storage.ts';
import { PAPER_BEHAVIOUR, REFERENCE_SWITCH_NAMES, type ReferenceSwitches } from './switches.ts';
import { Outbox } from './transport.ts';

/**
 * Step-mode harness of the reference implementation: a cluster of `RaftNode`s, each with
 * its own manual clock, memory storage and outbox, driven one input at a time. The
 * methods mirror the commands of `conformance/PROTOCOL.md`; the in-process adapter calls
 * them directly and `raftkit serve-reference` exposes them over stdio.
 */

export interface HarnessCreate {
  readonly nodes: readonly NodeId[];
  readonly features: {
    readonly preVote: boolean;
    readonly checkQuorum: boolean;
    readonly leaderNoOp?: boolean;
  };
  readonly initial: Readonly<Record<NodeId, PersistentState>>;
  readonly timing: {
    readonly electionTicks: number;
    readonly heartbeatTicks: number;
    readonly randomized: boolean;
  };
  readonly seed: number;
}

export interface HarnessCreated {
  readonly electionTimeoutTicks: { readonly min: number; readonly max: number };
  readonly heartbeatTicks: number;
  readonly states: readonly NodeStatus[];
}

export interface HarnessStep {
  readonly state: NodeStatus;
  readonly messages: readonly Message[];
}

/** An error the harness reports with a protocol error code (PROTOCOL.md §8). */
export class HarnessError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

interface Member {
  readonly node: RaftNode;
  readonly clock: ManualClock;
  readonly outbox: Outbox;
}

/** How to build the reference: with the leader no-op (thesis §8) and with implementation variants. */
export interface HarnessOptions {
  readonly leaderNoOp?: boolean;
  readonly switches?: Partial<ReferenceSwitches>;
}

/** The switches set away from Figure 2's behaviour, as `name` or `name=value` (for the implementation's name). */
export function switchesText(switches: Partial<ReferenceSwitches>): string {
  return REFERENCE_SWITCH_NAMES.filter(
    (name) => switches[name] !== undefined && switches[name] !== PAPER_BEHAVIOUR[name],
  )
    .map((name) => (switches[name] === true ? name : `${name}=${switches[name]}`))
    .join(',');
}

export class ReferenceHarness {
  readonly implementation: string;
  /**
   * The reference can run with or without the leader no-op (thesis §8) and with any of its
   * switches (switches.ts); it declares exactly those it was built with, so the kit's oracle
   * runs the model with them and nothing else.
   */
  readonly features: {
    readonly preVote: boolean;
    readonly checkQuorum: boolean;
    readonly ticks: boolean;
    readonly restartWithPersistence: boolean;
    readonly leaderNoOp: boolean;
    readonly switches: Partial<ReferenceSwitches>;
  };
  private readonly switches: Partial<ReferenceSwitches>;
  private members = new Map<NodeId, Member>();

  constructor(
    readonly mutant?: MutantName,
    options: HarnessOptions = {},
  ) {
    const name = mutant ? `raftkit reference (mutant ${mutant})` : 'raftkit reference';
    const noOp = options.leaderNoOp ? `${name} with leader no-op` : name;
    const variants = switchesText(options.switches ?? {});
    this.implementation = variants === '' ? noOp : `${noOp} with ${variants}`;
    this.switches = options.switches ?? {};
    this.features = {
      preVote: true,
      checkQuorum: this.switches.checkQuorum === true,
      ticks: true,
      restartWithPersistence: true,
      leaderNoOp: options.leaderNoOp ?? false,
      switches: this.switches,
    };
  }

  create(spec: HarnessCreate): HarnessCreated {
    if (spec.features.checkQuorum && !this.switches.checkQuorum)
      throw new HarnessError(
        10,
        'this reference runs without CheckQuorum (build it with the checkQuorum switch)',
      );
    const min = spec.timing.electionTicks;
    const max = spec.timing.randomized ? 2 * spec.timing.electionTicks - 1 : spec.timing.electionTicks;
    this.members = new Map();
    for (const id of spec.nodes) {
      const clock = new ManualClock();
      const outbox = new Outbox();
      const initial = spec.initial[id];
      const node = new RaftNode({
        id,
        cluster: spec.nodes,
        preVote: spec.features.preVote,
        leaderNoOp: spec.features.leaderNoOp ?? false,
        switches: this.switches,
        transport: outbox,
        storage: new MemoryStorage(initial),
        clock,
        timing: {
          electionTimeoutMin: min,
          electionTimeoutMax: max,
          heartbeatInterval: spec.timing.heartbeatTicks,
        },
        seed: nodeSeed(spec.seed, id),
        mutant: this.mutant,
      });
      this.members.set(id, { node, clock, outbox });
    }
    return {
      electionTimeoutTicks: { min, max },
      heartbeatTicks: spec.timing.heartbeatTicks,
      states: [...this.members.values()].map((m) => m.node.status()),
    };
  }

  deliver(message: Message): HarnessStep {
    return this.stepAt(message.to, (node) => node.receive(message));
  }

  timeout(id: NodeId, timer: 'election' | 'heartbeat'): HarnessStep {
    return this.stepAt(id, (node) =>
      timer === 'election' ? node.electionTimeoutFired() : node.heartbeatTimeoutFired(),
    );
  }

  tick(id: NodeId, ticks: number): HarnessStep {
    const member = this.member(id);
    return this.stepAt(id, (node) => {
      for (let i = 0; i < ticks; i++) {
        member.clock.advance(1);
        node.tick();
      }
    });
  }

  propose(id: NodeId, value: string): HarnessStep {
    return this.stepAt(id, (node) => node.propose(value));
  }

  crash(id: NodeId): HarnessStep {
    return this.stepAt(id, (node) => node.crash());
  }

  restart(id: NodeId): HarnessStep {
    return this.stepAt(id, (node) => node.restart());
  }

  state(id: NodeId): NodeStatus {
    return this.member(id).node.status();
  }

  drain(id: NodeId): Message[] {
    return this.member(id).outbox.drain();
  }

  /** Every node's state and whatever they sent outside a step (nothing, in lockstep). */
  inspect(): { states: NodeStatus[]; messages: Message[] } {
    if (this.members.size === 0) throw new HarnessError(14, 'no cluster: send create first');
    const members = [...this.members.values()];
    return {
      states: members.map((m) => m.node.status()),
      messages: members.flatMap((m) => m.outbox.drain()),
    };
  }

  private member(id: NodeId): Member {
    if (this.members.size === 0) throw new HarnessError(14, 'no cluster: send create first');
    const member = this.members.get(id);
    if (!member) {
      throw new HarnessError(13, `unknown node '${id}' (cluster: ${[...this.members.keys()].join(', ')})`);
    }
    return member;
  }

  private stepAt(id: NodeId, action: (node: RaftNode) => void): HarnessStep {
    const member = this.member(id);
    action(member.node);
    return { state: member.node.status(), messages: member.outbox.drain() };
  }
}
