import { looksLikeCanonical, parseCanonical } from './canonical.ts';
import { looksLikeEliben, parseEliben } from './eliben.ts';
import { TraceError } from './errors.ts';
import { FORMATS, type ParsedTrace, splitLines, type TraceFormat } from './trace.ts';

export type FormatChoice = TraceFormat | 'auto';

export interface Detection {
  readonly format: TraceFormat;
  /** Lines that look like each format, out of the lines sampled. */
  readonly votes: Readonly<Record<TraceFormat, number>>;
  readonly sampled: number;
}

/** Auto-detection: count, over the first 2,000 non-blank lines, which format's line shape matches more. */
export function detectFormat(text: string, file: string): Detection {
  const votes: Record<TraceFormat, number> = { canonical: 0, eliben: 0 };
  let sampled = 0;
  for (const line of splitLines(text)) {
    if (line.trim() === '') continue;
    if (++sampled > 2000) break;
    if (looksLikeCanonical(line)) votes.canonical++;
    else if (looksLikeEliben(line)) votes.eliben++;
  }
  if (votes.canonical === 0 && votes.eliben === 0) {
    throw new TraceError(
      file,
      1,
      `a trace in one of the formats ${FORMATS.join(', ')} (JSON events with "event", or "HH:MM:SS.micro [id] message" lines)`,
      sampled === 0
        ? 'an empty file'
        : `none of the first ${Math.min(sampled, 2000)} non-blank lines in either shape`,
    );
  }
  return { format: votes.canonical >= votes.eliben ? 'canonical' : 'eliben', votes, sampled };
}

export interface ParseResult {
  readonly trace: ParsedTrace;
  readonly detection: Detection | null;
}

/** Parse a trace in the given format, or detect it. Throws only `TraceError`. */
export function parseTrace(text: string, file: string, format: FormatChoice = 'auto'): ParseResult {
  const detection = format === 'auto' ? detectFormat(text, file) : null;
  const chosen = detection?.format ?? (format as TraceFormat);
  const trace = chosen === 'canonical' ? parseCanonical(text, file) : parseEliben(text, file);
  if (trace.events.length === 0) {
    const firstSkipped = trace.skipped.find((s) => s.kind === 'other');
    throw new TraceError(
      file,
      firstSkipped?.line ?? 1,
      `at least one ${chosen} trace event`,
      firstSkipped
        ? `no event; first line not understood: ${JSON.stringify(firstSkipped.text.slice(0, 80))}`
        : 'no event',
    );
  }
  return { trace, detection };
}
