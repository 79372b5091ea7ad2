import {
  findMutant,
  MUTANTS,
  type MutantName,
  ReferenceHarness,
  type ReferenceSwitches,
  switchesText,
} from '../reference/index.ts';
import { InProcessAdapter } from './in-process.ts';
import { StdioAdapter } from './stdio.ts';
import type { StepAdapter } from './types.ts';

/** How to reach an implementation in step mode, and the factory that makes the adapter. */
export * from './in-process.ts';
export * from './protocol.ts';
export * from './stdio.ts';
export * from './stdio-server.ts';
export * from './types.ts';

export const BUILTIN_ADAPTERS = ['builtin:reference'] as const;

export type AdapterSpec =
  | {
      readonly kind: 'builtin';
      readonly name: 'reference';
      readonly mutant?: MutantName;
      /** Build the reference with the leader no-op (thesis §8); it then declares `leaderNoOp`. */
      readonly leaderNoOp?: boolean;
      /** Build the reference with these switches (`--reference-features`); it declares them. */
      readonly switches?: Partial<ReferenceSwitches>;
    }
  | {
      readonly kind: 'command';
      readonly command: string;
      readonly stepTimeoutMs: number;
      /** false: one request at a time even if the adapter accepts pipelining (`--no-pipelining`). */
      readonly pipelining?: boolean;
    };

export class AdapterSpecError extends Error {}

/** Check `--adapter`/`--adapter-cmd`/`--mutant` and make a spec; errors name the flag. */
export function adapterSpec(options: {
  adapter?: string;
  adapterCmd?: string;
  mutant?: string;
  stepTimeoutMs: number;
  leaderNoOp?: boolean;
  switches?: Partial<ReferenceSwitches>;
  pipelining?: boolean;
}): AdapterSpec {
  if (options.adapter !== undefined && options.adapterCmd !== undefined) {
    throw new AdapterSpecError('--adapter and --adapter-cmd exclude each other: give one');
  }
  if (options.adapterCmd !== undefined) {
    if (options.mutant !== undefined)
      throw new AdapterSpecError('--mutant applies to --adapter builtin:reference only');
    if (options.switches !== undefined)
      throw new AdapterSpecError(
        '--reference-features applies to the built-in reference only (an --adapter-cmd program declares its own)',
      );
    if (options.adapterCmd.trim() === '')
      throw new AdapterSpecError('--adapter-cmd must be a command line, got an empty string');
    return {
      kind: 'command',
      command: options.adapterCmd,
      stepTimeoutMs: options.stepTimeoutMs,
      ...(options.pipelining === false ? { pipelining: false } : {}),
    };
  }
  const adapter = options.adapter ?? 'builtin:reference';
  if (adapter !== 'builtin:reference') {
    throw new AdapterSpecError(
      `--adapter must be one of ${BUILTIN_ADAPTERS.join(', ')}, got '${adapter}' (use --adapter-cmd for a program)`,
    );
  }
  if (options.mutant !== undefined && !findMutant(options.mutant)) {
    throw new AdapterSpecError(
      `--mutant must be one of ${MUTANTS.map((m) => m.name).join(', ')}; got '${options.mutant}'`,
    );
  }
  return {
    kind: 'builtin',
    name: 'reference',
    mutant: options.mutant as MutantName | undefined,
    ...(options.leaderNoOp ? { leaderNoOp: true } : {}),
    ...(options.switches !== undefined ? { switches: options.switches } : {}),
  };
}

/** The flags that select this adapter again, for reproduce commands. */
export function adapterFlags(spec: AdapterSpec): string {
  if (spec.kind === 'command')
    return `--adapter-cmd ${JSON.stringify(spec.command)}${spec.pipelining === false ? ' --no-pipelining' : ''}`;
  const noOp = spec.leaderNoOp ? ' --features preVote,ticks,restartWithPersistence,leaderNoOp' : '';
  const variants = switchesText(spec.switches ?? {});
  const switches = variants === '' ? '' : ` --reference-features ${variants}`;
  return spec.mutant
    ? `--adapter builtin:reference --mutant ${spec.mutant}${noOp}${switches}`
    : `--adapter builtin:reference${noOp}${switches}`;
}

export function createAdapter(spec: AdapterSpec): StepAdapter {
  if (spec.kind === 'command')
    return new StdioAdapter({
      command: spec.command,
      stepTimeoutMs: spec.stepTimeoutMs,
      pipelining: spec.pipelining,
    });
  const name = spec.mutant ? `builtin:reference --mutant ${spec.mutant}` : 'builtin:reference';
  return new InProcessAdapter(
    name,
    new ReferenceHarness(spec.mutant, { leaderNoOp: spec.leaderNoOp, switches: spec.switches }),
  );
}
