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

/** Interning by structure (hash-consing): equal ids exactly when canonicalJson gives equal texts,
 *  without building those texts. A leaf's id comes from its value (strings and finite numbers by
 *  a Map each, booleans and null fixed; undefined, functions, NaN and the infinities count as null,
 *  as JSON writes them in arrays); an array's
 *  or an object's from a short key of its members' ids (objects by sorted key, undefined and
 *  function members dropped), memoised per object like CanonicalMemo, so interning a snapshot that
 *  shares most of its context with its predecessor reads only the members that changed. The engine
 *  interns snapshots and events with it (src/explore/engine.ts). Only for values never mutated once
 *  made. Ids are small non-negative integers, counted up from 0 in the order first seen. */
export class StructuralIds {
  private readonly memo = new WeakMap<object, number>();
  private readonly strings = new Map<string, number>();
  private readonly numbers = new Map<number, number>();
  private readonly composites = new Map<string, number>();
  /** The ids of null (also undefined, functions, NaN and the infinities: JSON's null), false, true. */
  private readonly nullId = 0;
  private readonly falseId = 1;
  private readonly trueId = 2;
  private next = 3;

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
    let key: string;
    if (Array.isArray(value)) {
      key = '[';
      for (let i = 0; i < value.length; i++) key += `${this.id(value[i])},`;
    } else {
      // Keys by their string's id: a key and a value with the same text share an id, told apart
      // by their place (key:value,).
      const record = value as Record<string, unknown>;
      key = '{';
      for (const k of Object.keys(record).sort()) {
        const v = record[k];
        if (v === undefined || typeof v === 'function') continue;
        key += `${this.stringId(k)}:${this.id(v)},`;
      }
    }
    const id = this.intern(this.composites, key);
    this.memo.set(value, id);
    return id;
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
