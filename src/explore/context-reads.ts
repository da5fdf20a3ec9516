// A memo for the actor steps that keep an actor's context (they assign nothing: most answer with
// an errno or ignore the event, leaving the snapshot as it was; others change state only), keyed by
// what the step read of the context. XState's transition is a function of the snapshot's state
// value, the event and what its guards and actions read of the context, so a step that read the
// same context fields, with the same values, from a snapshot in the same state keeps that
// snapshot's context too, goes to the same state value and emits the same events (on the default
// matrix, the memo answers 273k actor steps and XState computes 153k). The reads are recorded
// through a proxy over the context's top-level fields; anything else done to the context
// (enumerating it, as an assign does: xstate's resolveAssign copies it with Object.assign) reads
// the whole of it. The answers are kept in a ReadTrie (src/explore/read-trie.ts), as the step
// judgements are.
import type { StructuralIds } from '../util/canonical';
import { ReadTrie } from './read-trie';
import { PairMap } from './typed';

/** Variable 0: the whole context; variable k > 0: its top-level field names[k]. */
const WHOLE = 0;

/** Per actor: which context fields its steps that kept the context read, and their answers (a
 *  non-negative int each, the caller's). A field's value is compared by structure (StructuralIds): machine code
 *  must not compare context objects by identity, as the step judgements' properties must not
 *  compare snapshots by identity (src/explore/read-tracker.ts). test/context-reads.test.ts holds
 *  every answer it gave on the default matrix to XState's own step, and
 *  test/engine-faithfulness.test.ts the engine, this memo included, to XState's transition(). */
export class ContextReads {
  private readonly index = new Map<string, number>();
  private readonly names: string[] = [''];
  private readonly trie: ReadTrie<object, null>;
  private readonly handler: ProxyHandler<object>;
  /** (state value, event) → 1 when a step read the whole context: its next steps are not tracked
   *  (a proxy makes the copy an assign does many times slower; marking only the steps that read the
   *  same fields with the same values before, as a ReadTrie leaf, saved 4% of the XState steps on
   *  the default matrix and cost more time in proxies than it saved). */
  private readonly whole = new PairMap();
  private reads: number[] = [];
  private readonly marked = new Set<number>();
  /** Revokes the proxy of the step tracked last. */
  private revoke: () => void = () => {};

  constructor(private readonly structure: StructuralIds) {
    this.trie = new ReadTrie((v, context) => this.valueOf(v, context));
    this.handler = handlerFor((name) => this.mark(name === null ? WHOLE : this.variable(name)));
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

  /** Notes that the step tracked last (of event `event` from state `value`) is done, and revokes
   *  its proxy: a proxy kept anywhere after the step (in an emitted event, in a new context) then
   *  throws a TypeError when it is next read, rather than record its reads in another step's.
   *  False when the step read the whole context (it cannot be recorded usefully). */
  done(value: number, event: number): boolean {
    this.revoke();
    if (!this.marked.has(WHOLE)) return true;
    this.whole.set(value, event, 1);
    return false;
  }

  /** `context` behind a proxy that records what is read of it, until done(). */
  track<T extends object>(context: T): T {
    this.reads = [];
    this.marked.clear();
    const { proxy, revoke } = Proxy.revocable(context, this.handler as ProxyHandler<T>);
    this.revoke = revoke;
    return proxy;
  }

  /** Records `answer` for the step tracked last: from the snapshot in state `value` with this
   *  context, it kept the context.
   *  @throws Error when the step read other fields than an earlier one with the same values (it
   *  is not a function of what it read). */
  record(value: number, event: number, context: object, answer: number): void {
    this.trie.record(value, event, this.reads, context, null, answer);
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
 *  `in`, the keys, a descriptor, a write) as null, the whole context. */
function handlerFor(read: (name: string | null) => void): ProxyHandler<object> {
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
