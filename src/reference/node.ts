import type {
  AppendEntriesRequest,
  AppendEntriesResponse,
  LogEntry,
  Message,
  NodeId,
  PreVoteRequest,
  PreVoteResponse,
  RequestVoteRequest,
  RequestVoteResponse,
  Role,
} from '../../models/types.ts';
import { type Clock, ManualClock, Rng } from './clock.ts';
import type { MutantName } from './mutants.ts';
import { MemoryStorage, type Storage } from './storage.ts';
import {
  matchAfterSuccess,
  nextIndexAfterRejection,
  PAPER_BEHAVIOUR,
  type ReferenceSwitches,
  restartsTimerOnNewTerm,
} from './switches.ts';
import type { Transport } from './transport.ts';

/**
 * The reference Raft node: Figure 2 of the Raft paper plus PreVote (Ongaro's thesis §9.6)
 * and the implementation variants of `switches.ts` (each off unless asked for),
 * written on purpose WITHOUT the model in `models/` (only its message types), in the
 * ordinary style of a Raft library: a class with mutable fields, a `Storage` it syncs
 * before answering, a `Transport` it sends through, and a `Clock` its timers read.
 * It is a system under test, not an oracle; the conformance suite checks it against the
 * model like any other implementation.
 */

export interface NodeTiming {
  /** Election timeout range in clock units, drawn anew at every reset (§5.2: randomized). */
  readonly electionTimeoutMin: number;
  readonly electionTimeoutMax: number;
  /** Heartbeat interval of a leader, in clock units. */
  readonly heartbeatInterval: number;
}

export interface NodeOptions {
  readonly id: NodeId;
  /** Every server, this one included. */
  readonly cluster: readonly NodeId[];
  readonly preVote: boolean;
  /** Thesis §8: a new leader appends a blank no-op entry of its term (off by default). */
  readonly leaderNoOp?: boolean;
  /** Implementation variants (switches.ts); absent ones behave as Figure 2. */
  readonly switches?: Partial<ReferenceSwitches>;
  readonly transport: Transport;
  readonly storage?: Storage;
  readonly clock?: Clock;
  readonly timing?: NodeTiming;
  readonly seed?: number;
  /** Reproduce a known bug class (see mutants.ts). */
  readonly mutant?: MutantName;
}

/** What the harness can read of a node (Figure 2's state, plus the role). */
export interface NodeStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly currentTerm: number;
  readonly votedFor: NodeId | null;
  readonly log: readonly LogEntry[];
  readonly commitIndex: number;
}

export const DEFAULT_TIMING: NodeTiming = {
  electionTimeoutMin: 10,
  electionTimeoutMax: 20,
  heartbeatInterval: 1,
};

export class RaftNode {
  readonly id: NodeId;
  private readonly peers: readonly NodeId[];
  private readonly clusterSize: number;
  private readonly preVote: boolean;
  private readonly leaderNoOp: boolean;
  private readonly switches: ReferenceSwitches;
  private readonly transport: Transport;
  readonly storage: Storage;
  private readonly clock: Clock;
  private readonly timing: NodeTiming;
  private readonly rng: Rng;
  private readonly mutant: MutantName | undefined;

  // persistent (mirrored in storage)
  private currentTerm = 0;
  private votedFor: NodeId | null = null;
  private log: LogEntry[] = [];
  // volatile
  private role: Role = 'follower';
  private commitIndex = 0;
  private leaderId: NodeId | null = null;
  // candidate / pre-candidate
  private granted = new Set<NodeId>();
  private responded = new Set<NodeId>();
  // leader
  private nextIndex = new Map<NodeId, number>();
  private matchIndex = new Map<NodeId, number>();
  /** CheckQuorum: followers that answered since the last quorum check (etcd `RecentActive`). */
  private recentlyActive = new Set<NodeId>();
  // timers
  private electionResetAt = 0;
  private electionTimeout = 0;
  private heartbeatResetAt = 0;

  constructor(options: NodeOptions) {
    this.id = options.id;
    this.peers = options.cluster.filter((p) => p !== options.id);
    this.clusterSize = options.cluster.length;
    this.preVote = options.preVote;
    this.leaderNoOp = options.leaderNoOp ?? false;
    this.switches = { ...PAPER_BEHAVIOUR, ...options.switches };
    this.transport = options.transport;
    this.storage = options.storage ?? new MemoryStorage();
    this.clock = options.clock ?? new ManualClock();
    this.timing = options.timing ?? DEFAULT_TIMING;
    this.rng = new Rng(options.seed ?? 1);
    this.mutant = options.mutant;
    if (this.switches.persistCommitIndex && !this.storage.loadCommitIndex) {
      throw new Error('persistCommitIndex needs a storage that keeps the commit index (setCommitIndex)');
    }
    this.loadFromStorage();
    this.resetElectionTimer();
  }

  status(): NodeStatus {
    return {
      id: this.id,
      role: this.role,
      currentTerm: this.currentTerm,
      votedFor: this.votedFor,
      log: this.log.slice(),
      commitIndex: this.commitIndex,
    };
  }

  private has(mutant: MutantName): boolean {
    return this.mutant === mutant;
  }

  // ------------------------------------------------------------------ inputs

  /** Receive a message from the network. */
  receive(message: Message): void {
    if (this.role === 'crashed') return;
    if (this.isInLease(message)) return;
    if (this.refusesWhileLed(message)) {
      this.refuseVote(message);
      return;
    }
    const termBefore = this.currentTerm;
    // Rules for All Servers: a higher term makes us a follower of that term (§5.1).
    if (message.term > this.currentTerm && !this.carriesProposedTermOnly(message)) {
      const isResponse = message.type.endsWith('Response');
      if (!(isResponse && this.has('higher-term-response-ignored') && this.role !== 'follower')) {
        this.adoptTerm(message.term);
      }
    } else if (message.term < this.currentTerm) {
      this.rejectStale(message);
      return;
    }
    const replyTerm = this.has('stale-term-in-reply') ? termBefore : this.currentTerm;
    switch (message.type) {
      case 'RequestVoteRequest':
        this.onRequestVote(message, replyTerm);
        return;
      case 'PreVoteRequest':
        this.onPreVote(message);
        return;
      case 'RequestVoteResponse':
        this.onVoteResponse(message);
        return;
      case 'PreVoteResponse':
        this.onPreVoteResponse(message);
        return;
      case 'AppendEntriesRequest':
        this.onAppendEntries(message, replyTerm);
        return;
      case 'AppendEntriesResponse':
        this.onAppendEntriesResponse(message);
        return;
    }
  }

  /** A refused vote, sent at once with our own term (while led: refusesWhileLed). */
  private refuseVote(message: Message): void {
    this.send({
      type: 'RequestVoteResponse',
      from: this.id,
      to: message.from,
      term: this.currentTerm,
      voteGranted: false,
    });
  }

  /**
   * A pre-vote request, and a pre-vote grant, only carry a proposed term (thesis §9.6); so
   * does a refusal that echoes the request's term (preVoteRefusalTerm: echo). Their term
   * makes no one a follower.
   */
  private carriesProposedTermOnly(message: Message): boolean {
    return (
      message.type === 'PreVoteRequest' ||
      (message.type === 'PreVoteResponse' &&
        (message.voteGranted ||
          this.switches.preVoteRefusalTerm === 'echo' ||
          this.has('pre-vote-rejection-term-ignored')))
    );
  }

  /**
   * Leader stickiness, any-term (thesis §4.2.3: a server that heard from a current leader
   * "does not update its term or grant its vote"): a RequestVote or PreVote of a higher term
   * is ignored, unanswered, while a leader is known (etcd raft.go:846 `inLease` → `return nil`).
   * The leader is forgotten when the election timer fires, so "known" means "heard from
   * within the election timeout", the lease of etcd's `electionElapsed < electionTimeout`.
   */
  private isInLease(message: Message): boolean {
    if (this.switches.leaderStickiness !== 'any-term' || this.leaderId === null) return false;
    const vote = message.type === 'RequestVoteRequest' || message.type === 'PreVoteRequest';
    return vote && message.term > this.currentTerm;
  }

  /**
   * Leader stickiness, any-term-reply and any-term-reply-except-leader: a RequestVote of any
   * term is answered "not granted" with our own term, the term untouched, while we know a
   * leader (we are one, or a follower that heard from one). canonical/raft v0.15.0
   * recv_request_vote.c:58-64 checks `has_leader` before the term, then `goto reply` with
   * `result->term = r->current_term`; hashicorp/raft 1.1.2 raft.go:1417 does the same from a
   * deferred `rpc.Respond` (raft.go:1402) but lets the leader it knows through
   * (`leader != candidate`).
   */
  private refusesWhileLed(message: Message): boolean {
    const mode = this.switches.leaderStickiness;
    if (mode !== 'any-term-reply' && mode !== 'any-term-reply-except-leader') return false;
    if (message.type !== 'RequestVoteRequest' || this.leaderId === null) return false;
    return mode === 'any-term-reply' || message.from !== this.leaderId;
  }

  /** The election timer fired (or the harness says it did). */
  electionTimeoutFired(): void {
    if (this.role === 'crashed') return;
    if (this.role === 'leader') {
      // A leader's election timer is its quorum check; elapsed, it starts over (etcd raft.go:675-680
      // tickHeartbeat: electionElapsed = 0, then MsgCheckQuorum), whether the clock or the harness fired it.
      this.electionResetAt = this.clock.now();
      if (this.switches.checkQuorum) this.checkQuorum();
      return;
    }
    // candidateRetry: election — a candidate whose election times out campaigns again at
    // once, without a new pre-vote round (canonical/raft 0.15 as observed for issue 12).
    const retry = this.role === 'candidate' && this.switches.candidateRetry === 'election';
    if (this.preVote && !retry) this.startPreVote();
    else this.startElection();
  }

  /**
   * CheckQuorum (thesis §6.2): "a leader steps down if an election timeout elapses without a
   * successful round of heartbeats to a majority of its cluster". As etcd's MsgCheckQuorum
   * (raft.go:1006-1018): count itself and every follower that answered since the last check
   * (`RecentActive`, set on every AppendEntries response, raft.go:1116), step down to
   * follower in the same term without a leader if that is no majority, and start over.
   */
  private checkQuorum(): void {
    const active = 1 + this.recentlyActive.size;
    this.recentlyActive = new Set();
    if (this.isMajority(active)) return;
    this.role = 'follower';
    this.leaderId = null;
    this.clearLeadership();
    this.resetElectionTimer();
  }

  /** The heartbeat timer fired: a leader sends AppendEntries to every follower. */
  heartbeatTimeoutFired(): void {
    if (this.role !== 'leader') return;
    this.heartbeatResetAt = this.clock.now();
    this.broadcastAppendEntries();
  }

  /** Check the timers against the clock; the owner calls this on every tick. */
  tick(): void {
    if (this.role === 'crashed') return;
    const now = this.clock.now();
    if (this.role === 'leader') {
      // A leader's election timer is its quorum check, every (unrandomized) election
      // timeout (etcd raft.go:675 tickHeartbeat → MsgCheckQuorum).
      if (now - this.electionResetAt >= this.timing.electionTimeoutMin) this.electionTimeoutFired();
      if (this.role !== 'leader') return;
      if (now - this.heartbeatResetAt >= this.timing.heartbeatInterval) this.heartbeatTimeoutFired();
      return;
    }
    if (now - this.electionResetAt >= this.electionTimeout) this.electionTimeoutFired();
  }

  /** A client command. Only a leader takes it (Figure 2, Leaders). */
  propose(value: string): boolean {
    if (this.role !== 'leader') return false;
    this.appendToLog(this.log.length + 1, [{ term: this.currentTerm, value }]);
    this.storage.sync();
    this.advanceCommitIndex();
    return true;
  }

  /** Power loss: unsynced writes and all volatile state are gone. */
  crash(): void {
    if (this.role === 'crashed') return;
    this.storage.loseUnsynced();
    this.role = 'crashed';
    this.commitIndex = 0;
    this.leaderId = null;
    this.clearCandidacy();
    this.clearLeadership();
    this.loadFromStorage();
  }

  /** Come back as a follower from stable storage. */
  restart(): void {
    if (this.role !== 'crashed') return;
    this.loadFromStorage();
    this.role = 'follower';
    this.resetElectionTimer();
  }

  // ------------------------------------------------------------------ term rule

  private adoptTerm(term: number): void {
    const restartTimer = restartsTimerOnNewTerm(this.switches, this.role);
    this.currentTerm = term;
    this.votedFor = null;
    this.storage.setTermAndVote(term, null);
    if (!this.has('term-not-durable')) this.storage.sync();
    this.role = 'follower';
    this.leaderId = null;
    this.clearCandidacy();
    this.clearLeadership();
    if (restartTimer) this.resetElectionTimer();
  }

  /** RPC receiver rule 1: "Reply false if term < currentTerm". Stale responses are dropped. */
  private rejectStale(message: Message): void {
    const base = { from: this.id, to: message.from, term: this.currentTerm };
    switch (message.type) {
      case 'RequestVoteRequest':
        this.send({ type: 'RequestVoteResponse', ...base, voteGranted: false });
        return;
      case 'PreVoteRequest':
        if (this.has('stale-pre-vote-dropped')) return;
        this.send({
          type: 'PreVoteResponse',
          ...base,
          term: this.preVoteRefusalTerm(message),
          voteGranted: false,
        });
        return;
      case 'AppendEntriesRequest':
        if (this.has('stale-append-dropped')) return;
        this.send({ type: 'AppendEntriesResponse', ...base, success: false, matchIndex: 0 });
        return;
      case 'AppendEntriesResponse':
        if (this.has('panic-on-reordered-reply') && this.role === 'leader') {
          throw new Error(
            `assertion failed: AppendEntriesResponse from ${message.from} of old term ${message.term}`,
          );
        }
        return;
      default:
        return;
    }
  }

  // ------------------------------------------------------------------ elections

  private lastIndex(): number {
    return this.log.length;
  }

  private termOf(index: number): number | undefined {
    if (index === 0) return 0;
    return this.log[index - 1]?.term;
  }

  private lastTerm(): number {
    return this.termOf(this.lastIndex()) ?? 0;
  }

  /** §5.4.1: is the candidate's log at least as up-to-date as ours? */
  private upToDate(lastLogTerm: number, lastLogIndex: number): boolean {
    if (this.has('vote-without-log-check')) return true;
    if (this.has('vote-log-length-only')) return lastLogIndex >= this.lastIndex();
    if (this.has('vote-index-when-terms-differ')) {
      return lastLogTerm >= this.lastTerm() && lastLogIndex >= this.lastIndex();
    }
    if (lastLogTerm > this.lastTerm()) return true;
    if (lastLogTerm < this.lastTerm()) return false;
    return lastLogIndex >= this.lastIndex();
  }

  private onRequestVote(request: RequestVoteRequest, replyTerm: number): void {
    if (this.has('timer-reset-on-rejected-vote')) this.resetElectionTimer();
    const free = this.votedFor === request.from || (this.votedFor === null && !this.stickyInTerm());
    const grant = free && this.upToDate(request.lastLogTerm, request.lastLogIndex);
    if (grant) {
      this.votedFor = request.from;
      this.storage.setTermAndVote(this.currentTerm, this.votedFor);
      if (!this.has('vote-not-durable')) this.storage.sync();
      this.resetElectionTimer();
    }
    this.send({
      type: 'RequestVoteResponse',
      from: this.id,
      to: request.from,
      term: replyTerm,
      voteGranted: grant,
    });
  }

  /**
   * Leader stickiness, same-term or any-term: a server that knows the leader of its term
   * does not vote in that term for anyone it has not voted for already (etcd raft.go:941
   * `canVote := r.Vote == m.From || (r.Vote == None && r.lead == None) || …`).
   */
  private stickyInTerm(): boolean {
    // The replying values refuse before the term check (refusesWhileLed), with their own exemptions.
    const mode = this.switches.leaderStickiness;
    return (mode === 'same-term' || mode === 'any-term') && this.leaderId !== null;
  }

  private onPreVote(request: PreVoteRequest): void {
    const grant = this.canPreVote(request) && this.upToDate(request.lastLogTerm, request.lastLogIndex);
    const term = grant ? request.term : this.preVoteRefusalTerm(request);
    this.send({ type: 'PreVoteResponse', from: this.id, to: request.from, term, voteGranted: grant });
  }

  /**
   * Thesis §9.6: a pre-vote is for a term above ours, and not while we hear from a leader.
   * preVoteOwnTerm: also one for our own term when the real vote could still be granted
   * (etcd raft.go:941 canVote applied to a MsgPreVote of r.Term).
   */
  private canPreVote(request: PreVoteRequest): boolean {
    if (request.term > this.currentTerm) return this.leaderId === null || this.preVoteIgnoresLeader();
    if (!this.switches.preVoteOwnTerm || request.term !== this.currentTerm) return false;
    return this.votedFor === request.from || (this.votedFor === null && this.leaderId === null);
  }

  /**
   * preVoteStickiness: false — a pre-vote for a future term is granted on the log alone,
   * whatever leader we know (etcd raft.go:941-947 `canVote` ... `|| (m.Type == pb.MsgPreVote
   * && m.Term > r.Term)`; its stickiness is the CheckQuorum lease of raft.go:846 only).
   */
  private preVoteIgnoresLeader(): boolean {
    return !this.switches.preVoteStickiness || this.has('pre-vote-ignores-leader');
  }

  /**
   * The term a refused pre-vote carries: ours, so a pre-candidate behind learns it (etcd
   * raft.go:893, 986 `Term: r.Term, Reject: true`), or with preVoteRefusalTerm: echo the
   * request's proposed term.
   */
  private preVoteRefusalTerm(request: PreVoteRequest): number {
    return this.switches.preVoteRefusalTerm === 'echo' ? request.term : this.currentTerm;
  }

  private startPreVote(): void {
    this.role = 'preCandidate';
    this.leaderId = null;
    this.clearCandidacy();
    this.granted.add(this.id);
    this.responded.add(this.id);
    if (this.has('pre-vote-bumps-term')) {
      this.currentTerm += 1;
      this.votedFor = null;
      this.storage.setTermAndVote(this.currentTerm, null);
      this.storage.sync();
    }
    this.resetElectionTimer();
    const proposed = this.has('pre-vote-bumps-term') ? this.currentTerm : this.currentTerm + 1;
    for (const peer of this.peers) {
      this.send({
        type: 'PreVoteRequest',
        from: this.id,
        to: peer,
        term: proposed,
        lastLogIndex: this.lastIndex(),
        lastLogTerm: this.lastTerm(),
      });
    }
    this.checkPreVoteQuorum();
  }

  private onPreVoteResponse(response: PreVoteResponse): void {
    if (this.role !== 'preCandidate') return;
    const proposed = this.has('pre-vote-bumps-term') ? this.currentTerm : this.currentTerm + 1;
    if (response.voteGranted) {
      // preVoteOwnTerm: a grant for our own current term counts too (etcd raft.go:1293
      // stepCandidate polls every MsgPreVoteResp that reached it, i.e. not below r.Term).
      const ownTerm = this.switches.preVoteOwnTerm && response.term === this.currentTerm;
      if (response.term !== proposed && !ownTerm) return;
      this.granted.add(response.from);
    }
    this.responded.add(response.from);
    this.checkPreVoteQuorum();
    this.yieldIfLost();
  }

  private checkPreVoteQuorum(): void {
    if (this.role === 'preCandidate' && this.isMajority(this.granted.size)) this.startElection();
  }

  /** Figure 2, Candidates: increment currentTerm, vote for self, reset timer, send RequestVote. */
  private startElection(): void {
    this.role = 'candidate';
    this.currentTerm += 1;
    this.votedFor = this.id;
    this.storage.setTermAndVote(this.currentTerm, this.id);
    this.storage.sync();
    this.leaderId = null;
    this.clearCandidacy();
    this.granted.add(this.id);
    this.responded.add(this.id);
    this.resetElectionTimer();
    for (const peer of this.peers) {
      this.send({
        type: 'RequestVoteRequest',
        from: this.id,
        to: peer,
        term: this.currentTerm,
        lastLogIndex: this.lastIndex(),
        lastLogTerm: this.lastTerm(),
      });
    }
    this.checkVoteQuorum();
  }

  private onVoteResponse(response: RequestVoteResponse): void {
    if (this.role !== 'candidate') return;
    if (response.term > this.currentTerm) return; // higher-term-response-ignored mutant
    if (response.voteGranted || this.has('denied-vote-counted')) this.granted.add(response.from);
    this.responded.add(response.from);
    this.checkVoteQuorum();
    this.yieldIfLost();
  }

  /**
   * yieldOnLostElection: as etcd's stepCandidate (raft.go:1304-1307), a (pre-)candidate whose
   * grants plus the servers yet to answer are no majority (quorum/majority.go:206-209,
   * VoteLost) becomes a follower of its current term, keeping its vote, timer restarted.
   */
  private yieldIfLost(): void {
    if (!this.switches.yieldOnLostElection) return;
    if (this.role !== 'candidate' && this.role !== 'preCandidate') return;
    const missing = this.clusterSize - this.responded.size;
    if (this.isMajority(this.granted.size + missing)) return;
    this.role = 'follower';
    this.leaderId = null;
    this.clearCandidacy();
    this.resetElectionTimer();
  }

  private checkVoteQuorum(): void {
    if (this.role === 'candidate' && this.isMajority(this.granted.size)) this.becomeLeader();
  }

  private isMajority(count: number): boolean {
    return count * 2 > this.clusterSize;
  }

  private becomeLeader(): void {
    this.role = 'leader';
    this.leaderId = this.id;
    this.clearCandidacy();
    for (const peer of this.peers) {
      this.nextIndex.set(peer, this.lastIndex() + 1);
      this.matchIndex.set(peer, 0);
    }
    this.heartbeatResetAt = this.clock.now();
    this.electionResetAt = this.clock.now();
    this.recentlyActive = new Set();
    if (this.leaderNoOp && this.switches.noOpAfterFirstAppend) {
      // hashicorp/raft 1.1.2 runLeader: the replication goroutines are started and triggered
      // (raft.go:440, 489-490) before the no-op is written (raft.go:453, 1073), so the first
      // round to each follower ends at the old last index: an empty request.
      this.broadcastAppendEntries();
      this.appendNoOp();
      return;
    }
    if (this.leaderNoOp) this.appendNoOp();
    this.broadcastAppendEntries();
  }

  /** Thesis §8: "each leader commit[s] a blank no-op entry into the log at the start of its term". */
  private appendNoOp(): void {
    this.appendToLog(this.log.length + 1, [{ term: this.currentTerm, value: '' }]);
    this.storage.sync();
    this.advanceCommitIndex();
  }

  // ------------------------------------------------------------------ replication

  private broadcastAppendEntries(): void {
    for (const peer of this.peers) this.sendAppendEntries(peer);
  }

  private sendAppendEntries(peer: NodeId): void {
    const next = this.nextIndex.get(peer) ?? this.lastIndex() + 1;
    const prevLogIndex = next - 1;
    this.send({
      type: 'AppendEntriesRequest',
      from: this.id,
      to: peer,
      term: this.currentTerm,
      prevLogIndex,
      prevLogTerm: this.termOf(prevLogIndex) ?? 0,
      entries: this.log.slice(prevLogIndex),
      leaderCommit: this.commitIndex,
    });
  }

  /**
   * noOpAfterFirstAppend: hashicorp's round that ended at the old last index returns
   * (replication.go:264), and the trigger the no-op's write left (raft.go:1088) starts the next
   * round from nextIndex (replication.go:156-157, 209): the follower whose next index is now this
   * term's first entry, the no-op, gets it.
   */
  private sendNoOpIfNext(peer: NodeId): void {
    if (!this.leaderNoOp || !this.switches.noOpAfterFirstAppend) return;
    const next = this.nextIndex.get(peer) ?? 1;
    if (this.termOf(next) === this.currentTerm && this.termOf(next - 1) !== this.currentTerm)
      this.sendAppendEntries(peer);
  }

  private onAppendEntries(request: AppendEntriesRequest, replyTerm: number): void {
    if (this.role === 'leader') return; // two leaders in one term cannot happen; ignore
    if (this.role === 'candidate' || this.role === 'preCandidate') {
      // §5.2: a candidate that hears from a leader of its term returns to follower.
      this.role = 'follower';
      this.clearCandidacy();
      if (this.has('vote-cleared-on-step-down')) this.forgetVote();
    }
    this.leaderId = request.from;
    this.resetElectionTimer();
    if (this.has('vote-cleared-on-append')) this.forgetVote();
    const reply = {
      type: 'AppendEntriesResponse' as const,
      from: this.id,
      to: request.from,
      term: replyTerm,
    };
    // appendBelowCommit: reply-commit — etcd raft.go:1374-1377: `if m.Index <
    // r.raftLog.committed`, answer with the committed index and touch nothing.
    if (this.switches.appendBelowCommit === 'reply-commit' && request.prevLogIndex < this.commitIndex) {
      this.send({ ...reply, success: true, matchIndex: this.commitIndex });
      return;
    }
    const matches = this.termOf(request.prevLogIndex) === request.prevLogTerm;
    if (!matches && !this.has('skip-consistency-check')) {
      this.storage.sync();
      this.send({ ...reply, success: false, matchIndex: 0, ...this.rejectHint() });
      return;
    }
    this.mergeEntries(request.prevLogIndex, request.entries);
    if (!this.has('ack-before-persist')) this.storage.sync();
    const lastNew = request.prevLogIndex + request.entries.length;
    if (this.has('commit-index-regresses')) {
      this.commitIndex = Math.min(request.leaderCommit, lastNew);
    } else if (this.has('commit-beyond-last-new-entry')) {
      if (request.leaderCommit > this.commitIndex) this.commitIndex = request.leaderCommit;
    } else if (request.leaderCommit > this.commitIndex) {
      this.commitIndex = Math.max(this.commitIndex, Math.min(request.leaderCommit, lastNew));
    }
    this.persistCommit();
    this.send({ ...reply, success: true, ...this.successMatch(request, lastNew) });
  }

  /** appendMatchFrom: request — a success says only "yes"; the RPC layer pairs it with the request. */
  private successMatch(
    request: AppendEntriesRequest,
    lastNew: number,
  ): Pick<AppendEntriesResponse, 'matchIndex' | 'inReplyTo'> {
    if (this.switches.appendMatchFrom !== 'request') return { matchIndex: lastNew };
    return {
      matchIndex: 0,
      inReplyTo: { prevLogIndex: request.prevLogIndex, entries: request.entries.length },
    };
  }

  /** backoff: hint — a rejection carries our last index (etcd raft.go:1384 `RejectHint: r.raftLog.lastIndex()`). */
  private rejectHint(): { rejectHint?: number } {
    return this.switches.backoff === 'hint' ? { rejectHint: this.lastIndex() } : {};
  }

  /** AE rules 3 and 4: delete a conflicting suffix, append what is new; keep what matches. */
  private mergeEntries(prevLogIndex: number, entries: readonly LogEntry[]): void {
    for (let k = 0; k < entries.length; k++) {
      const index = prevLogIndex + 1 + k;
      if (this.termOf(index) === entries[k].term) continue;
      this.appendToLog(Math.min(index, this.log.length + 1), entries.slice(k));
      return;
    }
  }

  private appendToLog(index: number, entries: readonly LogEntry[]): void {
    this.log = [...this.log.slice(0, index - 1), ...entries];
    this.storage.truncateAndAppend(index, entries);
  }

  private onAppendEntriesResponse(response: AppendEntriesResponse): void {
    if (this.role !== 'leader') return;
    if (response.term > this.currentTerm) return; // higher-term-response-ignored mutant
    const peer = response.from;
    if (!this.matchIndex.has(peer)) return;
    this.recentlyActive.add(peer);
    const match = this.matchIndex.get(peer)!;
    if (response.success) {
      const reported = matchAfterSuccess(this.switches, 0, response);
      if (this.has('panic-on-reordered-reply') && reported < match) {
        throw new Error(`assertion failed: matchIndex of ${peer} went back from ${match} to ${reported}`);
      }
      const newMatch = matchAfterSuccess(this.switches, match, response);
      this.matchIndex.set(peer, newMatch);
      this.nextIndex.set(peer, newMatch + 1);
      this.advanceCommitIndex();
      this.sendNoOpIfNext(peer);
    } else {
      const progress = { next: this.nextIndex.get(peer) ?? 1, match };
      this.nextIndex.set(peer, nextIndexAfterRejection(this.switches, progress, response.rejectHint));
    }
  }

  /**
   * Figure 2, Leaders: the largest N > commitIndex stored on a majority (the leader counts)
   * with log[N].term == currentTerm becomes the commitIndex.
   */
  private advanceCommitIndex(): void {
    for (let n = this.lastIndex(); n > this.commitIndex; n--) {
      let replicas = 1;
      for (const peer of this.peers) if ((this.matchIndex.get(peer) ?? 0) >= n) replicas++;
      if (!this.isMajority(replicas)) continue;
      if (this.termOf(n) === this.currentTerm || this.has('commit-previous-term')) {
        this.commitIndex = n;
        this.persistCommit();
        return;
      }
    }
  }

  // ------------------------------------------------------------------ helpers

  private forgetVote(): void {
    this.votedFor = null;
    this.storage.setTermAndVote(this.currentTerm, null);
    this.storage.sync();
  }

  private clearCandidacy(): void {
    this.granted = new Set();
    this.responded = new Set();
  }

  private clearLeadership(): void {
    this.nextIndex = new Map();
    this.matchIndex = new Map();
    this.recentlyActive = new Set();
  }

  private resetElectionTimer(): void {
    this.electionResetAt = this.clock.now();
    this.electionTimeout = this.rng.intBetween(
      this.timing.electionTimeoutMin,
      this.timing.electionTimeoutMax,
    );
  }

  private loadFromStorage(): void {
    const saved = this.storage.load();
    this.currentTerm = saved.currentTerm;
    this.votedFor = saved.votedFor;
    this.log = [...saved.log];
    // persistCommitIndex: the commit index is on disk too (etcd raft.go:1570-1577 loadState).
    if (this.switches.persistCommitIndex) this.commitIndex = this.storage.loadCommitIndex?.() ?? 0;
  }

  /**
   * persistCommitIndex: write commitIndex to storage and sync it, as etcd's HardState.Commit
   * goes to storage with the Ready that reports it (raft.go:398-403).
   */
  private persistCommit(): void {
    if (!this.switches.persistCommitIndex) return;
    this.storage.setCommitIndex?.(this.commitIndex);
    this.storage.sync();
  }

  private send(message: Message): void {
    this.transport.send(message);
  }
}
