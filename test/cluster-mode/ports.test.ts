import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EtcdCluster, etcdVersion } from '../../src/cluster/impls/etcd.ts';
import { ReferenceCluster } from '../../src/cluster/impls/reference.ts';
import { freePorts, LOOPBACK, PortBook, type PortChooser, saysPortTaken } from '../../src/cluster/ports.ts';
import { runClusterScenario } from '../../src/cluster/runner.ts';
import { parseScenario } from '../../src/scenario/index.ts';

/**
 * The port race of cluster mode: the kit picks ports that were free a moment ago, and a
 * restarted node binds them later; meanwhile another process (a parallel test file) may
 * have taken one ("bind: address already in use"). A restart gets fresh ports, and a node
 * that still finds its port taken is started again on other ones.
 *
 * Figure 2: log entries are "persistent state on all servers", so a restarted node must
 * come back with them whatever port it listens on; the other nodes reach it at its proxy
 * port, which the kit holds for the whole run.
 */

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  // Nodes may have connected to a taken port through the proxy: drop them, then close.
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** Listen on `port` (another process "taking" it). */
function occupy(port: number): Promise<void> {
  const server = createServer((socket) => sockets.push(socket));
  servers.push(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => resolve());
  });
}

/** A chooser whose first restart choice is two ports the test has already taken. */
async function takenOnFirstRenew(): Promise<{ choose: PortChooser; taken: number[] }> {
  const taken = await freePorts(2);
  for (const port of taken) await occupy(port);
  let renewals = 0;
  const choose: PortChooser = async (count) => {
    if (count === 2 && renewals++ === 0) return taken;
    return freePorts(count);
  };
  return { choose, taken };
}

const restartScenario = parseScenario(
  [
    '# restart on a taken port',
    '#',
    '# source: curated: test/cluster-mode/ports.test.ts',
    '',
    'cluster n1 n2 n3',
    'mode cluster',
    '',
    'expect leader within 5s',
    'submit leader a',
    'expect committed a within 5s',
    'kill n3',
    'start n3',
    'expect committed a within 5s',
    '',
  ].join('\n'),
  { file: 'restart-on-taken-port.txt' },
);

describe('PortBook', () => {
  it('a restart gets fresh API and peer ports; the proxy port stays and forwards to the new peer port', async () => {
    const retargeted: [string, number][] = [];
    const proxy = {
      route: async () => (await freePorts(1))[0],
      retarget: (node: string, port: number) => retargeted.push([node, port]),
    };
    const book = new PortBook(proxy);
    await book.allocate(['n1', 'n2', 'n3']);
    const before = book.get('n3');
    // Another process takes both of n3's ports while n3 is down.
    await occupy(before.http);
    await occupy(before.peer);
    const after = await book.renew('n3');
    expect(after.proxy).toBe(before.proxy);
    expect([after.http, after.peer]).not.toContain(before.http);
    expect([after.http, after.peer]).not.toContain(before.peer);
    const others = ['n1', 'n2'].flatMap((n) => Object.values(book.get(n)));
    expect(others).not.toContain(after.http);
    expect(others).not.toContain(after.peer);
    expect(retargeted).toEqual([['n3', after.peer]]);
  });

  it('recognises a taken port in the words of Go, Python and Node', () => {
    expect(saysPortTaken('listen tcp 127.0.0.1:4001: bind: address already in use')).toBe(true);
    expect(saysPortTaken('OSError: [Errno 98] Address already in use')).toBe(true);
    expect(saysPortTaken('Error: listen EADDRINUSE: 127.0.0.1:4001')).toBe(true);
    expect(saysPortTaken('panic: raft: tocommit(5) is out of range')).toBe(false);
  });
});

describe('a restarted node whose port another process took', () => {
  it('Figure 2 (reference): n3 restarted on taken ports is started again on fresh ones and comes back with its log', async () => {
    const { choose, taken } = await takenOnFirstRenew();
    const result = await runClusterScenario(restartScenario, new ReferenceCluster({ seed: 3 }), {
      choosePorts: choose,
    });
    expect(result.reason).toBeUndefined();
    expect(result.verdict).toBe('pass');
    const retry = result.timeline.find((line) => line.includes('could not bind its port'));
    expect(retry).toMatch(/n3 could not bind its port .* \(retry 1 of 3\)/);
    expect(taken.length).toBe(2);
    expect(result.leftoverPids).toEqual([]);
    expect(result.leftoverDir).toBe(false);
  });

  it.skipIf(etcdVersion() === null)(
    'Figure 2 (etcd, the CI failure): a member restarted on a taken port comes back on fresh ones',
    async () => {
      const { choose } = await takenOnFirstRenew();
      const result = await runClusterScenario(restartScenario, new EtcdCluster(), { choosePorts: choose });
      expect(result.reason).toBeUndefined();
      expect(result.verdict).toBe('pass');
      expect(result.timeline.some((line) => /n3 could not bind its port/.test(line))).toBe(true);
      expect(result.leftoverPids).toEqual([]);
    },
  );

  it('a node whose every port choice is taken fails its step with the bind error, after 3 retries', async () => {
    const [a, b] = await freePorts(2);
    await occupy(a);
    await occupy(b);
    const choose: PortChooser = async (count) => (count === 2 ? [a, b] : freePorts(count));
    const result = await runClusterScenario(restartScenario, new ReferenceCluster({ seed: 3 }), {
      choosePorts: choose,
    });
    expect(result.verdict).toBe('fail');
    expect(result.reason).toMatch(
      /n3 exited \(exit 1\) before answering \/status: its port was taken \(address already in use\) after 3 retries on fresh ports; its log/,
    );
    expect(result.timeline.filter((line) => line.includes('could not bind its port'))).toHaveLength(3);
    expect(result.leftoverPids).toEqual([]);
    expect(result.leftoverDir).toBe(false);
  });
});
