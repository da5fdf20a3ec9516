// One exploration spread over W worker threads (README "Large state spaces"). States are
// partitioned by the firmware's memory or a hash of their contents (splitOwners); each worker
// (src/explore/split-worker.ts) keeps the states it owns, its own Engine and PropertyChecks. The
// search stays breadth-first, level by level: at the barrier between two levels the workers
// exchange the successors their peers own as packed Int32 records in SharedArrayBuffers, directly
// (src/explore/split-links.ts), so that every state is found at its shortest depth and every
// counterexample has the single-core length. This thread starts them and waits synchronously for
// their reports (Atomics.wait with a timeout and receiveMessageOnPort), so explore() stays
// synchronous; then it merges the verdicts and gathers the graph for liveness. A state's global
// id is (index in its owner's table) * W + owner. The worker threads outlive the exploration: the
// next split one of this thread reuses them (crewOf).
import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { ACTORS } from '../../machines/system';
import type { Config } from '../config';
import type { ExternalEvent } from '../events';
import { PROPERTIES, type Property } from '../specs/properties';
import { DEFAULT_MAX_STATES, type StopReason } from './budget';
import { PropertyChecks } from './checks';
import { Engine } from './engine';
import type { Exploration, ExploreOptions, SplitOptions } from './exploration';
import { markCanReachIn, type RowBlock } from './liveness';
import { osThreadRuns } from '../util/cpu';
import { eventArray, replayTable, startTuple, type EventArray } from './search';
import { PeerIds, type IdNews } from './split-ids';
import {
  anyBeat,
  knownStates,
  mailWords,
  sharedWords,
  STOP,
  type Finished,
  type FromWorker,
  type MemorySizes,
  type SplitExploration,
  type SplitWorkerData,
  type ToWorker,
  type WorkerStats,
} from './split-protocol';
import { PackedReader, TupleTable, type StateTable } from './table';
import { FINGERPRINT_BITS, missProbability } from './fingerprints';

/** After an exploration of more states than this the worker threads are ended, not kept. */
export const KEEP_CREW_STATES = 1_000_000;

/** A worker that sends nothing and visits no state for this long is taken for dead (ms). */
export const STALL_MS = 120_000;

/** A worker silent for this long is looked for among this process's threads, at most once per
 *  this many milliseconds (src/util/cpu.ts osThreadRuns): one whose thread has ended (out of
 *  memory, terminated) fails the exploration at once, not after STALL_MS. */
export const GONE_CHECK_MS = 1_000;

/** Per worker of the last split exploration in this thread: its states and levels, and what it did
 *  (WorkerStats), for bench. */
export let lastSplitStats: (WorkerStats & { states: number; levels: number })[] = [];

/** Where the last split exploration in this thread spent its time (wall milliseconds): until
 *  every worker was ready (this thread's engine, the workers' engines), the search, and after it
 *  (merging the reports, the verdicts, liveness). For bench. */
export let lastSplitTimes = { startMs: 0, searchMs: 0, afterMs: 0 };

/** The actors whose snapshots decide a state's owner when the owner is by snapshots: the
 *  firmware's snapshots vary most and cost most to step, so splitting by them splits the actor
 *  step caches (bench, part 4: 24,348 and 24,441 XState steps per worker against 38,716 on one
 *  thread). */
export const DEFAULT_HASH_ACTORS: readonly (typeof ACTORS)[number][] = ['firmware'];

/**
 * What decides a state's owner (SplitOptions.owner). By memory (the default when the LPAR's
 * memory can take at least as many sizes as there are workers): the sizes from minMemoryMiB to
 * maxMemoryMiB cut into one run of consecutive sizes a worker, of equal length (a size a cut
 * passes through shared by the firmware snapshot's hash: split-protocol.ts ownerOfSize), so that
 * only a memory hotplug (DLPAR) across a cut, or in a shared size a step of the firmware, moves a
 * state to another worker; a crash, a boot, a registration, a fault, which change the firmware's
 * snapshot but not its memory, stay with the worker that holds the state elsewhere. By the
 * firmware's whole snapshot, most successors belong to the peer: on configs/large.json's first
 * 1.5 million states with every property, 2 workers took 10.1 s to 10.8 s against 7.6 s by memory
 * (sizes alternating between the workers) and 10.4 s to 11.3 s on one thread (2026-12-03); over
 * all of it, with every hotplug crossing to the peer when sizes alternated, 141 s to 155 s,
 * against 126 s to 139 s with runs of sizes (README "Large state spaces"). With fewer sizes than
 * workers some would hold nothing: then by snapshots.
 */
export function splitOwners(config: Config, split: SplitOptions): { hashActors: number[]; memory: MemorySizes | null } {
  const hashActors = (split.hashActors ?? DEFAULT_HASH_ACTORS).map((a) => ACTORS.indexOf(a));
  const lmbBytes = config.lmbBytes;
  const lowest = Math.round(config.minMemoryBytes / lmbBytes);
  const sizes = Math.max(1, Math.round(config.maxMemoryBytes / lmbBytes) - lowest + 1);
  const byMemory =
    split.owner === 'memory' ||
    (split.owner === undefined && split.hashActors === undefined && sizes >= split.workers && sizes > 1);
  return { hashActors, memory: byMemory ? { lmbBytes, lowest, sizes } : null };
}

interface Link {
  worker: Worker;
  port: MessagePort;
}

/** The coordinator's side: the workers, their heartbeats, the shared words; the budget hooks of
 *  the exploration under way. A crew outlives its exploration (see crewOf). */
class Crew {
  readonly links: Link[];
  private readonly beat: Int32Array;
  private readonly tids: Int32Array;
  readonly shared: Int32Array;
  private lastProgress = 0;
  private opts: ExploreOptions = {};

  constructor(readonly workers: number) {
    this.beat = new Int32Array(new SharedArrayBuffer(4 * (workers + 1)));
    this.tids = new Int32Array(new SharedArrayBuffer(4 * workers));
    this.shared = new Int32Array(new SharedArrayBuffer(4 * sharedWords(workers)));
    const mail = new SharedArrayBuffer(4 * mailWords(workers));
    const peers = channels(workers);
    // Spinning while a peer finishes its level costs nothing when each worker has a core.
    const spin = workers <= availableParallelism();
    this.links = Array.from({ length: workers }, (_, me) => {
      const { port1, port2 } = new MessageChannel();
      const own = peers[me] ?? [];
      const workerData: SplitWorkerData = {
        workers,
        me,
        port: port2,
        beat: this.beat.buffer as SharedArrayBuffer,
        tids: this.tids.buffer as SharedArrayBuffer,
        shared: this.shared.buffer as SharedArrayBuffer,
        peers: own,
        mail,
        spin,
      };
      const worker = new Worker(new URL('./split-worker-entry.mjs', import.meta.url), {
        workerData,
        transferList: [port2, ...own.filter((p): p is MessagePort => p !== null)],
      });
      // Idle between explorations, the workers keep no process alive. A worker's end is seen by
      // gather() (its error message, or its thread gone); the event that follows it later
      // would otherwise, unheard, end the process.
      worker.unref();
      worker.on('error', () => undefined);
      port1.unref();
      return { worker, port: port1 };
    });
  }

  /** Starts an exploration on every worker (its budget hooks in `opts`; `liveness`: the workers
   *  report rows and goals when the search is complete). */
  begin(opts: ExploreOptions, exploration: SplitExploration, liveness: boolean): void {
    this.opts = opts;
    this.lastProgress = 0;
    for (let k = 0; k < this.shared.length; k++) Atomics.store(this.shared, k, 0);
    for (let w = 0; w < this.workers; w++) this.send(w, { type: 'start', exploration, liveness });
  }

  /** Whether the exploration is to stop (Ctrl-C): asks shouldStop, and tells the workers. */
  stopAsked(): boolean {
    if (this.opts.shouldStop?.()) Atomics.store(this.shared, STOP, 1);
    return Atomics.load(this.shared, STOP) !== 0;
  }

  send(w: number, m: ToWorker): void {
    this.links[w]?.port.postMessage(m);
  }

  /** The next message of every worker, of the type expected, waiting for them all (polling
   *  Ctrl-C and progress meanwhile, and watching every worker that has not answered yet: one
   *  waits for its peers as long as they work); null when `untilStop` and the exploration is to
   *  stop first.
   *  @throws Error when a worker reports an error or another message, when its thread is gone
   *  (looked for after GONE_CHECK_MS of silence), or when it stays silent for STALL_MS. */
  gather<T extends FromWorker['type']>(type: T, untilStop: true): Extract<FromWorker, { type: T }>[] | null;
  gather<T extends FromWorker['type']>(type: T): Extract<FromWorker, { type: T }>[];
  gather<T extends FromWorker['type']>(type: T, untilStop = false): Extract<FromWorker, { type: T }>[] | null {
    const W = this.workers;
    const got: (FromWorker | null)[] = Array<FromWorker | null>(W).fill(null);
    const watch = Array.from({ length: W }, (_, w) => new Silence(Atomics.load(this.beat, w)));
    for (;;) {
      const seen = Atomics.load(this.beat, anyBeat(W));
      for (let w = 0; w < W; w++) if (got[w] === null) got[w] = this.message(w, type);
      if (got.every((m) => m !== null)) return got as Extract<FromWorker, { type: T }>[];
      Atomics.wait(this.beat, anyBeat(W), seen, 100);
      const now = performance.now();
      if (this.stopAsked() && untilStop) return null;
      if (now - this.lastProgress > 250) {
        this.opts.onProgress?.(knownStates(this.shared, W));
        this.lastProgress = now;
      }
      for (let w = 0; w < W; w++) if (got[w] === null) this.check(w, type, watch[w], now);
    }
  }

  /** Whether worker w, silent so far, still runs: see gather().
   *  @throws Error as gather() does. */
  private check(w: number, type: FromWorker['type'], silence: Silence | undefined, now: number): void {
    const since = silence?.since(Atomics.load(this.beat, w), now) ?? 0;
    if (since > STALL_MS) throw new Error(`split worker ${w} stopped answering (${STALL_MS / 1000} s)`);
    if (since <= GONE_CHECK_MS || silence?.lookedAt(now) !== true) return;
    if (osThreadRuns(Atomics.load(this.tids, w)) !== false) return;
    // What it said before it ended, if anything, comes first.
    this.message(w, type);
    throw new Error(`split worker ${w} ended without a word (its thread is gone: out of memory?)`);
  }

  /** Worker w's next message, or null when there is none yet.
   *  @throws Error when it is the worker's report of an error, or not of `type`. */
  private message(w: number, type: FromWorker['type']): FromWorker | null {
    const port = this.links[w]?.port;
    if (port === undefined) throw new Error(`split: no worker ${w}`);
    const got = receiveMessageOnPort(port) as { message: FromWorker } | undefined;
    if (got === undefined) return null;
    if (got.message.type === 'error') throw new Error(`split worker ${w}: ${got.message.message}`);
    if (got.message.type !== type) throw new Error(`split worker ${w}: expected '${type}', got '${got.message.type}'`);
    return got.message;
  }

  close(): void {
    for (const l of this.links) {
      l.port.close();
      void l.worker.terminate();
    }
  }
}

/** One worker's heartbeat as the coordinator last saw it change, and when it last looked for the
 *  worker's thread (Crew.check). */
class Silence {
  private changed = performance.now();
  private looked = this.changed;

  constructor(private beat: number) {}

  /** Milliseconds since the heartbeat last changed, now that it is `beat`. */
  since(beat: number, now: number): number {
    if (beat !== this.beat) {
      this.beat = beat;
      this.changed = now;
    }
    return now - this.changed;
  }

  /** Whether to look for the thread now: at most once per GONE_CHECK_MS. */
  lookedAt(now: number): boolean {
    if (now - this.looked <= GONE_CHECK_MS) return false;
    this.looked = now;
    return true;
  }
}

/** The channels between W workers: [p][q] is worker p's end of its channel with worker q (null
 *  for p itself). */
function channels(W: number): (MessagePort | null)[][] {
  const ends = Array.from({ length: W }, () => Array<MessagePort | null>(W).fill(null));
  for (let p = 0; p < W; p++)
    for (let q = p + 1; q < W; q++) {
      const { port1, port2 } = new MessageChannel();
      const [a, b] = [ends[p], ends[q]];
      if (a !== undefined) a[q] = port1;
      if (b !== undefined) b[p] = port2;
    }
  return ends;
}

/** The crew of this thread's last split exploration, kept for the next one with as many workers:
 *  its threads have loaded the model and compiled their code (README "One configuration over
 *  several cores"). */
let kept: Crew | null = null;

/** A crew of W workers: the kept one, or a new one (the kept one, of another size, is closed). */
function crewOf(W: number): Crew {
  if (kept?.workers === W) return kept;
  closeSplitWorkers();
  kept = new Crew(W);
  return kept;
}

/** The workers kept for the next split exploration ([] when none are). */
export function splitWorkers(): Worker[] {
  return kept?.links.map((l) => l.worker) ?? [];
}

/** Ends the worker threads kept for the next split exploration (the next one starts new ones). */
export function closeSplitWorkers(): void {
  kept?.close();
  kept = null;
}

/** What the levels gave: each worker's final report, why the search ended. */
interface Searched {
  parts: Finished[];
  stopReason: StopReason;
  /** performance.now() when every worker was ready, and when the last report came. */
  readyAt: number;
  endedAt: number;
}

/** Waits for the workers' search to its end and collects each worker's report (null when
 *  stopped before the workers were ready). `learn` is told each worker's news (derivations) in
 *  order, for translating its tuples later. The workers go from level to level among themselves
 *  and decide alike when to stop (src/explore/split-worker.ts run()).
 *  @throws Error when the workers' reports disagree on why the search ended (a bug). */
function search(crew: Crew, learn: (w: number, news: IdNews) => void): Searched | null {
  if (crew.gather('ready', true) === null) return null;
  const readyAt = performance.now();
  const parts = crew.gather('finished');
  const endedAt = performance.now();
  parts.forEach((m, w) => m.news.forEach((n) => learn(w, n)));
  const stopReason = parts[0]?.stopReason ?? 'done';
  if (parts.some((p) => p.stopReason !== stopReason))
    throw new Error(`split: the workers ended for different reasons (${parts.map((p) => p.stopReason).join(', ')})`);
  return { parts, stopReason, readyAt, endedAt };
}

/** The reports of a search that visited nothing (Ctrl-C while the workers loaded): worker 0
 *  holds the start state `t0`, unvisited, with `succ` of `A` zeros (none when A is 0). */
function unvisited(t0: Int32Array, W: number, A: number): Searched {
  const stats: WorkerStats = {
    misses: 0,
    compiled: 0,
    expandMs: 0,
    receiveMs: 0,
    waitMs: 0,
    aheadMs: 0,
    ahead: 0,
    cpuMs: 0,
    startCpuMs: 0,
    flushes: 0,
  };
  const parts = Array.from({ length: W }, (_, w): Finished => {
    const n = w === 0 ? 1 : 0;
    return {
      type: 'finished',
      tuples: tableOf(t0, n).packed(),
      stateBytes: n * 4 * t0.length,
      peakLevelBytes: 0,
      parent: new Int32Array(n).fill(-1),
      parentEvent: new Int32Array(n).fill(-1),
      succ: A > 0 ? new Int32Array(n * A) : null,
      rows: null,
      levels: [0, n],
      ranks: new Int32Array(n).fill(-1),
      violations: [],
      figures: [],
      goals: {},
      news: [],
      stopReason: 'interrupted',
      edges: 0,
      stats,
    };
  });
  const now = performance.now();
  return { parts, stopReason: 'interrupted', readyAt: now, endedAt: now };
}

/** The states of level l worker report p holds. */
const levelSize = (p: Finished, l: number): number => (p.levels[l + 1] ?? 0) - (p.levels[l] ?? 0);

/** A table of `n` (0 or 1) tuples: t0. */
function tableOf(t0: Int32Array, n: number): TupleTable {
  const table = new TupleTable(t0.length);
  if (n > 0) table.add(t0);
  return table;
}

/** Where global states are: the workers' reports, the breadth-first order, paths. */
class Merged {
  readonly W: number;
  /** Global ids in one thread's breadth-first order: by level, then rank (Finished.ranks); a last
   *  level the search did not rank by worker, then local index. Cut to one thread's states by
   *  cutAsOneThread(). */
  order: Int32Array;
  /** The states (a prefix of `order`) whose violations and figures count: all of them, or those
   *  one thread visits before its state budget stops it (cutAsOneThread). */
  visited = Infinity;
  /** index[g]: global id g's place in `order` (-1 for an id that names no state). */
  readonly index: Int32Array;
  readonly span: number;

  /** @throws Error when two states of a level have one rank (a broken exchange). */
  constructor(
    readonly parts: Finished[],
    private readonly letters: readonly ExternalEvent[],
  ) {
    const W = parts.length;
    this.W = W;
    const counts = parts.map((p) => p.levels.at(-1) ?? 0);
    this.span = Math.max(0, ...counts) * W;
    this.order = new Int32Array(counts.reduce((a, b) => a + b, 0)).fill(-1);
    this.index = new Int32Array(this.span).fill(-1);
    // Where each level begins in `order`, and how many of its states earlier workers placed.
    const L = Math.max(0, ...parts.map((p) => p.levels.length - 1));
    const base = new Float64Array(L + 1);
    for (const p of parts)
      for (let l = 0; l < p.levels.length - 1; l++) base[l + 1] = (base[l + 1] ?? 0) + levelSize(p, l);
    for (let l = 0; l < L; l++) base[l + 1] = (base[l + 1] ?? 0) + (base[l] ?? 0);
    const placed = new Float64Array(L);
    parts.forEach((p, w) => this.place(p, w, base, placed));
  }

  /** Puts worker w's states in `order` by level and rank (a state of a level left unranked after
   *  those earlier workers placed); `placed[l]` counts level l's states placed so far.
   *  @throws Error when two states of a level have one rank. */
  private place(p: Finished, w: number, base: Float64Array, placed: Float64Array): void {
    const { order, index, W } = this;
    const ranks = p.ranks;
    for (let l = 0; l + 1 < p.levels.length; l++) {
      const from = p.levels[l] ?? 0;
      const to = p.levels[l + 1] ?? 0;
      const b = base[l] ?? 0;
      const before = (placed[l] ?? 0) - from;
      for (let k = from; k < to; k++) {
        const r = ranks[k] ?? -1;
        const at = b + (r < 0 ? before + k : r);
        if (order[at] !== -1) throw new Error(`split: two states of level ${l} ranked ${at - b}`);
        order[at] = k * W + w;
        index[k * W + w] = at;
      }
      placed[l] = (placed[l] ?? 0) + to - from;
    }
  }

  /** The events from the start state to global state g. */
  pathTo(g: number): ExternalEvent[] {
    const out: ExternalEvent[] = [];
    for (let x = g; x >= 0;) {
      const w = x % this.W;
      const k = (x - w) / this.W;
      const p = this.parts[w];
      const ev = this.letters[p?.parentEvent[k] ?? -1];
      if (ev !== undefined) out.push(ev);
      x = p?.parent[k] ?? -1;
    }
    return out.reverse();
  }

  /** The state in `order` at place j's parent's place (-1 for the initial state). */
  private parentPlace(j: number): number {
    const g = this.order[j] ?? 0;
    const w = g % this.W;
    const pg = this.parts[w]?.parent[(g - w) / this.W] ?? -1;
    return pg < 0 ? -1 : (this.index[pg] ?? -1);
  }

  /** Cuts the states to those one thread finds when `maxStates` stops it (src/explore/search.ts,
   *  Budget.full: after visiting state i, once it has found at least maxStates states and more than
   *  i + 1), and counts as visited only the states it visits. One thread numbers the states it
   *  finds in order, so after visiting the states before place i + 1 it has found those whose
   *  parent is among them: a prefix of `order`. Needs every level ranked, the last one too. The
   *  split visits to the end of the level in which one thread stops, and may find more.
   *  Returns false when one thread would not stop (it visits every state). */
  cutAsOneThread(maxStates: number): boolean {
    const n = this.order.length;
    let found = 1;
    for (let i = 0; i < n; i++) {
      while (found < n && this.parentPlace(found) <= i) found++;
      if (found >= maxStates && i + 1 < found) {
        for (let j = found; j < n; j++) this.index[this.order[j] ?? 0] = -1;
        this.order = this.order.subarray(0, found);
        this.visited = i + 1;
        return true;
      }
    }
    return false;
  }

  /** The first of the candidates (worker, local index) in breadth-first order, among the states
   *  visited. */
  first<T extends { w: number; k: number }>(cands: readonly T[]): T | undefined {
    let best: T | undefined;
    let at = this.visited;
    for (const c of cands) {
      const i = this.index[c.k * this.W + c.w] ?? -1;
      if (i >= 0 && i < at) {
        best = c;
        at = i;
      }
    }
    return best;
  }
}

/** Liveness over the gathered graph: the first state (a global id), in breadth-first order, from
 *  which no goal state can be reached, or -1. */
function stuckState(m: Merged, property: string): number {
  const W = m.W;
  // Global ids past a worker's states name no state: good, so that they change nothing.
  const good = new Uint8Array(m.span).fill(1);
  const blocks: RowBlock[] = [];
  m.parts.forEach((p, w) => {
    const goal = p.goals[property];
    const count = p.levels.at(-1) ?? 0;
    for (const b of p.rows ?? []) blocks.push({ ...b, first: w, stride: W, states: b.states ?? undefined });
    for (let k = 0; k < count; k++) good[k * W + w] = goal?.[k] ?? 0;
  });
  markCanReachIn(good, m.span, blocks);
  for (const g of m.order) if (!good[g]) return g;
  return -1;
}

/** The verdicts: each property's earliest violation over the workers, liveness, figures. */
function verdicts(m: Merged, checks: PropertyChecks, all: readonly Property[], s: Searched): Exploration['results'] {
  const byProp = new Map<string, { w: number; k: number; event: number; note: string | null }[]>();
  m.parts.forEach((p, w) =>
    p.violations.forEach((v) =>
      byProp.set(v.property, [...(byProp.get(v.property) ?? []), { w, k: v.state, event: v.event, note: v.note }]),
    ),
  );
  for (const [id, cands] of byProp) {
    const f = m.first(cands);
    if (f !== undefined) checks.violate(id, f.k * m.W + f.w, f.event, f.note);
  }
  const live = s.stopReason === 'done' && m.parts.every((p) => p.rows !== null);
  for (const p of checks.graphProps) {
    if (p.check !== 'eventually' || !live || p.goal === undefined) continue;
    const stuck = stuckState(m, p.id);
    if (stuck >= 0) checks.violate(p.id, stuck, -1, 'from here production with fadump registered can never be reached');
  }
  const states = m.order.length;
  const results = checks.results(all, states, s.stopReason, (g) => m.pathTo(g), live);
  for (const r of results) {
    if (r.verdict === 'n/a') continue;
    const f = m.first(
      m.parts.flatMap((p, w) =>
        p.figures.filter((x) => x.property === r.property).map((x) => ({ ...x, w, k: x.state })),
      ),
    );
    if (f === undefined) continue;
    r.figure = f.value;
    r.figureAt = m.pathTo(f.k * m.W + f.w);
  }
  return results;
}

/** The explored graph in this thread's snapshot ids, states numbered breadth-first; no tuples
 *  (null) with hash compaction. */
interface Graph {
  table: TupleTable | null;
  parent: Int32Array;
  parentEvent: EventArray;
  succ: Int32Array | null;
}

/** The graph of a split exploration, in one thread's order: each state's tuple translated into
 *  this thread's snapshot ids (`peers`), when the workers kept them (`tuples`). */
function materialise(m: Merged, peers: PeerIds[], width: number, A: number): Graph {
  const n = m.order.length;
  const W = m.W;
  const index = m.index;
  const readers = m.parts.map((p) => (p.tuples === null ? null : new PackedReader(p.tuples)));
  const table = readers.every((r) => r !== null) ? new TupleTable(width, Math.max(16, n)) : null;
  const parent = new Int32Array(n);
  const parentEvent = eventArray(n, A);
  const edges = m.parts.every((p) => p.succ !== null);
  const succ = edges ? new Int32Array(n * A) : null;
  const t = new Int32Array(width);
  for (let i = 0; i < n; i++) {
    const g = m.order[i] ?? 0;
    const w = g % W;
    const k = (g - w) / W;
    const p = m.parts[w];
    const peer = peers[w];
    if (p === undefined || peer === undefined) continue;
    const reader = readers[w];
    if (table !== null && reader) {
      reader.get(k, t);
      peer.tuple(t, 0, t);
      table.add(t);
    }
    const pg = p.parent[k] ?? -1;
    parent[i] = pg < 0 ? -1 : (index[pg] ?? -1);
    // The initial state's (-1) is never read: its parent is -1.
    parentEvent[i] = Math.max(0, p.parentEvent[k] ?? 0);
    // One thread keeps no successors of a state it did not visit.
    if (succ !== null && p.succ !== null && i < m.visited)
      for (let e = 0; e < A; e++) succ[i * A + e] = index[p.succ[k * A + e] ?? 0] ?? 0;
  }
  return { table, parent, parentEvent, succ };
}

/** Explores `config` over `split.workers` worker threads; the same result as explore() (states,
 *  edges, verdicts, counterexample lengths), with `table`, `parent`, `parentEvent` and `succ`
 *  built in this thread when first read (in `engine`'s snapshot ids).
 *  @throws Error when a prefix event is not in the alphabet, a worker fails, a worker's thread is
 *  gone, or a worker stays silent for STALL_MS (Crew.gather). */
export function exploreSplit(config: Config, opts: ExploreOptions, split: SplitOptions): Exploration {
  const started = performance.now();
  const all = opts.properties ?? PROPERTIES;
  const letters = opts.alphabet ?? [];
  const A = letters.length;
  const engine = new Engine(config, letters);
  const properties = all.filter((p) => p.notApplicable(config) === null);
  const checks = new PropertyChecks(config, properties, letters, engine);
  // As explore() (src/explore/explore.ts): every successor when asked, else for liveness the edges
  // to other states, as rows.
  const hashCompact = opts.hashCompact === true;
  const keepEdges = opts.keepEdges === true && !hashCompact;
  const keepRows = checks.eventually.length > 0 && opts.keepEdges !== false && !keepEdges;
  const prefix = [...(opts.prefix ?? [])];
  const t0 = startTuple(engine, letters, checks.width, prefix);
  const base = ACTORS.map((_, a) => engine.stepper.snaps[a]?.length ?? 0);
  const W = split.workers;
  const peers = Array.from({ length: W }, () => new PeerIds(engine, base));
  const crew = crewOf(W);
  const maxStates = opts.maxStates ?? DEFAULT_MAX_STATES;
  let s: Searched;
  const liveness = checks.eventually.length > 0 && (keepEdges || keepRows);
  try {
    const exploration: SplitExploration = {
      input: config.canonical,
      properties: all.map((p) => p.id),
      alphabet: [...letters],
      prefix,
      keepEdges,
      keepRows,
      hashCompact,
      ...splitOwners(config, split),
      maxStates,
      maxMemoryBytes: opts.maxMemoryBytes === undefined ? null : Math.floor(opts.maxMemoryBytes / W),
    };
    crew.begin(opts, exploration, liveness);
    const searched = search(crew, (w, news) => peers[w]?.learn(news));
    // Stopped while they loaded: their next message would be this exploration's.
    if (searched === null) closeSplitWorkers();
    s = searched ?? unvisited(t0, W, keepEdges ? A : 0);
  } catch (e) {
    // A worker that failed or stopped answering: none of these threads is used again.
    if (kept === crew) closeSplitWorkers();
    throw e;
  }
  // A large exploration's worker threads hold hundreds of MB of garbage (visited sets, step caches)
  // until their next collection, which an idle thread does not reach: ended, they give it back
  // while this thread merges. A new crew costs about a second.
  if (s.parts.reduce((n, p) => n + (p.levels.at(-1) ?? 0), 0) > KEEP_CREW_STATES && kept === crew) closeSplitWorkers();
  const m = new Merged(s.parts, letters);
  // At the state budget, what one thread finds: the same states, violations and figures.
  const cut = s.stopReason === 'max-states' && m.cutAsOneThread(maxStates);
  const states = m.order.length;
  lastSplitStats = s.parts.map((p) => ({ ...p.stats, states: p.levels.at(-1) ?? 0, levels: p.levels.length - 2 }));
  const results = verdicts(m, checks, all, s);
  opts.onProgress?.(states);
  const held = s.parts.reduce((n, p) => n + p.stateBytes, 0);
  // With hash compaction no tuples came back: a state's is recomputed along its path.
  let graph: (Graph & { states: StateTable }) | null = null;
  const built = () => {
    if (graph !== null) return graph;
    const g = materialise(m, peers, checks.width, A);
    graph = { ...g, states: g.table ?? replayTable(states, held, t0, g.parent, g.parentEvent, engine, checks) };
    return graph;
  };
  const ended = performance.now();
  lastSplitTimes = { startMs: s.readyAt - started, searchMs: s.endedAt - s.readyAt, afterMs: ended - s.endedAt };
  return {
    config,
    engine,
    alphabet: letters,
    states,
    edges: cut ? m.visited * A : s.parts.reduce((n, p) => n + p.edges, 0),
    complete: s.stopReason === 'done',
    stopReason: s.stopReason,
    seconds: (ended - started) / 1000,
    results,
    get table() {
      return built().states;
    },
    get parent() {
      return built().parent;
    },
    get parentEvent() {
      return built().parentEvent;
    },
    get succ() {
      return built().succ;
    },
    missProbability: hashCompact ? missProbability(states, FINGERPRINT_BITS) : null,
    cacheFlushes: s.parts.reduce((n, p) => n + p.stats.flushes, 0),
    // Exact: the states and parent links as the workers hand them over (tuples packed as their
    // tables held them);
    // hash compaction: what the workers held for them (fingerprints, parent links, ranks).
    bytesPerState:
      (hashCompact
        ? held
        : s.parts.reduce(
            (n, p) => n + (p.tuples?.data.byteLength ?? 0) + p.parent.byteLength + p.parentEvent.byteLength,
            0,
          )) / Math.max(1, states),
    peakQueueBytes: s.parts.reduce((n, p) => n + p.peakLevelBytes, 0),
    width: checks.width,
    pathTo: (i: number) => m.pathTo(m.order[i] ?? 0),
  };
}
