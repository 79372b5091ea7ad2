import type { Command } from 'commander';
import { lineWidth } from '../../conformance/progress.ts';
import { DurationError, parseDuration, parseRange } from '../../timing/options.ts';
import { freshSeed } from '../../timing/random.ts';
import type { SimulationOptions } from '../../timing/simulate.ts';
import { intInRange, UsageError } from '../errors.ts';

interface SimulateFlags {
  nodes: string;
  timeout: string;
  tick: string;
  rtt: string;
  heartbeat?: string;
  jitter: string;
  trials: string;
  maxTerms: string;
  seed?: string;
  json?: boolean;
  crashLeader?: boolean;
  preVote?: boolean;
}

function options(flags: SimulateFlags): SimulationOptions {
  try {
    const [timeoutMinMs, timeoutMaxMs] = parseRange('--timeout', flags.timeout);
    const [rttMinMs, rttMaxMs] = parseRange('--rtt', flags.rtt);
    if (timeoutMinMs <= 0) throw new UsageError(`--timeout must be above 0 ms, got '${flags.timeout}'`);
    return {
      nodes: intInRange('--nodes', flags.nodes, 1, 15),
      timeoutMinMs,
      timeoutMaxMs,
      tickMs: parseDuration('--tick', flags.tick),
      rttMinMs,
      rttMaxMs,
      heartbeatMs:
        flags.heartbeat === undefined
          ? Math.max(0.1, Math.round((timeoutMinMs / 3) * 1000) / 1000)
          : Math.max(0.001, parseDuration('--heartbeat', flags.heartbeat)),
      jitterMs: parseDuration('--jitter', flags.jitter),
      trials: intInRange('--trials', flags.trials, 1, 10_000_000),
      maxTerms: intInRange('--max-terms', flags.maxTerms, 1, 10_000),
      seed: flags.seed === undefined ? freshSeed() : intInRange('--seed', flags.seed, 0, 4294967295),
      crashLeader: flags.crashLeader ?? false,
      preVote: flags.preVote ?? false,
    };
  } catch (error) {
    if (error instanceof DurationError) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * Progress of a long simulation on stderr: rewritten in place every second on a terminal,
 * otherwise a line every 10 s (a run of minutes must not look hung).
 */
function progressLine(): ((text: string) => void) & { end: () => void } {
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  let last = started;
  const show = (text: string) => {
    const now = Date.now();
    if (now - last < (tty ? 1000 : 10_000)) return;
    last = now;
    const line = `simulate: ${Math.round((now - started) / 1000)} s, ${text}`;
    process.stderr.write(tty ? `\r${line.slice(0, lineWidth(process.stderr))}\x1b[K` : `${line}\n`);
  };
  return Object.assign(show, {
    end: () => {
      if (tty && last !== started) process.stderr.write('\r\x1b[K');
    },
  });
}

/** `raftkit simulate`: Monte Carlo of elections under a timing configuration. */
export function register(program: Command): void {
  program
    .command('simulate')
    .summary(
      'Monte Carlo of elections under a timing configuration; P(leader per term), time to elect, advice',
    )
    .description(SIMULATE_DESCRIPTION)
    .option('--nodes <n>', 'cluster size', '3')
    .option('--timeout <range>', 'election timeout range, drawn uniformly at every reset', '150-300ms')
    .option('--tick <duration>', 'the election timer is checked on this tick (0 = exact timers)', '10ms')
    .option('--rtt <range>', 'RPC round trip, drawn uniformly per message (each way takes half)', '1-5ms')
    .option('--heartbeat <duration>', 'leader heartbeat interval (default: a third of the minimum timeout)')
    .option(
      '--jitter <duration>',
      'up to this much scheduling delay on every timer firing and delivery',
      '0.05ms',
    )
    .option('--trials <n>', 'number of trials', '10000')
    .option('--max-terms <n>', 'give up a trial after this many terms without a leader', '10')
    .option('--seed <n>', 'seed of every random choice (default: fresh, printed first)')
    .option('--pre-vote', 'nodes run PreVote (thesis §9.6) before each election')
    .option(
      '--crash-leader',
      'crash the first leader once its heartbeats arrive; measure the time to replace it',
    )
    .option('--json', 'print the result as JSON (see docs/timing.md)')
    .addHelpText('after', SIMULATE_HELP_AFTER)
    .action(simulateAction);
}

/** Runs the trials with progress on stderr, then looks for a recommended configuration. */
async function simulateAction(flags: SimulateFlags): Promise<void> {
  const config = options(flags);
  // Loaded on use, so that other subcommands (and --help) do not pay for the simulator.
  const { recommend, simulate } = await import('../../timing/simulate.ts');
  const { renderSimulationJson, renderSimulationText } = await import('../../timing/report.ts');
  const seedLine = `seed: ${config.seed}\n`;
  if (flags.json) process.stderr.write(seedLine);
  else process.stdout.write(seedLine);
  const progress = progressLine();
  const result = simulate(config, (done) => progress(`trial ${done}/${config.trials}`));
  const recommendation = recommend(config, result, (trying, done, trials) =>
    progress(`looking for a recommendation: ${trying}, trial ${done}/${trials}`),
  );
  progress.end();
  process.stdout.write(
    flags.json ? renderSimulationJson(result, recommendation) : renderSimulationText(result, recommendation),
  );
}

const SIMULATE_DESCRIPTION =
  'Monte Carlo of Raft elections under a timing configuration: election timeouts, timer tick, RPC round trip. ' +
  'Votes and role changes come from stepping the model. Prints P(leader per term), the split-vote rate, time to ' +
  'elect a leader (median, p99, max) and a recommended configuration.';

const SIMULATE_HELP_AFTER = [
  '',
  'Examples:',
  "  raftkit simulate --nodes 3 --timeout 5-9ms --tick 10ms --rtt 1-5ms     the seed log's configuration: split votes",
  "  raftkit simulate --timeout 150-300ms --tick 10ms --rtt 1-5ms           the Raft paper's range: > 99% of terms elect",
  '  raftkit simulate --timeout 150-300ms --crash-leader --seed 7 --json    time to replace a crashed leader',
  '',
  'Durations: 10ms, 0.5s, 250us, or a bare number of ms. Ranges: 5-9ms, 150-300 (ms), 0.15-0.3s.',
  'The seed is printed first (stderr with --json); the last line is the command that repeats the run.',
].join('\n');
