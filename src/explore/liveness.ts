// Liveness on the explored graph (docs/design.md §6 "Exploration and test paths"): an
// 'eventually' property holds when every reachable state can reach one of its goal states. Needs
// the whole graph, so it runs after a complete search that kept its edges.
import type { SystemState } from '../../machines/system';
import type { Config } from '../config';
import type { SnapshotCombos } from './checks';
import type { TupleTable } from './table';

/** The explored graph: `table` holds the states' tuples (`width` ints each); succ[i * A + e] is
 *  the state alphabet event e leads to from state i. */
export interface Graph {
  table: TupleTable;
  width: number;
  succ: Int32Array;
  /** The alphabet's size. */
  A: number;
}

/** The first state (an index) from which no goal state can be reached, or -1 if there is none. Goals read every actor (kdump's loaded image, hypervisor-assisted dump's registration):
 *  they are cached per snapshot-id combination (`combos`). */
export function firstStuckState(
  goal: (s: SystemState, c: Config) => boolean,
  config: Config,
  g: Graph,
  combos: SnapshotCombos,
  stateOf: (t: Int32Array) => SystemState,
): number {
  const n = g.table.count;
  const good = new Uint8Array(n);
  const t = new Int32Array(g.width);
  const comboOf = new Int32Array(n);
  for (let i = 0; i < n; i++) comboOf[i] = combos.id(g.table.get(i, t));
  const goalOf = new Int8Array(combos.count).fill(-1);
  for (let i = 0; i < n; i++) {
    const c = comboOf[i] ?? 0;
    let v = goalOf[c] ?? -1;
    if (v < 0) {
      v = goal(stateOf(g.table.get(i, t)), config) ? 1 : 0;
      goalOf[c] = v;
    }
    if (v) good[i] = 1;
  }
  markCanReach(good, g.succ, n, g.A);
  for (let i = 0; i < n; i++) if (!good[i]) return i;
  return -1;
}

/** Backward reachability: sets good[u] for every state u with a path to a state already good,
 *  over the reverse adjacency of `succ` (compressed sparse rows; succ[i * A + e] is the state
 *  event e leads to from state i, for the n states). */
export function markCanReach(good: Uint8Array, succ: Int32Array, n: number, A: number): void {
  const indeg = new Int32Array(n + 1);
  for (let i = 0; i < n * A; i++) {
    const to = (succ[i] ?? 0) + 1;
    indeg[to] = (indeg[to] ?? 0) + 1;
  }
  for (let i = 0; i < n; i++) indeg[i + 1] = (indeg[i + 1] ?? 0) + (indeg[i] ?? 0);
  const fill = indeg.slice(0, n);
  const rev = new Int32Array(n * A);
  for (let i = 0; i < n; i++) {
    for (let e = 0; e < A; e++) {
      const to = succ[i * A + e] ?? 0;
      const at = fill[to] ?? 0;
      rev[at] = i;
      fill[to] = at + 1;
    }
  }
  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (good[i]) queue.push(i);
  for (let h = 0; h < queue.length; h++) {
    const v = queue[h] ?? 0;
    for (let k = indeg[v] ?? 0; k < (indeg[v + 1] ?? 0); k++) {
      const u = rev[k] ?? 0;
      if (!good[u]) {
        good[u] = 1;
        queue.push(u);
      }
    }
  }
}
