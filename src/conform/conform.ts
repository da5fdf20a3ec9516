// conform: holds the model to a real kernel's transcript. The transcript's events are replayed
// through the model configured as the guest was, and every step is compared: the write's errno,
// each fadump file's contents (with the /sys/kernel/fadump_* aliases and debugfs fadump_region),
// /proc/vmcore's PT_LOAD table, whether a dump is exported, the kernel's fadump console lines and
// /proc/meminfo's CmaTotal and CmaFree, and /proc/cmdline.
import { basename } from 'node:path';
import type { Config } from '../config';
import { judgeVmcore, type DumpVerdict } from '../explain/outcome';
import { normalize, vmcoreFileLayout } from '../memory/layout';
import { CPU_ONLINE_FILE } from '../memory/cpus';
import { expectedKdumpPtLoads, expectedPtLoads } from '../specs/properties';
import { replay, type Replay } from '../log/replay';
import { cmdlineProblem } from '../log/parse';
import type { Observation } from '../sysfs/view';
import { InputError, readText } from '../util/read';
import { KEXEC_FILES } from '../sysfs/store';
import { running } from '../sysfs/view';
import { kdumpCaptureMemoryMap } from '../memory/kdump';
import type { Range } from '../memory/layout';
import {
  EndSchema,
  HeaderSchema,
  StepSchema,
  guestConfig,
  parseJsonText,
  validateJson,
  type Observed,
  type Transcript,
} from './transcript';

/** One field of one step where the model and the guest differ. */
export interface Divergence {
  /** The transcript's file name (no directory). */
  transcript: string;
  step: number;
  /** errno, vmcore, ptload[i].paddr|memsz|offset, ptload.count, vmcore.prstatusNotes, file:<path>,
   *  console[i], panic[i], meminfo:CmaTotal|CmaFree, cmdline (/proc/cmdline). */
  field: string;
  expected: string;
  observed: string;
}

export interface Conformance {
  transcript: string;
  path: string;
  kernel: string;
  /** The steps with an event (step 0, the guest before its first event, records nothing). */
  steps: number;
  /** Of those, the steps where every compared field agrees. */
  agreeingSteps: number;
  divergences: Divergence[];
  /** How the path ended: "completed", or the lab's "guest-died", "timeout", "interrupted" (with
   *  its reason), or "no end line" (a transcript cut short). Only a completed path can agree
   *  throughout: the steps it never reached were not compared. */
  end: string;
  /** The model's dump outcome at the transcript's last step (src/explain/outcome.ts): what the
   *  model says this path ends with, told as replay tells it. */
  outcome: DumpVerdict;
  /** The guest's own /proc/vmcore at the last step that shows one, judged the same way against
   *  the memory at the crash the model holds (the firmware's record of the partition): the real
   *  kernel's captured-accurate or captured-stale; null when the guest exported no vmcore or the
   *  model holds no crash to judge it against. */
  observedOutcome: DumpVerdict | null;
  /** The transcript step (0 is the boot) whose /proc/vmcore observedOutcome judges, and the
   *  model's outcome at that same step: the pair to compare. null when observedOutcome is. */
  observedAt: { step: number; model: DumpVerdict } | null;
}

/** The largest transcript read: a lab path's record is tens of KB (the largest in test/real/,
 *  81 KB). */
export const MAX_TRANSCRIPT_BYTES = 16 * 1024 * 1024;

/** A transcript file's text: bounded, UTF-8 (a byte order mark dropped). InputError naming the
 *  file (and the line of a byte that is not UTF-8). */
function transcriptText(file: string): string {
  return readText(file, {
    maxBytes: MAX_TRANSCRIPT_BYTES,
    what: 'a lab transcript',
    why: "a lab path's record is tens of KB",
  });
}

/** Reads and validates a transcript (JSONL). InputError naming the file, line and field. */
export function readTranscript(file: string): Transcript {
  return parseTranscript(file, transcriptText(file));
}

/** A transcript from its text (JSONL: the header, one line per step numbered from 0, the end
 *  line; blank lines skipped). InputError naming the file, line and field. */
function parseTranscript(file: string, text: string): Transcript {
  const lines = text.split('\n').map((t, i) => ({ text: t.replace(/\r$/, ''), line: i + 1 }));
  const filled = lines.filter((l) => l.text.trim() !== '');
  const first = filled[0];
  if (first === undefined) throw new InputError(`${file}:1: empty transcript`);
  if (/^\s*\{\s*"config"\s*:/.test(first.text))
    throw new InputError(
      `${file}:${first.line}: an event log (a "config" line, then events), not a lab transcript: replay it with \`fadump-model replay ${file}\`; transcripts are what \`npm run lab -- run\` writes (test/real/)`,
    );
  const header = validateJson(HeaderSchema, parseJsonText(first.text, file, first.line), file);
  const t: Transcript = { file, header, steps: [], end: null };
  const config = guestConfig(header.guest);
  if (!config.ok)
    throw new InputError(`${file}:${first.line}: field 'guest': the model takes no such guest: ${config.message}`);
  for (const { text: lineText, line } of filled.slice(1)) {
    if (t.end !== null) throw new InputError(`${file}:${line}: a line after the end line`);
    const doc = parseJsonText(lineText, file, line);
    const v = doc.value;
    // The end line is the one with "end" and no "step".
    if (typeof v === 'object' && v !== null && 'end' in v && !('step' in v)) {
      t.end = validateJson(EndSchema, doc, file);
      continue;
    }
    const s = validateJson(StepSchema, doc, file);
    // Steps are numbered from 0 in order: a step repeated, left out or out of place is refused.
    if (s.step !== t.steps.length)
      throw new InputError(`${file}:${line}: field 'step': step ${s.step} where ${t.steps.length} was expected`);
    // A boot the guest's configuration cannot take, refused as an event log refuses it.
    const refused = s.event === null ? null : cmdlineProblem(config.config, s.event);
    if (refused !== null) throw new InputError(`${file}:${line}: field 'event.cmdline': ${refused}`);
    t.steps.push(s);
  }
  return t;
}

/** The model's configuration for the transcript's guest. InputError when it is not one. */
export function transcriptConfig(t: Transcript): Config {
  const r = guestConfig(t.header.guest);
  if (!r.ok) throw new InputError(`${t.file}:1: field 'guest': the model takes no such guest: ${r.message}`);
  return r.config;
}

/** The files compared: fadump's, fadump_region, and on PowerNV the MPIPL's OPAL core and
 *  release_core (opal-core.c; the core as whether it is an ELF file). */
const FADUMP_FILE =
  /^\/sys\/(kernel\/(fadump\/|fadump_|debug\/powerpc\/fadump_region$)|firmware\/opal\/mpipl\/(core|release_core)$)/;

/** Events whose step has an errno to compare: a write(2), and kdump's `kexec -p` and `kexec -p -u`
 *  (kexec-tools' kexec_load(2), src/lab/run.ts kexecResult()). */
const ERRNO_EVENTS = new Set(['write', 'kexec-load', 'kexec-unload']);

/** kdump's files (kernel/ksysfs.c kexec_crash_loaded, kexec_crash_size; drivers/base/memory.c
 *  crash_hotplug), compared where the model shows them and the guest reported them (transcripts
 *  from before the lab's kdump paths have none). After a `kexec -p` that succeeded the guest is seen
 *  once the syscall has returned, where the model stands inside it (kexec-load, until
 *  kexec-loaded: nothing loaded, do_kexec_load() freed the old image first): kexec_crash_loaded is
 *  compared at the kexec-loaded step instead; so for kdumpctl start and reload (kdump-start,
 *  kdump-reload), whose `kexec -p` the lab runs whole as well. */
function compareKexecFiles(
  model: Observation,
  step: Transcript['steps'][number],
): Omit<Divergence, 'transcript' | 'step'>[] {
  const files = step.observed?.files ?? {};
  // kdumpctl start and reload run the whole `kexec -p` too in kdump mode (src/lab/run.ts
  // kdumpctl()); in fadump mode both sides read 0 there.
  const inLoad =
    (step.event?.event === 'kexec-load' ||
      step.event?.event === 'kdump-start' ||
      step.event?.event === 'kdump-reload') &&
    step.errno === null;
  // Both sides show kexec's files: the model where crashkernel= is given, the guest's agent since
  // it reports them (then a file on one side only is a divergence too).
  const shown = (f: Record<string, unknown>) => KEXEC_FILES.crashLoaded in f;
  if (!shown(model.sysfs) || !shown(files)) return [];
  return Object.values(KEXEC_FILES)
    .filter((p) => !(inLoad && p === KEXEC_FILES.crashLoaded))
    .filter((p) => model.sysfs[p] !== (files[p] ?? undefined))
    .map((p) => ({ field: `file:${p}`, expected: show(model.sysfs[p]), observed: show(files[p]) }));
}

/** /proc/cmdline against the model's, where a kdump capture kernel's elfcorehdr= is an address the
 *  model does not know ("elfcorehdr=(address)", src/sysfs/view.ts) and sits where the loader put it:
 *  kexec_file_load() puts "elfcorehdr=0x%lx " first (setup_kdump_cmdline(), arch/powerpc/kexec/file_load.c), kexec-tools'
 *  kexec_load path appends " elfcorehdr=%luK" (kexec/arch/ppc64/crashdump-ppc64.c
 *  load_crashdump_segments()): the same when both have one and the other words agree in order. */
export function sameCmdline(model: string, real: string): boolean {
  if (model === real) return true;
  const core = (s: string) => s.split(/\s+/).filter((w) => w !== '' && !w.startsWith('elfcorehdr='));
  const has = (s: string) => /(^|\s)elfcorehdr=\S/.test(s);
  return has(model) && has(real) && core(model).join(' ') === core(real).join(' ');
}

/** Whether the model's answer is the guest's: the same errno name, or, for a failure in user
 *  space that names none, kexec-tools' last line (the one it die()s with, KEXEC_TOOLS_FAILURES in
 *  src/events.ts) as the last line of the guest's "E?(...)" (src/lab/run.ts kexecResult(): the
 *  lines before it are kexec-tools' diagnostics, "Could not find a free area of memory of 0x%lx
 *  bytes...", kexecLoadFailure() in src/memory/kdump.ts). */
export function sameErrno(model: string | null, real: string | null): boolean {
  if (model === real) return true;
  const said = (e: string | null) => (e !== null && e.startsWith('E?(') && e.endsWith(')') ? e.slice(3, -1) : null);
  const m = said(model);
  const r = said(real);
  return m !== null && r !== null && r.split('\n').at(-1) === m;
}

function show(v: unknown): string {
  return v === undefined ? '(absent)' : typeof v === 'string' ? v : JSON.stringify(v);
}

/** The fields of one step that differ: the model's observation against the guest's. */
export function compareStep(
  model: Observation,
  modelErrno: string | null,
  modelConsole: readonly string[],
  step: Transcript['steps'][number],
  modelPanic: readonly string[] = [],
): Omit<Divergence, 'transcript' | 'step'>[] {
  const out: Omit<Divergence, 'transcript' | 'step'>[] = [];
  const d = (field: string, expected: unknown, observed: unknown) =>
    out.push({ field, expected: show(expected), observed: show(observed) });
  // The crashing kernel's lines (src/sysfs/panic.ts), where the transcript recorded the raw
  // console of the crash (newer transcripts): each is among them, in the model's order.
  const dying = step.observed?.panic;
  if (dying !== undefined) {
    let at = 0;
    modelPanic.forEach((line, i) => {
      const k = dying.indexOf(line, at);
      if (k < 0) d(`panic[${i}]`, line, dying.includes(line) ? 'logged out of order' : '(not logged)');
      else at = k + 1;
    });
  }
  // Every line the model says the kernel logs is among the kernel's new log lines (which hold
  // many more).
  const logged = step.observed?.console ?? [];
  modelConsole.forEach((line, i) => {
    if (logged.includes(line)) return;
    // What the kernel logged instead, where it logged lines that begin the same way (the first two
    // words: "fadump: Reserving"), so that a different figure shows as one.
    const head = line.split(' ').slice(0, 2).join(' ');
    const alike = logged.filter((l) => l.startsWith(`${head} `));
    d(
      `console[${i}]`,
      line,
      alike.length ? `not logged as such; the kernel logged: ${alike.join(' | ')}` : '(not logged)',
    );
  });
  if (ERRNO_EVENTS.has(step.event?.event ?? '') && !sameErrno(modelErrno, step.errno))
    d('errno', modelErrno ?? 'success', step.errno ?? 'success');
  const o: Observed | null = step.observed;
  const files = Object.fromEntries(Object.entries(o?.files ?? {}).filter(([p]) => FADUMP_FILE.test(p)));
  out.push(...compareKexecFiles(model, step));
  const modelFiles = Object.fromEntries(Object.entries(model.sysfs).filter(([p]) => FADUMP_FILE.test(p)));
  for (const p of [...new Set([...Object.keys(modelFiles), ...Object.keys(files)])].sort()) {
    // A write-only file (release_mem) is present and reads as nothing.
    const seen = p in files ? (files[p] ?? '') : undefined;
    if (modelFiles[p] !== seen) d(`file:${p}`, modelFiles[p], seen);
  }
  // docs/kernel-behaviour.md §11: the online CPUs and the vmcore's NT_PRSTATUS notes, where the model shows them and the
  // guest reported them (transcripts from before have neither).
  const cpus = model.sysfs[CPU_ONLINE_FILE];
  if (cpus !== undefined && o?.cpusOnline !== undefined && cpus !== o.cpusOnline)
    d(`file:${CPU_ONLINE_FILE}`, cpus, o.cpusOnline);
  const notes = model.vmcore?.prstatusNotes;
  const realNotes = o?.vmcore?.prstatusNotes;
  if (notes !== undefined && realNotes !== undefined && notes !== realNotes)
    d('vmcore.prstatusNotes', notes, realNotes);
  const realVmcore = o?.vmcore ?? null;
  const sameKernel = (model.vmcore !== null) === (realVmcore !== null);
  if (!sameKernel) d('vmcore', model.vmcore !== null ? 'exported' : 'none', realVmcore !== null ? 'exported' : 'none');
  // /proc/meminfo's CmaTotal and CmaFree (bytes, meminfoOf()), where the guest recorded them and
  // runs the same kind of kernel as the model (a capture kernel exports /proc/vmcore): where it
  // does not, the 'vmcore' field already holds the divergence, and the CMA lines follow from it.
  // /proc/cmdline (docs/kernel-behaviour.md §12: a capture boot's appended parameters), where the
  // guest recorded one and runs the same kind of kernel.
  if (sameKernel && o !== null && o.cmdline !== '' && model.cmdline !== null && !sameCmdline(model.cmdline, o.cmdline))
    d('cmdline', model.cmdline, o.cmdline);
  if (sameKernel && o !== null && model.meminfo !== null)
    for (const key of ['CmaTotal', 'CmaFree'] as const) {
      const seen = o.meminfo[key];
      if (seen !== undefined && seen !== model.meminfo[key]) d(`meminfo:${key}`, model.meminfo[key], seen);
    }
  if (model.vmcore !== null && realVmcore !== null) {
    const real = realVmcore.phdrs.filter((p) => p.type === 'PT_LOAD');
    const want = model.vmcore.ptLoad;
    if (real.length !== want.length) d('ptload.count', want.length, real.length);
    want.forEach((w, i) => {
      const r = real[i];
      if (r === undefined) return;
      if (w.paddr !== r.paddr) d(`ptload[${i}].paddr`, `0x${w.paddr.toString(16)}`, `0x${r.paddr.toString(16)}`);
      if (w.size !== r.memsz) d(`ptload[${i}].memsz`, `0x${w.size.toString(16)}`, `0x${r.memsz.toString(16)}`);
      if (w.offset !== r.offset) d(`ptload[${i}].offset`, `0x${w.offset.toString(16)}`, `0x${r.offset.toString(16)}`);
    });
  }
  return out;
}

/** The files conformed in this process, by path, with the text they had (conformFile()). */
const conformed = new Map<string, { text: string; transcript: Transcript; conformance: Conformance }>();

/** readTranscript() and conform() of one file, done once per process while the file's text stays
 *  the same: `check` judges the matrix's counterexamples and sums up every transcript, and many
 *  files are both. InputError as readTranscript(). */
export function conformFile(file: string): { transcript: Transcript; conformance: Conformance } {
  const text = transcriptText(file);
  const known = conformed.get(file);
  if (known !== undefined && text === known.text) return known;
  const transcript = parseTranscript(file, text);
  const entry = { text, transcript, conformance: conform(transcript) };
  conformed.set(file, entry);
  return entry;
}

/** conformFile() of each of `files` in turn, the event loop let run between two (a file takes
 *  about 10 ms), until all are kept or `signal` aborts. `check` does this while its worker threads
 *  explore, so that its closing lines, which sum up every committed transcript, find them conformed
 *  (about 2 s of its main thread's time after the exploration otherwise). A file that fails is left
 *  to the caller's own conformFile() of it, which throws the same InputError; this never rejects. */
export async function conformAhead(files: readonly string[], signal?: AbortSignal): Promise<void> {
  for (const file of files) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (signal?.aborted) return;
    try {
      conformFile(file);
    } catch {
      return;
    }
  }
}

/** Replays a transcript's events through the model and compares every step. */
export function conform(t: Transcript): Conformance {
  const config = transcriptConfig(t);
  const events = t.steps.flatMap((s) => (s.event === null ? [] : [s.event]));
  const r = replay(
    config,
    events.map((event, i) => ({ line: i + 2, event })),
  );
  const name = basename(t.file);
  const divergences: Divergence[] = [];
  let agreeingSteps = 0;
  t.steps.forEach((s, i) => {
    const m =
      i === 0
        ? { obs: r.initial, errno: null, console: [], panic: [] }
        : {
            obs: r.steps[i - 1] ?? r.final,
            errno: r.steps[i - 1]?.errno ?? null,
            console: r.steps[i - 1]?.console ?? [],
            panic: r.steps[i - 1]?.panic ?? [],
          };
    const diffs = [...compareStep(m.obs, m.errno, m.console, s, m.panic), ...compareBlocks(r.states[i], s)];
    if (diffs.length === 0 && s.event !== null) agreeingSteps++;
    for (const x of diffs) divergences.push({ transcript: name, step: i, ...x });
  });
  return {
    transcript: name,
    path: t.header.path,
    kernel: `${t.header.guest.platform} ${t.header.guest.kernelRelease}`,
    steps: events.length,
    agreeingSteps,
    divergences,
    end: t.end === null ? 'no end line' : t.end.end === 'completed' ? 'completed' : `${t.end.end}: ${t.end.reason}`,
    outcome: r.final.outcome,
    ...observedOutcome(config, t, r),
  };
}

/** The online memory blocks (/sys/devices/system/memory/memoryN/online) against the model's
 *  partition memory at that step in blocks of the guest's block_size_bytes: a DLPAR remove the
 *  kernel refused leaves them as they were (hotplug-memory.c dlpar_memory_remove_by_ic()). */
function compareBlocks(
  state: Replay['states'][number] | undefined,
  step: Transcript['steps'][number],
): Omit<Divergence, 'transcript' | 'step'>[] {
  const o = step.observed;
  if (state === undefined || o === null || o.memoryBlockBytes <= 0) return [];
  // A block is there (and online) when any of its sections is present (add_memory_block(),
  // drivers/base/memory.c): a kdump capture kernel's memory ending inside a block counts it.
  const touched = new Set<number>();
  for (const m of memoryOfKernel(state))
    for (let b = Math.floor(m.start / o.memoryBlockBytes); b * o.memoryBlockBytes < m.end; b++) touched.add(b);
  const blocks = touched.size;
  return blocks === o.memoryBlocksOnline
    ? []
    : [{ field: 'memoryBlocksOnline', expected: String(blocks), observed: String(o.memoryBlocksOnline) }];
}

/** The memory the running kernel has memory blocks for: the partition's, or in kdump's capture
 *  kernel the memory kexec-tools left it (kdumpCaptureMemoryMap()). */
function memoryOfKernel(state: NonNullable<Replay['states'][number]>): readonly Range[] {
  const ck = state.actors.productionKernel.context.crashkernel;
  return running(state) === 'kdump-capture' && ck !== null
    ? kdumpCaptureMemoryMap(ck)
    : state.actors.firmware.context.memory;
}

/** The guest's last /proc/vmcore judged against the memory at the crash in the model's state of
 *  that step (p_offset as the file shows it on both sides). */
function observedOutcome(
  config: Config,
  t: Transcript,
  r: Replay,
): Pick<Conformance, 'observedOutcome' | 'observedAt'> {
  const none = { observedOutcome: null, observedAt: null };
  for (let i = t.steps.length - 1; i >= 0; i--) {
    const vmcore = t.steps[i]?.observed?.vmcore ?? null;
    if (vmcore === null) continue;
    const state = r.states[i];
    const model = i === 0 ? null : (r.steps[i - 1]?.outcome ?? null);
    if (state === undefined || model === null) return none;
    const real = vmcore.phdrs
      .filter((p) => p.type === 'PT_LOAD')
      .map((p) => ({ paddr: p.paddr, size: p.memsz, offset: p.offset }));
    // kdump's capture kernel: the vmcore of the crashed kernel's memory, the partition's (the
    // firmware's record, unchanged while the capture kernel runs) less crashk_res.
    if (running(state) === 'kdump-capture') {
      const expected = expectedKdumpPtLoads(state, config);
      if (expected === null) return none;
      const memory = normalize(state.actors.firmware.context.memory);
      // By address and size only: kexec-tools appends RTAS's PT_LOAD after the memory ranges, so a
      // missing range would shift its file offset in the accurate layout and count twice.
      const at = (ps: readonly { paddr: number; size: number }[]) => ps.map((p) => ({ ...p, offset: 0 }));
      const observed = judgeVmcore('kdump', at(real), at(expected), memory, 'file');
      return { observedOutcome: observed, observedAt: { step: i, model } };
    }
    const d = state.actors.firmware.context.dump;
    const expected = expectedPtLoads(state);
    if (d === null || expected === null) return none;
    const observed = judgeVmcore(
      'fadump',
      real,
      vmcoreFileLayout(expected, config.pageSize),
      normalize(d.memoryAtCrash),
      'file',
    );
    return { observedOutcome: observed, observedAt: { step: i, model } };
  }
  return none;
}

/** Totals over conformed transcripts: steps, steps that agree, paths that agree throughout. */
export function totals(results: readonly Conformance[]): { steps: number; agree: number; whole: number } {
  return {
    steps: results.reduce((a, r) => a + r.steps, 0),
    agree: results.reduce((a, r) => a + r.agreeingSteps, 0),
    whole: results.filter((r) => r.divergences.length === 0 && r.end === 'completed').length,
  };
}

/** A recorded divergence: where, which field, and why (until the model or a QEMU deviation
 *  settles it). */
export interface KnownDivergence {
  transcript: string;
  step: number;
  field: string;
  reason: string;
}

/** Divergences not in the list, and listed ones that no longer happen (for the transcripts
 *  given). */
export function againstKnown(
  found: readonly Divergence[],
  known: readonly KnownDivergence[],
  transcripts: ReadonlySet<string>,
): { unlisted: Divergence[]; stale: KnownDivergence[] } {
  const key = (x: { transcript: string; step: number; field: string }) => `${x.transcript}#${x.step}#${x.field}`;
  const k = new Set(known.map(key));
  const f = new Set(found.map(key));
  return {
    unlisted: found.filter((x) => !k.has(key(x))),
    stale: known.filter((x) => transcripts.has(x.transcript) && !f.has(key(x))),
  };
}
