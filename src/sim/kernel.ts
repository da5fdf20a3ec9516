// The kernel side of fadump, imperative and in the kernel's own order: arch/powerpc/kernel/fadump.c
// with its platform halves rtas-fadump.c and opal-fadump.c, opal-core.c's release_core, and the
// pSeries DLPAR memory-remove check. One Kernel object is one boot; the same object goes on running
// as the production kernel after `echo 1 > release_mem`, as the real kernel does.
//
// Spec: docs/kernel-behaviour.md (cited as §n). This file does not import machines/ or
// src/memory/layout.ts: it is a second, independent statement of the same behaviour.
import type { Config } from '../config';
import type { Errno, Generation } from '../events';
import {
  CMA_MIN_ALIGNMENT_BYTES,
  COMMAND_LINE_SIZE,
  FADUMP_2011_MIN_BOOT_MEM,
  FADUMP_CPU_UNKNOWN,
  FADUMP_CRASH_INFO_MAGIC,
  FADUMP_CRASH_INFO_MAGIC_OLD,
  FADUMP_HEADER_VERSION,
  FADUMP_INVALIDATE,
  FADUMP_REGISTER,
  FADUMP_UNREGISTER,
  HASH_PARAM_AREA_LEN,
  HASH_PARAM_AREA_MIN_RMA,
  HASH_PARAM_AREA_START,
  MAX_BOOT_MEM_RATIO,
  OPAL_CORE_TEXT,
  OPAL_FADUMP_MAX_MEM_REGS,
  OPAL_FADUMP_MIN_BOOT_MEM,
  RTAS_FADUMP_CPU_STATE_DATA,
  RTAS_FADUMP_HPTE_REGION,
  RTAS_FADUMP_MAX_BOOT_MEM_REGS,
  RTAS_FADUMP_MIN_BOOT_MEM,
  SIZEOF_OPAL_FADUMP_MEM_STRUCT,
  SZ_1K,
  SZ_256M,
} from './consts';
import {
  OPAL_SUCCESS,
  rtasBusy,
  type CrashInfoHeaderInRam,
  type OpalFdmInRam,
  type DeviceTree,
  type Firmware,
  type OpalRange,
  type OpalRc,
  type PtLoadPhdr,
  type RtasFdm,
  type RtasSection,
} from './firmware';
import {
  ALIGN_DOWN,
  freeRanges,
  memblockAdd,
  memblockEndOfDram,
  memblockMerge,
  memblockOverlaps,
  memblockPhysMemSize,
  memblockRemove,
  PAGE_ALIGN,
  regionEnd,
  type MemblockRegion,
} from './memblock';
import type { Faults } from './mutants';

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

/** struct fw_dump. */
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
}

const FILES = {
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
const SYMLINKS: Readonly<Record<string, string>> = {
  '/sys/kernel/fadump_enabled': FILES.enabled,
  '/sys/kernel/fadump_registered': FILES.registered,
  '/sys/kernel/fadump_release_mem': FILES.releaseMem,
};

/** A kernfs/debugfs file: show and store, either may be missing. */
interface KernFile {
  show: (() => string) | null;
  store: ((buf: string) => Errno | null) | null;
}

const ELFHDR_SIZE = 64;
const ELF_PHDR_SIZE = 56;

export function swab64(x: bigint): bigint {
  let out = 0n;
  for (let i = 0n; i < 8n; i++) out = (out << 8n) | ((x >> (8n * i)) & 0xffn);
  return out;
}

function swab32(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | ((x >>> 24) & 0xff)) >>> 0;
}

/** "%#llx": the kernel's vsprintf writes the 0x prefix for zero too (lib/vsprintf.c number()). */
function hexp(n: number): string {
  return `0x${n.toString(16)}`;
}

/** "%#016llx": the 0x counts in the field width. */
function hex016(n: number): string {
  return `0x${n.toString(16).padStart(14, '0')}`;
}

/** LINUX_VERSION_CODE >= KERNEL_VERSION(major, minor, 0) for a "major.minor" release; `stable`
 *  lists older series a change was backported to (their latest sublevel has it). */
function atLeast(version: string, since: string, stable: readonly string[] = []): boolean {
  if (stable.includes(version)) return true;
  const [a = 0, b = 0] = version.split('.').map(Number);
  const [c = 0, d = 0] = since.split('.').map(Number);
  return a !== c ? a > c : b >= d;
}

export class Kernel {
  readonly fw_dump: FwDump = {
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
  };
  readonly memblock: { memory: MemblockRegion[]; reserved: MemblockRegion[] } = { memory: [], reserved: [] };
  /** boot_command_line after fadump_append_bootargs (saved_command_line), and its strlen
   *  (saved_command_line_len, in bytes). */
  saved_command_line = '';
  saved_command_line_len = 0;
  /** /proc/vmcore: the PT_LOADs of the elfcorehdr it exports; null when there is none. */
  vmcore: PtLoadPhdr[] | null = null;
  /** opal-core.c: oc_conf, OPAL's memory at the crash (the core file). */
  private oc_conf = false;
  /** The dump was active at this boot (what the observer needs to judge the capture). */
  dumpActiveAtBoot = false;
  private rtas_fdm_active: RtasFdm | null = null;
  private opal_registered_regions = 0;
  private crashing_cpu = -1;
  /** This boot has built an elfcorehdr at registration. */
  private elfcorehdrBuilt = false;
  /** kdump's crashkernel= memory (crashk_res) was reserved at this boot: only when fadump did not
   *  reserve (§1 early boot 4, §6). The object that runs on after release_mem keeps its boot's
   *  answer: a capture boot reserved fadump's area, so no crashkernel= memory. */
  crashkernelReserved = false;
  /** kexec_crash_image: none loaded, a `kexec -p` under way, or loaded (§6). Without
   *  crashkernel= memory it stays 'none'. */
  private crashImage: 'none' | 'loading' | 'loaded' = 'none';
  private readonly files = new Map<string, KernFile>();
  /** first_memblock_size (prom.c): the /memory@0 node's size, in bytes. */
  private first_memblock_size = 0;

  constructor(private readonly env: KernelEnv) {}

  private get config(): Config {
    return this.env.config;
  }
  private bug(id: Parameters<Faults['on']>[0]): boolean {
    return this.env.faults.on(id);
  }
  /** PAGE_SIZE of this build (CONFIG_PPC_4K_PAGES / CONFIG_PPC_64K_PAGES), in bytes. */
  private get PAGE_SIZE(): number {
    return this.config.pageSizeKiB * SZ_1K;
  }
  /** This build has the code of a release: LINUX_VERSION_CODE checks against the commits that
   *  changed fadump (the release each first shipped in, and stable series it reached). */
  private has(since: string, stable: readonly string[] = []): boolean {
    return atLeast(this.env.image.version, since, stable);
  }

  // =============================================================================================
  // Boot (§1 "Early boot, in order")

  boot(dt: DeviceTree): void {
    this.memblock.memory = memblockMerge(dt.memory);
    this.memblock.reserved = [];
    this.saved_command_line = this.config.cmdline ?? defaultCmdline(this.config);
    this.first_memblock_size = dt.firstMemoryNodeSize;
    this.saved_command_line_len = Buffer.byteLength(this.saved_command_line, 'utf8');
    // 1. The device tree is scanned whatever fadump= says.
    this.early_init_dt_scan_fw_dump(dt);
    this.dumpActiveAtBoot = this.fw_dump.dump_active;
    // 3. Capture boot: the param area is appended before early parameters are parsed.
    this.fadump_append_bootargs();
    // 2. fadump=.
    this.early_fadump_param(this.config.fadump);
    // 4. Reservation; 5. the pSeries param area. The caller reserves kdump's crashkernel= memory
    // only when fadump_reserve_mem() reserved nothing: fadump off or failed (§1 early boot 4, §6).
    this.crashkernelReserved =
      this.fadump_reserve_mem() === 0 && this.config.crashkernel !== null && this.config.crashkernel > 0;
    // early_init_devtree(): the param area after the reservation (f4892c68ecc1; in 6.10 from
    // setup_fadump(), which only ran it with an area reserved: the same condition here).
    this.fadump_setup_param_area();
    // 7. setup_fadump (subsys_initcall_sync).
    this.setup_fadump();
  }

  private early_init_dt_scan_fw_dump(dt: DeviceTree): void {
    if (dt.rtas !== null) this.rtas_fadump_dt_scan(dt.rtas);
    if (dt.opal !== null) this.opal_fadump_dt_scan(dt.opal);
  }

  private rtas_fadump_dt_scan(rtas: NonNullable<DeviceTree['rtas']>): void {
    if (!rtas.configureKernelDump) return;
    const f = this.fw_dump;
    f.fadump_supported = true;
    // "pass additional parameters" (683eab94da75, 6.10).
    f.param_area_supported = this.has('6.10');
    if (rtas.kernelDump !== null) {
      this.rtas_fdm_active = rtas.kernelDump;
      f.dump_active = true;
      this.rtas_fadump_get_config(rtas.kernelDump);
    }
    // The sizes the firmware wants for its own sections, whatever the MMU.
    for (const s of rtas.configureKernelDumpSizes) {
      if (s.type === RTAS_FADUMP_CPU_STATE_DATA) f.cpu_state_data_size = s.size;
      else if (s.type === RTAS_FADUMP_HPTE_REGION) f.hpte_region_size = s.size;
    }
  }

  private rtas_fadump_get_config(fdm: RtasFdm): void {
    const f = this.fw_dump;
    // Start of the permanent reservation, for re-registering after the dump is captured.
    f.reserve_dump_area_start = fdm.cpuState.dest;
    f.boot_memory_size = 0;
    f.boot_mem_regs_cnt = 0;
    f.boot_mem_addr = [];
    f.boot_mem_sz = [];
    let lastEnd = 0;
    let holeSize = 0;
    for (const s of fdm.bootRegions) {
      f.boot_mem_addr.push(s.src);
      f.boot_mem_sz.push(s.size);
      f.boot_mem_regs_cnt++;
      f.boot_memory_size += s.size;
      holeSize += s.src - lastEnd;
      lastEnd = s.src + s.size;
    }
    f.boot_mem_top = f.boot_memory_size + holeSize;
    f.boot_mem_dest_addr = fdm.bootRegions[0]?.dest ?? 0;
    f.fadumphdr_addr = f.boot_mem_dest_addr + f.boot_memory_size;
    // A build without RTAS_FADUMP_PARAM_AREA does not look for it.
    f.param_area = this.bug('param-area-not-inherited') || !f.param_area_supported ? 0 : fdm.paramArea;
  }

  private opal_fadump_dt_scan(opal: NonNullable<DeviceTree['opal']>): void {
    if (!opal.dumpNode) return;
    const f = this.fw_dump;
    f.fadump_supported = true;
    f.cpu_state_data_size = 0;
    f.hpte_region_size = 0;
    // Check if dump has been initiated on last reboot.
    if (!opal.mpiplBoot) return;
    const addr = this.env.fw.opalMpiplQueryTag();
    if (addr === 0) return; // "Failed to get Kernel metadata"
    const md = this.env.fw.ram.read('opal-fdm', addr);
    // Kernel regions not registered with f/w for MPIPL.
    if (md === null || md.registeredRegions === 0) return;
    f.dump_active = true;
    this.opal_fadump_get_config(md);
    // opalcore_config_init(): OPAL's own memory at the crash becomes /sys/firmware/opal/mpipl/core.
    this.oc_conf = true;
  }

  private opal_fadump_get_config(md: OpalFdmInRam): void {
    const f = this.fw_dump;
    f.boot_memory_size = 0;
    f.boot_mem_addr = [];
    f.boot_mem_sz = [];
    f.boot_mem_regs_cnt = 0;
    for (const r of md.regions.slice(0, md.registeredRegions)) {
      f.boot_mem_addr.push(r.src);
      f.boot_mem_sz.push(r.size);
      f.boot_mem_regs_cnt++;
      f.boot_memory_size += r.size;
    }
    f.boot_mem_top = md.bootMemTop;
    f.boot_mem_dest_addr = md.regions[0]?.dest ?? 0;
    f.reserve_dump_area_start = f.boot_mem_dest_addr;
    f.fadumphdr_addr = md.fadumphdrAddr;
  }

  private early_fadump_param(p: Config['fadump']): void {
    if (p === 'on') this.fw_dump.fadump_enabled = true;
    else if (p === 'off') this.fw_dump.fadump_enabled = false;
    else if (this.has('4.20')) {
      // "nocma" (a4e92ce8e4c8); an older build compares with "on" and "off" only.
      this.fw_dump.fadump_enabled = true;
      this.fw_dump.nocma = true;
    }
  }

  /** §1 early boot 3: append the crashed kernel's extra parameters to this boot's command line. */
  private fadump_append_bootargs(): void {
    const f = this.fw_dump;
    if (!f.dump_active || !f.param_area_supported || f.param_area === 0) return;
    const args = this.env.fw.ram.read('param-area', f.param_area)?.text ?? '';
    // snprintf(boot_command_line + len, COMMAND_LINE_SIZE - len, " %s", append_args): truncated
    // to COMMAND_LINE_SIZE - 1 bytes.
    this.saved_command_line = `${this.saved_command_line} ${args}`;
    this.saved_command_line_len = Math.min(Buffer.byteLength(this.saved_command_line, 'utf8'), COMMAND_LINE_SIZE - 1);
  }

  // ---------------------------------------------------------------------------------------------
  // §1 early boot 4: fadump_reserve_mem()

  private fadump_get_bootmem_min(): number {
    if (this.config.platform === 'powernv') return OPAL_FADUMP_MIN_BOOT_MEM;
    return this.bug('wrong-bootmem-min') ? SZ_256M : RTAS_FADUMP_MIN_BOOT_MEM;
  }

  private fadump_calculate_reserve_size(): number {
    const ram = memblockPhysMemSize(this.memblock.memory);
    const crashkernel = this.config.crashkernel;
    if (this.config.bootMemoryRule === 'seed-2011') {
      // firmware-assisted-dump.rst: "the larger of 5% of system RAM or 256MB"; crashkernel= overrides it.
      if (crashkernel !== null && crashkernel > 0) return crashkernel;
      return Math.max(ALIGN_DOWN(ram / 20, SZ_256M), FADUMP_2011_MIN_BOOT_MEM);
    }
    if (crashkernel !== null && crashkernel > 0) {
      // The offset of crashkernel= is ignored; the size is capped at RAM / MAX_BOOT_MEM_RATIO.
      let size = crashkernel;
      const maxSize = Math.floor(ram / MAX_BOOT_MEM_RATIO);
      if (size > maxSize && !this.bug('crashkernel-cap-missing')) size = maxSize;
      return size;
    }
    // 5% of RAM, rounded down to a multiple of 256 MB, raised to the platform minimum.
    let size = Math.floor(ram / 20);
    if (!this.bug('bootmem-not-rounded-to-256m')) size = ALIGN_DOWN(size, SZ_256M);
    const min = this.fadump_get_bootmem_min();
    return size > min ? size : min;
  }

  private maxBootMemRegs(): number {
    return this.config.platform === 'pseries' ? RTAS_FADUMP_MAX_BOOT_MEM_REGS : OPAL_FADUMP_MAX_MEM_REGS;
  }

  /** Boot memory split around holes; false if the firmware cannot take that many regions. */
  private fadump_get_boot_mem_regions(): boolean {
    const f = this.fw_dump;
    f.boot_mem_regs_cnt = 0;
    f.boot_mem_addr = [];
    f.boot_mem_sz = [];
    let left = f.boot_memory_size;
    let lastEnd = 0;
    let holeSize = 0;
    for (const r of this.memblock.memory) {
      if (left === 0) break;
      holeSize += r.base - lastEnd;
      const take = Math.min(left, r.size);
      if (f.boot_mem_regs_cnt + 1 > this.maxBootMemRegs()) return false;
      f.boot_mem_addr.push(r.base);
      f.boot_mem_sz.push(take);
      f.boot_mem_regs_cnt++;
      left -= take;
      lastEnd = regionEnd(r);
    }
    if (left > 0) return false;
    f.boot_mem_top = PAGE_ALIGN(f.boot_memory_size + holeSize, this.PAGE_SIZE);
    return true;
  }

  /** get_fadump_area_size(). */
  private get_fadump_area_size(): number {
    const f = this.fw_dump;
    let size = f.cpu_state_data_size + f.hpte_region_size;
    size = PAGE_ALIGN(size, this.PAGE_SIZE);
    size += f.boot_memory_size;
    if (!this.bug('area-size-without-header')) size += this.sizeofCrashInfoHeader();
    if (this.env.image.generation === 'at-registration' && !this.env.compat.oldAreaWithoutElfcorehdr) {
      // Before 2024 the elfcorehdr lived in the area: ELF header, the CPU-notes placeholder and one
      // program header per memblock region + 2, sized at boot (§5).
      size += ELFHDR_SIZE + ELF_PHDR_SIZE + ELF_PHDR_SIZE * (this.memblock.memory.length + 2);
      size = PAGE_ALIGN(size, this.PAGE_SIZE);
    }
    if (this.config.platform === 'powernv') size += this.opal_fadump_get_metadata_size();
    return size;
  }

  /** The first free range at or above `base` that holds `size`, below the end of DRAM. */
  private fadump_locate_reserve_mem(base: number, size: number): number {
    for (const r of freeRanges(this.memblock.memory, this.memblock.reserved)) {
      const mend = regionEnd(r);
      if (r.base > base) base = PAGE_ALIGN(r.base, this.PAGE_SIZE);
      if (mend > base && mend - base >= size) return base;
    }
    return 0;
  }

  private fadump_reserve_mem(): number {
    const f = this.fw_dump;
    if (!f.fadump_enabled) return 0;
    const error = (): number => {
      f.fadump_enabled = false;
      f.reserve_dump_area_size = 0;
      return 0;
    };
    if (!f.fadump_supported) return error();
    if (!f.dump_active) {
      f.boot_memory_size = PAGE_ALIGN(this.fadump_calculate_reserve_size(), this.PAGE_SIZE);
      if (this.config.bootMemoryRule === 'current' && f.boot_memory_size < this.fadump_get_bootmem_min()) {
        return error(); // "Can't enable fadump with boot memory size ... less than ..."
      }
      if (!this.fadump_get_boot_mem_regions()) return error(); // "Too many holes in boot memory area"
    }
    const memBoundary = memblockEndOfDram(this.memblock.memory);
    let base = f.boot_mem_top;
    const size = this.get_fadump_area_size();
    f.reserve_dump_area_size = size;
    if (f.dump_active) {
      // Everything above boot memory stays reserved until the dump is saved (§1 early boot 4).
      this.fadump_reserve_crash_area(f.boot_mem_top);
      return 1;
    }
    base = this.fadump_locate_reserve_mem(base, size);
    if (base === 0 || base + size > memBoundary) return error(); // "Failed to find memory chunk"
    f.reserve_dump_area_start = base;
    this.init_mem_struct_addresses();
    if (this.config.platform === 'powernv') this.opal_fadump_setup_metadata();
    this.memblock.reserved = memblockAdd(this.memblock.reserved, base, size);
    this.fadump_cma_init();
    return 1;
  }

  /** Reserve all memory above `base`. */
  private fadump_reserve_crash_area(base: number): void {
    for (const r of this.memblock.memory) {
      let mstart = r.base;
      let msize = r.size;
      if (mstart + msize < base) continue;
      if (mstart < base) {
        msize -= base - mstart;
        mstart = base;
      }
      this.memblock.reserved = memblockAdd(this.memblock.reserved, mstart, msize);
    }
  }

  /** fadump_cma_init() (a4e92ce8e4c8, 4.20; before, the area stays plainly reserved):
   *  cma_init_reserved_mem(reserve_dump_area_start, boot_memory_size), which fails for a base or
   *  size not aligned to CMA_MIN_ALIGNMENT_BYTES. */
  private fadump_cma_init(): void {
    const f = this.fw_dump;
    if (!this.has('4.20')) return;
    if (!f.fadump_enabled || f.nocma || this.bug('cma-not-given-back')) return;
    const base = f.reserve_dump_area_start;
    const size = f.boot_memory_size;
    const aligned = size > 0 && base % CMA_MIN_ALIGNMENT_BYTES === 0 && size % CMA_MIN_ALIGNMENT_BYTES === 0;
    f.cma = aligned ? { base, size } : null;
  }

  /** Where the copy, the header and the OPAL metadata go (fadump_init_mem_struct's addresses). */
  private init_mem_struct_addresses(): void {
    const f = this.fw_dump;
    f.boot_mem_dest_addr =
      f.reserve_dump_area_start + PAGE_ALIGN(f.cpu_state_data_size + f.hpte_region_size, this.PAGE_SIZE);
    f.fadumphdr_addr = f.boot_mem_dest_addr + f.boot_memory_size;
  }

  /** opal_fadump_get_metadata_size(): PAGE_ALIGN(sizeof(struct opal_fadump_mem_struct)). */
  private opal_fadump_get_metadata_size(): number {
    return PAGE_ALIGN(SIZEOF_OPAL_FADUMP_MEM_STRUCT, this.PAGE_SIZE);
  }

  private opal_fadump_setup_metadata(): void {
    const f = this.fw_dump;
    f.kernel_metadata = f.reserve_dump_area_start + f.reserve_dump_area_size - this.opal_fadump_get_metadata_size();
    this.env.fw.opalMpiplRegisterTag(f.kernel_metadata);
    this.opal_fadump_init_mem_struct();
  }

  /** opal_fadump_init_mem_struct(): the metadata in RAM, no region registered yet. */
  private opal_fadump_init_mem_struct(): void {
    const f = this.fw_dump;
    if (f.kernel_metadata === 0) return;
    const regions: OpalRange[] = [];
    let dest = f.boot_mem_dest_addr;
    for (let i = 0; i < f.boot_mem_regs_cnt; i++) {
      const size = f.boot_mem_sz[i] ?? 0;
      regions.push({ src: f.boot_mem_addr[i] ?? 0, dest, size });
      dest += size;
    }
    this.opal_registered_regions = 0;
    this.env.fw.ram.write(f.kernel_metadata, {
      kind: 'opal-fdm',
      regions,
      registeredRegions: 0,
      fadumphdrAddr: f.fadumphdr_addr,
      bootMemTop: f.boot_mem_top,
    });
  }

  /** §1 early boot 5: COMMAND_LINE_SIZE bytes in the upper half of RAM (radix MMU) or in
   *  [0x2A000000, 0x2E000000) when the RMA holds 768 MB (hash MMU). 6.10 ran it from
   *  setup_fadump() with an area reserved; f4892c68ecc1 (6.13, and the 6.11/6.12 stable series)
   *  runs it early for any supported, inactive fadump; 0843ba458439 (6.18, 6.17 stable) returns
   *  again when fadump is not enabled. */
  private fadump_setup_param_area(): void {
    const f = this.fw_dump;
    const early = this.has('6.13', ['6.11', '6.12']);
    const enabledCheck = !early || this.has('6.18', ['6.17']);
    if (enabledCheck && !f.fadump_enabled) return;
    if (!f.param_area_supported || f.dump_active) return;
    let start: number;
    let end: number;
    if (this.config.mmu === 'radix') {
      end = memblockEndOfDram(this.memblock.memory);
      start = ALIGN_DOWN(end / 2, COMMAND_LINE_SIZE);
    } else {
      // ppc64_rma_size: first_memblock_size, at most 1 TiB (POWER9 and later).
      if (Math.min(this.first_memblock_size, 2 ** 40) < HASH_PARAM_AREA_MIN_RMA) return;
      start = HASH_PARAM_AREA_START;
      end = start + HASH_PARAM_AREA_LEN;
    }
    // memblock_phys_alloc_range(COMMAND_LINE_SIZE, COMMAND_LINE_SIZE, start, end): top-down.
    let addr = ALIGN_DOWN(end - COMMAND_LINE_SIZE, COMMAND_LINE_SIZE);
    while (addr >= start && memblockOverlaps(this.memblock.reserved, addr, COMMAND_LINE_SIZE))
      addr -= COMMAND_LINE_SIZE;
    if (addr < start) return; // "Could not setup area to pass additional parameters"
    f.param_area = addr;
    this.memblock.reserved = memblockAdd(this.memblock.reserved, addr, COMMAND_LINE_SIZE);
    this.env.fw.ram.write(addr, { kind: 'param-area', text: '' });
  }

  // ---------------------------------------------------------------------------------------------
  // §1 early boot 7: setup_fadump()

  private setup_fadump(): void {
    const f = this.fw_dump;
    if (!f.fadump_supported) return;
    this.fadump_init_files();
    if (!f.fadump_enabled) return;
    if (f.dump_active) {
      this.fadump_process();
    } else if (f.reserve_dump_area_size !== 0) {
      this.fadump_init_mem_struct();
      if (this.config.registerAtBoot && !this.bug('no-register-at-boot')) this.register_fadump();
    }
  }

  private fadump_init_mem_struct(): void {
    if (this.config.platform === 'powernv') this.opal_fadump_init_mem_struct();
  }

  private fadump_init_files(): void {
    const f = this.fw_dump;
    this.files.set(FILES.fadumpRegion, { show: () => this.fadump_region_show(), store: null });
    if (f.dump_active || this.bug('release-mem-file-always')) {
      this.files.set(FILES.releaseMem, { show: null, store: (b) => this.release_mem_store(b) });
    }
    this.files.set(FILES.enabled, { show: () => (f.fadump_enabled ? '1' : '0'), store: null });
    this.files.set(FILES.registered, {
      show: () => (f.dump_registered ? '1' : '0'),
      store: (b) => this.registered_store(b),
    });
    this.files.set(FILES.memReserved, { show: () => String(f.reserve_dump_area_size), store: null });
    if (this.env.image.generation === 'in-capture-kernel' && !this.bug('hotplug-ready-missing')) {
      this.files.set(FILES.hotplugReady, { show: () => '1', store: null });
    }
    if (f.param_area !== 0) {
      this.files.set(FILES.bootargsAppend, {
        show: () => this.bootargs_append_show(),
        store: (b) => this.bootargs_append_store(b),
      });
    }
    if (this.oc_conf) {
      // opalcore_init(): the mpipl kobject with core and release_core.
      this.files.set(FILES.opalCore, { show: () => OPAL_CORE_TEXT, store: null });
      this.files.set(FILES.releaseCore, { show: null, store: (b) => this.release_core_store(b) });
    }
  }

  // =============================================================================================
  // Capture boot (§1 "Capture boot", §3)

  private readHeader(addr: number): CrashInfoHeaderInRam | null {
    return this.env.fw.ram.read('crash-info-header', addr);
  }

  /** The header's fields as this kernel reads them: swapped if the writer's byte order differs. */
  private asRead(h: CrashInfoHeaderInRam): { magic: bigint; ptRegsSz: number; cpuMaskSz: number } {
    if (h.order === this.env.image.byteOrder) return { magic: h.magic, ptRegsSz: h.ptRegsSz, cpuMaskSz: h.cpuMaskSz };
    return { magic: swab64(h.magic), ptRegsSz: swab32(h.ptRegsSz), cpuMaskSz: swab32(h.cpuMaskSz) };
  }

  /** §3, in the kernel's order. */
  private is_fadump_header_compatible(h: CrashInfoHeaderInRam | null): boolean {
    if (h === null) return false; // garbage: "Fadump header is corrupted."
    const r = this.asRead(h);
    if (r.magic === FADUMP_CRASH_INFO_MAGIC_OLD) {
      if (this.bug('old-magic-accepted')) return true;
      return false; // "Old magic number, can't process the dump."
    }
    if (r.magic !== FADUMP_CRASH_INFO_MAGIC) {
      if (r.magic === swab64(FADUMP_CRASH_INFO_MAGIC)) {
        // "Endianness mismatch between the crashed and fadump kernels."
        if (this.bug('header-skips-endianness')) return true;
        return false;
      }
      return false; // "Fadump header is corrupted."
    }
    if (
      !this.bug('header-skips-size-check') &&
      (r.ptRegsSz !== this.env.image.ptRegsSz || r.cpuMaskSz !== this.env.image.cpuMaskSz)
    ) {
      return false; // "Fadump header size mismatch."
    }
    return true;
  }

  /** A pre-2024 capture kernel knows one magic and no sizes. */
  private old_header_valid(h: CrashInfoHeaderInRam | null): boolean {
    if (h === null) return false;
    return this.asRead(h).magic === FADUMP_CRASH_INFO_MAGIC_OLD; // else "Crash info header is not valid."
  }

  /** §1 capture boot 4: the platform half. */
  private platform_fadump_process(): number {
    if (this.config.platform === 'pseries') {
      const fdm = this.rtas_fdm_active;
      if (fdm === null) return -22;
      for (const s of [fdm.cpuState, fdm.hpte, ...fdm.bootRegions]) {
        if (s.errorFlags !== 0) return -22; // "Dump taken by platform is not valid"
        if (s.bytesDumped !== s.size) return -22; // "Dump taken by platform is incomplete"
      }
      return 0;
    }
    // OPAL: CPU notes from the firmware's CPU data, else the crashing CPU's registers.
    const h = this.readHeader(this.fw_dump.fadumphdr_addr);
    if (h !== null && h.crashingCpu === FADUMP_CPU_UNKNOWN) return -19;
    return 0;
  }

  private fadump_process(): void {
    const f = this.fw_dump;
    const fdh = this.readHeader(f.fadumphdr_addr);
    const failed = (): void => {
      if (this.bug('processing-failure-keeps-dump')) return;
      this.fadump_invalidate_release_mem();
    };
    if (this.env.image.generation === 'at-registration') {
      if (this.platform_fadump_process() < 0 || !this.old_header_valid(fdh) || fdh === null) return failed();
      // The elfcorehdr the crashed kernel built at registration, inside the reserved area.
      const ehdr = this.env.fw.ram.read('elfcorehdr', fdh.elfcorehdrAddr);
      if (ehdr === null) return failed();
      f.elfcorehdr_addr = fdh.elfcorehdrAddr;
      this.vmcore = ehdr.phdrs.map((p) => ({ ...p }));
      return;
    }
    if (!this.is_fadump_header_compatible(fdh) || fdh === null) return failed();
    let phdrs: PtLoadPhdr[];
    const stale = this.bug('stale-ptload-after-hotplug')
      ? this.env.fw.ram.read('elfcorehdr', fdh.elfcorehdrAddr)
      : null;
    if (fdh.elfcorehdrAddr !== 0 && stale !== null) {
      phdrs = stale.phdrs.map((p) => ({ ...p }));
    } else {
      // fadump_setup_elfcorehdr_buf + fadump_populate_elfcorehdr, from this boot's memblock.
      phdrs = this.fadump_populate_elfcorehdr(this.memblock.memory, this.get_fadump_area_size());
    }
    if (this.platform_fadump_process() < 0) return failed();
    f.elfcorehdr_addr = 1; // allocated in this kernel's memory
    this.vmcore = phdrs;
  }

  /** The PT_LOADs: boot regions at their copy destination, then every memory range above
   *  boot_mem_top minus the reserved dump area (split around it). */
  private fadump_populate_elfcorehdr(memory: readonly MemblockRegion[], raSize: number): PtLoadPhdr[] {
    const f = this.fw_dump;
    const out: PtLoadPhdr[] = [];
    let destOffset = f.boot_mem_dest_addr;
    for (let i = 0; i < f.boot_mem_regs_cnt; i++) {
      const sz = f.boot_mem_sz[i] ?? 0;
      out.push({ paddr: f.boot_mem_addr[i] ?? 0, size: sz, offset: destOffset });
      destOffset += sz;
    }
    const raStart = f.reserve_dump_area_start;
    const raEnd = raStart + raSize;
    const upper = this.bug('ptload-split-off-by-one') ? raEnd - 1 : raEnd;
    const load = (start: number, end: number): void => {
      if (end > start) out.push({ paddr: start, size: end - start, offset: start });
    };
    for (const r of memblockMerge(memory)) {
      let mstart = r.base;
      const mend = regionEnd(r);
      if (mstart < f.boot_mem_top) {
        if (mend > f.boot_mem_top) mstart = f.boot_mem_top;
        else continue;
      }
      if (raStart < mend && raEnd > mstart) {
        if (mstart < raStart && mend > raEnd) {
          load(mstart, raStart);
          load(upper, mend);
        } else if (mstart < raStart) {
          load(mstart, raStart);
        } else if (raEnd < mend) {
          load(upper, mend);
        }
      } else {
        load(mstart, mend);
      }
    }
    return out;
  }

  // =============================================================================================
  // Register and unregister (§1)

  /** register_fadump(). */
  private register_fadump(): Errno | null {
    const f = this.fw_dump;
    if (f.reserve_dump_area_size === 0) return 'ENODEV';
    const image = this.env.image;
    const ram = this.env.fw.ram;
    // The header is this build's: a capture build that runs on after release writes its own
    // magic, byte order and sizes (§3).
    if (image.generation === 'at-registration') {
      // The old header and the elfcorehdr right after it, built now from the current memblock.
      const ehdrAddr = f.fadumphdr_addr + this.sizeofCrashInfoHeader();
      ram.write(f.fadumphdr_addr, this.init_fadump_header(FADUMP_CRASH_INFO_MAGIC_OLD, ehdrAddr));
      if (!(this.bug('old-elfcorehdr-not-rebuilt') && this.elfcorehdrBuilt)) {
        ram.write(ehdrAddr, {
          kind: 'elfcorehdr',
          phdrs: this.fadump_populate_elfcorehdr(this.memblock.memory, f.reserve_dump_area_size),
        });
        this.elfcorehdrBuilt = true;
      }
    } else if (this.bug('stale-ptload-after-hotplug')) {
      const ehdrAddr = f.fadumphdr_addr + this.sizeofCrashInfoHeader();
      ram.write(f.fadumphdr_addr, this.init_fadump_header(FADUMP_CRASH_INFO_MAGIC, ehdrAddr));
      ram.write(ehdrAddr, {
        kind: 'elfcorehdr',
        phdrs: this.fadump_populate_elfcorehdr(this.memblock.memory, f.reserve_dump_area_size),
      });
    } else {
      ram.write(f.fadumphdr_addr, this.init_fadump_header(FADUMP_CRASH_INFO_MAGIC, 0));
    }
    return this.config.platform === 'pseries' ? this.rtas_fadump_register() : this.opal_fadump_register();
  }

  private init_fadump_header(magic: bigint, elfcorehdrAddr: number): CrashInfoHeaderInRam {
    const image = this.env.image;
    return {
      kind: 'crash-info-header',
      order: image.byteOrder,
      magic,
      version: FADUMP_HEADER_VERSION,
      crashingCpu: FADUMP_CPU_UNKNOWN,
      elfcorehdrAddr,
      ptRegsSz: image.ptRegsSz,
      cpuMaskSz: image.cpuMaskSz,
    };
  }

  private rtas_fadump_fdm(): RtasFdm {
    const f = this.fw_dump;
    const section = (src: number, dest: number, size: number): RtasSection => ({
      src,
      dest,
      size,
      bytesDumped: 0,
      errorFlags: 0,
    });
    const start = f.reserve_dump_area_start;
    const bootRegions: RtasSection[] = [];
    let dest = f.boot_mem_dest_addr;
    for (let i = 0; i < f.boot_mem_regs_cnt; i++) {
      const size = f.boot_mem_sz[i] ?? 0;
      bootRegions.push(section(f.boot_mem_addr[i] ?? 0, dest, size));
      dest += size;
    }
    return {
      cpuState: section(0, start, f.cpu_state_data_size),
      hpte: section(0, start + f.cpu_state_data_size, f.hpte_region_size),
      bootRegions,
      paramArea: f.param_area,
    };
  }

  private rtas_fadump_register(): Errno | null {
    const f = this.fw_dump;
    const fdm = this.rtas_fadump_fdm();
    let rc: number;
    do {
      rc = this.env.fw.rtasConfigureKernelDump(FADUMP_REGISTER, fdm);
    } while (rtasBusy(rc) && !this.bug('rtas-busy-not-retried'));
    switch (rc) {
      case 0:
        f.dump_registered = true;
        return null;
      case -1:
        return 'EIO'; // "Hardware Error"
      case -3:
        return 'EINVAL'; // "Parameter Error"
      case -9:
        // "Already registered!"
        if (!this.bug('rtas-already-registered-is-error')) f.dump_registered = true;
        return 'EEXIST';
      default:
        return 'EIO';
    }
  }

  private opal_fadump_register(): Errno | null {
    const f = this.fw_dump;
    const regions = this.env.fw.ram.read('opal-fdm', f.kernel_metadata)?.regions ?? [];
    let rc: OpalRc = 'OPAL_PARAMETER';
    let registered = this.opal_registered_regions;
    for (let i = registered; i < regions.length; i++) {
      const r = regions[i];
      if (r === undefined) break;
      rc = this.env.fw.opalMpiplAddRange(r);
      if (rc !== OPAL_SUCCESS) break;
      registered++;
    }
    this.set_opal_registered_regions(registered);
    let err: Errno | null = 'EIO';
    switch (rc) {
      case OPAL_SUCCESS:
        f.dump_registered = true;
        err = null;
        break;
      case 'OPAL_RESOURCE':
        // "regions could not be registered for MPIPL as MAX limit is reached!"
        if (!this.bug('opal-resource-is-error')) {
          f.dump_registered = true;
          err = null;
        }
        break;
      case 'OPAL_HARDWARE':
        // "Support not available."
        if (!this.bug('opal-hardware-keeps-enabled')) {
          f.fadump_supported = false;
          f.fadump_enabled = false;
        }
        break;
      default:
        break;
    }
    // Some regions registered before the failure: unregister all.
    if (err !== null && this.opal_registered_regions > 0) this.opal_fadump_unregister();
    return err;
  }

  private set_opal_registered_regions(n: number): void {
    this.opal_registered_regions = n;
    const md = this.env.fw.ram.read('opal-fdm', this.fw_dump.kernel_metadata);
    if (md !== null) this.env.fw.ram.write(this.fw_dump.kernel_metadata, { ...md, registeredRegions: n });
  }

  /** ops->fadump_unregister(). */
  private fadump_unregister(): Errno | null {
    return this.config.platform === 'pseries' ? this.rtas_fadump_unregister() : this.opal_fadump_unregister();
  }

  private rtas_fadump_unregister(): Errno | null {
    let rc: number;
    do {
      rc = this.env.fw.rtasConfigureKernelDump(FADUMP_UNREGISTER, null);
    } while (rtasBusy(rc));
    if (rc !== 0) {
      if (this.bug('unregister-failure-clears-registered')) this.fw_dump.dump_registered = false;
      return 'EIO'; // "Failed to un-register - unexpected error"
    }
    this.fw_dump.dump_registered = false;
    return null;
  }

  private opal_fadump_unregister(): Errno | null {
    const rc = this.env.fw.opalMpiplRemoveAll();
    if (rc !== OPAL_SUCCESS) {
      if (this.bug('unregister-failure-clears-registered')) this.fw_dump.dump_registered = false;
      return 'EIO';
    }
    if (!this.bug('opal-unregister-keeps-regions')) this.set_opal_registered_regions(0);
    this.fw_dump.dump_registered = false;
    return null;
  }

  /** ops->fadump_invalidate(). */
  private fadump_invalidate(): void {
    if (this.config.platform === 'pseries') this.env.fw.rtasConfigureKernelDump(FADUMP_INVALIDATE, null);
    else this.env.fw.opalMpiplFreePreservedMemory();
    if (!this.bug('dump-active-not-cleared-at-release')) {
      this.fw_dump.dump_active = false;
      this.rtas_fdm_active = null;
    }
  }

  /** fadump_cleanup(), from machine_shutdown() on every reboot, halt, power-off or kexec. */
  fadump_cleanup(): void {
    const f = this.fw_dump;
    if (!f.fadump_supported) return;
    if (f.dump_active) {
      if (!this.bug('no-invalidate-on-capture-reboot')) this.fadump_invalidate();
    } else if (f.dump_registered) {
      if (!this.bug('no-unregister-on-reboot')) this.fadump_unregister();
    }
  }

  // =============================================================================================
  // Release (§1 "Release")

  private fadump_invalidate_release_mem(): void {
    const f = this.fw_dump;
    if (!f.dump_active) return;
    // fadump_free_elfcorehdr_buf(), then invalidate.
    f.elfcorehdr_addr = 0;
    if (this.bug('release-no-invalidate')) {
      f.dump_active = false;
      this.rtas_fdm_active = null;
    } else {
      this.fadump_cleanup();
    }
    this.fadump_release_memory(f.boot_mem_top, memblockEndOfDram(this.memblock.memory));
    // Set up the metadata and the dump structure for re-registration.
    f.reserve_dump_area_size = this.bug('release-frees-permanent-area') ? 0 : f.reserve_dump_area_size;
    if (this.config.platform === 'powernv' && f.reserve_dump_area_size !== 0) this.opal_fadump_setup_metadata();
    if (this.bug('release-auto-reregisters')) this.register_fadump();
  }

  /** Free [begin, end) except the permanent area (same start and size) (§1 Release). */
  private fadump_release_memory(begin: number, end: number): void {
    const f = this.fw_dump;
    let keep: MemblockRegion[] = [];
    if (!this.bug('release-frees-permanent-area'))
      keep = [{ base: f.reserve_dump_area_start, size: f.reserve_dump_area_size }];
    let reserved = memblockRemove(this.memblock.reserved, begin, end - begin);
    for (const k of keep) reserved = memblockAdd(reserved, k.base, k.size);
    this.memblock.reserved = reserved;
  }

  // =============================================================================================
  // Crash (§1 "Crash")

  private should_fadump_crash(): boolean {
    return this.fw_dump.dump_registered && this.fw_dump.fadumphdr_addr !== 0;
  }

  /** crash_fadump() from the panic notifier. 'triggered': the firmware took over; 'failed': an
   *  OPAL MPIPL request failed and the normal panic continues; 'not-registered': nothing to do;
   *  'no-firmware-registration': ibm,os-term found nothing registered. */
  crash_fadump(): 'triggered' | 'failed' | 'not-registered' | 'no-firmware-registration' {
    if (!this.should_fadump_crash()) return 'not-registered';
    this.crashing_cpu = 0;
    const ram = this.env.fw.ram;
    const fdh = this.readHeader(this.fw_dump.fadumphdr_addr);
    if (fdh !== null) ram.write(this.fw_dump.fadumphdr_addr, { ...fdh, crashingCpu: this.crashing_cpu });
    if (this.config.platform === 'pseries') {
      return this.env.fw.rtasOsTerm() ? 'triggered' : 'no-firmware-registration';
    }
    const rc = this.env.fw.opalCecReboot2Mpipl();
    return rc === OPAL_SUCCESS ? 'triggered' : 'failed';
  }

  // =============================================================================================
  // kexec -p / kexec -p -u (§6 "kdump for contrast")

  /** kexec_file_load(KEXEC_FILE_ON_CRASH), `kexec -p`, begins: the current crash image is freed
   *  first, then the new one is loaded into the crashkernel= memory (§6), so until kexec-loaded
   *  nothing is loaded. A kernel that reserved fadump's area reserved no crashkernel= memory (§1
   *  early boot 4, §6 "crashkernel= memory is reserved only when fadump did not reserve"): the
   *  segments find no hole in the empty crashk_res and the call fails at once with -EADDRNOTAVAIL
   *  [I: the errno is kexec_locate_mem_hole()'s; docs/kernel-behaviour.md names none]; nothing was loaded, so
   *  nothing is freed. 'loading': the load is under way, the answer comes with kexec-loaded. */
  kexec_load_crash(): Errno | 'loading' {
    if (!this.crashkernelReserved) return 'EADDRNOTAVAIL';
    // kdump fallback (fadump off or failed): only the image slot of §6 is stated here; the jump
    // into a kdump capture kernel is not (the generated suite stops comparing where the model
    // falls back to kdump; a seeded fault can lead here and must not stop the run).
    if (this.crashImage === 'loading') return 'EBUSY'; // kexec_trylock() fails [I]
    this.crashImage = 'loading';
    return 'loading';
  }

  /** The `kexec -p` under way returns: the new image is installed. false: no load is under way. */
  kexec_loaded_crash(): boolean {
    if (this.crashImage !== 'loading') return false;
    this.crashImage = 'loaded';
    return true;
  }

  /** KEXEC_FILE_UNLOAD with KEXEC_FILE_ON_CRASH, `kexec -p -u`: the crash image, if any, is
   *  exchanged with NULL and freed; unloading nothing succeeds too (§6 "`kexec -p -u` unloads"). */
  kexec_unload_crash(): Errno | null {
    if (this.crashImage === 'loading') return 'EBUSY'; // kexec_trylock() fails [I]
    this.crashImage = 'none';
    return null;
  }

  // =============================================================================================
  // sysfs (§2)

  /** What a reader sees: path → contents without the trailing newline; write-only files read "". */
  sysfsView(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [path, file] of this.files) out[path] = file.show === null ? '' : file.show();
    // The /sys/kernel/fadump_* links (fadump_init_files(), d418b19f34ed) show their targets.
    for (const [link, target] of Object.entries(SYMLINKS)) if (this.files.has(target)) out[link] = out[target] ?? '';
    return out;
  }

  sysfsRead(path: string): string | null {
    const file = this.files.get(SYMLINKS[path] ?? path);
    if (file === undefined) return null;
    return file.show === null ? '' : file.show();
  }

  /** The shell's open(O_CREAT|O_WRONLY|O_TRUNC) + write(): a missing file in an existing kernfs
   *  or procfs directory is -EACCES (no create operation), in a missing directory -ENOENT; -EACCES
   *  for a file without a store; sysfs_kf_write() returns 0 for a zero-length write without
   *  calling the store handler. */
  sysfsWrite(path: string, value: string): Errno | null {
    const file = this.files.get(SYMLINKS[path] ?? path);
    if (file === undefined) return this.directoryExists(path.slice(0, path.lastIndexOf('/'))) ? 'EACCES' : 'ENOENT';
    if (file.store === null) return 'EACCES';
    if (value.length === 0) return null;
    return file.store(value);
  }

  /** sizeof(struct fadump_crash_info_header) of this build (asm/fadump-internal.h): 6.10+
   *  magic, version, crashing_cpu, vmcoreinfo address and size, the two size fields; before it
   *  magic, elfcorehdr_addr and crashing_cpu (padded to 8); then pt_regs and the cpumask. */
  private sizeofCrashInfoHeader(): number {
    const im = this.env.image;
    return (im.generation === 'in-capture-kernel' ? 8 + 4 + 4 + 8 + 8 + 4 + 4 : 8 + 8 + 8) + im.ptRegsSz + im.cpuMaskSz;
  }

  /** sysfs, debugfs and procfs roots always exist; /sys/kernel/fadump and the OPAL mpipl folder
   *  while they hold a file. */
  private directoryExists(dir: string): boolean {
    if (
      [
        '/sys/kernel',
        '/sys/kernel/debug',
        '/sys/kernel/debug/powerpc',
        '/sys/firmware',
        '/sys/devices/system/memory',
        '/proc',
      ].includes(dir)
    )
      return true;
    return [...this.files.keys()].some((f) => f.startsWith(`${dir}/`));
  }

  /** kstrtoint(buf, 0, &v): lib/kstrtox.c. */
  private kstrtoint(buf: string): number | null {
    // The handler sees a C string: it ends at the first NUL.
    const nul = buf.indexOf('\0');
    if (nul >= 0) buf = buf.slice(0, nul);
    if (this.bug('kstrtoint-accepts-garbage')) {
      // simple_strtol(): leading digits, the rest ignored.
      const m = /^[+-]?\d*/.exec(buf);
      const n = m === null ? 0 : parseInt(m[0], 10);
      return Number.isNaN(n) ? 0 : n;
    }
    let s = buf;
    let neg = false;
    if (s.startsWith('-')) {
      neg = true;
      s = s.slice(1);
    } else if (s.startsWith('+')) {
      s = s.slice(1);
    }
    let base = 10;
    if (s[0] === '0') {
      if ((s[1] === 'x' || s[1] === 'X') && s[2] !== undefined && /[0-9a-fA-F]/.test(s[2])) {
        base = 16;
        s = s.slice(2);
      } else {
        base = 8;
      }
    }
    let i = 0;
    let v = 0n;
    for (; i < s.length; i++) {
      const c = s[i] ?? '';
      const d = /[0-9]/.test(c) ? c.charCodeAt(0) - 48 : /[a-fA-F]/.test(c) ? (c.charCodeAt(0) | 0x20) - 87 : 99;
      if (d >= base) break;
      v = v * BigInt(base) + BigInt(d);
      if (v > 0xffffffffffffffffn) return null; // -ERANGE
    }
    if (i === 0) return null;
    let rest = s.slice(i);
    if (rest.startsWith('\n')) rest = rest.slice(1);
    if (rest !== '') return null;
    const val = neg ? -v : v;
    if (val > 2147483647n || val < -2147483648n) return null;
    return Number(val);
  }

  private registered_store(buf: string): Errno | null {
    const f = this.fw_dump;
    const enabledOk = f.fadump_enabled || this.bug('registered-no-eperm-when-disabled');
    const activeOk = !f.dump_active || this.bug('registered-no-eperm-when-active');
    if (!enabledOk || !activeOk) return 'EPERM';
    const input = this.kstrtoint(buf);
    if (input === null) return 'EINVAL';
    switch (input) {
      case 0: {
        if (!f.dump_registered) return null;
        // Un-register; success even if the firmware refused.
        const err = this.fadump_unregister();
        return this.bug('echo0-returns-unregister-error') ? err : null;
      }
      case 1: {
        if (f.dump_registered) {
          if (this.config.registeredWrite === 'eexist' || this.bug('eexist-on-reregister')) return 'EEXIST';
          this.fadump_unregister();
        }
        const ret = this.register_fadump();
        return this.bug('registered-ignores-register-error') ? null : ret;
      }
      default:
        return 'EINVAL';
    }
  }

  private release_mem_store(buf: string): Errno | null {
    if (!this.fw_dump.dump_active) return 'EPERM';
    const input = this.kstrtoint(buf);
    if (input === null) return 'EINVAL';
    if (input === 1 || (this.bug('release-mem-accepts-zero') && input >= 0)) {
      // vmcore_cleanup(): take away /proc/vmcore first.
      if (!this.bug('release-keeps-vmcore')) this.vmcore = null;
      this.fadump_invalidate_release_mem();
      return null;
    }
    return 'EINVAL';
  }

  private bootargs_append_show(): string {
    return this.env.fw.ram.read('param-area', this.fw_dump.param_area)?.text ?? '';
  }

  private bootargs_append_store(buf: string): Errno | null {
    const f = this.fw_dump;
    const activeOk = !f.dump_active || this.bug('bootargs-append-in-capture');
    if (!f.fadump_enabled || !activeOk) return 'EPERM';
    const count = Buffer.byteLength(buf, 'utf8');
    if (count >= COMMAND_LINE_SIZE) return 'EINVAL';
    // saved_command_line_len: a capture build that runs on counts what it appended at boot.
    const len = this.saved_command_line_len;
    const tooLong = this.bug('bootargs-length-off-by-one')
      ? len + count > COMMAND_LINE_SIZE
      : len + count >= COMMAND_LINE_SIZE;
    if (tooLong) return 'ENOSPC'; // "Appending parameters exceeds cmdline size!"
    // strscpy_pad() stops at a NUL; then a newline in the last byte is cut.
    const nul = buf.indexOf('\0');
    const params = nul >= 0 ? buf.slice(0, nul) : buf.endsWith('\n') ? buf.slice(0, -1) : buf;
    this.env.fw.ram.write(f.param_area, { kind: 'param-area', text: params });
    return null;
  }

  /** opal-core.c release_core_store(). */
  private release_core_store(buf: string): Errno | null {
    const input = this.kstrtoint(buf);
    if (input === null) return 'EINVAL';
    if (input !== 1) return 'EINVAL';
    if (!this.oc_conf && !this.bug('release-core-twice')) return 'EPERM'; // "core file not accessible"
    // Take away the core file, then free its memory.
    this.files.delete(FILES.opalCore);
    this.oc_conf = false;
    return null;
  }

  // ---------------------------------------------------------------------------------------------
  // debugfs fadump_region (§2): rtas_fadump_region_show / opal_fadump_region_show

  private fadump_region_show(): string {
    const f = this.fw_dump;
    if (!f.fadump_enabled) return '';
    const lines: string[] = [];
    const active = f.dump_active;
    const dumped = (n: number): string => hexp(active ? n : 0);
    if (this.config.platform === 'pseries') {
      const cpuStart = f.reserve_dump_area_start;
      const cpuSize = f.cpu_state_data_size;
      lines.push(
        `CPU :[${hex016(cpuStart)}-${hex016(cpuStart + cpuSize - 1)}] ${hexp(cpuSize)} bytes, Dumped: ${dumped(cpuSize)}`,
      );
      const hpteStart = cpuStart + cpuSize;
      const hpteSize = f.hpte_region_size;
      lines.push(
        `HPTE:[${hex016(hpteStart)}-${hex016(hpteStart + hpteSize - 1)}] ${hexp(hpteSize)} bytes, Dumped: ${dumped(hpteSize)}`,
      );
    }
    let dest = f.boot_mem_dest_addr;
    for (let i = 0; i < f.boot_mem_regs_cnt; i++) {
      const size = f.boot_mem_sz[i] ?? 0;
      lines.push(
        `DUMP: Src: ${hex016(f.boot_mem_addr[i] ?? 0)}, Dest: ${hex016(dest)}, Size: ${hexp(size)}, Dumped: ${dumped(size)} bytes`,
      );
      dest += size;
    }
    // RTAS_FADUMP_PARAM_AREA: "\n[%#016llx-%#016llx]: cmdline append: '%s'\n".
    if (this.config.platform === 'pseries' && f.param_area !== 0)
      lines.push(
        '',
        `[${hex016(f.param_area)}-${hex016(f.param_area + COMMAND_LINE_SIZE - 1)}]: cmdline append: '${this.bootargs_append_show()}'`,
      );
    if (active) lines.push('', `Memory above ${hex016(f.boot_mem_top)} is reserved for saving crash dump`);
    return lines.join('\n');
  }

  // =============================================================================================
  // Memory hotplug (§4, §5)

  /** pSeries is_fadump_memory_area(): with a dump registered, an LMB in boot memory (at or below
   *  boot_mem_top) or touching the reserved area. */
  private is_fadump_memory_area(addr: number, size: number): boolean {
    const f = this.fw_dump;
    if (!f.dump_registered || size === 0) return false;
    const dStart = f.reserve_dump_area_start;
    const dEnd = dStart + f.reserve_dump_area_size;
    if (addr + size > dStart && addr <= dEnd) return true;
    return addr <= f.boot_mem_top;
  }

  /** A DLPAR request for these LMBs. Remove: every LMB must be removable (pSeries
   *  lmb_is_removable) and, in a capture kernel, outside the crash area it keeps reserved until
   *  release (reserved pages cannot be offlined [I]); else -EINVAL and nothing changes. Add always
   *  works. */
  dlpar_memory(action: 'add' | 'remove', lmbs: readonly MemblockRegion[]): Errno | null {
    if (action === 'remove') {
      for (const l of lmbs) {
        if (
          this.config.platform === 'pseries' &&
          !this.bug('dlpar-protection-missing') &&
          this.is_fadump_memory_area(l.base, l.size)
        )
          return 'EINVAL';
        if (this.fw_dump.dump_active && memblockOverlaps(this.memblock.reserved, l.base, l.size)) return 'EINVAL';
      }
      for (const l of lmbs) this.memblock.memory = memblockRemove(this.memblock.memory, l.base, l.size);
      return null;
    }
    // Hot-add is refused while the dump is held: a bound the model sets (memory added now would
    // show up in a re-capture after a capture-kernel panic) [I].
    if (this.fw_dump.dump_active) return 'EINVAL';
    for (const l of lmbs) this.memblock.memory = memblockAdd(this.memblock.memory, l.base, l.size);
    return null;
  }
}

/** The command line the simulator boots with when the configuration gives none: a distribution's
 *  GRUB entry with fadump= (and crashkernel= when set), as /proc/cmdline shows it. */
function defaultCmdline(c: Config): string {
  return [
    'BOOT_IMAGE=/boot/vmlinuz root=/dev/mapper/root ro',
    `fadump=${c.fadump}`,
    ...(c.crashkernelText === null ? [] : [`crashkernel=${c.crashkernelText}`]),
  ].join(' ');
}
