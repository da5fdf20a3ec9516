// The fast engine. XState's transition() costs tens of microseconds a step; exploration needs
// millions. Every actor step is still computed by XState, once, and cached:
//  1. snapshots and events are interned: one canonical object per distinct value, with an id;
//  2. each actor's local step (snapshot id, event id) → (next id, emitted event ids) is cached;
//  3. a system step runs system.step's routing on those ids (compile), and is kept in a trie:
//     for an external event the routing visits actors in a fixed order, and the result depends
//     only on the snapshot each actor had when the step first reached it; so the trie branches on
//     those ids and its leaf holds the outcome.
// test/engine-faithfulness.test.ts checks on thousands of random paths that the engine and
// XState's own transition() reach the same snapshots.
import { ACTORS, createSystem, isFallback, listenersOf, MAX_DELIVERIES_PER_STEP, ModelError, scopedStepper, type ActorId, type ActorStepper, type DumpOutcome, type Snapshots, type System, type SystemState } from '../../machines/system';
import type { Config } from '../config';
import { canonicalJson } from '../util/canonical';
import { toMachineEvent, type AnyEvent, type Errno, type ExternalEvent, type ExternalMachineEvent, type InternalEvent } from '../events';

export const N_ACTORS = ACTORS.length;
/** Tuple layout: one snapshot id per actor, then the dump outcome. */
export const DUMP_SLOT = N_ACTORS;
export const BASE_WIDTH = N_ACTORS + 1;
export const DUMP_CODES: readonly DumpOutcome[] = ['none', 'captured', 'lost'];

type AnySnapshot = Snapshots[ActorId];

/** Actor step cache keys are sid * EVENT_KEY_SPAN + eid: exact below 2^31 snapshots and 2^21
 *  events per actor (2^52 < 2^53). */
export const EVENT_KEY_SPAN = 2 ** 21;

interface ActorStepResult {
  next: number;
  emitted: number[];
  reacted: boolean;
}

/** Interning and per-actor step caches, usable as system.step's stepper. */
export class CachedStepper implements ActorStepper {
  readonly snaps: AnySnapshot[][] = ACTORS.map(() => []);
  private readonly snapIdByObject = new Map<object, number>();
  private readonly snapIdByKey: Map<string, number>[] = ACTORS.map(() => new Map());
  readonly events: AnyEvent[] = [];
  private readonly eventIdByObject = new Map<object, number>();
  private readonly eventIdByKey = new Map<string, number>();
  readonly cache: Map<number, ActorStepResult>[] = ACTORS.map(() => new Map());
  /** Actor steps computed by XState (cache misses). */
  misses = 0;

  constructor(private readonly inner: ActorStepper) {}

  actorIndex(actor: ActorId): number {
    return ACTORS.indexOf(actor);
  }

  internSnapshot(a: number, snap: AnySnapshot): number {
    const known = this.snapIdByObject.get(snap);
    if (known !== undefined) return known;
    const key = canonicalJson({ v: snap.value, c: snap.context });
    const byKey = this.snapIdByKey[a];
    if (byKey === undefined) throw new Error(`no actor ${a}`);
    let id = byKey.get(key);
    if (id === undefined) {
      const list = this.snaps[a] ?? [];
      id = list.length;
      list.push(snap);
      byKey.set(key, id);
      this.snapIdByObject.set(snap, id);
    }
    return id;
  }

  snapshot(a: number, id: number): AnySnapshot {
    const s = this.snaps[a]?.[id];
    if (s === undefined) throw new Error(`unknown snapshot ${id} of ${ACTORS[a]}`);
    return s;
  }

  internEvent(e: AnyEvent): number {
    const known = this.eventIdByObject.get(e);
    if (known !== undefined) return known;
    const key = canonicalJson(e);
    let id = this.eventIdByKey.get(key);
    if (id === undefined) {
      id = this.events.length;
      this.events.push(e);
      this.eventIdByKey.set(key, id);
    }
    this.eventIdByObject.set(e, id);
    return id;
  }

  /** One actor step on ids: cached, else computed by XState once. */
  stepIds(a: number, sid: number, eid: number): ActorStepResult {
    const cache = this.cache[a];
    if (cache === undefined) throw new Error(`no actor ${a}`);
    if (eid >= EVENT_KEY_SPAN || sid >= 2 ** 31) throw new ModelError(`model error: ${eid} distinct events or ${sid} snapshots exceed the step cache's key space`);
    const key = sid * EVENT_KEY_SPAN + eid;
    let r = cache.get(key);
    if (r === undefined) {
      this.misses++;
      const actor = ACTORS[a];
      const event = this.events[eid];
      if (actor === undefined || event === undefined) throw new Error(`bad step ${a}/${eid}`);
      const snapshot = this.snapshot(a, sid);
      const raw = this.inner.step(actor, snapshot, event);
      const emitted = raw.emitted.map((e) => this.internEvent(e));
      r = { next: this.internSnapshot(a, raw.snapshot), emitted, reacted: raw.reacted };
      cache.set(key, r);
    }
    return r;
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

/** What one system step did, as the explorer needs it. */
export interface EdgeOutcome {
  /** (actor index, next snapshot id) for each actor the step reached. */
  updates: Int32Array;
  /** -1 unchanged, else index into DUMP_CODES. */
  dump: number;
  handled: boolean;
  errno: Errno | null;
  ignored: string[];
  /** The actors the step reached, with the snapshot ids they had before it. */
  pre: { actor: number; snap: number }[];
}

interface TrieNode {
  actor: number;
  children: Map<number, TrieNode | EdgeOutcome>;
}

function isNode(x: TrieNode | EdgeOutcome): x is TrieNode {
  return 'children' in x;
}

/** The composed system over interned ids, with compiled steps. */
export class Engine {
  readonly system: System;
  readonly stepper: CachedStepper;
  readonly alphabet: ExternalEvent[];
  private readonly machineEvents: ExternalMachineEvent[];
  private readonly roots: (TrieNode | EdgeOutcome | undefined)[];
  /** System steps computed through system.step (trie misses). */
  compiled = 0;

  constructor(
    readonly config: Config,
    alphabet: readonly ExternalEvent[],
  ) {
    this.system = createSystem(config);
    // Every cache miss is computed by XState (machine.transition with a reused scope).
    this.stepper = new CachedStepper(scopedStepper(this.system.machines));
    this.alphabet = [...alphabet];
    this.machineEvents = this.alphabet.map((e) => {
      const m = toMachineEvent(e);
      this.stepper.internEvent(m);
      return m;
    });
    this.roots = this.alphabet.map(() => undefined);
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

  /** The outcome of external event `e` (alphabet index) from tuple `t`. */
  edge(t: ArrayLike<number>, e: number): EdgeOutcome {
    let cur = this.roots[e];
    while (cur !== undefined) {
      if (!isNode(cur)) return cur;
      cur = cur.children.get(t[cur.actor] ?? 0);
    }
    // Miss: compute through system.step, record the path, and graft it into the trie.
    const out = this.compile(t, e);
    this.graft(e, out);
    return out;
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
          i = { ...base, kind: 'dump', dump: DUMP_CODES.indexOf(ev.type === 'dump.captured' ? 'captured' : ev.type === 'dump.lost' ? 'lost' : 'none') };
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

  /** system.step's routing, on interned ids: deliver, collect, route until quiet. Each actor step
   *  is the cached XState step; the faithfulness test holds this to system.step. */
  private compile(t: ArrayLike<number>, e: number): EdgeOutcome {
    this.compiled++;
    const ev = this.machineEvents[e];
    if (ev === undefined) throw new Error(`no event ${e}`);
    const ids = Array.from({ length: N_ACTORS }, (_, a) => t[a] ?? 0);
    const pre: { actor: number; snap: number }[] = [];
    const seen = new Array<boolean>(N_ACTORS).fill(false);
    let handled = false;
    let errno: Errno | null = null;
    let dump = -1;
    const ignored: string[] = [];
    const queue: { user: boolean; eid: number }[] = [{ user: true, eid: this.stepper.internEvent(ev) }];
    let deliveries = 0;
    for (let head = 0; head < queue.length; head++) {
      const item = queue[head];
      if (item === undefined) break;
      const info0 = this.eventInfo(item.eid);
      let reacted = false;
      for (let position = 0; position < info0.listeners.length; position++) {
        const a = info0.listeners[position] ?? 0;
        if (item.user && reacted && info0.fallback[position]) continue;
        if (++deliveries > MAX_DELIVERIES_PER_STEP) throw new ModelError(`model error: more than ${MAX_DELIVERIES_PER_STEP} deliveries for one '${ev.type}' event`);
        if (!seen[a]) {
          seen[a] = true;
          pre.push({ actor: a, snap: ids[a] ?? 0 });
        }
        const r = this.stepper.stepIds(a, ids[a] ?? 0, item.eid);
        ids[a] = r.next;
        if (r.reacted) reacted = true;
        let onlyIgnored = r.emitted.length > 0;
        for (const out of r.emitted) {
          const info = this.eventInfo(out);
          if (info.kind !== 'ignored') onlyIgnored = false;
          switch (info.kind) {
            case 'ignored':
              if (item.user) ignored.push(info.reason);
              break;
            case 'dump':
              dump = info.dump;
              break;
            case 'sysfs-result':
              if (info.userResult) errno = info.errno;
              queue.push({ user: false, eid: out });
              break;
            case 'dlpar-result':
              errno = info.errno;
              queue.push({ user: false, eid: out });
              break;
            default:
              queue.push({ user: false, eid: out });
          }
        }
        if (item.user && r.reacted && !onlyIgnored) handled = true;
      }
    }
    const updates = new Int32Array(pre.length * 2);
    pre.forEach((p, i) => {
      updates[2 * i] = p.actor;
      updates[2 * i + 1] = ids[p.actor] ?? 0;
    });
    return { updates, dump, handled, errno, ignored, pre };
  }

  /** Inserts the outcome at the path its `pre` list describes. */
  private graft(e: number, out: EdgeOutcome): void {
    let node: TrieNode | undefined;
    const first = out.pre[0];
    if (first === undefined) {
      this.roots[e] = out;
      return;
    }
    const root = this.roots[e];
    if (root === undefined) {
      node = { actor: first.actor, children: new Map() };
      this.roots[e] = node;
    } else if (isNode(root)) {
      node = root;
    } else {
      throw new Error('trie conflict at the root');
    }
    for (let i = 0; i < out.pre.length; i++) {
      const p = out.pre[i];
      if (p === undefined || node.actor !== p.actor) throw new Error('trie conflict: the routing visited actors in another order');
      const next = out.pre[i + 1];
      if (next === undefined) {
        node.children.set(p.snap, out);
        return;
      }
      const child: TrieNode | EdgeOutcome | undefined = node.children.get(p.snap);
      if (child === undefined) {
        const fresh: TrieNode = { actor: next.actor, children: new Map() };
        node.children.set(p.snap, fresh);
        node = fresh;
      } else if (isNode(child)) {
        node = child;
      } else {
        throw new Error('trie conflict: a leaf where a node should be');
      }
    }
  }

  /** Applies an outcome to a tuple, in place. */
  static apply(t: Int32Array, out: EdgeOutcome): void {
    const u = out.updates;
    for (let i = 0; i < u.length; i += 2) t[u[i] ?? 0] = u[i + 1] ?? 0;
    if (out.dump >= 0) t[DUMP_SLOT] = out.dump;
  }
}

