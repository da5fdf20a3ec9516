// The visited set's packed tuple table (src/explore/table.ts) against the obvious model, a Map
// from each tuple's text to its index: random tuples, from small ids to the whole int32 range, so
// that the fields widen and the table repacks many times and its slots grow.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FingerprintSet, TupleQueue } from '../src/explore/fingerprints';
import { hashTuple, PackedReader, TupleTable } from '../src/explore/table';

/** Ids as an exploration makes them (small, growing) and, sometimes, any int32. */
const value = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 40 }) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 5000 }) },
  { weight: 1, arbitrary: fc.integer({ min: -2147483648, max: 2147483647 }) },
);

describe('TupleTable', () => {
  it('add, get and find agree with a Map of tuple strings through repacks and growth, and so do its tuples handed to another thread packed', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 12 })
          .chain((width) =>
            fc.tuple(
              fc.constant(width),
              fc.array(fc.array(value, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 3000 }),
            ),
          ),
        ([width, tuples]) => {
          const table = new TupleTable(width, 4);
          const model = new Map<string, number>();
          for (const t of tuples) {
            const key = t.join(',');
            const known = model.get(key);
            const got = table.add(Int32Array.from(t));
            if (known === undefined) {
              expect(got).toBe(model.size);
              model.set(key, got);
            } else {
              expect(got).toBe(~known);
            }
            expect(table.count).toBe(model.size);
          }
          const out = new Int32Array(width);
          // As a split worker hands its tuples to the coordinating thread (a structured clone).
          const packed = structuredClone(table.packed());
          expect(packed.count).toBe(model.size);
          const reader = new PackedReader(packed);
          for (const [key, index] of model) {
            expect([...table.get(index, out)].join(',')).toBe(key);
            expect(table.find(key.split(',').map(Number))).toBe(index);
            expect([...reader.get(index, out)].join(',')).toBe(key);
          }
          // Tuples never added are not found, whatever their values.
          for (const t of tuples.slice(0, 50)) {
            const other = t.map((v, k) => (k === 0 ? (v === 2147483647 ? v - 1 : v + 1) : v));
            expect(table.find(other)).toBe(model.get(other.join(',')) ?? -1);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('two tuples of one 32-bit hash are two tuples, in the slots and in the cache of tuples met lately', () => {
    // A collision of the table's hash, found by searching (i, i >> 3) for i from 0 (about 1 s).
    const a = [513074, 513074 >> 3];
    const b = [1061579, 1061579 >> 3];
    expect(hashTuple(a, 0, 2, 0x811c9dc5)).toBe(hashTuple(b, 0, 2, 0x811c9dc5));
    const table = new TupleTable(2, 4);
    expect(table.add(Int32Array.from(a))).toBe(0);
    expect(table.add(Int32Array.from(b))).toBe(1);
    expect(table.add(Int32Array.from(a))).toBe(~0);
    expect(table.add(Int32Array.from(b))).toBe(~1);
    expect(table.find(b)).toBe(1);
  });

  it('grows past several repacks: ids counting up to 100,000 in every field', () => {
    const width = 8;
    const table = new TupleTable(width, 4);
    const t = new Int32Array(width);
    const out = new Int32Array(width);
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < width; k++) t[k] = (i * (k + 1)) % (n + k);
      expect(table.add(t)).toBe(i);
    }
    for (let i = 0; i < n; i += 997) {
      for (let k = 0; k < width; k++) t[k] = (i * (k + 1)) % (n + k);
      expect(table.get(i, out)).toEqual(t);
      expect(table.find(t)).toBe(i);
      expect(table.add(t)).toBe(~i);
    }
    // 8 fields of up to 18 bits take 5 words, not the 8 of an Int32Array.
    expect(table.bitsPerTuple).toBeLessThanOrEqual(160);
  });
});

describe('the hash-compact structures', () => {
  it('TupleQueue gives back what was pushed, first in first out, through repacks, growth and shrinking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.array(value, { minLength: 3, maxLength: 3 }), fc.constant(null)), { maxLength: 4000 }),
        (ops) => {
          const q = new TupleQueue(3, 2);
          const model: number[][] = [];
          const out = new Int32Array(3);
          for (const op of ops) {
            if (op !== null) {
              q.push(op);
              model.push(op);
            } else if (model.length) {
              expect([...q.shift(out)]).toEqual(model.shift());
            }
            expect(q.length).toBe(model.length);
          }
          while (model.length) expect([...q.shift(out)]).toEqual(model.shift());
          expect(() => q.shift(out)).toThrow(/empty/);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('FingerprintSet adds each fingerprint once and gives back its index (~0 without indices), through growth and its cache of fingerprints met lately', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(value, value), { maxLength: 3000 }), fc.boolean(), (pairs, withIndex) => {
        const set = new FingerprintSet(withIndex, 4);
        const model = new Map<string, number>();
        for (const [a, b] of pairs) {
          const key = `${a},${b === 0 && a === 0 ? 1 : b}`;
          const known = model.get(key);
          const got = set.add(a, b, model.size);
          if (known === undefined) {
            expect(got).toBe(model.size);
            model.set(key, got);
          } else expect(got).toBe(withIndex ? ~known : ~0);
        }
        expect(set.count).toBe(model.size);
      }),
      { numRuns: 60 },
    );
  });

  it('FingerprintSet finds every fingerprint again after growing many times, hashes spread or clustered', () => {
    // Spread: h1 over the whole int32 range (each growth places runs of slots one after another);
    // clustered: h1 from a few values (long clusters, wrapped past the end of the slots).
    const h1 = fc.oneof(fc.integer({ min: -2147483648, max: 2147483647 }), fc.integer({ min: -3, max: 3 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(h1, fc.integer()), { maxLength: 20000 }), fc.boolean(), (pairs, withIndex) => {
        const set = new FingerprintSet(withIndex, 4);
        const model = new Map<string, number>();
        for (const [a, b] of pairs) {
          const key = `${a},${b === 0 && a === 0 ? 1 : b}`;
          if (!model.has(key)) model.set(key, model.size);
          set.add(a, b, model.get(key) ?? -1);
        }
        expect(set.count).toBe(model.size);
        for (const [a, b] of pairs) {
          const index = model.get(`${a},${b === 0 && a === 0 ? 1 : b}`) ?? -1;
          expect(set.add(a, b, -5)).toBe(withIndex ? ~index : ~0);
        }
      }),
      { numRuns: 40 },
    );
  });
});
