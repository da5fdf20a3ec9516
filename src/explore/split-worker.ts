// One worker thread of a split exploration (src/explore/split.ts): it owns the states whose
// firmware memory size (split.ts splitOwners) or snapshot hash (SnapshotHashes) falls to it, keeps them
// in its own visited set (exact or fingerprints: split-states.ts) with its own Engine (caches and
// step trie) and its own PropertyChecks, and visits them level by level in step with its peers
// (run()). Successors owned by a peer go to it directly as packed records at the end of each level
// (split-links.ts); while it waits for its peers, it visits the next level's states it knows
// ahead of their turn (split-ahead.ts). The coordinator hears only 'ready' and the final report.
import { workerData } from 'node:worker_threads';
import { ACTORS, type Snapshots } from '../../machines/system';
import { config as makeConfig } from '../config';
import { totalSize } from '../memory/layout';
import { PROPERTIES } from '../specs/properties';
import { Budget, POLL_MASK, type StopReason } from './budget';
import { GoalBits, growInt32, PropertyChecks } from './checks';
import { BASE_WIDTH, Engine } from './engine';
import { RowChunks, SuccessorRows } from './liveness';
import { eventsToFollow, follow, pollBudget, startTuple } from './search';
import { DerivationLog, PeerIds, SnapshotHashes, type IdNews } from './split-ids';
import { AheadVisits } from './split-ahead';
import { PeerLinks } from './split-links';
import {
  anyBeat,
  knownStates,
  knownWord,
  ownerOfSize,
  pastStateBudget,
  recordInts,
  STOP,
  type Finished,
  type FromWorker,
  type LevelKeys,
  type LocalViolation,
  type MemorySizes,
  type PeerMessage,
  type SplitExploration,
  type SplitWorkerData,
  type ToWorker,
} from './split-protocol';
import { NOT_SENT, SentTuples } from './split-sent';
import { CompactStates, ExactStates, type WorkerStates } from './split-states';
import { grown, Int32List } from './typed';
import { osThreadId, threadCpuMs } from '../util/cpu';

/** h's bits mixed (a 32-bit finaliser), as an unsigned int. */
function mix(h: number): number {
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}

/** The firmware's index among the actors (its memory can decide a state's owner). */
const FIRMWARE = ACTORS.indexOf('firmware');

/** States visited between two reads of the peers' counts, the stop word and two heartbeats: a
 *  power of two less one. Each worker's count is a cache line the others read at this pace. */
const KNOWN_MASK = 0x3f;

/** log2 of the entries of the cache of tuples sent to each peer (SentTuples): 2^16 entries of
 *  2 + width ints, 2.6 MB a peer for bench's 8-int tuples. */
const SENT_BITS = 16;

/** Records for a peer, in a SharedArrayBuffer kept from level to level (grown by half again when
 *  full), so that a level's records reach the peer without a copy. */
class SharedRecords {
  private data: Int32Array;
  length = 0;

  /** `capacity`: ints before the first growth. */
  constructor(capacity: number) {
    this.data = new Int32Array(new SharedArrayBuffer(4 * capacity));
  }

  get bytes(): number {
    return this.data.byteLength;
  }

  /** Appends a record: tuple t (`width` ints), then `parent`, `event` and the parent's rank
   *  (recordInts(width) ints). */
  pushRecord(t: Int32Array, width: number, parent: number, event: number, rank: number): void {
    const at = this.length;
    if (at + width + 3 > this.data.length) {
      const grown = new Int32Array(new SharedArrayBuffer(4 * Math.ceil((at + width + 3) * 1.5)));
      grown.set(this.data);
      this.data = grown;
    }
    const data = this.data;
    for (let k = 0; k < width; k++) data[at + k] = t[k] ?? 0;
    data[at + width] = parent;
    data[at + width + 1] = event;
    data[at + width + 2] = rank;
    this.length = at + width + 3;
  }

  /** The records pushed since the last take(), as a view of the shared buffer; empties the list. */
  take(): Int32Array {
    const view = new Int32Array(this.data.buffer, 0, this.length);
    this.length = 0;
    return view;
  }
}

/** A peer's keys message (PeerMessage), or this worker's own. */
type KeysMessage = Extract<PeerMessage, { type: 'keys' }>;

/** One worker's part of the search. */
class Part {
  private readonly engine: Engine;
  private readonly checks: PropertyChecks;
  private readonly A: number;
  private readonly W: number;
  private readonly me: number;
  private readonly width: number;
  /** The states this worker owns (every tuple, or fingerprints: split-states.ts). */
  private readonly table: WorkerStates;
  /** Per state, which 'eventually' goals hold (when liveness edges are kept), recorded as it is
   *  visited. */
  private readonly goalBits: GoalBits | null;
  private parent = new Int32Array(1 << 14);
  private parentEvent = new Int32Array(1 << 14);
  /** Each state's index within its level over every worker (LevelKeys), once its level is ranked. */
  private ranks = new Int32Array(1 << 14);
  /** Where the next level begins: the states from here on were found by the level being visited
   *  (or are the initial state); nextRank[k] is state nextFrom + k's parent's rank, its key with
   *  parentEvent (the least one seen: the parent one thread gives it). */
  private nextFrom = 0;
  private readonly nextRank = new Int32List(1 << 10);
  /** The next level's states in breadth-first order (local indices) and their keys. */
  private nextOrder = new Int32Array(0);
  private nextKeys: LevelKeys = new Float64Array(0);
  /** The states of the level being visited, over every worker. */
  private levelTotal = 0;
  /** Every successor (d.keepEdges), or for liveness only the edges to other states as rows
   *  (d.keepRows): global ids, each learnt a level later when a peer owns the successor. */
  private succ: Int32Array<ArrayBuffer> | null;
  private readonly rows: RowChunks | null;
  private readonly levels: number[] = [];
  private readonly out: SharedRecords[];
  /** Per peer: the tuples sent lately, to send each once. */
  private readonly sent: (SentTuples | null)[];
  /** Per peer, when edges are kept: (place, record k) pairs, to patch the place (link()) with the
   *  id record k gets; and each record's entry in `sent`. */
  private readonly pending: Int32List[];
  private readonly sentEntry: Int32List[];
  /** Per peer, the global ids this worker gave its records at the last level (null: none, or no
   *  edges kept). */
  private ids: (Int32Array | null)[] = [];
  private readonly log: DerivationLog;
  /** Every report of the log so far, in order (Finished.news). */
  private readonly news: IdNews[] = [];
  private readonly peers: (PeerIds | null)[];
  private readonly hashes: SnapshotHashes;
  private readonly shared: Int32Array;
  private readonly beat: Int32Array;
  private readonly budget: Budget;
  private edges = 0;
  private visited = 0;
  /** The actor whose snapshot alone decides a state's owner (-1: several do; the firmware when
   *  the owner is by memory), and per snapshot id of it, its owner + 1 (0: not asked yet). */
  private readonly soleHashActor: number;
  private ownerOfSnapshot: Uint8Array<ArrayBuffer> = new Uint8Array(256);
  /** The next level's states visited while waiting for the peers (split-ahead.ts). */
  private readonly ahead: AheadVisits;
  /** Scratch tuples of the visits ahead. */
  private readonly aheadCur: Int32Array;
  private readonly aheadNext: Int32Array;
  /** Visits one state ahead (visitAhead), for PeerLinks.take. */
  private readonly idle = () => this.visitAhead();
  /** A violation found ahead, kept with the state's visit (PropertyChecks.deferTo). */
  private readonly deferred = (id: string, event: number, note: string | null) =>
    this.ahead.violate({ id, event, note });
  expandMs = 0;
  receiveMs = 0;
  startCpuMs = 0;
  /** The links' waiting and idle-work milliseconds when this exploration began. */
  private readonly waitFrom: number;
  private readonly idleFrom: number;

  /** `cpuFrom`: this thread's CPU milliseconds when the last exploration ended (0: none yet);
   *  `links`: the channels to the peers. */
  constructor(
    private readonly d: SplitExploration,
    w: SplitWorkerData,
    private readonly cpuFrom: number,
    private readonly links: PeerLinks,
  ) {
    const cfg = makeConfig(d.input);
    const all = PROPERTIES.filter((p) => d.properties.includes(p.id));
    this.engine = new Engine(cfg, d.alphabet);
    const props = all.filter((p) => p.notApplicable(cfg) === null);
    this.checks = new PropertyChecks(cfg, props, d.alphabet, this.engine);
    this.A = d.alphabet.length;
    this.W = w.workers;
    this.me = w.me;
    this.soleHashActor = d.memory !== null ? FIRMWARE : d.hashActors.length === 1 ? (d.hashActors[0] ?? -1) : -1;
    this.width = this.checks.width;
    this.ahead = new AheadVisits(this.width, d.maxMemoryBytes);
    this.aheadCur = new Int32Array(this.width);
    this.aheadNext = new Int32Array(this.width);
    this.table = d.hashCompact ? new CompactStates(this.width) : new ExactStates(this.width);
    this.goalBits =
      this.checks.eventually.length > 0 && (d.keepEdges || d.keepRows)
        ? new GoalBits(this.checks.eventually.length, this.checks)
        : null;
    this.succ = d.keepEdges ? new Int32Array((1 << 14) * this.A) : null;
    this.rows = d.keepRows && !d.keepEdges ? new RowChunks(this.A) : null;
    this.out = Array.from({ length: this.W }, () => new SharedRecords(1 << 12));
    this.sent = Array.from({ length: this.W }, (_, q) =>
      q === this.me ? null : new SentTuples(this.width, SENT_BITS),
    );
    this.pending = Array.from({ length: this.W }, () => new Int32List(1 << 10));
    this.sentEntry = Array.from({ length: this.W }, () => new Int32List(1 << 10));
    this.shared = new Int32Array(w.shared);
    this.beat = new Int32Array(w.beat);
    this.budget = new Budget({
      maxStates: d.maxStates,
      ...(d.maxMemoryBytes === null ? {} : { maxMemoryBytes: d.maxMemoryBytes }),
      shouldStop: () => Atomics.load(this.shared, STOP) !== 0,
    });
    const t0 = startTuple(this.engine, d.alphabet, this.width, d.prefix);
    // Everything interned so far was interned identically in every thread.
    this.log = new DerivationLog(this.engine);
    const base = ACTORS.map((_, a) => this.engine.stepper.snaps[a]?.length ?? 0);
    this.peers = Array.from({ length: this.W }, (_, q) => (q === this.me ? null : new PeerIds(this.engine, base)));
    this.hashes = new SnapshotHashes(this.engine);
    if (this.owner(t0) === this.me) this.addNew(t0, -1, -1, -1);
    this.sortNext(0);
    this.budget.start();
    this.startCpuMs = threadCpuMs() - cpuFrom;
    this.waitFrom = links.waitMs;
    this.idleFrom = links.idleMs;
  }

  /** The worker that owns tuple t. By memory, or with one hash actor, it depends on one actor's
   *  snapshot alone, and is kept per snapshot. */
  private owner(t: Int32Array): number {
    const one = this.soleHashActor;
    if (one < 0) return this.ownerByHash(t);
    const sid = t[one] ?? 0;
    const known = this.ownerOfSnapshot;
    if (sid < known.length) {
      const o = known[sid] ?? 0;
      if (o !== 0) return o - 1;
    } else this.ownerOfSnapshot = grown(known, sid + 1);
    const o = this.d.memory === null ? this.ownerByHash(t) : this.ownerByMemory(sid, this.d.memory);
    this.ownerOfSnapshot[sid] = o + 1;
    return o;
  }

  /** The worker that owns the states of firmware snapshot `sid`: by its memory's LMBs
   *  (split-protocol.ts ownerOfSize); in a size two workers share, by the snapshot's hash. */
  private ownerByMemory(sid: number, m: MemorySizes): number {
    const firmware = this.engine.stepper.snapshot(FIRMWARE, sid) as Snapshots['firmware'];
    const share = () => mix(this.hashes.of(FIRMWARE, sid)) / 2 ** 32;
    return ownerOfSize(Math.round(totalSize(firmware.context.memory) / m.lmbBytes), m, this.W, share);
  }

  /** The worker that owns tuple t, from the hashes of its hash actors' snapshots. */
  private ownerByHash(t: Int32Array): number {
    let h = 0x2545f491;
    for (const a of this.d.hashActors) h = Math.imul(h ^ this.hashes.of(a, t[a] ?? 0), 0x9e3779b1);
    // The dump outcome and the monitors count only when every actor does.
    if (this.d.hashActors.length === ACTORS.length)
      for (let k = BASE_WIDTH - 1; k < this.width; k++) h = Math.imul(h ^ (t[k] ?? 0), 0x85ebca77);
    return mix(h) % this.W;
  }

  private gid(local: number): number {
    return local * this.W + this.me;
  }

  /** Adds t, found from `parent` (a global id, of rank `rank` in its level) by `event`; returns
   *  its global id. A new state gets that parent; one of the next level found again gets it when
   *  its key is the lesser (LevelKeys: the parent one thread gives it). */
  private addNew(t: Int32Array, parent: number, event: number, rank: number): number {
    const got = this.table.add(t);
    if (got < 0) {
      const j = ~got;
      const k = j - this.nextFrom;
      const was = k < 0 ? -1 : (this.nextRank.data[k] ?? -1);
      if (k >= 0 && (rank < was || (rank === was && event < (this.parentEvent[j] ?? 0)))) {
        this.parent[j] = parent;
        this.parentEvent[j] = event;
        this.nextRank.data[k] = rank;
      }
      return this.gid(j);
    }
    if (got >= this.parent.length) {
      // By half again (typed.ts grown), not doubled: 12 bytes a state, among the most held.
      this.parent = grown(this.parent, got + 1);
      this.parentEvent = grown(this.parentEvent, got + 1);
      this.ranks = grown(this.ranks, got + 1);
    }
    this.parent[got] = parent;
    this.parentEvent[got] = event;
    this.nextRank.push(rank);
    return this.gid(got);
  }

  /** Puts the next level in breadth-first order (nextOrder, nextKeys): by parent rank (counting
   *  sort over the `parents` states of the level before, over every worker), then event.
   *  @throws Error on a parent rank outside the level before (a broken exchange). */
  private sortNext(parents: number): void {
    const lo = this.nextFrom;
    const n = this.table.count - lo;
    const rank = this.nextRank.data;
    // Buckets 0..parents: parent rank + 1 (the initial state's is -1).
    const at = new Int32Array(parents + 2);
    for (let k = 0; k < n; k++) {
      const b = (rank[k] ?? 0) + 1;
      if (b < 0 || b > parents) throw new Error(`split: parent rank ${b - 1} outside a level of ${parents}`);
      at[b + 1] = (at[b + 1] ?? 0) + 1;
    }
    for (let b = 1; b < at.length; b++) at[b] = (at[b] ?? 0) + (at[b - 1] ?? 0);
    const order = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      const b = (rank[k] ?? 0) + 1;
      order[at[b] ?? 0] = lo + k;
      at[b] = (at[b] ?? 0) + 1;
    }
    const keys = new Float64Array(new SharedArrayBuffer(8 * n));
    const key = (i: number) => (rank[i - lo] ?? 0) * this.A + (this.parentEvent[i] ?? 0);
    // One parent finds a few states here: insertion sort by event within a parent.
    for (let x = 0; x < n; x++) {
      const i = order[x] ?? 0;
      const ki = key(i);
      let y = x;
      for (; y > 0 && (keys[y - 1] ?? 0) > ki; y--) {
        order[y] = order[y - 1] ?? 0;
        keys[y] = keys[y - 1] ?? 0;
      }
      order[y] = i;
      keys[y] = ki;
    }
    this.nextOrder = order;
    this.nextKeys = keys;
  }

  /** The next level becomes the one to visit: each of its states gets its rank over every
   *  worker (rankNext). */
  private rankLevel(keys: readonly LevelKeys[]): void {
    this.rankNext(keys);
    this.levelTotal = keys.reduce((n, k) => n + k.length, 0);
    this.levels.push(this.nextFrom);
    this.table.visitedBefore(this.nextFrom);
    this.nextFrom = this.table.count;
    this.nextRank.length = 0;
  }

  /** Each state of the next level gets its rank over every worker, from the peers' keys (`keys[q]`,
   *  ascending) merged with this worker's. */
  private rankNext(keys: readonly LevelKeys[]): void {
    const own = this.nextKeys;
    const order = this.nextOrder;
    const at = new Int32Array(this.W);
    for (let j = 0; j < own.length; j++) {
      const key = own[j] ?? 0;
      let r = j;
      for (let q = 0; q < this.W; q++) {
        const theirs = keys[q];
        if (q === this.me || theirs === undefined) continue;
        let p = at[q] ?? 0;
        while (p < theirs.length && (theirs[p] ?? 0) < key) p++;
        at[q] = p;
        r += p;
      }
      this.ranks[order[j] ?? 0] = r;
    }
  }

  private held(): number {
    return (
      this.table.bytes +
      this.parent.byteLength +
      this.parentEvent.byteLength +
      (this.succ?.byteLength ?? 0) +
      (this.rows?.bytes ?? 0) +
      (this.goalBits?.bytes ?? 0) +
      this.ahead.bytes +
      this.engine.bytes +
      this.checks.bytes +
      this.out.reduce((n, o) => n + o.bytes, 0) +
      this.sent.reduce((n, x) => n + (x?.bytes ?? 0), 0)
    );
  }

  /** Searches with the peers, level by level, to the end: visits a level, sends each peer its
   *  records and takes in theirs, then sends each its keys of the next level and takes in theirs;
   *  every worker then decides from the same keys messages whether to go on (decide()). Returns the
   *  final report; `liveness`: report rows and goals when the search is complete. */
  run(liveness: boolean): Finished {
    let all = this.exchangeKeys(null);
    for (;;) {
      const t = performance.now();
      const stopped = this.expand(
        all.map((m) => m.ids),
        all.map((m) => m.keys),
      );
      this.expandMs += performance.now() - t;
      // Stopped (a budget, Ctrl-C): the levels after this one are not visited, not even ahead.
      if (stopped !== null) this.ahead.stop();
      this.exchangeRecords();
      all = this.exchangeKeys(stopped);
      const stopReason = this.decide(all);
      if (stopReason === null) continue;
      this.patch(all.map((m) => m.ids));
      // A level visited to its end and exchanged: the next is whole, and its ranks are known.
      const whole = stopReason === 'done' || stopReason === 'max-states';
      return this.finish(liveness && stopReason === 'done', whole ? all.map((m) => m.keys) : null, stopReason);
    }
  }

  /** Why the search ends after this level, the same in every worker (from the same messages):
   *  a worker's budget or Ctrl-C (the first worker's that stopped), the state budget as one
   *  thread's (pastStateBudget, over every worker's states; the coordinator then cuts to where one
   *  thread stops: split.ts Merged.cutAsOneThread), no next level; else null. */
  private decide(all: readonly KeysMessage[]): StopReason | null {
    const stop = all.find((m) => m.stop !== null && m.stop !== 'interrupted')?.stop ?? null;
    if (stop !== null) return stop;
    if (all.some((m) => m.stop === 'interrupted')) return 'interrupted';
    const states = all.reduce((n, m) => n + m.count, 0);
    if (pastStateBudget(states, this.d.maxStates)) return 'max-states';
    return all.every((m) => m.levelSize === 0) ? 'done' : null;
  }

  /** Posts each peer the records it owns from the level just visited, with what this worker
   *  learnt since; takes in each peer's (receive()). */
  private exchangeRecords(): void {
    const news = this.log.news();
    this.news.push(news);
    this.out.forEach((o, q) => {
      if (q !== this.me) this.links.post(q, { type: 'records', records: o.take(), news });
    });
    const from = this.out.map((_, q) => (q === this.me ? null : this.links.take(q, 'records', this.idle)));
    const t = performance.now();
    this.ids = this.receive(from);
    this.receiveMs += performance.now() - t;
  }

  /** Posts each peer this worker's keys of the next level (with the ids it gave that peer's
   *  records, its count of states, and `stopped`: why it stopped visiting, or Ctrl-C asked);
   *  returns every worker's message, this one's too (its ids null), in worker order. */
  private exchangeKeys(stopped: StopReason | null): KeysMessage[] {
    const stop = stopped ?? (Atomics.load(this.shared, STOP) !== 0 ? 'interrupted' : null);
    const own = {
      type: 'keys',
      keys: this.nextKeys,
      count: this.table.count,
      levelSize: this.levelSize(),
      stop,
    } as const;
    for (let q = 0; q < this.W; q++) if (q !== this.me) this.links.post(q, { ...own, ids: this.ids[q] ?? null });
    return Array.from({ length: this.W }, (_, q) =>
      q === this.me ? { ...own, ids: null } : this.links.take(q, 'keys', this.idle),
    );
  }

  /** Visits the next level, in breadth-first order (its ranks from the workers' `keys`, as
   *  rankLevel); returns why it stopped early (Ctrl-C, the memory budget), or null. The state
   *  budget is judged between levels (decide()). */
  private expand(ids: readonly (Int32Array | null)[], keys: readonly LevelKeys[]): StopReason | null {
    this.patch(ids);
    this.rankLevel(keys);
    const order = this.nextOrder;
    const cur = new Int32Array(this.width);
    const next = new Int32Array(this.width);
    for (const i of order) {
      if ((++this.visited & KNOWN_MASK) === 0) {
        Atomics.add(this.beat, this.me, 1);
        const known = this.known();
        if (Atomics.load(this.shared, STOP) !== 0) return 'interrupted';
        const stop =
          (this.visited & POLL_MASK) === 0
            ? pollBudget(this.budget, known, () => this.held(), this.engine, this.checks)
            : null;
        if (stop !== null) return stop;
      }
      this.table.get(i, cur);
      this.goalBits?.record(i, cur);
      if (this.succ !== null && (i + 1) * this.A > this.succ.length) this.succ = growInt32(this.succ, (i + 1) * this.A);
      this.checks.checkState(i, cur);
      this.edges += this.A;
      if (!this.visit(i, cur, next)) this.checks.violate('no-deadlock', i, -1, 'no event leads out of this state');
    }
    this.known();
    // What waits now (split-ahead.ts): the states found for the next level so far.
    this.ahead.level(this.nextFrom);
    return null;
  }

  /** Visits the next state of the next level ahead of its turn (while this worker waits for its
   *  peers): computes its successors and keeps them, with the violations its events break, for
   *  visit() to send and record at its turn. False when there is none to visit yet, or no more
   *  may be (AheadVisits.closed). */
  private visitAhead(): boolean {
    const { ahead, checks } = this;
    const i = ahead.next;
    if (i >= this.table.count || ahead.closed) return false;
    ahead.begin(i);
    checks.deferTo = this.deferred;
    try {
      ahead.end(this.followAll(i, this.table.get(i, this.aheadCur), this.aheadNext, -1, -1, true));
    } finally {
      checks.deferTo = null;
    }
    if ((ahead.visited & KNOWN_MASK) === 0) {
      Atomics.add(this.beat, this.me, 1);
      if (Atomics.load(this.shared, STOP) !== 0) ahead.stop();
    }
    return true;
  }

  /** Says how many states this worker holds; returns the states known in all, as the others last
   *  said (for the progress bar and the memory budget's poll). */
  private known(): number {
    Atomics.store(this.shared, knownWord(this.me), this.table.count);
    return knownStates(this.shared, this.W);
  }

  /** Records the global ids peers gave the records sent to them (in the successor links, and
   *  with the tuples sent lately). */
  private patch(ids: readonly (Int32Array | null)[]): void {
    ids.forEach((got, q) => {
      const pairs = this.pending[q];
      const entries = this.sentEntry[q];
      const sent = this.sent[q];
      if (got === null || pairs === undefined || entries === undefined || !sent || !this.linked) return;
      for (let p = 0; p < pairs.length; p += 2) this.setLink(pairs.data[p] ?? 0, got[pairs.data[p + 1] ?? 0] ?? 0);
      for (let k = 0; k < entries.length; k++) sent.settle(entries.data[k] ?? 0, ~k, got[k] ?? 0);
    });
    for (const p of this.pending) p.length = 0;
    for (const p of this.sentEntry) p.length = 0;
  }

  /** Every alphabet event from local state i (as src/explore/search.ts expand()); successors of
   *  peers are queued for them. True if some event leads to another state. */
  private visit(i: number, cur: Int32Array, next: Int32Array): boolean {
    const A = this.A;
    const me = this.gid(i);
    const rank = this.ranks[i] ?? 0;
    if (this.succ !== null) this.succ.fill(me, i * A, i * A + A);
    this.rows?.begin(me);
    const at = this.ahead.entry(i);
    return at >= 0 ? this.replay(at, i, me, rank, next) : this.followAll(i, cur, next, me, rank, false);
  }

  /** Follows every alphabet event from local state i (tuple `cur`; follow()); each successor that
   *  is another state (in `next`) is sent (send(), from global id `me` of rank `rank`), or with
   *  `keep` kept in the log of visits ahead. True if some event leads to another state. */
  private followAll(i: number, cur: Int32Array, next: Int32Array, me: number, rank: number, keep: boolean): boolean {
    const { engine, checks, A } = this;
    let movable = false;
    engine.fromState(cur);
    for (let w = 0; w << 5 < A; w++)
      for (let todo = eventsToFollow(engine, checks, w, A); todo !== 0; todo &= todo - 1) {
        const e = (w << 5) | (31 - Math.clz32(todo & -todo));
        if (!follow(engine, checks, i, e, cur, next)) continue;
        movable = true;
        if (keep) this.ahead.add(e, next);
        else this.send(i, me, rank, e, next);
      }
    return movable;
  }

  /** Local state i's visit ahead (the entry at `at`: split-ahead.ts), at its turn: records its
   *  violations and sends its successors, as visit() would have; true if some event leads to
   *  another state. */
  private replay(at: number, i: number, me: number, rank: number, next: Int32Array): boolean {
    const ahead = this.ahead;
    for (const v of ahead.violationsOf(at)) this.checks.violate(v.id, i, v.event, v.note);
    const n = ahead.successors(at);
    for (let s = 0; s < n; s++) this.send(i, me, rank, ahead.successor(at, s, next), next);
    return ahead.movable(at);
  }

  /** Successor `next` of local state i (global id `me`, of rank `rank` in its level) by alphabet
   *  event e: added here when this worker owns it, else queued for its owner. */
  private send(i: number, me: number, rank: number, e: number, next: Int32Array): void {
    const width = this.width;
    const q = this.owner(next);
    if (q === this.me) {
      this.link(i, e, this.addNew(next, me, e, rank));
      return;
    }
    const o2 = this.out[q];
    const sent = this.sent[q];
    if (o2 === undefined || !sent) return;
    const known = sent.lookup(next);
    if (known !== NOT_SENT) {
      // Sent before: at an earlier level (the peer holds it; its id is known when edges are
      // kept), or at this one (record ~known) from a state of lower rank.
      if (!this.linked) return;
      if (known >= 0) this.link(i, e, known);
      else this.pend(q, this.link(i, e, -1), ~known);
      return;
    }
    const k = o2.length / recordInts(width);
    o2.pushRecord(next, width, me, e, rank);
    if (!this.linked) {
      sent.remember(next, 0);
      return;
    }
    this.sentEntry[q]?.push(sent.remember(next, ~k));
    this.pend(q, this.link(i, e, -1), k);
  }

  /** Whether edges are kept (every successor, or liveness's rows). */
  private get linked(): boolean {
    return this.succ !== null || this.rows !== null;
  }

  /** Keeps the edge from local state i by alphabet event e to global id j (-1: not known yet);
   *  returns its place, for setLink() (-1 when no edges are kept). */
  private link(i: number, e: number, j: number): number {
    if (this.succ !== null) {
      this.succ[i * this.A + e] = j;
      return i * this.A + e;
    }
    return this.rows === null ? -1 : this.rows.add(j);
  }

  /** The edge at place `at` (link()) leads to global id j. */
  private setLink(at: number, j: number): void {
    if (this.succ !== null) this.succ[at] = j;
    else this.rows?.set(at, j);
  }

  /** The edge at place `at` gets the id peer q gives record k of this level. */
  private pend(q: number, at: number, k: number): void {
    const pairs = this.pending[q];
    pairs?.push(at);
    pairs?.push(k);
  }

  /** Takes in the peers' records (from[q]: peer q's, null for this worker); returns the global
   *  id of each (when edges are kept). */
  private receive(from: readonly ({ records: Int32Array; news: IdNews } | null)[]): (Int32Array | null)[] {
    const n = recordInts(this.width);
    const t = new Int32Array(this.width);
    const all = from.map((batch, q) => {
      const peer = this.peers[q];
      if (batch === null || peer === null || peer === undefined) return null;
      peer.learn(batch.news);
      const r = batch.records;
      const count = Math.floor(r.length / n);
      const ids = this.linked ? new Int32Array(new SharedArrayBuffer(count * 4)) : null;
      for (let k = 0; k < count; k++) {
        peer.tuple(r, k * n, t);
        const at = k * n + this.width;
        const g = this.addNew(t, r[at] ?? -1, r[at + 1] ?? -1, r[at + 2] ?? -1);
        if (ids !== null) ids[k] = g;
      }
      Atomics.add(this.beat, this.me, 1);
      return ids;
    });
    this.known();
    this.sortNext(this.levelTotal);
    return all;
  }

  /** The states of the next level this worker holds. */
  private levelSize(): number {
    return this.table.count - this.nextFrom;
  }

  /** The final report; `keys` (every worker's keys of the next level, when the level before was
   *  visited to its end and exchanged) rank the next level's states, left unvisited. */
  private finish(liveness: boolean, keys: readonly LevelKeys[] | null, stopReason: StopReason): Finished {
    const count = this.table.count;
    const tuples = this.table.tuples();
    const { violations, figures } = this.verdicts();
    // Views, not copies: their buffers move to the coordinator (transferable()), and this worker
    // holds nothing of the exploration after it.
    const ranks = this.ranks.subarray(0, count);
    // The next level is ranked when it is visited, or here when it is whole; else -1.
    if (keys !== null) this.rankNext(keys);
    else ranks.fill(-1, this.nextFrom);
    return {
      type: 'finished',
      tuples,
      stateBytes: this.table.bytes + this.parent.byteLength + this.parentEvent.byteLength + this.ranks.byteLength,
      peakLevelBytes: this.table.peakLevelBytes,
      parent: this.parent.subarray(0, count),
      parentEvent: this.parentEvent.subarray(0, count),
      succ: this.succ === null ? null : this.succ.slice(0, count * this.A),
      rows: liveness ? this.livenessRows(count) : null,
      levels: [...this.levels, this.nextFrom, count],
      ranks,
      violations,
      figures,
      goals: liveness ? this.goals(count) : {},
      news: [...this.news, this.log.news()],
      stopReason,
      edges: this.edges,
      stats: {
        misses: this.engine.stepper.misses,
        compiled: this.engine.compiled,
        flushes: this.engine.flushes,
        expandMs: this.expandMs,
        receiveMs: this.receiveMs,
        waitMs: this.links.waitMs - this.waitFrom,
        aheadMs: this.links.idleMs - this.idleFrom,
        ahead: this.ahead.visited,
        cpuMs: threadCpuMs() - this.cpuFrom,
        startCpuMs: this.startCpuMs,
      },
    };
  }

  /** The first violation of each property and the first figures, with local state indices. */
  private verdicts(): { violations: LocalViolation[]; figures: { property: string; value: number; state: number }[] } {
    // PropertyChecks.results() asks for the path to each violation, then to each figure, in
    // order: record the states it asks about.
    const asked: number[] = [];
    const results = this.checks.results(PROPERTIES, this.table.count, 'done', (i) => {
      asked.push(i);
      return [];
    });
    let k = 0;
    const violations: LocalViolation[] = [];
    for (const r of results) {
      if (r.verdict !== 'violated') continue;
      const state = asked[k++] ?? 0;
      const ev = r.counterexample?.[0];
      const event = ev === undefined ? -1 : this.d.alphabet.findIndex((x) => JSON.stringify(x) === JSON.stringify(ev));
      violations.push({ property: r.property, state, event, note: r.note });
    }
    const figures: { property: string; value: number; state: number }[] = [];
    for (const r of results)
      if (r.figure !== undefined) figures.push({ property: r.property, value: r.figure, state: asked[k++] ?? 0 });
    return { violations, figures };
  }

  /** The edges to other states (global ids): those kept as rows, one a visited state in the
   *  order visited (`states`), or made from every successor, row k for local state k. */
  private livenessRows(count: number): Finished['rows'] {
    if (this.rows !== null) return this.rows.blocks().map((b) => ({ ...b, states: b.states ?? null }));
    return this.succ === null
      ? null
      : [{ ...SuccessorRows.of(this.succ, count, this.A, this.me, this.W).rows(), states: null }];
  }

  /** Per 'eventually' property: which of the `count` local states are goals, as recorded when
   *  each was visited (every state is, in a complete search).
   *  @throws Error when no goals were recorded (no edges kept: no liveness to decide). */
  private goals(count: number): Record<string, Uint8Array> {
    const bits = this.goalBits;
    if (bits === null) throw new Error('split: liveness asked of a worker that kept no goals');
    const out: Record<string, Uint8Array> = {};
    this.checks.eventually.forEach((p, k) => {
      if (p.goal !== undefined) out[p.id] = bits.good(k, count);
    });
    return out;
  }
}

const data = workerData as SplitWorkerData;
const port = data.port;
const beat = new Int32Array(data.beat);
// So that the coordinator can tell when this thread is gone without a word (split.ts Crew).
Atomics.store(new Int32Array(data.tids), data.me, osThreadId());
const send = (m: FromWorker, transfer: ArrayBuffer[] = []) => {
  port.postMessage(m, transfer);
  Atomics.add(beat, data.me, 1);
  Atomics.add(beat, anyBeat(data.workers), 1);
  Atomics.notify(beat, anyBeat(data.workers));
};
const links = new PeerLinks(data.me, data.peers, new Int32Array(data.mail), beat, data.spin);

/** This thread's CPU milliseconds when the last exploration ended. */
let cpuEnded = 0;

port.on('message', (m: ToWorker) => {
  try {
    const part = new Part(m.exploration, data, cpuEnded, links);
    send({ type: 'ready' });
    // The whole search, in step with the peers; this thread's event loop waits meanwhile.
    const f = part.run(m.liveness);
    cpuEnded = threadCpuMs();
    send(f, transferable(f));
  } catch (e) {
    send({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
});

/** The buffers of a final report, moved to the coordinator rather than copied. */
function transferable(f: Finished): ArrayBuffer[] {
  const arrays = [
    ...(f.tuples === null ? [] : [f.tuples.data]),
    f.parent,
    f.parentEvent,
    f.ranks,
    ...(f.succ === null ? [] : [f.succ]),
    ...(f.rows ?? []).flatMap((b) => [b.start, b.targets, ...(b.states === null ? [] : [b.states])]),
    ...Object.values(f.goals),
  ];
  return arrays.map((a) => a.buffer).filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
}
