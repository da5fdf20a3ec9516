// Helpers for the behaviour tests (test/story, errno, hotplug, bad-logs): build a log, replay it
// through the public functions (formatLog → parseLog → replay), and read what a user reads —
// the sysfs files, debugfs fadump_region, /proc/vmcore's PT_LOADs — as plain values. The range
// arithmetic here is written independently of src/memory/layout.ts on purpose: the tests check
// the model's layout, they do not reuse it.
import type { ConfigInput } from '../../src/config';
import type { ExternalEvent } from '../../src/events';
import { formatLog, parseLog } from '../../src/log/parse';
import { replay, type Replay, type ReplayStep } from '../../src/log/replay';
import type { Observation } from '../../src/sysfs/view';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
/** ppc64 kernels run with 64K pages. */
export const PAGE = 64 * 1024;

/** The paths a user types. */
export const P = {
  enabled: '/sys/kernel/fadump/enabled',
  registered: '/sys/kernel/fadump/registered',
  memReserved: '/sys/kernel/fadump/mem_reserved',
  hotplugReady: '/sys/kernel/fadump/hotplug_ready',
  releaseMem: '/sys/kernel/fadump/release_mem',
  bootargsAppend: '/sys/kernel/fadump/bootargs_append',
  region: '/sys/kernel/debug/powerpc/fadump_region',
  opalCore: '/sys/firmware/opal/mpipl/core',
  releaseCore: '/sys/firmware/opal/mpipl/release_core',
  // Deprecated symlinks (docs/kernel-behaviour.md §2).
  oldEnabled: '/sys/kernel/fadump_enabled',
  oldRegistered: '/sys/kernel/fadump_registered',
  oldReleaseMem: '/sys/kernel/fadump_release_mem',
} as const;

// ---------------------------------------------------------------------------------------------
// Events

export const boot: ExternalEvent = { event: 'boot' };
export const crash: ExternalEvent = { event: 'crash' };
export const reboot: ExternalEvent = { event: 'reboot' };
export const saveDump: ExternalEvent = { event: 'save-dump' };
export const kdumpReload: ExternalEvent = { event: 'kdump-reload' };
export const kdumpStart: ExternalEvent = { event: 'kdump-start' };

/** `echo value > path` (echo adds the newline; pass raw=true for printf-style writes). */
export function write(path: string, value: string, raw = false): ExternalEvent {
  return { event: 'write', path, value: raw ? value : `${value}\n` };
}

export function hotplug(action: 'add' | 'remove', lmbs: number): ExternalEvent {
  return { event: 'memory-hotplug', action, lmbs };
}

export function fwError(
  call: 'register' | 'unregister' | 'preserve',
  rc: number | 'OPAL_RESOURCE' | 'OPAL_HARDWARE' | 'OPAL_PARAMETER',
): ExternalEvent {
  return { event: 'firmware-error', call, rc };
}

// ---------------------------------------------------------------------------------------------
// Replaying

export interface Run {
  log: string;
  replay: Replay;
  steps: ReplayStep[];
  /** The step of the n-th event (0-based); throws when there is none. */
  at(n: number): ReplayStep;
  last(): ReplayStep;
  /** The dump outcome's reason after the n-th event. */
  reason(n: number): string | null;
}

/** Writes the log as a user would (a JSONL text), parses it and replays it. */
export function run(config: ConfigInput, events: readonly ExternalEvent[], file = 'test.jsonl'): Run {
  return runText(formatLog(config, events), file);
}

export function runText(text: string, file = 'test.jsonl'): Run {
  const parsed = parseLog(text, file);
  const r = replay(parsed.config, parsed.entries);
  const at = (n: number): ReplayStep => {
    const s = r.steps[n];
    if (s === undefined) throw new Error(`no step ${n}: the log has ${r.steps.length} events`);
    return s;
  };
  return {
    log: text,
    replay: r,
    steps: r.steps,
    at,
    last: () => at(r.steps.length - 1),
    reason: (n) => {
      const st = r.states[n + 1];
      if (st === undefined) throw new Error(`no state after event ${n}`);
      return st.dumpReason;
    },
  };
}

/** A file's contents; throws when the file does not exist in that state. */
export function read(o: Observation, path: string): string {
  const v = o.sysfs[path];
  if (v === undefined) throw new Error(`${path} does not exist here; files: ${Object.keys(o.sysfs).join(', ')}`);
  return v;
}

export function exists(o: Observation, path: string): boolean {
  return path in o.sysfs;
}

// ---------------------------------------------------------------------------------------------
// debugfs fadump_region, parsed the way a person reads it (§2, firmware-assisted-dump.rst)

export interface RegionLine {
  kind: 'CPU' | 'HPTE';
  start: number;
  /** Inclusive, as printed. */
  last: number;
  size: number;
  dumped: number;
}

export interface DumpLine {
  src: number;
  dest: number;
  size: number;
  dumped: number;
}

export interface Region {
  lines: string[];
  cpu: RegionLine | null;
  hpte: RegionLine | null;
  dumps: DumpLine[];
  cmdlineAppend: string | null;
  /** "Memory above X is reserved for saving crash dump": X, or null without that line. */
  memoryAbove: number | null;
}

const NUM = '(0x[0-9a-f]+|[0-9]+)';
const num = (s: string | undefined): number => {
  if (s === undefined) throw new Error('missing number');
  const v = Number(s);
  if (!Number.isSafeInteger(v)) throw new Error(`not a number: ${s}`);
  return v;
};

export function parseRegion(text: string): Region {
  const lines = text.split('\n');
  const region: Region = { lines, cpu: null, hpte: null, dumps: [], cmdlineAppend: null, memoryAbove: null };
  for (const line of lines) {
    let m = new RegExp(`^(CPU |HPTE):\\[${NUM}-${NUM}\\] ${NUM} bytes, Dumped: ${NUM}$`).exec(line);
    if (m) {
      const r: RegionLine = {
        kind: m[1] === 'CPU ' ? 'CPU' : 'HPTE',
        start: num(m[2]),
        last: num(m[3]),
        size: num(m[4]),
        dumped: num(m[5]),
      };
      if (r.kind === 'CPU') region.cpu = r;
      else region.hpte = r;
      continue;
    }
    m = new RegExp(`^DUMP: Src: ${NUM}, Dest: ${NUM}, Size: ${NUM}, Dumped: ${NUM} bytes$`).exec(line);
    if (m) {
      region.dumps.push({ src: num(m[1]), dest: num(m[2]), size: num(m[3]), dumped: num(m[4]) });
      continue;
    }
    m = /cmdline append: '(.*)'$/.exec(line);
    if (m) {
      region.cmdlineAppend = m[1] ?? '';
      continue;
    }
    m = new RegExp(`^Memory above ${NUM} is reserved for saving crash dump$`).exec(line);
    if (m) {
      region.memoryAbove = num(m[1]);
      continue;
    }
    if (line.trim() !== '') throw new Error(`unexpected fadump_region line: ${JSON.stringify(line)}`);
  }
  return region;
}

export function regionOf(o: Observation): Region {
  return parseRegion(read(o, P.region));
}

// ---------------------------------------------------------------------------------------------
// Ranges [start, end)

export interface Span {
  start: number;
  end: number;
}

export function merge(spans: readonly Span[]): Span[] {
  const sorted = spans.filter((s) => s.end > s.start).sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const s of sorted) {
    const top = out[out.length - 1];
    if (top !== undefined && s.start <= top.end) top.end = Math.max(top.end, s.end);
    else out.push({ start: s.start, end: s.end });
  }
  return out;
}

export function minus(spans: readonly Span[], cut: Span): Span[] {
  const out: Span[] = [];
  for (const s of merge(spans)) {
    if (s.end <= cut.start || cut.end <= s.start) {
      out.push(s);
      continue;
    }
    if (s.start < cut.start) out.push({ start: s.start, end: cut.start });
    if (cut.end < s.end) out.push({ start: cut.end, end: s.end });
  }
  return out;
}

/** `spans` minus every span of `cuts`. */
export function without(spans: readonly Span[], cuts: readonly Span[]): Span[] {
  return cuts.reduce<Span[]>((left, cut) => minus(left, cut), merge(spans));
}

export function intersect(a: readonly Span[], b: readonly Span[]): Span[] {
  const out: Span[] = [];
  for (const x of merge(a)) {
    for (const y of merge(b)) {
      const start = Math.max(x.start, y.start);
      const end = Math.min(x.end, y.end);
      if (end > start) out.push({ start, end });
    }
  }
  return merge(out);
}

export function bytes(spans: readonly Span[]): number {
  return merge(spans).reduce((n, s) => n + (s.end - s.start), 0);
}

/** Every byte of `inner` lies in `outer`. */
export function covers(outer: readonly Span[], inner: readonly Span[]): boolean {
  return bytes(intersect(outer, inner)) === bytes(inner);
}

/** The physical memory /proc/vmcore's PT_LOADs describe (paddr, size). */
export function vmcoreSpans(o: Observation): Span[] {
  if (o.vmcore === null) throw new Error('/proc/vmcore is absent');
  return o.vmcore.ptLoad.map((p) => ({ start: p.paddr, end: p.paddr + p.size }));
}

/** PT_LOADs never overlap one another. */
export function overlapping(o: Observation): boolean {
  const spans = vmcoreSpans(o);
  return bytes(spans) !== spans.reduce((n, s) => n + (s.end - s.start), 0);
}

/** The reserved dump area as fadump_region and mem_reserved show it: from the first section's
 *  start (CPU on pSeries, the boot-memory destination on OPAL), mem_reserved bytes long. */
export function reservedArea(o: Observation): Span {
  const region = regionOf(o);
  const first = region.dumps[0];
  const start = region.cpu !== null ? region.cpu.start : first !== undefined ? first.dest : NaN;
  if (!Number.isFinite(start)) throw new Error('fadump_region shows no reserved area');
  return { start, end: start + Number(read(o, P.memReserved)) };
}

export const pageAlign = (n: number): number => Math.ceil(n / PAGE) * PAGE;

/** The partition's memory after the n-th event, as the firmware (the HMC's view) holds it. */
export function partitionMemory(r: Run, n: number): Span[] {
  const st = r.replay.states[n + 1];
  if (st === undefined) throw new Error(`no state after event ${n}`);
  return merge(st.actors.firmware.context.memory.map((m) => ({ start: m.start, end: m.end })));
}

/** The internal events that travelled during the n-th event's step (for "no reboot happened"). */
export function traffic(r: Run, n: number): string[] {
  const d = r.replay.deliveries[n];
  if (d === undefined) throw new Error(`no deliveries for event ${n}`);
  return d.map((x) => `${x.from}->${x.to}:${x.event.type}`);
}
