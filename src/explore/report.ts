import type { ClusterBounds } from '../../models/cluster/actions.ts';
import type { ClusterConfig } from '../../models/cluster/config.ts';
import { describeFeatures, type Features } from '../../models/features.ts';
import type { CheckResult, PropertyResult } from './checker.ts';
import { profileLine } from './parallel/profile.ts';
import { describePath } from './path.ts';

/**
 * How a check run is shown: the header (seed, model, bounds) printed before the run, the
 * summary and the property table after it, counterexamples in the model's vocabulary, and
 * the JSON form of all of it.
 */

export interface RunDescription {
  readonly config: ClusterConfig;
  readonly bounds: ClusterBounds;
  readonly strategy: string;
  readonly seed: number;
  readonly symmetry: boolean;
  readonly maxStates: number;
  readonly mutation: string | null;
  /** The command that reproduces this run. */
  readonly command: string;
  /** Threads searching (1 when absent). */
  readonly workers?: number;
  /** Set when the run begins on one thread and goes to `workers` past this many states. */
  readonly aloneStates?: number;
  /** The space searched, in words (merges and resumes compare it). */
  readonly space?: string;
}

export function headerLines(run: RunDescription): string[] {
  const { config, bounds } = run;
  const network = [
    config.network.lossy ? 'lossy' : 'no drop',
    config.network.duplicating ? 'duplicating' : 'no duplicate',
  ];
  return [
    `raftkit check: seed ${run.seed}, strategy ${run.strategy}, symmetry ${run.symmetry ? 'on' : 'off'}, ` +
      `${run.workers ?? 1} worker${(run.workers ?? 1) === 1 ? '' : 's'}` +
      (run.aloneStates === undefined ? '' : ` (one until ${run.aloneStates.toLocaleString('en-US')} states)`),
    `model: ${config.nodes.length} servers (${config.nodes.join(', ')}), PreVote ${config.features.preVote ? 'on' : 'off'}, ` +
      switchesNote(config.features) +
      `network ${network.join(', ')}, client values [${config.values.join(', ')}]` +
      (run.mutation ? `, MUTATION ${run.mutation}` : ''),
    `bounds: max term ${bounds.maxTerm}, max log ${bounds.maxLog}, max copies ${bounds.maxCopies}, ` +
      `max in flight ${bounds.maxInFlight ?? 'unlimited'}, crashes ${bounds.maxCrashes}, max states ${Number.isFinite(run.maxStates) ? run.maxStates : 'unlimited'}`,
  ];
}

/** The switches on besides PreVote (already named), e.g. `switches checkQuorum,backoff=hint, `. */
function switchesNote(features: Features): string {
  const others = describeFeatures({ ...features, preVote: false });
  return others === 'none' ? '' : `switches ${others}, `;
}

const STATUS_WORD: Record<PropertyResult['status'], string> = {
  pass: 'PASS',
  fail: 'FAIL',
  witnessed: 'witness-found',
  unwitnessed: 'NO WITNESS',
  'not-applicable': 'n/a',
};

function thousands(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function summaryLines(result: CheckResult): string[] {
  const rate = result.seconds > 0 ? result.distinct / result.seconds : 0;
  const lines = [
    `distinct states ${thousands(result.distinct)}, transitions ${thousands(result.generated)}, depth ${result.depth}, ` +
      `${result.seconds.toFixed(2)} s, ${thousands(rate)} states/s`,
  ];
  if (result.stoppedBy === 'max-states') {
    lines.push(
      'stopped at --max-states: the state space was NOT exhausted; PASS means no violation among the states explored',
    );
  } else if (result.stoppedBy === 'time') {
    lines.push('stopped at the time limit: the state space was NOT exhausted');
  } else if (result.stoppedBy === 'memory') {
    lines.push(
      'stopped near the memory limit (80% of the machine, or 85% of the JavaScript heap): the state ' +
        'space was NOT exhausted (tighter bounds or symmetry help; a bigger heap: NODE_OPTIONS=--max-old-space-size=<MB>)',
    );
  } else if (result.stoppedBy === 'violation') {
    lines.push('stopped at the first violation (other properties were not checked to the end)');
  } else {
    lines.push('state space exhausted within the bounds');
  }
  lines.push(memoryLine(result));
  if (result.parallel !== undefined) lines.push(profileLine(result.parallel));
  if (!result.exact) {
    lines.push(
      `visited set: 64-bit fingerprints; chance that a collision hid a state ≤ ${result.collisionBound.toExponential(1)} (--exact to rule it out)`,
    );
  }
  const width = Math.max(...result.properties.map((p) => p.property.name.length));
  for (const p of result.properties) {
    const steps = p.path ? ` (${p.path.actions.length} steps)` : p.reason ? ` (${notApplicableWhy(p)})` : '';
    lines.push(
      `  ${STATUS_WORD[p.status].padEnd(13)} ${p.property.kind.padEnd(9)} ${p.property.name.padEnd(width)}  ${p.property.reference}${steps}`,
    );
  }
  return lines;
}

/** Why a property is "n/a": a witness that cannot happen, or an always-property with nothing to check. */
function notApplicableWhy(p: PropertyResult): string {
  return p.property.kind === 'sometimes' ? `cannot happen: ${p.reason}` : `holds trivially: ${p.reason}`;
}

/** What the search's structures cost per state (Speed and memory, docs/checking.md). */
function memoryLine(result: CheckResult): string {
  const m = result.memory;
  const visited = result.exact
    ? 'visited keys kept as strings in the heap'
    : `${m.perVisited.toFixed(1)} bytes per visited state (fingerprint table, parent, action, depth)`;
  const frontier =
    m.peakFrontier > 0
      ? `, ${m.perFrontier.toFixed(1)} bytes per frontier state (peak ${thousands(m.peakFrontier)} queued)`
      : '';
  return `memory: ${visited}${frontier}; ${result.workers} worker${result.workers === 1 ? '' : 's'}`;
}

export function counterexampleLines(
  config: ClusterConfig,
  result: CheckResult,
  everyState = false,
): string[] {
  const lines: string[] = [];
  for (const p of result.properties) {
    if (p.status !== 'fail' || !p.path) continue;
    lines.push('');
    lines.push(
      `Counterexample to ${p.property.name} (${p.property.reference}), ${p.path.actions.length} steps:`,
    );
    lines.push(`  "${p.property.sentence}"`);
    lines.push(...describePath(config, p.path, everyState));
  }
  return lines;
}

/** The JSON form of a run: settings, counts, verdicts, and each path as actions. */
export function resultJson(run: RunDescription, result: CheckResult): unknown {
  return {
    command: run.command,
    space: run.space,
    seed: run.seed,
    strategy: result.strategy,
    symmetry: result.symmetry,
    mutation: run.mutation,
    model: {
      nodes: run.config.nodes,
      features: run.config.features,
      network: run.config.network,
      values: run.config.values,
    },
    bounds: {
      maxTerm: run.bounds.maxTerm,
      maxLog: run.bounds.maxLog,
      maxCopies: run.bounds.maxCopies,
      maxCrashes: run.bounds.maxCrashes,
      maxInFlight: run.bounds.maxInFlight ?? null,
      maxStates: Number.isFinite(run.maxStates) ? run.maxStates : null,
    },
    distinct: result.distinct,
    generated: result.generated,
    depth: result.depth,
    seconds: Number(result.seconds.toFixed(3)),
    stoppedBy: result.stoppedBy,
    workers: result.workers,
    memory: result.memory,
    ...(result.parallel === undefined ? {} : { parallel: result.parallel }),
    exact: result.exact,
    collisionBound: result.collisionBound,
    properties: result.properties.map(propertyJson),
    ...('swarm' in result ? { swarm: result.swarm } : {}),
  };
}

function propertyJson(p: PropertyResult): unknown {
  return {
    name: p.property.name,
    kind: p.property.kind,
    status: p.status,
    sentence: p.property.sentence,
    reference: p.property.reference,
    ...(p.path ? { length: p.path.actions.length, indexes: p.path.indexes, actions: p.path.actions } : {}),
    ...(p.reason ? { reason: p.reason } : {}),
  };
}

/** The counterexample file (`--out`): every violated property with its path, step by step. */
export function counterexampleJson(run: RunDescription, result: CheckResult): unknown {
  const failures = result.properties.filter((p) => p.status === 'fail' && p.path);
  return {
    command: run.command,
    mutation: run.mutation,
    model: {
      nodes: run.config.nodes,
      features: run.config.features,
      network: run.config.network,
      values: run.config.values,
    },
    bounds: {
      maxTerm: run.bounds.maxTerm,
      maxLog: run.bounds.maxLog,
      maxCopies: run.bounds.maxCopies,
      maxCrashes: run.bounds.maxCrashes,
      maxInFlight: run.bounds.maxInFlight ?? null,
    },
    counterexamples: failures.map((p) => ({
      property: p.property.name,
      sentence: p.property.sentence,
      reference: p.property.reference,
      length: p.path?.actions.length,
      indexes: p.path?.indexes,
      actions: p.path?.actions,
      described: p.path ? describePath(run.config, p.path) : [],
    })),
  };
}

/** The property registry as a Markdown table (docs/checking.md embeds it; a test keeps them equal). */
export function propertiesTableMarkdown(properties: readonly PropertyResult['property'][]): string {
  const rows = properties.map(
    (p) =>
      `| ${p.name} | ${p.kind} | ${p.scope === 'step' ? 'each step' : 'each state'} | ${p.sentence} | ${p.reference} |`,
  );
  return ['| property | kind | checked on | sentence | reference |', '|---|---|---|---|---|', ...rows].join(
    '\n',
  );
}
