// `check`: explore every configuration of a matrix, check every property, compare the verdicts
// with the expected ones the project records (src/specs/expected.json), write counterexamples.
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { fullConfig, parseConfig, type ConfigInput } from '../config';
import { formatLog, logConfigKey } from '../log/parse';
import type { ExternalEvent } from '../events';
import { PROPERTIES, type Property } from '../specs/properties';
import { removeWrittenFile, writeFileAtomic } from '../util/atomic';
import { fileKind } from '../util/read';
import { coverage, type ActorCoverage } from './coverage';
import { explore, type PropertyResult } from './explore';

export interface RunOptions {
  properties?: readonly string[];
  maxStates?: number;
  maxMemoryBytes?: number;
  withCoverage?: boolean;
  /** Hash compaction (`check --hash-compact`; src/explore/fingerprints.ts). */
  hashCompact?: boolean;
  /** Spread each exploration over this many worker threads (src/explore/split.ts); 1 or absent:
   *  one thread each. Coverage (withCoverage) needs one engine: it explores in one thread. */
  split?: number;
}

/** One configuration explored: its verdicts and figures. */
export interface ConfigRun {
  /** The display name (src/config.ts Config.name): unique among the runs of one `check`. */
  config: string;
  /** The canonical key (Config.key): what expected verdicts are found by. */
  key: string;
  /** The canonical form (Config.canonical): the fewest settings that give this configuration. */
  canonical: ConfigInput;
  /** Every setting, resolved (src/config.ts fullConfig()): `check --json`'s `configuration`. */
  configuration: ConfigInput;
  /** The configuration as given, for writing logs back out. */
  input: ConfigInput;
  states: number;
  edges: number;
  seconds: number;
  complete: boolean;
  stopReason: string;
  results: PropertyResult[];
  coverage: ActorCoverage[] | null;
  /** With hash compaction: the probability that a state was missed (0 to 1; the birthday bound
   *  n(n - 1) / 2^65 over the 64-bit fingerprints of n states). Absent for an exact exploration. */
  missProbability?: number;
  /** Times the search emptied its step trie and step judgements at the memory budget rather than
   *  stop (src/explore/search.ts pollBudget); absent when it never did. */
  cacheFlushes?: number;
}

export function selectProperties(ids: readonly string[] | undefined): Property[] {
  if (ids === undefined || ids.length === 0) return [...PROPERTIES];
  return ids.map((id) => {
    const p = PROPERTIES.find((x) => x.id === id);
    if (p === undefined) throw new Error(`unknown property '${id}'; known: ${PROPERTIES.map((x) => x.id).join(', ')}`);
    return p;
  });
}

/** The memory budget of an exploration when none is given: a share of this thread's V8 heap
 *  limit, so that exploration stops with "incomplete" instead of dying of an out-of-memory abort
 *  (a large configuration, e.g. faults and wide memory bounds, fills a 4 GB heap in minutes). */
export const DEFAULT_MEMORY_SHARE = 0.5;
export function defaultMaxMemoryBytes(): number {
  return Math.floor(getHeapStatistics().heap_size_limit * DEFAULT_MEMORY_SHARE);
}

/** Explores one configuration in this thread. */
export function runConfig(
  input: ConfigInput,
  opts: RunOptions,
  shouldStop?: () => boolean,
  onProgress?: (states: number) => void,
): ConfigRun {
  const parsed = parseConfig(input);
  if (!parsed.ok)
    throw new Error(`invalid configuration: ${parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  const r = explore(parsed.config, {
    properties: selectProperties(opts.properties),
    ...(opts.maxStates === undefined ? {} : { maxStates: opts.maxStates }),
    maxMemoryBytes: opts.maxMemoryBytes ?? defaultMaxMemoryBytes(),
    ...(shouldStop === undefined ? {} : { shouldStop }),
    ...(onProgress === undefined ? {} : { onProgress }),
    ...(opts.hashCompact ? { hashCompact: true } : {}),
    ...(opts.split !== undefined && opts.split > 1 && !opts.withCoverage ? { split: opts.split } : {}),
  });
  return {
    ...identity(input),
    states: r.states,
    edges: r.edges,
    seconds: r.seconds,
    complete: r.complete,
    stopReason: r.stopReason,
    results: r.results,
    coverage: opts.withCoverage ? coverage(r.engine) : null,
    ...(r.missProbability === null ? {} : { missProbability: r.missProbability }),
    ...(r.cacheFlushes > 0 ? { cacheFlushes: r.cacheFlushes } : {}),
  };
}

export interface MatrixOptions extends RunOptions {
  /** Worker threads (default: one per core), one configuration each. An exploration is split over
   *  threads only when `split` asks: on this project's 2-core machine a split one is slower than
   *  one thread (README.md, "One configuration over several cores"). */
  workers?: number;
  /** Explore on worker threads even with one worker, so that this thread stays free to see
   *  Ctrl-C and `signal` can stop an exploration under way (the CLI sets it). */
  threads?: boolean;
  onDone?: (run: ConfigRun, done: number, total: number) => void;
  /** Called about twice a second with each exploration under way: its configuration's name and
   *  the states it has found so far (a single large configuration otherwise shows no progress for
   *  minutes). */
  onStates?: (underWay: readonly { config: string; states: number }[]) => void;
  /** Polled between configurations, and every few thousand states in this thread. */
  shouldStop?: () => boolean;
  /** Aborting it stops every exploration under way (they end "incomplete": interrupted) and
   *  starts no more. */
  signal?: AbortSignal;
  /** Nothing is explored before it resolves; the worker threads start loading at once, so that
   *  the caller can read the rest of its input meanwhile. When it rejects, the threads are stopped
   *  unused and runMatrix() rejects with its reason. */
  ready?: Promise<void>;
}

/** An exploration failed (a model error, or a worker that died). */
export class ExplorationError extends Error {
  constructor(
    readonly config: string,
    message: string,
  ) {
    super(`exploring '${config}': ${message}`);
  }
}

type WorkerReply = { ok: true; run: ConfigRun } | { ok: false; error: string };

function nameOf(input: ConfigInput): string {
  const p = parseConfig(input);
  return p.ok ? p.config.name : JSON.stringify(input);
}

/** A configuration's names: display name, canonical key and form, every setting. */
function identity(input: ConfigInput): Pick<ConfigRun, 'config' | 'key' | 'canonical' | 'configuration' | 'input'> {
  const p = parseConfig(input);
  if (!p.ok) throw new Error(`invalid configuration: ${p.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  return {
    config: p.config.name,
    key: p.config.key,
    canonical: p.config.canonical,
    configuration: fullConfig(p.config),
    input,
  };
}

/** A run for a configuration whose worker died (out of memory): every verdict incomplete. */
function diedRun(input: ConfigInput, opts: RunOptions, states: number, seconds: number, reason: string): ConfigRun {
  const ids = selectProperties(opts.properties).map((p) => p.id);
  return {
    ...identity(input),
    states,
    edges: 0,
    seconds,
    complete: false,
    stopReason: reason,
    results: ids.map((property) => ({
      property,
      verdict: 'incomplete',
      states,
      counterexample: null,
      note: `not decided: ${reason} after ${states} states`,
    })),
    coverage: null,
  };
}

/** Explores every configuration, on worker threads when workers > 1 (one configuration each). */
export async function runMatrix(inputs: readonly ConfigInput[], opts: MatrixOptions = {}): Promise<ConfigRun[]> {
  const requested = opts.workers ?? availableParallelism();
  const workers = Math.max(1, Math.min(requested, inputs.length));
  const split = opts.split ?? 1;
  const runs: (ConfigRun | undefined)[] = inputs.map(() => undefined);
  let done = 0;
  const finish = (i: number, run: ConfigRun) => {
    runs[i] = run;
    done++;
    opts.onDone?.(run, done, inputs.length);
  };
  const { onDone: _onDone, onStates, shouldStop, workers: _w, threads, signal, split: _s, ready, ...given } = opts;
  const runOpts: RunOptions = { ...given, ...(split > 1 ? { split } : {}) };
  // One flag shared with every worker: non-zero stops the explorations under way.
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const stopped = () => Atomics.load(stop, 0) !== 0 || signal?.aborted === true || shouldStop?.() === true;
  const onAbort = () => Atomics.store(stop, 0, 1);
  signal?.addEventListener('abort', onAbort);
  if (signal?.aborted) onAbort();
  try {
    if (workers === 1 && !threads) {
      await ready;
      for (let i = 0; i < inputs.length; i++) {
        if (stopped()) break;
        const input = inputs[i];
        if (input !== undefined) finish(i, runConfig(input, runOpts, stopped));
      }
      return runs.filter((r): r is ConfigRun => r !== undefined);
    }
    // A worker's heap must hold the memory budget: raise its limit when --max-memory asks for
    // more than the default heap allows.
    const heapMb = getHeapStatistics().heap_size_limit / (1024 * 1024);
    const wantMb =
      runOpts.maxMemoryBytes === undefined
        ? 0
        : Math.ceil(runOpts.maxMemoryBytes / (1024 * 1024) / DEFAULT_MEMORY_SHARE);
    const resourceLimits = wantMb > heapMb ? { maxOldGenerationSizeMb: wantMb } : undefined;
    let next = 0;
    let failure: ExplorationError | null = null;
    const inFlight: { progress: Int32Array; config: string | null }[] = [];
    const poll =
      onStates === undefined
        ? null
        : setInterval(
            () =>
              onStates(
                inFlight.flatMap((f) =>
                  f.config === null ? [] : [{ config: f.config, states: Atomics.load(f.progress, 0) }],
                ),
              ),
            500,
          );
    // The largest state spaces first (firmware faults, the pre-2024 generation), so that the
    // workers finish together rather than one waiting on the last big configuration.
    const weight = (c: ConfigInput): number =>
      (c.faults ? 4 : 0) + (c.elfcorehdr === 'at-registration' ? 2 : 0) + (c.registerAtBoot === false ? 1 : 0);
    const order = inputs.map((_, i) => i).sort((a, b) => weight(inputs[b] ?? {}) - weight(inputs[a] ?? {}) || a - b);
    await Promise.all(
      Array.from({ length: workers }, async () => {
        let w: Worker | null = null;
        const progress = new Int32Array(new SharedArrayBuffer(4));
        const slot: { progress: Int32Array; config: string | null } = { progress, config: null };
        inFlight.push(slot);
        const start = (): Worker =>
          new Worker(new URL('./worker-entry.mjs', import.meta.url), {
            workerData: { stop: stop.buffer, progress: progress.buffer },
            ...(resourceLimits ? { resourceLimits } : {}),
          });
        try {
          if (ready !== undefined) {
            w = start();
            await ready;
          }
          while (next < inputs.length && !stopped() && failure === null) {
            const i = order[next++] ?? 0;
            const input = inputs[i];
            if (input === undefined) continue;
            w ??= start();
            const worker: Worker = w;
            const started = performance.now();
            Atomics.store(progress, 0, 0);
            slot.config = nameOf(input);
            const reply = await new Promise<WorkerReply | { died: Error }>((resolve) => {
              const onMessage = (m: WorkerReply) => {
                worker.off('error', onError);
                worker.off('exit', onExit);
                resolve(m);
              };
              const onError = (e: Error) => {
                worker.off('message', onMessage);
                worker.off('exit', onExit);
                resolve({ died: e });
              };
              const onExit = (code: number) => {
                worker.off('message', onMessage);
                worker.off('error', onError);
                resolve({ died: new Error(`the worker thread exited (code ${code})`) });
              };
              worker.once('message', onMessage);
              worker.once('error', onError);
              worker.once('exit', onExit);
              worker.postMessage({ input, opts: runOpts });
            });
            slot.config = null;
            if ('died' in reply) {
              w = null;
              await worker.terminate();
              const code = (reply.died as NodeJS.ErrnoException).code;
              if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
                const states = Atomics.load(progress, 0);
                finish(
                  i,
                  diedRun(
                    input,
                    runOpts,
                    states,
                    (performance.now() - started) / 1000,
                    'out of memory (lower --max-memory)',
                  ),
                );
                continue;
              }
              failure ??= new ExplorationError(nameOf(input), reply.died.message);
              Atomics.store(stop, 0, 1);
              break;
            }
            if (!reply.ok) {
              failure ??= new ExplorationError(nameOf(input), reply.error);
              Atomics.store(stop, 0, 1);
              break;
            }
            Atomics.store(progress, 0, 0);
            slot.config = null;
            finish(i, reply.run);
          }
        } finally {
          if (w !== null) await w.terminate();
        }
      }),
    ).finally(() => {
      if (poll !== null) clearInterval(poll);
    });
    if (failure !== null) throw failure;
    return runs.filter((r): r is ConfigRun => r !== undefined);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

// Expected verdicts live in ./expected (re-exported here for the report and the scripts).
export {
  compare,
  EXPECTED_FILE,
  expectedFor,
  loadExpected,
  type Expected,
  type ExpectedEntry,
  type Mismatch,
} from './expected';

/** A configuration's name (or any text) as a file or folder name: runs of other characters than
 *  letters, digits, '.', '=' and '-' become one '_'; never starting with '.' or '_' (no hidden
 *  file, no '..' that would lead out of the output folder); 'config' when nothing is left. */
export function slug(text: string): string {
  const s = text
    .replace(/[^A-Za-z0-9.=-]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^[._]+|_+$/g, '');
  return s === '' ? 'config' : s;
}

/** The file stem of property `property`'s counterexample in configuration `config`:
 *  `<slug(config)>__<property>`, to which writeCounterexamples adds `.jsonl`. */
const counterexampleStem = (config: string, property: string) => `${slug(config)}__${property}`;

/** Writes each counterexample as a replayable log; returns the files by (config, property).
 *  Two configuration names can make the same file name (they differ only in punctuation): the
 *  second gets a suffix rather than overwriting the first; so does a name that something other
 *  than a regular file holds (a folder there made the write fail, exit 70, results lost). */
export function writeCounterexamples(
  runs: readonly Pick<ConfigRun, 'config' | 'input' | 'results'>[],
  outDir: string,
): Map<string, string> {
  const files = new Map<string, string>();
  const used = new Set<string>();
  for (const run of runs) {
    for (const r of run.results) {
      if (r.counterexample === null) continue;
      const stem = counterexampleStem(run.config, r.property);
      let name = `${stem}.jsonl`;
      for (let k = 2; used.has(name) || fileKind(join(outDir, name)) === 'other'; k++) name = `${stem}-${k}.jsonl`;
      used.add(name);
      const file = join(outDir, name);
      writeFileAtomic(file, formatLog(run.input, r.counterexample as ExternalEvent[]));
      files.set(`${run.config}\u0000${r.property}`, file);
    }
  }
  return files;
}

/**
 * Removes the counterexamples an earlier run wrote into `outDir` that this run's verdicts
 * contradict: `<slug(config)>__<property>.jsonl` where this run explored that configuration to the
 * end and the property holds there or does not apply (a file left there would read as a violation
 * that no longer happens), and the log's first line is this configuration (src/log/parse.ts
 * logConfigKey: two names can make one file name). Files this run wrote (`written`,
 * writeCounterexamples' result), files of configurations or properties it did not check, those of
 * explorations stopped part-way (their counterexample may still be one), every file of another
 * name (a suffixed one included) and anything there that is not a regular file
 * (src/util/atomic.ts removeWrittenFile) stay.
 * @returns the files removed, in the order of the runs and their results, and those that could
 *   not be, each with the fs error's code (EPERM, EACCES...).
 */
export function removeStaleCounterexamples(
  runs: readonly Pick<ConfigRun, 'config' | 'key' | 'complete' | 'results'>[],
  outDir: string,
  written: ReadonlyMap<string, string>,
): Removal {
  const keep = new Set(written.values());
  const stale: string[] = [];
  for (const run of runs) {
    if (!run.complete) continue;
    for (const r of run.results) {
      if (r.verdict !== 'holds' && r.verdict !== 'n/a') continue;
      const file = join(outDir, `${counterexampleStem(run.config, r.property)}.jsonl`);
      if (!keep.has(file) && logConfigKey(file) === run.key) stale.push(file);
    }
  }
  return removeFiles(stale);
}

/** What removing the files of an earlier run did: the files removed, and those that could not
 *  be with the fs error's code. */
export interface Removal {
  removed: string[];
  failed: { file: string; code: string }[];
}

/** Removes each of `files` that is a regular file (src/util/atomic.ts removeWrittenFile); one
 *  that cannot be removed is reported, not thrown, so that a run's results are still printed. */
export function removeFiles(files: readonly string[]): Removal {
  const removal: Removal = { removed: [], failed: [] };
  for (const file of files) {
    try {
      if (removeWrittenFile(file)) removal.removed.push(file);
    } catch (e) {
      removal.failed.push({ file, code: (e as NodeJS.ErrnoException).code ?? String(e) });
    }
  }
  return removal;
}

/** The lines that say what removing an earlier run's files did (`what` names the files and why
 *  they went, after "removed N ..."): none when nothing was to be removed. */
export function removalLines(r: Removal, what: (n: number) => string): string[] {
  return [
    ...(r.removed.length ? [`removed ${what(r.removed.length)}: ${r.removed.join(', ')}`] : []),
    ...r.failed.map((f) => `could not remove ${f.file} (${f.code}): it is left as it was`),
  ];
}

/** slug() of each name, the later of two equal ones (or one equal to a `reserved` stem) suffixed
 *  -2, -3...: file or folder names for one run's configurations that never overwrite each
 *  other. */
export function uniqueSlugs(names: readonly string[], reserved: readonly string[] = []): string[] {
  const used = new Set(reserved);
  return names.map((name) => {
    const base = slug(name);
    let s = base;
    for (let k = 2; used.has(s); k++) s = `${base}-${k}`;
    used.add(s);
    return s;
  });
}
