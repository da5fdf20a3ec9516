// fadump_reserve_mem() for a first-kernel boot (no active dump), as one pure function
// (reference §1 "Early boot, in order" 4-6).
import type { Reservation } from '../events';
import { bootMemoryRegions, bootMemorySize, cmaRange, dumpAreaAt, fadumpAreaSize, locateReserveMem, normalize, totalSize, type Range } from './layout';
import type { Config } from '../config';

export type ReserveResult = { ok: true; reservation: Reservation } | { ok: false; reason: string };

export function reserveAtBoot(config: Config, memory: readonly Range[]): ReserveResult {
  const size = bootMemorySize({
    platform: config.platform,
    ramBytes: totalSize(memory),
    crashkernel: config.crashkernel,
    rule: config.bootMemoryRule,
  });
  if (!size.ok) return size;
  const regions = bootMemoryRegions(memory, size.value, config.platform);
  if (!regions.ok) return regions;
  // Before 2024 the area also held the elfcorehdr, sized by the memblock regions at boot.
  const elfcorehdrRegions = config.elfcorehdr === 'at-registration' ? normalize(memory).length : null;
  const areaSize = fadumpAreaSize(config.platform, size.value, elfcorehdrRegions);
  const start = locateReserveMem(memory, regions.value.bootMemTop, areaSize);
  if (start === null) return { ok: false, reason: 'Failed to find memory chunk for reservation' };
  const area = dumpAreaAt(config.platform, start, size.value);
  return {
    ok: true,
    reservation: {
      bootMemorySize: size.value,
      bootRegions: regions.value.regions,
      bootMemTop: regions.value.bootMemTop,
      bootMemDest: area.bootMemDest,
      area: { start, end: start + areaSize },
      // CMA unless nocma (§1 early boot 6).
      cma: config.fadump === 'nocma' ? null : cmaRange(area.bootMemDest, size.value),
    },
  };
}
