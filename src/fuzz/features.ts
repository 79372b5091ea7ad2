import type { AdapterHello, ImplementationFeatureName } from '../adapters/types.ts';
import { declaredTolerances, oracleFeatures, runFeatures } from '../conformance/index.ts';
import { modelFeaturesOf } from '../scenario/index.ts';

/**
 * What a fuzz campaign may do and the model it is judged by (`raftkit fuzz` and `raftkit
 * mutants --fuzz`), from the adapter's `init_ok` and `--features`. The cluster asks for
 * PreVote and CheckQuorum when `--features` lists them (and the adapter has them); the leader
 * no-op and every model switch the adapter declares join them exactly as step mode adds them
 * to every scenario (`runFeatures`, `oracleFeatures`, `modelFeaturesOf`): one derivation, so
 * fuzz judges by the model `raftkit conform` uses for that implementation, the one
 * `raftkit check --features` checks.
 */
export function campaignFeatures(
  hello: AdapterHello,
  listed: readonly ImplementationFeatureName[] | undefined,
) {
  const declared = runFeatures(hello, listed);
  const asked = (name: 'preVote' | 'checkQuorum') => declared[name] && (listed?.includes(name) ?? false);
  const cluster = { preVote: asked('preVote'), checkQuorum: asked('checkQuorum') };
  return {
    hello,
    features: modelFeaturesOf(oracleFeatures(cluster, declared)),
    ticks: declared.ticks,
    crashes: declared.restartWithPersistence,
    tolerances: declaredTolerances(hello),
  };
}
