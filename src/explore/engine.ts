// The fast engine. XState's transition() costs tens of microseconds a step; exploration needs
// millions. Every actor step is still computed by XState, once, and cached:
//  1. snapshots and events are interned: one canonical object per distinct value, with an id;
//  2. each actor's local step (snapshot id, event id) → (next id, emitted event ids) is cached;
//     a step that keeps the context (assigns nothing: it answers with an errno, ignores the event,
//     or changes state only) is also kept under what it read of the context
//     (src/explore/context-reads.ts), and answers the same step from other snapshots in the same
//     state with the same values there, without XState;
//  3. a system step runs system.step's routing on those ids (compile), and is kept in a trie:
//     for an external event the routing visits actors in a fixed order, and the result depends
//     only on the snapshot each actor had when the step first reached it; so the trie branches on
//     those ids and its leaf holds the outcome.
// The caches, the trie and the outcomes live in typed arrays (src/explore/typed.ts): tens of
// millions of entries without objects for the garbage collector to trace. Snapshots and events are
// interned by structure (src/util/canonical.ts StructuralIds, memoised per object), so interning a
// step's result reads only what changed.
// test/engine-faithfulness.test.ts checks on thousands of random paths that the engine and
// XState's own transition() reach the same snapshots.
import {
  ACTORS,
  createSystem,
  isFallback,
  listenersOf,
  MAX_DELIVERIES_PER_STEP,
  ModelError,
  scopedStepper,
  type ActorId,
  type ActorStepper,
  type DumpOutcome,
  type Snapshots,
  type System,
  type SystemState,
} from '../../machines/system';
import type { Config } from '../config';
import { StructuralIds } from '../util/canonical';
import { ContextReads } from './context-reads';
import { hashTuple } from './table';
import { Int32List, PairMap } from './typed';
import {
  ERRNOS,
  toMachineEvent,
  type AnyEvent,
  type Errno,
  type ExternalEvent,
  type ExternalMachineEvent,
  type InternalEvent,
} from '../events';

export const N_ACTORS = ACTORS.length;
/** Tuple layout: one snapshot id per actor, then the dump outcome. */
export const DUMP_SLOT = N_ACTORS;
export const BASE_WIDTH = N_ACTORS + 1;
export const DUMP_CODES: readonly DumpOutcome[] = ['none', 'captured', 'lost'];

type AnySnapshot = Snapshots[ActorId];

interface ActorStepResult {
  actor: number;
  /** The step: snapshot id `from` of the actor, event id `event`. */
  from: number;
  event: number;
  next: number;
  emitted: number[];
  reacted: boolean;
}

/** Snapshot `s` with another context (xstate's cloneMachineSnapshot, without recomputing the
 *  state value and tags its nodes determine). */
function withContext<S extends { context: object }>(s: S, context: S['context']): S {
  return { ...s, context };
}

/** Interning and per-actor step caches, usable as system.step's stepper. */
export class CachedStepper implements ActorStepper {
  readonly snaps: AnySnapshot[][] = ACTORS.map(() => []);
  private readonly snapIdByObject = new Map<object, number>();
  /** Per actor, the structural ids of (value, context) → snapshot id. */
  private readonly snapIdByKey: PairMap[] = ACTORS.map(() => new PairMap());
  /** Per actor, snapshot id → the structural id of its state value. */
  private readonly valueIds: Int32List[] = ACTORS.map(() => new Int32List(1 << 8));
  readonly events: AnyEvent[] = [];
  private readonly eventIdByObject = new Map<object, number>();
  /** An event's structural id (with 0) → its id + 1. */
  private readonly eventIdByKey = new PairMap();
  /** Per actor, (snapshot id, event id) → index + 1 in `results`. */
  private readonly cache: PairMap[] = ACTORS.map(() => new PairMap());
  private readonly results: ActorStepResult[] = [];
  /** The results again, in typed arrays for the compile loop (no object to load per step):
   *  result r's next snapshot id << 1 | reacted, and its emitted event ids at
   *  emittedIds[emitStart[r] .. emitStart[r + 1]). */
  readonly nextReacted = new Int32List(1 << 10);
  readonly emitStart = new Int32List(1 << 10);
  readonly emittedIds = new Int32List(1 << 10);
  private readonly structure = new StructuralIds();
  /** Per actor, the steps that kept its context, by what they read of it. */
  private readonly contextMemo: ContextReads[] = ACTORS.map(() => new ContextReads(this.structure));
  /** Actor steps computed by XState (cache misses). */
  misses = 0;
  /** Actor steps answered by `contextMemo` (cache misses XState did not compute). */
  memoHits = 0;

  constructor(private readonly inner: ActorStepper) {
    this.emitStart.push(0);
  }

  actorIndex(actor: ActorId): number {
    return ACTORS.indexOf(actor);
  }

  internSnapshot(a: number, snap: AnySnapshot): number {
    const known = this.snapIdByObject.get(snap);
    if (known !== undefined) return known;
    const byKey = this.snapIdByKey[a];
    if (byKey === undefined) throw new Error(`no actor ${a}`);
    const value = this.structure.id(snap.value);
    const context = this.structure.id(snap.context);
    let id = byKey.get(value, context) - 1;
    if (id < 0) {
      const list = this.snaps[a] ?? [];
      id = list.length;
      list.push(snap);
      this.valueIds[a]?.push(value);
      byKey.set(value, context, id + 1);
      this.snapIdByObject.set(snap, id);
    }
    return id;
  }

  snapshot(a: number, id: number): AnySnapshot {
    const s = this.snaps[a]?.[id];
    if (s === undefined) throw new Error(`unknown snapshot ${id} of ${ACTORS[a]}`);
    return s;
  }

  /** The id of snapshot `sid` of actor a's state value: snapshots in the same state (whatever
   *  their context) share it. */
  valueId(a: number, sid: number): number {
    return this.valueIds[a]?.data[sid] ?? -1;
  }

  internEvent(e: AnyEvent): number {
    const known = this.eventIdByObject.get(e);
    if (known !== undefined) return known;
    const key = this.structure.id(e);
    let id = this.eventIdByKey.get(key, 0) - 1;
    if (id < 0) {
      id = this.events.length;
      this.events.push(e);
      this.eventIdByKey.set(key, 0, id + 1);
    }
    this.eventIdByObject.set(e, id);
    return id;
  }

  /** One actor step on ids: cached, else answered by the context memo, else computed by XState
   *  once. */
  stepIds(a: number, sid: number, eid: number): ActorStepResult {
    const r = this.results[this.stepIndex(a, sid, eid)];
    if (r === undefined) throw new Error(`no step result for ${a}/${sid}/${eid}`);
    return r;
  }

  /** stepIds' result as an index into the typed arrays (nextReacted, emitStart). */
  stepIndex(a: number, sid: number, eid: number): number {
    const cache = this.cache[a];
    if (cache === undefined) throw new Error(`no actor ${a}`);
    const known = cache.get(sid, eid) - 1;
    if (known >= 0) return known;
    const r = this.uncachedStep(a, sid, eid);
    this.results.push(r);
    this.nextReacted.push((r.next << 1) | (r.reacted ? 1 : 0));
    for (const x of r.emitted) this.emittedIds.push(x);
    this.emitStart.push(this.emittedIds.length);
    cache.set(sid, eid, this.results.length);
    return this.results.length - 1;
  }

  /** The step from snapshot sid by event eid, not cached yet: from the context memo when it has
   *  it, else computed by XState (with what it reads of the context tracked, unless a step from
   *  the same state by the same event read the whole context). */
  private uncachedStep(a: number, sid: number, eid: number): ActorStepResult {
    const memo = this.contextMemo[a];
    if (memo === undefined) throw new Error(`no actor ${a}`);
    const value = this.valueId(a, sid);
    const base = this.results[memo.find(value, eid, this.snapshot(a, sid).context)];
    return base === undefined
      ? this.computeStep(a, sid, eid, memo.worthTracking(value, eid))
      : this.memoStep(a, sid, eid, base);
  }

  /** The step from snapshot sid by event eid answered by the context memo: the step `base`, from
   *  another snapshot in the same state with the same values in the context fields it read, kept
   *  its context; so this one keeps this snapshot's context too, and goes where that one went (the
   *  same snapshot when it stayed, else the same state value), emitting the same. */
  private memoStep(a: number, sid: number, eid: number, base: ActorStepResult): ActorStepResult {
    const context = this.snapshot(a, sid).context;
    this.memoHits++;
    const next =
      base.next === base.from ? sid : this.internSnapshot(a, withContext(this.snapshot(a, base.next), context));
    return { actor: a, from: sid, event: eid, next, emitted: base.emitted, reacted: base.reacted };
  }

  /** The step computed by XState; with `track`, what it reads of the context is tracked, and the
   *  step recorded in the context memo when it keeps the context (assigns nothing). */
  private computeStep(a: number, sid: number, eid: number, track: boolean): ActorStepResult {
    this.misses++;
    const actor = ACTORS[a];
    const event = this.events[eid];
    const memo = this.contextMemo[a];
    if (actor === undefined || event === undefined || memo === undefined) throw new Error(`bad step ${a}/${eid}`);
    const snapshot = this.snapshot(a, sid);
    const context = snapshot.context;
    const value = this.valueId(a, sid);
    const tracked = track ? memo.track(context) : null;
    const raw = this.inner.step(actor, tracked === null ? snapshot : withContext(snapshot, tracked), event);
    // A step that assigns nothing keeps the context object: the proxy, not to be kept.
    const kept = tracked !== null && raw.snapshot.context === tracked;
    const out = kept ? withContext(raw.snapshot, context) : raw.snapshot;
    const recordable = tracked !== null && memo.done(value, eid) && kept;
    const r = {
      actor: a,
      from: sid,
      event: eid,
      next: this.internSnapshot(a, out),
      emitted: raw.emitted.map((e) => this.internEvent(e)),
      reacted: raw.reacted,
    };
    if (recordable) memo.record(value, eid, context, this.results.length);
    return r;
  }

  /** Bytes held by the step caches' typed arrays. */
  get bytes(): number {
    return (
      this.cache.reduce((n, c) => n + c.bytes, 0) +
      this.valueIds.reduce((n, v) => n + v.data.byteLength, 0) +
      this.nextReacted.data.byteLength +
      this.emitStart.data.byteLength +
      this.emittedIds.data.byteLength +
      this.contextMemo.reduce((n, l) => n + l.bytes, 0)
    );
  }

  /** The (snapshot id, event id) steps actor a took: computed by XState, or answered by the
   *  context memo. */
  computed(a: number): { from: number; event: number }[] {
    return this.results.filter((r) => r.actor === a);
  }

  step(actor: ActorId, snapshot: AnySnapshot, event: AnyEvent) {
    const a = this.actorIndex(actor);
    const r = this.stepIds(a, this.internSnapshot(a, snapshot), this.internEvent(event));
    return {
      snapshot: this.snapshot(a, r.next),
      emitted: r.emitted.map((id) => this.events[id] as InternalEvent),
      reacted: r.reacted,
    };
  }
}

/** How the router treats an interned event (the same cases as system.step). */
interface EventInfo {
  listeners: number[];
  /** Listeners that hear a user's event only when none before them reacted. */
  fallback: boolean[];
  kind: 'route' | 'ignored' | 'dump' | 'sysfs-result' | 'dlpar-result';
  reason: string;
  dump: number;
  errno: Errno | null;
  userResult: boolean;
}

/** What one system step did, as the explorer needs it (materialised from the outcome store). */
export interface EdgeOutcome {
  /** (actor index, next snapshot id) for each actor the step moved to another snapshot. */
  updates: Int32Array;
  /** -1 unchanged, else index into DUMP_CODES. */
  dump: number;
  handled: boolean;
  errno: Errno | null;
  ignored: string[];
}

/** Outcome flags. */
const HANDLED = 1;
/** Some reached actor ended in another snapshot than it started in. */
const MOVES = 2;
const HAS_IGNORED = 4;
/** The errno's code (ERRNO_CODES) sits in bits 8 to 15. */
const ERRNO_SHIFT = 8;
const ERRNO_MASK = 0xff;
/** The dump outcome the step sets, + 1 (0: unchanged), sits in bits 16 and 17. */
const DUMP_SHIFT = 16;
/** An update packs the actor index into its low ACTOR_BITS bits, the next snapshot id above. */
const ACTOR_BITS = Math.max(1, Math.ceil(Math.log2(N_ACTORS)));
const ACTOR_MASK = (1 << ACTOR_BITS) - 1;
/** The largest snapshot id an update can hold. */
const MAX_UPDATE_SID = 2 ** (31 - ACTOR_BITS) - 1;
/** answerCode()'s bound. */
export const ANSWER_CODES = (ERRNO_MASK + 1) * 2;

/** A trie node's words: the actor it branches on, its first branch (snapshot id, reference; -1 and
 *  0 when it has none yet), and the branch taken last through the map of further branches (the
 *  same; consecutive states in breadth-first order share most snapshots). Three nodes in four have
 *  one branch only: it is kept in the node, and the map holds the others. */
const NODE_STRIDE = 5;

/** An outcome's errno as a small code: 0 for none, else 1 + its index in ERRNOS. */
const ERRNO_CODES: readonly (Errno | null)[] = [null, ...ERRNOS];

const EMPTY = new Int32Array(0);

/** The composed system over interned ids, with compiled steps.
 *
 *  The step trie and the outcomes live in typed arrays. A trie reference is 0 (nothing yet),
 *  n + 1 for node n (which branches on the snapshot id of actor nodeActor[n]), or -(o + 1) for
 *  outcome o. Outcome o's updates are the actors it moves, each with its next snapshot id packed
 *  into one int (ACTOR_BITS), at updates[updStart[o] .. updStart[o + 1]); its flags, errno and
 *  dump outcome are one int, outFlags[o]. */
export class Engine {
  readonly system: System;
  readonly stepper: CachedStepper;
  readonly alphabet: ExternalEvent[];
  private readonly machineEvents: ExternalMachineEvent[];
  /** Per alphabet event with no listener, its outcome's leaf (0 until compiled). */
  private readonly roots: Int32Array;
  /** Per alphabet event, the actor its routing reaches first (its first listener, always
   *  reached), or -1 for none; and its column among that actor's events in `level0`. */
  private readonly rootActor: Int32Array;
  private readonly rootCol: Int32Array;
  /** Per actor, how many alphabet events reach it first. */
  private readonly rootWidth = new Int32Array(N_ACTORS);
  /** The trie's first level, dense: per actor a, row sid holds the references of the events that
   *  reach a first (rootWidth[a] columns) from a snapshot with id sid. A state's events then read
   *  one row, not one hash probe each. */
  private readonly level0: Int32Array[] = ACTORS.map(() => new Int32Array(0));
  /** Per node, NODE_STRIDE words. */
  private readonly nodes = new Int32List(1 << 15);
  /** A node's branches but its first: (node, snapshot id) → reference. */
  private readonly children = new PairMap();
  private readonly updates = new Int32List(1 << 16);
  private readonly updStart = new Int32List(1 << 14);
  /** Flags, the errno's code (ERRNO_SHIFT) and the dump outcome (DUMP_SHIFT). */
  private readonly outFlags = new Int32List(1 << 14);
  /** Outcome → the id of its ignored list (from 1), for the outcomes with one. */
  private readonly outIgnored = new Map<number, number>();
  /** The ignored lists by id - 1 (outcome() hands out copies), and their ids by their JSON; kept
   *  across flushSteps() (a few reasons each). */
  private readonly ignoredLists: string[][] = [];
  private readonly ignoredIds = new Map<string, number>();
  /** Two hashes of an outcome's flags, updates and ignored list → its id + 1: equal outcomes are
   *  stored once. */
  private readonly outcomeIndex = new PairMap();
  /** System steps computed through system.step's routing (trie misses). */
  compiled = 0;

  /** `system` is the composed system to explore: createSystem(config) unless given. Only tests
   *  give one (test/fixtures/graph-systems.ts: fixture machines standing in for the actors, routed
   *  by system.ts's tables), so that the graph properties can be shown violated. */
  constructor(
    readonly config: Config,
    alphabet: readonly ExternalEvent[],
    system: System = createSystem(config),
  ) {
    this.system = system;
    // Every cache miss is computed by XState (machine.transition with a reused scope).
    this.stepper = new CachedStepper(scopedStepper(this.system.machines));
    this.alphabet = [...alphabet];
    this.machineEvents = this.alphabet.map((e) => {
      const m = toMachineEvent(e);
      this.stepper.internEvent(m);
      return m;
    });
    this.roots = new Int32Array(this.alphabet.length);
    this.rootActor = new Int32Array(this.alphabet.length).fill(-1);
    this.rootCol = new Int32Array(this.alphabet.length);
    this.machineEvents.forEach((m, e) => {
      const first = listenersOf(m)[0];
      if (first === undefined) return;
      const a = ACTORS.indexOf(first);
      this.rootActor[e] = a;
      this.rootCol[e] = this.rootWidth[a] ?? 0;
      this.rootWidth[a] = (this.rootWidth[a] ?? 0) + 1;
    });
    this.updStart.push(0);
    this.emptyStepBytes = this.stepBytes;
  }

  /** Bytes held outside the JS heap: the step trie, the outcome store and the step caches. */
  get bytes(): number {
    return this.stepper.bytes + this.stepBytes;
  }

  /** Bytes held by the step trie and the outcome store: what flushSteps() frees. */
  get stepBytes(): number {
    return (
      this.children.bytes +
      this.outcomeIndex.bytes +
      this.level0.reduce((n, l) => n + l.byteLength, 0) +
      this.nodes.data.byteLength +
      this.updates.data.byteLength +
      this.updStart.data.byteLength +
      this.outFlags.data.byteLength
    );
  }

  /** Times flushSteps() emptied the step trie. */
  flushes = 0;

  /** stepBytes when empty (as made, and after flushSteps()). */
  private readonly emptyStepBytes: number;

  /** The bytes flushSteps() would free. */
  get flushableBytes(): number {
    return this.stepBytes - this.emptyStepBytes;
  }

  /** Empties the step trie and the outcome store, which grow by about one compiled step a state
   *  (the search flushes them when its memory budget is reached, src/explore/search.ts): every
   *  system step is compiled again when next taken, from the actor step caches, which stay (as do
   *  the interned snapshots the tuples name). Outcome ids from before are no longer valid. */
  flushSteps(): void {
    this.roots.fill(0);
    this.level0.fill(EMPTY);
    this.nodes.reset();
    this.children.clear();
    this.updates.reset();
    this.updStart.reset();
    this.updStart.push(0);
    this.outFlags.reset();
    this.outIgnored.clear();
    this.outcomeIndex.clear();
    this.flushes++;
  }

  /** The number of distinct outcomes compiled (since the last flush). */
  get outcomes(): number {
    return this.outFlags.length;
  }

  /** The initial tuple. */
  initialTuple(): Int32Array {
    const s = this.system.initial();
    const t = new Int32Array(BASE_WIDTH);
    ACTORS.forEach((a, i) => {
      t[i] = this.stepper.internSnapshot(i, s.actors[a]);
    });
    t[DUMP_SLOT] = 0;
    return t;
  }

  toState(t: ArrayLike<number>): SystemState {
    const actors = {} as Record<ActorId, AnySnapshot>;
    ACTORS.forEach((a, i) => {
      actors[a] = this.stepper.snapshot(i, t[i] ?? 0);
    });
    return { actors: actors as Snapshots, dump: DUMP_CODES[t[DUMP_SLOT] ?? 0] ?? 'none', dumpReason: null };
  }

  /** The outcome id of external event `e` (alphabet index) from tuple `t`: a walk down the
   *  trie (its first level a row of `level0`), or on a miss a compile through system.step's
   *  routing. */
  edgeId(t: ArrayLike<number>, e: number): number {
    const r = this.rootActor[e] ?? -1;
    if (r < 0) {
      const leaf = this.roots[e] ?? 0;
      return leaf < 0 ? -leaf - 1 : this.compile(t, e, 0, -1);
    }
    const row = this.level0[r] ?? EMPTY;
    const at = (t[r] ?? 0) * (this.rootWidth[r] ?? 0) + (this.rootCol[e] ?? 0);
    let ref = at < row.length ? (row[at] ?? 0) : 0;
    if (ref === 0) return this.compile(t, e, 0, 0);
    const nodes = this.nodes.data;
    let level = 1;
    let last = 0;
    while (ref > 0) {
      last = ref;
      const n = (ref - 1) * NODE_STRIDE;
      const sid = t[nodes[n] ?? 0] ?? 0;
      if (nodes[n + 1] === sid) {
        ref = nodes[n + 2] ?? 0;
      } else if (nodes[n + 3] === sid) {
        ref = nodes[n + 4] ?? 0;
      } else {
        ref = this.children.get(ref - 1, sid);
        if (ref !== 0) {
          nodes[n + 3] = sid;
          nodes[n + 4] = ref;
        }
      }
      level++;
    }
    if (ref < 0) return -ref - 1;
    // A miss: node `last` (at depth level - 1) has no branch for its actor's snapshot yet; the
    // graft starts there.
    return this.compile(t, e, last, level - 1);
  }

  /** The outcome of external event `e` from tuple `t`, as an object. */
  edge(t: ArrayLike<number>, e: number): EdgeOutcome {
    return this.outcome(this.edgeId(t, e));
  }

  outcome(o: number): EdgeOutcome {
    const flags = this.outFlags.data[o] ?? 0;
    const packed = this.updates.data.subarray(this.updStart.data[o] ?? 0, this.updStart.data[o + 1] ?? 0);
    const updates = new Int32Array(packed.length * 2);
    packed.forEach((u, k) => {
      updates[2 * k] = u & ACTOR_MASK;
      updates[2 * k + 1] = u >>> ACTOR_BITS;
    });
    return {
      updates,
      dump: (flags >>> DUMP_SHIFT) - 1,
      handled: (flags & HANDLED) !== 0,
      errno: ERRNO_CODES[(flags >> ERRNO_SHIFT) & ERRNO_MASK] ?? null,
      ignored: [...(this.ignoredLists[(this.outIgnored.get(o) ?? 0) - 1] ?? [])],
    };
  }

  /** Outcome o's answer to the user as a code below ANSWER_CODES: bit 0 handled, the errno's code
   *  (0 for none) above it. */
  answerCode(o: number): number {
    const flags = this.outFlags.data[o] ?? 0;
    return (flags & HANDLED) | (((flags >> ERRNO_SHIFT) & ERRNO_MASK) << 1);
  }

  /** Whether the user's event was handled, or explicitly ignored (not dropped). */
  accounted(o: number): boolean {
    return ((this.outFlags.data[o] ?? 0) & (HANDLED | HAS_IGNORED)) !== 0;
  }

  /** Applies outcome o to a tuple, in place. */
  applyId(t: Int32Array, o: number): void {
    const u = this.updates.data;
    const end = this.updStart.data[o + 1] ?? 0;
    for (let k = this.updStart.data[o] ?? 0; k < end; k++) {
      const x = u[k] ?? 0;
      t[x & ACTOR_MASK] = x >>> ACTOR_BITS;
    }
    const d = ((this.outFlags.data[o] ?? 0) >>> DUMP_SHIFT) - 1;
    if (d >= 0) t[DUMP_SLOT] = d;
  }

  /** True when outcome o leaves tuple t as it is (no actor moves, the dump outcome stays). */
  isSelfLoop(t: ArrayLike<number>, o: number): boolean {
    const flags = this.outFlags.data[o] ?? 0;
    if (flags & MOVES) return false;
    const d = (flags >>> DUMP_SHIFT) - 1;
    return d < 0 || d === t[DUMP_SLOT];
  }

  private readonly info: (EventInfo | undefined)[] = [];

  private eventInfo(eid: number): EventInfo {
    let i = this.info[eid];
    if (i === undefined) {
      const ev = this.stepper.events[eid];
      if (ev === undefined) throw new Error(`no event ${eid}`);
      const listeners = listenersOf(ev).map((a) => ACTORS.indexOf(a));
      const fallback = listenersOf(ev).map((a, position) => isFallback(a, position));
      const base = { listeners, fallback, reason: '', dump: -1, errno: null, userResult: false };
      switch (ev.type) {
        case 'ignored':
          i = { ...base, kind: 'ignored', reason: ev.reason };
          break;
        case 'dump.captured':
        case 'dump.lost':
        case 'dump.none':
          i = {
            ...base,
            kind: 'dump',
            dump: DUMP_CODES.indexOf(
              ev.type === 'dump.captured' ? 'captured' : ev.type === 'dump.lost' ? 'lost' : 'none',
            ),
          };
          break;
        case 'sysfs.result':
          i = { ...base, kind: 'sysfs-result', errno: ev.errno, userResult: ev.origin === 'user' };
          break;
        case 'dlpar.result':
          i = { ...base, kind: 'dlpar-result', errno: ev.errno };
          break;
        default:
          i = { ...base, kind: 'route' };
      }
      this.info[eid] = i;
    }
    return i;
  }

  // Scratch space for compile (one system step at a time).
  private readonly ids = new Int32Array(N_ACTORS);
  private readonly seen = new Uint8Array(N_ACTORS);
  private readonly preActor = new Int32Array(N_ACTORS);
  private readonly preSnap = new Int32Array(N_ACTORS);
  /** The packed updates of the outcome being compiled. */
  private readonly moved = new Int32Array(N_ACTORS);
  private readonly queue: number[] = [];

  /** system.step's routing, on interned ids: deliver, collect, route until quiet. Each actor step
   *  is the cached XState step; the faithfulness test holds this to system.step. The outcome is
   *  stored and grafted into the trie at the path of the snapshot ids the actors had when the
   *  routing first reached them. */
  private compile(t: ArrayLike<number>, e: number, missRef: number, missLevel: number): number {
    this.compiled++;
    const ev = this.machineEvents[e];
    if (ev === undefined) throw new Error(`no event ${e}`);
    const { ids, seen, preActor, preSnap, queue } = this;
    const st = this.stepper;
    for (let a = 0; a < N_ACTORS; a++) ids[a] = t[a] ?? 0;
    seen.fill(0);
    let reached = 0;
    let handled = false;
    let errno: Errno | null = null;
    let dump = -1;
    let ignored: string[] | null = null;
    queue.length = 0;
    queue.push(this.stepper.internEvent(ev));
    let deliveries = 0;
    for (let head = 0; head < queue.length; head++) {
      const eid = queue[head] ?? 0;
      const user = head === 0;
      const info0 = this.eventInfo(eid);
      let reacted = false;
      for (let position = 0; position < info0.listeners.length; position++) {
        const a = info0.listeners[position] ?? 0;
        if (user && reacted && info0.fallback[position]) continue;
        if (++deliveries > MAX_DELIVERIES_PER_STEP)
          throw new ModelError(
            `model error: more than ${MAX_DELIVERIES_PER_STEP} deliveries for one '${ev.type}' event`,
          );
        if (!seen[a]) {
          seen[a] = 1;
          preActor[reached] = a;
          preSnap[reached] = ids[a] ?? 0;
          reached++;
        }
        const r = st.stepIndex(a, ids[a] ?? 0, eid);
        const word = st.nextReacted.data[r] ?? 0;
        ids[a] = word >> 1;
        const stepReacted = (word & 1) !== 0;
        if (stepReacted) reacted = true;
        const from = st.emitStart.data[r] ?? 0;
        const to = st.emitStart.data[r + 1] ?? 0;
        const emitted = st.emittedIds.data;
        let onlyIgnored = to > from;
        for (let x = from; x < to; x++) {
          const out = emitted[x] ?? 0;
          const info = this.eventInfo(out);
          if (info.kind !== 'ignored') onlyIgnored = false;
          switch (info.kind) {
            case 'ignored':
              if (user) (ignored ??= []).push(info.reason);
              break;
            case 'dump':
              dump = info.dump;
              break;
            case 'sysfs-result':
              if (info.userResult) errno = info.errno;
              queue.push(out);
              break;
            case 'dlpar-result':
              errno = info.errno;
              queue.push(out);
              break;
            default:
              queue.push(out);
          }
        }
        if (user && stepReacted && !onlyIgnored) handled = true;
      }
    }

    // The outcome: the actors that moved (the trie path fixes the snapshots of the others).
    let moved = 0;
    for (let k = 0; k < reached; k++) {
      const a = preActor[k] ?? 0;
      const sid = ids[a] ?? 0;
      if (sid === preSnap[k]) continue;
      if (sid > MAX_UPDATE_SID)
        throw new ModelError(`model error: more than ${MAX_UPDATE_SID} snapshots of ${ACTORS[a]}`);
      this.moved[moved++] = a | (sid << ACTOR_BITS);
    }
    const errnoCode = ERRNO_CODES.indexOf(errno);
    if (errnoCode < 0) throw new ModelError(`model error: errno ${String(errno)} is not one the engine stores`);
    const flags =
      (handled ? HANDLED : 0) |
      (moved > 0 ? MOVES : 0) |
      (ignored ? HAS_IGNORED : 0) |
      (errnoCode << ERRNO_SHIFT) |
      ((dump + 1) << DUMP_SHIFT);
    const o = this.outcomeId(flags, moved, ignored === null ? 0 : this.ignoredId(ignored));
    this.graft(e, o, reached, missRef, missLevel);
    return o;
  }

  /** The id of the outcome with these flags, the first `n` packed updates of `moved` and ignored
   *  list `ignoredId` (0: none): the one stored before when there is one (about one compiled step
   *  in ten on bench's space is a new outcome), else a new one. */
  private outcomeId(flags: number, n: number, ignoredId: number): number {
    const moved = this.moved;
    // Two hashes of the updates (the visited set's hashTuple), seeded differently by the flags and
    // ignored list: a pair of keys for the PairMap; sameOutcome settles a collision.
    const h1 = hashTuple(moved, 0, n, Math.imul(flags ^ 0x2545f491, 0x9e3779b1) ^ ignoredId) & 0x7fffffff;
    const h2 = hashTuple(moved, 0, n, Math.imul(flags + ignoredId + 0x7f4a7c15, 0x85ebca77)) & 0x7fffffff;
    const known = this.outcomeIndex.get(h1, h2) - 1;
    if (known >= 0 && this.sameOutcome(known, flags, n, ignoredId)) return known;
    const o = this.outFlags.length;
    for (let k = 0; k < n; k++) this.updates.push(moved[k] ?? 0);
    this.updStart.push(this.updates.length);
    this.outFlags.push(flags);
    if (ignoredId > 0) this.outIgnored.set(o, ignoredId);
    // Two different outcomes with both hashes equal: the later one is kept apart, unindexed.
    if (known < 0) this.outcomeIndex.set(h1, h2, o + 1);
    return o;
  }

  /** Whether stored outcome o has these flags, updates (`moved`, n) and ignored list. */
  private sameOutcome(o: number, flags: number, n: number, ignoredId: number): boolean {
    const start = this.updStart.data[o] ?? 0;
    if (this.outFlags.data[o] !== flags || (this.updStart.data[o + 1] ?? 0) - start !== n) return false;
    if ((this.outIgnored.get(o) ?? 0) !== ignoredId) return false;
    for (let k = 0; k < n; k++) if (this.updates.data[start + k] !== this.moved[k]) return false;
    return true;
  }

  /** The id (from 1) of a list of reasons for ignoring events, the same for equal lists. */
  private ignoredId(reasons: string[]): number {
    const key = JSON.stringify(reasons);
    let id = this.ignoredIds.get(key);
    if (id === undefined) {
      this.ignoredLists.push(reasons);
      id = this.ignoredLists.length;
      this.ignoredIds.set(key, id);
    }
    return id;
  }

  /** Grafts outcome o into event e's trie at the path of the snapshot ids the `reached` actors had
   *  when the routing first reached them (preActor, preSnap), from where the walk missed: node
   *  missRef at depth missLevel (missLevel 0: the first level, `level0`; -1: an event with no
   *  listener). */
  private graft(e: number, o: number, reached: number, missRef: number, missLevel: number): void {
    const { preActor, preSnap } = this;
    const leaf = -(o + 1);
    const root = this.rootActor[e] ?? -1;
    if (reached === 0 || root < 0) {
      if (reached !== 0) throw new Error('trie conflict: the routing reached an actor of an event with no listener');
      if (root >= 0) throw new Error('trie conflict: the routing reached no actor of an event with a listener');
      this.roots[e] = leaf;
      return;
    }
    if (preActor[0] !== root) throw new Error('trie conflict: the routing reached another first actor');
    let ref = missRef;
    let k = missLevel;
    if (k === 0) {
      ref = reached === 1 ? leaf : this.newNode(preActor[1] ?? 0);
      this.setLevel0(e, preSnap[0] ?? 0, ref);
      if (reached === 1) return;
      k = 1;
    }
    for (; k < reached; k++) {
      const node = ref - 1;
      if (this.nodes.data[node * NODE_STRIDE] !== preActor[k])
        throw new Error('trie conflict: the routing visited actors in another order');
      const sid = preSnap[k] ?? 0;
      if (k === reached - 1) {
        this.setBranch(node, sid, leaf);
        return;
      }
      let child = this.branch(node, sid);
      if (child === 0) {
        child = this.newNode(preActor[k + 1] ?? 0);
        this.setBranch(node, sid, child);
      } else if (child < 0) {
        throw new Error('trie conflict: a leaf where a node should be');
      }
      ref = child;
    }
    throw new Error('trie conflict: the routing reached fewer actors than the trie branches on');
  }

  /** Sets event e's first-level reference for snapshot `sid` of the actor it reaches first,
   *  growing that actor's rows by half again when sid is past them. */
  private setLevel0(e: number, sid: number, ref: number): void {
    const a = this.rootActor[e] ?? 0;
    const width = this.rootWidth[a] ?? 0;
    let row = this.level0[a] ?? EMPTY;
    const at = sid * width + (this.rootCol[e] ?? 0);
    if (at >= row.length) {
      const rows = Math.max(sid + 1, Math.ceil((row.length / width) * 1.5), 64);
      const grown = new Int32Array(rows * width);
      grown.set(row);
      this.level0[a] = row = grown;
    }
    row[at] = ref;
  }

  private newNode(actor: number): number {
    this.nodes.push(actor);
    for (let k = 1; k < NODE_STRIDE; k += 2) {
      this.nodes.push(-1);
      this.nodes.push(0);
    }
    return this.nodes.length / NODE_STRIDE;
  }

  /** Node `node`'s branch for snapshot id `sid`: a reference, 0 for none. */
  private branch(node: number, sid: number): number {
    const n = node * NODE_STRIDE;
    return this.nodes.data[n + 1] === sid ? (this.nodes.data[n + 2] ?? 0) : this.children.get(node, sid);
  }

  /** Sets node `node`'s branch for `sid`: in the node when it has none yet, else in the map. */
  private setBranch(node: number, sid: number, ref: number): void {
    const n = node * NODE_STRIDE;
    const data = this.nodes.data;
    if (data[n + 1] === -1 || data[n + 1] === sid) {
      data[n + 1] = sid;
      data[n + 2] = ref;
    } else {
      this.children.set(node, sid, ref);
    }
  }

  /** Applies an outcome object to a tuple, in place. */
  static apply(t: Int32Array, out: EdgeOutcome): void {
    const u = out.updates;
    for (let i = 0; i < u.length; i += 2) t[u[i] ?? 0] = u[i + 1] ?? 0;
    if (out.dump >= 0) t[DUMP_SLOT] = out.dump;
  }
}
