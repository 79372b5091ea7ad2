import { describe, expect, it } from 'vitest';
import { MESSAGE_TYPES, type Message } from '../../models/index.ts';
import {
  GENERATED_DIR,
  loadScenarios,
  messageOfStep,
  runOnModel,
  type Scenario,
  type StepInput,
  startModelRun,
  stepModelRun,
} from '../../src/scenario/index.ts';

/**
 * Issue 13, point 4: "`raftkit generate` also emits five-node paths, and paths where every
 * role receives a `tick` until its timer fires and where every message type arrives
 * duplicated, late (after a term change) and reordered". Each committed scenario is replayed
 * on the model and must reach what its name says (a scenario reaches its situation).
 */
const environment = loadScenarios([`${GENERATED_DIR}/environment`]);
const named = (name: string) => environment.find((s) => s.name === name) as Scenario;
const kebab = (type: string) => type.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();

/** Each step's delivered message and the model state before it. */
function deliveries(scenario: Scenario) {
  let run = startModelRun(scenario.cluster);
  const out: { message: Message; receiverTerm: number; sentAt: number }[] = [];
  const firstSeen = new Map<string, number>();
  scenario.steps.forEach((step, k) => {
    const input = step.input as StepInput;
    for (const f of run.state.network)
      if (!firstSeen.has(JSON.stringify(f.message))) firstSeen.set(JSON.stringify(f.message), k);
    const message = messageOfStep(run.state, input);
    if (input.kind === 'deliver' && message) {
      const receiver = run.state.nodes[run.config.nodes.indexOf(message.to)];
      out.push({
        message,
        receiverTerm: receiver.context.currentTerm,
        sentAt: firstSeen.get(JSON.stringify(message)) ?? -1,
      });
    }
    run = stepModelRun(run, input).run;
  });
  return out;
}

describe.each(MESSAGE_TYPES)('%s', (type) => {
  it('arrives duplicated: the same message delivered twice (§5.1)', () => {
    const s = named(`${kebab(type)}-duplicated`);
    const [a, b] = deliveries(s).slice(-2);
    expect(a.message).toEqual(b.message);
    expect(a.message.type).toBe(type);
    expect(s.steps.some((st) => st.input.kind === 'duplicate')).toBe(true);
  });

  it('arrives late: after its receiver moved to a newer term (Figure 2, receiver rule 1)', () => {
    const last = deliveries(named(`${kebab(type)}-late`)).at(-1);
    expect(last?.message.type).toBe(type);
    expect(last?.message.term).toBeLessThan(last?.receiverTerm ?? 0);
  });

  it('arrives reordered: two on one link, the later sent delivered first (§5.1)', () => {
    const [first, second] = deliveries(named(`${kebab(type)}-reordered`)).slice(-2);
    expect([first.message.type, second.message.type]).toEqual([type, type]);
    expect([first.message.from, first.message.to]).toEqual([second.message.from, second.message.to]);
    expect(first.message).not.toEqual(second.message);
    expect(first.sentAt).toBeGreaterThan(second.sentAt);
  });
});

describe('ticks until the timer fires (Figure 2, models/node/timers.ts)', () => {
  it.each([
    ['tick-follower-until-election-timeout', 'follower', 'ElectionTimeout'],
    ['tick-pre-candidate-until-election-timeout', 'preCandidate', 'ElectionTimeout'],
    ['tick-candidate-until-election-timeout', 'candidate', 'ElectionTimeout'],
    ['tick-leader-until-heartbeat', 'leader', 'HeartbeatTimeout'],
  ])('%s ticks a %s, whose %s may fire', (name, role, timer) => {
    const scenario = named(name);
    const last = scenario.steps.at(-1);
    expect(last?.input.kind).toBe('tick');
    expect(last?.expect?.nodes[0].role).toBe(role);
    expect(last?.expect?.timers).toContain(timer);
    expect(runOnModel(scenario)).toHaveLength(scenario.steps.length);
  });
});

describe('five servers', () => {
  const five = loadScenarios([`${GENERATED_DIR}/cluster-level`]).filter((s) => s.cluster.nodes.length === 5);

  it('elect with 3 of 5 votes and commit on 3 of 5 (§5.2, §5.3)', () => {
    expect(five.map((s) => s.name).sort()).toEqual([
      'entry-committed-5-nodes',
      'first-leader-5-nodes',
      'leader-change-5-nodes',
    ]);
    const final = (s: Scenario) => runOnModel(s).at(-1)?.result.run.state;
    const elected = final(five.find((s) => s.name === 'first-leader-5-nodes') as Scenario);
    const leader = elected?.nodes.find((n) => n.role === 'leader');
    const voters = elected?.nodes.filter(
      (n) =>
        n.context.currentTerm === leader?.context.currentTerm && n.context.votedFor === leader?.context.id,
    );
    expect(voters).toHaveLength(3);
    const committed = final(five.find((s) => s.name === 'entry-committed-5-nodes') as Scenario);
    const holders = committed?.nodes.filter((n) => n.context.log.length >= 1).length;
    expect(committed?.history.committed.length).toBeGreaterThan(0);
    expect(holders).toBe(3);
  });
});
