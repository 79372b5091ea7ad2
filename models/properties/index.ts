import type { ClusterBounds } from '../cluster/actions.ts';
import type { ClusterConfig } from '../cluster/config.ts';
import type { ClusterState } from '../cluster/state.ts';
import type { NodeState } from '../node/compiled.ts';

/**
 * The properties the model checker checks, as data (stateright's `always` / `sometimes`):
 * a name, an English sentence, the paper reference, and a predicate.
 *
 * - `always` properties must hold in every reachable state (a `state` predicate) or
 *   across every step a server takes (a `step` predicate over the server before and
 *   after, like a TLA+ action property);
 * - `sometimes` properties must hold in at least one reachable state: a witness that the
 *   matching `always` properties are not passing vacuously.
 */
export type PropertyKind = 'always' | 'sometimes';

interface PropertyBase {
  readonly name: string;
  readonly kind: PropertyKind;
  /** One English sentence, quoted or paraphrased from the paper. */
  readonly sentence: string;
  readonly reference: string;
}

export interface StateProperty extends PropertyBase {
  readonly scope: 'state';
  readonly holds: (config: ClusterConfig, state: ClusterState) => boolean;
  /** For a witness: why no state within these bounds can have it (undefined: one can). A
   * witness that cannot exist is "not applicable", not missing. */
  readonly impossible?: (config: ClusterConfig, bounds: ClusterBounds) => string | undefined;
  /** For an `always` property that states one switch's promise: why it says nothing in this
   * configuration (the switch is off; `holds` is then true everywhere). Reported "not
   * applicable", not PASS. */
  readonly vacuous?: (config: ClusterConfig) => string | undefined;
  /** Set when the property reads what an implementation does not report (a leader's
   * nextIndex and matchIndex, the model's switches), and says what: the fuzz oracle, which
   * evaluates properties on reported states, leaves it out. */
  readonly modelOnly?: string;
}

export interface StepProperty extends PropertyBase {
  readonly kind: 'always';
  readonly scope: 'step';
  /** The server that took the step, before and after it. */
  readonly holds: (before: NodeState, after: NodeState) => boolean;
}

export type Property = StateProperty | StepProperty;

// ------------------------------------------------------------------ always (Figure 3)

const electionSafety: StateProperty = {
  name: 'Election Safety',
  kind: 'always',
  scope: 'state',
  sentence: 'At most one leader can be elected in a given term.',
  reference: '§5.2, Figure 3',
  holds: (_config, state) => {
    const elections = state.history.elections; // sorted by term
    for (let k = 1; k < elections.length; k++) {
      if (elections[k].term === elections[k - 1].term) return false;
    }
    return true;
  },
};

const logMatching: StateProperty = {
  name: 'Log Matching',
  kind: 'always',
  scope: 'state',
  sentence:
    'If two logs contain an entry with the same index and term, then the logs are identical in all entries up through the given index.',
  reference: '§5.3, Figure 3',
  holds: (_config, state) => {
    const nodes = state.nodes;
    for (let a = 0; a < nodes.length; a++) {
      for (let b = a + 1; b < nodes.length; b++) {
        const x = nodes[a].context.log;
        const y = nodes[b].context.log;
        // The highest index where both hold an entry of the same term...
        let k = Math.min(x.length, y.length);
        while (k > 0 && x[k - 1].term !== y[k - 1].term) k--;
        // ...and every entry up through it must be identical.
        for (let i = 0; i < k; i++) {
          if (x[i].term !== y[i].term || x[i].value !== y[i].value) return false;
        }
      }
    }
    return true;
  },
};

const leaderAppendOnly: StepProperty = {
  name: 'Leader Append-Only',
  kind: 'always',
  scope: 'step',
  sentence: 'A leader never overwrites or deletes entries in its log; it only appends new entries.',
  reference: '§5.3, Figure 3',
  holds: (before, after) => {
    if (before.role !== 'leader' || after.role !== 'leader') return true;
    if (before.context.currentTerm !== after.context.currentTerm) return true;
    const old = before.context.log;
    const now = after.context.log;
    if (now.length < old.length) return false;
    for (let i = 0; i < old.length; i++) {
      if (old[i].term !== now[i].term || old[i].value !== now[i].value) return false;
    }
    return true;
  },
};

const leaderCompleteness: StateProperty = {
  name: 'Leader Completeness',
  kind: 'always',
  scope: 'state',
  sentence:
    'If a log entry is committed in a given term, then that entry will be present in the logs of the leaders for all higher-numbered terms.',
  reference: '§5.4, Figure 3',
  holds: (_config, state) => {
    for (const entry of state.history.committed) {
      for (const node of state.nodes) {
        if (node.role !== 'leader' || node.context.currentTerm <= entry.knownInTerm) continue;
        const mine = node.context.log[entry.index - 1];
        if (mine === undefined || mine.term !== entry.term || mine.value !== entry.value) return false;
      }
    }
    return true;
  },
};

const stateMachineSafety: StateProperty = {
  name: 'State Machine Safety',
  kind: 'always',
  scope: 'state',
  sentence:
    'If a server has applied a log entry at a given index to its state machine, no other server will ever apply a different log entry for the same index.',
  reference: '§5.4.3, Figure 3',
  holds: (_config, state) => {
    const committed = state.history.committed; // sorted by index
    for (let k = 1; k < committed.length; k++) {
      if (committed[k].index === committed[k - 1].index) return false;
    }
    return true;
  },
};

const termMonotonic: StepProperty = {
  name: 'Term monotonic',
  kind: 'always',
  scope: 'step',
  sentence: "A server's currentTerm increases monotonically, across crashes too (it is persistent).",
  reference: 'Figure 2 (State: currentTerm), §5.1',
  holds: (before, after) => after.context.currentTerm >= before.context.currentTerm,
};

const oneVotePerTerm: StepProperty = {
  name: 'One vote per term',
  kind: 'always',
  scope: 'step',
  sentence: 'Each server will vote for at most one candidate in a given term.',
  reference: '§5.2, Figure 2 (State: votedFor)',
  holds: (before, after) =>
    before.context.votedFor === null ||
    after.context.currentTerm !== before.context.currentTerm ||
    after.context.votedFor === before.context.votedFor,
};

const commitWithinLog: StateProperty = {
  name: 'commitIndex within log',
  kind: 'always',
  scope: 'state',
  sentence: "A server's commitIndex never exceeds the index of its last log entry.",
  reference: 'Figure 2 (State: commitIndex)',
  holds: (_config, state) => state.nodes.every((n) => n.context.commitIndex <= n.context.log.length),
};

// ------------------------------------------------------------------ always (terms and switches)

/** Whether some server holding the highest currentTerm of the cluster voted for itself in it. */
function highestTermHasItsCandidate(nodes: ClusterState['nodes']): boolean {
  let highest = 0;
  let started = false;
  for (const node of nodes) {
    const { currentTerm, votedFor, id } = node.context;
    if (currentTerm > highest) {
      highest = currentTerm;
      started = votedFor === id;
    } else if (currentTerm === highest && votedFor === id) {
      started = true;
    }
  }
  return highest === 0 || started;
}

/**
 * A term exists only because a candidate started it (§5.2: it increments its term and votes
 * for itself); while that term is the highest, the candidate cannot leave it (§5.1: only a
 * higher term moves a server) and its vote in it never changes (votedFor is persistent, one
 * per term). So a server that reaches a term by any other way (a term echoed in a pre-vote
 * refusal, say) shows up here. Crashed servers count: their term and vote are persistent.
 */
const termsStartedByCandidates: StateProperty = {
  name: 'Terms are started by candidates',
  kind: 'always',
  scope: 'state',
  sentence:
    'To begin an election, a follower increments its current term and votes for itself; so whenever the highest currentTerm of any server is above 0, a server holding that term has voted for itself in it.',
  reference: '§5.2, §5.1',
  holds: (_config, state) => highestTermHasItsCandidate(state.nodes),
};

/**
 * Every leader's nextIndex for each follower is above its matchIndex: the entries up to
 * matchIndex are known to match, so the next one to send lies beyond them (etcd-io/raft
 * tracker/progress.go:37 "Invariant: 0 <= Match < Next", kept by MaybeUpdate, :210, and by
 * MaybeDecrTo's floor Match + 1, :249).
 */
export function leadersKeepNextAboveMatch(state: ClusterState): boolean {
  for (const node of state.nodes) {
    if (node.role !== 'leader') continue;
    const { nextIndex, matchIndex } = node.context;
    for (const peer of Object.keys(nextIndex)) {
      if (nextIndex[peer] <= (matchIndex[peer] ?? 0)) return false;
    }
  }
  return true;
}

const nextIndexAboveMatch: StateProperty = {
  name: 'nextIndex above matchIndex',
  kind: 'always',
  scope: 'state',
  sentence:
    "With ignoreStaleRejections, every leader's nextIndex for each follower stays above its matchIndex: no rejection sends it back over entries known to match (not applicable without the switch).",
  reference: '§5.3, Figure 2 (State: nextIndex, matchIndex)',
  holds: (config, state) => !config.features.ignoreStaleRejections || leadersKeepNextAboveMatch(state),
  // Figure 2's own decrement may take nextIndex to matchIndex or below on a stale rejection.
  vacuous: (config) => (config.features.ignoreStaleRejections ? undefined : 'ignoreStaleRejections is off'),
  modelOnly: "a leader's nextIndex and matchIndex, and the ignoreStaleRejections switch",
};

// ------------------------------------------------------------------ sometimes (witnesses)

const leaderElected: StateProperty = {
  name: 'Leader elected',
  kind: 'sometimes',
  scope: 'state',
  sentence: 'Some server becomes leader (Election Safety is not vacuous).',
  reference: '§5.2',
  holds: (_config, state) => state.history.elections.length > 0,
  impossible: (_config, bounds) => (bounds.maxTerm < 1 ? 'no term above 0 within the bounds' : undefined),
};

const entryCommitted: StateProperty = {
  name: 'Entry committed',
  kind: 'sometimes',
  scope: 'state',
  sentence: 'Some log entry becomes committed (the log properties are not vacuous).',
  reference: '§5.3',
  holds: (_config, state) => state.history.committed.length > 0,
  impossible: (config, bounds) =>
    config.values.length === 0
      ? 'no client values to append (--values 0)'
      : bounds.maxLog < 1
        ? 'logs bounded to no entries (--max-log 0)'
        : undefined,
};

const leadershipChanges: StateProperty = {
  name: 'Leadership changes',
  kind: 'sometimes',
  scope: 'state',
  sentence: 'Two different servers are leaders in different terms (a leader is replaced).',
  reference: '§5.2',
  holds: (_config, state) => {
    const elections = state.history.elections;
    return elections.some((e) => e.leader !== elections[0].leader);
  },
  impossible: (config, bounds) =>
    config.nodes.length < 2
      ? 'one server cannot be replaced by another'
      : bounds.maxTerm < 2
        ? 'a second leader needs a second term (--max-term 1 or less)'
        : undefined,
};

/** Every property, in the order reports list them. */
export const PROPERTIES: readonly Property[] = [
  electionSafety,
  logMatching,
  leaderAppendOnly,
  leaderCompleteness,
  stateMachineSafety,
  termMonotonic,
  oneVotePerTerm,
  commitWithinLog,
  termsStartedByCandidates,
  nextIndexAboveMatch,
  leaderElected,
  entryCommitted,
  leadershipChanges,
];

export function propertyNamed(name: string): Property {
  const property = PROPERTIES.find((p) => p.name === name);
  if (!property)
    throw new Error(`no property named '${name}' (known: ${PROPERTIES.map((p) => p.name).join(', ')})`);
  return property;
}
