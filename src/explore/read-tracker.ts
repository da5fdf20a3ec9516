// Which actor snapshots a property reads (src/explore/read-trie.ts keeps its answers under them):
// proxies over a state's actors and their snapshots that record each first read, in order.
import { ACTORS, type SystemState } from '../../machines/system';

const N_ACTORS = ACTORS.length;
const ACTOR_INDEX = new Map<string | symbol, number>(ACTORS.map((a, k) => [a, k]));

/** The methods of an XState snapshot whose answers depend on its state value only: `matches()`
 *  reads `value`, `hasTag()` the tags of the active state nodes, `getMeta()` their meta, all of
 *  which the value determines (xstate's createMachineSnapshot). */
const VALUE_METHODS: ReadonlySet<string | symbol> = new Set(['matches', 'hasTag', 'getMeta']);

/** A step-judgement variable (src/explore/read-trie.ts): what is read of which actor, on which side
 *  of the step. `part` 0 is the snapshot's state value, 1 the whole snapshot; `side` 0 the
 *  pre-state, 1 the post-state. */
export function variable(side: number, actor: number, part: number): number {
  return (side * N_ACTORS + actor) * 2 + part;
}

/** The actor variable v reads. */
export function actorOf(v: number): number {
  return (v >> 1) % N_ACTORS;
}

/** The side variable v reads: 0 the pre-state, 1 the post-state. */
export function sideOf(v: number): number {
  return v >> 1 >= N_ACTORS ? 1 : 0;
}

/** What variable v reads of its actor: 0 the state value, 1 the whole snapshot. */
export function partOf(v: number): number {
  return v & 1;
}

/** What one judgement of a step reads, recorded in order as ReadTrie variables through proxies over
 *  the pre- and post-state's actors and their snapshots: an actor's state value when only
 *  VALUE_METHODS are called on it, its whole snapshot when anything else is read (its context, its
 *  `value`, `tags` and `_nodes` objects, which a property could compare by identity, or the
 *  snapshot itself enumerated). The snapshots are handed out as proxies, one per side: a property
 *  must compare snapshots by what they hold, never by identity (`s.pre.actors.kexec ===
 *  s.post.actors.kexec` is false through them); test/step-memo.test.ts holds every property's
 *  answers through them to its answers on the snapshots themselves. */
export class ReadTracker {
  /** Per variable, 1 once read. */
  private readonly seen = new Uint8Array(4 * N_ACTORS);
  private readonly snapshots: (object | undefined)[] = [];

  constructor(private readonly reads: number[]) {}

  /** A read of `part` (0 the value, 1 the whole snapshot) of actor a's snapshot on `side`. */
  mark(side: number, actor: number, part: number): void {
    const v = variable(side, actor, part);
    if (this.seen[v]) return;
    this.seen[v] = 1;
    this.reads.push(v);
  }

  /** The proxy for snapshot `snap` of actor a on `side`. */
  snapshot(side: number, actor: number, snap: object): object {
    const k = variable(side, actor, 0);
    let p = this.snapshots[k];
    if (p === undefined) {
      p = new Proxy(snap, new SnapshotReads(this, actor, side));
      this.snapshots[k] = p;
    }
    return p;
  }

  /** `s`, the step's `side` (0 pre, 1 post), with its actors and their snapshots behind this
   *  tracker. */
  track(s: SystemState, side: number): SystemState {
    return { ...s, actors: new Proxy(s.actors, new ActorsReads(this, side)) };
  }
}

/** The proxy handler over one side's actors, for its ReadTracker. */
class ActorsReads implements ProxyHandler<SystemState['actors']> {
  constructor(
    private readonly tracker: ReadTracker,
    private readonly side: number,
  ) {}

  get(target: SystemState['actors'], key: string | symbol, receiver: unknown): unknown {
    const v = Reflect.get(target, key, receiver) as unknown;
    const k = ACTOR_INDEX.get(key);
    return k === undefined || typeof v !== 'object' || v === null ? v : this.tracker.snapshot(this.side, k, v);
  }

  getOwnPropertyDescriptor(target: SystemState['actors'], key: string | symbol): PropertyDescriptor | undefined {
    // Enumerated: the snapshot escapes untracked.
    const k = ACTOR_INDEX.get(key);
    if (k !== undefined) this.tracker.mark(this.side, k, 1);
    return Reflect.getOwnPropertyDescriptor(target, key);
  }
}

/** The proxy handler over one actor's snapshot, for its ReadTracker. */
class SnapshotReads implements ProxyHandler<object> {
  constructor(
    private readonly tracker: ReadTracker,
    private readonly actor: number,
    private readonly side: number,
  ) {}

  get(target: object, key: string | symbol, receiver: unknown): unknown {
    // The methods that read only the state value are called on the snapshot itself, so that what
    // they read of it is not another read.
    const v = Reflect.get(target, key, receiver) as unknown;
    if (VALUE_METHODS.has(key) && typeof v === 'function') {
      this.tracker.mark(this.side, this.actor, 0);
      return (...args: unknown[]): unknown => Reflect.apply(v, target, args) as unknown;
    }
    this.tracker.mark(this.side, this.actor, 1);
    return v;
  }

  has(target: object, key: string | symbol): boolean {
    this.tracker.mark(this.side, this.actor, 1);
    return Reflect.has(target, key);
  }

  ownKeys(target: object): ArrayLike<string | symbol> {
    this.tracker.mark(this.side, this.actor, 1);
    return Reflect.ownKeys(target);
  }

  getOwnPropertyDescriptor(target: object, key: string | symbol): PropertyDescriptor | undefined {
    this.tracker.mark(this.side, this.actor, 1);
    return Reflect.getOwnPropertyDescriptor(target, key);
  }
}
