// Events: the external ones (the only input, one per line of an event log) and the internal ones
// the actors send each other (docs/design.md §1).
import { z } from 'zod';
import type { PtLoad, Range } from './memory/layout';

// ---------------------------------------------------------------------------------------------
// External events (issue 2 §5)

const firmwareRc = z.union([
  // RTAS return codes of ibm,configure-kernel-dump (docs/kernel-behaviour.md §1 "Register and unregister").
  z.number().int().min(-9999).max(9999),
  // OPAL return codes of opal_mpipl_update.
  z.enum(['OPAL_RESOURCE', 'OPAL_HARDWARE', 'OPAL_PARAMETER']),
]);

export const ExternalEventSchema = z.discriminatedUnion('event', [
  /** Power on: firmware boots the operating system. */
  z.object({ event: z.literal('boot') }).strict(),
  /** `echo value > path`: a write to a sysfs file. */
  z.object({ event: z.literal('write'), path: z.string().min(1).max(4096), value: z.string().max(65536) }).strict(),
  /** DLPAR memory add/remove (or memory online/offline), a number of LMBs. */
  z
    .object({
      event: z.literal('memory-hotplug'),
      action: z.enum(['add', 'remove']),
      lmbs: z.number().int().min(1).max(4096),
    })
    .strict(),
  /** DLPAR processor add/remove on pSeries, a number of CPUs (dlpar_cpu_add_by_count() /
   *  dlpar_cpu_remove_by_count(), arch/powerpc/platforms/pseries/hotplug-cpu.c; under QEMU a
   *  spapr CPU core's device_add / device_del). */
  z
    .object({
      event: z.literal('cpu-hotplug'),
      action: z.enum(['add', 'remove']),
      cpus: z.number().int().min(1).max(8192),
    })
    .strict(),
  /** The running kernel panics. */
  z.object({ event: z.literal('crash') }).strict(),
  /** An orderly reboot of the running kernel. */
  z.object({ event: z.literal('reboot') }).strict(),
  /** User space (kdump) copies /proc/vmcore away. */
  z.object({ event: z.literal('save-dump') }).strict(),
  /** The udev throttler runs `kdumpctl reload` after memory hotplug. */
  z.object({ event: z.literal('kdump-reload') }).strict(),
  /** `kdumpctl start` registers fadump (at boot on old kernels, or the start half of a stop/start). */
  z.object({ event: z.literal('kdump-start') }).strict(),
  /** `kexec -p`: kexec_file_load() with KEXEC_FILE_ON_CRASH begins: the kernel frees the current
   *  crash image first, then loads the new one (§6): until `kexec-loaded` nothing is
   *  loaded. */
  z.object({ event: z.literal('kexec-load') }).strict(),
  /** The `kexec -p` under way returns: the new crash image is installed. */
  z.object({ event: z.literal('kexec-loaded') }).strict(),
  /** `kexec -p -u`: unload the crash image (§6). */
  z.object({ event: z.literal('kexec-unload') }).strict(),
  /** Fault injection: the firmware's next call of that kind returns rc. */
  z
    .object({
      event: z.literal('firmware-error'),
      call: z.enum(['register', 'unregister', 'preserve']),
      rc: firmwareRc,
    })
    .strict(),
]);

export type ExternalEvent = z.infer<typeof ExternalEventSchema>;
export type ExternalEventName = ExternalEvent['event'];
export const EXTERNAL_EVENT_NAMES: readonly ExternalEventName[] = ExternalEventSchema.options.map(
  (o) => o.shape.event.value,
);

/** An external event as the machines receive it ({ type } instead of { event }). */
export type ExternalMachineEvent = {
  [E in ExternalEvent as E['event']]: Omit<E, 'event'> & { type: E['event'] };
}[ExternalEventName];

export function toMachineEvent(e: ExternalEvent): ExternalMachineEvent {
  const { event, ...rest } = e;
  return { ...rest, type: event } as ExternalMachineEvent;
}

export function describeEvent(e: ExternalEvent): string {
  switch (e.event) {
    case 'write':
      return `echo ${JSON.stringify(e.value)} > ${e.path}`;
    case 'memory-hotplug':
      return `memory-hotplug ${e.action} ${e.lmbs} LMB${e.lmbs === 1 ? '' : 's'}`;
    case 'cpu-hotplug':
      return `cpu-hotplug ${e.action} ${e.cpus} CPU${e.cpus === 1 ? '' : 's'}`;
    case 'firmware-error':
      return `firmware-error ${e.call} rc=${e.rc}`;
    default:
      return e.event;
  }
}

// ---------------------------------------------------------------------------------------------
// What travels between actors

export const ERRNOS = [
  'EPERM',
  'EINVAL',
  'ENODEV',
  'EIO',
  'ENOSPC',
  'ENOENT',
  'EEXIST',
  'EACCES',
  'EADDRNOTAVAIL',
  'EBUSY',
] as const;
export type Errno = (typeof ERRNOS)[number];
export type FirmwareRc = z.infer<typeof firmwareRc>;
export type FirmwareCall = 'register' | 'unregister' | 'preserve';
/** 'none': no crash info header at all (hypervisor-assisted dump, phyp-assisted-dump.txt, has none). */
export type Magic = 'FADMPSIG' | 'FADMPINF' | 'byte-swapped' | 'garbage' | 'none';
export type Generation = 'at-registration' | 'in-capture-kernel';
/** Which kernel build runs: the first kernel's (booted without a dump), or the capture kernel's
 *  (config.captureKernel), which goes on running after release_mem or a failed capture: no kernel
 *  is booted then (§1 "Release", "Capture boot" 5). */
export type KernelBuild = 'first' | 'capture';

/** struct fadump_crash_info_header as it lies in the reserved area (§3). */
export interface CrashInfoHeader {
  magic: Magic;
  /** The writing kernel's byte order: the first kernel's is 'le'; a capture kernel of the other
   *  endianness writes 'be' (§3: the magic is read byte-swapped then). */
  byteOrder: 'le' | 'be';
  /** pt_regs_sz / cpu_mask_sz, as one tag: the crashed kernel's structure sizes. */
  sizes: 'A' | 'B';
  /** crashing_cpu: 0xFFFFFFFF until a crash. */
  crashingCpu: number;
  /** How many CPUs cpu_mask holds: crash_fadump() saves cpu_online_mask into it (at registration
   *  it holds the possible CPUs); the capture kernel makes one NT_PRSTATUS note per CPU of the
   *  firmware's register save area that is in it (rtas_fadump_build_cpu_notes()). Absent: the
   *  configuration's CPUs online at boot (docs/kernel-behaviour.md §10). */
  cpusInMask?: number;
}

/** What the kernel registers with firmware (fw_dump's boot regions and destination). */
export interface Registration {
  bootRegions: Range[];
  bootMemTop: number;
  bootMemDest: number;
  area: Range;
  /** The reserved area's contents the next kernel reads: the header, the elfcorehdr built at
   *  registration (before 2024) and the pSeries param area (bootargs_append). */
  header: CrashInfoHeader;
  elfcorehdr: PtLoad[] | null;
  paramArea: string | null;
}

/** A dump the firmware preserved at a crash: memory is not cleared, so the reserved area's
 *  contents travel with it. */
export interface PreservedDump extends Registration {
  /** The partition's memory at the crash (the firmware assigned it). */
  memoryAtCrash: Range[];
  /** pSeries: every section error_flags==0 and bytes_dumped==source_len. */
  dumpedOk: boolean;
  /** OPAL: registered_regions != 0 (needed for dump_active). */
  regionsRegistered: number;
  /** PowerNV: petitboot left memory above boot_mem_top alone. */
  memoryIntact: boolean;
  /** The partition's processors at the crash, whose registers the firmware saved (QEMU:
   *  CPU_FOREACH in populate_cpu_state_data(), hw/ppc/spapr_fadump.c); absent: the configuration's
   *  CPUs at boot (§10). */
  cpusAtCrash?: number;
}

/** The running kernel's fadump state, handed from the capture kernel to production at release. */
export interface Handover {
  /** The build that runs on: no kernel is booted at release (§1 "Release"). */
  build: KernelBuild;
  /** strlen(saved_command_line) of the kernel that runs on: a fadump capture kernel's includes
   *  what fadump_append_bootargs() appended (§1 early boot 3, §2 bootargs_append). */
  savedCommandLineLen: number;
  memory: Range[];
  enabled: boolean;
  nocma: boolean;
  reservation: Reservation | null;
  paramArea: string | null;
  opalCore: 'present' | 'released' | null;
  /** release_mem stays in the kernel that was a fadump capture kernel (default true); a
   *  hypervisor-assisted dump capture kernel has none (phyp-assisted-dump.txt). */
  releaseMemFile?: boolean;
  /** Hypervisor-assisted dump's permanent scratch area, reserved again at re-registration. */
  phypScratch?: Range | null;
  /** The CPUs of the kernel that runs on (§10): absent, those of a boot with the configuration's. */
  cpus?: KernelCpus;
}

/** A kernel's CPUs (docs/kernel-behaviour.md §10): `present` the partition's processors the kernel
 *  knows, `possible` cpu_possible_mask's weight (nr_cpu_ids); online = min(present, possible). */
export interface KernelCpus {
  present: number;
  possible: number;
}

/** fw_dump's reservation fields. */
export interface Reservation {
  bootMemorySize: number;
  bootRegions: Range[];
  bootMemTop: number;
  bootMemDest: number;
  area: Range;
  cma: Range | null;
}

export type InternalEvent =
  // firmware -> whoever runs
  | { type: 'hw.reset' }
  | { type: 'bootloader.start'; memory: Range[]; dump: PreservedDump | null }
  | { type: 'os.boot'; memory: Range[]; dump: PreservedDump | null; cpus?: number }
  | { type: 'fw.result'; call: FirmwareCall | 'invalidate'; rc: FirmwareRc }
  | { type: 'dlpar.request'; action: 'add' | 'remove'; ranges: Range[] }
  // kernel -> firmware
  | { type: 'fw.register'; registration: Registration }
  | { type: 'fw.unregister' }
  | { type: 'fw.invalidate' }
  | { type: 'fw.os-term'; header: CrashInfoHeader; elfcorehdr: PtLoad[] | null; paramArea: string | null }
  | { type: 'fw.reset' }
  | { type: 'dlpar.result'; errno: Errno | null }
  /** A processor DLPAR took: the partition now has `present` CPUs (§10). */
  | { type: 'dlpar.cpus'; present: number }
  // kernel <-> user space
  | { type: 'sysfs.write'; path: string; value: string; origin: 'kdump-service' }
  | { type: 'sysfs.result'; path: string; errno: Errno | null; origin: 'user' | 'kdump-service' }
  | { type: 'uevent.memory'; hotplugReady: boolean; crashHotplug?: boolean }
  /** A CPU came online (98-kexec.rules.ppc64 watches SUBSYSTEM=="cpu", ACTION=="online"). */
  | { type: 'uevent.cpu'; fadumpEnabled: boolean; crashHotplug: boolean }
  | { type: 'userspace.start'; registered: boolean; fadumpEnabled: boolean; capture: boolean; kdump?: boolean }
  // kexec (kdump): the kdump service asks the running kernel for a syscall; the kernel hands the
  // crash image to the kexec actor; the result goes back to whoever asked (§6)
  /** op 'start': kdumpctl start, which loads only when kexec_crash_loaded reads 0 [U]. */
  | { type: 'kexec.request'; op: 'start' | 'load' | 'unload'; origin: 'kdump-service' }
  | {
      type: 'kexec.load';
      crashkernel: Range;
      memory: Range[];
      origin: 'user' | 'kdump-service';
      unlessLoaded?: boolean;
    }
  | { type: 'kexec.unload'; origin: 'user' | 'kdump-service' }
  | { type: 'kexec.result'; op: 'load' | 'unload'; errno: Errno | null; origin: 'kdump-service' }
  /** __crash_kexec(): the crashed kernel hands over to the loaded crash image, if any. */
  | { type: 'kexec.crash' }
  /** The memory hotplug notifier of a kernel with crashkernel= memory (crash_memhp_notifier). */
  | { type: 'crash.hotplug'; memory: Range[] }
  // hypervisor-assisted dump (phyp-assisted-dump.txt)
  | { type: 'phyp.setup'; scratch: Range; memory: Range[] }
  | { type: 'phyp.crash' }
  // capture kernel -> production kernel
  | { type: 'kernel.handover'; handover: Handover }
  // observations, for the record and the properties
  | { type: 'dump.captured' }
  | { type: 'dump.lost'; reason: string }
  | { type: 'dump.none'; reason: string }
  | { type: 'ignored'; reason: string };

export type EmittedEvent = InternalEvent;
export type AnyEvent = ExternalMachineEvent | InternalEvent;

/** The name a user's kexec syscall answer carries: it travels back to the user as the same
 *  'sysfs.result' event a user's write gets (the one the system and the engine take the user's
 *  errno from), with this in place of a path. */
export const KEXEC_SYSCALL = 'kexec_file_load(KEXEC_FILE_ON_CRASH)';
