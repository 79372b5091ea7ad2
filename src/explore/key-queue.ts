/**
 * The breadth-first frontier: a FIFO queue of (state key, state id), stored as bytes in
 * large `Buffer` chunks outside the JavaScript heap, as TLC keeps its state queue on disk.
 *
 * At the widest level of a breadth-first search most of the states found so far wait in
 * the frontier. As JavaScript strings they fill the heap (the default limit is ~4 GB) and
 * every garbage collection traces them; as bytes in chunks they cost their length plus 6
 * bytes, the collector never looks at them, and a chunk is freed once it has been read.
 *
 * Record: int32 id, uint16 header, the key in UTF-8. State keys are ASCII but for client
 * values outside the configured ones; an ASCII key is read back as Latin-1, a plain copy
 * and faster than UTF-8 decoding. The header is the byte length, its top bit set when the
 * key is not ASCII.
 */
const UTF8 = 0x8000;
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
    const start = this.writeAt + 6;
    const written = buffer.write(key, start, 'utf8');
    // As many bytes as characters: all ASCII, and read back as Latin-1 (a plain copy).
    const header = written === key.length ? written : written | UTF8;
    if (written >= UTF8) throw new Error(`state key too long for the frontier (${written} bytes)`);
    buffer.writeInt32LE(id, this.writeAt);
    buffer.writeUInt16LE(header, this.writeAt + 4);
    this.writeAt = start + written;
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
    const header = buffer.readUInt16LE(this.readAt + 4);
    const length = header & ~UTF8;
    const start = this.readAt + 6;
    this.readAt = start + length;
    this.count--;
    return buffer.toString(header & UTF8 ? 'utf8' : 'latin1', start, start + length);
  }
}
