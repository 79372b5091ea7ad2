import { describe, expect, it } from 'vitest';
import { ElectionTracker } from '../../src/cluster/elections.ts';
import { fillTemplate, splitWords, TemplateError } from '../../src/cluster/impls/template.ts';
import { type FaultRecord, situationReached } from '../../src/cluster/situations.ts';
import {
  NotReachedError,
  type RoleView,
  resolveCut,
  resolveGroups,
  resolveTarget,
} from '../../src/cluster/targets.ts';
import { timeScaleFor } from '../../src/cluster/timing.ts';
import { formatInput, parseScenario, printScenario } from '../../src/scenario/index.ts';

/**
 * The pure parts of cluster mode, without processes: role targets, situations, the
 * election tracker, the command template, the time scale, and the scenario grammar for
 * them.
 */

const view = (over: Partial<RoleView> = {}): RoleView => ({
  nodes: ['n1', 'n2', 'n3'],
  leadership: { leader: 'n2', term: 3 },
  followers: ['n1', 'n3'],
  vars: new Map(),
  ...over,
});

describe('role targets', () => {
  it('partition leader | rest puts the leader alone; leader + 1 takes one follower', () => {
    expect(resolveGroups([['leader'], ['rest']], view())).toEqual([['n2'], ['n1', 'n3']]);
    expect(resolveGroups([['leader', 'follower'], ['rest']], view())).toEqual([['n2', 'n1'], ['n3']]);
  });

  it('cut leader -> follower picks a follower of the leader; -> rest cuts every link from it', () => {
    expect(resolveCut('leader', 'follower', view())).toEqual({ from: 'n2', to: ['n1'] });
    expect(resolveCut('leader', 'rest', view())).toEqual({ from: 'n2', to: ['n1', 'n3'] });
  });

  it('no leader or no follower to aim at is "not reached", not a failure', () => {
    expect(() => resolveTarget('leader', view({ leadership: null }), new Set())).toThrow(NotReachedError);
    expect(() => resolveGroups([['follower', 'follower', 'follower'], ['rest']], view())).toThrow(
      NotReachedError,
    );
    expect(resolveTarget('$l', view({ vars: new Map([['$l', 'n3']]) }), new Set())).toBe('n3');
    expect(() => resolveTarget('$t', view({ vars: new Map([['$t', 4]]) }), new Set())).toThrow(
      /not a node id/,
    );
  });
});

describe('situations', () => {
  const change = (atMs: number, leader: string, term: number) => ({
    from: null,
    to: { leader, term },
    atMs,
    tookMs: 100,
    initial: false,
    after: 'x',
  });
  const partition = (groups: string[][], leader: string | null, endedAtMs?: number): FaultRecord => ({
    kind: 'partition',
    atMs: 1000,
    groups,
    leaderBefore: leader === null ? null : { leader, term: 2 },
    running: 3,
    endedAtMs,
  });

  it('leader-isolated needs the leader in a minority and another leader elected while it lasts', () => {
    const record = (f: FaultRecord, changes = [change(1500, 'n2', 3)]) => ({
      clusterSize: 3,
      faults: [f],
      changes,
    });
    expect(situationReached('leader-isolated', record(partition([['n1'], ['n2', 'n3']], 'n1', 2000)))).toBe(
      true,
    );
    // The partition hit a follower: the leader kept its majority.
    expect(situationReached('leader-isolated', record(partition([['n1'], ['n2', 'n3']], 'n2', 2000)))).toBe(
      false,
    );
    // The new leader came only after the heal.
    expect(situationReached('leader-isolated', record(partition([['n1'], ['n2', 'n3']], 'n1', 1200)))).toBe(
      false,
    );
    expect(situationReached('follower-isolated', record(partition([['n1'], ['n2', 'n3']], 'n2')))).toBe(true);
  });

  it('leader-keeps-majority fails to be reached when leadership changed during the partition', () => {
    const f = partition([['n1', 'n2'], ['n3']], 'n1', 3000);
    expect(situationReached('leader-keeps-majority', { clusterSize: 3, faults: [f], changes: [] })).toBe(
      true,
    );
    expect(
      situationReached('leader-keeps-majority', {
        clusterSize: 3,
        faults: [f],
        changes: [change(2000, 'n2', 3)],
      }),
    ).toBe(false);
  });
});

describe('all-restarted', () => {
  it('needs a kill then a start of every node', () => {
    const f = (kind: 'kill' | 'start', node: string, atMs: number): FaultRecord => ({
      kind,
      node,
      atMs,
      leaderBefore: null,
      running: 2,
    });
    const faults = [f('kill', 'n1', 1), f('start', 'n1', 2), f('kill', 'n2', 3), f('start', 'n2', 4)];
    expect(situationReached('all-restarted', { clusterSize: 3, faults, changes: [] })).toBe(false);
    const all = [...faults, f('kill', 'n3', 5), f('start', 'n3', 6)];
    expect(situationReached('all-restarted', { clusterSize: 3, faults: all, changes: [] })).toBe(true);
  });
});

describe('election tracker', () => {
  it('times every leader change from the old leadership’s last standing sample, after the stability window', () => {
    const t = new ElectionTracker(300);
    t.observe({ leader: 'n1', term: 1 }, [], 100);
    t.observe({ leader: 'n1', term: 1 }, [], 450);
    expect(t.changes).toEqual([expect.objectContaining({ initial: true, tookMs: 100 })]);
    t.disrupted('kill n1', 1000, { leader: 'n1', term: 1 });
    t.observe(null, [], 1050);
    t.observe({ leader: 'n2', term: 2 }, [], 1600);
    expect(t.current).toBeNull(); // not yet stable
    t.observe({ leader: 'n2', term: 2 }, [], 1950);
    expect(t.current).toEqual({ leader: 'n2', term: 2 });
    expect(t.changes[1]).toMatchObject({ initial: false, tookMs: 600, after: 'kill n1' });
  });

  it('a leader deposed within the stability window is no election; a stale leader is timed from the heal', () => {
    const t = new ElectionTracker(300);
    t.observe({ leader: 'n1', term: 1 }, [], 0);
    t.observe({ leader: 'n1', term: 1 }, [], 300);
    t.observe({ leader: 'n2', term: 2 }, [], 400);
    t.observe({ leader: 'n3', term: 3 }, [], 500);
    t.observe({ leader: 'n3', term: 3 }, [], 850);
    expect(t.changes.map((c) => c.to.leader)).toEqual(['n1', 'n3']);
    t.healed(1000, [
      { leader: 'n1', term: 1 },
      { leader: 'n3', term: 3 },
    ]);
    t.observe(
      { leader: 'n3', term: 3 },
      [
        { leader: 'n1', term: 1 },
        { leader: 'n3', term: 3 },
      ],
      1100,
    );
    t.observe({ leader: 'n3', term: 3 }, [{ leader: 'n3', term: 3 }], 1250);
    expect(t.stepDowns).toEqual([{ node: 'n1', term: 1, tookMs: 250 }]);
  });
});

describe('command template (CLUSTER-PROTOCOL.md §1)', () => {
  it('splits like a shell for quotes only and fills every placeholder', () => {
    expect(splitWords(`sh -c 'echo "a b"' x`)).toEqual(['sh', '-c', 'echo "a b"', 'x']);
    const values = {
      id: 'n1',
      peerPort: '1',
      advertise: '127.0.0.1:2',
      peers: 'n2=127.0.0.1:3',
      httpPort: '4',
      dataDir: '/d',
      electionTimeoutMs: '500',
    };
    expect(fillTemplate('node --id={id} {peers} "{dataDir}/x y"', values)).toEqual([
      'node',
      '--id=n1',
      'n2=127.0.0.1:3',
      '/d/x y',
    ]);
    expect(() => fillTemplate('node {ip}', values)).toThrow(TemplateError);
    expect(() => splitWords('node "open')).toThrow(/unclosed/);
  });

  it('deadlines scale with the election timeout, never below the written ones', () => {
    expect(timeScaleFor(1000)).toBe(2);
    expect(timeScaleFor(150)).toBe(1);
    expect(timeScaleFor(150, 0.5)).toBe(0.5);
  });
});

describe('scenario grammar for cluster roles', () => {
  const text = [
    '# roles',
    '#',
    '# source: curated: test',
    '',
    'cluster n1 n2 n3',
    'mode cluster',
    'situation leader-keeps-majority',
    '',
    'expect leader within 5s',
    'capture $l = leader',
    'partition leader + 1 | rest',
    'cut leader -> follower',
    'kill follower',
    'submit $l x',
    'expect majority.term > 2 within 1s',
    '',
  ].join('\n');

  it('parses roles, leader + N, $var targets, majority.term and the situation, and prints them back', () => {
    const scenario = parseScenario(text, { file: 'roles.txt' });
    expect(scenario.cluster.situation).toBe('leader-keeps-majority');
    expect(scenario.steps[2].input).toEqual({
      kind: 'partition',
      groups: [['leader', 'follower'], ['rest']],
    });
    expect(formatInput(scenario.steps[3].input)).toBe('cut leader -> follower');
    expect(printScenario(scenario)).toBe(text);
  });

  it('rejects an unknown situation and + N not after leader, naming line and column', () => {
    expect(() =>
      parseScenario(text.replace('leader-keeps-majority', 'leader-gone'), { file: 'r.txt' }),
    ).toThrow(/r\.txt:7:11: expected a situation/);
    expect(() =>
      parseScenario(text.replace('leader + 1 | rest', 'n1 + 1 | rest'), { file: 'r.txt' }),
    ).toThrow(/right after leader/);
  });
});
