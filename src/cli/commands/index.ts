import type { Command } from 'commander';
import { register as registerCheck } from './check.ts';
import { register as registerCluster } from './cluster.ts';
import { register as registerConform } from './conform.ts';
import { register as registerCoverage } from './coverage.ts';
import { register as registerDiagram } from './diagram.ts';
import { register as registerFeatures } from './features.ts';
import { register as registerFuzz } from './fuzz.ts';
import { register as registerGenerate } from './generate.ts';
import { register as registerMutants } from './mutants.ts';
import { register as registerServeReference } from './serve-reference.ts';
import { register as registerSimulate } from './simulate.ts';
import { register as registerTrace } from './trace.ts';

/**
 * Every subcommand, in the order `raftkit --help` lists them. One file per subcommand;
 * each exports `register(program)`.
 */
export function registerCommands(program: Command): void {
  // register<Name>(program) lines are added here as subcommands land.
  registerCheck(program);
  registerFeatures(program);
  registerDiagram(program);
  registerConform(program);
  registerServeReference(program);
  registerMutants(program);
  registerFuzz(program);
  registerTrace(program);
  registerGenerate(program);
  registerCoverage(program);
  registerSimulate(program);
  registerCluster(program);
}
