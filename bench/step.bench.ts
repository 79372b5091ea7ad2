import fc from 'fast-check';
import { transition } from 'xstate';
import {
  initialNodeState,
  initialSnapshot,
  makeFeatures,
  type NodeInput,
  type NodeSetup,
  type NodeSnapshot,
  type NodeState,
  nodeMachine,
  serializeNode,
  step,
  stepSnapshot,
} from '../models/index.ts';
import { anchoredInputFor, anchorInput, CLUSTER } from '../test/support/arbitraries.ts';

/**
 * `npm run bench`: node steps per second through the pure step API — the budget of the
 * model checker. One seeded, mixed input stream (timeouts, client requests, crashes,
 * restarts and every message type, with terms and log positions anchored to the node's
 * state so that elections, replication and commits really happen) is replayed through:
 *
 * - the compiled `step` (what the explorer uses),
 * - the compiled `step` followed by `serializeNode` (a step plus the state hash key),
 * - `stepSnapshot` (XState's `transition()` plus draining the outbox),
 * - XState's `transition(machine, snapshot, event)` alone.
 *
 * The stream restarts from a fresh node every SEQUENCE_LENGTH inputs. Each engine is
 * warmed up, then timed for about MEASURE_MS; the best of ROUNDS rounds is reported.
 * Usage: npm run bench [-- --seed N] [-- --quick]
 */

const args = process.argv.slice(2);
const seedIndex = args.indexOf('--seed');
const SEED = seedIndex >= 0 ? Number(args[seedIndex + 1]) : 2014;
const QUICK = args.includes('--quick');
const STREAM_LENGTH = 20_000;
const SEQUENCE_LENGTH = 32;
const MEASURE_MS = QUICK ? 200 : 500;
const ROUNDS = QUICK ? 1 : 3;

interface Stream {
  readonly setup: NodeSetup;
  /** Inputs in order; `null` marks "start again from a fresh node". */
  readonly inputs: readonly (NodeInput | null)[];
  readonly steps: number;
}

/** Draw the plan from fast-check with the printed seed, and make it concrete along the way. */
function buildStream(preVote: boolean): Stream {
  const setup: NodeSetup = { id: 'n1', cluster: CLUSTER, features: makeFeatures({ preVote }) };
  const plan = fc.sample(anchoredInputFor('n1'), { seed: SEED + (preVote ? 1 : 0), numRuns: STREAM_LENGTH });
  const inputs: (NodeInput | null)[] = [];
  let state = initialNodeState(setup);
  plan.forEach((planned, i) => {
    if (i % SEQUENCE_LENGTH === 0) {
      inputs.push(null);
      state = initialNodeState(setup);
    }
    const input = anchorInput(state.context, planned);
    inputs.push(input);
    state = step(state, input).state;
  });
  return { setup, inputs, steps: plan.length };
}

/** Replays the stream through one engine; returns a checksum so nothing is optimized away. */
type Engine = (stream: Stream) => number;

const compiledEngine: Engine = ({ setup, inputs }) => {
  const fresh = initialNodeState(setup);
  let state: NodeState = fresh;
  let sent = 0;
  for (const input of inputs) {
    if (input === null) {
      state = fresh;
      continue;
    }
    const result = step(state, input);
    sent += result.outputs.length;
    state = result.state;
  }
  return sent;
};

const compiledWithKeyEngine: Engine = ({ setup, inputs }) => {
  const fresh = initialNodeState(setup);
  let state: NodeState = fresh;
  let length = 0;
  for (const input of inputs) {
    if (input === null) {
      state = fresh;
      continue;
    }
    state = step(state, input).state;
    length += serializeNode(state).length;
  }
  return length;
};

const stepSnapshotEngine: Engine = ({ setup, inputs }) => {
  const fresh = initialSnapshot(setup);
  let snapshot: NodeSnapshot = fresh;
  let sent = 0;
  for (const input of inputs) {
    if (input === null) {
      snapshot = fresh;
      continue;
    }
    const result = stepSnapshot(snapshot, input);
    sent += result.outputs.length;
    snapshot = result.state;
  }
  return sent;
};

const transitionEngine: Engine = ({ setup, inputs }) => {
  const fresh = initialSnapshot(setup);
  let snapshot: NodeSnapshot = fresh;
  let count = 0;
  for (const input of inputs) {
    if (input === null) {
      snapshot = fresh;
      continue;
    }
    const [next, actions] = transition(nodeMachine, snapshot, input);
    count += actions.length;
    snapshot = next;
  }
  return count;
};

/** Steps per second: best of ROUNDS rounds of at least MEASURE_MS each. */
function measure(engine: Engine, stream: Stream): number {
  engine(stream); // warm up
  let best = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let steps = 0;
    const start = process.hrtime.bigint();
    let elapsedNs = 0n;
    do {
      engine(stream);
      steps += stream.steps;
      elapsedNs = process.hrtime.bigint() - start;
    } while (elapsedNs < BigInt(MEASURE_MS) * 1_000_000n);
    best = Math.max(best, steps / (Number(elapsedNs) / 1e9));
  }
  return best;
}

function mix(stream: Stream): string {
  const counts = new Map<string, number>();
  for (const input of stream.inputs) {
    if (input === null) continue;
    const name = input.type === 'Receive' ? input.message.type : input.type;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} ${((100 * n) / stream.steps).toFixed(0)}%`)
    .join(', ');
}

const format = (n: number) => Math.round(n).toLocaleString('en-US');

function main(): void {
  console.log(
    `raftkit bench: node steps/s through the pure step API (seed ${SEED}; ${STREAM_LENGTH} inputs per stream, ` +
      `fresh node every ${SEQUENCE_LENGTH}; best of ${ROUNDS} × ${MEASURE_MS} ms; node ${process.version})`,
  );
  const engines: [string, Engine][] = [
    ['compiled step()', compiledEngine],
    ['compiled step() + serializeNode()', compiledWithKeyEngine],
    ['XState stepSnapshot()', stepSnapshotEngine],
    ['XState transition()', transitionEngine],
  ];
  for (const preVote of [false, true]) {
    const stream = buildStream(preVote);
    console.log(`\npreVote=${preVote}; input mix: ${mix(stream)}`);
    const results = engines.map(([name, engine]) => [name, measure(engine, stream)] as const);
    const compiled = results[0][1];
    const rows = results.map(([name, rate]) => [
      name,
      format(rate),
      (1e6 / rate).toFixed(2),
      `${(compiled / rate).toFixed(1)}×`,
    ]);
    const header = ['engine', 'steps/s', 'µs/step', 'compiled is faster by'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: readonly string[]) =>
      cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    console.log(line(header));
    for (const row of rows) console.log(line(row));
  }
}

main();
