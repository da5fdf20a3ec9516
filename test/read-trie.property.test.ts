// The step judgements' memo (src/explore/read-trie.ts) against judging every time: random
// pure judgements whose reads depend on what they read before, over random steps with small
// values (so that answers repeat and the memo is used), must get the memo's answer equal to a fresh
// judgement's, every time. And what the property checks record as read
// (src/explore/read-tracker.ts): an actor's state value for matches() and hasTag(), a field of its
// context read by name, its whole snapshot for the rest, in the order read.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTORS } from '../machines/system';
import { config } from '../src/config';
import { Engine } from '../src/explore/engine';
import { explore } from '../src/explore/explore';
import { fieldPart, ReadTracker, variable, VALUE_PART, WHOLE_PART } from '../src/explore/read-tracker';
import { canonicalJson } from '../src/util/canonical';
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

  it('records the state value for matches() and hasTag(), a context field read by name, the snapshot for the rest', () => {
    expect(readsOf(0, (s) => s.actors.productionKernel.matches('running'))).toEqual([variable(0, pk, VALUE_PART)]);
    expect(readsOf(0, (s) => s.actors.productionKernel.hasTag('transient'))).toEqual([variable(0, pk, VALUE_PART)]);
    expect(readsOf(1, (s) => s.actors.productionKernel.value)).toEqual([variable(1, pk, WHOLE_PART)]);
    expect(readsOf(1, (s) => s.actors.firmware.context.memory)).toEqual([variable(1, fw, fieldPart('memory'))]);
    expect(readsOf(0, (s) => [...s.actors.firmware.tags])).toEqual([variable(0, fw, WHOLE_PART)]);
  });

  it('records the whole snapshot when its context is enumerated, spread or asked with `in`', () => {
    expect(readsOf(0, (s) => Object.keys(s.actors.firmware.context).length)).toEqual([variable(0, fw, WHOLE_PART)]);
    // A spread enumerates the keys first (the whole snapshot), then reads each field.
    expect(readsOf(0, (s) => ({ ...s.actors.firmware.context }))[0]).toBe(variable(0, fw, WHOLE_PART));
    expect(readsOf(1, (s) => 'memory' in s.actors.firmware.context)).toEqual([variable(1, fw, WHOLE_PART)]);
    expect(readsOf(0, (s) => Object.isFrozen(s.actors.firmware.context))).toContain(variable(0, fw, WHOLE_PART));
    expect(readsOf(0, (s) => Object.getPrototypeOf(s.actors.firmware.context) === Object.prototype)).toEqual([
      variable(0, fw, WHOLE_PART),
    ]);
    expect(readsOf(0, (s) => Object.isExtensible(s.actors.productionKernel))).toEqual([variable(0, pk, WHOLE_PART)]);
    expect(readsOf(1, (s) => JSON.stringify(s.actors.productionKernel.context))).toContain(variable(1, pk, WHOLE_PART));
  });

  it("reads a context field's value as the engine interns it: equal values share an id, others differ", () => {
    // Every field of every snapshot met in the first 3,000 states of a pSeries exploration.
    const st = explore(config({ platform: 'pseries', faults: true }), { properties: [], maxStates: 3000 }).engine
      .stepper;
    expect(st.fieldId(fw, 0, st.fieldKey('no such field'))).toBe(-1);
    const texts = new Map<number, string>();
    let fields = 0;
    for (let a = 0; a < ACTORS.length; a++)
      for (let id = 0; id < (st.snaps[a]?.length ?? 0); id++) {
        const context: object = st.snapshot(a, id).context;
        for (const name of Object.keys(context)) {
          const x: unknown = Reflect.get(context, name);
          const got = st.fieldId(a, id, st.fieldKey(name));
          if (x === undefined) expect(got).toBe(-1);
          else {
            const text = canonicalJson(x);
            expect(texts.get(got) ?? text).toBe(text);
            texts.set(got, text);
            fields++;
          }
        }
      }
    expect(fields).toBeGreaterThan(1000);
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
    ).toEqual([
      variable(0, fw, VALUE_PART),
      variable(0, pk, fieldPart('enabled')),
      variable(0, fw, fieldPart('registration')),
      variable(0, pk, VALUE_PART),
    ]);
  });

  it('records every whole snapshot when the actors are enumerated', () => {
    const reads = readsOf(0, (s) => Object.values(s.actors).length);
    expect([...reads].sort((a, b) => a - b)).toEqual(ACTORS.map((_, k) => variable(0, k, WHOLE_PART)));
  });
});
