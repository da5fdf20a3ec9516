// kdump's memory arithmetic, as pure functions over byte ranges: the crashkernel= reservation and
// the elfcorehdr kexec builds for the capture kernel (docs/kernel-behaviour.md §1 early boot 4, §6; kdump.rst).
import type { Config } from '../config';
import { traitsOf } from '../kernel-versions';
import { acceptedCrashkernel, reserveCrashkernel, type CrashkernelReservation } from './crashkernel';
import { hashRmaBytes } from './guest';
import { normalize, subtract, type PtLoad, type Range } from './layout';
import { KiB, MiB } from './size';

/** kdump.rst: "On PPC64 machines first 32KB of physical memory is needed for booting regardless
 *  of where the kernel is loaded and to support 64K page size kexec backs up the first 64KB
 *  memory." */
export const BACKUP_SRC_SIZE = 64 * KiB;

/** kdump's reservation at boot (reserveCrashkernel(), arch/powerpc/kexec/core.c), made only when
 *  fadump did not reserve (fadump off, or its reservation failed: the fallback to kdump; §1 early
 *  boot 4, §6, firmware-assisted-dump.rst note 2): crashk_res (null: none, kexec_crash_size reads
 *  0) and the lines reserve_crashkernel() logs. */
export function kdumpReservation(
  config: Config,
  memory: readonly Range[],
  fadumpReserved: boolean,
): CrashkernelReservation {
  if (fadumpReserved || config.mechanism === 'phyp-assisted-dump') return { range: null, lines: [] };
  const first = [...memory].sort((a, b) => a.start - b.start)[0];
  return reserveCrashkernel({
    text: config.crashkernelText,
    memory,
    rejectsRamSize: traitsOf(config.kernel).crashkernelRejectsRamSize,
    generic: traitsOf(config.kernel).crashkernelGeneric,
    lpar: config.platform === 'pseries',
    rmaBytes: config.mmu === 'radix' ? Infinity : hashRmaBytes(first?.end ?? 0),
    pageSize: config.pageSize,
  });
}

/** The crashkernel= size (bytes) fadump_calculate_reserve_size() takes at a boot with `ramBytes`
 *  of memory (memblock_phys_mem_size(): a range is chosen by the RAM of that boot, after DLPAR
 *  too), or null when parse_crashkernel() gives none in this release (acceptedCrashkernel()). */
export function crashkernelSizeAt(config: Config, ramBytes: number): number | null {
  const rejects = traitsOf(config.kernel).crashkernelRejectsRamSize;
  return acceptedCrashkernel(config.crashkernelText, ramBytes, rejects)?.size ?? null;
}

/** crashk_res after boot (kdumpReservation()), or null. */
export function crashkernelRange(config: Config, memory: readonly Range[], fadumpReserved: boolean): Range | null {
  return kdumpReservation(config, memory, fadumpReserved).range;
}

/** Whether `kexec -p` can place the capture kernel's segments (its image and initramfs,
 *  captureKernel.imageMiB + initrdMiB) in crashk_res: kexec_file_load()'s kexec_locate_mem_hole()
 *  finds no hole (kernel/kexec_file.c) and sanity_check_segment_list() refuses a crash segment
 *  outside crashk_res (kernel/kexec_core.c), both -EADDRNOTAVAIL. The elfcorehdr, purgatory and
 *  device tree are left out [I: a few hundred KiB]. */
export function kexecSegmentsFit(config: Config, crashkernel: Range): boolean {
  const ck = config.captureKernel;
  return (ck.imageMiB + ck.initrdMiB) * MiB <= crashkernel.end - crashkernel.start;
}

/** What the kdump capture kernel needs to boot and save the dump (bytes): image, initramfs and
 *  working memory (captureKernel.*MiB). */
export function captureKernelNeeds(config: Config): number {
  const ck = config.captureKernel;
  return (ck.imageMiB + ck.initrdMiB + ck.workingMiB) * MiB;
}

/** Why a kdump capture kernel in `crashkernel` runs out of memory before it saves the dump, or
 *  null when it fits (captureKernelNeeds()). The kernel's lines when the OOM killer finds nothing
 *  left to kill (out_of_memory(), mm/oom_kill.c): pr_warn "Out of memory and no killable
 *  processes..." and panic("System is deadlocked on memory\n") [I: the exact path depends on
 *  what the initramfs runs; the model takes this one]. */
export function captureOom(config: Config, crashkernel: Range): string | null {
  const have = crashkernel.end - crashkernel.start;
  const need = captureKernelNeeds(config);
  if (have >= need) return null;
  const ck = config.captureKernel;
  return `the kdump kernel ran out of memory before saving the dump ("Out of memory and no killable processes...", "Kernel panic - not syncing: System is deadlocked on memory"): crashkernel= gives it ${Math.floor(have / MiB)} MiB, it needs ${need / MiB} MiB (image ${ck.imageMiB} + initramfs ${ck.initrdMiB} + working ${ck.workingMiB} MiB)`;
}

/** The console lines of a kdump capture kernel that ran out of memory (captureOom()). */
export const CAPTURE_OOM_LINES: readonly string[] = [
  'Out of memory and no killable processes...',
  'Kernel panic - not syncing: System is deadlocked on memory',
];

/** The elfcorehdr's PT_LOADs for a kdump capture kernel: the first 64 KB at the backup copy kexec
 *  made of it (inside the crash kernel region, at its start [I]), then every memory range minus
 *  that and minus the crash kernel region itself (the capture kernel's own memory), in place
 *  (p_offset = paddr). */
export function kdumpPtLoads(memory: readonly Range[], crashkernel: Range): PtLoad[] {
  const out: PtLoad[] = [{ paddr: 0, size: BACKUP_SRC_SIZE, offset: crashkernel.start }];
  const rest = subtract(subtract(normalize(memory), { start: 0, end: BACKUP_SRC_SIZE }), crashkernel);
  for (const r of normalize(rest)) out.push({ paddr: r.start, size: r.end - r.start, offset: r.start });
  return out;
}

/** The memory a kdump capture kernel may use: its crash kernel region, and the low memory the
 *  boot needs (its original contents are in the backup copy; kdump.rst). */
export function kdumpCaptureMemory(crashkernel: Range): Range[] {
  return normalize([{ start: 0, end: BACKUP_SRC_SIZE }, crashkernel]);
}
