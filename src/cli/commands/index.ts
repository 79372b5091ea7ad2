import type { Command } from 'commander';
import { register as registerDiagram } from './diagram.ts';
import { register as registerTrace } from './trace.ts';

/**
 * Every subcommand, in the order `raftkit --help` lists them. One file per subcommand;
 * each exports `register(program)`.
 */
export function registerCommands(program: Command): void {
  // register<Name>(program) lines are added here as subcommands land.
  registerDiagram(program);
  registerTrace(program);
}
