// A split worker's visited set (src/explore/split-worker.ts): every state's tuple, packed (exact),
// or with hash compaction (`check --split N --hash-compact`) a 64-bit fingerprint of each state
// and the tuples of the states not yet visited (one thread's hash-compact search keeps those in a
// queue: src/explore/search.ts CompactVisited). A worker visits a level in its breadth-first rank
// order, not in the order it found the states, so the waiting tuples are kept by index.
import { FingerprintSet, fingerprint1, fingerprint2 } from './fingerprints';
import { ExactVisited } from './search';
import { TupleTable, type PackedTuples } from './table';

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
  /** Every state's tuple, as the table holds them (exact), or null (hash compaction). */
  tuples(): PackedTuples | null;
}

/** Every tuple, packed (src/explore/table.ts), as one thread's exact search keeps them. */
export class ExactStates extends ExactVisited implements WorkerStates {
  readonly peakLevelBytes = 0;

  constructor(width: number) {
    super(new TupleTable(width));
  }
  get(i: number, out: Int32Array): Int32Array {
    return this.next(i, out);
  }
  visitedBefore(): void {}
  tuples(): PackedTuples {
    return this.table.packed();
  }
}

/** Records `waiting` holds at the least. */
const MIN_WAITING = 1024;

/** Hash compaction: each state's 64-bit fingerprint with its index (src/explore/fingerprints.ts
 *  FingerprintSet, 12 bytes a state at most 90% full: the index tells a state of the next level
 *  found again, whose parent may change), and the tuples of the states from `first` on (the level
 *  being visited and the next), `width` ints each, in one array whose room is reused. Unpacked:
 *  bit-packed as the queue packs them (src/explore/table.ts Layout), the whole of
 *  configs/large.json over 2 workers took 202 s and 204 s (326 s and 331 s of CPU) against 153 s
 *  to 181 s (250 s to 271 s), and its peak RSS did not fall (2026-12-03). */
export class CompactStates implements WorkerStates {
  private readonly set = new FingerprintSet(true);
  count = 0;
  peakLevelBytes = 0;
  private waiting: Int32Array;
  /** The first state whose tuple `waiting` holds, at its start. */
  private first = 0;

  constructor(private readonly width: number) {
    this.waiting = new Int32Array(MIN_WAITING * width);
    this.peakLevelBytes = this.waiting.byteLength;
  }
  get bytes(): number {
    return this.set.bytes + this.waiting.byteLength;
  }
  add(t: Int32Array): number {
    const w = this.width;
    const got = this.set.add(fingerprint1(t, w), fingerprint2(t, w), this.count);
    if (got < 0) return got;
    const at = (this.count - this.first) * w;
    if (at + w > this.waiting.length) this.resize(Math.ceil(((at + w) / w) * 1.5));
    for (let k = 0; k < w; k++) this.waiting[at + k] = t[k] ?? 0;
    return this.count++;
  }
  get(i: number, out: Int32Array): Int32Array {
    if (i < this.first || i >= this.count) throw new Error(`split: state ${i} is not waiting (${this.first} on are)`);
    const at = (i - this.first) * this.width;
    for (let k = 0; k < this.width; k++) out[k] = this.waiting[at + k] ?? 0;
    return out;
  }
  visitedBefore(from: number): void {
    if (from <= this.first) return;
    const w = this.width;
    const live = this.count - from;
    this.waiting.copyWithin(0, (from - this.first) * w, (this.count - this.first) * w);
    this.first = from;
    // A level much narrower than the widest gives its room back.
    const records = this.waiting.length / w;
    if (live * 4 < records && records > MIN_WAITING) this.resize(Math.max(MIN_WAITING, live * 2));
  }
  /** The waiting tuples (at the front) into an array of `records` records. */
  private resize(records: number): void {
    const data = new Int32Array(records * this.width);
    data.set(this.waiting.subarray(0, (this.count - this.first) * this.width));
    this.waiting = data;
    this.peakLevelBytes = Math.max(this.peakLevelBytes, data.byteLength);
  }
  tuples(): null {
    return null;
  }
}
