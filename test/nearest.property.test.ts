// The detours of the test paths (src/explore/paths.ts NearestSearch): the distances it keeps up to
// date as targets run out, as the cover walks use it while edges get covered, give exactly the path
// a fresh breadth-first search finds (the generated suite and the regression spec depend on it: same
// paths, same files).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NearestSearch, pathToNearest } from '../src/explore/paths';

/** A fresh breadth-first search, written plainly: the reference. */
function reference(succ: readonly number[], A: number, left: readonly number[], s: number): number[] | null {
  const prev = new Map<number, [number, number]>([[s, [s, -1]]]);
  const queue = [s];
  for (let h = 0; h < queue.length; h++) {
    const u = queue[h] ?? 0;
    if ((left[u] ?? 0) > 0) {
      const out: number[] = [];
      for (let v = u; v !== s; v = prev.get(v)?.[0] ?? s) out.push(prev.get(v)?.[1] ?? 0);
      return out.reverse();
    }
    for (let e = 0; e < A; e++) {
      const v = succ[u * A + e] ?? 0;
      if (!prev.has(v)) {
        prev.set(v, [u, e]);
        queue.push(v);
      }
    }
  }
  return null;
}

const graph = fc.record({ n: fc.integer({ min: 1, max: 30 }), A: fc.integer({ min: 1, max: 5 }) }).chain(({ n, A }) =>
  fc.record({
    n: fc.constant(n),
    A: fc.constant(A),
    succ: fc.array(fc.integer({ min: 0, max: n - 1 }), { minLength: n * A, maxLength: n * A }),
    left: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n }),
    // Each search: where it starts, and which state's count drops to 0 after it.
    searches: fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 80 }),
  }),
);

describe('the detour to the nearest state with an edge to cover', () => {
  it('is the plain breadth-first one, search after search, as the counts drop', () => {
    fc.assert(
      fc.property(graph, ({ n, A, succ, left, searches }) => {
        const counts = Int32Array.from(left);
        const kept = new NearestSearch(succ, n, A, counts);
        for (const [from, drop] of searches) {
          const s = from % n;
          const want = reference(succ, A, Array.from(counts), s);
          expect(kept.find(s)).toEqual(want);
          expect(pathToNearest(succ, n, A, counts, s)).toEqual(want);
          const d = drop % n;
          if ((counts[d] ?? 0) > 0) {
            counts[d] = (counts[d] ?? 1) - 1;
            if (counts[d] === 0) kept.emptied(d);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  // A level of states that all lose their way at once, wider than the arguments a spread can pass
  // (found on `paths` over a 4-CPU firmware-faults configuration: "Maximum call stack size
  // exceeded").
  it('is recomputed when a whole wide level loses its target at once', () => {
    const n = 1_000_001;
    // Letter 0 leads every state to state 0, a target; letter 1 is a self-loop, but for the last
    // state, whose letter 1 leads to state 1, the other target.
    const succ = new Int32Array(n * 2);
    for (let u = 0; u < n; u++) succ[u * 2 + 1] = u === n - 1 ? 1 : u;
    const left = new Int32Array(n);
    left[0] = 1;
    left[1] = 1;
    const kept = new NearestSearch(succ, n, 2, left);
    expect(kept.find(2)).toEqual([0]);
    kept.emptied(0);
    expect(kept.find(2)).toBeNull();
    expect(kept.find(n - 1)).toEqual([1]);
    expect(kept.find(1)).toEqual([]);
  });
});
