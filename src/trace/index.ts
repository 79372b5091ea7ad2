import { type CheckOptions, checkTrace } from './check.ts';
import { diagnose } from './diagnose.ts';
import { parseTraceInputs, type TraceInput } from './merge.ts';
import type { FormatChoice } from './parse.ts';
import type { TraceReport } from './report.ts';

/** Trace validation: parse an implementation's log, replay it against the model, diagnose liveness. */
export * from './check.ts';
export * from './diagnose.ts';
export * from './errors.ts';
export * from './events.ts';
export * from './merge.ts';
export * from './parse.ts';
export * from './report.ts';
export * from './trace.ts';

export interface AnalyzeOptions extends CheckOptions {
  readonly format?: FormatChoice;
  /** Count a liveness failure in the exit code (default true). */
  readonly liveness?: boolean;
  readonly maxLeaderlessTerms?: number;
}

/** Parse, check and diagnose. Throws only `TraceError` (unreadable input). */
export function analyzeTrace(text: string, file: string, options: AnalyzeOptions = {}): TraceReport {
  return analyzeTraceInputs([{ text, file, node: null }], options);
}

/** `analyzeTrace` over one file or the several files of one run (merged by time, see merge.ts). */
export function analyzeTraceInputs(inputs: readonly TraceInput[], options: AnalyzeOptions = {}): TraceReport {
  const { trace, detection } = parseTraceInputs(inputs, options.format ?? 'auto');
  const check = checkTrace(trace, options);
  const diagnosis = diagnose(trace, { maxLeaderlessTerms: options.maxLeaderlessTerms });
  return { trace, detection, check, diagnosis, liveness: options.liveness ?? true };
}
