/**
 * Classify every failure of a `raftkit conform --report json` run against hashicorp/raft
 * 1.1.2 in step mode (conformance/adapters/hashicorp-raft/step) into the classes of
 * docs/implementations.md (section "hashicorp/raft"); exit code 1 if one is left over.
 *
 *   npm run conform:hashicorp-raft
 *   npx tsx conformance/adapters/hashicorp-raft/classify.ts .raftkit-tmp/hashicorp-raft/conform.json
 *
 * Source lines are Debian's copy of v1.1.2 (/usr/share/gocode/src/github.com/hashicorp/raft).
 */
import { CLASSES as CANONICAL, type DiscrepancyClass } from '../canonical-raft/classify.ts';
import { classifyCli } from '../classify-report.ts';

const same = (id: string) => CANONICAL.find((c) => c.id.startsWith(`${id} `)) as DiscrepancyClass;

export const CLASSES: readonly DiscrepancyClass[] = [
  {
    id: 'H1 a server that has a leader refuses RequestVote without adopting its term (leaderStickiness "any-term-reply-except-leader"; canonical C1)',
    verdict: '(b) switch of the model',
    matches: same('C1').matches,
  },
  {
    id: 'H2 a leader takes the match index from the request it really sent (replication.go:236, 589-595; appendMatchFrom "request", declared); an injected success naming another request (its matchIndex or inReplyTo) cannot reach it: hashicorp\'s response carries neither',
    verdict: '(c) limit of the kit',
    matches: (f) =>
      f.input.startsWith('inject AppendEntriesResponse') &&
      f.input.includes('success=true') &&
      f.differences.length === 1 &&
      f.differences[0].field === 'commitIndex' &&
      f.actualState?.role === 'leader',
  },
  {
    id: 'H3 a follower commits up to its last log index, not the last new entry (Figure 2, AppendEntries rule 5; canonical C8)',
    verdict: '(a) departure from Raft',
    matches: same('C8').matches,
  },
  {
    id: 'H4 a leader deposed by a higher-term response steps down without adopting that term (Figure 2, All Servers)',
    verdict: '(a) departure from Raft',
    matches: (f) =>
      f.input.startsWith('deliver AppendEntriesResponse') &&
      f.differences.some((d) => d.field === 'currentTerm' && Number(d.actual) < Number(d.expected)) &&
      f.unexpected.length === 0,
  },
  {
    id: "H5 the leader's first AppendEntries carries no no-op (raft.go:440 triggers replication before :453 appends it; the adapter lets replication send first, every run); the no-op follows after the follower's success (noOpAfterFirstAppend, declared)",
    verdict: '(b) switch of the model',
    matches: (f) =>
      f.input.startsWith('deliver AppendEntriesResponse') &&
      f.unexpected.length > 0 &&
      f.unexpected.every(
        (m) =>
          m.type === 'AppendEntriesRequest' &&
          Array.isArray(m.entries) &&
          m.entries.length > 0 &&
          (m.entries as { value: string }[]).every((e) => e.value === ''),
      ) &&
      f.differences.every((d) => d.field === 'commitIndex' && Number(d.actual) < Number(d.expected)),
  },
  {
    id: 'H7 a disruptive RequestVote is answered with a refusal in the voter\'s own term (raft.go:1402-1404 always responds, :1417-1421 refuses), not dropped as etcd\'s inLease does (leaderStickiness "any-term-reply-except-leader", declared; canonical C11)',
    verdict: '(b) switch of the model',
    matches: same('C11').matches,
  },
  {
    id: 'H8 a RequestVote from the known leader itself (in the same or a higher term) is decided by Figure 2 and granted (raft.go:1417 exempts `leader == candidate`; leaderStickiness "any-term-reply-except-leader", declared)',
    verdict: '(b) switch of the model',
    matches: (f) =>
      f.input.includes('RequestVoteRequest') &&
      f.expectedState?.role === 'follower' &&
      f.differences.some((d) => d.field === 'votedFor') &&
      f.differences.every((d) => d.field === 'votedFor' || d.field === 'currentTerm') &&
      f.unexpected.length === 1 &&
      f.unexpected[0].type === 'RequestVoteResponse' &&
      f.unexpected[0].voteGranted === true,
  },
];

classifyCli('hashicorp-raft/classify.ts', CLASSES);
