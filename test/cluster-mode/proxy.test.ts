import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../src/cluster/ports.ts';
import { ProcessManager } from '../../src/cluster/processes.ts';
import { FaultProxy } from '../../src/cluster/proxy.ts';
import { connectionOwner } from '../../src/cluster/socket-owner.ts';

/**
 * The fault proxy must do what a partition does to a real network: a cut link carries
 * nothing, the others keep flowing, and after `heal` traffic flows again. Three stand-in
 * nodes (fixtures/chatter-node.mjs) send a numbered line to each other every 20 ms through
 * the proxy; each appends what it receives to a file, which is what we look at.
 *
 * Thesis §3 / BUGS.md #9: partitions, including partial and one-way ones, are the faults
 * cluster mode must be able to inject.
 */

const NODES = ['n1', 'n2', 'n3'];
const CHATTER = join(import.meta.dirname, 'fixtures', 'chatter-node.mjs');

let manager: ProcessManager;
let proxy: FaultProxy;

/** Sequence numbers `to` has received from `from` so far. */
function received(to: string, from: string): number[] {
  const file = join(manager.dataDir(to), 'received.txt');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith(`${from} `))
    .map((line) => Number(line.split(' ')[1]));
}

function lastSeq(to: string, from: string): number {
  return Math.max(0, ...received(to, from));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** How many new lines `to` gets from `from` during `ms`. */
async function flowDuring(to: string, from: string, ms: number): Promise<number> {
  const before = received(to, from).length;
  await sleep(ms);
  return received(to, from).length - before;
}

beforeAll(async () => {
  manager = new ProcessManager();
  proxy = new FaultProxy((clientPort, serverPort) =>
    connectionOwner(clientPort, serverPort, manager.pidsByNode()),
  );
  const ports = await freePorts(NODES.length);
  const proxyPorts = new Map<string, number>();
  for (const [i, node] of NODES.entries()) proxyPorts.set(node, await proxy.route(node, ports[i]));
  for (const [i, node] of NODES.entries()) {
    const peers = NODES.filter((n) => n !== node).map((n) => `${n}=${proxyPorts.get(n)}`);
    manager.start({
      name: node,
      command: process.execPath,
      args: [CHATTER, node, String(ports[i]), ...peers],
    });
  }
  await until('all links to carry traffic', () =>
    NODES.every((to) => NODES.every((from) => from === to || lastSeq(to, from) > 0)),
  );
});

afterAll(async () => {
  await proxy?.close();
  await manager?.shutdown();
});

describe('loopback fault proxy', () => {
  it('attributes every connection to the node process that opened it', async () => {
    await sleep(100);
    const unattributed = proxy.stats().get('?->n1');
    expect(unattributed?.forwarded ?? 0).toBe(0);
    expect(proxy.stats().get('n2->n1')?.forwarded).toBeGreaterThan(0);
  });

  it('partition n1 | n2 n3: n1 is cut off both ways, n2 and n3 still talk; heal restores it', async () => {
    proxy.partition([['n1'], ['n2', 'n3']]);
    await sleep(100); // lines already in flight may still land
    const [n1ToN2, n2ToN1, n3ToN2] = await Promise.all([
      flowDuring('n2', 'n1', 300),
      flowDuring('n1', 'n2', 300),
      flowDuring('n2', 'n3', 300),
    ]);
    expect(n1ToN2).toBe(0);
    expect(n2ToN1).toBe(0);
    expect(n3ToN2).toBeGreaterThan(3);

    proxy.heal();
    const healedAt = lastSeq('n2', 'n1');
    await until('n1 -> n2 to flow again after heal', () => lastSeq('n2', 'n1') > healedAt + 3);
    await until('n2 -> n1 to flow again after heal', () => received('n1', 'n2').length > 0);
  });

  it('cut n1 -> n2 blocks one direction only', async () => {
    proxy.cut('n1', 'n2', false);
    expect(proxy.blockedLinks()).toEqual(['n1->n2']);
    await sleep(100);
    const [forward, backward] = await Promise.all([flowDuring('n2', 'n1', 300), flowDuring('n1', 'n2', 300)]);
    expect(forward).toBe(0);
    expect(backward).toBeGreaterThan(3);
    expect(proxy.stats().get('n1->n2')?.dropped ?? 0).toBeGreaterThan(0);
    proxy.heal();
    expect(proxy.blockedLinks()).toEqual([]);
    // The cut reset n1's connection; it reconnects on its own schedule (slow on a loaded machine).
    const healedAt = lastSeq('n2', 'n1');
    await until('n1 -> n2 to flow again after heal', () => lastSeq('n2', 'n1') > healedAt + 3);
  });
});

describe('process manager', () => {
  it('kills a node with its whole process group and restarts it; shutdown leaves no process or directory', async () => {
    const own = new ProcessManager('raftkit-cluster-test-');
    const [port] = await freePorts(1);
    own.start({ name: 'n1', command: process.execPath, args: [CHATTER, 'n1', String(port)] });
    // A wrapper that forks a child: the kill must reach the grandchild too.
    own.start({ name: 'n2', command: 'sh', args: ['-c', 'sleep 30 & sleep 30'] });
    await sleep(200);
    expect(own.leftovers().length).toBeGreaterThanOrEqual(3);
    await own.kill('n2');
    await until('n2 group to be gone', () => own.pidsByNode().get('n2') === undefined);
    own.start({ name: 'n2', command: 'sh', args: ['-c', 'sleep 30 & sleep 30'] });
    expect(own.isRunning('n2')).toBe(true);
    const root = own.root;
    expect(existsSync(root)).toBe(true);
    await own.shutdown();
    expect(own.leftovers()).toEqual([]);
    expect(existsSync(root)).toBe(false);
  });
});
