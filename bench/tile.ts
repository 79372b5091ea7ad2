import type { TraceFormat } from '../src/trace/trace.ts';

/**
 * Long logs for `npm run bench:trace`, made of a real log of test/fixtures/trace repeated:
 * copy k has every term raised by k × (the log's highest term + 1) and every timestamp
 * moved by k × (the log's duration + 1 s), so the result reads as one long run of the same
 * cluster. The copies are separated by markdown fences, as pasted chunks: each copy's nodes
 * start afresh (votedFor -1), which the checker bridges as lines missing between chunks.
 * Only the bench uses it.
 */

const TERMS: Readonly<Record<Exclude<TraceFormat, 'canonical'>, RegExp>> = {
  eliben: /((?:currentTerm=|term=|(?<!Log)Term:)\s*)(\d+)/g,
  hclog: /(term=)(\d+)/g,
  etcd: /((?:at term |\[term: |with higher term from \w+ \[term: ))(\d+)/g,
};

const STAMP: Readonly<Record<Exclude<TraceFormat, 'canonical'>, RegExp>> = {
  eliben: /^(\d{2}):(\d{2}):(\d{2})\.(\d{6})/,
  hclog: /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z/,
  etcd: /^raft (\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{6})/,
};

function stampMs(format: Exclude<TraceFormat, 'canonical'>, m: RegExpExecArray): number {
  if (format === 'eliben') return ((+m[1] * 60 + +m[2]) * 60 + +m[3]) * 1000 + +m[4] / 1000;
  const frac = format === 'hclog' ? +m[7] : +m[7] / 1000;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) + frac;
}

function formatStamp(format: Exclude<TraceFormat, 'canonical'>, ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const micros = p(Math.round((ms % 1000) * 1000) % 1_000_000, 6);
  const clock = `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
  if (format === 'eliben') return `${clock}.${micros}`;
  const date = `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}`;
  if (format === 'hclog') return `${date}T${clock}.${micros.slice(0, 3)}Z`;
  return `raft ${date.replaceAll('-', '/')} ${clock}.${micros}`;
}

export function tile(text: string, format: Exclude<TraceFormat, 'canonical'>, copies: number): string {
  const lines = text.split('\n').filter((l) => STAMP[format].test(l));
  let maxTerm = 0;
  for (const l of lines) for (const m of l.matchAll(TERMS[format])) maxTerm = Math.max(maxTerm, +m[2]);
  const times = lines.map((l) => stampMs(format, STAMP[format].exec(l) as RegExpExecArray));
  const span = Math.max(...times) - Math.min(...times) + 1000;
  const out: string[] = [];
  for (let k = 0; k < copies; k++) {
    if (k > 0) out.push('```');
    for (let i = 0; i < lines.length; i++) {
      const shifted = lines[i].replace(
        TERMS[format],
        (_all, key: string, t: string) => `${key}${+t + k * (maxTerm + 1)}`,
      );
      const stamp = STAMP[format].exec(shifted) as RegExpExecArray;
      out.push(formatStamp(format, times[i] + k * span) + shifted.slice(stamp[0].length));
    }
  }
  return `${out.join('\n')}\n`;
}
