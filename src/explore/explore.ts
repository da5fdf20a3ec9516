// Exhaustive breadth-first exploration of the composed system for one configuration, checking
// every property on the way; shortest counterexamples as event logs (docs/design.md
// §6).
import type { System, SystemState } from '../../machines/system';
import { ACTORS } from '../../machines/system';
import type { Config } from '../config';
import type { ExternalEvent } from '../events';
import {
  PROPERTIES,
  type GraphProperty,
  type Property,
  type StateProperty,
  type StepProperty,
} from '../specs/properties';
import { alphabet as defaultAlphabet } from './alphabet';
import { BASE_WIDTH, Engine } from './engine';
import { TupleTable } from './table';
import { Int32List, PairMap } from './typed';

export type Verdict = 'holds' | 'violated' | 'incomplete' | 'n/a';

export interface PropertyResult {
  property: string;
  verdict: Verdict;
  /** States explored when the verdict was reached. */
  states: number;
  /** The shortest event sequence that breaks it (from the initial state). */
  counterexample: ExternalEvent[] | null;
  note: string | null;
  /** (issue 6) A property with a figure (StateProperty.figure): its value in the first state, in
   *  breadth-first order, where it has one, and the shortest path to that state. */
  figure?: number;
  figureAt?: ExternalEvent[];
}

export interface ExploreOptions {
  properties?: readonly Property[];
  maxStates?: number;
  /** Stop when the heap passes this many bytes (checked every few thousand states). */
  maxMemoryBytes?: number;
  /** Keep the edges, for liveness and test generation (on by default when a liveness property is checked). */
  keepEdges?: boolean;
  /** Polled every few thousand states: true stops exploration (Ctrl-C). */
  shouldStop?: () => boolean;
  onProgress?: (states: number) => void;
  alphabet?: readonly ExternalEvent[];
  /** Start from the state these events lead to (each must be in the alphabet). */
  prefix?: readonly ExternalEvent[];
  /** The composed system to explore instead of createSystem(config): for test fixtures only
   *  (test/fixtures/graph-systems.ts), whose machines stand in for the actors and are routed by
   *  machines/system.ts's tables like the real ones. */
  system?: System;
}

export interface Exploration {
  config: Config;
  engine: Engine;
  alphabet: readonly ExternalEvent[];
  states: number;
  edges: number;
  complete: boolean;
  stopReason: 'done' | 'max-states' | 'max-memory' | 'interrupted';
  seconds: number;
  results: PropertyResult[];
  table: TupleTable;
  parent: Int32Array;
  parentEvent: Int32Array;
  /** succ[i * A + e]: the state event e leads to from state i (when edges are kept). */
  succ: Int32Array | null;
  width: number;
  /** The shortest path of events to state i. */
  pathTo(i: number): ExternalEvent[];
}

/** Ids for the distinct combinations of actor snapshot ids (a state without its dump outcome and
 *  monitors): the firmware and the production kernel vary most, the other actors' combination is
 *  interned first, so the key is three numbers. */
class SnapshotCombos {
  private readonly fw = ACTORS.indexOf('firmware');
  private readonly pk = ACTORS.indexOf('productionKernel');
  private readonly restIdx = ACTORS.map((_, k) => k).filter((k) => k !== this.fw && k !== this.pk);
  private readonly rest = new TupleTable(this.restIdx.length, 1 << 8);
  private readonly triples = new TupleTable(3, 1 << 12);
  private readonly restKey = new Int32Array(this.restIdx.length);
  private readonly key = new Int32Array(3);

  get count(): number {
    return this.triples.count;
  }

  get bytes(): number {
    return this.rest.bytes + this.triples.bytes;
  }

  id(t: ArrayLike<number>): number {
    for (let i = 0; i < this.restIdx.length; i++) this.restKey[i] = t[this.restIdx[i] ?? 0] ?? 0;
    const r = this.rest.add(this.restKey);
    this.key[0] = t[this.fw] ?? 0;
    this.key[1] = t[this.pk] ?? 0;
    this.key[2] = r < 0 ? ~r : r;
    const c = this.triples.add(this.key);
    return c < 0 ? ~c : c;
  }
}

/** a, or a copy at least n long (doubling), the new slots set to `fill`. */
function growInt32(a: Int32Array<ArrayBuffer>, n: number, fill = 0): Int32Array<ArrayBuffer> {
  if (n <= a.length) return a;
  const b = new Int32Array(Math.max(n, a.length * 2));
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
  return b;
}

export function explore(config: Config, opts: ExploreOptions = {}): Exploration {
  const started = performance.now();
  const properties = (opts.properties ?? PROPERTIES).filter((p) => p.notApplicable(config) === null);
  const skipped = (opts.properties ?? PROPERTIES).filter((p) => p.notApplicable(config) !== null);
  const letters = opts.alphabet ?? defaultAlphabet(config);
  const A = letters.length;
  const engine = new Engine(config, letters, opts.system);

  const stateProps = properties.filter((p): p is StateProperty => p.kind === 'state');
  const stepProps = properties.filter((p): p is StepProperty => p.kind === 'step');
  const graphProps = properties.filter((p): p is GraphProperty => p.kind === 'graph');
  const monitored = stepProps.filter((p) => p.monitor !== undefined);
  const monitorSlot = new Map<StepProperty, number>(monitored.map((p, i) => [p, BASE_WIDTH + i]));
  const width = BASE_WIDTH + monitored.length;
  const wantsEdges = opts.keepEdges ?? graphProps.some((p) => p.check === 'eventually');
  const maxStates = opts.maxStates ?? 5_000_000;

  const table = new TupleTable(width);
  let parent: Int32Array<ArrayBuffer> = new Int32Array(1 << 16);
  let parentEvent: Int32Array<ArrayBuffer> = new Int32Array(1 << 16);
  let succ: Int32Array<ArrayBuffer> | null = wantsEdges ? new Int32Array((1 << 16) * A) : null;

  const violation = new Map<string, { state: number; event: number; note: string | null }>();
  const violate = (id: string, state: number, event: number, note: string | null = null) => {
    if (!violation.has(id)) violation.set(id, { state, event, note });
  };

  // State invariants depend on the actors' snapshots only: their verdict bits are cached per
  // snapshot-id combination (SnapshotCombos), as are the liveness goals.
  const combos = new SnapshotCombos();
  let stateBad = new Int32Array(1 << 12).fill(-1);
  // Step properties and monitors depend on the step's outcome (a trie leaf, which fixes every
  // snapshot the step reads) and the monitor values: cached per (outcome, monitor values) as an
  // index into stepVerdicts: the violated bits, then the next monitor values.
  const stepCache = new PairMap();
  const stepVerdicts = new Int32List(1 << 12);
  const triggers = letters.map((e) => stepProps.map((p) => p.triggers(e)));
  const triggered = triggers.map((t) => t.some(Boolean));
  const figureProps = stateProps.filter((p) => p.figure !== undefined);
  const figures = new Map<string, { value: number; state: number }>();

  const init = engine.initialTuple();
  const t0 = new Int32Array(width);
  t0.set(init);
  for (const ev of opts.prefix ?? []) {
    const e = letters.findIndex((x) => JSON.stringify(x) === JSON.stringify(ev));
    if (e < 0) throw new Error(`prefix event ${JSON.stringify(ev)} is not in the alphabet`);
    Engine.apply(t0, engine.edge(t0, e));
  }
  table.add(t0);
  parent[0] = -1;
  parentEvent[0] = -1;

  const cur = new Int32Array(width);
  const next = new Int32Array(width);
  const memoryAtStart = process.memoryUsage().heapUsed;
  let edges = 0;
  let stopReason: Exploration['stopReason'] = 'done';
  const stateOf = (t: Int32Array): SystemState => engine.toState(t);

  for (let i = 0; i < table.count; i++) {
    // Every 1,024 states: progress, Ctrl-C and the memory budget (the arrays held outside the heap
    // count too: the visited set, parent links and kept edges).
    if ((i & 0x3ff) === 0 && i > 0) {
      opts.onProgress?.(table.count);
      if (opts.shouldStop?.()) {
        stopReason = 'interrupted';
        break;
      }
      const held =
        table.bytes +
        parent.byteLength +
        parentEvent.byteLength +
        (succ?.byteLength ?? 0) +
        engine.bytes +
        combos.bytes +
        stateBad.byteLength +
        stepCache.bytes +
        stepVerdicts.data.byteLength;
      if (
        opts.maxMemoryBytes !== undefined &&
        process.memoryUsage().heapUsed + held - memoryAtStart > opts.maxMemoryBytes
      ) {
        stopReason = 'max-memory';
        break;
      }
    }
    table.get(i, cur);
    if (succ !== null && (i + 1) * A > succ.length) succ = growInt32(succ, (i + 1) * A);

    if (stateProps.length) {
      const c = combos.id(cur);
      if (c >= stateBad.length) stateBad = growInt32(stateBad, c + 1, -1);
      let bad = stateBad[c] ?? -1;
      if (bad < 0) {
        bad = 0;
        const s = stateOf(cur);
        for (let k = 0; k < stateProps.length; k++) if (!stateProps[k]?.holds(s, config)) bad |= 1 << k;
        stateBad[c] = bad;
      }
      if (bad) stateProps.forEach((p, k) => bad & (1 << k) && violate(p.id, i, -1));
    }
    // (issue 6) Figures: measured in the first state that has one.
    if (figures.size < figureProps.length) {
      const s = stateOf(cur);
      for (const p of figureProps) {
        const f = figures.has(p.id) || p.figure === undefined ? null : p.figure(s, config);
        if (f !== null) figures.set(p.id, { value: f, state: i });
      }
    }

    let movable = false;
    for (let e = 0; e < A; e++) {
      const o = engine.edgeId(cur, e);
      edges++;
      if (!engine.accounted(o)) violate('every-event-handled', i, e, `dropped: no actor handled it`);
      const trig = triggered[e] ? triggers[e] : undefined;
      // Most events leave the state as it is (an errno, an ignored event): no successor to add.
      if (trig === undefined && engine.isSelfLoop(cur, o)) {
        if (succ !== null) succ[i * A + e] = i;
        continue;
      }
      next.set(cur);
      engine.applyId(next, o);

      if (trig !== undefined) {
        let mkey = 0;
        for (let k = 0; k < monitored.length; k++) mkey = mkey * 4 + (cur[BASE_WIDTH + k] ?? 0);
        let at = stepCache.get(o, mkey) - 1;
        if (at < 0) {
          const pre = stateOf(cur);
          const post = stateOf(next);
          const event = letters[e];
          if (event === undefined) throw new Error('bad event');
          const out = engine.outcome(o);
          const step = { pre, event, post, handled: out.handled, errno: out.errno, ignored: out.ignored };
          let bad = 0;
          const nextM: number[] = [];
          stepProps.forEach((p, k) => {
            const slot = monitorSlot.get(p);
            const m = slot === undefined ? 0 : (cur[slot] ?? 0);
            if (trig[k] && !p.holds(step, m, config)) bad |= 1 << k;
            if (slot !== undefined) nextM.push(trig[k] && p.monitor ? p.monitor(m, step, config) : m);
          });
          at = stepVerdicts.length;
          stepVerdicts.push(bad);
          for (const m of nextM) stepVerdicts.push(m);
          stepCache.set(o, mkey, at + 1);
        }
        const verdicts = stepVerdicts.data;
        const bad = verdicts[at] ?? 0;
        if (bad) stepProps.forEach((p, k) => bad & (1 << k) && violate(p.id, i, e));
        for (let k = 0; k < monitored.length; k++) next[BASE_WIDTH + k] = verdicts[at + 1 + k] ?? 0;
      }

      let same = true;
      for (let k = 0; k < width; k++) {
        if (next[k] !== cur[k]) {
          same = false;
          break;
        }
      }
      if (same) {
        if (succ !== null) succ[i * A + e] = i;
        continue;
      }
      movable = true;
      const got = table.add(next);
      const j = got < 0 ? ~got : got;
      if (got >= 0) {
        if (j >= parent.length) {
          parent = growInt32(parent, j + 1);
          parentEvent = growInt32(parentEvent, j + 1);
        }
        parent[j] = i;
        parentEvent[j] = e;
      }
      if (succ !== null) succ[i * A + e] = j;
    }
    if (!movable) violate('no-deadlock', i, -1, 'no event leads out of this state');
    if (table.count >= maxStates && i + 1 < table.count) {
      stopReason = 'max-states';
      break;
    }
  }

  const complete = stopReason === 'done';
  const pathTo = (i: number): ExternalEvent[] => {
    const out: ExternalEvent[] = [];
    for (let k = i; k > 0; k = parent[k] ?? 0) {
      const ev = letters[parentEvent[k] ?? 0];
      if (ev) out.push(ev);
    }
    return out.reverse();
  };

  // Liveness: every reachable state can reach a goal state.
  for (const p of graphProps) {
    if (p.check !== 'eventually' || !complete || succ === null || p.goal === undefined) continue;
    const n = table.count;
    const good = new Uint8Array(n);
    // Goals read every actor (kdump's loaded image, hypervisor-assisted dump's registration):
    // cached per snapshot-id combination.
    const t = new Int32Array(width);
    const comboOf = new Int32Array(n);
    for (let i = 0; i < n; i++) comboOf[i] = combos.id(table.get(i, t));
    const goalOf = new Int8Array(combos.count).fill(-1);
    for (let i = 0; i < n; i++) {
      const c = comboOf[i] ?? 0;
      let g = goalOf[c] ?? -1;
      if (g < 0) {
        g = p.goal(stateOf(table.get(i, t)), config) ? 1 : 0;
        goalOf[c] = g;
      }
      if (g) good[i] = 1;
    }
    // Reverse adjacency (CSR), then backward reachability from the goal states.
    const indeg = new Int32Array(n + 1);
    const edgesOf = succ;
    for (let i = 0; i < n * A; i++) {
      const to = (edgesOf[i] ?? 0) + 1;
      indeg[to] = (indeg[to] ?? 0) + 1;
    }
    for (let i = 0; i < n; i++) indeg[i + 1] = (indeg[i + 1] ?? 0) + (indeg[i] ?? 0);
    const fill = indeg.slice(0, n);
    const rev = new Int32Array(n * A);
    for (let i = 0; i < n; i++) {
      for (let e = 0; e < A; e++) {
        const to = edgesOf[i * A + e] ?? 0;
        const at = fill[to] ?? 0;
        rev[at] = i;
        fill[to] = at + 1;
      }
    }
    const queue: number[] = [];
    for (let i = 0; i < n; i++) if (good[i]) queue.push(i);
    for (let h = 0; h < queue.length; h++) {
      const v = queue[h] ?? 0;
      for (let k = indeg[v] ?? 0; k < (indeg[v + 1] ?? 0); k++) {
        const u = rev[k] ?? 0;
        if (!good[u]) {
          good[u] = 1;
          queue.push(u);
        }
      }
    }
    for (let i = 0; i < n; i++) {
      if (!good[i]) {
        violate(p.id, i, -1, 'from here production with fadump registered can never be reached');
        break;
      }
    }
  }

  const results: PropertyResult[] = [];
  for (const p of opts.properties ?? PROPERTIES) {
    if (skipped.includes(p)) {
      results.push({ property: p.id, verdict: 'n/a', states: 0, counterexample: null, note: p.notApplicable(config) });
      continue;
    }
    const v = violation.get(p.id);
    if (v) {
      const path = pathTo(v.state);
      const ev = letters[v.event];
      results.push({
        property: p.id,
        verdict: 'violated',
        states: table.count,
        counterexample: v.event >= 0 && ev ? [...path, ev] : path,
        note: v.note,
      });
    } else {
      const livenessSkipped = p.kind === 'graph' && p.check === 'eventually' && !complete;
      results.push({
        property: p.id,
        verdict: complete ? 'holds' : 'incomplete',
        states: table.count,
        counterexample: null,
        note: complete
          ? null
          : livenessSkipped
            ? `not decided: exploration stopped (${stopReason})`
            : `no violation in ${table.count} states before ${stopReason}`,
      });
    }
  }

  // (issue 6) Attach the figures.
  for (const r of results) {
    const f = figures.get(r.property);
    if (f !== undefined && r.verdict !== 'n/a') {
      r.figure = f.value;
      r.figureAt = pathTo(f.state);
    }
  }

  return {
    config,
    engine,
    alphabet: letters,
    states: table.count,
    edges,
    complete,
    stopReason,
    seconds: (performance.now() - started) / 1000,
    results,
    table,
    parent,
    parentEvent,
    succ,
    width,
    pathTo,
  };
}
