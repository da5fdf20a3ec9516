// A transcript: what a real guest showed after every step of an event log (the lab's record,
// lab/README.md). JSONL: a header line, one line per step, and an end line. Validated with zod at
// the boundary like every input; `conform` replays the same events through the model.
import { z } from 'zod';
import { ExternalEventSchema } from '../events';
import { traitsOf } from '../kernel-versions';
import { earlyFadumpParam, lastCrashkernel } from '../memory/cmdline';
import { parseJson, type JsonDocument } from '../util/json';
import { InputError } from '../util/read';
import { issueText, kernelVersion, parseConfig, type Config } from '../config';

/** The guest as run: what the model needs to be configured the same way. */
export const GuestSchema = z
  .object({
    platform: z.enum(['pseries', 'powernv']),
    /** The kernel's upstream version series ("6.1", "6.12") and its full release. */
    kernel: kernelVersion,
    kernelRelease: z.string(),
    /** Debian's source package version the kernel was built from. */
    kernelSource: z.string(),
    qemu: z.string(),
    /** Boot RAM (-m): QEMU's LMBs of it are DRCONF_MEM_RESERVED, never hot-removed. */
    memoryMiB: z.number().int().positive(),
    /** -m maxmem: boot RAM plus every pc-dimm, present or to come. */
    maxMemoryMiB: z.number().int().positive(),
    /** pc-dimms present at boot (-device pc-dimm, MiB each), placed in order from the device-memory
     *  base (deviceMemoryBaseMiB()); they have DRCs and can be device_del'ed. */
    dimmsMiB: z.array(z.number().int().positive()).optional(),
    lmbMiB: z.number().int().positive(),
    /** Possible CPUs: -smp maxcpus (cores of one thread). */
    cpus: z.number().int().positive(),
    /** CPUs at boot (-smp N), when fewer than cpus: the rest can be hot-added. */
    onlineCpus: z.number().int().positive().optional(),
    /** CONFIG_NR_CPUS of the kernel build. */
    nrCpus: z.number().int().positive(),
    pageSizeKiB: z.union([z.literal(4), z.literal(64)]),
    mmu: z.enum(['radix', 'hash']),
    cmdline: z.string(),
    /** false: QEMU's `-machine pseries,resize-hpt=disabled` (no "hcall-hpt-resize" in
     *  ibm,hypertas-functions, hw/ppc/spapr.c spapr_dt_rtas()): the kernel keeps its hash page
     *  table's size across memory hot-add (src/lab/lab.ts pseriesArgs()). Absent: QEMU's default. */
    resizeHpt: z.literal(false).optional(),
    /** kdump paths: what `kexec -p` loads into the crashkernel= region, in bytes: the vmlinux's
     *  first PT_LOAD memsz and the capture initramfs (src/lab/lab.ts buildKdumpInitramfs()). */
    kdump: z
      .object({ imageBytes: z.number().int().positive(), initrdBytes: z.number().int().positive() })
      .strict()
      .optional(),
  })
  .strict();
export type Guest = z.infer<typeof GuestSchema>;

/** Where QEMU's pseries puts device memory (pc-dimms), in MiB: the RAM size rounded up to 1 GiB
 *  (hw/ppc/spapr.c spapr_machine_init(): device_mem_base = ROUND_UP(machine->ram_size,
 *  SPAPR_DEVICE_MEM_ALIGN),
 *  include/hw/ppc/spapr.h "1GB alignment for hotplug memory region"). 512 → 1024, 2048 → 2048. */
export function deviceMemoryBaseMiB(ramMiB: number): number {
  return Math.ceil(ramMiB / 1024) * 1024;
}

/** The model's configuration for a guest (src/config.ts keys): the platform, the kernel's version
 *  series (every version-dependent behaviour, src/kernel-versions.ts), QEMU's firmware (its
 *  CPU-state and HPTE sizes), RAM with no DLPAR below it and pc-dimm slots above it, CPUs, page
 *  size, MMU, and the command line with what the kernel reads from it: fadump= as
 *  early_fadump_param() leaves it (no fadump= is off) and crashkernel= (src/memory/cmdline.ts). */
export function modelConfigOf(g: Guest): Record<string, unknown> {
  if (g.platform === 'powernv') return powernvConfigOf(g);
  const dimms = (g.dimmsMiB ?? []).reduce((a, b) => a + b, 0);
  // With pc-dimms at boot the partition's memory is boot RAM, the gap up to the device-memory base
  // (a hole: QEMU lists its LMBs as reserved) and the DIMMs; the device-memory region is as large
  // as maxmem - ram_size [I: QEMU adds per-slot alignment, which no path here reaches].
  const base = dimms > 0 ? deviceMemoryBaseMiB(g.memoryMiB) : g.memoryMiB;
  const memory = dimms > 0 ? { memoryMiB: base + dimms } : { memoryMiB: g.memoryMiB };
  const crashkernel = lastCrashkernel(g.cmdline);
  return {
    platform: g.platform,
    kernel: g.kernel,
    firmware: 'qemu',
    ...memory,
    ...(base > g.memoryMiB ? { memoryHolesMiB: [{ startMiB: g.memoryMiB, sizeMiB: base - g.memoryMiB }] } : {}),
    lmbMiB: g.lmbMiB,
    minMemoryMiB: g.memoryMiB,
    maxMemoryMiB: base + g.maxMemoryMiB - g.memoryMiB,
    cpus: g.cpus,
    ...(g.onlineCpus !== undefined ? { onlineCpus: g.onlineCpus } : {}),
    nrCpus: g.nrCpus,
    pageSizeKiB: g.pageSizeKiB,
    mmu: g.mmu,
    cmdline: g.cmdline,
    fadump: earlyFadumpParam(g.cmdline, traitsOf(g.kernel).cma),
    // CONFIG_CRASH_HOTPLUG is off in the lab's kernels (kdumpConfigOf()), whatever the mechanism:
    // no /sys/devices/system/memory/crash_hotplug beside crashkernel= with fadump= either.
    ...(crashkernel === null ? {} : { crashkernel, crashHotplug: false }),
    ...kdumpConfigOf(g),
  };
}

/** The model's configuration of a guest (modelConfigOf() through src/config.ts parseConfig()), or
 *  why the model cannot take it: `message` joins the parser's issues (issueText()), `keys` are the
 *  configuration keys they name. */
export function guestConfig(g: Guest): { ok: true; config: Config } | { ok: false; message: string; keys: string[] } {
  const r = parseConfig(modelConfigOf(g));
  if (r.ok) return { ok: true, config: r.config };
  return { ok: false, message: r.issues.map(issueText).join('; '), keys: r.issues.map((i) => i.path) };
}

const MIB = 1024 * 1024;

/** The working memory of the lab's capture kernel (a busybox initramfs that reads /proc/vmcore,
 *  lab/guest/agent) beside its image and initramfs: kdump-utils' `kdumpctl estimate`
 *  (do_estimate()) counts 64M of "userspace usage and kernel runtime allocation"; the lab's 6.12
 *  capture kernel booted and read the dump in crashkernel=128M
 *  (test/real/pseries-6.12-64k-cx-kdump-crashkernel-128m-kdump-start-kexec-loaded-crash.jsonl)
 *  [I: 64 MiB, an estimate below that bound; the model's default, 160 MiB, is a distribution's]. */
export const LAB_CAPTURE_WORKING_MIB = 64;

/** The kdump part of a guest's configuration, from its command line: with `crashkernel=` (the last
 *  one, as get_last_crashkernel() reads it; modelConfigOf() passes it on) and no `fadump=`, the
 *  mechanism is kdump; the capture kernel's image and initramfs are the sizes the lab loads (MiB, rounded
 *  up, and in bytes); CONFIG_CRASH_HOTPLUG and CONFIG_KEXEC_FILE are off in the lab's kernels
 *  (lab/kconfig/common.frag leaves them out and allnoconfig keeps them off), so kexec-tools' `kexec
 *  -p` falls back to kexec_load (kexecSyscall). Else nothing (the fadump mechanism, as before). */
export function kdumpConfigOf(g: Guest): Record<string, unknown> {
  if (lastCrashkernel(g.cmdline) === null || /(^| )fadump=/.test(g.cmdline)) return {};
  return {
    mechanism: 'kdump',
    crashHotplug: false,
    kexecSyscall: 'kexec_load',
    ...(g.kdump === undefined
      ? {}
      : {
          captureKernel: {
            imageMiB: Math.ceil(g.kdump.imageBytes / MIB),
            initrdMiB: Math.ceil(g.kdump.initrdBytes / MIB),
            imageBytes: g.kdump.imageBytes,
            initrdBytes: g.kdump.initrdBytes,
            workingMiB: LAB_CAPTURE_WORKING_MIB,
          },
        }),
  };
}

/** The model's configuration for a PowerNV guest (QEMU's powernv10 running skiboot): the kernel's
 *  series, RAM, CPUs, page size, MMU and command line; no pSeries firmware key (OPAL plays its
 *  part) and no DLPAR (minMemoryMiB = maxMemoryMiB = RAM). QEMU runs no petitboot: after an MPIPL
 *  skiboot boots the kernel QEMU loaded (-kernel) straight away, which leaves the dump as it is, the
 *  model's petitbootPreservesDump: true (QEMU deviation, named in the README's PowerNV paragraph). */
function powernvConfigOf(g: Guest): Record<string, unknown> {
  return {
    platform: 'powernv',
    kernel: g.kernel,
    memoryMiB: g.memoryMiB,
    lmbMiB: g.lmbMiB,
    minMemoryMiB: g.memoryMiB,
    maxMemoryMiB: g.memoryMiB,
    cpus: g.cpus,
    nrCpus: g.nrCpus,
    pageSizeKiB: g.pageSizeKiB,
    mmu: g.mmu,
    cmdline: g.cmdline,
    // fadump= as the kernel parses the guest's line (early_fadump_param(): a path's "fadump=nocma").
    fadump: earlyFadumpParam(g.cmdline, traitsOf(g.kernel).cma),
    petitbootPreservesDump: true,
    opalReservedRanges: QEMU_POWERNV10_OPAL_RESERVED,
  };
}

/** OPAL's reserved memory on the lab's powernv10 guest (QEMU 11.1.3's skiboot v7.1-106, one CPU,
 *  2 GiB), merged as the kernel merges it: skiboot from SKIBOOT_BASE 0x30000000 (include/mem-map.h)
 *  — ibm,firmware-code, -heap (HEAP_BASE), -data, -stacks (CPU_STACKS_BASE = SKIBOOT_BASE +
 *  SKIBOOT_SIZE), -dump, -arch-registers — and ibm,firmware-allocs-memory, skiboot's run-time
 *  allocations, up to 0x35381fff: the "OF: reserved mem" lines every powernv transcript logs at
 *  boot. The allocations' end is skiboot's at run time, not a constant of its source [I: measured
 *  on this guest]. */
export const QEMU_POWERNV10_OPAL_RESERVED: readonly { start: number; size: number }[] = [
  { start: 0x30000000, size: 0x35382000 - 0x30000000 },
];

export const HeaderSchema = z
  .object({
    transcript: z.literal(1),
    /** A name for the path (where it came from). */
    path: z.string().min(1),
    guest: GuestSchema,
    /** The day it was recorded (YYYY-MM-DD). */
    recorded: z.string(),
  })
  .strict();
export type Header = z.infer<typeof HeaderSchema>;

/** One ELF program header of /proc/vmcore as the guest's file shows it (bytes). */
export const PhdrSchema = z
  .object({ type: z.string(), offset: z.number(), paddr: z.number(), filesz: z.number(), memsz: z.number() })
  .strict();

/** What the guest showed after a step. */
export const ObservedSchema = z
  .object({
    /** 'normal' or 'capture' (/proc/vmcore exists), or null when no kernel answers. */
    boot: z.enum(['normal', 'capture']).nullable(),
    /** Readable files under /sys/kernel/fadump, the /sys/kernel/fadump_* aliases and debugfs
     *  fadump_region: path → contents (trailing newline removed); write-only files map to null. */
    files: z.record(z.string(), z.string().nullable()),
    vmcore: z
      .object({
        size: z.number(),
        phdrs: z.array(PhdrSchema),
        /** NT_PRSTATUS notes in the PT_NOTE segment (one per CPU); absent in older transcripts. */
        prstatusNotes: z.number().int().nonnegative().optional(),
      })
      .strict()
      .nullable(),
    cmdline: z.string(),
    meminfo: z.record(z.string(), z.number()),
    memoryBlockBytes: z.number(),
    memoryBlocksOnline: z.number(),
    /** /sys/devices/system/cpu/online (a CPU list); absent in older transcripts. */
    cpusOnline: z.string().optional(),
    /** /proc/iomem's "Crash kernel" lines (kdump's crashkernel= region, export_crashk_res() in
     *  arch/powerpc/kexec/core.c), where the guest's agent reports them; absent in older transcripts. */
    iomem: z.array(z.string()).optional(),
    /** The kernel's log lines since the previous step, timestamps removed. */
    console: z.array(z.string()),
    /** On a crash step, the crashing kernel's lines on the raw console before the next boot
     *  (dyingLines(), src/lab/observe.ts); absent in older transcripts. */
    panic: z.array(z.string()).optional(),
  })
  .strict();
export type Observed = z.infer<typeof ObservedSchema>;

export const StepSchema = z
  .object({
    step: z.number().int().nonnegative(),
    /** null for step 0, the guest before any event (not booted). */
    event: ExternalEventSchema.nullable(),
    /** For a write: null when it succeeded, else the errno name; null for other events. */
    errno: z.string().nullable(),
    /** What the guest's own tool said (a shell's message, dd's count), verbatim. */
    said: z.string().nullable(),
    observed: ObservedSchema.nullable(),
    ms: z.number().nonnegative(),
  })
  .strict();
export type Step = z.infer<typeof StepSchema>;

export const EndSchema = z
  .object({
    end: z.enum(['completed', 'guest-died', 'timeout', 'interrupted']),
    reason: z.string(),
  })
  .strict();
export type End = z.infer<typeof EndSchema>;

/** One JSON value of a lab input (a transcript line, a paths-file line, a known-divergence list)
 *  checked against its schema. `file` names the input; `firstLine` is the line `text` starts on
 *  in it (1 for a whole file, the line's number for a line of a JSONL file).
 *  @throws InputError (exit 2) `FILE:LINE: ...`: for text that is not strict JSON (a key given
 *    twice included: src/util/json.ts), the line and column at fault; for a value the schema
 *    refuses, as validateJson(). */
export function parseJsonWith<T>(schema: z.ZodType<T>, text: string, file: string, firstLine = 1): T {
  return validateJson(schema, parseJsonText(text, file, firstLine), file);
}

/** `text` parsed with positions (src/util/json.ts), `firstLine` being its first line in `file`.
 *  @throws InputError (exit 2) `FILE:LINE: not valid JSON (column C: ...)`. */
export function parseJsonText(text: string, file: string, firstLine = 1): JsonDocument {
  const json = parseJson(text, firstLine);
  if (json.ok) return json.doc;
  const p = json.problem;
  throw new InputError(`${file}:${p.line}: not valid JSON (column ${p.column}: ${p.message})`);
}

/** A parsed JSON value of `file` checked against its schema.
 *  @throws InputError (exit 2) `FILE:LINE: field 'a.b': ...` naming the first field at fault and
 *    the line it starts on (for a key the schema does not take, that key's; for the value as a
 *    whole, "the value"). */
export function validateJson<T>(schema: z.ZodType<T>, doc: JsonDocument, file: string): T {
  const r = schema.safeParse(doc.value);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  const path = (i?.path ?? []).filter((k): k is string | number => typeof k !== 'symbol');
  // A key too many: point at the key, not at the object that holds it.
  const at = i?.code === 'unrecognized_keys' && i.keys[0] !== undefined ? [...path, i.keys[0]] : path;
  const what = at.length ? `field '${at.join('.')}'` : 'the value';
  throw new InputError(`${file}:${doc.locate(at).line}: ${what}: ${i?.message ?? 'invalid'}`);
}

export interface Transcript {
  file: string;
  header: Header;
  steps: Step[];
  end: End | null;
}
