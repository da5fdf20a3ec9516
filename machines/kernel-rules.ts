// Kernel rules shared by the production and the capture kernel: pure functions the machines'
// guards and actions call. Each names its source in docs/kernel-behaviour.md.
import { kernelCmdline, type Config } from '../src/config';
import type {
  CrashInfoHeader,
  Errno,
  FirmwareRc,
  Generation,
  KernelBuild,
  Magic,
  PreservedDump,
  Registration,
  Reservation,
} from '../src/events';
import { traitsOf, type DlparCheck } from '../src/kernel-versions';
import { areaGeometry, paramAreaFits, paramAreaRange } from '../src/memory/guest';
import {
  dumpAreaAt,
  elfcorePtLoads,
  fadumpAreaSize,
  normalize,
  totalSize,
  withRemoved,
  type PtLoad,
  type Range,
} from '../src/memory/layout';
import { COMMAND_LINE_SIZE } from '../src/sysfs/store';
import { captureBootMemConfig } from '../src/memory/boot-regions';

/** §1 early boot 1: pSeries: dump_active if /rtas/ibm,kernel-dump exists. OPAL: needs mpipl-boot,
 *  the kernel-metadata tag and registered_regions != 0. */
export function dumpActiveAtBoot(config: Config, dump: PreservedDump | null): boolean {
  if (dump === null) return false;
  // A kernel with hypervisor-assisted dump (2007) has no fadump code at all (phyp-assisted-dump.txt).
  if (config.mechanism === 'phyp-assisted-dump') return false;
  return config.platform === 'pseries' ? true : dump.regionsRegistered > 0;
}

/** phyp-assisted-dump.txt: "The freshly booted kernel will notice that there is a new node (ibm,dump-kernel)
 *  in the device tree, indicating that there is crash data available from a previous boot." */
export function phypDumpActiveAtBoot(config: Config, dump: PreservedDump | null): boolean {
  return dump !== null && config.mechanism === 'phyp-assisted-dump';
}

/** What a kernel build decides: its release (src/kernel-versions.ts), where it builds the
 *  elfcorehdr (§5), the byte order and the structure sizes it writes into the crash info header
 *  (§3). */
export interface BuildTraits {
  version: string;
  generation: Generation;
  byteOrder: CrashInfoHeader['byteOrder'];
  sizes: CrashInfoHeader['sizes'];
}

/** The first kernel's build, or the capture kernel's (config.captureKernel), which also runs on
 *  after release_mem or a failed capture (§1 "Release", "Capture boot" 5). */
export function buildOf(config: Config, build: KernelBuild): BuildTraits {
  if (build === 'first') return { version: config.kernel, generation: config.elfcorehdr, byteOrder: 'le', sizes: 'A' };
  const ck = config.captureKernel;
  return {
    version: ck.kernel,
    generation: ck.elfcorehdr,
    byteOrder: ck.endianness === 'swapped' ? 'be' : 'le',
    sizes: ck.headerSizes === 'same' ? 'A' : 'B',
  };
}

/** §1 early boot 5, §2 bootargs_append: whether a boot without an active dump sets up the pSeries
 *  param area. The kernel must have one (683eab94da75, 6.10) and, depending on its release,
 *  fadump enabled with its area reserved (6.10's setup_fadump(); 0843ba458439's
 *  `if (!fw_dump.fadump_enabled) return;`) or only fadump supported (f4892c68ecc1 until then:
 *  even fadump=off); under the hash MMU the RMA must hold 768 MB (fadump_setup_param_area()).
 *  `enabled`: fw_dump.fadump_enabled after fadump_reserve_mem(). */
export function paramAreaAtBoot(
  config: Config,
  build: KernelBuild,
  enabled: boolean,
  reserved: readonly Range[] = [],
  memoryEnd?: number,
): boolean {
  return (
    paramAreaTried(config, build, enabled, memoryEnd) &&
    paramAreaRange(config.mmu, memoryEnd ?? memoryEndAtBoot(config), reserved) !== null
  );
}

/** paramAreaAtBoot() for a kdump capture kernel, which boots in [0, the end of crashk_res)
 *  (kdumpCaptureMemoryMap(), src/memory/kdump.ts): its RMA and memblock_end_of_DRAM() end there,
 *  so under the hash MMU a region ending below 768 MB leaves it none ("if (ppc64_rma_size <
 *  0x30000000) return;", fadump_setup_param_area(); 6.12's capture kernel in crashkernel=128M at
 *  512M shows no bootargs_append,
 *  test/real/pseries-6.12-64k-cx-kdump-crashkernel-128m-kdump-start-kexec-loaded-crash.jsonl). */
export function paramAreaInKdumpCapture(config: Config, crashkernelEnd: number | null): boolean {
  return paramAreaAtBoot(config, 'first', false, [], crashkernelEnd ?? undefined);
}

/** Whether fadump_setup_param_area() tries to allocate at this boot (paramAreaAtBoot() without the
 *  allocation): when it tries and the window is full, the kernel warns "WARNING: Could not setup
 *  area to pass additional parameters!" (src/sysfs/console.ts). */
export function paramAreaTried(config: Config, build: KernelBuild, enabled: boolean, rmaEnd?: number): boolean {
  if (config.platform !== 'pseries' || config.mechanism === 'phyp-assisted-dump') return false;
  const rule = traitsOf(buildOf(config, build).version).paramArea;
  if (rule === 'none' || (rule === 'when-enabled' && !enabled)) return false;
  // The RMA is the first memory block (/memory@0), which ends at the first hole.
  return paramAreaFits(config.mmu, rmaEnd ?? config.memoryAtBoot[0]?.end ?? 0);
}

/** memblock_end_of_DRAM() at boot: the end of the memory the kernel booted with (bytes). */
function memoryEndAtBoot(config: Config): number {
  return config.memoryAtBoot.reduce((end, r) => Math.max(end, r.end), 0);
}

/** §1 early boot 3: whether a capture build reads the param area the crashed kernel registered
 *  (rtas_fadump_get_config() knows RTAS_FADUMP_PARAM_AREA from 683eab94da75 on; an older build
 *  has no param area, no bootargs_append and appends nothing). */
export function captureReadsParamArea(config: Config): boolean {
  return config.platform === 'pseries' && traitsOf(config.captureKernel.kernel).paramArea !== 'none';
}

/** §2: hotplug_ready exists on kernels with the 2024 change (the elfcorehdr built in the capture
 *  kernel); §5: the udev rule skips the reload when it reads 1. */
export function hotplugReadyIn(config: Config, build: KernelBuild): boolean {
  return buildOf(config, build).generation === 'in-capture-kernel';
}

/** §3: the header a build writes at registration: its generation's magic, its byte order and its
 *  structure sizes. */
export function headerFor(b: BuildTraits): CrashInfoHeader {
  return {
    magic: b.generation === 'in-capture-kernel' ? 'FADMPSIG' : 'FADMPINF',
    byteOrder: b.byteOrder,
    sizes: b.sizes,
    crashingCpu: 0xffffffff,
  };
}

/** The magic as the reading kernel sees it: byte-swapped when the writer's byte order differs. */
function magicAsRead(reader: BuildTraits, header: CrashInfoHeader): Magic {
  if (header.byteOrder !== reader.byteOrder && (header.magic === 'FADMPSIG' || header.magic === 'FADMPINF'))
    return 'byte-swapped';
  return header.magic;
}

/** §3 header check, in the kernel's order; null when the header is good. The reader is the
 *  capture kernel's build; the writer's build is in the header (the first kernel's, or the
 *  capture build's own when it ran on after a release and registered). A kernel from before
 *  2024 only knows FADMPINF and says "not valid" for anything else. The messages are the
 *  kernel's own pr_err() text (is_fadump_header_compatible() in arch/powerpc/kernel/fadump.c):
 *  "Fadump header is corrupted." and "Fadump header size mismatch." (§3). */
export function headerProblem(config: Config, header: CrashInfoHeader): string | null {
  const reader = buildOf(config, 'capture');
  const magic = magicAsRead(reader, header);
  if (reader.generation === 'at-registration') {
    return magic === 'FADMPINF' ? null : 'Crash info header is not valid.';
  }
  if (magic === 'FADMPINF') return "Old magic number, can't process the dump.";
  if (magic === 'byte-swapped') return 'Endianness mismatch between the crashed and fadump kernels.';
  if (magic !== 'FADMPSIG') return 'Fadump header is corrupted.';
  if (header.sizes !== reader.sizes) return 'Fadump header size mismatch.';
  return null;
}

/** strlen(saved_command_line) of a boot (§1 early boot 3, §2 bootargs_append's -ENOSPC): the
 *  boot command line, and in a capture boot with a param area fadump_append_bootargs()'s
 *  " " + the string, truncated to COMMAND_LINE_SIZE - 1 (snprintf). In bytes, as strlen counts. */
export function savedCommandLineLen(config: Config, appended: string | null): number {
  const base = Buffer.byteLength(kernelCmdline(config), 'utf8');
  if (appended === null) return base;
  return Math.min(base + 1 + Buffer.byteLength(appended, 'utf8'), COMMAND_LINE_SIZE - 1);
}

/** §1 early boot 4 in a capture boot: the reserved area starts where the crashed kernel's did
 *  (rebuilt from the firmware's dump structure) and has the size this build's
 *  get_fadump_area_size() gives (a build from before 2024 adds room for the elfcorehdr, sized by
 *  this boot's memblock regions, §5). It is the permanent area kept at release (§1 "Release"):
 *  with the same build on both sides, the crashed kernel's start and size (§7.6). */
export function areaAtCapture(config: Config, dump: PreservedDump, memory: readonly Range[]): Range {
  const generation = buildOf(config, 'capture').generation;
  const regions = generation === 'at-registration' ? normalize(memory).length : null;
  // The capture build's own struct fadump_crash_info_header: its layout follows its generation,
  // its cpumask its NR_CPUS (a build whose header sizes differ: 8192 against 2048, §3).
  const nrCpus = config.captureKernel.headerSizes === 'different' ? config.nrCpus * 4 : config.nrCpus;
  const geometry = areaGeometry({ ...config, elfcorehdr: generation, nrCpus });
  return {
    start: dump.area.start,
    end: dump.area.start + fadumpAreaSize(geometry, dumpBootMemorySize(dump), regions),
  };
}

/** fw_dump.boot_memory_size of the kernel that registered `r` (bytes): as registered, else the
 *  regions' total. */
export function dumpBootMemorySize(r: Pick<Registration, 'bootRegions' | 'bootMemorySize'>): number {
  return r.bootMemorySize ?? totalSize(r.bootRegions);
}

/** §1.1 item 4, how a pSeries capture kernel reads the dump structure back (rtas_fadump_get_config(),
 *  arch/powerpc/platforms/pseries/rtas-fadump.c), where it differs from the crashed kernel's own
 *  figures:
 *  - With 78d5cc15fb7d (6.10+) boot_memory_size is the sum of the registered sections'
 *    source_len and boot_mem_top = boot_memory_size + hole_size, in unsigned long
 *    (src/memory/boot-regions.ts captureBootMemConfig()), and rtas_fadump_update_config() puts
 *    fadumphdr_addr at boot_mem_dest_addr + boot_memory_size. When fadump_get_boot_mem_regions()
 *    in the crashed kernel counted regions twice the sum is not its boot_memory_size: the capture
 *    kernel reads the header where none was written (inside the boot-memory copy) and finds no
 *    FADUMP_CRASH_INFO_MAGIC ("Fadump header is corrupted.",
 *    test/real/pseries-6.12-64k-boot-mem-two-regions.jsonl) [I: the copy holds no header there].
 *  - Before, boot_mem_top = boot_memory_size = the one real-mode section's source_len, holes not
 *    counted: with a hole below boot memory's end the capture kernel reserves from there
 *    ("Reserving 1024MB of memory at 0x00000040000000", test/real/pseries-6.1-64k-boot-mem-two-regions.jsonl).
 *  The dump as the capture kernel sees it; `dump` itself when nothing differs. */
export function captureSees(config: Config, dump: PreservedDump): PreservedDump {
  if (config.platform !== 'pseries') return dump;
  if (!traitsOf(config.captureKernel.kernel).everySectionComplete) {
    const first = dump.bootRegions[0];
    const size = first ? first.end - first.start : 0;
    return size === dump.bootMemTop ? dump : { ...dump, bootMemTop: size };
  }
  const seen = captureBootMemConfig(dump.bootRegions);
  if (seen.bootMemorySize === dumpBootMemorySize(dump)) return dump;
  return {
    ...dump,
    bootMemorySize: seen.bootMemorySize,
    bootMemTop: seen.bootMemTop,
    header: { ...dump.header, magic: 'garbage' },
  };
}

/** The firmware copied every boot-memory region of a dump in full (no 'preserve-partial'). */
export function dumpComplete(dump: PreservedDump): boolean {
  return dump.regionsDumped >= dump.bootRegions.length;
}

/** The boot-memory regions a dump's firmware did not copy ('preserve-partial'), as the crashed
 *  kernel's addresses; [] for a complete copy. */
export function regionsNotDumped(dump: PreservedDump): Range[] {
  return dump.bootRegions.slice(dump.regionsDumped).map((r) => ({ ...r }));
}

/** Why platform processing rejected a dump: the kernel's message (the dump outcome's) and every
 *  console line it logs, verbatim with pr_fmt's prefix. */
export interface PlatformFailure {
  /** The pr_err text without "rtas fadump: ", e.g. "Dump taken by platform is incomplete (2)". */
  message: string;
  lines: string[];
}

/** "0x%llx". */
function hexll(n: number): string {
  return `0x${n.toString(16)}`;
}

/** §1.4 step 4, pSeries: rtas_fadump_process() (arch/powerpc/platforms/pseries/rtas-fadump.c).
 *  Since 78d5cc15fb7d ("powerpc/pseries/fadump: add support for multiple boot memory regions",
 *  v6.10; src/kernel-versions.ts everySectionComplete) it walks the
 *  sections in their registered order, CPU state (0), HPTE (1), the boot-memory regions (2, 3,
 *  ...): a section with error_flags set logs "Dump taken by platform is not valid (%d)", one
 *  whose bytes_dumped differs from source_len "Dump taken by platform is incomplete (%d)", then
 *  "Region type: %u src addr: 0x%llx dest addr: 0x%llx" (RTAS_FADUMP_CPU_STATE_DATA 1,
 *  RTAS_FADUMP_REAL_MODE_REGION 0x11), and returns -EINVAL. Before it, the messages had no index
 *  and no Region line. A failed preserve sets error_flags on every section, so the CPU state
 *  section (0) is the one named [I]; a partial copy leaves the first region it skipped short. */
export function platformFailure(config: Config, dump: PreservedDump): PlatformFailure | null {
  if (config.platform !== 'pseries') return null;
  const perSection = traitsOf(config.captureKernel.kernel).everySectionComplete;
  const area = dumpAreaAt(areaGeometry(config), dump.area.start, dumpBootMemorySize(dump));
  const failure = (kind: 'not valid' | 'incomplete', i: number, type: number, src: number, dest: number) => {
    const message = `Dump taken by platform is ${kind}${perSection ? ` (${i})` : ''}`;
    const lines = [`rtas fadump: ${message}`];
    if (perSection) lines.push(`rtas fadump: Region type: ${type} src addr: ${hexll(src)} dest addr: ${hexll(dest)}`);
    return { message, lines };
  };
  if (dump.errorFlags) return failure('not valid', 0, 0x1, 0, area.cpuState?.start ?? dump.area.start);
  // §11: QEMU saves the registers of the CPUs present at the crash only (bytes_dumped below the
  // section's source_len when fewer than the possible CPUs are present); a capture kernel with
  // 78d5cc15fb7d wants every section complete, the CPU state data (section 0) included.
  if (perSection && config.firmware === 'qemu' && (dump.cpusAtCrash ?? config.onlineCpus) < config.cpus)
    return failure('incomplete', 0, 0x1, 0, area.cpuState?.start ?? dump.area.start);
  // QEMU's decode errors (do_preserve_region(), hw/ppc/spapr_fadump.c): the first section with
  // error_flags set is the one named (sections 2, 3, ... are the boot-memory regions).
  const bad = dump.sectionErrors?.[0];
  if (bad !== undefined) {
    let at = dump.bootMemDest;
    for (const r of dump.bootRegions.slice(0, bad)) at += r.end - r.start;
    return failure('not valid', 2 + bad, 0x11, dump.bootRegions[bad]?.start ?? 0, at);
  }
  if (dumpComplete(dump)) return null;
  let dest = dump.bootMemDest;
  for (const r of dump.bootRegions.slice(0, dump.regionsDumped)) dest += r.end - r.start;
  const skipped = dump.bootRegions[dump.regionsDumped];
  return failure('incomplete', 2 + dump.regionsDumped, 0x11, skipped?.start ?? 0, dest);
}

/** §1 capture boot 4: platform processing, the message the dump is lost with (platformFailure()). */
export function platformProblem(config: Config, dump: PreservedDump): string | null {
  return platformFailure(config, dump)?.message ?? null;
}

/** §1 capture boot 2-3: the elfcorehdr the capture kernel exports. Built in the capture kernel
 *  from its own memblock list (after 2024), or the one the first kernel built at registration. */
export function captureElfcorehdr(config: Config, dump: PreservedDump, bootMemory: readonly Range[]): PtLoad[] {
  if (buildOf(config, 'capture').generation === 'at-registration' && dump.elfcorehdr !== null) return dump.elfcorehdr;
  return elfcorePtLoads({
    memory: bootMemory,
    bootRegions: dump.bootRegions,
    bootMemTop: dump.bootMemTop,
    bootMemDest: dump.bootMemDest,
    area: dump.area,
  });
}

/** The boot-memory sections a build of release `version` registers, in bytes: pSeries before
 *  78d5cc15fb7d ("powerpc/pseries/fadump: add support for multiple boot memory regions", 6.10)
 *  has rtas_fadump_init_mem_struct() register one real-mode section, source 0, length
 *  boot_memory_size, whatever holes fadump_get_boot_mem_regions() split boot memory around, and
 *  PHYP answers a hole in it with -3 (§4), while QEMU takes it and cannot copy it at the crash
 *  (src/memory/boot-regions.ts qemuUncopiedSections(), "Dump taken by platform is not valid",
 *  test/real/pseries-6.1-64k-boot-mem-two-regions.jsonl); otherwise each region (a double-counted
 *  last one included). `bootMemorySize` is fw_dump.boot_memory_size in bytes (not the regions'
 *  total, which the double count makes differ). */
export function bootRegionsRegistered(
  config: Config,
  version: string,
  r: { bootRegions: readonly Range[]; bootMemorySize: number },
): Range[] {
  if (config.platform === 'pseries' && !traitsOf(version).everySectionComplete)
    return [{ start: 0, end: r.bootMemorySize }];
  return [...r.bootRegions];
}

/** register_fadump(): what the running kernel hands the firmware, with the header of its build
 *  (§3) and the elfcorehdr built now (a build from before 2024) or none (after, §5). */
export function registration(
  config: Config,
  build: KernelBuild,
  r: Reservation,
  memory: readonly Range[],
  paramArea: string | null,
): Registration {
  const b = buildOf(config, build);
  return {
    bootRegions: bootRegionsRegistered(config, b.version, r),
    bootMemorySize: r.bootMemorySize,
    bootMemTop: r.bootMemTop,
    bootMemDest: r.bootMemDest,
    area: r.area,
    header: headerFor(b),
    elfcorehdr:
      b.generation === 'at-registration'
        ? elfcorePtLoads({
            memory,
            bootRegions: r.bootRegions,
            bootMemTop: r.bootMemTop,
            bootMemDest: r.bootMemDest,
            area: r.area,
          })
        : null,
    paramArea,
  };
}

export interface RegisterOutcome {
  registered: boolean;
  errno: Errno | null;
  /** OPAL_HARDWARE: fadump is turned off (supported=0, enabled=0). */
  disable: boolean;
}

/** §1 register: pSeries RTAS codes and OPAL codes mapped to the kernel's result. */
export function registerOutcome(config: Config, rc: FirmwareRc): RegisterOutcome {
  if (config.platform === 'pseries') {
    if (rc === 0) return { registered: true, errno: null, disable: false };
    if (rc === -2 || (typeof rc === 'number' && rc >= 9900 && rc <= 9905))
      return { registered: true, errno: null, disable: false }; // busy: retried
    if (rc === -9) return { registered: true, errno: 'EEXIST', disable: false };
    if (rc === -3) return { registered: false, errno: 'EINVAL', disable: false };
    return { registered: false, errno: 'EIO', disable: false };
  }
  if (rc === 0 || rc === 'OPAL_RESOURCE') return { registered: true, errno: null, disable: false }; // RESOURCE: warn, proceed
  if (rc === 'OPAL_HARDWARE') return { registered: false, errno: 'EIO', disable: true };
  return { registered: false, errno: 'EIO', disable: false };
}

/** §1 unregister: failure is -EIO with registration unchanged. */
export function unregisterOk(rc: FirmwareRc): boolean {
  // RTAS busy codes (-2, 9900-9905) are retried until the call goes through (§1 Register).
  return rc === 0 || rc === -2 || (typeof rc === 'number' && rc >= 9900 && rc <= 9905);
}

/** What a DLPAR request meets in a running production kernel (§4). */
export interface DlparKernelView {
  /** The running build: its release decides what lmb_is_removable() asks (src/kernel-versions.ts
   *  dlparCheck). */
  build: KernelBuild;
  /** fw_dump.dump_registered. */
  registered: boolean;
  reservation: Reservation | null;
  /** memblock.memory: the LMBs assigned to the kernel (DRCONF_MEM_ASSIGNED). */
  memory: readonly Range[];
  /** Other memory memblock_reserve()d at boot: crashkernel=, hypervisor-assisted dump's scratch
   *  area (bytes). */
  otherReserved: readonly Range[];
  /** The LMB holding this kernel's top-down boot allocations (bootAllocationsLmb()). */
  bootAllocations: Range | null;
}

/** pSeries is_fadump_memory_area(addr, size) (arch/powerpc/kernel/fadump.c), called by
 *  lmb_is_removable() (arch/powerpc/platforms/pseries/hotplug-memory.c): with fadump registered,
 *  an LMB touching the reserved area (addr + size > d_start && addr <= d_end) or starting at or
 *  below boot_mem_top (addr <= boot_mem_top). Both comparisons are the kernel's, `<=` included. */
export function isFadumpMemoryArea(config: Config, registered: boolean, r: Reservation | null, lmb: Range): boolean {
  if (config.platform !== 'pseries' || !registered || r === null) return false;
  if (lmb.end > r.area.start && lmb.start <= r.area.end) return true;
  return lmb.start <= r.bootMemTop;
}

/** device_offline() of an LMB's memory block fails with -EBUSY (mm/memory_hotplug.c
 *  offline_pages(): start_isolate_page_range() "failure to isolate range"): mm/page_isolation.c
 *  has_unmovable_pages() finds a PageReserved page (memblock-reserved at boot: fadump's area
 *  with fadump=nocma, its header part beyond CMA, crashkernel=, the kernel image in LMB 0
 *  [I: the model has no other unmovable pages]) or a MIGRATE_CMA pageblock (fadump's CMA area,
 *  fadump=on: only alloc_contig_range may isolate CMA pageblocks). Registered or not. */
export function lmbOfflineFails(k: DlparKernelView, lmb: Range): boolean {
  const hit = (r: Range | null) => r !== null && lmb.start < r.end && r.start < lmb.end;
  if (lmb.start === 0) return true;
  return hit(k.reservation?.area ?? null) || hit(k.reservation?.cma ?? null) || k.otherReserved.some(hit);
}

/** Under QEMU, where pc-dimms begin (bytes): device_mem_base = ROUND_UP(ram_size, 1 GiB)
 *  (hw/ppc/spapr.c spapr_machine_init()). A configuration's hole is that gap between boot RAM and
 *  the DIMMs present at boot (QEMU has no other [I]), so the DIMMs start where the highest hole
 *  ends; without holes all of memoryMiB is boot RAM and DIMMs are only hot-added above it. */
export function qemuDeviceMemoryBase(config: Config): number {
  const ends = config.memoryHolesMiB.map((h) => (h.startMiB + h.sizeMiB) * 1024 * 1024);
  return ends.length ? Math.max(...ends) : config.memoryBytes;
}

/** Where the LMBs that ibm,dynamic-memory flags DRCONF_MEM_HOTREMOVABLE begin (bytes), for
 *  earlyMemblockRegions() (src/memory/layout.ts): under QEMU every pc-dimm, present at boot or
 *  hot-added before it, is listed SPAPR_LMB_FLAGS_ASSIGNED | SPAPR_LMB_FLAGS_HOTREMOVABLE (hw/ppc/spapr.c
 *  spapr_dt_dynamic_memory_v2(), "Entry for DIMM") from qemuDeviceMemoryBase() up, and the boot RAM
 *  comes from the memory@ nodes; seen on real 6.1 and 6.12 as two "Reserving" lines after a hot-add
 *  (test/real/*-hot-add-*.jsonl). PowerVM: null [I: the model assumes it sets no such flag]. */
export function hotremovableFrom(config: Config): number | null {
  return config.platform === 'pseries' && config.firmware === 'qemu' ? qemuDeviceMemoryBase(config) : null;
}

/** The LMB (bytes) holding memblock's boot-time allocations of a kernel with `memory` at its boot,
 *  `reserved` memblock_reserve()d before them (fadump's area, crashkernel=, a capture kernel's
 *  crash area from boot_mem_top up) and LMBs of `lmbBytes`: memblock allocates top-down by default
 *  (mm/memblock.c memblock_find_in_range_node(): __memblock_find_range_top_down() unless
 *  memblock_bottom_up()), so the allocations early boot makes without a limit (the sparse memmap,
 *  the unflattened device tree, percpu areas [I: which ones]) take the top of the highest free
 *  range; the paca and the emergency stacks stay under the RMA limit (ppc64_bolted_size()), in
 *  boot memory. Their pages are PageReserved, so offline_pages() of that LMB fails:
 *  has_unmovable_pages() (mm/page_isolation.c) "page dumped because: unmovable page", seen on real
 *  6.1 and 6.12 for the LMB at 0x80000000 of a 2.25 GiB guest, a pfn 11 MiB below the top
 *  (test/real/pseries-*-dimm-remove-second-crash.jsonl). They fit in one LMB [I: under 16 MiB seen
 *  with 256 MiB LMBs]. A capture kernel has everything above boot_mem_top reserved by
 *  fadump_reserve_crash_area() (early_init_devtree()) before them, so its allocations sit below
 *  boot_mem_top. null: no free memory. */
export function bootAllocationsLmb(
  memory: readonly Range[],
  reserved: readonly Range[],
  lmbBytes: number,
): Range | null {
  const top = withRemoved(memory, reserved).reduce((m, r) => Math.max(m, r.end), 0);
  if (top === 0) return null;
  const start = Math.floor((top - 1) / lmbBytes) * lmbBytes;
  return { start, end: start + lmbBytes };
}

/** The errno of a DLPAR request in a running production kernel, or null when it goes through
 *  (arch/powerpc/platforms/pseries/hotplug-memory.c, §4):
 *  - remove by count (dlpar_memory_remove_by_count): when any chosen LMB is not removable or
 *    does not offline, "Memory hot-remove failed, adding LMB's back" and -EINVAL (with fadump
 *    registered, lmbs_available already falls short: -EINVAL before any is tried);
 *  - remove by index (dlpar_memory_remove_by_index → dlpar_remove_lmb()): an LMB not in
 *    ibm,dynamic-memory ("Failed to look up LMB"), not assigned, or fadump's
 *    (lmb_is_removable() false) → -EINVAL; one that does not offline → device_offline()'s -EBUSY;
 *  - add by index (dlpar_memory_add_by_index → dlpar_add_lmb()): not in ibm,dynamic-memory (at
 *    or beyond the profile's maximum) or already assigned → -EINVAL;
 *  - add by count: the HMC chose absent LMBs; it goes through.
 *  Kernels before 5.2 ask less of fadump (lmbRemovableBefore52(), §10). */
export function dlparErrno(
  config: Config,
  k: DlparKernelView,
  req: { action: 'add' | 'remove'; by: 'count' | 'index'; ranges: readonly Range[] },
): Errno | null {
  return dlparRefusal(config, k, req)?.errno ?? null;
}

/** Why the kernel refuses a DLPAR request (dlparErrno()), or null when it goes through: its errno,
 *  and whether an LMB failed to offline (`offline`: offline_pages() met an unmovable page, which
 *  has_unmovable_pages() reports with dump_page(), "page dumped because: unmovable page",
 *  mm/page_isolation.c) rather than lmb_is_removable() or the DRC lookup saying no. */
export function dlparRefusal(
  config: Config,
  k: DlparKernelView,
  req: { action: 'add' | 'remove'; by: 'count' | 'index'; ranges: readonly Range[] },
): { errno: Errno; offline: boolean } | null {
  const no = (errno: Errno, offline = false) => ({ errno, offline });
  // QEMU marks the LMBs of its boot RAM DRCONF_MEM_RESERVED with no valid DRC (hw/ppc/spapr.c
  // spapr_dt_dynamic_memory(): "LMB information for RMA, boot time RAM and gap b/n RAM and device
  // memory region -- all these are marked as reserved and as having no valid DRC"):
  // lmb_is_removable() says no, and their drc index is not found. Only pc-dimms come and go,
  // those present at boot too (above the gap, qemuDeviceMemoryBase()).
  const inProfile = (l: Range) =>
    l.end <= config.maxMemoryBytes && !(config.firmware === 'qemu' && l.start < qemuDeviceMemoryBase(config));
  const assigned = (l: Range) => normalize(k.memory).some((m) => m.start <= l.start && l.end <= m.end);
  if (req.action === 'add')
    return req.by === 'index' && req.ranges.some((l) => !inProfile(l) || assigned(l)) ? no('EINVAL') : null;
  const check = traitsOf(buildOf(config, k.build).version).dlparCheck;
  const pinned = (l: Range) => bootPinned(config, k, req.by, l);
  for (const l of req.ranges) {
    if (check !== 'fadump-memory') {
      if (!inProfile(l) || !assigned(l) || !lmbRemovableBefore52(check, k, l) || pinned(l)) return no('EINVAL');
      continue;
    }
    const removable = inProfile(l) && assigned(l) && !isFadumpMemoryArea(config, k.registered, k.reservation, l);
    if (!removable) return no('EINVAL');
    if (lmbOfflineFails(k, l) || pinned(l)) return no(req.by === 'count' ? 'EINVAL' : 'EBUSY', true);
  }
  return null;
}

/** Whether the LMB `l` holds this kernel's boot allocations (bootAllocationsLmb()), so that it
 *  does not offline, for a request that names its LMBs: by index, or, under QEMU, a device_del of a
 *  pc-dimm (spapr_memory_unplug_request() in hw/ppc/spapr.c asks for the DIMM's LMBs by indexed
 *  count, and dlpar_memory_remove_by_ic() gives up on one that fails: "Memory indexed-count-remove
 *  failed, adding any removed LMBs"). PowerVM's remove by count lets the kernel choose
 *  (dlpar_memory_remove_by_count() walks every LMB from the lowest and skips one that fails), where
 *  the model's HMC picks the highest LMBs [I]: not applied there. */
function bootPinned(config: Config, k: DlparKernelView, by: 'count' | 'index', l: Range): boolean {
  const b = k.bootAllocations;
  if (b === null || (by === 'count' && config.firmware !== 'qemu')) return false;
  return l.start < b.end && b.start < l.end;
}

/** lmb_is_removable() (arch/powerpc/platforms/pseries/hotplug-memory.c) of kernels before 5.2
 *  (src/kernel-versions.ts dlparCheck, §10.3, §10.5), for an LMB (bytes) in a running kernel:
 *  - 'boot-memory' (4.13 to 5.1): "Don't hot-remove memory that falls in fadump boot memory area"
 *    (is_fadump_boot_memory_area(), only while registered);
 *  - 'reserved-pages' (before 4.13): nothing of fadump;
 *  then, for both, is_mem_section_removable(): a block with memblock-reserved pages is not
 *  removable ("a memory block starting with a PageReserved() page will never be considered
 *  removable", 5c755e9fd813 [I for pages past the first]): the kernel image in LMB 0, the
 *  reserved area but the part fadump_cma_init() handed to CMA (free pageblocks count as
 *  removable: the CMA part goes, registered or not, until 5.2), crashkernel=. A refusal is
 *  dlpar_remove_lmb()'s -EINVAL. */
export function lmbRemovableBefore52(check: DlparCheck, k: DlparKernelView, lmb: Range): boolean {
  const r = k.reservation;
  const hit = (x: Range) => lmb.start < x.end && x.start < lmb.end;
  if (lmb.start === 0 || k.otherReserved.some(hit)) return false;
  if (r === null) return true;
  if (check === 'boot-memory' && k.registered && lmb.start <= r.bootMemTop) return false;
  const reservedPages = r.cma === null ? [r.area] : withRemoved([r.area], [r.cma]);
  return !reservedPages.some(hit);
}

/** Whether the running build's fadump_cleanup() on the kexec path (machine_shutdown() from
 *  kernel_kexec(), kernel/kexec_core.c) unregisters a registered dump: src/kernel-versions.ts
 *  kexecUnregisters, "powerpc/fadump: Unregister fadump on kexec down path" (docs/kernel-behaviour.md
 *  §13.1). */
export function kexecUnregisters(config: Config, build: KernelBuild): boolean {
  return traitsOf(buildOf(config, build).version).kexecUnregisters;
}
