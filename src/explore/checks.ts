// The property checks made during the search (docs/design.md §6 "Exploration and test
// paths"): state invariants and figures in every state, step properties and their monitors on
// every step an event triggers them for, and the verdicts at the end. Liveness runs on the whole
// graph afterwards (src/explore/liveness.ts). Each property keeps the first violation found; the
// search visits states breadth-first, so it is one of the nearest to the initial state.
import { ACTORS, type SystemState } from '../../machines/system';
import type { Config } from '../config';
import type { ExternalEvent } from '../events';
import type { GraphProperty, Property, StateProperty, StepProperty } from '../specs/properties';
import type { StopReason } from './budget';
import { BASE_WIDTH, DUMP_SLOT, type Engine } from './engine';
import { TupleTable } from './table';
import { Int32List, PairMap } from './typed';

/** A property's verdict on one configuration: n/a where it does not apply to the configuration. */
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

/** a, or a copy at least n long (doubling), the new slots set to `fill`. */
export function growInt32(a: Int32Array<ArrayBuffer>, n: number, fill = 0): Int32Array<ArrayBuffer> {
  if (n <= a.length) return a;
  const b = new Int32Array(Math.max(n, a.length * 2));
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
  return b;
}

/** Ids for the distinct combinations of actor snapshot ids (a state without its dump outcome and
 *  monitors): the firmware and the production kernel vary most, the other actors' combination is
 *  interned first, so the key is three numbers. */
export class SnapshotCombos {
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

  /** Bytes held outside the JS heap. */
  get bytes(): number {
    return this.rest.bytes + this.triples.bytes;
  }

  /** The id of tuple t's combination of actor snapshot ids (new ids count up from 0). */
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

const ACTOR_INDEX = new Map<string | symbol, number>(ACTORS.map((a, k) => [a, k]));

/** A proxy handler over a state's actors that sets an actor's bit in `mask` whenever its snapshot
 *  is read (by name, or by enumerating them). One per judged step, for its pre- and post-state. */
class ReadTracker implements ProxyHandler<SystemState['actors']> {
  mask = 0;

  get(target: SystemState['actors'], key: string | symbol, receiver: unknown): unknown {
    this.mark(key);
    return Reflect.get(target, key, receiver) as unknown;
  }

  getOwnPropertyDescriptor(target: SystemState['actors'], key: string | symbol): PropertyDescriptor | undefined {
    this.mark(key);
    return Reflect.getOwnPropertyDescriptor(target, key);
  }

  private mark(key: string | symbol): void {
    const k = ACTOR_INDEX.get(key);
    if (k !== undefined) this.mask |= 1 << k;
  }

  /** `s` with its actors behind this tracker. */
  track(s: SystemState): SystemState {
    return { ...s, actors: new Proxy(s.actors, this) };
  }
}

/** A property's first violation: in state `state` (an index), by alphabet event `event` (-1: the
 *  state itself is bad). */
export interface Violation {
  state: number;
  event: number;
  note: string | null;
}

/** The applicable properties of one configuration, checked as the search goes; the tuple width
 *  (BASE_WIDTH plus one slot per monitor) follows from them. */
export class PropertyChecks {
  readonly stateProps: StateProperty[];
  readonly stepProps: StepProperty[];
  readonly graphProps: GraphProperty[];
  private readonly monitored: StepProperty[];
  private readonly monitorSlot: Map<StepProperty, number>;
  /** The tuple width: the engine's, then one monitor value per monitored step property. */
  readonly width: number;
  private readonly violation = new Map<string, Violation>();
  // State invariants depend on the actors' snapshots only: their verdict bits are cached per
  // snapshot-id combination (SnapshotCombos), as are the liveness goals.
  readonly combos = new SnapshotCombos();
  private stateBad = new Int32Array(1 << 12).fill(-1);
  // Step properties and monitors read the pre- and post-state. A step's outcome (a trie leaf)
  // fixes the event and the snapshots of the actors the step reached, before and after; the other
  // actors keep their snapshots, which the outcome does not fix (no-crash-kernel-loaded-window's
  // monitor reads the production kernel through armed() on a boot the firmware ignores). judgeStep
  // records which actors the properties read. When they read only actors the outcome fixes, their
  // answer holds for every state with that outcome, monitor values and dump outcome, and is cached
  // under those (wholeSteps); else the outcome is marked (-1) and its answers are cached per state
  // (stateSteps: per outcome and snapshot-id combination, monitor values and dump outcome).
  // Answers are indices into stepVerdicts: the violated bits, then the next monitor values.
  private readonly wholeSteps = new PairMap();
  private readonly stateSteps = new PairMap();
  private readonly stepVerdicts = new Int32List(1 << 12);
  /** The snapshot-id combination of state comboFor (checkStep asks once per state). */
  private comboFor = -1;
  private combo = 0;
  private readonly triggers: boolean[][];
  private readonly triggered: boolean[];
  private readonly figureProps: StateProperty[];
  private readonly figures = new Map<string, { value: number; state: number }>();

  constructor(
    private readonly config: Config,
    properties: readonly Property[],
    private readonly letters: readonly ExternalEvent[],
    private readonly engine: Engine,
  ) {
    this.stateProps = properties.filter((p): p is StateProperty => p.kind === 'state');
    this.stepProps = properties.filter((p): p is StepProperty => p.kind === 'step');
    this.graphProps = properties.filter((p): p is GraphProperty => p.kind === 'graph');
    this.monitored = this.stepProps.filter((p) => p.monitor !== undefined);
    this.monitorSlot = new Map(this.monitored.map((p, i) => [p, BASE_WIDTH + i]));
    this.width = BASE_WIDTH + this.monitored.length;
    this.triggers = letters.map((e) => this.stepProps.map((p) => p.triggers(e)));
    this.triggered = this.triggers.map((t) => t.some(Boolean));
    this.figureProps = this.stateProps.filter((p) => p.figure !== undefined);
  }

  /** Bytes held outside the JS heap by the caches (for the memory budget). */
  get bytes(): number {
    return (
      this.combos.bytes +
      this.stateBad.byteLength +
      this.wholeSteps.bytes +
      this.stateSteps.bytes +
      this.stepVerdicts.data.byteLength
    );
  }

  /** Records a violation, unless the property already has one. */
  violate(id: string, state: number, event: number, note: string | null = null): void {
    if (!this.violation.has(id)) this.violation.set(id, { state, event, note });
  }

  /** State invariants and figures in state i, whose tuple is `cur`. */
  checkState(i: number, cur: Int32Array): void {
    const stateProps = this.stateProps;
    if (stateProps.length) {
      const c = this.combos.id(cur);
      if (c >= this.stateBad.length) this.stateBad = growInt32(this.stateBad, c + 1, -1);
      let bad = this.stateBad[c] ?? -1;
      if (bad < 0) {
        bad = 0;
        const s = this.engine.toState(cur);
        for (let k = 0; k < stateProps.length; k++) if (!stateProps[k]?.holds(s, this.config)) bad |= 1 << k;
        this.stateBad[c] = bad;
      }
      if (bad) stateProps.forEach((p, k) => bad & (1 << k) && this.violate(p.id, i, -1));
    }
    // (issue 6) Figures: measured in the first state that has one.
    if (this.figures.size < this.figureProps.length) {
      const s = this.engine.toState(cur);
      for (const p of this.figureProps) {
        const f = this.figures.has(p.id) || p.figure === undefined ? null : p.figure(s, this.config);
        if (f !== null) this.figures.set(p.id, { value: f, state: i });
      }
    }
  }

  /** Which step properties event e triggers (by index in stepProps), or undefined for none. */
  triggeredBy(e: number): readonly boolean[] | undefined {
    return this.triggered[e] ? this.triggers[e] : undefined;
  }

  /** The step properties event e (outcome o) triggers, from state i (`cur`) to `next`; writes the
   *  next monitor values into `next`. */
  checkStep(i: number, e: number, o: number, cur: Int32Array, next: Int32Array, trig: readonly boolean[]): void {
    const monitored = this.monitored.length;
    let md = 0;
    for (let k = 0; k < monitored; k++) md = md * 4 + (cur[BASE_WIDTH + k] ?? 0);
    md = md * 4 + (cur[DUMP_SLOT] ?? 0);
    const whole = this.wholeSteps.get(o, md) - 1;
    let at = whole;
    if (whole === -2) {
      // Some property reads an actor this outcome does not fix: answers per state.
      const key = this.stateKey(i, cur, md);
      at = this.stateSteps.get(o, key) - 1;
      if (at < 0) {
        at = this.judgeStep(e, o, cur, next, trig).at;
        this.stateSteps.set(o, key, at + 1);
      }
    } else if (whole === -1) {
      const judged = this.judgeStep(e, o, cur, next, trig);
      at = judged.at;
      if ((judged.read & ~this.engine.reachedMask(o)) === 0) {
        this.wholeSteps.set(o, md, at + 1);
      } else {
        this.wholeSteps.set(o, md, -1);
        this.stateSteps.set(o, this.stateKey(i, cur, md), at + 1);
      }
    }
    const verdicts = this.stepVerdicts.data;
    const bad = verdicts[at] ?? 0;
    if (bad) this.stepProps.forEach((p, k) => bad & (1 << k) && this.violate(p.id, i, e));
    for (let k = 0; k < monitored; k++) next[BASE_WIDTH + k] = verdicts[at + 1 + k] ?? 0;
  }

  /** State i's key in stateSteps: its snapshot-id combination, then the monitor values and dump
   *  outcome (md). @throws Error when the combination ids outgrow an int (past 2^31 / 4^(monitors + 1)
   *  combinations: 33 million with two monitors). */
  private stateKey(i: number, cur: Int32Array, md: number): number {
    if (i !== this.comboFor) {
      this.combo = this.combos.id(cur);
      this.comboFor = i;
    }
    const bound = 4 ** (this.monitored.length + 1);
    const key = this.combo * bound + md;
    if (key > 0x7fffffff) throw new Error(`step cache: ${this.combo} snapshot combinations outgrow its keys`);
    return key;
  }

  /** Evaluates a step not seen before with these values: appends the violated bits, then the next
   *  monitor values, to stepVerdicts (at `at`), and tells which actors the properties read (one
   *  bit per actor index). */
  private judgeStep(
    e: number,
    o: number,
    cur: Int32Array,
    next: Int32Array,
    trig: readonly boolean[],
  ): { at: number; read: number } {
    const event = this.letters[e];
    if (event === undefined) throw new Error('bad event');
    const reads = new ReadTracker();
    const out = this.engine.outcome(o);
    const step = {
      pre: reads.track(this.engine.toState(cur)),
      event,
      post: reads.track(this.engine.toState(next)),
      handled: out.handled,
      errno: out.errno,
      ignored: out.ignored,
    };
    let bad = 0;
    const nextM: number[] = [];
    this.stepProps.forEach((p, k) => {
      const slot = this.monitorSlot.get(p);
      const m = slot === undefined ? 0 : (cur[slot] ?? 0);
      if (trig[k] && !p.holds(step, m, this.config)) bad |= 1 << k;
      if (slot !== undefined) nextM.push(trig[k] && p.monitor ? p.monitor(m, step, this.config) : m);
    });
    const at = this.stepVerdicts.length;
    this.stepVerdicts.push(bad);
    for (const m of nextM) this.stepVerdicts.push(m);
    return { at, read: reads.mask };
  }

  /** One result per property of `all` (in that order): 'n/a' where it does not apply to the
   *  configuration, else 'violated' with the shortest counterexample, else 'holds' or, when the
   *  search stopped early, 'incomplete'. Figures are attached (issue 6). */
  results(
    all: readonly Property[],
    states: number,
    stopReason: StopReason,
    pathTo: (i: number) => ExternalEvent[],
  ): PropertyResult[] {
    const complete = stopReason === 'done';
    const results = all.map((p): PropertyResult => {
      const na = p.notApplicable(this.config);
      if (na !== null) return { property: p.id, verdict: 'n/a', states: 0, counterexample: null, note: na };
      const v = this.violation.get(p.id);
      if (v) {
        const path = pathTo(v.state);
        const ev = this.letters[v.event];
        const counterexample = v.event >= 0 && ev ? [...path, ev] : path;
        return { property: p.id, verdict: 'violated', states, counterexample, note: v.note };
      }
      const livenessSkipped = p.kind === 'graph' && p.check === 'eventually' && !complete;
      const note = complete
        ? null
        : livenessSkipped
          ? `not decided: exploration stopped (${stopReason})`
          : `no violation in ${states} states before ${stopReason}`;
      return { property: p.id, verdict: complete ? 'holds' : 'incomplete', states, counterexample: null, note };
    });
    // (issue 6) Attach the figures.
    for (const r of results) {
      const f = this.figures.get(r.property);
      if (f !== undefined && r.verdict !== 'n/a') {
        r.figure = f.value;
        r.figureAt = pathTo(f.state);
      }
    }
    return results;
  }
}
