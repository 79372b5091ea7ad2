import { formatState } from '../conformance/report.ts';
import { formatMessage } from '../scenario/index.ts';
import { describeAction } from './actions.ts';
import type { Taken } from './run.ts';

/**
 * A run's history as report lines: each action, and for a node step the state the node
 * reported after it and what it sent. A violation is reported with the whole history that
 * led to it.
 */
export function historyLines(taken: readonly Taken[]): string[] {
  const lines: string[] = [];
  taken.forEach((t, k) => {
    lines.push(`${k + 1}. ${describeAction(t.action, t.message)}`);
    if (t.reply) {
      lines.push(`   → ${formatState(t.reply.state)}`);
      for (const m of t.reply.messages) lines.push(`   sent ${formatMessage(m)}`);
    }
  });
  return lines;
}
