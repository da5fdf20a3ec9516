// The kernel's #defines for fadump on ppc64, written out again for the simulator (src/sim/) so that
// it shares no arithmetic with the model (machines/, src/memory/layout.ts).
// Sources: shared/reference/kernel-behaviour.md §1 "Early boot" 4, §2, §3, §4;
// arch/powerpc/include/asm/fadump-internal.h, rtas-fadump.h, opal-fadump.h.
//
// The sizes marked [I] are not in the reference: they are the values the model's observable
// interface (src/sysfs/view.ts) was fixed with, and the simulator must print the same numbers.

export const SZ_1K = 0x400;
export const SZ_1M = 0x100000;
export const SZ_256M = 0x10000000;

/** CONFIG_PPC_64K_PAGES. */
export const PAGE_SIZE = 0x10000;
/** COMMAND_LINE_SIZE on powerpc. */
export const COMMAND_LINE_SIZE = 2048;
/** crashkernel= is capped at memblock_phys_mem_size() / MAX_BOOT_MEM_RATIO. */
export const MAX_BOOT_MEM_RATIO = 4;
/** pageblock alignment of a CMA area with 64K pages (16 MiB) [I]. */
export const CMA_MIN_ALIGNMENT_BYTES = 16 * SZ_1M;

/** fadump_get_bootmem_min(): RTAS_FADUMP_MIN_BOOT_MEM / OPAL_FADUMP_MIN_BOOT_MEM. */
export const RTAS_FADUMP_MIN_BOOT_MEM = 320 * SZ_1M;
export const OPAL_FADUMP_MIN_BOOT_MEM = 768 * SZ_1M;
/** The 2011 kernel's MIN_BOOT_MEM ("the larger of 5% of RAM or 256MB", seeds/000_*). */
export const FADUMP_2011_MIN_BOOT_MEM = 256 * SZ_1M;

/** Boot memory regions the firmware takes. */
export const RTAS_FADUMP_MAX_BOOT_MEM_REGS = 7;
export const OPAL_FADUMP_MAX_MEM_REGS = 128;

/** RTAS CPU state data and HPTE sections (the documentation's example sizes) [I]. */
export const RTAS_CPU_STATE_SIZE = 0x40020;
export const RTAS_HPTE_REGION_SIZE = 0x1000;
/** sizeof(struct fadump_crash_info_header) [I]. */
export const SIZEOF_FADUMP_CRASH_INFO_HEADER = 648;
/** opal_fadump_get_metadata_size(): PAGE_ALIGN(sizeof(struct opal_fadump_mem_struct)). */
export const OPAL_FADUMP_METADATA_SIZE = PAGE_SIZE;

/** fadump_str_to_u64("FADMPSIG") / ("FADMPINF"). */
export const FADUMP_CRASH_INFO_MAGIC = 0x4641444d50534947n;
export const FADUMP_CRASH_INFO_MAGIC_OLD = 0x4641444d50494e46n;
export const FADUMP_HEADER_VERSION = 1;
export const FADUMP_CPU_UNKNOWN = 0xffffffff;

/** sizeof(struct pt_regs) and sizeof(struct cpumask) of the two kernel builds a configuration can
 *  mix (reference §3 "pt_regs_sz or cpu_mask_sz differ"): NR_CPUS=2048 and NR_CPUS=8192 [I]. */
export const PT_REGS_SZ = 352;
export const CPU_MASK_SZ_2048 = 256;
export const CPU_MASK_SZ_8192 = 1024;

/** RTAS ibm,configure-kernel-dump commands. */
export const FADUMP_REGISTER = 1;
export const FADUMP_UNREGISTER = 2;
export const FADUMP_INVALIDATE = 3;

/** What /sys/firmware/opal/mpipl/core reads as (the model's text for the ELF core). */
export const OPAL_CORE_TEXT = '(ELF core of OPAL memory at the crash)';
