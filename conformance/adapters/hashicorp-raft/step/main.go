// Command hashicorp-raft-step lets raftkit drive hashicorp/raft (1.1.2, Debian
// golang-github-hashicorp-raft-dev) in step mode, over conformance/PROTOCOL.md, as far as
// hashicorp's RPC-style design allows.
//
// hashicorp/raft runs goroutines with real-time timers and calls its Transport
// synchronously: AppendEntries and RequestVote block until the peer's response comes back.
// Every node is one raft.Raft in this process over an InmemStore (kept across crash +
// restart) and this adapter's Transport:
//   - an outbound RequestVote or AppendEntries becomes a model message of the step's reply
//     and the calling goroutine waits; a response the kit delivers completes that call. A
//     response to a request the node is not waiting on (the model's own heartbeat, say)
//     cannot be given to hashicorp: the adapter answers error 10 and the kit skips the
//     scenario ("rpc-style", PROTOCOL.md §3 feature rpcStyle).
//   - an inbound request goes into the Consumer channel; hashicorp's answer on RespChan
//     becomes the step's reply message.
//
// Timers: every hashicorp timeout is set to an hour, so no timer fires on its own. The only
// way to start an election on command is the leadership-transfer RPC TimeoutNow (raft.go
// timeoutNow → Candidate); `timeout election` at a follower injects it, and the RequestVotes
// of that election are delivered with LeadershipTransfer=false, as a timer-started election
// sends them. A candidate's retry and a leader's heartbeat cannot be fired: error 10.
//
// A step ends when the cluster has been quiet (no transport activity, no change in the
// stepped node's state) for quietFor: goroutines finish what the step started.
//
// One goroutine order is fixed, so that a step gives the same result on every run: a new
// leader's no-op is written only after each of its replication goroutines has sent its
// first AppendEntries (holdNoOp), so that request never carries the no-op.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/ioutil"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

const (
	protocolVersion = 1
	never           = time.Hour
	quietFor        = 40 * time.Millisecond
	// holdLimit bounds holdNoOp's wait; each replication goroutine sends within
	// microseconds, so reaching it means something unforeseen (said on stderr).
	holdLimit = 2 * time.Second
	rpcStyle  = "rpc-style: hashicorp/raft calls its transport synchronously"
)

// ------------------------------------------------------------------ protocol shapes

type entryJSON struct {
	Term  uint64 `json:"term"`
	Value string `json:"value"`
}

type messageJSON struct {
	Type         string       `json:"type"`
	From         string       `json:"from"`
	To           string       `json:"to"`
	Term         uint64       `json:"term"`
	LastLogIndex *uint64      `json:"lastLogIndex,omitempty"`
	LastLogTerm  *uint64      `json:"lastLogTerm,omitempty"`
	VoteGranted  *bool        `json:"voteGranted,omitempty"`
	PrevLogIndex *uint64      `json:"prevLogIndex,omitempty"`
	PrevLogTerm  *uint64      `json:"prevLogTerm,omitempty"`
	Entries      *[]entryJSON `json:"entries,omitempty"`
	LeaderCommit *uint64      `json:"leaderCommit,omitempty"`
	Success      *bool        `json:"success,omitempty"`
	MatchIndex   *uint64      `json:"matchIndex,omitempty"`
	RejectHint   *uint64      `json:"rejectHint,omitempty"`
	// The request a success answers (appendMatchFrom "request", PROTOCOL.md): only read, to
	// refuse a response that answers another request than the call waiting (deliverable).
	InReplyTo *inReplyToJSON `json:"inReplyTo,omitempty"`
}

type inReplyToJSON struct {
	PrevLogIndex uint64 `json:"prevLogIndex"`
	Entries      int    `json:"entries"`
}

type stateJSON struct {
	ID          string      `json:"id"`
	Role        string      `json:"role"`
	CurrentTerm uint64      `json:"currentTerm"`
	VotedFor    *string     `json:"votedFor"`
	Log         []entryJSON `json:"log"`
	CommitIndex uint64      `json:"commitIndex"`
}

type initialJSON struct {
	CurrentTerm uint64      `json:"currentTerm"`
	VotedFor    *string     `json:"votedFor"`
	Log         []entryJSON `json:"log"`
}

type request struct {
	ID       int64                  `json:"id"`
	Type     string                 `json:"type"`
	Protocol int                    `json:"protocol"`
	Nodes    []string               `json:"nodes"`
	Features map[string]interface{} `json:"features"`
	Initial  map[string]initialJSON `json:"initial"`
	Node     string                 `json:"node"`
	Timer    string                 `json:"timer"`
	Value    string                 `json:"value"`
	Message  *messageJSON           `json:"message"`
}

type protocolError struct {
	code int
	text string
}

func (e *protocolError) Error() string { return e.text }

func fail(code int, format string, args ...interface{}) *protocolError {
	return &protocolError{code: code, text: fmt.Sprintf(format, args...)}
}

func u64(v uint64) *uint64 { return &v }
func boolean(v bool) *bool { return &v }

func canonical(m messageJSON) string {
	m.InReplyTo = nil // the kit's pairing, not part of what a node sent
	b, _ := json.Marshal(m)
	return string(b)
}

// ------------------------------------------------------------------ the transport

// call is an outbound RPC whose goroutine waits for the response the kit will deliver.
type call struct {
	from, to string
	kind     string // the model type of the awaited response
	done     chan interface{}
	request  interface{}
}

type transport struct {
	c        *cluster
	self     string
	consumer chan raft.RPC
	closed   chan struct{}
	once     sync.Once
}

var errClosed = errors.New("node crashed: transport closed")

func (t *transport) Consumer() <-chan raft.RPC          { return t.consumer }
func (t *transport) LocalAddr() raft.ServerAddress      { return raft.ServerAddress(t.self) }
func (t *transport) SetHeartbeatHandler(func(raft.RPC)) {}
func (t *transport) EncodePeer(_ raft.ServerID, addr raft.ServerAddress) []byte {
	return []byte(addr)
}
func (t *transport) DecodePeer(b []byte) raft.ServerAddress { return raft.ServerAddress(b) }
func (t *transport) Close() error {
	t.once.Do(func() { close(t.closed) })
	return nil
}

func (t *transport) AppendEntriesPipeline(raft.ServerID, raft.ServerAddress) (raft.AppendPipeline, error) {
	return nil, raft.ErrPipelineReplicationNotSupported
}

func (t *transport) InstallSnapshot(raft.ServerID, raft.ServerAddress, *raft.InstallSnapshotRequest, *raft.InstallSnapshotResponse, io.Reader) error {
	return errors.New("snapshots are not part of the model")
}

func (t *transport) TimeoutNow(raft.ServerID, raft.ServerAddress, *raft.TimeoutNowRequest, *raft.TimeoutNowResponse) error {
	return errors.New("leadership transfer is not part of the model")
}

// await records the request as a message of this node and blocks until the kit delivers
// the response (or the node crashes).
func (t *transport) await(target raft.ServerAddress, msg messageJSON, request interface{}, kind string) (interface{}, error) {
	cl := &call{from: t.self, to: string(target), kind: kind, done: make(chan interface{}, 1), request: request}
	t.c.sent(t.self, msg, request, cl)
	select {
	case resp := <-cl.done:
		return resp, nil
	case <-t.closed:
		return nil, errClosed
	}
}

func (t *transport) AppendEntries(_ raft.ServerID, target raft.ServerAddress, args *raft.AppendEntriesRequest, resp *raft.AppendEntriesResponse) error {
	t.c.noteAppend(t.self, string(target), args.Term)
	r, err := t.await(target, appendRequestMessage(t.self, string(target), args), args, "AppendEntriesResponse")
	if err != nil {
		return err
	}
	*resp = *r.(*raft.AppendEntriesResponse)
	return nil
}

func (t *transport) RequestVote(_ raft.ServerID, target raft.ServerAddress, args *raft.RequestVoteRequest, resp *raft.RequestVoteResponse) error {
	m := messageJSON{Type: "RequestVoteRequest", From: t.self, To: string(target), Term: args.Term,
		LastLogIndex: u64(args.LastLogIndex), LastLogTerm: u64(args.LastLogTerm)}
	r, err := t.await(target, m, args, "RequestVoteResponse")
	if err != nil {
		return err
	}
	*resp = *r.(*raft.RequestVoteResponse)
	return nil
}

func entriesOf(logs []*raft.Log) []entryJSON {
	out := make([]entryJSON, 0, len(logs))
	for _, l := range logs {
		value := "" // the leader's LogNoop (and any non-command entry) shows as the no-op
		if l.Type == raft.LogCommand {
			value = string(l.Data)
		}
		out = append(out, entryJSON{Term: l.Term, Value: value})
	}
	return out
}

func appendRequestMessage(from, to string, a *raft.AppendEntriesRequest) messageJSON {
	ents := entriesOf(a.Entries)
	return messageJSON{Type: "AppendEntriesRequest", From: from, To: to, Term: a.Term,
		PrevLogIndex: u64(a.PrevLogEntry), PrevLogTerm: u64(a.PrevLogTerm), Entries: &ents,
		LeaderCommit: u64(a.LeaderCommitIndex)}
}

// ------------------------------------------------------------------ the state machine

type nopFSM struct{}

func (nopFSM) Apply(*raft.Log) interface{}         { return nil }
func (nopFSM) Snapshot() (raft.FSMSnapshot, error) { return nopSnapshot{}, nil }
func (nopFSM) Restore(r io.ReadCloser) error       { return r.Close() }

type nopSnapshot struct{}

func (nopSnapshot) Persist(s raft.SnapshotSink) error { return s.Close() }
func (nopSnapshot) Release()                          {}

// ------------------------------------------------------------------ the cluster

type node struct {
	name  string
	store *nodeStore // log + stable state: survives a crash
	snaps *raft.InmemSnapshotStore
	raft  *raft.Raft // nil while crashed
	trans *transport
}

type cluster struct {
	names    []string
	nodes    map[string]*node
	activity uint64 // bumped on every send; a step ends when it stops moving

	mu       sync.Mutex
	outbox   map[string][]messageJSON       // per sender, not yet reported
	pending  []*call                        // outbound calls waiting for a response
	emitted  map[string]interface{}         // model message → the hashicorp request it came from
	appended map[leadership]map[string]bool // peers each leader sent an AppendEntries of a term
	wake     chan struct{}                  // closed and replaced when `appended` grows
}

// leadership is a node's leadership of one term.
type leadership struct {
	leader string
	term   uint64
}

// ------------------------------------------------------------------ one goroutine order at an election

// nodeStore is a node's InmemStore whose StoreLogs holds a new leader's no-op (holdNoOp).
type nodeStore struct {
	*raft.InmemStore
	c     *cluster
	owner *node
}

func (s *nodeStore) StoreLogs(logs []*raft.Log) error {
	// runLeader's no-op (raft.go:445-453) is the only single LogNoop a leader writes here
	if len(logs) == 1 && logs[0].Type == raft.LogNoop && s.owner.leading() {
		s.c.holdNoOp(s.owner, logs[0].Term)
	}
	return s.InmemStore.StoreLogs(logs)
}

// leading: the node's main goroutine is in runLeader (set before it, raft.go runCandidate).
func (n *node) leading() bool {
	r := n.raft
	return r != nil && r.State() == raft.Leader
}

// noteAppend records that `from` sent an AppendEntries of `term` to `to`.
func (c *cluster) noteAppend(from, to string, term uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := leadership{from, term}
	if c.appended[key] == nil {
		c.appended[key] = map[string]bool{}
	}
	c.appended[key][to] = true
	close(c.wake)
	c.wake = make(chan struct{})
}

// everyPeerSent: has `leader` sent an AppendEntries of `term` to every other node? The
// channel is closed when that may have changed.
func (c *cluster) everyPeerSent(leader string, term uint64) (bool, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.appended[leadership{leader, term}]) >= len(c.names)-1, c.wake
}

// holdNoOp makes a new leader's first AppendEntries carry no no-op, every run. runLeader
// starts and triggers each follower's replication goroutine (raft.go:440, 489-490) before
// it dispatches the no-op (raft.go:453), whose dispatchLogs writes it (raft.go:1073
// StoreLogs) and only then moves the last index (raft.go:1084 setLastLog); the goroutine
// reads that index when the scheduler runs it (replication.go:157 getLastLog) and sends
// what lies beyond nextIndex (replication.go:217). So the first AppendEntries carried the
// no-op or not, by scheduling (H2 and H5 of docs/implementations.md); with this
// InmemStore the write is instant and it mostly did. Holding the write (the leader's main
// goroutine, here) until every replication goroutine has sent its first AppendEntries of
// the term leaves one order: the one hashicorp takes whenever the write is slower than
// the goroutines' start, as on a disk; the no-op follows after each reply
// (replication.go:157 again, on the trigger of raft.go:1088). The other order cannot be forced
// from outside: the goroutine calls nothing of the adapter's before it reads the index.
func (c *cluster) holdNoOp(n *node, term uint64) {
	deadline := time.After(holdLimit)
	for {
		done, wake := c.everyPeerSent(n.name, term)
		if done {
			return
		}
		select {
		case <-wake:
		case <-n.trans.closed:
			return
		case <-deadline:
			fmt.Fprintf(os.Stderr, "hashicorp-raft-step: %s term %d: not every replication goroutine sent within %v; the no-op is written unheld\n", n.name, term, holdLimit)
			return
		}
	}
}

func (c *cluster) sent(from string, m messageJSON, request interface{}, cl *call) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.outbox[from] = append(c.outbox[from], m)
	if request != nil {
		c.emitted[canonical(m)] = request
	}
	if cl != nil {
		c.pending = append(c.pending, cl)
	}
	atomic.AddUint64(&c.activity, 1)
}

func (c *cluster) takeOutbox(name string) []messageJSON {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.outbox[name]
	delete(c.outbox, name)
	if out == nil {
		out = []messageJSON{}
	}
	return out
}

// takeCall finds the oldest call of `waiter` to `peer` awaiting a response of this kind.
func (c *cluster) takeCall(waiter, peer, kind string) *call {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, cl := range c.pending {
		if cl.from == waiter && cl.to == peer && cl.kind == kind {
			c.pending = append(c.pending[:i], c.pending[i+1:]...)
			return cl
		}
	}
	return nil
}

func (c *cluster) dropCalls(waiter string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	kept := c.pending[:0]
	for _, cl := range c.pending {
		if cl.from != waiter {
			kept = append(kept, cl)
		}
	}
	c.pending = kept
}

func raftConfig(name string) *raft.Config {
	cfg := raft.DefaultConfig()
	cfg.LocalID = raft.ServerID(name)
	cfg.HeartbeatTimeout, cfg.ElectionTimeout, cfg.CommitTimeout = never, never, never
	cfg.LeaderLeaseTimeout = never
	cfg.SnapshotInterval, cfg.SnapshotThreshold = never, 1<<62
	out := ioutil.Discard
	if os.Getenv("RAFTKIT_HASHICORP_LOG") != "" {
		out = os.Stderr
	}
	cfg.Logger = hclog.New(&hclog.LoggerOptions{Name: "raft-" + name, Output: out, Level: hclog.Debug})
	return cfg
}

// configurationSnapshot gives hashicorp the cluster as a snapshot at index 0, so the log
// holds only the model's entries (BootstrapCluster would put a configuration at index 1).
func (c *cluster) configurationSnapshot(n *node) error {
	conf := raft.Configuration{}
	for _, name := range c.names {
		conf.Servers = append(conf.Servers, raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(name), Address: raft.ServerAddress(name)})
	}
	sink, err := n.snaps.Create(raft.SnapshotVersionMax, 0, 0, conf, 0, n.trans)
	if err != nil {
		return err
	}
	return sink.Close()
}

func (c *cluster) boot(n *node) error {
	n.trans = &transport{c: c, self: n.name, consumer: make(chan raft.RPC, 16), closed: make(chan struct{})}
	r, err := raft.NewRaft(raftConfig(n.name), nopFSM{}, n.store, n.store, n.snaps, n.trans)
	if err != nil {
		return err
	}
	n.raft = r
	return nil
}

func (c *cluster) crash(n *node) {
	if n.raft == nil {
		return
	}
	n.trans.Close() // unblocks every call the node waits on
	n.raft.Shutdown().Error()
	n.raft = nil
	c.dropCalls(n.name)
	c.takeOutbox(n.name)
}

func keyed(s string) []byte { return []byte(s) }

func (c *cluster) persist(n *node, init initialJSON) error {
	if err := n.store.SetUint64(keyed("CurrentTerm"), init.CurrentTerm); err != nil {
		return err
	}
	if init.VotedFor != nil {
		if _, ok := c.nodes[*init.VotedFor]; !ok {
			return fail(13, "create: %s votedFor unknown node %q", n.name, *init.VotedFor)
		}
		n.store.SetUint64(keyed("LastVoteTerm"), init.CurrentTerm)
		n.store.Set(keyed("LastVoteCand"), []byte(*init.VotedFor))
	}
	logs := make([]*raft.Log, len(init.Log))
	for i, e := range init.Log {
		logs[i] = &raft.Log{Index: uint64(i + 1), Term: e.Term, Type: raft.LogCommand, Data: []byte(e.Value)}
	}
	return n.store.StoreLogs(logs)
}

func newCluster(req *request) (*cluster, error) {
	if len(req.Nodes) == 0 {
		return nil, fail(12, "create: expected a non-empty 'nodes' list")
	}
	if on, _ := req.Features["preVote"].(bool); on {
		return nil, fail(10, "hashicorp/raft 1.1.2 has no PreVote")
	}
	c := &cluster{names: append([]string(nil), req.Nodes...), nodes: map[string]*node{},
		outbox: map[string][]messageJSON{}, emitted: map[string]interface{}{},
		appended: map[leadership]map[string]bool{}, wake: make(chan struct{})}
	sort.Strings(c.names)
	for _, name := range c.names {
		n := &node{name: name, snaps: raft.NewInmemSnapshotStore()}
		n.store = &nodeStore{InmemStore: raft.NewInmemStore(), c: c, owner: n}
		c.nodes[name] = n
	}
	for name, init := range req.Initial {
		n, ok := c.nodes[name]
		if !ok {
			return nil, fail(13, "create: initial state for unknown node %q", name)
		}
		if err := c.persist(n, init); err != nil {
			return nil, err
		}
	}
	for _, name := range c.names {
		n := c.nodes[name]
		n.trans = &transport{c: c, self: name}
		if err := c.configurationSnapshot(n); err != nil {
			return nil, fail(20, "create: snapshot for %s: %v", name, err)
		}
		if err := c.boot(n); err != nil {
			return nil, fail(20, "create: NewRaft(%s): %v", name, err)
		}
	}
	return c, nil
}

// ------------------------------------------------------------------ state

func stat(r *raft.Raft, key string) uint64 {
	v, _ := strconv.ParseUint(r.Stats()[key], 10, 64)
	return v
}

func (c *cluster) state(n *node) stateJSON {
	term, _ := n.store.GetUint64(keyed("CurrentTerm"))
	s := stateJSON{ID: n.name, Role: "crashed", CurrentTerm: term, Log: []entryJSON{}}
	if n.raft != nil {
		switch n.raft.State() {
		case raft.Follower:
			s.Role = "follower"
		case raft.Candidate:
			s.Role = "candidate"
		case raft.Leader:
			s.Role = "leader"
		default:
			s.Role = "crashed"
		}
		s.CurrentTerm = stat(n.raft, "term")
		s.CommitIndex = stat(n.raft, "commit_index")
	}
	if voteTerm, err := n.store.GetUint64(keyed("LastVoteTerm")); err == nil && voteTerm == s.CurrentTerm {
		if cand, err := n.store.Get(keyed("LastVoteCand")); err == nil && len(cand) > 0 {
			v := string(cand)
			s.VotedFor = &v
		}
	}
	first, _ := n.store.FirstIndex()
	last, _ := n.store.LastIndex()
	var logs []*raft.Log
	for i := first; first > 0 && i <= last; i++ {
		var l raft.Log
		if n.store.GetLog(i, &l) == nil {
			logs = append(logs, &l)
		}
	}
	s.Log = entriesOf(logs)
	return s
}

func (c *cluster) fingerprint(n *node) string {
	b, _ := json.Marshal(c.state(n))
	return fmt.Sprintf("%d %s", atomic.LoadUint64(&c.activity), b)
}

// settle waits until nothing has moved for quietFor: hashicorp's goroutines have finished
// what the step started (sends, replies, commit updates).
func (c *cluster) settle(n *node) {
	last, since := c.fingerprint(n), time.Now()
	for time.Since(since) < quietFor {
		time.Sleep(5 * time.Millisecond)
		if now := c.fingerprint(n); now != last {
			last, since = now, time.Now()
		}
	}
}

// ------------------------------------------------------------------ messages in

var header = raft.RPCHeader{ProtocolVersion: raft.ProtocolVersionMax}

// requestOf is the hashicorp request for a delivered model request: the one the adapter
// emitted for that message if any (an election's RequestVote then without the
// leadership-transfer flag, as a timer-started election sends it), else a translation.
func (c *cluster) requestOf(m *messageJSON) (interface{}, error) {
	c.mu.Lock()
	raw := c.emitted[canonical(*m)]
	c.mu.Unlock()
	switch r := raw.(type) {
	case *raft.RequestVoteRequest:
		cp := *r
		cp.LeadershipTransfer = false
		return &cp, nil
	case *raft.AppendEntriesRequest:
		return r, nil
	}
	if m.Type == "RequestVoteRequest" {
		if m.LastLogIndex == nil || m.LastLogTerm == nil {
			return nil, fail(12, "RequestVoteRequest: expected lastLogIndex and lastLogTerm")
		}
		return &raft.RequestVoteRequest{RPCHeader: header, Term: m.Term, Candidate: []byte(m.From),
			LastLogIndex: *m.LastLogIndex, LastLogTerm: *m.LastLogTerm}, nil
	}
	if m.PrevLogIndex == nil || m.PrevLogTerm == nil || m.LeaderCommit == nil || m.Entries == nil {
		return nil, fail(12, "AppendEntriesRequest: expected prevLogIndex, prevLogTerm, entries, leaderCommit")
	}
	a := &raft.AppendEntriesRequest{RPCHeader: header, Term: m.Term, Leader: []byte(m.From),
		PrevLogEntry: *m.PrevLogIndex, PrevLogTerm: *m.PrevLogTerm, LeaderCommitIndex: *m.LeaderCommit}
	for i, e := range *m.Entries {
		a.Entries = append(a.Entries, &raft.Log{Index: *m.PrevLogIndex + uint64(i) + 1, Term: e.Term, Type: raft.LogCommand, Data: []byte(e.Value)})
	}
	return a, nil
}

// replyMessage is hashicorp's answer to request `req` from `n` to `to`, as a model message.
func replyMessage(n, to string, req, resp interface{}) (messageJSON, bool) {
	switch r := resp.(type) {
	case *raft.RequestVoteResponse:
		return messageJSON{Type: "RequestVoteResponse", From: n, To: to, Term: r.Term, VoteGranted: boolean(r.Granted)}, true
	case *raft.AppendEntriesResponse:
		m := messageJSON{Type: "AppendEntriesResponse", From: n, To: to, Term: r.Term, Success: boolean(r.Success), MatchIndex: u64(0)}
		if a, ok := req.(*raft.AppendEntriesRequest); ok && r.Success {
			// no match index on the wire: the leader takes it from its request (updateLastAppended)
			m.MatchIndex = u64(a.PrevLogEntry + uint64(len(a.Entries)))
		} else if !r.Success && !(ok && r.Term > a.Term) {
			// backoff=hint: LastLog is read only when the response is not of a newer term
			// (replication.go:225-228 steps down before :242 moves nextIndex), so a stale
			// request's rejection carries no hint, as in the model.
			m.RejectHint = u64(r.LastLog)
		}
		return m, true
	}
	return messageJSON{}, false
}

// inject puts an RPC into n's Consumer channel; its answer becomes n's message to `from`.
func (c *cluster) inject(n *node, from string, cmd interface{}) {
	respCh := make(chan raft.RPCResponse, 1)
	n.trans.consumer <- raft.RPC{Command: cmd, RespChan: respCh}
	atomic.AddUint64(&c.activity, 1)
	go func(closed chan struct{}) {
		select {
		case r := <-respCh:
			if m, ok := replyMessage(n.name, from, cmd, r.Response); ok && r.Error == nil {
				c.sent(n.name, m, r.Response, nil)
			}
		case <-closed:
		}
	}(n.trans.closed)
}

// responseOf is the hashicorp response for a delivered model response to call cl.
func (c *cluster) responseOf(m *messageJSON, cl *call) (interface{}, error) {
	c.mu.Lock()
	raw := c.emitted[canonical(*m)]
	c.mu.Unlock()
	if raw != nil {
		return raw, nil
	}
	if m.Type == "RequestVoteResponse" {
		if m.VoteGranted == nil {
			return nil, fail(12, "RequestVoteResponse: expected voteGranted")
		}
		return &raft.RequestVoteResponse{RPCHeader: header, Term: m.Term, Granted: *m.VoteGranted}, nil
	}
	if m.Success == nil || m.MatchIndex == nil {
		return nil, fail(12, "AppendEntriesResponse: expected success and matchIndex")
	}
	r := &raft.AppendEntriesResponse{RPCHeader: header, Term: m.Term, Success: *m.Success, LastLog: *m.MatchIndex}
	if a, ok := cl.request.(*raft.AppendEntriesRequest); ok && !r.Success && a.PrevLogEntry > 0 {
		r.LastLog = a.PrevLogEntry - 1 // back off by one, as Figure 2
	}
	return r, nil
}

// deliverable: the response for the waiting call cl, unless it names the request it answers
// and that is not cl's. hashicorp's RPC returns a response to the call that sent the request
// (replication.go:217, then :236 pairs it with that req); a duplicated or late answer to an
// earlier request cannot reach a later call on its wire, so it is not handed to one.
func (c *cluster) deliverable(m *messageJSON, cl *call) (interface{}, error) {
	a, ok := cl.request.(*raft.AppendEntriesRequest)
	if r := m.InReplyTo; ok && r != nil && (r.PrevLogIndex != a.PrevLogEntry || r.Entries != len(a.Entries)) {
		return nil, fail(10, "%s: %s is waiting on the answer to another AppendEntries to %s (prevLogIndex %d, %d entries) than this one answers (prevLogIndex %d, %d entries)", rpcStyle, m.To, m.From, a.PrevLogEntry, len(a.Entries), r.PrevLogIndex, r.Entries)
	}
	return c.responseOf(m, cl)
}

func (c *cluster) deliver(m *messageJSON) (*node, error) {
	n, ok := c.nodes[m.To]
	if _, known := c.nodes[m.From]; !ok || !known {
		return nil, fail(13, "message %s from %q to %q: unknown node (nodes: %v)", m.Type, m.From, m.To, c.names)
	}
	if n.raft == nil {
		return n, nil // lost: the node is down
	}
	switch m.Type {
	case "RequestVoteRequest", "AppendEntriesRequest":
		req, err := c.requestOf(m)
		if err != nil {
			return nil, err
		}
		c.inject(n, m.From, req)
	case "RequestVoteResponse", "AppendEntriesResponse":
		cl := c.takeCall(m.To, m.From, m.Type)
		if cl == nil {
			return nil, fail(10, "%s: %s is not waiting on a %s from %s (it never sent the request this answers, or gave up on it)", rpcStyle, m.To, m.Type, m.From)
		}
		resp, err := c.deliverable(m, cl)
		if err != nil {
			c.mu.Lock()
			c.pending = append(c.pending, cl)
			c.mu.Unlock()
			return nil, err
		}
		cl.done <- resp
		atomic.AddUint64(&c.activity, 1)
	default:
		return nil, fail(10, "hashicorp/raft 1.1.2 has no %s", m.Type)
	}
	return n, nil
}

// ------------------------------------------------------------------ steps

func (c *cluster) node(name string) (*node, error) {
	n, ok := c.nodes[name]
	if !ok {
		return nil, fail(13, "unknown node %q (nodes: %v)", name, c.names)
	}
	return n, nil
}

// timeoutElection starts an election at a follower through TimeoutNow, hashicorp's only
// way to make a server a candidate on request (raft.go timeoutNow).
func (c *cluster) timeoutElection(n *node) error {
	if n.raft == nil {
		return nil
	}
	switch n.raft.State() {
	case raft.Leader:
		return nil // the model: a leader has no election timeout
	case raft.Candidate:
		return fail(10, "timers cannot be fired: a hashicorp/raft candidate restarts its election only when its real-time timer expires (runCandidate: randomTimeout(ElectionTimeout))")
	}
	c.inject(n, "", &raft.TimeoutNowRequest{RPCHeader: header})
	return nil
}

func (c *cluster) step(req *request) (*node, error) {
	if req.Type == "deliver" {
		if req.Message == nil {
			return nil, fail(12, "deliver: expected a 'message' object")
		}
		return c.deliver(req.Message)
	}
	n, err := c.node(req.Node)
	if err != nil {
		return nil, err
	}
	switch req.Type {
	case "timeout":
		if req.Timer == "heartbeat" {
			if n.raft != nil && n.raft.State() == raft.Leader {
				return nil, fail(10, "timers cannot be fired: hashicorp/raft's heartbeat is a real-time timer (replication.go heartbeat: randomTimeout(HeartbeatTimeout/10))")
			}
			return n, nil
		}
		return n, c.timeoutElection(n)
	case "propose":
		if n.raft != nil && n.raft.State() == raft.Leader {
			n.raft.Apply([]byte(req.Value), 0) // the future resolves once committed; not awaited
		}
	case "crash":
		c.crash(n)
	case "restart":
		if n.raft == nil {
			if err := c.boot(n); err != nil {
				return nil, fail(20, "restart: NewRaft(%s): %v", n.name, err)
			}
		}
	case "tick":
		return nil, fail(10, "tick is not supported: hashicorp/raft's timers run on real time")
	default:
		return nil, fail(10, "unknown request type %q", req.Type)
	}
	return n, nil
}

// ------------------------------------------------------------------ dispatch

type adapter struct{ cluster *cluster }

func (a *adapter) states() []stateJSON {
	out := []stateJSON{}
	for _, name := range a.cluster.names {
		out = append(out, a.cluster.state(a.cluster.nodes[name]))
	}
	return out
}

func (a *adapter) handle(req *request) (map[string]interface{}, error) {
	switch req.Type {
	case "init":
		if req.Protocol != protocolVersion {
			return nil, fail(10, "this adapter speaks protocol %d, the kit asked for %d", protocolVersion, req.Protocol)
		}
		return map[string]interface{}{
			"protocol":       protocolVersion,
			"implementation": "hashicorp/raft 1.1.2 (Debian golang-github-hashicorp-raft-dev), InmemStore + a blocking in-process transport",
			"features": map[string]interface{}{
				"preVote":                false,
				"ticks":                  false,
				"restartWithPersistence": true,
				"leaderNoOp":             true, // runLeader dispatches a LogNoop on election
				"rpcStyle":               true, // PROTOCOL.md §3: responses only to calls it waits on
				// Model switches (docs/implementations.md, hashicorp/raft section):
				// H1, H7, H8: raft.go:1417 refuses (a deferred rpc.Respond, raft.go:1402) while it
				// knows a leader other than the candidate
				"leaderStickiness": "any-term-reply-except-leader",
				"backoff":          "hint", // H6: replication.go:242 nextIndex = min(nextIndex-1, LastLog+1)
				// H2: replication.go:236 resp.Success → updateLastAppended(s, &req): the match is the request's
				"appendMatchFrom": "request",
				// H5: the first AppendEntries are empty (raft.go:440, 489-490 trigger replication
				// before :453 writes the no-op; holdNoOp fixes that order); the no-op follows a
				// follower's success (replication.go:264 ends the round, raft.go:1088's trigger starts the next)
				"noOpAfterFirstAppend": true,
				// Leaving leader or candidate starts a new follower timer (raft.go:154; a leader also
				// setLastContact, raft.go:388); a follower's runs on through a higher term
				"electionTimerOnHigherTerm": "leader-or-candidate",
			},
			"pipelining": false,
		}, nil
	case "shutdown":
		return map[string]interface{}{}, nil
	case "create":
		if a.cluster != nil {
			for _, n := range a.cluster.nodes {
				a.cluster.crash(n)
			}
		}
		c, err := newCluster(req)
		if err != nil {
			return nil, err
		}
		a.cluster = c
		return map[string]interface{}{"states": a.states()}, nil
	}
	c := a.cluster
	if c == nil {
		return nil, fail(14, "%s before create", req.Type)
	}
	switch req.Type {
	case "state", "drain":
		n, err := c.node(req.Node)
		if err != nil {
			return nil, err
		}
		if req.Type == "state" {
			return map[string]interface{}{"state": c.state(n)}, nil
		}
		return map[string]interface{}{"messages": c.takeOutbox(n.name)}, nil
	case "inspect":
		msgs := []messageJSON{}
		for _, name := range c.names {
			msgs = append(msgs, c.takeOutbox(name)...)
		}
		return map[string]interface{}{"states": a.states(), "messages": msgs}, nil
	}
	n, err := c.step(req)
	if err != nil {
		return nil, err
	}
	c.settle(n)
	return map[string]interface{}{"state": c.state(n), "messages": c.takeOutbox(n.name)}, nil
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	a := &adapter{}
	for in.Scan() {
		line := strings.TrimSpace(in.Text())
		if line == "" {
			continue
		}
		var req request
		var reply map[string]interface{}
		if err := json.Unmarshal([]byte(line), &req); err != nil {
			reply = map[string]interface{}{"type": "error", "code": 12, "text": fmt.Sprintf("expected one JSON request object, found %q: %v", line, err)}
		} else if body, err := a.handle(&req); err != nil {
			code := 20
			if pe, ok := err.(*protocolError); ok {
				code = pe.code
			}
			reply = map[string]interface{}{"in_reply_to": req.ID, "type": "error", "code": code, "text": err.Error()}
		} else {
			body["in_reply_to"] = req.ID
			body["type"] = req.Type + "_ok"
			reply = body
		}
		b, _ := json.Marshal(reply)
		out.Write(b)
		out.WriteByte('\n')
		out.Flush()
		if req.Type == "shutdown" {
			return
		}
	}
}
