import { Graphviz } from '@hpcc-js/wasm-graphviz';
import type { ScenarioResult } from '../conformance/run-scenario.ts';
import {
  describeStatechart,
  type MarkTransition,
  type StatechartInfo,
  type TransitionInfo,
  toDot,
} from '../diagram/statechart.ts';
import { runOnModel, type Scenario } from '../scenario/index.ts';

/**
 * The statechart of one run: the transitions the model took on the steps the run went
 * through are "covered", those of the step where it failed "failed" (the model's
 * transitions for that input: what the implementation should have done). Laid out by
 * Graphviz compiled to WebAssembly, as docs/statechart.svg is (no browser).
 */

interface TransitionKey {
  readonly source: string;
  readonly event: string;
  readonly guard: string | null;
  readonly actions: readonly string[];
}

function keyOf(t: TransitionKey): string {
  return `${t.source}|${t.event}|${t.guard ?? ''}|${t.actions.join(',')}`;
}

/** Which transitions the run covered and which it failed at; null if the model cannot replay it. */
export function runMarks(scenario: Scenario, result: ScenarioResult): MarkTransition | null {
  let outcomes: ReturnType<typeof runOnModel>;
  try {
    outcomes = runOnModel(scenario);
  } catch {
    return null;
  }
  const failedAt = result.failure ? result.failure.step - 1 : outcomes.length;
  const covered = new Set(outcomes.slice(0, Math.max(0, failedAt)).flatMap((o) => o.result.taken.map(keyOf)));
  const failed = new Set((outcomes[failedAt]?.result.taken ?? []).map(keyOf));
  return (t: TransitionInfo) =>
    failed.has(keyOf(t)) ? 'failed' : covered.has(keyOf(t)) ? 'covered' : undefined;
}

let graphviz: Promise<Graphviz> | undefined;

export async function markedStatechartSvg(
  mark: MarkTransition | undefined,
  chart: StatechartInfo = describeStatechart(),
): Promise<string> {
  graphviz ??= Graphviz.load();
  const svg = (await graphviz).dot(toDot(chart, mark));
  // Inline in HTML: drop the XML prolog and DOCTYPE Graphviz writes for a standalone file.
  return svg.slice(svg.indexOf('<svg'));
}
