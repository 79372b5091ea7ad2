import { type Command, Option } from 'commander';
import { generateStatechartDocs, staleFiles, writeGenerated } from '../../diagram/docs.ts';
import { describeStatechart, toDot, toMermaid } from '../../diagram/statechart.ts';
import { checkOutDir } from '../out.ts';

/**
 * `raftkit diagram`: draw the node statechart from the machine definition. Writes
 * `docs/statechart.md` (Mermaid + tables of transitions, guards and actions) and
 * `docs/statechart.svg` (Graphviz, compiled to WebAssembly: no browser needed);
 * `--check` only compares, for CI.
 */

interface DiagramOptions {
  readonly check?: boolean;
  readonly out: string;
  readonly print?: 'mermaid' | 'dot';
}

export function register(program: Command): void {
  program
    .command('diagram')
    .summary('draw the node statechart into docs/statechart.md and docs/statechart.svg')
    .description(
      'Draw the Raft node statechart from the machine definition (models/node/machine.ts): ' +
        'a Mermaid stateDiagram-v2 with every transition labelled "Event [guard] / actions", ' +
        'tables of all transitions, guards and actions with the rule each implements (read from ' +
        'their doc comments), and an SVG laid out by Graphviz (WebAssembly, no browser). ' +
        'Output is byte-identical for the same model; files are written atomically.',
    )
    .option(
      '--check',
      'write nothing; exit 1 naming each file that is missing or stale, 0 if all are current',
    )
    .option('--out <dir>', 'directory to write statechart.md and statechart.svg into', 'docs')
    .addOption(
      new Option('--print <format>', 'print the diagram source to stdout instead of writing files').choices([
        'mermaid',
        'dot',
      ]),
    )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  npx raftkit diagram                   regenerate docs/statechart.md and docs/statechart.svg',
        '  npx raftkit diagram --check           CI: fail if the committed docs differ from the model',
        '  npx raftkit diagram --print dot | dot -Tpng > statechart.png',
        '',
        'Exit codes: 0 written or up to date, 1 --check found stale files, 2 usage error.',
      ].join('\n'),
    )
    .action(async (options: DiagramOptions) => {
      process.exitCode = await runDiagram(options);
    });
}

export async function runDiagram(options: DiagramOptions): Promise<number> {
  if (options.print) {
    const chart = describeStatechart();
    process.stdout.write(options.print === 'mermaid' ? toMermaid(chart) : toDot(chart));
    return 0;
  }
  if (!options.check) checkOutDir('--out', options.out);
  const files = await generateStatechartDocs();
  if (options.check) {
    const stale = staleFiles(options.out, files);
    for (const { path, reason } of stale) {
      const what = reason === 'missing' ? 'is missing' : 'is stale (differs from what the model generates)';
      process.stderr.write(
        `raftkit diagram --check: ${path} ${what}; regenerate with \`npx raftkit diagram\`\n`,
      );
    }
    if (stale.length > 0) return 1;
    process.stdout.write(`up to date: ${files.map((f) => `${options.out}/${f.name}`).join(', ')}\n`);
    return 0;
  }
  for (const path of writeGenerated(options.out, files)) process.stdout.write(`wrote ${path}\n`);
  return 0;
}
