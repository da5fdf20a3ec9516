// The fast engine must be faithful to XState: on thousands of random paths, the engine (cached
// actor steps, compiled step trie) and the plain system (XState's transition() for every actor
// step) reach the same snapshots, dump outcome and step verdicts.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromTransition } from 'xstate';
import { getAdjacencyMap } from 'xstate/graph';
import { ACTORS, createSystem, type SystemState } from '../machines/system';
import { config, type ConfigInput } from '../src/config';
import { toMachineEvent, type ExternalMachineEvent } from '../src/events';
import { alphabet } from '../src/explore/alphabet';
import { Engine } from '../src/explore/engine';
import { explore } from '../src/explore/explore';
import { CanonicalMemo, canonicalJson, StructuralIds } from '../src/util/canonical';

const CONFIGS: ConfigInput[] = [
  { platform: 'pseries', elfcorehdr: 'at-registration', faults: true },
  { platform: 'pseries', elfcorehdr: 'in-capture-kernel', fadump: 'nocma' },
  { platform: 'powernv', faults: true, petitbootPreservesDump: true },
  { platform: 'powernv', elfcorehdr: 'at-registration', petitbootPreservesDump: false },
  { platform: 'pseries', elfcorehdr: 'at-registration', registeredWrite: 'eexist', registerAtBoot: false },
  { platform: 'pseries', captureKernel: { endianness: 'swapped' } },
];

function key(s: SystemState): string {
  return canonicalJson({ a: ACTORS.map((a) => ({ v: s.actors[a].value, c: s.actors[a].context })), d: s.dump });
}

describe('the fast engine agrees with XState transition() on random paths', () => {
  for (const raw of CONFIGS) {
    const c = config(raw);
    it(c.name, () => {
      const letters = alphabet(c);
      // One engine for all paths: its caches warm up across paths, as in exploration.
      const engine = new Engine(c, letters);
      const plain = createSystem(c);
      let steps = 0;
      fc.assert(
        fc.property(fc.array(fc.nat({ max: letters.length - 1 }), { minLength: 4, maxLength: 16 }), (path) => {
          const t = engine.initialTuple();
          let s = plain.initial();
          for (const e of path) {
            const event = letters[e];
            if (event === undefined) throw new Error('bad index');
            const out = engine.edge(t, e);
            Engine.apply(t, out);
            const r = plain.step(s, toMachineEvent(event));
            s = r.state;
            steps++;
            expect(key(engine.toState(t))).toBe(key({ ...s, dumpReason: null }));
            expect({ handled: out.handled, errno: out.errno, ignored: out.ignored }).toEqual({
              handled: r.handled,
              errno: r.errno,
              ignored: r.ignored,
            });
          }
        }),
        { seed: 7, numRuns: 350 },
      );
      expect(steps).toBeGreaterThan(2500);
    });
  }
});

// Every edge, not only paths: the step trie branches on what each actor step did, not on the
// snapshots, so one compiled path answers the edges of many states; each of them, from every state
// of an explored space, must be the edge system.step takes from that state.
describe('every edge of an explored space is the one system.step takes', () => {
  const spaces: ConfigInput[] = [
    { platform: 'pseries', elfcorehdr: 'at-registration', memoryMiB: 4096 },
    { platform: 'powernv', faults: true, memoryMiB: 16384, petitbootPreservesDump: false },
    { platform: 'pseries', mechanism: 'kdump', crashkernel: '512M', crashHotplug: true },
  ];
  for (const raw of spaces) {
    const c = config(raw);
    it(c.name, () => {
      const r = explore(c, { properties: [], maxStates: 600 });
      const plain = createSystem(c);
      const t = new Int32Array(r.width);
      const differ: string[] = [];
      let edges = 0;
      for (let i = 0; i < r.states; i++) {
        r.table.get(i, t);
        const pre = r.engine.toState(t);
        r.alphabet.forEach((event, e) => {
          const out = r.engine.edge(t, e);
          const post = new Int32Array(t);
          Engine.apply(post, out);
          const want = plain.step(pre, toMachineEvent(event));
          edges++;
          const got = {
            state: key(r.engine.toState(post)),
            handled: out.handled,
            errno: out.errno,
            ignored: out.ignored,
          };
          const expected = {
            state: key({ ...want.state, dumpReason: null }),
            handled: want.handled,
            errno: want.errno,
            ignored: want.ignored,
          };
          if (JSON.stringify(got) !== JSON.stringify(expected)) differ.push(`state ${i}, ${JSON.stringify(event)}`);
        });
      }
      expect(edges).toBeGreaterThan(10_000);
      expect(r.engine.compiled).toBeLessThan(edges / 10);
      expect(differ).toEqual([]);
    });
  }
});

// The whole reachable set, not only paths: the fast explorer and XState's own traversal
// (xstate/graph getAdjacencyMap over system.step, as `npm run bench` runs it) reach the same
// states, on small configurations of each mechanism.
describe('the explorer reaches exactly the states xstate/graph reaches', () => {
  const small: ConfigInput[] = [
    { platform: 'powernv', elfcorehdr: 'in-capture-kernel', memoryMiB: 16384, petitbootPreservesDump: true },
    { platform: 'pseries', mechanism: 'kdump', crashkernel: '512M', crashHotplug: true },
    { platform: 'pseries', mechanism: 'phyp-assisted-dump' },
    // A save that fails on its dump target (src/dump-target.ts): save-dump reboots the capture kernel.
    { platform: 'pseries', memoryMiB: 4096, dumpTarget: 'ssh', dumpTargetFault: 'unreachable' },
  ];
  for (const raw of small) {
    const c = config(raw);
    it(c.name, () => {
      const r = explore(c, { properties: [] });
      const ours = new Set<string>();
      const t = new Int32Array(r.width);
      for (let i = 0; i < r.states; i++) ours.add(key(r.engine.toState(r.table.get(i, t))));

      const system = createSystem(c);
      const logic = fromTransition(
        (s: SystemState, e: ExternalMachineEvent) => system.step(s, e).state,
        system.initial(),
      );
      const map = getAdjacencyMap(logic, {
        events: r.alphabet.map(toMachineEvent),
        serializeState: (s) => key({ ...s.context, dumpReason: null }),
        serializeEvent: (e) => canonicalJson(e),
      });
      const theirs = new Set(Object.keys(map));
      expect(ours.size).toBe(r.states);
      expect([...ours].filter((k) => !theirs.has(k))).toEqual([]);
      expect([...theirs].filter((k) => !ours.has(k))).toEqual([]);
    });
  }
});

/** Canonical JSON stated plainly: keys sorted, no memo. */
function plainCanonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(plainCanonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${plainCanonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

describe('the memoised canonical key is canonical JSON', () => {
  it('for any JSON value, also when parts are shared and keys come in another order', () => {
    const memo = new CanonicalMemo();
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        const shared = { x: a, y: [a, b], z: { b, a } };
        const reordered = Object.fromEntries(Object.entries(shared).reverse());
        expect(memo.key(shared)).toBe(plainCanonical(shared));
        expect(memo.key(reordered)).toBe(memo.key(shared));
        expect(memo.key(a)).toBe(plainCanonical(a));
        expect(canonicalJson(b)).toBe(plainCanonical(b));
      }),
      { seed: 11, numRuns: 300 },
    );
  });
});

describe('structural ids are canonical JSON, without the text', () => {
  it('two values get one id exactly when their canonical JSON texts are equal', () => {
    const ids = new StructuralIds();
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        const shared = { x: a, y: [a, b], z: { b, a } };
        const reordered = Object.fromEntries(Object.entries(shared).reverse());
        expect(ids.id(reordered)).toBe(ids.id(shared));
        expect(ids.id(a) === ids.id(b)).toBe(canonicalJson(a) === canonicalJson(b));
        expect(ids.id({ a, gone: undefined }) === ids.id({ a })).toBe(true);
        expect(ids.id([a]) === ids.id({ 0: a })).toBe(false);
      }),
      { seed: 17, numRuns: 300 },
    );
  });

  // The context memo's answers (src/explore/engine.ts memoStep) are a context with the fields a
  // step wrote set anew: their id is found from the base's members and the written values, before
  // (and mostly without) building the copy.
  it('a copy with some members set anew gets the id of its canonical JSON, without being built', () => {
    const ids = new StructuralIds();
    const member = fc.oneof(
      fc.jsonValue(),
      fc.constant(undefined),
      fc.constant(() => 0),
    );
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 3 }), member),
        fc.dictionary(fc.string({ maxLength: 3 }), member),
        (base, update) => {
          const keys = Object.keys(update);
          const got = ids.idWithMembers(ids.id(base), keys, Object.values(update));
          const copy = { ...base, ...update };
          expect(got).toBe(ids.id(copy));
          expect(got === ids.id(base)).toBe(canonicalJson(copy) === canonicalJson(base));
        },
      ),
      { seed: 23, numRuns: 500 },
    );
    expect(ids.idWithMembers(ids.id([1]), ['a'], [1])).toBe(-1);
  });
});

// The searches take most self-loops from the engine's memo without walking the trie
// (src/explore/self-loops.ts): each one they recorded must be an edge system.step takes without
// changing anything and with the user's event handled or ignored, and each other edge a move.
// The memo keeps the firmware apart: where it has most snapshots (fadump) it answers most
// self-loops, where it has few (kdump: the other actors' snapshots then nearly make the state)
// it answers a few.
describe("the search's self-loops are system.step's", () => {
  const spaces: [ConfigInput, number][] = [
    [{ platform: 'pseries', elfcorehdr: 'at-registration', faults: true, memoryMiB: 4096 }, 0.5],
    [{ platform: 'powernv', faults: true, petitbootPreservesDump: true }, 0.5],
    [{ platform: 'pseries', mechanism: 'kdump', crashkernel: '512M', crashHotplug: false }, 0.05],
  ];
  for (const [raw, share] of spaces) {
    const c = config(raw);
    it(c.name, () => {
      const r = explore(c, { properties: [], maxStates: 1_500, keepEdges: true });
      const plain = createSystem(c);
      const A = r.alphabet.length;
      const t = new Int32Array(r.width);
      const differ: string[] = [];
      let loops = 0;
      // The states expanded (A edges each) before the search stopped at maxStates.
      for (let i = 0; i < r.edges / A; i++) {
        r.table.get(i, t);
        const pre = r.engine.toState(t);
        r.alphabet.forEach((event, e) => {
          const j = r.succ?.[i * A + e] ?? -1;
          const want = plain.step(pre, toMachineEvent(event));
          const stays = key({ ...want.state, dumpReason: null }) === key(pre);
          if (j === i) loops++;
          if ((j === i) !== stays || (j === i && !want.handled && want.ignored.length === 0))
            differ.push(`state ${i}, ${JSON.stringify(event)}: ${j === i ? 'self-loop' : 'move'}`);
        });
      }
      expect(r.engine.knownSelfLoops).toBeGreaterThan(loops * share);
      expect(differ).toEqual([]);
    });
  }
});
