// A soak: random walks through the composed system, millions of events, every property checked
// on the way, and the heap sampled to show it stays flat. It uses the fast engine (interned
// snapshots, cached steps: src/explore/engine.ts) and the very property objects the explorer
// checks (src/specs/properties.ts):
//  - state properties on every state the walk reaches;
//  - step properties on every step they trigger on, their monitors carried along the walk;
//  - every-event-handled on every step; no-deadlock on every state a random event does not leave
//    (there every event is tried); eventually-ready is a property of the whole graph, decided by
//    the explorer, not by a walk.
// The verdicts are pure functions of the state (of the pre-state, event and monitors, for a step),
// so they are memoised in bounded caches: every state and step is checked, each distinct one
// computed once per cache generation.
// A violation of a property the project expects to hold on that configuration
// (src/specs/expected.json) is an error, reported with the walk that led to it as an event log;
// one with no verdict recorded yet is listed, not judged (as `check` does).
// test/soak.test.ts runs 100,000 events; the full run is
//   npx tsx scripts/soak.ts [--events N] [--seed S]
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pathToFileURL } from 'node:url';
import { config as makeConfig, type Config, type ConfigInput } from '../src/config';
import type { ExternalEvent } from '../src/events';
import { alphabet } from '../src/explore/alphabet';
import { Engine } from '../src/explore/engine';
import { explore } from '../src/explore/explore';
import { expectedFor, loadExpected, type Expected } from '../src/explore/check';
import { defaultMatrix } from '../src/explore/matrix';
import { formatLog } from '../src/log/parse';
import { PROPERTIES, type Step, type StateProperty, type StepProperty } from '../src/specs/properties';
import { wholeNumberArg } from '../src/util/args';

export interface SoakOptions {
  events: number;
  seed: number;
  configs?: readonly ConfigInput[];
  /** The longest walk before starting again from power-off. */
  maxWalk?: number;
  /** Sample the heap every this many events. */
  sampleEvery?: number;
  /** The share of events before the heap is taken as warmed up. */
  warmup?: number;
  expected?: Expected;
  /** Explore each configuration first so that the engines are complete (default true). */
  prewarm?: boolean;
  onSample?: (s: HeapSample) => void;
}

export interface HeapSample {
  events: number;
  heapUsed: number;
  seconds: number;
  /** Engine steps computed through XState so far (the engines' caches grow with them). */
  compiled: number;
}

export interface SoakViolation {
  config: string;
  property: string;
  /** The walk from power-off to the violation, as an event log. */
  log: string;
}

export interface SoakResult {
  events: number;
  walks: number;
  seconds: number;
  /** Property checks made (state + step + handled + deadlock). */
  checks: number;
  /** Violations of properties expected to be violated on that configuration, by config and id. */
  expectedViolations: Record<string, Record<string, number>>;
  /** Violations of properties expected to hold: errors. */
  unexpected: SoakViolation[];
  /** Violations of properties with no verdict recorded for the configuration (src/specs/
   *  expected.json is behind the model): reported, not judged, as `check` does. */
  unrecorded: SoakViolation[];
  samples: HeapSample[];
  heapAtWarmup: number;
  heapMaxAfterWarmup: number;
  heapEnd: number;
  /** Whether samples were taken after a full garbage collection. */
  gcExposed: boolean;
  /** System steps the engines computed through XState (new (state, event) pairs met). */
  compiled: number;
  /** Seconds spent exploring the configurations before the walks (prewarm). */
  prewarmSeconds: number;
  configs: number;
}

/** A full GC, when V8 lets us have one (flags set at run time, without --expose-gc). */
function gcFunction(): (() => void) | null {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? () => void (gc as () => unknown)() : null;
  } catch {
    return null;
  }
}

/** xorshift32: deterministic for a seed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

interface Subject {
  config: Config;
  input: ConfigInput;
  engine: Engine;
  letters: readonly ExternalEvent[];
  stateProps: StateProperty[];
  stepProps: StepProperty[];
  /** triggers[e][k]: step property k is checked on letter e. */
  triggers: boolean[][];
  /** Expected verdict by property id (absent: nothing recorded). */
  expected: Record<string, string>;
  checksHandled: boolean;
  checksDeadlock: boolean;
  /** Key prefix of this subject's entries in the memo caches. */
  id: number;
}

/** The memo caches' bound: cleared when full, so memory stays flat whatever the walk. */
export const MEMO_ENTRIES = 20_000;

function remember<V>(m: Map<string, V>, key: string, v: V): void {
  if (m.size >= MEMO_ENTRIES) m.clear();
  m.set(key, v);
}

function subject(input: ConfigInput, expected: Expected, id: number, prewarm: boolean): Subject {
  const config = makeConfig(input);
  const letters = alphabet(config);
  // Prewarmed: the explorer walks the whole reachable graph once, so the engine has met every
  // (state, event) pair and the walks add nothing to it; every growth of the heap is a leak.
  const engine = prewarm ? explore(config, { properties: [], alphabet: letters }).engine : new Engine(config, letters);
  const applicable = PROPERTIES.filter((p) => p.notApplicable(config) === null);
  const stepProps = applicable.filter((p): p is StepProperty => p.kind === 'step');
  return {
    config,
    input,
    engine,
    letters,
    stateProps: applicable.filter((p): p is StateProperty => p.kind === 'state'),
    stepProps,
    triggers: letters.map((e) => stepProps.map((p) => p.triggers(e))),
    expected: expectedFor(expected, config) ?? {},
    checksHandled: applicable.some((p) => p.id === 'every-event-handled'),
    checksDeadlock: applicable.some((p) => p.id === 'no-deadlock'),
    id,
  };
}

export function soak(opts: SoakOptions): SoakResult {
  const t0 = performance.now();
  const expected = opts.expected ?? loadExpected();
  const subjects = (opts.configs ?? defaultMatrix()).map((c, i) => subject(c, expected, i, opts.prewarm ?? true));
  const stateCache = new Map<string, number>();
  const stepCache = new Map<string, { bad: number; monitors: Int32Array }>();
  const maxWalk = opts.maxWalk ?? 400;
  const sampleEvery = opts.sampleEvery ?? Math.max(1000, Math.floor(opts.events / 20));
  const warmupAt = Math.floor(opts.events * (opts.warmup ?? 0.2));
  const rand = rng(opts.seed);
  const gc = gcFunction();
  const prewarmSeconds = (performance.now() - t0) / 1000;
  const started = performance.now();

  const expectedViolations: Record<string, Record<string, number>> = {};
  const unexpected: SoakViolation[] = [];
  const unrecorded: SoakViolation[] = [];
  const seenUnexpected = new Set<string>();
  const samples: HeapSample[] = [];
  let heapAtWarmup = 0;
  let heapMaxAfterWarmup = 0;
  let checks = 0;
  let walks = 0;
  let events = 0;

  const sample = () => {
    gc?.();
    const s = {
      events,
      heapUsed: process.memoryUsage().heapUsed,
      seconds: (performance.now() - started) / 1000,
      compiled: subjects.reduce((n, sub) => n + sub.engine.compiled, 0),
    };
    samples.push(s);
    opts.onSample?.(s);
    if (events >= warmupAt) {
      if (heapAtWarmup === 0) heapAtWarmup = s.heapUsed;
      heapMaxAfterWarmup = Math.max(heapMaxAfterWarmup, s.heapUsed);
    }
  };
  sample();

  const walk: number[] = [];
  while (events < opts.events) {
    const sub = subjects[walks % subjects.length];
    if (sub === undefined) break;
    walks++;
    const { engine, letters, config } = sub;
    const A = letters.length;
    const cur = new Int32Array(engine.initialTuple());
    const next = new Int32Array(cur.length);
    const monitors = new Int32Array(sub.stepProps.length);
    const length = 1 + (rand() % maxWalk);
    walk.length = 0;

    const violate = (property: string) => {
      const want = sub.expected[property];
      if (want === 'violated') {
        const byConfig = (expectedViolations[config.name] ??= {});
        byConfig[property] = (byConfig[property] ?? 0) + 1;
        return;
      }
      const key = `${config.name}\u0000${property}`;
      if (seenUnexpected.has(key)) return;
      seenUnexpected.add(key);
      const v = {
        config: config.name,
        property,
        log: formatLog(
          sub.input,
          walk.map((k) => letters[k]).filter((e): e is ExternalEvent => e !== undefined),
        ),
      };
      // Nothing recorded yet (a new property or configuration): `check` reports those itself.
      if (want === undefined) unrecorded.push(v);
      else unexpected.push(v);
    };
    const checkState = (t: Int32Array) => {
      if (sub.stateProps.length === 0) return;
      checks += sub.stateProps.length;
      const key = `${sub.id}:${t.join(',')}`;
      let bad = stateCache.get(key);
      if (bad === undefined) {
        const s = engine.toState(t);
        bad = 0;
        sub.stateProps.forEach((p, k) => {
          if (!p.holds(s, config)) bad = (bad ?? 0) | (1 << k);
        });
        remember(stateCache, key, bad);
      }
      if (bad !== 0) sub.stateProps.forEach((p, k) => ((bad ?? 0) & (1 << k) ? violate(p.id) : undefined));
    };

    checkState(cur);
    for (let n = 0; n < length && events < opts.events; n++) {
      const e = rand() % A;
      const event = letters[e];
      if (event === undefined) break;
      let out;
      try {
        out = engine.edge(cur, e);
      } catch (err) {
        throw new Error(
          `soak: '${config.name}' threw on ${JSON.stringify(event)} after ${walk.length} events: ${err instanceof Error ? err.message : String(err)}\n${formatLog(
            sub.input,
            walk.map((k) => letters[k]).filter((x): x is ExternalEvent => x !== undefined),
          )}`,
          { cause: err },
        );
      }
      walk.push(e);
      events++;
      next.set(cur);
      Engine.apply(next, out);

      if (sub.checksHandled) {
        checks++;
        if (!out.handled && out.ignored.length === 0) violate('every-event-handled');
      }
      let moved = false;
      for (let k = 0; k < cur.length; k++) if (next[k] !== cur[k]) moved = true;
      if (!moved && sub.checksDeadlock) {
        // A state the random event did not leave: does any event leave it?
        checks++;
        let any = false;
        const probe = new Int32Array(cur.length);
        for (let f = 0; f < A && !any; f++) {
          probe.set(cur);
          Engine.apply(probe, engine.edge(cur, f));
          for (let k = 0; k < cur.length; k++) if (probe[k] !== cur[k]) any = true;
        }
        if (!any) violate('no-deadlock');
      }

      const trig = sub.triggers[e];
      if (trig !== undefined && trig.some(Boolean)) {
        checks += trig.filter(Boolean).length;
        // (pre-state, event, monitors) fixes the step and so its verdicts and next monitors.
        const key = `${sub.id}:${cur.join(',')}|${e}|${monitors.join(',')}`;
        let r = stepCache.get(key);
        if (r === undefined) {
          const step: Step = {
            pre: engine.toState(cur),
            event,
            post: engine.toState(next),
            handled: out.handled,
            errno: out.errno,
            ignored: out.ignored,
          };
          let bad = 0;
          const after = Int32Array.from(monitors);
          sub.stepProps.forEach((p, k) => {
            if (!trig[k]) return;
            const m = monitors[k] ?? 0;
            if (!p.holds(step, m, config)) bad |= 1 << k;
            if (p.monitor) after[k] = p.monitor(m, step, config);
          });
          r = { bad, monitors: after };
          remember(stepCache, key, r);
        }
        const { bad } = r;
        if (bad !== 0) sub.stepProps.forEach((p, k) => (bad & (1 << k) ? violate(p.id) : undefined));
        monitors.set(r.monitors);
      }
      checkState(next);
      cur.set(next);
      if (events % sampleEvery === 0) sample();
    }
  }
  sample();
  const last = samples[samples.length - 1];
  return {
    events,
    walks,
    seconds: (performance.now() - started) / 1000,
    checks,
    expectedViolations,
    unexpected,
    unrecorded,
    samples,
    heapAtWarmup,
    heapMaxAfterWarmup,
    heapEnd: last?.heapUsed ?? 0,
    gcExposed: gc !== null,
    compiled: subjects.reduce((n, sub) => n + sub.engine.compiled, 0),
    prewarmSeconds,
    configs: subjects.length,
  };
}

const MB = (b: number) => `${(b / (1024 * 1024)).toFixed(1)} MB`;

export function formatSoak(r: SoakResult): string {
  const lines = [
    `${r.configs} configurations explored first in ${r.prewarmSeconds.toFixed(1)} s`,
    `${r.events} events in ${r.walks} walks, ${r.seconds.toFixed(1)} s (${Math.round(r.events / r.seconds)} events/s), ${r.checks} property checks, ${r.compiled} distinct system steps computed through XState`,
    `heap${r.gcExposed ? ' (after a full GC)' : ''}: start ${MB(r.samples[0]?.heapUsed ?? 0)}, after warm-up ${MB(r.heapAtWarmup)}, max after warm-up ${MB(r.heapMaxAfterWarmup)}, end ${MB(r.heapEnd)} (heap limit ${MB(getHeapStatistics().heap_size_limit)})`,
  ];
  const exp = Object.entries(r.expectedViolations).map(
    ([c, ps]) =>
      `  ${c}: ${Object.entries(ps)
        .map(([p, n]) => `${p} x${n}`)
        .join(', ')}`,
  );
  if (exp.length) lines.push('violations the project expects (src/specs/expected.json):', ...exp);
  if (r.unexpected.length === 0) lines.push('no violation of a property expected to hold');
  for (const u of r.unexpected)
    lines.push(`UNEXPECTED: ${u.property} violated on '${u.config}'; the walk:`, u.log.trimEnd());
  if (r.unrecorded.length)
    lines.push(
      `violated, with no verdict recorded in src/specs/expected.json (check reports these): ${r.unrecorded.map((u) => `${u.property} @ ${u.config}`).join('; ')}`,
    );
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const events = wholeNumberArg('events', 1_000_000);
  const seed = wholeNumberArg('seed', 1);
  process.stdout.write(`soak: ${events} events, seed ${seed}\n`);
  const r = soak({
    events,
    seed,
    onSample: (s) =>
      process.stdout.write(
        `  ${String(s.events).padStart(9)} events  ${s.seconds.toFixed(1).padStart(6)} s  heap ${MB(s.heapUsed)}  steps computed ${s.compiled}\n`,
      ),
  });
  process.stdout.write(`${formatSoak(r)}\n`);
  process.exitCode = r.unexpected.length ? 1 : 0;
}
