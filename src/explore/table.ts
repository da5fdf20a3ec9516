// A hash set of fixed-width Int32 tuples with stable indices in insertion order: the visited set
// and the breadth-first queue in one (open addressing, linear probing, no per-state objects).

export class TupleTable {
  private data: Int32Array;
  private slots: Int32Array;
  private mask: number;
  count = 0;

  constructor(
    readonly width: number,
    initialCapacity = 1 << 16,
  ) {
    this.data = new Int32Array(initialCapacity * width);
    const slotCount = 1 << Math.ceil(Math.log2(initialCapacity * 2));
    this.slots = new Int32Array(slotCount).fill(-1);
    this.mask = slotCount - 1;
  }

  /** Bytes held by the table's arrays. */
  get bytes(): number {
    return this.data.byteLength + this.slots.byteLength;
  }

  private hash(t: ArrayLike<number>, off: number): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < this.width; i++) {
      h ^= t[off + i] ?? 0;
      h = Math.imul(h, 0x01000193);
    }
    h ^= h >>> 15;
    return h >>> 0;
  }

  private equalAt(index: number, t: ArrayLike<number>): boolean {
    const base = index * this.width;
    for (let i = 0; i < this.width; i++) if (this.data[base + i] !== t[i]) return false;
    return true;
  }

  /** The index of tuple t, or -1. */
  find(t: ArrayLike<number>): number {
    let s = this.hash(t, 0) & this.mask;
    for (;;) {
      const idx = this.slots[s] ?? -1;
      if (idx < 0) return -1;
      if (this.equalAt(idx, t)) return idx;
      s = (s + 1) & this.mask;
    }
  }

  /** Adds t if absent. Returns its index when it was added, ~index (negative) when it was there. */
  add(t: Int32Array): number {
    let s = this.hash(t, 0) & this.mask;
    for (;;) {
      const idx = this.slots[s] ?? -1;
      if (idx < 0) break;
      if (this.equalAt(idx, t)) return ~idx;
      s = (s + 1) & this.mask;
    }
    const index = this.count++;
    if ((index + 1) * this.width > this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data.set(t.subarray(0, this.width), index * this.width);
    this.slots[s] = index;
    if (this.count * 2 > this.slots.length) this.rehash();
    return index;
  }

  /** Copies tuple `index` into out. */
  get(index: number, out: Int32Array): Int32Array {
    out.set(this.data.subarray(index * this.width, (index + 1) * this.width));
    return out;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let i = 0; i < this.count; i++) {
      let s = this.hash(this.data, i * this.width) & mask;
      while ((slots[s] ?? -1) >= 0) s = (s + 1) & mask;
      slots[s] = i;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
