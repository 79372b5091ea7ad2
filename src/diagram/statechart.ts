import { type GuardName, nodeMachineConfig, SWITCH_OF_GUARD } from '../../models/index.ts';

/**
 * The node statechart as a list of states and transitions, read from the machine's own
 * definition (`nodeMachineConfig`, plain data), and its drawings: Mermaid
 * `stateDiagram-v2` for Markdown and Graphviz DOT for the SVG. Nothing here knows Raft:
 * every label is a name the machine uses.
 */

/** A transition as the machine defines it. `event` is `always` for eventless transitions. */
export interface TransitionInfo {
  /** Dotted path of the state that defines it, e.g. `running.follower`. */
  readonly source: string;
  readonly event: string;
  readonly guard: string | null;
  readonly actions: readonly string[];
  /** Dotted path of the target state, or null when the state does not change. */
  readonly target: string | null;
}

export interface StateInfo {
  readonly path: string;
  readonly name: string;
  readonly children: readonly string[];
  /** Name of the initial child of a compound state. */
  readonly initial: string | null;
}

export interface StatechartInfo {
  readonly id: string;
  readonly initial: string;
  readonly states: readonly StateInfo[];
  readonly transitions: readonly TransitionInfo[];
}

interface RawState {
  readonly initial?: string;
  readonly on?: Readonly<Record<string, unknown>>;
  readonly always?: unknown;
  readonly states?: Readonly<Record<string, RawState>>;
}

interface RawTransition {
  readonly guard?: string;
  readonly target?: string;
  readonly actions?: string | readonly string[];
}

interface RawMachine extends RawState {
  readonly id: string;
  readonly initial: string;
}

function asArray<T>(value: T | readonly T[] | undefined): readonly T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

/** XState target syntax: `.x` is a child of the source, `x` a sibling. */
function resolveTarget(source: readonly string[], target: string): string {
  const path = target.startsWith('.') ? [...source, target.slice(1)] : [...source.slice(0, -1), target];
  return path.join('.');
}

/** Read states and transitions from a machine config, in document order. */
export function describeStatechart(
  config: RawMachine = nodeMachineConfig as unknown as RawMachine,
): StatechartInfo {
  const states: StateInfo[] = [];
  const transitions: TransitionInfo[] = [];
  const visit = (path: readonly string[], node: RawState) => {
    const children = Object.keys(node.states ?? {});
    states.push({
      path: path.join('.'),
      name: path[path.length - 1],
      children,
      initial: node.initial ?? null,
    });
    const add = (event: string, raw: unknown) => {
      for (const t of asArray(raw as RawTransition | readonly RawTransition[])) {
        transitions.push({
          source: path.join('.'),
          event,
          guard: t.guard ?? null,
          actions: asArray(t.actions),
          target: t.target === undefined ? null : resolveTarget(path, t.target),
        });
      }
    };
    for (const [event, raw] of Object.entries(node.on ?? {})) add(event, raw);
    add('always', node.always);
    for (const child of children) visit([...path, child], node.states![child]);
  };
  for (const [name, node] of Object.entries(config.states ?? {})) visit([name], node);
  return { id: config.id, initial: config.initial, states, transitions };
}

// ------------------------------------------------------------------ labels

/**
 * `Event [guard] / action, action` — the vocabulary of the machine, nothing else. A transition
 * only a switch enables says so: `[quorumLost; switch checkQuorum]`.
 */
export function transitionLabel(t: TransitionInfo, separator = ' '): string {
  const parts = [t.event];
  const feature = t.guard ? SWITCH_OF_GUARD[t.guard as GuardName] : undefined;
  if (t.guard) parts.push(feature ? `[${t.guard}; switch ${feature}]` : `[${t.guard}]`);
  if (t.actions.length > 0) parts.push(`/ ${t.actions.join(', ')}`);
  return parts.join(separator);
}

function leafName(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1);
}

function stateByPath(chart: StatechartInfo, path: string): StateInfo {
  const state = chart.states.find((s) => s.path === path);
  if (!state) throw new Error(`statechart has no state '${path}'`);
  return state;
}

/** The leaves under a state (the state itself when it is a leaf). */
function leavesOf(chart: StatechartInfo, path: string): string[] {
  const state = stateByPath(chart, path);
  if (state.children.length === 0) return [path];
  return state.children.flatMap((child) => leavesOf(chart, `${path}.${child}`));
}

/** A compound state's initial leaf. */
function initialLeaf(chart: StatechartInfo, path: string): string {
  const state = stateByPath(chart, path);
  return state.initial === null ? path : initialLeaf(chart, `${path}.${state.initial}`);
}

function isCompound(chart: StatechartInfo, path: string): boolean {
  return stateByPath(chart, path).children.length > 0;
}

/**
 * An edge to draw. A transition defined on a compound state with a target inside it (the
 * term rule on `running`) applies in every leaf, so it is drawn from each leaf; one whose
 * target is outside (Crash) is drawn once, from the compound state. Targetless
 * transitions of a leaf are edges from the leaf to itself (drawn inside the state box);
 * those of a compound state are listed, not drawn.
 */
export interface Edge {
  readonly from: string;
  readonly to: string;
  readonly transition: TransitionInfo;
  /** True when the transition is defined on an enclosing compound state. */
  readonly inherited: boolean;
}

export function edgesOf(chart: StatechartInfo): Edge[] {
  const edges: Edge[] = [];
  for (const t of chart.transitions) {
    const compound = isCompound(chart, t.source);
    if (t.target === null) {
      if (!compound) edges.push({ from: t.source, to: t.source, transition: t, inherited: false });
      continue;
    }
    if (compound && t.target.startsWith(`${t.source}.`)) {
      for (const leaf of leavesOf(chart, t.source))
        edges.push({ from: leaf, to: t.target, transition: t, inherited: true });
    } else {
      edges.push({ from: t.source, to: t.target, transition: t, inherited: false });
    }
  }
  return edges;
}

/** Targetless transitions defined on compound states: they apply in every leaf below. */
export function sharedTransitions(chart: StatechartInfo): TransitionInfo[] {
  return chart.transitions.filter((t) => t.target === null && isCompound(chart, t.source));
}

// ------------------------------------------------------------------ Mermaid

/**
 * Mermaid `stateDiagram-v2`: compound states as `state x { ... }`, one line per edge
 * between different states; transitions that stay in a state (UML internal transitions)
 * are written inside the state as its description lines.
 */
export function toMermaid(chart: StatechartInfo): string {
  const edges = edgesOf(chart);
  const moves = edges.filter((e) => e.from !== e.to);
  const lines = ['stateDiagram-v2', `  [*] --> ${chart.initial}`];
  const emit = (path: string, indent: string) => {
    const state = stateByPath(chart, path);
    for (const e of edges.filter((e) => e.from === path && e.to === path)) {
      lines.push(`${indent}${state.name} : ${transitionLabel(e.transition)}`);
    }
    if (state.children.length > 0) {
      lines.push(`${indent}state ${state.name} {`);
      lines.push(`${indent}  [*] --> ${state.initial}`);
      for (const child of state.children) emit(`${path}.${child}`, `${indent}  `);
      for (const e of moves) {
        if (parentOf(e.from) === path && parentOf(e.to) === path) {
          lines.push(
            `${indent}  ${leafName(e.from)} --> ${leafName(e.to)} : ${transitionLabel(e.transition)}`,
          );
        }
      }
      lines.push(`${indent}}`);
    }
  };
  for (const state of chart.states.filter((s) => !s.path.includes('.'))) emit(state.path, '  ');
  for (const e of moves) {
    if (!(parentOf(e.from) !== '' && parentOf(e.from) === parentOf(e.to))) {
      lines.push(`  ${leafName(e.from)} --> ${leafName(e.to)} : ${transitionLabel(e.transition)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function parentOf(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot < 0 ? '' : path.slice(0, dot);
}

// ------------------------------------------------------------------ Graphviz DOT

function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** DOT left-justified multi-line label. */
function dotLines(lines: readonly string[]): string {
  return `"${lines.map((l) => l.replace(/\\/g, '\\\\').replace(/"/g, '\\"')).join('\\l')}\\l"`;
}

function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A leaf state's box: its name, then its internal transitions (those that stay in the
 * state), one `Event [guard]` line each with `/ actions` below, as UML writes them.
 */
/** A run's marks on the chart: transitions it took, and the one where it failed. */
export type TransitionMark = 'covered' | 'failed';
export type MarkTransition = (t: TransitionInfo) => TransitionMark | undefined;

const MARK_COLOR: Record<TransitionMark, string> = { covered: '#1f6fd1', failed: '#d11f1f' };

function markedLine(text: string, mark: TransitionMark | undefined): string {
  if (mark === undefined) return `${html(text)}<BR ALIGN="LEFT"/>`;
  return `<FONT COLOR="${MARK_COLOR[mark]}"><B>${html(text)}</B></FONT><BR ALIGN="LEFT"/>`;
}

function stateLabel(name: string, internal: readonly TransitionInfo[], mark?: MarkTransition): string {
  const title = `<TR><TD><B>${html(name)}</B></TD></TR>`;
  if (internal.length === 0) return `<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0">${title}</TABLE>>`;
  const body = internal
    .flatMap((t) => {
      const head = t.guard ? `${t.event} [${t.guard}]` : t.event;
      const m = mark?.(t);
      return t.actions.length === 0
        ? [markedLine(head, m)]
        : [markedLine(head, m), markedLine(`    / ${t.actions.join(', ')}`, m)];
    })
    .join('');
  return `<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0">${title}<TR><TD ALIGN="LEFT" BALIGN="LEFT" CELLPADDING="4"><FONT FACE="Helvetica" POINT-SIZE="9">${body}</FONT></TD></TR></TABLE>>`;
}

function dotId(path: string): string {
  return dotString(leafName(path));
}

/**
 * Graphviz DOT: compound states as clusters; an edge into or out of a compound state is
 * drawn to its initial leaf and clipped at the cluster border (`compound=true`).
 * Transitions shared by every leaf of a compound state without changing state are listed
 * in a note inside the cluster.
 */
/** Edge attributes of a marked transition: colour, weight and an SVG class to find it by. */
function markAttrs(mark: TransitionMark | undefined): string[] {
  if (mark === undefined) return [];
  const width = mark === 'failed' ? 3 : 2;
  return [
    `color="${MARK_COLOR[mark]}"`,
    `fontcolor="${MARK_COLOR[mark]}"`,
    `penwidth=${width}`,
    `class="${mark}"`,
  ];
}

/** The note of a compound state's shared transitions; HTML-like when a run marks lines. */
function sharedNoteLabel(name: string, shared: readonly TransitionInfo[], mark?: MarkTransition): string {
  const head = `in every ${name} state, no change of state:`;
  if (!mark) return dotLines([head, ...shared.map((t) => `  ${transitionLabel(t)}`)]);
  const body = shared.map((t) => markedLine(`  ${transitionLabel(t)}`, mark(t))).join('');
  return `<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0"><TR><TD ALIGN="LEFT" BALIGN="LEFT">${html(head)}<BR ALIGN="LEFT"/>${body}</TD></TR></TABLE>>`;
}

/** `mark`: highlight the transitions a run covered and the one it failed at (HTML report). */
export function toDot(chart: StatechartInfo, mark?: MarkTransition): string {
  const edges = edgesOf(chart);
  const out: string[] = [
    `digraph ${dotString(chart.id)} {`,
    '  graph [compound=true, rankdir=TB, fontname="Helvetica", fontsize=13, nodesep=0.5, ranksep=0.7, pad=0.3];',
    '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", color="#3b5b92", fontname="Helvetica-Bold", fontsize=13, margin="0.25,0.12"];',
    '  edge [fontname="Helvetica", fontsize=9, color="#555555", arrowsize=0.7];',
    '  "[*]" [shape=point, width=0.12, fillcolor=black];',
  ];
  for (const state of chart.states.filter((s) => !s.path.includes('.')))
    emitState(out, chart, edges, mark, state.path, '  ');
  emitEdges(out, chart, edges, mark);
  out.push('}');
  return `${out.join('\n')}\n`;
}

/** A state into `out`: a leaf as a node (with its self-loops), a compound state as a cluster of its children. */
function emitState(
  out: string[],
  chart: StatechartInfo,
  edges: readonly Edge[],
  mark: MarkTransition | undefined,
  path: string,
  indent: string,
): void {
  const state = stateByPath(chart, path);
  if (state.children.length === 0) {
    const internal = edges.filter((e) => e.from === path && e.to === path).map((e) => e.transition);
    out.push(`${indent}${dotId(path)} [label=${stateLabel(state.name, internal, mark)}];`);
    return;
  }
  out.push(`${indent}subgraph ${dotString(`cluster_${path}`)} {`);
  out.push(
    `${indent}  label=${dotString(state.name)}; style="rounded,dashed"; color="#3b5b92"; fontname="Helvetica-Bold";`,
  );
  for (const child of state.children) emitState(out, chart, edges, mark, `${path}.${child}`, `${indent}  `);
  const shared = sharedTransitions(chart).filter((t) => t.source === path);
  if (shared.length > 0) {
    out.push(
      `${indent}  ${dotString(`${path} rules`)} [shape=note, style=filled, fillcolor="#fffbe6", color="#b59f3b", fontname="Helvetica", fontsize=9, label=${sharedNoteLabel(state.name, shared, mark)}];`,
    );
  }
  out.push(`${indent}}`);
}

/** The initial arrow and every edge between two states, drawn to or from a cluster's initial leaf. */
function emitEdges(
  out: string[],
  chart: StatechartInfo,
  edges: readonly Edge[],
  mark?: MarkTransition,
): void {
  const cluster = (path: string) => dotString(`cluster_${path}`);
  const rootTarget = chart.initial;
  out.push(
    `  "[*]" -> ${dotId(initialLeaf(chart, rootTarget))}${isCompound(chart, rootTarget) ? ` [lhead=${cluster(rootTarget)}]` : ''};`,
  );
  for (const e of edges.filter((e) => e.from !== e.to)) {
    const attrs = [`label=${dotString(transitionLabel(e.transition, '\n'))}`];
    const from = isCompound(chart, e.from) ? initialLeaf(chart, e.from) : e.from;
    const to = isCompound(chart, e.to) ? initialLeaf(chart, e.to) : e.to;
    if (from !== e.from) attrs.push(`ltail=${cluster(e.from)}`);
    if (to !== e.to) attrs.push(`lhead=${cluster(e.to)}`);
    if (e.inherited) attrs.push('style=dashed', 'color="#a33"', 'fontcolor="#a33"');
    if (e.transition.event === 'always') attrs.push('color="#2f6f3e"', 'fontcolor="#2f6f3e"');
    attrs.push(...markAttrs(mark?.(e.transition)));
    out.push(`  ${dotId(from)} -> ${dotId(to)} [${attrs.join(', ')}];`);
  }
}
