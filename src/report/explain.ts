// Explanations generated from the data, never written by hand: why a property breaks at a step
// (from the frame's facts: /proc/vmcore's PT_LOADs against the memory at the crash, the dump
// outcome, the states), what each step of the log did, and which single change of configuration
// turns a violation into "holds" (pairs of configurations of the matrix that differ in one key).
import { ACTORS } from '../../machines/system';
import { parseConfig, type ConfigInput } from '../config';
import type { Verdict } from '../explore/explore';
import type { Property } from '../specs/properties';
import { diffPtLoads, ptLoadsText, rangesText, sizeText, type Break, type Frame, type Trace } from './trace';
import { externalLabel, type Sequence } from './sequence';
import { totalSize, type PtLoad } from '../memory/layout';

/** Lines saying why the property fails at the break frame (the note in the picture, the red box
 *  in the step-through). */
export function diagnosis(p: Property, trace: Trace, br: Break, note: string | null): string[] {
  const f = trace.frames[br.frame];
  if (f === undefined) return [];
  const out: string[] = [];
  if (f.vmcore !== null && f.expected !== null) {
    const d = diffPtLoads(f.vmcore.ptLoad, f.expected);
    if (!d.same) {
      out.push(`/proc/vmcore: ${ptLoadsText(f.vmcore.ptLoad)}`);
      out.push(`the memory at the crash needs: ${ptLoadsText(f.expected)}`);
      if (d.missing.length)
        out.push(`missing from the vmcore: ${rangesText(d.missing)} (${sizeText(totalSize(d.missing))})`);
      if (d.extra.length)
        out.push(`described but not memory at the crash: ${rangesText(d.extra)} (${sizeText(totalSize(d.extra))})`);
      if (d.moved.length) out.push(`at the wrong offset: ${d.moved.length} PT_LOAD`);
      const origin = elfcorehdrOrigin(trace, br.frame);
      if (origin !== null) out.push(origin);
      return out;
    }
  }
  if (f.event?.event === 'crash' && f.vmcore === null) {
    out.push(`the crash left no /proc/vmcore: dump ${f.dump}${f.dumpReason ? ` (${f.dumpReason})` : ''}`);
    return out;
  }
  if (note !== null) out.push(note);
  if (br.how === 'step' && f.event !== null) {
    out.push(
      `after ${externalLabel(f.event)}: ${f.accepted ? 'accepted' : f.errno !== null ? `-${f.errno}` : (f.note ?? 'not accepted')}`,
    );
  }
  out.push(`states: ${ACTORS.map((a) => `${a}=${f.states[a]}`).join(', ')}`);
  return out;
}

/** Where the exported elfcorehdr came from: the registration of an earlier step, if so. */
function elfcorehdrOrigin(trace: Trace, upTo: number): string | null {
  const f = trace.frames[upTo];
  if (f === undefined || f.vmcore === null) return null;
  // The same segments: /proc/vmcore rewrites only the file offsets.
  const ranges = (ps: readonly PtLoad[] | null) => JSON.stringify(ps?.map((p) => [p.paddr, p.size]) ?? null);
  const exported = ranges(f.vmcore.ptLoad);
  for (let i = upTo; i >= 1; i--) {
    const g = trace.frames[i];
    const prev = trace.frames[i - 1];
    if (g === undefined || prev === undefined) break;
    if (
      g.elfcorehdrHolder === 'registration' &&
      ranges(g.elfcorehdr) === exported &&
      ranges(prev.elfcorehdr) !== exported
    ) {
      return `the capture kernel exported the elfcorehdr the first kernel built at registration in step ${i} (${g.event ? externalLabel(g.event) : ''}), when the memory was ${rangesText(g.memory)}`;
    }
  }
  return null;
}

/** One paragraph per step: what the step did, from the picture's notes and the states. */
export function narrative(trace: Trace, seq: Sequence): { frame: number; title: string; lines: string[] }[] {
  return seq.steps
    .filter((s) => s.index > 0)
    .map((s) => {
      const f = trace.frames[s.index];
      const prev = trace.frames[s.index - 1];
      const lines: string[] = [];
      if (f !== undefined && prev !== undefined) {
        const changed = ACTORS.filter((a) => f.states[a] !== prev.states[a]).map(
          (a) => `${a}: ${prev.states[a]} → ${f.states[a]}`,
        );
        if (changed.length) lines.push(changed.join('; '));
      }
      // The notes, less the actors' states already listed.
      for (const it of s.items)
        if (it.kind === 'note' && it.tone === 'fact')
          lines.push(...it.lines.filter((l) => !ACTORS.some((a) => l.startsWith(`${a}: `))));
      return { frame: s.index, title: s.title, lines };
    });
}

// ---------------------------------------------------------------------------------------------
// Pairs of configurations that differ in one key

/** A configuration as flat keys ("captureKernel.elfcorehdr"), in its minimal form: every key
 *  whose removal leaves the resolved configuration unchanged is dropped (it says the default), so
 *  that two configurations differ in one key when one choice separates them, the defaults that
 *  follow from it (crashHotplug from elfcorehdr, say) following it. */
export function configKeys(input: ConfigInput): Record<string, string> {
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
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const diff = keys.filter((k) => a[k] !== b[k]);
  if (diff.length !== 1) return null;
  const key = diff[0] ?? '';
  return { key, from: a[key] ?? '(unset)', to: b[key] ?? '(unset)' };
}

export interface ConfigVerdict {
  config: string;
  input: ConfigInput;
  verdict: Verdict;
}

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
export function flips(verdicts: readonly ConfigVerdict[]): Flip[] {
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
  'bootMemoryRule',
];

export function rankKey(key: string): number {
  const i = KEY_ORDER.indexOf(key);
  return i < 0 ? KEY_ORDER.length : i;
}

/** The sentence for a flip. */
export function flipSentence(property: string, f: Flip): string {
  const [a, b] = f.pairs[0] ?? ['', ''];
  return `changing only ${f.key} from ${f.from} to ${f.to} turns ${property} from violated into holds in ${f.pairs.length} pair${f.pairs.length === 1 ? '' : 's'} of configurations (e.g. ${a} → ${b})`;
}

/** Did a frame of a trace describe the memory at the crash exactly? For the contrast's summary. */
export function vmcoreVerdict(f: Frame): string | null {
  if (f.vmcore === null || f.expected === null) return null;
  const d = diffPtLoads(f.vmcore.ptLoad, f.expected);
  return d.same
    ? `/proc/vmcore's PT_LOADs equal those of the memory at the crash (${ptLoadsText(f.expected)})`
    : `/proc/vmcore misses ${rangesText(d.missing)}${d.extra.length ? ` and describes ${rangesText(d.extra)}` : ''}`;
}
