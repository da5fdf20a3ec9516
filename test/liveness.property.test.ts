// Liveness's backward reachability (src/explore/liveness.ts) against a plain fixpoint, on random
// graphs given as n × A successors (self-loops among them): the rows leave the self-loops out and
// keep every other edge, and the states marked as able to reach a goal are exactly those a forward
// fixpoint finds, whether the rows were recorded state by state (as hash compaction's search
// does) or built from the successors, whether they come as one block or, as a split
// exploration's workers hold them, as W blocks of every W-th state, and however many sweeps
// come before the reverse edges (none: the reverse edges alone).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstStuckAmong, markCanReach, markCanReachIn, RowChunks, SuccessorRows } from '../src/explore/liveness';

const graph = fc.integer({ min: 1, max: 40 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    A: fc.integer({ min: 1, max: 5 }),
    succ: fc.array(fc.nat(n - 1), { minLength: n * 5, maxLength: n * 5 }),
    good: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
  }),
);

/** The states that can reach a good one, by iterating until nothing changes. */
function fixpoint(n: number, A: number, succ: readonly number[], good: readonly boolean[]): boolean[] {
  const can = [...good];
  for (let changed = true; changed;) {
    changed = false;
    for (let i = 0; i < n; i++)
      for (let e = 0; e < A && !can[i]; e++)
        if (can[succ[i * A + e] ?? i]) {
          can[i] = true;
          changed = true;
        }
  }
  return can;
}

describe('liveness over successor rows', () => {
  it('marks exactly the states that can reach a goal', () => {
    fc.assert(
      fc.property(graph, ({ n, A, succ: all, good }) => {
        const succ = Int32Array.from(all.slice(0, n * A));
        const rows = SuccessorRows.of(succ, n, A);
        const recorded = new SuccessorRows();
        for (let i = 0; i < n; i++) {
          recorded.begin(i);
          for (let e = 0; e < A; e++) if (succ[i * A + e] !== i) recorded.add(succ[i * A + e] ?? i);
        }
        expect(recorded.rows()).toEqual(rows.rows());
        const { targets } = rows.rows();
        expect(targets.length).toBe([...succ].filter((j, k) => j !== Math.floor(k / A)).length);
        const marked = Uint8Array.from(good, (g) => (g ? 1 : 0));
        markCanReach(marked, rows);
        const expected = fixpoint(n, A, [...succ], good);
        expect([...marked].map((m) => m === 1)).toEqual(expected);
        const first = Uint8Array.from(good, (g) => (g ? 1 : 0));
        expect(firstStuckAmong(first, rows)).toBe(expected.indexOf(false));
      }),
    );
  });

  it('marks the same states from the rows of W workers, each holding every W-th state, after any number of sweeps', () => {
    fc.assert(
      fc.property(
        graph,
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 6 }),
        ({ n, A, succ: all, good }, W, sweeps) => {
          const succ = Int32Array.from(all.slice(0, n * A));
          // Worker w holds states w, w + W, ...: its row k is state k * W + w.
          const blocks = Array.from({ length: W }, (_, w) => {
            const mine = [...Array(Math.ceil((n - w) / W)).keys()].map((k) => k * W + w).filter((i) => i < n);
            const local = new Int32Array(mine.length * A);
            mine.forEach((i, k) => local.set(succ.subarray(i * A, (i + 1) * A), k * A));
            return { ...SuccessorRows.of(local, mine.length, A, w, W).rows(), first: w, stride: W };
          });
          const marked = Uint8Array.from(good, (g) => (g ? 1 : 0));
          markCanReachIn(marked, n, blocks, sweeps);
          expect([...marked].map((m) => m === 1)).toEqual(fixpoint(n, A, [...succ], good));
        },
      ),
    );
  });

  it('marks the same states from rows in chunks (RowChunks), states in any order, edges set later', () => {
    fc.assert(
      fc.property(
        graph,
        fc.integer({ min: 5, max: 12 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (g, chunk, seed) => {
          const { n, A, succ: all, good } = g;
          const succ = Int32Array.from(all.slice(0, n * A));
          // Visited in a shuffled order (as a split worker visits its states by rank), every other
          // edge first recorded as -1 and set at the end (as a successor its peer numbers later).
          const order = [...Array(n).keys()].sort((a, b) => ((a * 7919 + seed) % 101) - ((b * 7919 + seed) % 101));
          const chunks = new RowChunks(A, chunk);
          const later: [number, number][] = [];
          for (const i of order) {
            chunks.begin(i);
            for (let e = 0; e < A; e++) {
              const j = succ[i * A + e] ?? i;
              if (j === i) continue;
              if (e % 2 === 0) later.push([chunks.add(-1), j]);
              else chunks.add(j);
            }
          }
          for (const [at, j] of later) chunks.set(at, j);
          const blocks = chunks.blocks();
          for (const b of blocks) expect(b.start[b.start.length - 1]).toBeLessThanOrEqual(chunk);
          const marked = Uint8Array.from(good, (x) => (x ? 1 : 0));
          markCanReachIn(marked, n, blocks);
          expect([...marked].map((m) => m === 1)).toEqual(fixpoint(n, A, [...succ], good));
        },
      ),
    );
    expect(() => new RowChunks(6, 5)).toThrow(/a row of 6 edges, chunks of 5/);
  });

  it('refuses goals for fewer states than the rows hold, and an edge past them', () => {
    const rows = new SuccessorRows();
    rows.begin(0);
    rows.add(1);
    rows.begin(1);
    expect(() => markCanReach(new Uint8Array(1), rows)).toThrow(/goals for 1 states, edges for 2/);
    const past = new SuccessorRows();
    past.begin(0);
    past.add(5);
    expect(() => markCanReach(new Uint8Array(1), past)).toThrow(/an edge to state 5 of 1/);
    // An edge whose target a split worker never learnt (-1), and a block's row past the states.
    const unlearnt = { start: Int32Array.from([0, 1]), targets: Int32Array.from([-1]), first: 0, stride: 1 };
    expect(() => markCanReachIn(new Uint8Array(1), 1, [unlearnt])).toThrow(/an edge to state -1 of 1/);
    const beyond = { start: Int32Array.from([0, 0, 0]), targets: new Int32Array(0), first: 1, stride: 2 };
    expect(() => markCanReachIn(new Uint8Array(3), 3, [beyond])).toThrow(/a row for state 3 of 3/);
  });

  it('refuses a state out of order, or after the rows were read', () => {
    const rows = new SuccessorRows();
    rows.begin(0);
    expect(() => rows.begin(2)).toThrow(/state 2 after 0/);
    rows.begin(1);
    expect(rows.count).toBe(2);
    expect(rows.rows().start).toEqual(Int32Array.from([0, 0, 0]));
    expect(() => rows.begin(2)).toThrow(/read, then begun again/);
  });
});
