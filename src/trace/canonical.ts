import type { NodeId } from '../../models/index.ts';
import { excerpt, TraceError } from './errors.ts';
import { type CanonicalEvent, canonicalEventSchema, KIT, type TraceEvent } from './events.ts';
import {
  isFence,
  NO_PASTE_DAMAGE,
  type ParsedTrace,
  type SkippedLine,
  sortedUnique,
  splitLines,
} from './trace.ts';

/**
 * Parser for the canonical trace format (docs/trace-format.md): one JSON object per
 * line. Lines that are not JSON objects (blank lines, fences, prose around a pasted
 * trace) are skipped and reported; a JSON object that breaks the schema is an error
 * naming the line, what was expected and what was found — the format is written by
 * programs, so a bad event is a bug to fix, not noise to skip.
 */

function describeIssue(issue: { path: readonly PropertyKey[]; message: string; code: string }): string {
  const where = issue.path.length === 0 ? 'the event' : `field "${issue.path.map(String).join('.')}"`;
  return `${where}: ${issue.message}`;
}

export function looksLikeCanonical(text: string): boolean {
  const t = text.trim();
  return t.startsWith('{') && t.includes('"event"');
}

const BLOCK = 4096;

/**
 * JSON.parse every line that starts with '{', a block of lines at a time (one parse of
 * "[l1,l2,…]" is much faster than one per line); a block that fails is parsed line by line
 * to name the bad line. Lines that are not JSON objects are left undefined.
 */
function parseJsonLines(lines: readonly string[], file: string): unknown[] {
  const result: unknown[] = new Array(lines.length);
  let indexes: number[] = [];
  const flush = () => {
    if (indexes.length === 0) return;
    let values: unknown[] | null = null;
    try {
      values = JSON.parse(`[${indexes.map((i) => lines[i]).join(',')}]`) as unknown[];
      if (values.length !== indexes.length) values = null;
    } catch {
      values = null;
    }
    if (values === null) values = indexes.map((i) => parseLine(lines[i], i + 1, file));
    for (let k = 0; k < indexes.length; k++) result[indexes[k]] = values[k];
    indexes = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line.startsWith('{')) continue;
    if (!line.endsWith('}')) {
      flush();
      result[i] = parseLine(line, i + 1, file);
      continue;
    }
    indexes.push(i);
    if (indexes.length >= BLOCK) flush();
  }
  flush();
  return result;
}

function parseLine(line: string, lineNo: number, file: string): unknown {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new Error('not an object');
    }
    return value;
  } catch (error) {
    throw new TraceError(
      file,
      lineNo,
      'one JSON object per line',
      `invalid JSON (${error instanceof Error ? error.message : String(error)}): ${excerpt(line.trim())}`,
    );
  }
}

type NetworkCanonical = Extract<CanonicalEvent, { event: 'Partition' | 'Cut' | 'Heal' }>;

/** A Partition, Cut or Heal line: logged by the kit (node "kit"); the servers it names join the membership. */
function networkEvent(e: NetworkCanonical, line: number, ids: Set<NodeId>): TraceEvent {
  const base = { line, time: e.time ?? null, node: KIT, event: e.event };
  if (e.event === 'Partition') {
    for (const id of e.groups.flat()) ids.add(id);
    return { ...base, groups: e.groups };
  }
  if (e.event === 'Cut') {
    ids.add(e.from);
    ids.add(e.to);
    return { ...base, from: e.from, to: e.to };
  }
  return base;
}

export function parseCanonical(text: string, file: string): ParsedTrace {
  const lines = splitLines(text);
  const skipped: SkippedLine[] = [];
  const events: TraceEvent[] = [];
  const ids = new Set<NodeId>();
  let clusterNodes: readonly NodeId[] | null = null;
  let preVote = false;
  let logLines = 0;
  let outOfOrder = 0;
  let maxBackwardsMs = 0;
  let lastTime: number | null = null;
  let untimed = 0;

  const parsedJson = parseJsonLines(lines, file);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const json = parsedJson[i];
    if (json === undefined) {
      const trimmed = lines[i].trim();
      if (trimmed === '') skipped.push({ line: lineNo, kind: 'blank', text: '', reason: 'blank line' });
      else if (isFence(trimmed))
        skipped.push({ line: lineNo, kind: 'fence', text: trimmed, reason: 'markdown fence' });
      else skipped.push({ line: lineNo, kind: 'other', text: trimmed, reason: 'not a JSON object' });
      continue;
    }
    const trimmed = lines[i];
    const result = canonicalEventSchema.safeParse(json);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new TraceError(
        file,
        lineNo,
        'a trace event as in docs/trace-format.md',
        `${describeIssue(issue)} in ${excerpt(trimmed)}`,
      );
    }
    logLines++;
    const e: CanonicalEvent = result.data;
    if (e.event === 'Cluster') {
      if (clusterNodes === null) {
        clusterNodes = e.nodes;
        preVote = e.preVote ?? false;
      }
      continue;
    }
    if ('message' in e) {
      const own = e.event === 'Send' ? e.message.from : e.message.to;
      if (own !== e.node) {
        throw new TraceError(
          file,
          lineNo,
          `message.${e.event === 'Send' ? 'from' : 'to'} to be the node that logs the ${e.event} (${e.node})`,
          `${own} in ${excerpt(trimmed)}`,
        );
      }
    }
    const time = e.time ?? null;
    if (time === null) untimed++;
    else {
      if (lastTime !== null && time < lastTime) {
        outOfOrder++;
        maxBackwardsMs = Math.max(maxBackwardsMs, lastTime - time);
      }
      lastTime = lastTime === null ? time : Math.max(lastTime, time);
    }
    if (e.event === 'Partition' || e.event === 'Cut' || e.event === 'Heal') {
      events.push(networkEvent(e, lineNo, ids));
      continue;
    }
    if (e.node === KIT) {
      throw new TraceError(
        file,
        lineNo,
        `a server id other than "${KIT}" (the kit's own, for network events)`,
        `${excerpt(trimmed)}`,
      );
    }
    if (!ids.has(e.node)) ids.add(e.node);
    if ('message' in e && !(ids.has(e.message.from) && ids.has(e.message.to))) {
      ids.add(e.message.from);
      ids.add(e.message.to);
    }
    // zod returns a fresh object: give it its line and time rather than copying it.
    const event = e as unknown as { line: number; time: number | null };
    event.line = lineNo;
    event.time = time;
    events.push(event as unknown as TraceEvent);
  }
  // Order by time when every event has one (stable: ties keep file order).
  if (untimed === 0 && outOfOrder > 0) {
    events.sort((a, b) => (a.time as number) - (b.time as number) || a.line - b.line);
  }
  if (clusterNodes !== null) {
    const unknown = [...ids].filter((id) => !clusterNodes?.includes(id));
    if (unknown.length > 0) {
      const first = events.find((e) => unknown.includes(e.node) || unknown.includes(e.message?.from ?? ''));
      throw new TraceError(
        file,
        first?.line ?? 1,
        `only the nodes of the Cluster event (${clusterNodes.join(', ')})`,
        `node ${unknown[0]}`,
      );
    }
  }
  return {
    file,
    format: 'canonical',
    totalLines: lines.length,
    logLines,
    ...NO_PASTE_DAMAGE,
    informational: 0,
    skipped,
    outOfOrder: { count: outOfOrder, maxBackwardsMs },
    events,
    nodes: clusterNodes ? sortedUnique(clusterNodes) : sortedUnique(ids),
    preVote,
    idMapping: null,
    inferences: [],
    links: [],
    noReplay: null,
  };
}
