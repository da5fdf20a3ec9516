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
import { parseSize } from '../memory/size';
import { PROPERTIES } from '../specs/properties';
import { writeFileAtomic } from '../util/atomic';
import { formatBytes, InputError } from '../util/read';
import { readConfigs, readExpectedFile } from '../inputs';
import {
  compare,
  EXPECTED_FILE,
  expectedFrom,
  loadExpected,
  runMatrix,
  writeCounterexamples,
  type ConfigRun,
} from '../explore/check';
import { formatCoverage, formatMatrix } from '../explore/format';
import { defaultMatrix } from '../explore/matrix';
import type { Io } from './io';

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

/** The states one exploration of `check` stops at when --max-states is not given (its verdicts
 *  are then "incomplete"). Passed to the explorer explicitly, so that this constant, the flag's
 *  help text and the README's "Large state spaces" are one figure (test/expected-verdicts.test.ts). */
export const DEFAULT_MAX_STATES = 5_000_000;

const positiveInt = (flag: string, text: string | undefined, max: number): number | undefined => {
  if (text === undefined) return undefined;
  const r = z.coerce.number().int().min(1).max(max).safeParse(text);
  if (!r.success || !/^\d+$/.test(text.trim()))
    throw new InputError(`--${flag}: expected a whole number from 1 to ${max}, got '${text}'`);
  return r.data;
};

/** --out must be a folder the counterexamples can be written to: checked before exploring. */
function checkOutDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new InputError(
      `--out: cannot create the folder '${dir}' (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    );
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
  for (const id of flags.property ?? []) {
    if (!PROPERTIES.some((p) => p.id === id))
      throw new InputError(`--property: unknown property '${id}'; known: ${PROPERTIES.map((p) => p.id).join(', ')}`);
  }
  const inputs = flags.config === undefined ? defaultMatrix() : readConfigs(flags.config);
  // --expect is read before exploring: a bad file costs nothing. With --record it may not exist yet.
  const expectFile = flags.expect;
  const givenExpected =
    expectFile === undefined
      ? null
      : flags.record && !existsSync(expectFile)
        ? { verdicts: {} }
        : readExpectedFile(expectFile);
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
    const bar =
      !flags.json && process.stderr.isTTY
        ? new SingleBar(
            {
              format: 'exploring {bar} {value}/{total} configurations | {states} states in progress | {config}',
              hideCursor: true,
              stream: process.stderr,
            },
            Presets.shades_classic,
          )
        : null;
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
                counterexample:
                  r.counterexample === null ? null : (files.get(`${run.config}\u0000${r.property}`) ?? null),
                ...(r.note === null ? {} : { note: r.note }),
              })),
            ),
            runs: runs.map((r) => ({
              config: r.config,
              states: r.states,
              transitions: r.edges,
              seconds: Number(r.seconds.toFixed(3)),
              complete: r.complete,
              stopReason: r.stopReason,
            })),
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
      io.out(
        expectFile === undefined
          ? matrix
          : matrix.replace(
              /(every verdict matches|differ from) src\/specs\/expected\.json/,
              (_m, lead: string) => `${lead} ${expectFile}`,
            ),
      );
      if (flags.coverage) io.out(formatCoverage(runs));
      for (const r of incomplete) {
        io.out(
          `incomplete: ${r.config}: ${stopText(r)} after ${r.states} states and ${r.edges} transitions (${r.seconds.toFixed(1)} s); its verdicts other than FAIL are "?"`,
        );
      }
      if (interrupted) {
        io.out(
          `interrupted: ${runs.length - incomplete.length} of ${inputs.length} configurations explored to the end, ${incomplete.length} stopped part-way, ${notStarted} not started (the results above are partial)`,
        );
      }
      // The main job also reports on real input: the committed real-kernel transcripts.
      if (flags.config === undefined && !interrupted) io.out(realKernelsLine());
    }
    if (flags.record && interrupted)
      io.err('--record: nothing recorded: the run was interrupted and its verdicts are partial');
    if (interrupted) return 130;
    return mismatches.length ? 1 : 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** One line on the committed real-kernel transcripts (test/real/, `npm run lab -- run`): how
 *  many paths on which kernels, and how many steps agree with the model (src/conform/). */
export function realKernelsLine(dir = fileURLToPath(new URL('../../test/real', import.meta.url))): string {
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.jsonl'))
        .sort()
    : [];
  if (files.length === 0) return 'real kernels: no transcripts in test/real/ (npm run lab -- run records them)';
  const results = files.map((f) => conform(readTranscript(join(dir, f))));
  const kernels = [...new Set(results.map((r) => r.kernel))].sort();
  const perKernel = kernels.map((k) => `${results.filter((r) => r.kernel === k).length} on ${k}`).join(', ');
  const { steps, agree, whole } = totals(results);
  return `real kernels (test/real/, QEMU): ${files.length} paths (${perKernel}): ${agree} of ${steps} steps agree with the model, ${whole} paths throughout`;
}
