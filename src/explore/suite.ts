// The regression suite generated from the model: transition-covering paths, each with what the
// model predicts a user observes after every step (errno, files, /proc/vmcore, /proc/meminfo's CMA
// lines, dump outcome).
import { describeEvent, type Errno, type ExternalEvent } from '../events';
import { observe, type Observation } from '../sysfs/view';
import { Engine } from './engine';
import type { Config } from '../config';
import { firstDifference, type ObservedStep, type StepDiff } from '../sim/adapter';
import { DISAGREEMENTS, recognise, type Disagreement } from '../sim/disagreements';
import type { PathSet, TestPath } from './paths';

export interface ExpectedStep {
  event: ExternalEvent | null;
  accepted: boolean;
  errno: Errno | null;
  sysfs: Observation['sysfs'];
  vmcore: Observation['vmcore'];
  dump: Observation['dump'];
  /** /proc/meminfo's CmaTotal and CmaFree (bytes; src/sysfs/view.ts meminfoOf()). */
  meminfo: Observation['meminfo'];
  /** /proc/cmdline (src/sysfs/view.ts procCmdline()). */
  cmdline: Observation['cmdline'];
}

/** The model's prediction along a path: step 0 is the initial state. Computed with the
 *  exploration's engine (held to XState by test/engine-faithfulness.test.ts). What a user observes
 *  in a state (observe(), a function of the configuration and the state) is computed once per
 *  state of the exploration and shared by every path and step that reaches it (the generated
 *  suite's paths pass each state many times); the steps must not be changed. */
export function expectedSteps(set: PathSet, path: TestPath): ExpectedStep[] {
  const engine = set.exploration.engine;
  const t = engine.initialTuple();
  const seen = observationsOf(set);
  const at = (event: ExternalEvent | null, accepted: boolean, errno: Errno | null): ExpectedStep => {
    const o = seen(t);
    return {
      event,
      accepted,
      errno,
      sysfs: o.sysfs,
      vmcore: o.vmcore,
      dump: o.dump,
      meminfo: o.meminfo,
      cmdline: o.cmdline,
    };
  };
  const out = [at(null, true, null)];
  for (const e of path.letters) {
    const edge = engine.edge(t, e);
    Engine.apply(t, edge);
    out.push(at(set.exploration.alphabet[e] ?? null, edge.handled && edge.errno === null, edge.errno));
  }
  return out;
}

/** What a user observes, by a state's tuple, for one exploration: observe() once per state, equal
 *  observations held once (the faults configuration's 118,818 states show far fewer). */
type Observed = Pick<Observation, 'sysfs' | 'vmcore' | 'dump' | 'meminfo' | 'cmdline'>;
const observations = new WeakMap<PathSet['exploration'], (t: Int32Array) => Observed>();

/** JSON.stringify's replacer that keeps what JSON would lose (undefined, NaN, ±Infinity), so that
 *  two observations with one text are equal. */
const exact = (_key: string, v: unknown): unknown =>
  v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? `\u0000${String(v)}` : v;

function observationsOf(set: PathSet): (t: Int32Array) => Observed {
  const known = observations.get(set.exploration);
  if (known) return known;
  const byState = new Map<string, Observed>();
  const distinct = new Map<string, Observed>();
  const engine = set.exploration.engine;
  const seen = (t: Int32Array): Observed => {
    const key = t.join(',');
    const hit = byState.get(key);
    if (hit) return hit;
    const o = observe(set.config, engine.toState(t));
    const value: Observed = { sysfs: o.sysfs, vmcore: o.vmcore, dump: o.dump, meminfo: o.meminfo, cmdline: o.cmdline };
    const text = JSON.stringify(value, exact);
    const same = distinct.get(text) ?? value;
    distinct.set(text, same);
    byState.set(key, same);
    return same;
  };
  observations.set(set.exploration, seen);
  return seen;
}

/** A test's name: the path's events, as a story. */
export function pathTitle(index: number, path: TestPath, max = 8): string {
  const shown = path.events
    .slice(0, max)
    .map((e) => describeEvent(e).slice(0, 60))
    .join(' -> ');
  const more = path.events.length > max ? ` -> ... (${path.events.length} events)` : '';
  return `path ${index + 1}: ${shown}${more}`;
}

/** Whether src/sim/ states a configuration at all, decided from the configuration: the simulator
 *  is a statement of fadump's kernel side; kdump and the hypervisor-assisted dump are outside it. */
export function comparability(c: Config): { compared: true } | { compared: false; reason: string } {
  if (c.mechanism !== 'fadump')
    return { compared: false, reason: `mechanism "${c.mechanism}": the simulator states fadump only` };
  return { compared: true };
}

/** The step at which the model shows that fadump gave way to kdump (its reservation failed with
 *  crashkernel= set, or fadump=off with crashkernel=: fadump_reserve_mem() in
 *  arch/powerpc/kernel/fadump.c, kdump's reserve_crashkernel()): `enabled` reads 0 there. From
 *  that step on the system runs kdump, which the simulator does not state; the step itself is
 *  compared, so the simulator must show the same fallback. -1 when it never happens. */
export function kdumpFallbackStep(c: Config, model: readonly Pick<ObservedStep, 'sysfs'>[]): number {
  if (c.crashkernel !== null) return model.findIndex((s) => s.sysfs['/sys/kernel/fadump/enabled'] === '0');
  // A boot whose command line gives crashkernel= (docs/kernel-behaviour.md §12): kexec's files
  // appear where its memory is reserved.
  return model.findIndex(
    (s) => s.sysfs['/sys/kernel/fadump/enabled'] === '0' && s.sysfs['/sys/kernel/kexec_crash_size'] !== undefined,
  );
}

/** The files of kdump's side (/sys/kernel/kexec_*, memory/crash_hotplug): the simulator states
 *  fadump only. */
function withoutKdumpFiles(sysfs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(sysfs).filter(
      ([p]) => !p.startsWith('/sys/kernel/kexec_') && p !== '/sys/devices/system/memory/crash_hotplug',
    ),
  );
}

/** How a path of the generated suite compares: the model's prediction against the simulator's
 *  observation after every step.
 *  - agrees: every step is the same;
 *  - disagreement: the first difference is a recorded one (src/sim/disagreements.ts); the steps
 *    before `step` are the same and the rest of the path is not compared;
 *  - kdump: the model falls back to kdump at `step` (kdumpFallbackStep), the steps up to and with
 *    it are the same, and the rest is kdump;
 *  - differs: an unrecorded difference, a failure.
 *  maskedBy: the recorded disagreements whose mask (part of a value made equal on both sides)
 *  changed the outcome of the comparison. */
export type PathVerdict =
  | { kind: 'agrees'; steps: number; maskedBy: string[] }
  | { kind: 'disagreement'; id: string; step: number; maskedBy: string[] }
  | { kind: 'kdump'; step: number; maskedBy: string[] }
  | { kind: 'differs'; diff: StepDiff };

/** Judges one path: `model` and `sim` are the observations after every step (step 0: before the
 *  first event), as expectedSteps() and simRun() give them. */
export function judgePath(
  c: Config,
  events: readonly ExternalEvent[],
  model: readonly ObservedStep[],
  sim: readonly ObservedStep[],
  list: readonly Disagreement[] = DISAGREEMENTS,
): PathVerdict {
  const fallback = kdumpFallbackStep(c, model);
  const upTo = fallback < 0 ? model.length : fallback + 1;
  // At the fallback step kdump's own files (kexec's, crash_hotplug) appear: the simulator does
  // not state them, everything else is compared.
  const fadumpSide = (s: ObservedStep, i: number): ObservedStep => fadumpPart(s, i, fallback);
  const masks = list.filter((d) => d.mask !== undefined);
  const masked = (s: ObservedStep): ObservedStep => maskStep(c, s, masks);
  const m = model.slice(0, upTo).map(fadumpSide);
  const s = sim.slice(0, upTo).map(fadumpSide);
  const diff = firstDifference(events, m.map(masked), s.map(masked));
  // Which masks changed the outcome: the unmasked comparison differs earlier.
  const raw = masks.length ? firstDifference(events, m, s) : null;
  const maskedBy = raw !== null && (diff === null || raw.step < diff.step) ? masks.map((d) => d.id) : [];
  if (diff !== null) {
    const known = recognise(c, diff, list);
    return known === null
      ? { kind: 'differs', diff }
      : { kind: 'disagreement', id: known.id, step: diff.step, maskedBy };
  }
  return fallback < 0 ? { kind: 'agrees', steps: model.length, maskedBy } : { kind: 'kdump', step: fallback, maskedBy };
}

/** Step `i` as the suite compares it when the model falls back to kdump at `fallback`: kdump's own
 *  files left out at that step (the simulator states fadump only). */
export function fadumpPart(s: ObservedStep, i: number, fallback: number): ObservedStep {
  return i === fallback ? { ...s, sysfs: withoutKdumpFiles(s.sysfs) } : s;
}

/** A step with every recorded disagreement's mask applied to its files (what the suite compares). */
export function maskStep(c: Config, s: ObservedStep, list: readonly Disagreement[] = DISAGREEMENTS): ObservedStep {
  const masks = list.filter((d) => d.mask !== undefined);
  if (masks.length === 0) return s;
  return {
    ...s,
    sysfs: Object.fromEntries(
      Object.entries(s.sysfs).map(([p, v]) => [p, masks.reduce((x, d) => d.mask?.(c, p, x) ?? x, v)]),
    ),
  };
}

/** Per configuration, how its paths compared (the figures test/generated/counts.json records). */
export interface SuiteCounts {
  paths: number;
  /** Compared to their end. */
  agree: number;
  /** Compared up to a recorded disagreement, by id. */
  disagreement: Record<string, number>;
  /** Compared up to the model's fallback to kdump. */
  kdump: number;
  /** Not compared: the simulator does not state the configuration (comparability()). */
  notCompared: number;
  /** Compared with a recorded disagreement's mask applied (and differing without it), by id. */
  masked: Record<string, number>;
}
