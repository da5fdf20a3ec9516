// What changed in fadump from one upstream kernel release to the next: ONE table, each row naming
// the commit (and the release that first shipped it) that changed an observable behaviour. The
// configuration key `kernel` picks a release; every version-dependent behaviour of the model is
// read off traitsOf(version). Explicit feature keys (elfcorehdr, registerAtBoot, registeredWrite)
// override the table (src/config.ts).
//
// Sources: the commits named below (git.kernel.org/powerpc/c/<id>); the powerpc pull requests for
// 4.13 ... 6.10 (linuxppc-dev archive) for the release each shipped in; the Debian sources of
// 6.1.176 and 6.12.107 (arch/powerpc/kernel/fadump.c, arch/powerpc/platforms/pseries/rtas-fadump.c) for the
// two kernels the lab runs.
import type { Generation } from './events';

/** A kernel release as "major.minor" ("6.12"). A stable series is taken at its latest sublevel,
 *  the way Debian ships it (6.12 = 6.12.107 in the lab), so a row backported to a stable series
 *  applies to the whole series. */
export type KernelVersion = string;

/** Where the pSeries param area (bootargs_append) is set up in a first-kernel boot. */
export type ParamAreaRule =
  /** No param area and no bootargs_append: the kernel predates 683eab94da75. */
  | 'none'
  /** Only when fadump is enabled and its reservation succeeded (setup_fadump() in 6.10; the
   *  early fadump_setup_param_area() from 0843ba458439 on returns when !fadump_enabled). */
  | 'when-enabled'
  /** Whenever fadump is supported and no dump is active, even with fadump=off or a failed
   *  reservation: fadump_setup_param_area() from early_init_devtree() without an enabled check
   *  (f4892c68ecc1 until 0843ba458439). */
  | 'when-supported';

/** What `echo 1 > registered` does while registered (fadump_register_store() /
 *  registered_store(), arch/powerpc/kernel/fadump.c). */
export type RegisteredWrite =
  /** Unregister, then register (0823c68b054b, 4.20). */
  | 'reregister'
  /** -EEXIST; `echo 0` while not registered succeeds (98b8cd7f7564, 4.13). */
  | 'eexist'
  /** -EINVAL, and -EINVAL for `echo 0` while not registered too; register_fadump()'s result is
   *  dropped, so a registration the firmware refuses still returns success (3.4 to 4.12). */
  | 'einval';

/** Where fadump_reserve_mem() puts the reserved area in a first-kernel boot. */
export type ReservePlacement =
  /** At memblock_end_of_DRAM() - size: "Reserve the memory at the top of memory." (3.4 to 4.11). */
  | 'top-of-ram'
  /** The first free chunk above boot memory (f6e6bedb7731, 4.12). */
  | 'above-boot-memory';

/** What pSeries DLPAR memory removal (lmb_is_removable(), arch/powerpc/platforms/pseries/
 *  hotplug-memory.c) asks of fadump. */
export type DlparCheck =
  /** Nothing: boot memory can be removed while registered; only the area's reserved pages refuse
   *  to go (is_mem_section_removable() in lmb_is_removable() [I]), registered or not (before
   *  "powerpc/fadump: avoid holes in boot memory area when fadump is registered", 2017). */
  | 'reserved-pages'
  /** Boot memory while registered (is_fadump_boot_memory_area(), 4.13), and the area's pages that
   *  stay reserved, registered or not; from CMA (a4e92ce8e4c8, 4.20) the part of the area handed to
   *  CMA is free or movable pages, which is_mem_section_removable() counts as removable, so it can
   *  be hot-removed while registered (until "powerpc/fadump: Do not allow hot-remove memory from
   *  fadump reserved area", docs/kernel-behaviour.md §10.5). */
  | 'boot-memory'
  /** Boot memory and the reserved area while registered (docs/kernel-behaviour.md §4). */
  | 'fadump-memory';

/** The behaviours of one kernel release that the model distinguishes. */
export interface KernelTraits {
  /** Where the elfcorehdr is built: at registration in the first kernel (and the FADMPINF crash
   *  info header), or in the capture kernel from its own memory map (FADMPSIG header). */
  readonly elfcorehdr: Generation;
  /** /sys/kernel/fadump/hotplug_ready exists (and reads 1). */
  readonly hotplugReady: boolean;
  /** The pSeries param area behind /sys/kernel/fadump/bootargs_append. */
  readonly paramArea: ParamAreaRule;
  /** setup_fadump() registers with the firmware at boot (before, kdumpctl start did). */
  readonly registerAtBoot: boolean;
  /** `echo 1 > registered` while registered: -EINVAL, -EEXIST, or unregister and register
   *  again (and what goes with each, RegisteredWrite). */
  readonly registeredWrite: RegisteredWrite;
  /** Where a first-kernel boot reserves the area. */
  readonly reserveAt: ReservePlacement;
  /** What DLPAR memory removal checks. */
  readonly dlparCheck: DlparCheck;
  /** fadump=nocma is understood and the boot-memory copy destination is handed to CMA. Before,
   *  early_fadump_param() knew only "on" and "off": "nocma" left fadump disabled. */
  readonly cma: boolean;
  /** How fadump_cma_init() fits the CMA area to [reserve_dump_area_start, + boot_memory_size):
   *  'exact' (a4e92ce8e4c8 on): fadump_reserve_mem() rounds boot_memory_size up to
   *  CMA_MIN_ALIGNMENT_BYTES (unless nocma) and cma_init_reserved_mem() takes the range as it is,
   *  refusing an unaligned base with -EINVAL; 'aligned-inside' (6faeac507beb on): boot_memory_size
   *  is only page-aligned and fadump_cma_init() gives CMA the aligned part inside the range. */
  readonly cmaFit: 'exact' | 'aligned-inside';
  /** fadump on PowerNV (OPAL MPIPL) exists. */
  readonly opal: boolean;
  /** kdump's CONFIG_CRASH_HOTPLUG on powerpc: the kernel updates a loaded crash image on memory
   *  hotplug and /sys/devices/system/memory/crash_hotplug reads 1. */
  readonly crashHotplug: boolean;
  /** rtas_fadump_process() needs every section complete (bytes_dumped == source_len), the CPU
   *  state data's included; before, the boot memory complete and the CPU state data non-empty. */
  readonly everySectionComplete: boolean;
  /** parse_crashkernel() refuses a size at or above the RAM (-EINVAL, silently): fadump then
   *  sizes boot memory as without crashkernel=, and kdump reserves nothing
   *  (src/memory/crashkernel.ts crashkernelAccepted()). Before, fadump caps it and kdump's
   *  reservation fails. */
  readonly crashkernelRejectsRamSize: boolean;
  /** kdump's reservation goes through reserve_crashkernel_generic() (kernel/crash_reserve.c):
   *  "crashkernel reserved: 0x%016llx - 0x%016llx (%lld MB)" or "crashkernel reservation failed -
   *  memory is in use.", the size not page-aligned; before, powerpc's own reserve_crashkernel()
   *  logged "Reserving %ldMB of memory at %ldMB for crashkernel (System RAM: %ldMB)" and "Failed to
   *  reserve memory for crashkernel!" (src/memory/crashkernel.ts). */
  readonly crashkernelGeneric: boolean;
  /** fadump_cleanup() (arch/powerpc/kernel/fadump.c), which machine_shutdown() runs on the kexec
   *  path (kernel_kexec(), kernel/kexec_core.c), unregisters a registered dump. Before, it only
   *  invalidated an active dump, so a `kexec -e`'d kernel met the old registration: RTAS -9,
   *  "already registered" (docs/kernel-behaviour.md §13.1). */
  readonly kexecUnregisters: boolean;
}

/** One upstream change to fadump's observable behaviour. */
export interface KernelChange {
  /** The first mainline release that has it ("major.minor"). */
  readonly since: KernelVersion;
  /** Older stable series it was backported to (taken at their latest sublevel). */
  readonly stable?: readonly KernelVersion[];
  /** The upstream commit (12 hex digits), or null where only the release is known. */
  readonly commit: string | null;
  /** The commit's subject line. */
  readonly title: string;
  /** What it changed. */
  readonly sets: Partial<KernelTraits>;
}

/** The oldest release the table describes. 4.11 is the last with the area at the top of RAM
 *  (before f6e6bedb7731) and already sizes boot memory by crashkernel= (11550dc0a00b
 *  "powerpc/fadump: reuse crashkernel parameter for fadump memory reservation" [I: release not
 *  checked]); older kernels read fadump_reserve_mem= instead, which the model does not state. */
export const OLDEST_KERNEL: KernelVersion = '4.11';

/** The behaviours of OLDEST_KERNEL before any row applies (fadump.c of 4.11:
 *  fadump_register_store(), fadump_reserve_mem(); pseries/hotplug-memory.c lmb_is_removable()). */
const BEFORE: KernelTraits = {
  elfcorehdr: 'at-registration',
  hotplugReady: false,
  paramArea: 'none',
  registerAtBoot: false,
  registeredWrite: 'einval',
  reserveAt: 'top-of-ram',
  dlparCheck: 'reserved-pages',
  cma: false,
  cmaFit: 'exact',
  opal: false,
  crashHotplug: false,
  everySectionComplete: false,
  crashkernelRejectsRamSize: false,
  crashkernelGeneric: false,
  kexecUnregisters: false,
};

/** The table, oldest first. A later row overrides an earlier one for the traits it sets. */
export const KERNEL_CHANGES: readonly KernelChange[] = [
  {
    since: '4.12',
    commit: 'f6e6bedb7731',
    title: 'powerpc/fadump: Reserve memory at an offset closer to bottom of RAM',
    // fadump_reserve_mem(): "Currently, the area to preserve boot memory is reserved at the top
    // of RAM. This leaves fadump vulnerable to memory hot-remove operations." Queued for
    // next-20170411, so in the 4.12 merge window.
    sets: { reserveAt: 'above-boot-memory' },
  },
  {
    since: '4.13',
    commit: '98b8cd7f7564',
    title: 'powerpc/fadump: return error when fadump registration fails',
    // fadump_register_store(): `echo 1` while registered returns -EEXIST (was -EINVAL), `echo 0`
    // while not registered succeeds (was -EINVAL), and register_fw_dump()'s error reaches the
    // writer (was dropped).
    sets: { registeredWrite: 'eexist' },
  },
  {
    since: '4.13',
    commit: null,
    title: 'powerpc/fadump: avoid holes in boot memory area when fadump is registered (Hari Bathini, 2017)',
    // lmb_is_removable(): "Don't hot-remove memory that falls in fadump boot memory area"
    // (is_fadump_boot_memory_area()); the release is the one of 98b8cd7f7564, posted with it [I].
    // The area itself is all reserved pages until CMA (4.20), so it refuses too.
    sets: { dlparCheck: 'boot-memory' },
  },
  {
    since: '4.17',
    commit: null,
    title: 'powerpc/fadump: Unregister fadump on kexec down path (Mahesh Salgaonkar, 2018)',
    // fadump_cleanup(): `else if (fw_dump.dump_registered) { /* Un-register Firmware-assisted
    // dump if it was registered. */ fadump_unregister_dump(&fdm); ... }`: "otherwise the fadump
    // registration in new kexec-ed kernel complains that fadump is already registered". Taken to
    // the stable series (SUSE's bnc#1012382 stable updates and RHEL 7's [1622084] carry it); the
    // commit id and first release are not verified [I: 4.17, the 2018 spring merge window].
    sets: { kexecUnregisters: true },
  },
  {
    since: '4.20',
    commit: 'a4e92ce8e4c8',
    title: 'powerpc/fadump: Reservationless firmware assisted dump',
    // early_fadump_param() learns "nocma"; fadump_cma_init() hands the copy destination to CMA
    // ("Initialize only the area equivalent to boot memory size for CMA use. The reamining
    // portion of fadump reserved memory will be not given to CMA and pages for thoes will stay
    // reserved."). lmb_is_removable() still asks only is_fadump_boot_memory_area(), so the CMA
    // part of the area, free pages to is_mem_section_removable(), can be hot-removed.
    sets: { cma: true },
  },
  {
    since: '4.20',
    commit: '0823c68b054b',
    title: 'powerpc/fadump: re-register firmware-assisted dump if already registered',
    // registered_store(): `echo 1` while registered unregisters, then registers.
    sets: { registeredWrite: 'reregister' },
  },
  {
    since: '5.2',
    commit: null,
    title: 'powerpc/fadump: Do not allow hot-remove memory from fadump reserved area (Mahesh Salgaonkar, 2019)',
    // lmb_is_removable(): "Don't hot-remove memory that falls in fadump boot memory area and
    // memory that is reserved for capturing old kernel memory." is_fadump_boot_memory_area()
    // renamed is_fadump_memory_area(), which adds the reserved area. The 5.2 tree (linux-yocto-5.2)
    // has it; the commit id (0db6896ff633?) and the first release are not verified [I].
    sets: { dlparCheck: 'fadump-memory' },
  },
  {
    since: '5.4',
    commit: null,
    title: 'powerpc/fadump: add fadump support on powernv (Hari Bathini, powerpc-5.4-1)',
    sets: { opal: true },
  },
  {
    since: '5.18',
    commit: '607451ce0aa9',
    title: 'powerpc/fadump: register for fadump as early as possible',
    // setup_fadump(): fadump_init_mem_struct() then register_fadump().
    sets: { registerAtBoot: true },
  },
  {
    since: '6.10',
    commit: 'c6c5b14dac0d',
    title: 'powerpc: make fadump resilient with memory add/remove events',
    // fadump_setup_elfcorehdr_buf()/fadump_populate_elfcorehdr() in the capture kernel; FADMPSIG.
    sets: { elfcorehdr: 'in-capture-kernel' },
  },
  {
    since: '6.10',
    commit: '849599b702ef',
    title: 'powerpc/crash: add crash memory hotplug support',
    // ARCH_SUPPORTS_CRASH_HOTPLUG on powerpc; CRASH_HOTPLUG defaults to y.
    sets: { crashHotplug: true },
  },
  {
    since: '6.10',
    commit: 'bc446c5acaba',
    title: 'powerpc/fadump: add hotplug_ready sysfs interface',
    sets: { hotplugReady: true },
  },
  {
    since: '6.10',
    commit: '78d5cc15fb7d',
    title: 'powerpc/pseries/fadump: add support for multiple boot memory regions',
    // rtas_fadump_process() loops over the sections: "Dump taken by platform is incomplete (%d)"
    // when any CPU, HPTE or boot-memory section has bytes_dumped != source_len (docs/kernel-behaviour.md §11).
    sets: { everySectionComplete: true },
  },
  {
    since: '6.10',
    commit: '683eab94da75',
    title: 'powerpc/fadump: setup additional parameters for dump capture kernel',
    // With 3416c9daa6b1 "pass additional parameters when fadump is active" (bootargs_append and
    // fadump_append_bootargs()), same release. fadump_setup_param_area() from setup_fadump(),
    // only with an area reserved.
    sets: { paramArea: 'when-enabled' },
  },
  {
    since: '6.12',
    // Jinjie Ruan, July 2024, taken through the mm tree (mm-nonmm) for 6.12 [I: the release is
    // read off the tree's history, not a tag]: `if (*crash_size >= system_ram) ret = -EINVAL;`
    // at the end of parse_crashkernel() (kernel/crash_reserve.c).
    commit: null,
    title: 'crash: fix crash memory reserve exceed system memory bug',
    sets: { crashkernelRejectsRamSize: true },
  },
  {
    since: '6.13',
    commit: '6faeac507beb',
    title: 'powerpc/fadump: Reserve page-aligned boot_memory_size during fadump_reserve_mem',
    // fadump_cma_init(): ALIGN(base), ALIGN_DOWN(end), "Too less memory to give to CMA", and the
    // "Initialized [0x%llx, %luMB] cma area from [0x%lx, %luMB] ..." line. Not taken to the stable
    // series with its neighbours adfaec30ffac and 05b94cae1c47: Debian 6.12.107 prints the older
    // "Initialized 0x%lx bytes cma area at %ldMB ..." (test/real/).
    sets: { cmaFit: 'aligned-inside' },
  },
  {
    since: '6.13',
    stable: ['6.11', '6.12'],
    commit: 'f4892c68ecc1',
    title: 'powerpc/fadump: allocate memory for additional parameters early',
    // fadump_setup_param_area() from early_init_devtree(), checking only param_area_supported
    // and dump_active (Debian 6.12.107 has it).
    sets: { paramArea: 'when-supported' },
  },
  {
    since: '6.15',
    // Sourabh Jain, 2025, through the mm tree [I: the release read off the tree's history]:
    // arch_reserve_crashkernel() (arch/powerpc/kexec/core.c) places the base as before
    // (get_crash_base()) and hands it to reserve_crashkernel_generic() as a fixed base.
    commit: 'e3185ee438c2',
    title: 'powerpc/crash: use generic crashkernel reservation',
    sets: { crashkernelGeneric: true },
  },
  {
    since: '6.18',
    stable: ['6.17'],
    commit: '0843ba458439',
    title: 'powerpc/fadump: skip parameter area allocation when fadump is disabled',
    // fadump_setup_param_area(): `if (!fw_dump.fadump_enabled) return;` (not in 6.12.107).
    sets: { paramArea: 'when-enabled' },
  },
];

/** The default `kernel`: the newest release whose behaviour the table records (its last row). */
export const CURRENT_KERNEL: KernelVersion = '6.18';

/** The release a configuration that only says "the elfcorehdr is built at registration" stands
 *  for: the last one before c6c5b14dac0d (6.10), so that it has no bootargs_append either. */
export const LAST_AT_REGISTRATION_KERNEL: KernelVersion = '6.9';

/** [major, minor] of "major.minor"; null when the text is not one. */
export function parseKernelVersion(text: string): readonly [number, number] | null {
  const m = /^(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (m === null || m[1] === undefined || m[2] === undefined) return null;
  return [Number(m[1]), Number(m[2])];
}

/** Orders two "major.minor" versions: negative when a is older, 0 when equal, positive when newer.
 *  Throws on text that is not a version (validate with parseKernelVersion first). */
export function compareKernelVersions(a: KernelVersion, b: KernelVersion): number {
  const x = parseKernelVersion(a);
  const y = parseKernelVersion(b);
  if (x === null || y === null)
    throw new Error(`not a kernel version: "${x === null ? a : b}" (expected major.minor, such as "6.12")`);
  return x[0] !== y[0] ? x[0] - y[0] : x[1] - y[1];
}

/** Whether a change is in a release: mainline from `since` on, or a stable series it reached. */
export function changeApplies(change: KernelChange, version: KernelVersion): boolean {
  return compareKernelVersions(version, change.since) >= 0 || (change.stable ?? []).includes(version);
}

const cache = new Map<KernelVersion, KernelTraits>();

/** The behaviours of a release: every row that applies, oldest first, over BEFORE. Throws on a
 *  version the table does not describe (older than OLDEST_KERNEL or not "major.minor"); the
 *  configuration schema refuses those first with a message. */
export function traitsOf(version: KernelVersion): KernelTraits {
  const hit = cache.get(version);
  if (hit !== undefined) return hit;
  if (compareKernelVersions(version, OLDEST_KERNEL) < 0)
    throw new Error(`kernel ${version} is older than ${OLDEST_KERNEL}, the oldest the table describes`);
  let t: KernelTraits = BEFORE;
  for (const change of KERNEL_CHANGES) if (changeApplies(change, version)) t = { ...t, ...change.sets };
  cache.set(version, t);
  return t;
}
