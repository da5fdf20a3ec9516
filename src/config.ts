// A configuration picks the variant of every actor (docs/design.md §3).
// Validated at the boundary with zod; defaults give a current pSeries system.
import { z } from 'zod';
import {
  CURRENT_KERNEL,
  LAST_AT_REGISTRATION_KERNEL,
  OLDEST_KERNEL,
  compareKernelVersions,
  parseKernelVersion,
  traitsOf,
  type KernelVersion,
  type RegisteredWrite,
} from './kernel-versions';
export type { RegisteredWrite } from './kernel-versions';
import type { Firmware, Mmu } from './memory/guest';
import { GiB, KiB, MiB } from './memory/size';
import { acceptedCrashkernel, crashkernelSyntaxError } from './memory/crashkernel';
import { earlyFadumpParam, lastCrashkernel } from './memory/cmdline';

/** crashkernel= as the kernel reads it (src/memory/crashkernel.ts): the simple form, ranges,
 *  @offset, ",high"/",low"; refused only where parse_crashkernel() refuses it whatever the RAM. */
const crashkernelString = z.string().superRefine((s, ctx) => {
  const problem = crashkernelSyntaxError(s);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
});

/** The capture kernel's needs in MiB (kdump): what `kexec -p` loads into crashkernel= memory (a
 *  distribution's ppc64le vmlinux, 48 MiB, and its kdump initramfs, 32 MiB [I]) and the memory it
 *  then needs to boot, run the initramfs and save the dump (160 MiB [I]): 240 MiB in all, below
 *  the smallest crashkernel= kdump-utils recommends for ppc64le (kdump-lib.sh
 *  kdump_get_arch_recommend_crashkernel(): "2G-4G:384M,4G-16G:512M,..."), whose margin covers
 *  drivers and makedumpfile on larger systems [I]. */
export const CAPTURE_KERNEL_DEFAULT_MIB = { imageMiB: 48, initrdMiB: 32, workingMiB: 160 } as const;

const captureMiB = z
  .number()
  .int()
  .min(0)
  .max(1024 * 1024);

const captureBytes = z
  .number()
  .int()
  .positive()
  .max(1024 * 1024 * 1024 * 1024);

/** The most memory a configuration names, MiB (64 TiB). */
const MAX_MIB = 64 * 1024 * 1024;

const positiveMiB = z.number().int().positive().max(MAX_MIB);

/** The LPAR profile's memory bounds when the configuration gives none (MiB): two LMBs either side
 *  of memoryMiB, within one LMB and MAX_MIB (memoryMiB at the top of the range left a default
 *  maximum past MAX_MIB, which its own check then refused: an internal error). */
const defaultMinMiB = (c: { memoryMiB: number; lmbMiB: number }): number =>
  Math.max(c.lmbMiB, c.memoryMiB - 2 * c.lmbMiB);
const defaultMaxMiB = (c: { memoryMiB: number; lmbMiB: number }): number =>
  Math.min(MAX_MIB, c.memoryMiB + 2 * c.lmbMiB);

/** An upstream kernel release the version table (src/kernel-versions.ts) describes: "major.minor",
 *  from OLDEST_KERNEL to CURRENT_KERNEL. */
export const kernelVersion = z.string().superRefine((s, ctx) => {
  if (parseKernelVersion(s) === null) {
    ctx.addIssue({
      code: 'custom',
      message: `expected an upstream release as major.minor, such as "6.1" or "6.12" (a stable kernel such as 6.12.107 is given as its series, "6.12")`,
    });
  } else if (compareKernelVersions(s, OLDEST_KERNEL) < 0) {
    ctx.addIssue({
      code: 'custom',
      message: `${s} is older than ${OLDEST_KERNEL}, the oldest release the model describes (older kernels size boot memory by fadump_reserve_mem= rather than crashkernel=, src/kernel-versions.ts)`,
    });
  } else if (compareKernelVersions(s, CURRENT_KERNEL) > 0) {
    // A release the table has not seen may change anything: the model does not guess.
    ctx.addIssue({
      code: 'custom',
      message: `${s} is newer than ${CURRENT_KERNEL}, the newest release the model describes (src/kernel-versions.ts)`,
    });
  }
});

/** The longest `name` a configuration takes (ConfigSchema), and so the longest display name made
 *  for one (the default matrix's longest is 131 characters): names become file names
 *  (src/explore/check.ts slug(), with `__`, a property id of up to 36 characters, a `-N` suffix,
 *  `.jsonl`, and a temporary file's 22 more: some 230 of the 255 bytes of a file name), and a name
 *  printed by `check --json` can be given back as a `name`. */
export const MAX_NAME = 160;

/** The characters a `name` may not hold: control characters (C0, DEL, C1), format characters (a
 *  bidirectional override, a zero-width space, a byte order mark...), lone surrogates, and the
 *  Unicode line and paragraph separators. A name is written on one line of a shell script's comment
 *  (src/spec/sh.ts), of a spec's README.md and of the terminal: a line break there would start a
 *  line of its own (a command, in a script), an escape sequence would drive the terminal, a format
 *  character would make it read as another. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;
const NAME_CHARACTERS = new RegExp(`^(?:(?!${UNPRINTABLE.source}).)*$`, 'u');

/** `text` with each UNPRINTABLE character written as \uXXXX, so that a generated name shows it
 *  and is a name a configuration may be given. */
const escapeUnprintable = (text: string): string =>
  text.replace(
    new RegExp(UNPRINTABLE.source, 'gu'),
    (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`,
  );

/** A kernel command line as a configuration gives it: one line (as a boot event's, src/events.ts),
 *  at most 2047 characters. */
const commandLine = z
  .string()
  .min(1)
  .max(2047)
  .refine((s) => !/[\n\r\0]/.test(s), 'one line: no newline, carriage return or NUL');

export const ConfigSchema = z
  .object({
    /** The dump mechanism (docs/design.md §3): fadump (which falls back to kdump
     *  when its reservation fails and crashkernel= is set, docs/kernel-behaviour.md §1 early boot 4), kdump
     *  (crashkernel= and kexec -p, §6, kdump.rst), or the 2007 hypervisor-assisted dump
     *  (phyp-assisted-dump.txt). */
    mechanism: z.enum(['fadump', 'kdump', 'phyp-assisted-dump']).default('fadump'),
    /** pSeries (PHYP, RTAS ibm,configure-kernel-dump) or PowerNV (OPAL, MPIPL). */
    platform: z.enum(['pseries', 'powernv']).default('pseries'),
    /** The upstream kernel release ("6.1", "6.12", "4.18", ...): every version-dependent
     *  behaviour follows from it through src/kernel-versions.ts; the explicit keys elfcorehdr,
     *  registerAtBoot and registeredWrite override it. Default: the current kernel, or, when only
     *  elfcorehdr "at-registration" is given, the last release before the 2024 change (6.9). */
    kernel: kernelVersion.optional(),
    /** Where the elfcorehdr is built: at registration in the first kernel, with the udev rule
     *  re-registering after hotplug (before the 2024 change, c6c5b14dac0d), or in the capture
     *  kernel from that boot's memory map (after it). Default: the kernel's (c6c5b14dac0d, 6.10). */
    elfcorehdr: z.enum(['at-registration', 'in-capture-kernel']).optional(),
    /** fadump= on the kernel command line (§1 early boot 2). Default: on for the
     *  fadump mechanism, off (absent) for kdump and hypervisor-assisted dump. */
    fadump: z.enum(['on', 'off', 'nocma']).optional(),
    /** CONFIG_CRASH_HOTPLUG: the kernel updates a loaded kdump image's elfcorehdr in place on
     *  memory hotplug and /sys/devices/system/memory/crash_hotplug reads 1 (§6).
     *  Default: on for the current kernel generation (elfcorehdr "in-capture-kernel"; Kconfig
     *  CRASH_HOTPLUG defaults to y and came to powerpc in the same 2024 cycle [I]), off before. */
    crashHotplug: z.boolean().optional(),
    /** The syscall `kexec -p` loads the kdump kernel with (docs/kernel-behaviour.md §6.1):
     *  'kexec_file_load' where the kernel has CONFIG_KEXEC_FILE, as distribution kernels do
     *  (kexec-tools tries it first since 29fe506 "kexec: make -a the default", v2.0.27; kdumpctl
     *  adds -s under secure boot, kdump-lib.sh); 'kexec_load' where it has not (kexec_file_load is
     *  sys_ni_syscall, -ENOSYS, kernel/sys_ni.c, and kexec-tools falls back to kexec_load,
     *  kexec/kexec.c main()): kexec-tools then places the segments itself and fails in user space
     *  when they do not fit. Default 'kexec_file_load'. */
    kexecSyscall: z.enum(['kexec_file_load', 'kexec_load']).default('kexec_file_load'),
    /** crashkernel= as on the kernel command line (its value: "512M", "512M@256M",
     *  "2G-16G:512M,16G-:1G", ...), or null. fadump takes only its size; kdump reserves it. */
    crashkernel: crashkernelString.nullable().default(null),
    /** RAM at first boot, in MiB. */
    memoryMiB: positiveMiB.default(8192),
    /** Size of one memory block (LMB), in MiB. */
    lmbMiB: positiveMiB.default(256),
    /** Holes in the memory at boot, in MiB: LMBs below memoryMiB the partition does not have (as
     *  DLPAR leaves them, or firmware-reserved ranges), each LMB-aligned, above LMB 0 and below
     *  the top of memory. Boot memory is split around them into regions
     *  (fadump_get_boot_mem_regions(): at most 7 on pSeries, 128 on OPAL, else "Too many holes in
     *  boot memory area to enable fadump"); the elfcorehdr's PT_LOADs follow them. */
    memoryHolesMiB: z
      .array(z.object({ startMiB: z.number().int().min(0), sizeMiB: positiveMiB }).strict())
      .max(1024)
      .default([]),
    /** OPAL's reserved memory (PowerNV): the ranges skiboot lists in the device tree's
     *  reserved-ranges property (core/mem_region.c mem_region_add_dt_reserved()), in bytes. They
     *  stay memory, but fadump_locate_reserve_mem() places the reserved area above them
     *  (overlaps_reserved_ranges(), arch/powerpc/kernel/fadump.c) and fadump_release_memory()
     *  frees around them. Default none. */
    opalReservedRanges: z
      .array(z.object({ start: z.number().int().nonnegative(), size: z.number().int().positive() }).strict())
      .max(64)
      .default([]),
    /** The LPAR profile's minimum and maximum memory: DLPAR stays within them (default: two LMBs
     *  either side of memoryMiB). */
    minMemoryMiB: positiveMiB.optional(),
    maxMemoryMiB: positiveMiB.optional(),
    /** Petitboot built with CONFIG_PRESERVE_FA_DUMP (PowerNV only; default true there). */
    petitbootPreservesDump: z.boolean().optional(),
    /** The boot-memory size rule: the current kernel's, or the 2011 documentation's "larger of 5% or
     *  256MB" (firmware-assisted-dump.rst). */
    bootMemoryRule: z.enum(['current', 'seed-2011']).default('current'),
    /** The kernel registers itself at boot (607451ce0aa9, 5.18); before, kdumpctl start did.
     *  Default: the kernel's. */
    registerAtBoot: z.boolean().optional(),
    /** `echo 1 > registered` while registered: re-registers (0823c68b054b, 4.20), -EEXIST
     *  (98b8cd7f7564, 4.13-4.19), or -EINVAL (before 98b8cd7f7564: -EINVAL for `echo 0` while
     *  not registered too, and a failed registration still returns success). Default: the
     *  kernel's. */
    registeredWrite: z.enum(['reregister', 'eexist', 'einval']).optional(),
    /** The kdump-utils udev rule on memory online/offline (98-kexec.rules.ppc64): "always"
     *  starts the throttler on every event (a585f981bde6, 2019), "hotplug-ready" skips it when
     *  /sys/kernel/fadump/hotplug_ready reads 1 (679a1c5a96e4, 2025, the current rule), and
     *  "hotplug-ready-inverted" is the shipped b4e3d3724cf3 (2024) that grepped for 1 instead
     *  of 0, so it skips only when the file reads 0 (docs/kernel-behaviour.md §10). */
    udevRule: z.enum(['always', 'hotplug-ready', 'hotplug-ready-inverted']).default('hotplug-ready'),
    /** Possible CPUs: QEMU sizes its CPU state data section by them (0x20 + 0x4f0 each; QEMU
     *  counts cores, -smp maxcpus / threads). PowerVM's documented size does not follow them. */
    cpus: z.number().int().positive().max(8192).default(1),
    /** CPUs present at boot (QEMU -smp N,maxcpus=cpus; the LPAR's desired processors), at most
     *  `cpus`; the rest can be added by DLPAR (`cpu-hotplug` events, docs/kernel-behaviour.md §11).
     *  Default: `cpus`, which leaves no room to add one. pSeries only. */
    onlineCpus: z.number().int().positive().max(8192).optional(),
    /** PAGE_SIZE of the kernel build in KiB: CONFIG_PPC_4K_PAGES or CONFIG_PPC_64K_PAGES. Every
     *  PAGE_ALIGN of fadump's arithmetic follows it. */
    pageSizeKiB: z
      .literal([4, 64], { error: 'expected 4 or 64 (CONFIG_PPC_4K_PAGES or CONFIG_PPC_64K_PAGES)' })
      .default(64),
    /** The MMU the guest runs with: the hash MMU puts the param area in the RMA and needs one of
     *  768 MB (fadump_setup_param_area()). */
    mmu: z.enum(['radix', 'hash']).default('radix'),
    /** pSeries firmware: PowerVM, or QEMU's spapr RTAS; what ibm,configure-kernel-dump-sizes
     *  reports (src/memory/guest.ts). Default PowerVM. */
    firmware: z.enum(['powervm', 'qemu']).optional(),
    /** The kernel that boots to capture the dump, when it differs from the crashed one. */
    captureKernel: z
      .object({
        /** Its release (default: the crashed kernel's, or the one elfcorehdr implies). */
        kernel: kernelVersion.optional(),
        elfcorehdr: z.enum(['at-registration', 'in-capture-kernel']).optional(),
        endianness: z.enum(['same', 'swapped']).default('same'),
        headerSizes: z.enum(['same', 'different']).default('same'),
        /** kdump: the capture kernel's image (vmlinux), its initramfs, and the memory it needs to run
         *  beside them, in MiB (CAPTURE_KERNEL_DEFAULT_MIB). */
        imageMiB: captureMiB.default(CAPTURE_KERNEL_DEFAULT_MIB.imageMiB),
        initrdMiB: captureMiB.default(CAPTURE_KERNEL_DEFAULT_MIB.initrdMiB),
        workingMiB: captureMiB.default(CAPTURE_KERNEL_DEFAULT_MIB.workingMiB),
        /** The image's first PT_LOAD p_memsz and the initramfs's size in bytes, where known (the
         *  lab records them): kexec-tools' kexec_load path places them page by page
         *  (kexecLoadFailure(), src/memory/kdump.ts). Default imageMiB and initrdMiB in bytes. */
        imageBytes: captureBytes.optional(),
        initrdBytes: captureBytes.optional(),
      })
      .strict()
      .default({ endianness: 'same', headerSizes: 'same', ...CAPTURE_KERNEL_DEFAULT_MIB }),
    /** Allow `firmware-error` events (firmware call failures) in exploration. */
    faults: z.boolean().default(false),
    /** Explore the ways a kernel ends besides crash and reboot (docs/kernel-behaviour.md §13):
     *  kexec-reboot, power-off, watchdog-reset, dump-restart, and on PowerNV mpipl and
     *  petitboot-crash. Off by default, so that other configurations explore what they did. */
    endings: z.boolean().default(false),
    /** The production kernel's command line as /proc/cmdline shows it (what bootargs_append's
     *  -ENOSPC check counts: saved_command_line_len in bootargs_append_store(),
     *  arch/powerpc/kernel/fadump.c). Default: a distribution's "BOOT_IMAGE=... ro fadump=..." with
     *  crashkernel= when set. */
    cmdline: commandLine.optional(),
    /** Command lines the explorer also reboots with (`reboot` events with a `cmdline`, at most 4;
     *  docs/kernel-behaviour.md §12): each becomes the boot loader's stored command line. Default
     *  none. */
    rebootCmdlines: z.array(commandLine).max(4).default([]),
    /** CONFIG_NR_CPUS of the kernel build: the crash info header's cpumask, and so the reserved
     *  area's size (default 2048, as Debian, Fedora/RHEL and SUSE build ppc64le). */
    nrCpus: z.number().int().min(1).max(16384).default(2048),
    /** `systemctl enable kdump`: kdump.service (WantedBy=multi-user.target, kdump-utils'
     *  kdump.service) runs `kdumpctl start` after each production boot. Default false: the
     *  service starts only on a `kdump-start` event. */
    kdumpEnabled: z.boolean().default(false),
    /** FADUMP_COMMANDLINE_APPEND of /etc/sysconfig/kdump: kdumpctl start writes it to
     *  /sys/kernel/fadump/bootargs_append before it registers (fadump_bootargs_append() in
     *  kdump-utils' kdumpctl, 77b80ce "fadump: pass additional parameters for capture kernel").
     *  Default null: not set (kdumpctl then echoes an empty line). */
    fadumpCommandlineAppend: z.string().max(2047).nullable().default(null),
    /** Whether the capture kernel image kdumpctl looks for is installed: "missing" fails
     *  `kdumpctl start` with "Failed to detect kdump kernel location" (prepare_kdump_bootinfo() in
     *  kdump-utils' kdump-lib.sh). Default "present". */
    captureKernelImage: z.enum(['present', 'missing']).default('present'),
    /** The distribution's kdump service: "rhel" (kdump-utils' kdumpctl: with fadump/enabled not
     *  reading 1 it falls back to kdump, is_fadump_capable()) or "sles" (openSUSE/kdump's
     *  init/load.sh with KDUMP_FADUMP="yes" for the fadump mechanism: "fadump is not enabled in
     *  the kernel.", exit 5, no fallback). Default "rhel". */
    distro: z.enum(['rhel', 'sles']).default('rhel'),
    /** kdump.conf's dump target (kdump-utils' kdump.conf.5): "local" (the default, `path
     *  /var/crash` on the root file system), "nfs" (`nfs <server:/export>`), "ssh" (`ssh
     *  <user@server>`), "san" (a LUN on an FC disk, `xfs|ext4 <device>`) or "pmem" (an fsdax pmem
     *  namespace, `xfs|ext4 /dev/pmemN`): the last two are file system targets, saved by dump_fs()
     *  as the local one (src/dump-target.ts). */
    dumpTarget: z.enum(['local', 'nfs', 'ssh', 'san', 'pmem']).default('local'),
    /** A fault of the dump target at `save-dump`: "unreachable" (not mounted / ssh fails) or
     *  "no-space" (the core collector fails): kdump.sh logs "saving vmcore failed" and its
     *  failure_action (default reboot) runs (src/dump-target.ts). Default null: the save works. */
    dumpTargetFault: z.enum(['unreachable', 'no-space']).nullable().default(null),
    /** A name for reports; derived from the other keys when absent. */
    name: z
      .string()
      .min(1)
      .max(MAX_NAME)
      .regex(NAME_CHARACTERS, {
        message:
          'holds a control or format character (a line break, a tab, an escape, a bidirectional override...): names go into file names, the generated scripts and the terminal, one line each, as they read',
      })
      .refine((n) => n.trim() !== '', { message: 'is blank: give a name with something to read, or none' })
      .optional(),
  })
  .strict();

export type ConfigInput = z.input<typeof ConfigSchema>;
/** The kdump-utils udev memory-hotplug rule variant (98-kexec.rules.ppc64). */
export type UdevRule = 'always' | 'hotplug-ready' | 'hotplug-ready-inverted';
/** kdump.conf's dump target (src/dump-target.ts). */
export type DumpTarget = 'local' | 'nfs' | 'ssh' | 'san' | 'pmem';
/** A fault of the dump target at save-dump (src/dump-target.ts). */
export type DumpTargetFault = 'unreachable' | 'no-space';
type Parsed = z.output<typeof ConfigSchema>;

/** A configuration with every default filled in and every size in bytes. */
export interface Config {
  /** The display name: `name` when given, else every setting of the canonical form in words
   *  ("pseries at-registration fadump=on 8G minMemoryMiB=8192"); unique per configuration. */
  readonly name: string;
  /** The canonical key: a stable JSON text of `canonical`. Two inputs describing the same
   *  configuration (defaults spelt out or not) get the same key; expected verdicts are keyed by it. */
  readonly key: string;
  /** The canonical form: the fewest settings that give this configuration (`name` left out). */
  readonly canonical: ConfigInput;
  /** The configuration as it was given (before defaults), for writing logs back out. */
  readonly input: ConfigInput;
  readonly mechanism: Parsed['mechanism'];
  readonly platform: Parsed['platform'];
  /** The kernel release ("major.minor"), given or implied; src/kernel-versions.ts traitsOf(). */
  readonly kernel: KernelVersion;
  readonly elfcorehdr: 'at-registration' | 'in-capture-kernel';
  readonly fadump: 'on' | 'off' | 'nocma';
  readonly crashHotplug: boolean;
  /** The syscall `kexec -p` loads with (the schema's kexecSyscall). */
  readonly kexecSyscall: 'kexec_file_load' | 'kexec_load';
  /** The crashkernel= size in bytes parse_crashkernel() gives this release for the first boot's
   *  RAM (memoryAtBoot, memblock_phys_mem_size()), when it returns 0 with a size above 0
   *  (crashkernelAccepted()); null otherwise (none given, a range matching no RAM, ",high", a size
   *  at or above RAM on 6.12+). Each boot reads crashkernel= again against its own RAM
   *  (crashkernelSizeAt(), kdumpReservation() in src/memory/kdump.ts). */
  readonly crashkernel: number | null;
  /** The @offset in bytes (0: none, or the value was not accepted). */
  readonly crashkernelBase: number;
  /** The value as given (crashkernel=...), or null. */
  readonly crashkernelText: string | null;
  readonly memoryBytes: number;
  /** The partition's memory at boot (bytes): [0, memoryBytes) without memoryHolesMiB. */
  readonly memoryAtBoot: readonly { start: number; end: number }[];
  /** memoryHolesMiB as given (MiB). */
  readonly memoryHolesMiB: readonly { startMiB: number; sizeMiB: number }[];
  /** opalReservedRanges as given (bytes: start and size). */
  readonly opalReservedRanges: readonly { start: number; size: number }[];
  readonly lmbBytes: number;
  readonly minMemoryBytes: number;
  readonly maxMemoryBytes: number;
  readonly petitbootPreservesDump: boolean;
  readonly bootMemoryRule: Parsed['bootMemoryRule'];
  readonly registerAtBoot: boolean;
  readonly registeredWrite: RegisteredWrite;
  /** The kdump-utils udev memory-hotplug rule (see the schema's udevRule). */
  readonly udevRule: UdevRule;
  /** Possible CPUs. */
  readonly cpus: number;
  /** CPUs present at the first boot (≤ cpus). */
  readonly onlineCpus: number;
  /** PAGE_SIZE in KiB (4 or 64) and in bytes. */
  readonly pageSizeKiB: 4 | 64;
  readonly pageSize: number;
  readonly mmu: Mmu;
  /** pSeries firmware (PowerVM or QEMU); 'powervm' on PowerNV, where it plays no part. */
  readonly firmware: Firmware;
  readonly captureKernel: {
    /** The capture kernel's release: the crashed kernel's unless given (or implied by a different
     *  elfcorehdr). */
    readonly kernel: KernelVersion;
    readonly elfcorehdr: 'at-registration' | 'in-capture-kernel';
    readonly endianness: 'same' | 'swapped';
    readonly headerSizes: 'same' | 'different';
    /** kdump: the image, initramfs and working memory the capture kernel needs (MiB). */
    readonly imageMiB: number;
    readonly initrdMiB: number;
    readonly workingMiB: number;
    /** The image's first PT_LOAD p_memsz and the initramfs's size, in bytes. */
    readonly imageBytes: number;
    readonly initrdBytes: number;
  };
  readonly faults: boolean;
  /** The endings events are in the exploration's alphabet (src/explore/alphabet.ts). */
  readonly endings: boolean;
  /** The command line given, or null for the default (kernelCmdline()). */
  readonly cmdline: string | null;
  /** CONFIG_NR_CPUS. */
  readonly nrCpus: number;
  /** The command lines the explorer reboots with (the schema's rebootCmdlines). */
  readonly rebootCmdlines: readonly string[];
  /** `systemctl enable kdump`: the service starts after each production boot. */
  readonly kdumpEnabled: boolean;
  /** kdumpctl's FADUMP_COMMANDLINE_APPEND, or null when not set. */
  readonly fadumpCommandlineAppend: string | null;
  /** Whether kdumpctl finds the capture kernel image. */
  readonly captureKernelImage: 'present' | 'missing';
  /** The distribution's kdump service (kdumpctl or openSUSE's load.sh). */
  readonly distro: 'rhel' | 'sles';
  /** kdump.conf's dump target. */
  readonly dumpTarget: DumpTarget;
  /** A fault of the dump target at save-dump, or null. */
  readonly dumpTargetFault: DumpTargetFault | null;
}

export interface ConfigIssue {
  path: string;
  message: string;
}

/** The kernel builds a configuration describes, each key given or taken from the version table
 *  (src/kernel-versions.ts): the explicit feature keys override the table. */
interface Kernels {
  kernel: KernelVersion;
  elfcorehdr: 'at-registration' | 'in-capture-kernel';
  registerAtBoot: boolean;
  registeredWrite: RegisteredWrite;
  crashHotplug: boolean;
  capture: { kernel: KernelVersion; elfcorehdr: 'at-registration' | 'in-capture-kernel' };
}

/** A configuration that gives only the generation stands for a release of that generation: the
 *  last one building the elfcorehdr at registration (6.9: no bootargs_append, no hotplug_ready),
 *  or the current one. */
function kernelOfGeneration(g: 'at-registration' | 'in-capture-kernel' | undefined): KernelVersion {
  return g === 'at-registration' ? LAST_AT_REGISTRATION_KERNEL : CURRENT_KERNEL;
}

function kernelsOf(c: Parsed): Kernels {
  const kernel = c.kernel ?? kernelOfGeneration(c.elfcorehdr);
  const t = traitsOf(kernel);
  const elfcorehdr = c.elfcorehdr ?? t.elfcorehdr;
  const ck = c.captureKernel;
  // The capture kernel is the crashed kernel's build unless its release, or a generation other
  // than the crashed kernel's, is given.
  const differs = ck.elfcorehdr !== undefined && ck.elfcorehdr !== elfcorehdr;
  const captureKernel = ck.kernel ?? (differs ? kernelOfGeneration(ck.elfcorehdr) : kernel);
  const captureElfcorehdr = ck.elfcorehdr ?? (ck.kernel !== undefined ? traitsOf(ck.kernel).elfcorehdr : elfcorehdr);
  return {
    kernel,
    elfcorehdr,
    registerAtBoot: c.registerAtBoot ?? t.registerAtBoot,
    registeredWrite: c.registeredWrite ?? t.registeredWrite,
    // An explicit generation carries powerpc's crash hotplug with it (both 6.10).
    crashHotplug: c.crashHotplug ?? (c.elfcorehdr !== undefined ? elfcorehdr === 'in-capture-kernel' : t.crashHotplug),
    capture: { kernel: captureKernel, elfcorehdr: captureElfcorehdr },
  };
}

/** Checks the rules zod's shape cannot: contradictions between keys. */
function contradictions(c: Parsed): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const k = kernelsOf(c);
  const builds =
    k.capture.kernel === k.kernel
      ? [['kernel', k.kernel] as const]
      : ([
          ['kernel', k.kernel],
          ['captureKernel.kernel', k.capture.kernel],
        ] as const);
  for (const [path, version] of builds) {
    const t = traitsOf(version);
    if (c.platform === 'powernv' && !t.opal) {
      out.push({
        path,
        message: `fadump on PowerNV (OPAL MPIPL) came in 5.4 ("powerpc/fadump: add fadump support on powernv"): kernel ${version} has none`,
      });
    }
    if (c.fadump === 'nocma' && !t.cma) {
      out.push({
        path,
        message: `kernel ${version} does not know fadump=nocma (a4e92ce8e4c8, 4.20): early_fadump_param() would leave fadump disabled; use "on" or "off"`,
      });
    }
  }
  if (c.platform === 'powernv' && c.firmware !== undefined) {
    out.push({
      path: 'firmware',
      message: "firmware picks pSeries firmware (PowerVM or QEMU's RTAS); PowerNV runs OPAL",
    });
  }
  if (c.platform === 'pseries' && c.petitbootPreservesDump !== undefined) {
    out.push({ path: 'petitbootPreservesDump', message: 'petitboot exists only on PowerNV (platform "powernv")' });
  }
  // The LMB size comes from ibm,lmb-size (memory_block_size_bytes()): a power of two.
  // MIN_MEMORY_BLOCK_SIZE = 1 << SECTION_SIZE_BITS (24 on powerpc, arch/powerpc/include/asm/sparsemem.h):
  // a memory block, and so an LMB, is at least 16 MiB.
  if (c.lmbMiB < 16)
    out.push({ path: 'lmbMiB', message: `${c.lmbMiB} MiB is below 16 MiB, the smallest memory block on powerpc` });
  else if ((c.lmbMiB & (c.lmbMiB - 1)) !== 0) {
    out.push({
      path: 'lmbMiB',
      message: `${c.lmbMiB} MiB is not a power of two (the LMB size, ibm,lmb-size, always is: 16, 32, ..., 256, ...)`,
    });
  }
  if (c.memoryMiB % c.lmbMiB !== 0) {
    out.push({ path: 'memoryMiB', message: `${c.memoryMiB} MiB is not a multiple of the LMB size (${c.lmbMiB} MiB)` });
  }
  out.push(...holeIssues(c));
  out.push(...opalReservedIssues(c));
  const min = c.minMemoryMiB ?? defaultMinMiB(c);
  const max = c.maxMemoryMiB ?? defaultMaxMiB(c);
  if (min > c.memoryMiB) out.push({ path: 'minMemoryMiB', message: `${min} MiB is above memoryMiB (${c.memoryMiB})` });
  if (max < c.memoryMiB) out.push({ path: 'maxMemoryMiB', message: `${max} MiB is below memoryMiB (${c.memoryMiB})` });
  // Only bounds that were given: the defaults follow memoryMiB, already reported above.
  for (const [key, v] of [
    ['minMemoryMiB', c.minMemoryMiB],
    ['maxMemoryMiB', c.maxMemoryMiB],
  ] as const) {
    if (v !== undefined && v % c.lmbMiB !== 0)
      out.push({ path: key, message: `${v} MiB is not a multiple of the LMB size (${c.lmbMiB} MiB)` });
  }
  if (c.onlineCpus !== undefined && c.onlineCpus > c.cpus)
    out.push({ path: 'onlineCpus', message: `${c.onlineCpus} CPUs is above cpus (${c.cpus}, the possible CPUs)` });
  if (c.onlineCpus !== undefined && c.onlineCpus < c.cpus && c.platform !== 'pseries')
    out.push({
      path: 'onlineCpus',
      message:
        'CPUs are added by DLPAR only on pSeries (arch/powerpc/platforms/pseries/hotplug-cpu.c): leave onlineCpus out on PowerNV',
    });
  if (c.mechanism !== 'fadump' && c.fadump !== undefined && c.fadump !== 'off') {
    out.push({
      path: 'fadump',
      message: `mechanism "${c.mechanism}" runs without fadump: leave fadump out or set it to "off"`,
    });
  }
  if (c.mechanism === 'kdump' && c.crashkernel === null) {
    out.push({
      path: 'crashkernel',
      message: 'kdump needs crashkernel= memory for the capture kernel (docs/kernel-behaviour.md §6), such as "512M"',
    });
  }
  if (c.mechanism === 'phyp-assisted-dump' && c.platform !== 'pseries') {
    out.push({
      path: 'platform',
      message: 'hypervisor-assisted dump exists only on pSeries (PHYP, docs/sources.md §3)',
    });
  }
  if (c.mechanism === 'phyp-assisted-dump' && c.crashkernel !== null) {
    out.push({
      path: 'crashkernel',
      message:
        'the model does not combine hypervisor-assisted dump with kdump (docs/sources.md §3: "Still working the kdump team to integrate this")',
    });
  }
  return out;
}

/** crashkernel= resolved for the boot RAM and the release (Config.crashkernel, crashkernelBase). */
function crashkernelOf(c: Parsed): { crashkernel: number | null; crashkernelBase: number } {
  const ram = memoryAtBoot(c).reduce((a, r) => a + (r.end - r.start), 0);
  const spec = acceptedCrashkernel(c.crashkernel, ram, traitsOf(kernelsOf(c).kernel).crashkernelRejectsRamSize);
  return spec === null
    ? { crashkernel: null, crashkernelBase: 0 }
    : { crashkernel: spec.size, crashkernelBase: spec.base };
}

/** fadump= as the kernel sees it: absent means off, except that the fadump mechanism's default
 *  configuration turns it on. */
function fadumpOf(c: Parsed): 'on' | 'off' | 'nocma' {
  return c.fadump ?? (c.mechanism === 'fadump' ? 'on' : 'off');
}

/** The guest keys given away from their defaults, for the name: the kernel release, CPUs, page
 *  size, MMU and firmware (empty for a configuration that gives none, so older names stay). */
/** memoryHolesMiB's problems: a hole must be whole LMBs, above LMB 0 (it holds the kernel) and
 *  end below memoryMiB (a hole at the top is less memory: lower memoryMiB), and holes must not
 *  overlap. */
function holeIssues(c: Parsed): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const sorted = c.memoryHolesMiB.map((h, i) => ({ ...h, i })).sort((a, b) => a.startMiB - b.startMiB);
  let lastEnd = 0;
  for (const h of sorted) {
    const path = `memoryHolesMiB.${h.i}`;
    const end = h.startMiB + h.sizeMiB;
    if (h.startMiB % c.lmbMiB !== 0 || h.sizeMiB % c.lmbMiB !== 0)
      out.push({ path, message: `a hole is whole LMBs: startMiB and sizeMiB must be multiples of ${c.lmbMiB}` });
    else if (h.startMiB < c.lmbMiB)
      out.push({
        path,
        message: `LMB 0 ([0, ${c.lmbMiB}) MiB) holds the kernel: a hole starts at ${c.lmbMiB} MiB or above`,
      });
    else if (end >= c.memoryMiB)
      out.push({
        path,
        message: `the hole ends at ${end} MiB, not below memoryMiB (${c.memoryMiB}): a hole lies inside memory`,
      });
    else if (h.startMiB < lastEnd)
      out.push({ path, message: `the hole overlaps another one (which ends at ${lastEnd} MiB)` });
    lastEnd = Math.max(lastEnd, end);
  }
  return out;
}

/** "holes=512M+256M,2048M+512M": the name's word for memoryHolesMiB (null without holes). */
function holesToken(holes: readonly { startMiB: number; sizeMiB: number }[]): string | null {
  if (holes.length === 0) return null;
  const sorted = [...holes].sort((a, b) => a.startMiB - b.startMiB);
  return `holes=${sorted.map((h) => `${h.startMiB}M+${h.sizeMiB}M`).join(',')}`;
}

/** "opal-reserved=0x30000000+0x5382000": the name's word for opalReservedRanges (null without). */
function opalReservedToken(ranges: readonly { start: number; size: number }[]): string | null {
  if (ranges.length === 0) return null;
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  return `opal-reserved=${sorted.map((r) => `0x${r.start.toString(16)}+0x${r.size.toString(16)}`).join(',')}`;
}

/** opalReservedRanges' problems: PowerNV only, and each inside memoryMiB. */
function opalReservedIssues(c: Parsed): ConfigIssue[] {
  if (c.opalReservedRanges.length === 0) return [];
  if (c.platform !== 'powernv')
    return [{ path: 'opalReservedRanges', message: 'OPAL reserves memory only on PowerNV (platform "powernv")' }];
  return c.opalReservedRanges.flatMap((r, i) =>
    r.start + r.size > c.memoryMiB * MiB
      ? [{ path: `opalReservedRanges.${i}`, message: `the range ends above memoryMiB (${c.memoryMiB})` }]
      : [],
  );
}

/** The partition's memory at boot, in bytes: [0, memoryMiB) without the holes. */
function memoryAtBoot(c: Parsed): { start: number; end: number }[] {
  const holes = [...c.memoryHolesMiB].sort((a, b) => a.startMiB - b.startMiB);
  const out: { start: number; end: number }[] = [];
  let at = 0;
  for (const h of holes) {
    if (h.startMiB > at) out.push({ start: at * MiB, end: h.startMiB * MiB });
    at = Math.max(at, h.startMiB + h.sizeMiB);
  }
  if (c.memoryMiB > at) out.push({ start: at * MiB, end: c.memoryMiB * MiB });
  return out;
}

function guestParts(c: Parsed): string[] {
  const parts: string[] = [];
  if (c.kernel !== undefined) parts.push(`kernel=${c.kernel}`);
  if (c.firmware === 'qemu') parts.push('qemu');
  if (c.cpus !== 1) parts.push(`cpus=${c.cpus}`);
  if (c.pageSizeKiB !== 64) parts.push(`${c.pageSizeKiB}K-pages`);
  if (c.mmu !== 'radix') parts.push(`${c.mmu}-mmu`);
  const holes = holesToken(c.memoryHolesMiB);
  if (holes !== null) parts.push(holes);
  const opal = opalReservedToken(c.opalReservedRanges);
  if (opal !== null) parts.push(opal);
  return parts;
}

function defaultName(c: Parsed, k: Kernels, petitboot: boolean): string {
  if (c.mechanism === 'kdump') {
    const parts = [
      c.platform,
      ...guestParts(c),
      'kdump',
      `${c.memoryMiB / 1024}G`,
      `crashkernel=${c.crashkernel ?? ''}`,
      k.crashHotplug ? 'crash-hotplug' : 'udev-reload',
    ];
    if (c.faults) parts.push('faults');
    return parts.join(' ');
  }
  if (c.mechanism === 'phyp-assisted-dump') {
    const parts = [c.platform, ...guestParts(c), 'phyp-assisted-dump', `${c.memoryMiB / 1024}G`];
    if (c.faults) parts.push('faults');
    return parts.join(' ');
  }
  const parts = [c.platform, ...guestParts(c), k.elfcorehdr, `fadump=${fadumpOf(c)}`, `${c.memoryMiB / 1024}G`];
  if (c.crashkernel !== null) parts.push(`crashkernel=${c.crashkernel}`);
  if (c.crashHotplug !== undefined && c.crashHotplug !== (k.elfcorehdr === 'in-capture-kernel'))
    parts.push(c.crashHotplug ? 'crash-hotplug' : 'no-crash-hotplug');
  if (c.platform === 'powernv') parts.push(petitboot ? 'petitboot-preserves' : 'petitboot-clobbers');
  if (c.bootMemoryRule !== 'current') parts.push(c.bootMemoryRule);
  if (!k.registerAtBoot) parts.push('kdumpctl-registers');
  if (k.registeredWrite !== 'reregister') parts.push(`registered-${k.registeredWrite}`);
  const ck = c.captureKernel;
  if (ck.kernel !== undefined && ck.kernel !== k.kernel) parts.push(`capture-kernel=${ck.kernel}`);
  if (k.capture.elfcorehdr !== k.elfcorehdr) parts.push(`capture=${k.capture.elfcorehdr}`);
  if (ck.endianness !== 'same') parts.push('capture-endian-swapped');
  if (ck.headerSizes !== 'same') parts.push('capture-header-sizes-differ');
  if (c.faults) parts.push('faults');
  return parts.join(' ');
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; issues: ConfigIssue[] };

/** The configuration keys a user can give, for "did you mean" (nested ones under captureKernel). */
const KNOWN_KEYS: Record<string, readonly string[]> = {
  '': Object.keys(ConfigSchema.shape),
  captureKernel: [
    'kernel',
    'elfcorehdr',
    'endianness',
    'headerSizes',
    'imageMiB',
    'initrdMiB',
    'workingMiB',
    'imageBytes',
    'initrdBytes',
  ],
  // An entry of the array (its index left out of the path).
  memoryHolesMiB: ['startMiB', 'sizeMiB'],
};

/** Edit distance (Levenshtein), for "did you mean". */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (cur[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** The known key an unknown one is most likely a misspelling of: the same letters in another
 *  case, or at most a third of its letters (and at least 1, at most 3) edited; null when none is
 *  close. */
export function closestKey(key: string, known: readonly string[]): string | null {
  const sameCase = known.find((k) => k.toLowerCase() === key.toLowerCase());
  if (sameCase !== undefined) return sameCase;
  const limit = Math.min(3, Math.max(1, Math.floor(key.length / 3)));
  let best: string | null = null;
  let bestDistance = limit + 1;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

function unknownKeyMessage(parent: readonly PropertyKey[], key: string): string {
  const known =
    KNOWN_KEYS[
      parent
        .filter((p) => typeof p !== 'number')
        .map(String)
        .join('.')
    ] ?? [];
  const near = closestKey(key, known);
  return near === null
    ? `unknown key '${key}' (known: ${known.join(', ')})`
    : `unknown key '${key}': did you mean '${near}'?`;
}

type Unnamed = Omit<Config, 'name' | 'key' | 'canonical'>;
type UnnamedResult = { ok: true; config: Unnamed; parsed: Parsed } | { ok: false; issues: ConfigIssue[] };

/** Validation and defaults, without the name (which needs the canonical form, computed from this). */
function parseUnnamed(raw: unknown): UnnamedResult {
  const parsed = ConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    return {
      ok: false,
      // An unknown key is reported at its own path ("config.colour"), not at the object's; one
      // message a path, the last (the schema's own bound: 1e300 is above both the safe integers
      // and the maximum).
      issues: [
        ...new Map(
          parsed.error.issues
            .flatMap((i) =>
              i.code === 'unrecognized_keys'
                ? i.keys.map((k) => ({
                    path: [...i.path.map(String), k].join('.'),
                    message: unknownKeyMessage(i.path, k),
                  }))
                : [{ path: i.path.map(String).join('.') || '(config)', message: i.message }],
            )
            .map((i) => [i.path, i] as const),
        ).values(),
      ],
    };
  }
  const c = parsed.data;
  const issues = contradictions(c);
  if (issues.length) return { ok: false, issues };
  const petitboot = c.platform === 'powernv' ? (c.petitbootPreservesDump ?? true) : false;
  const k = kernelsOf(c);
  return {
    ok: true,
    parsed: c,
    config: {
      input: raw as ConfigInput,
      mechanism: c.mechanism,
      platform: c.platform,
      kernel: k.kernel,
      elfcorehdr: k.elfcorehdr,
      fadump: fadumpOf(c),
      crashHotplug: k.crashHotplug,
      kexecSyscall: c.kexecSyscall,
      ...crashkernelOf(c),
      crashkernelText: c.crashkernel,
      memoryBytes: c.memoryMiB * MiB,
      memoryAtBoot: memoryAtBoot(c),
      memoryHolesMiB: c.memoryHolesMiB,
      opalReservedRanges: c.opalReservedRanges,
      lmbBytes: c.lmbMiB * MiB,
      minMemoryBytes: (c.minMemoryMiB ?? defaultMinMiB(c)) * MiB,
      maxMemoryBytes: (c.maxMemoryMiB ?? defaultMaxMiB(c)) * MiB,
      petitbootPreservesDump: petitboot,
      bootMemoryRule: c.bootMemoryRule,
      registerAtBoot: k.registerAtBoot,
      registeredWrite: k.registeredWrite,
      udevRule: c.udevRule,
      cpus: c.cpus,
      onlineCpus: c.onlineCpus ?? c.cpus,
      pageSizeKiB: c.pageSizeKiB,
      pageSize: c.pageSizeKiB * KiB,
      mmu: c.mmu,
      firmware: c.firmware ?? 'powervm',
      captureKernel: {
        kernel: k.capture.kernel,
        elfcorehdr: k.capture.elfcorehdr,
        endianness: c.captureKernel.endianness,
        headerSizes: c.captureKernel.headerSizes,
        imageMiB: c.captureKernel.imageMiB,
        initrdMiB: c.captureKernel.initrdMiB,
        workingMiB: c.captureKernel.workingMiB,
        imageBytes: c.captureKernel.imageBytes ?? c.captureKernel.imageMiB * MiB,
        initrdBytes: c.captureKernel.initrdBytes ?? c.captureKernel.initrdMiB * MiB,
      },
      faults: c.faults,
      endings: c.endings,
      cmdline: c.cmdline ?? null,
      nrCpus: c.nrCpus,
      rebootCmdlines: c.rebootCmdlines,
      kdumpEnabled: c.kdumpEnabled,
      fadumpCommandlineAppend: c.fadumpCommandlineAppend,
      captureKernelImage: c.captureKernelImage,
      distro: c.distro,
      dumpTarget: c.dumpTarget,
      dumpTargetFault: c.dumpTargetFault,
    },
  };
}

/**
 * Every setting of a configuration, resolved: each key of the configuration file format with the
 * value this configuration has, the defaults and the kernel version's traits filled in (what
 * `check --json` prints as `results[].configuration`). Given back as input it is the same
 * configuration (test/config-canonical.test.ts). Keys only one platform accepts
 * (`petitbootPreservesDump` on PowerNV, `firmware` on pSeries) appear on that platform only;
 * `name` never does.
 */
export function fullConfig(c: Omit<Config, 'name' | 'key' | 'canonical'>): ConfigInput {
  return {
    mechanism: c.mechanism,
    platform: c.platform,
    kernel: c.kernel,
    elfcorehdr: c.elfcorehdr,
    fadump: c.fadump,
    crashHotplug: c.crashHotplug,
    crashkernel: c.crashkernelText,
    memoryMiB: c.memoryBytes / MiB,
    lmbMiB: c.lmbBytes / MiB,
    memoryHolesMiB: [...c.memoryHolesMiB].sort((a, b) => a.startMiB - b.startMiB),
    // Only when given, so that other configurations read as before.
    ...(c.opalReservedRanges.length > 0
      ? { opalReservedRanges: [...c.opalReservedRanges].sort((a, b) => a.start - b.start) }
      : {}),
    minMemoryMiB: c.minMemoryBytes / MiB,
    maxMemoryMiB: c.maxMemoryBytes / MiB,
    ...(c.platform === 'powernv' ? { petitbootPreservesDump: c.petitbootPreservesDump } : {}),
    bootMemoryRule: c.bootMemoryRule,
    registerAtBoot: c.registerAtBoot,
    registeredWrite: c.registeredWrite,
    udevRule: c.udevRule,
    cpus: c.cpus,
    // Only where it differs from cpus, so that configurations without CPU hotplug read as before.
    ...(c.onlineCpus !== c.cpus ? { onlineCpus: c.onlineCpus } : {}),
    pageSizeKiB: c.pageSizeKiB,
    mmu: c.mmu,
    ...(c.platform === 'pseries' ? { firmware: c.firmware } : {}),
    captureKernel: canonicalCaptureKernel(c.captureKernel),
    faults: c.faults,
    // Only when on, so that other configurations read as before.
    ...(c.endings ? { endings: true } : {}),
    cmdline: kernelCmdline(c),
    nrCpus: c.nrCpus,
    // Only when given, so that configurations without it read as before.
    ...(c.rebootCmdlines.length > 0 ? { rebootCmdlines: [...c.rebootCmdlines] } : {}),
    // The kdump service's keys only where set, so that other configurations read as before.
    ...(c.kdumpEnabled ? { kdumpEnabled: true } : {}),
    ...(c.kexecSyscall !== 'kexec_file_load' ? { kexecSyscall: c.kexecSyscall } : {}),
    ...(c.fadumpCommandlineAppend !== null ? { fadumpCommandlineAppend: c.fadumpCommandlineAppend } : {}),
    ...(c.captureKernelImage !== 'present' ? { captureKernelImage: c.captureKernelImage } : {}),
    ...(c.distro !== 'rhel' ? { distro: c.distro } : {}),
    ...(c.dumpTarget !== 'local' ? { dumpTarget: c.dumpTarget } : {}),
    ...(c.dumpTargetFault !== null ? { dumpTargetFault: c.dumpTargetFault } : {}),
  };
}

/** A JSON text with the keys of every object sorted: equal values give equal texts. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (typeof v === 'object' && v !== null)
    return `{${Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** The order in which the canonical form drops settings that follow from the others: the
 *  derived ones first (the kernel release an elfcorehdr generation implies, its traits, the LPAR
 *  bounds memoryMiB implies, ...), then the plain defaults. */
const DROP_ORDER: readonly (readonly [string] | readonly ['captureKernel', string])[] = [
  ['kernel'],
  ['captureKernel', 'kernel'],
  ['captureKernel', 'elfcorehdr'],
  ['crashHotplug'],
  ['registerAtBoot'],
  ['registeredWrite'],
  ['minMemoryMiB'],
  ['maxMemoryMiB'],
  ['fadump'],
  ['petitbootPreservesDump'],
  ['firmware'],
  ['cmdline'],
  ['mechanism'],
  ['platform'],
  ['elfcorehdr'],
  ['crashkernel'],
  ['memoryMiB'],
  ['lmbMiB'],
  ['memoryHolesMiB'],
  ['opalReservedRanges'],
  ['bootMemoryRule'],
  ['cpus'],
  ['onlineCpus'],
  ['pageSizeKiB'],
  ['mmu'],
  ['captureKernel', 'endianness'],
  ['captureKernel', 'headerSizes'],
  ['captureKernel', 'imageMiB'],
  ['captureKernel', 'initrdMiB'],
  ['captureKernel', 'workingMiB'],
  ['faults'],
  ['endings'],
  ['nrCpus'],
  ['udevRule'],
  ['rebootCmdlines'],
];

type Json = Record<string, unknown>;
const isJsonObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The canonical form: the fewest settings that give this configuration, found by dropping, in
 *  DROP_ORDER, every setting whose absence changes nothing. A function of the resolved
 *  configuration alone, so two spellings of one configuration get one form (and one key). */
function canonicalInput(c: Unnamed): ConfigInput {
  const full = fullConfig(c);
  const target = stableJson(full);
  const same = (candidate: Json): boolean => {
    const r = parseUnnamed(candidate);
    return r.ok && stableJson(fullConfig(r.config)) === target;
  };
  let cur: Json = { ...full, captureKernel: { ...full.captureKernel } };
  for (const path of DROP_ORDER) {
    const candidate: Json = { ...cur };
    if (path.length === 1) {
      if (!(path[0] in candidate)) continue;
      delete candidate[path[0]];
    } else {
      const nested = candidate.captureKernel;
      if (!isJsonObject(nested) || !(path[1] in nested)) continue;
      const rest: Json = { ...nested };
      delete rest[path[1]];
      if (Object.keys(rest).length === 0) delete candidate.captureKernel;
      else candidate.captureKernel = rest;
    }
    if (same(candidate)) cur = candidate;
  }
  return cur as ConfigInput;
}

/** The name's word for one setting of the canonical form, when the name has one. */
function nameToken(mechanism: string, key: string, v: unknown): string | null {
  switch (key) {
    case 'mechanism':
    case 'platform':
    case 'elfcorehdr':
    case 'bootMemoryRule':
      return String(v);
    case 'kernel':
      return `kernel=${String(v)}`;
    case 'fadump':
    case 'crashkernel':
    case 'cpus':
      return `${key}=${String(v)}`;
    case 'memoryMiB':
      return `${Number(v) / 1024}G`;
    case 'memoryHolesMiB':
      return Array.isArray(v) ? holesToken(v as { startMiB: number; sizeMiB: number }[]) : null;
    case 'opalReservedRanges':
      return Array.isArray(v) ? opalReservedToken(v as { start: number; size: number }[]) : null;
    case 'petitbootPreservesDump':
      return v ? 'petitboot-preserves' : 'petitboot-clobbers';
    case 'registerAtBoot':
      return v ? null : 'kdumpctl-registers';
    case 'registeredWrite':
      return v === 'reregister' ? null : `registered-${String(v)}`;
    case 'crashHotplug':
      return v ? 'crash-hotplug' : mechanism === 'kdump' ? 'udev-reload' : 'no-crash-hotplug';
    case 'firmware':
      return v === 'qemu' ? 'qemu' : null;
    case 'pageSizeKiB':
      return `${String(v)}K-pages`;
    case 'mmu':
      return `${String(v)}-mmu`;
    case 'captureKernel.kernel':
      return `capture-kernel=${String(v)}`;
    case 'captureKernel.elfcorehdr':
      return `capture=${String(v)}`;
    case 'captureKernel.endianness':
      return v === 'swapped' ? 'capture-endian-swapped' : null;
    case 'captureKernel.headerSizes':
      return v === 'different' ? 'capture-header-sizes-differ' : null;
    case 'faults':
      return v ? 'faults' : null;
    case 'rebootCmdlines':
      return Array.isArray(v) ? rebootCmdlinesToken(v.map(String)) : null;
    case 'endings':
      return v ? 'endings' : null;
    default:
      return null;
  }
}

/** The capture kernel's canonical keys: its sizes in bytes only where they are not its MiB ones,
 *  so that configurations without them read as before. */
function canonicalCaptureKernel(ck: Config['captureKernel']): Record<string, unknown> {
  const { imageBytes, initrdBytes, ...rest } = ck;
  return {
    ...rest,
    ...(imageBytes !== ck.imageMiB * MiB ? { imageBytes } : {}),
    ...(initrdBytes !== ck.initrdMiB * MiB ? { initrdBytes } : {}),
  };
}

/** The name's word for rebootCmdlines: what each line sets of fadump= and crashkernel= (as the
 *  kernel parses them, src/memory/cmdline.ts), then a short hash of the lines, so that two
 *  configurations whose lines differ elsewhere still get two names. */
function rebootCmdlinesToken(lines: readonly string[]): string {
  const what = lines.map((l) => {
    const ck = lastCrashkernel(l);
    return `fadump=${earlyFadumpParam(l, true)}${ck === null ? '' : `,crashkernel=${ck.slice(0, 24)}`}`;
  });
  return `reboot-cmdlines=[${what.join(';')}]#${shortHash(lines.join('\n'))}`;
}

/** A short hash of `text` for a name: 32-bit FNV-1a over its code points, 8 hex digits. */
function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (const ch of text) h = Math.imul(h ^ (ch.codePointAt(0) ?? 0), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** A longer hash of `text` for a shortened name: 64 bits, 16 hex digits (two 32-bit FNV-1a
 *  hashes, of the text and of the text reversed), so that no two configurations met in practice
 *  share one (32 bits collide after some 77,000 names: a search finds a pair in seconds). */
function longHash(text: string): string {
  return `${shortHash(text)}${shortHash([...text].reverse().join(''))}`;
}

/** `name` within MAX_NAME characters: as it is when it fits, else its first characters then
 *  ` #` and longHash() of the whole (so that two long names that start alike still differ; two
 *  configurations given one name are refused, src/inputs.ts). */
function boundedName(name: string): string {
  if (name.length <= MAX_NAME) return name;
  const tail = ` #${longHash(name)}`;
  // (Not ending in the first half of a surrogate pair.)
  const head = name.slice(0, MAX_NAME - tail.length).replace(/[\uD800-\uDBFF]$/, '');
  return `${head.trimEnd()}${tail}`;
}

/** The display name: the words the project has always used (platform, generation, fadump=,
 *  memory, ...), then `key=value` for every other setting of the canonical form, so that two
 *  different configurations never share a name (test/config-canonical.test.ts); at most MAX_NAME
 *  characters (boundedName). */
function displayName(canonical: ConfigInput, mechanism: string): string {
  const r = parseUnnamed(canonical);
  if (!r.ok) throw new Error(`canonical form does not parse: ${JSON.stringify(r.issues)}`);
  const c = r.parsed;
  const k = kernelsOf(c);
  const base = defaultName(c, k, r.config.petitbootPreservesDump);
  const words = new Set(base.split(' '));
  const extra: string[] = [];
  const entries = Object.entries(canonical).flatMap(([key, v]): [string, unknown][] =>
    isJsonObject(v) ? Object.entries(v).map(([sub, x]): [string, unknown] => [`${key}.${sub}`, x]) : [[key, v]],
  );
  for (const [key, v] of entries) {
    const token = nameToken(mechanism, key, v);
    if (token !== null && words.has(token)) continue;
    // The lines themselves are too long for a name (and a file name): their summary.
    if (key === 'rebootCmdlines' && token !== null) {
      extra.push(token);
      continue;
    }
    extra.push(`${key}=${typeof v === 'string' && /[\s"=]/.test(v) ? JSON.stringify(v) : String(v)}`);
  }
  return boundedName(escapeUnprintable([base, ...extra].join(' ')));
}

/** Canonical forms and names by input text: parseConfig runs for every log and path, and the
 *  canonical form costs some twenty validations. */
const canonicalCache = new Map<string, Named>();

/** Set while bootConfigResult() parses a boot's configuration: that parse checks the line. */
let checkingBoot = false;

/** parseConfig()'s valid configurations by their input's JSON text (plainJson()): one Config
 *  object for one input, so that what is memoised by the object (bootConfigResult(), the composed
 *  system, machines/system.ts createSystem()) serves every log, transcript and counterexample of
 *  that configuration. */
const parsedConfigs = new Map<string, ConfigResult>();

/** The JSON text of `v` when it is plain JSON (null, booleans, finite numbers, strings, arrays
 *  and plain objects of them, no undefined member), else null: two such values with one text are
 *  one input to the parser. */
function plainJson(v: unknown): string | null {
  const plain = (x: unknown): boolean => {
    if (x === null || typeof x === 'string' || typeof x === 'boolean') return true;
    if (typeof x === 'number') return Number.isFinite(x);
    if (Array.isArray(x)) return x.every(plain);
    if (typeof x !== 'object' || Object.getPrototypeOf(x) !== Object.prototype) return false;
    return Object.values(x).every(plain);
  };
  return plain(v) ? JSON.stringify(v) : null;
}

/** Validates raw input (from a log header or a config file) into a Config. A valid input's
 *  Config is the same object each time (parsedConfigs). */
export function parseConfig(raw: unknown): ConfigResult {
  const text = checkingBoot ? null : plainJson(raw);
  const known = text === null ? undefined : parsedConfigs.get(text);
  if (known !== undefined) return known;
  const r = parseFresh(raw);
  if (text !== null && r.ok) {
    if (parsedConfigs.size >= 4096) parsedConfigs.clear();
    parsedConfigs.set(text, r);
  }
  return r;
}

function parseFresh(raw: unknown): ConfigResult {
  const r = parseUnnamed(raw);
  if (!r.ok) return r;
  const issues = r.config.rebootCmdlines.flatMap((line, i) => {
    const problem = bootConfigResult(r.config, line);
    return problem.ok ? [] : [{ path: `rebootCmdlines.${i}`, message: problem.message }];
  });
  // The command line given as the configuration's own: a reboot keeps it, and must boot with it
  // (not checked again inside bootConfigResult(), whose own parse is that check).
  if (!checkingBoot && r.parsed.cmdline !== undefined) {
    const problem = bootConfigResult(r.config, r.parsed.cmdline);
    if (!problem.ok)
      issues.push({ path: 'cmdline', message: `this configuration cannot boot with it: ${problem.message}` });
  }
  if (issues.length) return { ok: false, issues };
  const config = r.config;
  const given = r.parsed.name;
  if (!checkingBoot) {
    const named = namedOf(config);
    return { ok: true, config: { ...config, name: given ?? named.name, key: named.key, canonical: named.canonical } };
  }
  // A boot's configuration (bootConfigResult()) is asked for its settings, seldom for its name:
  // its canonical form, some twenty validations, is found when first asked for.
  let named: Named | undefined;
  const lazy = () => (named ??= namedOf(config));
  const boot = { ...config } as Config;
  Object.defineProperties(boot, {
    name: { enumerable: true, get: () => given ?? lazy().name },
    key: { enumerable: true, get: () => lazy().key },
    canonical: { enumerable: true, get: () => lazy().canonical },
  });
  return { ok: true, config: boot };
}

type Named = { canonical: ConfigInput; key: string; name: string };

/** The canonical form of a valid configuration, its key and its generated name (canonicalCache). */
function namedOf(config: Unnamed): Named {
  const cacheKey = stableJson(fullConfig(config));
  let named = canonicalCache.get(cacheKey);
  if (named === undefined) {
    const canonical = canonicalInput(config);
    named = { canonical, key: stableJson(canonical), name: displayName(canonical, config.mechanism) };
    if (canonicalCache.size > 4096) canonicalCache.clear();
    canonicalCache.set(cacheKey, named);
  }
  return named;
}

/** One issue of the config parser as a reader takes it: "key: message", the key once (a message
 *  that already starts with its key, as the kernel's "crashkernel: memory value expected" does,
 *  is given as it is). */
export function issueText(i: ConfigIssue): string {
  return i.message.startsWith(`${i.path}:`) ? i.message : `${i.path}: ${i.message}`;
}

/** For tests and built-in matrices: a config that must be valid. */
export function config(raw: ConfigInput = {}): Config {
  const r = parseConfig(raw);
  if (!r.ok) throw new Error(`invalid built-in configuration: ${r.issues.map(issueText).join('; ')}`);
  return r.config;
}

/** The command line the kernel was booted with (for bootargs_append's -ENOSPC check). */
export function kernelCmdline(c: Pick<Config, 'cmdline' | 'fadump' | 'crashkernelText'>): string {
  if (c.cmdline !== null) return c.cmdline;
  const parts = ['BOOT_IMAGE=/boot/vmlinuz', 'root=/dev/mapper/root', 'ro', `fadump=${c.fadump}`];
  if (c.crashkernelText !== null) parts.push(`crashkernel=${c.crashkernelText}`);
  return parts.join(' ');
}

export const DEFAULT_MEMORY_BYTES = 8 * GiB;

type BootResult = { ok: true; config: Config } | { ok: false; message: string };

/** Effective configurations by base configuration and command line (machines derive one at every
 *  boot, so each costs its validation once). */
const bootConfigs = new WeakMap<object, Map<string, BootResult>>();

/**
 * The configuration a kernel booted with `cmdline` (the whole command line, as /proc/cmdline
 * shows it) runs under: `config` with fadump= as early_fadump_param() leaves it after every
 * `fadump=` of the line (src/memory/cmdline.ts earlyFadumpParam(); a line without one is off),
 * crashkernel= as the text parse_crashkernel() reads (lastCrashkernel(), validated as the
 * configuration's `crashkernel` is), and the line itself as `cmdline` (so nr_cpus= and
 * bootargs_append's length follow it). A kdump configuration whose line turns fadump on, or
 * drops crashkernel=, becomes a fadump one (the same kernel, docs/kernel-behaviour.md §12); a
 * hypervisor-assisted dump kernel (2007) has neither parameter [I]. Memoised. `ok: false` with
 * the configuration's message when the line gives a value the configuration refuses.
 */
export function bootConfigResult(config: Omit<Config, 'name' | 'key' | 'canonical'>, cmdline: string): BootResult {
  let byLine = bootConfigs.get(config);
  if (byLine === undefined) {
    byLine = new Map();
    bootConfigs.set(config, byLine);
  }
  const hit = byLine.get(cmdline);
  if (hit !== undefined) return hit;
  const phyp = config.mechanism === 'phyp-assisted-dump';
  const fadump = phyp ? 'off' : earlyFadumpParam(cmdline, traitsOf(config.kernel).cma);
  const crashkernel = phyp ? null : lastCrashkernel(cmdline);
  const mechanism = phyp
    ? config.mechanism
    : config.mechanism === 'kdump' && fadump === 'off' && crashkernel !== null
      ? 'kdump'
      : 'fadump';
  checkingBoot = true;
  let r: ConfigResult;
  try {
    r = parseConfig({ ...fullConfig(config), rebootCmdlines: [], mechanism, fadump, crashkernel, cmdline });
  } finally {
    checkingBoot = false;
  }
  const result: BootResult = r.ok
    ? { ok: true, config: r.config }
    : {
        ok: false,
        message: r.issues
          .map((i) =>
            i.path === 'crashkernel' ? `crashkernel=${crashkernel ?? ''}: ${i.message}` : `${i.path}: ${i.message}`,
          )
          .join('; '),
      };
  byLine.set(cmdline, result);
  return result;
}

/** bootConfigResult()'s configuration; `config` itself for null (the configuration's own command
 *  line). Error for a line the configuration refuses (logs and configurations are checked with
 *  bootConfigResult() when read). */
export function bootConfig(config: Config, cmdline: string | null): Config {
  if (cmdline === null) return config;
  const r = bootConfigResult(config, cmdline);
  if (!r.ok) throw new Error(`command line refused: ${r.message}`);
  return r.config;
}
