import { ReferenceHarness, type StepTarget } from 'raftkit';

/**
 * "Your" Raft implementation, in the in-process form of raftkit's step protocol
 * (`StepTarget`: create, deliver, timeout, tick, propose, crash, restart, state, drain).
 * To keep the example short it wraps raftkit's own reference implementation; pass a
 * mutant name to see what a failing run looks like.
 */
export function createMyRaft(mutant?: string): StepTarget {
  return new ReferenceHarness(mutant as ConstructorParameters<typeof ReferenceHarness>[0]);
}
