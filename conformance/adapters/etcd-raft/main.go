// Command etcd-raft-adapter lets raftkit drive etcd's Raft library (go.etcd.io/etcd/raft,
// the copy Debian ships in golang-etcd-server-dev, etcd 3.4) in step mode, over the
// protocol of conformance/PROTOCOL.md: newline-delimited JSON requests on stdin, one reply
// per request on stdout, etcd's own log lines on stderr.
//
// Every node of the cluster is one raft.RawNode in this process, with its own
// MemoryStorage. After each step the adapter does what an etcd application does with a
// Ready: it persists the HardState and the new entries in the node's storage, collects the
// outbound messages, and calls Advance. A crash throws the RawNode away and keeps the
// storage; a restart builds a new RawNode on the same storage (HardState + entries), as
// etcd's own raftexample does on reboot.
//
// Mapping between etcd's messages and the model's (models/types.ts):
//
//	MsgVote / MsgVoteResp          RequestVoteRequest / RequestVoteResponse
//	MsgPreVote / MsgPreVoteResp    PreVoteRequest / PreVoteResponse
//	MsgApp / MsgAppResp            AppendEntriesRequest / AppendEntriesResponse
//	MsgHeartbeat                   AppendEntriesRequest with no entries, prevLogIndex = the
//	                               leader's Match for that follower (the heartbeat's commit
//	                               is min(Match, committed), so the follower's log matches there)
//	MsgHeartbeatResp               AppendEntriesResponse success, matchIndex = that prevLogIndex
//
// A message the kit delivers that this adapter itself emitted (same JSON) is stepped as the
// original etcd message, so a heartbeat stays a heartbeat. Any other message (written by a
// scenario) is translated: an AppendEntriesRequest becomes a MsgApp, a rejected
// AppendEntriesResponse a MsgAppResp whose Index is the leader's Next-1 for that follower
// (what etcd's leader expects in probe state).
//
// Timers: `timeout election` is RawNode.Campaign (MsgHup), `timeout heartbeat` is MsgBeat;
// `tick` calls RawNode.Tick. etcd draws the randomized election timeout from a package-level
// source seeded with the time (raft.go globalRand), which no API can seed: ticks are
// supported but not reproducible, and create_ok says so (electionTimeoutTicks min/max).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io/ioutil"
	"log"
	"os"
	"sort"
	"strings"

	"go.etcd.io/etcd/raft"
	pb "go.etcd.io/etcd/raft/raftpb"
)

const protocolVersion = 1

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
	Features map[string]bool        `json:"features"`
	Initial  map[string]initialJSON `json:"initial"`
	Timing   *struct {
		ElectionTicks  int  `json:"electionTicks"`
		HeartbeatTicks int  `json:"heartbeatTicks"`
		Randomized     bool `json:"randomized"`
	} `json:"timing"`
	Node    string       `json:"node"`
	Timer   string       `json:"timer"`
	Ticks   int          `json:"ticks"`
	Value   string       `json:"value"`
	Message *messageJSON `json:"message"`
}

type protocolError struct {
	code int
	text string
}

func (e *protocolError) Error() string { return e.text }

func fail(code int, format string, args ...interface{}) *protocolError {
	return &protocolError{code: code, text: fmt.Sprintf(format, args...)}
}

// ------------------------------------------------------------------ the cluster

// storage is etcd's MemoryStorage plus the cluster's voters: etcd 3.4 keeps the
// configuration in a snapshot, and a MemoryStorage cannot hold a snapshot at index 0, so
// InitialState reports the voters itself (as etcd's own tests do with withPeers).
type storage struct {
	*raft.MemoryStorage
	voters []uint64
}

func (s *storage) InitialState() (pb.HardState, pb.ConfState, error) {
	hs, _, err := s.MemoryStorage.InitialState()
	return hs, pb.ConfState{Voters: s.voters}, err
}

type node struct {
	name    string
	id      uint64
	storage *storage
	rn      *raft.RawNode // nil while crashed
}

type cluster struct {
	names          []string
	ids            map[string]uint64
	nodes          map[string]*node
	preVote        bool
	checkQuorum    bool
	electionTicks  int
	heartbeatTicks int
	// emitted maps the JSON of every message this adapter reported to the etcd message it
	// came from, so that a delivered message is stepped exactly as etcd sent it.
	emitted map[string]pb.Message
	// heartbeatPrev[follower][leader]: the prevLogIndex of the last heartbeat delivered,
	// reported as the matchIndex of the MsgHeartbeatResp that answers it.
	heartbeatPrev map[uint64]map[uint64]uint64
}

func (c *cluster) nameOf(id uint64) string {
	if id == 0 || int(id) > len(c.names) {
		return ""
	}
	return c.names[id-1]
}

func (c *cluster) config(n *node) *raft.Config {
	return &raft.Config{
		ID:                        n.id,
		ElectionTick:              c.electionTicks,
		HeartbeatTick:             c.heartbeatTicks,
		Storage:                   n.storage,
		MaxSizePerMsg:             1 << 20,
		MaxInflightMsgs:           256,
		PreVote:                   c.preVote,
		CheckQuorum:               c.checkQuorum,
		DisableProposalForwarding: true, // the model: a non-leader ignores a ClientRequest
	}
}

func (c *cluster) boot(n *node) error {
	rn, err := raft.NewRawNode(c.config(n))
	if err != nil {
		return err
	}
	n.rn = rn
	return nil
}

func newCluster(req *request) (*cluster, error) {
	if len(req.Nodes) == 0 {
		return nil, fail(12, "create: expected a non-empty 'nodes' list, found %v", req.Nodes)
	}
	names := append([]string(nil), req.Nodes...)
	sort.Strings(names)
	c := &cluster{
		names:          names,
		ids:            map[string]uint64{},
		nodes:          map[string]*node{},
		preVote:        req.Features["preVote"],
		checkQuorum:    req.Features["checkQuorum"],
		electionTicks:  10,
		heartbeatTicks: 1,
		emitted:        map[string]pb.Message{},
		heartbeatPrev:  map[uint64]map[uint64]uint64{},
	}
	if req.Timing != nil && req.Timing.ElectionTicks > 0 {
		c.electionTicks = req.Timing.ElectionTicks
	}
	if req.Timing != nil && req.Timing.HeartbeatTicks > 0 {
		c.heartbeatTicks = req.Timing.HeartbeatTicks
	}
	if c.heartbeatTicks >= c.electionTicks {
		return nil, fail(10, "etcd raft needs heartbeatTicks < electionTicks, got %d and %d", c.heartbeatTicks, c.electionTicks)
	}
	voters := make([]uint64, len(names))
	for i, name := range names {
		c.ids[name] = uint64(i + 1)
		voters[i] = uint64(i + 1)
	}
	for name := range req.Initial {
		if _, ok := c.ids[name]; !ok {
			return nil, fail(13, "create: initial state for unknown node %q (nodes: %v)", name, names)
		}
	}
	for i, name := range names {
		st := &storage{MemoryStorage: raft.NewMemoryStorage(), voters: voters}
		if init, ok := req.Initial[name]; ok {
			hs := pb.HardState{Term: init.CurrentTerm}
			if init.VotedFor != nil {
				vote, ok := c.ids[*init.VotedFor]
				if !ok {
					return nil, fail(13, "create: %s votedFor unknown node %q", name, *init.VotedFor)
				}
				hs.Vote = vote
			}
			ents := make([]pb.Entry, len(init.Log))
			for j, e := range init.Log {
				ents[j] = pb.Entry{Index: uint64(j + 1), Term: e.Term, Type: pb.EntryNormal, Data: []byte(e.Value)}
			}
			if err := st.Append(ents); err != nil {
				return nil, fail(12, "create: log of %s: %v", name, err)
			}
			if err := st.SetHardState(hs); err != nil {
				return nil, fail(12, "create: hard state of %s: %v", name, err)
			}
		}
		n := &node{name: name, id: uint64(i + 1), storage: st}
		if err := c.boot(n); err != nil {
			return nil, fail(20, "create: NewRawNode(%s): %v", name, err)
		}
		c.nodes[name] = n
	}
	return c, nil
}

func (c *cluster) node(name string) (*node, error) {
	n, ok := c.nodes[name]
	if !ok {
		return nil, fail(13, "unknown node %q (nodes: %v)", name, c.names)
	}
	return n, nil
}

// ------------------------------------------------------------------ state and Ready

func (c *cluster) state(n *node) (stateJSON, error) {
	hs, _, _ := n.storage.InitialState()
	// A crashed node shows what its storage keeps: HardState (term, vote, and the commit index
	// that persistCommitIndex declares) and the entries.
	s := stateJSON{ID: n.name, Role: "crashed", CurrentTerm: hs.Term, CommitIndex: hs.Commit, Log: []entryJSON{}}
	if hs.Vote != 0 {
		v := c.nameOf(hs.Vote)
		s.VotedFor = &v
	}
	last, _ := n.storage.LastIndex()
	if last > 0 {
		ents, err := n.storage.Entries(1, last+1, ^uint64(0))
		if err != nil {
			return s, fail(20, "reading the log of %s: %v", n.name, err)
		}
		for _, e := range ents {
			s.Log = append(s.Log, entryJSON{Term: e.Term, Value: string(e.Data)})
		}
	}
	if n.rn == nil {
		return s, nil
	}
	st := n.rn.Status()
	switch st.RaftState {
	case raft.StateFollower:
		s.Role = "follower"
	case raft.StatePreCandidate:
		s.Role = "preCandidate"
	case raft.StateCandidate:
		s.Role = "candidate"
	case raft.StateLeader:
		s.Role = "leader"
	}
	s.CurrentTerm = st.Term
	s.VotedFor = nil
	if st.Vote != 0 {
		v := c.nameOf(st.Vote)
		s.VotedFor = &v
	}
	s.CommitIndex = st.Commit
	return s, nil
}

// drainReady handles every pending Ready as an etcd application does: persist, collect
// the messages, Advance.
func (c *cluster) drainReady(n *node) []pb.Message {
	var out []pb.Message
	if n.rn == nil {
		return out
	}
	for n.rn.HasReady() {
		rd := n.rn.Ready()
		if !raft.IsEmptyHardState(rd.HardState) {
			_ = n.storage.SetHardState(rd.HardState)
		}
		if len(rd.Entries) > 0 {
			_ = n.storage.Append(rd.Entries)
		}
		out = append(out, rd.Messages...)
		n.rn.Advance(rd)
	}
	return out
}

// ------------------------------------------------------------------ message translation

func u64(v uint64) *uint64 { return &v }
func boolean(v bool) *bool { return &v }

func (c *cluster) toModel(sender *node, m pb.Message) (messageJSON, error) {
	out := messageJSON{From: c.nameOf(m.From), To: c.nameOf(m.To), Term: m.Term}
	switch m.Type {
	case pb.MsgVote, pb.MsgPreVote:
		out.Type = "RequestVoteRequest"
		if m.Type == pb.MsgPreVote {
			out.Type = "PreVoteRequest"
		}
		out.LastLogIndex, out.LastLogTerm = u64(m.Index), u64(m.LogTerm)
	case pb.MsgVoteResp, pb.MsgPreVoteResp:
		out.Type = "RequestVoteResponse"
		if m.Type == pb.MsgPreVoteResp {
			out.Type = "PreVoteResponse"
		}
		out.VoteGranted = boolean(!m.Reject)
	case pb.MsgApp:
		out.Type = "AppendEntriesRequest"
		ents := make([]entryJSON, len(m.Entries))
		for i, e := range m.Entries {
			ents[i] = entryJSON{Term: e.Term, Value: string(e.Data)}
		}
		out.PrevLogIndex, out.PrevLogTerm, out.Entries, out.LeaderCommit = u64(m.Index), u64(m.LogTerm), &ents, u64(m.Commit)
	case pb.MsgHeartbeat:
		match := uint64(0)
		if sender.rn != nil {
			match = sender.rn.Status().Progress[m.To].Match
		}
		term, _ := sender.storage.Term(match)
		out.Type = "AppendEntriesRequest"
		out.PrevLogIndex, out.PrevLogTerm, out.Entries, out.LeaderCommit = u64(match), u64(term), &[]entryJSON{}, u64(m.Commit)
	case pb.MsgAppResp:
		out.Type = "AppendEntriesResponse"
		out.Success = boolean(!m.Reject)
		if m.Reject {
			// backoff=hint: handleAppendEntries puts the follower's last index in RejectHint.
			out.MatchIndex, out.RejectHint = u64(0), u64(m.RejectHint)
		} else {
			out.MatchIndex = u64(m.Index)
		}
	case pb.MsgHeartbeatResp:
		out.Type = "AppendEntriesResponse"
		out.Success, out.MatchIndex = boolean(true), u64(c.heartbeatPrev[m.From][m.To])
	default:
		return out, fail(20, "%s sent %s to %s, which has no counterpart in the model", c.nameOf(m.From), m.Type, c.nameOf(m.To))
	}
	return out, nil
}

func need(field string, v interface{}, typ string) error {
	switch x := v.(type) {
	case *uint64:
		if x == nil {
			return fail(12, "%s: expected field %q", typ, field)
		}
	case *bool:
		if x == nil {
			return fail(12, "%s: expected field %q", typ, field)
		}
	}
	return nil
}

func (c *cluster) fromModel(m *messageJSON) (pb.Message, error) {
	from, ok1 := c.ids[m.From]
	to, ok2 := c.ids[m.To]
	if !ok1 || !ok2 {
		return pb.Message{}, fail(13, "message %s from %q to %q: unknown node (nodes: %v)", m.Type, m.From, m.To, c.names)
	}
	out := pb.Message{From: from, To: to, Term: m.Term}
	switch m.Type {
	case "RequestVoteRequest", "PreVoteRequest":
		for _, err := range []error{need("lastLogIndex", m.LastLogIndex, m.Type), need("lastLogTerm", m.LastLogTerm, m.Type)} {
			if err != nil {
				return out, err
			}
		}
		out.Type = pb.MsgVote
		if m.Type == "PreVoteRequest" {
			out.Type = pb.MsgPreVote
		}
		out.Index, out.LogTerm = *m.LastLogIndex, *m.LastLogTerm
	case "RequestVoteResponse", "PreVoteResponse":
		if err := need("voteGranted", m.VoteGranted, m.Type); err != nil {
			return out, err
		}
		out.Type = pb.MsgVoteResp
		if m.Type == "PreVoteResponse" {
			out.Type = pb.MsgPreVoteResp
		}
		out.Reject = !*m.VoteGranted
	case "AppendEntriesRequest":
		for _, err := range []error{need("prevLogIndex", m.PrevLogIndex, m.Type), need("prevLogTerm", m.PrevLogTerm, m.Type), need("leaderCommit", m.LeaderCommit, m.Type)} {
			if err != nil {
				return out, err
			}
		}
		if m.Entries == nil {
			return out, fail(12, "%s: expected field \"entries\"", m.Type)
		}
		out.Type = pb.MsgApp
		out.Index, out.LogTerm, out.Commit = *m.PrevLogIndex, *m.PrevLogTerm, *m.LeaderCommit
		for i, e := range *m.Entries {
			out.Entries = append(out.Entries, pb.Entry{Index: *m.PrevLogIndex + uint64(i) + 1, Term: e.Term, Type: pb.EntryNormal, Data: []byte(e.Value)})
		}
	case "AppendEntriesResponse":
		for _, err := range []error{need("success", m.Success, m.Type), need("matchIndex", m.MatchIndex, m.Type)} {
			if err != nil {
				return out, err
			}
		}
		out.Type = pb.MsgAppResp
		out.Index = *m.MatchIndex
		if !*m.Success {
			// etcd's leader only acts on a rejection of the probe it has outstanding.
			out.Reject = true
			out.Index = 0
			if leader := c.nodes[m.To]; leader.rn != nil {
				if pr, ok := leader.rn.Status().Progress[from]; ok && pr.Next > 0 {
					out.Index = pr.Next - 1
				}
			}
			out.RejectHint = out.Index
			if m.RejectHint != nil {
				// backoff=hint: the hint goes back unchanged; MaybeDecrTo takes min(rejected, hint+1).
				out.RejectHint = *m.RejectHint
			}
		}
	default:
		return out, fail(12, "message: expected a type of models/types.ts, found %q", m.Type)
	}
	return out, nil
}

func canonical(m messageJSON) string {
	b, _ := json.Marshal(m)
	return string(b)
}

// ------------------------------------------------------------------ one step

type stepReply struct {
	State    stateJSON     `json:"state"`
	Messages []messageJSON `json:"messages"`
}

func (c *cluster) step(n *node, action func() error) (stepReply, error) {
	var reply stepReply
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fail(20, "etcd raft panicked: %v", r)
			}
		}()
		if n.rn != nil {
			err = action()
		}
	}()
	if err != nil {
		if pe, ok := err.(*protocolError); ok {
			return reply, pe
		}
		if err == raft.ErrProposalDropped {
			err = nil // a non-leader drops a proposal: the model ignores it too
		} else {
			return reply, fail(20, "etcd raft returned an error: %v", err)
		}
	}
	reply.Messages = []messageJSON{}
	for _, m := range c.drainReady(n) {
		out, err := c.toModel(n, m)
		if err != nil {
			return reply, err
		}
		c.emitted[canonical(out)] = m
		reply.Messages = append(reply.Messages, out)
	}
	reply.State, err = c.state(n)
	return reply, err
}

// ------------------------------------------------------------------ dispatch

type adapter struct {
	cluster *cluster
}

func (a *adapter) handle(req *request) (map[string]interface{}, error) {
	switch req.Type {
	case "init":
		if req.Protocol != protocolVersion {
			return nil, fail(10, "this adapter speaks protocol %d, the kit asked for %d", protocolVersion, req.Protocol)
		}
		return map[string]interface{}{
			"protocol":       protocolVersion,
			"implementation": "etcd raft 3.4 (go.etcd.io/etcd/raft, Debian golang-etcd-server-dev), RawNode + MemoryStorage",
			"features": map[string]interface{}{
				"preVote":                true,
				"checkQuorum":            true,
				"ticks":                  true,
				"restartWithPersistence": true,
				// becomeLeader appends pb.Entry{Data: nil} (thesis §8 no-op), always.
				"leaderNoOp": true,
				// etcd seeds its election-timeout randomness from the clock (raft.go
				// globalRand); the kit's seed cannot reach it.
				"deterministicTicks": false,
				// Model switches (models/features.ts; raftkit features), each classified in
				// docs/implementations.md:
				"leaderStickiness":      "same-term",    // E9: canVote needs r.lead == None (raft.go:941)
				"preVoteOwnTerm":        true,           // E10, E11: canVote for a MsgPreVote of r.Term; poll of r.Term grants
				"backoff":               "hint",         // E12: RejectHint = lastIndex (raft.go:1384), MaybeDecrTo
				"ignoreStaleRejections": true,           // tracker/progress.go:176, 182
				"yieldOnLostElection":   true,           // E3: stepCandidate, quorum.VoteLost → becomeFollower (raft.go:1304)
				"preVoteStickiness":     false,          // E5: canVote grants any MsgPreVote of a higher term (raft.go:941-947)
				"persistCommitIndex":    true,           // E6: HardState.Commit (raft.go:398-403), loadState (raft.go:1570-1577)
				"appendBelowCommit":     "reply-commit", // E7: handleAppendEntries, m.Index < committed (raft.go:1374-1377)
				// Step: every higher term → becomeFollower (raft.go:843-871) → reset: electionElapsed = 0 (raft.go:617)
				"electionTimerOnHigherTerm": "always",
			},
			// Observation artefacts only (docs/conformance.md, Tolerances).
			"tolerances": []string{
				"stale-append-dropped-without-prevote", // E4: a reply not sent is a lost reply (artefact)
				"stale-append-reply-unrejected",        // E8: success is never read under a newer term (artefact)
			},
		}, nil
	case "shutdown":
		return map[string]interface{}{}, nil
	case "create":
		c, err := newCluster(req)
		if err != nil {
			return nil, err
		}
		a.cluster = c
		states := []stateJSON{}
		for _, name := range c.names {
			s, err := c.state(c.nodes[name])
			if err != nil {
				return nil, err
			}
			states = append(states, s)
		}
		return map[string]interface{}{
			"states":               states,
			"electionTimeoutTicks": map[string]int{"min": c.electionTicks, "max": 2*c.electionTicks - 1},
			"heartbeatTicks":       c.heartbeatTicks,
		}, nil
	}
	c := a.cluster
	if c == nil {
		return nil, fail(14, "%s before create", req.Type)
	}
	var reply stepReply
	var err error
	switch req.Type {
	case "deliver":
		if req.Message == nil {
			return nil, fail(12, "deliver: expected a 'message' object")
		}
		var n *node
		if n, err = c.node(req.Message.To); err != nil {
			return nil, err
		}
		m, ok := c.emitted[canonical(*req.Message)]
		if !ok {
			if m, err = c.fromModel(req.Message); err != nil {
				return nil, err
			}
		}
		if m.Type == pb.MsgHeartbeat && req.Message.PrevLogIndex != nil {
			if c.heartbeatPrev[m.To] == nil {
				c.heartbeatPrev[m.To] = map[uint64]uint64{}
			}
			c.heartbeatPrev[m.To][m.From] = *req.Message.PrevLogIndex
		}
		reply, err = c.step(n, func() error { return n.rn.Step(m) })
	case "timeout":
		var n *node
		if n, err = c.node(req.Node); err != nil {
			return nil, err
		}
		switch req.Timer {
		case "election":
			reply, err = c.step(n, func() error { return n.rn.Campaign() })
		case "heartbeat":
			// RawNode.Step refuses local messages such as MsgBeat; a leader's tick sends
			// it once heartbeatElapsed reaches HeartbeatTick, so tick until it has.
			// A non-leader has no heartbeat timer (the model: no HeartbeatTimeout there).
			reply, err = c.step(n, func() error {
				if n.rn.Status().RaftState != raft.StateLeader {
					return nil
				}
				for i := 0; i < c.heartbeatTicks && !n.rn.HasReady(); i++ {
					n.rn.Tick()
				}
				return nil
			})
		default:
			return nil, fail(12, "timeout: expected timer \"election\" or \"heartbeat\", found %q", req.Timer)
		}
	case "tick":
		var n *node
		if n, err = c.node(req.Node); err != nil {
			return nil, err
		}
		reply, err = c.step(n, func() error {
			for i := 0; i < req.Ticks; i++ {
				n.rn.Tick()
			}
			return nil
		})
	case "propose":
		var n *node
		if n, err = c.node(req.Node); err != nil {
			return nil, err
		}
		reply, err = c.step(n, func() error { return n.rn.Propose([]byte(req.Value)) })
	case "crash":
		var n *node
		if n, err = c.node(req.Node); err != nil {
			return nil, err
		}
		n.rn = nil // the MemoryStorage (HardState + entries) is what survives
		reply, err = c.step(n, nil)
	case "restart":
		var n *node
		if n, err = c.node(req.Node); err != nil {
			return nil, err
		}
		if n.rn == nil {
			if err := c.boot(n); err != nil {
				return nil, fail(20, "restart: NewRawNode(%s): %v", n.name, err)
			}
		}
		reply, err = c.step(n, func() error { return nil })
	case "state":
		var n *node
		if n, err = c.node(req.Node); err != nil {
			return nil, err
		}
		s, err := c.state(n)
		if err != nil {
			return nil, err
		}
		return map[string]interface{}{"state": s}, nil
	case "drain":
		var n *node
		if n, err = c.node(req.Node); err != nil {
			return nil, err
		}
		msgs := []messageJSON{}
		for _, m := range c.drainReady(n) {
			out, err := c.toModel(n, m)
			if err != nil {
				return nil, err
			}
			msgs = append(msgs, out)
		}
		return map[string]interface{}{"messages": msgs}, nil
	default:
		return nil, fail(10, "unknown request type %q", req.Type)
	}
	if err != nil {
		return nil, err
	}
	return map[string]interface{}{"state": reply.State, "messages": reply.Messages}, nil
}

func main() {
	if os.Getenv("RAFTKIT_ETCD_LOG") == "" {
		raft.SetLogger(&raft.DefaultLogger{Logger: log.New(ioutil.Discard, "", 0)})
	} else {
		raft.SetLogger(&raft.DefaultLogger{Logger: log.New(os.Stderr, "etcd-raft ", 0)})
	}
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
