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

/** The server stepped by `action` and its state before and after, when the action delivered a message. */
function delivered(
  config: ClusterConfig,
  step: { from: ClusterState; action: ClusterAction } | null,
  state: ClusterState,
) {
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

/** The cluster-level coverage targets of the issue, each with its search bounds. */
export function clusterTargets(config: (preVote: boolean) => ClusterConfig): ClusterTarget[] {
  const cfg = config(false);
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
      goal: (s) =>
        s.nodes.some(
          (n) =>
            n.role === 'candidate' &&
            n.context.votesResponded.length === cfg.nodes.length &&
            !isQuorum(n.context, n.context.votesGranted) &&
            // another server campaigned in the same term: it voted for itself
            s.nodes.some(
              (o) =>
                o !== n &&
                o.context.currentTerm === n.context.currentTerm &&
                o.context.votedFor === o.context.id,
            ),
        ),
      bounds: { ...elections, maxTerm: 1 },
      values: [],
      variants: PLAIN,
    },
    {
      id: 'cluster:vote-denied-stale-log',
      summary:
        'A vote denied for a stale log: the voter holds an entry the candidate lacks (§5.4.1 election restriction).',
      references: ['§5.4.1'],
      bugs: [4],
      goal: (s, step) => {
        const d = delivered(cfg, step, s);
        return (
          d !== null &&
          d.message.type === 'RequestVoteRequest' &&
          guardFired(d.before, d.message, 'candidateLogBehind')
        );
      },
      bounds: { maxTerm: 2, maxLog: 1, maxCopies: 1, maxCrashes: 0, actions: NO_LOSS },
      values: ['x'],
      variants: BOTH,
    },
    {
      id: 'cluster:vote-denied-already-voted',
      summary: 'A vote denied because the voter already voted for another candidate in this term (§5.2).',
      references: ['§5.2'],
      bugs: [2],
      goal: (s, step) => {
        const d = delivered(cfg, step, s);
        return (
          d !== null &&
          d.message.type === 'RequestVoteRequest' &&
          guardFired(d.before, d.message, 'votedForAnother')
        );
      },
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
      goal: (s, step) => {
        const d = delivered(cfg, step, s);
        return (
          d !== null &&
          d.message.type === 'AppendEntriesRequest' &&
          !isPrefix(d.before.context.log, d.after.context.log)
        );
      },
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
      goal: (s) =>
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
        }),
      bounds: { maxTerm: 2, maxLog: 1, maxCopies: 1, maxCrashes: 0, actions: NO_LOSS },
      values: ['x'],
      variants: PLAIN,
    },
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
      goal: (s, step) => {
        const d = delivered(cfg, step, s);
        return (
          d !== null &&
          d.message.type === 'PreVoteRequest' &&
          guardFired(d.before, d.message, 'hasCurrentLeader')
        );
      },
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
      goal: (s, step) => {
        const d = delivered(cfg, step, s);
        return d !== null && guardFired(d.before, d.message, 'isStaleRequest');
      },
      bounds: elections,
      values: [],
      variants: BOTH,
    },
    {
      id: 'cluster:candidate-steps-down-on-append',
      summary:
        'A candidate that hears AppendEntries from the new leader of its term converts to follower (Figure 2 Candidates).',
      references: ['§5.2', 'Figure 2'],
      bugs: [],
      goal: (s, step) => {
        const d = delivered(cfg, step, s);
        return (
          d !== null &&
          d.message.type === 'AppendEntriesRequest' &&
          d.before.role === 'candidate' &&
          d.after.role === 'follower'
        );
      },
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
      goal: (s, step) => {
        const d = delivered(cfg, step, s);
        return (
          d !== null &&
          d.message.type === 'AppendEntriesResponse' &&
          !d.message.success &&
          d.before.role === 'leader' &&
          d.before.context.currentTerm === d.message.term
        );
      },
      bounds: { maxTerm: 2, maxLog: 1, maxCopies: 1, maxCrashes: 0, actions: NO_LOSS },
      values: ['x'],
      variants: PLAIN,
    },
  ];
}

function scenarioOf(
  target: ClusterTarget,
  config: ClusterConfig,
  actions: readonly ClusterAction[],
  preVote: boolean,
): Scenario {
  let state = initialClusterState(config);
  const steps: Step[] = [];
  for (const action of actions) {
    steps.push({ line: 0, input: stepOfAction(state, action) });
    state = applyAction(config, state, action).state;
  }
  const scenario: Scenario = {
    name: `${target.id.replace(/^cluster:/, '')}${preVote ? '-prevote' : ''}`,
    header: {
      summary: [
        target.summary,
        `The shortest path to it in the cluster model (${config.nodes.length} servers${preVote ? ', PreVote' : ''}), found by the`,
        'model checker’s breadth-first search (src/explore findShortestPath).',
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

/** One scenario per cluster-level target (and its PreVote variant where asked). */
export function clusterLevelScenarios(onProgress: (message: string) => void = () => {}): Scenario[] {
  const make = (preVote: boolean, values: readonly string[] = []) =>
    makeClusterConfig({ nodes: 3, features: { preVote }, values });
  const scenarios: Scenario[] = [];
  for (const target of clusterTargets((preVote) => make(preVote))) {
    for (const preVote of target.variants.map((v) => v === 'preVote')) {
      onProgress(`cluster-level: searching for ${target.id}${preVote ? ' (PreVote)' : ''}`);
      const config = make(preVote, target.values);
      const path = findShortestPath(config, target.bounds, target.goal, {
        maxStates: 400_000,
        symmetry: true,
      });
      if (path === null)
        throw new Error(`no path to ${target.id}${preVote ? ' (PreVote)' : ''} within its bounds`);
      scenarios.push(scenarioOf(target, config, path.actions, preVote));
    }
  }
  return scenarios;
}
