// Petitboot: OPAL's intermediate boot kernel (docs/kernel-behaviour.md §4; firmware-assisted-dump.rst
// "On OPAL based machines").
// Built with CONFIG_PRESERVE_FA_DUMP its fadump_reserve_mem() reserves everything above
// boot_mem_top when the dump is active, it creates no sysfs files, and its fadump_cleanup() does
// nothing, so the kexec into the capture kernel keeps the dump. Without that option it uses that
// memory like any other: what the crashed kernel left there, the crash info header first, is
// overwritten and the dump is lost [I].
import type { DeviceTree, Firmware } from './firmware';

/** Petitboot boots with the firmware's device tree and kexecs the kernel the boot menu picks,
 *  passing the same device tree on. */
export function petitbootBoot(fw: Firmware, dt: DeviceTree, preservesDump: boolean): DeviceTree {
  if (!preservesDump && dt.opal?.mpiplBoot === true) {
    for (const { addr, o } of fw.ram.all('crash-info-header'))
      fw.ram.write(addr, { ...o, magic: 0x0123456789abcdefn, ptRegsSz: 0, cpuMaskSz: 0 });
  }
  return dt;
}
