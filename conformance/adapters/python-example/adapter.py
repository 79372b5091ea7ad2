#!/usr/bin/env python3
"""A raftkit step-protocol adapter in one page of standard-library Python.

It wraps ToyRaft, a small Figure 2 Raft node (no PreVote, no own timers), and speaks
conformance/PROTOCOL.md: one JSON request per line on stdin, one reply per line on stdout,
logs on stderr.  Run it with:

    npx raftkit conform --adapter-cmd "python3 conformance/adapters/python-example/adapter.py"
"""
import json
import sys


class ToyRaft:
    def __init__(self, node_id, cluster, disk):
        self.id, self.peers, self.size = node_id, [p for p in cluster if p != node_id], len(cluster)
        self.disk = disk  # persistent state: survives crash()
        self.role, self.commit, self.votes, self.next, self.match, self.out = "follower", 0, set(), {}, {}, []

    term = property(lambda self: self.disk["currentTerm"])

    def last(self):
        log = self.disk["log"]
        return len(log), (log[-1]["term"] if log else 0)

    def term_at(self, i):
        return 0 if i == 0 else (self.disk["log"][i - 1]["term"] if i <= len(self.disk["log"]) else None)

    def send(self, kind, to, **fields):
        self.out.append(dict(type=kind, to=to, term=fields.pop("term", self.term), **{"from": self.id}, **fields))

    def receive(self, m):
        if self.role == "crashed":
            return
        if m["term"] > self.term:  # Figure 2: all servers
            self.disk.update(currentTerm=m["term"], votedFor=None)
            self.role = "follower"
        if m["term"] < self.term:  # receiver rule 1
            reply = {"RequestVoteRequest": ("RequestVoteResponse", {"voteGranted": False}),
                     "AppendEntriesRequest": ("AppendEntriesResponse", {"success": False, "matchIndex": 0})}
            if m["type"] in reply:
                self.send(reply[m["type"]][0], m["from"], **reply[m["type"]][1])
            return
        getattr(self, "on_" + m["type"])(m)

    def on_RequestVoteRequest(self, m):
        up_to_date = (m["lastLogTerm"], m["lastLogIndex"]) >= self.last()[::-1]
        grant = self.disk["votedFor"] in (None, m["from"]) and up_to_date
        if grant:
            self.disk["votedFor"] = m["from"]
        self.send("RequestVoteResponse", m["from"], voteGranted=grant)

    def on_RequestVoteResponse(self, m):
        if self.role == "candidate" and m["voteGranted"]:
            self.votes.add(m["from"])
            if 2 * len(self.votes) > self.size:
                self.role = "leader"
                self.next = {p: len(self.disk["log"]) + 1 for p in self.peers}
                self.match = {p: 0 for p in self.peers}
                self.heartbeat()

    def on_AppendEntriesRequest(self, m):
        if self.role == "leader":
            return
        self.role = "follower"
        if self.term_at(m["prevLogIndex"]) != m["prevLogTerm"]:
            return self.send("AppendEntriesResponse", m["from"], success=False, matchIndex=0)
        log = self.disk["log"]
        for k, e in enumerate(m["entries"]):
            i = m["prevLogIndex"] + 1 + k
            if self.term_at(i) != e["term"]:
                del log[i - 1:]
                log.extend(m["entries"][k:])
                break
        last_new = m["prevLogIndex"] + len(m["entries"])
        if m["leaderCommit"] > self.commit:
            self.commit = max(self.commit, min(m["leaderCommit"], last_new))
        self.send("AppendEntriesResponse", m["from"], success=True, matchIndex=last_new)

    def on_AppendEntriesResponse(self, m):
        if self.role != "leader":
            return
        p = m["from"]
        if m["success"]:
            self.match[p] = max(self.match[p], m["matchIndex"])
            self.next[p] = self.match[p] + 1
            self.advance_commit()
        else:
            self.next[p] = max(1, self.next[p] - 1)

    def advance_commit(self):
        for n in range(len(self.disk["log"]), self.commit, -1):
            replicas = 1 + sum(1 for p in self.peers if self.match[p] >= n)
            if 2 * replicas > self.size and self.term_at(n) == self.term:
                self.commit = n
                return

    def election_timeout(self):
        if self.role in ("follower", "candidate"):
            self.disk.update(currentTerm=self.term + 1, votedFor=self.id)
            self.role, self.votes = "candidate", {self.id}
            n, t = self.last()
            for p in self.peers:
                self.send("RequestVoteRequest", p, lastLogIndex=n, lastLogTerm=t)

    def heartbeat(self):
        if self.role == "leader":
            for p in self.peers:
                prev = self.next[p] - 1
                self.send("AppendEntriesRequest", p, prevLogIndex=prev, prevLogTerm=self.term_at(prev),
                          entries=self.disk["log"][prev:], leaderCommit=self.commit)

    def propose(self, value):
        if self.role == "leader":
            self.disk["log"].append({"term": self.term, "value": value})
            self.advance_commit()

    def crash(self):
        self.role, self.commit, self.votes = "crashed", 0, set()

    def restart(self):
        if self.role == "crashed":
            self.role = "follower"

    def state(self):
        return dict(id=self.id, role=self.role, currentTerm=self.term, votedFor=self.disk["votedFor"],
                    log=self.disk["log"], commitIndex=self.commit)


nodes = {}


def handle(req):
    kind = req["type"]
    if kind == "init":
        features = {"preVote": False, "checkQuorum": False, "ticks": False, "restartWithPersistence": True}
        return {"protocol": 1, "implementation": "toy-raft (python example)", "features": features}
    if kind == "create":
        if req["features"].get("preVote"):
            raise LookupError(10, "toy-raft has no PreVote")
        nodes.clear()
        for n in req["nodes"]:
            disk = json.loads(json.dumps(req.get("initial", {}).get(n) or
                                         {"currentTerm": 0, "votedFor": None, "log": []}))
            nodes[n] = ToyRaft(n, req["nodes"], disk)
        return {"states": [node.state() for node in nodes.values()]}
    if kind == "shutdown":
        return {}
    if kind not in ("deliver", "timeout", "propose", "crash", "restart", "state", "drain"):
        raise LookupError(10, "%s is not supported" % kind)  # e.g. tick, inspect
    target = req["message"]["to"] if kind == "deliver" else req["node"]
    if target not in nodes:
        raise LookupError(13, "unknown node %r" % target)
    node = nodes[target]
    if kind == "state":
        return {"state": node.state()}
    if kind == "deliver":
        node.receive(req["message"])
    elif kind == "timeout":
        node.election_timeout() if req["timer"] == "election" else node.heartbeat()
    elif kind in ("propose", "crash", "restart"):
        getattr(node, kind)(*([req["value"]] if kind == "propose" else []))
    out, node.out = node.out, []
    if kind == "drain":
        return {"messages": out}
    return {"state": node.state(), "messages": out}


for line in sys.stdin:
    if not line.strip():
        continue
    req = json.loads(line)
    try:
        reply = dict(in_reply_to=req["id"], type=req["type"] + "_ok", **handle(req))
    except LookupError as e:
        reply = dict(in_reply_to=req["id"], type="error", code=e.args[0], text=e.args[1])
    except Exception as e:  # the toy itself failed: error 20
        print("toy-raft error: %r" % e, file=sys.stderr)
        reply = dict(in_reply_to=req["id"], type="error", code=20, text=repr(e))
    print(json.dumps(reply), flush=True)
    if req["type"] == "shutdown":
        break
