/** The cluster model: servers stepped through the node statechart, a network bag, environment actions. */
export * from './actions.ts';
export * from './config.ts';
export * from './describe.ts';
export * from './state.ts';
