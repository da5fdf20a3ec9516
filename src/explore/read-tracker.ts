// Which actor snapshots, state values and context fields a property reads (src/explore/read-trie.ts
// keeps its answers under them): proxies over a state's actors, their snapshots and their contexts
// that record each first read, in order.
import { ACTORS, type SystemState } from '../../machines/system';
import { handlerFor } from './context-reads';

const N_ACTORS = ACTORS.length;
const ACTOR_INDEX = new Map<string | symbol, number>(ACTORS.map((a, k) => [a, k]));

/** The methods of an XState snapshot whose answers depend on its state value only: `matches()`
 *  reads `value`, `hasTag()` the tags of the active state nodes, `getMeta()` their meta, all of
 *  which the value determines (xstate's createMachineSnapshot). */
const VALUE_METHODS: ReadonlySet<string | symbol> = new Set(['matches', 'hasTag', 'getMeta']);

/** Bits of a variable for what it reads of its actor (`part`): 0 the snapshot's state value, 1
 *  the whole snapshot, 2 + f the context's top-level field f (fieldName). */
const PART_BITS = 10;
/** The most context field names the variables can tell apart (parts 2 .. 2^PART_BITS - 1). */
const MAX_FIELDS = (1 << PART_BITS) - 2;
/** The value of part for the snapshot's state value, and for the whole snapshot. */
export const VALUE_PART = 0;
export const WHOLE_PART = 1;

/** The context field names read so far (in this thread), by index: a field variable's part is
 *  2 + its index. */
const FIELD_NAMES: string[] = [];
const FIELD_INDEX = new Map<string, number>();

/** The part for context field `name` (registered on first use).
 *  @throws Error past MAX_FIELDS distinct names. */
export function fieldPart(name: string): number {
  let f = FIELD_INDEX.get(name);
  if (f === undefined) {
    if (FIELD_NAMES.length >= MAX_FIELDS) throw new Error(`read tracker: more than ${MAX_FIELDS} context fields`);
    f = FIELD_NAMES.length;
    FIELD_NAMES.push(name);
    FIELD_INDEX.set(name, f);
  }
  return f + 2;
}

/** A step-judgement variable (src/explore/read-trie.ts): what is read of which actor, on which side
 *  of the step. `part` VALUE_PART is the snapshot's state value, WHOLE_PART the whole snapshot,
 *  fieldPart(name) one top-level field of its context; `side` 0 the pre-state, 1 the post-state. */
export function variable(side: number, actor: number, part: number): number {
  return ((side * N_ACTORS + actor) << PART_BITS) | part;
}

/** The actor variable v reads. */
export function actorOf(v: number): number {
  return (v >> PART_BITS) % N_ACTORS;
}

/** The side variable v reads: 0 the pre-state, 1 the post-state. */
export function sideOf(v: number): number {
  return v >> PART_BITS >= N_ACTORS ? 1 : 0;
}

/** What variable v reads of its actor: VALUE_PART, WHOLE_PART, or a field's part (fieldName). */
export function partOf(v: number): number {
  return v & ((1 << PART_BITS) - 1);
}

/** The context field a variable's part names (undefined for VALUE_PART and WHOLE_PART). */
export function fieldName(part: number): string | undefined {
  return FIELD_NAMES[part - 2];
}

/** What one judgement of a step reads, recorded in order as ReadTrie variables through proxies over
 *  the pre- and post-state's actors and their snapshots: an actor's state value when only
 *  VALUE_METHODS are called on it; one top-level field of its context when the field is read
 *  through `context` (the value a field holds is compared by structure, src/util/canonical.ts
 *  StructuralIds, as the actor steps' context memo compares it, src/explore/context-reads.ts); its
 *  whole snapshot when anything else is read (its `value`, `tags` and `_nodes` objects, which a
 *  property could compare by identity, the snapshot or its context enumerated, `in`, its
 *  prototype, whether it is extensible). The snapshots and contexts are handed out as proxies, one
 *  per side: a property must compare snapshots and context values by what they hold as canonical
 *  JSON sees it (undefined members, NaN, -0, a Map's entries and whether a value is frozen are not
 *  told apart), never by identity (`s.pre.actors.kexec === s.post.actors.kexec` is false through
 *  them), and cannot structuredClone() them; test/step-memo.test.ts holds every property's answers
 *  through them to its answers on the snapshots themselves. */
export class ReadTracker {
  /** The variables read so far. */
  private readonly seen = new Set<number>();
  /** Per side and actor (side * N_ACTORS + actor), its snapshot's proxy and its context's. */
  private readonly snapshots: (object | undefined)[] = [];
  private readonly contexts: (object | undefined)[] = [];

  constructor(private readonly reads: number[]) {}

  /** A read of `part` (VALUE_PART, WHOLE_PART or a field's) of actor a's snapshot on `side`. */
  mark(side: number, actor: number, part: number): void {
    const v = variable(side, actor, part);
    if (this.seen.has(v)) return;
    this.seen.add(v);
    this.reads.push(v);
  }

  /** The proxy for snapshot `snap` of actor a on `side`. */
  snapshot(side: number, actor: number, snap: object): object {
    const k = side * N_ACTORS + actor;
    let p = this.snapshots[k];
    if (p === undefined) {
      p = new Proxy(snap, new SnapshotReads(this, actor, side));
      this.snapshots[k] = p;
    }
    return p;
  }

  /** The proxy for `context`, actor a's snapshot's context on `side`: a top-level field read by
   *  name is a read of that field, anything else a read of the whole snapshot. */
  context(side: number, actor: number, context: object): object {
    const k = side * N_ACTORS + actor;
    let p = this.contexts[k];
    if (p === undefined) {
      const read = (name: string | null) => this.mark(side, actor, name === null ? WHOLE_PART : fieldPart(name));
      // Its prototype, whether it is frozen or extensible: the whole snapshot too.
      const whole = () => read(null);
      p = new Proxy(context, {
        ...handlerFor(read),
        getPrototypeOf: (t) => (whole(), Reflect.getPrototypeOf(t)),
        isExtensible: (t) => (whole(), Reflect.isExtensible(t)),
        preventExtensions: (t) => (whole(), Reflect.preventExtensions(t)),
      });
      this.contexts[k] = p;
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
      this.tracker.mark(this.side, this.actor, VALUE_PART);
      return (...args: unknown[]): unknown => Reflect.apply(v, target, args) as unknown;
    }
    // The context: what is read of it, field by field.
    if (key === 'context' && typeof v === 'object' && v !== null) return this.tracker.context(this.side, this.actor, v);
    this.tracker.mark(this.side, this.actor, WHOLE_PART);
    return v;
  }

  has(target: object, key: string | symbol): boolean {
    this.tracker.mark(this.side, this.actor, WHOLE_PART);
    return Reflect.has(target, key);
  }

  getPrototypeOf(target: object): object | null {
    this.tracker.mark(this.side, this.actor, WHOLE_PART);
    return Reflect.getPrototypeOf(target);
  }

  isExtensible(target: object): boolean {
    this.tracker.mark(this.side, this.actor, WHOLE_PART);
    return Reflect.isExtensible(target);
  }

  ownKeys(target: object): ArrayLike<string | symbol> {
    this.tracker.mark(this.side, this.actor, WHOLE_PART);
    return Reflect.ownKeys(target);
  }

  getOwnPropertyDescriptor(target: object, key: string | symbol): PropertyDescriptor | undefined {
    this.tracker.mark(this.side, this.actor, WHOLE_PART);
    return Reflect.getOwnPropertyDescriptor(target, key);
  }
}
