import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { NodeId } from '../../../models/index.ts';
import {
  CONFIG_FILE,
  ConfigError,
  type ConfiguredImplementation,
  configUnavailable,
  DEFAULT_ELECTION_TIMEOUT_MS,
  externalSpec,
  readConfigFile,
  shippedConfigs,
} from '../config.ts';
import type { ClusterImplementation } from '../types.ts';
import { EtcdCluster, type EtcdOptions, etcdVersion } from './etcd.ts';
import { ExternalCluster } from './external.ts';
import { ReferenceCluster, TIMING_MUTANT } from './reference.ts';
import { checkPlaceholders, splitWords, TemplateError } from './template.ts';

/**
 * The implementations `raftkit cluster --impl` knows: the built-in classes (the
 * reference, its timing mutant, etcd with its own API), every implementation of a
 * `raftkit.cluster.json` (shipped under conformance/adapters/, or the user's), and
 * `external` (the `--node-cmd` template). Each knows why it may be unavailable here.
 */

export const BUILT_IN = ['reference', 'reference-timing-mutant', 'etcd'] as const;

export interface ImplementationOptions {
  readonly seed: number;
  /** For the reference: where each node appends its trace log. */
  readonly traceFile?: (node: NodeId) => string;
  readonly traceFormat?: 'canonical' | 'eliben';
}

export interface ImplementationChoice {
  readonly key: string;
  /** Null when it can run here, else the reason (with the install line). */
  unavailable(): string | null;
  make(options: ImplementationOptions): ClusterImplementation;
}

export interface RegistryOptions {
  /** `--config`; default `./raftkit.cluster.json` when it exists. */
  readonly config?: string;
  /** `--node-cmd` for `--impl external`. */
  readonly nodeCmd?: string;
  readonly electionTimeoutMs?: number;
  readonly preVote?: boolean;
}

/**
 * etcd with `--election-timeout-ms`: its heartbeat at a tenth of it (etcd's own 100/1000
 * ratio), at least 1 ms; etcd refuses an election timeout below 5 heartbeats.
 */
function etcdTimers(electionMs: number | undefined): EtcdOptions {
  return electionMs === undefined
    ? {}
    : { electionMs, heartbeatMs: Math.max(1, Math.floor(electionMs / 10)) };
}

function builtIn(key: (typeof BUILT_IN)[number], options: RegistryOptions): ImplementationChoice {
  const linuxOnly = () => (existsSync('/proc/net/tcp') ? null : 'cluster mode needs Linux (/proc/net/tcp)');
  if (key === 'etcd') {
    return {
      key,
      unavailable: () =>
        etcdVersion() === null
          ? 'etcd not found on PATH (Debian: apt-get install -y etcd-server etcd-client)'
          : null,
      make: () => new EtcdCluster(etcdTimers(options.electionTimeoutMs)),
    };
  }
  const mutant = key === 'reference-timing-mutant';
  return {
    key,
    unavailable: linuxOnly,
    make: (o) =>
      new ReferenceCluster({
        seed: o.seed,
        traceFile: o.traceFile,
        traceFormat: o.traceFormat,
        ...(mutant
          ? {
              timing: TIMING_MUTANT,
              label: `reference timing mutant (docs/bugs.md #8: election 5-9 ms on a 10 ms tick, RPC delay 1-5 ms), seed ${o.seed}`,
            }
          : {}),
      }),
  };
}

function configured(c: ConfiguredImplementation): ImplementationChoice {
  return {
    key: c.key,
    unavailable: () => configUnavailable(c),
    make: () => new ExternalCluster(externalSpec(c)),
  };
}

function fromNodeCmd(options: RegistryOptions): ImplementationChoice {
  const nodeCmd = options.nodeCmd;
  if (nodeCmd === undefined) throw new ConfigError('--impl external needs --node-cmd "<template>"');
  try {
    checkPlaceholders(nodeCmd);
    splitWords(nodeCmd);
  } catch (error) {
    if (error instanceof TemplateError) throw new ConfigError(`--node-cmd: ${error.message}`);
    throw error;
  }
  return {
    key: 'external',
    unavailable: () => null,
    make: () =>
      new ExternalCluster({
        name: `external (${nodeCmd})`,
        nodeCmd,
        cwd: process.cwd(),
        electionTimeoutMs: options.electionTimeoutMs ?? DEFAULT_ELECTION_TIMEOUT_MS,
        features: { preVote: options.preVote ?? false, checkQuorum: false },
        sampleIntervalMs: 50,
      }),
  };
}

/** Every configured implementation: the user's file first (it may override a shipped one). */
function configuredImplementations(config?: string): Map<string, ConfiguredImplementation> {
  const file = config ?? (existsSync(CONFIG_FILE) ? CONFIG_FILE : undefined);
  if (config !== undefined && !existsSync(config)) throw new ConfigError(`--config ${config}: no such file`);
  const user = file === undefined ? [] : readConfigFile(resolve(file));
  const byKey = new Map<string, ConfiguredImplementation>();
  for (const c of [...shippedConfigs(), ...user]) byKey.set(c.key, c);
  return byKey;
}

/** The built-ins and the implementations shipped under conformance/adapters/ (for --help). */
export function shippedImplementations(): string[] {
  const shipped = shippedConfigs().map((c) => c.key);
  return [...BUILT_IN, ...shipped.filter((k) => !(BUILT_IN as readonly string[]).includes(k))];
}

/** Names `--impl all` runs. */
export function knownImplementations(config?: string): string[] {
  const configuredKeys = [...configuredImplementations(config).keys()];
  return [...BUILT_IN, ...configuredKeys.filter((k) => !(BUILT_IN as readonly string[]).includes(k))];
}

/** Resolve `--impl a,b,c` (or `all`). Throws `ConfigError` for an unknown name. */
export function resolveImplementations(
  names: readonly string[],
  options: RegistryOptions,
): ImplementationChoice[] {
  const byKey = configuredImplementations(options.config);
  const all = knownImplementations(options.config);
  const wanted = names.length === 1 && names[0] === 'all' ? all : names;
  return wanted.map((name) => {
    if (name === 'external') return fromNodeCmd(options);
    if ((BUILT_IN as readonly string[]).includes(name))
      return builtIn(name as (typeof BUILT_IN)[number], options);
    const c = byKey.get(name);
    if (c !== undefined) return configured(c);
    throw new ConfigError(
      `--impl must name one of ${[...all, 'external'].join(', ')} or all (comma-separated), got '${name}' (more in ${join('.', CONFIG_FILE)} or --config)`,
    );
  });
}
