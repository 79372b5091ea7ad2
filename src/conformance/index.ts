/** The conformance runner: the model as an acceptor of an implementation's steps. */
export * from './compare.ts';
export * from './progress.ts';
export * from './report.ts';
export * from './rules.ts';
export * from './run-scenario.ts';
export * from './suite.ts';
export * from './timers.ts';
export * from './variations.ts';
