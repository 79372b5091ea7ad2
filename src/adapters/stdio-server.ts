import type { Readable, Writable } from 'node:stream';
import { dispatchStep, errorCodeOf, type StepTarget } from './in-process.ts';
import { describeIssues, type ProtocolRequest, requestSchema, truncate } from './protocol.ts';
import { ALWAYS, PROTOCOL_VERSION } from './types.ts';

/**
 * The adapter side of `conformance/PROTOCOL.md`: read NDJSON requests, answer each on one
 * line, in order. `raftkit serve-reference` serves the reference implementation with it. Malformed
 * requests get error 12 saying what was expected and what arrived.
 */
export async function serveStdio(target: StepTarget, input: Readable, output: Writable): Promise<void> {
  let buffer = '';
  // Respect back-pressure, and flush before returning: the caller may exit the process
  // right after, and a pipe write still queued would be lost.
  const write = async (lines: string) => {
    if (!output.write(lines)) await new Promise((resolve) => output.once('drain', resolve));
  };
  const flush = () => new Promise<void>((resolve) => output.write('', () => resolve()));
  for await (const chunk of input) {
    buffer += chunk.toString();
    // The kit may pipeline requests (PROTOCOL.md §1): answer every whole line of the chunk,
    // then write the replies in one go (one pipe write, one wake-up of the kit).
    let replies = '';
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
      if (line === '') continue;
      const reply = answer(target, line);
      replies += `${JSON.stringify(reply)}\n`;
      if (reply.type === 'shutdown_ok') {
        await write(replies);
        return flush();
      }
    }
    if (replies !== '') await write(replies);
  }
  return flush();
}

type Reply = { in_reply_to: number | null; type: string } & Record<string, unknown>;

export function answer(target: StepTarget, line: string): Reply {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return malformed(null, `expected one JSON object per line, found ${truncate(JSON.stringify(line), 80)}`);
  }
  const id = typeof (raw as { id?: unknown })?.id === 'number' ? (raw as { id: number }).id : null;
  const parsed = requestSchema.safeParse(raw);
  if (!parsed.success) {
    return malformed(id, `${describeIssues(parsed.error, raw)} (see conformance/PROTOCOL.md)`);
  }
  const request = parsed.data;
  try {
    return { in_reply_to: request.id, type: `${request.type}_ok`, ...run(target, request) };
  } catch (error) {
    const { code, text } = errorCodeOf(error);
    return { in_reply_to: request.id, type: 'error', code, text };
  }
}

function malformed(id: number | null, text: string): Reply {
  return { in_reply_to: id, type: 'error', code: 12, text };
}

/**
 * `init_ok.features` is one flat object (PROTOCOL.md §3): the capabilities and, beside them,
 * the model switches the implementation runs with (`leaderStickiness: "same-term"`).
 */
function wireFeatures(features: StepTarget['features']): Record<string, boolean | string> {
  const { switches, ...capabilities } = features;
  const wire = { ...capabilities, ...switches } as Record<string, boolean | string>;
  // A CheckQuorum that is always on is the switch, not the per-cluster capability (PROTOCOL.md §3).
  if (switches?.checkQuorum === true) wire.checkQuorum = ALWAYS;
  return wire;
}

function run(target: StepTarget, request: ProtocolRequest): object {
  switch (request.type) {
    case 'init':
      if (request.protocol !== PROTOCOL_VERSION) {
        throw Object.assign(
          new Error(`protocol ${request.protocol} asked, this adapter speaks ${PROTOCOL_VERSION}`),
          {
            code: 10,
          },
        );
      }
      return {
        protocol: PROTOCOL_VERSION,
        implementation: target.implementation,
        features: wireFeatures(target.features),
      };
    case 'create':
      return target.create(request);
    case 'state':
      return { state: target.state(request.node) };
    case 'drain':
      return { messages: target.drain(request.node) };
    case 'inspect':
      if (!target.inspect) throw Object.assign(new Error('inspect is not supported'), { code: 10 });
      return target.inspect();
    case 'shutdown':
      return {};
    default:
      return dispatchStep(target, request);
  }
}
