// The human-readable replay: every step with its line, event, verdict, what kdumpctl did, which
// kernel runs, each actor's state, the files, /proc/vmcore's PT_LOADs, the memory map (when it
// changes), the dump outcome told truthfully, and the properties the step breaks with why
// (src/explain/).
import { ACTORS } from '../../machines/system';
import { kernelCmdline, type Config } from '../config';
import { actorsInPlay, type Violation } from '../explain/explainer';
import { outcomeText } from '../explain/outcome';
import { describeEvent, errnoText, kexecToolsLine, type Errno } from '../events';
import { hex } from '../memory/layout';
import { memoryMapLines } from '../memory/map';
import { FILES } from '../sysfs/store';
import type { Meminfo, Observation } from '../sysfs/view';
import { finalObservation, type Explanation, type Replay, type ReplayInitial, type ReplayStep } from './replay';

/** The step's errno line; a failure of kexec-tools in user space names none (KEXEC_TOOLS_FAILURES). */
function errnoLine(errno: Errno): string {
  const said = kexecToolsLine(errno);
  return said === null ? `errno: ${errno}` : `no errno: kexec-tools failed in user space, no syscall made: "${said}"`;
}

function verdict(s: ReplayStep): string {
  if (s.accepted) return 'accepted';
  if (s.errno !== null) return errnoText(s.errno);
  return s.note ?? 'not accepted';
}

/** Files that are written, never read: present, they read as nothing (docs/kernel-behaviour.md §2). */
const WRITE_ONLY = new Set<string>([FILES.releaseMem, '/sys/kernel/fadump_release_mem', FILES.releaseCore]);

/** /proc/meminfo's CMA lines as the file prints them ("%8lu kB", show_val_kb() in
 *  fs/proc/meminfo.c, without the padding); "(no kernel running)" when there is none. */
export function meminfoText(m: Meminfo | null): string {
  if (m === null) return '(no kernel running)';
  return `CmaTotal: ${m.CmaTotal / 1024} kB, CmaFree: ${m.CmaFree / 1024} kB`;
}

function observationLines(
  o: Observation & Explanation,
  shown: readonly string[],
  mapChanged: boolean,
  meminfoChanged: boolean,
  cmdlineChanged = false,
): string[] {
  const out = [`  running: ${o.running}`];
  out.push(`  states: ${shown.map((a) => `${a}=${o.states[a as keyof typeof o.states]}`).join('  ')}`);
  const files = Object.entries(o.sysfs);
  if (files.length === 0) out.push('  files: (none: no kernel with fadump is running)');
  const empty: string[] = [];
  for (const [path, contents] of files) {
    // A readable file that reads empty is named on one line, not listed (fadump_region and
    // bootargs_append while fadump is not enabled).
    if (contents === '' && !WRITE_ONLY.has(path)) {
      empty.push(path);
      continue;
    }
    // A write-only file (release_mem, release_core) reads as nothing: say so rather than print a
    // blank that looks like an empty readable file. The JSON keeps "" (conform and the real
    // kernels' transcripts compare the contents as read).
    if (WRITE_ONLY.has(path)) {
      out.push(`  ${path}: (write-only)`);
      continue;
    }
    const lines = contents.split('\n');
    out.push(`  ${path}: ${lines[0] ?? ''}`);
    for (const more of lines.slice(1)) out.push(`  ${' '.repeat(path.length)}  ${more}`);
  }
  if (empty.length) out.push(`  read empty: ${empty.join(', ')}`);
  if (o.vmcore) {
    const notes = o.vmcore.prstatusNotes;
    out.push(
      `  /proc/vmcore: ${o.vmcore.ptLoad.length} PT_LOAD${notes === undefined ? '' : `, ${notes} NT_PRSTATUS note${notes === 1 ? '' : 's'}`}`,
    );
    for (const p of o.vmcore.ptLoad)
      out.push(`    PT_LOAD paddr=${hex(p.paddr)} size=${hex(p.size)} offset=${hex(p.offset)}`);
  } else {
    out.push('  /proc/vmcore: absent');
  }
  if (meminfoChanged) out.push(`  /proc/meminfo: ${meminfoText(o.meminfo)}`);
  if (cmdlineChanged && o.cmdline !== null) out.push(`  /proc/cmdline: ${o.cmdline}`);
  if (mapChanged) {
    out.push('  memory map:');
    for (const l of memoryMapLines(o.memoryMap)) out.push(`    ${l}`);
  }
  out.push(`  dump: ${outcomeText(o.outcome)}`);
  for (const v of o.violations) {
    if (v.since !== undefined) {
      out.push(`  ✗ ${v.property} still broken (since ${v.since === null ? 'the initial state' : `line ${v.since}`})`);
      continue;
    }
    out.push(`  ✗ ${v.property} broken: ${v.why}`);
    for (const d of v.detail) out.push(`      ${d}`);
    if (v.contrast !== undefined) out.push(`      ${v.contrast}`);
  }
  return out;
}

/** Formats a replay's steps as they come, holding only the last memory map and /proc/meminfo
 *  lines shown (each is printed at the first step and whenever it changes). */
export class TextFormatter {
  private lastMap: string | null = null;
  private lastMeminfo: string | null = null;
  /** The /proc/cmdline last shown: the configuration's own line is taken as known, so a log that
   *  never changes it prints none (docs/kernel-behaviour.md §12). */
  private lastCmdline: string | null;
  private readonly shown: readonly string[];

  constructor(config: Config | null) {
    this.shown = config === null ? ACTORS : actorsInPlay(config);
    this.lastCmdline = config === null ? null : kernelCmdline(config);
  }

  private cmdlineChanged(o: Observation): boolean {
    if (o.cmdline === null || o.cmdline === this.lastCmdline) return false;
    this.lastCmdline = o.cmdline;
    return true;
  }

  private mapChanged(o: Explanation): boolean {
    const key = JSON.stringify(o.memoryMap);
    const changed = key !== this.lastMap;
    this.lastMap = key;
    return changed;
  }

  private meminfoChanged(o: Observation): boolean {
    const key = JSON.stringify(o.meminfo);
    const changed = key !== this.lastMeminfo;
    this.lastMeminfo = key;
    return changed;
  }

  /** The initial state (before the first event), printed for a log with no events. */
  noSteps(initial: ReplayInitial): string {
    return [
      '(the log has no events)',
      ...observationLines(initial, this.shown, this.mapChanged(initial), this.meminfoChanged(initial)),
    ].join('\n');
  }

  /** After the last step: the graph properties the state the log ends in breaks (no-deadlock,
   *  eventually-ready: src/explain/graph.ts), or null when it breaks none. */
  end(violations: readonly Violation[]): string | null {
    if (violations.length === 0) return null;
    const out = ['end of the log:'];
    for (const v of violations) {
      out.push(`  ✗ ${v.property} broken: ${v.why}`);
      for (const d of v.detail) out.push(`      ${d}`);
    }
    return out.join('\n');
  }

  /** One step: its line, event, verdict, console lines, kdumpctl's actions and what a user sees
   *  after it. */
  step(s: ReplayStep): string {
    const out = [`line ${s.line}: ${describeEvent(s.event)} -> ${verdict(s)}`];
    if (s.errno !== null && s.note === null) out.push(`  ${errnoLine(s.errno)}`);
    for (const l of s.panic) out.push(`  console (crashing kernel): ${l}`);
    for (const l of s.console) out.push(`  console: ${l}`);
    for (const l of s.service) out.push(`  ${l}`);
    out.push(...observationLines(s, this.shown, this.mapChanged(s), this.meminfoChanged(s), this.cmdlineChanged(s)));
    return out.join('\n');
  }
}

/** One step, on its own (every actor, the memory map shown). */
export function formatStep(s: ReplayStep): string {
  return new TextFormatter(null).step(s);
}

/** What is printed for a log with no events. */
export function formatNoSteps(initial: ReplayInitial, config: Config | null = null): string {
  return new TextFormatter(config).noSteps(initial);
}

/** The whole replay as `replay LOG` prints it. */
export function formatReplay(r: Replay): string {
  const f = new TextFormatter(r.config);
  if (r.steps.length === 0) return f.noSteps(r.initial);
  return r.steps.map((s) => f.step(s)).join('\n');
}

/** One step as `replay --json` prints it: the observation, `running`, `outcome` (DumpVerdict,
 *  src/explain/outcome.ts), `violations: [{property, why, detail, since?}]`, `memoryMap`
 *  ([{name, start, end, size, note}], bytes), `service` (kdumpctl's actions) and `cmdline`
 *  (/proc/cmdline, docs/kernel-behaviour.md §12). */
export function stepJson(s: ReplayStep): unknown {
  return {
    line: s.line,
    event: s.event,
    accepted: s.accepted,
    errno: s.errno,
    ...(s.note === null ? {} : { note: s.note }),
    console: s.console,
    panic: s.panic,
    service: s.service,
    running: s.running,
    states: s.states,
    sysfs: s.sysfs,
    vmcore: s.vmcore,
    dump: s.dump,
    meminfo: s.meminfo,
    cmdline: s.cmdline,
    outcome: s.outcome,
    violations: s.violations,
    memoryMap: s.memoryMap,
  };
}

/** The whole replay as `replay --json` prints it: every step (stepJson()) and the final
 *  observation with its outcome. */
export function replayJson(r: Replay): unknown {
  return { steps: r.steps.map(stepJson), final: r.final };
}

const indent = (text: string, prefix: string) => text.replace(/\n/g, `\n${prefix}`);

/** JSON.stringify(replayJson(r), null, 2), in pieces (each a run of whole lines), one step at a
 *  time: a long log is printed without holding every step. `atEnd`: the graph properties the
 *  state the log ends in breaks (src/explain/graph.ts), added to "final" as `violations` when
 *  there is one (replay LOG --json passes it). */
export function* replayJsonChunks(
  initial: ReplayInitial,
  steps: Iterable<ReplayStep>,
  atEnd: (() => readonly Violation[]) | null = null,
): Generator<string, void, undefined> {
  let pending: string | null = null;
  let last: ReplayStep | undefined;
  for (const s of steps) {
    yield pending === null ? '{\n  "steps": [' : `${pending},`;
    pending = `    ${indent(JSON.stringify(stepJson(s), null, 2), '    ')}`;
    last = s;
  }
  // The graph properties the final state breaks (src/explain/graph.ts), when asked for: listed
  // only when there is one (the final observation is otherwise as before).
  const broken = atEnd === null ? [] : atEnd();
  const graph = broken.length === 0 ? {} : { violations: broken };
  const final = `  "final": ${indent(JSON.stringify({ ...finalObservation(initial, last), ...graph }, null, 2), '  ')}\n}`;
  // An empty array prints on the opening line.
  if (pending === null) yield `{\n  "steps": [],\n${final}`;
  else yield `${pending}\n  ],\n${final}`;
}
