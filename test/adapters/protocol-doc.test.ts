import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorReplySchema, replySchemas, requestSchema } from '../../src/adapters/index.ts';

/**
 * conformance/PROTOCOL.md is what adapter authors in other languages code against, so every
 * JSON example in it must be what the kit really sends and accepts: each request parses
 * with the request schema the reference server uses, each reply with the schema the kit
 * checks replies against.
 */
const text = readFileSync('conformance/PROTOCOL.md', 'utf8');
const blocks = [...text.matchAll(/```ndjson\n([\s\S]*?)```/g)].flatMap((m) => m[1].trim().split('\n'));
const inline = [...text.matchAll(/`(\{"id":[^`]*\})`/g)].map((m) => m[1]);
const examples = [...blocks, ...inline].map((line) => JSON.parse(line) as Record<string, unknown>);

const STEP_TYPES = new Set(['deliver', 'timeout', 'tick', 'propose', 'crash', 'restart']);

describe('PROTOCOL.md examples', () => {
  it('has a request and a reply example for every command', () => {
    const requests = new Set(examples.filter((e) => typeof e.id === 'number').map((e) => e.type));
    const replies = new Set(examples.filter((e) => 'in_reply_to' in e).map((e) => e.type));
    for (const type of ['init', 'create', ...STEP_TYPES, 'state', 'drain', 'inspect', 'shutdown']) {
      expect(requests, type).toContain(type);
      expect(replies, type).toContain(`${type}_ok`);
    }
    expect(replies).toContain('error');
  });

  it('every example request is one the server accepts', () => {
    for (const example of examples.filter((e) => typeof e.id === 'number')) {
      const parsed = requestSchema.safeParse(example);
      expect(parsed.success, JSON.stringify(example)).toBe(true);
    }
  });

  it('every example reply is one the kit accepts', () => {
    for (const example of examples.filter((e) => 'in_reply_to' in e)) {
      const type = String(example.type);
      const base = type.replace(/_ok$/, '');
      const schema =
        type === 'error'
          ? errorReplySchema
          : STEP_TYPES.has(base)
            ? replySchemas.step
            : replySchemas[base as keyof typeof replySchemas];
      expect(schema, type).toBeDefined();
      expect(schema.safeParse(example).success, JSON.stringify(example)).toBe(true);
    }
  });
});
