import type { Command } from 'commander';
import { AdapterSpecError, adapterSpec, serveStdio } from '../../adapters/index.ts';
import { ReferenceHarness } from '../../reference/index.ts';
import { UsageError } from '../errors.ts';
import { parseReferenceFeatures } from '../reference-features.ts';

/**
 * `raftkit serve-reference`: the reference implementation as a process speaking
 * conformance/PROTOCOL.md on stdin/stdout — the same verdicts as the in-process adapter,
 * over the protocol any other implementation uses.
 */
export function register(program: Command): void {
  program
    .command('serve-reference')
    .summary('serve the reference implementation over the stdio protocol (for --adapter-cmd)')
    .description(
      'Read newline-delimited JSON requests of conformance/PROTOCOL.md on stdin and answer each on ' +
        'stdout, stepping the reference Raft implementation (src/reference/). Logs go to stderr. ' +
        'Exits 0 at end of input or after a shutdown request.',
    )
    .option('--mutant <name>', 'serve one of the named mutants instead (see raftkit mutants)')
    .option(
      '--leader-no-op',
      'leaders append a blank no-op entry on election (thesis §8); declared as leaderNoOp',
    )
    .option(
      '--features <list>',
      'model switches to build the reference with, as raftkit check --features takes them (name or name=value, see raftkit features); declared in init_ok.features',
    )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  npx raftkit conform --adapter-cmd "npx raftkit serve-reference"',
        '  npx raftkit conform --adapter-cmd "npx raftkit serve-reference --mutant vote-not-durable"',
        '  npx raftkit conform --adapter-cmd "npx raftkit serve-reference --features checkQuorum,backoff=hint"',
        `  echo '{"id":1,"type":"init","protocol":1}' | npx raftkit serve-reference`,
      ].join('\n'),
    )
    .action(async (options: { mutant?: string; leaderNoOp?: boolean; features?: string }) => {
      const build = parseReferenceFeatures('--features', options.features ?? '');
      let mutant: ReturnType<typeof adapterSpec>;
      try {
        mutant = adapterSpec({ adapter: 'builtin:reference', mutant: options.mutant, stepTimeoutMs: 1000 });
      } catch (error) {
        if (error instanceof AdapterSpecError) throw new UsageError(error.message);
        throw error;
      }
      const harness = new ReferenceHarness(mutant.kind === 'builtin' ? mutant.mutant : undefined, {
        leaderNoOp: options.leaderNoOp === true || build.leaderNoOp,
        switches: build.switches,
      });
      await serveStdio(harness, process.stdin, process.stdout);
      process.exitCode = 0;
    });
}
