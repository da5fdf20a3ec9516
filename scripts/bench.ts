// `npm run bench`: the same model explored by the fast engine and by XState's own graph traversal
// (xstate/graph getAdjacencyMap, the former @xstate/graph), with states, seconds, states/s, the
// ratio, peak memory and bytes per state, and the ceiling for the explored graph: a plain
// breadth-first search over it stored as a CSR successor array. A benchmark, not a test: numbers
// vary by machine. `--quick` runs part 2 alone on the default matrix's pSeries firmware-faults space
// (seconds, to see that the script works); `--split` runs part 4 alone (one exploration over two
// worker threads, and the ceiling for it: two independent explorations at once against one).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Command, CommanderError } from 'commander';
import { fromTransition } from 'xstate';
import { getAdjacencyMap } from 'xstate/graph';
import { ACTORS, createSystem, type SystemState } from '../machines/system';
import { config, type ConfigInput } from '../src/config';
import { toMachineEvent, type ExternalMachineEvent } from '../src/events';
import { alphabet } from '../src/explore/alphabet';
import { runMatrix } from '../src/explore/check';
import { explore, type Exploration } from '../src/explore/explore';
import { defaultMatrix } from '../src/explore/matrix';
import { closeSplitWorkers, lastSplitStats, lastSplitTimes } from '../src/explore/split';
import { threadCpuMs } from '../src/util/cpu';
import { canonicalJson } from '../src/util/canonical';

/** Small enough for XState's own traversal to finish in a few minutes (15,714 states on
 *  2026-12-01): both engines explore all of it, the fast engine from cold caches. (The pSeries
 *  faults configuration of earlier runs grew to 75,168 states once the LMB pinned by boot
 *  allocations became part of the kernel's state, past what xstate/graph finishes in 20 minutes;
 *  `--quick` still runs on it.) */
const SHARED_CONFIG: ConfigInput = {
  name: 'powernv in-capture-kernel fadump=on 16G faults',
  platform: 'powernv',
  elfcorehdr: 'in-capture-kernel',
  faults: true,
  memoryMiB: 16384,
};

/** `--quick`'s space: part 2 alone on it, in seconds. */
const QUICK_CONFIG: ConfigInput = {
  name: 'pseries in-capture-kernel fadump=on 8G faults',
  platform: 'pseries',
  elfcorehdr: 'in-capture-kernel',
  faults: true,
};

/** A larger space for the fast engine's absolute figures. */
const BENCH_CONFIG: ConfigInput = {
  name: 'bench: pseries at-registration faults, 7.5-8.5 GiB',
  platform: 'pseries',
  elfcorehdr: 'at-registration',
  faults: true,
  memoryMiB: 8192,
  minMemoryMiB: 7680,
  maxMemoryMiB: 8704,
};

/** Part 4's space, for ONE exploration over two worker threads: bench's space with a wider
 *  memory range, 563,454 states and 14,086,350 transitions (measured 2026-12-01). */
const SPLIT_CONFIG: ConfigInput = {
  ...BENCH_CONFIG,
  name: 'bench: pseries at-registration faults, 7.5-8.75 GiB',
  maxMemoryMiB: 8960,
};

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;

function fastEngine(input: ConfigInput) {
  const c = config(input);
  let peak = process.memoryUsage().rss;
  const r = explore(c, { properties: [], onProgress: () => (peak = Math.max(peak, process.memoryUsage().rss)) });
  peak = Math.max(peak, process.memoryUsage().rss);
  const bytes = r.table.bytes + r.parent.byteLength + r.parentEvent.byteLength;
  return {
    exploration: r,
    states: r.states,
    edges: r.edges,
    seconds: r.seconds,
    peak,
    bytesPerState: bytes / r.states,
    engineBytes: r.engine.bytes,
    misses: r.engine.stepper.misses,
    memoHits: r.engine.stepper.memoHits,
    compiled: r.engine.compiled,
    trieNodes: r.engine.trieNodes,
    outcomes: r.engine.outcomes,
  };
}

/** Part 2's explorations of its space, each with a new engine: it reports the fastest. */
const EXPLORATIONS = 3;

/** An explored graph as a CSR successor array: state i's successors are
 *  targets[offsets[i] .. offsets[i + 1]), one per alphabet event, self-loops included, so that a
 *  search over it follows exactly the transitions the engine followed (Exploration.edges). */
interface Csr {
  offsets: Int32Array;
  targets: Int32Array;
  /** Seconds to recompute the successors with the engine, its caches and trie warm. */
  seconds: number;
}

/**
 * The successor relation of a complete exploration, recomputed once from its visited set: every
 * state's tuple, every alphabet event's outcome (the engine's step trie, warm now), the target
 * found in the visited set. The engine's run itself is measured without keeping edges.
 * @throws Error when a successor is not among the explored states (the exploration was not complete).
 */
function toCsr(r: Exploration): Csr {
  const started = performance.now();
  const n = r.states;
  const A = r.alphabet.length;
  const offsets = new Int32Array(n + 1);
  const targets = new Int32Array(n * A);
  const cur = new Int32Array(r.width);
  const next = new Int32Array(r.width);
  let k = 0;
  for (let i = 0; i < n; i++) {
    offsets[i] = k;
    r.table.get(i, cur);
    for (let e = 0; e < A; e++) {
      r.engine.edgeId(cur, e);
      next.set(cur);
      r.engine.applyEdge(next);
      const j = r.table.find(next);
      if (j < 0) throw new Error(`state ${i}, event ${e}: the successor is not among the explored states`);
      targets[k++] = j;
    }
  }
  offsets[n] = k;
  return { offsets, targets, seconds: (performance.now() - started) / 1000 };
}

/** A plain breadth-first search from state 0 over a CSR graph: a Uint8Array visited bitmap and an
 *  Int32Array queue, nothing else. Returns the states visited and the transitions followed. */
function plainBfs(g: Csr): { states: number; transitions: number } {
  const n = g.offsets.length - 1;
  const visited = new Uint8Array(n);
  const queue = new Int32Array(n);
  const { offsets, targets } = g;
  let head = 0;
  let tail = 0;
  let transitions = 0;
  queue[tail++] = 0;
  visited[0] = 1;
  while (head < tail) {
    const i = queue[head++] ?? 0;
    const end = offsets[i + 1] ?? 0;
    for (let k = offsets[i] ?? 0; k < end; k++) {
      const j = targets[k] ?? 0;
      transitions++;
      if (visited[j] === 0) {
        visited[j] = 1;
        queue[tail++] = j;
      }
    }
  }
  return { states: tail, transitions };
}

/** The ceiling: the fastest of `runs` plain searches over the CSR graph (seconds, states, transitions). */
function ceiling(g: Csr, runs: number): { seconds: number; states: number; transitions: number } {
  let best = Infinity;
  let last = { states: 0, transitions: 0 };
  for (let k = 0; k < runs; k++) {
    const t = performance.now();
    last = plainBfs(g);
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  return { seconds: best, ...last };
}

/** XState's traversal; with `budget`, it stops expanding states once that many were seen (its own
 *  `limit` option throws instead of returning), which measures its rate on a space it cannot finish. */
function xstateGraph(input: ConfigInput, budget = Infinity) {
  const c = config(input);
  const system = createSystem(c);
  const events = alphabet(c).map(toMachineEvent);
  const logic = fromTransition(
    (state: SystemState, event: ExternalMachineEvent) => system.step(state, event).state,
    system.initial(),
  );
  const started = performance.now();
  let seen = 0;
  const map = getAdjacencyMap(logic, {
    events,
    stopWhen: () => ++seen > budget,
    serializeState: (s) =>
      canonicalJson({
        a: ACTORS.map((a) => ({ v: s.context.actors[a].value, c: s.context.actors[a].context })),
        d: s.context.dump,
      }),
    serializeEvent: (e) => canonicalJson(e),
  });
  const seconds = (performance.now() - started) / 1000;
  return { states: Object.keys(map).length, seconds };
}

/** (issue 17, "Memory") One line: the same space explored again with hash compaction
 *  (`check --hash-compact`, src/explore/fingerprints.ts), cold caches as the exact run had: its
 *  states (`exactStates` when nothing was missed), seconds, bytes a state in the fingerprints and
 *  parent links and at the queue's peak, and the probability that a state was missed. */
function hashCompactLine(input: ConfigInput, exactStates: number): void {
  const r = explore(config(input), { properties: [], hashCompact: true });
  const queue = r.peakQueueBytes / r.states;
  console.log(
    `  hash-compact (64-bit fingerprints): ${fmt(r.states)} states${r.states === exactStates ? ' (the same)' : ` (exact: ${fmt(exactStates)})`}, ${r.seconds.toFixed(2)} s, ${fmt(r.states / r.seconds)} states/s; ${r.bytesPerState.toFixed(1)} bytes/state in the fingerprints and parent links, ${(r.bytesPerState + queue).toFixed(1)} with the queue of unexpanded states at its peak (${queue.toFixed(1)}); probability that a state was missed ${(r.missProbability ?? 0).toExponential(1)} (n(n - 1)/2^65)`,
  );
}

/** Part 2: the fast engine on `input` (one core), the ceiling of its graph, and xstate/graph's
 *  rate over its first `budget` states. */
function part2(input: ConfigInput, budget: number, title: string): void {
  console.log(`2. ${title}, "${input.name ?? ''}", fast engine only (one core)`);
  // Fastest of EXPLORATIONS, each with a new engine (its XState steps, trie and caches from
  // nothing), as the ceiling below is the fastest of its runs: on a shared host one run's time
  // swings by a third.
  const tries = Array.from({ length: EXPLORATIONS }, () => fastEngine(input));
  const fast = tries.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const fastRate = fast.states / fast.seconds;
  const times = tries.map((t) => t.seconds.toFixed(2)).join(', ');
  console.log(
    `  ${fmt(fast.states)} states, ${fmt(fast.edges)} transitions, fastest of ${EXPLORATIONS} explorations from cold caches (${times} s): ${fast.seconds.toFixed(2)} s, ${fmt(fastRate)} states/s, ${fmt(fast.edges / fast.seconds)} transitions/s`,
  );
  console.log(
    `  XState actor steps computed ${fmt(fast.misses)} (${fmt(fast.memoHits)} more answered by the steps kept under what they read of the context, src/explore/context-reads.ts); system steps compiled ${fmt(fast.compiled)} (one transition in ${fmt(fast.edges / Math.max(1, fast.compiled))}, the rest walk the step trie: ${fmt(fast.trieNodes)} nodes, ${fmt(fast.outcomes)} outcomes)`,
  );
  console.log(
    `  peak RSS ${mib(fast.peak)}; ${fast.bytesPerState.toFixed(0)} bytes/state in the visited set and parent links; ${mib(fast.engineBytes)} in the step trie, step tables, outcomes and step caches`,
  );
  hashCompactLine(input, fast.states);
  const xb = xstateGraph(input, budget);
  const xRate = budget / xb.seconds;
  console.log(
    `  xstate/graph on the same space${budget >= 1000 ? ' (it would need hours)' : ''}, stopped after expanding ${fmt(budget)} states: ${fmt(xb.states)} states seen in ${xb.seconds.toFixed(2)} s, ${fmt(xRate)} states expanded/s`,
  );
  console.log(`  ratio of rates: ${(fastRate / xRate).toFixed(0)}x`);
  if (!fast.exploration.complete) {
    console.log(`  (no ceiling: the exploration stopped part-way, ${fast.exploration.stopReason})\n`);
    return;
  }
  const csr = toCsr(fast.exploration);
  const runs = 5;
  const c = ceiling(csr, runs);
  if (c.states !== fast.states || c.transitions !== fast.edges)
    throw new Error(
      `the plain search visited ${c.states} states and ${c.transitions} transitions, the engine ${fast.states} and ${fast.edges}`,
    );
  const ceilingRate = c.states / c.seconds;
  console.log(
    `  ceiling for this graph in JS: a plain BFS over it as a CSR successor array (Int32Array offsets and targets, ${mib(csr.offsets.byteLength + csr.targets.byteLength)}; a Uint8Array visited bitmap, an Int32Array queue), the same ${fmt(c.states)} states and ${fmt(c.transitions)} transitions, fastest of ${runs}: ${(c.seconds * 1000).toFixed(1)} ms, ${fmt(ceilingRate)} states/s, ${fmt(c.transitions / c.seconds)} transitions/s`,
  );
  console.log(
    `  the engine runs at ${((fastRate / ceilingRate) * 100).toFixed(2)}% of the ceiling (1/${(ceilingRate / fastRate).toFixed(0)}), xstate/graph at ${((xRate / ceilingRate) * 100).toFixed(4)}%; recomputing the successors with the engine warm (trie and caches filled, no visited-set inserts) took ${csr.seconds.toFixed(2)} s, ${fmt(fast.states / csr.seconds)} states/s\n`,
  );
}

/** Rounds of part 4 after the first split (on new threads). */
const SPLIT_ROUNDS = 3;

/** Part 4: ONE exploration of SPLIT_CONFIG split over `workers` worker threads
 *  (src/explore/split.ts), no properties: first on new threads (they load the model and compile
 *  their code first), then SPLIT_ROUNDS rounds, each timing, one after the other, one thread (this
 *  one, its JIT warm), the split on the same threads, which split.ts keeps (each time with new
 *  engines, as the one thread's), and its ceiling (CeilingThreads: against the same single run as
 *  the split's speed-up). The host's two cores are not always equal: when both are busy one can
 *  run at two thirds of the other's speed for seconds at a time (2026-12-03: two independent
 *  explorations at once, 3.9 s to 4.5 s and 6.3 s to 7.2 s), which no split of one exploration
 *  into halves escapes. A round measures the split and its ceiling close together in time; the
 *  summary gives the medians and the split's share of its ceiling. Wall times, with CPU times
 *  beside them: this thread's for the single run, each worker's for the split ones
 *  (/proc/thread-self/stat); they are inflated too when both cores are busy. */
async function splitBench(workers: number): Promise<void> {
  console.log(`4. ONE exploration over ${workers} worker threads, "${SPLIT_CONFIG.name}"`);
  const c = config(SPLIT_CONFIG);
  const first = explore(c, { properties: [] });
  closeSplitWorkers();
  const fresh = explore(c, { properties: [], split: workers });
  sameSpace(fresh, first);
  console.log(
    `  ${workers} workers, new threads (a warm-up, not in the rounds): ${fmt(fresh.states)} states, ${fmt(fresh.edges)} transitions, ${fresh.seconds.toFixed(2)} s wall, ${fmt(fresh.states / fresh.seconds)} states/s; 1 thread (its first exploration) ${first.seconds.toFixed(2)} s`,
  );
  printSplitStats();
  const ceiling = new CeilingThreads(SPLIT_CONFIG, workers, first.states);
  const rounds: { speedUp: number; ceiling: number }[] = [];
  try {
    await ceiling.warm();
    for (let r = 1; r <= SPLIT_ROUNDS; r++) {
      const cpu0 = threadCpuMs();
      const one = explore(c, { properties: [] });
      const oneCpu = threadCpuMs() - cpu0;
      const two = explore(c, { properties: [], split: workers });
      sameSpace(two, one);
      const maxCpu = Math.max(...lastSplitStats.map((w) => w.cpuMs));
      const together = await ceiling.measure();
      // The ceiling against the same single run as the speed-up: a split into halves can at best
      // take half the time of the slower of the explorations at once.
      const most = (workers * one.seconds) / Math.max(...together);
      const speedUp = one.seconds / two.seconds;
      rounds.push({ speedUp, ceiling: most });
      console.log(
        `  round ${r}: 1 thread (JIT warm) ${one.seconds.toFixed(2)} s wall (${(oneCpu / 1000).toFixed(2)} s CPU), ${fmt(one.states / one.seconds)} states/s; ${workers} workers (kept threads) ${two.seconds.toFixed(2)} s wall, ${fmt(two.states / two.seconds)} states/s: ${speedUp.toFixed(2)}x wall, ${(oneCpu / maxCpu).toFixed(2)}x by CPU time (the single thread's CPU over the busiest worker's: above ${workers}x when the host slowed the single run)`,
      );
      printSplitStats();
      console.log(
        `    its ceiling: ${workers} explorations of this space at once, one a worker thread, ${together.map((t) => t.toFixed(2)).join(' s and ')} s: the split could at best take ${(Math.max(...together) / workers).toFixed(2)} s, ${most.toFixed(2)}x this round's single thread; it took ${two.seconds.toFixed(2)} s, ${((100 * speedUp) / most).toFixed(0)}% of the ceiling`,
      );
    }
  } finally {
    await ceiling.close();
    closeSplitWorkers();
  }
  const speedUps = rounds.map((r) => r.speedUp);
  const ceilings = rounds.map((r) => r.ceiling);
  const shares = rounds.map((r) => r.speedUp / r.ceiling);
  console.log(
    `  over ${rounds.length} rounds, the split: ${median(speedUps).toFixed(2)}x (median; ${range(speedUps)}); its ceiling ${median(ceilings).toFixed(2)}x (${range(ceilings)}); the split reached ${(100 * median(shares)).toFixed(0)}% of its ceiling (median of the rounds)\n`,
  );
}

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
};

/** "lo x to hi x" of speed-ups. */
const range = (xs: readonly number[]): string => `${Math.min(...xs).toFixed(2)}x to ${Math.max(...xs).toFixed(2)}x`;

/** @throws Error when the split found another space than the single thread (a bug). */
function sameSpace(two: Exploration, one: Exploration): void {
  if (two.states !== one.states || two.edges !== one.edges)
    throw new Error(
      `split: ${two.states} states and ${two.edges} transitions, one thread ${one.states} and ${one.edges}`,
    );
}

/** Each worker's figures from the last split exploration, and this thread's phases. */
function printSplitStats(): void {
  lastSplitStats.forEach((w, i) =>
    console.log(
      `    worker ${i}: ${fmt(w.states)} states, ${w.levels} levels, XState actor steps ${fmt(w.misses)}, system steps compiled ${fmt(w.compiled)}; ${(w.expandMs / 1000).toFixed(2)} s visiting, ${(w.receiveMs / 1000).toFixed(2)} s taking in peers' states, ${(w.aheadMs / 1000).toFixed(2)} s visiting ${fmt(w.ahead)} states ahead while they came, ${(w.waitMs / 1000).toFixed(2)} s waiting for them (wall), ${(w.cpuMs / 1000).toFixed(2)} s CPU of which ${(w.startCpuMs / 1000).toFixed(2)} s starting`,
    ),
  );
  const t = lastSplitTimes;
  console.log(
    `    this thread: ${(t.startMs / 1000).toFixed(2)} s until every worker was ready, ${(t.searchMs / 1000).toFixed(2)} s until the last report, ${(t.afterMs / 1000).toFixed(2)} s merging the reports (wall)`,
  );
}

/** The most a split over `workers` threads can gain on this machine as it is now: `workers`
 *  independent explorations of the same space at once, one a worker thread
 *  (scripts/bench-worker.mjs); a split into halves takes at best half the slower one's time.
 *  Every thread explores once before it is timed (warm(): its JIT warm, its engine new each time,
 *  as in part 2), so that it does not pay for starting. Busy threads share the caches and the memory bus (and on a
 *  shared host, whatever else runs, and a core the host slows): what they lose there is lost by
 *  any split too. */
class CeilingThreads {
  private readonly threads: Worker[];

  /** `states`: the states each exploration must find. */
  constructor(
    private readonly input: ConfigInput,
    workers: number,
    private readonly states: number,
  ) {
    this.threads = Array.from({ length: workers }, () => new Worker(new URL('./bench-worker.mjs', import.meta.url)));
  }

  /** One exploration on every thread at once, not timed. */
  async warm(): Promise<void> {
    await Promise.all(this.threads.map((w) => this.explore1(w)));
  }

  /** One exploration on every thread at once: their wall times (s). */
  async measure(): Promise<number[]> {
    return Promise.all(this.threads.map((w) => this.explore1(w)));
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((w) => w.terminate()));
  }

  /** One exploration on thread w: its wall time (s).
   *  @throws Error when it finds another number of states, or the thread fails. */
  private explore1(w: Worker): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      w.once('message', (m: { seconds: number; states: number }) =>
        m.states === this.states ? resolve(m.seconds) : reject(new Error(`${m.states} states, not ${this.states}`)),
      );
      w.once('error', reject);
      w.postMessage(this.input);
    });
  }
}

async function main(): Promise<void> {
  const program = new Command('bench')
    .description('the fast engine against xstate/graph, the plain-BFS ceiling, worker threads')
    .option(
      '--quick',
      "part 2 only, on the default matrix's pSeries firmware-faults space (seconds): to see that the script works",
    )
    .option('--split', 'part 4 only: one exploration over two worker threads')
    .exitOverride()
    .configureOutput({ writeErr: (t) => process.stderr.write(t) });
  try {
    program.parse(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
    throw e;
  }
  const flags = program.opts<{ quick?: boolean; split?: boolean }>();
  const quick = flags.quick === true;
  const splitWorkers = Math.min(2, availableParallelism());
  console.log(`machine: ${availableParallelism()} cores, node ${process.version}`);
  console.log(`model: the composed system (${ACTORS.length} actors, every alphabet event in every state)\n`);
  if (flags.split === true) {
    await splitBench(splitWorkers);
    return;
  }
  if (quick) {
    part2(QUICK_CONFIG, 200, "--quick: the default matrix's pSeries firmware-faults space");
    return;
  }

  console.log(`1. the same model, "${SHARED_CONFIG.name}", explored completely by both`);
  const fastShared = fastEngine(SHARED_CONFIG);
  console.log(
    `  fast engine:   ${fmt(fastShared.states)} states, ${fmt(fastShared.edges)} transitions, ${fastShared.seconds.toFixed(2)} s, ${fmt(fastShared.states / fastShared.seconds)} states/s (cold caches: every actor step computed by XState once)`,
  );
  const x = xstateGraph(SHARED_CONFIG);
  console.log(
    `  xstate/graph:  ${fmt(x.states)} states, ${x.seconds.toFixed(2)} s, ${fmt(x.states / x.seconds)} states/s (getAdjacencyMap, transition() per actor step)`,
  );
  const ratio = fastShared.states / fastShared.seconds / (x.states / x.seconds);
  console.log(
    `  ratio: ${ratio.toFixed(0)}x${fastShared.states === x.states ? '' : `  (state counts differ: ${fastShared.states} vs ${x.states})`}\n`,
  );

  part2(BENCH_CONFIG, 1000, 'a larger space');

  console.log(
    '3. worker threads: one configuration per worker (on threads in both runs, so that both pay the same start-up)',
  );
  const pairs: [string, ConfigInput[]][] = [
    ['the default matrix', defaultMatrix()],
    [
      'two large spaces',
      [
        BENCH_CONFIG,
        {
          ...BENCH_CONFIG,
          name: 'bench: pseries at-registration faults, 15.5-16.5 GiB',
          memoryMiB: 16384,
          minMemoryMiB: 15872,
          maxMemoryMiB: 16896,
        },
      ],
    ],
  ];
  for (const [what, inputs] of pairs) {
    const walls: number[] = [];
    for (const workers of [1, Math.min(2, availableParallelism())]) {
      const t = performance.now();
      const runs = await runMatrix(inputs, { workers, threads: true });
      const s = (performance.now() - t) / 1000;
      walls.push(s);
      const states = runs.reduce((n, r) => n + r.states, 0);
      console.log(
        `  ${what} (${inputs.length} configurations, every property), ${workers} worker(s): ${s.toFixed(2)} s wall, ${fmt(states)} states`,
      );
    }
    const [one, two] = walls;
    if (one !== undefined && two !== undefined) console.log(`  speed-up: ${(one / two).toFixed(2)}x`);
  }
  console.log('');
  await splitBench(splitWorkers);
}

void main();
