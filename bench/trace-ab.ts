/**
 * The trace readers of another checkout against this tree's, in one process, alternately
 * (old, new, new, old, …), by CPU time: on a shared machine a ratio measured so is worth
 * more than two wall-clock rates measured apart. Also checks that both give the same
 * ParsedTrace and CheckResult on the bench's text (a speed-up must not change a verdict).
 *
 *   git archive 908ac21 | tar -x -C /tmp/old && ln -s "$PWD/node_modules" /tmp/old/
 *   npx tsx bench/trace-ab.ts /tmp/old [events=300000] [rounds=3] [formats=canonical,eliben,hclog,etcd]
 *
 * Prints per reader the best parse+check rate of each side and new/old.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { syntheticTrace } from '../src/timing/synthetic.ts';
import { toCanonicalLine } from '../src/trace/events.ts';
import * as NEW from '../src/trace/index.ts';
import type { TraceFormat } from '../src/trace/trace.ts';
import { withLinkArrays } from './link-arrays.ts';
import { tile } from './tile.ts';

type Trace = Pick<typeof NEW, 'parseTrace' | 'checkTrace'>;

const [beforeDir, eventsArg, roundsArg, formatsArg] = process.argv.slice(2);
if (!beforeDir) {
  console.error('usage: npx tsx bench/trace-ab.ts <old checkout> [events] [rounds] [formats]');
  process.exit(2);
}
const OLD = (await import(resolve(beforeDir, 'src/trace/index.ts'))) as Trace;
const EVENTS = Number(eventsArg ?? 300_000);
const ROUNDS = Number(roundsArg ?? 3);
const FORMATS = (formatsArg ?? 'canonical,eliben,hclog,etcd').split(',') as TraceFormat[];
const LOGS: Readonly<Record<Exclude<TraceFormat, 'canonical'>, string>> = {
  eliben: 'test/fixtures/trace/eliben-follower-comes-back.log',
  hclog: 'test/fixtures/trace/hashicorp-partitioned.log',
  etcd: 'test/fixtures/trace/etcd-partitioned.log',
};

/** The bench's text (bench/trace.bench.ts), flat as read from a file. */
function textOf(format: TraceFormat, events: number): string {
  if (format === 'canonical') {
    const text = `${syntheticTrace({ events, seed: 20260601 }).map(toCanonicalLine).join('\n')}\n`;
    return Buffer.from(text).toString();
  }
  const base = readFileSync(LOGS[format], 'utf8');
  const perCopy = NEW.parseTrace(base, LOGS[format], format).trace.events.length;
  return Buffer.from(tile(base, format, Math.max(1, Math.round(events / perCopy)))).toString();
}

function run(side: Trace, text: string, format: TraceFormat) {
  const start = process.cpuUsage();
  const parsed = side.parseTrace(text, 'bench', format);
  const check = side.checkTrace(parsed.trace);
  const used = process.cpuUsage(start);
  return { parsed, check, cpu: (used.user + used.system) / 1e6 };
}

const rate = (n: number, s: number) => `${Math.round(n / s).toLocaleString('en-US')}/s`;

function compare(format: TraceFormat): void {
  const text = textOf(format, EVENTS);
  const best = { old: Number.POSITIVE_INFINITY, new: Number.POSITIVE_INFINITY };
  let events = 0;
  let same = true;
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? (['old', 'new'] as const) : (['new', 'old'] as const);
    const results = order.map((side) => {
      const result = run(side === 'old' ? OLD : NEW, text, format);
      best[side] = Math.min(best[side], result.cpu);
      events = result.parsed.trace.events.length;
      return result;
    });
    if (round === 0) {
      same =
        isDeepStrictEqual(withLinkArrays(results[0].parsed), withLinkArrays(results[1].parsed)) &&
        isDeepStrictEqual(results[0].check, results[1].check);
    }
  }
  console.log(
    `${format.padEnd(9)} ${events.toLocaleString('en-US')} events, parse+check CPU, best of ${ROUNDS}: ` +
      `old ${rate(events, best.old)}, new ${rate(events, best.new)}, new/old ${(best.old / best.new).toFixed(2)}×; ` +
      `same ParsedTrace and CheckResult: ${same}`,
  );
}

for (const format of FORMATS) {
  run(OLD, textOf(format, 20_000), format); // warm both up
  run(NEW, textOf(format, 20_000), format);
  compare(format);
}
