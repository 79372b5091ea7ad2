import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Who opened a loopback connection? Every node talks to every other node through the
 * proxy, and all of them live on 127.0.0.1, so the source address says nothing. The kernel
 * knows, though: the client end of the connection is a socket (an inode) in
 * `/proc/net/tcp`, keyed by its local port, and exactly one of our node processes holds a
 * file descriptor `socket:[inode]` on it. This works for any implementation, whatever its
 * peer protocol (etcd's HTTP streams, PySyncObj's pickles, the reference's JSON lines).
 * Linux only; an unattributed connection is treated as coming from outside the cluster.
 */

function hexPort(port: number): string {
  return port.toString(16).toUpperCase().padStart(4, '0');
}

/** The inode of the socket whose local end is 127.0.0.1:`localPort` and remote end is :`remotePort`. */
export function socketInode(localPort: number, remotePort: number): string | null {
  const local = `0100007F:${hexPort(localPort)}`;
  const remote = `0100007F:${hexPort(remotePort)}`;
  for (const file of ['/proc/net/tcp']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return null;
    }
    for (const line of text.split('\n')) {
      const fields = line.trim().split(/\s+/);
      if (fields[1] === local && fields[2] === remote) return fields[9];
    }
  }
  return null;
}

/** Does process `pid` hold a descriptor on socket `inode`? */
export function holdsSocket(pid: number, inode: string): boolean {
  const target = `socket:[${inode}]`;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === target) return true;
    } catch {
      // closed while we looked
    }
  }
  return false;
}

/**
 * The node whose process opened the connection from 127.0.0.1:`clientPort` to
 * 127.0.0.1:`serverPort`, among `pidsByNode`; null if none of them did.
 */
export function connectionOwner(
  clientPort: number,
  serverPort: number,
  pidsByNode: ReadonlyMap<string, readonly number[]>,
): string | null {
  const inode = socketInode(clientPort, serverPort);
  if (inode === null || inode === '0') return null;
  for (const [node, pids] of pidsByNode) {
    for (const pid of pids) if (holdsSocket(pid, inode)) return node;
  }
  return null;
}
