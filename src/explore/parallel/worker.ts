import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { makeClusterConfig } from '../../../models/cluster/config.ts';
import { compileMutation, mutationNamed } from '../../../models/mutations.ts';
import { PROPERTIES } from '../../../models/properties/index.ts';
import { BreadthFirst } from '../bfs.ts';
import { fingerprintIsNew } from '../checker.ts';
import { readSearchFiles, restore, writeSearchFiles } from '../checkpoint.ts';
import { Search } from '../search.ts';
import { type QueuedState, StateParts } from '../state-queue.ts';
import { type WorkerPiece, workerPrefix } from './checkpoint.ts';
import { Inbox, type MovedRecords, Outbox, recordsOf } from './moving.ts';
import type { FromWorker, ToWorker, WorkerSetup, WorkerSummary } from './protocol.ts';
import { STATS_PER_WORKER } from './protocol.ts';
import { CONTROL, SharedFingerprintSet, STOP_CODES } from './shared-fingerprints.ts';

/**
 * One worker of a parallel breadth-first search (`coordinator.ts` starts them). It keeps
 * its share of the frontier, its states' parent pointers (ids `local * workers + index`),
 * and what it found; it shares the visited set with every other worker, so each state is
 * admitted by exactly one of them. Between two expansions it stops if another worker asked
 * the run to stop, and pauses while the shared table grows.
 */
class BfsWorker {
  private readonly control: Int32Array;
  private readonly stats: Float64Array;
  private readonly visited: SharedFingerprintSet;
  private readonly search: Search;
  private readonly bfs: BreadthFirst;
  private readonly servers: number;
  /** Per other worker: the parts sent to it, the translation of the parts received from it. */
  private readonly outboxes: Outbox[] = [];
  private readonly inboxes: Inbox[] = [];
  /** States at the front of the frontier that belong to the level under way. */
  private levelLeft = 0;

  constructor(
    private readonly setup: WorkerSetup,
    private readonly tablePort: MessagePort,
    private readonly post: (message: FromWorker) => void,
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
    this.servers = setup.recipe.nodes;
    if (resume !== undefined) {
      restore({ meta: resume.piece, ...readSearchFiles(resume.dir, workerPrefix(setup.index)) }, this.bfs);
      this.levelLeft = resume.piece.levelLeft;
    }
  }

  handle(message: ToWorker): void {
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
      case 'give':
        return { type: 'states', moved: this.give(message.count, message.to) };
      case 'take':
        return { type: 'took', took: this.take(message.from, message.moved) };
      case 'lookup':
        return { type: 'step', ...this.lookup(message.id) };
      case 'finish':
        return { type: 'summary', summary: this.summary() };
    }
  }

  /**
   * Expand the frontier's states of depth `level` (`resumed`: the ones a checkpoint left of
   * it); returns the next level's share. A state whose expansion a stop cut short is kept
   * to be expanded again after a resume.
   */
  private expandLevel(level: number, resumed: boolean): number {
    this.takeNewTable();
    this.bfs.level = level;
    const queue = this.bfs.queue;
    if (!resumed) this.levelLeft = queue.length;
    while (this.levelLeft > 0 && !this.mustStop()) {
      const item = queue.shift() as QueuedState;
      const generated = this.search.generated;
      this.bfs.expand(item);
      if (this.search.stopped) {
        this.bfs.interrupted = { item, generated };
        break;
      }
      if ((--this.levelLeft & 255) === 0) this.publishStats();
    }
    this.visited.flush();
    this.publishStats();
    Atomics.sub(this.control, CONTROL.running, 1);
    Atomics.notify(this.control, CONTROL.running);
    return queue.length;
  }

  private writeFiles(dir: string): WorkerPiece {
    return { ...writeSearchFiles(dir, workerPrefix(this.setup.index), this.bfs), levelLeft: this.levelLeft };
  }

  /** Between two expansions: pause for a growth; whether the run must stop. */
  private mustStop(): boolean {
    const control = this.control;
    if (Atomics.load(control, CONTROL.grow) !== 0) this.pauseForGrowth();
    this.visited.flush();
    if (Atomics.load(control, CONTROL.count) >= this.setup.maxStates) this.requestStop('max-states');
    this.search.stopRequested = Atomics.load(control, CONTROL.stop) !== 0;
    if (this.search.shouldStop()) {
      if (this.search.violated && this.search.stopOnViolation) this.requestStop('violation');
      else if (this.search.outOfTime) this.requestStop('time');
      else if (this.search.outOfMemory) this.requestStop('memory');
      return true;
    }
    return false;
  }

  private requestStop(reason: (typeof STOP_CODES)[number]): void {
    Atomics.compareExchange(this.control, CONTROL.stop, 0, STOP_CODES.indexOf(reason));
  }

  private pauseForGrowth(): void {
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
  }

  /** The latest table the coordinator handed out, if any since the last look. */
  private takeNewTable(): void {
    for (
      let m = receiveMessageOnPort(this.tablePort);
      m !== undefined;
      m = receiveMessageOnPort(this.tablePort)
    ) {
      this.visited.replace(m.message as SharedArrayBuffer);
    }
  }

  /** Up to `count` of the oldest frontier states, packed for worker `to`. */
  private give(count: number, to: number): MovedRecords {
    const items: QueuedState[] = [];
    for (let k = 0; k < count; k++) {
      const item = this.bfs.queue.shift();
      if (item === undefined) break;
      items.push(item);
    }
    this.outboxes[to] ??= new Outbox(this.bfs.parts, this.servers);
    return this.outboxes[to].pack(recordsOf(items));
  }

  /** Queue states worker `from` gave; how many. */
  private take(from: number, moved: MovedRecords): number {
    this.inboxes[from] ??= new Inbox(this.bfs.parts, this.servers);
    const before = this.bfs.queue.length;
    this.bfs.queue.pushRecords(this.inboxes[from].unpack(moved));
    return this.bfs.queue.length - before;
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

if (parentPort !== null) {
  const port = parentPort;
  const { setup, tablePort } = workerData as { setup: WorkerSetup; tablePort: MessagePort };
  const worker = new BfsWorker(setup, tablePort, (message) => port.postMessage(message));
  port.on('message', (message: ToWorker) => worker.handle(message));
  port.postMessage({ type: 'ready' } satisfies FromWorker);
}
