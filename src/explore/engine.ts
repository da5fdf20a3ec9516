// The fast engine. XState's transition() costs tens of microseconds a step; exploration needs
// millions. Every actor step is still computed by XState, once, and cached:
//  1. snapshots and events are interned: one canonical object per distinct value, with an id;
//  2. each actor's local step (snapshot id, event id) → (next id, emitted event ids) is cached;
//     a step is also kept under what it read of the context and what it assigned
//     (src/explore/context-reads.ts), and answers the same step from other snapshots in the same
//     state with the same values there, without XState;
//  3. a system step runs system.step's routing on those ids (compile), and is kept in a trie:
//     the routing delivers events in an order that depends only on what each actor step did
//     (whether it reacted, what it emitted: its class), so the trie branches on those classes and
//     its leaf holds the outcome (the Engine class's comment);
//  4. the self-loops a walk found are known, for states that agree with it in every snapshot the
//     walk read, without a walk (src/explore/self-loops.ts).
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
import { SelfLoops } from './self-loops';
import { Int32List, PairMap } from './typed';
import {
  ERRNOS,
  ExternalEventSchema,
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
  /** For a step XState computed and the context memo kept (src/explore/context-reads.ts): the
   *  context fields it assigned, which its answers for other snapshots assign too (none when it
   *  kept the context). [] for every other step. */
  written: readonly string[];
}

/** The number of bits set in the 32-bit integer x. */
function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
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
  /** Per actor, snapshot id → the structural id of its state value, and of its context. */
  private readonly valueIds: Int32List[] = ACTORS.map(() => new Int32List(1 << 8));
  private readonly contextIds: Int32List[] = ACTORS.map(() => new Int32List(1 << 8));
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
  /** Per actor, its steps by what they read of its context (src/explore/context-reads.ts). */
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
    const value = this.structure.id(snap.value);
    const context = this.structure.id(snap.context);
    return this.snapshotId(a, value, context) ?? this.addSnapshot(a, snap, value, context);
  }

  /** The id of actor a's snapshot with state value and context of these structural ids, if any. */
  private snapshotId(a: number, value: number, context: number): number | undefined {
    const id = (this.snapIdByKey[a]?.get(value, context) ?? 0) - 1;
    return id < 0 ? undefined : id;
  }

  /** A new snapshot of actor a, of these structural ids: its id. */
  private addSnapshot(a: number, snap: AnySnapshot, value: number, context: number): number {
    const list = this.snaps[a] ?? [];
    const id = list.length;
    list.push(snap);
    this.valueIds[a]?.push(value);
    this.contextIds[a]?.push(context);
    this.snapIdByKey[a]?.set(value, context, id + 1);
    this.snapIdByObject.set(snap, id);
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

  /** The id of context field `name` in fieldId(), from this stepper's StructuralIds. */
  fieldKey(name: string): number {
    return this.structure.keyIdOf(name);
  }

  /** The structural id (src/util/canonical.ts StructuralIds) of the value of the top-level field of
   *  the context of actor a's snapshot sid whose key is `key` (fieldKey), -1 when it is undefined:
   *  snapshots whose field holds equal values (by canonical JSON) share it. Read from the
   *  context's interned members, not from the context. */
  fieldId(a: number, sid: number, key: number): number {
    return this.structure.memberId(this.contextIds[a]?.data[sid] ?? -1, key);
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
   *  another snapshot in the same state with the same values in the context fields it read, went
   *  to a state value, emitted events and wrote values into fields; so this one goes to the same
   *  state value, emits the same and writes the same, and its other fields keep this snapshot's
   *  values (as resolveAssign's copy keeps them). A step that wrote nothing and stayed stays. */
  private memoStep(a: number, sid: number, eid: number, base: ActorStepResult): ActorStepResult {
    const context = this.snapshot(a, sid).context;
    this.memoHits++;
    const written = base.written;
    let next = sid;
    if (written.length > 0 || base.next !== base.from) {
      const to = this.snapshot(a, base.next);
      const value = this.valueIds[a]?.data[base.next] ?? 0;
      const from = this.contextIds[a]?.data[sid] ?? 0;
      // The written fields' values, and the id of this context with them: most answers are
      // snapshots met before, found by ids without building the copy.
      const values = written.map((k) => Reflect.get(to.context, k) as unknown);
      const id = written.length === 0 ? from : this.structure.idWithMembers(from, written, values);
      const found = id < 0 ? undefined : this.snapshotId(a, value, id);
      if (found !== undefined) next = found;
      else {
        const copy = written.length === 0 ? context : { ...context };
        written.forEach((k, i) => Reflect.set(copy, k, values[i]));
        if (id < 0) next = this.internSnapshot(a, withContext(to, copy));
        else {
          this.structure.know(copy, id);
          next = this.addSnapshot(a, withContext(to, copy), value, id);
        }
      }
    }
    return { actor: a, from: sid, event: eid, next, emitted: base.emitted, reacted: base.reacted, written: [] };
  }

  /** The step computed by XState; with `track`, what it reads of the context is tracked (and what
   *  it assigns), and the step recorded in the context memo unless it read the whole context. */
  private computeStep(a: number, sid: number, eid: number, track: boolean): ActorStepResult {
    this.misses++;
    const actor = ACTORS[a];
    const event = this.events[eid];
    const memo = this.contextMemo[a];
    if (actor === undefined || event === undefined || memo === undefined) throw new Error(`bad step ${a}/${eid}`);
    const snapshot = this.snapshot(a, sid);
    const context = snapshot.context;
    const value = this.valueId(a, sid);
    if (!track) return this.result(a, sid, eid, this.inner.step(actor, snapshot, event), []);
    const tracked = memo.track(context);
    const raw = memo.during(() => this.inner.step(actor, withContext(snapshot, tracked), event));
    // The context the step ended with, from behind its proxy (not to be kept).
    const ended = memo.unwrap(raw.snapshot.context);
    const recordable = memo.done(value, eid) && ended !== undefined;
    const out = ended === undefined ? raw.snapshot : withContext(raw.snapshot, ended as typeof context);
    const r = this.result(a, sid, eid, { ...raw, snapshot: out }, recordable ? memo.writes : []);
    if (recordable) memo.record(value, eid, context, this.results.length);
    return r;
  }

  /** An XState step's result on ids. */
  private result(
    a: number,
    sid: number,
    eid: number,
    raw: ReturnType<ActorStepper['step']>,
    written: readonly string[],
  ): ActorStepResult {
    return {
      actor: a,
      from: sid,
      event: eid,
      next: this.internSnapshot(a, raw.snapshot),
      emitted: raw.emitted.map((e) => this.internEvent(e)),
      reacted: raw.reacted,
      written,
    };
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

  /** The actor steps kept so far, every actor's, in the order they were first taken. */
  get stepCount(): number {
    return this.results.length;
  }

  /** Step k (0 <= k < stepCount): actor `actor` from snapshot `from` by event `event` to
   *  snapshot `next` (ids). */
  stepAt(k: number): { actor: number; from: number; event: number; next: number } | undefined {
    return this.results[k];
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

/** What a system step answers the user, and the dump outcome it sets: what an outcome id stands
 *  for. (Which snapshots it moves the actors to depends on the tuple it was taken from: Engine.edge
 *  gives both.) */
export interface StepAnswer {
  /** -1 unchanged, else index into DUMP_CODES. */
  dump: number;
  handled: boolean;
  errno: Errno | null;
  ignored: string[];
}

/** What one system step did from a given tuple, as the explorer needs it. */
export interface EdgeOutcome extends StepAnswer {
  /** (actor index, next snapshot id) for each actor the step moved to another snapshot. */
  updates: Int32Array;
}

/** Outcome flags. */
const HANDLED = 1;
const HAS_IGNORED = 4;
/** The errno's code (ERRNO_CODES) sits in bits 8 to 15. */
const ERRNO_SHIFT = 8;
const ERRNO_MASK = 0xff;
/** The dump outcome the step sets, + 1 (0: unchanged), sits in bits 16 and 17. */
const DUMP_SHIFT = 16;
/** Outcome flags are below this; an outcome's key is its flags plus its ignored list's id times it. */
const FLAGS_BOUND = 1 << 18;
/** answerCode()'s bound. */
export const ANSWER_CODES = (ERRNO_MASK + 1) * 2;

/** A trie node's words: the actor its delivery reaches and the step column it reads there (one per
 *  actor and event), that column's table and its place in the table's rows (the row width << 16 |
 *  the column's offset: a walk reads them with the node, not from the column's arrays), then
 *  sixteen branches (step class, reference; -1 and 0 when unused), filled in
 *  order; the map holds a node's further branches. A delivery whose emitted events carry values
 *  (an LMB count, a size) has a class per value: over the first 300,000 states of
 *  configs/large.json (4,041,500 walks), two branches in the node left 1,544,436 lookups to the
 *  map, sixteen 56,414. */
const NODE_STRIDE = 36;
/** The first branch's word in a node. */
const NODE_BRANCHES = 4;

/** An outcome's errno as a small code: 0 for none, else 1 + its index in ERRNOS. */
const ERRNO_CODES: readonly (Errno | null)[] = [null, ...ERRNOS];

const EMPTY = new Int32Array(0);

/** The composed system over interned ids, with compiled steps.
 *
 *  The step trie is keyed by step classes. The routing of an external event (system.step's)
 *  delivers events to actors in an order that depends only on what each delivery did: whether the
 *  actor reacted and which events it emitted (the class of its step), not on the snapshot it went
 *  to. A trie node is one delivery (actor, event); it branches on the class of that actor's step
 *  from the snapshot the actor holds at that point, read from a dense column of the actor step
 *  cache (one column per actor and event, a row per snapshot id), and the walk moves the actor to
 *  that step's next snapshot. A leaf is an outcome: the user's answer (handled, errno, ignored
 *  reasons) and the dump outcome, stored once. So the trie holds one path per sequence of classes
 *  the routing met (on bench's space 443), not one per combination of the snapshots of
 *  the actors reached, and a system step is compiled through the routing once per path.
 *
 *  A trie reference is 0 (nothing yet), n + 1 for node n, or -(o + 1) for outcome o. Outcome o's
 *  flags, errno and dump outcome are one int, outFlags[o]. */
export class Engine {
  readonly system: System;
  readonly stepper: CachedStepper;
  readonly alphabet: ExternalEvent[];
  private readonly machineEvents: ExternalMachineEvent[];
  /** Per alphabet event, whether it has a listener (its routing then reaches an actor). */
  private readonly routed: boolean[];
  /** Per alphabet event, the reference of its first delivery's node, or its leaf when it has no
   *  listener (0 until compiled). */
  private readonly rootRef: Int32Array;
  /** Per node, NODE_STRIDE words. */
  private readonly nodes = new Int32List(1 << 8);
  /** A node's branches past the sixteen it holds: (node, step class) → reference. */
  private readonly children = new PairMap();
  /** The step columns: column c is actor colActor[c]'s steps by event colEvent[c], two words per
   *  snapshot id: the step's next snapshot id + 1 (0: not looked up yet) and its class. They live
   *  in step tables, a row per snapshot id: table a (one per actor) holds the columns of the
   *  alphabet events that reach actor a first, side by side, so that a state's events read a few
   *  rows; every other column is a table of its own. Column c is at word colOff[c] of each row of
   *  table colTable[c], whose rows are tableWidth words wide. */
  private tables: Int32Array<ArrayBuffer>[] = [];
  private readonly tableWidth = new Int32List(1 << 6);
  private readonly colTable = new Int32List(1 << 6);
  private readonly colOff = new Int32List(1 << 6);
  private readonly colActor = new Int32List(1 << 6);
  private readonly colEvent = new Int32List(1 << 6);
  /** (actor, event id) → column + 1. */
  private readonly colIds = new PairMap();
  /** Per result of the stepper (its index), the class of the step: an id for (reacted, emitted). */
  private readonly resultClass = new Int32List(1 << 10);
  private readonly classIds = new Map<string, number>();
  /** Flags, the errno's code (ERRNO_SHIFT) and the dump outcome (DUMP_SHIFT). */
  private readonly outFlags = new Int32List(1 << 6);
  /** Outcome → the id of its ignored list (from 1), for the outcomes with one. */
  private readonly outIgnored = new Map<number, number>();
  /** The ignored lists by id - 1 (outcome() hands out copies), and their ids by their JSON; kept
   *  across flushSteps() (a few reasons each). */
  private readonly ignoredLists: string[][] = [];
  private readonly ignoredIds = new Map<string, number>();
  /** An outcome's key (FLAGS_BOUND) → its id: equal outcomes are stored once. */
  private readonly outcomeIds = new Map<number, number>();
  /** The last step's successor: every actor's snapshot id after it (edgeId leaves it here for
   *  applyEdge and edgeStays), and its outcome's flags. */
  private readonly after = new Int32Array(N_ACTORS);
  private lastFlags = 0;
  /** The actors the last edgeId() walk reached (bit a for actor a; -1 when it compiled). */
  private lastVisited = 0;
  /** Which events are self-loops, known without a walk (src/explore/self-loops.ts). */
  private readonly selfLoops: SelfLoops;
  /** System steps computed through system.step's routing (trie misses). */
  compiled = 0;
  /** Self-loops knownSelfLoop() answered (edges not walked). */
  knownSelfLoops = 0;

  /** `system` is the composed system to explore: createSystem(config) unless given. Only tests
   *  give one (test/fixtures/graph-systems.ts: fixture machines standing in for the actors, routed
   *  by system.ts's tables), so that the graph properties can be shown violated.
   *  @throws Error naming the alphabet event (its index and JSON) that is not an external event
   *  (src/events.ts ExternalEventSchema). */
  constructor(
    readonly config: Config,
    alphabet: readonly ExternalEvent[],
    system: System = createSystem(config),
  ) {
    this.system = system;
    // Every cache miss is computed by XState (machine.transition with a reused scope).
    this.stepper = new CachedStepper(scopedStepper(this.system.machines));
    this.alphabet = [...alphabet];
    this.machineEvents = this.alphabet.map((e, k) => {
      const valid = ExternalEventSchema.safeParse(e);
      if (!valid.success)
        throw new Error(
          `alphabet event ${k}, ${JSON.stringify(e)}: not an external event (src/events.ts): ${valid.error.issues[0]?.message ?? ''}`,
        );
      const m = toMachineEvent(e);
      this.stepper.internEvent(m);
      return m;
    });
    this.routed = this.machineEvents.map((m) => listenersOf(m).length > 0);
    this.rootRef = new Int32Array(this.alphabet.length);
    const firsts = this.machineEvents.map((m) => {
      const first = listenersOf(m)[0];
      return first === undefined ? -1 : ACTORS.indexOf(first);
    });
    ACTORS.forEach((_, a) => {
      this.tables.push(EMPTY);
      this.tableWidth.push(2 * firsts.filter((f) => f === a).length);
    });
    const used = new Int32Array(N_ACTORS);
    this.machineEvents.forEach((m, e) => {
      const a = firsts[e] ?? -1;
      if (a < 0) return;
      const slot = used[a] ?? 0;
      used[a] = slot + 1;
      this.newColumn(a, this.stepper.internEvent(m), a, 2 * slot);
    });
    this.emptyStepBytes = this.stepBytes;
    // Kept apart: the firmware, the actor with most snapshots (5,409 of 6,665 on bench's space).
    const apart = ACTORS.indexOf('firmware');
    this.selfLoops = new SelfLoops(
      N_ACTORS,
      DUMP_CODES.length,
      apart,
      firsts.map((f) => f === apart),
    );
  }

  /** Bytes held outside the JS heap: the step trie, the step columns and classes, the outcome store
   *  and the stepper's caches. */
  get bytes(): number {
    return this.stepper.bytes + this.stepBytes + this.resultClass.data.byteLength + this.selfLoops.bytes;
  }

  /** Bytes held by the step trie, the step columns and the outcome store: what flushSteps() frees. */
  get stepBytes(): number {
    return (
      this.children.bytes +
      this.tables.reduce((n, t) => n + t.byteLength, 0) +
      this.nodes.data.byteLength +
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

  /** Empties the step trie, the step columns and the outcome store (the search flushes them when
   *  its memory budget is reached, src/explore/search.ts): they are built again as steps are next
   *  taken, from the actor step caches, which stay (as do the interned snapshots the tuples name).
   *  Outcome ids from before are no longer valid. */
  flushSteps(): void {
    this.rootRef.fill(0);
    this.nodes.reset();
    this.children.clear();
    this.tables = this.tables.map(() => EMPTY);
    this.outFlags.reset();
    this.outIgnored.clear();
    this.outcomeIds.clear();
    this.selfLoops.clear();
    this.flushes++;
  }

  /** The number of distinct outcomes compiled (since the last flush). */
  get outcomes(): number {
    return this.outFlags.length;
  }

  /** The number of step trie nodes (since the last flush). */
  get trieNodes(): number {
    return this.nodes.length / NODE_STRIDE;
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

  /** The outcome id of external event `e` (alphabet index) from tuple `t`: a walk down the trie
   *  (each node's step read from its column, filled on first use), or on a miss a compile through
   *  system.step's routing. Leaves the successor's snapshot ids for applyEdge() and edgeStays(),
   *  until the next call. */
  edgeId(t: ArrayLike<number>, e: number): number {
    const after = this.after;
    for (let a = 0; a < N_ACTORS; a++) after[a] = t[a] ?? 0;
    const nodes = this.nodes.data;
    const tables = this.tables;
    let ref = this.rootRef[e] ?? 0;
    let visited = 0;
    while (ref > 0) {
      const n = (ref - 1) * NODE_STRIDE;
      const a = nodes[n] ?? 0;
      visited |= 1 << a;
      const tb = nodes[n + 2] ?? 0;
      const place = nodes[n + 3] ?? 0;
      const sid = after[a] ?? 0;
      const at = sid * (place >>> 16) + (place & 0xffff);
      let col = tables[tb] ?? EMPTY;
      let next = at < col.length ? (col[at] ?? 0) : 0;
      if (next === 0) {
        this.fill(nodes[n + 1] ?? 0, sid);
        col = tables[tb] ?? EMPTY;
        next = col[at] ?? 0;
      }
      after[a] = next - 1;
      const cls = col[at + 1] ?? 0;
      // The branch for cls: in the node (filled in order, -1 past the last), else in the map.
      const end = n + NODE_STRIDE;
      let k = n + NODE_BRANCHES;
      let b = nodes[k] ?? -1;
      while (b !== cls && b !== -1 && k + 2 < end) {
        k += 2;
        b = nodes[k] ?? -1;
      }
      ref = b === cls ? (nodes[k + 1] ?? 0) : b === -1 ? 0 : this.children.get(ref - 1, cls);
    }
    if (ref === 0) {
      this.lastVisited = -1;
      return this.compile(t, e);
    }
    this.lastVisited = visited;
    const o = -ref - 1;
    this.lastFlags = this.outFlags.data[o] ?? 0;
    return o;
  }

  /** Looks up the step actor colActor[c] takes by event colEvent[c] from snapshot `sid` (computed
   *  when new), and keeps its next snapshot id and class in column c (its table grown by half again
   *  when sid is past it). Returns the step's index in the stepper's results. */
  private fill(c: number, sid: number): number {
    const r = this.stepper.stepIndex(this.colActor.data[c] ?? 0, sid, this.colEvent.data[c] ?? 0);
    while (this.resultClass.length <= r) this.resultClass.push(this.classOf(this.resultClass.length));
    const tb = this.colTable.data[c] ?? 0;
    const width = this.tableWidth.data[tb] ?? 0;
    let table = this.tables[tb] ?? EMPTY;
    if (sid * width >= table.length) {
      const grown = new Int32Array(Math.max(sid + 1, Math.ceil((table.length / width) * 1.5), 64) * width);
      grown.set(table);
      this.tables[tb] = table = grown;
    }
    const at = sid * width + (this.colOff.data[c] ?? 0);
    table[at] = ((this.stepper.nextReacted.data[r] ?? 0) >> 1) + 1;
    table[at + 1] = this.resultClass.data[r] ?? 0;
    return r;
  }

  /** The class of the stepper's result r: the same id for steps that reacted alike and emitted
   *  the same events. */
  private classOf(r: number): number {
    const st = this.stepper;
    const from = st.emitStart.data[r] ?? 0;
    const to = st.emitStart.data[r + 1] ?? 0;
    const reacted = (st.nextReacted.data[r] ?? 0) & 1;
    // Most steps emit nothing: their key is one of two constant strings.
    const key =
      from === to ? (reacted === 1 ? '1:' : '0:') : `${reacted}:${st.emittedIds.data.subarray(from, to).join(',')}`;
    let id = this.classIds.get(key);
    if (id === undefined) {
      id = this.classIds.size;
      this.classIds.set(key, id);
    }
    return id;
  }

  /** The column of actor a's steps by event id eid (made on first use, a table of its own). */
  private column(a: number, eid: number): number {
    const known = this.colIds.get(a, eid) - 1;
    if (known >= 0) return known;
    this.tables.push(EMPTY);
    this.tableWidth.push(2);
    return this.newColumn(a, eid, this.tables.length - 1, 0);
  }

  /** A new column of actor a's steps by event id eid, at word `off` of table tb's rows. */
  private newColumn(a: number, eid: number, tb: number, off: number): number {
    const c = this.colActor.length;
    this.colTable.push(tb);
    this.colOff.push(off);
    this.colActor.push(a);
    this.colEvent.push(eid);
    this.colIds.set(a, eid, c + 1);
    return c;
  }

  /** The outcome of external event `e` from tuple `t`, as an object. */
  edge(t: ArrayLike<number>, e: number): EdgeOutcome {
    const answer = this.outcome(this.edgeId(t, e));
    const moved: number[] = [];
    this.after.forEach((sid, a) => {
      if (sid !== t[a]) moved.push(a, sid);
    });
    return { ...answer, updates: Int32Array.from(moved) };
  }

  /** What outcome o answers the user, and the dump outcome it sets. */
  outcome(o: number): StepAnswer {
    const flags = this.outFlags.data[o] ?? 0;
    return {
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

  /** Writes the successor the last edgeId() found into tuple t (its actors' snapshot ids and the
   *  dump outcome; the other slots stay), in place. */
  applyEdge(t: Int32Array): void {
    const after = this.after;
    for (let a = 0; a < N_ACTORS; a++) t[a] = after[a] ?? 0;
    const d = (this.lastFlags >>> DUMP_SHIFT) - 1;
    if (d >= 0) t[DUMP_SLOT] = d;
  }

  /** True when the step the last edgeId() took from tuple t leaves it as it is (no actor moved, the
   *  dump outcome stays). */
  edgeStays(t: ArrayLike<number>): boolean {
    const d = (this.lastFlags >>> DUMP_SHIFT) - 1;
    if (d >= 0 && d !== t[DUMP_SLOT]) return false;
    const after = this.after;
    for (let a = 0; a < N_ACTORS; a++) if (after[a] !== t[a]) return false;
    return true;
  }

  /** Makes tuple t the state whose events knownSelfLoop() and learnSelfLoop() are about: the
   *  searches call it before they follow t's events. */
  fromState(t: ArrayLike<number>): void {
    this.selfLoops.from(t);
  }

  /** The outcome id of alphabet event e from the state given to fromState() when it is known, from
   *  a walk from another state that agrees with it in every snapshot that walk read, to change
   *  nothing and to be handled or ignored with a reason (not dropped): edgeId() need not be
   *  asked. Else -1. */
  knownSelfLoop(e: number): number {
    const o = this.selfLoops.known(e);
    if (o >= 0) this.knownSelfLoops++;
    return o;
  }

  /** Word w of the alphabet events from the state given to fromState() that knownSelfLoop() answers,
   *  as bits (bit b: event 32w + b), less those in `keep`: a search need not follow them (the
   *  bits cleared are counted in knownSelfLoops). */
  skipSelfLoops(w: number, keep: number): number {
    const skipped = this.selfLoops.knownWord(w) & ~keep;
    this.knownSelfLoops += popcount(skipped);
    return skipped;
  }

  /** Notes what the last edgeId(t, e) found from the state given to fromState(): outcome o, and
   *  whether it is an accounted self-loop (accounted(o) and edgeStays(t)). */
  learnSelfLoop(e: number, o: number, stays: boolean): void {
    this.selfLoops.learn(e, this.lastVisited, stays, o);
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

  // Scratch space for compile (one system step at a time): the actors' snapshot ids as the routing
  // goes, and per delivery its actor, step column and step class.
  private readonly ids = new Int32Array(N_ACTORS);
  private readonly pathActor = new Int32Array(MAX_DELIVERIES_PER_STEP);
  private readonly pathCol = new Int32Array(MAX_DELIVERIES_PER_STEP);
  private readonly pathClass = new Int32Array(MAX_DELIVERIES_PER_STEP);
  private readonly queue: number[] = [];

  /** system.step's routing, on interned ids: deliver, collect, route until quiet. Each actor step
   *  is the cached XState step; the faithfulness test holds this to system.step. The outcome is
   *  stored and grafted into the trie at the path of the deliveries and their steps' classes. */
  private compile(t: ArrayLike<number>, e: number): number {
    this.compiled++;
    const ev = this.machineEvents[e];
    if (ev === undefined) throw new Error(`no event ${e}`);
    const { ids, queue } = this;
    const st = this.stepper;
    for (let a = 0; a < N_ACTORS; a++) ids[a] = t[a] ?? 0;
    let deliveries = 0;
    let handled = false;
    let errno: Errno | null = null;
    let dump = -1;
    let ignored: string[] | null = null;
    queue.length = 0;
    queue.push(this.stepper.internEvent(ev));
    for (let head = 0; head < queue.length; head++) {
      const eid = queue[head] ?? 0;
      const user = head === 0;
      const info0 = this.eventInfo(eid);
      let reacted = false;
      for (let position = 0; position < info0.listeners.length; position++) {
        const a = info0.listeners[position] ?? 0;
        if (user && reacted && info0.fallback[position]) continue;
        if (deliveries >= MAX_DELIVERIES_PER_STEP)
          throw new ModelError(
            `model error: more than ${MAX_DELIVERIES_PER_STEP} deliveries for one '${ev.type}' event`,
          );
        const c = this.column(a, eid);
        const r = this.fill(c, ids[a] ?? 0);
        this.pathActor[deliveries] = a;
        this.pathCol[deliveries] = c;
        this.pathClass[deliveries] = this.resultClass.data[r] ?? 0;
        deliveries++;
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
    const errnoCode = ERRNO_CODES.indexOf(errno);
    if (errnoCode < 0) throw new ModelError(`model error: errno ${String(errno)} is not one the engine stores`);
    const flags =
      (handled ? HANDLED : 0) | (ignored ? HAS_IGNORED : 0) | (errnoCode << ERRNO_SHIFT) | ((dump + 1) << DUMP_SHIFT);
    const o = this.outcomeId(flags, ignored === null ? 0 : this.ignoredId(ignored));
    this.graft(e, o, deliveries);
    this.after.set(ids);
    this.lastFlags = flags;
    return o;
  }

  /** The id of the outcome with these flags and ignored list `ignoredId` (0: none): the one stored
   *  before when there is one, else a new one. */
  private outcomeId(flags: number, ignoredId: number): number {
    const key = ignoredId * FLAGS_BOUND + flags;
    const known = this.outcomeIds.get(key);
    if (known !== undefined) return known;
    const o = this.outFlags.length;
    this.outFlags.push(flags);
    if (ignoredId > 0) this.outIgnored.set(o, ignoredId);
    this.outcomeIds.set(key, o);
    return o;
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

  /** Grafts outcome o into event e's trie at the path of the `n` deliveries the routing made
   *  (pathActor, pathCol) and their steps' classes (pathClass).
   *  @throws Error ('trie conflict') when the trie holds another delivery or outcome on that path:
   *  the routing was not a function of the classes. */
  private graft(e: number, o: number, n: number): void {
    const leaf = -(o + 1);
    if (n === 0 || !this.routed[e]) {
      if (n !== 0) throw new Error('trie conflict: the routing reached an actor of an event with no listener');
      if (this.routed[e]) throw new Error('trie conflict: the routing reached no actor of an event with a listener');
      this.rootRef[e] = leaf;
      return;
    }
    let ref = this.rootRef[e] ?? 0;
    if (ref === 0) this.rootRef[e] = ref = this.newNode(this.pathActor[0] ?? 0, this.pathCol[0] ?? 0);
    for (let k = 0; k < n; k++) {
      const node = ref - 1;
      const at = node * NODE_STRIDE;
      if (ref <= 0 || this.nodes.data[at] !== this.pathActor[k] || this.nodes.data[at + 1] !== this.pathCol[k])
        throw new Error('trie conflict: the routing made other deliveries');
      const cls = this.pathClass[k] ?? 0;
      let child = this.branch(node, cls);
      if (k === n - 1) {
        if (child !== 0 && child !== leaf) throw new Error('trie conflict: another outcome on the same path');
        this.setBranch(node, cls, leaf);
        return;
      }
      if (child === 0) {
        child = this.newNode(this.pathActor[k + 1] ?? 0, this.pathCol[k + 1] ?? 0);
        this.setBranch(node, cls, child);
      }
      ref = child;
    }
  }

  /** A new node for a delivery to actor a read from step column c; its reference. */
  private newNode(a: number, c: number): number {
    const tb = this.colTable.data[c] ?? 0;
    const width = this.tableWidth.data[tb] ?? 0;
    // A row is two words per root event of the actor: 2^15 events would be past any alphabet.
    if (width > 0x7fff) throw new Error(`a step table ${width} words wide`);
    this.nodes.push(a);
    this.nodes.push(c);
    this.nodes.push(tb);
    this.nodes.push((width << 16) | (this.colOff.data[c] ?? 0));
    for (let k = NODE_BRANCHES; k < NODE_STRIDE; k += 2) {
      this.nodes.push(-1);
      this.nodes.push(0);
    }
    return this.nodes.length / NODE_STRIDE;
  }

  /** Node `node`'s branch for step class `cls`: a reference, 0 for none. */
  private branch(node: number, cls: number): number {
    const n = node * NODE_STRIDE;
    const data = this.nodes.data;
    for (let k = n + NODE_BRANCHES; k < n + NODE_STRIDE; k += 2) {
      if (data[k] === cls) return data[k + 1] ?? 0;
      if (data[k] === -1) return 0;
    }
    return this.children.get(node, cls);
  }

  /** Sets node `node`'s branch for `cls`: in the node while it has room, else in the map. */
  private setBranch(node: number, cls: number, ref: number): void {
    const n = node * NODE_STRIDE;
    const data = this.nodes.data;
    for (let k = n + NODE_BRANCHES; k < n + NODE_STRIDE; k += 2) {
      if (data[k] === -1 || data[k] === cls) {
        data[k] = cls;
        data[k + 1] = ref;
        return;
      }
    }
    this.children.set(node, cls, ref);
  }

  /** Applies an outcome object to a tuple, in place. */
  static apply(t: Int32Array, out: EdgeOutcome): void {
    const u = out.updates;
    for (let i = 0; i < u.length; i += 2) t[u[i] ?? 0] = u[i + 1] ?? 0;
    if (out.dump >= 0) t[DUMP_SLOT] = out.dump;
  }
}
