import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { makeClusterConfig } from '../../../models/cluster/config.ts';
import { compileMutation, mutationNamed } from '../../../models/mutations.ts';
import { PROPERTIES } from '../../../models/properties/index.ts';
import { BreadthFirst } from '../bfs.ts';
import { fingerprintIsNew } from '../checker.ts';
import { readSearchFiles, restore, writeSearchFiles } from '../checkpoint.ts';
import { Search } from '../search.ts';
import { StateParts } from '../state-queue.ts';
import { type WorkerPiece, workerPrefix } from './checkpoint.ts';
import { countGcPauses } from './gc-threads.ts';
import { LevelShare } from './level-share.ts';
import { emptyWorkerProfile, type WorkerProfile } from './profile.ts';
import type { FromWorker, ToWorker, WorkerSetup, WorkerSummary } from './protocol.ts';
import { STATS_PER_WORKER } from './protocol.ts';
import { CONTROL, SharedFingerprintSet, STOP_CODES } from './shared-fingerprints.ts';
import { threadUsage } from './thread-usage.ts';

/**
 * How many expansions a worker goes between two looks at the control block (a power of
 * two). Each look is three `Atomics.load` calls (V8 calls a builtin for each, it does not
 * inline them); every 16th expansion a stop or a growth waits at most ~0.1 ms longer.
 */
const CONTROL_EVERY = 16;

/**
 * One worker of a parallel breadth-first search (`coordinator.ts` starts them). It keeps
 * its share of the frontier, its states' parent pointers (ids `local * workers + index`),
 * and what it found; it shares the visited set with every other worker, so each state is
 * admitted by exactly one of them. Between two expansions it stops if another worker asked
 * the run to stop, pauses while the shared table grows, and answers a worker that asks for
 * states of the level (`level-share.ts`).
 */
class BfsWorker {
  private readonly control: Int32Array;
  private readonly stats: Float64Array;
  private readonly visited: SharedFingerprintSet;
  private readonly search: Search;
  private readonly bfs: BreadthFirst;
  private readonly share: LevelShare;
  readonly profile: WorkerProfile = emptyWorkerProfile();
  /** States this worker expanded (stats every 256; the control block every `CONTROL_EVERY`). */
  private expansions = 0;
  /** When this worker last finished a level (it waits for the others from then on), or -1. */
  private doneAt = -1;
  /** Adds the garbage-collection pauses not reported yet to the profile. */
  private readonly gcPauses = countGcPauses(this.profile);

  constructor(
    private readonly setup: WorkerSetup,
    private readonly ports: WorkerPorts,
    private readonly post: (message: FromWorker, transfer?: ArrayBuffer[]) => void,
  ) {
    this.control = new Int32Array(setup.control);
    this.stats = new Float64Array(setup.stats);
    this.visited = new SharedFingerprintSet(setup.table, this.control, () => post({ type: 'grow' }));
    this.search = new Search({
      config: configOf(setup),
      bounds: setup.bounds,
      symmetry: setup.symmetry,
      stopOnViolation: setup.stopOnViolation,
      maxStates: Number.POSITIVE_INFINITY,
      deadline: setup.deadline,
      properties: PROPERTIES.filter((p) => setup.properties.includes(p.name)),
      maxMemoryFraction: setup.maxMemoryFraction,
      stride: setup.workers,
      offset: setup.index,
    });
    const isNew = setup.symmetry ? fingerprintIsNew(this.search, this.visited) : undefined;
    const resume = setup.resume;
    const parts = resume === undefined ? undefined : StateParts.load(resume.piece.parts);
    this.bfs = new BreadthFirst(this.search, { visited: this.visited, prints: 'contents', isNew, parts });
    this.share = this.shareOf(setup);
    if (resume !== undefined) {
      restore({ meta: resume.piece, ...readSearchFiles(resume.dir, workerPrefix(setup.index)) }, this.bfs);
      this.share.ownLeft = resume.piece.levelLeft;
    }
  }

  private shareOf(setup: WorkerSetup): LevelShare {
    return new LevelShare(this.bfs.queue, this.bfs.parts, {
      index: setup.index,
      workers: setup.workers,
      board: setup.board,
      servers: setup.recipe.nodes,
      stealPort: this.ports.steal,
      send: (to, moved) => this.post({ type: 'stolen', to, moved }, [moved.records.buffer as ArrayBuffer]),
      whileWaiting: () => {
        if (Atomics.load(this.control, CONTROL.grow) !== 0) this.pauseForGrowth();
      },
      profile: this.profile,
    });
  }

  handle(message: ToWorker): void {
    if (this.doneAt >= 0) this.profile.levelEndMs += performance.now() - this.doneAt;
    this.doneAt = -1;
    this.post(this.reply(message));
  }

  private reply(message: ToWorker): FromWorker {
    switch (message.type) {
      case 'start':
        this.bfs.start();
        return { type: 'done', queued: this.bfs.queue.length };
      case 'level':
        return { type: 'done', queued: this.expandLevel(message.level, message.resumed === true) };
      case 'checkpoint':
        return { type: 'saved', piece: this.writeFiles(message.dir) };
      case 'lookup':
        return { type: 'step', ...this.lookup(message.id) };
      case 'finish':
        this.gcPauses();
        Object.assign(this.profile, threadUsage());
        return { type: 'summary', summary: this.summary(), profile: this.profile };
    }
  }

  /**
   * Expand the states of depth `level` (`resumed`: the ones a checkpoint left of it), its
   * own and those it steals; returns the next level's share. A state whose expansion a stop
   * cut short is kept to be expanded again after a resume.
   */
  private expandLevel(level: number, resumed: boolean): number {
    const start = performance.now();
    const waitedBefore = this.waitedMs();
    this.takeNewTable();
    this.bfs.level = level;
    if (!resumed) this.share.ownLeft = this.bfs.queue.length;
    for (let item = this.nextOfLevel(); item !== undefined; item = this.nextOfLevel()) {
      const generated = this.search.generated;
      this.bfs.expand(item);
      if (this.search.stopped) {
        // Cut short (time, memory, a violation): the whole run stops now, not after a
        // level that would take this state for one of the next.
        this.bfs.interrupted = { item, generated };
        this.requestStopForSearch();
        break;
      }
      if ((++this.expansions & 255) === 0) this.publishStats();
    }
    this.share.refuseThieves();
    this.visited.flush();
    this.publishStats();
    Atomics.sub(this.control, CONTROL.running, 1);
    Atomics.notify(this.control, CONTROL.running);
    this.doneAt = performance.now();
    this.profile.expandingMs += this.doneAt - start - (this.waitedMs() - waitedBefore);
    return this.bfs.queue.length;
  }

  private nextOfLevel() {
    return this.mustStop() ? undefined : this.share.next();
  }

  /** Time this worker spent in levels on anything but expanding, so far. */
  private waitedMs(): number {
    const p = this.profile;
    return p.stealWaitMs + p.givingMs + p.growthMs;
  }

  /** This worker's files; its states of the level left: a cut-short one, stolen ones, its own. */
  private writeFiles(dir: string): WorkerPiece {
    const ahead = this.share.stolenRecords();
    const piece = writeSearchFiles(dir, workerPrefix(this.setup.index), this.bfs, ahead);
    return { ...piece, levelLeft: (this.bfs.interrupted === null ? 0 : 1) + this.share.left };
  }

  /**
   * Between two expansions: every `CONTROL_EVERY` expansions, pause for a growth and see
   * whether another worker asked the run to stop; whether the run must stop.
   */
  private mustStop(): boolean {
    if ((this.expansions & (CONTROL_EVERY - 1)) === 0) this.readControl();
    if (this.search.shouldStop()) {
      this.requestStopForSearch();
      return true;
    }
    return false;
  }

  private readControl(): void {
    const control = this.control;
    if (Atomics.load(control, CONTROL.grow) !== 0) this.pauseForGrowth();
    // The shared count lags by the < 64 insertions each worker has not flushed yet: writing
    // it after every expansion made both cores fight over its cache line.
    if (Atomics.load(control, CONTROL.count) >= this.setup.maxStates) this.requestStop('max-states');
    this.search.stopRequested = Atomics.load(control, CONTROL.stop) !== 0;
  }

  /** Stop every worker for the reason this search stopped (if it was not asked to by another). */
  private requestStopForSearch(): void {
    if (this.search.violated && this.search.stopOnViolation) this.requestStop('violation');
    else if (this.search.outOfTime) this.requestStop('time');
    else if (this.search.outOfMemory) this.requestStop('memory');
  }

  private requestStop(reason: (typeof STOP_CODES)[number]): void {
    Atomics.compareExchange(this.control, CONTROL.stop, 0, STOP_CODES.indexOf(reason));
  }

  private pauseForGrowth(): void {
    const start = performance.now();
    const control = this.control;
    const generation = Atomics.load(control, CONTROL.generation);
    this.visited.flush();
    Atomics.add(control, CONTROL.paused, 1);
    Atomics.sub(control, CONTROL.running, 1);
    Atomics.notify(control, CONTROL.running);
    while (Atomics.load(control, CONTROL.generation) === generation) {
      Atomics.wait(control, CONTROL.generation, generation, 1000);
    }
    this.takeNewTable();
    this.profile.growthMs += performance.now() - start;
  }

  /** The latest table the coordinator handed out, if any since the last look. */
  private takeNewTable(): void {
    for (
      let m = receiveMessageOnPort(this.ports.table);
      m !== undefined;
      m = receiveMessageOnPort(this.ports.table)
    ) {
      this.visited.replace(m.message as SharedArrayBuffer);
    }
  }

  private lookup(id: number): { parent: number; action: number } {
    const local = (id - this.setup.index) / this.setup.workers;
    return { parent: this.search.parent.get(local), action: this.search.actionIndex.get(local) };
  }

  private publishStats(): void {
    const at = this.setup.index * STATS_PER_WORKER;
    this.stats[at] = this.search.count;
    this.stats[at + 1] = this.search.generated;
    this.stats[at + 2] = this.search.maxDepth;
    this.stats[at + 3] = this.bfs.queue.length;
  }

  private summary(): WorkerSummary {
    const s = this.search;
    return {
      distinct: s.count,
      generated: s.generated,
      depth: s.maxDepth,
      violated: s.violated,
      outOfTime: s.outOfTime,
      outOfMemory: s.outOfMemory,
      found: [...s.found].map(([p, f]) => ({ property: p.name, ...f })),
      columnBytes: s.parent.bytes + s.actionIndex.bytes + s.depthOf.bytes,
      pushed: this.bfs.queue.pushed,
      pushedInts: this.bfs.queue.pushedInts,
      peakFrontier: this.bfs.queue.peak,
    };
  }
}

function configOf(setup: WorkerSetup) {
  const r = setup.recipe;
  return makeClusterConfig({
    nodes: r.nodes,
    features: r.features,
    network: r.network,
    values: r.values,
    dropDeadResponses: r.dropDeadResponses,
    machine: r.mutation ? compileMutation(mutationNamed(r.mutation)) : undefined,
  });
}

/** The ports a worker reads synchronously: grown tables, and the states it stole. */
export interface WorkerPorts {
  readonly table: MessagePort;
  readonly steal: MessagePort;
}

if (parentPort !== null) {
  const port = parentPort;
  const { setup, ports } = workerData as { setup: WorkerSetup; ports: WorkerPorts };
  const worker = new BfsWorker(setup, ports, (message, transfer) => port.postMessage(message, transfer));
  worker.profile.startupMs = Date.now() - setup.spawnedAt;
  port.on('message', (message: ToWorker) => worker.handle(message));
  port.postMessage({ type: 'ready' } satisfies FromWorker);
}
