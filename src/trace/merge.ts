import type { Message, NodeId } from '../../models/index.ts';
import { TraceError } from './errors.ts';
import { KIT, type TraceEvent } from './events.ts';
import { LinkColumns } from './links.ts';
import { type FormatChoice, type ParseResult, parseTrace, parseTraceLeniently } from './parse.ts';
import type { LinkEvidence, ParsedTrace } from './trace.ts';
import { sortedUnique } from './trace.ts';

/**
 * One run, several files: each node's own log (cluster mode keeps `<node>.log` per
 * member) and the kit's fault events (`kit-events.ndjson`: Partition, Cut, Heal, Crash,
 * Restart). The files are read one by one, each with its own format, and merged into one
 * trace ordered by timestamp. A node's own log names the node by the implementation's id
 * (etcd's hex member id, hashicorp's address); the file says which node it is, so that id
 * is renamed to the file's node and the kit's events and the logs speak of the same nodes.
 */

export interface TraceInput {
  readonly text: string;
  readonly file: string;
  /** The node that wrote this file (cluster mode's `<node>.log`), or null for a whole-run log. */
  readonly node: NodeId | null;
}

/** Parse one file, or several files of one run merged by time. Throws only `TraceError`. */
export function parseTraceInputs(inputs: readonly TraceInput[], format: FormatChoice = 'auto'): ParseResult {
  if (inputs.length === 1) return parseTrace(inputs[0].text, inputs[0].file, format, inputs[0].node);
  const parts = inputs.map((input) => {
    // The kit's events are canonical whatever --format says about the node logs.
    const own = input.node === null && input.file.endsWith('.ndjson') ? 'auto' : format;
    return { input, result: parseTraceLeniently(input.text, input.file, own, input.node) };
  });
  const merged = mergeTraces(
    parts.map((p) => ({ trace: p.result.trace, node: p.input.node })),
    inputs.map((i) => i.file).join(' + '),
  );
  if (merged.events.length === 0) {
    throw new TraceError(merged.file, 1, 'at least one trace event in the files', 'no event');
  }
  const main = parts.find((p) => p.input.node !== null) ?? parts[0];
  return { trace: merged, detection: main.result.detection };
}

interface Part {
  readonly trace: ParsedTrace;
  readonly node: NodeId | null;
}

/** The id a node's own log gives its node: the one most of its events are attributed to. */
function selfId(trace: ParsedTrace): NodeId | null {
  const counts = new Map<NodeId, number>();
  for (const e of trace.events) if (e.node !== KIT) counts.set(e.node, (counts.get(e.node) ?? 0) + 1);
  let best: NodeId | null = null;
  for (const [id, count] of counts) if (best === null || count > (counts.get(best) ?? 0)) best = id;
  return best;
}

function renames(parts: readonly Part[]): Map<NodeId, NodeId> {
  const map = new Map<NodeId, NodeId>();
  for (const { trace, node } of parts) {
    const self = node === null ? null : selfId(trace);
    if (node !== null && self !== null && self !== node) map.set(self, node);
  }
  return map;
}

function renameMessage(m: Message, to: (id: NodeId) => NodeId): Message {
  return { ...m, from: to(m.from), to: to(m.to) };
}

function renameEvent(e: TraceEvent, offset: number, to: (id: NodeId) => NodeId): TraceEvent {
  return {
    ...e,
    line: e.line + offset,
    node: to(e.node),
    ...(e.message ? { message: renameMessage(e.message, to) } : {}),
    ...(e.nodes ? { nodes: e.nodes.map(to) } : {}),
    ...(e.groups ? { groups: e.groups.map((g) => g.map(to)) } : {}),
    ...(e.from !== undefined ? { from: to(e.from) } : {}),
    ...(e.to !== undefined ? { to: to(e.to) } : {}),
  };
}

function renameLink(l: LinkEvidence, offset: number, to: (id: NodeId) => NodeId): LinkEvidence {
  return { ...l, line: l.line + offset, from: to(l.from), to: to(l.to) };
}

/** Time order; an event without a time (the kit's Cluster line) goes first; ties keep file order. */
function byTime(a: TraceEvent, b: TraceEvent): number {
  return (a.time ?? Number.NEGATIVE_INFINITY) - (b.time ?? Number.NEGATIVE_INFINITY) || a.line - b.line;
}

export function mergeTraces(parts: readonly Part[], file: string): ParsedTrace {
  const map = renames(parts);
  const to = (id: NodeId) => map.get(id) ?? id;
  const offsets: number[] = [];
  let total = 0;
  for (const { trace } of parts) {
    offsets.push(total);
    total += trace.totalLines;
  }
  const each = <T>(pick: (trace: ParsedTrace, offset: number) => readonly T[]) =>
    parts.flatMap(({ trace }, i) => pick(trace, offsets[i]));
  const shift = <T extends { line: number }>(items: readonly T[], offset: number) =>
    items.map((item) => ({ ...item, line: item.line + offset }));
  const events = each((t, o) => t.events.map((e) => renameEvent(e, o, to))).sort(byTime);
  const main = parts.find((p) => p.node !== null)?.trace ?? parts[0].trace;
  const sum = (pick: (t: ParsedTrace) => number) => parts.reduce((s, p) => s + pick(p.trace), 0);
  return {
    file,
    format: main.format,
    totalLines: total,
    logLines: sum((t) => t.logLines),
    duplicates: sum((t) => t.duplicates),
    firstDuplicateLines: each((t, o) => t.firstDuplicateLines.map((l) => l + o)),
    informational: sum((t) => t.informational),
    skipped: each((t, o) => shift(t.skipped, o)),
    damaged: each((t, o) => shift(t.damaged, o)),
    extraFields: each((t, o) => shift(t.extraFields, o)),
    inconsistent: each((t, o) => shift(t.inconsistent, o)),
    outOfOrder: {
      count: sum((t) => t.outOfOrder.count),
      maxBackwardsMs: Math.max(...parts.map((p) => p.trace.outOfOrder.maxBackwardsMs)),
    },
    events,
    nodes: sortedUnique(parts.flatMap((p) => p.trace.nodes.map(to))),
    preVote: parts.some((p) => p.trace.preVote),
    holes: each((t, o) => shift(t.holes, o)),
    idMapping: idMapping(map, parts),
    inferences: [...new Set(parts.flatMap((p) => p.trace.inferences)), fileLegend(parts, offsets)],
    links: LinkColumns.of(each((t, o) => t.links.toArray().map((l) => renameLink(l, o, to)))),
    noReplay: parts.map((p) => p.trace.noReplay).find((r) => r !== null) ?? null,
  };
}

function idMapping(map: ReadonlyMap<NodeId, NodeId>, parts: readonly Part[]): string | null {
  if (map.size === 0) return parts.map((p) => p.trace.idMapping).find((m) => m !== null) ?? null;
  return `each node's own ids taken to its file's name: ${[...map].map(([id, node]) => `${id} → ${node}`).join(', ')}`;
}

/** Line numbers run on from file to file: say which lines are whose. */
function fileLegend(parts: readonly Part[], offsets: readonly number[]): string {
  const spans = parts.map(
    ({ trace }, i) => `${trace.file} = lines ${offsets[i] + 1}–${offsets[i] + trace.totalLines}`,
  );
  return `${parts.length} files merged by timestamp, line numbers counted on across them: ${spans.join('; ')}`;
}
