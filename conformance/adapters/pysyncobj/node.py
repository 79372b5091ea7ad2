#!/usr/bin/python3
"""One PySyncObj node for raftkit's cluster mode (Debian python3-pysyncobj, /usr/bin/python3).

PySyncObj replicates a Python object with Raft. This wrapper replicates a list of values
and speaks raftkit's external cluster contract (conformance/CLUSTER-PROTOCOL.md) on
127.0.0.1 only; the kit knows nothing else of it (raftkit.cluster.json beside this file):

  GET  /status             -> {"id","role","term","leader","commitIndex","lastLogIndex","applied"}
                              (from SyncObj.getStatus(); role from its raft state, leader
                              mapped back from an address to a node id; no votedFor: PySyncObj
                              does not expose it)
  POST /submit?value=x     -> 200 once x is applied (a @replicated call with sync=True), else 503

Peer traffic goes through raftkit's fault proxy: the node binds its real peer port
(`bindAddress`) but calls itself by its proxy address (`selfNode`), which is also how the
other nodes list it, so every byte between nodes crosses the proxy.

Usage (the contract's placeholders in braces):
  node.py --id {id} --bind 127.0.0.1:{peerPort} --self {advertise} --peers {peers} \
          --http {httpPort} --data {dataDir} --election-timeout-ms {electionTimeoutMs}
"""
import argparse
import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from pysyncobj import SyncObj, SyncObjConf, replicated
from pysyncobj.version import VERSION

ROLES = {0: 'follower', 1: 'candidate', 2: 'leader'}


class Values(SyncObj):
    def __init__(self, self_address, partners, conf):
        super(Values, self).__init__(self_address, partners, conf)
        self.__values = []

    @replicated
    def add(self, value):
        self.__values.append(value)

    def values(self):
        return list(self.__values)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--id', required=True)
    parser.add_argument('--bind', required=True, help='real peer address host:port')
    parser.add_argument('--self', dest='self_address', required=True, help='address the peers use (the proxy)')
    parser.add_argument('--http', type=int, required=True, help='status/submit port on 127.0.0.1')
    parser.add_argument('--peers', default='', help='id=host:port,... (proxy addresses of the others)')
    parser.add_argument('--data', required=True)
    parser.add_argument('--election-timeout-ms', type=int, default=400,
                        help='raftMinTimeout; raftMaxTimeout is 3.5 times it (PySyncObj defaults 0.4 s, 1.4 s)')
    parser.add_argument('--connection-retry', type=float, default=1.0,
                        help='seconds between reconnect attempts (PySyncObj default 5.0)')
    args = parser.parse_args()

    peers = dict(p.split('=', 1) for p in args.peers.split(',') if p)
    node_of = {address: node for node, address in peers.items()}
    node_of[args.self_address] = args.id
    os.makedirs(args.data, exist_ok=True)
    conf = SyncObjConf(
        bindAddress=args.bind,
        journalFile=os.path.join(args.data, 'journal.bin'),
        fullDumpFile=os.path.join(args.data, 'dump.bin'),
        connectionRetryTime=args.connection_retry,
        raftMinTimeout=args.election_timeout_ms / 1000.0,
        raftMaxTimeout=args.election_timeout_ms * 3.5 / 1000.0,
    )
    obj = Values(args.self_address, list(peers.values()), conf)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def reply(self, code, body):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if urlparse(self.path).path != '/status':
                return self.reply(404, {'error': 'expected GET /status'})
            s = obj.getStatus()
            leader = s.get('leader')
            self.reply(200, {
                'id': args.id,
                'implementation': 'pysyncobj ' + VERSION,
                'role': ROLES.get(s.get('state'), 'unknown'),
                'term': s.get('raft_term'),
                'leader': None if leader is None else node_of.get(str(leader), str(leader)),
                'commitIndex': s.get('commit_idx'),
                'lastLogIndex': s.get('log_len'),
                'applied': obj.values(),
            })

        def do_POST(self):
            url = urlparse(self.path)
            value = parse_qs(url.query).get('value', [None])[0]
            length = int(self.headers.get('Content-Length') or 0)
            if length > 0:
                self.rfile.read(length)  # the same value as JSON; the query is enough
            if url.path != '/submit' or value is None:
                return self.reply(404, {'error': 'expected POST /submit?value=...'})
            try:
                obj.add(value, sync=True, timeout=5)
            except Exception as error:  # SyncObjException: not leader, no quorum, timeout
                return self.reply(503, {'error': repr(error)})
            self.reply(200, {'ok': True})

    server = ThreadingHTTPServer(('127.0.0.1', args.http), Handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.serve_forever()


if __name__ == '__main__':
    main()
