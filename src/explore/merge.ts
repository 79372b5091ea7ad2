/**
 * `raftkit check --merge a.json b.json …`: the results of several runs of one space (swarm
 * shards, or any runs printed with `--json`) as one result. An `always` property fails if
 * it failed in any run (with the shortest counterexample among them) and passes otherwise;
 * a `sometimes` property is witnessed if any run witnessed it (the shortest witness);
 * coverage is the union; states and transitions are summed (runs may have visited the
 * same states, so the sum is an upper bound on the distinct states seen).
 */

/** A property in the JSON form of a result (`resultJson`). */
export interface PropertyJson {
  readonly name: string;
  readonly kind: 'always' | 'sometimes';
  readonly status: 'pass' | 'fail' | 'witnessed' | 'unwitnessed' | 'not-applicable';
  readonly sentence: string;
  readonly reference: string;
  readonly length?: number;
  readonly indexes?: readonly number[];
  readonly actions?: readonly unknown[];
}

/** The parts of a result's JSON form that a merge reads. */
export interface ResultJson {
  readonly command: string;
  readonly space?: string;
  readonly strategy: string;
  readonly distinct: number;
  readonly generated: number;
  readonly depth: number;
  readonly seconds: number;
  readonly stoppedBy: string;
  readonly properties: readonly PropertyJson[];
  readonly swarm?: { shard: { index: number; count: number }; members: number; coverage: readonly string[] };
}

export interface MergedJson {
  readonly merged: readonly string[];
  readonly space: string | null;
  readonly runs: number;
  readonly members: number;
  readonly shards: readonly string[];
  readonly distinct: number;
  readonly generated: number;
  readonly depth: number;
  readonly seconds: number;
  readonly properties: readonly PropertyJson[];
  readonly coverage: readonly string[];
}

/** Thrown when the files cannot be merged (another space, no property list). */
export class MergeError extends Error {}

export function mergeResults(files: readonly { name: string; result: ResultJson }[]): MergedJson {
  if (files.length === 0) throw new MergeError('--merge needs at least one result file');
  const space = files[0].result.space ?? null;
  for (const { name, result } of files) {
    if (!Array.isArray(result.properties)) throw new MergeError(`${name}: not a raftkit check --json result`);
    if ((result.space ?? null) !== space) {
      throw new MergeError(`${name} is a result of another space (${result.space}), not of ${space}`);
    }
  }
  const results = files.map((f) => f.result);
  return {
    merged: files.map((f) => f.name),
    space,
    runs: files.length,
    members: results.reduce((n, r) => n + (r.swarm?.members ?? 1), 0),
    shards: results.map((r) => (r.swarm ? `${r.swarm.shard.index}/${r.swarm.shard.count}` : r.strategy)),
    distinct: results.reduce((n, r) => n + r.distinct, 0),
    generated: results.reduce((n, r) => n + r.generated, 0),
    depth: Math.max(...results.map((r) => r.depth)),
    seconds: Math.max(...results.map((r) => r.seconds)),
    properties: results[0].properties.map((p) => mergeProperty(p.name, results)),
    coverage: [...new Set(results.flatMap((r) => r.swarm?.coverage ?? []))].sort(),
  };
}

/** One property over all runs: the failing or witnessing run with the shortest path wins. */
function mergeProperty(name: string, results: readonly ResultJson[]): PropertyJson {
  const all = results.map((r) => r.properties.find((p) => p.name === name)).filter((p) => p !== undefined);
  const found = all.filter((p) => p.status === 'fail' || p.status === 'witnessed');
  if (found.length === 0) return all[0];
  return found.reduce((a, b) => ((b.length ?? Infinity) < (a.length ?? Infinity) ? b : a));
}

/** Whether the merged verdict is good: no failure, every witness found (or not applicable, as in one run). */
export function mergedOk(merged: MergedJson): boolean {
  return merged.properties.every(
    (p) => p.status === 'pass' || p.status === 'witnessed' || p.status === 'not-applicable',
  );
}

export function mergedLines(merged: MergedJson): string[] {
  const lines = [
    `merged ${merged.runs} result(s) (${merged.shards.join(', ')}), ${merged.members} search(es)`,
    `states visited ${merged.distinct.toLocaleString('en-US')} (summed: runs may overlap), transitions ` +
      `${merged.generated.toLocaleString('en-US')}, depth ${merged.depth}, longest run ${merged.seconds.toFixed(1)} s`,
  ];
  if (merged.coverage.length > 0)
    lines.push(`model items covered: ${merged.coverage.length} server steps (role input → role)`);
  const width = Math.max(...merged.properties.map((p) => p.name.length));
  for (const p of merged.properties) {
    const steps = p.length !== undefined ? ` (${p.length} steps)` : '';
    lines.push(
      `  ${p.status.toUpperCase().padEnd(13)} ${p.kind.padEnd(9)} ${p.name.padEnd(width)}  ${p.reference}${steps}`,
    );
  }
  return lines;
}
