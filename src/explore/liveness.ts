// Liveness on the explored graph (docs/design.md §6 "Exploration and test paths"): an
// 'eventually' property holds when every reachable state can reach one of its goal states. Needs
// the whole graph, so it runs after a complete search that kept its edges.
import type { SystemState } from '../../machines/system';
import type { Config } from '../config';
import type { SnapshotCombos } from './checks';
import type { StateTable } from './table';

/** The explored graph: `table` holds the states' tuples (`width` ints each); succ[i * A + e] is
 *  the state alphabet event e leads to from state i. */
export interface Graph {
  table: StateTable;
  width: number;
  succ: Int32Array;
  /** The alphabet's size. */
  A: number;
}

/** Whether a goal holds in a state, cached per snapshot-id combination (`combos`): goals read
 *  every actor (kdump's loaded image, hypervisor-assisted dump's registration). */
export class GoalFlags {
  private goalOf = new Int8Array(1 << 10).fill(-1);
  constructor(
    private readonly goal: (s: SystemState, c: Config) => boolean,
    private readonly config: Config,
    private readonly combos: SnapshotCombos,
    private readonly stateOf: (t: Int32Array) => SystemState,
  ) {}

  /** Does the goal hold in the state whose tuple is t? */
  holds(t: Int32Array): boolean {
    const c = this.combos.id(t);
    if (c >= this.goalOf.length) {
      const grown = new Int8Array(Math.max(c + 1, this.goalOf.length * 2)).fill(-1);
      grown.set(this.goalOf);
      this.goalOf = grown;
    }
    let v = this.goalOf[c] ?? -1;
    if (v < 0) {
      v = this.goal(this.stateOf(t), this.config) ? 1 : 0;
      this.goalOf[c] = v;
    }
    return v === 1;
  }
}

/** The first state (an index) from which no goal state can be reached, or -1 if there is none. */
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
  const flags = new GoalFlags(goal, config, combos, stateOf);
  for (let i = 0; i < n; i++) if (flags.holds(g.table.get(i, t))) good[i] = 1;
  return firstStuckAmong(good, g.succ, n, g.A);
}

/** The first state (an index) of n that reaches no state with good[i] set (its goal), over the
 *  successors succ[i * A + e], or -1 if there is none. Overwrites good with the states that can. */
export function firstStuckAmong(good: Uint8Array, succ: Int32Array, n: number, A: number): number {
  markCanReach(good, succ, n, A);
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
