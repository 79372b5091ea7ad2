/**
 * The breadth-first frontier: a FIFO queue of (state key, state id), stored as bytes in
 * large `Buffer` chunks outside the JavaScript heap, as TLC keeps its state queue on disk.
 *
 * At the widest level of a breadth-first search most of the states found so far wait in
 * the frontier. As JavaScript strings they fill the heap (the default limit is ~4 GB) and
 * every garbage collection traces them; as bytes in chunks they cost their length plus 6
 * bytes, the collector never looks at them, and a chunk is freed once it has been read.
 *
 * Record: int32 id, uint16 byte length, the key in UTF-8 (state keys are ASCII but for
 * client values outside the configured ones).
 */
export class KeyQueue {
  private readonly chunks: (Buffer | null)[] = [];
  /** Bytes used in each chunk that is no longer written to. */
  private readonly used: number[] = [];
  private writeChunk = -1;
  private writeAt = 0;
  private readChunk = 0;
  private readAt = 0;
  private count = 0;
  private liveBytes = 0;
  /** The id of the key returned by the last `shift`. */
  shiftedId = -1;

  constructor(private readonly chunkBytes = 1 << 23) {}

  get length(): number {
    return this.count;
  }

  /** Bytes held by the chunks not yet read to the end. */
  get bytes(): number {
    return this.liveBytes;
  }

  push(key: string, id: number): void {
    const need = key.length * 3 + 6;
    let buffer = this.writeChunk >= 0 ? this.chunks[this.writeChunk] : null;
    if (buffer === null || this.writeAt + need > buffer.length) {
      if (this.writeChunk >= 0) this.used[this.writeChunk] = this.writeAt;
      buffer = Buffer.allocUnsafe(Math.max(this.chunkBytes, need));
      this.chunks.push(buffer);
      this.used.push(0);
      this.liveBytes += buffer.length;
      this.writeChunk = this.chunks.length - 1;
      this.writeAt = 0;
    }
    const written = buffer.write(key, this.writeAt + 6, 'utf8');
    if (written > 0xffff) throw new Error(`state key too long for the frontier (${written} bytes)`);
    buffer.writeInt32LE(id, this.writeAt);
    buffer.writeUInt16LE(written, this.writeAt + 4);
    this.writeAt += 6 + written;
    this.count++;
  }

  /** The oldest key (its id in `shiftedId`), or undefined when the queue is empty. */
  shift(): string | undefined {
    if (this.count === 0) return undefined;
    let end = this.readChunk === this.writeChunk ? this.writeAt : this.used[this.readChunk];
    while (this.readAt >= end) {
      // This chunk is read: free it.
      this.liveBytes -= (this.chunks[this.readChunk] as Buffer).length;
      this.chunks[this.readChunk] = null;
      this.readChunk++;
      this.readAt = 0;
      end = this.readChunk === this.writeChunk ? this.writeAt : this.used[this.readChunk];
    }
    const buffer = this.chunks[this.readChunk] as Buffer;
    this.shiftedId = buffer.readInt32LE(this.readAt);
    const length = buffer.readUInt16LE(this.readAt + 4);
    const start = this.readAt + 6;
    this.readAt = start + length;
    this.count--;
    return buffer.toString('utf8', start, start + length);
  }
}
