import { existsSync, readFileSync, statSync } from 'node:fs';
import type { NodeId } from '../../models/index.ts';
import type { Scenario } from '../scenario/ast.ts';
import { ElectionTracker, type Leadership } from './elections.ts';
import { KitLog } from './kit-log.ts';
import { SafetyMonitor } from './monitor.ts';
import { StepFailure } from './outcome.ts';
import { PortBook, type PortChooser, saysPortTaken } from './ports.ts';
import { ProcessManager } from './processes.ts';
import { FaultProxy } from './proxy.ts';
import { NodeReader } from './reader.ts';
import type { FaultRecord } from './situations.ts';
import { connectionOwner } from './socket-owner.ts';
import { NotReachedError, type RoleView } from './targets.ts';
import { sleep } from './timing.ts';
import type { ClusterImplementation } from './types.ts';

/**
 * One cluster run's world: the processes, the fault proxy in front of every peer port, the
 * safety monitor sampling every node through the reader, the election tracker, and the
 * kit's event log. The step executor (`steps.ts`) acts through it; every fault is recorded
 * with the leadership standing when it was injected (for `situations.ts`) and written to
 * the event log, as a timeline line and as a trace event.
 */

export type Value = number | string | null;

export interface SessionOptions {
  /** Timeline lines (one per step and per violation), for progress and reports. */
  readonly onEvent?: (line: string) => void;
  /** How long every node gets to answer its first status query (before scaling). */
  readonly startupMs?: number;
  /** How long acknowledged writes get to reach every node after the final heal (before scaling). */
  readonly settleMs?: number;
  /** How long a leader must stay the sole leader of its term to count as elected. */
  readonly stableMs?: number;
  /** Multiplies every duration (timing.ts). */
  readonly timeScale: number;
  /** How node ports are picked (default: free ones from the OS); tests pick taken ones. */
  readonly choosePorts?: PortChooser;
}

/** How often a node that found its port taken is started again on fresh ports. */
const PORT_RETRIES = 3;

export class ClusterSession {
  readonly processes = new ProcessManager();
  readonly proxy: FaultProxy;
  readonly ports: PortBook;
  readonly monitor: SafetyMonitor;
  readonly reader: NodeReader;
  readonly log: KitLog;
  readonly elections: ElectionTracker;
  readonly running = new Set<NodeId>();
  readonly acked = new Set<string>();
  readonly vars = new Map<string, Value>();
  readonly faults: FaultRecord[] = [];
  /** Nodes that did not answer within their start step (their fields are then not observable). */
  readonly silentAfterStart = new Set<NodeId>();
  /** Aborted at the end: pending writes and reads stop. */
  readonly submits = new AbortController();
  /** How each node that exited on its own ended. */
  readonly exits = new Map<NodeId, string>();
  private readonly killing = new Set<NodeId>();
  /** Where each node's log stood when it was last started (what it printed since is its own). */
  private readonly logOffsets = new Map<NodeId, number>();
  private readonly portRetries = new Map<NodeId, number>();
  private stopping = false;

  constructor(
    readonly scenario: Scenario,
    readonly implementation: ClusterImplementation,
    readonly options: SessionOptions,
  ) {
    this.proxy = new FaultProxy((client, server) =>
      connectionOwner(client, server, this.processes.pidsByNode()),
    );
    this.ports = new PortBook(this.proxy, options.choosePorts);
    this.log = new KitLog(() => this.monitor.now(), options.onEvent);
    this.reader = new NodeReader(implementation, (line) => this.log.line(line));
    this.monitor = new SafetyMonitor(
      this.reader,
      () => this.nodes.filter((n) => this.running.has(n)),
      this.nodes.length,
      (a, b) => !this.proxy.isBlocked(a, b) && !this.proxy.isBlocked(b, a),
      (v) => this.log.line(`VIOLATION ${v.property}: ${v.text}`),
    );
    this.elections = new ElectionTracker(options.stableMs ?? 300);
    this.monitor.onSample = (atMs) =>
      this.elections.observe(this.monitor.currentLeadership(), this.monitor.leaderClaims(), atMs);
  }

  get nodes(): readonly NodeId[] {
    return this.scenario.cluster.nodes;
  }

  scaled(ms: number): number {
    return ms * this.options.timeScale;
  }

  /** Sample every node now; a contract-breaking answer fails the step. */
  async sample(line: number): Promise<void> {
    await this.monitor.sample();
    if (this.reader.fatal !== null) throw new StepFailure(this.reader.fatal.message, line);
  }

  statusLine(): string {
    return this.nodes
      .map((n) => {
        if (!this.running.has(n)) return `${n}=down`;
        const s = this.monitor.latest.get(n)?.status;
        return s === undefined ? `${n}=?` : `${n}=${s.role}@t${s.term ?? '?'}`;
      })
      .join(' ');
  }

  // ---------------------------------------------------------------- processes

  /** Start every node and wait until each answers a status query. */
  async startAll(): Promise<void> {
    this.log.trace({ event: 'Cluster', nodes: this.nodes });
    for (const node of this.nodes) await this.spawn(node);
    this.log.line(
      `started ${this.nodes.join(' ')} (${this.implementation.name}); run dir ${this.processes.root}`,
    );
    this.monitor.start();
    const deadline = Date.now() + this.scaled(this.options.startupMs ?? 20_000);
    while (this.monitor.latest.size < this.nodes.length) {
      await this.retryOrFailIfExited(0);
      if (this.reader.fatal !== null) throw new StepFailure(this.reader.fatal.message, 0);
      if (Date.now() > deadline) {
        throw new StepFailure(
          `not every node answered a status query within startup (${this.statusLine()})`,
          0,
        );
      }
      await sleep(50);
    }
  }

  private async spawn(node: NodeId): Promise<void> {
    this.exits.delete(node);
    const log = this.processes.logFile(node);
    this.logOffsets.set(node, existsSync(log) ? statSync(log).size : 0);
    await this.implementation.start(node);
    this.running.add(node);
    this.watchExit(node);
  }

  /**
   * A node that exited before answering: started again on fresh ports if it could not bind
   * one (another process took it between the kit's choice and the node's bind: ports.ts),
   * else the step fails with how it ended and the end of its log.
   */
  private async retryOrFailIfExited(line: number): Promise<void> {
    const silent = this.nodes.find((n) => this.exits.has(n) && !this.monitor.latest.has(n));
    if (silent === undefined) return;
    if (await this.retryOnFreshPorts(silent)) return;
    const taken = saysPortTaken(this.logSinceStart(silent))
      ? `: its port was taken (address already in use) after ${PORT_RETRIES} retries on fresh ports`
      : '';
    throw new StepFailure(
      `${silent} exited (${this.exits.get(silent)}) before answering /status${taken}; its log ${this.processes.logFile(silent)} ends: ${this.logTail(silent)}`,
      line,
    );
  }

  private async retryOnFreshPorts(node: NodeId): Promise<boolean> {
    const attempt = (this.portRetries.get(node) ?? 0) + 1;
    if (attempt > PORT_RETRIES || !saysPortTaken(this.logSinceStart(node))) return false;
    this.portRetries.set(node, attempt);
    this.log.line(
      `     ${node} could not bind its port (taken by another process meanwhile): started again on fresh ports (retry ${attempt} of ${PORT_RETRIES})`,
    );
    await this.ports.renew(node);
    await this.spawn(node);
    this.monitor.nodeRestarted(node);
    return true;
  }

  /** What the node printed since it was last started. */
  private logSinceStart(node: NodeId): string {
    const file = this.processes.logFile(node);
    if (!existsSync(file)) return '';
    return readFileSync(file)
      .subarray(this.logOffsets.get(node) ?? 0)
      .toString('utf8');
  }

  logTail(node: NodeId): string {
    const file = this.processes.logFile(node);
    if (!existsSync(file)) return '(empty)';
    const text = readFileSync(file, 'utf8').trim();
    return text === '' ? '(empty)' : JSON.stringify(text.split('\n').slice(-3).join(' | ').slice(-300));
  }

  /** A node process that ends without a `kill` step is reported and counted as down. */
  private watchExit(node: NodeId): void {
    const managed = this.processes.get(node);
    managed?.exited.then((how) => {
      if (this.killing.has(node) || !this.running.has(node) || this.stopping) return;
      if (this.processes.get(node) !== undefined && this.processes.get(node) !== managed) return;
      this.running.delete(node);
      this.exits.set(node, how);
      this.monitor.nodeDown(node);
      this.log.line(`     ${node} exited on its own (${how}); its log: ${this.processes.logFile(node)}`);
    });
  }

  async kill(node: NodeId, line: string): Promise<void> {
    const before = this.monitor.currentLeadership();
    this.killing.add(node);
    await this.processes.kill(node);
    this.killing.delete(node);
    this.running.delete(node);
    this.monitor.nodeDown(node);
    this.log.trace({ event: 'Crash', node });
    this.recordFault({ kind: 'kill', node }, before, line);
  }

  /** (Re)start a node; the step ends when it answers, so the next step sees its restarted state. */
  async restart(node: NodeId, line: number): Promise<void> {
    if (this.running.has(node)) return;
    const before = this.monitor.currentLeadership();
    await this.ports.renew(node);
    await this.spawn(node);
    this.monitor.nodeRestarted(node);
    this.log.trace({ event: 'Restart', node });
    this.recordFault({ kind: 'start', node }, before, `start ${node}`);
    await this.awaitAnswer(node, line);
  }

  /**
   * An implementation may not answer while it cannot reach a majority (etcd serves its
   * client port only after publishing itself through Raft): then later checks of this node
   * are "not observable" (the scenario is skipped with that reason), not failed.
   */
  private async awaitAnswer(node: NodeId, line: number): Promise<void> {
    const deadline =
      Date.now() + Math.min(this.scaled(this.options.startupMs ?? 20_000), this.scaled(10_000));
    while (!this.monitor.latest.has(node) && Date.now() < deadline) {
      if (!this.running.has(node)) {
        await this.retryOrFailIfExited(line);
        if (!this.running.has(node)) break;
      }
      await this.sample(line);
      if (!this.monitor.latest.has(node)) await sleep(20);
    }
    await this.retryOrFailIfExited(line);
    if (this.monitor.latest.has(node)) this.silentAfterStart.delete(node);
    else {
      this.silentAfterStart.add(node);
      this.log.line(`     ${node} does not answer status queries yet`);
    }
  }

  // ---------------------------------------------------------------- network faults

  partition(groups: readonly (readonly NodeId[])[], line: string): void {
    const before = this.monitor.currentLeadership();
    this.proxy.partition(groups);
    this.log.trace({ event: 'Partition', groups });
    this.endOpenFaults();
    this.recordFault({ kind: 'partition', groups }, before, line);
  }

  cut(from: NodeId, to: readonly NodeId[], bothWays: boolean, line: string): void {
    const before = this.monitor.currentLeadership();
    for (const target of to) {
      this.proxy.cut(from, target, bothWays);
      this.log.trace({ event: 'Cut', from, to: target });
      if (bothWays) this.log.trace({ event: 'Cut', from: target, to: from });
    }
    this.recordFault({ kind: 'cut', node: from, to }, before, line);
  }

  heal(): void {
    const before = this.monitor.currentLeadership();
    this.proxy.heal();
    this.log.trace({ event: 'Heal' });
    this.endOpenFaults();
    this.recordFault({ kind: 'heal' }, before, 'heal');
    this.elections.healed(this.monitor.now(), this.monitor.leaderClaims());
  }

  private endOpenFaults(): void {
    for (const f of this.faults) {
      if ((f.kind === 'partition' || f.kind === 'cut') && f.endedAtMs === undefined)
        f.endedAtMs = this.monitor.now();
    }
  }

  private recordFault(
    fault: Pick<FaultRecord, 'kind' | 'node' | 'to' | 'groups'>,
    before: Leadership | null,
    label: string,
  ): void {
    const atMs = this.monitor.now();
    this.faults.push({ ...fault, atMs, leaderBefore: before, running: this.running.size });
    this.elections.disrupted(label, atMs, before);
  }

  // ---------------------------------------------------------------- roles

  roleView(): RoleView {
    const leadership = this.monitor.currentLeadership();
    const followers = this.nodes.filter((n) => {
      const s = this.monitor.latest.get(n)?.status;
      return (
        leadership !== null && n !== leadership.leader && s?.role === 'follower' && s.term === leadership.term
      );
    });
    return { nodes: this.nodes, leadership, followers, vars: this.vars };
  }

  /** Wait (up to 5 s, scaled) for a standing leader with `followers` followers to aim at. */
  async awaitRoles(followers: number, line: number): Promise<RoleView> {
    const deadline = Date.now() + this.scaled(5000);
    for (;;) {
      await this.sample(line);
      const view = this.roleView();
      if (view.leadership !== null && view.followers.length >= followers) return view;
      if (Date.now() > deadline) {
        const what = followers > 0 ? `a leader with ${followers} follower(s)` : 'a unique leader';
        throw new NotReachedError(`no ${what} to aim at (line ${line}; ${this.statusLine()})`);
      }
      await sleep(this.implementation.sampleIntervalMs);
    }
  }

  // ---------------------------------------------------------------- end of run

  /** After the steps: heal, then every acknowledged write must reach every running node (§5.4). */
  async settleAcknowledged(committedEverywhere: (value: string) => Promise<{ ok: boolean; where: string }>) {
    if (this.acked.size === 0) return;
    if (this.proxy.blockedLinks().length > 0) this.heal();
    await this.submitBarrier();
    const deadline = Date.now() + this.scaled(this.options.settleMs ?? 10_000);
    for (const value of this.acked) {
      for (;;) {
        const result = await committedEverywhere(value);
        if (result.ok) break;
        if (Date.now() > deadline) {
          this.monitor.record({
            property: 'Committed Entries Kept',
            atMs: this.monitor.now(),
            text: `acknowledged write ${value} is missing after healing (${result.where}) (§5.4 Leader Completeness)`,
          });
          break;
        }
        await sleep(100);
      }
    }
  }

  /**
   * One more write through the leader before the final check. Without a no-op a new leader
   * never commits an entry of an earlier term until one of its own term commits (§5.4.2,
   * Figure 8): a node that missed the commit would never apply an acknowledged write, and
   * the check would blame the implementation for the client's silence (§8: the no-op).
   */
  private async submitBarrier(): Promise<void> {
    const deadline = Date.now() + this.scaled(5000);
    while (this.monitor.currentLeader() === null && Date.now() < deadline) {
      await this.monitor.sample();
      await sleep(this.implementation.sampleIntervalMs);
    }
    const leader = this.monitor.currentLeader();
    if (leader === null) return;
    this.log.line(`     settle: barrier write raftkit-settle through ${leader}`);
    this.implementation.submit(leader, 'raftkit-settle', this.submits.signal).catch(() => {});
  }

  /** Kill everything, close the proxy, keep the evidence, remove the run directory. */
  async shutdown(keepEvidence?: () => void): Promise<void> {
    this.stopping = true;
    this.submits.abort();
    await this.monitor.stop();
    await this.proxy.close();
    await this.processes.shutdown(keepEvidence);
    // SIGKILL is delivered asynchronously: give the kernel a moment before the leak check.
    for (let i = 0; i < 40 && this.processes.leftovers().length > 0; i++) await sleep(50);
  }
}
