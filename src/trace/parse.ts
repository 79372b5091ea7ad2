import type { NodeId } from '../../models/index.ts';
import { looksLikeCanonical, parseCanonical } from './canonical.ts';
import { looksLikeEliben, parseEliben } from './eliben.ts';
import { TraceError } from './errors.ts';
import { looksLikeEtcd, parseEtcd } from './etcd.ts';
import { looksLikeHclog, parseHclog } from './hclog.ts';
import { FORMATS, LineReader, type ParsedTrace, type TraceFormat } from './trace.ts';

export type FormatChoice = TraceFormat | 'auto';

export interface Detection {
  readonly format: TraceFormat;
  /** Lines that look like each format, out of the lines sampled. */
  readonly votes: Readonly<Record<TraceFormat, number>>;
  readonly sampled: number;
}

const SHAPES: Readonly<Record<TraceFormat, (line: string) => boolean>> = {
  canonical: looksLikeCanonical,
  eliben: looksLikeEliben,
  hclog: looksLikeHclog,
  etcd: looksLikeEtcd,
};

type Parser = (text: string, file: string, fileNode: NodeId | null) => ParsedTrace;

/** `fileNode` is the node that wrote the whole file; only readers whose lines may not name their node use it. */
const PARSERS: Readonly<Record<TraceFormat, Parser>> = {
  canonical: parseCanonical,
  eliben: parseEliben,
  hclog: parseHclog,
  etcd: parseEtcd,
};

const SHAPE_NAMES =
  'JSON events with "event", "HH:MM:SS.micro [id] message" (eliben), "<ISO time> [LEVEL] name: message" (hclog), ' +
  '"YYYY/MM/DD HH:MM:SS.micro INFO: <id> became candidate at term T" (etcd)';

/** Auto-detection: over the first 2,000 non-blank lines, the format whose line shape matches most (first in FORMATS on ties). */
export function detectFormat(text: string, file: string): Detection {
  const votes: Record<TraceFormat, number> = { canonical: 0, eliben: 0, hclog: 0, etcd: 0 };
  let sampled = 0;
  const lines = new LineReader(text);
  for (let line = lines.next(); line !== null; line = lines.next()) {
    if (line.trim() === '') continue;
    if (++sampled > 2000) break;
    const shape = FORMATS.find((f) => SHAPES[f](line));
    if (shape) votes[shape]++;
  }
  const best = FORMATS.reduce((a, b) => (votes[b] > votes[a] ? b : a));
  if (votes[best] === 0) {
    throw new TraceError(
      file,
      1,
      `a trace in one of the formats ${FORMATS.join(', ')} (${SHAPE_NAMES})`,
      sampled === 0
        ? 'an empty file'
        : `none of the first ${Math.min(sampled, 2000)} non-blank lines in any of these shapes`,
    );
  }
  return { format: best, votes, sampled: Math.min(sampled, 2000) };
}

export interface ParseResult {
  readonly trace: ParsedTrace;
  readonly detection: Detection | null;
}

/** Parse a trace in the given format, or detect it. Throws only `TraceError`. */
export function parseTrace(
  text: string,
  file: string,
  format: FormatChoice = 'auto',
  fileNode: NodeId | null = null,
): ParseResult {
  const result = parseTraceLeniently(text, file, format, fileNode);
  const { trace } = result;
  if (trace.events.length === 0) {
    const firstSkipped = trace.skipped.find((s) => s.kind === 'other');
    throw new TraceError(
      file,
      firstSkipped?.line ?? 1,
      `at least one ${trace.format} trace event`,
      firstSkipped
        ? `no event; first line not understood: ${JSON.stringify(firstSkipped.text.slice(0, 80))}`
        : 'no event',
    );
  }
  return result;
}

/** `parseTrace` that accepts a file without events (one of several files of a run may have none). */
export function parseTraceLeniently(
  text: string,
  file: string,
  format: FormatChoice,
  fileNode: NodeId | null,
): ParseResult {
  const detection = format === 'auto' ? detectFormat(text, file) : null;
  const chosen = detection?.format ?? (format as TraceFormat);
  return { trace: PARSERS[chosen](text, file, fileNode), detection };
}
