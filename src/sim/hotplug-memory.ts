// Memory DLPAR on pSeries (and hot-add/remove elsewhere), after
// arch/powerpc/platforms/pseries/hotplug-memory.c: dlpar_memory_{add,remove}_by_{count,index}(),
// dlpar_remove_lmb(): lmb_is_removable() (DRCONF_MEM_ASSIGNED, and is_fadump_memory_area() in
// fadump.c: src/sim/kernel.ts), then device_offline() → mm/memory_hotplug.c offline_pages(),
// which fails with -EBUSY where mm/page_isolation.c has_unmovable_pages() finds a PageReserved
// page or a MIGRATE_CMA pageblock. docs/kernel-behaviour.md §4, §5.
import type { Errno } from '../events';
import type { FadumpKernel, FwDump } from './fadump-internal';
import { memblockAdd, memblockOverlaps, memblockRemove, regionEnd, type MemblockRegion } from './memblock';

/** What DLPAR sees of the kernel: fw_dump, memblock and fadump's own memory check. */
export interface DlparKernel extends FadumpKernel {
  readonly memblock: { memory: MemblockRegion[]; reserved: MemblockRegion[] };
  /** The page early boot's memblock allocations reached (memblock_alloc_top_down()). */
  readonly boot_allocs: MemblockRegion | null;
  /** is_fadump_memory_area(): [base, base+size) touches fadump's reserved or boot memory. */
  is_fadump_memory_area(base: number, size: number): boolean;
}

/** How the request names its LMBs: hp_elog->id_type PSERIES_HP_ELOG_ID_DRC_COUNT or _DRC_INDEX. */
export type DlparIdType = 'count' | 'index';

function overlaps(a: MemblockRegion, base: number, size: number): boolean {
  return a.base < base + size && base < regionEnd(a);
}

/** device_offline() of the LMB's memory block: -EBUSY when a page cannot be isolated. The pages
 *  memblock-reserved at boot that the simulator knows of: the kernel image in the first LMB
 *  (early_reserve_mem() [I: the model places nothing else unmovable]) and fadump's reserved area
 *  (fadump_reserve_mem()'s memblock_reserve); the CMA part of it is MIGRATE_CMA, which only
 *  alloc_contig_range() may isolate. Returns null when it offlines. */
function device_offline(k: DlparKernel, l: MemblockRegion): Errno | null {
  const f = k.fw_dump;
  if (l.base === 0) return 'EBUSY';
  // The seeded fault drops fadump's whole protection: its own check and its pages' (src/sim/mutants.ts).
  if (k.bug('dlpar-protection-missing')) return null;
  if (
    f.fadump_enabled &&
    !f.dump_active &&
    f.reserve_dump_area_size > 0 &&
    overlaps({ base: f.reserve_dump_area_start, size: f.reserve_dump_area_size }, l.base, l.size)
  )
    return 'EBUSY';
  if (f.cma !== null && overlaps(f.cma, l.base, l.size)) return 'EBUSY';
  return null;
}

function assigned(k: DlparKernel, l: MemblockRegion): boolean {
  return k.memblock.memory.some((r) => r.base <= l.base && regionEnd(l) <= regionEnd(r));
}

/** has_unmovable_pages() (mm/page_isolation.c) over early boot's memblock allocations: "page
 *  dumped because: unmovable page", for a request that names its LMBs. A remove by count on
 *  PowerVM lets dlpar_memory_remove_by_count() skip an LMB that fails and take another, which the
 *  simulator, handed the LMBs the HMC chose, does not do [I]: it leaves the check out there. Under
 *  QEMU a count is a pc-dimm's device_del, an indexed-count request (hw/ppc/spapr.c
 *  spapr_memory_unplug_request()). */
function holdsBootAllocations(k: DlparKernel, idType: DlparIdType, l: MemblockRegion): boolean {
  const b = k.boot_allocs;
  if (b === null || (idType === 'count' && k.env.config.firmware !== 'qemu')) return false;
  return overlaps(b, l.base, l.size);
}

/** dlpar_remove_lmb(): -EINVAL when lmb_is_removable() says no (not assigned; with fadump
 *  registered on pSeries, fadump's memory), else device_offline()'s error. */
function dlpar_remove_lmb(k: DlparKernel, l: MemblockRegion, idType: DlparIdType): Errno | null {
  if (!assigned(k, l)) return 'EINVAL';
  if (k.env.config.platform === 'pseries' && !k.has('5.2') && holdsBootAllocations(k, idType, l)) return 'EINVAL';
  if (k.env.config.platform === 'pseries' && !k.has('5.2')) {
    // Before "powerpc/fadump: Do not allow hot-remove memory from fadump reserved area" (5.2 [I])
    // lmb_is_removable() asks is_fadump_boot_memory_area() (from 4.13 [I]; nothing before), then
    // is_mem_section_removable(), which refuses memblock-reserved pages (the area but its CMA
    // part; the kernel image in the first LMB) with -EINVAL.
    if (l.base === 0) return 'EINVAL';
    if (!k.has('4.13')) return memblockOverlaps(k.memblock.reserved, l.base, l.size) ? 'EINVAL' : null;
    return lmb_is_removable_before_5_2(k.fw_dump, k.memblock.reserved, l) ? null : 'EINVAL';
  }
  if (
    k.env.config.platform === 'pseries' &&
    !k.bug('dlpar-protection-missing') &&
    k.is_fadump_memory_area(l.base, l.size)
  )
    return 'EINVAL';
  return holdsBootAllocations(k, idType, l) ? 'EBUSY' : device_offline(k, l);
}

/** A DLPAR request for these LMBs (`idType`: by count, the HMC chose them; by index, one named
 *  LMB). `maxBytes`: the end of the LMBs ibm,dynamic-memory lists (the profile's maximum).
 *  Remove by count: one LMB that fails → "Memory hot-remove failed, adding LMB's back", -EINVAL,
 *  nothing changes. Remove by index: dlpar_remove_lmb()'s errno; -EINVAL for an LMB not listed.
 *  Add by index: -EINVAL for an LMB not listed or already assigned (dlpar_add_lmb()). */
export function dlpar_memory(
  k: DlparKernel,
  action: 'add' | 'remove',
  idType: DlparIdType,
  lmbs: readonly MemblockRegion[],
  maxBytes: number,
): Errno | null {
  // QEMU's boot RAM LMBs, and the gap's up to device memory, are DRCONF_MEM_RESERVED without a
  // valid DRC (hw/ppc/spapr.c spapr_dt_dynamic_memory()): as good as not listed. pc-dimms present
  // at boot sit above the gap (device_mem_base = ROUND_UP(ram_size, 1 GiB), spapr_machine_init();
  // a configured hole is that gap [I]) and have DRCs.
  const c = k.env.config;
  let deviceMemory = c.memoryBytes;
  if (c.memoryHolesMiB.length > 0) deviceMemory = 0;
  for (const h of c.memoryHolesMiB) deviceMemory = Math.max(deviceMemory, (h.startMiB + h.sizeMiB) * 1024 * 1024);
  const listed = (l: MemblockRegion) =>
    regionEnd(l) <= maxBytes && !(c.platform === 'pseries' && c.firmware === 'qemu' && l.base < deviceMemory);
  // A capture kernel refuses DLPAR while it holds the dump: everything above boot memory stays
  // reserved until release (fadump_reserve_crash_area()), and the model's bound is the whole
  // request [I].
  if (k.fw_dump.dump_active) return 'EINVAL';
  if (action === 'remove') {
    for (const l of lmbs) {
      const rc = listed(l) ? dlpar_remove_lmb(k, l, idType) : 'EINVAL';
      if (rc !== null) return idType === 'count' ? 'EINVAL' : rc;
    }
    for (const l of lmbs) k.memblock.memory = memblockRemove(k.memblock.memory, l.base, l.size);
    return null;
  }
  // Hot-add while the dump is held (above) is refused too: memory added now would show up in a
  // re-capture after a capture-kernel panic [I].
  if (idType === 'index' && lmbs.some((l) => !listed(l) || assigned(k, l))) return 'EINVAL';
  for (const l of lmbs) k.memblock.memory = memblockAdd(k.memblock.memory, l.base, l.size);
  return null;
}

/** lmb_is_removable() from 4.13 (CMA from a4e92ce8e4c8, 4.20) until "powerpc/fadump: Do not allow hot-remove
 *  memory from fadump reserved area" (5.2 [I]; docs/kernel-behaviour.md §10.5), for the LMB
 *  [base, base+size) in bytes against fw_dump and memblock.reserved: "Don't hot-remove memory that
 *  falls in fadump boot memory area" (is_fadump_boot_memory_area(): registered, and the LMB starts
 *  in boot memory), then is_mem_section_removable(): memblock-reserved pages refuse [I], but
 *  fadump_cma_init() gave the CMA part of the area back as free pages, which count as removable
 *  (5c755e9fd813: "It contains only pageblocks with free pages regardless of pageblock type"). */
export function lmb_is_removable_before_5_2(
  f: Pick<FwDump, 'dump_registered' | 'boot_mem_top' | 'cma'>,
  reserved: readonly MemblockRegion[],
  l: MemblockRegion,
): boolean {
  if (f.dump_registered && l.size !== 0 && l.base <= f.boot_mem_top) return false;
  const pages = f.cma === null ? reserved : memblockRemove(reserved, f.cma.base, f.cma.size);
  return !memblockOverlaps(pages, l.base, l.size);
}
