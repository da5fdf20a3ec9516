// `npx fadump-model check`: flags validated at the boundary (zod), progress on a terminal,
// exit 0 when every verdict matches the expected ones, 1 when any differs, 2 on bad input,
// 130 when interrupted (the partial result is printed: the configurations done, and the one under
// way with its verdicts "incomplete").
import { accessSync, constants, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { SingleBar, Presets } from 'cli-progress';
import { join } from 'node:path';
import { conform, readTranscript, totals } from '../conform/conform';
import { parseConfig, type ConfigInput } from '../config';
import { parseSize } from '../memory/size';
import { PROPERTIES } from '../specs/properties';
import { writeFileAtomic } from '../util/atomic';
import { parseJson, type JsonPath } from '../util/json';
import { decodeUtf8, formatBytes, InputError, readBounded } from '../util/read';
import { compare, EXPECTED_FILE, ExpectedSchema, expectedFrom, loadExpected, runMatrix, writeCounterexamples, type ConfigRun, type Expected } from './check';
import { formatCoverage, formatMatrix } from './format';
import { defaultMatrix } from './matrix';
import type { Io } from '../io';

/** The `check` command's flags as commander hands them over (strings, validated here). */
export interface CheckFlags {
  config?: string;
  /** --expect FILE: judge the verdicts against this file (the shape of src/specs/expected.json)
   *  instead of the project's; with --record, record them there. */
  expect?: string;
  property?: string[];
  json?: boolean;
  out: string;
  maxStates?: string;
  maxMemory?: string;
  workers?: string;
  record?: boolean;
  coverage?: boolean;
}

export const MAX_CONFIG_FILE_BYTES = 4 * 1024 * 1024;
export const MAX_CONFIGS = 10_000;

/** The states one exploration of `check` stops at when --max-states is not given (its verdicts
 *  are then "incomplete"). Passed to the explorer explicitly, so that this constant, the flag's
 *  help text and the README's "Large state spaces" are one figure (test/expected-verdicts.test.ts). */
export const DEFAULT_MAX_STATES = 5_000_000;

/** The largest --expect file read: the project's own is about 40 KiB for 47 configurations. */
export const MAX_EXPECTED_FILE_BYTES = 16 * 1024 * 1024;

/** `["a b"]["c"]` style display of a path into an expected-verdicts file (configuration names
 *  hold spaces, dots and '='). */
function expectedField(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  const [head, ...rest] = path;
  return `${String(head)}${rest.map((k) => `[${JSON.stringify(String(k))}]`).join('')}`;
}

/**
 * Reads and validates an --expect file at the boundary: UTF-8 JSON of the shape
 * `{"verdicts": {"<configuration name>": {"<property id>": "holds"|"violated"|"incomplete"|"n/a"}}}`
 * (src/specs/expected.json's), every property id one of src/specs/properties.ts.
 * @param file a path as given on the command line.
 * @returns the expected verdicts.
 * @throws InputError (exit 2) naming the file, the line and the field of every problem, e.g.
 *   `bad.json:5: field 'verdicts["pseries at-registration fadump=on 4G"]["no-lost-dump"]': ...`.
 */
export function readExpectedFile(file: string): Expected {
  const { value, locate } = readJsonDoc(file, MAX_EXPECTED_FILE_BYTES, 'an expected-verdicts file', 'the limit of --expect');
  const at = (path: readonly PropertyKey[]) => `${file}:${locate(path.filter((k): k is string | number => typeof k !== 'symbol')).line}:`;
  const r = ExpectedSchema.safeParse(value);
  if (!r.success) {
    const problems = r.error.issues.map((i) => {
      // An unknown top-level key is reported on the object: name the key itself.
      const keys = i.code === 'unrecognized_keys' ? [...i.path, ...i.keys.slice(0, 1)] : i.path;
      return `${at(keys)} field '${expectedField(keys)}': ${i.message}`;
    });
    throw new InputError(`${file}: not an expected-verdicts file ({"verdicts": {"<configuration>": {"<property>": "holds"|"violated"|"incomplete"|"n/a"}}}):\n${problems.join('\n')}`);
  }
  const known = new Set(PROPERTIES.map((p) => p.id));
  const unknown = Object.entries(r.data.verdicts).flatMap(([config, props]) =>
    Object.keys(props)
      .filter((id) => !known.has(id))
      .map((id) => `${at(['verdicts', config, id])} field '${expectedField(['verdicts', config, id])}': unknown property '${id}'`),
  );
  if (unknown.length) throw new InputError(`${file}: ${unknown.length} unknown propert${unknown.length === 1 ? 'y' : 'ies'} (known: ${[...known].join(', ')}):\n${unknown.join('\n')}`);
  return r.data;
}

const positiveInt = (flag: string, text: string | undefined, max: number): number | undefined => {
  if (text === undefined) return undefined;
  const r = z.coerce.number().int().min(1).max(max).safeParse(text);
  if (!r.success || !/^\d+$/.test(text.trim())) throw new InputError(`--${flag}: expected a whole number from 1 to ${max}, got '${text}'`);
  return r.data;
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** "[2].captureKernel.endianness" for display. */
function fieldName(base: readonly (string | number)[], keys: readonly (string | number)[]): string {
  const head = base.map((k) => `[${k}]`).join('');
  const tail = keys.join('.');
  return head && tail ? `${head}.${tail}` : head || tail || '(config)';
}

/** A config issue's path ("captureKernel.endianness") as keys. */
function issuePath(path: string): (string | number)[] {
  if (path === '(config)' || path === '') return [];
  return path.split('.');
}

/** A bounded UTF-8 JSON file with positions (src/util/json.ts). InputError naming the file, the
 *  line and the column when it is not. */
function readJsonDoc(file: string, maxBytes: number, what: string, why: string) {
  const text = decodeUtf8(readBounded(file, { maxBytes, what, why }));
  if (!text.ok) throw new InputError(`${file}:${text.problem.line}: ${text.problem.message}`);
  const json = parseJson(text.text);
  if (!json.ok) {
    const p = json.problem;
    throw new InputError(`${file}:${p.line}: not valid JSON (column ${p.column}: ${p.message})${p.truncated ? ': is the file truncated?' : ''}`);
  }
  return json.doc;
}

/** Reads a --config file: one configuration or an array of them, each validated; every problem
 *  names the file, the line and the field. */
export function readConfigs(file: string): ConfigInput[] {
  const { value: raw, locate } = readJsonDoc(file, MAX_CONFIG_FILE_BYTES, 'a configuration file', `at most ${MAX_CONFIGS} configurations`);
  const at = (path: JsonPath) => `${file}:${locate(path).line}:`;
  const many = Array.isArray(raw);
  const list: unknown[] = many ? raw : [raw];
  if (list.length === 0) throw new InputError(`${at([])} an empty array: no configuration to check`);
  if (list.length > MAX_CONFIGS) throw new InputError(`${at([])} ${list.length} configurations: at most ${MAX_CONFIGS} in one file`);
  const problems: string[] = [];
  const names = new Map<string, number>();
  list.forEach((c, i) => {
    const base: (string | number)[] = many ? [i] : [];
    if (!isRecord(c)) {
      problems.push(`${at(base)} field '${fieldName(base, [])}': expected a configuration object such as {"platform": "pseries"}, got ${c === null ? 'null' : Array.isArray(c) ? 'an array' : typeof c}`);
      return;
    }
    const r = parseConfig(c);
    if (!r.ok) {
      for (const p of r.issues) {
        const keys = issuePath(p.path);
        problems.push(`${at([...base, ...keys])} field '${fieldName(base, keys)}': ${p.message}`);
      }
      return;
    }
    // Results, counterexample files and expected verdicts are keyed by name: two configurations
    // with one name would overwrite each other's.
    const first = names.get(r.config.name);
    if (first !== undefined) {
      problems.push(
        'name' in c
          ? `${at([...base, 'name'])} field '${fieldName(base, ['name'])}': '${r.config.name}' is also the name of [${first}]: results are keyed by name`
          : `${at(base)} field '${fieldName(base, [])}': the same configuration as [${first}] ('${r.config.name}'): results are keyed by name (give one a "name" if they are meant to differ)`,
      );
      return;
    }
    names.set(r.config.name, i);
  });
  if (problems.length) throw new InputError(problems.join('\n'));
  return list as ConfigInput[];
}

/** --out must be a folder the counterexamples can be written to: checked before exploring. */
function checkOutDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new InputError(`--out: cannot create the folder '${dir}' (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    if (!statSync(dir).isDirectory()) throw new InputError(`--out: '${dir}' is not a folder`);
    accessSync(dir, constants.W_OK);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`--out: cannot write to '${dir}' (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
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

/**
 * `fadump-model check`: explores each configuration (the default matrix, or --config's), checks
 * the properties, prints the matrix (or JSON), writes the counterexamples under --out and compares
 * the verdicts with the expected ones (src/specs/expected.json, or --expect FILE).
 * @returns the exit code: 0 every verdict matches, 1 one differs (each named by configuration
 *   and property), 130 interrupted.
 * @throws InputError (exit 2) on a bad flag, --config or --expect file, before exploring.
 */
export async function checkCommand(flags: CheckFlags, io: Io): Promise<number> {
  const maxStates = positiveInt('max-states', flags.maxStates, 100_000_000) ?? DEFAULT_MAX_STATES;
  const workers = positiveInt('workers', flags.workers, 64);
  let maxMemoryBytes: number | undefined;
  if (flags.maxMemory !== undefined) {
    const b = parseSize(flags.maxMemory);
    if (b === null || b <= 0) throw new InputError(`--max-memory: expected a size such as 2G or 512M, got '${flags.maxMemory}'`);
    if (b < 16 * 1024 * 1024) throw new InputError(`--max-memory: ${formatBytes(b)} is too little to explore anything; give at least 16M`);
    if (b > totalmem()) throw new InputError(`--max-memory: ${formatBytes(b)} is more than this machine's ${formatBytes(totalmem())} (the budget is per exploration, one per worker)`);
    maxMemoryBytes = b;
  }
  for (const id of flags.property ?? []) {
    if (!PROPERTIES.some((p) => p.id === id)) throw new InputError(`--property: unknown property '${id}'; known: ${PROPERTIES.map((p) => p.id).join(', ')}`);
  }
  const inputs = flags.config === undefined ? defaultMatrix() : readConfigs(flags.config);
  // --expect is read before exploring: a bad file costs nothing. With --record it may not exist yet.
  const expectFile = flags.expect;
  const givenExpected = expectFile === undefined ? null : flags.record && !existsSync(expectFile) ? { verdicts: {} } : readExpectedFile(expectFile);
  checkOutDir(flags.out);

  // Ctrl-C stops the explorations under way (the workers poll a shared flag) and prints what is
  // done; a second Ctrl-C exits at once. The handler stays until the files are written: the
  // writes are synchronous and atomic, so no signal lands in the middle of one.
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) {
      io.err('interrupted again: exiting without the partial result');
      process.exit(130);
    }
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const bar = !flags.json && process.stderr.isTTY ? new SingleBar({ format: 'exploring {bar} {value}/{total} configurations | {states} states in progress | {config}', hideCursor: true, stream: process.stderr }, Presets.shades_classic) : null;
    bar?.start(inputs.length, 0, { config: '', states: 0 });
    let runs: ConfigRun[];
    try {
      runs = await runMatrix(inputs, {
        ...(flags.property === undefined ? {} : { properties: flags.property }),
        maxStates,
        ...(maxMemoryBytes === undefined ? {} : { maxMemoryBytes }),
        ...(workers === undefined ? {} : { workers }),
        threads: true,
        signal: abort.signal,
        withCoverage: flags.coverage === true,
        onDone: (run, done) => bar?.update(done, { config: run.config }),
        onStates: bar === null ? undefined : (states) => bar.update({ states: states.toLocaleString('en-US') }),
      });
    } finally {
      bar?.stop();
    }
    const interrupted = abort.signal.aborted;

    let expected = givenExpected ?? loadExpected();
    const files = writeCounterexamples(runs, flags.out);
    let recorded = false;
    if (flags.record && !interrupted) {
      expected = expectedFrom(runs, expected);
      writeFileAtomic(expectFile ?? fileURLToPath(EXPECTED_FILE), `${JSON.stringify(expected, null, 2)}\n`);
      recorded = true;
    }
    const mismatches = recorded ? [] : compare(runs, expected);
    const unrecorded = runs.filter((r) => expected.verdicts[r.config] === undefined).map((r) => r.config);
    const incomplete = runs.filter((r) => !r.complete);
    const notStarted = inputs.length - runs.length;
    if (flags.json) {
      io.out(
        JSON.stringify(
          {
            results: runs.flatMap((run) =>
              run.results.map((r) => ({
                property: r.property,
                config: run.config,
                verdict: r.verdict,
                states: r.states,
                counterexample: r.counterexample === null ? null : (files.get(`${run.config}\u0000${r.property}`) ?? null),
                ...(r.note === null ? {} : { note: r.note }),
              })),
            ),
            runs: runs.map((r) => ({ config: r.config, states: r.states, transitions: r.edges, seconds: Number(r.seconds.toFixed(3)), complete: r.complete, stopReason: r.stopReason })),
            mismatches,
            interrupted,
            notStarted,
          },
          null,
          2,
        ),
      );
    } else {
      // formatMatrix names the project's file; with --expect, the file given.
      const matrix = formatMatrix(runs, mismatches, files, unrecorded);
      io.out(expectFile === undefined ? matrix : matrix.replace(/(every verdict matches|differ from) src\/specs\/expected\.json/, (_m, lead: string) => `${lead} ${expectFile}`));
      if (flags.coverage) io.out(formatCoverage(runs));
      for (const r of incomplete) {
        io.out(`incomplete: ${r.config}: ${stopText(r)} after ${r.states} states and ${r.edges} transitions (${r.seconds.toFixed(1)} s); its verdicts other than FAIL are "?"`);
      }
      if (interrupted) {
        io.out(`interrupted: ${runs.length - incomplete.length} of ${inputs.length} configurations explored to the end, ${incomplete.length} stopped part-way, ${notStarted} not started (the results above are partial)`);
      }
      // The main job also reports on real input: the committed real-kernel transcripts.
      if (flags.config === undefined && !interrupted) io.out(realKernelsLine());
    }
    if (flags.record && interrupted) io.err('--record: nothing recorded: the run was interrupted and its verdicts are partial');
    if (interrupted) return 130;
    return mismatches.length ? 1 : 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** One line on the committed real-kernel transcripts (test/real/, `npm run lab -- run`): how
 *  many paths on which kernels, and how many steps agree with the model (src/conform/). */
export function realKernelsLine(dir = fileURLToPath(new URL('../../test/real', import.meta.url))): string {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort() : [];
  if (files.length === 0) return 'real kernels: no transcripts in test/real/ (npm run lab -- run records them)';
  const results = files.map((f) => conform(readTranscript(join(dir, f))));
  const kernels = [...new Set(results.map((r) => r.kernel))].sort();
  const perKernel = kernels.map((k) => `${results.filter((r) => r.kernel === k).length} on ${k}`).join(', ');
  const { steps, agree, whole } = totals(results);
  return `real kernels (test/real/, QEMU): ${files.length} paths (${perKernel}): ${agree} of ${steps} steps agree with the model, ${whole} paths throughout`;
}
