// Memory DLPAR on pSeries (and hot-add/remove elsewhere), after
// arch/powerpc/platforms/pseries/hotplug-memory.c: lmb_is_removable() asks fadump whether an LMB
// is its memory (is_fadump_memory_area(), in fadump.c: src/sim/kernel.ts). docs/kernel-behaviour.md §4, §5.
import type { Errno } from '../events';
import type { FadumpKernel, FwDump } from './fadump-internal';
import { memblockAdd, memblockOverlaps, memblockRemove, type MemblockRegion } from './memblock';

/** What DLPAR sees of the kernel: fw_dump, memblock and fadump's own memory check. */
export interface DlparKernel extends FadumpKernel {
  readonly memblock: { memory: MemblockRegion[]; reserved: MemblockRegion[] };
  /** is_fadump_memory_area(): [base, base+size) touches fadump's reserved or boot memory. */
  is_fadump_memory_area(base: number, size: number): boolean;
}

/** A DLPAR request for these LMBs. Remove: every LMB must be removable (pSeries
 *  lmb_is_removable) and, in a capture kernel, outside the crash area it keeps reserved until
 *  release (reserved pages cannot be offlined [I]); else -EINVAL and nothing changes. Add always
 *  works. */
export function dlpar_memory(k: DlparKernel, action: 'add' | 'remove', lmbs: readonly MemblockRegion[]): Errno | null {
  if (action === 'remove') {
    for (const l of lmbs) {
      if (k.env.config.platform === 'pseries' && !k.has('4.13')) {
        // Before "powerpc/fadump: avoid holes in boot memory area when fadump is registered"
        // (4.13 [I]) lmb_is_removable() asks nothing of fadump; memblock-reserved pages (the
        // area) are still not removable (is_mem_section_removable() [I]).
        if (memblockOverlaps(k.memblock.reserved, l.base, l.size)) return 'EINVAL';
      } else if (k.env.config.platform === 'pseries' && k.has('4.20') && !k.has('5.2')) {
        if (!lmb_is_removable_before_5_2(k.fw_dump, k.memblock.reserved, l)) return 'EINVAL';
      } else if (
        k.env.config.platform === 'pseries' &&
        !k.bug('dlpar-protection-missing') &&
        k.is_fadump_memory_area(l.base, l.size)
      )
        return 'EINVAL';
      if (k.fw_dump.dump_active && memblockOverlaps(k.memblock.reserved, l.base, l.size)) return 'EINVAL';
    }
    for (const l of lmbs) k.memblock.memory = memblockRemove(k.memblock.memory, l.base, l.size);
    return null;
  }
  // Hot-add is refused while the dump is held: a bound the model sets (memory added now would
  // show up in a re-capture after a capture-kernel panic) [I].
  if (k.fw_dump.dump_active) return 'EINVAL';
  for (const l of lmbs) k.memblock.memory = memblockAdd(k.memblock.memory, l.base, l.size);
  return null;
}

/** lmb_is_removable() from a4e92ce8e4c8 (4.20) until "powerpc/fadump: Do not allow hot-remove
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
