import type { ScenarioFile } from '../conformance/index.ts';
import { formatObservation, type Mismatch, modelMismatches } from '../scenario/index.ts';

/**
 * The runner judges an implementation by the model, not by a scenario's expected blocks
 * (the model is an acceptor), so an expected block edited by hand would silently mean
 * nothing. Each one that differs from what the model computes is reported with its first
 * differing line; `--strict` turns the report into an error.
 */

function firstDifference(mismatch: Mismatch): string {
  const written = mismatch.expected ? formatObservation(mismatch.expected) : [];
  const model = formatObservation(mismatch.actual);
  for (let k = 0; k < Math.max(written.length, model.length); k++) {
    if (written[k] !== model[k])
      return `the file says '${written[k] ?? '(nothing)'}', the model computes '${model[k] ?? '(nothing)'}'`;
  }
  return 'the blocks differ';
}

/** One line per scenario whose written expected blocks differ from the model's. */
export function expectationWarnings(files: readonly ScenarioFile[]): string[] {
  const warnings: string[] = [];
  for (const { scenario, file } of files) {
    const differing = modelMismatches(scenario).filter((m) => m.expected !== undefined);
    if (differing.length === 0) continue;
    const first = differing[0];
    const more = differing.length > 1 ? ` (and ${differing.length - 1} more step(s))` : '';
    warnings.push(
      `${file}:${first.line}: expected block differs from the model: ${firstDifference(first)}${more}; the run checks against the model (regenerate the blocks with \`npx raftkit generate\` for generated files, or fix them by hand)`,
    );
  }
  return warnings;
}
