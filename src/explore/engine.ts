// The fast engine. XState's transition() costs tens of microseconds a step; exploration needs
// millions. Faithfulness is kept by construction: every actor step is still computed by XState
// (through the very same system.step routing that replay uses), once, and cached:
//  1. snapshots and events are interned: one canonical object per distinct value, with an id;
//  2. each actor's local step (snapshot id, event id) → (next id, emitted event ids) is cached;
//  3. each system step is compiled into a trie: for an external event, the routing visits actors
//     in a fixed order, and the result depends only on the snapshot each actor had when the step
//     first reached it; so the trie branches on those ids and its leaf holds the outcome.
// test/engine-faithfulness.test.ts checks on thousands of random paths that the engine and
// XState's own transition() reach the same snapshots.
import { ACTORS, createSystem, scopedStepper, type ActorId, type ActorStepper, type DumpOutcome, type Snapshots, type System, type SystemState } from '../../machines/system';
import type { Config } from '../config';
import { canonicalJson } from '../util/canonical';
import { toMachineEvent, type AnyEvent, type Errno, type ExternalEvent, type ExternalMachineEvent, type InternalEvent } from '../events';

export const N_ACTORS = ACTORS.length;
/** Tuple layout: one snapshot id per actor, then the dump outcome. */
export const DUMP_SLOT = N_ACTORS;
export const BASE_WIDTH = N_ACTORS + 1;
export const DUMP_CODES: readonly DumpOutcome[] = ['none', 'captured', 'lost'];

type AnySnapshot = Snapshots[ActorId];

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
  /** During trie building: the snapshot id each actor had when the step first reached it. */
  private recording: Map<number, number> | null = null;
  private recordOrder: number[] = [];

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

  startRecording(): void {
    this.recording = new Map();
    this.recordOrder = [];
  }

  stopRecording(): { actor: number; snap: number }[] {
    const rec = this.recording;
    this.recording = null;
    if (rec === null) return [];
    return this.recordOrder.map((a) => ({ actor: a, snap: rec.get(a) ?? -1 }));
  }

  step(actor: ActorId, snapshot: AnySnapshot, event: AnyEvent) {
    const a = this.actorIndex(actor);
    const sid = this.internSnapshot(a, snapshot);
    if (this.recording !== null && !this.recording.has(a)) {
      this.recording.set(a, sid);
      this.recordOrder.push(a);
    }
    const eid = this.internEvent(event);
    const cache = this.cache[a];
    if (cache === undefined) throw new Error(`no actor ${a}`);
    const key = sid * 65536 + eid;
    let r = cache.get(key);
    if (r === undefined) {
      this.misses++;
      const raw = this.inner.step(actor, snapshot, event);
      const emitted = raw.emitted.map((e) => this.internEvent(e));
      r = { next: this.internSnapshot(a, raw.snapshot), emitted, reacted: raw.reacted };
      cache.set(key, r);
    }
    return {
      snapshot: this.snapshot(a, r.next),
      emitted: r.emitted.map((id) => this.events[id] as InternalEvent),
      reacted: r.reacted,
    };
  }
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

  private compile(t: ArrayLike<number>, e: number): EdgeOutcome {
    this.compiled++;
    const state = this.toState(t);
    const ev = this.machineEvents[e];
    if (ev === undefined) throw new Error(`no event ${e}`);
    this.stepper.startRecording();
    const r = this.system.step(state, ev, this.stepper);
    const pre = this.stepper.stopRecording();
    const updates = new Int32Array(pre.length * 2);
    pre.forEach((p, i) => {
      const actor = ACTORS[p.actor];
      if (actor === undefined) throw new Error('bad actor');
      updates[2 * i] = p.actor;
      updates[2 * i + 1] = this.stepper.internSnapshot(p.actor, r.state.actors[actor]);
    });
    // The dump outcome is set by the step's last dump.* observation, whatever it was before.
    const dump = r.observations.some((o) => o.type.startsWith('dump.')) ? DUMP_CODES.indexOf(r.state.dump) : -1;
    return { updates, dump, handled: r.handled, errno: r.errno, ignored: r.ignored, pre };
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

