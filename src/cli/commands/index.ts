import type { Command } from 'commander';

/**
 * Every subcommand, in the order `raftkit --help` lists them. One file per subcommand;
 * each exports `register(program)`.
 */
export function registerCommands(_program: Command): void {
  // register<Name>(program) lines are added here as subcommands land.
}
