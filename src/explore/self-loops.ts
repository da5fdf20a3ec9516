// Which alphabet events are self-loops, known without walking the step trie (issue 17: "self-loop
// and errno answers decided from the actor tables without walking the trie"). Most events from
// most states are answered with an errno or ignored and change nothing (on bench's space 4.6M of
// 7.2M transitions), yet each one's walk visits every listener of the event: a sysfs write
// reaches the production kernel, the capture kernel, kexec and the phyp-dump service, four nodes.
//
// A walk's path depends only on the snapshots of the actors it visits (src/explore/engine.ts), so
// whether it stays is a function of those. The memo splits the actors in two: one actor (`apart`,
// the firmware: the one with most snapshots) and the rest. An event whose first delivery reaches
// another actor and whose walk never reaches `apart` is a function of the other actors' snapshot
// ids and the dump outcome (the state's "rest"); one whose first delivery reaches `apart` and
// whose walk reaches no other actor is a function of apart's snapshot id and the dump outcome.
// (Whether the walk reaches the other side at all is decided by the deliveries before it, so it is
// a function of the same key.) Per key and event the memo holds one byte: unknown, a self-loop the
// user's event is accounted for in (handled or ignored with a reason) with its outcome id, or
// anything else. Outcome ids last until the engine's flushSteps(), which empties the memo too.
import { TupleTable } from './table';
import { grown } from './typed';

/** The memo's bytes: UNKNOWN (the key's event not walked from it yet); a byte b from 1 to
 *  MAX_OUTCOME + 1 (from every state with the key, the event changes nothing, is accounted for,
 *  and has outcome b - 1); WALK (anything else: the event moves an actor, is dropped, its walk
 *  crosses to the other side, or its outcome id is past MAX_OUTCOME). */
const UNKNOWN = 0;
const WALK = 255;
const MAX_OUTCOME = WALK - 2;

/** The rests kept at most (a rest past them is walked every time): 1M rests of 25 events hold
 *  25 MB of bytes and about 16 MB of packed rests. */
const MAX_RESTS = 1 << 20;

/** The memo for one exploration: `actors` snapshot slots then the dump outcome slot in a tuple,
 *  `dumps` dump outcomes (DUMP_CODES' length), `apart` the actor kept apart, `rootIsApart[e]`
 *  whether alphabet event e's first delivery reaches it. Use: from(t) for the state whose events
 *  are asked, then knownWord(w) for the events to skip, known(e) before walking e and
 *  learn(e, ...) after. */
export class SelfLoops {
  private readonly rests: TupleTable;
  private readonly rest: Int32Array;
  /** rest id * A + e → what event e does from the rest's states. */
  private restMemo = new Uint8Array(1 << 12);
  /** (apart's snapshot id * dumps + dump outcome) * A + e → the same, for the events that reach
   *  apart first. */
  private apartMemo = new Uint8Array(1 << 12);
  /** The same answers as bits, `words` 32-bit words a key (bit b of word w: event 32w + b is a
   *  known self-loop), so that a search skips them without asking one by one. */
  private restBits = new Int32Array(1 << 8);
  private apartBits = new Int32Array(1 << 8);
  private readonly words: number;
  private restRow = -1;
  private apartRow = 0;
  /** The rows' first words in restBits and apartBits (-1: the rest is not kept). */
  private restWords = -1;
  private apartWords = 0;

  constructor(
    private readonly actors: number,
    private readonly dumps: number,
    private readonly apart: number,
    private readonly rootIsApart: readonly boolean[],
  ) {
    this.rests = new TupleTable(actors, 1 << 10);
    this.rest = new Int32Array(actors);
    this.words = (rootIsApart.length + 31) >>> 5;
  }

  /** Bytes held (both memos, their bitmasks and the rests' table). */
  get bytes(): number {
    return (
      this.rests.bytes +
      this.restMemo.byteLength +
      this.apartMemo.byteLength +
      this.restBits.byteLength +
      this.apartBits.byteLength
    );
  }

  /** Makes tuple t the state whose events known() and learn() are about. */
  from(t: ArrayLike<number>): void {
    const A = this.rootIsApart.length;
    const dump = t[this.actors] ?? 0;
    let k = 0;
    for (let a = 0; a < this.actors; a++) if (a !== this.apart) this.rest[k++] = t[a] ?? 0;
    this.rest[k] = dump;
    let id: number;
    if (this.rests.count < MAX_RESTS) {
      const got = this.rests.add(this.rest);
      id = got < 0 ? ~got : got;
    } else id = this.rests.find(this.rest);
    this.restRow = id < 0 ? -1 : id * A;
    if (this.restRow + A > this.restMemo.length) this.restMemo = grown(this.restMemo, this.restRow + A);
    this.restWords = id < 0 ? -1 : id * this.words;
    if (this.restWords + this.words > this.restBits.length)
      this.restBits = grown(this.restBits, this.restWords + this.words);
    const key = (t[this.apart] ?? 0) * this.dumps + dump;
    this.apartRow = key * A;
    if (this.apartRow + A > this.apartMemo.length) this.apartMemo = grown(this.apartMemo, this.apartRow + A);
    this.apartWords = key * this.words;
    if (this.apartWords + this.words > this.apartBits.length)
      this.apartBits = grown(this.apartBits, this.apartWords + this.words);
  }

  /** Word w of the events known() answers from the state given to from(), as bits (bit b is event
   *  32w + b). */
  knownWord(w: number): number {
    const rest = this.restWords < 0 ? 0 : (this.restBits[this.restWords + w] ?? 0);
    return rest | (this.apartBits[this.apartWords + w] ?? 0);
  }

  /** The outcome id of event e from the state given to from() when it is known to change nothing
   *  and to be accounted for, else -1. */
  known(e: number): number {
    let b: number;
    if (this.rootIsApart[e] === true) b = this.apartMemo[this.apartRow + e] ?? UNKNOWN;
    else if (this.restRow >= 0) b = this.restMemo[this.restRow + e] ?? UNKNOWN;
    else return -1;
    return b === UNKNOWN || b === WALK ? -1 : b - 1;
  }

  /** Records what event e's walk from the state given to from() did: `visited` has bit a set for
   *  each actor a it reached (-1 when unknown: nothing is recorded), `stays` whether it changed
   *  nothing and was accounted for, `o` its outcome id. */
  learn(e: number, visited: number, stays: boolean, o: number): void {
    if (visited < 0) return;
    const apartBit = 1 << this.apart;
    const onApart = this.rootIsApart[e] === true;
    const memo = onApart ? this.apartMemo : this.restMemo;
    const at = (onApart ? this.apartRow : this.restRow) + e;
    if ((!onApart && this.restRow < 0) || memo[at] !== UNKNOWN) return;
    const crossed = onApart ? (visited & ~apartBit) !== 0 : (visited & apartBit) !== 0;
    const known = stays && !crossed && o <= MAX_OUTCOME;
    memo[at] = known ? o + 1 : WALK;
    if (!known) return;
    const bits = onApart ? this.apartBits : this.restBits;
    const w = (onApart ? this.apartWords : this.restWords) + (e >>> 5);
    bits[w] = (bits[w] ?? 0) | (1 << (e & 31));
  }

  /** Forgets every answer (the engine's outcome ids are about to change). */
  clear(): void {
    this.restMemo.fill(0);
    this.apartMemo.fill(0);
    this.restBits.fill(0);
    this.apartBits.fill(0);
  }
}
