// The search's caches emptied part-way (issue 17, "Memory"): at its memory budget the search empties
// the step trie, the outcome store and the step judgements' memo before it gives up
// (src/explore/search.ts). Emptied every few hundred states, an exploration must find the same
// states in the same order, with the same parent links, edges and verdicts, as one that keeps them.
import { describe, expect, it } from 'vitest';
import { config, type ConfigInput } from '../src/config';
import type { ExternalEvent } from '../src/events';
import { alphabet } from '../src/explore/alphabet';
import { Budget } from '../src/explore/budget';
import { PropertyChecks } from '../src/explore/checks';
import { Engine } from '../src/explore/engine';
import { pollBudget, search } from '../src/explore/search';
import { runConfig } from '../src/explore/check';
import { progressLine } from '../src/cli/check';
import { PROPERTIES } from '../src/specs/properties';

/** Explores `input` with every property, emptying the caches before every `flushEvery`-th state
 *  (0: never). */
function explored(input: ConfigInput, flushEvery: number) {
  const c = config(input);
  const letters = alphabet(c);
  const engine = new Engine(c, letters);
  const props = PROPERTIES.filter((p) => p.notApplicable(c) === null);
  const checks = new PropertyChecks(c, props, letters, engine);
  const flush = (i: number) => {
    if (i > 0 && i % flushEvery === 0) {
      engine.flushSteps();
      checks.flushJudged();
    }
  };
  const found = search(engine, letters, checks, new Budget({}), {
    keepEdges: true,
    prefix: [],
    ...(flushEvery > 0 ? { onState: flush } : {}),
  });
  const n = found.table.count;
  const pathTo = (i: number): ExternalEvent[] => {
    const out: ExternalEvent[] = [];
    for (let k = i; k > 0; k = found.parent[k] ?? 0) {
      const e = letters[found.parentEvent[k] ?? 0];
      if (e !== undefined) out.push(e);
    }
    return out.reverse();
  };
  const tuples: number[][] = [];
  const t = new Int32Array(checks.width);
  for (let i = 0; i < n; i++) tuples.push([...found.table.get(i, t)]);
  return {
    flushes: engine.flushes,
    tuples,
    parent: [...found.parent.subarray(0, n)],
    succ: [...(found.succ?.subarray(0, n * letters.length) ?? [])],
    results: checks.results(props, n, found.stopReason, pathTo),
  };
}

describe('flushing the step trie and the step judgements', () => {
  for (const input of [
    { platform: 'pseries', elfcorehdr: 'at-registration' },
    { platform: 'powernv', faults: true, memoryMiB: 16384 },
  ] satisfies ConfigInput[]) {
    it(`changes nothing found: ${JSON.stringify(input)}`, () => {
      const kept = explored(input, 0);
      const flushed = explored(input, 300);
      expect(kept.flushes).toBe(0);
      expect(flushed.flushes).toBeGreaterThan(3);
      expect(flushed.tuples).toEqual(kept.tuples);
      expect(flushed.parent).toEqual(kept.parent);
      expect(flushed.succ).toEqual(kept.succ);
      expect(flushed.results).toEqual(kept.results);
    }, 120_000);
  }
});

describe("check's line for an exploration that emptied its caches", () => {
  it('says how many times, and says nothing when it never did', () => {
    const run = runConfig({ platform: 'pseries', fadump: 'off' }, {});
    expect(run.cacheFlushes).toBeUndefined();
    expect(progressLine(run, 1, 1)).not.toMatch(/emptied/);
    expect(progressLine({ ...run, cacheFlushes: 2 }, 1, 1)).toMatch(
      /: 51 states, [\d.]+ s, step caches emptied 2 times at the memory budget$/,
    );
  });
});

describe('pollBudget at the memory budget', () => {
  it('empties the caches only when that frees something, and stops when the states still do not fit', () => {
    const c = config({ platform: 'pseries' });
    const letters = alphabet(c);
    const engine = new Engine(c, letters);
    const checks = new PropertyChecks(c, [...PROPERTIES], letters, engine);
    // A budget of one byte, and a gigabyte held outside the heap: over it whatever the garbage
    // collector does to the heap meanwhile.
    const budget = new Budget({ maxMemoryBytes: 1 });
    const held = () => 2 ** 30;
    budget.start();
    expect(engine.flushableBytes + checks.flushableBytes).toBe(0);
    expect(pollBudget(budget, 1, held, engine, checks)).toBe('max-memory');
    expect(engine.flushes).toBe(0);
    search(engine, letters, checks, new Budget({}), { keepEdges: false, prefix: [] });
    expect(engine.flushableBytes + checks.flushableBytes).toBeGreaterThan(0);
    expect(pollBudget(budget, 1, held, engine, checks)).toBe('max-memory');
    expect(engine.flushes).toBe(1);
    expect(engine.flushableBytes + checks.flushableBytes).toBe(0);
  });
});
