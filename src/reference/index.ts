/** The reference Raft implementation (independent of `models/`) and its named mutants. */
export * from './clock.ts';
export * from './harness.ts';
export * from './mutants.ts';
export * from './node.ts';
export * from './storage.ts';
export * from './switches.ts';
export * from './transport.ts';
