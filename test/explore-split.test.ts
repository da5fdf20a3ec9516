// One exploration spread over two worker threads (src/explore/split.ts) finds what one thread
// finds: the same states and transitions, the same verdicts, counterexamples of the same length
// (shortest: the search stays breadth-first), the same figures; and its budget stays honest.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { config, type ConfigInput } from '../src/config';
import type { ExternalEvent } from '../src/events';
import { alphabet } from '../src/explore/alphabet';
import { Engine } from '../src/explore/engine';
import { explore, type Exploration } from '../src/explore/explore';
import { ACTORS } from '../machines/system';
import { closeSplitWorkers, lastSplitStats, splitOwners, splitWorkers } from '../src/explore/split';
import { AheadVisits } from '../src/explore/split-ahead';
import { ownerOfSize } from '../src/explore/split-protocol';
import { PROPERTIES, type StepProperty } from '../src/specs/properties';
import { canonicalJson } from '../src/util/canonical';
import { seen } from './support/verdicts';

/** The thread ids of the split workers kept for the next exploration. */
const threads = () => splitWorkers().map((w) => w.threadId);

const kindOf = (id: string) => PROPERTIES.find((p) => p.id === id)?.kind;

// From the default matrix (src/specs/expected.json): state and step properties violated (a step
// property with a monitor among them), figures, liveness holding.
const CASES: { name: string; input: ConfigInput }[] = [
  { name: 'at-registration crashkernel=256M', input: { elfcorehdr: 'at-registration', crashkernel: '256M' } },
  { name: 'powernv fadump=nocma 16G', input: { platform: 'powernv', fadump: 'nocma', memoryMiB: 16384 } },
];

describe('explore({ split: 2 })', () => {
  const violatedKinds = new Set<string | undefined>();
  for (const c of CASES) {
    it(`gives the single-thread verdicts on ${c.name}`, () => {
      const cfg = config(c.input);
      const one = explore(cfg);
      const two = explore(cfg, { split: 2 });
      expect(seen(two)).toEqual(seen(one));
      for (const r of two.results) if (r.verdict === 'violated') violatedKinds.add(kindOf(r.property));
    });
  }

  it("gives one thread's results exactly over 2, 3 and 4 workers: the same counterexamples and figures, where they are", () => {
    // Each state's parent is the first state of the level before that finds it (by its lowest
    // event), and the first violation or figure is the first in one thread's order: neither
    // depends on how the states are spread. With 3 workers a figure was once another state's.
    const reboots = ['off', 'on'].map(
      (f) => `BOOT_IMAGE=/boot/vmlinuz root=/dev/mapper/root ro fadump=${f} crashkernel=1G`,
    );
    const cases: { input: ConfigInput; prefix: ExternalEvent[] }[] = [
      ...CASES.map((c) => ({ input: c.input, prefix: [] })),
      { input: { crashkernel: '1G', rebootCmdlines: reboots }, prefix: [{ event: 'boot' }, { event: 'crash' }] },
    ];
    const ones = cases.map((c) => explore(config(c.input), { prefix: c.prefix }));
    // States a worker visited while it waited for its peers, their successors sent and their
    // violations recorded at their turn (split-ahead.ts).
    let ahead = 0;
    // Workers outside: a crew of another size starts new threads.
    for (const W of [2, 3, 4])
      cases.forEach((c, k) => {
        const r = explore(config(c.input), { prefix: c.prefix, split: W });
        const one = ones[k];
        expect([r.states, r.edges, r.stopReason]).toEqual([one?.states, one?.edges, one?.stopReason]);
        expect(r.results).toEqual(one?.results);
        ahead += lastSplitStats.reduce((n, w) => n + w.ahead, 0);
      });
    expect(ahead).toBeGreaterThan(0);
  });

  it('gives back what a visit ahead kept, per state, as it was kept (AheadVisits)', () => {
    const WIDTH = 3;
    const tuple = fc.array(fc.integer({ min: -5, max: 1 << 20 }), { minLength: WIDTH, maxLength: WIDTH });
    const visit = fc.record({
      successors: fc.array(fc.tuple(fc.nat(63), tuple), { maxLength: 5 }),
      violations: fc.array(
        fc.record({ id: fc.string(), event: fc.integer({ min: -1, max: 63 }), note: fc.option(fc.string()) }),
        {
          maxLength: 2,
        },
      ),
      movable: fc.boolean(),
    });
    // Levels one after the other: a start, and the states of it visited ahead (a prefix of them).
    const level = fc.record({ gap: fc.nat(40), visits: fc.array(visit, { maxLength: 30 }), unvisited: fc.nat(5) });
    fc.assert(
      fc.property(fc.array(level, { minLength: 1, maxLength: 4 }), (levels) => {
        const log = new AheadVisits(WIDTH, null);
        let from = 0;
        for (const l of levels) {
          from += l.gap + 1;
          log.level(from);
          l.visits.forEach((v, k) => {
            log.begin(from + k);
            for (const [e, t] of v.successors) log.add(e, Int32Array.from(t));
            for (const x of v.violations) log.violate(x);
            log.end(v.movable);
          });
          const t = new Int32Array(WIDTH);
          l.visits.forEach((v, k) => {
            const at = log.entry(from + k);
            expect(at).toBeGreaterThanOrEqual(0);
            expect(log.violationsOf(at)).toEqual(v.violations);
            const got = Array.from({ length: log.successors(at) }, (_, s) => [log.successor(at, s, t), [...t]]);
            expect(got).toEqual(v.successors);
            expect(log.movable(at)).toBe(v.movable);
          });
          // The states not visited ahead, and those of the level before, have no entry.
          for (let k = 0; k < l.unvisited; k++) expect(log.entry(from + l.visits.length + k)).toBe(-1);
          expect(log.entry(from - 1)).toBe(-1);
          expect(log.next).toBe(from + l.visits.length);
        }
      }),
    );
  });

  it('visits ahead within a bound: 1/64 of the memory budget, none once the search stops, a wide level not held after it', () => {
    const t = new Int32Array([1, 2, 3]);
    const fill = (log: AheadVisits, from: number, states: number) => {
      log.level(from);
      for (let i = from; i < from + states && !log.closed; i++) {
        log.begin(i);
        for (let e = 0; e < 4; e++) log.add(e, t);
        log.end(true);
      }
      return log.next - from;
    };
    // 512 KiB of budget: 2,048 ints of log, 20 a state (4 + 4 successors of 1 + 3 ints).
    expect(fill(new AheadVisits(3, 512 * 1024), 0, 1000)).toBe(103);
    const log = new AheadVisits(3, null);
    const first = log.bytes;
    expect(fill(log, 0, 50_000)).toBe(50_000);
    expect(log.bytes).toBeGreaterThan(first + 50_000 * 20 * 4);
    expect(fill(log, 50_000, 10)).toBe(10);
    // The log's 4 MB are given back; the index keeps its room (4 bytes a state, grown by half).
    expect(log.bytes).toBeLessThan(first + 1.5 * 50_000 * 4);
    log.stop();
    expect(log.closed).toBe(true);
    expect(fill(log, 60_000, 10)).toBe(0);
  });

  it("gives one thread's results whichever decides a state's owner: the firmware's memory, or snapshots", () => {
    const cfg = config(CASES[0]?.input ?? {});
    const one = explore(cfg, { keepEdges: true });
    for (const split of [
      { workers: 2, owner: 'memory' as const },
      { workers: 3, owner: 'snapshots' as const },
      { workers: 2, hashActors: ACTORS },
    ]) {
      const r = explore(cfg, { keepEdges: true, split });
      expect([r.states, r.edges, r.results]).toEqual([one.states, one.edges, one.results]);
      const n = one.states * one.alphabet.length;
      expect(r.succ?.subarray(0, n)).toEqual(one.succ?.subarray(0, n));
      // Each worker held states of its own.
      expect(lastSplitStats.map((w) => w.states > 0)).toEqual(Array<boolean>(split.workers).fill(true));
    }
  });

  it("splits by the firmware's memory when it can change, else by snapshots (splitOwners)", () => {
    // configs/large.json's range: 6.5 to 9.75 GiB, 14 sizes of 256 MiB.
    const large = config({ memoryMiB: 8192, minMemoryMiB: 6656, maxMemoryMiB: 9984 });
    expect(splitOwners(large, { workers: 2 }).memory).toEqual({ lmbBytes: 256 * 2 ** 20, lowest: 26, sizes: 14 });
    const varies = config({});
    const fixed = config({ memoryMiB: 8192, minMemoryMiB: 8192, maxMemoryMiB: 8192 });
    expect(splitOwners(varies, { workers: 2 }).memory?.sizes).toBe(5);
    // Fewer sizes than workers: some would hold nothing, unless asked.
    expect(splitOwners(varies, { workers: 6 }).memory).toBeNull();
    expect(splitOwners(varies, { workers: 6, owner: 'memory' }).memory?.sizes).toBe(5);
    expect(splitOwners(fixed, { workers: 2 }).memory).toBeNull();
    expect(splitOwners(varies, { workers: 2, hashActors: ['firmware', 'productionKernel'] })).toEqual({
      hashActors: [0, 1],
      memory: null,
    });
    expect(splitOwners(varies, { workers: 2, owner: 'snapshots' }).memory).toBeNull();
  });

  it('gives each worker an equal run of the memory sizes, sharing a size a cut passes through (ownerOfSize)', () => {
    // share() stands for a state's firmware snapshot hash, a number in [0, 1): GRID of them, evenly.
    const GRID = 64;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 8 }), (sizes, W) => {
        const m = { lmbBytes: 1, lowest: 10, sizes };
        const held = new Array<number>(W).fill(0);
        let shared = 0;
        let before = 0;
        for (let i = 0; i < sizes; i++) {
          let asked = false;
          const owners = Array.from({ length: GRID }, (_, k) =>
            ownerOfSize(10 + i, m, W, () => {
              asked = true;
              return (k + 0.5) / GRID;
            }),
          );
          if (asked) shared++;
          for (const o of owners) held[o] = (held[o] ?? 0) + 1 / GRID;
          // Runs, in order: the owners only go up, from one size to the next and within a size.
          for (const o of owners) {
            expect(o).toBeGreaterThanOrEqual(before);
            before = o;
          }
          // A size no cut passes through is one worker's, without asking for a hash.
          if (!asked) expect(new Set(owners).size).toBe(1);
        }
        // Each worker holds sizes / W sizes' worth (to the grid's resolution: each of its two cuts
        // can be 1 / GRID off), and only the sizes the W - 1 cuts pass through are shared.
        for (const h of held) expect(Math.abs(h - sizes / W)).toBeLessThanOrEqual(2 / GRID + 1e-9);
        expect(shared).toBeLessThanOrEqual(W - 1);
        // A size out of the range counts as the nearest in it.
        const half = () => 0.5;
        expect(ownerOfSize(0, m, W, half)).toBe(ownerOfSize(10, m, W, half));
        expect(ownerOfSize(10 + sizes + 5, m, W, half)).toBe(ownerOfSize(10 + sizes - 1, m, W, half));
      }),
    );
    const never = () => {
      throw new Error('a size inside a run needs no hash');
    };
    // configs/large.json over 2 workers: 26 to 32 LMBs (6.5 to 8 GiB) and 33 to 39.
    const large = { lmbBytes: 1, lowest: 26, sizes: 14 };
    expect([26, 32, 33, 39].map((l) => ownerOfSize(l, large, 2, never))).toEqual([0, 0, 1, 1]);
    // 7.5 to 9 GiB, 7 sizes over 2 workers: the fourth (8.25 GiB) is shared, half and half.
    const seven = { lmbBytes: 1, lowest: 30, sizes: 7 };
    expect([30, 32, 34, 36].map((l) => ownerOfSize(l, seven, 2, never))).toEqual([0, 0, 1, 1]);
    expect([0, 0.49, 0.5, 0.99].map((u) => ownerOfSize(33, seven, 2, () => u))).toEqual([0, 0, 1, 1]);
  });

  it('numbers the states as one thread does: the same paths, the same successors', () => {
    const cfg = config(CASES[0]?.input ?? {});
    const one = explore(cfg, { properties: [], keepEdges: true });
    const three = explore(cfg, { properties: [], keepEdges: true, split: 3 });
    expect(three.states).toBe(one.states);
    for (let i = 0; i < one.states; i++) expect(three.pathTo(i)).toEqual(one.pathTo(i));
    const n = one.states * one.alphabet.length;
    expect(three.succ?.subarray(0, n)).toEqual(one.succ?.subarray(0, n));
  });

  it("checks a property that is not the project's in this thread (the workers know only those)", () => {
    const counted: StepProperty = {
      id: 'at-most-one-crash',
      kind: 'step',
      sentence: 'A second crash is never taken.',
      source: 'test/explore-split.test.ts',
      notApplicable: () => null,
      triggers: (e) => e.event === 'crash',
      monitor: (m) => Math.min(3, m + 1),
      holds: (_s, m) => m < 2,
    };
    const cfg = config({ platform: 'pseries' });
    const one = explore(cfg, { properties: [counted] });
    const two = explore(cfg, { properties: [counted], split: 2 });
    expect(one.results[0]?.verdict).toBe('violated');
    expect(seen(two)).toEqual(seen(one));
  });

  it('covered state and step violations in those cases', () => {
    expect(violatedKinds).toEqual(new Set(['state', 'step']));
  });

  it('decides liveness over the gathered graph: violated where no event leads anywhere', () => {
    // Without "boot" nothing moves: the start state deadlocks and can never become ready.
    const cfg = config({});
    const letters = alphabet(cfg).filter((e) => e.event !== 'boot');
    const one = explore(cfg, { alphabet: letters });
    const two = explore(cfg, { alphabet: letters, split: 2 });
    expect(seen(two)).toEqual(seen(one));
    const live = two.results.find((r) => r.property === 'eventually-ready');
    expect(live?.verdict).toBe('violated');
    expect(two.results.find((r) => r.property === 'no-deadlock')?.verdict).toBe('violated');
  });

  it('decides liveness over the edges between the workers: stuck two events in, among 726 states', () => {
    // Without reboot and release_mem, once a dump is captured production with fadump registered
    // can never come back. The workers keep only the edges to other states (rows, each learnt a
    // level later when the peer owns the successor), not every successor.
    const cfg = config({});
    const letters = alphabet(cfg).filter(
      (e) => e.event !== 'reboot' && !(e.event === 'write' && e.path === '/sys/kernel/fadump/release_mem'),
    );
    const one = explore(cfg, { alphabet: letters });
    const two = explore(cfg, { alphabet: letters, split: 2 });
    expect(seen(two)).toEqual(seen(one));
    expect(two.states).toBe(726);
    const live = two.results.find((r) => r.property === 'eventually-ready');
    expect(live?.verdict).toBe('violated');
    expect(live?.counterexample?.length).toBe(2);
    expect(two.succ).toBeNull();
  });

  it('decides no liveness without edges (keepEdges: false), in one thread or split', () => {
    const cfg = config(CASES[1]?.input ?? {});
    for (const split of [1, 2]) {
      const r = explore(cfg, { keepEdges: false, split });
      expect(r.complete).toBe(true);
      const live = r.results.find((x) => x.property === 'eventually-ready');
      expect([live?.verdict, live?.note]).toEqual(['incomplete', 'not decided: no edges kept (keepEdges: false)']);
    }
  });

  it('gives every state its shortest path, and the graph in this thread on demand', () => {
    const cfg = config({ platform: 'powernv', fadump: 'nocma', memoryMiB: 16384 });
    const one = explore(cfg, { properties: [], keepEdges: true });
    const two = explore(cfg, { properties: [], keepEdges: true, split: 2 });
    const depths = (r: Exploration) => {
      const h: number[] = [];
      for (let i = 0; i < r.states; i++) {
        const d = r.pathTo(i).length;
        h[d] = (h[d] ?? 0) + 1;
      }
      return h;
    };
    expect(depths(two)).toEqual(depths(one));
    expect(two.table.count).toBe(one.states);
    // The same states: each of the split run's tuples, read back as snapshots, is one of the single run's.
    const key = (r: Exploration, i: number) => {
      const s = r.engine.toState(r.table.get(i, new Int32Array(r.width)));
      return canonicalJson([s.dump, ...Object.values(s.actors).map((a) => [a.value, a.context])]);
    };
    const known = new Set(Array.from({ length: one.states }, (_, i) => key(one, i)));
    for (let i = 0; i < two.states; i += 97) expect(known.has(key(two, i))).toBe(true);
    // The same edges: as many self-loops, and each state's successors at the same depths.
    const A = one.alphabet.length;
    const shape = (r: Exploration) => {
      const depth = Array.from({ length: r.states }, (_, i) => r.pathTo(i).length);
      let loops = 0;
      const rows = new Map<string, number>();
      for (let i = 0; i < r.states; i++) {
        const row: number[] = [];
        for (let e = 0; e < A; e++) {
          const to = r.succ?.[i * A + e] ?? -1;
          if (to === i) loops++;
          row.push(depth[to] ?? -1);
        }
        const k = `${depth[i]}:${row.join(',')}`;
        rows.set(k, (rows.get(k) ?? 0) + 1);
      }
      return { loops, rows };
    };
    expect(shape(two)).toEqual(shape(one));
  });

  it('starts where a prefix of events leads, as one thread does', () => {
    const cfg = config({ platform: 'powernv', fadump: 'nocma', memoryMiB: 16384 });
    const prefix = alphabet(cfg).filter((e) => e.event === 'boot');
    // Every property, the monitored step properties too: their cache keys on the snapshots of the
    // actors a step does not reach (src/explore/checks.ts), so the monitor value a state gets does
    // not depend on the order states are visited in (it did: 626 states in one thread, 551 split).
    const properties = PROPERTIES;
    expect(seen(explore(cfg, { prefix, properties, split: 2 }))).toEqual(seen(explore(cfg, { prefix, properties })));
  });

  it('stops at a small max-states budget with honest "incomplete" verdicts', () => {
    const cfg = config({ faults: true });
    const r = explore(cfg, { split: 2, maxStates: 2_000 });
    expect(r.complete).toBe(false);
    expect(r.stopReason).toBe('max-states');
    expect(r.states).toBeGreaterThanOrEqual(2_000);
    for (const x of r.results) expect(['incomplete', 'violated', 'n/a']).toContain(x.verdict);
    expect(r.results.find((x) => x.property === 'eventually-ready')?.verdict).toBe('incomplete');
  });

  it('keeps the state budget as one thread does: complete only with fewer states than it', () => {
    // 7,301 states. The split visits to the end of the level in which one thread stops, then
    // counts only what one thread found and visited.
    const cfg = config(CASES[0]?.input ?? {});
    const N = explore(cfg, { properties: [] }).states;
    const budgets = [1, 2, 50, N - 1, N, N + 1];
    const ones = budgets.map((maxStates) => explore(cfg, { properties: [], maxStates }));
    for (const W of [2, 3, 4])
      budgets.forEach((maxStates, k) => {
        const r = explore(cfg, { properties: [], maxStates, split: W });
        const one = ones[k];
        expect([maxStates, W, r.stopReason, r.states, r.edges]).toEqual([
          maxStates,
          W,
          one?.stopReason,
          one?.states,
          one?.edges,
        ]);
      });
  });

  it("finds at the state budget what one thread finds there: the same verdicts, a violation past one thread's states not among them", () => {
    // Violations just past where one thread stops (found by a new user: before, the split found
    // no-lost-dump at 40 states where one thread's verdicts were all incomplete, and exited 1).
    const one = { platform: 'pseries', elfcorehdr: 'at-registration', faults: true, memoryMiB: 8192 } as const;
    for (const [input, budgets, W] of [
      [{ ...one, minMemoryMiB: 8192, maxMemoryMiB: 8192 }, [40, 80, 320], 3],
      [{ platform: 'pseries', elfcorehdr: 'at-registration' }, [10, 30], 2],
    ] as const)
      for (const maxStates of budgets) {
        const cfg = config(input);
        const a = explore(cfg, { maxStates });
        const b = explore(cfg, { maxStates, split: W });
        expect([b.stopReason, b.states, b.edges]).toEqual([a.stopReason, a.states, a.edges]);
        expect(b.results).toEqual(a.results);
        for (let i = 0; i < a.states; i++) expect(b.pathTo(i)).toEqual(a.pathTo(i));
      }
  });

  it('keeps only real transitions when a budget stops it, every state found counted', () => {
    // The records of the level it stopped in are still taken in and numbered: every edge kept
    // from a visited state leads where the event leads.
    const cfg = config(CASES[0]?.input ?? {});
    for (const W of [3, 4]) {
      const r = explore(cfg, { properties: [], keepEdges: true, maxStates: 3_000, split: W });
      expect(r.stopReason).toBe('max-states');
      const A = r.alphabet.length;
      const t = new Int32Array(r.width);
      const u = new Int32Array(r.width);
      const v = new Int32Array(r.width);
      let checked = 0;
      for (let i = 0; i < r.states; i++) {
        const row = r.succ?.subarray(i * A, i * A + A) ?? new Int32Array(0);
        if (!row.includes(i)) continue; // not visited: no event was followed from it
        r.table.get(i, t);
        row.forEach((j, e) => {
          if (j === i) return;
          u.set(t);
          Engine.apply(u, r.engine.edge(u, e));
          expect(r.table.get(j, v)).toEqual(u);
          checked++;
        });
      }
      expect(checked).toBeGreaterThan(10_000);
    }
  });

  /** 118,818 states over 2 workers, stopped (Ctrl-C) once more than 5,000 are known: in the
   *  middle of the search (each worker reads the stop word every 64 states). */
  const cutShort = () => {
    let known = 0;
    const onProgress = (n: number) => (known = n);
    return explore(config({ faults: true }), { split: 2, onProgress, shouldStop: () => known > 5_000 });
  };

  it('stops when asked to (Ctrl-C): "interrupted"', () => {
    const r = cutShort();
    expect(r.stopReason).toBe('interrupted');
    expect(r.states).toBeGreaterThan(5_000);
    expect(r.results.every((x) => x.verdict !== 'holds')).toBe(true);
  });

  it('stops at once when asked while its threads load: the start state alone, unvisited', () => {
    // Loading the model takes a worker about a second; a stop asked meanwhile ends the threads
    // (their next message would be this exploration's) rather than waiting for them.
    closeSplitWorkers();
    const cfg = config({ faults: true });
    const r = explore(cfg, { split: 3, keepEdges: true, shouldStop: () => true });
    expect([r.states, r.edges, r.stopReason]).toEqual([1, 0, 'interrupted']);
    expect(threads()).toEqual([]);
    expect(r.pathTo(0)).toEqual([]);
    expect(r.table.get(0, new Int32Array(r.width))).toEqual(
      explore(cfg, { maxStates: 1 }).table.get(0, new Int32Array(r.width)),
    );
    for (const x of r.results) expect(['incomplete', 'n/a']).toContain(x.verdict);
    expect(explore(cfg, { split: 3, maxStates: 500 }).stopReason).toBe('max-states');
  });

  it('names an alphabet event that is not an external event', () => {
    const cfg = config({});
    const letters = [...alphabet(cfg), { event: 'foo' }] as ExternalEvent[];
    for (const split of [1, 2])
      expect(() => explore(cfg, { alphabet: letters, split })).toThrow(
        /alphabet event \d+, \{"event":"foo"\}: not an external event/,
      );
  });

  it('keeps its worker threads for the next exploration, even one cut short, which finds what new ones find', () => {
    const cfg = config(CASES[0]?.input ?? {});
    expect(cutShort().stopReason).toBe('interrupted');
    const kept = threads();
    expect(kept).toHaveLength(2);
    const again = explore(cfg, { split: 2 });
    expect(threads()).toEqual(kept);
    expect(again.complete).toBe(true);
    expect(seen(again)).toEqual(seen(explore(cfg)));
    closeSplitWorkers();
    expect(threads()).toEqual([]);
    const fresh = explore(cfg, { split: 2 });
    expect(threads()).not.toEqual(kept);
    expect(seen(fresh)).toEqual(seen(again));
    expect(fresh.states).toBe(again.states);
  });

  it('fails at once, not after minutes, when a worker thread ends without a word (out of memory)', () => {
    // A first exploration leaves loaded threads; the second ends one of them as it begins.
    explore(config(CASES[0]?.input ?? {}), { split: 2 });
    const victim = splitWorkers()[1];
    let ended = false;
    const t = performance.now();
    expect(() =>
      explore(config({ faults: true }), {
        split: 2,
        onProgress: () => {
          if (!ended) void victim?.terminate();
          ended = true;
        },
      }),
    ).toThrow(/split worker 1 ended without a word/);
    expect(performance.now() - t).toBeLessThan(10_000);
    // A failed exploration ends its threads: the next one starts new ones, and explores.
    expect(threads()).toEqual([]);
    expect(explore(config(CASES[0]?.input ?? {}), { split: 2 }).complete).toBe(true);
  });
});
