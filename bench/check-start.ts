/**
 * What starting the workers of `raftkit check --workers 2` costs, phase by phase, each
 * round in a fresh process run as `npm run bench:check` runs its cases (`tsx`, case (a)'s
 * bounds):
 *
 *   code   finding the workers' code (`worker-source.ts`: the cached bundle, or bundling)
 *   pool   constructing the pool (shared table, spawning the threads)
 *   ready  from the constructed pool until every worker has built its search: the part of
 *          start-up inside the seconds `bench:check` divides by (it starts its clock after
 *          the pool is constructed)
 *
 * each with the CPU time of the whole process (all threads) beside it: on a shared machine
 * the wall times swing with the load, the CPU times much less.
 *
 *   npm run bench:check-start               5 rounds
 *   npm run bench:check-start -- --rounds 9
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { makeClusterConfig } from '../models/index.ts';
import { type ParallelCheckOptions, WorkerPool } from '../src/explore/parallel/coordinator.ts';
import { workerUrl } from '../src/explore/parallel/worker-source.ts';

const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return Math.round((used.user + used.system) / 1000);
};

/** One measurement in this process: the line it prints. */
async function measure(): Promise<string> {
  const config = makeClusterConfig({
    nodes: 3,
    values: [],
    network: { lossy: true, duplicating: true },
    dropDeadResponses: true,
  });
  const bounds = { maxTerm: 3, maxLog: 0, maxCopies: 1, maxCrashes: 0 };
  const options: ParallelCheckOptions = { config, bounds, symmetry: false, workers: 2 };
  let cpu = process.cpuUsage();
  let at = performance.now();
  const phase = (name: string) => {
    const line = `${name} ${Math.round(performance.now() - at)} ms (cpu ${cpuMs(cpu)} ms)`;
    [cpu, at] = [process.cpuUsage(), performance.now()];
    return line;
  };
  const url = workerUrl();
  const code = `${phase('code')} (${url.protocol === 'file:' ? 'bundle file' : url.protocol})`;
  const pool = new WorkerPool(options);
  const constructed = phase('pool');
  await pool.ready();
  const ready = phase('ready');
  await pool.close();
  return `${code}, ${constructed}, ${ready}`;
}

function main(): void {
  if (process.argv.includes('--one')) {
    measure().then((line) => console.log(line));
    return;
  }
  const at = process.argv.indexOf('--rounds');
  const rounds = at >= 0 ? Number(process.argv[at + 1]) : 5;
  const self = fileURLToPath(import.meta.url);
  for (let round = 1; round <= rounds; round++) {
    const child = spawnSync('npx', ['tsx', self, '--one'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    console.log(`round ${round}: ${child.status === 0 ? child.stdout.trim() : 'failed'}`);
  }
}

main();
