import { join } from 'node:path';
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import type { Property } from '../../../models/properties/index.ts';
import { PROPERTIES } from '../../../models/properties/index.ts';
import type { LevelMark } from '../bfs.ts';
import {
  type CheckOptions,
  type CheckResult,
  type PropertyResult,
  propertyResults,
  resultOf,
  type StopReason,
} from '../checker.ts';
import { nextGeneration } from '../checkpoint.ts';
import { type Path, pathFromIndexes } from '../path.ts';
import type { Found } from '../search.ts';
import {
  type ParallelMeta,
  readParallelMeta,
  readSharedTable,
  writeParallelCheckpoint,
} from './checkpoint.ts';
import { gcSettingsFor } from './gc-threads.ts';
import type { ParallelProfile } from './profile.ts';
import type { FromWorker, ModelRecipe, ToWorker, WorkerSetup, WorkerSummary } from './protocol.ts';
import { STATS_PER_WORKER } from './protocol.ts';
import {
  CONTROL,
  firstSlotsLog2,
  growAtFor,
  grownTable,
  mayGrow,
  newTable,
  STOP_CODES,
} from './shared-fingerprints.ts';
import { SpareTable, TURN_EVERY_MS } from './spare-table.ts';
import { answer, newBoard, resetBoard, SENT } from './stealing.ts';
import { newWorker } from './worker-source.ts';

/**
 * A breadth-first search on several cores (`raftkit check --workers N`): TLC's scheme.
 *
 * N `worker_threads` share one visited set of fingerprints (`shared-fingerprints.ts`); each
 * keeps its own share of the frontier and expands it. The search is level-synchronous:
 * every worker expands the states of depth d before any expands depth d + 1, so a state is
 * first reached at its least depth, the counts are those of one worker, and the first
 * violation has a shortest counterexample, as with one worker (a violation found at depth
 * d + 1 stops the run after the level, and every state of depth ≤ d was checked before).
 * Within a level a worker that runs out of states steals half of another's
 * (`stealing.ts`), so no worker waits at a level's end while another has much left, and
 * the coordinator has nothing to do between levels but start the next. Ids are
 * `local * N + worker`, so a path is rebuilt by asking each state's owner for its parent.
 */
export interface ParallelCheckOptions extends CheckOptions {
  readonly workers: number;
  /** The mutation the config's statechart was compiled with (workers compile it again). */
  readonly mutation?: string | null;
  /**
   * log2 of the shared table's first size in slots (default 20, 8 MB, or enough for
   * `maxStates`: `firstSlotsLog2`); tests start small to see it grow.
   */
  readonly tableSlotsLog2?: number;
}

export async function checkParallel(options: ParallelCheckOptions): Promise<CheckResult> {
  return searchWith(new WorkerPool(options), options, performance.now());
}

/** The search on a pool of workers (started, maybe still starting); closes the pool. */
export async function searchWith(
  pool: WorkerPool,
  options: ParallelCheckOptions,
  start: number,
): Promise<CheckResult> {
  try {
    await pool.ready();
    const exhausted = await pool.search(options, start);
    if (options.checkpoint !== undefined && pool.stoppedShort(exhausted))
      await pool.checkpoint(options.checkpoint);
    const summaries = await pool.all({ type: 'finish' }, 'summary');
    const result = await pool.result(
      summaries.map((m) => m.summary),
      exhausted,
      start,
    );
    return { ...result, parallel: pool.profile(summaries.map((m) => m.profile)) };
  } finally {
    await pool.close();
  }
}

interface Waiter {
  resolve(message: FromWorker): void;
  reject(error: Error): void;
}

type Reply<T extends FromWorker['type']> = Extract<FromWorker, { type: T }>;

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly tablePorts: MessagePort[] = [];
  private readonly stealPorts: MessagePort[] = [];
  private readonly board: Int32Array;
  private readonly created = performance.now();
  private startupMs = 0;
  private growthMs = 0;
  private growths = 0;
  private levels = 0;
  private readonly spare = new SpareTable();
  private readonly control = new Int32Array(new SharedArrayBuffer(CONTROL.size * 4));
  private readonly stats: Float64Array;
  private table: SharedArrayBuffer;
  private readonly waiting: Waiter[][] = [];
  private readonly properties: readonly Property[];
  /** The checkpoint this run goes on from, if any. */
  private readonly resumed: (ParallelMeta & { data: string }) | null;
  /** The level under way (or last finished), for a checkpoint. */
  private level = 0;
  private nextCheckpoint: number;
  /** When the run started (`performance.now()`), and when each depth had all its states found. */
  private startedAt = 0;
  private readonly levelMarks: LevelMark[] = [];
  /** Gives parallel scavenging and the default young generation back when the pool closes (`gc-threads.ts`). */
  private readonly releaseGc: () => void;

  constructor(private readonly options: ParallelCheckOptions) {
    this.properties = options.properties ?? PROPERTIES;
    this.stats = new Float64Array(new SharedArrayBuffer(options.workers * STATS_PER_WORKER * 8));
    this.board = new Int32Array(newBoard(options.workers));
    const dir = options.resume;
    this.resumed = dir === undefined ? null : readParallelMeta(dir, options.space ?? '', options.workers);
    this.table =
      this.resumed === null
        ? newTable(options.tableSlotsLog2 ?? firstSlotsLog2(options.maxStates ?? Number.POSITIVE_INFINITY))
        : readSharedTable(this.resumed.data);
    Atomics.store(this.control, CONTROL.growAt, growAtFor(this.table.byteLength / 8));
    Atomics.store(this.control, CONTROL.count, this.resumed?.visited ?? 0);
    this.nextCheckpoint = Date.now() + this.checkpointEveryMs;
    this.releaseGc = gcSettingsFor(options.workers);
    for (let index = 0; index < options.workers; index++) this.spawn(index);
  }

  private spawn(index: number): void {
    const table = new MessageChannel();
    const steal = new MessageChannel();
    const worker = newWorker({
      workerData: { setup: this.setupOf(index), ports: { table: table.port2, steal: steal.port2 } },
      transferList: [table.port2, steal.port2],
    });
    this.waiting.push([]);
    worker.on('message', (message: FromWorker) => this.receive(index, message));
    worker.on('error', (error) => {
      for (const w of this.waiting[index].splice(0)) w.reject(error);
    });
    worker.on('exit', (code) => {
      const error = new Error(`worker ${index} of the breadth-first search exited (code ${code})`);
      for (const w of this.waiting[index].splice(0)) w.reject(error);
    });
    this.workers.push(worker);
    this.tablePorts.push(table.port1);
    this.stealPorts.push(steal.port1);
  }

  private setupOf(index: number): WorkerSetup {
    const o = this.options;
    return {
      index,
      spawnedAt: Date.now(),
      workers: o.workers,
      recipe: recipeOf(o),
      bounds: o.bounds,
      symmetry: o.symmetry ?? false,
      stopOnViolation: o.stopOnViolation ?? true,
      maxStates: o.maxStates ?? Number.POSITIVE_INFINITY,
      deadline: o.maxSeconds === undefined ? Number.POSITIVE_INFINITY : Date.now() + o.maxSeconds * 1000,
      properties: this.properties.map((p) => p.name),
      control: this.control.buffer as SharedArrayBuffer,
      stats: this.stats.buffer as SharedArrayBuffer,
      table: this.table,
      board: this.board.buffer as SharedArrayBuffer,
      maxMemoryFraction: o.maxMemoryFraction,
      resume:
        this.resumed === null ? undefined : { dir: this.resumed.data, piece: this.resumed.pieces[index] },
    };
  }

  private receive(index: number, message: FromWorker): void {
    if (message.type === 'grow') this.grow();
    else if (message.type === 'stolen') this.relay(index, message.to, message.moved);
    else this.waiting[index].shift()?.resolve(message);
  }

  /** States a victim gave: onto the thief's steal port, then the thief is told. */
  private relay(from: number, to: number, moved: Reply<'stolen'>['moved']): void {
    this.stealPorts[to].postMessage({ from, moved }, [moved.records.buffer as ArrayBuffer]);
    answer(this.board, to, SENT);
  }

  /** Send a message to one worker and wait for its reply of the given type. */
  ask<T extends FromWorker['type']>(index: number, message: ToWorker | null, type: T): Promise<Reply<T>> {
    return new Promise((resolve, reject) => {
      const accept = (reply: FromWorker) => {
        if (reply.type !== type) reject(new Error(`worker ${index}: expected ${type}, got ${reply.type}`));
        else resolve(reply as Reply<T>);
      };
      this.waiting[index].push({ resolve: accept, reject });
      if (message !== null) this.workers[index].postMessage(message);
    });
  }

  all<T extends FromWorker['type']>(message: ToWorker | null, type: T): Promise<Reply<T>[]> {
    return Promise.all(this.workers.map((_, i) => this.ask(i, message, type)));
  }

  async ready(): Promise<Reply<'ready'>[]> {
    const replies = await this.all(null, 'ready');
    this.startupMs = performance.now() - this.created;
    return replies;
  }

  /**
   * Grow the shared table: wait until no worker touches it (each pauses at its next
   * expansion, or has finished its level), rehash into one twice the size, hand it out.
   */
  private grow(): void {
    const start = performance.now();
    const control = this.control;
    for (let running = Atomics.load(control, CONTROL.running); running > 0; ) {
      Atomics.wait(control, CONTROL.running, running, 100);
      running = Atomics.load(control, CONTROL.running);
    }
    this.table = grownTable(this.table, this.spare.take(this.table.byteLength));
    for (const port of this.tablePorts) port.postMessage(this.table);
    Atomics.store(control, CONTROL.growAt, growAtFor(this.table.byteLength / 8));
    Atomics.store(control, CONTROL.running, Atomics.exchange(control, CONTROL.paused, 0));
    Atomics.store(control, CONTROL.grow, 0);
    Atomics.add(control, CONTROL.generation, 1);
    Atomics.notify(control, CONTROL.generation);
    this.growthMs += performance.now() - start;
    this.growths++;
  }

  /** Level after level until the frontier is empty (true) or the run must stop (false). */
  async search(options: ParallelCheckOptions, start: number): Promise<boolean> {
    this.startedAt = start;
    const progress = this.progressTimer(options, start);
    const preparing = setInterval(() => this.prepareSpare(), TURN_EVERY_MS);
    try {
      let queued = await this.firstLevel();
      for (let level = this.level + 1; ; level++) {
        if (Atomics.load(this.control, CONTROL.stop) !== 0) return false;
        if (queued.every((q) => q === 0)) return true;
        await this.checkpointIfDue();
        queued = await this.runLevel({ type: 'level', level }, queued);
      }
    } finally {
      clearInterval(progress);
      clearInterval(preparing);
    }
  }

  /**
   * Map a few pages of the next table, once the table is half-way to its growth
   * (`spare-table.ts`); none when `--max-states` stops the run before the table can grow
   * (a spare mapped for nothing costs the workers' cores a fault a page).
   */
  private prepareSpare(): void {
    const control = this.control;
    const growAt = Atomics.load(control, CONTROL.growAt);
    if (!mayGrow(growAt, this.options.maxStates ?? Number.POSITIVE_INFINITY)) return;
    this.spare.turn(this.table.byteLength, Atomics.load(control, CONTROL.count), growAt);
  }

  /** The initial state, or the rest of the level a checkpoint stopped in. */
  private async firstLevel(): Promise<number[]> {
    if (this.resumed === null) {
      this.level = -1;
      const first = await this.ask(0, { type: 'start' }, 'done');
      return [first.queued, ...this.workers.slice(1).map(() => 0)];
    }
    const left = this.resumed.pieces.map((p) => p.levelLeft);
    return this.runLevel({ type: 'level', level: this.resumed.level, resumed: true }, left);
  }

  /** Every worker expands its share (`left`) of one level; returns the next level's shares. */
  private async runLevel(message: Extract<ToWorker, { type: 'level' }>, left: number[]): Promise<number[]> {
    this.level = message.level;
    this.levels++;
    resetBoard(this.board, left);
    Atomics.store(this.control, CONTROL.running, this.workers.length);
    const queued = (await this.all(message, 'done')).map((m) => m.queued);
    this.markLevel(message.level + 1);
    return queued;
  }

  /** After level d − 1: every state of depth ≤ d was found, unless the run stopped within it. */
  private markLevel(depth: number): void {
    if (Atomics.load(this.control, CONTROL.stop) !== 0) return;
    const seconds = (performance.now() - this.startedAt) / 1000;
    this.levelMarks.push({ depth, distinct: this.totals()[0], seconds });
  }

  private get checkpointEveryMs(): number {
    return (this.options.checkpointEverySeconds ?? 600) * 1000;
  }

  /** Between two levels, a checkpoint when one is due (`--checkpoint-every`). */
  private async checkpointIfDue(): Promise<void> {
    const dir = this.options.checkpoint;
    if (dir === undefined || Date.now() < this.nextCheckpoint) return;
    await this.checkpoint(dir);
    this.nextCheckpoint = Date.now() + this.checkpointEveryMs;
  }

  /** Whether the run stopped before its end for a reason a resume can go past (time, memory, states). */
  stoppedShort(exhausted: boolean): boolean {
    return !exhausted && STOP_CODES[Atomics.load(this.control, CONTROL.stop)] !== 'violation';
  }

  /** Every worker writes its files, then the shared table and `checkpoint.json` are written. */
  async checkpoint(dir: string): Promise<void> {
    const generation = nextGeneration(dir);
    const data = join(dir, generation);
    const pieces = (await this.all({ type: 'checkpoint', dir: data }, 'saved')).map((m) => m.piece);
    writeParallelCheckpoint(dir, generation, this.table, {
      space: this.options.space ?? '',
      workers: this.workers.length,
      level: this.level,
      visited: Atomics.load(this.control, CONTROL.count),
      pieces,
    });
  }

  private progressTimer(
    options: ParallelCheckOptions,
    start: number,
  ): ReturnType<typeof setInterval> | undefined {
    const report = options.onProgress;
    if (report === undefined) return undefined;
    return setInterval(() => {
      const [distinct, generated, depth, queued] = this.totals();
      report({ distinct, generated, depth, queued, seconds: (performance.now() - start) / 1000 });
    }, options.progressEveryMs ?? 2000);
  }

  /** Distinct, generated, depth, queued over all workers (depth: the greatest). */
  private totals(): number[] {
    const t = [0, 0, 0, 0];
    for (let w = 0; w < this.workers.length; w++) {
      const at = w * STATS_PER_WORKER;
      t[0] += this.stats[at];
      t[1] += this.stats[at + 1];
      t[2] = Math.max(t[2], this.stats[at + 2]);
      t[3] += this.stats[at + 3];
    }
    return t;
  }

  /** Where the time went (`profile.ts`), with the workers' own accounts. */
  profile(workers: Reply<'summary'>['profile'][]): ParallelProfile {
    return {
      wallMs: performance.now() - this.created,
      startupMs: this.startupMs,
      growthMs: this.growthMs,
      growths: this.growths,
      premapped: this.spare.pagesTaken === 0 ? 0 : this.spare.pagesReady / this.spare.pagesTaken,
      levels: this.levels,
      workers,
    };
  }

  async result(summaries: WorkerSummary[], exhausted: boolean, start: number): Promise<CheckResult> {
    const found = this.shortestFound(summaries);
    const paths = new Map<Found, Path>();
    for (const f of found.values()) paths.set(f, await this.pathTo(f));
    const o = this.options;
    const properties: PropertyResult[] = propertyResults(
      { properties: this.properties, found, config: o.config, bounds: o.bounds },
      (f) => paths.get(f) as Path,
    );
    const sum = (pick: (s: WorkerSummary) => number) => summaries.reduce((a, s) => a + pick(s), 0);
    const distinct = sum((s) => s.distinct);
    const pushed = sum((s) => s.pushed);
    return resultOf({
      strategy: 'bfs',
      seed: o.seed ?? 1,
      symmetry: o.symmetry ?? false,
      exact: false,
      distinct,
      generated: sum((s) => s.generated),
      depth: Math.max(...summaries.map((s) => s.depth)),
      seconds: (performance.now() - start) / 1000,
      stoppedBy: this.stopReason(summaries, exhausted),
      properties,
      workers: this.workers.length,
      levels: this.levelMarks,
      memory: {
        perVisited: distinct === 0 ? 0 : (this.table.byteLength + sum((s) => s.columnBytes)) / distinct,
        perFrontier: pushed === 0 ? 0 : (sum((s) => s.pushedInts) * 4) / pushed,
        peakFrontier: sum((s) => s.peakFrontier),
      },
    });
  }

  /** Per property, the shortest of the workers' findings (ties: the lowest id). */
  private shortestFound(summaries: WorkerSummary[]): Map<Property, Found> {
    const found = new Map<Property, Found>();
    for (const s of summaries) {
      for (const f of s.found) {
        const property = this.properties.find((p) => p.name === f.property) as Property;
        const best = found.get(property);
        if (best === undefined || f.length < best.length || (f.length === best.length && f.id < best.id)) {
          found.set(property, { id: f.id, via: f.via, length: f.length });
        }
      }
    }
    return found;
  }

  private async pathTo(f: Found): Promise<Path> {
    const indexes: number[] = [];
    if (f.via !== undefined) indexes.push(f.via);
    for (let id = f.id; ; ) {
      const step = await this.ask(id % this.workers.length, { type: 'lookup', id }, 'step');
      if (step.parent < 0) break;
      indexes.push(step.action);
      id = step.parent;
    }
    indexes.reverse();
    return pathFromIndexes(this.options.config, this.options.bounds, indexes);
  }

  private stopReason(summaries: WorkerSummary[], exhausted: boolean): StopReason {
    const stop = STOP_CODES[Atomics.load(this.control, CONTROL.stop)];
    if (stop === 'violation' || summaries.some((s) => s.violated && this.options.stopOnViolation !== false)) {
      return 'violation';
    }
    if (exhausted) return 'exhausted';
    return stop === '' ? 'max-states' : stop;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.releaseGc();
  }
}

function recipeOf(o: ParallelCheckOptions): ModelRecipe {
  return {
    nodes: o.config.nodes.length,
    features: o.config.features,
    network: o.config.network,
    values: o.config.values,
    dropDeadResponses: o.config.dropDeadResponses ?? false,
    mutation: o.mutation ?? null,
  };
}
