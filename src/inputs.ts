// The files a user gives the tools, read and validated at the boundary: configuration files
// (--config: one configuration or an array, --config given once or more) and an expected-verdicts
// file (--expect, --record; src/explore/expected.ts). Every problem is an InputError (exit 2)
// naming the file, the line and the field.
import { parseConfig, type ConfigInput } from './config';
import type { JsonPath } from './util/json';
import { readJsonFile } from './util/json-file';
import { InputError } from './util/read';

export { readExpectedFile, MAX_EXPECTED_FILE_BYTES } from './explore/expected';

export const MAX_CONFIG_FILE_BYTES = 4 * 1024 * 1024;
export const MAX_CONFIGS = 10_000;

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

/** Reads --config files (each one configuration or an array of them), every configuration
 *  validated, every display name unique across all of them (results, counterexample files and the
 *  rows of the matrix are named by it), and every configuration given once (by its canonical key:
 *  expected verdicts and --record find a configuration by it, so two spellings of one would be
 *  judged and recorded as one).
 *  @throws InputError (exit 2) listing every problem with its file, line and field. */
export function readConfigFiles(files: readonly string[]): ConfigInput[] {
  const names = new Map<string, string>();
  const keys = new Map<string, string>();
  const problems: string[] = [];
  const out: ConfigInput[] = [];
  for (const file of files) {
    try {
      out.push(...readConfigs(file, names, keys));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      problems.push(e.message);
    }
  }
  if (problems.length) throw new InputError(problems.join('\n'));
  return out;
}

/** Reads a --config file: one configuration or an array of them, each validated; every problem
 *  names the file, the line and the field.
 *  @param names the display names taken by earlier files (name -> where), added to.
 *  @param keys the canonical keys taken by earlier files (key -> where and name), added to. */
export function readConfigs(
  file: string,
  names = new Map<string, string>(),
  keys = new Map<string, string>(),
): ConfigInput[] {
  const { value: raw, locate } = readJsonFile(file, {
    maxBytes: MAX_CONFIG_FILE_BYTES,
    what: 'a configuration file',
    why: `at most ${MAX_CONFIGS} configurations`,
  });
  const at = (path: JsonPath) => `${file}:${locate(path).line}:`;
  const many = Array.isArray(raw);
  const list: unknown[] = many ? raw : [raw];
  if (list.length === 0) throw new InputError(`${at([])} an empty array: no configuration to check`);
  if (list.length > MAX_CONFIGS)
    throw new InputError(`${at([])} ${list.length} configurations: at most ${MAX_CONFIGS} in one file`);
  const problems: string[] = [];
  list.forEach((c, i) => {
    const base: (string | number)[] = many ? [i] : [];
    if (!isRecord(c)) {
      problems.push(
        `${at(base)} field '${fieldName(base, [])}': expected a configuration object such as {"platform": "pseries"}, got ${c === null ? 'null' : Array.isArray(c) ? 'an array' : typeof c}`,
      );
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
    // Results, counterexample files and the matrix's rows are named by the display name: two
    // configurations with one name would overwrite each other's.
    const here = `${file}${many ? `[${i}]` : ''}`;
    const first = names.get(r.config.name);
    if (first !== undefined) {
      problems.push(
        'name' in c
          ? `${at([...base, 'name'])} field '${fieldName(base, ['name'])}': '${r.config.name}' is also the name of ${first}: results are named by it`
          : keys.has(r.config.key)
            ? `${at(base)} field '${fieldName(base, [])}': the same configuration as ${first} ('${r.config.name}'): results are named by it (give one a "name" if they are meant to differ)`
            : `${at(base)} field '${fieldName(base, [])}': its settings differ from those of ${first}, but both get the generated name '${r.config.name}': results are named by it (give one a "name")`,
      );
      return;
    }
    // Expected verdicts and --record find a configuration by its canonical key: two spellings
    // of one configuration (under two names) would be explored twice and recorded as one entry.
    const where = `${file}:${locate(base).line}${many ? ` [${i}]` : ''} ('${r.config.name}')`;
    const same = keys.get(r.config.key);
    if (same !== undefined) {
      problems.push(
        `${at(base)} field '${fieldName(base, [])}': '${r.config.name}' is the same configuration as ${same}, its settings spelt another way: give each configuration once (expected verdicts and --record find a configuration by its settings, not its name)`,
      );
      return;
    }
    names.set(r.config.name, here);
    keys.set(r.config.key, where);
  });
  if (problems.length) throw new InputError(problems.join('\n'));
  return list as ConfigInput[];
}
