// What a split worker (src/explore/split-worker.ts) already sent to one peer. Most successors a
// worker finds for a peer are states the peer holds already: on bench's part 4 space, 96% of the
// records a worker took in were (1.3M records, 55k new states). A direct-mapped cache of the tuples
// sent lately lets the sender drop most of them before they are written, sent and translated;
// the first record of each tuple still goes, in the same order, so the peer numbers its states and
// links their parents as before.
import { hashTuple } from './table';

/** The value lookup() gives for a tuple the cache does not hold. */
export const NOT_SENT = -0x80000000;

/** A direct-mapped cache of tuples sent to one peer, 2^bits entries of 2 + width ints: the tuple's
 *  hash, a value (a global id the peer gave it, or ~k: record k of the level under way, or 0 when
 *  the ids are not kept) and the tuple. An entry is overwritten by the next tuple of its hash. */
export class SentTuples {
  private readonly entries: Int32Array;
  private readonly shift: number;
  private readonly stride: number;
  /** The entry lookup() last looked in, and the hash it computed. */
  private lastEntry = 0;
  private lastHash = 0;

  constructor(
    readonly width: number,
    bits: number,
  ) {
    this.stride = 2 + width;
    this.shift = 32 - bits;
    this.entries = new Int32Array(this.stride << bits);
    for (let e = 1; e < this.entries.length; e += this.stride) this.entries[e] = NOT_SENT;
  }

  get bytes(): number {
    return this.entries.byteLength;
  }

  /** The value kept with tuple t (its first `width` ints), or NOT_SENT. Leaves t's entry for
   *  remember(). */
  lookup(t: Int32Array): number {
    const h = hashTuple(t, 0, this.width, 0x2545f491) | 0;
    const e = (Math.imul(h, 0x9e3779b1) >>> this.shift) * this.stride;
    this.lastEntry = e;
    this.lastHash = h;
    const entries = this.entries;
    if (entries[e] !== h) return NOT_SENT;
    for (let k = 0; k < this.width; k++) if (entries[e + 2 + k] !== t[k]) return NOT_SENT;
    return entries[e + 1] ?? NOT_SENT;
  }

  /** Keeps tuple t, the one lookup() was last asked about, with `value`; returns its entry (for
   *  settle()). */
  remember(t: Int32Array, value: number): number {
    const e = this.lastEntry;
    const entries = this.entries;
    entries[e] = this.lastHash;
    entries[e + 1] = value;
    for (let k = 0; k < this.width; k++) entries[e + 2 + k] = t[k] ?? 0;
    return e;
  }

  /** Entry e's value becomes `value` if it is still `was` (the entry may hold another tuple by
   *  now). */
  settle(e: number, was: number, value: number): void {
    if (this.entries[e + 1] === was) this.entries[e + 1] = value;
  }
}
