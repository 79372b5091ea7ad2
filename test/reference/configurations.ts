import { type Features, type FeatureValue, NO_FEATURES, SWITCHES } from '../../models/features.ts';

/**
 * The switch configurations the reference is run under: each switch's every non-default value
 * alone, then all switches together (one configuration per value of a switch with several,
 * leaderStickiness), read from models/features.ts so that a new switch shows up here.
 * PreVote is not among them: each scenario's cluster line chooses it.
 */
export interface Configuration {
  /** As `--reference-features` takes it. */
  readonly flag: string;
  readonly features: Partial<Features>;
}

const BUILD_SWITCHES = SWITCHES.filter((s) => s.name !== 'preVote');

function flagOf(features: Partial<Features>): string {
  return Object.entries(features)
    .map(([name, value]) => (value === true ? name : `${name}=${value}`))
    .join(',');
}

function alternatives(): { name: keyof Features; value: FeatureValue }[] {
  return BUILD_SWITCHES.flatMap((s) =>
    s.values.filter((v) => v !== NO_FEATURES[s.name]).map((value) => ({ name: s.name, value })),
  );
}

/** Each value with the build switches it requires (noOpAfterFirstAppend needs leaderNoOp; preVote is per scenario). */
export function eachValueAlone(): Configuration[] {
  return alternatives().map(({ name, value }) => {
    const requires = SWITCHES.find((s) => s.name === name)?.requires ?? {};
    const { preVote: _perScenario, ...build } = requires;
    const features = { ...build, [name]: value } as Partial<Features>;
    return { flag: flagOf(features), features };
  });
}

/**
 * Leave out a switch that needs another build switch at a value the set does not have
 * (appendBelowCommit=reply-commit needs appendMatchFrom=response); preVote is per scenario.
 */
function dropIncompatible(features: Record<string, FeatureValue>): void {
  for (const s of BUILD_SWITCHES) {
    const needs = Object.entries(s.requires ?? {}).filter(([name]) => name !== 'preVote');
    if (needs.some(([name, value]) => (features[name] ?? NO_FEATURES[name as keyof Features]) !== value))
      delete features[s.name];
  }
}

/** Every compatible switch on at once; a switch with several values contributes one configuration per value. */
export function allTogether(): Configuration[] {
  const widest = Math.max(...BUILD_SWITCHES.map((s) => s.values.length - 1));
  const out: Configuration[] = [];
  for (let k = 0; k < widest; k++) {
    const features: Record<string, FeatureValue> = {};
    for (const s of BUILD_SWITCHES) {
      const others = s.values.filter((v) => v !== NO_FEATURES[s.name]);
      features[s.name] = others[Math.min(k, others.length - 1)];
    }
    dropIncompatible(features);
    out.push({ flag: flagOf(features as Partial<Features>), features: features as Partial<Features> });
  }
  return out;
}
