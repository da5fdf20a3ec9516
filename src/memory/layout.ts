// The layout arithmetic of fadump, as pure functions over byte ranges.
// Source: docs/kernel-behaviour.md §1 "Early boot" (fadump_reserve_mem,
// get_fadump_area_size), §1 "Capture boot" (fadump_populate_elfcorehdr), §4, §5; the 2024 patch
// (c6c5b14dac0d) for the PT_LOAD list; firmware-assisted-dump.rst for the older boot-memory rule.
import type { AreaGeometry, Platform } from './guest';
import { alignDown, alignUp, MiB, pageAlign } from './size';
import { fadumpGetBootMemRegions, regionsAsRanges, u32MaxCopySize, u64MaxCopySize } from './boot-regions';

/** A physical address range [start, end), in bytes. */
export interface Range {
  readonly start: number;
  readonly end: number;
}

/** A PT_LOAD program header of the elfcorehdr: paddr/size of the crashed kernel's memory and
 *  p_offset, the physical address where its contents lie in the capture kernel. */
export interface PtLoad {
  readonly paddr: number;
  readonly size: number;
  readonly offset: number;
}

export type { Platform };
export type BootMemoryRule = 'current' | 'seed-2011';

/** Per-platform constants (rtas-fadump.c, opal-fadump.c). The sizes firmware and build give the
 *  area (CPU state, HPTE, OPAL metadata, PAGE_SIZE) are the guest's: see ./guest.ts. */
export const PLATFORM = {
  // pSeries: fadump_get_bootmem_min 320 MB; RTAS_FADUMP_MAX_BOOT_MEM_REGS 7.
  pseries: { bootMemMin: 320 * MiB, maxBootRegions: 7 },
  // OPAL: 768 MB minimum, 128 regions.
  powernv: { bootMemMin: 768 * MiB, maxBootRegions: 128 },
} as const;

/** MAX_BOOT_MEM_RATIO: crashkernel= is capped at a quarter of RAM. */
export const MAX_BOOT_MEM_RATIO = 4;
/** CMA areas are aligned to pageblocks (CMA_MIN_ALIGNMENT_BYTES = PAGE_SIZE << pageblock_order):
 *  16 MiB with either page size where pageblock_order is MAX_PAGE_ORDER (64K << 8, 4K << 12:
 *  ARCH_FORCE_MAX_ORDER in arch/powerpc/Kconfig, a build without hugetlbfs as the lab's) [I for
 *  builds with hugetlbfs, whose pageblock_order follows the huge page size]. */
export const CMA_ALIGN = 16 * MiB;
/** firmware-assisted-dump.rst's 2011 rule: "the larger of 5% of system RAM or 256MB". */
export const SEED_2011_MIN_BOOT_MEM = 256 * MiB;

export type Result<T> = { ok: true; value: T } | { ok: false; reason: string };

// ---------------------------------------------------------------------------------------------
// Ranges

export function totalSize(ranges: readonly Range[]): number {
  return ranges.reduce((s, r) => s + (r.end - r.start), 0);
}

/** Sorts and merges touching or overlapping ranges; drops empty ones. */
export function normalize(ranges: readonly Range[]): Range[] {
  const sorted = ranges.filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) out[out.length - 1] = { start: last.start, end: Math.max(last.end, r.end) };
    else out.push({ start: r.start, end: r.end });
  }
  return out;
}

export function overlaps(a: Range, b: Range): boolean {
  return a.start < b.end && b.start < a.end;
}

/** `ranges` minus `cut`. */
export function subtract(ranges: readonly Range[], cut: Range): Range[] {
  const out: Range[] = [];
  for (const r of ranges) {
    if (!overlaps(r, cut)) {
      out.push(r);
      continue;
    }
    if (r.start < cut.start) out.push({ start: r.start, end: cut.start });
    if (cut.end < r.end) out.push({ start: cut.end, end: r.end });
  }
  return out;
}

export function endOfDram(memory: readonly Range[]): number {
  return memory.reduce((m, r) => Math.max(m, r.end), 0);
}

/** memblock.memory's regions during a kernel's early boot (bytes, sorted), for the code that walks
 *  them with for_each_mem_range() before mm is up (fadump_reserve_crash_area()). memblock merges
 *  touching regions only when their flags match (mm/memblock.c memblock_merge_regions()), and
 *  early_init_drmem_lmb() (arch/powerpc/kernel/prom.c) marks the LMBs ibm,dynamic-memory flags
 *  DRCONF_MEM_HOTREMOVABLE with memblock_mark_hotplug(): memory from `hotremovableFrom` up is a
 *  region of its own, apart from the boot RAM below it. `hotremovableFrom` null: no LMB is so
 *  flagged. free_low_memory_core_early() (mm/memblock.c) clears MEMBLOCK_HOTPLUG everywhere once mm
 *  is up, which merges them again: later walks (6.10+'s fadump_populate_elfcorehdr(), release)
 *  see `normalize(memory)`. */
export function earlyMemblockRegions(memory: readonly Range[], hotremovableFrom: number | null): Range[] {
  const merged = normalize(memory);
  if (hotremovableFrom === null) return merged;
  const at = hotremovableFrom;
  return merged.flatMap((r) =>
    r.start < at && at < r.end
      ? [
          { start: r.start, end: at },
          { start: at, end: r.end },
        ]
      : [r],
  );
}

// ---------------------------------------------------------------------------------------------
// Boot memory (fadump_calculate_reserve_size, fadump_reserve_mem)

export interface BootMemoryInput {
  platform: Platform;
  /** memblock_phys_mem_size(): RAM present at boot, in bytes. */
  ramBytes: number;
  /** crashkernel= size in bytes (its offset is ignored), or null. */
  crashkernel: number | null;
  rule: BootMemoryRule;
  /** PAGE_SIZE in bytes. */
  pageSize: number;
  /** fadump_reserve_mem() rounds boot_memory_size up to CMA_MIN_ALIGNMENT_BYTES (CMA_ALIGN) for
   *  the CMA area, unless nocma (a4e92ce8e4c8 until 6faeac507beb: KernelTraits.cmaFit 'exact').
   *  Default false. */
  cmaAlign?: boolean;
}

/** The page-aligned boot memory size rounded up to CMA_ALIGN where `cmaAlign` says so (bytes). */
function cmaAligned(size: number, input: BootMemoryInput): number {
  return input.cmaAlign === true ? alignUp(size, CMA_ALIGN) : size;
}

/** boot_memory_size, or the reason fadump cannot be enabled. */
export function bootMemorySize(input: BootMemoryInput): Result<number> {
  const { bootMemMin } = PLATFORM[input.platform];
  if (input.rule === 'seed-2011') {
    // firmware-assisted-dump.rst: "the larger of 5% of system RAM or 256MB"; crashkernel= overrides it.
    const fallback = Math.max(alignDown(input.ramBytes / 20, 256 * MiB), SEED_2011_MIN_BOOT_MEM);
    const size = input.crashkernel !== null && input.crashkernel > 0 ? input.crashkernel : fallback;
    return { ok: true, value: cmaAligned(pageAlign(size, input.pageSize), input) };
  }
  let size: number;
  if (input.crashkernel !== null && input.crashkernel > 0) {
    // crashkernel= capped at RAM / MAX_BOOT_MEM_RATIO (§1 early boot 4).
    size = Math.min(input.crashkernel, Math.floor(input.ramBytes / MAX_BOOT_MEM_RATIO));
  } else {
    // 5% of RAM rounded down to a multiple of 256 MB, raised to the platform minimum.
    size = Math.max(alignDown(Math.floor(input.ramBytes / 20), 256 * MiB), bootMemMin);
  }
  size = cmaAligned(pageAlign(size, input.pageSize), input);
  if (size < bootMemMin) {
    return {
      ok: false,
      reason: `Can't enable fadump with boot memory size (${hex(size)}) less than ${hex(bootMemMin)}`,
    };
  }
  return { ok: true, value: size };
}

export interface BootMemory {
  /** boot_mem_addr[] / boot_mem_sz[]: the low memory, split around holes. */
  regions: Range[];
  /** boot_mem_top = PAGE_ALIGN(size + holes). */
  bootMemTop: number;
}

/** fadump_get_boot_mem_regions() over present memory (bytes): boot_mem_addr[] / boot_mem_sz[] and
 *  boot_mem_top = PAGE_ALIGN(size + holes), `pageSize` in bytes. The kernel's arithmetic exactly
 *  (./boot-regions.ts): over two or more memblock regions the earlier ones are counted twice and
 *  the last region is short, absent (size 0) or wrapped modulo 2^64 (docs/kernel-behaviour.md §1.1 item 4);
 *  a wrapped region is a Range whose end lies near 2^64 past its start (regionsAsRanges()).
 *  Errors: more regions than the platform's `maxBootRegions`, or memory that ends before boot
 *  memory does [I: the kernel goes on then; the model takes no such configuration]. */
export function bootMemoryRegions(
  memory: readonly Range[],
  size: number,
  platform: Platform,
  pageSize: number,
): Result<BootMemory> {
  // add_boot_mem_regions(): max_copy_size is ALIGN_DOWN(U32_MAX, PAGE_SIZE) on OPAL
  // (opal_fadump_dt_scan()), ALIGN_DOWN(U64_MAX, PAGE_SIZE) on pSeries (rtas_fadump_dt_scan()).
  const maxCopySize = platform === 'powernv' ? u32MaxCopySize(pageSize) : u64MaxCopySize(pageSize);
  const k = fadumpGetBootMemRegions({
    memory: normalize(memory),
    bootMemorySize: size,
    maxCopySize,
    maxRegions: PLATFORM[platform].maxBootRegions,
    pageSize,
  });
  // fadump_reserve_mem(): more regions than RTAS_FADUMP_MAX_BOOT_MEM_REGS (7) or
  // OPAL_FADUMP_MAX_MEM_REGS (128) (add_boot_mem_region()) disables fadump.
  if (!k.ok) return { ok: false, reason: 'Too many holes in boot memory area to enable fadump' };
  if (!k.reached) return { ok: false, reason: 'not enough memory for boot memory' };
  return { ok: true, value: { regions: regionsAsRanges(k.regions), bootMemTop: Number(k.bootMemTop) } };
}

/** The reserved dump area's parts, from its start (Fig. 1 of firmware-assisted-dump.rst). */
export interface DumpArea {
  start: number;
  size: number;
  /** pSeries' CPU state data and HPTE sections (always registered, even with a size of 0, as
   *  QEMU's HPTE is); null on OPAL. */
  cpuState: Range | null;
  hpte: Range | null;
  /** Where firmware copies boot memory at a crash (boot_mem_dest_addr). */
  bootMemDest: number;
  /** fadumphdr_addr = boot-memory destination + boot_memory_size. */
  header: Range;
  metadata: Range | null;
}

/** sizeof(struct elfhdr) and sizeof(struct elf_phdr) on ppc64. */
export const ELF_HDR_BYTES = 64;
export const ELF_PHDR_BYTES = 56;

/** get_fadump_area_size(), in bytes: PAGE_ALIGN(cpu_state + hpte) + boot_memory_size + header
 *  (+ metadata), with the guest's sizes and page size (`g`, ./guest.ts areaGeometry()).
 *  Before the 2024 change (c6c5b14dac0d) the elfcorehdr lived in the area too: an ELF header, a
 *  CPU-notes header and memblock_num_regions + 2 program headers, then PAGE_ALIGN; pass the
 *  memblock region count at boot for that generation. */
export function fadumpAreaSize(g: AreaGeometry, bootMemSize: number, elfcorehdrRegions: number | null = null): number {
  let size = pageAlign(g.cpuStateBytes + g.hpteBytes, g.pageSize) + bootMemSize + g.headerBytes;
  if (elfcorehdrRegions !== null)
    size = pageAlign(size + ELF_HDR_BYTES + ELF_PHDR_BYTES + ELF_PHDR_BYTES * (elfcorehdrRegions + 2), g.pageSize);
  return size + g.metadataBytes;
}

/** The area's parts from `start` (bytes): rtas_fadump_init_mem_struct() puts the CPU state data at
 *  the start, the HPTE right after it, the boot-memory copy at the next page boundary;
 *  fadumphdr_addr follows the copy (rtas_fadump_update_config()); OPAL's metadata ends the area
 *  (opal_fadump_setup_metadata()). */
export function dumpAreaAt(
  g: AreaGeometry,
  start: number,
  bootMemSize: number,
  elfcorehdrRegions: number | null = null,
): DumpArea {
  const rtas = g.platform === 'pseries';
  const cpuState = rtas ? { start, end: start + g.cpuStateBytes } : null;
  const hpte = rtas ? { start: start + g.cpuStateBytes, end: start + g.cpuStateBytes + g.hpteBytes } : null;
  const bootMemDest = start + pageAlign(g.cpuStateBytes + g.hpteBytes, g.pageSize);
  const headerStart = bootMemDest + bootMemSize;
  const header = { start: headerStart, end: headerStart + g.headerBytes };
  const metadata = g.metadataBytes ? { start: header.end, end: header.end + g.metadataBytes } : null;
  return {
    start,
    size: fadumpAreaSize(g, bootMemSize, elfcorehdrRegions),
    cpuState,
    hpte,
    bootMemDest,
    header,
    metadata,
  };
}

/** The first free range at or above boot_mem_top that holds `size` bytes, below end of DRAM
 *  (fadump_locate_reserve_mem), its start page-aligned with `pageSize` (bytes); null when there is
 *  none. A start whose [start, start + size) overlaps one of the firmware's `reserved` ranges (the
 *  device tree's reserved-ranges, OPAL's memory on PowerNV) moves to the page after that range
 *  (overlaps_reserved_ranges(): base = PAGE_ALIGN(mrngs[idx].base + mrngs[idx].size)). */
export function locateReserveMem(
  memory: readonly Range[],
  bootMemTop: number,
  size: number,
  pageSize: number,
  reserved: readonly Range[] = [],
): number | null {
  const sorted = normalize(reserved);
  for (const r of normalize(memory)) {
    let start = pageAlign(Math.max(r.start, bootMemTop), pageSize);
    while (start + size <= r.end) {
      const hit = sorted.find((x) => x.start < start + size && start < x.end);
      if (hit === undefined) return start;
      start = pageAlign(hit.end, pageSize);
    }
  }
  return null;
}

/** fadump_cma_init() (arch/powerpc/kernel/fadump.c, since a4e92ce8e4c8): the CMA area over
 *  [areaStart, + bootMemSize), bytes; null when CMA init fails.
 *  - 'exact' (until 6faeac507beb): cma_init_reserved_mem(reserve_dump_area_start,
 *    boot_memory_size) refuses a base or size not aligned to CMA_MIN_ALIGNMENT_BYTES with -EINVAL
 *    (mm/cma.c), "Failed to init cma area for firmware-assisted dump,-22". Seen on real 6.1 and
 *    6.12: "Initialized 0x14000000 bytes cma area at 320MB" (test/real/).
 *  - 'aligned-inside' (6faeac507beb, 6.13): base = ALIGN(start), end = ALIGN_DOWN(start + size);
 *    end <= base: "Too less memory to give to CMA", no area. */
export function cmaRange(
  areaStart: number,
  bootMemSize: number,
  fit: 'exact' | 'aligned-inside' = 'exact',
): Range | null {
  if (bootMemSize === 0) return null;
  if (fit === 'aligned-inside') {
    const start = alignUp(areaStart, CMA_ALIGN);
    const end = alignDown(areaStart + bootMemSize, CMA_ALIGN);
    return end > start ? { start, end } : null;
  }
  if (areaStart % CMA_ALIGN !== 0 || bootMemSize % CMA_ALIGN !== 0) return null;
  return { start: areaStart, end: areaStart + bootMemSize };
}

// ---------------------------------------------------------------------------------------------
// The elfcorehdr's PT_LOAD list (fadump_populate_elfcorehdr; before 2024,
// fadump_setup_crash_memory_ranges + fadump_exclude_reserved_area)

export interface PtLoadInput {
  /** The crashed kernel's memory (memblock) as the builder sees it. */
  memory: readonly Range[];
  bootRegions: readonly Range[];
  bootMemTop: number;
  bootMemDest: number;
  /** The reserved dump area [start, start + get_fadump_area_size()). */
  area: Range;
}

export function elfcorePtLoads(input: PtLoadInput): PtLoad[] {
  const out: PtLoad[] = [];
  // Boot memory regions first, at their copy destination, one after another.
  let dest = input.bootMemDest;
  for (const r of input.bootRegions) {
    out.push({ paddr: r.start, size: r.end - r.start, offset: dest });
    dest += r.end - r.start;
  }
  // Then every memory range above boot_mem_top, minus the reserved area (split around it).
  for (const r of normalize(input.memory)) {
    if (r.end <= input.bootMemTop) continue;
    const trimmed = { start: Math.max(r.start, input.bootMemTop), end: r.end };
    for (const piece of subtract([trimmed], input.area)) {
      out.push({ paddr: piece.start, size: piece.end - piece.start, offset: piece.start });
    }
  }
  return out;
}

/** The memory the PT_LOADs must describe: all of the crashed kernel's memory but the reserved
 *  area (the boot regions appear at their source addresses). */
export function memoryToDescribe(memory: readonly Range[], area: Range): Range[] {
  return normalize(subtract(normalize(memory), area));
}

// ---------------------------------------------------------------------------------------------
// What the firmware checks at registration

/** The ranges a pSeries registration names to PHYP (rtas_fadump_init_mem_struct()): the CPU state
 *  and HPTE sections at the area's start, each boot region's source, and the boot-memory copy's
 *  destination [bootMemDest, bootMemDest + boot memory size). Bytes. */
export function registeredRanges(r: { bootRegions: readonly Range[]; bootMemDest: number; area: Range }): Range[] {
  const size = totalSize(r.bootRegions);
  return [
    { start: r.area.start, end: r.bootMemDest },
    ...r.bootRegions,
    { start: r.bootMemDest, end: r.bootMemDest + size },
  ].filter((x) => x.end > x.start);
}

/** Whether every range lies inside `memory` (bytes). */
export function insideMemory(ranges: readonly Range[], memory: readonly Range[]): boolean {
  const m = normalize(memory);
  return ranges.every((x) => x.end <= x.start || m.some((r) => r.start <= x.start && x.end <= r.end));
}

// ---------------------------------------------------------------------------------------------
// Memory hotplug: memory is a list of LMBs (memory blocks). DLPAR add takes the lowest absent
// blocks below the LPAR's maximum; remove takes the highest present ones (the lowest hold the
// kernel and are never removable) [I].

export function lmbsAdded(memory: readonly Range[], count: number, lmbBytes: number, maxBytes: number): Range[] | null {
  const added: Range[] = [];
  let have = normalize(memory);
  for (let a = 0; a + lmbBytes <= maxBytes && added.length < count; a += lmbBytes) {
    const lmb = { start: a, end: a + lmbBytes };
    if (!have.some((r) => r.start <= lmb.start && lmb.end <= r.end)) {
      added.push(lmb);
      have = normalize([...have, lmb]);
    }
  }
  return added.length === count ? added : null;
}

export function lmbsRemoved(
  memory: readonly Range[],
  count: number,
  lmbBytes: number,
  minBytes: number,
): Range[] | null {
  const mem = normalize(memory);
  if (totalSize(mem) - count * lmbBytes < minBytes) return null;
  const removed: Range[] = [];
  for (let i = mem.length - 1; i >= 0 && removed.length < count; i--) {
    const r = mem[i];
    if (!r) continue;
    for (let end = r.end; end - lmbBytes >= r.start && removed.length < count; end -= lmbBytes) {
      removed.push({ start: end - lmbBytes, end });
    }
  }
  return removed.length === count ? removed : null;
}

/** Whether the LMB `lmb` (bytes) is wholly present in `memory` (DRCONF_MEM_ASSIGNED). */
export function lmbPresent(memory: readonly Range[], lmb: Range): boolean {
  return normalize(memory).some((r) => r.start <= lmb.start && lmb.end <= r.end);
}

/** The LMB numbered `n` (address / LMB size), in bytes. */
export function lmbRange(n: number, lmbBytes: number): Range {
  return { start: n * lmbBytes, end: (n + 1) * lmbBytes };
}

/** The LMBs a DLPAR request hands the kernel, or null when the HMC refuses it (the profile's
 *  minimum or maximum). A count: lmbsAdded / lmbsRemoved. One named LMB (`lmb`, its number): that
 *  LMB as asked, present or not and inside the profile or not, for the kernel to judge
 *  (dlpar_memory_{add,remove}_by_index, §4); the HMC refuses only a remove below the minimum [I]. */
export function dlparRanges(
  memory: readonly Range[],
  target: { by: 'count'; count: number } | { by: 'index'; lmb: number },
  action: 'add' | 'remove',
  bounds: { lmbBytes: number; minBytes: number; maxBytes: number },
): Range[] | null {
  if (target.by === 'count')
    return action === 'add'
      ? lmbsAdded(memory, target.count, bounds.lmbBytes, bounds.maxBytes)
      : lmbsRemoved(memory, target.count, bounds.lmbBytes, bounds.minBytes);
  const lmb = lmbRange(target.lmb, bounds.lmbBytes);
  if (
    action === 'remove' &&
    lmbPresent(memory, lmb) &&
    totalSize(normalize(memory)) - bounds.lmbBytes < bounds.minBytes
  )
    return null;
  return [lmb];
}

export function withAdded(memory: readonly Range[], added: readonly Range[]): Range[] {
  return normalize([...memory, ...added]);
}

export function withRemoved(memory: readonly Range[], removed: readonly Range[]): Range[] {
  return normalize(removed.reduce<Range[]>((m, cut) => subtract(m, cut), normalize(memory)));
}

// ---------------------------------------------------------------------------------------------

/** The kernel's "%#llx". Unlike glibc, the kernel's vsprintf (lib/vsprintf.c number()) writes
 *  the 0x prefix for zero too: "Dumped: 0x0", as in firmware-assisted-dump.rst's fadump_region example
 *  (firmware-assisted-dump.rst; §2 fadump_region). */
export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** The kernel's "%#016llx": zero-padded to 16 characters including the 0x (0 is
 *  "0x00000000000000", for the same reason as in hex()). */
export function hex016(n: number): string {
  return `0x${n.toString(16).padStart(14, '0')}`;
}

/** /proc/vmcore's program headers as the file shows them (fs/proc/vmcore.c,
 *  process_ptload_program_headers_elf64()): the data of each PT_LOAD follows the ELF headers and
 *  the merged notes, each rounded up to PAGE_SIZE; a segment takes whole pages, from
 *  rounddown(paddr) to roundup(paddr + size), and its p_offset points at paddr within them. The
 *  notes are taken to fit one page (true for the 64 KiB-page guests of test/real/; a 4 KiB-page
 *  build with many CPUs needs more [I]). Offsets in bytes. */
export function vmcoreFileLayout(ptLoads: readonly PtLoad[], pageSize: number): PtLoad[] {
  const headers = alignUp(64 + (ptLoads.length + 1) * 56, pageSize);
  let off = headers + pageSize;
  return ptLoads.map((p) => {
    const start = alignDown(p.paddr, pageSize);
    const end = alignUp(p.paddr + p.size, pageSize);
    const offset = off + (p.paddr - start);
    off += end - start;
    return { paddr: p.paddr, size: p.size, offset };
  });
}
