/** raftkit's model: the public surface of `models/`. */

export * from './cluster/index.ts';
export * from './features.ts';
export * from './mutations.ts';
export * from './node/actions.ts';
export * from './node/compiled.ts';
export * from './node/context.ts';
export * from './node/events.ts';
export * from './node/guards.ts';
export * from './node/log.ts';
export * from './node/machine.ts';
export * from './node/serialize.ts';
export * from './node/step.ts';
export * from './node/timers.ts';
export * from './properties/index.ts';
export * from './types.ts';
