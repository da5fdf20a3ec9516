// The kernel's #defines for fadump on ppc64, written out again for the simulator (src/sim/) so that
// it shares no arithmetic with the model (machines/, src/memory/layout.ts).
// Sources: docs/kernel-behaviour.md §1 "Early boot" 4, §2, §3, §4;
// arch/powerpc/include/asm/fadump-internal.h, rtas-fadump.h, opal-fadump.h.
//
// The sizes marked [I] are not in docs/kernel-behaviour.md: they are the values the model's observable
// interface (src/sysfs/view.ts) was fixed with, and the simulator must print the same numbers.

export const SZ_1K = 0x400;
export const SZ_1M = 0x100000;
export const SZ_256M = 0x10000000;

/** PAGE_SIZE is the build's (CONFIG_PPC_4K_PAGES / CONFIG_PPC_64K_PAGES): the kernel reads it
 *  from config.pageSizeKiB. */
/** COMMAND_LINE_SIZE on powerpc. */
export const COMMAND_LINE_SIZE = 2048;
/** crashkernel= is capped at memblock_phys_mem_size() / MAX_BOOT_MEM_RATIO. */
export const MAX_BOOT_MEM_RATIO = 4;
/** pageblock alignment of a CMA area with 64K pages (16 MiB) [I]. */
export const CMA_MIN_ALIGNMENT_BYTES = 16 * SZ_1M;

/** fadump_get_bootmem_min(): RTAS_FADUMP_MIN_BOOT_MEM / OPAL_FADUMP_MIN_BOOT_MEM. */
export const RTAS_FADUMP_MIN_BOOT_MEM = 320 * SZ_1M;
export const OPAL_FADUMP_MIN_BOOT_MEM = 768 * SZ_1M;
/** The 2011 kernel's MIN_BOOT_MEM ("the larger of 5% of RAM or 256MB", firmware-assisted-dump.rst). */
export const FADUMP_2011_MIN_BOOT_MEM = 256 * SZ_1M;

/** Boot memory regions the firmware takes. */
export const RTAS_FADUMP_MAX_BOOT_MEM_REGS = 7;
export const OPAL_FADUMP_MAX_MEM_REGS = 128;

/** ibm,configure-kernel-dump-sizes section types (rtas-fadump.h). */
export const RTAS_FADUMP_CPU_STATE_DATA = 0x0001;
export const RTAS_FADUMP_HPTE_REGION = 0x0002;
/** PowerVM's sizes for them: those of Documentation/arch/powerpc/firmware-assisted-dump.rst's
 *  fadump_region example (the model knows no PowerVM formula) [I]. */
export const PHYP_CPU_STATE_DATA_SIZE = 0x40020;
export const PHYP_HPTE_REGION_SIZE = 0x1000;
/** QEMU's (hw/ppc/spapr.c spapr_dt_rtas_fadump()): sizeof(struct FadumpRegSaveAreaHeader) + 0xc of
 *  padding + the u32 num_cpus, then FADUMP_NUM_PER_CPU_REGS (32 GPRs, 45 others, CPUSTRT and
 *  CPUEND) struct FadumpRegEntry of 16 bytes for each of mc->possible_cpu_arch_ids(); the HPTE
 *  section is advertised with size 0 ("HPTE region not implemented"). */
export const SPAPR_REG_SAVE_AREA_HEADER = 8 + 4 + 4;
export const SPAPR_NUM_CPUS_PADDING = 0xc;
export const FADUMP_NUM_PER_CPU_REGS = 32 + 45 + 2;
export const SIZEOF_FADUMP_REG_ENTRY = 8 + 8;
/** sizeof(struct opal_fadump_mem_struct): u8 version, u8 reserved[3], __be16 region_cnt,
 *  __be16 registered_regions, __be64 fadumphdr_addr, struct opal_mpipl_region
 *  rgn[FADUMP_MAX_MEM_REGS] (3 x __be64 each), __packed. opal_fadump_get_metadata_size() pages it. */
export const FADUMP_MAX_MEM_REGS = 128;
export const SIZEOF_OPAL_FADUMP_MEM_STRUCT = 1 + 3 + 2 + 2 + 8 + FADUMP_MAX_MEM_REGS * 3 * 8;
/** fadump_setup_param_area() under the hash MMU: ppc64_rma_size must reach 0x30000000, and the
 *  area goes in [0x2A000000, 0x2A000000 + 0x4000000) (6.12.107). */
export const HASH_PARAM_AREA_MIN_RMA = 0x30000000;
export const HASH_PARAM_AREA_START = 0x2a000000;
export const HASH_PARAM_AREA_LEN = 0x4000000;

/** fadump_str_to_u64("FADMPSIG") / ("FADMPINF"). */
export const FADUMP_CRASH_INFO_MAGIC = 0x4641444d50534947n;
export const FADUMP_CRASH_INFO_MAGIC_OLD = 0x4641444d50494e46n;
export const FADUMP_HEADER_VERSION = 1;
export const FADUMP_CPU_UNKNOWN = 0xffffffff;

/** sizeof(struct pt_regs) on ppc64 (asm/ptrace.h): gpr[32] and 12 more longs, then a union of
 *  four longs (ppr, exit_result, kuap/amr, iamr: __pad[4]). */
export const PT_REGS_SZ = 44 * 8 + 4 * 8;

/** RTAS ibm,configure-kernel-dump commands. */
export const FADUMP_REGISTER = 1;
export const FADUMP_UNREGISTER = 2;
export const FADUMP_INVALIDATE = 3;

/** What /sys/firmware/opal/mpipl/core reads as (the model's text for the ELF core). */
export const OPAL_CORE_TEXT = '(ELF core of OPAL memory at the crash)';
