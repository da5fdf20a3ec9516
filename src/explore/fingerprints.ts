// Hash compaction (issue 17, "Memory"; `check --hash-compact`): the visited set keeps a 64-bit
// fingerprint of each state instead of its tuple, as SPIN's hash-compact mode and TLC's
// fingerprint set do. Two states with the same fingerprint count as one, so a state can be missed
// (with everything only it leads to); missProbability() bounds the chance of that. The tuples of
// the states not yet expanded wait in a TupleQueue, freed as the breadth-first search goes.
import { bitsFor, fastrange, hashTuple, Layout, recentBits, zigzag } from './table';

/** Bits in a fingerprint: two independent 32-bit hashes of the tuple. */
export const FINGERPRINT_BITS = 64;

/** Seeds of the two hashes (FNV's offset basis, and another odd constant). */
const SEED_1 = 0x811c9dc5;
const SEED_2 = 0x5bd1e995;

/** The slots grow when more than this share of them is used. Linear probing over two ints a slot
 *  stays a scan of contiguous memory at this load: about 6 slots to find a state already there,
 *  about 50 (400 B) to learn that a state is new (Knuth's (1 + 1/(1 - a)) / 2 and
 *  (1 + 1/(1 - a)^2) / 2). At 0.95 (200 slots to learn a state is new) the first 2M states of
 *  configs/large.json took 8% longer. */
const MAX_LOAD = 0.9;
/** Growth factor of the slots: the load stays between MAX_LOAD / GROWTH and MAX_LOAD (8.9 to 9.8
 *  bytes a fingerprint), and each fingerprint is moved about 1 / (GROWTH - 1) = 10 times in all. */
const GROWTH = 1.1;

/**
 * The probability that a search which stored `states` distinct fingerprints of `bits` bits missed
 * a state: at most the chance that two of them collide, the birthday bound
 * n(n - 1) / 2 / 2^b (about n^2 / 2^(b+1)), as in Holzmann's analysis of hash compaction
 * ("An analysis of bitstate hashing", 1998; SPIN's -DHC) and TLC's fingerprint-collision estimate.
 * A state is missed only when its fingerprint equals that of a state already stored, so no
 * collision among the stored ones means none missed. For 100 million states and 64 bits: 2.7e-4.
 */
export function missProbability(states: number, bits = FINGERPRINT_BITS): number {
  return Math.min(1, (states * (states - 1)) / 2 / 2 ** bits);
}

/** A set of 64-bit fingerprints, (h1, h2) in the slots themselves (no per-state tuple), optionally
 *  with an index for each (when the successor links are kept). Open addressing, linear probing,
 *  slots addressed by fastrange(h1); (0, 0) marks an empty slot, so the fingerprint (0, 0) is
 *  stored as (0, 1). */
export class FingerprintSet {
  private slots: Int32Array;
  private readonly stride: number;
  /** A direct-mapped cache of fingerprints met lately, three ints each (h1, h2 as stored, index),
   *  asked before the slots: a breadth-first search meets the same successors from neighbouring
   *  states, and over the first million states of configs/large.json a cache of 16,384 answers
   *  66% of the 7.3 million asks, each of which would otherwise be a cache miss into the slots. */
  private recent: Int32Array;
  /** 32 - log2 of recent's entries. */
  private recentShift = 0;
  count = 0;

  /** `withIndex`: keep each fingerprint's index (three ints a slot instead of two). */
  constructor(
    readonly withIndex: boolean,
    initialCapacity = 1 << 10,
  ) {
    this.stride = withIndex ? 3 : 2;
    this.slots = new Int32Array((Math.ceil(initialCapacity / MAX_LOAD) + 1) * this.stride);
    this.recent = this.newRecent();
  }

  /** Bytes held by the slots and the cache. */
  get bytes(): number {
    return this.slots.byteLength + this.recent.byteLength;
  }

  /** An empty cache for the slots as they are (recentBits: 12 bytes an entry, at most 0.4 bytes a
   *  fingerprint). */
  private newRecent(): Int32Array {
    const bits = recentBits(this.slots.length / this.stride);
    this.recentShift = 32 - bits;
    return new Int32Array(3 << bits);
  }

  /** Adds the fingerprint (h1, h2) of state `index` if absent. Returns `index` when it was added,
   *  else ~(the index stored with it), or ~0 when no indices are kept. */
  add(h1: number, h2: number, index: number): number {
    const lo = (h1 | h2) === 0 ? 1 : h2;
    const recent = this.recent;
    const r = (Math.imul(h1 ^ lo, 0x9e3779b1) >>> this.recentShift) * 3;
    if (recent[r] === h1 && recent[r + 1] === lo) return ~(recent[r + 2] ?? 0);
    recent[r] = h1;
    recent[r + 1] = lo;
    const slots = this.slots;
    const stride = this.stride;
    const n = slots.length / stride;
    let s = fastrange(h1, n) * stride;
    const end = n * stride;
    for (;;) {
      const a = slots[s] ?? 0;
      const b = slots[s + 1] ?? 0;
      if ((a | b) === 0) break;
      if (a === h1 && b === lo) {
        const known = stride === 3 ? (slots[s + 2] ?? 0) : 0;
        recent[r + 2] = known;
        return ~known;
      }
      s += stride;
      if (s === end) s = 0;
    }
    slots[s] = h1;
    slots[s + 1] = lo;
    if (stride === 3) slots[s + 2] = index;
    recent[r + 2] = stride === 3 ? index : 0;
    if (++this.count > n * MAX_LOAD) this.grow();
    return index;
  }

  private grow(): void {
    const old = this.slots;
    const stride = this.stride;
    const n = Math.ceil((old.length / stride) * GROWTH);
    const slots = new Int32Array(n * stride);
    const end = n * stride;
    for (let k = 0; k < old.length; k += stride) {
      const a = old[k] ?? 0;
      const b = old[k + 1] ?? 0;
      if ((a | b) === 0) continue;
      let s = fastrange(a, n) * stride;
      while (((slots[s] ?? 0) | (slots[s + 1] ?? 0)) !== 0) {
        s += stride;
        if (s === end) s = 0;
      }
      slots[s] = a;
      slots[s + 1] = b;
      if (stride === 3) slots[s + 2] = old[k + 2] ?? 0;
    }
    this.slots = slots;
    this.recent = this.newRecent();
  }
}

/** The first of the two hashes of t's first `width` ints. */
export const fingerprint1 = (t: ArrayLike<number>, width: number): number => hashTuple(t, 0, width, SEED_1) | 0;
/** The second, independent of the first (another seed, and the ints in reverse order). */
export function fingerprint2(t: ArrayLike<number>, width: number): number {
  let h = SEED_2;
  for (let i = width - 1; i >= 0; i--) h = Math.imul(h ^ (t[i] ?? 0), 0x27d4eb2d) ^ (h >>> 15);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h | 0;
}

/** A first-in first-out queue of `width`-int tuples, bit-packed as the visited set packs them
 *  (src/explore/table.ts Layout): the states found and not yet expanded (the rest of the current
 *  breadth-first level and the next). Its array grows by 1.125 and the expanded tuples' room is
 *  reused (or given back), so it holds about the widest level's tuples, not the whole space. */
export class TupleQueue {
  private layout: Layout;
  private data: Int32Array;
  /** The oldest tuple and the end, in records (tuples). */
  private head = 0;
  private tail = 0;
  private readonly scratch: Int32Array;

  constructor(
    readonly width: number,
    private readonly minRecords = 1 << 10,
  ) {
    this.layout = new Layout(new Int32Array(width).fill(2));
    this.data = new Int32Array(minRecords * this.layout.stride);
    this.scratch = new Int32Array(width);
  }

  /** Tuples in the queue. */
  get length(): number {
    return this.tail - this.head;
  }

  /** Bytes held by its array. */
  get bytes(): number {
    return this.data.byteLength;
  }

  push(t: ArrayLike<number>): void {
    if ((this.tail + 1) * this.layout.stride > this.data.length) this.moveTo(this.layout);
    for (let k = this.layout.pack(t, this.data, this.tail * this.layout.stride); k >= 0;) {
      this.moveTo(this.layout.widened(k, bitsFor(zigzag(t[k] ?? 0))));
      k = this.layout.pack(t, this.data, this.tail * this.layout.stride);
    }
    this.tail++;
  }

  /** Moves the oldest tuple into out. @throws Error when the queue is empty. */
  shift(out: Int32Array): Int32Array {
    if (this.head >= this.tail) throw new Error('the queue of states to expand is empty');
    this.layout.unpack(this.data, this.head * this.layout.stride, out);
    this.head++;
    if (this.head === this.tail) this.head = this.tail = 0;
    return out;
  }

  /** Moves the waiting tuples to the front of an array in `layout`, with room for one more: 1.125
   *  times larger when they fill more than half of it, smaller when they fill less than a quarter
   *  of it (a level narrower than the widest gives its room back), else the same array. */
  private moveTo(layout: Layout): void {
    const live = this.tail - this.head;
    const old = this.layout;
    const records = this.data.length / old.stride;
    const size =
      live * 2 > records
        ? Math.ceil(records * 1.125) + 1
        : live * 4 < records && records > this.minRecords
          ? Math.max(this.minRecords, live * 2)
          : records;
    if (layout === old && size === records) {
      this.data.copyWithin(0, this.head * old.stride, this.tail * old.stride);
    } else if (layout === old) {
      // The same packing: the words as they are.
      const data = new Int32Array(size * layout.stride);
      data.set(this.data.subarray(this.head * old.stride, this.tail * old.stride));
      this.data = data;
    } else {
      const data = new Int32Array(size * layout.stride);
      const t = this.scratch;
      for (let r = 0; r < live; r++) {
        old.unpack(this.data, (this.head + r) * old.stride, t);
        layout.pack(t, data, r * layout.stride);
      }
      this.data = data;
      this.layout = layout;
    }
    this.head = 0;
    this.tail = live;
  }
}
