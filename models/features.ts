/**
 * Feature switches: Raft extensions the model can be configured with. A scenario states
 * which features it needs; an implementation declares which it has.
 */
export interface Features {
  /**
   * PreVote (Ongaro's thesis §9.6): before incrementing its term, a server that timed out
   * becomes a pre-candidate and asks whether it could win an election. A server grants a
   * pre-vote only to an up-to-date log for a higher term, and only while it has not heard
   * from a current leader (leader stickiness, thesis §4.2.3). A partitioned server that
   * rejoins therefore no longer bumps everybody's term (BUGS.md #9).
   */
  readonly preVote: boolean;
  /**
   * CheckQuorum (thesis §6.2): a leader steps down when it has not heard from a majority
   * within an election timeout. Not modelled yet: enabling it is rejected by
   * `validateFeatures` with that reason, so no scenario silently runs without it.
   */
  readonly checkQuorum: boolean;
  /**
   * Leader no-op (Ongaro's thesis §6.4 and §8): "each leader commit[s] a blank no-op entry
   * into the log at the start of its term". On becoming leader the node appends
   * `{ term: currentTerm, value: '' }` before its first AppendEntries, so that entry goes
   * out with them and an entry of the new term can commit without a client request (etcd
   * `becomeLeader` → `appendEntry(pb.Entry{Data: nil})`). Off by default: Figure 2 has no
   * such step.
   */
  readonly leaderNoOp: boolean;
}

export const NO_FEATURES: Features = { preVote: false, checkQuorum: false, leaderNoOp: false };

export const FEATURE_NAMES = ['preVote', 'checkQuorum', 'leaderNoOp'] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

/** Features the model implements today. */
export const MODELLED_FEATURES: readonly FeatureName[] = ['preVote', 'leaderNoOp'];

export class UnsupportedFeatureError extends Error {}

export function validateFeatures(features: Features): Features {
  for (const name of FEATURE_NAMES) {
    if (features[name] && !MODELLED_FEATURES.includes(name)) {
      throw new UnsupportedFeatureError(
        `feature '${name}' is declared but not modelled yet (modelled: ${MODELLED_FEATURES.join(', ')})`,
      );
    }
  }
  return features;
}

export function makeFeatures(partial: Partial<Features> = {}): Features {
  return validateFeatures({ ...NO_FEATURES, ...partial });
}
