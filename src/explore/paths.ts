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

  const take = (s: number, e: number, emptied: (state: number) => void): number => {
    const k = s * A + e;
    if (!covered[k]) {
      covered[k] = 1;
      left[s] = (left[s] ?? 1) - 1;
      remaining--;
      if (left[s] === 0) emptied(s);
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
 *  letters, `succ[u * A + e]` the state letter e leads to); null when none is reachable. Of the
 *  shortest paths, the one a breadth-first search taking letters in order finds first: the least
 *  in letter order. */
export function pathToNearest(
  succ: ArrayLike<number>,
  n: number,
  A: number,
  left: ArrayLike<number>,
  s: number,
): number[] | null {
  return new NearestSearch(succ, n, A, left).find(s);
}

/** A distance no state has: no state with an edge to cover is reachable. */
const UNREACHABLE = 0x3fffffff;

/**
 * pathToNearest() for the many detours of the cover walks over one graph (n states × A letters;
 * `succ` must not change afterwards), as the states with edges to cover (the targets) run out.
 * It keeps every state's distance to the nearest target, and a path is read off greedily: from
 * distance d, the first letter whose state is at d - 1. That is the path pathToNearest()'s
 * breadth-first search finds (the least shortest path in letter order: a breadth-first search
 * taking letters in order queues each level in that order), at a cost of its length instead of
 * a search. emptied(s) tells that s is no longer a target: the distances that depended on it
 * are recomputed (Ramalingam and Reps' update for a deleted edge, here a deleted target: the
 * states that lost every shortest way, level by level, then their new distances from the rest).
 * Memory: 4 Int32Arrays of n plus two ints per distinct edge, both ways.
 */
export class NearestSearch {
  /** State u's edges to other states, one per target state, the first letter that leads there:
   *  to[start[u]..start[u+1]) with their letters in letter[...], in letter order. */
  private readonly start: Int32Array;
  private readonly to: Int32Array;
  private readonly letter: Int32Array;
  /** The same edges backwards: the states with an edge to v are from[rstart[v]..rstart[v+1]). */
  private readonly rstart: Int32Array;
  private readonly from: Int32Array;
  /** Distance (letters) to the nearest target; UNREACHABLE when none is reachable. */
  private readonly dist: Int32Array;
  /** Scratch marks for emptied(): stamped with `round`. */
  private readonly affected: Int32Array;
  private readonly settled: Int32Array;
  private round = 0;

  constructor(succ: ArrayLike<number>, n: number, A: number, left: ArrayLike<number>) {
    const start = new Int32Array(n + 1);
    const seen = new Int32Array(n);
    const to = new Int32Array(n * A);
    const letter = new Int32Array(n * A);
    let m = 0;
    for (let u = 0; u < n; u++) {
      start[u] = m;
      seen[u] = u + 1;
      for (let e = 0; e < A; e++) {
        const v = succ[u * A + e] ?? 0;
        if (seen[v] === u + 1) continue;
        seen[v] = u + 1;
        to[m] = v;
        letter[m] = e;
        m++;
      }
    }
    start[n] = m;
    this.start = start;
    this.to = to.slice(0, m);
    this.letter = letter.slice(0, m);
    const rstart = new Int32Array(n + 1);
    for (let j = 0; j < m; j++) rstart[(this.to[j] ?? 0) + 1] = (rstart[(this.to[j] ?? 0) + 1] ?? 0) + 1;
    for (let v = 0; v < n; v++) rstart[v + 1] = (rstart[v + 1] ?? 0) + (rstart[v] ?? 0);
    const fill = rstart.slice(0, n);
    const from = new Int32Array(m);
    for (let u = 0; u < n; u++)
      for (let j = start[u] ?? 0; j < (start[u + 1] ?? 0); j++) {
        const v = this.to[j] ?? 0;
        from[fill[v] ?? 0] = u;
        fill[v] = (fill[v] ?? 0) + 1;
      }
    this.rstart = rstart;
    this.from = from;
    this.affected = new Int32Array(n);
    this.settled = new Int32Array(n);
    // Distances: breadth-first backwards from every target at once.
    this.dist = new Int32Array(n).fill(UNREACHABLE);
    const queue = new Int32Array(n);
    let tail = 0;
    for (let u = 0; u < n; u++)
      if ((left[u] ?? 0) > 0) {
        this.dist[u] = 0;
        queue[tail++] = u;
      }
    for (let h = 0; h < tail; h++) {
      const v = queue[h] ?? 0;
      const d = (this.dist[v] ?? 0) + 1;
      for (let j = rstart[v] ?? 0; j < (rstart[v + 1] ?? 0); j++) {
        const u = from[j] ?? 0;
        if ((this.dist[u] ?? 0) !== UNREACHABLE) continue;
        this.dist[u] = d;
        queue[tail++] = u;
      }
    }
  }

  /** The letters from `s` to the nearest target (`s` itself: []); null when none is reachable. */
  find(s: number): number[] | null {
    const { dist, start, to, letter } = this;
    let d = dist[s] ?? UNREACHABLE;
    if (d >= UNREACHABLE) return null;
    const out: number[] = [];
    let cur = s;
    for (; d > 0; d--) {
      const end = start[cur + 1] ?? 0;
      for (let j = start[cur] ?? 0; j < end; j++) {
        const v = to[j] ?? 0;
        if (dist[v] === d - 1) {
          out.push(letter[j] ?? 0);
          cur = v;
          break;
        }
      }
    }
    return out;
  }

  /** `c` is no longer a target (its last edge to cover was taken); no-op when it was not one. */
  emptied(c: number): void {
    const { dist, affected, settled } = this;
    if (dist[c] !== 0) return;
    if (this.round === 0x7fffffff) {
      affected.fill(0);
      settled.fill(0);
      this.round = 0;
    }
    const round = ++this.round;
    // The states that lost every shortest way: c, then level by level the states one further
    // whose every successor one nearer is among them.
    affected[c] = round;
    const all = [c];
    let level = [c];
    while (level.length > 0) {
      const next: number[] = [];
      for (const w of level) {
        const d = (dist[w] ?? 0) + 1;
        for (let j = this.rstart[w] ?? 0; j < (this.rstart[w + 1] ?? 0); j++) {
          const u = this.from[j] ?? 0;
          if (dist[u] !== d || affected[u] === round || settled[u] === round) continue;
          settled[u] = round; // considered once
          if (!this.supported(u)) next.push(u);
        }
      }
      // Marked after the whole level is considered: a state's support is one level nearer. (One at
      // a time: a level of a large space outgrows the arguments a spread may pass.)
      for (const u of next) {
        affected[u] = round;
        all.push(u);
      }
      level = next;
    }
    // Their new distances: from the unaffected successors, then among themselves (unit weights:
    // the initial distances in order merged with a first-in first-out queue).
    for (const u of all) {
      let best = UNREACHABLE;
      for (let j = this.start[u] ?? 0; j < (this.start[u + 1] ?? 0); j++) {
        const v = this.to[j] ?? 0;
        if (affected[v] === round) continue;
        const dv = dist[v] ?? UNREACHABLE;
        if (dv < UNREACHABLE && dv + 1 < best) best = dv + 1;
      }
      dist[u] = best;
      settled[u] = 0;
    }
    const sorted = all
      .filter((u) => (dist[u] ?? UNREACHABLE) < UNREACHABLE)
      .sort((a, b) => (dist[a] ?? 0) - (dist[b] ?? 0));
    const keys = sorted.map((u) => dist[u] ?? 0);
    const fifo: number[] = [];
    const fifoKeys: number[] = [];
    let i = 0;
    let h = 0;
    while (i < sorted.length || h < fifo.length) {
      const fromSorted = h >= fifo.length || (i < sorted.length && (keys[i] ?? 0) <= (fifoKeys[h] ?? 0));
      const u = fromSorted ? (sorted[i] ?? 0) : (fifo[h] ?? 0);
      const k = fromSorted ? (keys[i++] ?? 0) : (fifoKeys[h++] ?? 0);
      if (settled[u] === round || dist[u] !== k) continue;
      settled[u] = round;
      for (let j = this.rstart[u] ?? 0; j < (this.rstart[u + 1] ?? 0); j++) {
        const p = this.from[j] ?? 0;
        if (affected[p] !== round || settled[p] === round || (dist[p] ?? 0) <= k + 1) continue;
        dist[p] = k + 1;
        fifo.push(p);
        fifoKeys.push(k + 1);
      }
    }
  }

  /** Whether u (not a target) keeps a successor one nearer that is not affected. */
  private supported(u: number): boolean {
    const d = (this.dist[u] ?? 0) - 1;
    for (let j = this.start[u] ?? 0; j < (this.start[u + 1] ?? 0); j++) {
      const v = this.to[j] ?? 0;
      if (this.dist[v] === d && this.affected[v] !== this.round) return true;
    }
    return false;
  }
}

/** The greedy walks that cover a graph's uncovered edges: each walk starts at state 0, takes an
 *  uncovered edge where its state has one (`left[s] > 0`, `uncoveredAt(s)` the letter), else
 *  detours to the nearest state that has (pathToNearest), unless restarting from state 0 is no
 *  longer (`depth`) or the walk would pass `maxLength` letters. `take(s, e, emptied)` marks the
 *  edge covered, calls `emptied(u)` for each state u whose `left` count it brought to 0, and
 *  returns the next state; walks go on while `remaining()` edges are uncovered.
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
  take: (s: number, e: number, emptied: (state: number) => void) => number;
}): TestPath[] {
  const { succ, A, left, depth, maxLength } = g;
  const paths: TestPath[] = [];
  const nearest = new NearestSearch(succ, g.n, A, left);
  const emptied = (s: number): void => nearest.emptied(s);
  while (g.remaining() > 0) {
    const letters: number[] = [];
    let cur = 0;
    while (letters.length < maxLength) {
      const e = (left[cur] ?? 0) > 0 ? g.uncoveredAt(cur) : -1;
      if (e >= 0) {
        letters.push(e);
        cur = g.take(cur, e, emptied);
        continue;
      }
      const detour = nearest.find(cur);
      if (detour === null) break;
      // Restarting costs the target's depth; detour when it is no longer.
      let target = cur;
      for (const d of detour) target = succ[target * A + d] ?? 0;
      if (detour.length > (depth[target] ?? 0) && letters.length > 0) break;
      if (letters.length + detour.length >= maxLength) break;
      for (const d of detour) {
        letters.push(d);
        cur = g.take(cur, d, emptied);
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
