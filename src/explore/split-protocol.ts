// The messages between the coordinating thread of a split exploration (src/explore/split.ts) and
// its worker threads (src/explore/split-worker.ts). Tuples travel as packed Int32 records in
// SharedArrayBuffers; a state's global id is (index in its owner's table) * W + owner.
import type { MessagePort } from 'node:worker_threads';
import type { ConfigInput } from '../config';
import type { ExternalEvent } from '../events';
import type { StopReason } from './budget';
import type { IdNews } from './split-ids';

/** What a worker is started with (workerData). */
export interface SplitWorkerData {
  /** The configuration, canonical form (src/config.ts Config.canonical). */
  input: ConfigInput;
  /** Ids of the properties to check (the applicable ones among them are checked). */
  properties: string[];
  alphabet: ExternalEvent[];
  prefix: ExternalEvent[];
  keepEdges: boolean;
  /** The number of workers, and this one's index. */
  workers: number;
  me: number;
  /** Actor indices (src/machines/system.ts ACTORS) whose snapshots decide a state's owner; the
   *  dump outcome and the monitors count too when every actor is listed. */
  hashActors: number[];
  maxStates: number;
  /** This worker's share of the memory budget, bytes. */
  maxMemoryBytes: number | null;
  /** Int32 words: [0] states known in all workers; [1] non-zero: stop (Ctrl-C, a failure). */
  shared: SharedArrayBuffer;
  /** Int32 words, one per worker: bumped on every message it sends and every 1,024 states
   *  (the coordinator's wait wakes on it and sees a worker that stopped answering). */
  beat: SharedArrayBuffer;
  port: MessagePort;
}

/** Words of SplitWorkerData.shared. */
export const KNOWN = 0;
export const STOP = 1;

/** Ints per record sent to a peer: the tuple (width ints), the parent's global id, the event. */
export const recordInts = (width: number): number => width + 2;

export type ToWorker =
  /** Visit the current level. `ids[q]`: the global ids peer q gave the records this worker sent
   *  it at the last level (to patch the successor links), when edges are kept. */
  | { type: 'expand'; ids: (Int32Array | null)[] }
  /** Take in the records the peers sent (from[q]: peer q's records and what it learnt). */
  | { type: 'receive'; from: ({ records: Int32Array; news: IdNews } | null)[] }
  /** Report everything: the search is over (`ids` as for 'expand', from the last level). */
  | { type: 'finish'; liveness: boolean; ids: (Int32Array | null)[] };

/** A property's first violation in one worker: a local state index (its level says how far it
 *  is), the event (-1: the state itself). */
export interface LocalViolation {
  property: string;
  state: number;
  event: number;
  note: string | null;
}

export interface Finished {
  type: 'finished';
  /** The states' tuples, `width` ints each, in this worker's snapshot ids. */
  tuples: Int32Array;
  /** Global ids of the parents (-1 for the initial state) and the events. */
  parent: Int32Array;
  parentEvent: Int32Array;
  /** succ[i * A + e]: global id of the successor (when edges are kept). */
  succ: Int32Array | null;
  /** levels[L]: the local index where level L begins; the last entry is the state count. */
  levels: number[];
  violations: LocalViolation[];
  figures: { property: string; value: number; state: number }[];
  /** Per 'eventually' property id: goal[i] = 1 when local state i is a goal (when asked). */
  goals: Record<string, Uint8Array>;
  /** The derivations made since the last report, for the coordinator to translate tuples. */
  news: IdNews;
  edges: number;
  stats: WorkerStats;
}

/** What a split worker did: actor steps XState computed, system steps compiled, milliseconds
 *  spent visiting states and taking in peers' records (wall), CPU milliseconds of its thread in all
 *  and before the search (loading the modules, building the engine), and times it emptied its step
 *  caches at its share of the memory budget. */
export interface WorkerStats {
  misses: number;
  compiled: number;
  expandMs: number;
  receiveMs: number;
  cpuMs: number;
  startCpuMs: number;
  flushes: number;
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'expanded'; out: (Int32Array | null)[]; news: IdNews; stop: StopReason | null }
  | { type: 'received'; ids: (Int32Array | null)[]; stop: StopReason | null; levelSize: number }
  | Finished
  | { type: 'error'; message: string };
