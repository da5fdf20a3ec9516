// A hash set of fixed-width Int32 tuples with stable indices in insertion order: the visited set
// and the breadth-first queue in one (open addressing, linear probing, no per-state objects).
//
// Memory (issue 17, "Memory"): each tuple is stored bit-packed. Field k holds the zigzag code of
// its value (0, -1, 1, -2, ... as 0, 1, 2, 3, ...) in bits[k] bits; the fields follow one another
// across 32-bit words, and a tuple takes `stride` whole words. The widths start small and grow
// when a value does not fit (snapshot ids only grow, so this happens a few dozen times in a whole
// exploration): the table is then repacked in place of the old array. A hash slot holds the
// tuple's 32-bit hash and its index + 1 (0: empty), in a non-power-of-two array addressed by
// Lemire's fastrange, so that the load factor stays between 1/2 and 3/4 as it grows by 1.5; the
// tuples' array grows by 1.5 as well. With the hash in the slot a probe reads a tuple only when
// its hash is the one sought (a tuple read is a cache miss of its own on a large table), and
// growing the slots needs no tuple at all. The hash is computed on the tuple's values, never on
// its packing, so a repack leaves the slots as they are.

/** The states of an exploration as the code after the search reads them: `count` states, state
 *  i's tuple (`width` ints) by get(i, out), and `bytes` held by the arrays. */
export interface StateTable {
  readonly width: number;
  readonly count: number;
  /** Bytes held by the table's arrays. */
  readonly bytes: number;
  /** Copies tuple `index` (0 <= index < count) into out (at least `width` long); returns out. */
  get(index: number, out: Int32Array): Int32Array;
  /** The index of tuple t, or -1 when it is not in the table. */
  find(t: ArrayLike<number>): number;
}

/** log2 of the entries of a cache of what a hash set met lately (the tuple table's and the
 *  fingerprint set's), for a set of `slots` hash slots: at most 2^14 entries (16,384: a few hundred
 *  KiB, in the L2 cache beside the search's other hot arrays), at most one per 32 slots (so that
 *  the cache adds a byte or two an element at most: an entry of the tuple table's holds the
 *  tuple, 40 bytes for bench's 8 ints), at least 2^4. */
export function recentBits(slots: number): number {
  return Math.max(4, Math.min(14, Math.floor(Math.log2(slots / 32))));
}

/** Growth factor of the tuples' array and of the hash slots. */
const GROWTH = 1.5;
/** The slots grow when more than this share of them is used. */
const MAX_LOAD = 0.75;

/** The zigzag code of an int32 (as an unsigned 32-bit value in a JS number's int32 bits). */
export const zigzag = (v: number): number => (v << 1) ^ (v >> 31);

/** Bits needed for a zigzag code (at least 1). */
export const bitsFor = (z: number): number => Math.max(1, 32 - Math.clz32(z));

/** `h` (any 32-bit value) scaled to [0, n): Lemire's fastrange, floor(h * n / 2^32). */
export const fastrange = (h: number, n: number): number => Math.floor(((h >>> 0) * n) / 4294967296);

/** A well-mixed 32-bit hash of t's first `width` ints (FNV-1a over the values, then murmur3's
 *  finaliser, so that the high bits fastrange reads are mixed too), from `seed`. */
export function hashTuple(t: ArrayLike<number>, off: number, width: number, seed: number): number {
  let h = seed;
  for (let i = 0; i < width; i++) h = Math.imul(h ^ (t[off + i] ?? 0), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Where each field lives in a packed tuple: its width in bits, its word and shift in the tuple,
 *  its mask; `stride` words a tuple. */
export class Layout {
  readonly word: Int32Array;
  readonly shift: Int32Array;
  readonly mask: Int32Array;
  readonly stride: number;

  constructor(readonly bits: Int32Array) {
    const n = bits.length;
    this.word = new Int32Array(n);
    this.shift = new Int32Array(n);
    this.mask = new Int32Array(n);
    let at = 0;
    for (let k = 0; k < n; k++) {
      const b = bits[k] ?? 32;
      this.word[k] = at >>> 5;
      this.shift[k] = at & 31;
      this.mask[k] = b >= 32 ? -1 : (1 << b) - 1;
      at += b;
    }
    this.stride = Math.max(1, Math.ceil(at / 32));
  }

  /** This layout with field k `need` bits wide (one more when that costs no word, for the ids
   *  still to come). */
  widened(k: number, need: number): Layout {
    const bits = this.bits.slice();
    bits[k] = need;
    const wider = bits.slice();
    wider[k] = Math.min(32, need + 1);
    const roomy = new Layout(wider);
    const tight = new Layout(bits);
    return roomy.stride === tight.stride ? roomy : tight;
  }

  /** Packs t's first `bits.length` ints into out[off .. off + stride). Returns -1 when they fit,
   *  else the first field k whose value needs more bits than bits[k]. */
  pack(t: ArrayLike<number>, out: Int32Array, off: number): number {
    const { bits, word, shift } = this;
    for (let w = 0; w < this.stride; w++) out[off + w] = 0;
    for (let k = 0; k < bits.length; k++) {
      const z = zigzag(t[k] ?? 0);
      const b = bits[k] ?? 32;
      if (b < 32 && z >>> b !== 0) return k;
      const w = off + (word[k] ?? 0);
      const s = shift[k] ?? 0;
      out[w] = (out[w] ?? 0) | (z << s);
      if (s + b > 32) out[w + 1] = (out[w + 1] ?? 0) | (z >>> (32 - s));
    }
    return -1;
  }

  /** Unpacks the tuple at data[off ..] into out[0 .. bits.length). */
  unpack(data: Int32Array, off: number, out: Int32Array): void {
    const { bits, word, shift, mask } = this;
    for (let k = 0; k < bits.length; k++) {
      const w = off + (word[k] ?? 0);
      const s = shift[k] ?? 0;
      let z = (data[w] ?? 0) >>> s;
      if (s + (bits[k] ?? 0) > 32) z |= (data[w + 1] ?? 0) << (32 - s);
      z &= mask[k] ?? -1;
      out[k] = (z >>> 1) ^ -(z & 1);
    }
  }
}

/** A table's tuples as it holds them, for another thread to read (a structured-clone-able
 *  object): `count` tuples packed by a Layout of field widths `bits` (width fields), tuple i at
 *  data[i * stride ..]. */
export interface PackedTuples {
  bits: Int32Array;
  data: Int32Array;
  count: number;
}

/** Reads PackedTuples: tuple i into `out` (at least `width` long) by get(i, out). */
export class PackedReader {
  private readonly layout: Layout;

  constructor(private readonly p: PackedTuples) {
    this.layout = new Layout(p.bits);
  }

  /** Copies tuple i (0 <= i < count) into out; returns out. */
  get(i: number, out: Int32Array): Int32Array {
    this.layout.unpack(this.p.data, i * this.layout.stride, out);
    return out;
  }
}

/** A set of `width`-int tuples with indices 0, 1, 2... in insertion order, packed (see above). */
export class TupleTable implements StateTable {
  private layout: Layout;
  /** Packed tuples: tuple i at data[i * stride ..]. */
  private data: Int32Array;
  /** Per hash slot, two ints: the hash of its tuple and the tuple's index + 1 (0 for an empty
   *  slot). */
  private slots: Int32Array;
  /** The query, packed (stride words). */
  private query: Int32Array;
  /** A direct-mapped cache of tuples met lately, asked before the slots, 2 + width ints each: the
   *  hash, the index + 1 (0: empty) and the tuple as given (unpacked, so that a hit packs
   *  nothing). A breadth-first search meets the same successors from neighbouring states: the
   *  cache answers most asks without packing the tuple and without the two cache misses a probe
   *  costs on a large table (its slot, then its tuple). Emptied when the slots grow. */
  private recent: Int32Array;
  private recentShift = 0;
  private readonly scratch: Int32Array;
  count = 0;

  /** `initialCapacity`: tuples before the first growth (the arrays grow by 1.5 from there). */
  constructor(
    readonly width: number,
    initialCapacity = 1 << 10,
  ) {
    this.layout = new Layout(new Int32Array(width).fill(2));
    const cap = Math.max(4, initialCapacity);
    this.data = new Int32Array(cap * this.layout.stride);
    this.slots = new Int32Array(2 * (Math.ceil(cap / MAX_LOAD) + 1));
    this.query = new Int32Array(this.layout.stride);
    this.scratch = new Int32Array(width);
    this.recent = this.newRecent();
  }

  /** Bytes held by the table's arrays. */
  get bytes(): number {
    return this.data.byteLength + this.slots.byteLength + this.recent.byteLength;
  }

  /** An empty cache for the slots as they are (recentBits; 2 + width ints an entry). */
  private newRecent(): Int32Array {
    const bits = recentBits(this.slots.length / 2);
    this.recentShift = 32 - bits;
    return new Int32Array((2 + this.width) << bits);
  }

  /** Bits a tuple takes in the data array (whole words). */
  get bitsPerTuple(): number {
    return this.layout.stride * 32;
  }

  /** Is the packed query equal to tuple `index`? */
  private equalAt(index: number): boolean {
    const stride = this.layout.stride;
    const base = index * stride;
    const data = this.data;
    const q = this.query;
    for (let w = 0; w < stride; w++) if (data[base + w] !== q[w]) return false;
    return true;
  }

  /** The slot of the packed query (hash h): the one holding it, or the empty one it would go to. */
  private probe(h: number): number {
    const slots = this.slots;
    const n = slots.length >> 1;
    const hash = h | 0;
    let s = fastrange(h, n);
    for (;;) {
      const v = slots[2 * s + 1] ?? 0;
      if (v === 0 || (slots[2 * s] === hash && this.equalAt(v - 1))) return s;
      s = s + 1 === n ? 0 : s + 1;
    }
  }

  /** The index of tuple t, or -1. */
  find(t: ArrayLike<number>): number {
    if (this.layout.pack(t, this.query, 0) >= 0) return -1;
    return (this.slots[2 * this.probe(hashTuple(t, 0, this.width, 0x811c9dc5)) + 1] ?? 0) - 1;
  }

  /** Adds t if absent. Returns its index when it was added, ~index (negative) when it was there. */
  add(t: ArrayLike<number>): number {
    const h = hashTuple(t, 0, this.width, 0x811c9dc5);
    const e = this.entry(h);
    if (this.recentHolds(e, h, t)) return ~((this.recent[e + 1] ?? 0) - 1);
    for (let k = this.layout.pack(t, this.query, 0); k >= 0; k = this.layout.pack(t, this.query, 0))
      this.widen(k, bitsFor(zigzag(t[k] ?? 0)));
    const stride = this.layout.stride;
    let s = this.probe(h);
    const v = this.slots[2 * s + 1] ?? 0;
    if (v !== 0) {
      this.remember(e, h, v, t);
      return ~(v - 1);
    }
    const index = this.count++;
    if ((index + 1) * stride > this.data.length) this.data = grow(this.data, stride, index + 1);
    this.data.set(this.query, index * stride);
    if (this.count > (this.slots.length >> 1) * MAX_LOAD) {
      this.rehash();
      s = this.probe(h);
    }
    this.slots[2 * s] = h | 0;
    this.slots[2 * s + 1] = index + 1;
    this.remember(this.entry(h), h, index + 1, t);
    return index;
  }

  /** The cache entry of hash h (its first int). */
  private entry(h: number): number {
    return (Math.imul(h, 0x9e3779b1) >>> this.recentShift) * (2 + this.width);
  }

  /** Whether cache entry e holds tuple t, of hash h. */
  private recentHolds(e: number, h: number, t: ArrayLike<number>): boolean {
    const recent = this.recent;
    if (recent[e] !== (h | 0) || recent[e + 1] === 0) return false;
    for (let k = 0; k < this.width; k++) if (recent[e + 2 + k] !== t[k]) return false;
    return true;
  }

  /** Puts tuple t, of hash h and index + 1 `v`, in cache entry e. */
  private remember(e: number, h: number, v: number, t: ArrayLike<number>): void {
    const recent = this.recent;
    recent[e] = h | 0;
    recent[e + 1] = v;
    for (let k = 0; k < this.width; k++) recent[e + 2 + k] = t[k] ?? 0;
  }

  /** Copies tuple `index` into out. */
  get(index: number, out: Int32Array): Int32Array {
    this.layout.unpack(this.data, index * this.layout.stride, out);
    return out;
  }

  /** The tuples as the table holds them (views of its arrays, not copies: a table whose data is
   *  moved to another thread is not used again). */
  packed(): PackedTuples {
    return { bits: this.layout.bits, data: this.data.subarray(0, this.count * this.layout.stride), count: this.count };
  }

  /** Field k needs `need` bits: repacks every tuple in a layout where it has them. */
  private widen(k: number, need: number): void {
    const old = this.layout;
    const layout = old.widened(k, need);
    const capacity = Math.max(this.count, Math.floor(this.data.length / old.stride));
    const data = new Int32Array(capacity * layout.stride);
    const t = this.scratch;
    for (let i = 0; i < this.count; i++) {
      old.unpack(this.data, i * old.stride, t);
      layout.pack(t, data, i * layout.stride);
    }
    this.layout = layout;
    this.data = data;
    this.query = new Int32Array(layout.stride);
    // The cache of tuples met lately holds them unpacked, with their indices: it stays true.
  }

  /** Grows the slots by GROWTH and puts every (hash, index) back where its hash says. */
  private rehash(): void {
    const old = this.slots;
    const n = Math.ceil((old.length >> 1) * GROWTH);
    const slots = new Int32Array(2 * n);
    for (let k = 0; k < old.length; k += 2) {
      const v = old[k + 1] ?? 0;
      if (v === 0) continue;
      const h = old[k] ?? 0;
      let s = fastrange(h, n);
      while ((slots[2 * s + 1] ?? 0) !== 0) s = s + 1 === n ? 0 : s + 1;
      slots[2 * s] = h;
      slots[2 * s + 1] = v;
    }
    this.slots = slots;
    this.recent = this.newRecent();
  }
}

/** a grown by GROWTH (or to `need` records of `stride` ints, if more), its contents kept. */
function grow(a: Int32Array, stride: number, need: number): Int32Array {
  const records = Math.max(need, Math.ceil((a.length / stride) * GROWTH));
  const b = new Int32Array(records * stride);
  b.set(a);
  return b;
}
