import {
  type CompiledMachine,
  compileNodeMachine,
  type Features,
  initialNodeState,
  NO_MESSAGES,
  type NodeId,
  type NodeInput,
  type NodeState,
} from '../../models/index.ts';
import type { StepCommand, StepReply } from '../adapters/types.ts';
import {
  describeTaken,
  diagnose,
  differingMessageFields,
  judgeStep,
  matchTickBranch,
  ruleFor,
  type StepJudgement,
  type TickTiming,
  type ToleranceName,
  tickBranches,
} from '../conformance/index.ts';
import { itemsOfStep, recordStep } from '../generate/coverage.ts';
import { formatInput, nodeInputOfStep, observeNode, type TakenTransition } from '../scenario/index.ts';
import type { StepDetail } from './run.ts';
import { stepInputOf } from './scenario-out.ts';

/**
 * Oracle (a) of a fuzz run, per node: the implementation's step must be one the model
 * allows for that input from the model's state of that node — the same judgement as step
 * mode (`judgeStep` of src/conformance, with its tolerances and the opt-in variations the
 * adapter declared; `tickBranches` for ticks). The model's node is stepped once per
 * implementation step, and that step also names the coverage items it exercised
 * (src/generate/coverage.ts), which steer the fuzzer and fill the report.
 */

export interface NodeVerdict {
  /** Null when the step is allowed (or the oracle is off). */
  readonly violation: {
    readonly diagnosis: string;
    readonly rule: string;
    readonly modelTook: string;
    /** The failing step as `raftkit conform --report json` has it, for classification. */
    readonly detail?: StepDetail;
  } | null;
  /** Coverage items of the model's step. */
  readonly items: readonly string[];
}

const defaultMachine = compileNodeMachine();

/** What the model did and why the implementation's step is not allowed, as step mode reports it. */
function violationOf(
  command: StepCommand,
  model: { before: NodeState; after: NodeState; taken: readonly TakenTransition[] },
  judged: StepJudgement,
  reply: StepReply,
): NonNullable<NodeVerdict['violation']> {
  const { diffs, msgs } = judged;
  const node = model.after.context.id;
  const before = observeNode(node, model.before);
  const expected = observeNode(node, model.after);
  const fields = diffs.map((d) => ({
    field: d.field,
    changedByModel: JSON.stringify(before[d.field]) !== JSON.stringify(expected[d.field]),
  }));
  const input = command.type === 'timeout' && command.timer === 'heartbeat' ? 'heartbeat' : command.type;
  return {
    diagnosis: diagnose(node, diffs, msgs.missing.length, msgs.unexpected.length),
    rule: ruleFor(model.taken, input, {
      fields,
      messageFields: differingMessageFields(msgs.missing, msgs.unexpected),
      messagesDiffer: !msgs.ok,
    }),
    modelTook: describeTaken(model.taken) || '(no transition)',
    detail: {
      input: formatInput(stepInputOf(command)),
      differences: diffs,
      missing: msgs.missing,
      unexpected: msgs.unexpected,
      expectedState: expected,
      actualState: reply.state,
    },
  };
}

function drained(state: NodeState): NodeState {
  return state.context.outbox.length === 0
    ? state
    : { role: state.role, context: { ...state.context, outbox: NO_MESSAGES } };
}

export class NodeModels {
  private readonly states: NodeState[];
  private readonly machine: CompiledMachine = defaultMachine;

  constructor(
    private readonly nodes: readonly NodeId[],
    private readonly features: Features,
    private readonly timing: TickTiming,
    private readonly declared: ReadonlySet<ToleranceName>,
    /** false with `--oracle safety`: the model still steps (coverage), but never objects. */
    private readonly judging: boolean,
  ) {
    this.states = nodes.map((id) => initialNodeState({ id, cluster: nodes, features }));
  }

  /** The model's state of a node (for the fuzzer's choices). */
  state(node: NodeId): NodeState {
    return this.states[this.nodes.indexOf(node)];
  }

  /** Step the model's node as the implementation's was stepped, and judge the reply. */
  step(node: NodeId, command: StepCommand, reply: StepReply): NodeVerdict {
    if (command.type === 'tick') return this.tick(node, command.ticks, reply);
    const i = this.nodes.indexOf(node);
    const input = nodeInputOfStep(stepInputOf(command), undefined) as NodeInput;
    const before = this.states[i];
    const record = recordStep(before, input);
    const after = drained(record.after);
    const taken = record.taken.map((t) => ({ node, ...t }));
    const judged = judgeStep(
      node,
      {
        input,
        before,
        after,
        sent: record.outputs,
        taken,
        features: { preVote: this.features.preVote, checkQuorum: this.features.checkQuorum },
        machine: this.machine,
      },
      reply,
      this.declared,
      input.type === 'HeartbeatTimeout',
    );
    const items = itemsOfStep(record);
    if (!judged.ok && this.judging)
      return { violation: violationOf(command, { before, after, taken }, judged, reply), items };
    const next = judged.variation ? drained(judged.variation.after) : after;
    this.states[i] = next;
    return { violation: null, items };
  }

  private tick(node: NodeId, ticks: number, reply: StepReply): NodeVerdict {
    const i = this.nodes.indexOf(node);
    const before = this.states[i];
    const branches = tickBranches(before, ticks, this.timing, this.machine);
    const matched = matchTickBranch(node, before, branches, reply, this.machine);
    const branch = matched?.branch ?? branches[0];
    const items = this.firedItems(before, branch.fired);
    if (!matched && this.judging) {
      const fired = branch.fired.length > 0 ? `fires ${branch.fired.join(', ')}` : 'fires no timer';
      return {
        violation: {
          diagnosis: `${node}: after ${ticks} tick(s) the model ${fired} (election timeout ${this.timing.electionMin}–${this.timing.electionMax} ticks, ${before.context.electionElapsed} elapsed before; heartbeat every ${this.timing.heartbeat}), the implementation did otherwise`,
          rule: ruleFor([], 'tick', { fields: [], messageFields: [], messagesDiffer: true }),
          modelTook: branch.fired.join(', ') || '(no timer)',
        },
        items,
      };
    }
    this.states[i] = drained(branch.state);
    return { violation: null, items };
  }

  /** Coverage items of the timeouts a tick fired, stepped again on the recording model. */
  private firedItems(
    before: NodeState,
    fired: readonly ('ElectionTimeout' | 'HeartbeatTimeout')[],
  ): string[] {
    const items: string[] = [];
    let state = before;
    for (const type of fired) {
      const record = recordStep(state, { type });
      items.push(...itemsOfStep(record));
      state = drained(record.after);
    }
    return items;
  }
}
