// The adapter between the model and the simulator: replay one list of external events through both
// (the model through src/log/replay.ts, the simulator through createSim) and report the first step
// where what a user can observe differs, field by field.
import type { Config } from '../config';
import type { Errno, ExternalEvent } from '../events';
import { replay } from '../log/replay';
import { createSim, type SimObservation, type SimOptions } from './index';

/** What one step looks like from outside: the verdict and the observation after it. */
export interface ObservedStep extends SimObservation {
  accepted: boolean;
  errno: Errno | null;
}

export interface FieldDiff {
  /** 'accepted', 'errno', 'dump', 'vmcore', 'meminfo' (/proc/meminfo's CMA lines), 'cmdline'
   *  (/proc/cmdline), or 'sysfs:<path>'. */
  field: string;
  model: unknown;
  sim: unknown;
}

export interface StepDiff {
  /** 0: before any event; n: after the n-th event. */
  step: number;
  event: ExternalEvent | null;
  fields: FieldDiff[];
}

export interface Comparison {
  steps: number;
  firstDiff: StepDiff | null;
}

/** The model's observations: step 0 is the initial state. */
export function modelRun(config: Config, events: readonly ExternalEvent[]): ObservedStep[] {
  const r = replay(
    config,
    events.map((event, i) => ({ line: i + 2, event })),
  );
  const initial: ObservedStep = {
    accepted: true,
    errno: null,
    sysfs: r.initial.sysfs,
    vmcore: r.initial.vmcore,
    dump: r.initial.dump,
    meminfo: r.initial.meminfo,
    cmdline: r.initial.cmdline,
  };
  return [
    initial,
    ...r.steps.map((s) => ({
      accepted: s.accepted,
      errno: s.errno,
      sysfs: s.sysfs,
      vmcore: s.vmcore,
      dump: s.dump,
      meminfo: s.meminfo,
      cmdline: s.cmdline,
    })),
  ];
}

export interface SimRun {
  steps: ObservedStep[];
}

export function simRun(config: Config, events: readonly ExternalEvent[], options: SimOptions = {}): SimRun {
  const sim = createSim(config, options);
  const steps: ObservedStep[] = [{ accepted: true, errno: null, ...sim.observe() }];
  for (const e of events) {
    const r = sim.apply(e);
    steps.push({ accepted: r.accepted, errno: r.errno, ...sim.observe() });
  }
  return { steps };
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The fields of one step that differ. */
export function diffStep(model: ObservedStep, sim: ObservedStep): FieldDiff[] {
  const out: FieldDiff[] = [];
  if (model.accepted !== sim.accepted) out.push({ field: 'accepted', model: model.accepted, sim: sim.accepted });
  if (model.errno !== sim.errno) out.push({ field: 'errno', model: model.errno, sim: sim.errno });
  if (model.dump !== sim.dump) out.push({ field: 'dump', model: model.dump, sim: sim.dump });
  if (!same(model.vmcore, sim.vmcore)) out.push({ field: 'vmcore', model: model.vmcore, sim: sim.vmcore });
  if (!same(model.meminfo, sim.meminfo)) out.push({ field: 'meminfo', model: model.meminfo, sim: sim.meminfo });
  if (model.cmdline !== sim.cmdline) out.push({ field: 'cmdline', model: model.cmdline, sim: sim.cmdline });
  const paths = [...new Set([...Object.keys(model.sysfs), ...Object.keys(sim.sysfs)])].sort();
  for (const p of paths) {
    const m = model.sysfs[p];
    const s = sim.sysfs[p];
    if (m !== s) out.push({ field: `sysfs:${p}`, model: m ?? '(absent)', sim: s ?? '(absent)' });
  }
  return out;
}

/** The first step where two runs differ. */
export function firstDifference(
  events: readonly ExternalEvent[],
  model: readonly ObservedStep[],
  sim: readonly ObservedStep[],
): StepDiff | null {
  const n = Math.min(model.length, sim.length);
  for (let i = 0; i < n; i++) {
    const m = model[i];
    const s = sim[i];
    if (m === undefined || s === undefined) break;
    const fields = diffStep(m, s);
    if (fields.length) return { step: i, event: i === 0 ? null : (events[i - 1] ?? null), fields };
  }
  return null;
}

/** Replays the events through the model and the simulator and returns the first difference. */
export function compare(config: Config, events: readonly ExternalEvent[], options: SimOptions = {}): Comparison {
  const model = modelRun(config, events);
  const sim = simRun(config, events, options);
  return { steps: events.length, firstDiff: firstDifference(events, model, sim.steps) };
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? 'undefined';
  return s.length > 160 ? `${s.slice(0, 70)}…(${s.length} chars)…${s.slice(-70)}` : s;
}

/** A human-readable account of a difference. */
export function formatDiff(config: Config, events: readonly ExternalEvent[], d: StepDiff): string {
  const lines = [
    `config: ${config.name}`,
    `events: ${events.map((e) => short(e)).join(' ')}`,
    `first difference at step ${d.step}${d.event ? ` (${JSON.stringify(d.event)})` : ''}:`,
  ];
  for (const f of d.fields) lines.push(`  ${f.field}: model=${short(f.model)} sim=${short(f.sim)}`);
  return lines.join('\n');
}
