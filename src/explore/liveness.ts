// Liveness on the explored graph (docs/design.md §6 "Exploration and test paths"): an
// 'eventually' property holds when every reachable state can reach one of its goal states. Needs
// the whole graph, so it runs after a complete search that kept its edges.
import type { StateTable } from './table';
import { Int32List } from './typed';

/** The explored graph: `table` holds the states' tuples (`width` ints each), `rows` its edges
 *  other than self-loops. */
export interface Graph {
  table: StateTable;
  width: number;
  rows: SuccessorRows;
}

/** The first state (an index) from which no goal state can be reached, or -1 if there is none;
 *  `isGoal(t)` says whether the state with tuple t is one. */
export function firstStuckState(isGoal: (t: Int32Array) => boolean, g: Graph): number {
  const n = g.table.count;
  const good = new Uint8Array(n);
  const t = new Int32Array(g.width);
  for (let i = 0; i < n; i++) if (isGoal(g.table.get(i, t))) good[i] = 1;
  return firstStuckAmong(good, g.rows);
}

/** The explored graph's edges other than self-loops, in compressed sparse rows, recorded as the
 *  search expands the states in order: state i's successors are targets[start[i] ..
 *  start[i + 1]). Self-loops change no state's reachability, and most events from a state are
 *  answered with an errno or ignored: a row holds about a third of the alphabet, 4 bytes each,
 *  where n × A successors hold all of it (the search keeps its edges so for liveness,
 *  src/explore/explore.ts). */
export class SuccessorRows {
  private readonly starts = new Int32List(1 << 10);
  private readonly targets = new Int32List(1 << 12);
  /** Whether the last row was ended (by rows()): starts then holds one more offset, its end. */
  private ended = false;

  /** The states whose rows were begun. */
  get count(): number {
    return this.starts.length - (this.ended ? 1 : 0);
  }

  /** Bytes held. */
  get bytes(): number {
    return this.starts.data.byteLength + this.targets.data.byteLength;
  }

  /** Edges added. */
  get edges(): number {
    return this.targets.length;
  }

  /** Begins state `i`'s row: the states must come in order, 0, 1, 2...
   *  @throws Error when i is not the next state. */
  begin(i: number): void {
    if (this.ended) throw new Error('successor rows: read, then begun again');
    if (i !== this.starts.length) throw new Error(`successor rows: state ${i} after ${this.starts.length - 1}`);
    this.starts.push(this.targets.length);
  }

  /** Adds an edge to state j from the state begun last; returns its place among the targets (for
   *  set()). */
  add(j: number): number {
    this.targets.push(j);
    return this.targets.length - 1;
  }

  /** Makes the edge at place `at` (as add() returned it) lead to state j: a split exploration's
   *  worker learns the id of a successor its peer owns a level later. */
  set(at: number, j: number): void {
    this.targets.data[at] = j;
  }

  /** Every row: offsets (count + 1) and targets, views of the lists (no copy). Ends the last
   *  row: none can be begun after. */
  rows(): { start: Int32Array; targets: Int32Array } {
    const n = this.count;
    if (!this.ended) {
      this.starts.push(this.targets.length);
      this.ended = true;
    }
    const start = this.starts.data.subarray(0, n + 1);
    return { start, targets: this.targets.data.subarray(0, start[n] ?? 0) };
  }

  /** The rows of n states' successors succ[i * A + e], self-loops left out. State i is called
   *  first + i * stride in succ (a split worker's global ids; RowBlock). */
  static of(succ: Int32Array, n: number, A: number, first = 0, stride = 1): SuccessorRows {
    const r = new SuccessorRows();
    for (let i = 0; i < n; i++) {
      r.begin(i);
      const self = first + i * stride;
      for (let e = 0; e < A; e++) {
        const j = succ[i * A + e] ?? self;
        if (j !== self) r.add(j);
      }
    }
    return r;
  }
}

/** Edges in a chunk of rows at the most (2^24: 64 MiB of targets). */
export const CHUNK_EDGES = 1 << 24;

/** The rows of a split worker's states (global ids), in chunks of at most CHUNK_EDGES edges each
 *  with the states whose rows it holds: a list grown by half again copies what it holds, and on
 *  configs/large.json, two workers growing hundreds of MB of edges at once set the peak memory.
 *  A place (add()) is chunk * CHUNK_EDGES + the edge's place in its chunk. */
export class RowChunks {
  private readonly done: RowBlock[] = [];
  private rows = new SuccessorRows();
  private states = new Int32List(1 << 10);
  private base = 0;

  /** `maxRow`: edges a row can hold at the most (the alphabet's events). */
  constructor(
    private readonly maxRow: number,
    private readonly chunkEdges = CHUNK_EDGES,
  ) {
    if (maxRow > chunkEdges) throw new Error(`row chunks: a row of ${maxRow} edges, chunks of ${chunkEdges}`);
  }

  /** Bytes held. */
  get bytes(): number {
    const done = this.done.reduce(
      (n, b) => n + b.start.byteLength + b.targets.byteLength + (b.states?.byteLength ?? 0),
      0,
    );
    return done + this.rows.bytes + this.states.data.byteLength;
  }

  /** Begins the row of state `id` (a global id). */
  begin(id: number): void {
    if (this.rows.edges + this.maxRow > this.chunkEdges) {
      this.done.push(this.block(this.rows, this.states));
      this.rows = new SuccessorRows();
      this.states = new Int32List(1 << 10);
      this.base += this.chunkEdges;
    }
    this.rows.begin(this.states.length);
    this.states.push(id);
  }

  /** Adds an edge to state j from the state begun last; returns its place (for set()). */
  add(j: number): number {
    return this.base + this.rows.add(j);
  }

  /** Makes the edge at `place` lead to state j. */
  set(place: number, j: number): void {
    const chunk = Math.floor(place / this.chunkEdges);
    const at = place - chunk * this.chunkEdges;
    const done = this.done[chunk];
    if (done === undefined) this.rows.set(at, j);
    else done.targets[at] = j;
  }

  /** Every chunk's rows (views, no copy; `first` and `stride` unused: each names its states).
   *  Ends the last chunk: none can be begun after. */
  blocks(): RowBlock[] {
    return [...this.done, this.block(this.rows, this.states)];
  }

  private block(rows: SuccessorRows, states: Int32List): RowBlock {
    return { ...rows.rows(), first: 0, stride: 1, states: states.data.subarray(0, states.length) };
  }
}

/** The first state (an index) of the rows' that reaches no state with good[i] set (its goal), over
 *  their edges, or -1 if there is none. Overwrites good with the states that can. */
export function firstStuckAmong(good: Uint8Array, rows: SuccessorRows): number {
  markCanReach(good, rows);
  for (let i = 0; i < rows.count; i++) if (!good[i]) return i;
  return -1;
}

/** Rows of some of a graph's states: row k (targets[start[k] .. start[k + 1])) holds the
 *  successors of state states[k] when `states` is given, else of state first + k * stride. A
 *  split exploration's worker w of W holds the rows of states w, w + W, w + 2W... in the order
 *  it visited them (src/explore/split.ts); one thread's rows are one block, first 0, stride 1. */
export interface RowBlock {
  start: Int32Array;
  targets: Int32Array;
  first: number;
  stride: number;
  states?: Int32Array | undefined;
}

/** Backward reachability: sets good[u] for every state u of the rows' with a path to a state
 *  already good, over the reverse of their edges (compressed sparse rows again).
 *  @throws Error when good has fewer than rows.count states, or an edge leads past them. */
export function markCanReach(good: Uint8Array, rows: SuccessorRows): void {
  const n = rows.count;
  if (good.length < n) throw new Error(`liveness: goals for ${good.length} states, edges for ${n}`);
  markCanReachIn(good, n, [{ ...rows.rows(), first: 0, stride: 1 }]);
}

/** Sweeps markCanReachIn makes over the rows before it builds the reverse edges. */
export const SWEEPS = 4;

const rowState = (b: RowBlock, r: number) => (b.states === undefined ? b.first + r * b.stride : (b.states[r] ?? -1));

/** markCanReach over n states whose rows come in blocks (no copy of them is made). First up to
 *  `sweeps` sweeps over the rows, the last row first (sweep()): on the explored graphs nearly every
 *  state is marked by the first and the second marks none (configs/large.json: 22 million states,
 *  about 235 million edges), so that no reverse edges are built; when the sweeps have not settled,
 *  the reverse edges (4 bytes an edge and 4 a state, with a queue of n) finish the marking. Both
 *  ways mark the same states: a sweep marks only states with an edge to a marked one.
 *  @throws Error when an edge leads past the n states, or a block's row past them. */
export function markCanReachIn(good: Uint8Array, n: number, blocks: readonly RowBlock[], sweeps = SWEEPS): void {
  let edges = 0;
  for (const b of blocks) {
    const rowsIn = b.start.length - 1;
    if (b.states !== undefined && b.states.length < rowsIn)
      throw new Error(`liveness: ${rowsIn} rows, the states of ${b.states.length}`);
    for (let r = b.states === undefined ? Math.max(0, rowsIn - 1) : 0; r < rowsIn; r++)
      if (rowState(b, r) >= n || rowState(b, r) < 0)
        throw new Error(`liveness: a row for state ${rowState(b, r)} of ${n}`);
    edges += b.start[rowsIn] ?? 0;
    for (let k = 0; k < (b.start[rowsIn] ?? 0); k++) {
      const to = b.targets[k] ?? 0;
      if (to >= n || to < 0) throw new Error(`liveness: an edge to state ${to} of ${n}`);
    }
  }
  for (let k = 0; k < sweeps; k++) if (sweep(good, blocks) === 0) return;
  reverseReach(good, n, blocks, edges);
}

/** One sweep: every row, the last block's last row first (the deepest states a search visited
 *  come first, so a marking climbs back to the start within one sweep), marks its state when an
 *  edge of it leads to a marked one. Returns the states marked. */
function sweep(good: Uint8Array, blocks: readonly RowBlock[]): number {
  let marked = 0;
  for (let x = blocks.length - 1; x >= 0; x--) {
    const b = blocks[x];
    if (b === undefined) continue;
    const { start, targets } = b;
    for (let r = start.length - 2; r >= 0; r--) {
      const u = rowState(b, r);
      if (good[u]) continue;
      for (let k = start[r] ?? 0; k < (start[r + 1] ?? 0); k++)
        if (good[targets[k] ?? 0]) {
          good[u] = 1;
          marked++;
          break;
        }
    }
  }
  return marked;
}

/** Backward reachability over the reverse of the rows' `edges` edges (already checked). */
function reverseReach(good: Uint8Array, n: number, blocks: readonly RowBlock[], edges: number): void {
  const indeg = new Int32Array(n + 1);
  for (const { start, targets } of blocks)
    for (let k = 0; k < (start[start.length - 1] ?? 0); k++) {
      const to = (targets[k] ?? 0) + 1;
      indeg[to] = (indeg[to] ?? 0) + 1;
    }
  for (let i = 0; i < n; i++) indeg[i + 1] = (indeg[i + 1] ?? 0) + (indeg[i] ?? 0);
  // indeg[v] is where v's predecessors go; filling moves it to where they end (indeg[v + 1]), and
  // shifting it back by one state restores the starts (no second array of n offsets).
  const rev = new Int32Array(edges);
  for (const b of blocks)
    for (let r = 0, { start, targets } = b; r + 1 < start.length; r++) {
      const from = rowState(b, r);
      for (let k = start[r] ?? 0; k < (start[r + 1] ?? 0); k++) {
        const to = targets[k] ?? 0;
        const at = indeg[to] ?? 0;
        rev[at] = from;
        indeg[to] = at + 1;
      }
    }
  for (let v = n; v > 0; v--) indeg[v] = indeg[v - 1] ?? 0;
  indeg[0] = 0;
  const queue = new Int32Array(n);
  let tail = 0;
  for (let i = 0; i < n; i++) if (good[i]) queue[tail++] = i;
  for (let h = 0; h < tail; h++) {
    const v = queue[h] ?? 0;
    for (let k = indeg[v] ?? 0; k < (indeg[v + 1] ?? 0); k++) {
      const u = rev[k] ?? 0;
      if (!good[u]) {
        good[u] = 1;
        queue[tail++] = u;
      }
    }
  }
}
