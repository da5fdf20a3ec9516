// The kernel side of fadump, imperative and in the kernel's own order, after
// arch/powerpc/kernel/fadump.c: boot (the device-tree scan, fadump=, the reservation, the param
// area, setup_fadump), the capture boot's checks and /proc/vmcore's PT_LOADs, registration, the
// crash, release, and the sysfs files with their store handlers. One Kernel object is one boot; the
// same object goes on running as the production kernel after `echo 1 > release_mem`, as the real
// kernel does. Beside it, as upstream: the platform halves (struct fadump_ops) in
// src/sim/rtas-fadump.ts and src/sim/opal-fadump.ts, struct fw_dump in src/sim/fadump-internal.ts,
// opal-core.c in src/sim/opal-core.ts, the crash image of kexec in src/sim/kexec.ts, DLPAR in
// src/sim/hotplug-memory.ts, kstrtoint in src/sim/kstrtox.ts and the files in src/sim/kernfs.ts.
//
// Spec: docs/kernel-behaviour.md (cited as §n). src/sim does not import machines/ or
// src/memory/layout.ts: it is a second, independent statement of the same behaviour.
import type { Config } from '../config';
import type { Errno } from '../events';
import { traitsOf } from '../kernel-versions';
import {
  CMA_MIN_ALIGNMENT_BYTES,
  COMMAND_LINE_SIZE,
  FADUMP_2011_MIN_BOOT_MEM,
  FADUMP_CPU_UNKNOWN,
  FADUMP_CRASH_INFO_MAGIC,
  FADUMP_CRASH_INFO_MAGIC_OLD,
  FADUMP_HEADER_VERSION,
  HASH_PARAM_AREA_LEN,
  HASH_PARAM_AREA_MIN_RMA,
  HASH_PARAM_AREA_START,
  MAX_BOOT_MEM_RATIO,
  SZ_1K,
  SZ_256M,
} from './consts';
import { type CrashInfoHeaderInRam, type DeviceTree, type PtLoadPhdr } from './firmware';
import {
  ALIGN,
  ALIGN_DOWN,
  freeRanges,
  memblock_alloc_top_down,
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
import {
  emptyFwDump,
  FILES,
  swab32,
  swab64,
  SYMLINKS,
  type FadumpKernel,
  type FadumpOps,
  type FadumpTrigger,
  type FwDump,
  type KernelEnv,
} from './fadump-internal';
import { dlpar_memory, type DlparIdType } from './hotplug-memory';
import { dlpar_cpu, nr_cpu_ids_of, smp_setup_cpu_maps, type CpuMaps } from './hotplug-cpu';
import { CrashImage, reserve_crashkernel } from './kexec';
import { acceptedCrashkernel } from '../memory/crashkernel';
import { KernFiles } from './kernfs';
import { get_last_crashkernel, parameq, parse_early_options } from './params';
import { kstrtoint } from './kstrtox';
import type { MutantId } from './mutants';
import { OpalCore } from './opal-core';
import { OpalFadump } from './opal-fadump';
import { RtasFadump } from './rtas-fadump';

const ELFHDR_SIZE = 64;
const ELF_PHDR_SIZE = 56;

/** LINUX_VERSION_CODE >= KERNEL_VERSION(major, minor, 0) for a "major.minor" release; `stable`
 *  lists older series a change was backported to (their latest sublevel has it). */
function atLeast(version: string, since: string, stable: readonly string[] = []): boolean {
  if (stable.includes(version)) return true;
  const [a = 0, b = 0] = version.split('.').map(Number);
  const [c = 0, d = 0] = since.split('.').map(Number);
  return a !== c ? a > c : b >= d;
}

/** /proc/meminfo's "CmaTotal:" and "CmaFree:", in bytes. */
export interface CmaMeminfo {
  CmaTotal: number;
  CmaFree: number;
}

export class Kernel implements FadumpKernel {
  readonly fw_dump: FwDump = emptyFwDump();
  readonly memblock: { memory: MemblockRegion[]; reserved: MemblockRegion[] } = { memory: [], reserved: [] };
  /** memblock.memory's MEMBLOCK_HOTPLUG regions at this boot (the device tree's hot-removable LMBs). */
  private memblock_hotplug: MemblockRegion[] = [];
  /** boot_command_line after fadump_append_bootargs (saved_command_line), and its strlen
   *  (saved_command_line_len, in bytes). */
  saved_command_line = '';
  saved_command_line_len = 0;
  /** The boot loader's line this boot got (§12), null: the configuration's. */
  private boot_loader_line: string | null = null;
  /** fw_dump.fadump_enabled right after parse_early_param() (fadump= of the command line). */
  fadump_on_cmdline = false;
  /** /proc/vmcore: the PT_LOADs of the elfcorehdr it exports; null when there is none. */
  vmcore: PtLoadPhdr[] | null = null;
  /** The dump was active at this boot (what the observer needs to judge the capture). */
  dumpActiveAtBoot = false;
  /** cpu_possible/present/online_mask by weight (§11), and the partition's cpu nodes. */
  cpus: CpuMaps = { possible: 1, present: 1, online: 1 };
  private dtCpus = 1;
  /** The NT_PRSTATUS notes /proc/vmcore holds (§11); null without a vmcore. */
  cpuNotes: number | null = null;
  private crashing_cpu = -1;
  /** This boot has built an elfcorehdr at registration. */
  private elfcorehdrBuilt = false;
  /** kdump's crashkernel= memory (crashk_res) reserved at this boot, or null: only when fadump did
   *  not reserve (§1 early boot 4, §6). The object that runs on after release_mem keeps its boot's
   *  answer: a capture boot reserved fadump's area, so no crashkernel= memory. */
  crashk_res: MemblockRegion | null = null;
  /** kexec_crash_image (src/sim/kexec.ts); `kexec -p` loads the capture kernel's image and
   *  initramfs. */
  private readonly crashImage = new CrashImage(
    () => this.crashk_res,
    () => ({
      syscall: this.config.kexecSyscall,
      pageSize: this.config.pageSize,
      imageBytes: this.config.captureKernel.imageBytes,
      initrdBytes: this.config.captureKernel.initrdBytes,
      fileSegmentsBytes: (this.config.captureKernel.imageMiB + this.config.captureKernel.initrdMiB) * 0x100000,
    }),
  );
  private readonly files = new KernFiles(SYMLINKS);
  private readonly opalCore = new OpalCore(this, this.files);
  /** fw_dump.ops: the platform half. */
  private readonly ops: FadumpOps;
  /** The highest page memblock handed out at this boot (memblock_alloc_top_down()): PageReserved
   *  for good, so its memory block does not offline (src/sim/hotplug-memory.ts). */
  boot_allocs: MemblockRegion | null = null;
  /** first_memblock_size (prom.c): the /memory@0 node's size, in bytes. */
  private first_memblock_size = 0;

  constructor(readonly env: KernelEnv) {
    this.ops = env.config.platform === 'pseries' ? new RtasFadump(this) : new OpalFadump(this, this.opalCore);
  }

  private get config(): Config {
    return this.env.config;
  }
  /** A seeded fault (src/sim/mutants.ts) is switched on. */
  bug(id: MutantId): boolean {
    return this.env.faults.on(id);
  }
  /** PAGE_SIZE of this build (CONFIG_PPC_4K_PAGES / CONFIG_PPC_64K_PAGES), in bytes. */
  get PAGE_SIZE(): number {
    return this.config.pageSizeKiB * SZ_1K;
  }
  /** This build has the code of a release: LINUX_VERSION_CODE checks against the commits that
   *  changed fadump (the release each first shipped in, and stable series it reached). */
  has(since: string, stable: readonly string[] = []): boolean {
    return atLeast(this.env.image.version, since, stable);
  }

  // =============================================================================================
  // Boot (§1 "Early boot, in order")

  boot(dt: DeviceTree): void {
    this.memblock.memory = memblockMerge(dt.memory);
    this.memblock_hotplug = dt.hotremovable.map((r) => ({ ...r }));
    // early_reserve_mem() (arch/powerpc/kernel/prom.c) memblock-reserves the device tree's
    // reserved-ranges (OPAL's memory on PowerNV) before fadump_reserve_mem() looks for room.
    this.memblock.reserved = [];
    for (const r of this.config.opalReservedRanges)
      this.memblock.reserved = memblockAdd(this.memblock.reserved, r.start, r.size);
    // The boot loader's stored line (§12), else the configuration's.
    this.boot_loader_line = this.env.fw.bootloaderCmdline;
    this.saved_command_line = this.boot_loader_line ?? this.config.cmdline ?? defaultCmdline(this.config);
    this.first_memblock_size = dt.firstMemoryNodeSize;
    this.saved_command_line_len = Buffer.byteLength(this.saved_command_line, 'utf8');
    // 1. The device tree is scanned whatever fadump= says.
    this.early_init_dt_scan_fw_dump(dt);
    this.dumpActiveAtBoot = this.fw_dump.dump_active;
    // 3. Capture boot: the param area is appended before early parameters are parsed.
    this.fadump_append_bootargs();
    // 2. parse_early_param(): fadump=; nr_cpus= (kernel/smp.c nrcpus()), then the CPU maps
    // (setup_arch()). The configuration's own line stands for its fadump= key (§12).
    // The kernel parses the appended parameters too; a capture boot with fadump off is not
    // stated (docs/kernel-behaviour.md §12): only the boot loader's line's fadump= counts [I].
    if (this.boot_loader_line === null) this.early_fadump_param(this.config.fadump);
    else this.parse_early_fadump(this.boot_loader_line);
    this.fadump_on_cmdline = this.fw_dump.fadump_enabled;
    this.dtCpus = dt.cpus;
    this.cpus = smp_setup_cpu_maps(dt.maxCpus, dt.cpus, nr_cpu_ids_of(this.saved_command_line, this.config.nrCpus));
    // 4. Reservation; 5. the pSeries param area. The caller reserves kdump's crashkernel= memory
    // only when fadump_reserve_mem() reserved nothing: fadump off or failed (§1 early boot 4, §6).
    this.crashk_res = this.fadump_reserve_mem() === 0 ? this.reserve_crashkernel() : null;
    // reserve_crashkernel() ends with memblock_reserve(crashk_res.start, crash_size)
    // (arch/powerpc/kexec/core.c): the param area below cannot take it (seen on 6.12 under hash
    // with crashkernel=256M at 512M, test/real/pseries-6.12-64k-kdump-*.jsonl).
    if (this.crashk_res !== null)
      this.memblock.reserved = memblockAdd(this.memblock.reserved, this.crashk_res.base, this.crashk_res.size);
    // The rest of early boot allocates from memblock, top-down (src/sim/memblock.ts).
    this.boot_allocs = memblock_alloc_top_down(this.memblock.memory, this.memblock.reserved, this.PAGE_SIZE);
    // early_init_devtree(): the param area after the reservation (f4892c68ecc1; in 6.10 from
    // setup_fadump(), which only ran it with an area reserved: the same condition here).
    this.fadump_setup_param_area();
    // 7. setup_fadump (subsys_initcall_sync).
    this.setup_fadump();
    this.kexec_init_files();
  }

  /** reserve_crashkernel() (arch/powerpc/kexec/core.c, src/sim/kexec.ts), from early_init_devtree()
   *  when fadump reserved nothing. ppc64_rma_size: radix is "not limited by RMA / VRMA
   *  addressing" (ULONG_MAX), hash the first memory block, at most 1 TiB. */
  private reserve_crashkernel(): MemblockRegion | null {
    return reserve_crashkernel({
      text: this.crashkernel_text(),
      memory: this.memblock.memory,
      rejectsRamSize: this.has('6.12'),
      generic: this.has('6.15'),
      lpar: this.config.platform === 'pseries',
      ppc64_rma_size: this.config.mmu === 'radix' ? Infinity : Math.min(this.first_memblock_size, 2 ** 40),
      pageSize: this.PAGE_SIZE,
      hotplug: this.memblock_hotplug,
    });
  }

  /** kernel/ksysfs.c: kexec_crash_loaded (kexec_crash_image set) and kexec_crash_size
   *  (crash_get_memory_size(): resource_size(&crashk_res), 0 when none), shown where the
   *  configuration gives crashkernel= (as the model's view does). */
  private kexec_init_files(): void {
    if (this.crashkernel_text() === null) return;
    this.files.set('/sys/kernel/kexec_crash_loaded', {
      show: () => (this.crashImage.isLoaded ? '1' : '0'),
      store: null,
    });
    this.files.set('/sys/kernel/kexec_crash_size', { show: () => String(this.crashk_res?.size ?? 0), store: null });
  }

  /** early_init_dt_scan_fw_dump(): the platform's node (ops->fadump_dt_scan). */
  private early_init_dt_scan_fw_dump(dt: DeviceTree): void {
    this.ops.fadump_dt_scan(dt);
  }

  /** do_early_param() for every parameter: early_param("fadump", early_fadump_param). */
  private parse_early_fadump(cmdline: string): void {
    parse_early_options(cmdline, (param, val) => {
      if (parameq(param, 'fadump')) this.early_fadump_param_text(val);
    });
  }

  /** early_fadump_param(char *p): strncmp() prefixes; NULL (a bare "fadump") returns 1 and
   *  changes nothing, as does any other value. */
  private early_fadump_param_text(p: string | null): void {
    if (p === null) return;
    if (p.startsWith('on')) this.fw_dump.fadump_enabled = true;
    else if (p.startsWith('off')) this.fw_dump.fadump_enabled = false;
    else if (p.startsWith('nocma') && this.has('4.20')) {
      this.fw_dump.fadump_enabled = true;
      this.fw_dump.nocma = true;
    }
  }

  /** parse_crashkernel(boot_command_line, ...)'s size: the configuration's, or the stored line's
   *  last crashkernel= through memparse() (§12). */
  /** The crashkernel= text parse_crashkernel() reads: the boot loader's line's last one
   *  (get_last_crashkernel()), or the configuration's. */
  private crashkernel_text(): string | null {
    return this.boot_loader_line === null ? this.config.crashkernelText : get_last_crashkernel(this.boot_loader_line);
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

  /** §1 early boot 3: append the crashed kernel's extra parameters to this boot's command line.
   *  fadump_append_bootargs() checks nothing more than this: not that param_area lies in this
   *  boot's memory, nor a magic or a length; it reads the string at the address the preserved
   *  registration names, an earlier boot's after a failed unregister (docs/kernel-behaviour.md
   *  §1.4 "A registration from an earlier boot"). RAM keeps what was written there across a
   *  reboot, inside the partition's memory or not [I]. */
  private fadump_append_bootargs(): void {
    const f = this.fw_dump;
    if (!f.dump_active || !f.param_area_supported || f.param_area === 0) return;
    const args = this.env.fw.ram.read('param-area', f.param_area)?.text ?? '';
    // snprintf(boot_command_line + len, COMMAND_LINE_SIZE - len, " %s", append_args): truncated
    // to COMMAND_LINE_SIZE - 1 bytes.
    const line = Buffer.from(`${this.saved_command_line} ${args}`, 'utf8');
    this.saved_command_line = line.subarray(0, COMMAND_LINE_SIZE - 1).toString('utf8');
    this.saved_command_line_len = Math.min(line.length, COMMAND_LINE_SIZE - 1);
  }

  // ---------------------------------------------------------------------------------------------
  // §1 early boot 4: fadump_reserve_mem()

  private fadump_get_bootmem_min(): number {
    return this.ops.fadump_get_bootmem_min();
  }

  private fadump_calculate_reserve_size(): number {
    const ram = memblockPhysMemSize(this.memblock.memory);
    // parse_crashkernel(boot_command_line, memblock_phys_mem_size(), ...) == 0 && size > 0.
    const crashkernel = acceptedCrashkernel(this.crashkernel_text(), ram, this.has('6.12'))?.size ?? null;
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

  /** add_boot_mem_regions(): one memory range as regions of at most max_copy_size (0: no
   *  limit); false once the platform's region count is exceeded (add_boot_mem_region()). */
  private add_boot_mem_regions(start: number, size: number): boolean {
    const f = this.fw_dump;
    const max = f.max_copy_size || size;
    while (size > 0) {
      const part = Math.min(size, max);
      if (f.boot_mem_regs_cnt + 1 > this.ops.fadump_max_boot_mem_rgns()) return false;
      f.boot_mem_addr.push(start);
      f.boot_mem_sz.push(part);
      f.boot_mem_regs_cnt++;
      size -= part;
      start += part;
    }
    return true;
  }

  /** fadump_get_boot_mem_regions(): boot memory split around holes; false if the firmware cannot
   *  take that many regions. In unsigned long arithmetic, as the kernel's (BigInt, modulo 2^64):
   *  mem_size is lowered and cur_size raised by each region taken whole, so the last region gets
   *  mem_size - cur_size, the earlier regions counted twice (short, none at 0, or wrapped;
   *  docs/kernel-behaviour.md §1.1 item 4). A wrapped size is page-aligned and below 2^64, which a number
   *  holds exactly. */
  private fadump_get_boot_mem_regions(): boolean {
    const f = this.fw_dump;
    const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
    f.boot_mem_regs_cnt = 0;
    f.boot_mem_addr = [];
    f.boot_mem_sz = [];
    let memSize = BigInt(f.boot_memory_size);
    let curSize = 0n;
    let lastEnd = 0n;
    let holeSize = 0n;
    let reached = false;
    for (const r of this.memblock.memory) {
      const base = BigInt(r.base);
      let size = BigInt(r.size);
      holeSize = u64(holeSize + (base - lastEnd));
      if (u64(curSize + size) >= memSize) {
        size = u64(memSize - curSize);
        if (!this.add_boot_mem_regions(r.base, Number(size))) return false;
        reached = true;
        break;
      }
      memSize = u64(memSize - size);
      curSize = u64(curSize + size);
      if (!this.add_boot_mem_regions(r.base, r.size)) return false;
      lastEnd = BigInt(regionEnd(r));
    }
    // Memory that ends before boot memory does: the model takes no such configuration [I].
    if (!reached) return false;
    f.boot_mem_top = PAGE_ALIGN(Number(u64(BigInt(f.boot_memory_size) + holeSize)), this.PAGE_SIZE);
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
    size += this.ops.fadump_get_metadata_size();
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
      // #ifdef CONFIG_CMA: rounded up to CMA_MIN_ALIGNMENT_BYTES unless nocma (a4e92ce8e4c8);
      // 6faeac507beb (6.13) dropped it, fadump_cma_init() aligning inside the area instead.
      if (this.has('4.20') && !this.has('6.13') && !f.nocma)
        f.boot_memory_size = ALIGN(f.boot_memory_size, CMA_MIN_ALIGNMENT_BYTES);
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
    // 4.11 and older: "Reserve the memory at the top of memory." (f6e6bedb7731 moved it down).
    base = this.has('4.12') ? this.fadump_locate_reserve_mem(base, size) : memBoundary - size;
    if (base === 0 || base + size > memBoundary) return error(); // "Failed to find memory chunk"
    f.reserve_dump_area_start = base;
    this.init_mem_struct_addresses();
    this.ops.fadump_setup_metadata();
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
   *  cma_init_reserved_mem(base, size) (mm/cma.c) refuses a base or size not aligned to
   *  CMA_MIN_ALIGNMENT_BYTES with -EINVAL ("Failed to init cma area for firmware-assisted
   *  dump,-22"). From 6faeac507beb (6.13) base is ALIGN()ed up and the end ALIGN_DOWN()ed first,
   *  and an empty result is "Too less memory to give to CMA". */
  private fadump_cma_init(): void {
    const f = this.fw_dump;
    if (!this.has('4.20')) return;
    if (!f.fadump_enabled || f.nocma || this.bug('cma-not-given-back')) return;
    let base = f.reserve_dump_area_start;
    let size = f.boot_memory_size;
    if (size === 0) return;
    if (this.has('6.13')) {
      const end = ALIGN_DOWN(base + size, CMA_MIN_ALIGNMENT_BYTES);
      base = ALIGN(base, CMA_MIN_ALIGNMENT_BYTES);
      if (end <= base) return;
      size = end - base;
    }
    const aligned = base % CMA_MIN_ALIGNMENT_BYTES === 0 && size % CMA_MIN_ALIGNMENT_BYTES === 0;
    f.cma = aligned ? { base, size } : null;
  }

  /** Where the copy, the header and the OPAL metadata go (fadump_init_mem_struct's addresses). */
  private init_mem_struct_addresses(): void {
    const f = this.fw_dump;
    f.boot_mem_dest_addr =
      f.reserve_dump_area_start + PAGE_ALIGN(f.cpu_state_data_size + f.hpte_region_size, this.PAGE_SIZE);
    f.fadumphdr_addr = f.boot_mem_dest_addr + f.boot_memory_size;
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
    this.ops.fadump_init_mem_struct();
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
    this.opalCore.opalcore_init();
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
    return this.ops.fadump_process();
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
      this.cpuNotes = this.ops.fadump_build_cpu_notes(fdh.cpuMaskWeight ?? this.config.onlineCpus);
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
    this.cpuNotes = this.ops.fadump_build_cpu_notes(fdh.cpuMaskWeight ?? this.config.onlineCpus);
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
    return this.ops.fadump_register();
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

  /** ops->fadump_unregister(). */
  private fadump_unregister(): Errno | null {
    return this.ops.fadump_unregister();
  }

  /** ops->fadump_invalidate(). */
  private fadump_invalidate(): void {
    this.ops.fadump_invalidate();
  }

  /** fadump_cleanup(), from machine_shutdown() on every reboot, halt, power-off or kexec. On the
   *  kexec path (`path` 'kexec', kernel_kexec() in kernel/kexec_core.c) a release before
   *  "powerpc/fadump: Unregister fadump on kexec down path" leaves a registered dump registered
   *  (docs/kernel-behaviour.md §13.1); the reboot path is taken to unregister in every release [I]. */
  fadump_cleanup(path: 'reboot' | 'kexec' = 'reboot'): void {
    const f = this.fw_dump;
    if (!f.fadump_supported) return;
    if (f.dump_active) {
      if (!this.bug('no-invalidate-on-capture-reboot')) this.fadump_invalidate();
    } else if (f.dump_registered) {
      const unregisters = path === 'reboot' || traitsOf(this.env.image.version).kexecUnregisters;
      if (unregisters && !this.bug('no-unregister-on-reboot')) this.fadump_unregister();
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
      this.ops.fadump_forget_active();
    } else {
      this.fadump_cleanup();
    }
    this.fadump_release_memory(f.boot_mem_top, memblockEndOfDram(this.memblock.memory));
    // Set up the metadata and the dump structure for re-registration.
    f.reserve_dump_area_size = this.bug('release-frees-permanent-area') ? 0 : f.reserve_dump_area_size;
    if (f.reserve_dump_area_size !== 0) this.ops.fadump_setup_metadata();
    if (this.bug('release-auto-reregisters')) this.register_fadump();
  }

  /** Free [begin, end) except the permanent area (same start and size) (§1 Release). */
  private fadump_release_memory(begin: number, end: number): void {
    const f = this.fw_dump;
    // The firmware's reserved ranges (reserved_mrange_info: reserved-ranges, OPAL's on PowerNV)
    // are never released; nor is the area kept for the next registration.
    const keep: MemblockRegion[] = this.config.opalReservedRanges.map((r) => ({ base: r.start, size: r.size }));
    if (!this.bug('release-frees-permanent-area'))
      keep.push({ base: f.reserve_dump_area_start, size: f.reserve_dump_area_size });
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
  crash_fadump(): FadumpTrigger | 'not-registered' {
    if (!this.should_fadump_crash()) return 'not-registered';
    this.crashing_cpu = 0;
    const ram = this.env.fw.ram;
    const fdh = this.readHeader(this.fw_dump.fadumphdr_addr);
    // fdh->cpu_mask = *cpu_online_mask (§11).
    if (fdh !== null)
      ram.write(this.fw_dump.fadumphdr_addr, {
        ...fdh,
        crashingCpu: this.crashing_cpu,
        cpuMaskWeight: this.cpus.online,
      });
    return this.ops.fadump_trigger();
  }

  // =============================================================================================
  // Processor DLPAR (§11): nothing in fadump hears it.

  /** dlpar_cpu() by count; on success the partition's new processor count, for the firmware. */
  dlpar_cpu(action: 'add' | 'remove', count: number): { errno: Errno } | { dtCpus: number } {
    const r = dlpar_cpu(this.cpus, this.dtCpus, this.config.cpus, action, count);
    if (typeof r === 'string') return { errno: r };
    this.cpus = r.maps;
    this.dtCpus = r.dtCpus;
    return { dtCpus: r.dtCpus };
  }

  // =============================================================================================
  // kexec -p / kexec -p -u (§6 "kdump for contrast")

  /** `kexec -p` begins (src/sim/kexec.ts). */
  kexec_load_crash(): Errno | 'loading' {
    return this.crashImage.load();
  }

  /** The `kexec -p` under way returns. false: no load is under way. */
  kexec_loaded_crash(): boolean {
    return this.crashImage.loaded();
  }

  /** `kexec -p -u`. */
  kexec_unload_crash(): Errno | null {
    return this.crashImage.unload();
  }

  // =============================================================================================
  // sysfs (§2)

  /** What a reader sees: path → contents without the trailing newline (src/sim/kernfs.ts). */
  sysfsView(): Record<string, string> {
    return this.files.view();
  }

  /** /proc/meminfo's CMA lines (bytes): meminfo_proc_show() (fs/proc/meminfo.c) prints
   *  totalcma_pages, which cma_init_reserved_mem() (mm/cma.c) raised by the area's size, and
   *  NR_FREE_CMA_PAGES. fadump_cma is the only CMA area [I: no hugetlb_cma=, kvm_cma or default
   *  CMA area, as in the lab's kernels], and nothing has been allocated from it [I]. A capture boot
   *  never ran fadump_cma_init() and release_mem frees to the buddy allocator
   *  (fadump_release_memory()), so both stay 0 there. */
  meminfo(): CmaMeminfo {
    const total = this.fw_dump.cma?.size ?? 0;
    return { CmaTotal: total, CmaFree: total };
  }

  /** `cat path`: null when there is no such file. */
  sysfsRead(path: string): string | null {
    return this.files.read(path);
  }

  /** `echo value > path`: the errno, or null. */
  sysfsWrite(path: string, value: string): Errno | null {
    return this.files.write(path, value);
  }

  /** sizeof(struct fadump_crash_info_header) of this build (asm/fadump-internal.h): 6.10+
   *  magic, version, crashing_cpu, vmcoreinfo address and size, the two size fields; before it
   *  magic, elfcorehdr_addr and crashing_cpu (padded to 8); then pt_regs and the cpumask. */
  private sizeofCrashInfoHeader(): number {
    const im = this.env.image;
    return (im.generation === 'in-capture-kernel' ? 8 + 4 + 4 + 8 + 8 + 4 + 4 : 8 + 8 + 8) + im.ptRegsSz + im.cpuMaskSz;
  }

  private registered_store(buf: string): Errno | null {
    const f = this.fw_dump;
    const enabledOk = f.fadump_enabled || this.bug('registered-no-eperm-when-disabled');
    const activeOk = !f.dump_active || this.bug('registered-no-eperm-when-active');
    if (!enabledOk || !activeOk) return 'EPERM';
    const input = kstrtoint(buf, this.env.faults);
    if (input === null) return 'EINVAL';
    switch (input) {
      case 0: {
        // Before 98b8cd7f7564: "if (fw_dump.dump_registered == 0) { ret = -EINVAL; ..."
        if (!f.dump_registered) return this.config.registeredWrite === 'einval' ? 'EINVAL' : null;
        // Un-register; success even if the firmware refused.
        const err = this.fadump_unregister();
        return this.bug('echo0-returns-unregister-error') ? err : null;
      }
      case 1: {
        if (f.dump_registered) {
          if (this.config.registeredWrite === 'einval') return 'EINVAL';
          if (this.config.registeredWrite === 'eexist' || this.bug('eexist-on-reregister')) return 'EEXIST';
          this.fadump_unregister();
        }
        const ret = this.register_fadump();
        // Before 98b8cd7f7564 the store called register_fadump() and dropped what it returned.
        const dropped = this.config.registeredWrite === 'einval' || this.bug('registered-ignores-register-error');
        return dropped ? null : ret;
      }
      default:
        return 'EINVAL';
    }
  }

  private release_mem_store(buf: string): Errno | null {
    if (!this.fw_dump.dump_active) return 'EPERM';
    const input = kstrtoint(buf, this.env.faults);
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

  // ---------------------------------------------------------------------------------------------
  // debugfs fadump_region (§2): rtas_fadump_region_show / opal_fadump_region_show

  private fadump_region_show(): string {
    if (!this.fw_dump.fadump_enabled) return '';
    return this.ops.fadump_region_show().join('\n');
  }

  // =============================================================================================
  // Memory hotplug (§4, §5)

  /** pSeries is_fadump_memory_area(): with a dump registered, an LMB in boot memory (at or below
   *  boot_mem_top) or touching the reserved area. */
  is_fadump_memory_area(addr: number, size: number): boolean {
    const f = this.fw_dump;
    if (!f.dump_registered || size === 0) return false;
    const dStart = f.reserve_dump_area_start;
    const dEnd = dStart + f.reserve_dump_area_size;
    if (addr + size > dStart && addr <= dEnd) return true;
    return addr <= f.boot_mem_top;
  }

  /** A DLPAR request for these LMBs (src/sim/hotplug-memory.ts). */
  dlpar_memory(
    action: 'add' | 'remove',
    idType: DlparIdType,
    lmbs: readonly MemblockRegion[],
    maxBytes: number,
  ): Errno | null {
    return dlpar_memory(this, action, idType, lmbs, maxBytes);
  }
}

/** The command line the simulator boots with when the configuration gives none: a distribution's
 *  GRUB entry with fadump= (and crashkernel= when set), as /proc/cmdline shows it. */
export function defaultCmdline(c: Config): string {
  return [
    'BOOT_IMAGE=/boot/vmlinuz root=/dev/mapper/root ro',
    `fadump=${c.fadump}`,
    ...(c.crashkernelText === null ? [] : [`crashkernel=${c.crashkernelText}`]),
  ].join(' ');
}
