// The spec's paths: every transition of the model's reachable graph as a user can tell it apart
// (what the files and /proc/vmcore read before, the event, its errno, what they read after), each
// taken at least once. Two transitions that differ only in state a user cannot see (a pending
// firmware fault, an LMB count that shows nowhere) check the same thing on a real system; the
// transition cover (src/explore/paths.ts) takes both, this one either. Same greedy walk: take an
// uncovered transition where there is one, else detour to the nearest state that has one, or start
// afresh from the power-on when that is shorter.
import type { ExternalEvent } from '../events';
import type { SystemState } from '../../machines/system';
import { coverWalks, type PathSet, type TestPath } from '../explore/paths';
import { observe } from '../sysfs/view';
import { FILES } from '../sysfs/store';

/** Files whose contents are addresses and sizes: a rejected write does not depend on them. */
const SIZES = new Set<string>([FILES.fadumpRegion, FILES.memReserved, '/sys/kernel/kexec_crash_size']);

/** What decides a rejected write, as a user sees it: which files exist and what they read, except
 *  the addresses and sizes (fadump_region, mem_reserved, kexec_crash_size), and whether
 *  /proc/vmcore exists. The store handlers (fadump_register_store(), release_mem_store(),
 *  bootargs_append_store() in arch/powerpc/kernel/fadump.c) decide from fw_dump's flags, the value
 *  and the param area, never from where the reserved area lies. */
export function decisive(sysfs: Record<string, string>, vmcore: unknown): string {
  return JSON.stringify([Object.entries(sysfs).filter(([p]) => !SIZES.has(p)), vmcore !== null]);
}

export interface CoverOptions {
  /** A path ends after this many events (default 120). */
  maxLength?: number;
  /** Events a system cannot perform in a state (the lab's QEMU: a crash of the capture kernel,
   *  src/lab/script.ts): such edges are neither covered nor walked. */
  blocked?: (state: SystemState, event: ExternalEvent) => boolean;
}

/** The spec's paths for a path set's exploration: each path a list of alphabet letters from the
 *  initial state, at most `maxLength` events. Also the number of distinct visible transitions. */
export function observableCover(set: PathSet, opts: CoverOptions = {}): { paths: TestPath[]; visible: number } {
  const maxLength = opts.maxLength ?? 120;
  const x = set.exploration;
  if (x.succ === null) throw new Error(`${set.config.name}: no edges kept`);
  // Blocked edges lead nowhere (a self-loop): never covered, never walked.
  const succ = x.succ.slice();
  const blocked = new Uint8Array(succ.length);
  const A = x.alphabet.length;
  const n = x.states;
  const engine = x.engine;
  const tuple = new Int32Array(x.width);
  const intern = new Map<string, number>();
  const id = (s: string): number => {
    let i = intern.get(s);
    if (i === undefined) {
      i = intern.size;
      intern.set(s, i);
    }
    return i;
  };
  // Each edge's visible key (-1: a self-loop with no errno, nothing to check).
  const keyOf = new Int32Array(n * A).fill(-1);
  const keys = new Map<string, number>();
  // What a user sees in each state, as ids.
  const seenId = new Int32Array(n);
  const decId = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    x.table.get(s, tuple);
    const state = engine.toState(tuple);
    const o = observe(set.config, state);
    if (opts.blocked)
      for (let e = 0; e < A; e++) {
        const ev = x.alphabet[e];
        if (ev !== undefined && opts.blocked(state, ev)) {
          succ[s * A + e] = s;
          blocked[s * A + e] = 1;
        }
      }
    seenId[s] = id(JSON.stringify([o.sysfs, o.vmcore, o.dump, o.meminfo]));
    decId[s] = id(decisive(o.sysfs, o.vmcore));
  }
  for (let s = 0; s < n; s++) {
    x.table.get(s, tuple);
    for (let e = 0; e < A; e++) {
      const t = succ[s * A + e] ?? s;
      if (blocked[s * A + e]) continue;
      const errno = engine.edge(tuple, e).errno;
      if (t === s && errno === null) continue;
      const key =
        t === s
          ? `r ${decId[s] ?? 0} ${e} ${errno ?? '-'}`
          : `s ${seenId[s] ?? 0} ${e} ${errno ?? '-'} ${seenId[t] ?? 0}`;
      let k = keys.get(key);
      if (k === undefined) {
        k = keys.size;
        keys.set(key, k);
      }
      keyOf[s * A + e] = k;
    }
  }
  const K = keys.size;
  // Which states have an edge of each key (with multiplicity), and how many uncovered ones each has.
  const count = new Int32Array(K + 1);
  for (let i = 0; i < n * A; i++) {
    const k = keyOf[i] ?? -1;
    if (k >= 0) count[k + 1] = (count[k + 1] ?? 0) + 1;
  }
  for (let k = 0; k < K; k++) count[k + 1] = (count[k + 1] ?? 0) + (count[k] ?? 0);
  const fill = count.slice(0, K);
  const statesOf = new Int32Array(count[K] ?? 0);
  const left = new Int32Array(n);
  for (let i = 0; i < n * A; i++) {
    const k = keyOf[i] ?? -1;
    if (k < 0) continue;
    const at = fill[k] ?? 0;
    statesOf[at] = Math.floor(i / A);
    fill[k] = at + 1;
    left[Math.floor(i / A)] = (left[Math.floor(i / A)] ?? 0) + 1;
  }
  const covered = new Uint8Array(K);
  let remaining = K;
  const depth = new Int32Array(n);
  for (let i = 1; i < n; i++) depth[i] = (depth[x.parent[i] ?? 0] ?? 0) + 1;
  const take = (s: number, e: number, emptied: (state: number) => void): number => {
    const k = keyOf[s * A + e] ?? -1;
    if (k >= 0 && !covered[k]) {
      covered[k] = 1;
      remaining--;
      for (let j = count[k] ?? 0; j < (count[k + 1] ?? 0); j++) {
        const st = statesOf[j] ?? 0;
        left[st] = (left[st] ?? 1) - 1;
        if (left[st] === 0) emptied(st);
      }
    }
    return succ[s * A + e] ?? s;
  };
  const uncoveredAt = (s: number): number => {
    for (let e = 0; e < A; e++) {
      const k = keyOf[s * A + e] ?? -1;
      if (k >= 0 && !covered[k]) return e;
    }
    return -1;
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
  return { paths, visible: K };
}
