/**
 * Character-level helpers for the log readers' hot loops: a reader looks at a million
 * lines, and a regex with captures, a `split` or a temporary object per line cost more
 * than the line. Each helper reads exactly what the regex it replaces would match (named
 * in its comment), so the readers accept and reject the same lines as before.
 */

export const CH = {
  tab: 9,
  space: 32,
  quote: 34,
  dash: 45,
  dot: 46,
  zero: 48,
  nine: 57,
  colon: 58,
  equals: 61,
  backslash: 92,
  openBracket: 91,
  closeBracket: 93,
} as const;

/** 10^k for a fraction of k ≤ 9 digits: F / 10^k is the double Number("0.<digits>") gives (both round the same quotient once). */
export const POW10: readonly number[] = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

export function isDigit(code: number): boolean {
  return code >= CH.zero && code <= CH.nine;
}

/** JavaScript's `\s`: Unicode white space and line terminators (so `\S` is its complement). */
export function isSpace(code: number): boolean {
  if (code === CH.space || (code >= CH.tab && code <= 13)) return true;
  if (code < 0xa0) return false;
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/** A line terminator: what `.` does not match. */
export function isLineTerminator(code: number): boolean {
  return code === 10 || code === 13 || code === 0x2028 || code === 0x2029;
}

/** 1 for the ASCII characters of `[\w.-]`: one load instead of six comparisons for every character of a line's fields. */
const KEY_CHARS: Uint8Array = (() => {
  const table = new Uint8Array(128);
  for (let c = 0; c < 128; c++) {
    const letter = (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
    table[c] = letter || isDigit(c) || c === 95 || c === CH.dot || c === CH.dash ? 1 : 0;
  }
  return table;
})();

/** `\w`, `.` or `-`: a character of a `key=value` key. */
export function isKeyChar(code: number): boolean {
  return code < 128 && KEY_CHARS[code] === 1;
}

/** The value of `count` decimal digits at `from` (the caller has checked they are digits). */
export function digitsAt(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) value = value * 10 + (text.charCodeAt(i) - CH.zero);
  return value;
}

/** Whether `count` characters at `from` are all decimal digits. */
export function allDigits(text: string, from: number, count: number): boolean {
  if (from + count > text.length) return false;
  for (let i = from; i < from + count; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return true;
}

/** The end of the run of decimal digits starting at `from`. */
export function digitsEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  return i;
}

/** The end of the run of non-`\s` characters from `from` (`\S*`). */
function nonSpaceEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && !isSpace(text.charCodeAt(i))) i++;
  return i;
}

/**
 * The end of `"((?:[^"\\]|\\.)*)"` at `open` (the opening quote): the index of the closing
 * quote, or -1. The greedy loop stops at the first quote not escaped; backtracking cannot
 * find another, so there is a match only if it stops at a quote.
 */
function closingQuote(text: string, open: number): number {
  let i = open + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === CH.quote) return i;
    if (c !== CH.backslash) i++;
    else if (i + 1 < text.length && !isLineTerminator(text.charCodeAt(i + 1))) i += 2;
    else return -1;
  }
  return -1;
}

/** The `key=value` fields of a message: what a reader asks of them. */
export interface FieldValues {
  get(key: string): string | undefined;
}

/**
 * `key=value` fields, as `/([\w.-]+)=(?:"((?:[^"\\]|\\.)*)"|(\S*))/g` finds them: values
 * bare or double-quoted (Go %q escapes, undone); a later key wins. One instance serves a
 * whole file: `read` records where each field is, `get` cuts out only the value asked for.
 */
export class Fields implements FieldValues {
  private text = '';
  private count = 0;
  /** Per field: key start, key end, value start, value end, 1 if quoted. */
  private spans = new Int32Array(5 * 16);

  /** The fields of `text` from `from` on (the same as of `text.slice(from)`). */
  read(text: string, from = 0): this {
    this.text = text;
    this.count = 0;
    let p = from;
    while (p < text.length) {
      if (!isKeyChar(text.charCodeAt(p))) {
        p++;
        continue;
      }
      let q = p + 1;
      while (q < text.length && isKeyChar(text.charCodeAt(q))) q++;
      if (q >= text.length || text.charCodeAt(q) !== CH.equals) {
        p = q + 1; // every start inside the run ends at the same non-'=' character
        continue;
      }
      p = this.value(p, q, q + 1);
    }
    return this;
  }

  /** Record the field whose key is [keyFrom, keyTo) and whose value starts at `from`; the index after it. */
  private value(keyFrom: number, keyTo: number, from: number): number {
    const text = this.text;
    const close = text.charCodeAt(from) === CH.quote ? closingQuote(text, from) : -1;
    if (close >= 0) {
      this.record(keyFrom, keyTo, from + 1, close, 1);
      return close + 1;
    }
    const end = nonSpaceEnd(text, from);
    this.record(keyFrom, keyTo, from, end, 0);
    return end;
  }

  private record(keyFrom: number, keyTo: number, from: number, to: number, quoted: number): void {
    if ((this.count + 1) * 5 > this.spans.length) {
      const grown = new Int32Array(this.spans.length * 2);
      grown.set(this.spans);
      this.spans = grown;
    }
    const at = this.count++ * 5;
    const spans = this.spans;
    spans[at] = keyFrom;
    spans[at + 1] = keyTo;
    spans[at + 2] = from;
    spans[at + 3] = to;
    spans[at + 4] = quoted;
  }

  get(key: string): string | undefined {
    const { spans, text } = this;
    for (let at = (this.count - 1) * 5; at >= 0; at -= 5) {
      if (spans[at + 1] - spans[at] !== key.length || !text.startsWith(key, spans[at])) continue;
      const value = text.slice(spans[at + 2], spans[at + 3]);
      return spans[at + 4] === 1 && value.includes('\\') ? value.replace(/\\(.)/g, '$1') : value;
    }
    return undefined;
  }
}

/** A non-negative integer field (`/^\d{1,15}$/`), or null; more digits: DamagedNumber. */
export function intField(fields: FieldValues, key: string): number | null {
  const v = fields.get(key);
  if (v === undefined || v.length === 0 || !allDigits(v, 0, v.length)) return null;
  if (v.length > 15) throw new DamagedNumber(v);
  return digitsAt(v, 0, v.length);
}

/**
 * A number in a log line with more than 15 digits: no term, index or id a server holds
 * (past 2^53 it is not even exact, and t + 1 === t), so the line is damaged. A reader
 * throws it from the line's parse; the line is reported as skipped with `damagedNumberReason`
 * and nothing of it is used.
 */
export class DamagedNumber extends Error {
  constructor(readonly digits: string) {
    super(`a number of ${digits.replace('-', '').length} digits`);
  }
}

/** `text` (digits, maybe after a '-') as a number, or DamagedNumber past 15 digits; a number passes through. */
export function exactInt(text: string | number): number {
  if (typeof text === 'number') return text;
  if (text.length > 15 && text.replace('-', '').length > 15) throw new DamagedNumber(text);
  return Number(text);
}

/** Why a line whose parse threw `error` is skipped, if it is a DamagedNumber; any other error is thrown on. */
export function damageReason(error: unknown): string {
  if (!(error instanceof DamagedNumber)) throw error;
  return `damaged: ${error.message} (${error.digits.slice(0, 24)}${error.digits.length > 24 ? '…' : ''}), past what a server's term or index can be`;
}
