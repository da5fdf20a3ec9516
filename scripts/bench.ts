// `npm run bench`: the same model explored by the fast engine and by XState's own graph traversal
// (xstate/graph getAdjacencyMap, the former @xstate/graph), with states, seconds, states/s, the
// ratio, peak memory and bytes per state. A benchmark, not a test: numbers vary by machine.
import { availableParallelism } from 'node:os';
import { fromTransition } from 'xstate';
import { getAdjacencyMap } from 'xstate/graph';
import { ACTORS, createSystem, type SystemState } from '../machines/system';
import { config, type ConfigInput } from '../src/config';
import { toMachineEvent, type ExternalMachineEvent } from '../src/events';
import { alphabet } from '../src/explore/alphabet';
import { runMatrix } from '../src/explore/check';
import { explore } from '../src/explore/explore';
import { defaultMatrix } from '../src/explore/matrix';
import { canonicalJson } from '../src/util/canonical';

/** Small enough for XState's own traversal to finish in about a minute: both engines explore all
 *  of it, the fast engine from cold caches. */
const SHARED_CONFIG: ConfigInput = {
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

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;

function fastEngine(input: ConfigInput) {
  const c = config(input);
  let peak = process.memoryUsage().rss;
  const r = explore(c, { properties: [], onProgress: () => (peak = Math.max(peak, process.memoryUsage().rss)) });
  peak = Math.max(peak, process.memoryUsage().rss);
  const bytes = r.table.bytes + r.parent.byteLength + r.parentEvent.byteLength;
  return {
    states: r.states,
    edges: r.edges,
    seconds: r.seconds,
    peak,
    bytesPerState: bytes / r.states,
    engineBytes: r.engine.bytes,
    misses: r.engine.stepper.misses,
    compiled: r.engine.compiled,
  };
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

async function main(): Promise<void> {
  console.log(`machine: ${availableParallelism()} cores, node ${process.version}`);
  console.log(`model: the composed system (${ACTORS.length} actors, every alphabet event in every state)\n`);

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

  console.log(`2. a larger space, "${BENCH_CONFIG.name}", fast engine only (one core)`);
  const fast = fastEngine(BENCH_CONFIG);
  console.log(
    `  ${fmt(fast.states)} states, ${fmt(fast.edges)} transitions, ${fast.seconds.toFixed(2)} s: ${fmt(fast.states / fast.seconds)} states/s, ${fmt(fast.edges / fast.seconds)} transitions/s`,
  );
  console.log(
    `  XState actor steps computed ${fmt(fast.misses)}; system steps compiled ${fmt(fast.compiled)} (${((fast.compiled / fast.edges) * 100).toFixed(1)}% of transitions, the rest from the step trie)`,
  );
  console.log(
    `  peak RSS ${mib(fast.peak)}; ${fast.bytesPerState.toFixed(0)} bytes/state in the visited set and parent links; ${mib(fast.engineBytes)} in the step trie, outcomes and step caches`,
  );
  const budget = 1000;
  const xb = xstateGraph(BENCH_CONFIG, budget);
  console.log(
    `  xstate/graph on the same space (it would need hours), stopped after expanding ${fmt(budget)} states: ${fmt(xb.states)} states seen in ${xb.seconds.toFixed(2)} s, ${fmt(budget / xb.seconds)} states expanded/s`,
  );
  console.log(`  ratio of rates: ${(fast.states / fast.seconds / (budget / xb.seconds)).toFixed(0)}x\n`);

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
}

void main();
