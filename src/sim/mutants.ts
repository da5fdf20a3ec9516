// Seeded faults for the simulator: each a small, realistic kernel (or kdump-utils) bug, switched on
// by name through createSim(config, { mutant }). A suite of event paths "kills" a mutant when some
// step's observation differs from the expected one (scripts/mutants.ts).
//
// `observable: false` marks a fault the observable interface (sysfs files, fadump_region,
// /proc/vmcore's PT_LOADs, /proc/meminfo's CMA lines, the dump outcome) cannot show by construction; such a mutant is expected
// to survive every suite and is listed to document the interface's blind spot.

export interface Mutant {
  readonly id: string;
  /** The bug, in one sentence. */
  readonly sentence: string;
  /** The section of docs/kernel-behaviour.md it breaks. */
  readonly breaks: string;
  /** Where the fault is switched on. */
  readonly site: string;
  readonly observable: boolean;
}

export const MUTANTS = [
  {
    id: 'registered-no-eperm-when-active',
    sentence:
      'registered_store forgets the dump_active test, so `echo 1 > registered` in the capture kernel registers over the dump being captured.',
    breaks: '§2 registered (-EPERM if dump active); §8',
    site: 'kernel.ts registered_store',
    observable: true,
  },
  {
    id: 'registered-no-eperm-when-disabled',
    sentence:
      'registered_store forgets the fadump_enabled test, so a kernel without fadump answers -ENODEV (or unregisters) instead of -EPERM.',
    breaks: '§2 registered (-EPERM if not enabled, before parsing); §8',
    site: 'kernel.ts registered_store',
    observable: true,
  },
  {
    id: 'eexist-on-reregister',
    sentence: 'The 2017 behaviour: `echo 1 > registered` while registered returns -EEXIST instead of re-registering.',
    breaks: '§2 registered (`1`: unregister if registered, then register); §8 "Not rejected"',
    site: 'kernel.ts registered_store',
    observable: true,
  },
  {
    id: 'kstrtoint-accepts-garbage',
    sentence:
      'The store handlers parse with simple_strtol and ignore trailing garbage, so "x" reads as 0 and "1x" as 1.',
    breaks: '§2 (-EINVAL if not an integer); §8',
    site: 'kstrtox.ts kstrtoint',
    observable: true,
  },
  {
    id: 'release-mem-accepts-zero',
    sentence: 'release_mem_store releases on any non-negative integer, including 0.',
    breaks: '§2 release_mem (-EINVAL if not 1); §8',
    site: 'kernel.ts release_mem_store',
    observable: true,
  },
  {
    id: 'release-mem-file-always',
    sentence: 'fadump_init_files creates release_mem whether or not a dump was active at boot.',
    breaks: '§2 release_mem exists only if the dump was active at boot; §7.8',
    site: 'kernel.ts fadump_init_files',
    observable: true,
  },
  {
    id: 'bootargs-length-off-by-one',
    sentence:
      'bootargs_append_store tests saved_command_line_len + count > COMMAND_LINE_SIZE, letting a string that exactly fills the command line through.',
    breaks: '§2 bootargs_append (-ENOSPC if cmdline + string too long)',
    site: 'kernel.ts bootargs_append_store',
    observable: true,
  },
  {
    id: 'bootargs-append-in-capture',
    sentence:
      'bootargs_append_store only tests fadump_enabled, so the capture kernel lets user space rewrite the inherited parameters.',
    breaks: '§2 bootargs_append (-EPERM if active); §8',
    site: 'kernel.ts bootargs_append_store',
    observable: true,
  },
  {
    id: 'release-core-twice',
    sentence: 'release_core_store does not test that the OPAL core is still there, so a second `echo 1` succeeds.',
    breaks: '§2 release_core (a second time: -EPERM); §8',
    site: 'opal-core.ts release_core_store',
    observable: true,
  },
  {
    id: 'registered-ignores-register-error',
    sentence: "registered_store drops register_fadump()'s return value and reports success when the firmware refused.",
    breaks: '§2 registered (`1`: ... then register, returning its error)',
    site: 'kernel.ts registered_store',
    observable: true,
  },
  {
    id: 'unregister-failure-clears-registered',
    sentence: "rtas/opal_fadump_unregister clear dump_registered before looking at the firmware's return code.",
    breaks: '§1 Register and unregister (unregister failure: -EIO, registered unchanged)',
    site: 'rtas-fadump.ts / opal-fadump.ts fadump_unregister',
    observable: true,
  },
  {
    id: 'rtas-already-registered-is-error',
    sentence: 'rtas_fadump_register treats -9 (already registered) as a failure and leaves dump_registered at 0.',
    breaks: '§1 Register (-9 → registered and -EEXIST)',
    site: 'rtas-fadump.ts fadump_register',
    observable: true,
  },
  {
    id: 'rtas-busy-not-retried',
    sentence:
      'rtas_fadump_register does not loop on rtas_busy_delay(), so a busy return code fails the registration with -EIO.',
    breaks: '§1 Register (busy codes are retried)',
    site: 'rtas-fadump.ts fadump_register',
    observable: true,
  },
  {
    id: 'opal-resource-is-error',
    sentence: 'opal_fadump_register treats OPAL_RESOURCE (firmware region limit) as a failure instead of a warning.',
    breaks: '§1 Register (RESOURCE → registered with only some regions)',
    site: 'opal-fadump.ts fadump_register',
    observable: true,
  },
  {
    id: 'opal-hardware-keeps-enabled',
    sentence: 'opal_fadump_register returns -EIO on OPAL_HARDWARE but leaves fadump_supported and fadump_enabled set.',
    breaks: '§1 Register (HARDWARE → supported=0, enabled=0, -EIO)',
    site: 'opal-fadump.ts fadump_register',
    observable: true,
  },
  {
    id: 'no-register-at-boot',
    sentence: 'setup_fadump initialises the dump structures but never calls register_fadump, as before v6.0.',
    breaks: '§1 Early boot 7 (the kernel registers itself at boot)',
    site: 'kernel.ts setup_fadump',
    observable: true,
  },
  {
    id: 'no-unregister-on-reboot',
    sentence: 'fadump_cleanup only handles the active dump and never unregisters a registered one at shutdown.',
    breaks: '§1 Register and unregister ("registered → unregister" at every reboot); §7.7',
    site: 'kernel.ts fadump_cleanup',
    observable: true,
  },
  {
    id: 'no-invalidate-on-capture-reboot',
    sentence:
      'fadump_cleanup does not invalidate an active dump at shutdown, so the firmware boots the capture kernel again.',
    breaks: '§1 Register and unregister ("active → invalidate the dump")',
    site: 'kernel.ts fadump_cleanup',
    observable: true,
  },
  {
    id: 'release-no-invalidate',
    sentence: 'release_mem frees the memory but never asks the firmware to invalidate the dump.',
    breaks: '§1 Release (the dump is invalidated)',
    site: 'kernel.ts fadump_invalidate_release_mem',
    observable: true,
  },
  {
    id: 'dump-active-not-cleared-at-release',
    sentence:
      'The platform invalidate call forgets to clear fw_dump.dump_active, so the kernel still behaves as a capture kernel after release.',
    breaks: '§1 Release (dump_active=0); §7.6',
    site: 'rtas-fadump.ts / opal-fadump.ts fadump_invalidate',
    observable: true,
  },
  {
    id: 'release-frees-permanent-area',
    sentence:
      'fadump_release_memory frees from boot_mem_top to the end of DRAM without keeping the permanent area, and fw_dump forgets it.',
    breaks: '§1 Release (everything but the permanent area, same start and size); §7.6',
    site: 'kernel.ts fadump_release_memory',
    observable: true,
  },
  {
    id: 'release-auto-reregisters',
    sentence: 'fadump_invalidate_release_mem registers again by itself after releasing.',
    breaks: '§1 Release (it does not re-register: user space writes 1 to registered); §7.6',
    site: 'kernel.ts fadump_invalidate_release_mem',
    observable: true,
  },
  {
    id: 'processing-failure-keeps-dump',
    sentence:
      'fadump_process returns on a bad header without fadump_invalidate_release_mem, leaving the dump active with no /proc/vmcore.',
    breaks: '§1 Capture boot 5 (any failure invalidates and releases)',
    site: 'kernel.ts fadump_process',
    observable: true,
  },
  {
    id: 'header-skips-endianness',
    sentence:
      'is_fadump_header_compatible prints the endianness mismatch but falls through to success (a missing `return false`), so a byte-swapped header is processed.',
    breaks: '§3 (byte-swapped magic → "Endianness mismatch", the dump is lost)',
    site: 'kernel.ts is_fadump_header_compatible',
    observable: true,
  },
  {
    id: 'header-skips-size-check',
    sentence: 'is_fadump_header_compatible does not compare pt_regs_sz and cpu_mask_sz.',
    breaks: '§3 (pt_regs_sz or cpu_mask_sz differ → "size mismatch")',
    site: 'kernel.ts is_fadump_header_compatible',
    observable: true,
  },
  {
    id: 'old-magic-accepted',
    sentence:
      'is_fadump_header_compatible takes the old FADMPINF magic for a compatible header and processes a dump from a pre-2024 kernel.',
    breaks: '§3 (old magic → "Old magic number", mixing an old and a new kernel fails collection)',
    site: 'kernel.ts is_fadump_header_compatible',
    observable: true,
  },
  {
    id: 'stale-ptload-after-hotplug',
    sentence:
      'A half-applied 2024 change: the first kernel still builds the elfcorehdr at registration and the capture kernel exports it instead of building its own.',
    breaks: "§5 (after the change the elfcorehdr is built in the capture kernel from that boot's memory map)",
    site: 'kernel.ts register_fadump / fadump_process',
    observable: true,
  },
  {
    id: 'ptload-split-off-by-one',
    sentence: 'The PT_LOAD above the reserved area starts at ra_end - 1 (an inclusive end used as an exclusive one).',
    breaks: '§1 Capture boot 3 (a range overlapping the area is split around it)',
    site: 'kernel.ts fadump_populate_elfcorehdr',
    observable: true,
  },
  {
    id: 'wrong-bootmem-min',
    sentence: 'fadump_get_bootmem_min() returns the old 256 MB on pSeries instead of 320 MB.',
    breaks: '§1 Early boot 4 (minimums: pSeries 320 MB, OPAL 768 MB)',
    site: 'rtas-fadump.ts fadump_get_bootmem_min',
    observable: true,
  },
  {
    id: 'crashkernel-cap-missing',
    sentence: 'fadump_calculate_reserve_size takes crashkernel= as it is, without the RAM/4 cap.',
    breaks: '§1 Early boot 4 (crashkernel= size capped at RAM/4)',
    site: 'kernel.ts fadump_calculate_reserve_size',
    observable: true,
  },
  {
    id: 'bootmem-not-rounded-to-256m',
    sentence: 'fadump_calculate_reserve_size forgets to round 5% of RAM down to a multiple of 256 MB.',
    breaks: '§1 Early boot 4 (5% of RAM rounded down to a multiple of 256 MB)',
    site: 'kernel.ts fadump_calculate_reserve_size',
    observable: true,
  },
  {
    id: 'area-size-without-header',
    sentence: 'get_fadump_area_size() leaves out sizeof(struct fadump_crash_info_header).',
    breaks:
      '§1 Early boot 4 (reserved-area size = PAGE_ALIGN(cpu_state + hpte) + boot_memory_size + sizeof(header)); §7.3',
    site: 'kernel.ts get_fadump_area_size',
    observable: true,
  },
  {
    id: 'dlpar-protection-missing',
    sentence:
      'lmb_is_removable() skips the is_fadump_memory_area() test, so DLPAR can remove the reserved area while registered.',
    breaks: '§4 (DLPAR removal of an LMB at or below boot_mem_top or overlapping the reserved area fails with -EINVAL)',
    site: 'hotplug-memory.ts dlpar_memory',
    observable: true,
  },
  {
    id: 'hotplug-ready-missing',
    sentence:
      'A kernel with the 2024 change does not create /sys/kernel/fadump/hotplug_ready, so the udev rule keeps re-registering.',
    breaks: '§2 hotplug_ready; §5 (the udev rule skips the reload when hotplug_ready reads 1)',
    site: 'kernel.ts fadump_init_files',
    observable: true,
  },
  {
    id: 'petitboot-not-preserving',
    sentence:
      'Petitboot is built without CONFIG_PRESERVE_FA_DUMP: it reuses the memory above boot_mem_top and overwrites the crash info header.',
    breaks: '§4 (petitboot reserves everything above boot_mem_top so kexec into the capture kernel keeps the dump)',
    site: 'petitboot.ts',
    observable: true,
  },
  {
    id: 'kdumpctl-reload-no-fallback',
    sentence:
      'kdumpctl reload gives up when `echo 1 > registered` fails, instead of stop (echo 0) then start (echo 1).',
    breaks: '§5 (on failure `echo 0` then `echo 1`)',
    site: 'kdump.ts reload',
    observable: true,
  },
  {
    id: 'udev-ignores-hotplug-ready',
    sentence: 'The udev rule runs the throttler on every memory event even when hotplug_ready reads 1.',
    breaks: '§5 (the udev rule skips the reload when hotplug_ready reads 1)',
    site: 'kdump.ts udev',
    observable: true,
  },
  {
    id: 'release-keeps-vmcore',
    sentence:
      'release_mem_store invalidates and frees the memory without vmcore_cleanup(), so /proc/vmcore stays, pointing at freed memory.',
    breaks: '§1 Release (vmcore is torn down)',
    site: 'kernel.ts release_mem_store',
    observable: true,
  },
  {
    id: 'echo0-returns-unregister-error',
    sentence: 'registered_store returns the unregister error for `echo 0` instead of success.',
    breaks: '§2 registered (`0`: unregister and return success even if it failed)',
    site: 'kernel.ts registered_store',
    observable: true,
  },
  {
    id: 'opal-unregister-keeps-regions',
    sentence:
      'opal_fadump_unregister clears dump_registered but not registered_regions, so the next registration adds no range and fails.',
    breaks: '§1 Register and unregister (OPAL: one ADD_RANGE per region)',
    site: 'opal-fadump.ts fadump_unregister',
    observable: true,
  },
  {
    id: 'param-area-not-inherited',
    sentence:
      'rtas_fadump_get_config ignores the param-area section, so the capture kernel neither appends the extra parameters nor keeps bootargs_append.',
    breaks: '§1 Early boot 3; §2 bootargs_append (a capture kernel that inherited the area)',
    site: 'rtas-fadump.ts rtas_fadump_get_config',
    observable: true,
  },
  {
    id: 'old-elfcorehdr-not-rebuilt',
    sentence:
      'A pre-2024 kernel builds the PT_LOAD list once per boot, so re-registering after hotplug leaves it stale.',
    breaks: '§5 (udev re-registration: the kernel unregisters then registers, building a new elfcorehdr)',
    site: 'kernel.ts register_fadump',
    observable: true,
  },
  {
    id: 'capture-panic-invalidates',
    sentence:
      'The panic path calls fadump_cleanup() as a shutdown would, so a panic in the capture kernel invalidates the dump it holds.',
    breaks:
      '§1 Register and unregister (fadump_cleanup runs from machine_shutdown: reboot, halt, power-off, kexec, not panic); §1 Crash',
    site: 'index.ts crash',
    observable: true,
  },
  {
    id: 'cma-not-given-back',
    sentence: 'fadump_cma_init is skipped, so the boot-memory copy destination stays reserved instead of going to CMA.',
    breaks: '§1 Early boot 6 (the CMA-aligned part is handed to CMA unless nocma)',
    site: 'kernel.ts fadump_cma_init',
    // /proc/meminfo's CmaTotal and CmaFree read 0 instead of the area (src/sysfs/view.ts meminfoOf()).
    observable: true,
  },
] as const satisfies readonly Mutant[];

export type MutantEntry = (typeof MUTANTS)[number];
export type MutantId = MutantEntry['id'];

export const MUTANT_IDS: readonly MutantId[] = MUTANTS.map((m) => m.id);

export function isMutantId(s: string): s is MutantId {
  return (MUTANT_IDS as readonly string[]).includes(s);
}

/** What the simulator's components ask: is this fault switched on? */
export interface Faults {
  on(id: MutantId): boolean;
}

export function faultsFor(mutant: MutantId | null | undefined): Faults {
  return { on: (id) => mutant === id };
}
