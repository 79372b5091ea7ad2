import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import type { ExternalSpec } from './impls/external.ts';
import { checkPlaceholders, splitWords, TemplateError } from './impls/template.ts';

/**
 * `raftkit.cluster.json`: several named external implementations
 * (conformance/CLUSTER-PROTOCOL.md §1). The kit reads the user's file (`--config`, or
 * `./raftkit.cluster.json` when present) and the ones shipped under
 * `conformance/adapters/<name>/raftkit.cluster.json` (PySyncObj, hashicorp/raft, …), so a
 * program is added to the matrix with a file, not with kit code.
 */

export const CONFIG_FILE = 'raftkit.cluster.json';
export const ADAPTERS_DIR = join(import.meta.dirname, '../../conformance/adapters');

/** The election timeout assumed when an implementation does not declare one. */
export const DEFAULT_ELECTION_TIMEOUT_MS = 1000;

const entrySchema = z
  .object({
    nodeCmd: z.string().min(1),
    name: z.string().min(1).optional(),
    electionTimeoutMs: z.number().int().min(1).max(600_000).optional(),
    features: z.object({ preVote: z.boolean().optional(), checkQuorum: z.boolean().optional() }).optional(),
    sampleIntervalMs: z.number().int().min(5).max(5000).optional(),
    requires: z.array(z.string()).optional(),
    versionCmd: z.string().optional(),
    install: z.string().optional(),
    env: z.record(z.string(), z.string()).optional(),
  })
  .strict();

const fileSchema = z
  .object({ implementations: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), entrySchema) })
  .strict();

export type ConfigEntry = z.infer<typeof entrySchema>;

/** One implementation a config file names, with where it came from. */
export interface ConfiguredImplementation {
  readonly key: string;
  readonly file: string;
  readonly entry: ConfigEntry;
}

export class ConfigError extends Error {}

/** Read and check one config file. Throws `ConfigError` naming the file and the field. */
export function readConfigFile(file: string): ConfiguredImplementation[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${file}: not readable JSON (${error instanceof Error ? error.message : error})`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${file}: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  return Object.entries(parsed.data.implementations).map(([key, entry]) => {
    try {
      checkPlaceholders(entry.nodeCmd);
      splitWords(entry.nodeCmd);
    } catch (error) {
      if (error instanceof TemplateError)
        throw new ConfigError(`${file}: implementations.${key}.nodeCmd: ${error.message}`);
      throw error;
    }
    return { key, file: resolve(file), entry };
  });
}

/** The configs shipped with the kit, one per adapter directory that has one. */
export function shippedConfigs(): ConfiguredImplementation[] {
  if (!existsSync(ADAPTERS_DIR)) return [];
  return readdirSync(ADAPTERS_DIR)
    .map((dir) => join(ADAPTERS_DIR, dir, CONFIG_FILE))
    .filter((file) => existsSync(file))
    .flatMap(readConfigFile);
}

/** Null when the implementation can run here, else why not (with its install hint). */
export function configUnavailable(c: ConfiguredImplementation): string | null {
  const missing = (c.entry.requires ?? []).find((path) => !existsSync(resolve(dirname(c.file), path)));
  const hint = c.entry.install === undefined ? '' : ` (${c.entry.install})`;
  if (missing !== undefined) return `${missing} not found${hint}`;
  if (c.entry.versionCmd !== undefined && versionOf(c) === null) {
    return `'${c.entry.versionCmd}' failed${hint}`;
  }
  return null;
}

/** The first line `versionCmd` prints, or null when it fails. */
export function versionOf(c: ConfiguredImplementation): string | null {
  if (c.entry.versionCmd === undefined) return null;
  const [command, ...args] = splitWords(c.entry.versionCmd);
  try {
    const out = execFileSync(command, args, {
      cwd: dirname(c.file),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    });
    return out.trim().split('\n')[0] ?? '';
  } catch {
    return null;
  }
}

/** The `ExternalCluster` spec of a configured implementation. */
export function externalSpec(c: ConfiguredImplementation): ExternalSpec {
  const version = versionOf(c);
  const label = c.entry.name ?? c.key;
  return {
    name: version === null ? label : `${label} ${version}`,
    nodeCmd: c.entry.nodeCmd,
    cwd: dirname(c.file),
    electionTimeoutMs: c.entry.electionTimeoutMs ?? DEFAULT_ELECTION_TIMEOUT_MS,
    features: {
      preVote: c.entry.features?.preVote ?? false,
      checkQuorum: c.entry.features?.checkQuorum ?? false,
    },
    sampleIntervalMs: c.entry.sampleIntervalMs ?? 50,
    env: c.entry.env,
  };
}
