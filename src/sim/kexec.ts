// The crash kernel image of kdump (`kexec -p`, `kexec -p -u`), after kernel/kexec_file.c and
// kernel/kexec_core.c (kexec_crash_image, kexec_trylock, sanity_check_segment_list) and the
// crashkernel= reservation, after arch/powerpc/kexec/core.c (reserve_crashkernel()) and
// kernel/crash_core.c (crashk_res): docs/kernel-behaviour.md §6. fadump and kdump share the boot:
// crashkernel= memory is reserved only when fadump reserved nothing (src/sim/kernel.ts boot()).
import type { Errno } from '../events';
import { parseCrashkernel } from '../memory/crashkernel';
import { memblockMerge, memblockRemove, PAGE_ALIGN, type MemblockRegion } from './memblock';

const SZ_1M = 0x100000;
const SZ_128M = 0x8000000;
const SZ_512M = 0x20000000;
/** __pa(_stext) .. _end: the running kernel's image [I: 32 MiB, docs/kernel-behaviour.md §6]. */
const KERNEL_END = 32 * SZ_1M;

/** What reserve_crashkernel() reads: the crashkernel= value, memblock.memory, the release's
 *  parse_crashkernel() (the >= RAM check of 6.12), the platform and ppc64_rma_size. */
export interface CrashkernelEnv {
  text: string | null;
  memory: readonly MemblockRegion[];
  rejectsRamSize: boolean;
  /** 6.15+: reserve_crashkernel_generic() reserves the size as given (e3185ee438c2). */
  generic: boolean;
  lpar: boolean;
  ppc64_rma_size: number;
  pageSize: number;
  /** memblock.memory's MEMBLOCK_HOTPLUG part (early_init_drmem_lmb(), arch/powerpc/kernel/prom.c:
   *  LMBs flagged DRCONF_MEM_HOTREMOVABLE), merged apart from the rest (memblock_merge_regions(),
   *  mm/memblock.c, joins only regions of equal flags). */
  hotplug: readonly MemblockRegion[];
}

/** reserve_crashkernel() (arch/powerpc/kexec/core.c): crashk_res, or null when nothing is
 *  reserved. The string parsing is parse_crashkernel()'s (src/memory/crashkernel.ts, the one
 *  parser both sides share); placing and checking the range is written here again. */
export function reserve_crashkernel(e: CrashkernelEnv): MemblockRegion | null {
  if (e.text === null) return null;
  const total_mem_sz = e.memory.reduce((a, r) => a + r.size, 0);
  const parsed = parseCrashkernel(e.text, total_mem_sz);
  if (parsed === null) return null;
  // parse_crashkernel(): if (*crash_size >= system_ram) ret = -EINVAL (6.12).
  if (parsed.size === 0 || (e.rejectsRamSize && parsed.size >= total_mem_sz)) return null;
  let start = parsed.base;
  if (!start) start = Math.min(e.ppc64_rma_size / 2, e.lpar ? SZ_512M : SZ_128M);
  start = PAGE_ALIGN(start, e.pageSize);
  const size = e.generic ? parsed.size : PAGE_ALIGN(parsed.size, e.pageSize);
  const end = start + size - 1;
  // overlaps_crashkernel(__pa(_stext), _end - _stext)
  if (0 + KERNEL_END > start && 0 <= end) return null;
  // memblock_is_region_memory(): inside one memblock.memory region, a MEMBLOCK_HOTPLUG region
  // never merged with a plain one.
  const hot = memblockMerge(e.hotplug);
  const plain = hot.reduce((left, h) => memblockRemove(left, h.base, h.size), [...e.memory]);
  const inside = [...memblockMerge(plain), ...hot].some((r) => r.base <= start && start + size <= r.base + r.size);
  return inside ? { base: start, size } : null;
}

/** What `kexec -p` loads and how: the syscall kexec-tools ends in (config kexecSyscall), the
 *  running kernel's PAGE_SIZE (getpagesize()), and the capture kernel's image (its first PT_LOAD's
 *  p_memsz) and initramfs in bytes, exact for the kexec_load path and in whole MiB for the
 *  kexec_file_load one (config captureKernel). */
export interface KexecLoader {
  syscall: 'kexec_file_load' | 'kexec_load';
  pageSize: number;
  imageBytes: number;
  initrdBytes: number;
  /** captureKernel.imageMiB + initrdMiB, in bytes. */
  fileSegmentsBytes: number;
}

const SZ_64K = 0x10000;

/** kexec-tools' elf_ppc64_load() on the kexec_load path (kexec/arch/ppc64/kexec-elf-ppc64.c),
 *  written out again: locate_hole() (kexec/kexec.c) for the kernel's first PT_LOAD, then
 *  add_buffer() for the backup region and the elfcorehdr (load_crashdump_segments(),
 *  kexec/arch/ppc64/crashdump-ppc64.c), the purgatory, the initramfs and the device tree, each
 *  rounded up to getpagesize() and taken from the free part of crashk_res. The elfcorehdr,
 *  purgatory and device tree: 64 KiB each [I: docs/kernel-behaviour.md §6.1]. Returns the line
 *  kexec-tools die()s with, or null when everything fits (then kexec_load(2) is called). */
function elf_ppc64_load(res: MemblockRegion, l: KexecLoader): Errno | null {
  const _ALIGN = (x: number) => Math.ceil(x / l.pageSize) * l.pageSize;
  let hole_base = res.base;
  const end = res.base + res.size;
  // The kernel: my_kernel = hole_addr = locate_hole(info, size, 0, 0, max_addr, 1); unchecked.
  // Then add_segment_phys_virt() at the base ULONG_MAX: "Base address: 0x%lx is not page aligned".
  if (hole_base + _ALIGN(l.imageBytes) > end) return 'E?(Base address: 0xffffffffffffffff is not page aligned)';
  hole_base += _ALIGN(l.imageBytes);
  for (const memsz of [SZ_64K, SZ_64K, SZ_64K, l.initrdBytes, SZ_64K]) {
    // add_buffer_phys_virt(): memsz = _ALIGN(memsz, pagesize); locate_hole() or die().
    if (hole_base + _ALIGN(memsz) > end) return 'E?(locate_hole failed)';
    hole_base += _ALIGN(memsz);
  }
  return null;
}

/** One boot's crash kernel image slot (kexec_crash_image). */
export class CrashImage {
  /** kexec_crash_image: none loaded, a `kexec -p` under way, or loaded (§6). */
  private state: 'none' | 'loading' | 'loaded' = 'none';

  /** `crashkRes`: this boot's crashk_res (null: none); `loader`: what `kexec -p` loads and with
   *  which syscall (KexecLoader). */
  constructor(
    private readonly crashkRes: () => MemblockRegion | null,
    private readonly loader: () => KexecLoader,
  ) {}

  /** Whether kexec_crash_image is set (kexec_crash_loaded reads 1). */
  get isLoaded(): boolean {
    return this.state === 'loaded';
  }

  /** kexec_file_load(KEXEC_FILE_ON_CRASH), `kexec -p`, begins: the current crash image is freed
   *  first, then the new one is loaded into crashk_res (§6), so until kexec-loaded nothing is
   *  loaded. With no crashk_res, or one smaller than the segments, kexec_locate_mem_hole() finds
   *  no hole (kernel/kexec_file.c) and the call fails at once with -EADDRNOTAVAIL; such a
   *  configuration never loaded anything, so nothing is freed. On the kexec_load path kexec-tools
   *  places the segments and fails in user space first (elf_ppc64_load() above): no syscall.
   *  'loading': the load is under way, the answer comes with kexec-loaded. */
  load(): Errno | 'loading' {
    const res = this.crashkRes();
    const l = this.loader();
    if (res === null) return 'EADDRNOTAVAIL';
    if (l.syscall === 'kexec_load') {
      const failed = elf_ppc64_load(res, l);
      if (failed !== null) return failed;
    } else if (l.fileSegmentsBytes > res.size) return 'EADDRNOTAVAIL';
    // kdump fallback (fadump off or failed): only the image slot of §6 is stated here; the jump
    // into a kdump capture kernel is not (the generated suite stops comparing where the model
    // falls back to kdump; a seeded fault can lead here and must not stop the run).
    if (this.state === 'loading') return 'EBUSY'; // kexec_trylock() fails [I]
    this.state = 'loading';
    return 'loading';
  }

  /** The `kexec -p` under way returns: the new image is installed. false: no load is under way. */
  loaded(): boolean {
    if (this.state !== 'loading') return false;
    this.state = 'loaded';
    return true;
  }

  /** KEXEC_FILE_UNLOAD with KEXEC_FILE_ON_CRASH, `kexec -p -u`: the crash image, if any, is
   *  exchanged with NULL and freed; unloading nothing succeeds too (§6 "`kexec -p -u` unloads"). */
  unload(): Errno | null {
    if (this.state === 'loading') return 'EBUSY'; // kexec_trylock() fails [I]
    this.state = 'none';
    return null;
  }
}
