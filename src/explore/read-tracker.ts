// Which actor snapshots a property reads (src/explore/read-trie.ts keeps its answers under them):
// proxies over a state's actors and their snapshots that record each first read, in order.
import { ACTORS, type SystemState } from '../../machines/system';

const N_ACTORS = ACTORS.length;
const ACTOR_INDEX = new Map<string | symbol, number>(ACTORS.map((a, k) => [a, k]));

/** The keys of an XState snapshot that depend on its state value only: `matches()` and `hasTag()`
 *  read `value`, the active state nodes (`_nodes`) and their tags, which the value determines
 *  (xstate's createMachineSnapshot). */
const VALUE_KEYS: ReadonlySet<string | symbol> = new Set(['value', 'matches', 'hasTag', 'tags', 'getMeta', '_nodes']);

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

/** A proxy handler over a state's actors, and their snapshots, that records in order the first
 *  read of each variable of one side of a step: an actor's state value when only
 *  VALUE_KEYS are read of it, its whole snapshot when anything else is (its context, or the
 *  snapshot itself enumerated). The snapshots it hands out are proxies, so a property must compare
 *  snapshots by what they hold, never by identity (===, which no proxy sees). */
export class ReadTracker implements ProxyHandler<SystemState['actors']> {
  private seen = 0;
  private readonly snapshots: (object | undefined)[] = [];

  constructor(
    private readonly reads: number[],
    private readonly side: number,
  ) {}

  mark(actor: number, part: number): void {
    const bit = 1 << (actor * 2 + part);
    if (this.seen & bit) return;
    this.seen |= bit;
    this.reads.push(variable(this.side, actor, part));
  }

  get(target: SystemState['actors'], key: string | symbol, receiver: unknown): unknown {
    const v = Reflect.get(target, key, receiver) as unknown;
    const k = ACTOR_INDEX.get(key);
    if (k === undefined || typeof v !== 'object' || v === null) return v;
    let p = this.snapshots[k];
    if (p === undefined) {
      p = new Proxy(v, new SnapshotReads(this, k));
      this.snapshots[k] = p;
    }
    return p;
  }

  getOwnPropertyDescriptor(target: SystemState['actors'], key: string | symbol): PropertyDescriptor | undefined {
    // Enumerated: the snapshot escapes untracked.
    const k = ACTOR_INDEX.get(key);
    if (k !== undefined) this.mark(k, 1);
    return Reflect.getOwnPropertyDescriptor(target, key);
  }

  /** `s` with its actors, and their snapshots, behind this tracker. */
  track(s: SystemState): SystemState {
    return { ...s, actors: new Proxy(s.actors, this) };
  }
}

/** The proxy handler over one actor's snapshot, for its ReadTracker. */
class SnapshotReads implements ProxyHandler<object> {
  constructor(
    private readonly tracker: ReadTracker,
    private readonly actor: number,
  ) {}

  get(target: object, key: string | symbol, receiver: unknown): unknown {
    this.tracker.mark(this.actor, VALUE_KEYS.has(key) ? 0 : 1);
    return Reflect.get(target, key, receiver) as unknown;
  }

  has(target: object, key: string | symbol): boolean {
    this.tracker.mark(this.actor, 1);
    return Reflect.has(target, key);
  }

  ownKeys(target: object): ArrayLike<string | symbol> {
    this.tracker.mark(this.actor, 1);
    return Reflect.ownKeys(target);
  }

  getOwnPropertyDescriptor(target: object, key: string | symbol): PropertyDescriptor | undefined {
    this.tracker.mark(this.actor, 1);
    return Reflect.getOwnPropertyDescriptor(target, key);
  }
}
