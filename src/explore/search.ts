// The breadth-first search over the composed system's states (docs/design.md §6 "Exploration and
// test paths"): every state once, every alphabet event from each, the properties checked on
// the way (src/explore/checks.ts), within the budget (src/explore/budget.ts). States are tuples of
// ints in a TupleTable (or, with hash compaction, 64-bit fingerprints in a FingerprintSet and a
// queue of the tuples not yet expanded); parent links give the shortest path to each.
import type { ExternalEvent } from '../events';
import type { Budget, StopReason } from './budget';
import { POLL_MASK } from './budget';
import type { PropertyChecks } from './checks';
import { Engine } from './engine';
import { FingerprintSet, fingerprint1, fingerprint2, TupleQueue } from './fingerprints';
import { SuccessorRows } from './liveness';
import { TupleTable, type StateTable } from './table';

/** The parent links: parent[i] is the state state i was first reached from (-1 for the initial
 *  state), parentEvent[i] the alphabet event that led there (a Uint8Array when the alphabet has at
 *  most 255 events, else a Uint16Array; parentEvent[0] is 0 and means nothing). */
export type EventArray = Uint8Array<ArrayBuffer> | Uint16Array<ArrayBuffer>;

/** An array of n alphabet event indices for an alphabet of A events: one byte each up to 255
 *  events, else two. */
export function eventArray(n: number, A: number): EventArray {
  return A <= 255 ? new Uint8Array(n) : new Uint16Array(n);
}

/** What the search found: the states, how they were first reached, and (if kept) every edge. */
export interface SearchResult {
  /** The states: their tuples (exact), or a table that recomputes them from the parent links
   *  (hash compaction). */
  table: StateTable;
  parent: Int32Array;
  parentEvent: EventArray;
  /** succ[i * A + e]: the state event e leads to from state i (when edges are kept, exact). */
  succ: Int32Array | null;
  /** The edges other than self-loops, in rows (when keepRows: for liveness, about a third of
   *  succ's bytes). */
  rows: SuccessorRows | null;
  /** Edges followed (state, event pairs). */
  edges: number;
  stopReason: StopReason;
  /** The most bytes the queue of states not yet expanded held (hash compaction; 0 when exact:
   *  the visited set is the queue). */
  peakQueueBytes: number;
}

/** How to search: keep the edges (`keepEdges`: every successor, exact searches only; `keepRows`:
 *  the edges other than self-loops, for liveness), start after `prefix`, store fingerprints instead
 *  of tuples (`hashCompact`), and call `onState(i, tuple)` on each state as it is expanded. */
export interface SearchOptions {
  keepEdges: boolean;
  keepRows?: boolean;
  prefix: readonly ExternalEvent[];
  hashCompact?: boolean;
  onState?: (i: number, t: Int32Array) => void;
  /** Bytes onState's own per-state arrays hold, for the memory budget. */
  onStateBytes?: () => number;
}

/** The visited set as the search uses it: add() as TupleTable.add (in hash-compact mode without
 *  kept edges, ~0 for a state already there), next(i) the tuple of state i, asked in order
 *  0, 1, 2... */
interface Visited {
  readonly count: number;
  readonly bytes: number;
  add(t: Int32Array): number;
  next(i: number, out: Int32Array): Int32Array;
}

/** The exact visited set: every tuple, packed (src/explore/table.ts); a split worker's too
 *  (src/explore/split-states.ts ExactStates). */
export class ExactVisited implements Visited {
  constructor(readonly table: TupleTable) {}
  get count(): number {
    return this.table.count;
  }
  get bytes(): number {
    return this.table.bytes;
  }
  add(t: Int32Array): number {
    return this.table.add(t);
  }
  next(i: number, out: Int32Array): Int32Array {
    return this.table.get(i, out);
  }
}

/** Hash compaction (src/explore/fingerprints.ts): a 64-bit fingerprint a state, the tuples of the
 *  states not yet expanded in a queue. */
class CompactVisited implements Visited {
  readonly set: FingerprintSet;
  readonly queue: TupleQueue;
  count = 0;
  peakQueueBytes = 0;
  constructor(
    private readonly width: number,
    withIndex: boolean,
  ) {
    this.set = new FingerprintSet(withIndex);
    this.queue = new TupleQueue(width);
  }
  get bytes(): number {
    return this.set.bytes + this.queue.bytes;
  }
  add(t: Int32Array): number {
    const got = this.set.add(fingerprint1(t, this.width), fingerprint2(t, this.width), this.count);
    if (got >= 0) {
      this.count++;
      this.queue.push(t);
      if (this.queue.bytes > this.peakQueueBytes) this.peakQueueBytes = this.queue.bytes;
    }
    return got;
  }
  next(_i: number, out: Int32Array): Int32Array {
    return this.queue.shift(out);
  }
}

/** The search's arrays, grown as states are found. */
interface Frontier {
  visited: Visited;
  parent: Int32Array<ArrayBuffer>;
  parentEvent: EventArray;
  succ: Int32Array<ArrayBuffer> | null;
  rows: SuccessorRows | null;
  /** Growth factor of the parent links. */
  growth: number;
}

/** The initial tuple (`width` ints), moved along `prefix`.
 *  @throws Error when a prefix event is not in `letters`. */
export function startTuple(
  engine: Engine,
  letters: readonly ExternalEvent[],
  width: number,
  prefix: readonly ExternalEvent[],
) {
  const t0 = new Int32Array(width);
  t0.set(engine.initialTuple());
  for (const ev of prefix) {
    const e = letters.findIndex((x) => JSON.stringify(x) === JSON.stringify(ev));
    if (e < 0) throw new Error(`prefix event ${JSON.stringify(ev)} is not in the alphabet`);
    Engine.apply(t0, engine.edge(t0, e));
  }
  return t0;
}

/** At the memory budget, the step caches are emptied (rather than the search stopped) when they
 *  hold at least this share of it. */
export const FLUSH_SHARE = 1 / 16;

/** Every 1,024 states, as Budget.poll() (progress, Ctrl-C, memory): at the memory budget, the
 *  caches that grow with the states and can be recomputed (the engine's step trie and outcomes,
 *  the step judgements' memo) are emptied first, when that frees at least FLUSH_SHARE of it, and
 *  the budget asked again. Shared by this search and the split workers' (split-worker.ts). */
export function pollBudget(
  budget: Budget,
  states: number,
  held: () => number,
  engine: Engine,
  checks: PropertyChecks,
): StopReason | null {
  const stop = budget.poll(states, held);
  const max = budget.maxMemoryBytes;
  if (stop !== 'max-memory' || max === null || engine.flushableBytes + checks.flushableBytes < max * FLUSH_SHARE)
    return stop;
  engine.flushSteps();
  checks.flushJudged();
  return budget.poll(states, held);
}

/** Initial size of the per-state arrays (states). */
const INITIAL_STATES = 1 << 10;

/** Explores every state reachable from the initial one (after `prefix`) under `letters`, checking
 *  `checks` on the way; keeps the edges when `keepEdges` (exact) or `keepRows`. Stops early when
 *  the budget says so.
 *  With `hashCompact`, the visited set keeps fingerprints (src/explore/fingerprints.ts). */
export function search(
  engine: Engine,
  letters: readonly ExternalEvent[],
  checks: PropertyChecks,
  budget: Budget,
  opts: SearchOptions,
): SearchResult {
  const A = letters.length;
  const width = checks.width;
  const keepRows = opts.keepRows === true;
  const compact = opts.hashCompact === true ? new CompactVisited(width, keepRows) : null;
  const exact = compact === null ? new TupleTable(width, INITIAL_STATES) : null;
  const f: Frontier = {
    visited: compact ?? new ExactVisited(exact ?? new TupleTable(width, INITIAL_STATES)),
    parent: new Int32Array(INITIAL_STATES),
    parentEvent: eventArray(INITIAL_STATES, A),
    succ: opts.keepEdges && compact === null ? new Int32Array(INITIAL_STATES * A) : null,
    rows: keepRows ? new SuccessorRows() : null,
    // Hash compaction counts every byte a state: its parent links grow by a sixteenth at a time.
    growth: compact === null ? 1.5 : 1.0625,
  };
  const t0 = startTuple(engine, letters, width, opts.prefix);
  f.visited.add(t0);
  f.parent[0] = -1;
  // Bytes held outside the heap, for the memory budget: the visited set (and queue), parent links,
  // kept edges, the engine's and the checks' caches.
  const held = () =>
    f.visited.bytes +
    f.parent.byteLength +
    f.parentEvent.byteLength +
    (f.succ?.byteLength ?? 0) +
    (f.rows?.bytes ?? 0) +
    engine.bytes +
    checks.bytes +
    (opts.onStateBytes?.() ?? 0);

  const cur = new Int32Array(width);
  const next = new Int32Array(width);
  budget.start();
  let edges = 0;
  let stopReason: StopReason = 'done';
  for (let i = 0; i < f.visited.count; i++) {
    // Every 1,024 states: progress, Ctrl-C and the memory budget.
    if ((i & POLL_MASK) === 0 && i > 0) {
      const stop = pollBudget(budget, f.visited.count, held, engine, checks);
      if (stop !== null) {
        stopReason = stop;
        break;
      }
    }
    f.visited.next(i, cur);
    if (f.succ !== null && (i + 1) * A > f.succ.length) f.succ = growSucc(f.succ, i + 1, A);
    opts.onState?.(i, cur);
    checks.checkState(i, cur);
    edges += A;
    if (!expand(engine, checks, f, i, A, cur, next))
      checks.violate('no-deadlock', i, -1, 'no event leads out of this state');
    if (budget.full(i, f.visited.count)) {
      stopReason = 'max-states';
      break;
    }
  }
  const kept = (compact?.set.bytes ?? 0) + f.parent.byteLength + f.parentEvent.byteLength;
  const table = exact ?? replayTable(f.visited.count, kept, t0, f.parent, f.parentEvent, engine, checks);
  return {
    table,
    parent: f.parent,
    parentEvent: f.parentEvent,
    succ: f.succ,
    rows: f.rows,
    edges,
    stopReason,
    peakQueueBytes: compact?.peakQueueBytes ?? 0,
  };
}

/** The states of a hash-compact search: no tuples kept, each one recomputed on demand by replaying
 *  its path from the initial state (parent links) through the engine, monitors included. */
class ReplayTable implements StateTable {
  constructor(
    readonly count: number,
    readonly width: number,
    /** The bytes the search held for its states when it ended (fingerprints, parent links). */
    readonly bytes: number,
    private readonly replay: (i: number, out: Int32Array) => void,
  ) {}
  /** Replays the path to state `index`: as many engine steps as the state's depth. */
  get(index: number, out: Int32Array): Int32Array {
    if (index < 0 || index >= this.count) throw new Error(`no state ${index}`);
    this.replay(index, out);
    return out;
  }
  /** @throws Error always: a hash-compact search keeps no tuples to find a state by. */
  find(): number {
    throw new Error('a hash-compact exploration keeps no tuples: find() needs an exact one');
  }
}

/** The states 0 .. count - 1 of a hash-compact search (a split one's too), each tuple recomputed
 *  on demand from the start tuple t0 along the parent links (in the search's order). `bytes`: what
 *  the search held for its states when it ended (fingerprints, parent links). */
export function replayTable(
  count: number,
  bytes: number,
  t0: Int32Array,
  parent: Int32Array,
  parentEvent: EventArray,
  engine: Engine,
  checks: PropertyChecks,
): StateTable {
  const replay = (i: number, out: Int32Array) => replayTo(i, out, t0, parent, parentEvent, engine, checks);
  return new ReplayTable(count, checks.width, bytes, replay);
}

/** State i's tuple, recomputed: from t0 along the parent links' events, each step as the search
 *  took it (the outcome applied, then the monitors of the step properties it triggers). Any
 *  violation on the way was recorded when the search took that step, so checkStep adds none. */
function replayTo(
  i: number,
  out: Int32Array,
  t0: Int32Array,
  parent: Int32Array,
  parentEvent: EventArray,
  engine: Engine,
  checks: PropertyChecks,
): void {
  const path: number[] = [];
  for (let k = i; k > 0; k = parent[k] ?? 0) path.push(k);
  const cur = out;
  const next = new Int32Array(t0.length);
  cur.set(t0);
  let from = 0;
  for (let p = path.length - 1; p >= 0; p--) {
    const to = path[p] ?? 0;
    const e = parentEvent[to] ?? 0;
    const o = engine.edgeId(cur, e);
    next.set(cur);
    engine.applyEdge(next);
    const trig = checks.triggeredBy(e);
    if (trig !== undefined) checks.checkStep(from, e, o, cur, next, trig);
    cur.set(next);
    from = to;
  }
}

/** Follows every alphabet event from state i (tuple `cur`; `next` is scratch): checks the step
 *  properties they trigger, adds the new states, records the edges. True if some event leads
 *  to another state. */
function expand(
  engine: Engine,
  checks: PropertyChecks,
  f: Frontier,
  i: number,
  A: number,
  cur: Int32Array,
  next: Int32Array,
): boolean {
  let movable = false;
  f.rows?.begin(i);
  engine.fromState(cur);
  if (f.succ !== null) f.succ.fill(i, i * A, i * A + A);
  for (let w = 0; w << 5 < A; w++) {
    for (let todo = eventsToFollow(engine, checks, w, A); todo !== 0; todo &= todo - 1) {
      const e = (w << 5) | (31 - Math.clz32(todo & -todo));
      if (!follow(engine, checks, i, e, cur, next)) continue;
      movable = true;
      const got = f.visited.add(next);
      const j = got < 0 ? ~got : got;
      if (got >= 0) {
        if (j >= f.parent.length) growParents(f, j + 1);
        f.parent[j] = i;
        f.parentEvent[j] = e;
      }
      if (f.succ !== null) f.succ[i * A + e] = j;
      f.rows?.add(j);
    }
  }
  return movable;
}

/** Word w of the alphabet events (bit b: event 32w + b, of A) a search follows from the state given
 *  to engine.fromState(), in order: all but the self-loops the engine knows without a walk and no
 *  step property is triggered by (those stay where they are and are accounted for). */
export function eventsToFollow(engine: Engine, checks: PropertyChecks, w: number, A: number): number {
  const all = A - (w << 5) >= 32 ? -1 : (1 << (A - (w << 5))) - 1;
  return all & ~engine.skipSelfLoops(w, checks.triggerWords[w] ?? 0);
}

/** Alphabet event e from state i (tuple `cur`, given to engine.fromState() first), as every search
 *  takes it (this one and the split workers', src/explore/split-worker.ts), for the events
 *  eventsToFollow() leaves: records a dropped event, checks the step properties it triggers, and
 *  leaves the successor in `next` (its monitors written). True when the successor is another
 *  state; false for a self-loop (`next` is then not filled when no property is triggered: most
 *  events are answered with an errno or ignored, and never touch the visited set). */
export function follow(
  engine: Engine,
  checks: PropertyChecks,
  i: number,
  e: number,
  cur: Int32Array,
  next: Int32Array,
): boolean {
  const trig = checks.triggeredBy(e);
  if (trig === undefined) {
    // eventsToFollow() left only events the engine does not know to be self-loops: walk.
    if (walkStays(engine, checks, i, e, engine.edgeId(cur, e), cur)) return false;
    for (let k = 0; k < next.length; k++) next[k] = cur[k] ?? 0;
    engine.applyEdge(next);
    return true;
  }
  // An event that triggers a step property is judged even when it is a self-loop the engine
  // knows (then without a walk).
  let o = engine.knownSelfLoop(e);
  next.set(cur);
  if (o < 0) {
    o = engine.edgeId(cur, e);
    if (!walkStays(engine, checks, i, e, o, cur)) engine.applyEdge(next);
  }
  checks.checkStep(i, e, o, cur, next, trig);
  for (let k = 0; k < next.length; k++) if (next[k] !== cur[k]) return true;
  return false;
}

/** After engine.edgeId(cur, e) answered outcome o for alphabet event e from state i: records the
 *  event as dropped when no actor accounted for it, and tells the engine whether it is an
 *  accounted self-loop (engine.learnSelfLoop). True when the step changed nothing. */
function walkStays(engine: Engine, checks: PropertyChecks, i: number, e: number, o: number, cur: Int32Array): boolean {
  const accounted = engine.accounted(o);
  if (!accounted) checks.violate('every-event-handled', i, e, `dropped: no actor handled it`);
  const stays = engine.edgeStays(cur);
  engine.learnSelfLoop(e, o, accounted && stays);
  return stays;
}

/** Grows the parent links to at least n states, by the frontier's growth factor. */
function growParents(f: Frontier, n: number): void {
  const size = Math.max(n, Math.ceil(f.parent.length * f.growth));
  const parent = new Int32Array(size);
  parent.set(f.parent);
  f.parent = parent;
  const parentEvent = f.parentEvent instanceof Uint8Array ? new Uint8Array(size) : new Uint16Array(size);
  parentEvent.set(f.parentEvent);
  f.parentEvent = parentEvent;
}

/** The kept edges grown by 1.5 (not doubled: at 4 bytes per state and event they are the largest
 *  array of a search that keeps them), to room for at least `states` states of A events. */
function growSucc(succ: Int32Array<ArrayBuffer>, states: number, A: number): Int32Array<ArrayBuffer> {
  const size = Math.max(states, Math.ceil((succ.length / A) * 1.5)) * A;
  const grown = new Int32Array(size);
  grown.set(succ);
  return grown;
}
