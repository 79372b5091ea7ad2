import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  listScenarioFiles,
  parseScenario,
  printScenario,
  SCENARIO_ROOT,
  ScenarioSyntaxError,
  scenarioFromJSON,
  scenarioSchema,
  scenarioToJSON,
} from '../../src/scenario/index.ts';

/**
 * The scenario format: "print(parse(x)) = x for every committed file; errors name file,
 * line, column, what was expected and what was found" (issue 4). The JSON form is the same
 * AST and validates against the published schema.
 */
const files = listScenarioFiles(SCENARIO_ROOT);

describe('scenario files round-trip', () => {
  it('finds the committed suite', () => {
    expect(files.length).toBeGreaterThanOrEqual(150);
  });

  it('print(parse(x)) === x for every committed file', () => {
    const different = files.filter((file) => {
      const text = readFileSync(file, 'utf8');
      return printScenario(parseScenario(text, { file })) !== text;
    });
    expect(different).toEqual([]);
  });

  it('the JSON form of every file validates against the schema and reads back to the same AST', () => {
    for (const file of files) {
      const scenario = parseScenario(readFileSync(file, 'utf8'), { file });
      const json = JSON.parse(JSON.stringify(scenarioToJSON(scenario)));
      expect(scenarioSchema.safeParse(json).success, file).toBe(true);
      expect(printScenario(scenarioFromJSON(json))).toBe(printScenario(scenario));
    }
  });
});

const VALID = `# A follower grants its vote.
#
# references: §5.2
# source: curated: test

cluster n1 n2 n3

inject RequestVoteRequest n2->n1 term=1 lastLogIndex=0 lastLogTerm=0
----
n1 follower term=1 votedFor=n2 commitIndex=0 log=[]
send RequestVoteResponse n1->n2 term=1 voteGranted=true
`;

function syntaxError(text: string): ScenarioSyntaxError {
  try {
    parseScenario(text, { file: 'x.txt' });
  } catch (error) {
    if (error instanceof ScenarioSyntaxError) return error;
    throw error;
  }
  throw new Error('expected a ScenarioSyntaxError');
}

describe('syntax errors are located and say what was expected and found', () => {
  it('parses the valid example', () => {
    expect(parseScenario(VALID).steps).toHaveLength(1);
  });

  it('names a node outside the cluster, with its column', () => {
    const e = syntaxError(VALID.replace('n2->n1 term=1', 'n4->n1 term=1'));
    expect(e.message).toBe("x.txt:8:27: expected a node of the cluster (n1, n2, n3), found 'n4'");
    expect([e.line, e.column]).toEqual([8, 27]);
  });

  it('names a missing field of a message', () => {
    const e = syntaxError(VALID.replace(' lastLogTerm=0\n----', '\n----'));
    expect(e.message).toMatch(/^x\.txt:8:\d+: expected 'lastLogTerm=…', found end of line$/);
  });

  it('names an unknown step keyword and lists the valid ones', () => {
    const e = syntaxError(VALID.replace('inject RequestVoteRequest', 'inejct RequestVoteRequest'));
    expect(e.message).toMatch(
      /^x\.txt:8:1: expected a step-mode step \(timeout, heartbeat, .*\), found 'inejct'$/,
    );
  });

  it('rejects cluster-mode steps in a step-mode scenario', () => {
    const e = syntaxError(`${VALID}\nkill n1\n`);
    expect(e.line).toBe(13);
    expect(e.found).toBe("'kill'");
  });

  it('rejects a bad log entry inside the brackets, pointing at it', () => {
    const e = syntaxError(
      VALID.replace('votedFor=n2 commitIndex=0 log=[]', 'votedFor=n2 commitIndex=0 log=[1:a,x]'),
    );
    expect(e.line).toBe(10);
    expect(e.found).toBe("'x'");
  });

  it('requires a source line in the header', () => {
    const e = syntaxError(VALID.replace('# source: curated: test\n', ''));
    expect(e.expected).toBe("a '# source: …' header line");
  });

  it('parses the cluster-mode steps of issue 7 and prints them back', () => {
    const text = `# Cluster mode.
#
# source: curated: test

cluster n1 n2 n3
mode cluster

expect leader within 5s
capture $t = term
kill leader
partition n1 | n2 n3
cut n1 -> n2
cut n2 <-> n3
heal
wait 500ms
submit leader x
expect committed x within 2s
expect not committed y for 1s
expect no leader for 1s
expect term > $t
expect n1.votedFor == n2 within 2s
expect leader != $l
repeat 20
  kill leader
  expect leader within 5s
  start n1
  end
`;
    expect(printScenario(parseScenario(text))).toBe(text);
  });
});

describe('docs/scenario-format.md', () => {
  it('its first example is a valid scenario whose expected blocks the model meets', async () => {
    const { modelMismatches } = await import('../../src/scenario/index.ts');
    const doc = readFileSync('docs/scenario-format.md', 'utf8');
    const example = /```text\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
    const scenario = parseScenario(example, { file: 'docs/scenario-format.md' });
    expect(printScenario(scenario)).toBe(example);
    expect(modelMismatches(scenario)).toEqual([]);
  });
});

describe('docs/scenario.schema.json', () => {
  it('validates the JSON form of every committed file with an independent validator (Ajv, draft 2020-12)', async () => {
    const { Ajv2020 } = await import('ajv/dist/2020.js');
    const schema = JSON.parse(readFileSync('docs/scenario.schema.json', 'utf8'));
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
    const invalid = files.filter((file) => {
      const json = JSON.parse(
        JSON.stringify(scenarioToJSON(parseScenario(readFileSync(file, 'utf8'), { file }))),
      );
      return !validate(json);
    });
    expect(invalid).toEqual([]);
    // and it is not vacuous: a scenario with a misspelt message type is rejected
    const sample = JSON.parse(JSON.stringify(scenarioToJSON(parseScenario(VALID))));
    sample.steps[0].input.message.type = 'RequestVote';
    expect(validate(sample)).toBe(false);
  });
});
