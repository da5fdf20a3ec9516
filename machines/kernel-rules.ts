// Kernel rules shared by the production and the capture kernel: pure functions the machines'
// guards and actions call. Each names its source in shared/reference/kernel-behaviour.md.
import type { Config } from '../src/config';
import type { CrashInfoHeader, Errno, FirmwareRc, Generation, Magic, PreservedDump, Registration, Reservation } from '../src/events';
import { elfcorePtLoads, type PtLoad, type Range } from '../src/memory/layout';

/** §1 early boot 1: pSeries: dump_active if /rtas/ibm,kernel-dump exists. OPAL: needs mpipl-boot,
 *  the kernel-metadata tag and registered_regions != 0. */
export function dumpActiveAtBoot(config: Config, dump: PreservedDump | null): boolean {
  if (dump === null) return false;
  // A kernel with hypervisor-assisted dump (2007) has no fadump code at all (seeds/002).
  if (config.mechanism === 'phyp-assisted-dump') return false;
  return config.platform === 'pseries' ? true : dump.regionsRegistered > 0;
}

/** seeds/002: "The freshly booted kernel will notice that there is a new node (ibm,dump-kernel)
 *  in the device tree, indicating that there is crash data available from a previous boot." */
export function phypDumpActiveAtBoot(config: Config, dump: PreservedDump | null): boolean {
  return dump !== null && config.mechanism === 'phyp-assisted-dump';
}

/** §3: the magic each generation writes. */
export function headerFor(gen: Generation): CrashInfoHeader {
  return { magic: gen === 'in-capture-kernel' ? 'FADMPSIG' : 'FADMPINF', sizes: 'A', crashingCpu: 0xffffffff };
}

/** The magic as the capture kernel reads it: byte-swapped when its endianness differs. */
function magicAsRead(config: Config, magic: Magic): Magic {
  if (config.captureKernel.endianness === 'swapped' && (magic === 'FADMPSIG' || magic === 'FADMPINF')) return 'byte-swapped';
  return magic;
}

/** §3 header check, in the kernel's order; null when the header is good. A kernel from before
 *  2024 only knows FADMPINF and says "not valid" for anything else. The messages are the
 *  kernel's own pr_err() text (is_fadump_header_compatible() in arch/powerpc/kernel/fadump.c):
 *  "Fadump header is corrupted." and "Fadump header size mismatch." (reference §3). */
export function headerProblem(config: Config, header: CrashInfoHeader): string | null {
  const magic = magicAsRead(config, header.magic);
  if (config.captureKernel.elfcorehdr === 'at-registration') {
    return magic === 'FADMPINF' ? null : 'Crash info header is not valid.';
  }
  if (magic === 'FADMPINF') return 'Old magic number, can\'t process the dump.';
  if (magic === 'byte-swapped') return 'Endianness mismatch between the crashed and fadump kernels.';
  if (magic !== 'FADMPSIG') return 'Fadump header is corrupted.';
  const expected = config.captureKernel.headerSizes === 'same' ? 'A' : 'B';
  if (header.sizes !== expected) return 'Fadump header size mismatch.';
  return null;
}

/** §1 capture boot 4: platform processing. */
export function platformProblem(config: Config, dump: PreservedDump): string | null {
  if (config.platform === 'pseries' && !dump.dumpedOk) return 'Dump taken by platform is incomplete (error_flags or bytes_dumped).';
  return null;
}

/** §1 capture boot 2-3: the elfcorehdr the capture kernel exports. Built in the capture kernel
 *  from its own memblock list (after 2024), or the one the first kernel built at registration. */
export function captureElfcorehdr(config: Config, dump: PreservedDump, bootMemory: readonly Range[]): PtLoad[] {
  if (config.captureKernel.elfcorehdr === 'at-registration' && dump.elfcorehdr !== null) return dump.elfcorehdr;
  return elfcorePtLoads({
    memory: bootMemory,
    bootRegions: dump.bootRegions,
    bootMemTop: dump.bootMemTop,
    bootMemDest: dump.bootMemDest,
    area: dump.area,
  });
}

/** register_fadump(): what the first kernel hands the firmware, with the elfcorehdr built now
 *  (before 2024) or none (after). */
export function registration(config: Config, r: Reservation, memory: readonly Range[], paramArea: string | null): Registration {
  return {
    bootRegions: r.bootRegions,
    bootMemTop: r.bootMemTop,
    bootMemDest: r.bootMemDest,
    area: r.area,
    header: headerFor(config.elfcorehdr),
    elfcorehdr:
      config.elfcorehdr === 'at-registration'
        ? elfcorePtLoads({ memory, bootRegions: r.bootRegions, bootMemTop: r.bootMemTop, bootMemDest: r.bootMemDest, area: r.area })
        : null,
    paramArea,
  };
}

export interface RegisterOutcome {
  registered: boolean;
  errno: Errno | null;
  /** OPAL_HARDWARE: fadump is turned off (supported=0, enabled=0). */
  disable: boolean;
}

/** §1 register: pSeries RTAS codes and OPAL codes mapped to the kernel's result. */
export function registerOutcome(config: Config, rc: FirmwareRc): RegisterOutcome {
  if (config.platform === 'pseries') {
    if (rc === 0) return { registered: true, errno: null, disable: false };
    if (rc === -2 || (typeof rc === 'number' && rc >= 9900 && rc <= 9905)) return { registered: true, errno: null, disable: false }; // busy: retried
    if (rc === -9) return { registered: true, errno: 'EEXIST', disable: false };
    if (rc === -3) return { registered: false, errno: 'EINVAL', disable: false };
    return { registered: false, errno: 'EIO', disable: false };
  }
  if (rc === 0 || rc === 'OPAL_RESOURCE') return { registered: true, errno: null, disable: false }; // RESOURCE: warn, proceed
  if (rc === 'OPAL_HARDWARE') return { registered: false, errno: 'EIO', disable: true };
  return { registered: false, errno: 'EIO', disable: false };
}

/** §1 unregister: failure is -EIO with registration unchanged. */
export function unregisterOk(rc: FirmwareRc): boolean {
  // RTAS busy codes (-2, 9900-9905) are retried until the call goes through (§1 Register).
  return rc === 0 || rc === -2 || (typeof rc === 'number' && rc >= 9900 && rc <= 9905);
}

/** §4: pSeries DLPAR removal of an LMB at or below boot_mem_top, or overlapping the reserved
 *  area, while registered fails with -EINVAL. */
export function dlparRemoveBlocked(config: Config, registered: boolean, r: Reservation | null, ranges: readonly Range[]): boolean {
  if (config.platform !== 'pseries' || !registered || r === null) return false;
  return ranges.some((x) => x.start < r.bootMemTop || (x.start < r.area.end && r.area.start < x.end));
}
