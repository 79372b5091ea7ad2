import {
  type FeatureName,
  type Features,
  makeFeatures,
  NO_FEATURES,
  SWITCHES,
  unmetRequirements,
} from '../../models/index.ts';
import type { ScenarioFeatures } from './ast.ts';

/**
 * A scenario's switches (models/features.ts) as the model reads them. The `features` line of
 * a scenario file names any switch away from its default (`features preVote
 * leaderStickiness=same-term`); preVote, checkQuorum and leaderNoOp keep their own fields
 * (they are also capabilities an implementation turns on per cluster, PROTOCOL.md §3), every
 * other switch goes to `switches`. No rule here: only where each value is kept.
 */

const OWN_FIELDS = ['preVote', 'checkQuorum', 'leaderNoOp'] as const;

/** The scenario's features from the switches it names (unnamed ones keep their defaults). */
export function scenarioFeaturesOf(named: Partial<Features>): ScenarioFeatures {
  const features = makeFeatures(named);
  const unmet = unmetRequirements(features);
  if (unmet.length > 0) throw new Error(unmet.join('; '));
  const switches: Record<string, boolean | string> = {};
  for (const info of SWITCHES) {
    if ((OWN_FIELDS as readonly string[]).includes(info.name)) continue;
    if (features[info.name] !== NO_FEATURES[info.name]) switches[info.name] = features[info.name];
  }
  return {
    preVote: features.preVote,
    checkQuorum: features.checkQuorum,
    ...(features.leaderNoOp ? { leaderNoOp: true } : {}),
    ...(Object.keys(switches).length > 0 ? { switches: switches as Partial<Features> } : {}),
  };
}

/** Every switch of a scenario's model: its own fields and `switches`, the rest at their defaults. */
export function modelFeaturesOf(features: ScenarioFeatures): Features {
  return makeFeatures({
    ...features.switches,
    preVote: features.preVote,
    // A scenario's `features checkQuorum` turns it on; an implementation that always runs it
    // (`init_ok.features.checkQuorum: "always"`) turns it on for every scenario.
    checkQuorum: features.checkQuorum || features.switches?.checkQuorum === true,
    leaderNoOp: features.leaderNoOp ?? false,
  });
}

/** The switches a scenario sets away from their defaults, in the order of models/features.ts. */
export function namedSwitches(features: ScenarioFeatures): Partial<Features> {
  const all = modelFeaturesOf(features);
  const named: Record<string, boolean | string> = {};
  for (const info of SWITCHES)
    if (all[info.name] !== NO_FEATURES[info.name]) named[info.name] = all[info.name];
  return named as Partial<Features>;
}

/** `name` for a true boolean, `name=value` otherwise: the tokens of a `features` line. */
export function switchTokens(named: Partial<Features>): string[] {
  return Object.entries(named).map(([name, value]) => (value === true ? name : `${name}=${value}`));
}

/** The switches of a scenario a run has to have, besides the capabilities (preVote, checkQuorum, leaderNoOp). */
export function behaviourSwitches(features: ScenarioFeatures): [FeatureName, boolean | string][] {
  return Object.entries(features.switches ?? {}) as [FeatureName, boolean | string][];
}
