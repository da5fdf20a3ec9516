// The memo of actor steps by what they read of the context (src/explore/context-reads.ts): random
// pure steps whose reads of the context depend on what they read before must get the memo's
// answer equal to a fresh one's, for every context; an assign's copy of the context is no read,
// but what the step reads of the copy is; what a step does to the context other than reading a
// field (enumerating it, `in`, a spread) reads the whole of it; and on real configurations every
// step the engine answered from the memo is the step XState computes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTORS, createSystem, scopedStepper } from '../machines/system';
import { config, type Config, type ConfigInput } from '../src/config';
import { ContextReads } from '../src/explore/context-reads';
import { explore, type Exploration } from '../src/explore/explore';
import { defaultMatrix } from '../src/explore/matrix';
import { StructuralIds } from '../src/util/canonical';

const FIELDS = ['a', 'b', 'c', 'd'] as const;
type Context = Partial<Record<(typeof FIELDS)[number], unknown>>;

/** A step: read field `f`; on a value equal (by structure) to `eq`, go on with `then`, else with
 *  `otherwise`; a leaf answers `leaf`. */
type Step = { leaf: number } | { f: number; eq: unknown; then: Step; otherwise: Step };

/** Small field values, objects among them (compared by structure), undefined and null apart. */
const fieldValue = fc.constantFrom<unknown>(undefined, null, 0, 1, 'x', { n: 1 }, { n: 2 }, [1]);

const step: fc.Arbitrary<Step> = fc.letrec<{ s: Step }>((tie) => ({
  s: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ leaf: fc.integer({ min: 0, max: 50 }) }),
    fc.record({ f: fc.nat(FIELDS.length - 1), eq: fieldValue, then: tie('s'), otherwise: tie('s') }),
  ),
})).s;

const context: fc.Arbitrary<Context> = fc.record(
  { a: fieldValue, b: fieldValue, c: fieldValue, d: fieldValue },
  { requiredKeys: [] },
);

/** Runs the step on `ctx` (the tracked proxy or the context itself). */
function run(s: Step, ctx: Context): number {
  if ('leaf' in s) return s.leaf;
  const x = ctx[FIELDS[s.f] ?? 'a'];
  return run(
    JSON.stringify(x) === JSON.stringify(s.eq) && (x === undefined) === (s.eq === undefined) ? s.then : s.otherwise,
    ctx,
  );
}

describe('ContextReads', () => {
  it('answers as the step itself would, for every context', () => {
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(fc.nat(2), context), { minLength: 1, maxLength: 200 }),
        (steps, runs) => {
          const memo = new ContextReads(new StructuralIds());
          for (const [k, ctx] of runs) {
            const s = steps[k % steps.length];
            if (s === undefined) continue;
            const fresh = run(s, ctx);
            const known = memo.find(k, 3, ctx);
            if (known >= 0) {
              expect(known).toBe(fresh);
              continue;
            }
            expect(run(s, memo.track(ctx))).toBe(fresh);
            expect(memo.done(k, 3)).toBe(true);
            memo.record(k, 3, ctx, fresh);
          }
        },
      ),
    );
  });

  it('revokes the proxy when the step is done: one kept past it throws when read', () => {
    const memo = new ContextReads(new StructuralIds());
    const kept = { context: memo.track<Context>({ a: 1 }) };
    expect(kept.context.a).toBe(1);
    memo.done(0, 0);
    expect(() => kept.context.a).toThrow(TypeError);
  });

  it('tells a field that is undefined from one that is null', () => {
    const memo = new ContextReads(new StructuralIds());
    const tracked = memo.track<Context>({ a: null });
    expect(tracked.a).toBeNull();
    memo.record(0, 0, { a: null }, 1);
    expect(memo.find(0, 0, { a: null, b: 2 })).toBe(1);
    expect(memo.find(0, 0, {})).toBe(-1);
    expect(memo.find(0, 1, { a: null })).toBe(-1);
  });

  it.each([
    ['a spread', (c: Context) => ({ ...c })],
    ['Object.assign outside during()', (c: Context) => Object.assign({}, c)],
    ['its keys', (c: Context) => Object.keys(c)],
    ['`in`', (c: Context) => 'a' in c],
    ['a symbol', (c: Context) => (c as Record<symbol, unknown>)[Symbol.iterator]],
  ])('reads the whole context through %s: not worth tracking again', (_what, touch) => {
    const memo = new ContextReads(new StructuralIds());
    expect(memo.worthTracking(4, 5)).toBe(true);
    touch(memo.track<Context>({ a: 1 }));
    expect(memo.done(4, 5)).toBe(false);
    expect(memo.worthTracking(4, 5)).toBe(false);
    expect(memo.worthTracking(4, 6)).toBe(true);
  });
});

describe("an assign's copy of the context (Object.assign({}, context, update), xstate's resolveAssign)", () => {
  it('is no read; the update is written; what the step reads of the copy is read', () => {
    const memo = new ContextReads(new StructuralIds());
    const ctx: Context = { a: 1, b: 2, c: 3 };
    const tracked = memo.track(ctx);
    const ended = memo.during(() => {
      const copy = Object.assign({}, tracked, { a: 5 }, { d: 6 });
      return copy.b === 2 ? Object.assign({}, copy, { c: 7 }) : copy;
    });
    expect(memo.unwrap(ended)).toEqual({ a: 5, b: 2, c: 7, d: 6 });
    expect(memo.writes).toEqual(['a', 'd', 'c']);
    expect(memo.done(0, 0)).toBe(true);
    memo.record(0, 0, ctx, 9);
    // Only b was read: another context with the same b gets the answer, one with another b not.
    expect(memo.find(0, 0, { a: 0, b: 2, c: 0 })).toBe(9);
    expect(memo.find(0, 0, { a: 1, b: 3, c: 3 })).toBe(-1);
    expect(() => ended.a).toThrow(TypeError);
  });

  it('leaves Object.assign as it was, after a step that throws too; other copies are its own', () => {
    const real = Object.assign;
    const memo = new ContextReads(new StructuralIds());
    const tracked = memo.track<Context>({ a: 1 });
    expect(() =>
      memo.during(() => {
        const plain = Object.assign({}, { a: 1 }, { b: 2 });
        expect(memo.unwrap(plain)).toBeUndefined();
        // Into an object that is not empty: not an assign's copy, so the whole context is read.
        Object.assign({ x: 1 }, tracked);
        throw new Error('step failed');
      }),
    ).toThrow('step failed');
    expect(Object.assign).toBe(real);
    expect(memo.writes).toEqual([]);
    expect(memo.done(1, 1)).toBe(false);
  });
});

describe("the engine's steps answered from the memo", () => {
  /** Every step an actor took (answered by the memo or computed by XState), computed again by
   *  XState: the same next snapshot, events and reaction. Returns how many were checked. */
  function recheckSteps(c: Config, x: Exploration): number {
    const st = x.engine.stepper;
    const xstate = scopedStepper(createSystem(c).machines);
    const ids = new StructuralIds();
    let checked = 0;
    ACTORS.forEach((actor, a) => {
      for (const { from, event: eid } of st.computed(a)) {
        const r = st.stepIds(a, from, eid);
        const event = st.events[eid];
        if (event === undefined) throw new Error(`no event ${eid}`);
        const fresh = xstate.step(actor, st.snapshot(a, from), event);
        const next = st.snapshot(a, r.next);
        const where = `${c.name}: ${actor} on ${event.type}`;
        expect(ids.id(fresh.snapshot.value), where).toBe(ids.id(next.value));
        expect(ids.id(fresh.snapshot.context), where).toBe(ids.id(next.context));
        expect(
          fresh.emitted.map((e) => ids.id(e)),
          where,
        ).toEqual(r.emitted.map((e) => ids.id(st.events[e])));
        expect(fresh.reacted, where).toBe(r.reacted);
        checked++;
      }
    });
    return checked;
  }

  it('are the steps XState computes, on every configuration of the default matrix (its first 2,500 states)', () => {
    let hits = 0;
    let checked = 0;
    for (const input of defaultMatrix()) {
      const c = config(input);
      const x = explore(c, { properties: [], maxStates: 2_500 });
      hits += x.engine.stepper.memoHits;
      checked += recheckSteps(c, x);
    }
    expect(hits).toBeGreaterThan(10_000);
    expect(checked).toBeGreaterThan(hits);
  }, 120_000);

  it.each([
    { platform: 'pseries', faults: true },
    { platform: 'powernv', elfcorehdr: 'at-registration', faults: true, memoryMiB: 16384 },
  ] satisfies ConfigInput[])(
    'are the steps XState computes, deeper: %j',
    (input) => {
      const c = config(input);
      const x = explore(c, { properties: [], maxStates: 30_000 });
      expect(x.engine.stepper.memoHits).toBeGreaterThan(0);
      expect(recheckSteps(c, x)).toBeGreaterThan(x.engine.stepper.memoHits);
    },
    120_000,
  );
});
