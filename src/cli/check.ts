// `npx fadump-model check`: flags validated at the boundary (zod), progress on a terminal,
// exit 0 when every verdict matches the expected ones, 1 when any differs, 2 on bad input,
// 130 when interrupted (the partial result is printed: the configurations done, and the one under
// way with its verdicts "incomplete"). `--shard I/N` explores a slice of the matrix and prints its
// JSON (exit 0; 130 interrupted, nothing printed); `--merge FILE...` judges the shards together by
// the same rules, exploring nothing (src/explore/shard.ts).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { SingleBar, Presets } from 'cli-progress';
import { dirname, join } from 'node:path';
import { closestKey, type ConfigInput } from '../config';
import { conformAhead, conformFile, totals } from '../conform/conform';
import { parseSize } from '../memory/size';
import { PROPERTIES } from '../specs/properties';
import { makeFolder, probeFolder, writeFileAtomic } from '../util/atomic';
import { formatBytes, InputError } from '../util/read';
import { readConfigFiles, readExpectedFile } from '../inputs';
import {
  removalLines,
  removeStaleCounterexamples,
  runMatrix,
  writeCounterexamples,
  type ConfigRun,
} from '../explore/check';
import {
  mergeShards,
  modelFingerprint,
  parseShardSpec,
  shardDocument,
  shardSlice,
  type MatrixIdentity,
} from '../explore/shard';
import {
  compare,
  emptyExpected,
  formatExpected,
  loadExpected,
  record,
  type Expected,
  type Recorded,
} from '../explore/expected';
import { coverageSummary, formatCoverage, formatMatrix, outputWidth, plural, wrap } from '../explore/format';
import { defaultMatrix } from '../explore/matrix';
import { REAL_DIR, realCounterexamplesLine, realEvidence, verdictLine, type RealEvidence } from '../report/real';
import type { Io } from './io';

/** A SIGINT this soon (ms) after the first is the same interrupt, not a second Ctrl-C: `timeout -s
 *  INT` signals the command and then its whole process group (coreutils src/timeout.c, cleanup()),
 *  so the command gets two at once. */
const SAME_INTERRUPT_MS = 100;

/** The `check` command's flags as commander hands them over (strings, validated here). */
export interface CheckFlags {
  /** --config FILE, given once or more: the configurations of every file (default: the matrix). */
  config?: string[];
  /** --expect FILE: judge the verdicts against this file (the shape of src/specs/expected.json)
   *  instead of the project's. */
  expect?: string;
  /** --record FILE: write the verdicts into FILE (created, or its entries for these
   *  configurations replaced); the project's file only when named. */
  record?: string;
  /** --partial: let --record merge a subset of the properties (--property) into FILE. */
  partial?: boolean;
  property?: string[];
  json?: boolean;
  out: string;
  maxStates?: string;
  maxMemory?: string;
  workers?: string;
  /** --split N: worker threads for each exploration (1: never split). */
  split?: string;
  coverage?: boolean;
  /** --shard I/N: explore only shard I of N of the matrix and print its shard document (JSON,
   *  for --merge) instead of the matrix. */
  shard?: string;
  /** --merge FILE...: print the matrix of these shard documents, exploring nothing. */
  merge?: string[];
  /** --hash-compact: explore with hash compaction (src/explore/fingerprints.ts): fingerprints in
   *  the visited set instead of states; the probability that a state was missed is printed. */
  hashCompact?: boolean;
  /** Whether --out was given (rather than defaulted): a shard writes no counterexamples. */
  outGiven?: boolean;
}

/** The states one exploration of `check` stops at when --max-states is not given (its verdicts
 *  are then "incomplete"). Passed to the explorer explicitly, so that this constant, the flag's
 *  help text and the README's "Large state spaces" are one figure (test/expected-verdicts.test.ts). */
export const DEFAULT_MAX_STATES = 5_000_000;

/** How `check` names the project's expected verdicts in its messages. */
export const PROJECT_EXPECTED = 'src/specs/expected.json';

const positiveInt = (flag: string, text: string | undefined, max: number): number | undefined => {
  if (text === undefined) return undefined;
  const r = z.coerce.number().int().min(1).max(max).safeParse(text);
  if (!r.success || !/^\d+$/.test(text.trim()))
    throw new InputError(`--${flag}: expected a whole number from 1 to ${max}, got '${text}'`);
  return r.data;
};

/**
 * An output folder (--out) must be a folder that can be written to: created when missing, checked
 * before any work.
 * @throws InputError (exit 2) when it is a file, or cannot be created or written to.
 */
export function checkOutDir(dir: string, flag = '--out'): void {
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new InputError(`${flag}: '${dir}' is a file, not a folder: give a folder (it is created when missing)`);
  try {
    makeFolder(dir);
  } catch (e) {
    throw new InputError(
      `${flag}: cannot create the folder '${dir}' (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    );
  }
  try {
    if (!statSync(dir).isDirectory()) throw new InputError(`${flag}: '${dir}' is not a folder`);
    probeFolder(dir);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${flag}: cannot write to '${dir}' (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/** --record FILE: an existing expected-verdicts file (validated: its other entries are kept), or
 *  a new one in a folder that exists; either way in a folder that takes a new file (the write is
 *  atomic: checkRecordFolder). */
function recordTarget(file: string): Expected {
  if (existsSync(file)) {
    if (statSync(file).isDirectory()) throw new InputError(`--record: '${file}' is a folder: give a file name`);
    checkRecordFolder(file);
    return readExpectedFile(file);
  }
  const dir = dirname(file);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new InputError(`--record: cannot create '${file}': the folder '${dir}' does not exist`);
  checkRecordFolder(file);
  return emptyExpected();
}

/** --record FILE is written (atomically) at the end: its folder must take a new file.
 *  @throws InputError (exit 2) naming the folder and the fs error. */
function checkRecordFolder(file: string): void {
  const dir = dirname(file);
  try {
    probeFolder(dir);
  } catch (e) {
    throw new InputError(
      `--record: cannot write '${file}': the folder '${dir}' takes no new file (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    );
  }
}

/**
 * A --property value as a property id: an id, or the matrix's column label P1.. (the property's
 * place in PROPERTIES, the same in every run).
 * @throws InputError (exit 2) on anything else, with "did you mean" for a misspelt id.
 */
export function propertyId(given: string): string {
  const ids = PROPERTIES.map((p) => p.id);
  if (ids.includes(given)) return given;
  const column = /^P(\d+)$/i.exec(given.trim());
  if (column !== null) {
    const p = PROPERTIES[Number(column[1]) - 1];
    if (p !== undefined) return p.id;
    throw new InputError(`--property: no column ${given}: the properties are P1 to P${ids.length}`);
  }
  const near = closestKey(given, ids);
  throw new InputError(
    near === null
      ? `--property: unknown property '${given}'; known: ${ids.join(', ')} (or their columns P1 to P${ids.length})`
      : `--property: unknown property '${given}': did you mean '${near}'?`,
  );
}

function stopText(run: ConfigRun): string {
  switch (run.stopReason) {
    case 'max-states':
      return 'stopped at --max-states';
    case 'max-memory':
      return 'stopped at the memory budget (--max-memory; by default half the heap limit)';
    case 'interrupted':
      return 'interrupted';
    default:
      return run.stopReason;
  }
}

/** Why the verdicts of explorations stopped part-way are "incomplete", and what to give instead:
 *  "the exploration stopped at --max-states 50 before deciding them; give more states or
 *  --max-memory". */
export function stoppedText(incomplete: readonly ConfigRun[], maxStates: number): string {
  const reasons = [...new Set(incomplete.map((r) => r.stopReason))];
  const at = reasons.map((r) =>
    r === 'max-states'
      ? `at --max-states ${maxStates}`
      : r === 'max-memory'
        ? 'at the memory budget (--max-memory; by default half the heap limit)'
        : r === 'interrupted'
          ? 'when interrupted'
          : `(${r})`,
  );
  const advice = reasons.includes('max-states')
    ? 'give more states or --max-memory'
    : 'give more --max-memory, or fewer --workers';
  return `the exploration${incomplete.length === 1 ? '' : 's'} stopped ${at.join(' or ')} before deciding them; ${advice}`;
}

/** Without a terminal, how often check says which explorations are under way (ms). */
export const UNDER_WAY_EVERY_MS = 5_000;

/** The line `check` prints on stderr for each finished configuration when stderr is not a
 *  terminal (a log, a pipe, CI): something every few seconds instead of a silent minute. */
export function progressLine(run: ConfigRun, done: number, total: number): string {
  const violated = run.results.filter((r) => r.verdict === 'violated').length;
  return `check: [${done}/${total}] ${run.config}: ${plural(run.states, 'state')}, ${run.seconds.toFixed(1)} s${flushText(run)}${run.complete ? '' : `, ${stopText(run)}`}${violated ? `, ${violated} violated` : ''}`;
}

/** ", step caches emptied 2 times at the memory budget", or "" when the run never emptied them. */
function flushText(run: ConfigRun): string {
  return run.cacheFlushes === undefined
    ? ''
    : `, step caches emptied ${plural(run.cacheFlushes, 'time')} at the memory budget`;
}

/** What `check` reports on: the runs in the matrix's order, however they were got (explored here,
 *  or merged from shards), and how the matrix was run. */
interface Outcome {
  runs: ConfigRun[];
  /** The configurations in the matrix (runs.length when none was left out). */
  total: number;
  interrupted: boolean;
  maxStates: number;
  /** The built-in matrix (its real-kernel lines are printed) or --config files. */
  source: 'default' | 'config';
}

/** The flags an exploration takes, which --merge refuses (the shards took them). */
const EXPLORATION_FLAGS = [
  ['config', '--config'],
  ['property', '--property'],
  ['maxStates', '--max-states'],
  ['maxMemory', '--max-memory'],
  ['workers', '--workers'],
  ['split', '--split'],
  ['shard', '--shard'],
] as const;

/** --record and --expect, checked alike for an exploration and a merge.
 *  @throws InputError (exit 2) on --partial without --record, or --record with --expect. */
function checkRecordFlags(flags: CheckFlags): void {
  if (flags.partial && flags.record === undefined)
    throw new InputError('--partial: only with --record FILE (it lets a subset of the properties be recorded)');
  if (flags.record !== undefined && flags.expect !== undefined)
    throw new InputError(
      `--record ${flags.record} and --expect ${flags.expect}: give one. --record FILE compares with what FILE held and prints what changed; --expect FILE judges without writing`,
    );
}

/** Refuses --record of a --property subset unless --partial. @throws InputError (exit 2). */
function checkRecordSubset(flags: CheckFlags, properties: readonly string[] | undefined): void {
  if (flags.record !== undefined && properties !== undefined && properties.length < PROPERTIES.length && !flags.partial)
    throw new InputError(
      `--record: only ${properties.length} of the ${PROPERTIES.length} properties ${properties.length === 1 ? 'is' : 'are'} checked (--property); recording them would leave the others unrecorded. Add --partial to merge just these verdicts into ${flags.record}`,
    );
}

/** The expected verdicts judged against (read before any work: a bad file costs nothing), and
 *  the file's name for the messages. */
function baselineOf(flags: CheckFlags): { baseline: Expected; baselineFile: string } {
  return {
    baselineFile: flags.record ?? flags.expect ?? PROJECT_EXPECTED,
    baseline:
      flags.record !== undefined
        ? recordTarget(flags.record)
        : flags.expect !== undefined
          ? readExpectedFile(flags.expect)
          : loadExpected(),
  };
}

/**
 * `fadump-model check`: explores each configuration (the default matrix, or those of every
 * --config file), checks the properties, prints the matrix (or JSON), writes the counterexamples
 * under --out and compares the verdicts with the expected ones (src/specs/expected.json, or
 * --expect FILE); with --record FILE, writes them into FILE instead.
 * With --shard I/N it explores only shard I of N (configuration k, from 0, when k mod N = I - 1)
 * and prints the shard's document (JSON, src/explore/shard.ts) for --merge, judging nothing; with
 * --merge FILE... it explores nothing and prints the matrix of those shards exactly as an
 * unsharded run prints it (same exit codes).
 * @returns the exit code: 0 every verdict matches (or was recorded; a shard: its document was
 *   printed), 1 one differs from the expected one, or a configuration with nothing recorded has a
 *   violation (each named by configuration and property), 130 interrupted (a shard then prints
 *   nothing).
 * @throws InputError (exit 2) on a bad flag, flag combination, --config, --expect, --record or
 *   shard file (--merge: missing, duplicate or mixed shards, naming the file and field), before
 *   exploring.
 */
export async function checkCommand(flags: CheckFlags, io: Io): Promise<number> {
  if (flags.merge !== undefined) return mergeCommand(flags.merge, flags, io);
  const maxStates = positiveInt('max-states', flags.maxStates, 100_000_000) ?? DEFAULT_MAX_STATES;
  const workers = positiveInt('workers', flags.workers, 64);
  const split = positiveInt('split', flags.split, 64);
  let maxMemoryBytes: number | undefined;
  if (flags.maxMemory !== undefined) {
    const b = parseSize(flags.maxMemory);
    if (b === null || b <= 0)
      throw new InputError(`--max-memory: expected a size such as 2G or 512M, got '${flags.maxMemory}'`);
    if (b < 16 * 1024 * 1024)
      throw new InputError(`--max-memory: ${formatBytes(b)} is too little to explore anything; give at least 16M`);
    if (b > totalmem())
      throw new InputError(
        `--max-memory: ${formatBytes(b)} is more than this machine's ${formatBytes(totalmem())} (the budget is per exploration, one per worker)`,
      );
    maxMemoryBytes = b;
  }
  const shard = flags.shard === undefined ? null : parseShardSpec(flags.shard);
  if (shard !== null && flags.hashCompact)
    throw new InputError(
      `--shard ${flags.shard} with --hash-compact: a shard document has no field for the probability that a state was missed; explore a large configuration with --config FILE --hash-compact instead`,
    );
  if (shard !== null) {
    const judging = [
      flags.json ? '--json' : null,
      flags.expect !== undefined ? '--expect' : null,
      flags.record !== undefined ? '--record' : null,
      flags.partial ? '--partial' : null,
      flags.outGiven ? '--out' : null,
    ].filter((x): x is string => x !== null);
    if (judging.length)
      throw new InputError(
        `--shard ${flags.shard} with ${judging.join(', ')}: a shard prints its JSON for --merge and judges nothing; give ${judging.length === 1 ? 'it' : 'them'} to check --merge`,
      );
  }
  // A property named twice (by id, or by its column P1..) is checked once.
  const properties = flags.property === undefined ? undefined : [...new Set(flags.property.map(propertyId))];
  checkRecordFlags(flags);
  checkRecordSubset(flags, properties);
  const inputs = flags.config === undefined ? defaultMatrix() : readConfigFiles(flags.config);
  const slice = shard === null ? inputs.map((_, k) => k) : shardSlice(inputs.length, shard);
  const explored = slice.map((k) => inputs[k]).filter((c): c is ConfigInput => c !== undefined);
  if (shard === null) checkOutDir(flags.out);

  // Ctrl-C stops the explorations under way (the workers poll a shared flag) and prints what is
  // done; a second Ctrl-C exits at once. The handler stays until the files are written: the
  // writes are synchronous and atomic, so no signal lands in the middle of one.
  const abort = new AbortController();
  let interruptedAt = 0;
  const onSigint = () => {
    if (!abort.signal.aborted) {
      interruptedAt = performance.now();
      abort.abort();
      return;
    }
    if (performance.now() - interruptedAt < SAME_INTERRUPT_MS) return;
    io.err('interrupted again: exiting without the partial result');
    process.exit(130);
  };
  process.on('SIGINT', onSigint);
  try {
    const onTerminal = process.stderr.isTTY;
    const quiet = flags.json === true;
    const bar =
      !quiet && onTerminal
        ? new SingleBar(
            {
              format: 'exploring {bar} {value}/{total} configurations | {underway}',
              hideCursor: true,
              stream: process.stderr,
            },
            Presets.shades_classic,
          )
        : null;
    let runs: ConfigRun[];
    let lastUnderWay = Date.now() - UNDER_WAY_EVERY_MS / 2;
    // The default matrix's closing lines sum up the committed real-kernel transcripts: this thread
    // conforms them while the workers explore (conformFile keeps each answer).
    const closing = shard === null && flags.config === undefined && flags.json !== true;
    const failed = new AbortController();
    const ahead = closing
      ? conformAhead(realTranscripts(), AbortSignal.any([abort.signal, failed.signal]))
      : Promise.resolve();
    // The expected verdicts are read while the worker threads load: a bad file stops them before
    // they explore anything (a shard judges nothing).
    let inputRead: { resolve: () => void; reject: (e: unknown) => void } = { resolve: () => {}, reject: () => {} };
    const ready = new Promise<void>((resolve, reject) => (inputRead = { resolve, reject }));
    // Its rejection is runMatrix()'s to take; never an unhandled one.
    ready.catch(() => undefined);
    const exploring = runMatrix(explored, {
      ready,
      ...(properties === undefined ? {} : { properties }),
      maxStates,
      ...(maxMemoryBytes === undefined ? {} : { maxMemoryBytes }),
      ...(workers === undefined ? {} : { workers }),
      ...(split === undefined ? {} : { split }),
      threads: true,
      signal: abort.signal,
      withCoverage: flags.coverage === true,
      ...(flags.hashCompact ? { hashCompact: true } : {}),
      onDone: (run, done, total) => {
        // The finished one leaves the bar's "under way" list; the next report refills it.
        if (bar !== null) bar.update(done, { underway: '' });
        else if (!onTerminal) io.err(progressLine(run, done, total));
      },
      // The bar names each configuration under way beside its own states; without a terminal,
      // a line every UNDER_WAY_EVERY_MS says the same, so that piped output is never silent for long.
      onStates: (underWay) => {
        const text = underWay
          .filter((u) => bar !== null || u.states > 0)
          .map((u) => `${u.config}: ${plural(u.states, 'state')}`)
          .join('; ');
        if (bar !== null) bar.update({ underway: text });
        else if (!onTerminal && !quiet && text !== '' && Date.now() - lastUnderWay >= UNDER_WAY_EVERY_MS) {
          lastUnderWay = Date.now();
          io.err(`check: under way: ${text}`);
        }
      },
    });
    let expected: { baseline: Expected; baselineFile: string };
    try {
      expected = shard === null ? baselineOf(flags) : { baseline: emptyExpected(), baselineFile: PROJECT_EXPECTED };
    } catch (e) {
      failed.abort();
      inputRead.reject(e);
      await exploring.catch(() => undefined);
      throw e;
    }
    inputRead.resolve();
    bar?.start(explored.length, 0, { underway: '' });
    if (!onTerminal)
      io.err(
        `check: exploring ${explored.length} configuration${explored.length === 1 ? '' : 's'}${shard === null ? '' : ` (shard ${shard.index}/${shard.count} of ${plural(inputs.length, 'configuration')})`}${properties === undefined ? '' : `, ${properties.length} propert${properties.length === 1 ? 'y' : 'ies'}`}`,
      );
    try {
      runs = await exploring;
    } catch (e) {
      // No closing lines follow a failed exploration: the process ends without waiting for them.
      failed.abort();
      throw e;
    } finally {
      bar?.stop();
    }
    await ahead;
    const interrupted = abort.signal.aborted;
    const source = flags.config === undefined ? 'default' : 'config';
    if (shard !== null) {
      if (interrupted) {
        io.err(`check --shard ${shard.index}/${shard.count}: interrupted: no shard printed (run it again)`);
        return 130;
      }
      const identity: MatrixIdentity = {
        model: modelFingerprint(),
        source,
        properties: properties ?? null,
        maxStates,
        coverage: flags.coverage === true,
      };
      io.out(JSON.stringify(shardDocument(shard, identity, inputs, slice, runs), null, 2));
      const states = runs.reduce((n, r) => n + r.states, 0);
      io.err(
        `check: shard ${shard.index}/${shard.count}: ${plural(runs.length, 'configuration')} of ${inputs.length}, ${plural(states, 'state')}; judge every shard together with check --merge FILE...`,
      );
      return 0;
    }
    const { baseline, baselineFile } = expected;
    return judge({ runs, total: inputs.length, interrupted, maxStates, source }, flags, baseline, baselineFile, io);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/**
 * `check --merge FILE...`: the matrix of the shards' documents (src/explore/shard.ts
 * mergeShards()), judged and printed as `check` does for an unsharded run; explores nothing.
 * @returns the exit code, by `check`'s rules (0, 1).
 * @throws InputError (exit 2) on a flag the shards took (--config, --property, --max-states,
 *   --max-memory, --workers, --shard), a bad flag combination, or a bad, missing, duplicate or
 *   mixed shard file, naming the file and the field.
 */
async function mergeCommand(files: readonly string[], flags: CheckFlags, io: Io): Promise<number> {
  if (flags.hashCompact)
    throw new InputError('--merge with --hash-compact: shards are explored exactly (--shard refuses --hash-compact)');
  const given = EXPLORATION_FLAGS.filter(([k]) => flags[k] !== undefined).map(([, f]) => f);
  if (given.length)
    throw new InputError(
      `--merge with ${given.join(', ')}: the shards were explored with ${given.length === 1 ? 'it' : 'them'}; a merge only reads the shard files (give ${given.length === 1 ? 'it' : 'them'} to check --shard I/N)`,
    );
  checkRecordFlags(flags);
  const merged = mergeShards(files);
  if (flags.coverage && !merged.coverage)
    throw new InputError('--coverage: the shards were explored without --coverage: give it to check --shard I/N');
  checkRecordSubset(flags, merged.properties ?? undefined);
  const { baseline, baselineFile } = baselineOf(flags);
  checkOutDir(flags.out);
  return judge(
    {
      runs: merged.runs,
      total: merged.runs.length,
      interrupted: false,
      maxStates: merged.maxStates,
      source: merged.source,
    },
    { ...flags, coverage: merged.coverage },
    baseline,
    baselineFile,
    io,
  );
}

/** Writes the counterexamples, records or compares the verdicts, prints the matrix (or JSON).
 *  @returns the exit code (0, 1, 2 when --record refuses incomplete verdicts, 130 interrupted). */
function judge(outcome: Outcome, flags: CheckFlags, baseline: Expected, baselineFile: string, io: Io): number {
  const { runs, interrupted, maxStates } = outcome;
  const custom = outcome.source === 'config';
  const width = outputWidth();
  const files = writeCounterexamples(runs, flags.out);
  const removed = removeStaleCounterexamples(runs, flags.out, files);
  let recorded: Recorded | null = null;
  const incomplete = runs.filter((r) => !r.complete);
  // Verdicts of an exploration stopped part-way ("incomplete") are recorded only when asked.
  const refuseIncomplete = flags.record !== undefined && !interrupted && incomplete.length > 0 && !flags.partial;
  if (flags.record !== undefined && !interrupted && !refuseIncomplete) {
    recorded = record(runs, baseline, flags.partial === true);
    writeFileAtomic(flags.record, formatExpected(recorded.expected));
  }
  const judged = compare(runs, baseline);
  const mismatches = recorded === null ? judged.mismatches : [];
  const notStarted = outcome.total - runs.length;
  if (flags.json) {
    io.out(
      JSON.stringify(
        {
          results: runs.flatMap((run) =>
            run.results.map((r) => ({
              property: r.property,
              config: run.config,
              configuration: run.configuration,
              verdict: r.verdict,
              states: r.states,
              counterexample:
                r.counterexample === null ? null : (files.get(`${run.config}\u0000${r.property}`) ?? null),
              ...(r.note === null ? {} : { note: r.note }),
            })),
          ),
          runs: runs.map((r) => ({
            config: r.config,
            configuration: r.configuration,
            states: r.states,
            transitions: r.edges,
            seconds: Number(r.seconds.toFixed(3)),
            complete: r.complete,
            stopReason: r.stopReason,
            ...(r.missProbability === undefined ? {} : { missProbability: r.missProbability }),
            ...(r.cacheFlushes === undefined ? {} : { cacheFlushes: r.cacheFlushes }),
          })),
          expected: baselineFile,
          mismatches,
          unrecorded: recorded === null ? judged.unrecorded : [],
          ...(recorded === null
            ? {}
            : {
                recorded: {
                  file: flags.record,
                  verdicts: recorded.verdicts,
                  added: recorded.added,
                  changed: recorded.changed,
                },
              }),
          ...(flags.coverage ? { coverage: coverageSummary(runs) } : {}),
          removedCounterexamples: removed.removed,
          ...(removed.failed.length ? { counterexamplesNotRemoved: removed.failed } : {}),
          interrupted,
          notStarted,
        },
        null,
        2,
      ),
    );
  } else {
    // For the default matrix: each counterexample's real-kernel evidence (src/report/real.ts).
    const real = custom ? null : realEvidence();
    io.out(
      formatMatrix(
        runs,
        files,
        {
          file: baselineFile,
          mismatches,
          unrecorded: judged.unrecorded,
          // Custom configurations judged against the project's file: a change is theirs to
          // keep in a file of their own, not to write into the project's.
          ...(custom && flags.expect === undefined
            ? { recordHint: 'in a file of your own: --record FILE, then --expect FILE' }
            : {}),
          ...(incomplete.length ? { stopped: stoppedText(incomplete, maxStates) } : {}),
          ...(recorded === null || flags.record === undefined
            ? {}
            : {
                recorded: {
                  file: flags.record,
                  added: recorded.added,
                  changed: recorded.changed,
                  verdicts: recorded.verdicts,
                },
              }),
        },
        width,
        real === null ? undefined : realOf(real),
      ),
    );
    if (flags.coverage) io.out(formatCoverage(runs, width));
    const removal = removalLines(
      removed,
      (n) =>
        `${plural(n, 'counterexample')} an earlier run wrote, whose propert${n === 1 ? 'y holds or does' : 'ies hold or do'} not apply now`,
    );
    for (const line of removal) io.out(wrap(line, width, '', '    ').join('\n'));
    const compacted = hashCompactLine(runs);
    if (compacted !== null) io.out(wrap(compacted, width, '', '    ').join('\n'));
    for (const r of incomplete) {
      io.out(
        wrap(
          `incomplete: ${r.config}: ${stopText(r)} after ${plural(r.states, 'state')} and ${plural(r.edges, 'transition')} (${r.seconds.toFixed(1)} s${flushText(r)}); its verdicts other than FAIL are "?"`,
          width,
          '',
          '    ',
        ).join('\n'),
      );
    }
    if (interrupted) {
      io.out(
        wrap(
          `interrupted: ${runs.length - incomplete.length} of ${plural(outcome.total, 'configuration')} explored to the end, ${incomplete.length} stopped part-way, ${notStarted} not started (the results above are partial)`,
          width,
        ).join('\n'),
      );
    }
    // The main job also reports on real input: the committed real-kernel transcripts.
    if (!custom && !interrupted) io.out(wrap(realKernelsLine(), width, '', '    ').join('\n'));
    if (real !== null && !interrupted) io.out(wrap(realCounterexamplesLine(real), width, '', '    ').join('\n'));
  }
  if (flags.record !== undefined && interrupted)
    io.err('--record: nothing recorded: the run was interrupted and its verdicts are partial');
  if (interrupted) return 130;
  if (refuseIncomplete) {
    io.err(
      `--record: nothing recorded in ${flags.record}: ${incomplete.length} configuration${incomplete.length === 1 ? '' : 's'} stopped part-way (${incomplete.map((r) => `${r.config}: ${stopText(r)}`).join('; ')}), so some verdicts are "incomplete". Raise --max-states or --max-memory, or add --partial to record them as they are`,
    );
    return 2;
  }
  return mismatches.length ? 1 : 0;
}

/** With --hash-compact: one line on the chance that a state was missed, the largest over the
 *  runs (src/explore/fingerprints.ts missProbability: n(n - 1) / 2^65 for n states); null for
 *  exact runs. */
export function hashCompactLine(runs: readonly ConfigRun[]): string | null {
  const ps = runs.flatMap((r) => (r.missProbability === undefined ? [] : [r]));
  if (ps.length === 0) return null;
  const worst = ps.reduce((a, b) => ((b.missProbability ?? 0) > (a.missProbability ?? 0) ? b : a));
  const total = ps.reduce((n, r) => n + (r.missProbability ?? 0), 0);
  return `hash-compact: 64-bit fingerprints instead of states; the probability that a state was missed is at most ${(worst.missProbability ?? 0).toExponential(1)} in ${worst.config} (${plural(worst.states, 'state')}; n(n - 1)/2^65, the birthday bound)${ps.length === 1 ? '' : `, ${Math.min(1, total).toExponential(1)} over all ${plural(ps.length, 'configuration')}`}; a missed state could hide a violation, so "holds" is that likely to be wrong`;
}

/** Each counterexample's real-kernel verdict line, from its evidence (src/report/real.ts
 *  realEvidence(): the committed manifest and transcripts; no QEMU). */
function realOf(real: ReadonlyMap<string, RealEvidence>): (config: string, property: string) => string | null {
  return (config, property) => {
    const e = real.get(`${config}\u0000${property}`);
    return e === undefined ? null : verdictLine(e);
  };
}

/** The folder of the committed real-kernel transcripts (src/report/real.ts REAL_DIR). */
const REAL_TRANSCRIPTS = fileURLToPath(REAL_DIR);

/** The committed real-kernel transcripts (`dir`/*.jsonl, by name), as paths; none when `dir` is
 *  missing. */
function realTranscripts(dir = REAL_TRANSCRIPTS): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((f) => join(dir, f));
}

/** One line on the committed real-kernel transcripts (test/real/, `npm run lab -- run`): how
 *  many paths on which kernels, and how many steps agree with the model (src/conform/). */
export function realKernelsLine(dir = REAL_TRANSCRIPTS): string {
  const files = realTranscripts(dir);
  if (files.length === 0) return 'real kernels: no transcripts in test/real/ (npm run lab -- run records them)';
  const results = files.map((f) => conformFile(f).conformance);
  const kernels = [...new Set(results.map((r) => r.kernel))].sort();
  const perKernel = kernels.map((k) => `${results.filter((r) => r.kernel === k).length} on ${k}`).join(', ');
  const { steps, agree, whole } = totals(results);
  return `real kernels (test/real/, QEMU): ${plural(files.length, 'path')} (${perKernel}): ${agree} of ${plural(steps, 'step')} agree${agree === 1 ? 's' : ''} with the model, ${whole} ${whole === 1 ? 'path' : 'paths'} throughout`;
}
