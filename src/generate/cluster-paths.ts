import {
  applyAction,
  type ClusterAction,
  type ClusterActionType,
  type ClusterBounds,
  type ClusterConfig,
  type ClusterState,
  initialClusterState,
  isQuorum,
  type Message,
  makeClusterConfig,
  type NodeState,
} from '../../models/index.ts';
import { findShortestPath } from '../explore/index.ts';
import { type Scenario, type Step, stepOfAction, withModelExpectations } from '../scenario/index.ts';
import { recordStep } from './coverage.ts';

/**
 * Cluster-level scenarios: for each target situation (first leader of a term, split vote,
 * Figure 8, …) the shortest path to it in the cluster model, found by the model checker's
 * breadth-first search (`findShortestPath` in src/explore), written as a scenario.
 * Deterministic: BFS in the cluster model's fixed action order; the seed is 0.
 */

export const CLUSTER_PATHS_GENERATOR = 'cluster-paths';

type Goal = (state: ClusterState, step: { from: ClusterState; action: ClusterAction } | null) => boolean;

export interface ClusterTarget {
  readonly id: string;
  readonly summary: string;
  readonly references: readonly string[];
  readonly bugs: readonly number[];
  readonly goal: Goal;
  /** Bounds of the search (and which environment actions it may take). */
  readonly bounds: ClusterBounds;
  readonly values: readonly string[];
  /** Which feature variants to generate: without PreVote, with it, or both. */
  readonly variants: readonly ('plain' | 'preVote')[];
}

const BOTH = ['plain', 'preVote'] as const;
const PLAIN = ['plain'] as const;

const NO_LOSS: ReadonlySet<ClusterActionType> = new Set([
  'ElectionTimeout',
  'HeartbeatTimeout',
  'ClientRequest',
  'Deliver',
]);
const WITH_CRASH: ReadonlySet<ClusterActionType> = new Set([...NO_LOSS, 'Crash', 'Restart']);

const elections: ClusterBounds = { maxTerm: 2, maxLog: 0, maxCopies: 1, maxCrashes: 0, actions: NO_LOSS };

/** A delivered message and its receiver's state before and after. */
interface Delivery {
  readonly message: Message;
  readonly before: NodeState;
  readonly after: NodeState;
}

/** The server stepped by `action` and its state before and after, when the action delivered a message. */
function delivered(
  config: ClusterConfig,
  step: { from: ClusterState; action: ClusterAction } | null,
  state: ClusterState,
): Delivery | null {
  if (step === null || step.action.type !== 'Deliver') return null;
  const i = config.nodes.indexOf(step.action.message.to);
  return { message: step.action.message, before: step.from.nodes[i], after: state.nodes[i] };
}

function guardFired(before: NodeState, message: Message, guard: string): boolean {
  const clean = { ...before, context: { ...before.context, outbox: [] } };
  return recordStep(clean, { type: 'Receive', message }).taken.some((t) => t.guard === guard);
}

function isPrefix(a: NodeState['context']['log'], b: NodeState['context']['log']): boolean {
  return a.length <= b.length && a.every((e, k) => e.term === b[k].term && e.value === b[k].value);
}

/** A goal met when the step delivered a message and `test` holds of it and its receiver. */
function onDelivery(cfg: ClusterConfig, test: (d: Delivery) => boolean): Goal {
  return (s, step) => {
    const d = delivered(cfg, step, s);
    return d !== null && test(d);
  };
}

/** A leader of the reply's term got a failed AppendEntries reply (it must back off and retry). */
function isRejectedAppendAtLeader(d: Delivery): boolean {
  return (
    d.message.type === 'AppendEntriesResponse' &&
    !d.message.success &&
    d.before.role === 'leader' &&
    d.before.context.currentTerm === d.message.term
  );
}

/** A candidate heard from every server without a majority, and another server campaigned in its term. */
function splitVote(cfg: ClusterConfig): Goal {
  return (s) =>
    s.nodes.some(
      (n) =>
        n.role === 'candidate' &&
        n.context.votesResponded.length === cfg.nodes.length &&
        !isQuorum(n.context, n.context.votesGranted) &&
        // another server campaigned in the same term: it voted for itself
        s.nodes.some(
          (o) =>
            o !== n && o.context.currentTerm === n.context.currentTerm && o.context.votedFor === o.context.id,
        ),
    );
}

/** A leader holds an entry of an earlier term, not yet committed, on a majority (Figure 8). */
function figure8(cfg: ClusterConfig): Goal {
  return (s) =>
    s.nodes.some((leader) => {
      if (leader.role !== 'leader') return false;
      const c = leader.context;
      for (let n = c.commitIndex + 1; n <= c.log.length; n++) {
        const entry = c.log[n - 1];
        if (entry.term >= c.currentTerm) continue;
        const holders = s.nodes.filter(
          (o) => o.context.log[n - 1]?.term === entry.term && o.context.log[n - 1]?.value === entry.value,
        );
        if (
          holders.length * 2 > s.nodes.length &&
          c.matchIndex[cfg.nodes[s.nodes.indexOf(holders.find((h) => h !== leader) as NodeState)]] >= n
        )
          return true;
      }
      return false;
    });
}

/** The cluster-level coverage targets of the issue, each with its search bounds. */
export function clusterTargets(config: (preVote: boolean) => ClusterConfig): ClusterTarget[] {
  const cfg = config(false);
  return [
    ...electionTargets(cfg),
    ...voteTargets(cfg),
    ...replicationTargets(cfg),
    ...persistenceAndRejectionTargets(cfg),
    ...recoveryTargets(cfg),
  ];
}

/** Elections: the first leader, a leader change, a split vote. */
function electionTargets(cfg: ClusterConfig): ClusterTarget[] {
  return [
    {
      id: 'cluster:first-leader',
      summary:
        'The first leader of a term: a server times out, collects a majority of votes and becomes leader.',
      references: ['§5.2'],
      bugs: [],
      goal: (s) => s.history.elections.length > 0,
      bounds: elections,
      values: [],
      variants: BOTH,
    },
    {
      id: 'cluster:leader-change',
      summary: 'A leader change: a second server is elected in a later term.',
      references: ['§5.2'],
      bugs: [5],
      goal: (s) => new Set(s.history.elections.map((e) => e.leader)).size >= 2,
      bounds: { ...elections, maxTerm: 2 },
      values: [],
      variants: PLAIN,
    },
    {
      id: 'cluster:split-vote',
      summary:
        'A split vote: a candidate hears from every server but has no majority (each voted for itself).',
      references: ['§5.2'],
      bugs: [8],
      goal: splitVote(cfg),
      bounds: { ...elections, maxTerm: 1 },
      values: [],
      variants: PLAIN,
    },
  ];
}

/** Votes denied (stale log, already voted) and a stale leader stepping down. */
function voteTargets(cfg: ClusterConfig): ClusterTarget[] {
  return [
    {
      id: 'cluster:vote-denied-stale-log',
      summary:
        'A vote denied for a stale log: the voter holds an entry the candidate lacks (§5.4.1 election restriction).',
      references: ['§5.4.1'],
      bugs: [4],
      goal: onDelivery(
        cfg,
        (d) =>
          d.message.type === 'RequestVoteRequest' && guardFired(d.before, d.message, 'candidateLogBehind'),
      ),
      bounds: { maxTerm: 2, maxLog: 1, maxCopies: 1, maxCrashes: 0, actions: NO_LOSS },
      values: ['x'],
      variants: BOTH,
    },
    {
      id: 'cluster:vote-denied-already-voted',
      summary: 'A vote denied because the voter already voted for another candidate in this term (§5.2).',
      references: ['§5.2'],
      bugs: [2],
      goal: onDelivery(
        cfg,
        (d) => d.message.type === 'RequestVoteRequest' && guardFired(d.before, d.message, 'votedForAnother'),
      ),
      bounds: { ...elections, maxTerm: 1 },
      values: [],
      variants: BOTH,
    },
    {
      id: 'cluster:stale-leader-steps-down',
      summary: 'A stale leader steps down: a leader hears of a higher term and becomes a follower (§5.1).',
      references: ['§5.1', 'Figure 2'],
      bugs: [5],
      goal: (s, step) => {
        if (step === null) return false;
        return s.nodes.some((n, i) => step.from.nodes[i].role === 'leader' && n.role === 'follower');
      },
      bounds: elections,
      values: [],
      variants: BOTH,
    },
  ];
}

/** Replication: a commit, a repaired log conflict, the Figure 8 situation. */
function replicationTargets(cfg: ClusterConfig): ClusterTarget[] {
  return [
    {
      id: 'cluster:entry-committed',
      summary:
        'An entry committed: the leader replicates a client entry on a majority and advances commitIndex.',
      references: ['§5.3'],
      bugs: [],
      goal: (s) => s.history.committed.length > 0,
      bounds: { maxTerm: 1, maxLog: 1, maxCopies: 1, maxCrashes: 0, actions: NO_LOSS },
      values: ['x'],
      variants: BOTH,
    },
    {
      id: 'cluster:log-conflict-repaired',
      summary:
        'A log conflict repaired: a follower deletes a conflicting entry and takes the leader’s (§5.3).',
      references: ['§5.3', 'Figure 7'],
      bugs: [11],
      goal: onDelivery(
        cfg,
        (d) =>
          d.message.type === 'AppendEntriesRequest' && !isPrefix(d.before.context.log, d.after.context.log),
      ),
      bounds: { maxTerm: 2, maxLog: 1, maxCopies: 1, maxCrashes: 0, actions: NO_LOSS },
      values: ['x', 'y'],
      variants: PLAIN,
    },
    {
      id: 'cluster:figure-8',
      summary:
        'The Figure 8 situation: a leader holds an entry of an earlier term on a majority and must not commit it by counting replicas (§5.4.2).',
      references: ['§5.4.2', 'Figure 8'],
      bugs: [15],
      goal: figure8(cfg),
      bounds: { maxTerm: 2, maxLog: 1, maxCopies: 1, maxCrashes: 0, actions: NO_LOSS },
      values: ['x'],
      variants: PLAIN,
    },
  ];
}

/** A restart keeping the vote, a pre-vote denied by stickiness, a stale request rejected. */
function persistenceAndRejectionTargets(cfg: ClusterConfig): ClusterTarget[] {
  return [
    {
      id: 'cluster:crash-restart-keeps-vote',
      summary:
        'A crash and restart keep the vote: a server that voted crashes, restarts, and still holds currentTerm and votedFor (Figure 2 persistent state).',
      references: ['Figure 2'],
      bugs: [1],
      goal: (s, step) =>
        step !== null &&
        step.action.type === 'Restart' &&
        s.nodes.some(
          (n) => n.role === 'follower' && n.context.votedFor !== null && n.context.votedFor !== n.context.id,
        ),
      bounds: { maxTerm: 1, maxLog: 0, maxCopies: 1, maxCrashes: 1, actions: WITH_CRASH },
      values: [],
      variants: BOTH,
    },
    {
      id: 'cluster:prevote-denied-leader-stickiness',
      summary:
        'A pre-vote denied by leader stickiness: a follower that hears from a current leader does not help another server start an election (thesis §9.6).',
      references: ['thesis §4.2.3', 'thesis §9.6'],
      bugs: [9],
      goal: onDelivery(
        cfg,
        (d) => d.message.type === 'PreVoteRequest' && guardFired(d.before, d.message, 'hasCurrentLeader'),
      ),
      bounds: elections,
      values: [],
      variants: ['preVote'],
    },
    {
      id: 'cluster:stale-request-rejected',
      summary:
        'A request from an older term rejected: the reply carries the receiver’s newer currentTerm (Figure 2 receiver rule 1).',
      references: ['§5.1', 'Figure 2'],
      bugs: [5, 23],
      goal: onDelivery(cfg, (d) => guardFired(d.before, d.message, 'isStaleRequest')),
      bounds: elections,
      values: [],
      variants: BOTH,
    },
  ];
}

/** A candidate stepping down, re-election after a crash, an AppendEntries back-off. */
function recoveryTargets(cfg: ClusterConfig): ClusterTarget[] {
  return [
    {
      id: 'cluster:candidate-steps-down-on-append',
      summary:
        'A candidate that hears AppendEntries from the new leader of its term converts to follower (Figure 2 Candidates).',
      references: ['§5.2', 'Figure 2'],
      bugs: [],
      goal: onDelivery(
        cfg,
        (d) =>
          d.message.type === 'AppendEntriesRequest' &&
          d.before.role === 'candidate' &&
          d.after.role === 'follower',
      ),
      bounds: elections,
      values: [],
      variants: BOTH,
    },
    {
      id: 'cluster:reelection-after-crash',
      summary:
        'Re-election after the leader crashes: another server times out and is elected in a later term.',
      references: ['§5.2'],
      bugs: [],
      goal: (s) => s.history.crashes > 0 && new Set(s.history.elections.map((e) => e.leader)).size >= 2,
      bounds: { maxTerm: 2, maxLog: 0, maxCopies: 1, maxCrashes: 1, actions: WITH_CRASH },
      values: [],
      variants: PLAIN,
    },
    {
      id: 'cluster:append-rejected-backoff',
      summary:
        'A leader whose AppendEntries fails the consistency check decrements nextIndex and retries (Figure 2 Leaders).',
      references: ['§5.3', 'Figure 2'],
      bugs: [11],
      goal: onDelivery(cfg, isRejectedAppendAtLeader),
      bounds: { maxTerm: 2, maxLog: 1, maxCopies: 1, maxCrashes: 0, actions: NO_LOSS },
      values: ['x'],
      variants: PLAIN,
    },
  ];
}

/**
 * Five-server variants (issue 13): elections and commits that need 3 of 5. A search in a
 * five-server model explodes with the interleavings of the extra servers, so the path is
 * found in stages: the shortest path to the first leader, then from there to the target.
 */
const FIVE_NODE_TARGETS: Readonly<Record<string, readonly string[]>> = {
  'cluster:first-leader': [],
  'cluster:entry-committed': ['cluster:first-leader'],
  'cluster:leader-change': ['cluster:first-leader'],
};

interface Variant {
  readonly nodes: 3 | 5;
  readonly preVote: boolean;
}

function variantName(target: ClusterTarget, variant: Variant): string {
  const base = target.id.replace(/^cluster:/, '');
  return `${base}${variant.preVote ? '-prevote' : ''}${variant.nodes === 5 ? '-5-nodes' : ''}`;
}

function scenarioOf(
  target: ClusterTarget,
  config: ClusterConfig,
  actions: readonly ClusterAction[],
  variant: Variant,
): Scenario {
  const { preVote } = variant;
  let state = initialClusterState(config);
  const steps: Step[] = [];
  for (const action of actions) {
    steps.push({ line: 0, input: stepOfAction(state, action) });
    state = applyAction(config, state, action).state;
  }
  const scenario: Scenario = {
    name: variantName(target, variant),
    header: {
      summary: [
        target.summary,
        `The shortest path to it in the cluster model (${config.nodes.length} servers${preVote ? ', PreVote' : ''}), found by the`,
        variant.nodes === 5
          ? 'model checker’s breadth-first search (src/explore findShortestPath), first to a leader, then on.'
          : 'model checker’s breadth-first search (src/explore findShortestPath).',
      ],
      references: target.references,
      bugs: target.bugs,
      source: { kind: 'generated', generator: CLUSTER_PATHS_GENERATOR, seed: 0, target: target.id },
      targets: [target.id],
    },
    cluster: { mode: 'step', nodes: config.nodes, features: { preVote, checkQuorum: false }, initial: {} },
    steps,
  };
  return withModelExpectations(scenario);
}

/** The shortest path through each stage's goal in turn, then to the target's. */
function searchPath(
  config: ClusterConfig,
  target: ClusterTarget,
  stages: readonly ClusterTarget[],
): ClusterAction[] | null {
  let from = initialClusterState(config);
  const actions: ClusterAction[] = [];
  for (const goal of [...stages.map((s) => s.goal), target.goal]) {
    const path = findShortestPath(config, target.bounds, goal, { maxStates: 400_000, symmetry: true, from });
    if (path === null) return null;
    for (const action of path.actions) from = applyAction(config, from, action).state;
    actions.push(...path.actions);
  }
  return actions;
}

function variantsOf(target: ClusterTarget): Variant[] {
  const three = target.variants.map((v) => ({ nodes: 3 as const, preVote: v === 'preVote' }));
  return target.id in FIVE_NODE_TARGETS ? [...three, { nodes: 5, preVote: false }] : three;
}

/** One scenario per cluster-level target (and its PreVote and five-server variants where asked). */
export function clusterLevelScenarios(onProgress: (message: string) => void = () => {}): Scenario[] {
  const make = (nodes: number, preVote: boolean, values: readonly string[] = []) =>
    makeClusterConfig({ nodes, features: { preVote }, values });
  const scenarios: Scenario[] = [];
  for (const target of clusterTargets((preVote) => make(3, preVote))) {
    for (const variant of variantsOf(target)) {
      const what = `${target.id}${variant.preVote ? ' (PreVote)' : ''}${variant.nodes === 5 ? ' (5 servers)' : ''}`;
      onProgress(`cluster-level: searching for ${what}`);
      const config = make(variant.nodes, variant.preVote, target.values);
      const all = clusterTargets(() => config);
      const stages = (variant.nodes === 5 ? FIVE_NODE_TARGETS[target.id] : []).map(
        (id) => all.find((t) => t.id === id) as ClusterTarget,
      );
      const goal = all.find((t) => t.id === target.id) as ClusterTarget;
      const actions = searchPath(config, goal, stages);
      if (actions === null) throw new Error(`no path to ${what} within its bounds`);
      scenarios.push(scenarioOf(target, config, actions, variant));
    }
  }
  return scenarios;
}
