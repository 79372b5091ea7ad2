import { describe, expect, it } from 'vitest';
import {
  applyAction,
  type ClusterBounds,
  describeAction,
  enabledActions,
  initialClusterState,
  makeClusterConfig,
  messageKey,
  withinBounds,
} from '../../models/index.ts';

/**
 * The cluster model: servers stepped through the node statechart, a network bag, and the
 * environment's actions as data (raft.tla's Receive, DropMessage, DuplicateMessage,
 * Timeout, ClientRequest, Restart).
 */
const bounds: ClusterBounds = { maxTerm: 3, maxLog: 2, maxCopies: 2, maxCrashes: 1 };

describe('cluster model', () => {
  it('starts with every server a follower in term 0 and nothing in flight', () => {
    const config = makeClusterConfig();
    const state = initialClusterState(config);
    expect(config.nodes).toEqual(['n1', 'n2', 'n3']);
    expect(state.nodes.map((n) => [n.role, n.context.currentTerm, n.context.votedFor])).toEqual([
      ['follower', 0, null],
      ['follower', 0, null],
      ['follower', 0, null],
    ]);
    expect(state.network).toEqual([]);
  });

  it('lists the environment actions in a fixed order, leaving out inputs the statechart ignores', () => {
    const config = makeClusterConfig({ values: ['v1'] });
    const actions = enabledActions(config, initialClusterState(config), bounds).map(describeAction);
    // Followers have no HeartbeatTimeout or ClientRequest transition: only leaders do.
    expect(actions).toEqual([
      'ElectionTimeout n1',
      'Crash n1',
      'ElectionTimeout n2',
      'Crash n2',
      'ElectionTimeout n3',
      'Crash n3',
    ]);
  });

  it('a timeout steps one server and puts what it sends in flight (§5.2: "send RequestVote RPCs to all other servers")', () => {
    const config = makeClusterConfig();
    const { state, sent, stepped } = applyAction(config, initialClusterState(config), {
      type: 'ElectionTimeout',
      node: 'n1',
    });
    expect(stepped).toBe(0);
    expect(state.nodes[0].role).toBe('candidate');
    expect(sent.map((m) => `${m.type} ${m.from}->${m.to} t${m.term}`)).toEqual([
      'RequestVoteRequest n1->n2 t1',
      'RequestVoteRequest n1->n3 t1',
    ]);
    expect(state.network.map((f) => f.message)).toEqual(sent);
  });

  it('Deliver takes one copy out of the bag and the addressee receives it; Duplicate and Drop change only the bag', () => {
    const config = makeClusterConfig();
    let state = applyAction(config, initialClusterState(config), {
      type: 'ElectionTimeout',
      node: 'n1',
    }).state;
    const request = state.network[0].message;
    state = applyAction(config, state, { type: 'Duplicate', message: request }).state;
    expect(state.network[0].count).toBe(2);
    expect(withinBounds(state, { ...bounds, maxCopies: 1 })).toBe(false);
    state = applyAction(config, state, { type: 'Drop', message: request }).state;
    expect(state.network[0].count).toBe(1);
    const delivered = applyAction(config, state, { type: 'Deliver', message: request });
    expect(delivered.stepped).toBe(1);
    expect(delivered.state.nodes[1].context.votedFor).toBe('n1');
    expect(delivered.state.network.map((f) => messageKey(f.message))).not.toContain(messageKey(request));
    expect(delivered.sent).toEqual([
      { type: 'RequestVoteResponse', from: 'n2', to: 'n1', term: 1, voteGranted: true },
    ]);
  });

  it('names what was expected when an action refers to a message not in flight', () => {
    const config = makeClusterConfig();
    expect(() =>
      applyAction(config, initialClusterState(config), {
        type: 'Deliver',
        message: { type: 'RequestVoteResponse', from: 'n2', to: 'n1', term: 1, voteGranted: true },
      }),
    ).toThrow(/no message .* is in flight \(in flight: none\)/);
  });

  it('records elections and committed entries as history variables', () => {
    const config = makeClusterConfig({ values: ['v1'], network: { lossy: false, duplicating: false } });
    let state = initialClusterState(config);
    const take = (pick: (d: string) => boolean) => {
      const action = enabledActions(config, state, bounds).find((a) => pick(describeAction(a)));
      if (!action) throw new Error('no such action');
      state = applyAction(config, state, action).state;
    };
    take((d) => d === 'ElectionTimeout n1');
    take((d) => d.startsWith('Deliver RequestVoteRequest n1→n2'));
    take((d) => d.startsWith('Deliver RequestVoteResponse n2→n1'));
    expect(state.history.elections).toEqual([{ term: 1, leader: 'n1' }]);
    take((d) => d === "ClientRequest n1 'v1'");
    take((d) =>
      d.startsWith('Deliver AppendEntriesRequest n1→n2 term 1 (prevLogIndex 0, prevLogTerm 0, entries []'),
    );
    take((d) => d.startsWith('Deliver AppendEntriesResponse n2→n1'));
    take((d) => d === 'HeartbeatTimeout n1');
    take((d) =>
      d.includes('AppendEntriesRequest n1→n2 term 1 (prevLogIndex 0, prevLogTerm 0, entries [v1@1]'),
    );
    take((d) => d.startsWith('Deliver AppendEntriesResponse n2→n1 term 1 (success true, matchIndex 1)'));
    expect(state.nodes[0].context.commitIndex).toBe(1);
    expect(state.history.committed).toEqual([{ index: 1, term: 1, value: 'v1', knownInTerm: 1 }]);
  });

  it('rejects a cluster of more than 7 servers', () => {
    expect(() => makeClusterConfig({ nodes: 8 })).toThrow(/1 to 7 nodes, got 8/);
  });
});
