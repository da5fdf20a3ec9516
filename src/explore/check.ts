// `check`: explore every configuration of a matrix, check every property, compare the verdicts
// with the expected ones the project records (src/specs/expected.json), write counterexamples.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import { parseConfig, type ConfigInput } from '../config';
import { formatLog } from '../log/parse';
import type { ExternalEvent } from '../events';
import { PROPERTIES, type Property } from '../specs/properties';
import { writeFileAtomic } from '../util/atomic';
import { coverage, type ActorCoverage } from './coverage';
import { explore, type PropertyResult, type Verdict } from './explore';

export interface RunOptions {
  properties?: readonly string[];
  maxStates?: number;
  maxMemoryBytes?: number;
  withCoverage?: boolean;
}

export interface ConfigRun {
  config: string;
  input: ConfigInput;
  states: number;
  edges: number;
  seconds: number;
  complete: boolean;
  stopReason: string;
  results: PropertyResult[];
  coverage: ActorCoverage[] | null;
}

export function selectProperties(ids: readonly string[] | undefined): Property[] {
  if (ids === undefined || ids.length === 0) return [...PROPERTIES];
  return ids.map((id) => {
    const p = PROPERTIES.find((x) => x.id === id);
    if (p === undefined) throw new Error(`unknown property '${id}'; known: ${PROPERTIES.map((x) => x.id).join(', ')}`);
    return p;
  });
}

/** Explores one configuration in this thread. */
export function runConfig(input: ConfigInput, opts: RunOptions, shouldStop?: () => boolean): ConfigRun {
  const parsed = parseConfig(input);
  if (!parsed.ok) throw new Error(`invalid configuration: ${parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  const r = explore(parsed.config, {
    properties: selectProperties(opts.properties),
    ...(opts.maxStates === undefined ? {} : { maxStates: opts.maxStates }),
    ...(opts.maxMemoryBytes === undefined ? {} : { maxMemoryBytes: opts.maxMemoryBytes }),
    ...(shouldStop === undefined ? {} : { shouldStop }),
  });
  return {
    config: parsed.config.name,
    input,
    states: r.states,
    edges: r.edges,
    seconds: r.seconds,
    complete: r.complete,
    stopReason: r.stopReason,
    results: r.results,
    coverage: opts.withCoverage ? coverage(r.engine) : null,
  };
}

export interface MatrixOptions extends RunOptions {
  workers?: number;
  onDone?: (run: ConfigRun, done: number, total: number) => void;
  shouldStop?: () => boolean;
}

/** Explores every configuration, on worker threads when workers > 1 (one configuration each). */
export async function runMatrix(inputs: readonly ConfigInput[], opts: MatrixOptions = {}): Promise<ConfigRun[]> {
  const workers = Math.max(1, Math.min(opts.workers ?? availableParallelism(), inputs.length));
  const runs: (ConfigRun | undefined)[] = inputs.map(() => undefined);
  let done = 0;
  const finish = (i: number, run: ConfigRun) => {
    runs[i] = run;
    done++;
    opts.onDone?.(run, done, inputs.length);
  };
  const { onDone: _onDone, shouldStop, workers: _w, ...runOpts } = opts;
  if (workers === 1) {
    for (let i = 0; i < inputs.length; i++) {
      if (shouldStop?.()) break;
      const input = inputs[i];
      if (input !== undefined) finish(i, runConfig(input, runOpts, shouldStop));
    }
  } else {
    let next = 0;
    await Promise.all(
      Array.from({ length: workers }, async () => {
        const w = new Worker(new URL('./worker-entry.mjs', import.meta.url));
        try {
          while (next < inputs.length && !shouldStop?.()) {
            const i = next++;
            const run = await new Promise<ConfigRun>((resolve, reject) => {
              const onError = (e: Error) => reject(e);
              w.once('error', onError);
              w.once('message', (m: { ok: true; run: ConfigRun } | { ok: false; error: string }) => {
                w.off('error', onError);
                if (m.ok) resolve(m.run);
                else reject(new Error(m.error));
              });
              w.postMessage({ input: inputs[i], opts: runOpts });
            });
            finish(i, run);
          }
        } finally {
          await w.terminate();
        }
      }),
    );
  }
  return runs.filter((r): r is ConfigRun => r !== undefined);
}

// ---------------------------------------------------------------------------------------------
// Expected verdicts: part of the spec.

export const EXPECTED_FILE = new URL('../specs/expected.json', import.meta.url);
const VerdictSchema = z.enum(['holds', 'violated', 'incomplete', 'n/a']);
export const ExpectedSchema = z.object({ verdicts: z.record(z.string(), z.record(z.string(), VerdictSchema)) }).strict();
export type Expected = z.infer<typeof ExpectedSchema>;

export function loadExpected(file: URL | string = EXPECTED_FILE): Expected {
  return ExpectedSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

export interface Mismatch {
  config: string;
  property: string;
  expected: Verdict | null;
  got: Verdict;
}

export function compare(runs: readonly ConfigRun[], expected: Expected): Mismatch[] {
  const out: Mismatch[] = [];
  for (const run of runs) {
    // A configuration the project records no expectation for is reported, not judged.
    if (expected.verdicts[run.config] === undefined) continue;
    for (const r of run.results) {
      const want = expected.verdicts[run.config]?.[r.property] ?? null;
      if (want !== r.verdict) out.push({ config: run.config, property: r.property, expected: want, got: r.verdict });
    }
  }
  return out;
}

export function expectedFrom(runs: readonly ConfigRun[], previous: Expected | null): Expected {
  const verdicts: Expected['verdicts'] = { ...(previous?.verdicts ?? {}) };
  for (const run of runs) {
    verdicts[run.config] = { ...(verdicts[run.config] ?? {}), ...Object.fromEntries(run.results.map((r) => [r.property, r.verdict])) };
  }
  return { verdicts: Object.fromEntries(Object.entries(verdicts).sort(([a], [b]) => a.localeCompare(b))) };
}

export function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9.=-]+/g, '_').replace(/_+/g, '_').replace(/^_|_$/g, '');
}

/** Writes each counterexample as a replayable log; returns the files by (config, property). */
export function writeCounterexamples(runs: readonly ConfigRun[], outDir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const run of runs) {
    for (const r of run.results) {
      if (r.counterexample === null) continue;
      const file = join(outDir, `${slug(run.config)}__${r.property}.jsonl`);
      writeFileAtomic(file, formatLog(run.input, r.counterexample as ExternalEvent[]));
      files.set(`${run.config}\u0000${r.property}`, file);
    }
  }
  return files;
}
