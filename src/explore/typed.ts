// Typed-array containers for the engine and the explorer: millions of entries without millions of
// objects for the garbage collector to trace.

/** `a` copied into a new array of its kind of at least n elements (grown by half at least). */
export function grown<T extends Uint8Array<ArrayBuffer> | Int32Array<ArrayBuffer>>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(Math.max(n, Math.ceil(a.length * 1.5)));
  b.set(a);
  return b;
}

/** A growable Int32Array. */
export class Int32List {
  data: Int32Array;
  length = 0;
  constructor(private readonly capacity = 1024) {
    this.data = new Int32Array(capacity);
  }
  /** Empties the list, its storage shrunk back to the capacity it was made with. */
  reset(): void {
    this.data = new Int32Array(this.capacity);
    this.length = 0;
  }
  /** Room for `more` ints past `length` (then written through `data` directly, `length` moved by
   *  the writer). Grown by half again: the large lists (the step trie's, liveness's edges) are
   *  most of a big exploration's memory, and doubling leaves them up to half empty. */
  reserve(more: number): void {
    if (this.length + more <= this.data.length) return;
    const grown = new Int32Array(Math.max(this.length + more, Math.ceil(this.data.length * 1.5) + 1));
    grown.set(this.data);
    this.data = grown;
  }
  push(v: number): void {
    if (this.length === this.data.length) this.reserve(1);
    this.data[this.length++] = v;
  }
}

/** A new PairMap's slots (a power of two). */
const PAIR_MAP_SLOTS = 1 << 8;

/** An open-addressing map from a pair of non-negative ints to a non-zero int, on one typed array
 *  (no per-entry objects; a probe reads one cache line), at most three-quarters full: the step
 *  trie's edges, the actor step caches, the step-property cache. Slot s holds key a at 3s (-1:
 *  empty), key b at 3s + 1 and the value at 3s + 2. */
export class PairMap {
  private slots = PairMap.emptySlots();
  private mask = PAIR_MAP_SLOTS - 1;
  size = 0;

  private static emptySlots(): Int32Array {
    return new Int32Array(3 * PAIR_MAP_SLOTS).fill(-1);
  }

  get bytes(): number {
    return this.slots.byteLength;
  }

  /** Empties the map, its storage shrunk back to the initial size. */
  clear(): void {
    this.slots = PairMap.emptySlots();
    this.mask = PAIR_MAP_SLOTS - 1;
    this.size = 0;
  }

  private static slot(a: number, b: number, mask: number): number {
    let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77);
    h ^= h >>> 15;
    return h & mask;
  }

  /** The value stored under (a, b), or 0. */
  get(a: number, b: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let s = PairMap.slot(a, b, mask); ; s = (s + 1) & mask) {
      const k = slots[3 * s] ?? -1;
      if (k < 0) return 0;
      if (k === a && slots[3 * s + 1] === b) return slots[3 * s + 2] ?? 0;
    }
  }

  set(a: number, b: number, value: number): void {
    if ((this.size + 1) * 4 > (this.mask + 1) * 3) this.grow();
    const slots = this.slots;
    const mask = this.mask;
    let s = PairMap.slot(a, b, mask);
    for (let k = slots[3 * s] ?? -1; k >= 0; k = slots[3 * s] ?? -1) {
      if (k === a && slots[3 * s + 1] === b) {
        slots[3 * s + 2] = value;
        return;
      }
      s = (s + 1) & mask;
    }
    slots[3 * s] = a;
    slots[3 * s + 1] = b;
    slots[3 * s + 2] = value;
    this.size++;
  }

  private grow(): void {
    const old = this.slots;
    const n = (this.mask + 1) * 2;
    this.slots = new Int32Array(3 * n).fill(-1);
    this.mask = n - 1;
    this.size = 0;
    for (let s = 0; s < old.length; s += 3) {
      const a = old[s] ?? -1;
      if (a >= 0) this.set(a, old[s + 1] ?? 0, old[s + 2] ?? 0);
    }
  }
}
