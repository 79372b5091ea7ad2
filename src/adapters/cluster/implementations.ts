import { existsSync } from 'node:fs';
import type { NodeId } from '../../../models/index.ts';
import { EtcdCluster, etcdVersion } from './etcd.ts';
import { PySyncObjCluster, pysyncobjVersion } from './pysyncobj.ts';
import { ReferenceCluster, TIMING_MUTANT } from './reference.ts';
import type { ClusterImplementation } from './types.ts';

/** The implementations `raftkit cluster --impl` knows, and why one may be unavailable here. */
export const CLUSTER_IMPLEMENTATIONS = ['reference', 'reference-timing-mutant', 'etcd', 'pysyncobj'] as const;
export type ClusterImplementationName = (typeof CLUSTER_IMPLEMENTATIONS)[number];

export interface ImplementationOptions {
  readonly seed: number;
  /** For the reference: where each node appends its seed-format trace log. */
  readonly traceFile?: (node: NodeId) => string;
  readonly traceFormat?: 'canonical' | 'eliben';
}

/** Null when the implementation can run here, else the reason (with the install line). */
export function unavailable(name: ClusterImplementationName): string | null {
  switch (name) {
    case 'etcd':
      return etcdVersion() === null
        ? 'etcd not found on PATH (Debian: apt-get install -y etcd-server etcd-client)'
        : null;
    case 'pysyncobj':
      return pysyncobjVersion() === null
        ? 'pysyncobj not importable by /usr/bin/python3 (Debian: apt-get install -y python3-pysyncobj)'
        : null;
    default:
      return existsSync('/proc/net/tcp') ? null : 'cluster mode needs Linux (/proc/net/tcp)';
  }
}

export function makeImplementation(
  name: ClusterImplementationName,
  options: ImplementationOptions,
): ClusterImplementation {
  switch (name) {
    case 'etcd':
      return new EtcdCluster();
    case 'pysyncobj':
      return new PySyncObjCluster();
    case 'reference':
      return new ReferenceCluster({
        seed: options.seed,
        traceFile: options.traceFile,
        traceFormat: options.traceFormat,
      });
    case 'reference-timing-mutant':
      return new ReferenceCluster({
        seed: options.seed,
        timing: TIMING_MUTANT,
        traceFile: options.traceFile,
        traceFormat: options.traceFormat,
        label: `reference timing mutant (docs/bugs.md #8: election 5-9 ms on a 10 ms tick, RPC delay 1-5 ms), seed ${options.seed}`,
      });
  }
}
