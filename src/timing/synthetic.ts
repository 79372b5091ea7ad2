import type { TraceEvent } from '../trace/events.ts';
import { TimedCluster } from './cluster.ts';
import { Random } from './random.ts';

/**
 * A synthetic canonical trace from the timed cluster: elections, client requests to the
 * leader, and now and then a leader crash and restart — a realistic mix of every event
 * kind for tests and for `npm run bench:trace`. Same seed, same trace.
 */
export interface SyntheticOptions {
  readonly events: number;
  readonly seed: number;
  readonly nodes?: number;
  /** A client request is submitted to the leader this often, ms. */
  readonly requestEveryMs?: number;
  /** The leader is crashed this often, ms (and restarted half of it later). */
  readonly crashEveryMs?: number;
  readonly preVote?: boolean;
}

export function syntheticTrace(options: SyntheticOptions): TraceEvent[] {
  const events: TraceEvent[] = [];
  const random = new Random(options.seed);
  const cluster = new TimedCluster(
    {
      nodes: options.nodes ?? 3,
      timeoutMinMs: 150,
      timeoutMaxMs: 300,
      tickMs: 1,
      rttMinMs: 1,
      rttMaxMs: 5,
      heartbeatMs: 50,
      jitterMs: 0.05,
      preVote: options.preVote ?? false,
    },
    random,
    (e) => events.push(e),
  );
  const requestEvery = options.requestEveryMs ?? 500;
  const crashEvery = options.crashEveryMs ?? 5000;
  cluster.start();
  let request = 0;
  let nextCrash = crashEvery;
  let crashed: number | null = null;
  while (events.length < options.events) {
    const until = cluster.now + requestEvery;
    cluster.run(() => events.length >= options.events, until);
    cluster.now = Math.max(cluster.now, until);
    const leader = cluster.states.findIndex((s) => s.role === 'leader');
    if (leader >= 0) cluster.clientRequest(leader, `v${++request}`);
    if (cluster.now >= nextCrash) {
      if (crashed === null && leader >= 0) {
        cluster.crash(leader);
        crashed = leader;
        nextCrash = cluster.now + crashEvery / 2;
      } else if (crashed !== null) {
        cluster.restart(crashed);
        crashed = null;
        nextCrash = cluster.now + crashEvery;
      }
    }
  }
  return events.slice(0, options.events).map((e, i) => ({ ...e, line: i + 1 }));
}
