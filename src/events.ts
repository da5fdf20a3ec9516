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

/** The kinds of firmware fault a log can inject: a failing call (`rc`), or a partial copy at the
 *  next dump ('preserve-partial', `regions`). */
export const FAULT_CALLS = ['register', 'unregister', 'preserve', 'preserve-partial'] as const;
export type FaultCall = (typeof FAULT_CALLS)[number];

/** An LMB's drc index: DR connector type LMB (SPAPR_DR_CONNECTOR_TYPE_SHIFT_LMB = 8, so 0x8 in the
 *  top nibble) and the LMB number below (QEMU hw/ppc/spapr_drc.c spapr_drc_index(); hw/ppc/spapr.c
 *  spapr_create_lmb_dr_connectors() numbers LMBs address / SPAPR_MEMORY_BLOCK_SIZE). PowerVM's
 *  read the same ("drc index 80000081" in the hot-add message of hotplug-memory.c's 2020 change
 *  to pr_debug) [I for PowerVM]. */
const LMB_DRC_INDEX = /^0x8[0-9a-fA-F]{7}$/;
const HEX_ADDRESS = /^0x[0-9a-fA-F]{1,13}$/;

/** A kernel command line as /proc/cmdline shows it: at most COMMAND_LINE_SIZE - 1 (2047) bytes
 *  (arch/powerpc/include/uapi/asm/setup.h COMMAND_LINE_SIZE 2048). */
const cmdlineField = z
  .string()
  .min(1)
  .max(2047)
  .refine((s) => Buffer.byteLength(s, 'utf8') <= 2047, 'longer than 2047 bytes (COMMAND_LINE_SIZE - 1)')
  .refine((s) => !/[\n\0]/.test(s), 'one line: no newline or NUL')
  .optional();

export const ExternalEventSchema = z.discriminatedUnion('event', [
  /** Power on: firmware boots the operating system. `cmdline`: the boot loader's stored command
   *  line is set to it first (docs/kernel-behaviour.md §12): this boot and every later one, the
   *  capture boots included, run under it until the next change. */
  z.object({ event: z.literal('boot'), cmdline: cmdlineField }).strict(),
  /** `echo value > path`: a write to a sysfs file. */
  z.object({ event: z.literal('write'), path: z.string().min(1).max(4096), value: z.string().max(65536) }).strict(),
  /** DLPAR memory add/remove (or memory online/offline): a number of LMBs (the kernel's
   *  dlpar_memory_{add,remove}_by_count), or one named LMB, by its drc index or an address in it
   *  (dlpar_memory_{add,remove}_by_index). Exactly one of lmbs / drcIndex / address. */
  z
    .object({
      event: z.literal('memory-hotplug'),
      action: z.enum(['add', 'remove']),
      lmbs: z.number().int().min(1).max(4096).optional(),
      drcIndex: z
        .string()
        .regex(
          LMB_DRC_INDEX,
          'expected an LMB drc index, "0x8" then 7 hex digits (0x80000000 | address / LMB size), e.g. "0x80000003"',
        )
        .optional(),
      address: z
        .string()
        .regex(HEX_ADDRESS, 'expected a physical address in hex, "0x" then 1 to 13 hex digits, e.g. "0x30000000"')
        .optional(),
    })
    .strict()
    .refine((e) => [e.lmbs, e.drcIndex, e.address].filter((x) => x !== undefined).length === 1, {
      message:
        'name the LMBs with exactly one of "lmbs" (how many, e.g. 1), "drcIndex" (e.g. "0x80000003") or "address" (e.g. "0x30000000")',
    }),
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
  /** An orderly reboot of the running kernel; with `cmdline`, the boot loader's stored command
   *  line is set to it before (grub2-editenv / grubby, petitboot's default entry), so the next
   *  boot and every later one run under it (docs/kernel-behaviour.md §12). */
  z.object({ event: z.literal('reboot'), cmdline: cmdlineField }).strict(),
  /** User space (kdump) copies /proc/vmcore away. */
  z.object({ event: z.literal('save-dump') }).strict(),
  /** The udev throttler runs `kdumpctl reload` after memory hotplug. */
  z.object({ event: z.literal('kdump-reload') }).strict(),
  /** `kdumpctl start` registers fadump (at boot on old kernels, or the start half of a stop/start). */
  z.object({ event: z.literal('kdump-start') }).strict(),
  /** `systemctl stop kdump`: ExecStop=`kdumpctl stop` when the unit is active (kdump-utils'
   *  kdump.service): stop_fadump() echoes 0 to registered, stop_kdump() runs `kexec -p -u`. */
  z.object({ event: z.literal('kdump-stop') }).strict(),
  /** `systemctl restart kdump` (`kdumpctl restart`): stop when active, then start (kdumpctl main()). */
  z.object({ event: z.literal('kdump-restart') }).strict(),
  /** `kexec -p`: kexec_file_load() with KEXEC_FILE_ON_CRASH begins: the kernel frees the current
   *  crash image first, then loads the new one (§6): until `kexec-loaded` nothing is
   *  loaded. */
  z.object({ event: z.literal('kexec-load') }).strict(),
  /** The `kexec -p` under way returns: the new crash image is installed. */
  z.object({ event: z.literal('kexec-loaded') }).strict(),
  /** `kexec -p -u`: unload the crash image (§6). */
  z.object({ event: z.literal('kexec-unload') }).strict(),
  // Every way a kernel ends (docs/kernel-behaviour.md §13).
  /** `kexec -l` of the running kernel's image, then `kexec -e`: kernel_kexec() (kernel/kexec_core.c)
   *  runs machine_shutdown(), so fadump_cleanup(), then boots the same kernel with the same command
   *  line, without the firmware (§13.1). */
  z.object({ event: z.literal('kexec-reboot') }).strict(),
  /** The partition (or machine) loses power: no OS involvement; the firmware forgets the
   *  registration and memory is not preserved; the next `boot` is a cold boot (§13.2). */
  z.object({ event: z.literal('power-off') }).strict(),
  /** The platform watchdog expires. `action` is pseries-wdt's module parameter `action`
   *  (drivers/watchdog/pseries-wdt.c, pseries_wdt_action[]): "power-off" (0,
   *  PSERIES_WDTF_ACTION_HARD_POWEROFF: as `power-off`, §13.2), "hard-restart" (1,
   *  PSERIES_WDTF_ACTION_HARD_RESTART, the driver's default WATCHDOG_ACTION: the hypervisor
   *  restarts the partition without the OS, §13.3), "dump-restart" (2,
   *  PSERIES_WDTF_ACTION_DUMP_RESTART: as `dump-restart`, §13.4). Absent: the default. */
  z
    .object({
      event: z.literal('watchdog-reset'),
      action: z.enum(['power-off', 'hard-restart', 'dump-restart']).optional(),
    })
    .strict(),
  /** The HMC's "dump restart" (chsysstate -o dumprestart): a system reset interrupt to the
   *  partition, system_reset_exception() (arch/powerpc/kernel/traps.c), which ends as a crash does
   *  (QEMU: QMP inject-nmi) (§13.4). */
  z.object({ event: z.literal('dump-restart') }).strict(),
  /** A firmware-initiated MPIPL on PowerNV with no kernel crash: an OPAL assert or an
   *  SBE-initiated dump (§13.5). */
  z.object({ event: z.literal('mpipl'), trigger: z.enum(['opal-assert', 'sbe']) }).strict(),
  /** Petitboot's own kernel panics during its next boot (the MPIPL boot when a dump waits): armed
   *  now, it happens when the firmware next boots petitboot (PowerNV, §13.6). */
  z.object({ event: z.literal('petitboot-crash') }).strict(),
  /** Fault injection: the firmware's next call of that kind returns rc; or, with call
   *  'preserve-partial' and `regions` (no rc), the next dump the firmware takes copies only the
   *  first `regions` boot-memory regions in full and none of the rest (docs/kernel-behaviour.md
   *  §1.4 "Partial preservation"). */
  z
    .object({
      event: z.literal('firmware-error'),
      call: z.enum(FAULT_CALLS),
      rc: firmwareRc.optional(),
      regions: z.number().int().min(0).max(127).optional(),
    })
    .strict()
    .superRefine((e, ctx) => {
      if (e.call === 'preserve-partial') {
        if (e.regions === undefined)
          ctx.addIssue({ code: 'custom', path: ['regions'], message: 'call "preserve-partial" needs regions' });
        if (e.rc !== undefined)
          ctx.addIssue({ code: 'custom', path: ['rc'], message: 'call "preserve-partial" takes regions, not rc' });
      } else {
        if (e.rc === undefined) ctx.addIssue({ code: 'custom', path: ['rc'], message: `call "${e.call}" needs rc` });
        if (e.regions !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['regions'],
            message: 'regions goes only with call "preserve-partial"',
          });
      }
    }),
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
  // pseries-wdt's actions 0 and 2 make the hypervisor do what a power off or the HMC's dump
  // restart does (drivers/watchdog/pseries-wdt.c; docs/kernel-behaviour.md §13.3).
  if (e.event === 'watchdog-reset' && e.action === 'power-off') return { type: 'power-off' };
  if (e.event === 'watchdog-reset' && e.action === 'dump-restart') return { type: 'dump-restart' };
  if (e.event === 'watchdog-reset') return { type: 'watchdog-reset' };
  const { event, ...rest } = e;
  return { ...rest, type: event } as ExternalMachineEvent;
}

export function describeEvent(e: ExternalEvent): string {
  switch (e.event) {
    case 'write':
      return `echo ${JSON.stringify(e.value)} > ${e.path}`;
    case 'memory-hotplug':
      return `memory-hotplug ${e.action} ${hotplugWhat(e)}`;
    case 'cpu-hotplug':
      return `cpu-hotplug ${e.action} ${e.cpus} CPU${e.cpus === 1 ? '' : 's'}`;
    case 'firmware-error':
      return `firmware-error ${e.call} ${faultText(e)}`;
    case 'boot':
    case 'reboot':
      return e.cmdline === undefined ? e.event : `${e.event} with cmdline ${JSON.stringify(e.cmdline)}`;
    case 'mpipl':
      return `mpipl ${e.trigger}`;
    case 'watchdog-reset':
      return e.action === undefined ? e.event : `watchdog-reset action ${e.action}`;
    default:
      return e.event;
  }
}

/** A firmware-error event's fields (as a log has them, or as a machine receives them). */
type FaultFields = Pick<Extract<ExternalEvent, { event: 'firmware-error' }>, 'call' | 'rc' | 'regions'>;

/** A firmware-error event's value as text: "rc=-1", or "regions=0" for a partial copy. */
export function faultText(e: FaultFields): string {
  return e.call === 'preserve-partial' ? `regions=${e.regions ?? 0}` : `rc=${e.rc ?? 0}`;
}

/** The value a firmware-error arms: its rc, or for 'preserve-partial' the number of boot-memory
 *  regions the firmware will copy in full. */
export function faultValue(e: FaultFields): FirmwareRc {
  return e.call === 'preserve-partial' ? (e.regions ?? 0) : (e.rc ?? 0);
}

export type MemoryHotplugEvent = Extract<ExternalEvent, { event: 'memory-hotplug' }>;

/** Which LMBs a memory-hotplug event names: a count (by_count), or one LMB by its number
 *  (address / LMB size), from a drc index (its low 28 bits, see LMB_DRC_INDEX) or from an address
 *  in it (the LMB holding that address [I: the kernel's interface takes drc indexes only]). */
export type HotplugTarget = { by: 'count'; count: number } | { by: 'index'; lmb: number };

/** The target of `e` with LMBs of `lmbBytes` bytes. */
export function hotplugTarget(
  e: Pick<MemoryHotplugEvent, 'lmbs' | 'drcIndex' | 'address'>,
  lmbBytes: number,
): HotplugTarget {
  if (e.drcIndex !== undefined) return { by: 'index', lmb: parseInt(e.drcIndex.slice(3), 16) };
  if (e.address !== undefined) return { by: 'index', lmb: Math.floor(parseInt(e.address, 16) / lmbBytes) };
  return { by: 'count', count: e.lmbs ?? 1 };
}

/** The LMB's drc index as the kernel prints it ("%x": 80000003). */
export function lmbDrcIndex(lmb: number): string {
  return (0x80000000 + lmb).toString(16);
}

/** "2 LMBs", "LMB drc index 0x80000003", "the LMB at 0x30000000": how replay and the reports
 *  name what a memory-hotplug event asks for. */
export function hotplugWhat(e: Pick<MemoryHotplugEvent, 'lmbs' | 'drcIndex' | 'address'>): string {
  if (e.drcIndex !== undefined) return `LMB drc index ${e.drcIndex}`;
  if (e.address !== undefined) return `the LMB at ${e.address}`;
  const n = e.lmbs ?? 1;
  return `${n} LMB${n === 1 ? '' : 's'}`;
}

// ---------------------------------------------------------------------------------------------
// What travels between actors

/** `kexec -p` failing in kexec-tools before any syscall, so with no errno: the line kexec-tools
 *  die()s with, verbatim, in the lab's notation for an answer that names no errno ("E?(...)",
 *  src/lab/run.ts kexecResult()). On the kexec_load path kexec-tools places the segments in the
 *  crash kernel region itself (kexecLoadFailure(), src/memory/kdump.ts): add_buffer_phys_virt()
 *  (kexec/kexec.c) die()s "locate_hole failed" when locate_hole() finds no room for a segment;
 *  elf_ppc64_load() (kexec/arch/ppc64/kexec-elf-ppc64.c) takes the kernel's hole without checking
 *  it, so add_segment_phys_virt() die()s on the base ULONG_MAX: "Base address: 0x%lx is not page
 *  aligned". Nothing is loaded and the kernel sees no call; the preceding diagnostic ("Could not
 *  find a free area of memory of 0x%lx bytes...") is kexecLoadFailure()'s `lines`. */
export const KEXEC_TOOLS_FAILURES = [
  'E?(locate_hole failed)',
  'E?(Base address: 0xffffffffffffffff is not page aligned)',
] as const;

/** How an answer reads: an errno name as the kernel returns it, negated ("-EINVAL"); a
 *  user-space failure of kexec-tools (KEXEC_TOOLS_FAILURES) as it is, since no syscall returned
 *  anything. */
export function errnoText(errno: Errno): string {
  return kexecToolsLine(errno) === null ? `-${errno}` : errno;
}

/** The line kexec-tools died with, for a user-space failure (KEXEC_TOOLS_FAILURES), else null. */
export function kexecToolsLine(errno: Errno): string | null {
  return (KEXEC_TOOLS_FAILURES as readonly string[]).includes(errno) ? errno.slice(3, -1) : null;
}

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
  ...KEXEC_TOOLS_FAILURES,
] as const;
/** The errno names a step answers with, and kexec-tools' user-space failures (KEXEC_TOOLS_FAILURES),
 *  which name none. */
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
   *  configuration's CPUs online at boot (docs/kernel-behaviour.md §11). */
  cpusInMask?: number;
}

/** What the kernel registers with firmware (fw_dump's boot regions and destination). */
export interface Registration {
  bootRegions: Range[];
  /** fw_dump.boot_memory_size of the registering kernel, bytes; absent: the regions' total. It
   *  differs from the total when fadump_get_boot_mem_regions() counted regions twice
   *  (src/memory/boot-regions.ts, docs/kernel-behaviour.md §1.1 item 4). */
  bootMemorySize?: number;
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
  /** pSeries: the firmware set error_flags on its sections (a failed `preserve`). */
  errorFlags: boolean;
  /** How many boot-memory regions (from the first) the firmware copied in full; the rest it
   *  copied none of (bytes_dumped 0). bootRegions.length when the copy is complete. */
  regionsDumped: number;
  /** QEMU: the boot-memory sections (indices into bootRegions) whose copy met an address that is
   *  not RAM: do_preserve_region() (hw/ppc/spapr_fadump.c) sets error_flags and bytes_dumped 0 on
   *  MEMTX_DECODE_ERROR. Absent: none. */
  sectionErrors?: number[];
  /** OPAL: registered_regions != 0 (needed for dump_active). */
  regionsRegistered: number;
  /** PowerNV: petitboot left memory above boot_mem_top alone. */
  memoryIntact: boolean;
  /** The partition's processors at the crash, whose registers the firmware saved (QEMU:
   *  CPU_FOREACH in populate_cpu_state_data(), hw/ppc/spapr_fadump.c); absent: the configuration's
   *  CPUs at boot (§11). */
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
  /** The CPUs of the kernel that runs on (§11): absent, those of a boot with the configuration's. */
  cpus?: KernelCpus;
  /** The command line the kernel that runs on booted with (§12; without what
   *  fadump_append_bootargs() appended); absent or null: the configuration's. */
  cmdline?: string | null;
}

/** A kernel's CPUs (docs/kernel-behaviour.md §11): `present` the partition's processors the kernel
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
  /** cmdline: the boot loader's stored command line, when a boot or reboot set one (§12); absent,
   *  the configuration's. */
  | { type: 'bootloader.start'; memory: Range[]; dump: PreservedDump | null; cmdline?: string }
  | { type: 'os.boot'; memory: Range[]; dump: PreservedDump | null; cpus?: number; cmdline?: string }
  | { type: 'fw.result'; call: FirmwareCall | 'invalidate'; rc: FirmwareRc }
  /** by: how the request names its LMBs (PSERIES_HP_ELOG_ID_DRC_COUNT or _DRC_INDEX, §4). */
  | { type: 'dlpar.request'; action: 'add' | 'remove'; by: 'count' | 'index'; ranges: Range[] }
  // kernel -> firmware
  | { type: 'fw.register'; registration: Registration }
  | { type: 'fw.unregister' }
  | { type: 'fw.invalidate' }
  | { type: 'fw.os-term'; header: CrashInfoHeader; elfcorehdr: PtLoad[] | null; paramArea: string | null }
  /** cmdline: a reboot's new stored command line (§12). */
  | { type: 'fw.reset'; cmdline?: string }
  /** kexec -e: the running kernel jumps into the new one; the firmware does not boot (§13.1). */
  | { type: 'fw.kexec' }
  | { type: 'dlpar.result'; errno: Errno | null }
  /** A processor DLPAR took: the partition now has `present` CPUs (§11). */
  | { type: 'dlpar.cpus'; present: number }
  // kernel <-> user space
  | { type: 'sysfs.write'; path: string; value: string; origin: 'kdump-service' }
  | { type: 'sysfs.result'; path: string; errno: Errno | null; origin: 'user' | 'kdump-service' }
  | { type: 'uevent.memory'; hotplugReady: boolean; crashHotplug?: boolean }
  /** A CPU came online (98-kexec.rules.ppc64 watches SUBSYSTEM=="cpu", ACTION=="online"). */
  | { type: 'uevent.cpu'; fadumpEnabled: boolean; crashHotplug: boolean }
  /** kdump: crashkernel= memory is reserved; bootargsAppend: /sys/kernel/fadump/bootargs_append exists. */
  | {
      type: 'userspace.start';
      registered: boolean;
      fadumpEnabled: boolean;
      capture: boolean;
      kdump?: boolean;
      bootargsAppend?: boolean;
    }
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
      /** The loading kernel's /proc/cmdline, when not the configuration's (§12): kdumpctl builds
       *  the capture kernel's command line from it. */
      cmdline?: string;
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

/** The fw.reset a kernel's shutdown sends: a `reboot` with a `cmdline` hands it to the firmware,
 *  which stores it for the next boot and every later one (docs/kernel-behaviour.md §12). */
export function resetFor(event: AnyEvent): InternalEvent {
  return event.type === 'reboot' && event.cmdline !== undefined
    ? { type: 'fw.reset', cmdline: event.cmdline }
    : { type: 'fw.reset' };
}
/** The reasons of a `dump.none` for a kernel that ended without anything calling the dump
 *  mechanism (docs/kernel-behaviour.md §13): armed or not, no dump is taken. */
export const NOT_TRIGGERED = {
  watchdog:
    'watchdog hard restart: the hypervisor restarts the partition without the OS, nothing calls crash_fadump(): no dump',
  mpiplUnregistered: 'a firmware-initiated MPIPL with no kernel range registered (registered_regions == 0): no vmcore',
} as const;
export type AnyEvent = ExternalMachineEvent | InternalEvent;

/** The name a user's kexec syscall answer carries: it travels back to the user as the same
 *  'sysfs.result' event a user's write gets (the one the system and the engine take the user's
 *  errno from), with this in place of a path. */
export const KEXEC_SYSCALL = 'kexec_file_load(KEXEC_FILE_ON_CRASH)';
