// Command hashicorp-raft-node runs one hashicorp/raft (1.1.2, Debian
// golang-github-hashicorp-raft-dev) server for raftkit's cluster mode, speaking the external
// contract of conformance/CLUSTER-PROTOCOL.md:
//
//	hashicorp-raft-node --id {id} --bind 127.0.0.1:{peerPort} --advertise {advertise} \
//	  --peers {peers} --http {httpPort} --data {dataDir} --election-timeout-ms {electionTimeoutMs}
//
// Raft traffic goes over hashicorp's own TCP transport, listening on --bind and giving
// the others --advertise (the kit's fault proxy) as its address. The log and the stable
// state (currentTerm, the last vote) live in a BoltDB file in --data, snapshots in
// --data/snapshots, so a killed node restarts from what it had synced. The state machine
// is a list of the submitted strings (`applied` in /status).
//
// HTTP on 127.0.0.1:--http: GET /status, POST /submit?value=v (200 once committed and
// applied here, 503 when this node is not the leader or cannot commit in time).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/ioutil"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb"
)

// ------------------------------------------------------------------ the state machine

// listFSM is the replicated state machine: the submitted values in log order.
type listFSM struct {
	mu     sync.Mutex
	values []string
}

func (f *listFSM) Apply(l *raft.Log) interface{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.values = append(f.values, string(l.Data))
	return nil
}

func (f *listFSM) applied() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string{}, f.values...)
}

func (f *listFSM) Snapshot() (raft.FSMSnapshot, error) { return listSnapshot(f.applied()), nil }

func (f *listFSM) Restore(r io.ReadCloser) error {
	defer r.Close()
	var values []string
	if err := json.NewDecoder(r).Decode(&values); err != nil {
		return err
	}
	f.mu.Lock()
	f.values = values
	f.mu.Unlock()
	return nil
}

type listSnapshot []string

func (s listSnapshot) Persist(sink raft.SnapshotSink) error {
	if err := json.NewEncoder(sink).Encode([]string(s)); err != nil {
		sink.Cancel()
		return err
	}
	return sink.Close()
}

func (s listSnapshot) Release() {}

// ------------------------------------------------------------------ the node

type options struct {
	id, bind, advertise, peers, data string
	httpPort, electionMs            int
}

type node struct {
	opts   options
	raft   *raft.Raft
	store  *raftboltdb.BoltStore
	fsm    *listFSM
	idOf   map[raft.ServerAddress]string // advertised address → node id
}

func parseFlags() options {
	var o options
	flag.StringVar(&o.id, "id", "", "this node's id ({id})")
	flag.StringVar(&o.bind, "bind", "", "where to listen for Raft traffic (127.0.0.1:{peerPort})")
	flag.StringVar(&o.advertise, "advertise", "", "the address the others use for this node ({advertise})")
	flag.StringVar(&o.peers, "peers", "", "the others, id=host:port,... ({peers})")
	flag.StringVar(&o.data, "data", "", "directory for the log, stable state and snapshots ({dataDir})")
	flag.IntVar(&o.httpPort, "http", 0, "HTTP port for /status and /submit ({httpPort})")
	flag.IntVar(&o.electionMs, "election-timeout-ms", 1000, "election timeout in ms ({electionTimeoutMs})")
	flag.Parse()
	if o.id == "" || o.bind == "" || o.advertise == "" || o.data == "" || o.httpPort == 0 {
		fmt.Fprintln(os.Stderr, "hashicorp-raft-node: usage: --id ID --bind HOST:PORT --advertise HOST:PORT --peers ID=HOST:PORT,... --http PORT --data DIR [--election-timeout-ms MS]")
		os.Exit(2)
	}
	return o
}

// membership is the fixed cluster: this node and every peer, all voters.
func membership(o options) (raft.Configuration, map[raft.ServerAddress]string, error) {
	conf := raft.Configuration{Servers: []raft.Server{{Suffrage: raft.Voter, ID: raft.ServerID(o.id), Address: raft.ServerAddress(o.advertise)}}}
	idOf := map[raft.ServerAddress]string{raft.ServerAddress(o.advertise): o.id}
	for _, p := range strings.Split(o.peers, ",") {
		if p == "" {
			continue
		}
		kv := strings.SplitN(p, "=", 2)
		if len(kv) != 2 {
			return conf, nil, fmt.Errorf("--peers: expected id=host:port, found %q", p)
		}
		conf.Servers = append(conf.Servers, raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(kv[0]), Address: raft.ServerAddress(kv[1])})
		idOf[raft.ServerAddress(kv[1])] = kv[0]
	}
	return conf, idOf, nil
}

// raftConfig: hashicorp's HeartbeatTimeout is the follower's election timeout (it becomes a
// candidate when it has heard no leader for that long), ElectionTimeout the candidate's.
func raftConfig(o options) *raft.Config {
	c := raft.DefaultConfig()
	c.LocalID = raft.ServerID(o.id)
	timeout := time.Duration(o.electionMs) * time.Millisecond
	c.HeartbeatTimeout = timeout
	c.ElectionTimeout = timeout
	// CheckQuorum (thesis §6.2): a leader steps down after an election timeout without a
	// majority's answers (raft.go checkLeaderLease); half of it lost leaders under load.
	c.LeaderLeaseTimeout = timeout
	c.CommitTimeout = timeout / 20
	c.LogOutput = os.Stderr
	c.LogLevel = "INFO"
	return c
}

func start(o options) (*node, error) {
	conf, idOf, err := membership(o)
	if err != nil {
		return nil, err
	}
	store, err := raftboltdb.NewBoltStore(filepath.Join(o.data, "raft.db"))
	if err != nil {
		return nil, fmt.Errorf("bolt store in %s: %v", o.data, err)
	}
	snaps, err := raft.NewFileSnapshotStore(filepath.Join(o.data, "snapshots"), 2, os.Stderr)
	if err != nil {
		return nil, fmt.Errorf("snapshot store: %v", err)
	}
	adv, err := net.ResolveTCPAddr("tcp", o.advertise)
	if err != nil {
		return nil, fmt.Errorf("--advertise %q: %v", o.advertise, err)
	}
	tcp, err := raft.NewTCPTransport(o.bind, adv, 3, 2*time.Second, os.Stderr)
	if err != nil {
		return nil, fmt.Errorf("TCP transport on %s: %v", o.bind, err)
	}
	trans := unpipelined{tcp}
	cfg := raftConfig(o)
	existing, err := raft.HasExistingState(store, store, snaps)
	if err != nil {
		return nil, err
	}
	if !existing {
		// Every node bootstraps the same configuration: hashicorp accepts identical ones.
		if err := raft.BootstrapCluster(cfg, store, store, snaps, trans, conf); err != nil {
			return nil, fmt.Errorf("bootstrap: %v", err)
		}
	}
	fsm := &listFSM{}
	r, err := raft.NewRaft(cfg, fsm, store, store, snaps, trans)
	if err != nil {
		return nil, fmt.Errorf("NewRaft: %v", err)
	}
	return &node{opts: o, raft: r, store: store, fsm: fsm, idOf: idOf}, nil
}

// unpipelined is hashicorp's TCP transport without AppendEntries pipelining: replication
// sends one RPC at a time and waits for its answer (replication.go falls back to it on
// ErrPipelineReplicationNotSupported). Through the kit's fault proxy a pipelined stream
// stalled once with no error (restart-keeps-log: a leader stopped committing for 3 s).
type unpipelined struct{ *raft.NetworkTransport }

func (unpipelined) AppendEntriesPipeline(raft.ServerID, raft.ServerAddress) (raft.AppendPipeline, error) {
	return nil, raft.ErrPipelineReplicationNotSupported
}

// ------------------------------------------------------------------ HTTP

type status struct {
	ID           string   `json:"id"`
	Role         string   `json:"role"`
	Term         uint64   `json:"term"`
	Leader       *string  `json:"leader"`
	CommitIndex  uint64   `json:"commitIndex"`
	VotedFor     *string  `json:"votedFor"`
	LastLogIndex uint64   `json:"lastLogIndex"`
	Applied      []string `json:"applied"`
}

func roleOf(s raft.RaftState) string {
	switch s {
	case raft.Follower:
		return "follower"
	case raft.Candidate:
		return "candidate"
	case raft.Leader:
		return "leader"
	}
	return "unknown" // Shutdown
}

func uintStat(stats map[string]string, key string) uint64 {
	v, _ := strconv.ParseUint(stats[key], 10, 64)
	return v
}

// votedFor reads the vote hashicorp persisted (raft.go persistVote: LastVoteTerm and the
// candidate's address in LastVoteCand); it is a vote of the current term only if the terms match.
func (n *node) votedFor(term uint64) *string {
	voteTerm, err := n.store.GetUint64([]byte("LastVoteTerm"))
	if err != nil || voteTerm != term {
		return nil
	}
	cand, err := n.store.Get([]byte("LastVoteCand"))
	if err != nil || len(cand) == 0 {
		return nil
	}
	if id, ok := n.idOf[raft.ServerAddress(cand)]; ok {
		return &id
	}
	s := string(cand)
	return &s
}

func (n *node) status() status {
	stats := n.raft.Stats()
	s := status{
		ID:           n.opts.id,
		Role:         roleOf(n.raft.State()),
		Term:         uintStat(stats, "term"),
		CommitIndex:  uintStat(stats, "commit_index"),
		LastLogIndex: uintStat(stats, "last_log_index"),
		Applied:      n.fsm.applied(),
	}
	if id, ok := n.idOf[n.raft.Leader()]; ok {
		s.Leader = &id
	}
	s.VotedFor = n.votedFor(s.Term)
	return s
}

func (n *node) handleStatus(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(n.status())
}

// submittedValue reads ?value=v, or the JSON body {"value":"v"}.
func submittedValue(r *http.Request) (string, bool) {
	if v, ok := r.URL.Query()["value"]; ok && len(v) > 0 {
		return v[0], true
	}
	var body struct {
		Value *string `json:"value"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err == nil && body.Value != nil {
		return *body.Value, true
	}
	return "", false
}

func (n *node) handleSubmit(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "expected POST /submit?value=v", http.StatusMethodNotAllowed)
		return
	}
	value, ok := submittedValue(r)
	if !ok {
		http.Error(w, "expected ?value=v or a JSON body {\"value\":\"v\"}", http.StatusBadRequest)
		return
	}
	// Apply's future resolves once the entry is committed and applied to this node's FSM.
	timeout := 10 * time.Duration(n.opts.electionMs) * time.Millisecond
	if err := n.raft.Apply([]byte(value), timeout).Error(); err != nil {
		http.Error(w, fmt.Sprintf("not committed: %v", err), http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintf(w, "{\"committed\":%q}\n", value)
}

func main() {
	log.SetOutput(os.Stderr)
	o := parseFlags()
	n, err := start(o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "hashicorp-raft-node %s: %v\n", o.id, err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/status", n.handleStatus)
	mux.HandleFunc("/submit", n.handleSubmit)
	addr := fmt.Sprintf("127.0.0.1:%d", o.httpPort)
	log.Printf("hashicorp-raft-node %s: raft on %s (advertised %s), http on %s, data in %s", o.id, o.bind, o.advertise, addr, o.data)
	server := &http.Server{Addr: addr, Handler: mux, ErrorLog: log.New(ioutil.Discard, "", 0)}
	if err := server.ListenAndServe(); err != nil {
		fmt.Fprintf(os.Stderr, "hashicorp-raft-node %s: http on %s: %v\n", o.id, addr, err)
		os.Exit(1)
	}
}
