import { describe, expect, it } from 'vitest';
import { SafetyMonitor, type StatusSource } from '../../src/cluster/monitor.ts';
import type { NodeStatus } from '../../src/cluster/types.ts';

/**
 * The safety monitor against a scripted status source. Figure 2: commitIndex is volatile
 * state, so a restarted node may report a lower one; while a node runs it never decreases
 * (§5.3). An answer asked of a node's old process and checked after the node was killed and
 * restarted belongs to the old process: it must not set the new process's baseline.
 */

const status = (node: string, commitIndex: number): NodeStatus => ({
  node,
  role: 'follower',
  term: 2,
  leader: null,
  commitIndex,
});

describe('SafetyMonitor across a kill and restart', () => {
  it('§5.3 / Figure 2: an old process answer (commitIndex 3) checked after the restart is dropped; the new 0 is no violation', async () => {
    let release: () => void = () => {};
    let answer: NodeStatus = status('n3', 3);
    let slow = true;
    const source: StatusSource = {
      sampleIntervalMs: 50,
      status: async (node) => {
        if (node === 'n3' && slow) {
          slow = false;
          const old = answer;
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          return old;
        }
        return node === 'n3' ? answer : status(node, 0);
      },
    };
    const monitor = new SafetyMonitor(source, () => ['n1', 'n2', 'n3'], 3);
    const inFlight = monitor.sample(); // n3's old process is asked, answers late
    await new Promise((resolve) => setImmediate(resolve));
    monitor.nodeDown('n3'); // kill n3
    monitor.nodeRestarted('n3'); // start n3: a new process
    answer = status('n3', 0);
    release();
    await inFlight;
    await monitor.sample();
    expect(monitor.latest.get('n3')?.status.commitIndex).toBe(0);
    expect(monitor.violations).toEqual([]);
  });

  it('§5.3: without a restart, commitIndex 3 then 0 is a Commit Monotonicity violation (the check can fail)', async () => {
    let answer = status('n3', 3);
    const source: StatusSource = {
      sampleIntervalMs: 50,
      status: async (node) => (node === 'n3' ? answer : status(node, 0)),
    };
    const monitor = new SafetyMonitor(source, () => ['n1', 'n2', 'n3'], 3);
    await monitor.sample();
    answer = status('n3', 0);
    await monitor.sample();
    expect(monitor.violations.map((v) => v.property)).toEqual(['Commit Monotonicity']);
  });
});
