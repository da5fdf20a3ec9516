// A trace of an event log for pictures and step-throughs: replay() (src/log/replay.ts) with, for
// every delivery between actors, whether the receiving actor reacted to it, and per step the
// facts a reviewer needs beside the files: the partition's memory, the elfcorehdr the firmware
// holds (built at registration before the 2024 change), and the PT_LOADs that would describe the
// memory at the crash exactly. Also: the step at which a property breaks along the log.
import {
  ACTORS,
  createSystem,
  xstateStepper,
  type ActorId,
  type ActorStepper,
  type StepResult,
  type System,
  type SystemState,
} from '../../machines/system';
import type { Config } from '../config';
import type { AnyEvent, Errno, ExternalEvent, InternalEvent } from '../events';
import type { LogEntry } from '../log/parse';
import { replay, type Explanation } from '../log/replay';
import { elfcorePtLoads, normalize, vmcoreFileLayout, type PtLoad, type Range } from '../memory/layout';
import { diffPtLoads, memoryText, ptLoadsText, rangesText, type PtLoadDiff } from '../memory/map';
import type { DumpVerdict } from '../explain/outcome';
import { expectedPtLoads, type Property, type Step } from '../specs/properties';
import { FILES } from '../sysfs/store';
import { running, type Observation } from '../sysfs/view';

export type Participant = 'user' | ActorId;
export const PARTICIPANTS: readonly Participant[] = ['user', ...ACTORS];

/** What the receiving actor did with a delivery: changed its state or context or emitted events;
 *  emitted only 'ignored' (it refuses the event, with a reason); nothing observable. */
export type Reaction = 'reacted' | 'ignored' | 'none';

export interface TraceDelivery {
  from: Participant;
  to: ActorId;
  event: AnyEvent;
  reaction: Reaction;
  /** The reason it gave, when it ignored the event. */
  reason: string | null;
  /** The events it emitted in answer (but the 'ignored' observations). */
  emitted: InternalEvent[];
}

export interface Frame extends Observation, Explanation {
  /** 0 is the state before the first event. */
  index: number;
  line: number | null;
  event: ExternalEvent | null;
  accepted: boolean;
  errno: Errno | null;
  note: string | null;
  /** The crashing kernel's lines during the step, then the kernel's fadump lines, verbatim
   *  (replay's `panic` and `console`: src/sysfs/panic.ts, src/sysfs/console.ts). */
  panic: string[];
  console: string[];
  dumpReason: string | null;
  /** The partition's memory as the firmware assigns it. */
  memory: Range[];
  /** The elfcorehdr in the reserved area, as the firmware holds it: with the registration, or
   *  with the preserved dump after a crash; null when none was built in the first kernel. */
  elfcorehdr: PtLoad[] | null;
  elfcorehdrHolder: 'registration' | 'dump' | null;
  /** The PT_LOADs that describe the crashed kernel's memory exactly (when a dump is pending). */
  expected: PtLoad[] | null;
  /** With an elfcorehdr registered: the one a registration would build from the memory now. */
  current: PtLoad[] | null;
  deliveries: TraceDelivery[];
}

export interface Trace {
  config: Config;
  events: ExternalEvent[];
  frames: Frame[];
  /** states[i] is the system state of frames[i]. */
  states: SystemState[];
  /** results[i - 1]: the system step that led to frames[i]. */
  results: StepResult[];
}

interface Call {
  reacted: boolean;
  emitted: InternalEvent[];
}

/** PT_LOADs as /proc/vmcore shows them, or null. */
function fileLayout(p: PtLoad[] | null, pageSize: number): PtLoad[] | null {
  return p === null ? null : vmcoreFileLayout(p, pageSize);
}

function firmwareFacts(
  s: SystemState,
  pageSize: number,
): Pick<Frame, 'memory' | 'elfcorehdr' | 'elfcorehdrHolder' | 'expected' | 'current'> {
  const fw = s.actors.firmware.context;
  const reg = fw.registration;
  const dump = fw.dump;
  const holder =
    reg !== null && reg.elfcorehdr !== null
      ? 'registration'
      : dump !== null && dump.elfcorehdr !== null
        ? 'dump'
        : null;
  return {
    memory: normalize(fw.memory),
    elfcorehdr:
      holder === 'registration' ? (reg?.elfcorehdr ?? null) : holder === 'dump' ? (dump?.elfcorehdr ?? null) : null,
    elfcorehdrHolder: holder,
    // As /proc/vmcore would show them (file offsets), to compare with what it does show.
    expected: fileLayout(expectedPtLoads(s), pageSize),
    current:
      holder === 'registration' && reg !== null
        ? elfcorePtLoads({
            memory: fw.memory,
            bootRegions: reg.bootRegions,
            bootMemTop: reg.bootMemTop,
            bootMemDest: reg.bootMemDest,
            area: reg.area,
          })
        : null,
  };
}

/** Replays a log, recording what every actor did with every delivery. */
export function traceLog(config: Config, log: readonly LogEntry[] | readonly ExternalEvent[]): Trace {
  // A log entry's event is an object; an event's `event` is its name. Bare events get the lines a
  // log file would give them (line 1 is the header).
  const isEntry = (x: LogEntry | ExternalEvent): x is LogEntry => typeof x.event === 'object';
  const entries: LogEntry[] = log.map((x: LogEntry | ExternalEvent, i) => (isEntry(x) ? x : { line: i + 2, event: x }));
  const system = createSystem(config);
  const plain = xstateStepper(system.machines);
  let calls: Call[] = [];
  const recording: ActorStepper = {
    step(actor, snapshot, event) {
      const r = plain.step(actor, snapshot, event);
      // A reaction is a change of state or context, or something emitted: re-entering the same
      // state (a reset of an actor already reset) is none.
      const key = (x: typeof snapshot) => JSON.stringify({ v: x.value, c: x.context });
      const changed = r.reacted && (r.emitted.length > 0 || key(r.snapshot) !== key(snapshot));
      calls.push({ reacted: changed, emitted: r.emitted });
      return r;
    },
  };
  const perStep: Call[][] = [];
  const results: StepResult[] = [];
  const wrapped: System = {
    ...system,
    step(state, event) {
      calls = [];
      const r = system.step(state, event, recording);
      perStep.push(calls);
      results.push(r);
      return r;
    },
  };
  const r = replay(config, entries, wrapped);
  const frames: Frame[] = [];
  const first = r.states[0];
  if (first === undefined) throw new Error('replay gave no initial state');
  frames.push({
    ...r.initial,
    index: 0,
    line: null,
    event: null,
    accepted: true,
    errno: null,
    note: null,
    panic: [],
    console: [],
    dumpReason: first.dumpReason,
    ...firmwareFacts(first, config.pageSize),
    deliveries: [],
  });
  r.steps.forEach((step, i) => {
    const state = r.states[i + 1];
    const ds = r.deliveries[i] ?? [];
    const cs = perStep[i] ?? [];
    if (state === undefined || cs.length !== ds.length)
      throw new Error(`trace: step ${i + 1} recorded ${cs.length} actor steps for ${ds.length} deliveries`);
    const deliveries = ds.map((d, k): TraceDelivery => {
      const c = cs[k] ?? { reacted: false, emitted: [] };
      const ignored = c.emitted.filter((e): e is Extract<InternalEvent, { type: 'ignored' }> => e.type === 'ignored');
      const onlyIgnored = c.emitted.length > 0 && ignored.length === c.emitted.length;
      return {
        from: d.from,
        to: d.to,
        event: d.event,
        reaction: !c.reacted ? 'none' : onlyIgnored ? 'ignored' : 'reacted',
        reason: onlyIgnored ? ignored.map((e) => e.reason).join('; ') : null,
        emitted: c.emitted.filter((e) => e.type !== 'ignored'),
      };
    });
    const { line, event, accepted, errno, note, ...observation } = step;
    frames.push({
      ...observation,
      index: i + 1,
      line,
      event,
      accepted,
      errno,
      note,
      dumpReason: state.dumpReason,
      ...firmwareFacts(state, config.pageSize),
      deliveries,
    });
  });
  return { config, events: entries.map((e) => e.event), frames, states: r.states, results };
}

// ---------------------------------------------------------------------------------------------
// Where a property breaks along a trace

export interface Break {
  /** The frame whose state (or whose step) breaks the property. */
  frame: number;
  how: 'state' | 'step' | 'graph';
}

/** The first frame at which the property is broken along the trace; null when it holds all along
 *  (or does not apply). Graph properties (liveness, deadlock) are properties of the whole state
 *  graph: their counterexample leads to the offending state, so they break at its last frame
 *  ('at-end'), and along any other log they are not decided ('undecided': null). */
export function findBreak(p: Property, trace: Trace, graph: 'at-end' | 'undecided' = 'at-end'): Break | null {
  const c = trace.config;
  if (p.notApplicable(c) !== null) return null;
  if (p.kind === 'state') {
    const i = trace.states.findIndex((s) => !p.holds(s, c));
    return i < 0 ? null : { frame: i, how: 'state' };
  }
  if (p.kind === 'step') {
    let m = 0;
    for (let i = 1; i < trace.states.length; i++) {
      const pre = trace.states[i - 1];
      const post = trace.states[i];
      const r = trace.results[i - 1];
      const event = trace.events[i - 1];
      if (pre === undefined || post === undefined || r === undefined || event === undefined) break;
      if (!p.triggers(event)) continue;
      const step: Step = { pre, event, post, handled: r.handled, errno: r.errno, ignored: r.ignored };
      if (!p.holds(step, m, c)) return { frame: i, how: 'step' };
      if (p.monitor) m = p.monitor(m, step, c);
    }
    return null;
  }
  if (p.check === 'every-event-handled') {
    const i = trace.results.findIndex((r) => !r.handled && r.ignored.length === 0);
    return i < 0 ? null : { frame: i + 1, how: 'step' };
  }
  // Liveness and deadlock are not decided along one log: the explorer's verdict stands.
  return graph === 'undecided' ? null : { frame: trace.frames.length - 1, how: 'graph' };
}

// ---------------------------------------------------------------------------------------------
// Formatting and comparing what the frames hold

// The helpers moved to src/memory/map.ts (shared with replay and check); re-exported here.
export {
  described,
  diffPtLoads,
  hexOf,
  memoryText,
  minus,
  ptLoadsText,
  rangeText,
  rangesText,
  sizeText,
  type PtLoadDiff,
} from '../memory/map';

/** The key facts of a frame a picture notes when they change: the registered file, release_mem,
 *  /proc/vmcore, the dump outcome, the memory and the elfcorehdr the firmware holds. */
export interface Facts {
  registered: string | null;
  releaseMem: boolean;
  vmcore: string | null;
  dump: string;
  memory: string;
  elfcorehdr: string | null;
}

/** The dump outcome in a few words, for a picture's note. */
function dumpFact(o: DumpVerdict): string {
  switch (o.kind) {
    case 'lost':
    case 'not-armed':
    case 'not-triggered':
      return `${o.kind}: ${o.message}`;
    case 'captured-stale':
      return `captured-stale${o.missing.length ? `: misses ${rangesText(o.missing)}` : ''}${o.extra.length ? `${o.missing.length ? ',' : ':'} describes ${rangesText(o.extra)} in excess` : ''}`;
    case 'captured-partial':
      return `captured-partial: not preserved ${rangesText(o.notPreserved)}`;
    default:
      return o.kind;
  }
}

export function factsOf(f: Frame): Facts {
  return {
    registered: f.sysfs[FILES.registered]?.trim() ?? null,
    releaseMem: FILES.releaseMem in f.sysfs,
    vmcore: f.vmcore === null ? null : ptLoadsText(f.vmcore.ptLoad),
    dump: dumpFact(f.outcome),
    memory: memoryText(f.memory),
    elfcorehdr: f.elfcorehdr === null ? null : ptLoadsText(f.elfcorehdr),
  };
}

/** The elfcorehdr the firmware holds with a live registration describes other memory than the
 *  partition has now: a crash now would export it as it is. */
export function staleness(f: Frame): PtLoadDiff | null {
  if (f.elfcorehdrHolder !== 'registration' || f.elfcorehdr === null || f.current === null) return null;
  const d = diffPtLoads(f.elfcorehdr, f.current);
  return d.same ? null : d;
}

/** Which kernel runs in a frame's state. */
export function runningKernel(s: SystemState): ActorId | null {
  const r = running(s);
  return r === 'capture' ? 'captureKernel' : r === 'production' ? 'productionKernel' : null;
}
