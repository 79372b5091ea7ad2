import { describe, expect, it } from 'vitest';
import { InProcessAdapter } from '../../src/adapters/index.ts';
import { lackingSwitches, oracleCluster, runScenario } from '../../src/conformance/index.ts';
import { ReferenceHarness } from '../../src/reference/index.ts';
import {
  modelFeaturesOf,
  parseScenario,
  printScenario,
  runOnModel,
  ScenarioSyntaxError,
} from '../../src/scenario/index.ts';

/**
 * Scenario files carry any switch of models/features.ts (issue 12: "the generator and
 * coverage cover every switch's guards"), named as `raftkit check --features` names them.
 * A scenario that needs a switch value runs only against an implementation that declares it.
 */

const file = (features: string, steps = 'timeout n1') =>
  `# A scenario with switches.\n#\n# source: curated: test\n\ncluster n1 n2 n3\n${features}\n\n${steps}\n`;

describe('the features line', () => {
  it('reads every switch as name or name=value, and prints it back unchanged', () => {
    const text = file('features preVote checkQuorum leaderStickiness=same-term backoff=hint');
    const scenario = parseScenario(text, { file: 'x.txt' });
    expect(scenario.cluster.features).toEqual({
      preVote: true,
      checkQuorum: true,
      switches: { leaderStickiness: 'same-term', backoff: 'hint' },
    });
    expect(modelFeaturesOf(scenario.cluster.features)).toMatchObject({
      preVote: true,
      checkQuorum: true,
      leaderStickiness: 'same-term',
      backoff: 'hint',
      candidateRetry: 'pre-vote',
    });
    expect(printScenario(scenario)).toBe(text);
  });

  it('checkQuorum is modelled, so a step-mode scenario may ask for it (thesis §6.2)', () => {
    const scenario = parseScenario(file('features checkQuorum'), { file: 'x.txt' });
    expect(runOnModel(scenario)[0].result.run.config.features.checkQuorum).toBe(true);
  });

  it.each([
    [
      'features stickiness',
      /x.txt:6:10: expected a switch of models\/features.ts.*unknown feature 'stickiness'/,
    ],
    ['features backoff=jump', /feature 'backoff' has no value 'jump'/],
    ['features backoff', /feature 'backoff' needs a value/],
    ['features preVote preVote', /expected each switch once/],
    ['features preVote,checkQuorum', /expected a switch of models\/features.ts/],
    [
      'features candidateRetry=election',
      /expected switches that fit together \(candidateRetry needs preVote=true\)/,
    ],
  ])('%s is a located syntax error', (line, message) => {
    const text = file(line);
    expect(() => parseScenario(text, { file: 'x.txt' })).toThrow(ScenarioSyntaxError);
    expect(() => parseScenario(text, { file: 'x.txt' })).toThrow(message);
  });

  it('an AppendEntriesResponse carries rejectHint only when it has one (backoff=hint, Raft paper §5.3)', () => {
    const steps = [
      'inject AppendEntriesRequest n2->n1 term=1 prevLogIndex=1 prevLogTerm=1 entries=[] leaderCommit=0',
      '----',
      'n1 follower term=1 votedFor=none commitIndex=0 log=[]',
      'send AppendEntriesResponse n1->n2 term=1 success=false matchIndex=0 rejectHint=0',
    ].join('\n');
    const hinted = parseScenario(file('features backoff=hint', steps), { file: 'x.txt' });
    expect(hinted.steps[0].expect?.sent[0]).toMatchObject({ rejectHint: 0 });
    expect(printScenario(hinted)).toBe(file('features backoff=hint', steps));
    const [{ result }] = runOnModel(hinted);
    expect(result.observation.sent[0]).toMatchObject({ success: false, rejectHint: 0 });
  });
});

describe('the runner and a scenario that needs a switch', () => {
  const scenario = parseScenario(file('features leaderStickiness=same-term'), { file: 'x.txt' });
  const capabilities = { preVote: true, checkQuorum: false, ticks: true, restartWithPersistence: true };

  it('names the switch values the implementation does not declare', () => {
    expect(lackingSwitches(scenario, capabilities)).toEqual(['leaderStickiness=same-term']);
    const other = { ...capabilities, switches: { leaderStickiness: 'any-term' as const } };
    expect(lackingSwitches(scenario, other)).toEqual(['leaderStickiness=same-term']);
    const same = {
      ...capabilities,
      switches: { leaderStickiness: 'same-term' as const, backoff: 'hint' as const },
    };
    expect(lackingSwitches(scenario, same)).toEqual([]);
    // The oracle then runs the model with the scenario's and the declared switches.
    expect(oracleCluster(scenario, same).features.switches).toEqual({
      leaderStickiness: 'same-term',
      backoff: 'hint',
    });
  });

  it('is skipped, with the reason, by an implementation that does not declare the value', async () => {
    const adapter = new InProcessAdapter('reference', new ReferenceHarness());
    const result = await runScenario(adapter, scenario, 'x.txt', {
      features: capabilities,
      timing: { electionTicks: 10, heartbeatTicks: 3, randomized: false },
      seed: 1,
    });
    expect(result.status).toBe('skip');
    expect(result.reason).toBe('needs leaderStickiness=same-term, which the implementation does not declare');
  });
});
