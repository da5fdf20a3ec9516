// fadump_reserve_mem() for a first-kernel boot (no active dump), as one pure function
// (docs/kernel-behaviour.md §1 "Early boot, in order" 4-6).
import { crashkernelSizeAt } from './kdump';
import type { Reservation } from '../events';
import { traitsOf } from '../kernel-versions';
import { areaGeometry } from './guest';
import {
  bootMemoryRegions,
  bootMemorySize,
  cmaRange,
  dumpAreaAt,
  endOfDram,
  fadumpAreaSize,
  locateReserveMem,
  normalize,
  totalSize,
  type Range,
} from './layout';
import type { Config } from '../config';

/** The configuration's OPAL reserved ranges (opalReservedRanges) as byte ranges. */
export function opalReserved(config: Pick<Config, 'opalReservedRanges'>): Range[] {
  return config.opalReservedRanges.map((r) => ({ start: r.start, end: r.start + r.size }));
}

export type ReserveResult = { ok: true; reservation: Reservation } | { ok: false; reason: string };

/** What early_init_devtree() (arch/powerpc/kernel/prom.c) has reserved before
 *  fadump_setup_param_area() runs: fadump_reserve_mem()'s area when it reserved, else
 *  reserve_crashkernel()'s crashk_res when crashkernel= gave one (bytes). */
export function earlyReserved(fadump: ReserveResult | null, crashkernel: Range | null): Range[] {
  if (fadump !== null && fadump.ok) return [fadump.reservation.area];
  return crashkernel === null ? [] : [crashkernel];
}

/** The first kernel's reservation over `memory` (bytes): boot memory, its regions, the area (with
 *  the guest's CPU state, HPTE and page size) at the first free place above boot_mem_top (at the
 *  top of RAM in kernels before 4.12), and the
 *  CMA part of the copy destination; or the kernel's reason for disabling fadump. */
export function reserveAtBoot(config: Config, memory: readonly Range[]): ReserveResult {
  const geometry = areaGeometry(config);
  const traits = traitsOf(config.kernel);
  // CMA unless nocma (§1 early boot 6), and only in kernels that have it (a4e92ce8e4c8,
  // src/kernel-versions.ts); how the area is fitted is the release's (cmaFit).
  const cma = config.fadump !== 'nocma' && traits.cma;
  const size = bootMemorySize({
    cmaAlign: cma && traits.cmaFit === 'exact',
    platform: config.platform,
    ramBytes: totalSize(memory),
    crashkernel: crashkernelSizeAt(config, totalSize(memory)),
    rule: config.bootMemoryRule,
    pageSize: config.pageSize,
  });
  if (!size.ok) return size;
  const regions = bootMemoryRegions(memory, size.value, config.platform, config.pageSize);
  if (!regions.ok) return regions;
  // Before 2024 the area also held the elfcorehdr, sized by the memblock regions at boot.
  const elfcorehdrRegions = config.elfcorehdr === 'at-registration' ? normalize(memory).length : null;
  const areaSize = fadumpAreaSize(geometry, size.value, elfcorehdrRegions);
  // Before f6e6bedb7731 (4.12) fadump_reserve_mem() took the top of RAM, unchecked: "Reserve the
  // memory at the top of memory." base = memory_boundary - size (src/kernel-versions.ts).
  const start =
    traitsOf(config.kernel).reserveAt === 'top-of-ram'
      ? endOfDram(memory) - areaSize
      : locateReserveMem(memory, regions.value.bootMemTop, areaSize, config.pageSize, opalReserved(config));
  if (start === null) return { ok: false, reason: 'Failed to find memory chunk for reservation' };
  const area = dumpAreaAt(geometry, start, size.value);
  return {
    ok: true,
    reservation: {
      bootMemorySize: size.value,
      bootRegions: regions.value.regions,
      bootMemTop: regions.value.bootMemTop,
      bootMemDest: area.bootMemDest,
      area: { start, end: start + areaSize },
      cma: cma ? cmaRange(area.start, size.value, traits.cmaFit) : null,
    },
  };
}
