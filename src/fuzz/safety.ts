import {
  type ClusterHistory,
  type CommittedEntry,
  compareCommitted,
  type Election,
  EMPTY_HISTORY,
  type LogEntry,
  type NodeId,
  type NodeState,
  PROPERTIES,
  type Property,
  type StateProperty,
  type StepProperty,
} from '../../models/index.ts';
import type { NodeStatus } from '../adapters/types.ts';
import { formatState } from '../conformance/report.ts';
import { formatLog } from '../scenario/index.ts';

/**
 * Oracle (b) of a fuzz run, across nodes, on the states the implementation reports: the
 * Raft properties of models/properties (Election Safety, Log Matching, Leader
 * Completeness, State Machine Safety, commitIndex within the log, Terms are started by
 * candidates; Figure 3 and §5.2), evaluated on
 * a cluster made of the reported states and history variables kept from them (who was
 * leader in which term, which entries a node reported committed), plus what must survive a
 * restart (Figure 2, persistent state): a node's currentTerm never goes back, and an entry
 * at or below a commitIndex it reported is never lost or changed; while up, its
 * commitIndex never decreases.
 */

export interface SafetyViolation {
  readonly property: string;
  readonly sentence: string;
  readonly reference: string;
  readonly node: NodeId;
  readonly diagnosis: string;
}

/** The state properties a reported state can show (not those reading a leader's nextIndex or the switches: `modelOnly`). */
const CLUSTER_PROPERTIES = PROPERTIES.filter(
  (p): p is StateProperty => p.kind === 'always' && p.scope === 'state' && p.modelOnly === undefined,
);
/** Step properties over a node's consecutive steps while it is up (Term monotonic, One vote per term). */
const STEP_PROPERTIES = PROPERTIES.filter((p): p is StepProperty => p.scope === 'step');
const TERM_MONOTONIC = STEP_PROPERTIES.find((p) => p.name === 'Term monotonic') as StepProperty;

/**
 * The reported state in the shape the properties read (role, currentTerm, votedFor, log,
 * commitIndex). The properties read nothing else of a node.
 */
function asModelNode(s: NodeStatus): NodeState {
  return {
    role: s.role,
    context: {
      id: s.id,
      currentTerm: s.currentTerm,
      votedFor: s.votedFor,
      log: s.log,
      commitIndex: s.commitIndex,
    },
  } as unknown as NodeState;
}

interface Durable {
  /** The highest commitIndex the node reported, and its log prefix up to it then. */
  readonly committedPrefix: readonly LogEntry[];
  /** Its last state before it crashed (or its latest while up). */
  readonly lastUp: NodeStatus;
}

export class SafetyOracle {
  private readonly states = new Map<NodeId, NodeStatus>();
  /** The reported states in the properties' shape, in node order (kept, not rebuilt per step). */
  private readonly nodes: NodeState[] = [];
  private readonly order: NodeId[] = [];
  private readonly durable = new Map<NodeId, Durable>();
  private history: ClusterHistory = EMPTY_HISTORY;

  constructor(initial: readonly NodeStatus[]) {
    for (const s of initial) {
      this.states.set(s.id, s);
      this.order.push(s.id);
      this.nodes.push(asModelNode(s));
      this.durable.set(s.id, { committedPrefix: [], lastUp: s });
    }
  }

  /** The node took a step and reports `after`; the first property it breaks, if any. */
  observe(after: NodeStatus): SafetyViolation | null {
    const before = this.states.get(after.id) as NodeStatus;
    this.states.set(after.id, after);
    this.nodes[this.order.indexOf(after.id)] = asModelNode(after);
    this.record(after);
    return this.persistence(before, after) ?? this.stepProperties(before, after) ?? this.cluster(after.id);
  }

  private record(after: NodeStatus): void {
    if (after.role === 'crashed') return;
    const elections = addElection(this.history.elections, { term: after.currentTerm, leader: after.id });
    const committed = addCommitted(this.history.committed, after);
    if (after.role === 'leader' || committed !== this.history.committed)
      this.history = {
        ...this.history,
        elections: after.role === 'leader' ? elections : this.history.elections,
        committed,
      };
  }

  private persistence(before: NodeStatus, after: NodeStatus): SafetyViolation | null {
    const durable = this.durable.get(after.id) as Durable;
    const prefix = durable.committedPrefix;
    if (!startsWith(after.log, prefix)) {
      return violation(
        'Committed entries kept',
        'An entry at or below a commitIndex the server reported is never lost or changed, across crashes too (the log is persistent).',
        'Figure 2 (State), §5.4',
        after.id,
        `${after.id} reported commitIndex ${prefix.length} with log ${formatLog(prefix)}, now has log ${formatLog(after.log)}`,
      );
    }
    if (after.role !== 'crashed' && before.role !== 'crashed' && after.commitIndex < before.commitIndex) {
      return violation(
        'commitIndex monotonic',
        "A running server's commitIndex never decreases.",
        'Figure 2 (State: commitIndex "increases monotonically")',
        after.id,
        `${after.id}: commitIndex ${before.commitIndex} → ${after.commitIndex}`,
      );
    }
    if (after.role !== 'crashed' && !TERM_MONOTONIC.holds(asModelNode(durable.lastUp), asModelNode(after))) {
      return fromProperty(
        TERM_MONOTONIC,
        after.id,
        `${after.id}: currentTerm ${durable.lastUp.currentTerm} → ${after.currentTerm}${before.role === 'crashed' ? ' across a restart' : ''}`,
      );
    }
    const committedPrefix =
      after.commitIndex > prefix.length ? after.log.slice(0, after.commitIndex) : prefix;
    this.durable.set(after.id, {
      committedPrefix,
      lastUp: after.role === 'crashed' ? durable.lastUp : after,
    });
    return null;
  }

  private stepProperties(before: NodeStatus, after: NodeStatus): SafetyViolation | null {
    if (before.role === 'crashed' || after.role === 'crashed') return null;
    for (const p of STEP_PROPERTIES) {
      if (!p.holds(asModelNode(before), asModelNode(after)))
        return fromProperty(p, after.id, `${after.id}: ${formatState(before)} → ${formatState(after)}`);
    }
    return null;
  }

  private cluster(node: NodeId): SafetyViolation | null {
    const state = { nodes: this.nodes, network: [], history: this.history };
    for (const p of CLUSTER_PROPERTIES) {
      if (!p.holds(undefined as never, state)) return fromProperty(p, node, this.explain(p));
    }
    return null;
  }

  /** What the history shows for a broken property, in one line. */
  private explain(p: Property): string {
    if (p.name === 'Election Safety') {
      const e = this.history.elections;
      const twice = e.find((x, k) => k > 0 && e[k - 1].term === x.term) as Election;
      const both = e.filter((x) => x.term === twice.term).map((x) => x.leader);
      return `${both.join(' and ')} were both leader in term ${twice.term}`;
    }
    if (p.name === 'State Machine Safety') {
      const c = this.history.committed;
      const at = c.find((x, k) => k > 0 && c[k - 1].index === x.index) as CommittedEntry;
      const both = c.filter((x) => x.index === at.index).map((x) => `${x.term}:${x.value}`);
      return `entries ${both.join(' and ')} were both reported committed at index ${at.index}`;
    }
    return [...this.states.values()].map(formatState).join('; ');
  }
}

function addElection(elections: readonly Election[], e: Election): readonly Election[] {
  if (elections.some((x) => x.term === e.term && x.leader === e.leader)) return elections;
  return [...elections, e].sort((a, b) => a.term - b.term || (a.leader < b.leader ? -1 : 1));
}

/** Entries at or below the reported commitIndex join the history with the reporter's term. */
function addCommitted(committed: readonly CommittedEntry[], s: NodeStatus): readonly CommittedEntry[] {
  let out: CommittedEntry[] | null = null;
  for (let index = 1; index <= Math.min(s.commitIndex, s.log.length); index++) {
    const entry = {
      index,
      term: s.log[index - 1].term,
      value: s.log[index - 1].value,
      knownInTerm: s.currentTerm,
    };
    const list = out ?? committed;
    const at = list.findIndex((x) => compareCommitted(x, entry) === 0);
    if (at >= 0 && list[at].knownInTerm <= entry.knownInTerm) continue;
    out ??= [...committed];
    if (at >= 0) out[at] = entry;
    else out.push(entry);
  }
  return out ? out.sort(compareCommitted) : committed;
}

function startsWith(log: readonly LogEntry[], prefix: readonly LogEntry[]): boolean {
  if (log.length < prefix.length) return false;
  for (let k = 0; k < prefix.length; k++)
    if (log[k].term !== prefix[k].term || log[k].value !== prefix[k].value) return false;
  return true;
}

function violation(
  property: string,
  sentence: string,
  reference: string,
  node: NodeId,
  diagnosis: string,
): SafetyViolation {
  return { property, sentence, reference, node, diagnosis };
}

function fromProperty(p: Property, node: NodeId, diagnosis: string): SafetyViolation {
  return violation(p.name, p.sentence, p.reference, node, diagnosis);
}
