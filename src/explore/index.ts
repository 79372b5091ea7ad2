/** The model checker's public surface. */
export * from './checker.ts';
export { CheckpointError } from './checkpoint.ts';
export * from './encode.ts';
export * from './path.ts';
export * from './random.ts';
