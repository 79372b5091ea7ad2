/**
 * The next fingerprint table of a parallel search, made ready before it is needed.
 *
 * When the shared table grows, every worker waits while the coordinator rehashes into one
 * twice the size. Most of that wait was not the rehash but the first write to each page of
 * the new memory: the kernel (and, on a virtual machine, the host) maps a page on its first
 * touch, measured on this 2-core VM at 20–150 µs a page — 0.5–5 s for a 128 MB table, with
 * both workers idle. So once the table is half-way to its growth, the coordinator thread,
 * idle during the search, allocates the next table and writes one zero to each page of it,
 * a few pages at a time between its other work; the growth then rehashes into memory
 * already mapped (the workers faulting in other pages meanwhile is no waste: it is work
 * that had to be done). A growth that comes first takes the spare as far as it got.
 */

const PAGE_INTS = 1024;
/** How often the coordinator takes a turn, and how long a turn may map pages: waking up more
 * often would take the cores from the workers, longer turns would hold up relayed steals. */
export const TURN_EVERY_MS = 10;
const TURN_MS = 4;

export class SpareTable {
  private buffer: SharedArrayBuffer | null = null;
  private touched = 0;
  /** Pages the spares had mapped by the time a growth took them, and pages in all. */
  pagesReady = 0;
  pagesTaken = 0;

  /**
   * One turn: start the spare for a table of `tableBytes` once `count` has passed half of
   * `growAt`, or map a few more of its pages. Returns whether there is more to do.
   */
  turn(tableBytes: number, count: number, growAt: number): boolean {
    if (this.buffer === null || this.buffer.byteLength !== 2 * tableBytes) {
      if (count < growAt / 2) return false;
      this.buffer = new SharedArrayBuffer(2 * tableBytes);
      this.touched = 0;
    }
    const ints = new Int32Array(this.buffer);
    const until = performance.now() + TURN_MS;
    while (this.touched < ints.length && performance.now() < until) {
      const end = Math.min(ints.length, this.touched + 16 * PAGE_INTS);
      for (let at = this.touched; at < end; at += PAGE_INTS) ints[at] = 0;
      this.touched = end;
    }
    return this.touched < ints.length;
  }

  /** The spare for growing a table of `tableBytes` bytes, if one was started (it is handed over). */
  take(tableBytes: number): SharedArrayBuffer | undefined {
    const spare = this.buffer;
    if (spare === null || spare.byteLength !== 2 * tableBytes) return undefined;
    this.pagesReady += this.touched / PAGE_INTS;
    this.pagesTaken += spare.byteLength / (PAGE_INTS * 4);
    this.buffer = null;
    return spare;
  }
}
