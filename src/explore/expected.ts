// Expected verdicts: part of the spec. A file of them (the project's src/specs/expected.json, or
// one a user keeps for `check --expect FILE` / `--record FILE`) lists configurations, each with
// its settings, its display name (for the reader) and a verdict per property. A configuration is
// found by its canonical key (src/config.ts: Config.key), never by its name: a custom
// configuration whose name matches a recorded one is not judged against that one's verdicts.
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseConfig, type ConfigInput } from '../config';
import { PROPERTIES } from '../specs/properties';
import type { JsonPath } from '../util/json';
import { readJsonFile } from '../util/json-file';
import { InputError } from '../util/read';
import type { Verdict } from './explore';

/** The project's expected verdicts, what `check` judges against when no --expect is given. */
export const EXPECTED_FILE = new URL('../specs/expected.json', import.meta.url);

/** The largest expected-verdicts file read: the project's own is about 50 KiB for 47 configurations. */
export const MAX_EXPECTED_FILE_BYTES = 16 * 1024 * 1024;

const VerdictSchema = z.enum(['holds', 'violated', 'incomplete', 'n/a']);

/** One configuration's entry on disk: its display name when recorded (for the reader; not used
 *  to find it), its settings (any spelling of them: the canonical key is computed on reading) and
 *  its verdicts by property id. */
export const ExpectedEntrySchema = z
  .object({
    name: z.string(),
    configuration: z.record(z.string(), z.unknown()),
    verdicts: z.record(z.string(), VerdictSchema),
  })
  .strict();

/** An expected-verdicts file: `{"configurations": [{"name", "configuration", "verdicts"}, ...]}`. */
export const ExpectedFileSchema = z.object({ configurations: z.array(ExpectedEntrySchema) }).strict();
export type ExpectedFile = z.infer<typeof ExpectedFileSchema>;

/** One configuration's expected verdicts, with its canonical key and form. */
export interface ExpectedEntry {
  name: string;
  /** The canonical form (src/config.ts Config.canonical). */
  configuration: ConfigInput;
  key: string;
  verdicts: Record<string, Verdict>;
}

/** Expected verdicts, by canonical configuration key. */
export interface Expected {
  entries: Map<string, ExpectedEntry>;
}

/** No expected verdicts at all (a --record file that does not exist yet). */
export function emptyExpected(): Expected {
  return { entries: new Map() };
}

/** The verdicts recorded for a configuration (anything with a canonical key: a Config, a
 *  ConfigRun), or undefined when none are. */
export function expectedFor(expected: Expected, c: { key: string }): Record<string, Verdict> | undefined {
  return expected.entries.get(c.key)?.verdicts;
}

/** `["a b"]["c"]` style display of a path into an expected-verdicts file. */
function fieldOf(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  const [head, ...rest] = path;
  return `${String(head)}${rest.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('')}`;
}

const SHAPE =
  '{"configurations": [{"name": "...", "configuration": {"platform": ...}, "verdicts": {"<property>": "holds"|"violated"|"incomplete"|"n/a"}}]}';

/**
 * Validates an expected-verdicts document (parsed JSON) into Expected: every configuration valid
 * (src/config.ts), no configuration twice (by canonical key), every property id known.
 * @param where names a problem: `(path) => "file:line:"`.
 * @throws InputError (exit 2) listing every problem with its file, line and field.
 */
export function expectedFromJson(value: unknown, file: string, where: (path: JsonPath) => string): Expected {
  const r = ExpectedFileSchema.safeParse(value);
  if (!r.success) {
    const problems = r.error.issues.map((i) => {
      // An unknown key is reported on the object: name the key itself.
      const keys = (i.code === 'unrecognized_keys' ? [...i.path, ...i.keys.slice(0, 1)] : i.path).filter(
        (k): k is string | number => typeof k !== 'symbol',
      );
      return `${where(keys)} field '${fieldOf(keys)}': ${i.message}`;
    });
    throw new InputError(`${file}: not an expected-verdicts file (${SHAPE}):\n${problems.join('\n')}`);
  }
  const known = new Set(PROPERTIES.map((p) => p.id));
  const problems: string[] = [];
  const entries = new Map<string, ExpectedEntry>();
  const index = new Map<string, number>();
  r.data.configurations.forEach((e, i) => {
    const base = ['configurations', i] as const;
    for (const id of Object.keys(e.verdicts)) {
      if (!known.has(id)) {
        const path = [...base, 'verdicts', id];
        problems.push(
          `${where(path)} field '${fieldOf(path)}': unknown property '${id}' (known: ${[...known].join(', ')})`,
        );
      }
    }
    const p = parseConfig(e.configuration);
    if (!p.ok) {
      for (const issue of p.issues) {
        const path = [...base, 'configuration', ...(issue.path === '(config)' ? [] : issue.path.split('.'))];
        problems.push(`${where(path)} field '${fieldOf(path)}': ${issue.message}`);
      }
      return;
    }
    const first = index.get(p.config.key);
    if (first !== undefined) {
      const path = [...base, 'configuration'];
      problems.push(
        `${where(path)} field '${fieldOf(path)}': the same configuration as configurations[${first}] ('${p.config.name}'): each configuration is recorded once`,
      );
      return;
    }
    index.set(p.config.key, i);
    entries.set(p.config.key, {
      name: e.name,
      configuration: p.config.canonical,
      key: p.config.key,
      verdicts: e.verdicts,
    });
  });
  if (problems.length) throw new InputError(`${file}: not a valid expected-verdicts file:\n${problems.join('\n')}`);
  return { entries };
}

/**
 * Reads and validates an expected-verdicts file at the boundary (UTF-8 JSON, at most 16 MiB).
 * @param file a path as given on the command line.
 * @throws InputError (exit 2) naming the file, the line and the field of every problem, e.g.
 *   `bad.json:5: field 'configurations[0].verdicts.no-lost-dump': ...`.
 */
export function readExpectedFile(file: string): Expected {
  const { value, locate } = readJsonFile(file, {
    maxBytes: MAX_EXPECTED_FILE_BYTES,
    what: 'an expected-verdicts file',
    why: 'the limit of --expect and --record',
  });
  return expectedFromJson(value, file, (path) => `${file}:${locate(path).line}:`);
}

/** The project's expected verdicts (src/specs/expected.json), or another file's.
 *  @throws InputError when the file is missing or invalid. */
export function loadExpected(file: URL | string = EXPECTED_FILE): Expected {
  return readExpectedFile(typeof file === 'string' ? file : fileURLToPath(file));
}

/** The file's text: entries sorted by name, two-space JSON, a final newline. */
export function formatExpected(expected: Expected): string {
  const configurations = [...expected.entries.values()]
    .sort((a, b) => a.name.localeCompare(b.name) || a.key.localeCompare(b.key))
    .map((e) => ({ name: e.name, configuration: e.configuration, verdicts: e.verdicts }));
  return `${JSON.stringify({ configurations }, null, 2)}\n`;
}

/** A run as the comparison sees it (ConfigRun has these). */
export interface JudgedRun {
  config: string;
  key: string;
  results: readonly { property: string; verdict: Verdict }[];
}

/** A verdict that fails the run: it differs from the recorded one, or it is a violation with
 *  nothing recorded (`expected: null`). */
export interface Mismatch {
  config: string;
  property: string;
  expected: Verdict | null;
  got: Verdict;
}

/**
 * Judges runs against expected verdicts. A recorded verdict must match exactly. Where nothing is
 * recorded (the configuration, or that property of it), a violation is a failure (a custom
 * configuration's violations are never silently passed) and any other verdict is not judged.
 * @returns the failures, in run order; `unrecorded`: the names of the runs with some verdict not
 *   recorded.
 */
export function compare(
  runs: readonly JudgedRun[],
  expected: Expected,
): { mismatches: Mismatch[]; unrecorded: string[] } {
  const mismatches: Mismatch[] = [];
  const unrecorded: string[] = [];
  for (const run of runs) {
    const want = expectedFor(expected, run);
    if (want === undefined || run.results.some((r) => want[r.property] === undefined)) unrecorded.push(run.config);
    for (const r of run.results) {
      const w = want?.[r.property] ?? null;
      if (w === null ? r.verdict === 'violated' : w !== r.verdict)
        mismatches.push({ config: run.config, property: r.property, expected: w, got: r.verdict });
    }
  }
  return { mismatches, unrecorded };
}

/** What recording changed in a file: new configurations, and verdicts that differ from the ones
 *  it held. */
export interface Recorded {
  expected: Expected;
  added: string[];
  changed: Mismatch[];
  verdicts: number;
}

/**
 * Records runs into expected verdicts: each run's entry gets its verdicts (replacing the entry,
 * or, with `partial`, merged into it property by property); other entries stay as they are.
 */
export function record(
  runs: readonly (JudgedRun & { canonical: ConfigInput })[],
  previous: Expected,
  partial: boolean,
): Recorded {
  const entries = new Map(previous.entries);
  const added: string[] = [];
  const changed: Mismatch[] = [];
  let verdicts = 0;
  for (const run of runs) {
    const old = entries.get(run.key);
    if (old === undefined) added.push(run.config);
    const fresh = Object.fromEntries(run.results.map((r) => [r.property, r.verdict]));
    for (const r of run.results) {
      const was = old?.verdicts[r.property];
      if (was !== undefined && was !== r.verdict)
        changed.push({ config: run.config, property: r.property, expected: was, got: r.verdict });
    }
    verdicts += run.results.length;
    // In PROPERTIES order, so that the file reads the same whatever order --property gave.
    const merged: Record<string, Verdict> = partial ? { ...(old?.verdicts ?? {}), ...fresh } : fresh;
    const ordered = Object.fromEntries(
      PROPERTIES.filter((p) => merged[p.id] !== undefined).map((p) => [p.id, merged[p.id] as Verdict]),
    );
    entries.set(run.key, { name: run.config, configuration: run.canonical, key: run.key, verdicts: ordered });
  }
  return { expected: { entries }, added, changed, verdicts };
}
