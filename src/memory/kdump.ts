// kdump's memory arithmetic, as pure functions over byte ranges: the crashkernel= reservation and
// the elfcorehdr kexec builds for the capture kernel (docs/kernel-behaviour.md §1 early boot 4, §6; kdump.rst).
import type { Config } from '../config';
import { KEXEC_TOOLS_FAILURES, type Errno } from '../events';
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
    hotremovable: hotremovableMemory(config, memory),
  });
}

/** The memory the device tree flags DRCONF_MEM_HOTREMOVABLE at a boot: on QEMU, every LMB of a
 *  pc-dimm (hw/ppc/spapr.c spapr_dt_dynamic_memory_v2(): SPAPR_LMB_FLAGS_ASSIGNED |
 *  SPAPR_LMB_FLAGS_HOTREMOVABLE), which the model takes as the memory beyond the configuration's
 *  boot memory, the LMBs hot-added before this boot [I: a DIMM present at boot lies past a hole,
 *  apart anyway]; none on PowerVM [I]. A crashkernel= range across the boot RAM's end and such an
 *  LMB is not one memblock region: "Failed to reserve memory for crashkernel!"
 *  (test/real/pseries-6.1-64k-cx-kdump-crashkernel-2g-hot-add-hot-add-crash-kdump-start-kexec-loaded-crash-save-dump.jsonl). */
export function hotremovableMemory(config: Config, memory: readonly Range[]): Range[] {
  if (config.firmware !== 'qemu') return [];
  return config.memoryAtBoot.reduce<Range[]>((left, b) => subtract(left, b), [...memory]);
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

/** kexec-tools' user-space failures (src/events.ts). */
type KexecToolsFailure = (typeof KEXEC_TOOLS_FAILURES)[number];

/** Whether `kexec -p` on the kexec_file_load path can place the capture kernel's segments (its
 *  image and initramfs, captureKernel.imageMiB + initrdMiB) in crashk_res: kexec_file_load()'s kexec_locate_mem_hole()
 *  finds no hole (kernel/kexec_file.c) and sanity_check_segment_list() refuses a crash segment
 *  outside crashk_res (kernel/kexec_core.c), both -EADDRNOTAVAIL. The elfcorehdr, purgatory and
 *  device tree are left out [I: a few hundred KiB]. */
export function kexecSegmentsFit(config: Config, crashkernel: Range): boolean {
  const ck = config.captureKernel;
  return (ck.imageMiB + ck.initrdMiB) * MiB <= crashkernel.end - crashkernel.start;
}

/** One segment kexec-tools' kexec_load path places for `kexec -p` on ppc64, in bytes. */
export interface KexecLoadSegment {
  name: 'kernel' | 'backup' | 'elfcorehdr' | 'purgatory' | 'initrd' | 'device tree';
  bytes: number;
}

/** The segments elf_ppc64_load() (kexec-tools kexec/arch/ppc64/kexec-elf-ppc64.c) places in the
 *  crash kernel region on the kexec_load path, in its order: the kernel (locate_hole() of the
 *  first PT_LOAD, captureKernel.imageBytes), then load_crashdump_segments()
 *  (kexec/arch/ppc64/crashdump-ppc64.c): the backup of the first 64 KB (BACKUP_SRC_SIZE) and the
 *  elfcorehdr; the purgatory (elf_rel_build_load()); the initramfs (add_buffer(), its size
 *  captureKernel.initrdBytes); the device tree fs2dt builds. The elfcorehdr, purgatory and device
 *  tree are taken as one 64 KiB page each [I: their sizes are not read; on the lab's 64 KiB-page
 *  kernels the kernel, backup, elfcorehdr and purgatory fit in crashkernel=8M on 6.12 with 0x30000
 *  bytes after the kernel, so the two take a page each there]. */
export function kexecLoadSegments(config: Config): KexecLoadSegment[] {
  const ck = config.captureKernel;
  return [
    { name: 'kernel', bytes: ck.imageBytes },
    { name: 'backup', bytes: BACKUP_SRC_SIZE },
    { name: 'elfcorehdr', bytes: KEXEC_SMALL_SEGMENT },
    { name: 'purgatory', bytes: KEXEC_SMALL_SEGMENT },
    { name: 'initrd', bytes: ck.initrdBytes },
    { name: 'device tree', bytes: KEXEC_SMALL_SEGMENT },
  ];
}

/** The size taken for the elfcorehdr, the purgatory and the device tree [I]. */
const KEXEC_SMALL_SEGMENT = 64 * KiB;

/** kexec-tools' failure on the kexec_load path (config kexecSyscall 'kexec_load'), or null when
 *  every segment fits in `crashkernel`. locate_hole() (kexec/kexec.c) takes the lowest free range
 *  of the crash kernel region (mem_min, mem_max) for each segment in turn (hole_end 1; the device
 *  tree's -1 takes the highest, the same room when all else lies below it), page-aligned:
 *  add_buffer_phys_virt() rounds memsz up to getpagesize(), the running kernel's PAGE_SIZE, and so
 *  does add_segment_phys_virt() for the kernel's PT_LOAD. With no room it prints "Could not find a
 *  free area of memory of 0x%lx bytes..." (the size asked: rounded, but for the kernel, whose
 *  p_filesz is asked [I: the model knows p_memsz only and gives it]) and the load dies in user
 *  space before kexec_load(2) (KEXEC_TOOLS_FAILURES, src/events.ts): no syscall, so nothing is
 *  freed or loaded. The 16 KiB purgatory stack is
 *  a locate_hole() whose failure stops nothing, and is left out. Seen on 6.1 and 6.12 with
 *  crashkernel=8M: the initramfs of 0x54b014 bytes, 0x550000 with 64 KiB pages
 *  (test/real/pseries-*-64k-kdump-crashkernel-too-small.jsonl). */
export function kexecLoadFailure(
  config: Config,
  crashkernel: Range,
): { errno: KexecToolsFailure; segment: KexecLoadSegment['name']; lines: string[] } | null {
  const page = config.pageSize;
  let free = crashkernel.end - crashkernel.start;
  for (const s of kexecLoadSegments(config)) {
    const bytes = Math.ceil(s.bytes / page) * page;
    if (bytes <= free) {
      free -= bytes;
      continue;
    }
    const asked = s.name === 'kernel' ? s.bytes : bytes;
    const hole = `Could not find a free area of memory of 0x${asked.toString(16)} bytes...`;
    return s.name === 'kernel'
      ? {
          errno: KEXEC_TOOLS_FAILURES[1],
          segment: s.name,
          lines: [hole, 'Base address: 0xffffffffffffffff is not page aligned'],
        }
      : { errno: KEXEC_TOOLS_FAILURES[0], segment: s.name, lines: [hole, 'locate_hole failed'] };
  }
  return null;
}

/** What `kexec -p` answers in a production kernel whose crash kernel region is `crashkernel`
 *  (null: none), before anything is loaded: null to go on with the load, else its answer. With no
 *  region -EADDRNOTAVAIL [I: kexec_locate_mem_hole() finds no hole in an empty crashk_res]; on the
 *  kexec_load path kexec-tools' own failure (kexecLoadFailure()); on the kexec_file_load path
 *  -EADDRNOTAVAIL when the image and initramfs do not fit (kexecSegmentsFit()). */
export function kexecLoadRefusal(config: Config, crashkernel: Range | null): Errno | null {
  if (crashkernel === null) return 'EADDRNOTAVAIL';
  if (config.kexecSyscall === 'kexec_load') return kexecLoadFailure(config, crashkernel)?.errno ?? null;
  return kexecSegmentsFit(config, crashkernel) ? null : 'EADDRNOTAVAIL';
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
 *  (p_offset = paddr); last, the part of RTAS inside the crash kernel region, when `rtas` overlaps
 *  it (kdumpRtas()): kexec-tools' get_crash_memory_ranges() (kexec/arch/ppc64/crashdump-ppc64.c,
 *  "If RTAS region is overlapped with crashkernel, need to create ELF Program header for the
 *  overlapped memory") appends it after the memory ranges, unsorted. */
export function kdumpPtLoads(memory: readonly Range[], crashkernel: Range, rtas: Range | null = null): PtLoad[] {
  const out: PtLoad[] = [{ paddr: 0, size: BACKUP_SRC_SIZE, offset: crashkernel.start }];
  const rest = subtract(subtract(normalize(memory), { start: 0, end: BACKUP_SRC_SIZE }), crashkernel);
  for (const r of normalize(rest)) out.push({ paddr: r.start, size: r.end - r.start, offset: r.start });
  if (rtas !== null && rtas.start < crashkernel.end && crashkernel.start < rtas.end) {
    const start = Math.max(rtas.start, crashkernel.start);
    out.push({ paddr: start, size: Math.min(rtas.end, crashkernel.end) - start, offset: start });
  }
  return out;
}

/** Where RTAS sits in a pSeries partition under QEMU, as kexec-tools sees it (bytes), or null where
 *  the model does not know it (PowerVM's RTAS size [I], PowerNV has none). prom_instantiate_rtas()
 *  (arch/powerpc/kernel/prom_init.c) takes the first allocation below alloc_top, which
 *  prom_init_mem() caps at 768 MB ("rmo_top = min(0x30000000ul, rmo_top)"; the RMA is the boot
 *  RAM under QEMU): alloc_down(rtas-size, PAGE_SIZE). QEMU's rtas-size is RTAS_ERROR_LOG_MAX, 2048
 *  bytes (hw/ppc/spapr.c spapr_machine_init(), "Resize blob to accommodate error log"); the
 *  PT_LOAD kexec-tools 2.0.32 writes for it spans the whole page: 0x2fff0000, 0x10000 with
 *  64 KiB pages and 0x2ffff000, 0x1000 with 4 KiB pages, on 6.1 and 6.12
 *  (test/real/pseries-*-kdump-load-crash-capture-save.jsonl) [I: the rounding to PAGE_SIZE is read
 *  off those transcripts, not off the source]. */
export function kdumpRtas(config: Config, memory: readonly Range[]): Range | null {
  if (config.platform !== 'pseries' || config.firmware !== 'qemu') return null;
  const first = [...memory].sort((a, b) => a.start - b.start)[0];
  const top = Math.min(RTAS_ALLOC_TOP, first?.end ?? 0);
  const start = Math.floor((top - QEMU_RTAS_SIZE) / config.pageSize) * config.pageSize;
  return start < 0 ? null : { start, end: start + config.pageSize };
}

/** prom_init_mem()'s cap on alloc_top (768 MB) and QEMU's rtas-size (RTAS_ERROR_LOG_MAX). */
const RTAS_ALLOC_TOP = 0x30000000;
const QEMU_RTAS_SIZE = 2048;

/** The memory map of a kdump capture kernel loaded by kexec-tools: everything from 0 to the end of
 *  the crash kernel region (kexec-tools' device tree for the capture kernel: linux,usable-memory;
 *  the memory below the region is in the reserve map, so the kernel counts it but does not use
 *  it). Seen on 6.12: "Top of RAM: 0x30000000", node 0 [mem 0x0-0x2fffffff] and 3 memory blocks
 *  of 256 MB online with crashkernel=256M at 512M of 2 GB
 *  (test/real/pseries-6.12-64k-kdump-load-crash-capture-save.jsonl) [I: the exact source line in
 *  kexec-tools was not read]. */
export function kdumpCaptureMemoryMap(crashkernel: Range): Range[] {
  return [{ start: 0, end: crashkernel.end }];
}

/** The memory a kdump capture kernel may use: its crash kernel region, and the low memory the
 *  boot needs (its original contents are in the backup copy; kdump.rst). */
export function kdumpCaptureMemory(crashkernel: Range): Range[] {
  return normalize([{ start: 0, end: BACKUP_SRC_SIZE }, crashkernel]);
}
