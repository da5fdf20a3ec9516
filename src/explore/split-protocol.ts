// The messages of a split exploration: between the coordinating thread (src/explore/split.ts) and
// its worker threads (src/explore/split-worker.ts), which it starts and which report to it at the
// end, and between the workers themselves, which exchange each level directly
// (src/explore/split-links.ts). Tuples travel as packed Int32 records in SharedArrayBuffers; a
// state's global id is (index in its owner's table) * W + owner.
import type { MessagePort } from 'node:worker_threads';
import type { ConfigInput } from '../config';
import type { ExternalEvent } from '../events';
import type { StopReason } from './budget';
import type { IdNews } from './split-ids';
import type { PackedTuples } from './table';

/** What a worker is started with (workerData): what stays the same for every exploration the
 *  worker takes part in (src/explore/split.ts keeps its workers from one exploration to the next). */
export interface SplitWorkerData {
  /** The number of workers, and this one's index. */
  workers: number;
  me: number;
  /** Int32 words (sharedWords(workers) of them): STOP, non-zero to stop (Ctrl-C, a failure); at
   *  knownWord(w), the states worker w holds, as it last said. */
  shared: SharedArrayBuffer;
  /** Int32 words, one per worker: bumped on every message it sends, every 64 states it visits
   *  and every wait for a peer (the coordinator sees a worker that stopped answering); and one
   *  more (anyBeat(workers)), bumped and notified on every message to the coordinator, which waits on it. */
  beat: SharedArrayBuffer;
  /** Int32 words, one per worker: its thread's kernel id (src/util/cpu.ts osThreadId), written
   *  once it has loaded (0 until then, or where /proc does not give it). */
  tids: SharedArrayBuffer;
  port: MessagePort;
  /** peers[q]: this worker's end of its channel with worker q (null for itself). */
  peers: (MessagePort | null)[];
  /** Int32 words (mailWords(workers)): at mailWord(p, q), the messages worker p has posted to
   *  worker q (src/explore/split-links.ts). */
  mail: SharedArrayBuffer;
  /** Whether a worker may spin, not sleep, while it waits for a peer: when every worker can have
   *  a core to itself. */
  spin: boolean;
}

/** One exploration, as its 'start' message gives it to each worker. */
export interface SplitExploration {
  /** The configuration, canonical form (src/config.ts Config.canonical). */
  input: ConfigInput;
  /** Ids of the properties to check (the applicable ones among them are checked). */
  properties: string[];
  alphabet: ExternalEvent[];
  prefix: ExternalEvent[];
  /** Keep every successor (test generation: Exploration.succ). */
  keepEdges: boolean;
  /** Keep the edges to other states (liveness), as rows. */
  keepRows: boolean;
  /** Hash compaction: each worker keeps 64-bit fingerprints of its states and the tuples of two
   *  levels (src/explore/split-states.ts CompactStates); never with keepEdges. */
  hashCompact: boolean;
  /** Actor indices (src/machines/system.ts ACTORS) whose snapshots decide a state's owner; the
   *  dump outcome and the monitors count too when every actor is listed. Unused when `memory` is
   *  set. */
  hashActors: number[];
  /** When set, a state's owner is decided by the LMBs in the firmware's memory (its
   *  context.memory, the partition's assigned LMBs: ownerOfSize) (src/explore/split.ts
   *  splitOwners). */
  memory: MemorySizes | null;
  maxStates: number;
  /** This worker's share of the memory budget, bytes. */
  maxMemoryBytes: number | null;
}

/** The sizes the partition's memory can take, in LMBs of `lmbBytes` bytes: `sizes` of them, from
 *  `lowest` LMBs (the configuration's minMemoryMiB) up (maxMemoryMiB). */
export interface MemorySizes {
  lmbBytes: number;
  lowest: number;
  sizes: number;
}

/** The worker (of W) that owns the states whose firmware holds `lmbs` LMBs. The sizes are laid
 *  end to end, one unit each, and cut into W runs of equal length: a size inside a run is its
 *  worker's; a size a cut passes through (when W does not divide the sizes) is shared by the
 *  workers whose runs it reaches, each state going by `share()`, a number in [0, 1) from its
 *  firmware snapshot (the same in every thread), at the point of the size it falls on. A size
 *  outside the range counts as the nearest in it. Only a memory hotplug (DLPAR) changes a state's
 *  size, by one LMB: the hotplugs at the cuts and, in a shared size, the firmware's other steps
 *  move a successor to another worker. Each worker holds sizes / W sizes' worth of states: the
 *  states of a space are spread about evenly over its sizes (bench's part 4 space, 6 sizes: 281,736
 *  and 281,718 states in runs of 3; 7 sizes with every property checked, in runs of 4 and 3,
 *  944,586 and 708,426 of 1,653,012 states, shared 823,931 and 829,081, 2026-12-03). */
export function ownerOfSize(lmbs: number, m: MemorySizes, W: number, share: () => number): number {
  const i = Math.min(m.sizes - 1, Math.max(0, lmbs - m.lowest));
  const first = Math.floor((i * W) / m.sizes);
  const last = Math.min(W - 1, Math.ceil(((i + 1) * W) / m.sizes) - 1);
  return first === last ? first : Math.min(last, Math.floor(((i + share()) * W) / m.sizes));
}

/** The word of SplitWorkerData.beat the coordinator waits on (after each worker's own). */
export const anyBeat = (workers: number): number => workers;

/** Words of SplitWorkerData.mail, and the one that counts worker p's messages to worker q: a
 *  cache line (16 words) apart. */
export const mailWord = (p: number, q: number, workers: number): number => 16 * (p * workers + q);
export const mailWords = (workers: number): number => 16 * workers * workers;

/** Words of SplitWorkerData.shared (the coordinator zeroes them before each exploration). Each
 *  worker's count is a cache line (16 words) from the others': a worker writes its own every 1,024
 *  states, and two cores writing one line would pass it back and forth at every write. */
export const STOP = 0;
export const knownWord = (w: number): number => 16 * (w + 1);
export const sharedWords = (workers: number): number => 16 * (workers + 1);

/** The states all workers hold, as they last said (shared: SplitWorkerData.shared's words). */
export function knownStates(shared: Int32Array, workers: number): number {
  let n = 0;
  for (let w = 0; w < workers; w++) n += Atomics.load(shared, knownWord(w));
  return n;
}

/** Whether `known` states (over every worker) reach the state budget as one thread's does
 *  (Budget.full): at least `maxStates` of them, more than the initial state alone. */
export const pastStateBudget = (known: number, maxStates: number): boolean => known >= maxStates && known > 1;

/** Ints per record sent to a peer: the tuple (width ints), the parent's global id, the event, the
 *  parent's rank in its level (see LevelKeys). */
export const recordInts = (width: number): number => width + 3;

/** One worker's states of a level, in breadth-first order: their keys, ascending. A state's key is
 *  parentRank * A + event, from its parent's rank in the level before (over every worker) and the
 *  event (alphabet index) that found it (-A - 1 for the initial state). One thread visits a level
 *  in exactly this order (a state's parent is the first state of the level before that finds it,
 *  by its lowest event), so merging the workers' keys gives each state the index one thread would
 *  give it. Float64: exact below 2^53. */
export type LevelKeys = Float64Array;

/** Begin an exploration: the worker answers 'ready' when its engine is built, then searches with
 *  its peers to the end and reports 'finished' (or 'error'). */
export interface ToWorker {
  type: 'start';
  exploration: SplitExploration;
  /** Decide liveness at the end (when the search is complete): report the rows and goals. */
  liveness: boolean;
}

/** What one worker posts to a peer, twice a level (src/explore/split-worker.ts run()). */
export type PeerMessage =
  /** After visiting a level: the successors the peer owns, as records (recordInts), a view of
   *  shared memory the sender overwrites only once the peer has sent its keys; and what the
   *  sender learnt (its snapshots' derivations) to translate them. */
  | { type: 'records'; records: Int32Array; news: IdNews }
  /** After taking in the peers' records: the sender's keys of the next level; the global ids it
   *  gave the records this peer sent it (when edges are kept); the states it holds; why it
   *  stopped (a budget, Ctrl-C), or null. Every worker decides from the same messages whether
   *  the search goes on (split-worker.ts decide()). */
  | {
      type: 'keys';
      keys: LevelKeys;
      ids: Int32Array | null;
      count: number;
      levelSize: number;
      stop: StopReason | null;
    };

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
  /** The states' tuples in this worker's snapshot ids, packed as its table held them; null with
   *  hash compaction. */
  tuples: PackedTuples | null;
  /** Bytes the worker held for its states when it ended: the tuples or fingerprints, parent links
   *  and ranks; and the most the tuples of the levels waiting held (hash compaction; else 0). */
  stateBytes: number;
  peakLevelBytes: number;
  /** Global ids of the parents (-1 for the initial state) and the events. */
  parent: Int32Array;
  parentEvent: Int32Array;
  /** succ[i * A + e]: global id of the successor (when every successor is kept). */
  succ: Int32Array | null;
  /** For liveness (when asked), in blocks (src/explore/liveness.ts RowChunks): a block's row k
   *  holds the global ids of a state's successors other than itself, of state states[k] (in the
   *  order visited), or when states is null of local state k (RowBlock, first `me`, stride W). */
  rows: { start: Int32Array; targets: Int32Array; states: Int32Array | null }[] | null;
  /** levels[L]: the local index where level L begins, for each level visited and the next one;
   *  the last entry is the state count. */
  levels: number[];
  /** ranks[k]: local state k's index within its level over every worker (breadth-first order, as
   *  one thread numbers it); -1 in the last level when the search stopped in the middle of the
   *  level before (Ctrl-C, the memory budget). */
  ranks: Int32Array;
  violations: LocalViolation[];
  figures: { property: string; value: number; state: number }[];
  /** Per 'eventually' property id: goal[i] = 1 when local state i is a goal (when asked). */
  goals: Record<string, Uint8Array>;
  /** Every derivation the worker made, in the order it made them, for the coordinator to
   *  translate tuples. */
  news: IdNews[];
  /** Why the search ended (the same in every worker's report). */
  stopReason: StopReason;
  edges: number;
  stats: WorkerStats;
}

/** What a split worker did in one exploration: actor steps XState computed, system steps
 *  compiled, milliseconds spent visiting states, taking in peers' records and waiting for its
 *  peers at the end of each level (wall), CPU
 *  milliseconds of its thread since the last exploration ended (or the thread started: loading the
 *  modules, the first time) in all and before the search (building the engine), and times it
 *  emptied its step caches at its share of the memory budget. */
export interface WorkerStats {
  misses: number;
  compiled: number;
  expandMs: number;
  receiveMs: number;
  waitMs: number;
  /** Milliseconds spent visiting states ahead of their turn while waiting (split-ahead.ts), and
   *  how many. */
  aheadMs: number;
  ahead: number;
  cpuMs: number;
  startCpuMs: number;
  flushes: number;
}

export type FromWorker = { type: 'ready' } | Finished | { type: 'error'; message: string };
