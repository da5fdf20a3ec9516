// Which single change of configuration turns a violation into "holds": pairs of configurations of
// a matrix that differ in one key (the report's findings, check's explanations). Pure, from the
// verdicts the explorer gave.
import { parseConfig, type ConfigInput } from '../config';
import type { Verdict } from '../explore/explore';

/** A configuration as flat keys ("captureKernel.elfcorehdr"), in its minimal form: every key
 *  whose removal leaves the resolved configuration unchanged is dropped (it says the default), so
 *  that two configurations differ in one key when one choice separates them, the defaults that
 *  follow from it (crashHotplug from elfcorehdr, say) following it. */
export function configKeys(input: ConfigInput): Record<string, string> {
  const id = JSON.stringify(input);
  const known = keysMemo.get(id);
  if (known !== undefined) return { ...known };
  const keys = computeConfigKeys(input);
  keysMemo.set(id, keys);
  return { ...keys };
}

/** configKeys() of the inputs seen so far (a matrix is explained many times over). */
const keysMemo = new Map<string, Record<string, string>>();

function computeConfigKeys(input: ConfigInput): Record<string, string> {
  const flat = flatten(input);
  const target = resolvedKey(unflatten(flat));
  for (const k of Object.keys(flat).sort()) {
    if (k === 'name') {
      delete flat[k];
      continue;
    }
    const without = { ...flat };
    delete without[k];
    if (resolvedKey(unflatten(without)) === target) delete flat[k];
  }
  return Object.fromEntries(Object.entries(flat).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

/** A key's value as the resolved configuration has it (for keys left to their default). */
export function resolvedValue(input: ConfigInput, key: string): string {
  const given = flatten(input)[key];
  if (given !== undefined) return typeof given === 'string' ? given : JSON.stringify(given);
  const r = parseConfig(input);
  if (!r.ok) return '(default)';
  const c: Record<string, unknown> = {
    ...r.config,
    ...Object.fromEntries(Object.entries(r.config.captureKernel).map(([k, v]) => [`captureKernel.${k}`, v])),
  };
  const v = c[key];
  return v === undefined ? '(default)' : `${typeof v === 'string' ? v : JSON.stringify(v)} (default)`;
}

function flatten(input: ConfigInput): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined) continue;
    if (k === 'captureKernel' && typeof v === 'object' && v !== null) {
      for (const [ck, cv] of Object.entries(v)) if (cv !== undefined) out[`captureKernel.${ck}`] = cv;
    } else out[k] = v;
  }
  return out;
}

function unflatten(flat: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const ck: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flat)) {
    if (k.startsWith('captureKernel.')) ck[k.slice('captureKernel.'.length)] = v;
    else out[k] = v;
  }
  if (Object.keys(ck).length) out.captureKernel = ck;
  return out;
}

/** The resolved configuration, less its name and input, as a string to compare. */
function resolvedKey(raw: unknown): string {
  const r = parseConfig(raw);
  if (!r.ok) return `invalid: ${JSON.stringify(r.issues)}`;
  const { name: _name, input: _input, ...rest } = r.config;
  return JSON.stringify(rest);
}

/** The one key two configurations differ in, or null. */
export function soleDifference(
  a: Record<string, string>,
  b: Record<string, string>,
): { key: string; from: string; to: string } | null {
  // Every pair of a matrix is asked (flips()): stop at the second difference.
  let key: string | null = null;
  for (const k in a) {
    if (a[k] === b[k]) continue;
    if (key !== null) return null;
    key = k;
  }
  for (const k in b) {
    if (k in a) continue;
    if (key !== null) return null;
    key = k;
  }
  return key === null ? null : { key, from: a[key] ?? '(unset)', to: b[key] ?? '(unset)' };
}

/** One configuration's verdict on one property: its name, its input as the matrix gives it, and
 *  the verdict. */
export interface ConfigVerdict {
  config: string;
  input: ConfigInput;
  verdict: Verdict;
}

/** A single-key change of configuration that turns a property from violated into holds. */
export interface Flip {
  key: string;
  /** The key's values on the violated and the holding side, as resolved ("x (default)"). */
  from: string;
  to: string;
  /** (violated, holds) pairs of configuration names. */
  pairs: [string, string][];
}

/** The single-key changes that turn the property's violations into "holds", most pairs first
 *  (ties: the order of the matrix). */
export function flips(verdicts: readonly ConfigVerdict[]): readonly Flip[] {
  let known = flipsOf.get(verdicts);
  if (known === undefined) {
    known = computeFlips(verdicts);
    flipsOf.set(verdicts, known);
  }
  return known;
}

/** flips() by the verdicts array (src/explain/violation.ts matrixVerdicts() gives one per runs
 *  and property): every violation of a property in check's list asks for the same. */
const flipsOf = new WeakMap<readonly ConfigVerdict[], readonly Flip[]>();

function computeFlips(verdicts: readonly ConfigVerdict[]): Flip[] {
  const keyed = verdicts.map((v) => ({ ...v, keys: configKeys(v.input) }));
  const groups = new Map<string, Flip>();
  for (const a of keyed) {
    if (a.verdict !== 'violated') continue;
    for (const b of keyed) {
      if (b.verdict !== 'holds') continue;
      const d = soleDifference(a.keys, b.keys);
      if (d === null) continue;
      const from = resolvedValue(a.input, d.key);
      const to = resolvedValue(b.input, d.key);
      const id = `${d.key}\u0000${from}\u0000${to}`;
      let g = groups.get(id);
      if (g === undefined) {
        g = { key: d.key, from, to, pairs: [] };
        groups.set(id, g);
      }
      g.pairs.push([a.config, b.config]);
    }
  }
  return [...groups.values()].sort((x, y) => y.pairs.length - x.pairs.length);
}

/** Key order in which flips are shown and contrasts chosen: the generation first (where the
 *  elfcorehdr is built: the question of issue 5), then the other variants of the seeds. */
const KEY_ORDER = [
  'elfcorehdr',
  'captureKernel.elfcorehdr',
  'petitbootPreservesDump',
  'faults',
  'captureKernel.endianness',
  'captureKernel.headerSizes',
  'crashkernel',
  'fadump',
  'registerAtBoot',
  'registeredWrite',
  'udevRule',
  'bootMemoryRule',
];

/** A key's place in KEY_ORDER (unlisted keys last). */
export function rankKey(key: string): number {
  const i = KEY_ORDER.indexOf(key);
  return i < 0 ? KEY_ORDER.length : i;
}

/** The sentence for a flip. */
export function flipSentence(property: string, f: Flip): string {
  const [a, b] = f.pairs[0] ?? ['', ''];
  return `changing only ${f.key} from ${f.from} to ${f.to} turns ${property} from violated into holds in ${f.pairs.length} pair${f.pairs.length === 1 ? '' : 's'} of configurations (e.g. ${a} → ${b})`;
}
