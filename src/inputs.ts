// The files a user gives the tools, read and validated at the boundary: a configuration file
// (--config: one configuration or an array) and an expected-verdicts file (--expect). Every
// problem is an InputError (exit 2) naming the file, the line and the field.
import { parseConfig, type ConfigInput } from './config';
import { ExpectedSchema, type Expected } from './explore/check';
import { PROPERTIES } from './specs/properties';
import { parseJson, type JsonPath } from './util/json';
import { decodeUtf8, InputError, readBounded } from './util/read';

export const MAX_CONFIG_FILE_BYTES = 4 * 1024 * 1024;
export const MAX_CONFIGS = 10_000;

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
  const { value, locate } = readJsonDoc(
    file,
    MAX_EXPECTED_FILE_BYTES,
    'an expected-verdicts file',
    'the limit of --expect',
  );
  const at = (path: readonly PropertyKey[]) =>
    `${file}:${locate(path.filter((k): k is string | number => typeof k !== 'symbol')).line}:`;
  const r = ExpectedSchema.safeParse(value);
  if (!r.success) {
    const problems = r.error.issues.map((i) => {
      // An unknown top-level key is reported on the object: name the key itself.
      const keys = i.code === 'unrecognized_keys' ? [...i.path, ...i.keys.slice(0, 1)] : i.path;
      return `${at(keys)} field '${expectedField(keys)}': ${i.message}`;
    });
    throw new InputError(
      `${file}: not an expected-verdicts file ({"verdicts": {"<configuration>": {"<property>": "holds"|"violated"|"incomplete"|"n/a"}}}):\n${problems.join('\n')}`,
    );
  }
  const known = new Set(PROPERTIES.map((p) => p.id));
  const unknown = Object.entries(r.data.verdicts).flatMap(([config, props]) =>
    Object.keys(props)
      .filter((id) => !known.has(id))
      .map(
        (id) =>
          `${at(['verdicts', config, id])} field '${expectedField(['verdicts', config, id])}': unknown property '${id}'`,
      ),
  );
  if (unknown.length)
    throw new InputError(
      `${file}: ${unknown.length} unknown propert${unknown.length === 1 ? 'y' : 'ies'} (known: ${[...known].join(', ')}):\n${unknown.join('\n')}`,
    );
  return r.data;
}

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
    throw new InputError(
      `${file}:${p.line}: not valid JSON (column ${p.column}: ${p.message})${p.truncated ? ': is the file truncated?' : ''}`,
    );
  }
  return json.doc;
}

/** Reads a --config file: one configuration or an array of them, each validated; every problem
 *  names the file, the line and the field. */
export function readConfigs(file: string): ConfigInput[] {
  const { value: raw, locate } = readJsonDoc(
    file,
    MAX_CONFIG_FILE_BYTES,
    'a configuration file',
    `at most ${MAX_CONFIGS} configurations`,
  );
  const at = (path: JsonPath) => `${file}:${locate(path).line}:`;
  const many = Array.isArray(raw);
  const list: unknown[] = many ? raw : [raw];
  if (list.length === 0) throw new InputError(`${at([])} an empty array: no configuration to check`);
  if (list.length > MAX_CONFIGS)
    throw new InputError(`${at([])} ${list.length} configurations: at most ${MAX_CONFIGS} in one file`);
  const problems: string[] = [];
  const names = new Map<string, number>();
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
