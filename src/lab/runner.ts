// The lab's run: every (kernel, path) pair on its own guest, two guests at a time, one transcript
// per pair written when the path ends (so an interrupted run keeps what finished and a resumed run
// skips it), each conformed against the model as soon as it is written.
import { appendFileSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { ExternalEventSchema, type ExternalEvent } from '../events';
import type { Guest as GuestDescription, Header, Step, Transcript } from '../conform/transcript';
import { InputError, readText } from '../util/read';
import { config as makeConfig, stableJson } from '../config';
import { generatePaths } from '../explore/paths';
import { guestConfig, modelConfigOf, parseJsonWith } from '../conform/transcript';
import { cmdlineProblem } from '../log/parse';
import { buildKdumpInitramfs, kernelVariant, labDir, type KernelVariant } from './lab';
import { kdumpctlEvent, kdumpEvent, performableOn, runPath, type RunResult, type Timeouts } from './run';

/** A path of the lab: a name, the events a guest performs, and optionally the guest's CPUs
 *  (possible, and present at boot: -smp onlineCpus,maxcpus=cpus) where the path hot-adds CPUs, its
 *  memory: boot RAM (memoryMiB, -m) and pc-dimms present at boot (dimmsMiB, MiB each), and its
 *  kernel command line (cmdline, QEMU's -append: every boot of the guest has it). */
export interface LabPath {
  name: string;
  events: ExternalEvent[];
  guest?: {
    /** The machine: QEMU's pseries (the default) or powernv10 (OPAL, powernvArgs()). */
    platform?: GuestDescription['platform'];
    /** The kernel command line of every boot of the path, in place of the lab's. */
    cmdline?: string;
    /** false: QEMU keeps the hash page table's size fixed (-machine pseries,resize-hpt=disabled). */
    resizeHpt?: false;
    cpus?: number;
    onlineCpus?: number;
    memoryMiB?: number;
    dimmsMiB?: number[];
  };
}

/** Sizes QEMU and the kernel take for memory: whole 256 MiB LMBs. */
const lmbMultiple = z
  .number()
  .int()
  .min(256)
  .max(4096)
  .refine((n) => n % 256 === 0, { message: 'expected a multiple of 256 MiB (an LMB)' });

const LabPathSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    guest: z
      .object({
        platform: z.enum(['pseries', 'powernv']).optional(),
        resizeHpt: z.literal(false).optional(),
        cpus: z.number().int().min(1).max(8).optional(),
        onlineCpus: z.number().int().min(1).max(8).optional(),
        memoryMiB: lmbMultiple.optional(),
        dimmsMiB: z.array(lmbMultiple).min(1).max(4).optional(),
        /** The guest's kernel command line instead of the lab's (every boot of the guest has it;
         *  crashkernel= and no fadump= makes the model's mechanism kdump, modelConfigOf()). The hvc0
         *  console is how the host talks to the guest agent. */
        cmdline: z
          .string()
          .max(1024)
          .refine((c) => /(^| )console=hvc0( |$)/.test(c), { message: 'expected console=hvc0 in the command line' })
          .optional(),
      })
      .strict()
      .refine((g) => (g.cpus === undefined) === (g.onlineCpus === undefined), {
        message: 'give cpus and onlineCpus together',
      })
      .refine((g) => (g.onlineCpus ?? 0) <= (g.cpus ?? 0), { message: 'onlineCpus is above cpus' })
      // PowerNV has no DLPAR (CPUs and pc-dimms are pSeries hot-plug, hotplug-cpu.c and
      // hotplug-memory.c under platforms/pseries/).
      .refine((g) => g.platform !== 'powernv' || (g.cpus === undefined && g.dimmsMiB === undefined), {
        message: 'a powernv guest takes no cpus, onlineCpus or dimmsMiB (no DLPAR on PowerNV)',
      })
      // resize-hpt is a property of QEMU's pseries machine (hw/ppc/spapr.c).
      .refine((g) => g.platform !== 'powernv' || g.resizeHpt === undefined, {
        message: 'a powernv guest takes no resizeHpt (a pseries machine property)',
      })
      .optional(),
    events: z.array(ExternalEventSchema).min(1),
  })
  .strict();

/** The most a paths file may be (the committed ones are some tens of KiB). */
const MAX_PATHS_FILE_BYTES = 16 * 1024 * 1024;

/** The configuration keys the model reads from a guest's command line (modelConfigOf()): an issue
 *  with one of them is the path's `guest.cmdline`. */
const CMDLINE_KEYS = new Set(['cmdline', 'fadump', 'crashkernel', 'crashkernelBase']);

/** Reads a paths file: JSONL, one {"name", "events"} per line. InputError with file, line and
 *  field for a missing or unreadable file, one without paths, a bad line, an event the guest
 *  cannot perform, or (given `base`, the lab's guest for a kernel) a guest the model takes no
 *  configuration of (guestOf(base, path) through modelConfigOf() and parseConfig(): a bad
 *  crashkernel= in guest.cmdline), so that no guest starts for a path whose transcript the model
 *  would refuse. */
export function readLabPaths(file: string, base?: GuestDescription): LabPath[] {
  const out: LabPath[] = [];
  readText(file, {
    maxBytes: MAX_PATHS_FILE_BYTES,
    what: 'a paths file',
    why: 'one path a line',
  })
    .split('\n')
    .forEach((text, i) => {
      if (text.trim() === '' || text.startsWith('#')) return;
      const p = parseJsonWith(LabPathSchema, text, file, i + 1);
      const platform = p.guest?.platform ?? 'pseries';
      const bad = p.events.findIndex((e) => !performableOn(e, platform));
      if (bad >= 0)
        throw new InputError(
          `${file}:${i + 1}: field 'events.${bad}': a ${platform} guest under QEMU cannot perform "${p.events[bad]?.event ?? ''}"`,
        );
      if (base !== undefined) {
        const c = guestConfig(guestOf(base, p));
        if (!c.ok) {
          const field =
            c.keys.every((k) => CMDLINE_KEYS.has(k)) && p.guest?.cmdline !== undefined ? 'guest.cmdline' : 'guest';
          throw new InputError(`${file}:${i + 1}: field '${field}': the model takes no such guest: ${c.message}`);
        }
        // A boot the guest's configuration cannot take (src/log/parse.ts cmdlineProblem): conform
        // would refuse the transcript the guest's run writes.
        for (const [k, e] of p.events.entries()) {
          const refused = cmdlineProblem(c.config, e);
          if (refused !== null) throw new InputError(`${file}:${i + 1}: field 'events.${k}.cmdline': ${refused}`);
        }
      }
      origins.set(p, `${file}:${i + 1}`);
      out.push(p);
    });
  if (out.length === 0) throw new InputError(`${file}: no paths in it (every line is empty or a # comment)`);
  return out;
}

/** The model's transition-cover paths (src/explore/paths.ts) for a guest, fitted to what a guest
 *  can perform: events it cannot perform (firmware faults, the kdump service, kexec) are dropped,
 *  a memory remove is kept only where the path added a DIMM to remove, each path starts with a
 *  boot and is cut to `maxEvents`; duplicates are merged. The first `count`, named generated-N. */
export function generatedLabPaths(guest: GuestDescription, count: number, maxEvents = 10): LabPath[] {
  const set = generatePaths(makeConfig(modelConfigOf(guest)));
  const seen = new Set<string>();
  const out: LabPath[] = [];
  for (const p of set.paths) {
    let added = 0;
    const events: ExternalEvent[] = [{ event: 'boot' }];
    for (const e of p.events) {
      if (events.length >= maxEvents) break;
      // kdump's and kdumpctl's events need a kdump guest (lab/paths/kdump.jsonl): the generated
      // paths stay fadump's.
      if (
        !performableOn(e, guest.platform) ||
        kdumpEvent(e) ||
        kdumpctlEvent(e) ||
        (events.length === 1 && e.event === 'boot')
      )
        continue;
      if (e.event === 'memory-hotplug') {
        const n = e.lmbs ?? 0;
        if (e.action === 'remove' && added < n) continue;
        added += e.action === 'add' ? n : -n;
      }
      events.push(e);
    }
    const key = JSON.stringify(events);
    if (events.length < 2 || seen.has(key)) continue;
    seen.add(key);
    out.push({ name: `generated-${out.length + 1}`, events });
    if (out.length >= count) break;
  }
  return out;
}

/** The guest every lab path runs on: a 2 GiB, 1-CPU pSeries LPAR with room to hot-add 2 GiB. */
export function labGuest(k: KernelVariant, qemu: string): GuestDescription {
  return {
    platform: 'pseries',
    kernel: k.series,
    kernelRelease: k.release,
    kernelSource: k.source,
    qemu,
    memoryMiB: 2048,
    maxMemoryMiB: 4096,
    lmbMiB: 256,
    cpus: 1,
    nrCpus: k.nrCpus,
    pageSizeKiB: k.pageSizeKiB,
    mmu: 'radix',
    cmdline: 'console=hvc0 fadump=on panic=10',
  };
}

/** The lab's guest with a path's own CPUs, memory and command line: maxmem keeps room to hot-add
 *  2 GiB beside boot RAM and any pc-dimms at boot (boot RAM + DIMMs + 2048 MiB). */
export function guestOf(base: GuestDescription, p: LabPath): GuestDescription {
  if (p.guest?.platform === 'powernv') {
    const g = powernvGuest(base, p.guest.memoryMiB);
    return p.guest.cmdline === undefined ? g : { ...g, cmdline: p.guest.cmdline };
  }
  const g = { ...base, ...p.guest };
  const dimms = (g.dimmsMiB ?? []).reduce((a, b) => a + b, 0);
  return { ...g, maxMemoryMiB: g.memoryMiB + dimms + 2048 };
}

/** The lab's PowerNV guest beside a pSeries one (same kernel and QEMU): a powernv10 machine of one
 *  CPU and 2 GiB (or `memoryMiB`) whose kernel logs on OPAL's console (hvc0, hvc_opal.c), with no
 *  DLPAR (maxMemoryMiB = memoryMiB). */
export function powernvGuest(base: GuestDescription, memoryMiB = base.memoryMiB): GuestDescription {
  return {
    ...base,
    platform: 'powernv',
    memoryMiB,
    maxMemoryMiB: memoryMiB,
    cpus: 1,
  };
}

/** Which MMU the guest's kernel took, from its boot messages (the radix or hash MMU's lines). */
export function mmuOf(steps: readonly Step[]): GuestDescription['mmu'] | null {
  for (const s of steps)
    for (const l of s.observed?.console ?? []) {
      if (/^radix-mmu:/.test(l)) return 'radix';
      if (/^hash-mmu: Initializing hash mmu/.test(l)) return 'hash';
    }
  return null;
}

/** A transcript's JSONL text. */
export function transcriptText(header: Header, r: RunResult): string {
  return `${[header, ...r.steps, r.end].map((x) => JSON.stringify(x)).join('\n')}\n`;
}

export interface Job {
  kernel: KernelVariant;
  path: LabPath;
  file: string;
}

export interface RunPlan {
  jobs: Job[];
  /** Pairs that already have a transcript (a resumed run skips them). */
  done: Job[];
}

/** The (kernel, path) pairs and which already have a transcript in `outDir`. */
export function plan(kernels: readonly KernelVariant[], paths: readonly LabPath[], outDir: string): RunPlan {
  const all = kernels.flatMap((kernel) =>
    paths.map((path) => ({
      kernel,
      path,
      file: join(outDir, `${path.guest?.platform ?? 'pseries'}-${kernel.name}-${path.name}.jsonl`),
    })),
  );
  return { jobs: all.filter((j) => !existsSync(j.file)), done: all.filter((j) => existsSync(j.file)) };
}

/** Where each path read from a paths file was given ("file:line"), for messages. */
const origins = new WeakMap<LabPath, string>();

/** Where a path was given ("file:line"), or "--paths generated" for a generated one. */
export function originOf(p: LabPath): string {
  return origins.get(p) ?? '--paths generated';
}

/** The guest fields a path sets (guestOf()): a recorded transcript is of the path only if its
 *  guest has the same. */
const PATH_GUEST_FIELDS = ['platform', 'memoryMiB', 'dimmsMiB', 'cpus', 'onlineCpus', 'cmdline', 'resizeHpt'] as const;

/** Whether the transcript already recorded for a pair (a resumed run skips it) is of the path as
 *  it is now: null if so, else what differs (an event, or a guest field of guestOf()). A transcript
 *  that ended early holds a prefix of the path's events. */
export function recordedDiffers(job: Job, recorded: Transcript, qemu: string): string | null {
  const events = recorded.steps.slice(1).map((s) => s.event);
  const completed = recorded.end?.end === 'completed';
  for (let i = 0; i < Math.max(events.length, completed ? job.path.events.length : 0); i++) {
    const was = events[i];
    const now = job.path.events[i];
    if (stableJson(was) !== stableJson(now))
      return `event ${i + 1} was ${was === undefined || was === null ? 'none' : JSON.stringify(was)}, the path has ${now === undefined ? 'none' : JSON.stringify(now)}`;
  }
  const want = guestOf(labGuest(job.kernel, qemu), job.path);
  for (const f of PATH_GUEST_FIELDS) {
    const was = recorded.header.guest[f];
    const now = want[f];
    if (stableJson(was) !== stableJson(now))
      return `the guest's ${f} was ${was === undefined ? 'not set' : JSON.stringify(was)}, the path's guest has ${now === undefined ? 'none' : JSON.stringify(now)}`;
  }
  return null;
}

export interface ExecuteOptions {
  jobs: number;
  initramfs: string;
  qemuVersion: string;
  deadline: number;
  signal: AbortSignal;
  onDone: (job: Job, r: RunResult) => void;
  timeouts?: Partial<Timeouts>;
}

/** Runs the jobs, `jobs` at a time, until done, the deadline or the signal; writes each
 *  transcript when its path ends (a temporary file renamed into place). */
export async function execute(todo: readonly Job[], o: ExecuteOptions): Promise<void> {
  const queue = [...todo];
  const work = join(labDir(), 'run');
  mkdirSync(work, { recursive: true });
  const worker = async () => {
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
      if (o.signal.aborted || Date.now() > o.deadline) return;
      const { guest, initramfs } = kdumpGuest(guestOf(labGuest(job.kernel, o.qemuVersion), job.path), job, o.initramfs);
      const r = await runPath(
        job.path.events,
        {
          guest,
          vmlinux: job.kernel.vmlinux,
          initramfs,
          workDir: work,
          // The raw console (firmware, kernel and agent) beside the run, for a path that hangs.
          onConsole: (text) => appendFileSync(join(work, `${basename(job.file, '.jsonl')}.console`), text),
          ...(o.timeouts ? { timeouts: o.timeouts } : {}),
        },
        o.signal,
      );
      if (r.end.end === 'interrupted') return;
      const g = { ...guest, mmu: mmuOf(r.steps) ?? guest.mmu };
      const header: Header = {
        transcript: 1,
        path: job.path.name,
        guest: g,
        recorded: new Date().toISOString().slice(0, 10),
      };
      mkdirSync(join(job.file, '..'), { recursive: true });
      writeFileSync(`${job.file}.tmp`, transcriptText(header, r));
      renameSync(`${job.file}.tmp`, job.file);
      o.onDone(job, r);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.jobs) }, worker));
}

/** A path with kdump's or kdumpctl's events (kdumpEvent(), kdumpctlEvent(): kdumpctl start and
 *  reload load in kdump mode) runs on an initramfs with kexec-tools, the kernel's
 *  vmlinux and a capture initramfs (buildKdumpInitramfs()); the guest records the sizes `kexec -p`
 *  loads, which the model's capture kernel takes (modelConfigOf()). Other paths: as given. */
export function kdumpGuest(
  guest: GuestDescription,
  job: Job,
  initramfs: string,
): { guest: GuestDescription; initramfs: string } {
  if (!job.path.events.some((e) => kdumpEvent(e) || kdumpctlEvent(e))) return { guest, initramfs };
  const k = buildKdumpInitramfs(job.kernel.vmlinux, job.kernel.name);
  return {
    guest: { ...guest, kdump: { imageBytes: k.imageBytes, initrdBytes: k.initrdBytes } },
    initramfs: k.initramfs,
  };
}

/** The built kernel variants, or an InputError naming what to build. */
export function kernelsOf(names: readonly string[]): KernelVariant[] {
  return names.map((n) => {
    const k = kernelVariant(n);
    if (k instanceof Error) throw new InputError(k.message);
    return k;
  });
}

/** The QEMU version line of the lab's wrapper (qemu/run --version). */
export function qemuVersionOf(text: string): string {
  return /QEMU emulator version (\S+)/.exec(text)?.[1] ?? 'unknown';
}
