// A configuration picks the variant of every actor (docs/design.md §3).
// Validated at the boundary with zod; defaults give a current pSeries system.
import { z } from 'zod';
import {
  CURRENT_KERNEL,
  KERNEL_CHANGES,
  LAST_AT_REGISTRATION_KERNEL,
  OLDEST_KERNEL,
  compareKernelVersions,
  parseKernelVersion,
  traitsOf,
  type KernelVersion,
} from './kernel-versions';
import type { Firmware, Mmu } from './memory/guest';
import { GiB, KiB, MiB, parseSize } from './memory/size';

/** Why a crashkernel= value is not a plain size. */
function sizeProblem(s: string): string {
  if (s.includes(':'))
    return `the range form ("512M-2G:256M") is not modelled: give the size for this configuration's RAM, such as "1G"`;
  if (s.includes('@')) return `give only the size, such as "${s.split('@')[0] ?? '1G'}" (fadump ignores the @offset)`;
  if (/,(high|low)$/i.test(s))
    return `give only the size, such as "${s.split(',')[0] ?? '1G'}" (",high" and ",low" are kdump's)`;
  if (/^\s*-/.test(s)) return 'a size cannot be negative';
  if (/^\s*0[0-9]*[89][0-9]*[kmgtp]?\s*$/i.test(s))
    return `a leading 0 makes it octal, as in the kernel's memparse(): "${s.trim()}" is not a number`;
  if (
    /^\s*[1-9][0-9]*[kmgtp]?\s*$/i.test(s) ||
    /^\s*0x[0-9a-f]+[kmgtp]?\s*$/i.test(s) ||
    /^\s*0[0-7]+[kmgtp]?\s*$/i.test(s)
  )
    return 'too large: more than 2^53 bytes';
  return 'expected a size such as "1G", "512M" or a number of bytes';
}

const sizeString = z.string().superRefine((s, ctx) => {
  if (parseSize(s) === null) ctx.addIssue({ code: 'custom', message: sizeProblem(s) });
});

const positiveMiB = z
  .number()
  .int()
  .positive()
  .max(64 * 1024 * 1024);

/** An upstream kernel release the version table (src/kernel-versions.ts) describes. */
const kernelVersion = z.string().superRefine((s, ctx) => {
  if (parseKernelVersion(s) === null) {
    ctx.addIssue({
      code: 'custom',
      message: `expected an upstream release as major.minor, such as "6.1" or "6.12" (a stable kernel such as 6.12.107 is given as its series, "6.12")`,
    });
  } else if (compareKernelVersions(s, OLDEST_KERNEL) < 0) {
    ctx.addIssue({
      code: 'custom',
      message: `${s} is older than ${OLDEST_KERNEL}, the oldest release the model describes (before ${KERNEL_CHANGES[0]?.commit ?? ''} \`echo 1 > registered\` while registered returned -EINVAL)`,
    });
  }
});

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
    /** crashkernel= size (its offset is ignored by fadump), or null. */
    crashkernel: sizeString.nullable().default(null),
    /** RAM at first boot, in MiB. */
    memoryMiB: positiveMiB.default(8192),
    /** Size of one memory block (LMB), in MiB. */
    lmbMiB: positiveMiB.default(256),
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
    /** `echo 1 > registered` while registered: re-registers (0823c68b054b, 4.20) or -EEXIST
     *  (98b8cd7f7564, 4.13-4.19). Default: the kernel's. */
    registeredWrite: z.enum(['reregister', 'eexist']).optional(),
    /** Possible CPUs: QEMU sizes its CPU state data section by them (0x20 + 0x4f0 each; QEMU
     *  counts cores, -smp maxcpus / threads). PowerVM's documented size does not follow them. */
    cpus: z.number().int().positive().max(8192).default(1),
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
      })
      .strict()
      .default({ endianness: 'same', headerSizes: 'same' }),
    /** Allow `firmware-error` events (firmware call failures) in exploration. */
    faults: z.boolean().default(false),
    /** The production kernel's command line as /proc/cmdline shows it (what bootargs_append's
     *  -ENOSPC check counts: saved_command_line_len in bootargs_append_store(),
     *  arch/powerpc/kernel/fadump.c). Default: a distribution's "BOOT_IMAGE=... ro fadump=..." with
     *  crashkernel= when set. */
    cmdline: z.string().min(1).max(2047).optional(),
    /** CONFIG_NR_CPUS of the kernel build: the crash info header's cpumask, and so the reserved
     *  area's size (default 2048, as Debian, Fedora/RHEL and SUSE build ppc64le). */
    nrCpus: z.number().int().min(1).max(16384).default(2048),
    /** A name for reports; derived from the other keys when absent. */
    name: z.string().min(1).max(120).optional(),
  })
  .strict();

export type ConfigInput = z.input<typeof ConfigSchema>;
type Parsed = z.output<typeof ConfigSchema>;

/** A configuration with every default filled in and every size in bytes. */
export interface Config {
  readonly name: string;
  /** The configuration as it was given (before defaults), for writing logs back out. */
  readonly input: ConfigInput;
  readonly mechanism: Parsed['mechanism'];
  readonly platform: Parsed['platform'];
  /** The kernel release ("major.minor"), given or implied; src/kernel-versions.ts traitsOf(). */
  readonly kernel: KernelVersion;
  readonly elfcorehdr: 'at-registration' | 'in-capture-kernel';
  readonly fadump: 'on' | 'off' | 'nocma';
  readonly crashHotplug: boolean;
  readonly crashkernel: number | null;
  readonly crashkernelText: string | null;
  readonly memoryBytes: number;
  readonly lmbBytes: number;
  readonly minMemoryBytes: number;
  readonly maxMemoryBytes: number;
  readonly petitbootPreservesDump: boolean;
  readonly bootMemoryRule: Parsed['bootMemoryRule'];
  readonly registerAtBoot: boolean;
  readonly registeredWrite: 'reregister' | 'eexist';
  /** Possible CPUs. */
  readonly cpus: number;
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
  };
  readonly faults: boolean;
  /** The command line given, or null for the default (kernelCmdline()). */
  readonly cmdline: string | null;
  /** CONFIG_NR_CPUS. */
  readonly nrCpus: number;
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
  registeredWrite: 'reregister' | 'eexist';
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
  if ((c.lmbMiB & (c.lmbMiB - 1)) !== 0) {
    out.push({
      path: 'lmbMiB',
      message: `${c.lmbMiB} MiB is not a power of two (the LMB size, ibm,lmb-size, always is: 16, 32, ..., 256, ...)`,
    });
  }
  if (c.memoryMiB % c.lmbMiB !== 0) {
    out.push({ path: 'memoryMiB', message: `${c.memoryMiB} MiB is not a multiple of the LMB size (${c.lmbMiB} MiB)` });
  }
  const min = c.minMemoryMiB ?? Math.max(c.lmbMiB, c.memoryMiB - 2 * c.lmbMiB);
  const max = c.maxMemoryMiB ?? c.memoryMiB + 2 * c.lmbMiB;
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
  if (c.crashkernel !== null) {
    const bytes = parseSize(c.crashkernel) ?? 0;
    if (bytes > c.memoryMiB * MiB) {
      out.push({
        path: 'crashkernel',
        message: `crashkernel=${c.crashkernel} is larger than RAM (${c.memoryMiB} MiB)`,
      });
    }
  }
  return out;
}

/** fadump= as the kernel sees it: absent means off, except that the fadump mechanism's default
 *  configuration turns it on. */
function fadumpOf(c: Parsed): 'on' | 'off' | 'nocma' {
  return c.fadump ?? (c.mechanism === 'fadump' ? 'on' : 'off');
}

/** The guest keys given away from their defaults, for the name: the kernel release, CPUs, page
 *  size, MMU and firmware (empty for a configuration that gives none, so older names stay). */
function guestParts(c: Parsed): string[] {
  const parts: string[] = [];
  if (c.kernel !== undefined) parts.push(`kernel=${c.kernel}`);
  if (c.firmware === 'qemu') parts.push('qemu');
  if (c.cpus !== 1) parts.push(`cpus=${c.cpus}`);
  if (c.pageSizeKiB !== 64) parts.push(`${c.pageSizeKiB}K-pages`);
  if (c.mmu !== 'radix') parts.push(`${c.mmu}-mmu`);
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
  if (k.registeredWrite !== 'reregister') parts.push('registered-eexist');
  const ck = c.captureKernel;
  if (ck.kernel !== undefined && ck.kernel !== k.kernel) parts.push(`capture-kernel=${ck.kernel}`);
  if (k.capture.elfcorehdr !== k.elfcorehdr) parts.push(`capture=${k.capture.elfcorehdr}`);
  if (ck.endianness !== 'same') parts.push('capture-endian-swapped');
  if (ck.headerSizes !== 'same') parts.push('capture-header-sizes-differ');
  if (c.faults) parts.push('faults');
  return parts.join(' ');
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; issues: ConfigIssue[] };

/** Validates raw input (from a log header or a config file) into a Config. */
export function parseConfig(raw: unknown): ConfigResult {
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
                ? i.keys.map((k) => ({ path: [...i.path.map(String), k].join('.'), message: `unknown key '${k}'` }))
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
    config: {
      name: c.name ?? defaultName(c, k, petitboot),
      input: raw as ConfigInput,
      mechanism: c.mechanism,
      platform: c.platform,
      kernel: k.kernel,
      elfcorehdr: k.elfcorehdr,
      fadump: fadumpOf(c),
      crashHotplug: k.crashHotplug,
      crashkernel: c.crashkernel === null ? null : parseSize(c.crashkernel),
      crashkernelText: c.crashkernel,
      memoryBytes: c.memoryMiB * MiB,
      lmbBytes: c.lmbMiB * MiB,
      minMemoryBytes: (c.minMemoryMiB ?? Math.max(c.lmbMiB, c.memoryMiB - 2 * c.lmbMiB)) * MiB,
      maxMemoryBytes: (c.maxMemoryMiB ?? c.memoryMiB + 2 * c.lmbMiB) * MiB,
      petitbootPreservesDump: petitboot,
      bootMemoryRule: c.bootMemoryRule,
      registerAtBoot: k.registerAtBoot,
      registeredWrite: k.registeredWrite,
      cpus: c.cpus,
      pageSizeKiB: c.pageSizeKiB,
      pageSize: c.pageSizeKiB * KiB,
      mmu: c.mmu,
      firmware: c.firmware ?? 'powervm',
      captureKernel: {
        kernel: k.capture.kernel,
        elfcorehdr: k.capture.elfcorehdr,
        endianness: c.captureKernel.endianness,
        headerSizes: c.captureKernel.headerSizes,
      },
      faults: c.faults,
      cmdline: c.cmdline ?? null,
      nrCpus: c.nrCpus,
    },
  };
}

/** For tests and built-in matrices: a config that must be valid. */
export function config(raw: ConfigInput = {}): Config {
  const r = parseConfig(raw);
  if (!r.ok)
    throw new Error(`invalid built-in configuration: ${r.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  return r.config;
}

/** The command line the kernel was booted with (for bootargs_append's -ENOSPC check). */
export function kernelCmdline(c: Config): string {
  if (c.cmdline !== null) return c.cmdline;
  const parts = ['BOOT_IMAGE=/boot/vmlinuz', 'root=/dev/mapper/root', 'ro', `fadump=${c.fadump}`];
  if (c.crashkernelText !== null) parts.push(`crashkernel=${c.crashkernelText}`);
  return parts.join(' ');
}

export const DEFAULT_MEMORY_BYTES = 8 * GiB;
