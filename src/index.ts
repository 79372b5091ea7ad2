/**
 * raftkit as a library (docs/api.md): the model (stepping a node, the cluster model, the
 * properties), the scenario format, and the conformance suite run against an
 * implementation in the caller's process.
 */
import { initialNodeState } from '../models/node/step.ts';

export * from '../models/index.ts';
export type { StepTarget } from './adapters/in-process.ts';
export { InProcessAdapter } from './adapters/in-process.ts';
export type {
  ClusterCreated,
  CreateCluster,
  ImplementationFeatureName,
  ImplementationFeatures,
  NodeStatus,
  StepReply,
} from './adapters/types.ts';
export { IMPLEMENTATION_FEATURE_NAMES } from './adapters/types.ts';
export type { ScenarioResult, StepFailure } from './conformance/run-scenario.ts';
export { runScenario } from './conformance/run-scenario.ts';
export {
  bundledScenarioDirs,
  type ConformanceCase,
  type ConformanceOptions,
  checkImplementation,
  conformanceCases,
  explainFailure,
} from './library/conformance.ts';
export { ReferenceHarness } from './reference/index.ts';
export type { Scenario } from './scenario/ast.ts';
export { listScenarioFiles, loadScenarioFile } from './scenario/files.ts';
export { parseScenario, printScenario } from './scenario/text.ts';

/** A node's initial state (term 0, follower, empty log): `step(createNode(setup), input)`. */
export const createNode = initialNodeState;
