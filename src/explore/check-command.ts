// `npx fadump-model check`: flags validated at the boundary (zod), progress on a terminal,
// exit 0 when every verdict matches the expected ones, 1 when any differs, 2 on bad input,
// 130 when interrupted (the partial result is printed).
import { z } from 'zod';
import { SingleBar, Presets } from 'cli-progress';
import { parseConfig, type ConfigInput } from '../config';
import { parseSize } from '../memory/size';
import { PROPERTIES } from '../specs/properties';
import { writeFileAtomic } from '../util/atomic';
import { compare, EXPECTED_FILE, expectedFrom, loadExpected, runMatrix, writeCounterexamples, type ConfigRun } from './check';
import { formatMatrix } from './format';
import { defaultMatrix } from './matrix';
import { readText, UsageError, type Io } from '../cli';

export interface CheckFlags {
  config?: string;
  property?: string[];
  json?: boolean;
  out: string;
  maxStates?: string;
  maxMemory?: string;
  workers?: string;
  record?: boolean;
}

const positiveInt = (flag: string, text: string | undefined, max: number): number | undefined => {
  if (text === undefined) return undefined;
  const r = z.coerce.number().int().min(1).max(max).safeParse(text);
  if (!r.success || !/^\d+$/.test(text.trim())) throw new UsageError(`--${flag}: expected a whole number from 1 to ${max}, got '${text}'`);
  return r.data;
};

/** Reads a --config file: one configuration or an array of them, each validated. */
export function readConfigs(file: string): ConfigInput[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readText(file).replace(/^\uFEFF/, ''));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${file}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw new UsageError(`${file}: an empty array: no configuration to check`);
  const problems: string[] = [];
  list.forEach((c, i) => {
    const r = parseConfig(c);
    const where = Array.isArray(raw) ? `[${i}].` : '';
    if (!r.ok) for (const p of r.issues) problems.push(`${file}: field '${where}${p.path}': ${p.message}`);
  });
  if (problems.length) throw new UsageError(problems.join('\n'));
  return list as ConfigInput[];
}

export async function checkCommand(flags: CheckFlags, io: Io): Promise<number> {
  const maxStates = positiveInt('max-states', flags.maxStates, 100_000_000);
  const workers = positiveInt('workers', flags.workers, 64);
  let maxMemoryBytes: number | undefined;
  if (flags.maxMemory !== undefined) {
    const b = parseSize(flags.maxMemory);
    if (b === null || b <= 0) throw new UsageError(`--max-memory: expected a size such as 2G or 512M, got '${flags.maxMemory}'`);
    maxMemoryBytes = b;
  }
  for (const id of flags.property ?? []) {
    if (!PROPERTIES.some((p) => p.id === id)) throw new UsageError(`--property: unknown property '${id}'; known: ${PROPERTIES.map((p) => p.id).join(', ')}`);
  }
  const inputs = flags.config === undefined ? defaultMatrix() : readConfigs(flags.config);

  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.on('SIGINT', onSigint);
  const bar = !flags.json && process.stderr.isTTY ? new SingleBar({ format: 'exploring {bar} {value}/{total} configurations | {config}', hideCursor: true, stream: process.stderr }, Presets.shades_classic) : null;
  bar?.start(inputs.length, 0, { config: '' });
  let runs: ConfigRun[];
  try {
    runs = await runMatrix(inputs, {
      ...(flags.property === undefined ? {} : { properties: flags.property }),
      ...(maxStates === undefined ? {} : { maxStates }),
      ...(maxMemoryBytes === undefined ? {} : { maxMemoryBytes }),
      ...(workers === undefined ? {} : { workers }),
      shouldStop: () => interrupted,
      onDone: (run, done) => bar?.update(done, { config: run.config }),
    });
  } finally {
    bar?.stop();
    process.off('SIGINT', onSigint);
  }

  let expected = loadExpected();
  const files = writeCounterexamples(runs, flags.out);
  if (flags.record) {
    expected = expectedFrom(runs, expected);
    writeFileAtomic(EXPECTED_FILE.pathname, `${JSON.stringify(expected, null, 2)}\n`);
  }
  const mismatches = flags.record ? [] : compare(runs, expected);
  const unrecorded = runs.filter((r) => expected.verdicts[r.config] === undefined).map((r) => r.config);
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
          mismatches,
          interrupted,
        },
        null,
        2,
      ),
    );
  } else {
    io.out(formatMatrix(runs, mismatches, files, unrecorded));
    if (interrupted) io.out(`interrupted: ${runs.length} of ${inputs.length} configurations explored (the results above are partial)`);
  }
  if (interrupted) return 130;
  return mismatches.length ? 1 : 0;
}
