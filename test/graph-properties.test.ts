// The graph properties (every-event-handled, no-deadlock, eventually) shown violated, not only
// holding (issue 11, "Every claim backed"): fixture systems (test/fixtures/graph-systems.ts) that
// must break each one are explored by the real explorer, and each counterexample is confirmed by
// src/explore/confirm.ts, a plain breadth-first search over system.step() that shares no code with
// the fast engine. Each fixture's holding variant, one transition apart, must come out "holds".
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createSystem } from '../machines/system';
import { config } from '../src/config';
import { alphabet } from '../src/explore/alphabet';
import { ConfirmBoundError, confirm, searchFrom } from '../src/explore/confirm';
import { loadExpected } from '../src/explore/check';
import { explore, type Exploration } from '../src/explore/explore';
import { propertyById, type GraphProperty } from '../src/specs/properties';
import {
  FIXTURE_ALPHABET,
  FIXTURE_PROPERTIES,
  FIXTURE_READY,
  GRAPH_FIXTURES,
  fixtureSystem,
  type FixtureVariant,
} from './fixtures/graph-systems';

const cfg = config({});
const exploreFixture = (variant: FixtureVariant): Exploration =>
  explore(cfg, { system: fixtureSystem(cfg, variant), alphabet: FIXTURE_ALPHABET, properties: FIXTURE_PROPERTIES });
const resultOf = (run: Exploration, id: string) => {
  const r = run.results.find((x) => x.property === id);
  if (r === undefined) throw new Error(`no result for ${id}`);
  return r;
};
const confirmOn = (variant: FixtureVariant, property: GraphProperty, events: Parameters<typeof confirm>[2]) =>
  confirm(cfg, property, events, { system: fixtureSystem(cfg, variant), alphabet: FIXTURE_ALPHABET });

/** The shortest counterexample each violating fixture must give. */
const SHORTEST: Record<string, string[]> = {
  trap: ['boot', 'crash', 'save-dump'],
  deadlock: ['boot', 'crash', 'save-dump'],
  drop: ['boot', 'save-dump'],
};

describe('graph properties on fixture systems', () => {
  for (const f of GRAPH_FIXTURES) {
    describe(`${f.property.id} (${f.violating} / ${f.holding})`, () => {
      const bad = exploreFixture(f.violating);
      const good = exploreFixture(f.holding);

      it(`'${f.violating}': the explorer finds it violated with the shortest counterexample, and the plain confirmation agrees`, () => {
        expect(bad.complete).toBe(true);
        const r = resultOf(bad, f.property.id);
        expect(r.verdict).toBe('violated');
        expect(r.counterexample?.map((e) => e.event)).toEqual(SHORTEST[f.violating]);
        const c = confirmOn(f.violating, f.property, r.counterexample ?? []);
        expect(c.violated, c.detail).toBe(true);
        expect(c.at).toBe((r.counterexample ?? []).length - 1);
        // It breaks what it is about, not everything at once.
        for (const p of f.alsoHolds) expect(resultOf(bad, p.id).verdict, p.id).toBe('holds');
      });

      it(`'${f.holding}': every graph property holds, and the confirmation claims no violation, neither on the counterexample's events nor at any reachable state`, () => {
        expect(good.complete).toBe(true);
        for (const p of FIXTURE_PROPERTIES) expect(resultOf(good, p.id).verdict, p.id).toBe('holds');
        const cx = resultOf(bad, f.property.id).counterexample ?? [];
        const c = confirmOn(f.holding, f.property, cx);
        expect(c.violated, c.detail).toBe(false);
        for (let i = 0; i < good.states; i++) {
          const path = good.pathTo(i);
          for (const p of FIXTURE_PROPERTIES)
            expect(confirmOn(f.holding, p, path).violated, `${p.id} after ${path.map((e) => e.event).join(',')}`).toBe(
              false,
            );
        }
      });

      it('the plain search reaches as many states as the explorer, in both variants', () => {
        for (const [variant, run] of [
          [f.violating, bad],
          [f.holding, good],
        ] as const) {
          const system = fixtureSystem(cfg, variant);
          expect(searchFrom(system, system.initial(), FIXTURE_ALPHABET).states, variant).toBe(run.states);
        }
      });
    });
  }

  it('the search is bounded: past maxStates it throws instead of running on', () => {
    const system = fixtureSystem(cfg, 'trap');
    expect(() => searchFrom(system, system.initial(), FIXTURE_ALPHABET, { maxStates: 2 })).toThrow(ConfirmBoundError);
    // From the trap's final state two states are reachable (capturing, capturingAgain), no goal.
    const cx = resultOf(exploreFixture('trap'), FIXTURE_READY.id).counterexample ?? [];
    expect(() => confirm(cfg, FIXTURE_READY, cx, { system, alphabet: FIXTURE_ALPHABET, maxStates: 1 })).toThrow(
      /more than 1 states/,
    );
    expect(confirm(cfg, FIXTURE_READY, cx, { system, alphabet: FIXTURE_ALPHABET, maxStates: 2 }).violated).toBe(true);
  });
});

describe('the confirmation is independent of the fast engine', () => {
  it('confirm.ts imports nothing of the engine or the explorer, directly or through other modules', () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const start = resolve(here, '../src/explore/confirm.ts');
    const seen = new Set<string>();
    const todo = [start];
    while (todo.length > 0) {
      const file = todo.pop();
      if (file === undefined || seen.has(file)) continue;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"](\.[^'"]+)['"]/gm)) {
        const spec = m[1];
        if (spec === undefined) continue;
        const target = resolve(dirname(file), spec);
        todo.push(target.endsWith('.ts') ? target : `${target}.ts`);
      }
    }
    const forbidden = ['engine.ts', 'explore.ts', 'table.ts', 'typed.ts'].map((f) =>
      resolve(here, '../src/explore', f),
    );
    expect([...seen].filter((f) => forbidden.includes(f))).toEqual([]);
    expect(seen.size).toBeGreaterThan(3);
  });
});

describe('the real model', () => {
  // No graph property is violated anywhere in the project's expected verdicts
  // (src/specs/expected.json): there is no real graph counterexample to confirm. This test keeps
  // that premise checked; instead, the independent confirmation is held to the explorer's "holds"
  // at the end of a real counterexample (accurate-vmcore with the elfcorehdr built at
  // registration, a state after a crash and capture).
  it('expects no graph property violated in any configuration', () => {
    const graphIds = ['every-event-handled', 'no-deadlock', 'eventually-ready'];
    for (const { name, verdicts } of loadExpected().entries.values()) {
      for (const id of graphIds) expect(verdicts[id], `${name}: ${id}`).not.toBe('violated');
    }
  });

  it('the independent confirmation agrees with the explorer that the graph properties hold at the end of a real counterexample', () => {
    const real = config({ platform: 'pseries', elfcorehdr: 'at-registration' });
    const ids = ['accurate-vmcore', 'every-event-handled', 'no-deadlock', 'eventually-ready'];
    const properties = ids.map((id) => {
      const p = propertyById(id);
      if (p === undefined) throw new Error(`no property ${id}`);
      return p;
    });
    const run = explore(real, { properties });
    expect(run.complete).toBe(true);
    const cx = resultOf(run, 'accurate-vmcore').counterexample;
    expect(cx).not.toBeNull();
    for (const p of properties.filter((x) => x.kind === 'graph')) {
      expect(resultOf(run, p.id).verdict, p.id).toBe('holds');
      const c = confirm(real, p, cx ?? []);
      expect(c.violated, `${p.id}: ${c.detail}`).toBe(false);
    }
  });

  it('the plain search and the explorer reach the same number of states of a real configuration (PowerNV)', () => {
    const real = config({ platform: 'powernv' });
    const graph = ['every-event-handled', 'no-deadlock', 'eventually-ready'].map((id) => {
      const p = propertyById(id);
      if (p === undefined) throw new Error(`no property ${id}`);
      return p;
    });
    // Graph properties only: no step monitors in the explorer's state, so both count the actors'
    // snapshots and the dump outcome.
    const run = explore(real, { properties: graph });
    expect(run.complete).toBe(true);
    const system = createSystem(real);
    expect(searchFrom(system, system.initial(), alphabet(real)).states).toBe(run.states);
    for (const p of graph) expect(resultOf(run, p.id).verdict, p.id).toBe('holds');
  });
});
