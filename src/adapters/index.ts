import { findMutant, MUTANTS, type MutantName, ReferenceHarness } from '../reference/index.ts';
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
  | { readonly kind: 'builtin'; readonly name: 'reference'; readonly mutant?: MutantName }
  | { readonly kind: 'command'; readonly command: string; readonly stepTimeoutMs: number };

export class AdapterSpecError extends Error {}

/** Check `--adapter`/`--adapter-cmd`/`--mutant` and make a spec; errors name the flag. */
export function adapterSpec(options: {
  adapter?: string;
  adapterCmd?: string;
  mutant?: string;
  stepTimeoutMs: number;
}): AdapterSpec {
  if (options.adapter !== undefined && options.adapterCmd !== undefined) {
    throw new AdapterSpecError('--adapter and --adapter-cmd exclude each other: give one');
  }
  if (options.adapterCmd !== undefined) {
    if (options.mutant !== undefined)
      throw new AdapterSpecError('--mutant applies to --adapter builtin:reference only');
    if (options.adapterCmd.trim() === '')
      throw new AdapterSpecError('--adapter-cmd must be a command line, got an empty string');
    return { kind: 'command', command: options.adapterCmd, stepTimeoutMs: options.stepTimeoutMs };
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
  return { kind: 'builtin', name: 'reference', mutant: options.mutant as MutantName | undefined };
}

/** The flags that select this adapter again, for reproduce commands. */
export function adapterFlags(spec: AdapterSpec): string {
  if (spec.kind === 'command') return `--adapter-cmd ${JSON.stringify(spec.command)}`;
  return spec.mutant ? `--adapter builtin:reference --mutant ${spec.mutant}` : '--adapter builtin:reference';
}

export function createAdapter(spec: AdapterSpec): StepAdapter {
  if (spec.kind === 'command')
    return new StdioAdapter({ command: spec.command, stepTimeoutMs: spec.stepTimeoutMs });
  const name = spec.mutant ? `builtin:reference --mutant ${spec.mutant}` : 'builtin:reference';
  return new InProcessAdapter(name, new ReferenceHarness(spec.mutant));
}
