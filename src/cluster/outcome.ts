import { NotReachedError } from './targets.ts';
import { NotObservableError } from './types.ts';

/**
 * How a cluster run ends. `fail`: the implementation broke a property, missed a deadline
 * or broke its contract. `skip`: the scenario needs something the implementation lacks or
 * cannot show. `not-reached`: the run never got into the situation the scenario is about
 * (no leader to aim at, a partition that missed the leader) — neither a pass nor a fail.
 */

export type ClusterVerdict = 'pass' | 'fail' | 'skip' | 'not-reached';

/** A step's check failed (line of the step; 0 for startup). */
export class StepFailure extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

export interface Outcome {
  readonly verdict: ClusterVerdict;
  readonly reason?: string;
  readonly line?: number;
}

/** The outcome of an error thrown out of a run's steps. */
export function outcomeOf(error: unknown, violations: readonly string[]): Outcome {
  if (error instanceof NotObservableError) return { verdict: 'skip', reason: error.message };
  const also = violations.length > 0 ? `; ${violations.join('; ')}` : '';
  // A safety violation already seen outweighs a situation not reached.
  if (error instanceof NotReachedError && also === '')
    return { verdict: 'not-reached', reason: error.message };
  if (error instanceof StepFailure)
    return { verdict: 'fail', reason: error.message + also, line: error.line };
  const text = error instanceof Error ? error.message : String(error);
  return { verdict: 'fail', reason: `cluster run error: ${text}${also}` };
}
