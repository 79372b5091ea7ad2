import { describe, expect, it } from 'vitest';
import type { AppendEntriesRequest, Message } from '../../models/index.ts';
import {
  compileNodeMachine,
  guards,
  initialNodeState,
  makeFeatures,
  step,
  type Update,
  updates,
} from '../../models/index.ts';
import { InProcessAdapter } from '../../src/adapters/index.ts';
import {
  compareMessages,
  loadSuite,
  mermaidSequence,
  reproduceCommand,
  runScenario,
  runSuite,
  tickBranches,
} from '../../src/conformance/index.ts';
import { MUTANTS, type MutantName, ReferenceHarness } from '../../src/reference/index.ts';

/**
 * The runner with the model as an acceptor: the reference passes, every mutant fails its
 * own curated scenario with the step, the rule and a reproduce command, scenarios needing
 * a missing feature are skipped, and the tolerances accept exactly what they name.
 */

const FIXTURES = 'test/conformance/fixtures';
const CURATED_MUTANTS = loadSuite(['conformance/scenarios/curated'], 'mutant-');
const reference = { kind: 'builtin', name: 'reference' } as const;

describe('conformance runner', () => {
  it('passes every fixture and every curated mutant scenario against the reference', async () => {
    const scenarios = [...loadSuite([FIXTURES]), ...CURATED_MUTANTS];
    const suite = await runSuite({ adapter: reference, scenarios, jobs: 2, seed: 1 });
    const failed = suite.results
      .filter((r) => r.status !== 'pass')
      .map((r) => `${r.name}: ${r.failure?.diagnosis}`);
    expect(failed).toEqual([]);
    expect(suite.counts.pass).toBe(scenarios.length);
    expect(scenarios.length).toBeGreaterThanOrEqual(MUTANTS.length + 5);
  });

  it('each named mutant fails its own curated scenario mutant-<name>.txt', async () => {
    for (const mutant of MUTANTS) {
      const own = CURATED_MUTANTS.filter((f) => f.file.endsWith(`mutant-${mutant.name}.txt`));
      expect(own, mutant.name).toHaveLength(1);
      const suite = await runSuite({
        adapter: { ...reference, mutant: mutant.name as MutantName },
        scenarios: own,
        jobs: 1,
        seed: 1,
      });
      expect(suite.results[0].status, `${mutant.name} (BUGS.md #${mutant.bug})`).toBe('fail');
    }
  });

  it('a failure names the step, expected versus actual, the Figure 2 rule and the reproduce command', async () => {
    const scenarios = CURATED_MUTANTS.filter((f) => f.file.includes('mutant-skip-consistency-check'));
    const suite = await runSuite({
      adapter: { ...reference, mutant: 'skip-consistency-check' },
      scenarios,
      jobs: 1,
      seed: 1,
    });
    const [result] = suite.results;
    const failure = result.failure!;
    expect(failure.step).toBe(1);
    expect(failure.input).toMatch(/^inject AppendEntriesRequest n3->n2 term=3 prevLogIndex=2 prevLogTerm=2/);
    expect(failure.differences.map((d) => d.field)).toContain('commitIndex');
    expect(failure.unexpected.map((m) => m.type)).toEqual(['AppendEntriesResponse']);
    expect(failure.rule).toMatch(/AppendEntries receiver rule 2/);
    expect(failure.modelTook).toMatch(/prevLogTermMismatch → recognizeLeader, replyAppendFailure/);
    expect(reproduceCommand(suite, result.file)).toBe(
      'npx raftkit conform --adapter builtin:reference --mutant skip-consistency-check --scenarios conformance/scenarios/curated/mutant-skip-consistency-check.txt',
    );
    const diagram = mermaidSequence(result, ['n1', 'n2', 'n3']);
    expect(diagram).toMatch(/^sequenceDiagram\n/);
    expect(diagram).toMatch(/Note over n2: FAIL at step 1/);
  });

  it('names the rule each mutant breaks, quoting the doc comment of the model function implementing it', async () => {
    const expected: [MutantName, RegExp][] = [
      ['vote-without-log-check', /^§5\.4\.1.*"the voter denies its vote/],
      ['vote-cleared-on-append', /"each server will vote for at most one candidate in a given term"/],
      ['stale-term-in-reply', /Rules for All Servers: "set currentTerm = T/],
      ['commit-previous-term', /log\[N\]\.term == currentTerm/],
      ['commit-beyond-last-new-entry', /AppendEntries receiver rule 5/],
      ['denied-vote-counted', /refuses the vote; it is recorded as an answer, not as a vote/],
      ['pre-vote-ignores-leader', /leader stickiness/],
      ['ack-before-persist', /"persistent state on all servers"/],
    ];
    for (const [mutant, rule] of expected) {
      const own = CURATED_MUTANTS.filter((f) => f.file.endsWith(`mutant-${mutant}.txt`));
      const suite = await runSuite({ adapter: { ...reference, mutant }, scenarios: own, jobs: 1, seed: 1 });
      expect(suite.results[0].failure?.rule, mutant).toMatch(rule);
    }
  });

  it('skips, with the reason, a scenario that needs a feature the implementation lacks', async () => {
    const [prevote] = loadSuite([`${FIXTURES}/election-prevote.txt`]);
    const result = await runScenario(
      new InProcessAdapter('test', new ReferenceHarness()),
      prevote.scenario,
      prevote.file,
      {
        features: { preVote: false, checkQuorum: false, ticks: true, restartWithPersistence: true },
        timing: { electionTicks: 10, heartbeatTicks: 3, randomized: false },
        seed: 1,
      },
    );
    expect(result.status).toBe('skip');
    expect(result.reason).toBe('needs preVote, which the implementation does not declare');
  });

  it('a node whose own timer does not fire when the model says it must fails the tick step', async () => {
    class NoTimers extends ReferenceHarness {
      override tick(id: string) {
        return { state: this.state(id), messages: this.drain(id) };
      }
    }
    const [ticks] = loadSuite([`${FIXTURES}/ticks.txt`]);
    const result = await runScenario(
      new InProcessAdapter('no-timers', new NoTimers()),
      ticks.scenario,
      ticks.file,
      {
        features: { preVote: true, checkQuorum: false, ticks: true, restartWithPersistence: true },
        timing: { electionTicks: 10, heartbeatTicks: 3, randomized: false },
        seed: 1,
      },
    );
    expect(result.status).toBe('fail');
    expect(result.failure?.step).toBe(2);
    expect(result.failure?.diagnosis).toMatch(
      /the model fires ElectionTimeout \(election timeout 10–10 ticks, 9 elapsed before/,
    );
    expect(result.failure?.rule).toMatch(/Figure 2, Followers/);
  });
});

const machine = compileNodeMachine();

describe('timers during tick steps', () => {
  const cluster = ['n1', 'n2', 'n3'];
  const follower = initialNodeState({ id: 'n1', cluster, features: makeFeatures() });

  it('a fixed timeout allows exactly one outcome; a range allows firing anywhere inside it', () => {
    const fixed = tickBranches(
      follower,
      12,
      {
        electionMin: 10,
        electionMax: 10,
        heartbeat: 3,
      },
      machine,
    );
    expect(fixed.map((b) => b.fired)).toEqual([['ElectionTimeout']]);
    const early = tickBranches(follower, 9, { electionMin: 10, electionMax: 19, heartbeat: 3 }, machine);
    expect(early.map((b) => b.fired)).toEqual([[]]);
    const ranged = tickBranches(
      follower,
      12,
      {
        electionMin: 10,
        electionMax: 19,
        heartbeat: 3,
      },
      machine,
    );
    expect(new Set(ranged.map((b) => b.fired.length))).toEqual(new Set([0, 1]));
    const late = tickBranches(follower, 19, { electionMin: 10, electionMax: 19, heartbeat: 3 }, machine);
    expect(late.every((b) => b.fired.length >= 1)).toBe(true);
  });

  it('the reference with randomized timeouts passes the tick fixtures', async () => {
    for (const { scenario, file } of loadSuite([FIXTURES], 'tick')) {
      for (const seed of [1, 2, 3, 4, 5]) {
        const result = await runScenario(new InProcessAdapter('r', new ReferenceHarness()), scenario, file, {
          features: { preVote: true, checkQuorum: false, ticks: true, restartWithPersistence: true },
          timing: { electionTicks: 10, heartbeatTicks: 3, randomized: true },
          seed,
        });
        expect(result.status, `${file} seed ${seed}: ${result.failure?.diagnosis}`).toBe('pass');
      }
    }
  });
});

describe('tolerances (docs/conformance.md)', () => {
  const features = makeFeatures();
  const leader = (() => {
    let s = initialNodeState({ id: 'n1', cluster: ['n1', 'n2', 'n3'], features });
    s = step(s, { type: 'ElectionTimeout' }).state;
    s = step(s, {
      type: 'Receive',
      message: { type: 'RequestVoteResponse', from: 'n2', to: 'n1', term: 1, voteGranted: true },
    }).state;
    s = step(s, { type: 'ClientRequest', value: 'x' }).state;
    return step(s, { type: 'ClientRequest', value: 'y' }).state;
  })();
  const heartbeat = step(leader, { type: 'HeartbeatTimeout' }).outputs as AppendEntriesRequest[];
  const context = { after: leader, heartbeat: false, electedNow: false, machine };

  it('message-order: the same messages in another order', () => {
    const result = compareMessages(heartbeat, [...heartbeat].reverse(), context);
    expect(result).toMatchObject({ ok: true, used: ['message-order'] });
  });

  it('append-batching: a non-empty prefix of the entries, not a different entry', () => {
    const batched = heartbeat.map((m) => ({ ...m, entries: m.entries.slice(0, 1) }));
    expect(compareMessages(heartbeat, batched, context)).toMatchObject({
      ok: true,
      used: ['append-batching'],
    });
    const wrong = heartbeat.map((m) => ({ ...m, entries: [{ term: 1, value: 'z' }] }));
    expect(compareMessages(heartbeat, wrong, context).ok).toBe(false);
  });

  it('heartbeat-content: an empty AppendEntries only on a heartbeat', () => {
    const empty = heartbeat.map((m) => ({ ...m, entries: [] }));
    expect(compareMessages(heartbeat, empty, { ...context, heartbeat: true })).toMatchObject({
      ok: true,
      used: ['heartbeat-content'],
    });
    expect(compareMessages(heartbeat, empty.slice(0, 1), { ...context, heartbeat: true }).ok).toBe(false);
  });

  it('failed-append-match-index: a rejection hint is not compared, the term is', () => {
    const expected: Message[] = [
      { type: 'AppendEntriesResponse', from: 'n2', to: 'n1', term: 2, success: false, matchIndex: 0 },
    ];
    const hinted = [{ ...expected[0], matchIndex: 3 } as Message];
    expect(compareMessages(expected, hinted, context)).toMatchObject({
      ok: true,
      used: ['failed-append-match-index'],
    });
    const wrongTerm = [{ ...expected[0], term: 1 } as Message];
    expect(compareMessages(expected, wrongTerm, context).ok).toBe(false);
  });

  it('stale-vote-request-dropped: no answer to an older-term RequestVote, only when the model rejects one', () => {
    const rejection: Message[] = [
      { type: 'RequestVoteResponse', from: 'n1', to: 'n3', term: 1, voteGranted: false },
    ];
    expect(compareMessages(rejection, [], { ...context, staleVoteRequest: true })).toMatchObject({
      ok: true,
      used: ['stale-vote-request-dropped'],
    });
    expect(compareMessages(rejection, [], context).ok).toBe(false);
  });

  it('first-heartbeat-deferred and leader-sends-early', () => {
    expect(compareMessages(heartbeat, [], { ...context, electedNow: true })).toMatchObject({
      ok: true,
      used: ['first-heartbeat-deferred'],
    });
    expect(compareMessages(heartbeat, [], context).ok).toBe(false);
    expect(compareMessages([], heartbeat, context)).toMatchObject({ ok: true, used: ['leader-sends-early'] });
  });
});

/**
 * The run's own machine judges the run (issue 12): a mutated model passed as
 * `RunOptions.machine` is what decides the tick steps and the tolerances that ask the model
 * what a leader would send, never the default model.
 */
describe('the run judged by its own machine', () => {
  /** Figure 2, Candidates: "increment currentTerm" — broken to increment it twice. */
  const doubleIncrement: Update = (context, event) => {
    const started = updates.startElection(context, event);
    return { ...started, currentTerm: started.currentTerm + 1 };
  };
  const mutated = compileNodeMachine({ guards, updates: { ...updates, startElection: doubleIncrement } });

  it('a tick that fires an election is judged by the mutated model (Reference: Figure 2, Followers)', async () => {
    const [ticks] = loadSuite([`${FIXTURES}/ticks.txt`]);
    const result = await runScenario(
      new InProcessAdapter('r', new ReferenceHarness()),
      ticks.scenario,
      ticks.file,
      {
        features: { preVote: false, checkQuorum: false, ticks: true, restartWithPersistence: true },
        timing: { electionTicks: 10, heartbeatTicks: 3, randomized: false },
        seed: 1,
        machine: mutated,
      },
    );
    expect(result.status).toBe('fail');
    expect(result.failure?.step).toBe(2);
    expect(result.failure?.diagnosis).toMatch(/after 1 tick\(s\) the model fires ElectionTimeout/);
    expect(result.failure?.expectedState?.currentTerm).toBe(2);
  });

  it('leader-sends-early asks the run’s machine what the leader would send (Reference: Figure 2, Leaders)', () => {
    const leader = (() => {
      let s = initialNodeState({ id: 'n1', cluster: ['n1', 'n2', 'n3'], features: makeFeatures() });
      s = step(s, { type: 'ElectionTimeout' }).state;
      s = step(s, {
        type: 'Receive',
        message: { type: 'RequestVoteResponse', from: 'n2', to: 'n1', term: 1, voteGranted: true },
      }).state;
      return s;
    })();
    const heartbeat = step(leader, { type: 'HeartbeatTimeout' }).outputs;
    const silent = compileNodeMachine({ guards, updates: { ...updates, sendAppendEntries: (c) => c } });
    const context = { after: leader, heartbeat: false, electedNow: false };
    expect(compareMessages([], heartbeat, { ...context, machine }).ok).toBe(true);
    expect(compareMessages([], heartbeat, { ...context, machine: silent }).ok).toBe(false);
  });
});
