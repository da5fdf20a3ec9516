// The default matrix of configurations `check` explores: data, not code paths
// (docs/design.md §3; issue 3).
import type { ConfigInput } from '../config';

const FADUMP = ['on', 'nocma', 'off'] as const;
const GENERATIONS = ['at-registration', 'in-capture-kernel'] as const;
/** The boot entry's parameters before the ones a reboot changes (src/config.ts kernelCmdline()). */
const CMDLINE = 'BOOT_IMAGE=/boot/vmlinuz root=/dev/mapper/root ro';

export function defaultMatrix(): ConfigInput[] {
  const out: ConfigInput[] = [];
  // pSeries: both generations, fadump=on|nocma|off, three memory sizes.
  for (const elfcorehdr of GENERATIONS) {
    for (const fadump of FADUMP) {
      for (const memoryMiB of [4096, 8192, 32768]) out.push({ platform: 'pseries', elfcorehdr, fadump, memoryMiB });
    }
  }
  // PowerNV: both generations, fadump=on|nocma|off, petitboot with and without
  // CONFIG_PRESERVE_FA_DUMP.
  for (const elfcorehdr of GENERATIONS) {
    for (const fadump of FADUMP) {
      for (const petitbootPreservesDump of [true, false]) {
        out.push({ platform: 'powernv', elfcorehdr, fadump, memoryMiB: 16384, petitbootPreservesDump });
      }
    }
  }
  // The variants docs/sources.md's documents and docs/kernel-behaviour.md describe, one each.
  out.push(
    // crashkernel= sizes the boot memory (capped at RAM/4), and one below the minimum: fadump fails.
    { platform: 'pseries', crashkernel: '1G', memoryMiB: 8192 },
    { platform: 'pseries', crashkernel: '256M', memoryMiB: 8192 },
    // crashkernel= above RAM/4: the cap takes effect (docs/kernel-behaviour.md §1 early boot 4).
    { platform: 'pseries', crashkernel: '4G', memoryMiB: 8192 },
    // Firmware call failures (RTAS and OPAL return codes).
    { platform: 'pseries', faults: true },
    { platform: 'powernv', faults: true, memoryMiB: 16384 },
    // 2017 kernels: EEXIST on re-register and no registration at boot (kdumpctl does it).
    { platform: 'pseries', elfcorehdr: 'at-registration', registeredWrite: 'eexist', registerAtBoot: false },
    // firmware-assisted-dump.rst's 2011 boot-memory rule.
    { platform: 'pseries', bootMemoryRule: 'seed-2011', memoryMiB: 4096 },
    // Mixed kernels across the crash (§3): an old capture kernel, a byte-swapped one,
    // one whose pt_regs/cpumask sizes differ.
    { platform: 'pseries', elfcorehdr: 'in-capture-kernel', captureKernel: { elfcorehdr: 'at-registration' } },
    { platform: 'pseries', captureKernel: { endianness: 'swapped' } },
    { platform: 'pseries', captureKernel: { headerSizes: 'different' } },
    // A pre-2024 kernel crashes and a current one captures: the old magic (§3).
    { platform: 'pseries', elfcorehdr: 'at-registration', captureKernel: { elfcorehdr: 'in-capture-kernel' } },
    // A small LPAR: DLPAR removal reaches the reserved area, which pSeries protects (§4).
    { platform: 'pseries', memoryMiB: 1024 },
    // Issue 6: kdump (crashkernel= and kexec -p, §6) with the udev reload and with
    // CONFIG_CRASH_HOTPLUG; fadump=on whose reservation fails on a pre-2024 kernel, falling back
    // to kdump (§1 early boot 4, firmware-assisted-dump.rst note 2; the in-capture-kernel one is above);
    // the 2007 hypervisor-assisted dump (phyp-assisted-dump.txt), with and without firmware faults.
    { platform: 'pseries', mechanism: 'kdump', crashkernel: '512M', crashHotplug: false },
    { platform: 'pseries', mechanism: 'kdump', crashkernel: '512M', crashHotplug: true },
    { platform: 'pseries', elfcorehdr: 'at-registration', crashkernel: '256M' },
    { platform: 'pseries', mechanism: 'phyp-assisted-dump' },
    { platform: 'pseries', mechanism: 'phyp-assisted-dump', faults: true },
    // Issue 14, memory as the kernel has it (docs/kernel-behaviour.md §4): the LPAR, where
    // a removal reaches the reserved area unregistered (refused: CMA cannot be offlined); a hole
    // at boot, with named LMBs (drc index) added and removed around it.
    { platform: 'pseries', memoryMiB: 1024, lmbMiB: 256, minMemoryMiB: 256, maxMemoryMiB: 1024, registerAtBoot: false },
    {
      platform: 'pseries',
      memoryMiB: 2048,
      lmbMiB: 256,
      minMemoryMiB: 256,
      registerAtBoot: false,
      memoryHolesMiB: [{ startMiB: 1024, sizeMiB: 256 }],
    },
    // CPUs (§11): one of two present, hot-added and removed while registered; under PowerVM, and
    // under QEMU with 6.12 (the lab's guest), whose short CPU state data loses the dump.
    { platform: 'pseries', cpus: 2, onlineCpus: 1 },
    { platform: 'pseries', firmware: 'qemu', kernel: '6.12', cpus: 2, onlineCpus: 1, memoryMiB: 2048 },
    // Older kernels (§10): 4.11, registered's -EINVAL store and the area at the top of RAM.
    { platform: 'pseries', kernel: '4.11' },
    // CMA (§1 early boot 6): a crashkernel= that is not a multiple of 16 MiB, rounded up for CMA until 6.12.
    { platform: 'pseries', kernel: '6.12', crashkernel: '330M', memoryMiB: 4096 },
    // Issue 15, the system's life as QA drives it. The command line across reboots (§12): op-test's
    // pattern (fadump off, kdump takes the crash, back on), and fadump=nocma and back.
    {
      platform: 'pseries',
      crashkernel: '1G',
      rebootCmdlines: [`${CMDLINE} fadump=off crashkernel=1G`, `${CMDLINE} fadump=on crashkernel=1G`],
    },
    { platform: 'pseries', rebootCmdlines: [`${CMDLINE} fadump=nocma`, `${CMDLINE} fadump=on`] },
    // The kdump service enabled at boot (§5), with FADUMP_COMMANDLINE_APPEND, on a kernel with and
    // one without hotplug_ready; and kdump when fadump is off.
    { platform: 'pseries', kernel: '6.12', memoryMiB: 8192, kdumpEnabled: true, fadumpCommandlineAppend: 'nr_cpus=16' },
    { platform: 'pseries', kernel: '6.6', memoryMiB: 8192, kdumpEnabled: true },
    { platform: 'pseries', fadump: 'off', crashkernel: '1G', memoryMiB: 8192, kdumpEnabled: true },
    // kdump sizing (§6.1): a capture kernel that runs out of memory, a reservation as large as RAM
    // that fails, and the range syntax with an offset.
    { platform: 'pseries', mechanism: 'kdump', crashkernel: '128M', crashHotplug: false },
    { platform: 'pseries', mechanism: 'kdump', kernel: '6.1', crashkernel: '8G' },
    { platform: 'pseries', mechanism: 'kdump', crashkernel: '2G-16G:512M,16G-:1G@256M', crashHotplug: false },
    // Every way a kernel ends (§13): on pSeries, on PowerNV (a firmware-initiated MPIPL, petitboot's
    // crash), and before fadump_cleanup() unregistered on the kexec path.
    { platform: 'pseries', endings: true },
    { platform: 'powernv', memoryMiB: 16384, endings: true },
    { platform: 'pseries', kernel: '4.16', endings: true },
  );
  return out;
}
