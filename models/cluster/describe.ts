import { serializeNode } from '../node/serialize.ts';
import { describeMessage } from './actions.ts';
import type { ClusterConfig } from './config.ts';
import type { ClusterState } from './state.ts';

/**
 * A cluster state as lines of text for counterexamples: one line per server (the
 * node's compact form from `serializeNode`), the messages in flight, the history.
 */
export function describeClusterState(config: ClusterConfig, state: ClusterState): string[] {
  const lines = state.nodes.map((node, i) => `${config.nodes[i]}: ${serializeNode(node)}`);
  if (state.network.length === 0) lines.push('network: (empty)');
  else lines.push('network:');
  for (const f of state.network)
    lines.push(`  ${describeMessage(f.message)}${f.count > 1 ? ` ×${f.count}` : ''}`);
  const h = state.history;
  const elections = h.elections.map((e) => `${e.leader}@t${e.term}`).join(', ') || 'none';
  const committed = h.committed.map((e) => `${e.index}:${e.value}@${e.term}`).join(', ') || 'none';
  lines.push(`history: elections ${elections}; committed ${committed}; crashes ${h.crashes}`);
  return lines;
}
