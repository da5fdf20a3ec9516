// A split worker's visited set (src/explore/split-worker.ts): every state's tuple, packed (exact),
// or with hash compaction (`check --split N --hash-compact`) a 64-bit fingerprint of each state
// and the tuples of the states not yet visited, as one thread's hash-compact search keeps them
// (src/explore/search.ts CompactVisited). A worker visits a level in its breadth-first rank order,
// not in the order it found the states, so the waiting tuples are kept by index, not in a queue.
import { FingerprintSet, fingerprint1, fingerprint2 } from './fingerprints';
import { bitsFor, Layout, TupleTable, zigzag } from './table';

/** A worker's states, numbered 0, 1, 2... in the order it found them. */
export interface WorkerStates {
  /** States found. */
  readonly count: number;
  /** Bytes held: the tuples (exact) or the fingerprints and the waiting tuples. */
  readonly bytes: number;
  /** The most bytes the waiting tuples held (hash compaction; 0 when exact). */
  readonly peakLevelBytes: number;
  /** Adds tuple t: its index when new, else ~(the index of the state already there). */
  add(t: Int32Array): number;
  /** The tuple of state i, one of the level being visited or found since, into `out`.
   *  @throws Error (hash compaction) for a state of an earlier level: its tuple is gone. */
  get(i: number, out: Int32Array): Int32Array;
  /** The states before `from` have been visited: their tuples can go. */
  visitedBefore(from: number): void;
  /** Every state's tuple, `width` ints each (exact), or null (hash compaction). */
  tuples(): Int32Array | null;
}

/** Every tuple, packed (src/explore/table.ts). */
export class ExactStates implements WorkerStates {
  private readonly table: TupleTable;
  readonly peakLevelBytes = 0;

  constructor(private readonly width: number) {
    this.table = new TupleTable(width);
  }
  get count(): number {
    return this.table.count;
  }
  get bytes(): number {
    return this.table.bytes;
  }
  add(t: Int32Array): number {
    return this.table.add(t);
  }
  get(i: number, out: Int32Array): Int32Array {
    return this.table.get(i, out);
  }
  visitedBefore(): void {}
  tuples(): Int32Array {
    const count = this.table.count;
    const all = new Int32Array(count * this.width);
    const t = new Int32Array(this.width);
    for (let i = 0; i < count; i++) all.set(this.table.get(i, t), i * this.width);
    return all;
  }
}

/** Records `waiting` holds at the least. */
const MIN_WAITING = 1024;

/** Hash compaction: each state's 64-bit fingerprint with its index (src/explore/fingerprints.ts
 *  FingerprintSet, 12 bytes a state at most 90% full: the index tells a state of the next level
 *  found again, whose parent may change), and the tuples of the states from `first` on (the level
 *  being visited and the next), bit-packed as the visited set and the queue pack them
 *  (src/explore/table.ts Layout), in one array whose room is reused. */
export class CompactStates implements WorkerStates {
  private readonly set = new FingerprintSet(true);
  count = 0;
  peakLevelBytes = 0;
  private layout: Layout;
  private waiting: Int32Array;
  /** The first state whose tuple `waiting` holds, at its start. */
  private first = 0;
  private readonly scratch: Int32Array;

  constructor(private readonly width: number) {
    this.layout = new Layout(new Int32Array(width).fill(2));
    this.waiting = new Int32Array(MIN_WAITING * this.layout.stride);
    this.scratch = new Int32Array(width);
  }
  get bytes(): number {
    return this.set.bytes + this.waiting.byteLength;
  }
  add(t: Int32Array): number {
    const got = this.set.add(fingerprint1(t, this.width), fingerprint2(t, this.width), this.count);
    if (got < 0) return got;
    const r = this.count - this.first;
    if ((r + 1) * this.layout.stride > this.waiting.length) this.moveTo(this.layout, Math.ceil((r + 1) * 1.5));
    for (let k = this.layout.pack(t, this.waiting, r * this.layout.stride); k >= 0;) {
      this.moveTo(this.layout.widened(k, bitsFor(zigzag(t[k] ?? 0))), this.waiting.length / this.layout.stride);
      k = this.layout.pack(t, this.waiting, r * this.layout.stride);
    }
    return this.count++;
  }
  get(i: number, out: Int32Array): Int32Array {
    if (i < this.first || i >= this.count) throw new Error(`split: state ${i} is not waiting (${this.first} on are)`);
    this.layout.unpack(this.waiting, (i - this.first) * this.layout.stride, out);
    return out;
  }
  visitedBefore(from: number): void {
    if (from <= this.first) return;
    const stride = this.layout.stride;
    const live = this.count - from;
    this.waiting.copyWithin(0, (from - this.first) * stride, (this.count - this.first) * stride);
    this.first = from;
    // A level much narrower than the widest gives its room back.
    const records = this.waiting.length / stride;
    if (live * 4 < records && records > MIN_WAITING) this.moveTo(this.layout, Math.max(MIN_WAITING, live * 2));
  }
  /** The waiting tuples (at the front) into an array of `records` records in `layout`. */
  private moveTo(layout: Layout, records: number): void {
    const old = this.layout;
    const live = this.count - this.first;
    const data = new Int32Array(records * layout.stride);
    if (layout === old) data.set(this.waiting.subarray(0, live * old.stride));
    else
      for (let r = 0; r < live; r++) {
        old.unpack(this.waiting, r * old.stride, this.scratch);
        layout.pack(this.scratch, data, r * layout.stride);
      }
    this.waiting = data;
    this.layout = layout;
    this.peakLevelBytes = Math.max(this.peakLevelBytes, data.byteLength);
  }
  tuples(): null {
    return null;
  }
}
