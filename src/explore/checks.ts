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
import { ANSWER_CODES, BASE_WIDTH, DUMP_CODES, DUMP_SLOT, type Engine } from './engine';
import { ReadTrie } from './read-trie';
import { actorOf, fieldName, partOf, ReadTracker, sideOf, VALUE_PART, WHOLE_PART } from './read-tracker';
import { TupleTable } from './table';
import { Int32List } from './typed';

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

/** The firmware's actor index, and its bit in an actor mask. */
const FIRMWARE = ACTORS.indexOf('firmware');
const FIRMWARE_BIT = 1 << FIRMWARE;

/** The values a step property's monitor may hold (0 to 3): two bits each in the step memo's key. */
export const MONITOR_VALUES = 4;

/** a, or a copy at least n long (doubling), the new slots set to `fill`. */
export function growInt32(a: Int32Array<ArrayBuffer>, n: number, fill = 0): Int32Array<ArrayBuffer> {
  if (n <= a.length) return a;
  const b = new Int32Array(Math.max(n, a.length * 2));
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
  return b;
}

/** Ids for the distinct combinations of actor snapshot ids and dump outcome (a state without its
 *  monitors: all a SystemState holds), built in three steps: the actors other than the firmware
 *  and the production kernel, with the dump outcome (`rest`); that with the production kernel's
 *  snapshot (`pair`: every actor but the firmware, and the dump outcome); that with the firmware's
 *  snapshot. id() also leaves the pair's id in `pairId`. */
export class SnapshotCombos {
  private readonly fw = FIRMWARE;
  private readonly pk = ACTORS.indexOf('productionKernel');
  private readonly restIdx = [...ACTORS.map((_, k) => k).filter((k) => k !== this.fw && k !== this.pk), DUMP_SLOT];
  private readonly rest = new TupleTable(this.restIdx.length, 1 << 8);
  private readonly pairs = new TupleTable(2, 1 << 10);
  private readonly combos = new TupleTable(2, 1 << 12);
  private readonly restKey = new Int32Array(this.restIdx.length);
  private readonly pairKey = new Int32Array(2);
  private readonly key = new Int32Array(2);
  /** The id asked last (-1: none yet), for a state's second ask: PropertyChecks.goalBits and
   *  stateVerdict ask one after the other, and on a large space each lookup misses the caches (on
   *  configs/large.json, 43 s of a 505 s profile). */
  private lastId = -1;
  /** The pair id of the tuple asked last. */
  pairId = -1;

  get count(): number {
    return this.combos.count;
  }

  /** Bytes held outside the JS heap. */
  get bytes(): number {
    return this.rest.bytes + this.pairs.bytes + this.combos.bytes;
  }

  /** The id of tuple t's combination of actor snapshot ids and dump outcome (new ids count up
   *  from 0). */
  id(t: ArrayLike<number>): number {
    if (this.lastId >= 0 && this.asLast(t)) return this.lastId;
    for (let i = 0; i < this.restIdx.length; i++) this.restKey[i] = t[this.restIdx[i] ?? 0] ?? 0;
    const r = this.rest.add(this.restKey);
    this.pairKey[0] = t[this.pk] ?? 0;
    this.pairKey[1] = r < 0 ? ~r : r;
    const p = this.pairs.add(this.pairKey);
    this.pairId = p < 0 ? ~p : p;
    this.key[0] = t[this.fw] ?? 0;
    this.key[1] = this.pairId;
    const c = this.combos.add(this.key);
    this.lastId = c < 0 ? ~c : c;
    return this.lastId;
  }

  /** Whether tuple t holds the snapshot ids and dump outcome of the one asked last. */
  private asLast(t: ArrayLike<number>): boolean {
    if (t[this.fw] !== this.key[0] || t[this.pk] !== this.pairKey[0]) return false;
    for (let i = 0; i < this.restIdx.length; i++) if (t[this.restIdx[i] ?? 0] !== this.restKey[i]) return false;
    return true;
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
  // State invariants depend on the actors' snapshots and the dump outcome only: their verdict
  // bits are cached per combination of those (SnapshotCombos), as are the liveness goals. On a
  // new combination each invariant's answer is looked up under what it read, as the step
  // properties' are (`held`, keyed by the invariant and the dump outcome), and judged only when
  // it read other values: together the invariants read the firmware and the production kernel
  // whole, so combinations repeat little, but each alone reads a few state values and fields
  // (over the first million states of configs/large.json, 6% of the answers asked are judged).
  readonly combos = new SnapshotCombos();
  /** The 'eventually' properties (graphProps order): bit k of goalBits() is the k-th's goal. Their
   *  goals are cached as the invariants are (`held`'s keys past the invariants'). */
  readonly eventually: GraphProperty[];
  /** The state predicates: the invariants, then the goals; their index is their key in `held` and
   *  their bit in `holding` (made once: a closure a call would be garbage a state). */
  private readonly predicates: ((s: SystemState) => boolean)[];
  /** Per combination (SnapshotCombos id), which predicates hold, one bit each; -1 until asked. */
  private holding = new Int32Array(1 << 12).fill(-1);
  /** Per pair (SnapshotCombos.pairId: every actor's snapshot but the firmware's, and the dump
   *  outcome), the predicates known there without the firmware (one judged there read nothing of
   *  it, so its answer is the pair's whatever the firmware holds), and which of them hold; per
   *  firmware snapshot id and dump outcome (fw * DUMP_CODES.length + dump), the same for the
   *  predicates that read nothing but the firmware. On configs/large.json a combination of
   *  snapshots is met about twice, but a pair or a firmware snapshot thousands of times. */
  private pairKnown = new Int32Array(1 << 10);
  private pairHolds = new Int32Array(1 << 10);
  private fwKnown = new Int32Array(1 << 10);
  private fwHolds = new Int32Array(1 << 10);
  /** The actors (one bit each) the last stateHolds() read. */
  private readMask = 0;
  private held = this.newMemo();
  // Step properties and monitors read the pre- and post-state, and are pure: their answer is a
  // function of the event, the step's answer (handled, errno), the monitor values, the dump
  // outcomes and the actor snapshots they read. judgeStep records which snapshots it read, in
  // order, and `judged` keeps the answer under those (src/explore/read-trie.ts): the next step with
  // the same reads gets it without judging, whatever the other actors hold. (Keyed by the step's
  // outcome instead, an answer would wrongly hold for every state with that outcome when a
  // property reads an actor the step does not reach, as no-crash-kernel-loaded-window's monitor
  // does through armed(); and outcomes rarely repeat.) Answers are indices into stepVerdicts: the
  // violated bits, then the next monitor values.
  private judged = this.newMemo();
  private readonly stepVerdicts = new Int32List(1 << 12);
  private readonly triggers: boolean[][];
  private readonly triggered: boolean[];
  /** The events that trigger some step property, as bits (bit b of word w: alphabet event 32w + b). */
  readonly triggerWords: Int32Array;
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
    this.eventually = this.graphProps.filter((p) => p.check === 'eventually');
    this.predicates = [
      ...this.stateProps.map((p) => (s: SystemState) => p.holds(s, config)),
      ...this.eventually.map((p) => (s: SystemState) => p.goal?.(s, config) === true),
    ];
    if (this.predicates.length > 31)
      throw new Error(`${this.predicates.length} state invariants and goals: a state's bits hold 31`);
    this.monitored = this.stepProps.filter((p) => p.monitor !== undefined);
    this.monitorSlot = new Map(this.monitored.map((p, i) => [p, BASE_WIDTH + i]));
    this.width = BASE_WIDTH + this.monitored.length;
    this.triggers = letters.map((e) => this.stepProps.map((p) => p.triggers(e)));
    this.triggered = this.triggers.map((t) => t.some(Boolean));
    this.triggerWords = new Int32Array((letters.length + 31) >>> 5);
    this.triggered.forEach((t, e) => {
      if (t) this.triggerWords[e >>> 5] = (this.triggerWords[e >>> 5] ?? 0) | (1 << (e & 31));
    });
    this.figureProps = this.stateProps.filter((p) => p.figure !== undefined);
    this.emptyJudgedBytes = this.judgedBytes;
  }

  /** The value of ReadTrie variable v (src/explore/read-tracker.ts variable()) in the step from
   *  tuple `pre` to tuple `post`: the actor's snapshot id, the id of its state value, or the
   *  structural id of one field of its context (-1 when undefined). */
  private readValue(v: number, pre: ArrayLike<number>, post: ArrayLike<number>): number {
    const actor = actorOf(v);
    this.readMask |= 1 << actor;
    const sid = (sideOf(v) ? post[actor] : pre[actor]) ?? 0;
    const part = partOf(v);
    if (part === WHOLE_PART) return sid;
    if (part === VALUE_PART) return this.engine.stepper.valueId(actor, sid);
    let key = this.fieldKeys[part] ?? -1;
    if (key < 0) this.fieldKeys[part] = key = this.engine.stepper.fieldKey(fieldName(part) ?? '');
    return this.engine.stepper.fieldId(actor, sid, key);
  }

  /** Per variable part naming a context field, its key in the stepper's ids (-1: not asked yet). */
  private readonly fieldKeys: number[] = [];

  private newMemo(): ReadTrie {
    return new ReadTrie((v, pre, post) => this.readValue(v, pre, post));
  }

  /** Bytes held by the step judgements' and the invariants' memos. */
  get judgedBytes(): number {
    return this.judged.bytes + this.stepVerdicts.data.byteLength + this.held.bytes;
  }

  /** judgedBytes when empty (as made, and after flushJudged()). */
  private readonly emptyJudgedBytes: number;

  /** The bytes flushJudged() would free. */
  get flushableBytes(): number {
    return this.judgedBytes - this.emptyJudgedBytes;
  }

  /** Empties the step judgements' memo (the search flushes it with the engine's step trie when
   *  its memory budget is reached): steps are judged again as they come. */
  flushJudged(): void {
    this.judged = this.newMemo();
    this.held = this.newMemo();
    this.stepVerdicts.reset();
  }

  /** Bytes held outside the JS heap by the caches (for the memory budget). */
  get bytes(): number {
    return (
      this.combos.bytes +
      this.holding.byteLength +
      this.pairKnown.byteLength * 2 +
      this.fwKnown.byteLength * 2 +
      this.judgedBytes
    );
  }

  /** While set, violations go to it instead of being recorded (a split worker's visit ahead of a
   *  state's turn, src/explore/split-ahead.ts: recorded at the turn, in the order one thread finds
   *  them). */
  deferTo: ((id: string, event: number, note: string | null) => void) | null = null;

  /** Records a violation, unless the property already has one (or hands it to deferTo). */
  violate(id: string, state: number, event: number, note: string | null = null): void {
    if (this.violation.has(id)) return;
    if (this.deferTo !== null) this.deferTo(id, event, note);
    else this.violation.set(id, { state, event, note });
  }

  /** Records a violation of props[k] for each bit k of `bad` (a loop, not a closure: a space with
   *  violations breaks its properties on step after step). */
  private violateAll(props: readonly Property[], bad: number, state: number, event: number): void {
    for (let k = 0; k < props.length; k++) {
      const p = props[k];
      if (p !== undefined && bad & (1 << k)) this.violate(p.id, state, event);
    }
  }

  /** The state invariants (stateProps) the state with tuple `cur` breaks, one bit each. */
  stateVerdict(cur: Int32Array): number {
    return ~this.holds(cur) & ((1 << this.stateProps.length) - 1);
  }

  /** Which of the 'eventually' properties' goals hold in the state with tuple `cur`, one bit each
   *  (`eventually` order; 0 for a property without a goal). */
  goalBits(cur: Int32Array): number {
    return this.holds(cur) >>> this.stateProps.length;
  }

  /** Which state predicates (invariants, then goals) hold in the state with tuple `cur`, one bit
   *  each: cached per combination of snapshots and dump outcome (SnapshotCombos). */
  private holds(cur: Int32Array): number {
    const c = this.combos.id(cur);
    if (c >= this.holding.length) this.holding = growInt32(this.holding, c + 1, -1);
    let bits = this.holding[c] ?? -1;
    if (bits < 0) {
      bits = this.judgeCombination(cur);
      this.holding[c] = bits;
    }
    return bits;
  }

  /** Which state predicates hold in the state with tuple `cur`, a combination not met before
   *  (combos.id(cur) asked last): those known for its pair or its firmware snapshot, and each of
   *  the others looked up under what it read (stateHolds), then known for its pair when it read
   *  nothing of the firmware, or for its firmware snapshot when it read nothing else. */
  private judgeCombination(cur: Int32Array): number {
    const p = this.combos.pairId;
    const f = (cur[FIRMWARE] ?? 0) * DUMP_CODES.length + (cur[DUMP_SLOT] ?? 0);
    if (p >= this.pairKnown.length) {
      this.pairKnown = growInt32(this.pairKnown, p + 1);
      this.pairHolds = growInt32(this.pairHolds, p + 1);
    }
    if (f >= this.fwKnown.length) {
      this.fwKnown = growInt32(this.fwKnown, f + 1);
      this.fwHolds = growInt32(this.fwHolds, f + 1);
    }
    const pk = this.pairKnown[p] ?? 0;
    const fk = this.fwKnown[f] ?? 0;
    let bits = ((this.pairHolds[p] ?? 0) & pk) | ((this.fwHolds[f] ?? 0) & fk);
    const todo = ~(pk | fk);
    for (let k = 0; k < this.predicates.length; k++) {
      const bit = 1 << k;
      if ((todo & bit) === 0) continue;
      const h = this.stateHolds(k, cur);
      if (h) bits |= bit;
      if ((this.readMask & FIRMWARE_BIT) === 0) {
        this.pairKnown[p] = (this.pairKnown[p] ?? 0) | bit;
        if (h) this.pairHolds[p] = (this.pairHolds[p] ?? 0) | bit;
      } else if ((this.readMask & ~FIRMWARE_BIT) === 0) {
        this.fwKnown[f] = (this.fwKnown[f] ?? 0) | bit;
        if (h) this.fwHolds[f] = (this.fwHolds[f] ?? 0) | bit;
      }
    }
    return bits;
  }

  /** Whether predicate k (invariant k, or the goal of eventually[k - stateProps.length]) is true
   *  in the state with tuple `cur`: kept under what it read (the actor snapshots and state values,
   *  src/explore/read-tracker.ts) and the dump outcome, else judged now. Leaves the actors it read
   *  (or read before) in readMask. */
  private stateHolds(k: number, cur: Int32Array): boolean {
    const holds = this.predicates[k];
    if (holds === undefined) throw new Error(`no state predicate ${k}`);
    const dump = cur[DUMP_SLOT] ?? 0;
    this.readMask = 0;
    const known = this.held.find(k, dump, cur, cur);
    if (known >= 0) return known === 1;
    const reads: number[] = [];
    const answer = holds(new ReadTracker(reads).track(this.engine.toState(cur), 0));
    this.held.record(k, dump, reads, cur, cur, answer ? 1 : 0);
    this.readMask = 0;
    for (const v of reads) this.readMask |= 1 << actorOf(v);
    return answer;
  }

  /** State invariants and figures in state i, whose tuple is `cur`. */
  checkState(i: number, cur: Int32Array): void {
    const stateProps = this.stateProps;
    if (stateProps.length) {
      const bad = this.stateVerdict(cur);
      if (bad) this.violateAll(stateProps, bad, i, -1);
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
    const at = this.answerAt(e, o, cur, next, trig);
    const verdicts = this.stepVerdicts.data;
    const bad = verdicts[at] ?? 0;
    if (bad) this.violateAll(this.stepProps, bad, i, e);
    for (let k = 0; k < this.monitored.length; k++) next[BASE_WIDTH + k] = verdicts[at + 1 + k] ?? 0;
  }

  /** What the step properties say of a step, as checkStep takes it: the bits of the ones it
   *  violates (one per property of stepProps), and the monitor values after it (one per monitored
   *  property, in order). */
  stepVerdict(
    e: number,
    o: number,
    cur: Int32Array,
    next: Int32Array,
    trig: readonly boolean[],
  ): { violated: number; monitors: number[] } {
    const at = this.answerAt(e, o, cur, next, trig);
    const v = this.stepVerdicts.data;
    return { violated: v[at] ?? 0, monitors: this.monitored.map((_, k) => v[at + 1 + k] ?? 0) };
  }

  /** The step's answer in stepVerdicts: kept under what its judgement read, else judged now. */
  private answerAt(e: number, o: number, cur: Int32Array, next: Int32Array, trig: readonly boolean[]): number {
    const key = this.stepKey(o, cur, next);
    let at = this.judged.find(e, key, cur, next);
    if (at < 0) {
      const reads: number[] = [];
      const judged = this.judgeStep(e, o, cur, next, trig, reads);
      at = judged.at;
      if (judged.cacheable) this.judged.record(e, key, reads, cur, next, at);
    }
    return at;
  }

  /** What a step's judgement depends on besides the event and the snapshots it reads, as one int:
   *  the monitor values and dump outcome before (two bits each), the dump outcome after, whether
   *  the event was handled and its errno (outcome o's answer code).
   *  @throws Error past 2^31 (more than 9 monitored properties). */
  private stepKey(o: number, cur: Int32Array, next: Int32Array): number {
    let key = 0;
    for (let k = 0; k < this.monitored.length; k++) key = key * MONITOR_VALUES + (cur[BASE_WIDTH + k] ?? 0);
    key = (key * 4 + (cur[DUMP_SLOT] ?? 0)) * 4 + (next[DUMP_SLOT] ?? 0);
    key = key * ANSWER_CODES + this.engine.answerCode(o);
    if (key > 0x7fffffff) throw new Error(`step cache: ${this.monitored.length} monitors outgrow its keys`);
    return key;
  }

  /** Evaluates a step not seen before with these values: appends the violated bits, then the next
   *  monitor values, to stepVerdicts (at `at`). Appends to `reads` the ReadTrie variables of the
   *  actor snapshots the properties read, in order; `cacheable` is false when they read what the
   *  key leaves out (the events the step ignored). */
  private judgeStep(
    e: number,
    o: number,
    cur: Int32Array,
    next: Int32Array,
    trig: readonly boolean[],
    reads: number[],
  ): { at: number; cacheable: boolean } {
    const event = this.letters[e];
    if (event === undefined) throw new Error('bad event');
    const out = this.engine.outcome(o);
    const tracker = new ReadTracker(reads);
    let cacheable = true;
    const step = {
      pre: tracker.track(this.engine.toState(cur), 0),
      event,
      post: tracker.track(this.engine.toState(next), 1),
      handled: out.handled,
      errno: out.errno,
      get ignored() {
        cacheable = false;
        return out.ignored;
      },
    };
    let bad = 0;
    const nextM: number[] = [];
    this.stepProps.forEach((p, k) => {
      const slot = this.monitorSlot.get(p);
      const m = slot === undefined ? 0 : (cur[slot] ?? 0);
      if (trig[k] && !p.holds(step, m, this.config)) bad |= 1 << k;
      if (slot === undefined) return;
      const after = trig[k] && p.monitor ? p.monitor(m, step, this.config) : m;
      if (!Number.isInteger(after) || after < 0 || after >= MONITOR_VALUES)
        throw new Error(`step property ${p.id}: its monitor gave ${after}; a monitor holds 0 to ${MONITOR_VALUES - 1}`);
      nextM.push(after);
    });
    const at = this.stepVerdicts.length;
    this.stepVerdicts.push(bad);
    for (const m of nextM) this.stepVerdicts.push(m);
    return { at, cacheable };
  }

  /** One result per property of `all` (in that order): 'n/a' where it does not apply to the
   *  configuration, else 'violated' with the shortest counterexample, else 'holds' or, when the
   *  search stopped early, 'incomplete'; an 'eventually' property is 'incomplete' too when no
   *  edges were kept to decide it (`liveness` false: ExploreOptions.keepEdges false). Figures are
   *  attached (issue 6). */
  results(
    all: readonly Property[],
    states: number,
    stopReason: StopReason,
    pathTo: (i: number) => ExternalEvent[],
    liveness = true,
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
      const eventually = p.kind === 'graph' && p.check === 'eventually';
      if (complete && eventually && !liveness) {
        const note = 'not decided: no edges kept (keepEdges: false)';
        return { property: p.id, verdict: 'incomplete', states, counterexample: null, note };
      }
      const note = complete
        ? null
        : eventually
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

/** Per state, which 'eventually' properties' goals hold there (bit k for the k-th), recorded as
 *  the search expands it (hash compaction, and a split exploration's workers: the tuples are gone
 *  afterwards). */
export class GoalBits {
  private bits = new Uint8Array(1 << 10);

  /** `goals`: how many 'eventually' properties (checks.eventually), at most 8. */
  constructor(
    goals: number,
    private readonly checks: PropertyChecks,
  ) {
    if (goals > 8) throw new Error('more than 8 eventually-properties: GoalBits keeps 8 bits a state');
  }

  /** Bytes held by the per-state bits. */
  get bytes(): number {
    return this.bits.byteLength;
  }

  /** State i (tuple t) is being expanded. */
  record(i: number, t: Int32Array): void {
    if (i >= this.bits.length) {
      const grown = new Uint8Array(Math.max(i + 1, Math.ceil(this.bits.length * 1.5)));
      grown.set(this.bits);
      this.bits = grown;
    }
    this.bits[i] = this.checks.goalBits(t);
  }

  /** good[i] = 1 where the k-th property's goal holds, for states 0 .. n - 1. */
  good(k: number, n: number): Uint8Array {
    const good = new Uint8Array(n);
    for (let i = 0; i < n; i++) good[i] = ((this.bits[i] ?? 0) >> k) & 1;
    return good;
  }
}
