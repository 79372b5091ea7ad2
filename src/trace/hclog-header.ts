import { digitsAt, digitsEnd, POW10 } from './scan.ts';
import { wallClockMs } from './textlog.ts';

/**
 * The header of an hclog line — `2026-12-06T10:46:30.943Z [INFO]  raft-n2: entering
 * candidate state: …` — as the reader used to take it with
 *
 *   /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})? +\[(?:TRACE|DEBUG|INFO|WARN|ERROR)\] *(.*)$/
 *
 * but without cutting the line into captures: one sticky regex for the header (capturing
 * only the fraction and the zone), the message left in place (`rest`), the date read by
 * position (it has a fixed width) and its minute's milliseconds cached. One instance reads
 * a whole file: `scan` sets its fields for the line, no object per line. (Read by hand,
 * character by character, the header took more time than this regex does: measured, 04:37
 * Dec 7.) test/trace/hclog-header.test.ts holds it to the original regex.
 */
const HEAD =
  /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})? +\[(?:TRACE|DEBUG|INFO|WARN|ERROR)\] */y;
/** What `.*$` cannot pass. */
const LINE_TERMINATOR = /[\n\r\u2028\u2029]/;

export class HclogHeader {
  /** Where the message (everything after the level and its spaces) starts. */
  rest = 0;
  private fracFrom = 0;
  private fracTo = 0;
  private zone: string | undefined = undefined;
  private lastMinute = '';
  private lastZone: string | undefined = undefined;
  private lastBase: number | null = null;

  /** `lineSeparators`: whether a line may hold U+2028/U+2029 (false: the text has none, no line is searched). */
  constructor(private readonly lineSeparators: boolean) {}

  /** Whether `line` has the header's shape; if so, `rest` and the time parts are set. */
  scan(line: string): boolean {
    HEAD.lastIndex = 0;
    if (!HEAD.test(line) || (this.lineSeparators && LINE_TERMINATOR.test(line))) return false;
    this.rest = HEAD.lastIndex;
    // The regex has matched: a fraction's digits follow "." or ",", a zone follows them.
    const c = line.charCodeAt(19);
    this.fracFrom = c === 46 || c === 44 ? 20 : 19;
    this.fracTo = digitsEnd(line, this.fracFrom);
    this.zone = zoneAt(line, this.fracTo);
    return true;
  }

  /** The line's time in ms, as `wallClockMs` of its minute plus its seconds and fraction; or null. */
  time(line: string): number | null {
    // Compared in place: a line's minute is cut out only when it changes.
    if (!sameMinute(line, this.lastMinute) || this.zone !== this.lastZone) {
      this.lastMinute = line.slice(0, 16);
      this.lastZone = this.zone;
      this.lastBase = minuteMs(line, this.zone);
    }
    const seconds = (line.charCodeAt(17) - 48) * 10 + (line.charCodeAt(18) - 48);
    if (this.lastBase === null || seconds > 60) return null;
    const digits = this.fracTo - this.fracFrom;
    const frac = digits === 0 ? 0 : (digitsAt(line, this.fracFrom, digits) * 1000) / POW10[digits];
    return this.lastBase + seconds * 1000 + frac;
  }
}

/**
 * Whether the line starts with `minute` (16 characters, or '' before the first line), compared
 * from the end: the minute's digits are the ones that change from line to line.
 */
function sameMinute(line: string, minute: string): boolean {
  if (minute.length !== 16) return false;
  for (let i = 15; i >= 0; i--) if (line.charCodeAt(i) !== minute.charCodeAt(i)) return false;
  return true;
}

/** The zone `Z|[+-]\d{2}:?\d{2}` the header regex matched at `at`, or undefined. */
function zoneAt(line: string, at: number): string | undefined {
  const c = line.charCodeAt(at);
  if (c === 90) return 'Z';
  if (c !== 43 && c !== 45) return undefined;
  return line.slice(at, line.charCodeAt(at + 3) === 58 ? at + 6 : at + 5);
}

/** The ms of the line's minute in its zone (`wallClockMs` of the date, hour, minute, second 0). */
function minuteMs(line: string, zone: string | undefined): number | null {
  const date: [string, string, string] = [line.slice(0, 4), line.slice(5, 7), line.slice(8, 10)];
  return wallClockMs(date, [line.slice(11, 13), line.slice(14, 16), '0'], undefined, zone);
}
