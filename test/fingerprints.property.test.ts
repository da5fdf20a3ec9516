// The fingerprint set of hash compaction (src/explore/fingerprints.ts) against a Map: whatever
// order fingerprints come in, repeats near and far (its cache of fingerprints met lately answers
// the near ones, the slots the rest, through growths), it adds each once and gives back the index
// it was added with.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FingerprintSet } from '../src/explore/fingerprints';

/** A few hundred distinct fingerprints, many sharing a half (from a few small values). */
const half = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.integer());
const pool = fc.uniqueArray(fc.tuple(half, half), {
  minLength: 1,
  maxLength: 600,
  selector: ([a, b]) => `${a},${b}`,
});

describe('FingerprintSet', () => {
  it('adds each fingerprint once and answers a repeat with the index it was added with', () => {
    fc.assert(
      fc.property(
        pool,
        fc.array(fc.nat(), { minLength: 1, maxLength: 3000 }),
        fc.boolean(),
        (fps, picks, withIndex) => {
          // (0, 0) is stored as (0, 1).
          const all = [[0, 0], [0, 1], ...fps] as [number, number][];
          const set = new FingerprintSet(withIndex, 4);
          const seen = new Map<string, number>();
          for (const p of picks) {
            const [h1, h2] = all[p % all.length] ?? [0, 0];
            const key = h1 === 0 && (h2 === 0 || h2 === 1) ? '0,1' : `${h1},${h2}`;
            const got = set.add(h1, h2, seen.size);
            const known = seen.get(key);
            if (known === undefined) {
              expect(got).toBe(seen.size);
              seen.set(key, seen.size);
            } else expect(got).toBe(withIndex ? ~known : ~0);
          }
          expect(set.count).toBe(seen.size);
        },
      ),
      { numRuns: 200 },
    );
  });
});
