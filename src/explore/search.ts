// The breadth-first search over the composed system's states (docs/design.md §6 "Exploration and
// test paths"): every state once, every alphabet event from each, the properties checked on
// the way (src/explore/checks.ts), within the budget (src/explore/budget.ts). States are tuples of
// ints in a TupleTable; parent links give the shortest path to each.
import type { ExternalEvent } from '../events';
import type { Budget, StopReason } from './budget';
import { POLL_MASK } from './budget';
import { growInt32, type PropertyChecks } from './checks';
import { Engine } from './engine';
import { TupleTable } from './table';

/** What the search found: the states, how they were first reached, and (if kept) every edge. */
export interface SearchResult {
  table: TupleTable;
  /** parent[i]: the state state i was first reached from (-1 for the initial state). */
  parent: Int32Array;
  /** parentEvent[i]: the alphabet event that led there. */
  parentEvent: Int32Array;
  /** succ[i * A + e]: the state event e leads to from state i (when edges are kept). */
  succ: Int32Array | null;
  /** Edges followed (state, event pairs). */
  edges: number;
  stopReason: StopReason;
}

/** The search's arrays, grown as states are found. */
interface Frontier {
  table: TupleTable;
  parent: Int32Array<ArrayBuffer>;
  parentEvent: Int32Array<ArrayBuffer>;
  succ: Int32Array<ArrayBuffer> | null;
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

/** Explores every state reachable from the initial one (after `prefix`) under `letters`, checking
 *  `checks` on the way; keeps the edges when `keepEdges`. Stops early when the budget says so. */
export function search(
  engine: Engine,
  letters: readonly ExternalEvent[],
  checks: PropertyChecks,
  budget: Budget,
  opts: { keepEdges: boolean; prefix: readonly ExternalEvent[] },
): SearchResult {
  const A = letters.length;
  const width = checks.width;
  const f: Frontier = {
    table: new TupleTable(width),
    parent: new Int32Array(1 << 16),
    parentEvent: new Int32Array(1 << 16),
    succ: opts.keepEdges ? new Int32Array((1 << 16) * A) : null,
  };
  f.table.add(startTuple(engine, letters, width, opts.prefix));
  f.parent[0] = -1;
  f.parentEvent[0] = -1;
  // Bytes held outside the heap, for the memory budget: the visited set, parent links, kept
  // edges, the engine's and the checks' caches.
  const held = () =>
    f.table.bytes +
    f.parent.byteLength +
    f.parentEvent.byteLength +
    (f.succ?.byteLength ?? 0) +
    engine.bytes +
    checks.bytes;

  const cur = new Int32Array(width);
  const next = new Int32Array(width);
  budget.start();
  let edges = 0;
  let stopReason: StopReason = 'done';
  for (let i = 0; i < f.table.count; i++) {
    // Every 1,024 states: progress, Ctrl-C and the memory budget.
    if ((i & POLL_MASK) === 0 && i > 0) {
      const stop = budget.poll(f.table.count, held);
      if (stop !== null) {
        stopReason = stop;
        break;
      }
    }
    f.table.get(i, cur);
    if (f.succ !== null && (i + 1) * A > f.succ.length) f.succ = growInt32(f.succ, (i + 1) * A);
    checks.checkState(i, cur);
    edges += A;
    if (!expand(engine, checks, f, i, A, cur, next))
      checks.violate('no-deadlock', i, -1, 'no event leads out of this state');
    if (budget.full(i, f.table.count)) {
      stopReason = 'max-states';
      break;
    }
  }
  return { table: f.table, parent: f.parent, parentEvent: f.parentEvent, succ: f.succ, edges, stopReason };
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
  const width = next.length;
  let movable = false;
  for (let e = 0; e < A; e++) {
    const o = engine.edgeId(cur, e);
    if (!engine.accounted(o)) checks.violate('every-event-handled', i, e, `dropped: no actor handled it`);
    const trig = checks.triggeredBy(e);
    // Most events leave the state as it is (an errno, an ignored event): no successor to add.
    if (trig === undefined && engine.isSelfLoop(cur, o)) {
      if (f.succ !== null) f.succ[i * A + e] = i;
      continue;
    }
    next.set(cur);
    engine.applyId(next, o);
    if (trig !== undefined) checks.checkStep(i, e, o, cur, next, trig);

    let same = true;
    for (let k = 0; k < width; k++) {
      if (next[k] !== cur[k]) {
        same = false;
        break;
      }
    }
    if (same) {
      if (f.succ !== null) f.succ[i * A + e] = i;
      continue;
    }
    movable = true;
    const got = f.table.add(next);
    const j = got < 0 ? ~got : got;
    if (got >= 0) {
      if (j >= f.parent.length) {
        f.parent = growInt32(f.parent, j + 1);
        f.parentEvent = growInt32(f.parentEvent, j + 1);
      }
      f.parent[j] = i;
      f.parentEvent[j] = e;
    }
    if (f.succ !== null) f.succ[i * A + e] = j;
  }
  return movable;
}
