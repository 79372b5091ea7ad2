import { describe, it } from 'vitest';
import type { StepTarget } from './adapters/in-process.ts';
import { type ConformanceOptions, conformanceCases, explainFailure } from './library/conformance.ts';

/**
 * `raftConformance(factory)`: every scenario of the raftkit suite as its own vitest test
 * against the caller's implementation (a fresh `StepTarget` from `factory` per scenario).
 * A failure shows the step, expected vs actual and the Figure 2 rule; a scenario that
 * needs a feature the target does not declare is skipped with the reason.
 */
export function raftConformance(
  factory: () => StepTarget,
  options: ConformanceOptions & { readonly title?: string } = {},
): void {
  describe(options.title ?? 'raftkit conformance', () => {
    for (const c of conformanceCases(factory, options)) {
      it(c.name, async (context) => {
        const result = await c.run();
        if (result.status === 'skip') context.skip(result.reason);
        if (result.status === 'fail') throw new Error(`${c.file}\n${explainFailure(result)}`);
      });
    }
  });
}

export type { ConformanceOptions } from './library/conformance.ts';
