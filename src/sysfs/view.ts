// What a user sees in any state: the files under /sys/kernel/fadump, debugfs fadump_region, OPAL's
// mpipl files and /proc/vmcore's program headers (docs/kernel-behaviour.md §2); kexec's files and a kdump capture
// kernel's /proc/vmcore (§6); hypervisor-assisted dump's release_region (phyp-assisted-dump.txt). An
// observer: it reads the kernels' snapshots and changes nothing.
import { bootConfig, kernelCmdline, type Config } from '../config';
import { captureCmdline, kdumpctlCmdline } from '../memory/cmdline';
import { ACTORS, stateString, type ActorId, type DumpOutcome, type SystemState } from '../../machines/system';
import { areaGeometry, paramAreaRange, qemuCpuStateBytes, type AreaGeometry } from '../memory/guest';
import { CPU_ONLINE_FILE, cpuHotplugConfigured, cpuList, cpusOnline } from '../memory/cpus';
import { dumpAreaAt, hex, hex016, vmcoreFileLayout, type PtLoad, type Range } from '../memory/layout';
import { fadumpFiles, type FilesView } from './files';
import { ALIASES, FILES, KEXEC_FILES, RELEASE_REGION } from './store';
import { PHYP_BOOT_MEMORY, scratchOf } from '../memory/phyp';
import { totalSize } from '../memory/layout';
import type { Reservation } from '../events';
import {
  areaAtCapture,
  bootRegionsRegistered,
  buildOf,
  dumpBootMemorySize,
  hotplugReadyIn,
  paramAreaInKdumpCapture,
} from '../../machines/kernel-rules';

export interface Observation {
  states: Record<ActorId, string>;
  /** path → contents; absent files omitted; write-only files read as "". */
  sysfs: Record<string, string>;
  /** /proc/vmcore's PT_LOADs: physical address, size, and p_offset as the file shows it
   *  (vmcoreFileLayout()); and, where the configuration lets CPUs change, its NT_PRSTATUS notes
   *  (one per CPU, docs/kernel-behaviour.md §11). */
  vmcore: { ptLoad: PtLoad[]; prstatusNotes?: number } | null;
  dump: DumpOutcome;
  /** /proc/meminfo's CMA lines (bytes); null when no kernel runs (meminfoOf()). */
  meminfo: Meminfo | null;
  /** /proc/cmdline of the running kernel; null when none runs (procCmdline()). */
  cmdline: string | null;
}

/**
 * /proc/cmdline of the running kernel (docs/kernel-behaviour.md §12): saved_command_line, the
 * line the boot loader passed (the configuration's own until a boot or reboot sets one); in a
 * fadump capture boot (and in the capture build that runs on after release_mem) with the param
 * area's string appended by fadump_append_bootargs() (6.10+, pSeries); in kdump's capture kernel
 * what kdumpctl's prepare_cmdline() built from the loading kernel's /proc/cmdline, after the
 * "elfcorehdr=0x%lx " setup_kdump_cmdline() (arch/powerpc/kexec/file_load.c) puts first (its
 * address is not modelled: "(address)"). A hypervisor-assisted dump's capture boot: the stored
 * line [I]. null when no kernel runs.
 */
export function procCmdline(config: Config, state: SystemState): string | null {
  const stored = state.actors.firmware.context.cmdline ?? kernelCmdline(config);
  switch (running(state)) {
    case 'production':
      return state.actors.productionKernel.context.cmdline ?? kernelCmdline(config);
    case 'capture': {
      const c = state.actors.captureKernel.context;
      return captureCmdline(c.cmdline ?? kernelCmdline(config), c.paramArea);
    }
    case 'kdump-capture':
      return `elfcorehdr=(address) ${kdumpctlCmdline(state.actors.kexec.context.cmdline ?? kernelCmdline(config))}`;
    case 'phyp-capture':
      return stored;
    case null:
      return null;
  }
}

/** /proc/meminfo's CMA lines, in bytes (the file prints kB; the lab's transcripts record bytes):
 *  meminfo_proc_show() (fs/proc/meminfo.c) prints "CmaTotal:" (totalcma_pages) and "CmaFree:"
 *  (NR_FREE_CMA_PAGES) in every kernel built with CONFIG_CMA, as "0 kB" when there is no CMA area. */
export interface Meminfo {
  CmaTotal: number;
  CmaFree: number;
}

/** The running kernel's /proc/meminfo CMA lines: fadump's CMA area is the only one [I: the lab's
 *  kernels (test/real/) have no other CMA user; a kernel with hugetlb_cma=, kvm_cma or a
 *  CONFIG_CMA_SIZE_MBYTES default area adds its own to CmaTotal]. A production kernel whose
 *  fadump_cma_init() (arch/powerpc/kernel/fadump.c) succeeded: CmaTotal is the area, and CmaFree
 *  equals it [I: nothing allocated from CMA yet; the real 6.1 and 6.12 kernels show it so at
 *  every step, test/real/]. fadump=nocma, fadump off, a failed CMA init: 0. The capture kernel: 0,
 *  fadump_cma_init() returns early when dump_active (adfaec30ffac) or is never reached
 *  (fadump_reserve_mem() calls it only without an active dump, a4e92ce8e4c8); after release_mem
 *  still 0: fadump_release_memory() gives the memory to the buddy allocator
 *  (free_reserved_page()), not to CMA. kdump's and hypervisor-assisted dump's kernels: 0 [I]. Null
 *  when no kernel runs. */
export function meminfoOf(state: SystemState): Meminfo | null {
  const which = running(state);
  if (which === null) return null;
  const cma = which === 'production' ? (state.actors.productionKernel.context.reservation?.cma ?? null) : null;
  const total = cma === null ? 0 : cma.end - cma.start;
  return { CmaTotal: total, CmaFree: total };
}

/** Which kernel is up, if any: the production kernel, fadump's capture kernel, kdump's capture
 *  kernel, or hypervisor-assisted dump's capture boot. */
export type Running = 'production' | 'capture' | 'kdump-capture' | 'phyp-capture' | null;

export function running(state: SystemState): Running {
  if (state.actors.captureKernel.matches('dumpAvailable')) return 'capture';
  if (state.actors.kexec.matches('capture')) return 'kdump-capture';
  if (state.actors.phypDump.matches('capture')) return 'phyp-capture';
  if (state.actors.productionKernel.matches('running')) return 'production';
  return null;
}

/** show_release_region() (phyp-assisted-dump.txt): "address-range pairs", CPU, HPTE, the copy of the low 256MB,
 *  then the reserved rest of memory ("CPU:0x177fee000-0x10000: HPTE:0x177ffe020-0x1000: /
 *  DUMP:0x177fff020-0x10000000, 0x10000000-0x16F1D370A"); the exact layout is [I]. Bytes;
 *  `pageSize` is PAGE_SIZE. */
export function releaseRegionText(scratch: Range, reservedAtBoot: number, pageSize: number): string {
  const x = scratchOf(scratch, pageSize);
  const rest = reservedAtBoot - (scratch.end - scratch.start);
  return `CPU:${hex(x.cpu.start)}-${hex(x.cpu.end - x.cpu.start)}: HPTE:${hex(x.hpte.start)}-${hex(x.hpte.end - x.hpte.start)}: DUMP:${hex(x.dest)}-${hex(PHYP_BOOT_MEMORY)}, ${hex(PHYP_BOOT_MEMORY)}-${hex(rest)}`;
}

interface RegionInput {
  /** The firmware's section sizes and PAGE_SIZE (src/memory/guest.ts). */
  geometry: AreaGeometry;
  bootRegions: readonly Range[];
  bootMemDest: number;
  bootMemTop: number;
  areaStart: number;
  bootMemorySize: number;
  active: boolean;
  paramArea: string | null;
  /** Where the param area is (paramAreaRange()). */
  paramAreaAt: { start: number; end: number } | null;
  /** With a dump active, the CPU section's bytes_dumped when the firmware saved less than the
   *  section (QEMU: the CPUs present at the crash, §11); absent: all of it. */
  cpuDumpedBytes?: number;
}

/** fadump_region_show(): rtas_fadump_region_show / opal_fadump_region_show. pSeries always has a
 *  CPU and an HPTE line, the HPTE's 0 bytes under QEMU included ("[X-(X-1)] 0x0 bytes"). */
export function fadumpRegion(r: RegionInput): string {
  const lines: string[] = [];
  const area = dumpAreaAt(r.geometry, r.areaStart, r.bootMemorySize);
  const dumped = (n: number) => hex(r.active ? n : 0);
  for (const [name, range] of [
    ['CPU ', area.cpuState],
    ['HPTE', area.hpte],
  ] as const) {
    if (range === null) continue;
    const size = range.end - range.start;
    const saved = name === 'CPU ' && r.cpuDumpedBytes !== undefined ? r.cpuDumpedBytes : size;
    lines.push(
      `${name}:[${hex016(range.start)}-${hex016(range.end - 1)}] ${hex(size)} bytes, Dumped: ${dumped(saved)}`,
    );
  }
  let dest = r.bootMemDest;
  for (const b of r.bootRegions) {
    const size = b.end - b.start;
    lines.push(
      `DUMP: Src: ${hex016(b.start)}, Dest: ${hex016(dest)}, Size: ${hex(size)}, Dumped: ${dumped(size)} bytes`,
    );
    dest += size;
  }
  // RTAS_FADUMP_PARAM_AREA: "\n[%#016llx-%#016llx]: cmdline append: '%s'\n" (rtas_fadump_region_show()).
  if (r.geometry.platform === 'pseries' && r.paramArea !== null && r.paramAreaAt !== null) {
    lines.push(
      '',
      `[${hex016(r.paramAreaAt.start)}-${hex016(r.paramAreaAt.end - 1)}]: cmdline append: '${r.paramArea}'`,
    );
  }
  if (r.active) lines.push('', `Memory above ${hex016(r.bootMemTop)} is reserved for saving crash dump`);
  return lines.join('\n');
}

function regionOf(
  config: Config,
  r: Reservation,
  active: boolean,
  paramArea: string | null,
  memoryEnd: number,
  cpusAtCrash?: number,
): string {
  return fadumpRegion({
    // §11: QEMU fills the CPU state data for the CPUs present at the crash (0x20 + 0x4f0 each);
    // PowerVM's saved size is taken to be the section's [I].
    ...(config.firmware === 'qemu' && active
      ? { cpuDumpedBytes: qemuCpuStateBytes(cpusAtCrash ?? config.onlineCpus) }
      : {}),
    // Under radix the kernel placed it from the memory it booted with; the model takes the memory
    // it has now (recorded disagreement D7 after a hot-add, src/sim/disagreements.ts).
    paramAreaAt: paramArea === null ? null : paramAreaRange(config.mmu, memoryEnd, [r.area]),
    geometry: areaGeometry(config),
    bootRegions: r.bootRegions,
    bootMemDest: r.bootMemDest,
    bootMemTop: r.bootMemTop,
    areaStart: r.area.start,
    bootMemorySize: r.bootMemorySize,
    active,
    paramArea,
  });
}

/** The end of the highest memory range (bytes). */
function memoryEndOf(memory: readonly Range[]): number {
  return memory.reduce((a, r) => Math.max(a, r.end), 0);
}

/** The production kernel's fadump files (fadumpFiles()'s view). */
function productionFiles(config: Config, state: SystemState): FilesView {
  const k = state.actors.productionKernel.context;
  return {
    supported: k.supported,
    // §2: the running build's (a capture build runs on after release_mem or a failed capture).
    hotplugReady: hotplugReadyIn(config, k.build),
    releaseMemFile: k.releaseMemFile,
    paramArea: k.paramArea,
    opalCore: k.opalCore,
  };
}

/** The kdump capture kernel's fadump files: booted without fadump= (§6). */
function kdumpCaptureFiles(config: Config, state: SystemState): FilesView {
  const k = state.actors.kexec.context;
  // A release that sets the param area up whenever fadump is supported has bootargs_append here
  // too (src/kernel-versions.ts, f4892c68ecc1).
  const paramArea = paramAreaInKdumpCapture(config, k.crashkernel?.end ?? null) ? '' : null;
  return {
    supported: true,
    hotplugReady: hotplugReadyIn(config, 'first'),
    releaseMemFile: false,
    paramArea,
    opalCore: null,
  };
}

/** fadump's capture kernel's files: booted with a dump active. */
function captureFiles(config: Config, state: SystemState): FilesView {
  const k = state.actors.captureKernel.context;
  return {
    supported: true,
    hotplugReady: hotplugReadyIn(config, 'capture'),
    releaseMemFile: true,
    paramArea: k.paramArea,
    opalCore: k.opalCore,
  };
}

/** The files of /sys/kernel/fadump/ in `state` (those of observe()'s sysfs), without reading them:
 *  what release-mem-iff-active asks in every state, at a small part of observe()'s cost. */
export function fadumpFilesIn(base: Config, state: SystemState): Set<string> {
  const config = bootConfig(base, state.actors.firmware.context.cmdline);
  const which = running(state);
  if (which === 'production') return fadumpFiles(productionFiles(config, state));
  if (which === 'kdump-capture') return fadumpFiles(kdumpCaptureFiles(config, state));
  if (which === 'capture') return fadumpFiles(captureFiles(config, state));
  return new Set();
}

/** Whether the running kernel offers to release its dump's memory: fadump's release_mem, or
 *  hypervisor-assisted dump's release_region (phyp-assisted-dump.txt) while its scratch area is
 *  held; what observe()'s sysfs shows, without building it (no-second-reboot asks it after every
 *  save-dump). */
export function offersRelease(base: Config, state: SystemState): boolean {
  if (running(state) === 'phyp-capture') return state.actors.phypDump.context.scratch !== null;
  return fadumpFilesIn(base, state).has(FILES.releaseMem);
}

export function observe(base: Config, state: SystemState): Observation {
  // What the running kernels booted with: the boot loader's stored command line (§12).
  const config = bootConfig(base, state.actors.firmware.context.cmdline);
  const states = {} as Record<ActorId, string>;
  for (const a of ACTORS) states[a] = stateString(state.actors[a].value);
  const sysfs: Record<string, string> = {};
  let vmcore: Observation['vmcore'] = null;
  const which = running(state);

  if (which === 'production') {
    const k = state.actors.productionKernel.context;
    const files = fadumpFiles(productionFiles(config, state));
    const registered = state.actors.productionKernel.matches({ running: 'registered' });
    const values: Record<string, string> = {
      [FILES.enabled]: k.enabled ? '1' : '0',
      [FILES.registered]: registered ? '1' : '0',
      [FILES.memReserved]: String(k.reservation ? k.reservation.area.end - k.reservation.area.start : 0),
      [FILES.hotplugReady]: '1',
      [FILES.releaseMem]: '',
      [FILES.bootargsAppend]: k.paramArea ?? '',
      [FILES.fadumpRegion]:
        k.enabled && k.reservation
          ? regionOf(
              config,
              // The sections this build registers (one for boot memory on pSeries before 6.10).
              {
                ...k.reservation,
                bootRegions: bootRegionsRegistered(config, buildOf(config, k.build).version, k.reservation),
              },
              false,
              k.paramArea,
              memoryEndOf(k.memory),
            )
          : '',
      [FILES.opalCore]: '(ELF core of OPAL memory at the crash)',
      [FILES.releaseCore]: '',
    };
    for (const f of files) sysfs[f] = values[f] ?? '';
    // kexec's files (kernel/ksysfs.c), shown where crashkernel= is given: they exist in every
    // kernel with CONFIG_KEXEC_CORE, and kexec_crash_size reads crash_get_memory_size()
    // (kernel/kexec_core.c: resource_size(&crashk_res), 0 when nothing was reserved, §6
    // "crashkernel="); the view leaves them out without crashkernel= to keep those observations
    // as they were.
    // §11: the online CPUs, where the configuration lets them change.
    if (cpuHotplugConfigured(config)) sysfs[CPU_ONLINE_FILE] = cpuList(cpusOnline(k.cpus));
    if (k.crashkernel !== null || config.crashkernelText !== null) {
      sysfs[KEXEC_FILES.crashLoaded] = state.actors.kexec.matches('loaded') ? '1' : '0';
      sysfs[KEXEC_FILES.crashSize] = String(k.crashkernel === null ? 0 : k.crashkernel.end - k.crashkernel.start);
    }
    // §6: with CONFIG_CRASH_HOTPLUG, crash_hotplug reads 1 (shown where memory is reserved).
    if (k.crashkernel !== null && config.crashHotplug) sysfs[KEXEC_FILES.crashHotplug] = '1';
  } else if (which === 'kdump-capture') {
    // The kdump capture kernel: booted without fadump= (its fadump files read as such), nothing
    // loaded, /proc/vmcore from the elfcorehdr kexec prepared (§6). kdumpctl loads the running
    // kernel's build (uname -r) [U], and only a first kernel's boot has crashkernel= memory to load
    // it into (a capture build that ran on reserved none, §6): the first kernel's build.
    const k = state.actors.kexec.context;
    const files = fadumpFiles(kdumpCaptureFiles(config, state));
    const values: Record<string, string> = {
      [FILES.enabled]: '0',
      [FILES.registered]: '0',
      [FILES.memReserved]: '0',
      [FILES.hotplugReady]: '1',
      [FILES.bootargsAppend]: '',
      [FILES.fadumpRegion]: '',
    };
    for (const f of files) sysfs[f] = values[f] ?? '';
    sysfs[KEXEC_FILES.crashLoaded] = '0';
    // Booted without crashkernel= (kdumpctl's prepare_cmdline() removes it): nothing reserved.
    sysfs[KEXEC_FILES.crashSize] = '0';
    if (k.vmcore !== null) vmcore = { ptLoad: vmcoreFileLayout(k.vmcore, config.pageSize) };
  } else if (which === 'phyp-capture') {
    const k = state.actors.phypDump.context;
    if (k.scratch !== null)
      sysfs[RELEASE_REGION] = releaseRegionText(k.scratch, totalSize(k.memory) - PHYP_BOOT_MEMORY, config.pageSize);
    if (k.ptLoads !== null) vmcore = { ptLoad: vmcoreFileLayout(k.ptLoads, config.pageSize) };
  } else if (which === 'capture') {
    const k = state.actors.captureKernel.context;
    const d = k.dump;
    const files = fadumpFiles(captureFiles(config, state));
    const bootMemorySize = d ? dumpBootMemorySize(d) : 0;
    // The area this capture build reserved: the permanent area it keeps at release (§1).
    const area = d ? areaAtCapture(config, d, k.memory) : null;
    const values: Record<string, string> = {
      [FILES.enabled]: '1',
      [FILES.registered]: '0',
      [FILES.memReserved]: String(area ? area.end - area.start : 0),
      [FILES.hotplugReady]: '1',
      [FILES.releaseMem]: '',
      [FILES.bootargsAppend]: k.paramArea ?? '',
      [FILES.fadumpRegion]: d
        ? regionOf(
            config,
            {
              bootMemorySize,
              bootRegions: d.bootRegions,
              bootMemTop: d.bootMemTop,
              bootMemDest: d.bootMemDest,
              area: d.area,
              cma: null,
            },
            true,
            k.paramArea,
            memoryEndOf(d.memoryAtCrash),
            d.cpusAtCrash,
          )
        : '',
      [FILES.opalCore]: '(ELF core of OPAL memory at the crash)',
      [FILES.releaseCore]: '',
    };
    for (const f of files) sysfs[f] = values[f] ?? '';
    if (k.ptLoads !== null) vmcore = { ptLoad: vmcoreFileLayout(k.ptLoads, config.pageSize) };
    // §11: one NT_PRSTATUS note per CPU online at the crash (rtas_fadump_build_cpu_notes()).
    if (vmcore !== null && d !== null && cpuHotplugConfigured(config))
      vmcore = { ...vmcore, prstatusNotes: d.header.cpusInMask ?? config.onlineCpus };
    if (cpuHotplugConfigured(config)) sysfs[CPU_ONLINE_FILE] = cpuList(cpusOnline(k.cpus));
    // kexec's files: a capture boot with a dump active reserves no crashkernel= memory (§1 early
    // boot 4), and nothing is loaded.
    if (config.crashkernelText !== null) {
      sysfs[KEXEC_FILES.crashLoaded] = '0';
      sysfs[KEXEC_FILES.crashSize] = '0';
    }
  }
  // fadump_init_files() (arch/powerpc/kernel/fadump.c): /sys/kernel/fadump_enabled,
  // fadump_registered and fadump_release_mem are links to the files in /sys/kernel/fadump/
  // (since d418b19f34ed, v5.5), present while their target is.
  for (const [alias, target] of Object.entries(ALIASES))
    if (target in sysfs && sysfs[target] !== undefined) sysfs[alias] = sysfs[target] ?? '';
  return {
    states,
    sysfs: sortKeys(sysfs),
    vmcore,
    dump: state.dump,
    meminfo: meminfoOf(state),
    cmdline: procCmdline(config, state),
  };
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
