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
