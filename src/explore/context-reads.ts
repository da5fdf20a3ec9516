// A memo for actor steps, keyed by what the step read of the context. XState's transition is a
// function of the snapshot's state value, the event and what its guards and actions read of the
// context, so a step that read the same context fields, with the same values, from a snapshot in
// the same state goes to the same state value, emits the same events and writes the same values
// into the same fields; every field it did not write keeps the value that snapshot had. The reads
// are recorded through a proxy over the context's top-level fields. An assign copies the context
// (xstate's resolveAssign: `Object.assign({}, snapshot.context, partialUpdate)`, in
// xstate/src/actions/assign.ts); while a tracked step runs that copy is made from the context
// behind the proxy (a copy is not a read: it carries every field over unchanged), the fields of
// partialUpdate are noted as written, and the copy is put behind a proxy of its own, so that what
// the rest of the step reads of the new context is recorded too. Anything else done to the context
// (enumerating it, `in`, a spread) reads the whole of it. The answers are kept in a ReadTrie
// (src/explore/read-trie.ts), as the step judgements are.
import type { StructuralIds } from '../util/canonical';
import { ReadTrie } from './read-trie';
import { PairMap } from './typed';

/** Variable 0: the whole context; variable k > 0: its top-level field names[k]. */
const WHOLE = 0;

/** Object.assign itself, as it was when this module loaded (during() replaces it for a moment). */
const ASSIGN = Object.assign;

/** Per actor: which context fields its steps read, and their answers (a non-negative int each,
 *  the caller's). A field's value is compared by structure (StructuralIds): machine code must not
 *  compare context objects by identity, as the step judgements' properties must not compare
 *  snapshots by identity (src/explore/read-tracker.ts). test/context-reads.test.ts holds every
 *  answer it gave on the default matrix to XState's own step, and
 *  test/engine-faithfulness.test.ts the engine, this memo included, to XState's transition(). */
export class ContextReads {
  private readonly index = new Map<string, number>();
  private readonly names: string[] = [''];
  private readonly trie: ReadTrie<object, null>;
  private readonly handler: ProxyHandler<object>;
  /** (state value, event) → 1 when a step read the whole context: its next steps are not tracked
   *  (a proxy makes the copy a spread does many times slower; marking only the steps that read the
   *  same fields with the same values before, as a ReadTrie leaf, saved 4% of the XState steps on
   *  the default matrix and cost more time in proxies than it saved). */
  private readonly whole = new PairMap();
  private reads: number[] = [];
  private readonly marked = new Set<number>();
  /** The fields the step tracked last wrote (assigned), in the order first written. */
  private readonly wrote = new Set<string>();
  /** The step's proxies (the context's, then each copy's) → the object behind each. */
  private behind = new WeakMap<object, object>();
  /** Revokes the step's proxies. */
  private revokes: (() => void)[] = [];
  /** Object.assign while a tracked step runs (during()). */
  private readonly assign: typeof Object.assign;

  constructor(private readonly structure: StructuralIds) {
    this.trie = new ReadTrie((v, context) => this.valueOf(v, context));
    this.handler = handlerFor((name) => this.mark(name === null ? WHOLE : this.variable(name)));
    this.assign = ((target: object, ...sources: unknown[]) =>
      this.copyOrAssign(target, sources)) as typeof Object.assign;
  }

  /** Bytes held outside the JS heap. */
  get bytes(): number {
    return this.trie.bytes + this.whole.bytes;
  }

  /** The answer recorded for a step of event `event` (an id) from a snapshot in state `value` (a
   *  structural id) with this context, or -1. */
  find(value: number, event: number, context: object): number {
    return this.trie.find(value, event, context, null);
  }

  /** Whether to track a step of event `event` from state `value`: not when one read the whole
   *  context. */
  worthTracking(value: number, event: number): boolean {
    return this.whole.get(value, event) === 0;
  }

  /** `context` behind a proxy that records what is read of it, until done(). */
  track<T extends object>(context: T): T {
    this.reads = [];
    this.marked.clear();
    this.wrote.clear();
    this.behind = new WeakMap();
    this.revokes = [];
    return this.wrap(context);
  }

  /** Runs `step` (the tracked step) with Object.assign watched: a copy of a tracked context made
   *  by it (an assign's) is made from the context behind the proxy, the fields of the other
   *  sources noted as written, and the copy handed back behind a proxy of its own. Object.assign
   *  is itself again when `step` returns or throws. */
  during<T>(step: () => T): T {
    Object.assign = this.assign;
    try {
      return step();
    } finally {
      Object.assign = ASSIGN;
    }
  }

  /** The context a tracked step ended with, out from behind its proxy: the context given to
   *  track() when the step assigned nothing, else the last copy. Undefined when it is no context
   *  of the step's (the step made one some other way: it cannot be recorded). */
  unwrap(context: object): object | undefined {
    return this.behind.get(context);
  }

  /** The fields the step tracked last wrote, in the order first written (none when it assigned
   *  nothing). */
  get writes(): string[] {
    return [...this.wrote];
  }

  /** Notes that the step tracked last (of event `event` from state `value`) is done, and revokes
   *  its proxies: a proxy kept anywhere after the step (in an emitted event, in a new context)
   *  then throws a TypeError when it is next read, rather than record its reads in another
   *  step's. False when the step read the whole context (it cannot be recorded usefully). */
  done(value: number, event: number): boolean {
    for (const revoke of this.revokes) revoke();
    this.revokes = [];
    if (!this.marked.has(WHOLE)) return true;
    this.whole.set(value, event, 1);
    return false;
  }

  /** Records `answer` for the step tracked last (of event `event`, from the snapshot in state
   *  `value` with this context), under what it read.
   *  @throws Error when the step read other fields than an earlier one with the same values (it
   *  is not a function of what it read). */
  record(value: number, event: number, context: object, answer: number): void {
    this.trie.record(value, event, this.reads, context, null, answer);
  }

  private wrap<T extends object>(context: T): T {
    const { proxy, revoke } = Proxy.revocable(context, this.handler as ProxyHandler<T>);
    this.behind.set(proxy, context);
    this.revokes.push(revoke);
    return proxy;
  }

  /** Object.assign(target, ...sources) while a tracked step runs: a copy of one of the step's
   *  contexts into a new empty object (what an assign makes) is made from behind the proxy and
   *  put behind one; anything else is Object.assign's own. */
  private copyOrAssign(target: object, sources: unknown[]): object {
    const first = sources[0];
    const from = typeof first === 'object' && first !== null ? this.behind.get(first) : undefined;
    if (from === undefined || Object.getPrototypeOf(target) !== Object.prototype || Object.keys(target).length > 0)
      return ASSIGN(target, ...sources);
    const rest = sources.slice(1);
    for (const s of rest) if (typeof s === 'object' && s !== null) for (const k of Object.keys(s)) this.wrote.add(k);
    return this.wrap(ASSIGN(target, from, ...rest));
  }

  private variable(name: string): number {
    let v = this.index.get(name);
    if (v === undefined) {
      v = this.names.length;
      this.names.push(name);
      this.index.set(name, v);
    }
    return v;
  }

  private mark(v: number): void {
    if (this.marked.has(v)) return;
    this.marked.add(v);
    this.reads.push(v);
  }

  /** Variable v's value in `context`: 1 + the structural id of the field (or of the whole
   *  context), 0 for a field that is undefined (JSON would drop it; code can tell). */
  private valueOf(v: number, context: object): number {
    if (v === WHOLE) return this.structure.id(context) + 1;
    const x: unknown = Reflect.get(context, this.names[v] ?? '');
    return x === undefined ? 0 : this.structure.id(x) + 1;
  }
}

/** The proxy handler that reports each read: a top-level field by name, anything else (a symbol,
 *  `in`, the keys, a descriptor, a write) as null, the whole context. Shared with the property
 *  checks' read tracker (src/explore/read-tracker.ts). */
export function handlerFor(read: (name: string | null) => void): ProxyHandler<object> {
  const whole = () => read(null);
  return {
    get(target, key) {
      read(typeof key === 'string' ? key : null);
      return Reflect.get(target, key);
    },
    has(target, key) {
      whole();
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      whole();
      return Reflect.ownKeys(target);
    },
    getOwnPropertyDescriptor(target, key) {
      whole();
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
    set(target, key, value) {
      whole();
      return Reflect.set(target, key, value);
    },
    defineProperty(target, key, attributes) {
      whole();
      return Reflect.defineProperty(target, key, attributes);
    },
    deleteProperty(target, key) {
      whole();
      return Reflect.deleteProperty(target, key);
    },
  };
}
