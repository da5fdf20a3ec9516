// createSim(): the simulator's whole machine (firmware, petitboot, the running kernel, the kdump
// service) behind the model's observable interface: apply an external event, observe the files,
// /proc/vmcore's PT_LOADs, /proc/meminfo's CMA lines and the outcome of the last crash (the same format as
// src/sysfs/view.ts observe(), without the actors' state names). §n: docs/kernel-behaviour.md.
import type { Config } from '../config';
import { faultValue, hotplugTarget, type Errno, type ExternalEvent } from '../events';
import { PT_REGS_SZ } from './consts';
import { processPtloadProgramHeaders } from './vmcore';
import { Firmware, type PtLoadPhdr } from './firmware';
import { KdumpService } from './kdump';
import { NO_COMPAT, type Compat, type KernelImage } from './fadump-internal';
import { Kernel, defaultCmdline, type CmaMeminfo } from './kernel';
import { faultsFor, type Faults, type MutantId } from './mutants';
import { petitbootBoot } from './petitboot';
import { cpulist } from './hotplug-cpu';

export type DumpOutcome = 'none' | 'captured' | 'lost';

export interface SimObservation {
  /** path → contents; absent files omitted; write-only files read as "". */
  sysfs: Record<string, string>;
  vmcore: { ptLoad: PtLoadPhdr[]; prstatusNotes?: number } | null;
  dump: DumpOutcome;
  /** /proc/meminfo's CmaTotal and CmaFree in bytes (Kernel.meminfo()); null when no kernel runs. */
  meminfo: CmaMeminfo | null;
  /** /proc/cmdline: saved_command_line of the running kernel; null when none runs. */
  cmdline: string | null;
}

export interface SimStep {
  accepted: boolean;
  errno: Errno | null;
}

export interface SimOptions {
  /** A seeded fault (src/sim/mutants.ts). */
  mutant?: MutantId | null;
  /** Imitate the model where the simulator knowingly disagrees with it (disagreements.ts). */
  compat?: Partial<Compat>;
}

export interface Sim {
  apply(event: ExternalEvent): SimStep;
  observe(): SimObservation;
}

/** sizeof(struct cpumask): NR_CPUS bits in unsigned longs (include/linux/cpumask.h). */
function cpuMaskSz(nrCpus: number): number {
  return Math.ceil(nrCpus / 64) * 8;
}

/** The kernel build that boots without a dump, and the one that boots to capture it. */
export function kernelImages(config: Config): { production: KernelImage; capture: KernelImage } {
  return {
    production: {
      version: config.kernel,
      generation: config.elfcorehdr,
      byteOrder: 'le',
      ptRegsSz: PT_REGS_SZ,
      cpuMaskSz: cpuMaskSz(config.nrCpus),
    },
    capture: {
      version: config.captureKernel.kernel,
      generation: config.captureKernel.elfcorehdr,
      byteOrder: config.captureKernel.endianness === 'swapped' ? 'be' : 'le',
      ptRegsSz: PT_REGS_SZ,
      // A build whose sizes differ: four times the CPUs (NR_CPUS=2048 against 8192).
      cpuMaskSz: cpuMaskSz(config.captureKernel.headerSizes === 'different' ? config.nrCpus * 4 : config.nrCpus),
    },
  };
}

const IGNORED: SimStep = { accepted: false, errno: null };
const ACCEPTED: SimStep = { accepted: true, errno: null };

/** A simulator for a fadump configuration. Error for another mechanism (kdump, hypervisor-
 *  assisted dump): the simulator states fadump only (src/explore/suite.ts comparability()). */
export function createSim(config: Config, options: SimOptions = {}): Sim {
  if (config.mechanism !== 'fadump')
    throw new Error(`the simulator states fadump only, not mechanism "${config.mechanism}"`);
  const faults: Faults = faultsFor(options.mutant);
  const compat: Compat = { ...NO_COMPAT, ...options.compat };
  const images = kernelImages(config);
  const fw = new Firmware(config);
  const kdump = new KdumpService(faults, config);
  let kernel: Kernel | null = null;
  let dump: DumpOutcome = 'none';
  /** User space has copied /proc/vmcore away in this boot. */
  let saved = false;
  /** A `petitboot-crash` event armed a panic of petitboot's next boot (docs/kernel-behaviour.md §13.6). */
  let petitbootPanics = false;

  /** Firmware IPL: pSeries boots the kernel through the normal bootloader; OPAL boots petitboot,
   *  which kexecs the kernel (§4). The bootloader boots the capture kernel when a dump waits. */
  function bootOs(how: 'firmware' | 'kexec' = 'firmware'): void {
    saved = false;
    let dt = fw.deviceTree();
    if (how === 'kexec') {
      // kexec -e (§13.1): no firmware, no petitboot; the new kernel gets the old one's device tree,
      // which announces no dump once fadump_cleanup() has run.
      dt = {
        ...dt,
        rtas: dt.rtas === null ? null : { ...dt.rtas, kernelDump: null },
        opal: dt.opal === null ? null : { ...dt.opal, mpiplBoot: false },
      };
    } else if (config.platform === 'powernv' && petitbootPanics) {
      // §13.6: petitboot's kernel panics before it kexecs; its panic() reboots with
      // opal_cec_reboot(), a normal IPL, which announces no dump [I].
      petitbootPanics = false;
      if (fw.dumpPending()) {
        fw.opalMpiplFreePreservedMemory();
        dump = 'lost';
      }
      bootOs();
      return;
    } else if (config.platform === 'powernv')
      dt = petitbootBoot(fw, dt, config.petitbootPreservesDump && !faults.on('petitboot-not-preserving'));
    const announced = (dt.rtas?.kernelDump ?? null) !== null || dt.opal?.mpiplBoot === true;
    // The bootloader boots the capture build when a dump waits; that object runs on after
    // release_mem or a failed capture, until the next reset (§1 "Release").
    const k = new Kernel({ config, image: announced ? images.capture : images.production, fw, faults, compat });
    k.boot(dt);
    kernel = k;
    if (k.dumpActiveAtBoot && k.fw_dump.fadump_supported && k.fadump_on_cmdline) {
      // §1 capture boot 5: /proc/vmcore, or the dump was invalidated and is lost.
      dump = k.vmcore !== null ? 'captured' : 'lost';
    } else if (announced && !k.dumpActiveAtBoot) {
      // OPAL: mpipl-boot without registered regions: nothing can be collected.
      dump = 'lost';
    }
    kdump.userspaceStart(k);
  }

  /** grub2-editenv / grubby before a boot or reboot (§12): the line every later boot gets; the
   *  configuration's own line stands for the configuration. */
  function storeCmdline(line: string | undefined): void {
    if (line !== undefined) fw.bootloaderCmdline = line === (config.cmdline ?? defaultCmdline(config)) ? null : line;
  }

  /** A reset that is not a dump: the firmware boots again; a pending dump stays pending. */
  function resetAndBoot(): void {
    kernel = null;
    kdump.reset();
    bootOs();
  }

  function apply(event: ExternalEvent): SimStep {
    return step(event);
  }

  /** The running kernel panics (a crash, or a system reset interrupt: §13.4). */
  function crash(): SimStep {
    if (kernel === null) return IGNORED;
    const r = kernel.crash_fadump();
    if (r === 'not-registered') {
      // A plain panic (no machine_shutdown, so no fadump_cleanup): no dump, unless the firmware
      // still holds one from before.
      if (faults.on('capture-panic-invalidates')) kernel.fadump_cleanup();
      if (!fw.dumpPending()) dump = 'none';
    } else if (r === 'failed' || r === 'no-firmware-registration') {
      dump = 'lost';
    }
    resetAndBoot();
    return ACCEPTED;
  }

  /** machine_shutdown() -> fadump_cleanup(), then the firmware's reboot or kexec -e (§13.1). */
  function shutdown(how: 'reboot' | 'kexec', cmdline?: string): SimStep {
    if (kernel === null) return IGNORED;
    const unsaved = kernel.vmcore !== null && !saved;
    kernel.fadump_cleanup(how);
    // A reboot's new command line goes to the boot loader (§12).
    storeCmdline(cmdline);
    if (unsaved && !fw.dumpPending()) dump = 'lost';
    if (how === 'reboot') {
      resetAndBoot();
    } else {
      kernel = null;
      kdump.reset();
      bootOs('kexec');
    }
    return ACCEPTED;
  }

  /** The endings the firmware carries out without the OS (§13.2, §13.3, §13.5). */
  function firmwareEnding(event: Extract<ExternalEvent, { event: 'power-off' | 'watchdog-reset' | 'mpipl' }>): SimStep {
    if (kernel === null) return IGNORED;
    if (event.event === 'power-off') {
      if (kernel.vmcore !== null && !saved) dump = 'lost';
      fw.powerOff();
      kernel = null;
      kdump.reset();
      return ACCEPTED;
    }
    if (event.event === 'mpipl') {
      if (config.platform !== 'powernv') return IGNORED;
      // A dump already held stays held; else the ranges the kernel added are preserved, or, with
      // none, nothing is announced.
      if (!fw.dumpPending() && !fw.opalFirmwareMpipl()) dump = 'none';
      resetAndBoot();
      return ACCEPTED;
    }
    if (!fw.dumpPending()) dump = 'none';
    resetAndBoot();
    return ACCEPTED;
  }

  function step(event: ExternalEvent): SimStep {
    switch (event.event) {
      case 'firmware-error':
        fw.arm(event.call, faultValue(event));
        return ACCEPTED;
      case 'boot':
        if (fw.poweredOn) return IGNORED;
        fw.poweredOn = true;
        storeCmdline(event.cmdline);
        bootOs();
        return ACCEPTED;
      // §13.4: a dump restart's system_reset_exception() calls crash_fadump() as a panic does.
      case 'crash':
      case 'dump-restart':
        return crash();
      case 'reboot':
        return shutdown('reboot', event.cmdline);
      case 'kexec-reboot':
        return shutdown('kexec');
      // pseries-wdt's action 2 (PSERIES_WDTF_ACTION_DUMP_RESTART) is a dump restart, its action 0
      // (PSERIES_WDTF_ACTION_HARD_POWEROFF) a power off (drivers/watchdog/pseries-wdt.c, §13.3).
      case 'watchdog-reset':
        if (event.action === 'dump-restart') return crash();
        if (event.action === 'power-off') return firmwareEnding({ event: 'power-off' });
        return firmwareEnding(event);
      case 'power-off':
      case 'mpipl':
        return firmwareEnding(event);
      case 'petitboot-crash':
        if (config.platform !== 'powernv') return IGNORED;
        petitbootPanics = true;
        return ACCEPTED;
      case 'save-dump':
        // Copying the dump a second time changes nothing.
        if (kernel === null || kernel.vmcore === null || saved) return IGNORED;
        // kdump-utils' kdump.sh: a save that fails on its target ("saving vmcore failed") runs
        // the failure action, default `systemctl reboot -f`: this kernel reboots, the dump unsaved
        // (src/dump-target.ts). The 2007 hypervisor-assisted dump predates kdump-utils.
        if (config.dumpTargetFault !== null && config.mechanism !== 'phyp-assisted-dump') return shutdown('reboot');
        saved = true;
        return ACCEPTED;
      case 'write': {
        if (kernel === null) return IGNORED;
        const errno = kernel.sysfsWrite(event.path, event.value);
        return { accepted: errno === null, errno };
      }
      case 'memory-hotplug': {
        if (kernel === null) return IGNORED;
        const target = hotplugTarget(event, config.lmbBytes);
        const lmbs =
          target.by === 'count'
            ? fw.dlparSelect(event.action, target.count)
            : fw.dlparSelectIndex(event.action, target.lmb);
        if (lmbs === null) return IGNORED;
        const errno = kernel.dlpar_memory(event.action, target.by, lmbs, config.maxMemoryBytes);
        if (errno !== null) return { accepted: false, errno };
        fw.dlparCommit(event.action, lmbs);
        kdump.memoryUevent(kernel);
        return ACCEPTED;
      }
      case 'cpu-hotplug': {
        // §11: the running kernel's hotplug-cpu.c; the firmware keeps the partition's processors.
        if (kernel === null) return IGNORED;
        const r = kernel.dlpar_cpu(event.action, event.cpus);
        if ('errno' in r) return { accepted: false, errno: r.errno };
        fw.cpusPresent = r.dtCpus;
        if (event.action === 'add') kdump.cpuUevent(kernel);
        return ACCEPTED;
      }
      case 'kdump-reload':
        if (kernel === null) return IGNORED;
        return kdump.reload(kernel) ? ACCEPTED : IGNORED;
      case 'kdump-start':
        if (kernel === null) return IGNORED;
        return kdump.start(kernel) === 'done' ? ACCEPTED : IGNORED;
      case 'kdump-stop':
        if (kernel === null) return IGNORED;
        return kdump.stop(kernel) === 'done' ? ACCEPTED : IGNORED;
      case 'kdump-restart':
        if (kernel === null) return IGNORED;
        return kdump.restart(kernel) === 'done' ? ACCEPTED : IGNORED;
      // kdump's `kexec -p` (kexec-load, returning with kexec-loaded) and `kexec -p -u` (§6), from
      // the user. Where fadump reserves, the running kernel has no crashkernel= memory (§1 early boot 4, §6): the load fails at
      // once, no load is ever under way for kexec-loaded to finish, and nothing is ever loaded, so a
      // crash that fadump does not take stays a plain panic (§1 Crash).
      case 'kexec-load': {
        if (kernel === null) return IGNORED;
        const r = kernel.kexec_load_crash();
        return r === 'loading' ? ACCEPTED : { accepted: false, errno: r };
      }
      case 'kexec-loaded':
        if (kernel === null) return IGNORED;
        return kernel.kexec_loaded_crash() ? ACCEPTED : IGNORED;
      case 'kexec-unload': {
        if (kernel === null) return IGNORED;
        const errno = kernel.kexec_unload_crash();
        return { accepted: errno === null, errno };
      }
    }
  }

  function observe(): SimObservation {
    const sysfs: Record<string, string> = {};
    if (kernel !== null) {
      const view = kernel.sysfsView();
      for (const path of Object.keys(view).sort((a, b) => a.localeCompare(b))) sysfs[path] = view[path] ?? '';
    }
    // §11: where CPUs can be added, the online CPUs and the vmcore's NT_PRSTATUS notes.
    const cpusChange = config.onlineCpus < config.cpus;
    if (kernel !== null && cpusChange) sysfs['/sys/devices/system/cpu/online'] = cpulist(kernel.cpus.online);
    const vm = kernel?.vmcore ?? null;
    const notes = kernel?.cpuNotes ?? null;
    return {
      sysfs: Object.fromEntries(Object.entries(sysfs).sort(([a], [b]) => a.localeCompare(b))),
      vmcore:
        vm === null
          ? null
          : {
              ptLoad: processPtloadProgramHeaders(vm, config.pageSizeKiB * 1024),
              ...(cpusChange && notes !== null ? { prstatusNotes: notes } : {}),
            },
      dump,
      meminfo: kernel === null ? null : kernel.meminfo(),
      cmdline: kernel === null ? null : kernel.saved_command_line,
    };
  }

  return { apply, observe };
}
