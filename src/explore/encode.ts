import type { ClusterConfig } from '../../models/cluster/config.ts';
import { type ClusterState, smallNumberCode as num } from '../../models/cluster/state.ts';
import type { NodeState } from '../../models/node/compiled.ts';
import type { Role } from '../../models/types.ts';
import { Fingerprint } from './fingerprints.ts';

/** Where an encoding is written: an array of parts (joined into the key) or a fingerprint. */
export interface KeySink {
  push(part: string): unknown;
}

/**
 * A compact canonical encoding of cluster states, for the visited set.
 *
 * Every id and small number is one character (code 48 + n), so an encoding is a short
 * one-byte string: a 3-server state with a few messages in flight takes 30–80
 * characters. Servers are written as positions 0…N−1 under a renaming, which is what
 * symmetry reduction needs: servers are interchangeable in Raft, so states that differ
 * only by a renaming of the servers are one state. The canonical form of a state is the
 * least encoding over the renamings that sort the servers by their *signature* (the
 * id-free part of their state: role, term, commitIndex, log); only servers that tie there
 * are tried in every order. Any two renamings of one state get the same canonical form.
 *
 * Separators are characters below '0', so they never read as numbers.
 *
 * Signatures are passed in by the caller: a successor shares all servers but one with its
 * parent, so the explorer recomputes one signature per step. Messages are encoded by
 * their `messageKey` (whose first two characters are the sender and the addressee).
 */

const ROLE: Record<Role, string> = {
  follower: 'F',
  preCandidate: 'P',
  candidate: 'C',
  leader: 'L',
  crashed: 'X',
};

export class StateEncoder {
  private readonly n: number;
  private readonly identity: readonly number[];
  private readonly values = new Map<string, number>();
  /** Server id → position in `config.nodes`. */
  private readonly index = new Map<string, number>();

  constructor(readonly config: ClusterConfig) {
    this.n = config.nodes.length;
    this.identity = config.nodes.map((_, i) => i);
    config.nodes.forEach((id, i) => {
      this.index.set(id, i);
    });
    config.values.forEach((v, i) => {
      this.values.set(v, i);
    });
  }

  /** The part of a server's state that names no server: role, term, commitIndex, log. */
  signature(node: NodeState): string {
    const c = node.context;
    let s = ROLE[node.role] + num(c.currentTerm) + num(c.commitIndex);
    const log = c.log;
    for (let i = 0; i < log.length; i++) {
      const v = this.values.get(log[i].value);
      s += num(log[i].term) + (v === undefined ? `"${log[i].value}"` : num(v));
    }
    return s;
  }

  signatures(state: ClusterState): string[] {
    return state.nodes.map((node) => this.signature(node));
  }

  private id(id: string | null, perm: readonly number[]): string {
    if (id === null) return '-';
    const i = this.index.get(id);
    return i === undefined ? `{${id}}` : num(perm[i]);
  }

  /** The part of a server's state that names servers, under a renaming. */
  private nodeIds(node: NodeState, perm: readonly number[]): string {
    const c = node.context;
    let s = this.id(c.votedFor, perm) + this.id(c.leaderId, perm);
    if (c.votesResponded.length > 0) {
      s += `(${this.idSet(c.votesGranted, perm)}${this.idSet(c.votesResponded, perm)}`;
    }
    if (node.role === 'leader' || Object.keys(c.nextIndex).length > 0) {
      const slots = new Array<string>(this.n);
      for (let i = 0; i < this.n; i++) {
        const id = c.cluster[i];
        const next = c.nextIndex[id];
        slots[perm[this.index.get(id) ?? i]] =
          next === undefined ? '..' : num(next) + num(c.matchIndex[id] ?? 0);
      }
      s += `)${slots.join('')}`;
    }
    // The tick counts (electionElapsed, heartbeatElapsed) are not encoded: the checker's
    // environment fires timeouts as inputs and never ticks, so they are 0 in every state it
    // reaches, and the pinned state counts stay what they were before timers were modelled.
    // CheckQuorum's record of followers heard from (empty, hence absent, without the switch).
    if (c.heardFrom.length > 0) s += `[${this.idSet(c.heardFrom, perm)}`;
    return s;
  }

  private idSet(ids: readonly string[], perm: readonly number[]): string {
    let mask = 0;
    for (const id of ids) mask |= 1 << perm[this.index.get(id) ?? 0];
    return num(mask);
  }

  /** The whole state under one renaming (perm[i] = new position of server i). */
  encodeWith(state: ClusterState, sigs: readonly string[], perm: readonly number[]): string {
    // One array of parts joined once: the key comes out as one flat string (cheaper to
    // hash and to keep than a tree of concatenations).
    const parts: string[] = [];
    this.writeKey(state, sigs, perm, parts);
    return parts.join('');
  }

  /**
   * A server's whole part of the encoding without renaming (signature, ids, separators).
   * Without symmetry the explorer keeps these per server, like signatures, and recomputes
   * only the stepped server's.
   */
  nodePart(node: NodeState): string {
    return `${this.signature(node)}&${this.nodeIds(node, this.identity)}/`;
  }

  nodeParts(state: ClusterState): string[] {
    return state.nodes.map((node) => this.nodePart(node));
  }

  /** The encoding without renaming (`encode`) from the servers' parts (`nodeParts`). */
  encodeFromParts(state: ClusterState, nodeParts: readonly string[]): string {
    const parts: string[] = nodeParts.slice();
    this.writeRest(state, this.identity, parts);
    return parts.join('');
  }

  /** Each distinct server part's own fingerprint (few distinct servers recur in many states). */
  private readonly partIndex = new Map<string, number>();
  private partHigh: number[] = [];
  private partLow: number[] = [];
  private readonly partFingerprint = new Fingerprint();

  /**
   * A fingerprint of the state without renaming, from the servers' parts (`nodeParts`):
   * each part enters as its own 64-bit fingerprint, computed once per distinct part and
   * remembered (a lookup by a string the engine has already hashed, instead of hashing
   * its characters again in every state it occurs in); the network and history enter
   * character by character. Distinct states get distinct inputs, so it is as good a
   * fingerprint as the whole key's (not equal to it).
   */
  fingerprintFromParts(state: ClusterState, nodeParts: readonly string[], fingerprint: Fingerprint): void {
    fingerprint.reset();
    const known = this.partIndex;
    for (let i = 0; i < nodeParts.length; i++) {
      const part = nodeParts[i];
      let at = known.get(part);
      if (at === undefined) {
        if (known.size >= 1 << 20) {
          known.clear();
          this.partHigh = [];
          this.partLow = [];
        }
        const f = this.partFingerprint.of(part);
        at = this.partHigh.length;
        this.partHigh.push(f.high);
        this.partLow.push(f.low);
        known.set(part, at);
      }
      fingerprint.pushWord(this.partHigh[at]);
      fingerprint.pushWord(this.partLow[at]);
    }
    this.writeRest(state, this.identity, fingerprint);
    fingerprint.finish();
  }

  /** Writes the encoding under one renaming (servers by their signatures `sigs`), part by part. */
  writeKey(state: ClusterState, sigs: readonly string[], perm: readonly number[], parts: KeySink): void {
    const n = this.n;
    if (perm === this.identity) {
      for (let i = 0; i < n; i++) {
        parts.push(sigs[i]);
        parts.push('&');
        parts.push(this.nodeIds(state.nodes[i], perm));
        parts.push('/');
      }
    } else {
      const nodes = new Array<string>(n);
      for (let i = 0; i < n; i++) nodes[perm[i]] = `${sigs[i]}&${this.nodeIds(state.nodes[i], perm)}/`;
      for (let p = 0; p < n; p++) parts.push(nodes[p]);
    }
    this.writeRest(state, perm, parts);
  }

  /** Writes what follows the servers in the encoding: the network and the history. */
  private writeRest(state: ClusterState, perm: readonly number[], parts: KeySink): void {
    const identity = perm === this.identity;
    if (state.network.length > 0) this.writeNetwork(state.network, perm, identity, parts);
    const h = state.history;
    if (h.elections.length > 0 || h.committed.length > 0 || h.crashes > 0)
      this.writeHistory(h, perm, identity, parts);
  }

  /** `#`, then each message in flight and its copies; renamed, messages are sorted again. */
  private writeNetwork(
    network: ClusterState['network'],
    perm: readonly number[],
    identity: boolean,
    parts: KeySink,
  ): void {
    parts.push('#');
    if (identity) {
      // Already sorted by key.
      for (let k = 0; k < network.length; k++) {
        parts.push(network[k].key);
        parts.push('*');
        parts.push(num(network[k].count));
      }
      return;
    }
    const messages = new Array<string>(network.length);
    for (let k = 0; k < network.length; k++) {
      const key = network[k].key;
      messages[k] =
        num(perm[key.charCodeAt(0) - 48]) +
        num(perm[key.charCodeAt(1) - 48]) +
        key.slice(2) +
        '*' +
        num(network[k].count);
    }
    messages.sort();
    for (let k = 0; k < messages.length; k++) parts.push(messages[k]);
  }

  /** `!crashes`, the elections (renamed: sorted again), `!`, then the committed entries. */
  private writeHistory(
    h: ClusterState['history'],
    perm: readonly number[],
    identity: boolean,
    parts: KeySink,
  ): void {
    parts.push('!');
    parts.push(num(h.crashes));
    if (identity) {
      for (const e of h.elections) {
        parts.push(num(e.term));
        parts.push(this.id(e.leader, perm));
      }
    } else
      parts.push(
        h.elections
          .map((e) => num(e.term) + this.id(e.leader, perm))
          .sort()
          .join(''),
      );
    parts.push('!');
    for (const e of h.committed) {
      const v = this.values.get(e.value);
      parts.push(num(e.index));
      parts.push(num(e.term));
      parts.push(v === undefined ? `"${e.value}"` : num(v));
      parts.push(num(e.knownInTerm));
    }
  }

  /**
   * The fingerprint of `canonical(state)`, written straight into `fingerprint` without
   * building the key string unless servers tie (then the least renaming must be found).
   */
  canonicalFingerprint(state: ClusterState, sigs: readonly string[], fingerprint: Fingerprint): void {
    fingerprint.reset();
    const perm = this.sortingPerm(sigs);
    if (perm !== null) this.writeKey(state, sigs, perm, fingerprint);
    else fingerprint.push(this.canonical(state, sigs));
    fingerprint.finish();
  }

  /** The renaming that sorts the servers by signature, or null when signatures tie. */
  private sortingPerm(sigs: readonly string[]): number[] | null {
    const n = this.n;
    const order = this.sortedOrder(sigs);
    const perm = new Array<number>(n);
    for (let p = 0; p < n; p++) {
      perm[order[p]] = p;
      if (p > 0 && sigs[order[p]] === sigs[order[p - 1]]) return null;
    }
    return perm;
  }

  /** The servers' positions sorted by signature. */
  private sortedOrder(sigs: readonly string[]): number[] {
    return this.identity.slice().sort((a, b) => (sigs[a] < sigs[b] ? -1 : sigs[a] > sigs[b] ? 1 : 0));
  }

  /** Encoding without symmetry reduction: servers keep their ids. */
  encode(state: ClusterState, sigs: readonly string[] = this.signatures(state)): string {
    return this.encodeWith(state, sigs, this.identity);
  }

  /** The canonical encoding of the state's symmetry class (all renamings of the servers). */
  canonical(state: ClusterState, sigs: readonly string[] = this.signatures(state)): string {
    const sorting = this.sortingPerm(sigs);
    if (sorting !== null) return this.encodeWith(state, sigs, sorting);
    const n = this.n;
    // order[p] = the server placed at position p, sorted by signature.
    const order = this.sortedOrder(sigs);
    const perm = new Array<number>(n);
    let best: string | null = null;
    // Enumerate the orders that permute servers only within runs of equal signatures.
    const visit = (p: number, used: number) => {
      if (p === n) {
        const s = this.encodeWith(state, sigs, perm);
        if (best === null || s < best) best = s;
        return;
      }
      let start = p;
      while (start > 0 && sigs[order[start - 1]] === sigs[order[p]]) start--;
      for (let k = start; k < n && sigs[order[k]] === sigs[order[p]]; k++) {
        const server = order[k];
        if (used & (1 << server)) continue;
        perm[server] = p;
        visit(p + 1, used | (1 << server));
      }
    };
    visit(0, 0);
    return best as unknown as string;
  }
}
