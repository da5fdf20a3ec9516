// A split worker's visited set (src/explore/split-states.ts) against a Map of the tuples added:
// exact and hash-compact give each new tuple the next index and a tuple added again the index it
// got first, and give back the tuple of every state not yet visited, across levels that grow and
// shrink (any int32, negative ones too), and the room given back.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CompactStates, ExactStates, type WorkerStates } from '../src/explore/split-states';

const WIDTH = 4;
const value = fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
/** A level: the tuples found while visiting it (some of them found before). */
const levels = fc.array(fc.array(fc.array(value, { minLength: WIDTH, maxLength: WIDTH }), { maxLength: 300 }), {
  minLength: 1,
  maxLength: 8,
});

function run(states: WorkerStates, found: number[][][]): void {
  const index = new Map<string, number>();
  const out = new Int32Array(WIDTH);
  let from = 0;
  for (const level of found) {
    for (const t of level) {
      const key = t.join(',');
      const got = states.add(Int32Array.from(t));
      const known = index.get(key);
      if (known === undefined) {
        expect(got).toBe(index.size);
        index.set(key, got);
      } else expect(got).toBe(~known);
    }
    expect(states.count).toBe(index.size);
    // The states found so far from `from` on are the next level; those before it were visited.
    states.visitedBefore(from);
    for (const [key, i] of index) if (i >= from) expect(Array.from(states.get(i, out)).join(',')).toBe(key);
    from = states.count;
  }
}

describe('split worker states', () => {
  it('exact: indices in order, a known tuple its first index, every tuple given back', () => {
    fc.assert(fc.property(levels, (found) => run(new ExactStates(WIDTH), found)));
  });

  it('hash-compact: the same, for the states not yet visited; a visited one is refused', () => {
    fc.assert(
      fc.property(levels, (found) => {
        const states = new CompactStates(WIDTH);
        run(states, found);
        const visited = states.count - 1;
        states.visitedBefore(states.count);
        if (visited >= 0) expect(() => states.get(visited, new Int32Array(WIDTH))).toThrow(/not waiting/);
        expect(states.tuples()).toBeNull();
      }),
    );
  });

  it('hash-compact: a level of thousands, then a narrow one gives the room back', () => {
    const states = new CompactStates(WIDTH);
    for (let i = 0; i < 5000; i++) states.add(Int32Array.from([i, i * 7, -i, 1 << (i % 31)]));
    const wide = states.bytes;
    states.visitedBefore(4990);
    expect(states.bytes).toBeLessThan(wide);
    expect(Array.from(states.get(4995, new Int32Array(WIDTH)))).toEqual([4995, 4995 * 7, -4995, 1 << (4995 % 31)]);
    expect(states.peakLevelBytes).toBeGreaterThan(0);
  });
});
