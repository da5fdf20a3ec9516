// Test paths: a set of event sequences from the initial state that together take every transition
// of the reachable graph (every (state, event) edge, self-loops such as rejected writes included),
// kept short: each path walks uncovered edges greedily and detours to the nearest state that still
// has one, and starts afresh when that is cheaper (docs/design.md §6).
import type { Config } from '../config';
import type { ExternalEvent } from '../events';
import { explore, type Exploration } from './explore';

export interface TestPath {
  /** Alphabet indices. */
  letters: number[];
  events: ExternalEvent[];
}

export interface PathSet {
  config: Config;
  exploration: Exploration;
  paths: TestPath[];
  /** Edges of the reachable graph, and how many the paths take. */
  transitions: number;
  covered: number;
  /** Total events over all paths. */
  steps: number;
}

export interface PathOptions {
  /** A path ends after this many events (a new one starts from the initial state). */
  maxLength?: number;
}

export function generatePaths(config: Config, opts: PathOptions = {}): PathSet {
  const maxLength = opts.maxLength ?? 120;
  const x = explore(config, { properties: [], keepEdges: true });
  const succ = x.succ;
  if (succ === null || !x.complete)
    throw new Error(`${config.name}: exploration incomplete (${x.stopReason}): no transition cover`);
  const A = x.alphabet.length;
  const n = x.states;
  const covered = new Uint8Array(n * A);
  const left = new Int32Array(n).fill(A); // uncovered edges per state
  let remaining = n * A;
  // Depth of each state from the initial one (parents are BFS parents).
  const depth = new Int32Array(n);
  for (let i = 1; i < n; i++) depth[i] = (depth[x.parent[i] ?? 0] ?? 0) + 1;

  const take = (s: number, e: number): number => {
    const k = s * A + e;
    if (!covered[k]) {
      covered[k] = 1;
      left[s] = (left[s] ?? 1) - 1;
      remaining--;
    }
    return succ[k] ?? 0;
  };

  /** Shortest path (letters) from s to the nearest state with an uncovered edge, or null. */
  const uncoveredAt = (s: number): number => {
    let e = 0;
    while (covered[s * A + e]) e++;
    return e;
  };
  const paths = coverWalks({
    succ,
    n,
    A,
    left,
    depth,
    maxLength,
    alphabet: x.alphabet,
    remaining: () => remaining,
    uncoveredAt,
    take,
  });
  return {
    config,
    exploration: x,
    paths,
    transitions: n * A,
    covered: n * A - remaining,
    steps: paths.reduce((s, p) => s + p.letters.length, 0),
  };
}

/** The shortest path (letters) from state `s` to the nearest state whose `left` count is positive
 *  (a state with an edge still to cover), by breadth-first search over `succ` (n states × A
 *  letters, `succ[u * A + e]` the state letter e leads to); null when none is reachable. */
export function pathToNearest(
  succ: ArrayLike<number>,
  n: number,
  A: number,
  left: ArrayLike<number>,
  s: number,
): number[] | null {
  return new NearestSearch(succ, n, A).find(left, s);
}

/**
 * pathToNearest() for many searches over one graph (n states × A letters; `succ` must not change
 * afterwards). Built once: each state's edges to other states, one per target (the first letter
 * that leads there, in letter order), in a compressed array: the search skips self-loops and
 * letters that lead where an earlier letter leads, which it would pass over as visited anyway. A
 * search marks the states it visits with its own number (no clearing), and stops as soon as it
 * queues a state with an edge to cover: the queue is first in, first out, so that state is the
 * first one the plain search would take from the queue. Same breadth-first order, so the same path
 * as pathToNearest(), at a cost of the states visited rather than n × A. Memory: 5 Int32Arrays of
 * n plus one int per edge kept.
 */
export class NearestSearch {
  /** The search that last visited each state (0: none yet). */
  private readonly mark: Int32Array;
  private readonly prev: Int32Array;
  private readonly prevE: Int32Array;
  private readonly queue: Int32Array;
  /** State u's edges: to[start[u]..start[u+1]) with their letters in letter[...]. */
  private readonly start: Int32Array;
  private readonly to: Int32Array;
  private readonly letter: Int32Array;
  private search = 0;

  constructor(succ: ArrayLike<number>, n: number, A: number) {
    this.mark = new Int32Array(n);
    this.prev = new Int32Array(n);
    this.prevE = new Int32Array(n);
    this.queue = new Int32Array(n);
    this.start = new Int32Array(n + 1);
    // Distinct targets per state, found with `mark` (stamped u + 1), then copied to their size.
    const to = new Int32Array(n * A);
    const letter = new Int32Array(n * A);
    let m = 0;
    for (let u = 0; u < n; u++) {
      this.start[u] = m;
      this.mark[u] = u + 1;
      for (let e = 0; e < A; e++) {
        const v = succ[u * A + e] ?? 0;
        if (this.mark[v] === u + 1) continue;
        this.mark[v] = u + 1;
        to[m] = v;
        letter[m] = e;
        m++;
      }
    }
    this.start[n] = m;
    this.to = to.slice(0, m);
    this.letter = letter.slice(0, m);
    this.mark.fill(0);
  }

  /** The letters from `s` to the nearest state with `left[u] > 0` (`s` itself: []); null when none
   *  is reachable. */
  find(left: ArrayLike<number>, s: number): number[] | null {
    if ((left[s] ?? 0) > 0) return [];
    const { mark, prev, prevE, queue, start, to, letter } = this;
    if (this.search === 0x7fffffff) {
      mark.fill(0);
      this.search = 0;
    }
    const id = ++this.search;
    mark[s] = id;
    queue[0] = s;
    let tail = 1;
    for (let h = 0; h < tail; h++) {
      const u = queue[h] ?? 0;
      const end = start[u + 1] ?? 0;
      for (let j = start[u] ?? 0; j < end; j++) {
        const v = to[j] ?? 0;
        if (mark[v] === id) continue;
        mark[v] = id;
        prev[v] = u;
        prevE[v] = letter[j] ?? 0;
        if ((left[v] ?? 0) > 0) {
          const out: number[] = [];
          for (let w = v; w !== s; w = prev[w] ?? s) out.push(prevE[w] ?? 0);
          return out.reverse();
        }
        queue[tail++] = v;
      }
    }
    return null;
  }
}

/** The greedy walks that cover a graph's uncovered edges: each walk starts at state 0, takes an
 *  uncovered edge where its state has one (`left[s] > 0`, `uncoveredAt(s)` the letter), else
 *  detours to the nearest state that has (pathToNearest), unless restarting from state 0 is no
 *  longer (`depth`) or the walk would pass `maxLength` letters. `take(s, e)` marks the edge
 *  covered and returns the next state; walks go on while `remaining()` edges are uncovered.
 *  Shared by the transition cover (generatePaths) and the spec's observable cover
 *  (src/spec/cover.ts). */
export function coverWalks(g: {
  succ: ArrayLike<number>;
  n: number;
  A: number;
  left: ArrayLike<number>;
  depth: ArrayLike<number>;
  maxLength: number;
  alphabet: readonly ExternalEvent[];
  remaining: () => number;
  uncoveredAt: (s: number) => number;
  take: (s: number, e: number) => number;
}): TestPath[] {
  const { succ, A, left, depth, maxLength } = g;
  const paths: TestPath[] = [];
  const nearest = new NearestSearch(succ, g.n, A);
  while (g.remaining() > 0) {
    const letters: number[] = [];
    let cur = 0;
    while (letters.length < maxLength) {
      const e = (left[cur] ?? 0) > 0 ? g.uncoveredAt(cur) : -1;
      if (e >= 0) {
        letters.push(e);
        cur = g.take(cur, e);
        continue;
      }
      const detour = nearest.find(left, cur);
      if (detour === null) break;
      // Restarting costs the target's depth; detour when it is no longer.
      let target = cur;
      for (const d of detour) target = succ[target * A + d] ?? 0;
      if (detour.length > (depth[target] ?? 0) && letters.length > 0) break;
      if (letters.length + detour.length >= maxLength) break;
      for (const d of detour) {
        letters.push(d);
        cur = g.take(cur, d);
      }
    }
    if (letters.length === 0) break;
    paths.push({
      letters,
      events: letters.map((e) => g.alphabet[e]).filter((e): e is ExternalEvent => e !== undefined),
    });
  }
  return paths;
}
