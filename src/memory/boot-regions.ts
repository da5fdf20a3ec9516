// The kernel's boot-memory region arithmetic, exactly as C's unsigned long does it: modulo 2^64.
// Source: fadump_get_boot_mem_regions() and add_boot_mem_regions() in arch/powerpc/kernel/fadump.c
// (6.1 and 6.12 alike), rtas_fadump_get_config() and rtas_fadump_update_config() in
// arch/powerpc/platforms/pseries/rtas-fadump.c (6.10+); docs/kernel-behaviour.md §1.1 item 4 "Note that
// fadump_get_boot_mem_regions() ... counted twice".
//
// fadump_get_boot_mem_regions() both lowers mem_size and raises cur_size for each memblock region
// it takes whole, so from the second region on it compares and subtracts against boot memory with
// the earlier regions counted twice: the last region gets mem_size - cur_size, short, zero (then
// add_boot_mem_regions() adds no region at all), or wrapped modulo 2^64 when the earlier regions
// pass half of boot_memory_size. Sizes are BigInt here; the model's ranges keep plain numbers,
// which hold such a size exactly (see regionsAsRanges()).

/** A physical address range [start, end) in bytes (the shape of ./layout.ts's Range, restated so
 *  that layout.ts can import this module without a cycle). */
export interface Range {
  readonly start: number;
  readonly end: number;
}

/** 2^64: unsigned long on ppc64 wraps modulo this. */
export const U64_MODULUS = 1n << 64n;

/** `x` modulo 2^64, as an unsigned long holds it. */
export function u64(x: bigint): bigint {
  return ((x % U64_MODULUS) + U64_MODULUS) % U64_MODULUS;
}

/** ALIGN_DOWN(U64_MAX, PAGE_SIZE): pSeries' max_copy_size ("Firmware supports 64-bit value for
 *  size", rtas_fadump_dt_scan()); `pageSize` in bytes. */
export function u64MaxCopySize(pageSize: number): bigint {
  return u64(-1n) - (u64(-1n) % BigInt(pageSize));
}

/** ALIGN_DOWN(U32_MAX, PAGE_SIZE): OPAL's max_copy_size (opal_fadump_dt_scan()). */
export function u32MaxCopySize(pageSize: number): bigint {
  return 0xffffffffn - (0xffffffffn % BigInt(pageSize));
}

/** One boot_mem_addr[i] / boot_mem_sz[i] pair, in bytes, as the kernel holds them. */
export interface KernelBootRegion {
  readonly start: bigint;
  readonly size: bigint;
}

/** What fadump_get_boot_mem_regions() leaves in fw_dump. */
export interface KernelBootRegions {
  /** 1, or 0 once add_boot_mem_region() passed the platform's limit ("Too many holes in boot
   *  memory area to enable fadump"). */
  ok: boolean;
  /** boot_mem_addr[] / boot_mem_sz[], at most `maxRegions`. */
  regions: KernelBootRegion[];
  /** boot_mem_top = PAGE_ALIGN(boot_memory_size + hole_size), bytes. */
  bootMemTop: bigint;
  /** The loop reached boot_memory_size (took its `break`); false when memblock ran out first. */
  reached: boolean;
}

/** The inputs of the C loop: memblock's memory regions (sorted, merged: for_each_mem_range()),
 *  boot_memory_size, fw_dump.max_copy_size (0: no limit), the platform's
 *  fadump_max_boot_mem_rgns() and PAGE_SIZE; all sizes in bytes. */
export interface BootRegionInputs {
  memory: readonly Range[];
  bootMemorySize: number;
  maxCopySize: bigint;
  maxRegions: number;
  pageSize: number;
}

/** add_boot_mem_regions(): `msize` bytes from `mstart` as regions of at most max_copy_size, each
 *  through add_boot_mem_region(), which refuses the one past `maxRegions`. Returns ret. */
function addBootMemRegions(out: KernelBootRegion[], mstart: bigint, msize: bigint, i: BootRegionInputs): boolean {
  const maxSize = i.maxCopySize !== 0n ? i.maxCopySize : msize;
  let rstart = mstart;
  let left = msize;
  while (left !== 0n) {
    const rsize = left > maxSize ? maxSize : left;
    if (out.length + 1 > i.maxRegions) return false;
    out.push({ start: rstart, size: rsize });
    left = u64(left - rsize);
    rstart = u64(rstart + rsize);
  }
  return true;
}

/** fadump_get_boot_mem_regions() (arch/powerpc/kernel/fadump.c, 6.1 and 6.12 alike), line for
 *  line in unsigned 64-bit arithmetic, double count included: `mem_size -= size; cur_size +=
 *  size;` per whole region, then `size = (mem_size - cur_size)` for the last one. */
export function fadumpGetBootMemRegions(i: BootRegionInputs): KernelBootRegions {
  const regions: KernelBootRegion[] = [];
  let memSize = BigInt(i.bootMemorySize);
  let curSize = 0n;
  let holeSize = 0n;
  let lastEnd = 0n;
  let ok = true;
  let reached = false;
  for (const r of i.memory) {
    const regStart = BigInt(r.start);
    let size = BigInt(r.end) - regStart;
    holeSize = u64(holeSize + (regStart - lastEnd));
    if (u64(curSize + size) >= memSize) {
      size = u64(memSize - curSize);
      ok = addBootMemRegions(regions, regStart, size, i);
      reached = true;
      break;
    }
    memSize = u64(memSize - size);
    curSize = u64(curSize + size);
    ok = addBootMemRegions(regions, regStart, size, i);
    if (!ok) break;
    lastEnd = BigInt(r.end);
  }
  const page = BigInt(i.pageSize);
  const top = u64(BigInt(i.bootMemorySize) + holeSize);
  return { ok, regions, bootMemTop: ((top + page - 1n) / page) * page, reached };
}

/** The regions as the model's ranges, [start, start + size) in bytes. A wrapped size is near
 *  2^64, but it is a multiple of the page size (4 KiB or more), so start + size, below 2^65, is a
 *  multiple of 2^12 with at most 53 significant bits: a double holds it exactly, and end - start
 *  gives the size back exactly (rangeSizeU64()). Memblock regions are page-aligned, so no other
 *  size reaches the model [I: an unaligned wrapped size would be rounded]. */
export function regionsAsRanges(regions: readonly KernelBootRegion[]): Range[] {
  return regions.map((r) => ({ start: Number(r.start), end: Number(r.start + r.size) }));
}

/** A range's length as the kernel's u64 boot_mem_sz[i] (regionsAsRanges()'s inverse). */
export function rangeSizeU64(r: Range): bigint {
  return u64(BigInt(r.end) - BigInt(r.start));
}

/** rtas_fadump_get_config() in the capture kernel (6.10+): boot_memory_size is the sum of the
 *  registered real-mode sections' source_len, hole_size the gaps before each source, both
 *  unsigned long; boot_mem_top = boot_memory_size + hole_size (no PAGE_ALIGN there). In bytes,
 *  as numbers (a wrapped sum is below 2^64 and page-aligned: exact). */
export function captureBootMemConfig(sections: readonly Range[]): { bootMemorySize: number; bootMemTop: number } {
  let size = 0n;
  let holes = 0n;
  let lastEnd = 0n;
  for (const s of sections) {
    const len = rangeSizeU64(s);
    size = u64(size + len);
    holes = u64(holes + (BigInt(s.start) - lastEnd));
    lastEnd = u64(BigInt(s.start) + len);
  }
  return { bootMemorySize: Number(size), bootMemTop: Number(u64(size + holes)) };
}

/** The sum of the sections' lengths modulo 2^64, bytes (the capture kernel's boot_memory_size). */
export function registeredBootMemorySize(sections: readonly Range[]): number {
  return captureBootMemConfig(sections).bootMemorySize;
}

/** "%#llx" / "0x%llx" of an unsigned 64-bit value in the kernel's vsprintf (lib/vsprintf.c
 *  number(): with SPECIAL the "0x" prefix is written for 0 too, "Dumped: 0x0"). */
export function hexU64(v: bigint | number): string {
  return `0x${u64(BigInt(v)).toString(16)}`;
}

/** Whether [start, end) lies in one range of `memory` (sorted or not), bytes. */
function inRam(x: Range, memory: readonly Range[]): boolean {
  return memory.some((m) => m.start <= x.start && x.end <= m.end);
}

/** The boot-memory sections QEMU fails to copy at ibm,os-term, as indices into `regions` (the
 *  registered real-mode sections, copied one after the other from `dest`, bytes): QEMU's
 *  do_preserve_region() (hw/ppc/spapr_fadump.c) copies a section in 32 MiB chunks with
 *  address_space_read()/address_space_write(); a chunk whose source or destination is not RAM
 *  gives MEMTX_DECODE_ERROR, and the section gets error_flags (FADUMP_ERROR_INVALID_SOURCE_ADDR or
 *  _DEST_ADDR) and bytes_dumped 0. So a section fails when its source or its destination leaves
 *  `memory` (merged LMBs, bytes): a source over a hole (6.1's single section [0,
 *  boot_memory_size), "Dump taken by platform is not valid" in test/real/
 *  pseries-6.1-64k-boot-mem-two-regions.jsonl), or a wrapped size. */
export function qemuUncopiedSections(regions: readonly Range[], dest: number, memory: readonly Range[]): number[] {
  const out: number[] = [];
  let at = dest;
  regions.forEach((r, i) => {
    const size = r.end - r.start;
    if (size > 0 && (!inRam(r, memory) || !inRam({ start: at, end: at + size }, memory))) out.push(i);
    at += size;
  });
  return out;
}
