// What fadump's core and its platform halves share, after arch/powerpc/include/asm/fadump-internal.h:
// struct fw_dump, struct fadump_ops (the platform half: rtas-fadump.c on pSeries, opal-fadump.c on
// PowerNV), the sysfs paths, and the printing helpers fadump_region_show uses.
// Spec: docs/kernel-behaviour.md (cited as §n). Like the rest of src/sim it does not
// import machines/ or src/memory/layout.ts.
import type { Errno } from '../events';
import type { DeviceTree } from './firmware';
import type { MemblockRegion } from './memblock';
import type { Faults, MutantId } from './mutants';
import type { Config } from '../config';
import type { Generation } from '../events';
import type { Firmware } from './firmware';

/** struct fw_dump. Addresses and sizes in bytes. */
export interface FwDump {
  fadump_supported: boolean;
  fadump_enabled: boolean;
  dump_active: boolean;
  dump_registered: boolean;
  nocma: boolean;
  param_area_supported: boolean;
  reserve_dump_area_start: number;
  reserve_dump_area_size: number;
  boot_memory_size: number;
  boot_mem_top: number;
  boot_mem_addr: number[];
  boot_mem_sz: number[];
  boot_mem_regs_cnt: number;
  boot_mem_dest_addr: number;
  cpu_state_data_size: number;
  hpte_region_size: number;
  fadumphdr_addr: number;
  elfcorehdr_addr: number;
  param_area: number;
  kernel_metadata: number;
  cma: MemblockRegion | null;
  /** The most the firmware copies per boot region (0: no limit, pSeries); OPAL's size field is
   *  32 bits (opal_fadump_dt_scan(): ALIGN_DOWN(U32_MAX, PAGE_SIZE)). */
  max_copy_size: number;
}

/** A struct fw_dump before the device tree is scanned: all zero. */
export function emptyFwDump(): FwDump {
  return {
    fadump_supported: false,
    fadump_enabled: false,
    dump_active: false,
    dump_registered: false,
    nocma: false,
    param_area_supported: false,
    reserve_dump_area_start: 0,
    reserve_dump_area_size: 0,
    boot_memory_size: 0,
    boot_mem_top: 0,
    boot_mem_addr: [],
    boot_mem_sz: [],
    boot_mem_regs_cnt: 0,
    boot_mem_dest_addr: 0,
    cpu_state_data_size: 0,
    hpte_region_size: 0,
    fadumphdr_addr: 0,
    elfcorehdr_addr: 0,
    param_area: 0,
    kernel_metadata: 0,
    cma: null,
    max_copy_size: 0,
  };
}

/** A kernel build: its upstream release ("major.minor"), where it builds the elfcorehdr, its byte
 *  order and structure sizes. */
export interface KernelImage {
  readonly version: string;
  readonly generation: Generation;
  readonly byteOrder: 'le' | 'be';
  readonly ptRegsSz: number;
  readonly cpuMaskSz: number;
}

/** Model behaviours the simulator can imitate where it knowingly disagrees with the model
 *  (see src/sim/disagreements.ts). Off by default: the simulator follows docs/kernel-behaviour.md. */
export interface Compat {
  /** Before 2024 the reserved area held the elfcorehdr too; the model leaves it out. */
  oldAreaWithoutElfcorehdr: boolean;
}

export const NO_COMPAT: Compat = { oldAreaWithoutElfcorehdr: false };

export interface KernelEnv {
  readonly config: Config;
  /** The build this kernel object runs, from its boot to its reset: a capture build goes on
   *  running after release_mem or a failed capture (§1 "Release"). */
  readonly image: KernelImage;
  readonly fw: Firmware;
  readonly faults: Faults;
  readonly compat: Compat;
}

/** What a platform half sees of the kernel: fw_dump, the boot's environment (the firmware, this
 *  build), this build's PAGE_SIZE (bytes), its release checks and the seeded faults. */
export interface FadumpKernel {
  readonly fw_dump: FwDump;
  readonly env: KernelEnv;
  readonly PAGE_SIZE: number;
  /** This build has the code of a release ("major.minor"; `stable`: series it was backported to). */
  has(since: string, stable?: readonly string[]): boolean;
  /** A seeded fault (src/sim/mutants.ts) is switched on. */
  bug(id: MutantId): boolean;
}

/** How crash_fadump's platform trigger ended: the firmware took over, an OPAL MPIPL request failed
 *  (the normal panic goes on), or ibm,os-term found nothing registered. */
export type FadumpTrigger = 'triggered' | 'failed' | 'no-firmware-registration';

/** struct fadump_ops: the platform half, called by the core (src/sim/kernel.ts). */
export interface FadumpOps {
  /** The platform's part of early_init_dt_scan_fw_dump(): its device-tree node. */
  fadump_dt_scan(dt: DeviceTree): void;
  /** The platform's boot-memory minimum, in bytes. */
  fadump_get_bootmem_min(): number;
  /** How many boot-memory regions the firmware takes. */
  fadump_max_boot_mem_rgns(): number;
  /** The kernel metadata kept at the end of the reserved area, in bytes (0 on pSeries). */
  fadump_get_metadata_size(): number;
  /** Places the kernel metadata (after the reservation, and again after release). */
  fadump_setup_metadata(): void;
  /** The dump structure the firmware will read, at setup_fadump(). */
  fadump_init_mem_struct(): void;
  fadump_register(): Errno | null;
  fadump_unregister(): Errno | null;
  /** Tells the firmware the dump is saved, and forgets it (dump_active off). */
  fadump_invalidate(): void;
  /** Forgets the active dump without telling the firmware (the seeded fault release-no-invalidate). */
  fadump_forget_active(): void;
  /** The platform's check of the dump it took: 0, or a negative errno. */
  fadump_process(): number;
  /** The NT_PRSTATUS notes the platform builds for a crash whose cpu_mask held `cpuMaskWeight`
   *  CPUs (numbered from 0) (§11). */
  fadump_build_cpu_notes(cpuMaskWeight: number): number;
  /** The debugfs fadump_region lines (fadump.c checks fadump_enabled first). */
  fadump_region_show(): string[];
  /** Hands over to the firmware at a crash. */
  fadump_trigger(): FadumpTrigger;
}

/** The files fadump_init_files() and opal-core.c create (§2). */
export const FILES = {
  enabled: '/sys/kernel/fadump/enabled',
  registered: '/sys/kernel/fadump/registered',
  memReserved: '/sys/kernel/fadump/mem_reserved',
  hotplugReady: '/sys/kernel/fadump/hotplug_ready',
  releaseMem: '/sys/kernel/fadump/release_mem',
  bootargsAppend: '/sys/kernel/fadump/bootargs_append',
  fadumpRegion: '/sys/kernel/debug/powerpc/fadump_region',
  opalCore: '/sys/firmware/opal/mpipl/core',
  releaseCore: '/sys/firmware/opal/mpipl/release_core',
} as const;

/** The deprecated /sys/kernel/fadump_* symlinks (compat_only_sysfs_link_entry_to_kobj). */
export const SYMLINKS: Readonly<Record<string, string>> = {
  '/sys/kernel/fadump_enabled': FILES.enabled,
  '/sys/kernel/fadump_registered': FILES.registered,
  '/sys/kernel/fadump_release_mem': FILES.releaseMem,
};

export function swab64(x: bigint): bigint {
  let out = 0n;
  for (let i = 0n; i < 8n; i++) out = (out << 8n) | ((x >> (8n * i)) & 0xffn);
  return out;
}

export function swab32(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | ((x >>> 24) & 0xff)) >>> 0;
}

/** "%#llx": the kernel's vsprintf writes the 0x prefix for zero too (lib/vsprintf.c number()). */
export function hexp(n: number): string {
  return `0x${n.toString(16)}`;
}

/** "%#016llx": the 0x counts in the field width. */
export function hex016(n: number): string {
  return `0x${n.toString(16).padStart(14, '0')}`;
}

/** fadump_region_show's boot-memory lines, both platforms: each region's source, copy destination
 *  and size; "Dumped" is the size while a dump is active, else 0. */
export function bootRegionLines(f: FwDump): string[] {
  const lines: string[] = [];
  const dumped = (n: number): string => hexp(f.dump_active ? n : 0);
  let dest = f.boot_mem_dest_addr;
  for (let i = 0; i < f.boot_mem_regs_cnt; i++) {
    const size = f.boot_mem_sz[i] ?? 0;
    lines.push(
      `DUMP: Src: ${hex016(f.boot_mem_addr[i] ?? 0)}, Dest: ${hex016(dest)}, Size: ${hexp(size)}, Dumped: ${dumped(size)} bytes`,
    );
    dest += size;
  }
  return lines;
}

/** fadump_region_show's last lines while a dump is active. */
export function reservedAboveLines(f: FwDump): string[] {
  return f.dump_active ? ['', `Memory above ${hex016(f.boot_mem_top)} is reserved for saving crash dump`] : [];
}
