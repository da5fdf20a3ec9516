// A split worker's visits ahead of their turn (src/explore/split-worker.ts). A worker that has
// visited its part of a level waits for its peers' records, then for their keys. Meanwhile it
// already knows most states of its next level (those it found itself; those received, once taken
// in), though not yet their ranks. It computes their successors then (the engine's work, most of
// a visit), keeps them here, and sends them when each state's turn comes, with its rank: the
// parents, the order of the violations recorded and the records stay as without. Before: on bench's
// part 4 space the workers waited 5% to 15% of a split exploration's wall time (2026-12-03,
// instrumented per level: the level's imbalance and each worker's collector pauses).
import { grown, Int32List } from './typed';

const NONE: readonly AheadViolation[] = [];

/** The ints an ahead log may hold (64 MiB), and at most 1/64 of a worker's memory budget: past
 *  them a worker waits rather than visit ahead. With an eighth, `check --split 2 --max-memory 60M`
 *  on a 1.35-million-state configuration stopped at 297,048 to 345,411 states, against 379,792 to
 *  386,077 without visits ahead and 386,077 with 1/64 (2026-12-03, found by a new-user helper). */
const MAX_AHEAD_INTS = 1 << 24;
const BUDGET_SHARE = 64;

/** A violation found by a visit ahead, recorded when the state's turn comes (PropertyChecks.violate's
 *  arguments). */
export interface AheadViolation {
  id: string;
  event: number;
  note: string | null;
}

/** The successors of states visited ahead of their turn, for one level at a time: per state,
 *  whether some event leads to another state, the (event, successor tuple) of each event that does
 *  (in event order), and the violations its events broke (in the order found). */
export class AheadVisits {
  /** The local index of the level's first state. */
  private from = 0;
  /** Per state from `from` on: 1 + where its entry begins in `data` (0: not visited ahead). */
  private at: Int32Array<ArrayBuffer> = new Int32Array(1 << 10);
  /** Per entry: movable (0/1), successors n, violations [vFrom, vTo), then n × (event, tuple). */
  private readonly data = new Int32List(1 << 12);
  private readonly violations: AheadViolation[] = [];
  /** Where the entry begun last begins in `data`. */
  private current = 0;
  /** The next state to visit ahead (a local index). */
  next = 0;
  /** States visited ahead, over the exploration. */
  visited = 0;
  /** Set when the search stops: nothing more is visited ahead. */
  private stopped = false;
  private readonly maxInts: number;

  /** `width`: ints of a tuple; `budgetBytes`: the worker's memory budget (null: none). */
  constructor(
    private readonly width: number,
    budgetBytes: number | null,
  ) {
    this.maxInts = budgetBytes === null ? MAX_AHEAD_INTS : Math.min(MAX_AHEAD_INTS, budgetBytes / 4 / BUDGET_SHARE);
  }

  /** Bytes held. */
  get bytes(): number {
    return this.at.byteLength + this.data.data.byteLength;
  }

  /** Whether nothing more may be visited ahead: the search stops (stop()), or the log holds as
   *  much as it may (MAX_AHEAD_INTS, BUDGET_SHARE). */
  get closed(): boolean {
    return this.stopped || this.data.length >= this.maxInts;
  }

  /** The search stops (a budget, Ctrl-C): no state is visited ahead from now on. */
  stop(): void {
    this.stopped = true;
  }

  /** Starts the level whose first state is local index `from`, forgetting the one before (when
   *  `from` begins another level). */
  level(from: number): void {
    if (from === this.from) return;
    this.from = from;
    this.next = from;
    this.at.fill(0);
    // Back to its first size: a wide level's log does not stay held (and counted) to the end.
    this.data.reset();
    this.violations.length = 0;
  }

  /** Begins state i's entry (i = next, which moves on); `add` and `violate` fill it, `end` ends it. */
  begin(i: number): void {
    const k = i - this.from;
    if (k >= this.at.length) this.at = grown(this.at, k + 1);
    this.current = this.data.length;
    this.at[k] = this.current + 1;
    this.data.push(0);
    this.data.push(0);
    this.data.push(this.violations.length);
    this.data.push(this.violations.length);
    this.next = i + 1;
    this.visited++;
  }

  /** The entry begun last: event e leads to tuple t. */
  add(e: number, t: Int32Array): void {
    const w = this.width;
    const d = this.data;
    d.reserve(w + 1);
    const a = d.data;
    a[this.current + 1] = (a[this.current + 1] ?? 0) + 1;
    let p = d.length;
    a[p++] = e;
    for (let k = 0; k < w; k++) a[p++] = t[k] ?? 0;
    d.length = p;
  }

  /** The entry begun last: a violation found. */
  violate(v: AheadViolation): void {
    this.violations.push(v);
    this.data.data[this.current + 3] = this.violations.length;
  }

  /** The entry begun last: whether some event leads to another state. */
  end(movable: boolean): void {
    this.data.data[this.current] = movable ? 1 : 0;
  }

  /** Where state i's entry begins in `data`, or -1 when it was not visited ahead. */
  entry(i: number): number {
    const k = i - this.from;
    return k < 0 || k >= this.at.length ? -1 : (this.at[k] ?? 0) - 1;
  }

  /** The violations found by the entry at `at` (entry()), in the order found. */
  violationsOf(at: number): readonly AheadViolation[] {
    const d = this.data.data;
    const from = d[at + 2] ?? 0;
    const to = d[at + 3] ?? 0;
    return from === to ? NONE : this.violations.slice(from, to);
  }

  /** The successors the entry at `at` keeps (events that lead to another state). */
  successors(at: number): number {
    return this.data.data[at + 1] ?? 0;
  }

  /** The entry at `at`'s successor s (0 ≤ s < successors(at)): its tuple into t; returns its
   *  event. */
  successor(at: number, s: number, t: Int32Array): number {
    const d = this.data.data;
    const p = at + 4 + s * (this.width + 1);
    for (let k = 0; k < this.width; k++) t[k] = d[p + 1 + k] ?? 0;
    return d[p] ?? 0;
  }

  /** Whether the entry at `at`'s state has an event that leads to another state. */
  movable(at: number): boolean {
    return this.data.data[at] === 1;
  }
}
