// What the guest's firmware and build put into the dump area's arithmetic: the sizes pSeries
// firmware reports for its own dump sections (CPU state data, HPTE), the OPAL metadata page, the
// page size every PAGE_ALIGN uses, and the MMU's say on where the param area may go. Pure
// functions of the configuration's guest keys (cpus, firmware, pageSizeKiB, mmu).
import { GiB, MiB, pageAlign } from './size';

/** The platform: pSeries (PowerVM or QEMU's spapr, RTAS) or PowerNV (OPAL). */
export type Platform = 'pseries' | 'powernv';

/** Who answers ibm,configure-kernel-dump on pSeries and fills ibm,configure-kernel-dump-sizes. */
export type Firmware = 'powervm' | 'qemu';
export type Mmu = 'radix' | 'hash';

// ---------------------------------------------------------------------------------------------
// pSeries: ibm,configure-kernel-dump-sizes, read by rtas_fadump_dt_scan()
// (arch/powerpc/platforms/pseries/rtas-fadump.c) into fw_dump.cpu_state_data_size and
// hpte_region_size; the kernel registers exactly those sizes (rtas_fadump_init_mem_struct()),
// whatever the MMU.

/** QEMU's CPU state data (hw/ppc/spapr.c spapr_dt_rtas_fadump(), hw/ppc/spapr_fadump.h): the
 *  register save area header (struct FadumpRegSaveAreaHeader: magic u64, version u32,
 *  num_cpu_offset u32 = 16 bytes), 0xc bytes of padding "as in PAPR", num_cpus (u32), then per
 *  possible CPU FADUMP_NUM_PER_CPU_REGS = 32 GPRs + 45 others + CPUSTRT and CPUEND register
 *  entries of 16 bytes (struct FadumpRegEntry: id u64, value u64). */
export const QEMU_REG_SAVE_AREA_HEADER_BYTES = 16;
export const QEMU_REG_SAVE_AREA_PADDING_BYTES = 0xc;
export const QEMU_NUM_CPUS_BYTES = 4;
export const QEMU_NUM_PER_CPU_REGS = 32 + 45 + 2;
export const QEMU_REG_ENTRY_BYTES = 16;

/** fw_dump.cpu_state_data_size under QEMU, in bytes, for `cpus` possible CPUs: 0x20 + 0x4f0 per
 *  CPU. QEMU counts mc->possible_cpu_arch_ids(), which on pseries has one entry per core: -smp
 *  maxcpus divided by threads. Checked against QEMU 11.1.3's device tree (dumpdtb): -smp 1 →
 *  0x510, -smp 8 → 0x27a0, -smp 1,maxcpus=8 → 0x27a0, -smp 8,threads=2 → 0x13e0. */
export function qemuCpuStateBytes(cpus: number): number {
  return (
    QEMU_REG_SAVE_AREA_HEADER_BYTES +
    QEMU_REG_SAVE_AREA_PADDING_BYTES +
    QEMU_NUM_CPUS_BYTES +
    cpus * QEMU_NUM_PER_CPU_REGS * QEMU_REG_ENTRY_BYTES
  );
}

/** QEMU reports an HPTE section of 0 bytes ("HPTE region not implemented", spapr_dt_rtas_fadump()),
 *  with the radix and the hash MMU alike: the property is built at machine reset, before the
 *  guest picks its MMU (checked in QEMU 11.1.3's device tree). */
export const QEMU_HPTE_BYTES = 0;

/** PowerVM reports its own sizes; PAPR fixes the CPU state data's format (a "REGSAVE" header,
 *  then CPUSTRT ... CPUEND entries per CPU) but not how many registers a CPU has, so the model
 *  keeps the sizes of the kernel documentation's example (Documentation/arch/powerpc/
 *  firmware-assisted-dump.rst, fadump_region: CPU 0x40020 bytes, HPTE 0x1000 bytes) whatever
 *  the CPU count and MMU [I]. */
export const POWERVM_CPU_STATE_BYTES = 0x40020;
export const POWERVM_HPTE_BYTES = 0x1000;

/** The two sizes of ibm,configure-kernel-dump-sizes (types 0x0001 and 0x0002), in bytes. */
export function rtasDumpSizes(firmware: Firmware, cpus: number): { cpuStateBytes: number; hpteBytes: number } {
  if (firmware === 'qemu') return { cpuStateBytes: qemuCpuStateBytes(cpus), hpteBytes: QEMU_HPTE_BYTES };
  return { cpuStateBytes: POWERVM_CPU_STATE_BYTES, hpteBytes: POWERVM_HPTE_BYTES };
}

// ---------------------------------------------------------------------------------------------
// OPAL: no CPU or HPTE section; one metadata block at the end of the area.

/** sizeof(struct opal_fadump_mem_struct) (platforms/powernv/opal-fadump.h): version u8,
 *  reserved[3], region_cnt u16, registered_regions u16, fadumphdr_addr u64, then
 *  FADUMP_MAX_MEM_REGS (128) struct opal_mpipl_region {src, dest, size: u64}; __packed. */
export const SIZEOF_OPAL_FADUMP_MEM_STRUCT = 1 + 3 + 2 + 2 + 8 + 128 * 24;

/** opal_fadump_get_metadata_size(): PAGE_ALIGN(sizeof(struct opal_fadump_mem_struct)): 4 KiB
 *  with 4K pages, 64 KiB with 64K pages. */
export function opalMetadataBytes(pageSize: number): number {
  return pageAlign(SIZEOF_OPAL_FADUMP_MEM_STRUCT, pageSize);
}

// ---------------------------------------------------------------------------------------------

/** The guest keys the area arithmetic needs (a Config has them all). */
export interface GuestShape {
  readonly platform: Platform;
  readonly firmware: Firmware;
  /** Possible CPUs (QEMU: cores), what QEMU's CPU state size follows. */
  readonly cpus: number;
  /** PAGE_SIZE in bytes. */
  readonly pageSize: number;
  /** CONFIG_NR_CPUS of the kernel build (the crash info header's cpumask). */
  readonly nrCpus: number;
  /** The header layout: the pre-2024 one, or the one of the elfcorehdr built in the capture
   *  kernel (with version, vmcoreinfo and the two size fields). */
  readonly elfcorehdr: 'at-registration' | 'in-capture-kernel';
}

/** sizeof(struct pt_regs) on ppc64 (arch/powerpc/include/asm/ptrace.h): 44 longs of user_pt_regs
 *  and a 4-long union (ppr, exit_result, kuap/amr, iamr; "Maintain 16 byte interrupt stack
 *  alignment"), 384 bytes. */
export const PT_REGS_BYTES = 44 * 8 + 4 * 8;

/** sizeof(struct fadump_crash_info_header) (arch/powerpc/include/asm/fadump-internal.h), bytes:
 *  6.10+ (c6c5b14dac0d): u64 magic_number, u32 version, u32 crashing_cpu, u64 vmcoreinfo_raddr,
 *  u64 vmcoreinfo_size, u32 pt_regs_sz, u32 cpu_mask_sz, pt_regs, cpumask; before: u64
 *  magic_number, u64 elfcorehdr_addr, u32 crashing_cpu (padded to 8), pt_regs, cpumask. A cpumask
 *  is NR_CPUS bits in longs. 432 bytes for 6.12 with NR_CPUS=8, as a real kernel's mem_reserved
 *  shows (test/real/). */
export function crashInfoHeaderBytes(elfcorehdr: GuestShape['elfcorehdr'], nrCpus: number): number {
  const cpumask = Math.ceil(nrCpus / 64) * 8;
  const head = elfcorehdr === 'in-capture-kernel' ? 8 + 4 + 4 + 8 + 8 + 4 + 4 : 8 + 8 + 4 + 4;
  return head + PT_REGS_BYTES + cpumask;
}

/** Everything get_fadump_area_size() and the area's layout take from firmware and build, in
 *  bytes: fw_dump.cpu_state_data_size and hpte_region_size (0 on OPAL), the OPAL metadata size
 *  (0 on pSeries) and PAGE_SIZE. */
export interface AreaGeometry {
  readonly platform: Platform;
  readonly pageSize: number;
  readonly cpuStateBytes: number;
  readonly hpteBytes: number;
  readonly metadataBytes: number;
  /** sizeof(struct fadump_crash_info_header) (crashInfoHeaderBytes()). */
  readonly headerBytes: number;
}

/** The area geometry of a guest: rtas_fadump_dt_scan()'s sizes on pSeries, the metadata page on
 *  OPAL (opal_fadump_dt_scan() leaves the CPU and HPTE sizes at 0). */
export function areaGeometry(g: GuestShape): AreaGeometry {
  const headerBytes = crashInfoHeaderBytes(g.elfcorehdr, g.nrCpus);
  if (g.platform === 'powernv')
    return {
      platform: 'powernv',
      pageSize: g.pageSize,
      cpuStateBytes: 0,
      hpteBytes: 0,
      metadataBytes: opalMetadataBytes(g.pageSize),
      headerBytes,
    };
  return {
    platform: 'pseries',
    pageSize: g.pageSize,
    ...rtasDumpSizes(g.firmware, g.cpus),
    metadataBytes: 0,
    headerBytes,
  };
}

// ---------------------------------------------------------------------------------------------
// The MMU: where fadump_setup_param_area() may put the param area (arch/powerpc/kernel/fadump.c, 6.10+).

/** "Passing additional parameters is supported for hash MMU only if the first memory block size is
 *  768MB or higher": `if (ppc64_rma_size < 0x30000000) return;`. */
export const HASH_PARAM_AREA_MIN_RMA = 768 * MiB;

/** ppc64_rma_size under the hash MMU, in bytes: hash__setup_initial_memory_limit() takes the
 *  first memory node's size (first_memblock_size, early_init_dt_add_memory_arch()) and caps it
 *  at 1 TiB on POWER9 and later. QEMU's /memory@0 is spapr_rma_size(): all the boot RAM (one
 *  NUMA node), at most 1 TiB; hot-added LMBs come later in ibm,dynamic-memory. PowerVM's RMA
 *  can be smaller; the model takes the boot RAM there too [I]. */
export function hashRmaBytes(bootRamBytes: number): number {
  return Math.min(bootRamBytes, 1024 * GiB);
}

/** Whether the param area can be set up under this MMU: radix takes any address in the upper half
 *  of RAM; hash needs an RMA of at least 768 MB (the area goes at 0x2A000000-0x2E000000). */
export function paramAreaFits(mmu: Mmu, bootRamBytes: number): boolean {
  return mmu === 'radix' || hashRmaBytes(bootRamBytes) >= HASH_PARAM_AREA_MIN_RMA;
}

/** COMMAND_LINE_SIZE on powerpc (arch/powerpc/include/uapi/asm/setup.h). */
export const COMMAND_LINE_SIZE = 2048;

/** Where fadump_setup_param_area() (arch/powerpc/kernel/fadump.c, 6.10+) puts the param area:
 *  memblock_phys_alloc_range(COMMAND_LINE_SIZE, COMMAND_LINE_SIZE, start, end) takes the highest
 *  aligned COMMAND_LINE_SIZE bytes of the window that no earlier reservation overlaps (memblock
 *  allocates top-down): the window is [0x2A000000, 0x2E000000) under the hash MMU ("640 MB to 768
 *  MB is not used by PFW/bootloader") and the upper half of memory under radix. `reserved`: what
 *  early_init_devtree() reserved before it (arch/powerpc/kernel/prom.c: fadump_reserve_mem()'s
 *  area, else reserve_crashkernel()'s crashk_res); other early allocations are taken to miss the
 *  window [I]. Returns [start, end) in bytes, or null when the window is full: the kernel's
 *  pr_warn "WARNING: Could not setup area to pass additional parameters!" and no param area (a
 *  crashkernel=512M fadump reservation at 512 MB covers the hash window: seen on 6.12.107). */
export function paramAreaRange(
  mmu: 'radix' | 'hash',
  memoryEnd: number,
  reserved: readonly { start: number; end: number }[] = [],
): { start: number; end: number } | null {
  const start = mmu === 'hash' ? 0x2a000000 : Math.floor(memoryEnd / 2 / COMMAND_LINE_SIZE) * COMMAND_LINE_SIZE;
  const top = mmu === 'hash' ? 0x2a000000 + 0x4000000 : memoryEnd;
  let at = Math.floor((top - COMMAND_LINE_SIZE) / COMMAND_LINE_SIZE) * COMMAND_LINE_SIZE;
  for (;;) {
    const hit = reserved.find((r) => r.start < at + COMMAND_LINE_SIZE && at < r.end);
    if (hit === undefined) return { start: at, end: at + COMMAND_LINE_SIZE };
    at = Math.floor((hit.start - COMMAND_LINE_SIZE) / COMMAND_LINE_SIZE) * COMMAND_LINE_SIZE;
    if (at < start) return null;
  }
}
