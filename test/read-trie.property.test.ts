// The step judgements' memo (src/explore/read-trie.ts) against judging every time: random
// pure judgements whose reads depend on what they read before, over random steps with small
// values (so that answers repeat and the memo is used), must get the memo's answer equal to a fresh
// judgement's, every time. And what the property checks record as read
// (src/explore/read-tracker.ts): an actor's state value for matches() and hasTag(), its whole
// snapshot for its context, in the order read.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTORS } from '../machines/system';
import { config } from '../src/config';
import { Engine } from '../src/explore/engine';
import { ReadTracker, variable } from '../src/explore/read-tracker';
import { ReadTrie } from '../src/explore/read-trie';
import { alphabet } from '../src/explore/alphabet';

/** Tuples of this many slots; variables 0 .. 2W - 1 read the pre- then the post-tuple. */
const W = 4;

/** A judgement: read variable `v`; below `cut`, go on with `low`, else with `high`; a leaf answers
 *  `base` plus the sum of what was read on the way (so that the answer depends on every read). */
type Judgement = { leaf: number } | { v: number; cut: number; low: Judgement; high: Judgement };

const judgement: fc.Arbitrary<Judgement> = fc.letrec<{ j: Judgement }>((tie) => ({
  j: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ leaf: fc.integer({ min: 0, max: 100 }) }),
    fc.record({
      v: fc.integer({ min: 0, max: 2 * W - 1 }),
      cut: fc.integer({ min: 0, max: 3 }),
      low: tie('j'),
      high: tie('j'),
    }),
  ),
})).j;

const read = (v: number, pre: ArrayLike<number>, post: ArrayLike<number>): number =>
  (v < W ? pre[v] : post[v - W]) ?? 0;

/** Judges directly; records each variable's first read in `reads`. */
function judge(j: Judgement, pre: number[], post: number[], reads: number[], sum = 0): number {
  if ('leaf' in j) return j.leaf + sum;
  if (!reads.includes(j.v)) reads.push(j.v);
  const x = read(j.v, pre, post);
  return judge(x < j.cut ? j.low : j.high, pre, post, reads, sum + x);
}

const tuple = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: W, maxLength: W });

describe('ReadTrie', () => {
  it('answers as a fresh judgement would, for every key and step', () => {
    fc.assert(
      fc.property(
        fc.array(judgement, { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(fc.nat(2), tuple, tuple), { minLength: 1, maxLength: 300 }),
        (judgements, steps) => {
          const trie = new ReadTrie(read);
          for (const [k, pre, post] of steps) {
            const j = judgements[k % judgements.length];
            if (j === undefined) continue;
            const reads: number[] = [];
            const fresh = judge(j, pre, post, reads);
            const memo = trie.find(k, 7, pre, post);
            if (memo < 0) trie.record(k, 7, reads, pre, post, fresh);
            else expect(memo).toBe(fresh);
          }
        },
      ),
    );
  });

  it('refuses reads that contradict an earlier judgement of the same values', () => {
    const trie = new ReadTrie(read);
    trie.record(0, 0, [0, 1], [1, 2, 0, 0], [0, 0, 0, 0], 5);
    expect(() => trie.record(0, 0, [2], [1, 2, 0, 0], [0, 0, 0, 0], 5)).toThrow(/reads differ/);
  });
});

describe('ReadTracker', () => {
  const engine = new Engine(config({ platform: 'pseries' }), alphabet(config({ platform: 'pseries' })));
  const t = engine.initialTuple();
  const state = engine.toState(t);
  const pk = ACTORS.indexOf('productionKernel');
  const fw = ACTORS.indexOf('firmware');

  const readsOf = (side: number, f: (s: typeof state) => unknown): number[] => {
    const reads: number[] = [];
    const tracker = new ReadTracker(reads);
    expect(f(tracker.track(state, side))).toEqual(f(state));
    return reads;
  };

  it('records the state value for matches() and hasTag(); the snapshot for the rest', () => {
    expect(readsOf(0, (s) => s.actors.productionKernel.matches('running'))).toEqual([variable(0, pk, 0)]);
    expect(readsOf(0, (s) => s.actors.productionKernel.hasTag('transient'))).toEqual([variable(0, pk, 0)]);
    expect(readsOf(1, (s) => s.actors.productionKernel.value)).toEqual([variable(1, pk, 1)]);
    expect(readsOf(1, (s) => s.actors.firmware.context.memory)).toEqual([variable(1, fw, 1)]);
    expect(readsOf(0, (s) => [...s.actors.firmware.tags])).toEqual([variable(0, fw, 1)]);
  });

  it('records each first read once, in the order read', () => {
    expect(
      readsOf(0, (s) => [
        s.actors.firmware.matches('off'),
        s.actors.productionKernel.context.enabled,
        s.actors.firmware.context.registration,
        s.actors.productionKernel.matches('running'),
        s.actors.firmware.matches('off'),
      ]),
    ).toEqual([variable(0, fw, 0), variable(0, pk, 1), variable(0, fw, 1), variable(0, pk, 0)]);
  });

  it('records every whole snapshot when the actors are enumerated', () => {
    const reads = readsOf(0, (s) => Object.values(s.actors).length);
    expect([...reads].sort((a, b) => a - b)).toEqual(ACTORS.map((_, k) => variable(0, k, 1)));
  });
});
