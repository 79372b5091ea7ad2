import { parseFeatureList, UnsupportedFeatureError } from '../../models/features.ts';
import { REFERENCE_SWITCH_NAMES, type ReferenceSwitches } from '../reference/index.ts';
import { UsageError } from './errors.ts';

/** How the built-in reference is built: with the leader no-op, and with these switches. */
export interface ReferenceBuild {
  readonly leaderNoOp: boolean;
  readonly switches: Partial<ReferenceSwitches>;
}

/**
 * `--reference-features checkQuorum,leaderStickiness=same-term` (conform) or `--features …`
 * (serve-reference): read by the parser of `raftkit check --features` (models/features.ts),
 * so the names and values are the model's. PreVote is not a build option: each scenario's
 * cluster line turns it on or off, and the reference always has it.
 */
export function parseReferenceFeatures(flag: string, list: string): ReferenceBuild {
  let parsed: ReturnType<typeof parseFeatureList>;
  try {
    parsed = parseFeatureList(list);
  } catch (error) {
    if (error instanceof UnsupportedFeatureError) throw new UsageError(`${flag}: ${error.message}`);
    throw error;
  }
  const { preVote, leaderNoOp, ...switches } = parsed;
  if (preVote !== undefined)
    throw new UsageError(
      `${flag}: preVote is chosen per scenario (its cluster line), not per build; the reference always has it`,
    );
  for (const name of Object.keys(switches)) {
    if (!(REFERENCE_SWITCH_NAMES as readonly string[]).includes(name))
      throw new UsageError(
        `${flag}: the reference has no switch '${name}' (it has: leaderNoOp, ${REFERENCE_SWITCH_NAMES.join(', ')})`,
      );
  }
  return { leaderNoOp: leaderNoOp === true, switches: switches as Partial<ReferenceSwitches> };
}
