// A canonical JSON text: object keys sorted, undefined members dropped, so that two snapshots with
// the same contents get the same key whatever order their contexts were built in.
export function canonicalJson(value: unknown): string {
  return new CanonicalMemo().key(value);
}

/** canonicalJson with a memo per object: snapshots share unchanged parts of their contexts with
 *  the snapshot they came from (XState's assign and immer keep untouched members by reference),
 *  so interning a new snapshot serialises only what changed. Only for values that are never
 *  mutated once made (snapshots and events are not). */
export class CanonicalMemo {
  private readonly memo = new WeakMap<object, string>();

  key(value: unknown): string {
    if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
    const known = this.memo.get(value);
    if (known !== undefined) return known;
    let out: string;
    if (Array.isArray(value)) {
      out = '[';
      for (let i = 0; i < value.length; i++) {
        const v: unknown = value[i];
        out += (i ? ',' : '') + (v === undefined ? 'null' : this.key(v));
      }
      out += ']';
    } else {
      const record = value as Record<string, unknown>;
      out = '{';
      let first = true;
      for (const k of Object.keys(record).sort()) {
        const v = record[k];
        if (v === undefined || typeof v === 'function') continue;
        out += `${first ? '' : ','}${JSON.stringify(k)}:${this.key(v)}`;
        first = false;
      }
      out += '}';
    }
    this.memo.set(value, out);
    return out;
  }
}

/** A composite's first int: an array's members follow, or an object's key-value pairs. */
const ARRAY = -1;
const OBJECT = -2;

/** A hash of the n ints of a from `from`. */
function hashOf(a: Int32Array, from: number, n: number): number {
  let h = n;
  for (let i = from; i < from + n; i++) {
    h = Math.imul(h ^ (a[i] ?? 0), 0x9e3779b1);
    h ^= h >>> 15;
  }
  return h;
}

/** `a` copied into a new array of at least n ints (doubled at least). */
function grown(a: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}

/** Interning by structure (hash-consing): equal ids exactly when canonicalJson gives equal texts,
 *  without building those texts. A leaf's id comes from its value (strings and finite numbers by
 *  a Map each, booleans and null fixed; undefined, functions, NaN and the infinities count as null,
 *  as JSON writes them in arrays); an array's or an object's from the sequence of its members'
 *  ids (an object's as key-id, value-id pairs ordered by key id; undefined and function members
 *  dropped), hash-consed in typed arrays (no text built), memoised per object like CanonicalMemo,
 *  so interning a snapshot that shares most of its context with its predecessor reads only the
 *  members that changed. The engine
 *  interns snapshots and events with it (src/explore/engine.ts). Only for values never mutated once
 *  made. Ids are small non-negative integers, counted up from 0 in the order first seen. */
export class StructuralIds {
  private readonly memo = new WeakMap<object, number>();
  private readonly strings = new Map<string, number>();
  private readonly numbers = new Map<number, number>();
  /** The ids of null (also undefined, functions, NaN and the infinities: JSON's null), false, true. */
  private readonly nullId = 0;
  private readonly falseId = 1;
  private readonly trueId = 2;
  private next = 3;
  /** Composites (arrays and objects) by their members, hash-consed: composite k's id is
   *  compositeId[k], its members' sequence (ARRAY or OBJECT, then an array's element ids, or an
   *  object's key-id, value-id pairs ordered by key id) is seqs[seqStart[k] .. seqStart[k + 1]). */
  private compositeId = new Int32Array(1 << 10);
  /** Per id, the index + 1 of the composite with that id (0 for a leaf's id). */
  private compositeOfId = new Int32Array(1 << 10);
  private seqStart = new Int32Array(1 << 10);
  private seqs = new Int32Array(1 << 14);
  private composites = 0;
  /** Open addressing over the composites: slot → k + 1, 0 when empty. */
  private slots = new Int32Array(1 << 12);
  /** The sequences being built (nested: a composite's members' above its own), up to `top`. */
  private seq = new Int32Array(256);
  private top = 0;

  /** The id of `value`'s canonical JSON. */
  id(value: unknown): number {
    switch (typeof value) {
      case 'string':
        return this.stringId(value);
      case 'number':
        return Number.isFinite(value) ? this.numberId(value) : this.nullId;
      case 'boolean':
        return value ? this.trueId : this.falseId;
      case 'object':
        return value === null ? this.nullId : this.objectId(value);
      default:
        return this.nullId;
    }
  }

  private objectId(value: object): number {
    const known = this.memo.get(value);
    if (known !== undefined) return known;
    // This composite's sequence is built at seq[base ..); its members' own, while their ids are
    // computed, above it (from `top`).
    const base = this.top;
    let n = base + 1;
    if (Array.isArray(value)) {
      this.reserve(base, 1 + value.length);
      this.seq[base] = ARRAY;
      for (let i = 0; i < value.length; i++) {
        const id = this.id(value[i]);
        this.seq[n++] = id;
      }
    } else {
      // Keys by their string's id: a key and a value with the same text share an id, told apart
      // by their place in the pairs. Ordered by key id, since every fixed order of the keys is canonical.
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      this.reserve(base, 1 + 2 * keys.length);
      this.seq[base] = OBJECT;
      for (const k of keys) {
        const v = record[k];
        if (v === undefined || typeof v === 'function') continue;
        const key = this.stringId(k);
        const id = this.id(v);
        n = this.insertPair(base + 1, n, key, id);
      }
    }
    this.top = base;
    const id = this.compositeOf(base, n - base);
    this.memo.set(value, id);
    return id;
  }

  /** The id an object would have with the members of the object whose id is `baseId` but for
   *  `keys`, set to `values` (a key whose value is undefined or a function is dropped, as id()
   *  drops it): the base's member ids are reused and only `values` are read, and no object is
   *  built. -1 when baseId is not an object's. */
  idWithMembers(baseId: number, keys: readonly string[], values: readonly unknown[]): number {
    const k = (this.compositeOfId[baseId] ?? 0) - 1;
    if (k < 0) return -1;
    const from = this.seqStart[k] ?? 0;
    if (this.seqs[from] !== OBJECT) return -1;
    const size = (this.seqStart[k + 1] ?? 0) - from;
    const base = this.top;
    this.reserve(base, size + 2 * keys.length);
    for (let i = 0; i < size; i++) this.seq[base + i] = this.seqs[from + i] ?? 0;
    let n = base + size;
    keys.forEach((key, i) => {
      const id = this.stringId(key);
      n = this.dropPair(base + 1, n, id);
      const v = values[i];
      if (v !== undefined && typeof v !== 'function') n = this.insertPair(base + 1, n, id, this.id(v));
    });
    this.top = base;
    return this.compositeOf(base, n - base);
  }

  /** The id of the value the object whose id is `objectId` holds under the key whose string id is
   *  `keyId` (keyIdOf), read from its members without the object: -1 when it has no such member
   *  (the key is absent, or its value undefined or a function, which id() drops) or `objectId` is
   *  no object's. */
  memberId(objectId: number, keyId: number): number {
    const k = (this.compositeOfId[objectId] ?? 0) - 1;
    if (k < 0) return -1;
    const from = this.seqStart[k] ?? 0;
    const end = this.seqStart[k + 1] ?? 0;
    if (this.seqs[from] !== OBJECT) return -1;
    // The pairs are ordered by key id.
    for (let at = from + 1; at < end; at += 2) {
      const key = this.seqs[at] ?? 0;
      if (key === keyId) return this.seqs[at + 1] ?? -1;
      if (key > keyId) break;
    }
    return -1;
  }

  /** The id of key `name` in an object's members (for memberId). */
  keyIdOf(name: string): number {
    return this.stringId(name);
  }

  /** Notes that object `value` has id `id` (as idWithMembers found it), so that id() need not read it. */
  know(value: object, id: number): void {
    this.memo.set(value, id);
  }

  /** Removes the pair with `key` from the pairs at seq[from .. end), if there; the new end. */
  private dropPair(from: number, end: number, key: number): number {
    const seq = this.seq;
    let at = from;
    while (at < end && seq[at] !== key) at += 2;
    if (at === end) return end;
    seq.copyWithin(at, at + 2, end);
    return end - 2;
  }

  /** Reserves seq[base .. base + n) for a sequence being built: `top` moves past it. */
  private reserve(base: number, n: number): void {
    this.top = base + n;
    if (this.top > this.seq.length) this.seq = grown(this.seq, this.top);
  }

  /** Inserts the pair (key, id) among the pairs at seq[from .. end), ordered by key; the new end. */
  private insertPair(from: number, end: number, key: number, id: number): number {
    const seq = this.seq;
    let at = end;
    while (at > from && (seq[at - 2] ?? 0) > key) {
      seq[at] = seq[at - 2] ?? 0;
      seq[at + 1] = seq[at - 1] ?? 0;
      at -= 2;
    }
    seq[at] = key;
    seq[at + 1] = id;
    return end + 2;
  }

  /** The id of the composite whose sequence is seq[base .. base + n), a new one when it has none
   *  yet. */
  private compositeOf(base: number, n: number): number {
    const h = hashOf(this.seq, base, n);
    let mask = this.slots.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const k = (this.slots[s] ?? 0) - 1;
      if (k < 0) break;
      if (this.sameSequence(k, base, n)) return this.compositeId[k] ?? 0;
    }
    const k = this.store(base, n);
    if (this.composites * 2 > this.slots.length) this.rehash();
    mask = this.slots.length - 1;
    let s = h & mask;
    while ((this.slots[s] ?? 0) !== 0) s = (s + 1) & mask;
    this.slots[s] = k + 1;
    return this.compositeId[k] ?? 0;
  }

  private sameSequence(k: number, base: number, n: number): boolean {
    const from = this.seqStart[k] ?? 0;
    if ((this.seqStart[k + 1] ?? 0) - from !== n) return false;
    for (let i = 0; i < n; i++) if (this.seqs[from + i] !== this.seq[base + i]) return false;
    return true;
  }

  /** Stores seq[base .. base + n) as a new composite (with the next id); its index. */
  private store(base: number, n: number): number {
    const k = this.composites++;
    if (k + 2 > this.compositeId.length) {
      this.compositeId = grown(this.compositeId, k + 2);
      this.seqStart = grown(this.seqStart, k + 2);
    }
    const from = this.seqStart[k] ?? 0;
    if (from + n > this.seqs.length) this.seqs = grown(this.seqs, from + n);
    for (let i = 0; i < n; i++) this.seqs[from + i] = this.seq[base + i] ?? 0;
    this.seqStart[k + 1] = from + n;
    const id = this.next++;
    this.compositeId[k] = id;
    if (id >= this.compositeOfId.length) this.compositeOfId = grown(this.compositeOfId, id + 1);
    this.compositeOfId[id] = k + 1;
    return k;
  }

  /** Doubles the slots and places every composite again. */
  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    const mask = this.slots.length - 1;
    for (let k = 0; k < this.composites; k++) {
      const from = this.seqStart[k] ?? 0;
      let s = hashOf(this.seqs, from, (this.seqStart[k + 1] ?? 0) - from) & mask;
      while ((this.slots[s] ?? 0) !== 0) s = (s + 1) & mask;
      this.slots[s] = k + 1;
    }
  }

  private stringId(s: string): number {
    return this.intern(this.strings, s);
  }

  /** -0 and 0 are one key of a Map, as they are one text in JSON. */
  private numberId(n: number): number {
    return this.intern(this.numbers, n);
  }

  /** `key`'s id in `ids`, a new one (the next free) when it has none yet. */
  private intern<K>(ids: Map<K, number>, key: K): number {
    let id = ids.get(key);
    if (id === undefined) {
      id = this.next++;
      ids.set(key, id);
    }
    return id;
  }
}
