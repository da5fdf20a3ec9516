// What an exploration is given and what it gives back (src/explore/explore.ts explores in this
// thread, src/explore/split.ts over worker threads; both return an Exploration).
import type { ACTORS, System } from '../../machines/system';
import type { Config } from '../config';
import type { ExternalEvent } from '../events';
import type { Property } from '../specs/properties';
import type { BudgetLimits, StopReason } from './budget';
import type { PropertyResult } from './checks';
import type { Engine } from './engine';
import type { EventArray } from './search';
import type { StateTable } from './table';

/** How to split: the number of worker threads, and what decides a state's owner: 'memory', the
 *  number of LMBs the firmware's memory holds (each worker a run of consecutive sizes), or
 *  'snapshots', a hash of the snapshots of `hashActors` (default DEFAULT_HASH_ACTORS; every actor
 *  also counts the dump outcome and monitors). Default: 'memory' when the LPAR's memory can take
 *  as many sizes as there are workers (from minMemoryBytes to maxMemoryBytes) and no hashActors
 *  are given, else 'snapshots' (src/explore/split.ts splitOwners). */
export interface SplitOptions {
  workers: number;
  owner?: 'memory' | 'snapshots';
  hashActors?: readonly (typeof ACTORS)[number][];
}

/** How to explore: which properties, the budget (maxStates, maxMemoryBytes, shouldStop for
 *  Ctrl-C, onProgress: src/explore/budget.ts), the alphabet and where to start. */
export interface ExploreOptions extends BudgetLimits {
  properties?: readonly Property[];
  /** true: keep every successor (Exploration.succ), for test generation (exact explorations
   *  only); false: keep no edges, and give no liveness verdict. Unset, liveness keeps the edges it
   *  needs, those other than self-loops (src/explore/liveness.ts SuccessorRows). */
  keepEdges?: boolean;
  alphabet?: readonly ExternalEvent[];
  /** Start from the state these events lead to (each must be in the alphabet). */
  prefix?: readonly ExternalEvent[];
  /** Hash compaction (`check --hash-compact`): the visited set keeps a 64-bit fingerprint of each
   *  state instead of its tuple (src/explore/fingerprints.ts), so a state can be missed with a
   *  probability Exploration.missProbability bounds. Liveness stays exact: the successor links
   *  other than self-loops are kept (src/explore/liveness.ts SuccessorRows, not
   *  Exploration.succ) when an 'eventually' property is checked, and each state's goal is decided
   *  as the search expands it. */
  hashCompact?: boolean;
  /** The composed system to explore instead of createSystem(config): for test fixtures only
   *  (test/fixtures/graph-systems.ts), whose machines stand in for the actors and are routed by
   *  machines/system.ts's tables like the real ones. */
  system?: System;
  /** Spread this one exploration over this many worker threads (src/explore/split.ts): the
   *  same states, edges, verdicts and counterexample lengths. 1 (the default) explores in this
   *  thread; so do a given `system` (test fixtures live in this thread only) and properties other
   *  than the project's (PROPERTIES: the workers find theirs by id). With hashCompact each worker
   *  keeps fingerprints (src/explore/split-states.ts CompactStates). */
  split?: number | SplitOptions;
}

export interface Exploration {
  config: Config;
  engine: Engine;
  alphabet: readonly ExternalEvent[];
  states: number;
  edges: number;
  complete: boolean;
  stopReason: StopReason;
  seconds: number;
  results: PropertyResult[];
  /** The states' tuples: kept (exact), or recomputed from the parent links on demand (hash
   *  compaction: get(i) replays the path to state i; find() throws). */
  table: StateTable;
  parent: Int32Array;
  /** parentEvent[i]: the alphabet event that first led to state i (Uint8Array up to 255 events). */
  parentEvent: EventArray;
  /** Hash compaction: the probability that a state was missed (src/explore/fingerprints.ts
   *  missProbability: n(n - 1) / 2^65 for n states); null for an exact exploration. */
  missProbability: number | null;
  /** Times the search emptied its step caches at the memory budget (over every worker of a split
   *  exploration; src/explore/search.ts pollBudget). */
  cacheFlushes: number;
  /** Bytes a state held by the visited set and the parent links when the search ended (with hash
   *  compaction, the fingerprints and parent links; the queue is counted in peakQueueBytes). */
  bytesPerState: number;
  /** Hash compaction: the most bytes the queue of states not yet expanded held (0 when exact). */
  peakQueueBytes: number;
  /** succ[i * A + e]: the state event e leads to from state i (when edges are kept; null with
   *  hash compaction). */
  succ: Int32Array | null;
  width: number;
  /** The shortest path of events to state i. */
  pathTo(i: number): ExternalEvent[];
}
