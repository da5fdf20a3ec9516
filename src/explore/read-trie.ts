// A memo for a pure judgement of a step, keyed by what the judgement read. The step properties
// (src/specs/properties.ts) read a few things of a few actors before and after a step, in an order
// that depends only on what they have read so far (they are pure). So the first judgement records
// what it read, in order, and the next step with the same key that reads the same values in those
// places gets the same answer, whatever else the state holds. The trie branches on those values,
// one read after another, as the engine's step trie branches on the actors a routing reaches
// (src/explore/engine.ts). Memoising by recorded reads (a trace of dependencies) is what
// incremental computation does; here the reads are few (two to six) and repeat across most states.
import { Int32List, PairMap } from './typed';

/** What a variable reads: the value of variable `v` (a non-negative int) in what is judged, given
 *  as two parts (for a step property: the tuples before and after the step). */
export type ReadValue<X, Y> = (v: number, pre: X, post: Y) => number;

/** The trie: per key (a pair of non-negative ints), a tree of reads, each node branching on the
 *  value of the variable it reads, each leaf an answer (a non-negative int). A reference is 0
 *  (nothing), n + 1 for node n, or -(answer + 1). */
export class ReadTrie<X = ArrayLike<number>, Y = ArrayLike<number>> {
  private readonly roots = new PairMap();
  /** Per node, the variable it branches on. */
  private readonly vars = new Int32List(1 << 10);
  /** (node, value) → reference. */
  private readonly children = new PairMap();

  constructor(private readonly read: ReadValue<X, Y>) {}

  /** Bytes held outside the JS heap. */
  get bytes(): number {
    return this.roots.bytes + this.vars.data.byteLength + this.children.bytes;
  }

  /** The answer recorded for key (a, b) and this step, or -1 when none is (judge, then
   *  record()). */
  find(a: number, b: number, pre: X, post: Y): number {
    let ref = this.roots.get(a, b);
    const vars = this.vars.data;
    while (ref > 0) ref = this.children.get(ref - 1, this.read(vars[ref - 1] ?? 0, pre, post));
    return ref < 0 ? -ref - 1 : -1;
  }

  /** Records `answer` for key (a, b): the judgement of the step from `pre` to `post` read the
   *  variables `reads`, in that order (each once).
   *  @throws Error when the reads disagree with those recorded before for the same key and values
   *  (the judgement is not a function of what it read). */
  record(a: number, b: number, reads: readonly number[], pre: X, post: Y, answer: number): void {
    const leaf = -(answer + 1);
    if (reads.length === 0) {
      this.roots.set(a, b, leaf);
      return;
    }
    let ref = this.roots.get(a, b);
    if (ref === 0) {
      ref = this.newNode(reads[0] ?? 0);
      this.roots.set(a, b, ref);
    }
    for (let k = 0; ; k++) {
      const v = reads[k] ?? 0;
      if (ref <= 0 || this.vars.data[ref - 1] !== v)
        throw new Error('memo: the reads differ from an earlier judgement of the same values');
      const value = this.read(v, pre, post);
      if (k === reads.length - 1) {
        this.children.set(ref - 1, value, leaf);
        return;
      }
      let child = this.children.get(ref - 1, value);
      if (child === 0) {
        child = this.newNode(reads[k + 1] ?? 0);
        this.children.set(ref - 1, value, child);
      }
      ref = child;
    }
  }

  private newNode(v: number): number {
    this.vars.push(v);
    return this.vars.length;
  }
}
