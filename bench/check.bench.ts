/**
 * `npm run bench:check`: the model checker's speed on two fixed bounds.
 *
 *   (a) elections only (no client requests), 3 servers, max term 3
 *   (b) 3 servers, 1 client value, max term 2, max log 2, one copy of each message,
 *       no crash, no drop, no duplicate
 *
 * Both with the network otherwise unbounded (no --max-in-flight limit), BFS, with and
 * without symmetry. Each case runs in its own process (so peak memory is its own) for at
 * most BENCH_SECONDS (default 600); a case that does not finish reports how far it got.
 * Reference: TLC 2.x on Ongaro's raft.tla explores about 8,500 distinct states/s
 * (≈ 85,000 generated states/s) with one worker on a machine like this one.
 *
 *   npm run bench:check                      all cases, 10 minutes each at most
 *   BENCH_SECONDS=60 npm run bench:check     a quicker look
 *   BENCH_CASES=a,b npm run bench:check      only some cases
 *   npx tsx bench/check.bench.ts --case a-sym   one case, JSON on stdout
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { makeClusterConfig } from '../models/index.ts';
import { check } from '../src/explore/checker.ts';

interface BenchCase {
  readonly id: string;
  readonly title: string;
  readonly symmetry: boolean;
  readonly values: readonly string[];
  readonly maxTerm: number;
  readonly maxLog: number;
  readonly lossy: boolean;
  readonly duplicating: boolean;
}

const CASES: readonly BenchCase[] = [
  {
    id: 'a',
    title: '(a) elections only, 3 servers, max term 3',
    symmetry: false,
    values: [],
    maxTerm: 3,
    maxLog: 0,
    lossy: true,
    duplicating: true,
  },
  {
    id: 'a-sym',
    title: '(a) same, symmetry',
    symmetry: true,
    values: [],
    maxTerm: 3,
    maxLog: 0,
    lossy: true,
    duplicating: true,
  },
  {
    id: 'b',
    title: '(b) 1 value, max term 2, max log 2, reliable',
    symmetry: false,
    values: ['v1'],
    maxTerm: 2,
    maxLog: 2,
    lossy: false,
    duplicating: false,
  },
  {
    id: 'b-sym',
    title: '(b) same, symmetry',
    symmetry: true,
    values: ['v1'],
    maxTerm: 2,
    maxLog: 2,
    lossy: false,
    duplicating: false,
  },
];

interface CaseResult {
  readonly id: string;
  readonly distinct: number;
  readonly generated: number;
  readonly depth: number;
  readonly seconds: number;
  readonly stoppedBy: string;
  readonly maxRssMb: number;
  readonly heapUsedMb: number;
}

function runCase(c: BenchCase, seconds: number): CaseResult {
  const config = makeClusterConfig({
    nodes: 3,
    values: c.values,
    network: { lossy: c.lossy, duplicating: c.duplicating },
    dropDeadResponses: true,
  });
  const result = check({
    config,
    bounds: { maxTerm: c.maxTerm, maxLog: c.maxLog, maxCopies: 1, maxCrashes: 0 },
    symmetry: c.symmetry,
    maxSeconds: seconds,
    onProgress: (p) =>
      process.stderr.write(
        `  [${c.id}] ${p.seconds.toFixed(0)} s: ${p.distinct} distinct, ${p.generated} generated, depth ${p.depth}\n`,
      ),
    progressEveryMs: 30_000,
  });
  return {
    id: c.id,
    distinct: result.distinct,
    generated: result.generated,
    depth: result.depth,
    seconds: result.seconds,
    stoppedBy: result.stoppedBy,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    heapUsedMb: process.memoryUsage().heapUsed / 1024 / 1024,
  };
}

/** TLC 2.x on Ongaro's raft.tla, one worker, a machine like this one (the figure). */
const TLC_DISTINCT_PER_SECOND = 8_500;
const seconds = Number(process.env.BENCH_SECONDS ?? 600);
const caseFlag = process.argv.indexOf('--case');
if (caseFlag >= 0) {
  const c = CASES.find((k) => k.id === process.argv[caseFlag + 1]);
  if (!c) throw new Error(`--case must be one of ${CASES.map((k) => k.id).join(', ')}`);
  process.stdout.write(`${JSON.stringify(runCase(c, seconds))}\n`);
} else {
  const self = fileURLToPath(import.meta.url);
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(
    `raftkit check benchmark: BFS, one core, ${seconds} s at most per case; node ${process.version}`,
  );
  console.log(
    'case   distinct    generated   depth  seconds  distinct/s  × TLC  generated/s  peak RSS  bytes/state  finished?',
  );
  const only = process.env.BENCH_CASES?.split(',');
  for (const c of CASES.filter((k) => only === undefined || only.includes(k.id))) {
    const child = spawnSync('npx', ['tsx', self, '--case', c.id], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (child.status !== 0) {
      console.log(`${c.id.padEnd(6)} failed (exit ${child.status})`);
      continue;
    }
    const r = JSON.parse(child.stdout.trim().split('\n').pop() as string) as CaseResult;
    console.log(
      [
        r.id.padEnd(6),
        fmt(r.distinct).padStart(10),
        fmt(r.generated).padStart(12),
        String(r.depth).padStart(6),
        r.seconds.toFixed(1).padStart(8),
        fmt(r.distinct / r.seconds).padStart(11),
        `${(r.distinct / r.seconds / TLC_DISTINCT_PER_SECOND).toFixed(1)}×`.padStart(6),
        fmt(r.generated / r.seconds).padStart(12),
        `${fmt(r.maxRssMb)} MB`.padStart(9),
        fmt((r.maxRssMb * 1024 * 1024) / r.distinct).padStart(12),
        r.stoppedBy === 'exhausted' ? ' yes' : ` no (${r.stoppedBy})`,
      ].join(' '),
    );
  }
  for (const c of CASES) console.log(`  ${c.id}: ${c.title}`);
  console.log(
    `  × TLC: distinct states/s over TLC's ${TLC_DISTINCT_PER_SECOND.toLocaleString('en-US')}/s; with symmetry each state stands for up to 3! = 6 renamings`,
  );
}
