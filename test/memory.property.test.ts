// Property-based tests of the layout arithmetic (src/memory/layout.ts, src/memory/size.ts) against
// docs/kernel-behaviour.md §1 (fadump_reserve_mem, get_fadump_area_size,
// fadump_populate_elfcorehdr, CMA) and §5 (memory hotplug).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bootMemoryRegions,
  bootMemorySize,
  CMA_ALIGN,
  cmaRange,
  dumpAreaAt,
  elfcorePtLoads,
  endOfDram,
  fadumpAreaSize,
  lmbsAdded,
  lmbsRemoved,
  locateReserveMem,
  memoryToDescribe,
  normalize,
  PLATFORM,
  SEED_2011_MIN_BOOT_MEM,
  subtract,
  totalSize,
  withAdded,
  withRemoved,
  type Platform,
  type PtLoad,
  type Range,
} from '../src/memory/layout';
import { areaGeometry, crashInfoHeaderBytes, type AreaGeometry, type Firmware } from '../src/memory/guest';
import { GiB, KiB, MiB, PAGE_SIZE_64K, pageAlign } from '../src/memory/size';
import { cTranscription } from './support/fadump-c';

/** sizeof(struct fadump_crash_info_header) of the default build (6.10+ layout, NR_CPUS=2048). */
const HEADER = crashInfoHeaderBytes('in-capture-kernel', 2048);
const SEED = 42;
const opts = (numRuns: number) => ({ seed: SEED, numRuns });

// ---------------------------------------------------------------------------------------------
// Independent helpers (no use of the module under test)

/** Every boundary of the given ranges, sorted and unique: the elementary intervals between two
 *  consecutive points are either wholly inside or wholly outside each range. */
function breakpoints(...lists: (readonly Range[])[]): number[] {
  const pts = new Set<number>();
  for (const l of lists) for (const r of l) pts.add(r.start).add(r.end);
  return [...pts].sort((a, b) => a - b);
}

function covers(ranges: readonly Range[], point: number): number {
  return ranges.filter((r) => r.start <= point && point < r.end).length;
}

/** Compares two range lists as point sets (multiplicity ignored). */
function samePointSet(a: readonly Range[], b: readonly Range[]): boolean {
  const pts = breakpoints(a, b);
  for (let i = 0; i + 1 < pts.length; i++) {
    const p = pts[i];
    if (p === undefined) continue;
    if (covers(a, p) > 0 !== covers(b, p) > 0) return false;
  }
  return true;
}

function isStrictlySortedDisjoint(ranges: readonly Range[], allowTouching: boolean): boolean {
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i];
    if (r === undefined || r.end <= r.start) return false;
    const prev = ranges[i - 1];
    if (prev && (allowTouching ? r.start < prev.end : r.start <= prev.end)) return false;
  }
  return true;
}

const ptRange = (p: PtLoad): Range => ({ start: p.paddr, end: p.paddr + p.size });

// ---------------------------------------------------------------------------------------------
// Generators

const platformArb = fc.constantFrom<Platform>('pseries', 'powernv');
/** CONFIG_PPC_4K_PAGES or CONFIG_PPC_64K_PAGES, in bytes. */
const pageSizeArb = fc.constantFrom(4 * KiB, 64 * KiB);
/** A guest's area geometry: platform, page size, and on pSeries PowerVM's documented sizes or
 *  QEMU's for 1 to 256 possible CPUs (src/memory/guest.ts). */
const geometryArb = (platform: Platform): fc.Arbitrary<AreaGeometry> =>
  fc
    .record({
      pageSize: pageSizeArb,
      firmware: fc.constantFrom<Firmware>('powervm', 'qemu'),
      cpus: fc.integer({ min: 1, max: 256 }),
    })
    .map((g) => areaGeometry({ platform, ...g, nrCpus: 2048, elfcorehdr: 'in-capture-kernel' }));
/** The default guest: PowerVM's documented sizes, 64K pages. */
const geometry64K = (platform: Platform): AreaGeometry =>
  areaGeometry({
    platform,
    firmware: 'powervm',
    cpus: 1,
    pageSize: PAGE_SIZE_64K,
    nrCpus: 2048,
    elfcorehdr: 'in-capture-kernel',
  });
const lmbArb = fc.constantFrom(16 * MiB, 64 * MiB, 256 * MiB);

interface Layout {
  lmb: number;
  memory: Range[];
}

/** Sorted, disjoint ranges made of whole LMBs, with holes (sometimes before the first range,
 *  sometimes none between two ranges, which then touch). */
const layoutArb: fc.Arbitrary<Layout> = fc
  .record({
    lmb: lmbArb,
    firstGap: fc.oneof(
      { weight: 3, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }) },
    ),
    segs: fc.array(fc.record({ gap: fc.integer({ min: 0, max: 6 }), len: fc.integer({ min: 1, max: 24 }) }), {
      minLength: 1,
      maxLength: 9,
    }),
  })
  .map(({ lmb, firstGap, segs }) => {
    const memory: Range[] = [];
    let at = firstGap * lmb;
    segs.forEach((s, i) => {
      if (i > 0) at += s.gap * lmb;
      memory.push({ start: at, end: at + s.len * lmb });
      at += s.len * lmb;
    });
    return { lmb, memory };
  });

interface Scenario {
  platform: Platform;
  /** The guest's sizes and PAGE_SIZE. */
  geometry: AreaGeometry;
  memory: Range[];
  /** boot_memory_size, page aligned. */
  size: number;
}

/** A page-aligned boot memory size from `min` (exclusive) to `max` bytes (inclusive): any number
 *  of pages, whole LMBs, or exactly the first ranges of `memory` (boot memory ending at a hole);
 *  null when there is none. */
function sizeArb(
  memory: readonly Range[],
  lmb: number,
  page: number,
  min: number,
  max: number,
): fc.Arbitrary<number> | null {
  const lo = Math.floor(min / page) + 1;
  const hi = Math.floor(max / page);
  if (hi < lo) return null;
  const sizes: fc.Arbitrary<number>[] = [fc.integer({ min: lo, max: hi }).map((n) => n * page)];
  const loLmb = Math.floor(min / lmb) + 1;
  const hiLmb = Math.floor(max / lmb);
  if (hiLmb >= loLmb) sizes.push(fc.integer({ min: loLmb, max: hiLmb }).map((n) => n * lmb));
  const prefixes = memory.map((_, i) => totalSize(memory.slice(0, i + 1))).filter((t) => t > min && t <= max);
  if (prefixes.length > 0) sizes.push(fc.constantFrom(...prefixes));
  return fc.oneof(...sizes);
}

/** A layout, a platform and a page-aligned boot memory size of at most 3/4 of the memory that
 *  fits in the first memblock region (the first range of normalize(memory)): for_each_mem_range()
 *  reaches boot_memory_size in its first region, so fadump_get_boot_mem_regions() counts nothing
 *  twice and takes exactly the first `size` bytes of memory. */
const singleRegionScenarioArb: fc.Arbitrary<Scenario> = fc
  .tuple(
    layoutArb,
    platformArb.chain((p) => geometryArb(p)),
  )
  .chain(([layout, geometry]) => {
    const first = normalize(layout.memory)[0];
    const firstLen = first === undefined ? 0 : first.end - first.start;
    const max = Math.min(firstLen, (totalSize(layout.memory) * 3) / 4);
    const sizes = sizeArb(layout.memory, layout.lmb, geometry.pageSize, 0, max) ?? fc.constant(geometry.pageSize);
    return sizes.map((size) => ({ platform: geometry.platform, geometry, memory: layout.memory, size }));
  });

/** A layout of two memblock regions or more and a page-aligned boot memory size of at most 3/4 of
 *  the memory that does not fit in the first: boot memory spans a hole, and
 *  fadump_get_boot_mem_regions() counts the regions it takes whole twice (mem_size -= size;
 *  cur_size += size), so the last region gets (mem_size - cur_size) mod 2^64: short, zero or
 *  wrapped (docs/kernel-behaviour.md §1.1 item 4). */
const multiRegionScenarioArb: fc.Arbitrary<Scenario> = fc
  .tuple(
    layoutArb.filter((l) => {
      const first = normalize(l.memory)[0];
      return first !== undefined && first.end - first.start + l.lmb <= (totalSize(l.memory) * 3) / 4;
    }),
    platformArb.chain((p) => geometryArb(p)),
  )
  .chain(([layout, geometry]) => {
    const first = normalize(layout.memory)[0];
    const firstLen = first === undefined ? 0 : first.end - first.start;
    const max = (totalSize(layout.memory) * 3) / 4;
    const sizes =
      sizeArb(layout.memory, layout.lmb, geometry.pageSize, firstLen, max) ?? fc.constant(firstLen + layout.lmb);
    return sizes.map((size) => ({ platform: geometry.platform, geometry, memory: layout.memory, size }));
  });

interface Built {
  regions: Range[];
  bootMemTop: number;
  bootMemDest: number;
  area: Range;
  ptLoads: PtLoad[];
}

/** The pipeline of fadump_reserve_mem then fadump_populate_elfcorehdr; null when the layout
 *  cannot hold a dump (too many regions, no room for the area). */
function build(s: Scenario, areaStart?: (top: number, areaSize: number) => number | null): Built | null {
  const bm = bootMemoryRegions(s.memory, s.size, s.platform, s.geometry.pageSize);
  if (!bm.ok) return null;
  const areaSize = fadumpAreaSize(s.geometry, s.size);
  const start = areaStart
    ? areaStart(bm.value.bootMemTop, areaSize)
    : locateReserveMem(s.memory, bm.value.bootMemTop, areaSize, s.geometry.pageSize);
  if (start === null) return null;
  const dump = dumpAreaAt(s.geometry, start, s.size);
  const area = { start, end: start + dump.size };
  const ptLoads = elfcorePtLoads({
    memory: s.memory,
    bootRegions: bm.value.regions,
    bootMemTop: bm.value.bootMemTop,
    bootMemDest: dump.bootMemDest,
    area,
  });
  return { regions: bm.value.regions, bootMemTop: bm.value.bootMemTop, bootMemDest: dump.bootMemDest, area, ptLoads };
}

/** Checks every PT_LOAD invariant of §1 "Capture boot" 3; returns a description of the first
 *  violation, or null. */
function ptLoadViolation(s: Scenario, b: Built): string | null {
  const { ptLoads, area, regions } = b;
  if (ptLoads.some((p) => p.size <= 0)) return 'empty PT_LOAD';
  // No two PT_LOADs overlap (by paddr).
  const sorted = [...ptLoads].sort((x, y) => x.paddr - y.paddr);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    if (prev && cur && cur.paddr < prev.paddr + prev.size) return `overlap at ${cur.paddr}`;
  }
  // None intersects the reserved area.
  if (ptLoads.some((p) => p.paddr < area.end && area.start < p.paddr + p.size)) return 'PT_LOAD inside the area';
  // The union is exactly memoryToDescribe ...
  const union = normalize(ptLoads.map(ptRange));
  const expected = memoryToDescribe(s.memory, area);
  if (JSON.stringify(union) !== JSON.stringify(expected)) return 'union differs from memoryToDescribe';
  // ... and, checked independently of the module: every elementary interval of memory outside
  // the area is covered by exactly one PT_LOAD, every other by none.
  const ranges = ptLoads.map(ptRange);
  const pts = breakpoints(s.memory, [area], ranges);
  for (let i = 0; i + 1 < pts.length; i++) {
    const p = pts[i];
    if (p === undefined) continue;
    const want = covers(s.memory, p) > 0 && !(area.start <= p && p < area.end) ? 1 : 0;
    if (covers(ranges, p) !== want) return `point ${p} covered ${covers(ranges, p)} times, want ${want}`;
  }
  // Boot regions first, at their copy destination one after another; every other at its paddr.
  let dest = b.bootMemDest;
  for (let i = 0; i < ptLoads.length; i++) {
    const p = ptLoads[i];
    if (!p) continue;
    const region = regions[i];
    if (region) {
      if (p.paddr !== region.start || p.size !== region.end - region.start)
        return `PT_LOAD ${i} is not boot region ${i}`;
      if (p.offset !== dest) return `boot PT_LOAD ${i} offset ${p.offset}, want ${dest}`;
      dest += p.size;
    } else if (p.offset !== p.paddr) {
      return `PT_LOAD ${i} offset ${p.offset} != paddr ${p.paddr}`;
    }
  }
  // The copy destination of boot memory lies inside the area, the header right after it.
  if (b.bootMemDest < area.start || dest > area.end) return 'boot memory copy outside the area';
  return null;
}

/** 2^63: a boot_mem_sz[i] this large wrapped below zero (the regions fadump_get_boot_mem_regions()
 *  took whole pass half of boot_memory_size). */
const TWO_63 = 1n << 63n;
const u64Size = (r: Range): bigint => BigInt(r.end) - BigInt(r.start);
const isWrapped = (r: Range): boolean => u64Size(r) >= TWO_63;

/** Boot memory over two memblock regions or more, as the kernel really has it (the double count of
 *  fadump_get_boot_mem_regions()): the boot regions not wrapped, the wrapped last one (or null),
 *  and the bytes no PT_LOAD describes, [end of the last region not wrapped, boot_mem_top): below
 *  boot_mem_top but past the short (or missing, or wrapped) last region, so skipped by both loops of
 *  fadump_populate_elfcorehdr(). */
function doubleCountView(b: Built): { kept: Range[]; wrapped: Range | null; lost: Range } {
  const last = b.regions.at(-1);
  const wrapped = last !== undefined && isWrapped(last) ? last : null;
  const kept = b.regions.filter((r) => !isWrapped(r));
  return { kept, wrapped, lost: { start: kept.at(-1)?.end ?? 0, end: b.bootMemTop } };
}

/** The PT_LOAD invariants that survive the double count; returns the first violation, or null.
 *  Still hold: boot regions first, at consecutive destinations (boot_mem_dest_offset +=
 *  boot_mem_sz[i], u64); every other PT_LOAD at its paddr; every PT_LOAD but a wrapped one
 *  non-empty, disjoint from the others and outside the area; together they cover memory minus the
 *  area minus doubleCountView()'s `lost` exactly once. Do not hold: "covering exactly memory minus
 *  area" (`lost` is missing from the dump); with a wrapped size, "disjoint" and "outside the area"
 *  (its PT_LOAD runs to near 2^64, over the area and every PT_LOAD above boot_mem_top), nor the
 *  copy's staying in the area (boot_mem_dest_addr + the sizes passes the area's end). */
function doubleCountViolation(s: Scenario, b: Built): string | null {
  const { ptLoads, area, regions } = b;
  let dest = BigInt(b.bootMemDest);
  for (let i = 0; i < regions.length; i++) {
    const p = ptLoads[i];
    const r = regions[i];
    if (!p || !r) return `no PT_LOAD for boot region ${i}`;
    if (p.paddr !== r.start || BigInt(p.size) !== u64Size(r)) return `PT_LOAD ${i} is not boot region ${i}`;
    if (BigInt(p.offset) !== dest) return `boot PT_LOAD ${i} offset ${p.offset}, want ${dest}`;
    dest = BigInt.asUintN(64, dest + u64Size(r));
  }
  for (const p of ptLoads.slice(regions.length))
    if (p.offset !== p.paddr) return `PT_LOAD offset ${p.offset} != paddr ${p.paddr}`;
  const { wrapped, lost } = doubleCountView(b);
  const rest = wrapped === null ? ptLoads : ptLoads.filter((_, i) => i !== regions.length - 1);
  if (rest.some((p) => p.size <= 0)) return 'empty PT_LOAD';
  const sorted = [...rest].sort((x, y) => x.paddr - y.paddr);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    if (prev && cur && cur.paddr < prev.paddr + prev.size) return `overlap at ${cur.paddr}`;
  }
  if (rest.some((p) => p.paddr < area.end && area.start < p.paddr + p.size)) return 'PT_LOAD inside the area';
  const ranges = rest.map(ptRange);
  const pts = breakpoints(s.memory, [area], [lost], ranges);
  for (let i = 0; i + 1 < pts.length; i++) {
    const p = pts[i];
    if (p === undefined) continue;
    const inside = (x: Range) => x.start <= p && p < x.end;
    const want = covers(s.memory, p) > 0 && !inside(area) && !inside(lost) ? 1 : 0;
    if (covers(ranges, p) !== want) return `point ${p} covered ${covers(ranges, p)} times, want ${want}`;
  }
  if (b.bootMemDest < area.start) return 'boot memory copy before the area';
  if (wrapped !== null) {
    const w = ptRange({ paddr: wrapped.start, size: wrapped.end - wrapped.start, offset: 0 });
    if (!(w.start <= area.start && area.end <= w.end)) return 'the wrapped PT_LOAD does not run over the area';
    if (b.bootMemDest + totalSize(regions) <= area.end) return 'a wrapped copy stays in the area';
  } else if (Number(dest) > area.end) return 'boot memory copy past the area';
  return null;
}

// ---------------------------------------------------------------------------------------------

describe('elfcorePtLoads (fadump_populate_elfcorehdr)', () => {
  /** The two kinds of boot memory: in one memblock region, where every invariant of §1 "Capture
   *  boot" 3 holds; over two or more, where the double count of fadump_get_boot_mem_regions()
   *  leaves only doubleCountViolation()'s. `minBuilt` is how many cases must hold a dump, `minSplits`
   *  how many must put the area inside a memory range (fewer over two regions: boot memory is
   *  larger than the first, the room above boot_mem_top smaller). */
  const kinds = [
    {
      name: 'single-region boot memory',
      arb: singleRegionScenarioArb,
      violation: ptLoadViolation,
      minBuilt: 100,
      minSplits: 20,
    },
    {
      name: 'multi-region boot memory',
      arb: multiRegionScenarioArb,
      violation: doubleCountViolation,
      minBuilt: 30,
      minSplits: 5,
    },
  ] as const;

  const [single, multi] = kinds;
  const wherePlaced = (kind: (typeof kinds)[number]) => () => {
    let built = 0;
    fc.assert(
      fc.property(kind.arb, (s) => {
        const b = build(s);
        if (b === null) return true;
        built++;
        const v = kind.violation(s, b);
        if (v !== null) throw new Error(v);
        return true;
      }),
      opts(300),
    );
    // The generator must mostly produce layouts that can hold a dump.
    expect(built).toBeGreaterThan(kind.minBuilt);
  };
  it(
    `${single.name}, with the area where fadump_reserve_mem puts it: disjoint, outside the area, covering exactly memory minus area, consecutive destinations`,
    wherePlaced(single),
  );
  it(
    `${multi.name}, with the area where fadump_reserve_mem puts it: consecutive destinations; but for a wrapped one, disjoint and outside the area; not covering memory minus area: [end of the short or missing last region, boot_mem_top) is lost (the double count)`,
    wherePlaced(multi),
  );

  const anywhere = (kind: (typeof kinds)[number]) => () => {
    let built = 0;
    let splits = 0;
    const arb = fc.tuple(kind.arb, fc.integer({ min: 0, max: 1_000_000 }));
    fc.assert(
      fc.property(arb, ([s, pick]) => {
        const end = endOfDram(s.memory);
        const b = build(s, (top) => {
          const page = s.geometry.pageSize;
          const lastPage = Math.floor((end - top) / page);
          if (lastPage < 0) return null;
          // Any page-aligned start from boot_mem_top up to a little past the end of DRAM.
          return top + (pick % (lastPage + 2)) * page;
        });
        if (b === null) return true;
        built++;
        const v = kind.violation(s, b);
        if (v !== null) throw new Error(v);
        // A memory range (as trimmed to boot_mem_top) that strictly contains the area is split in
        // two PT_LOADs: [start, area.start) and [area.end, end).
        for (const r of normalize(s.memory)) {
          const tStart = Math.max(r.start, b.bootMemTop);
          if (tStart < b.area.start && b.area.end < r.end) {
            splits++;
            const left = b.ptLoads.filter((p) => p.paddr === tStart && p.size === b.area.start - tStart);
            const right = b.ptLoads.filter((p) => p.paddr === b.area.end && p.size === r.end - b.area.end);
            if (left.length !== 1 || right.length !== 1)
              throw new Error(`range ${r.start}-${r.end} not split around the area`);
          }
        }
        return true;
      }),
      opts(300),
    );
    expect(built).toBeGreaterThan(kind.minBuilt);
    expect(splits).toBeGreaterThan(kind.minSplits);
  };
  it(
    `${single.name}, with the area anywhere above boot_mem_top (an inherited area, or one split by memory holes)`,
    anywhere(single),
  );
  it(
    `${multi.name}, with the area anywhere above boot_mem_top: as where fadump_reserve_mem puts it (the double count); a range holding the area still split around it`,
    anywhere(multi),
  );

  const hotplug = (kind: (typeof kinds)[number]) => () => {
    const arb = fc.tuple(kind.arb, fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }), lmbArb);
    let built = 0;
    fc.assert(
      fc.property(arb, ([s, nAdd, nRemove, lmb]) => {
        const b = build(s);
        if (b === null) return true;
        // DLPAR: add the lowest absent LMBs, remove the highest unless protected (at or below
        // boot_mem_top or overlapping the reserved area: -EINVAL, §4).
        const add = lmbsAdded(s.memory, nAdd, lmb, endOfDram(s.memory) + 8 * lmb) ?? [];
        const afterAdd = withAdded(s.memory, add);
        const remove = (lmbsRemoved(afterAdd, nRemove, lmb, 0) ?? []).filter(
          (r) => r.start >= b.bootMemTop && !(r.start < b.area.end && b.area.start < r.end),
        );
        const memory = withRemoved(afterAdd, remove);
        built++;
        const pt = elfcorePtLoads({
          memory,
          bootRegions: b.regions,
          bootMemTop: b.bootMemTop,
          bootMemDest: b.bootMemDest,
          area: b.area,
        });
        // Under the double count a wrapped boot region's PT_LOAD runs over everything above it:
        // the other PT_LOADs are checked; for single-region boot memory there is none, and `lost`
        // is empty (boot memory ends at boot_mem_top).
        const { kept, wrapped, lost } = doubleCountView(b);
        const ranges = pt.map(ptRange).filter((_, i) => wrapped === null || i !== b.regions.length - 1);
        // Described: the boot regions, plus the new map above boot_mem_top minus the area.
        const above = subtract(normalize(memory), { start: 0, end: b.bootMemTop });
        const want = normalize([...kept, ...subtract(above, b.area)]);
        const pts = breakpoints(memory, ranges, [b.area], b.regions);
        for (let i = 0; i + 1 < pts.length; i++) {
          const p = pts[i];
          if (p === undefined) continue;
          expect(covers(ranges, p)).toBe(covers(want, p) > 0 ? 1 : 0);
        }
        expect(ranges.every((r) => !(r.start < b.area.end && b.area.start < r.end))).toBe(true);
        // Without additions below boot_mem_top this is all memory but the area (and, under the
        // double count, but `lost`).
        if (add.every((r) => r.start >= b.bootMemTop))
          expect(normalize(ranges)).toEqual(normalize(subtract(memoryToDescribe(memory, b.area), lost)));
        return true;
      }),
      opts(150),
    );
    expect(built).toBeGreaterThan(kind.minBuilt / 2);
  };
  it(
    `${single.name}, after memory hotplug (the capture kernel builds from the new map): still disjoint and outside the area; memory added into a hole below boot_mem_top is not described`,
    hotplug(single),
  );
  it(
    `${multi.name}, after memory hotplug: the same for every PT_LOAD but a wrapped one, less [end of the boot regions, boot_mem_top) (the double count)`,
    hotplug(multi),
  );

  it('example: an LMB hot-added into a hole below boot_mem_top gets no PT_LOAD (as in the kernel: it is skipped)', () => {
    const memory = [
      { start: 0, end: 256 * MiB },
      { start: 512 * MiB, end: 4 * GiB },
    ];
    const bm = bootMemoryRegions(memory, 320 * MiB, 'pseries', PAGE_SIZE_64K);
    if (!bm.ok) throw new Error(bm.reason);
    const areaSize = fadumpAreaSize(geometry64K('pseries'), 320 * MiB);
    const start = locateReserveMem(memory, bm.value.bootMemTop, areaSize, PAGE_SIZE_64K);
    if (start === null) throw new Error('no room');
    const dump = dumpAreaAt(geometry64K('pseries'), start, 320 * MiB);
    const area = { start, end: start + dump.size };
    const added = lmbsAdded(memory, 1, 256 * MiB, 4 * GiB);
    expect(added).toEqual([{ start: 256 * MiB, end: 512 * MiB }]);
    const after = withAdded(memory, added ?? []);
    const pt = elfcorePtLoads({
      memory: after,
      bootRegions: bm.value.regions,
      bootMemTop: bm.value.bootMemTop,
      bootMemDest: dump.bootMemDest,
      area,
    });
    expect(pt.some((p) => p.paddr < 512 * MiB && p.paddr + p.size > 256 * MiB)).toBe(false);
    expect(normalize(pt.map(ptRange))).not.toEqual(memoryToDescribe(after, area));
  });

  it('example: a range strictly containing the area is split in two, boot memory at its destination', () => {
    const memory = [{ start: 0, end: 4 * GiB }];
    const bootRegions = [{ start: 0, end: 1 * GiB }];
    const area = { start: 2 * GiB, end: 2 * GiB + 1 * GiB + 0x50000 + HEADER };
    const pt = elfcorePtLoads({ memory, bootRegions, bootMemTop: 1 * GiB, bootMemDest: 2 * GiB + 0x50000, area });
    expect(pt).toEqual([
      { paddr: 0, size: 1 * GiB, offset: 2 * GiB + 0x50000 },
      { paddr: 1 * GiB, size: 1 * GiB, offset: 1 * GiB },
      { paddr: area.end, size: 4 * GiB - area.end, offset: area.end },
    ]);
  });

  it('example: boot memory split around a hole gives consecutive destinations, the second region short by the first (the double count)', () => {
    const memory = [
      { start: 0, end: 256 * MiB },
      { start: 512 * MiB, end: 4 * GiB },
    ];
    // fadump_get_boot_mem_regions() (arch/powerpc/kernel/fadump.c, 6.1 and 6.12) takes the first
    // region whole with mem_size -= size AND cur_size += size, then gives the second
    // mem_size - cur_size = (768 - 256) - 256 = 256 MiB, not 512: short by the first's size.
    // boot_mem_top = PAGE_ALIGN(768 MiB + the 256 MiB hole) = 1 GiB is right, so [768 MiB, 1 GiB)
    // is neither copied nor described. (With 320 MiB the second size wraps: test/boot-regions.test.ts.)
    const bm = bootMemoryRegions(memory, 768 * MiB, 'pseries', PAGE_SIZE_64K);
    expect(bm).toEqual({
      ok: true,
      value: {
        regions: [
          { start: 0, end: 256 * MiB },
          { start: 512 * MiB, end: 768 * MiB },
        ],
        bootMemTop: 1 * GiB,
      },
    });
    if (!bm.ok) return;
    const start = locateReserveMem(
      memory,
      bm.value.bootMemTop,
      fadumpAreaSize(geometry64K('pseries'), 768 * MiB),
      PAGE_SIZE_64K,
    );
    expect(start).toBe(1 * GiB);
    if (start === null) return;
    const dump = dumpAreaAt(geometry64K('pseries'), start, 768 * MiB);
    const area = { start, end: start + dump.size };
    const pt = elfcorePtLoads({
      memory,
      bootRegions: bm.value.regions,
      bootMemTop: bm.value.bootMemTop,
      bootMemDest: dump.bootMemDest,
      area,
    });
    expect(pt).toEqual([
      { paddr: 0, size: 256 * MiB, offset: dump.bootMemDest },
      { paddr: 512 * MiB, size: 256 * MiB, offset: dump.bootMemDest + 256 * MiB },
      { paddr: area.end, size: 4 * GiB - area.end, offset: area.end },
    ]);
    // All memory but the area, less the 256 MiB the double count lost.
    expect(normalize(pt.map(ptRange))).toEqual(
      subtract(memoryToDescribe(memory, area), { start: 768 * MiB, end: 1 * GiB }),
    );
  });
});

describe('bootMemoryRegions and locateReserveMem', () => {
  it('single-region boot memory: boot regions are the first `size` bytes of memory; boot_mem_top = PAGE_ALIGN(size + holes); at most the platform maximum', () => {
    fc.assert(
      fc.property(singleRegionScenarioArb, (s) => {
        const bm = bootMemoryRegions(s.memory, s.size, s.platform, s.geometry.pageSize);
        const mem = normalize(s.memory);
        // How many memory ranges the first `size` bytes touch.
        let left = s.size;
        let needed = 0;
        let lastEnd = 0;
        for (const r of mem) {
          if (left <= 0) break;
          needed++;
          const take = Math.min(left, r.end - r.start);
          lastEnd = r.start + take;
          left -= take;
        }
        if (needed > PLATFORM[s.platform].maxBootRegions) {
          expect(bm.ok).toBe(false);
          return;
        }
        expect(bm.ok).toBe(true);
        if (!bm.ok) return;
        const { regions, bootMemTop } = bm.value;
        expect(totalSize(regions)).toBe(s.size);
        expect(isStrictlySortedDisjoint(regions, true)).toBe(true);
        // Every region lies in memory, and all memory below the last region's end is boot memory.
        expect(
          samePointSet(
            regions,
            mem.flatMap((r) => (r.start < lastEnd ? [{ start: r.start, end: Math.min(r.end, lastEnd) }] : [])),
          ),
        ).toBe(true);
        const holes =
          lastEnd -
          totalSize(mem.flatMap((r) => (r.start < lastEnd ? [{ start: r.start, end: Math.min(r.end, lastEnd) }] : [])));
        expect(bootMemTop).toBe(pageAlign(s.size + holes, s.geometry.pageSize));
        expect(bootMemTop % s.geometry.pageSize).toBe(0);
      }),
      opts(300),
    );
  });

  it("multi-region boot memory (the double count): the C loop's regions; every memblock region before the last taken whole; the last one size - 2S mod 2^64 (short, absent when zero, wrapped), so the sizes sum to size - S, never size (S: the regions taken whole); boot_mem_top = PAGE_ALIGN(size + the holes before the region where the loop stops), which may be before the end of boot memory's first `size` bytes; a wrapped size disables fadump on PowerNV", () => {
    let wrapped = 0;
    let short = 0;
    let early = 0;
    fc.assert(
      fc.property(multiRegionScenarioArb, (s) => {
        const page = s.geometry.pageSize;
        const B = s.size;
        const mem = normalize(s.memory);
        const { maxBootRegions } = PLATFORM[s.platform];
        // max_copy_size: ALIGN_DOWN(U32_MAX, PAGE_SIZE) on OPAL (opal_fadump_dt_scan()),
        // ALIGN_DOWN(U64_MAX, PAGE_SIZE) on pSeries (rtas_fadump_dt_scan()).
        const maxCopy = s.platform === 'powernv' ? 0xffffffffn : (1n << 64n) - 1n;
        const bm = bootMemoryRegions(s.memory, B, s.platform, page);
        const c = cTranscription(
          mem.map((r) => ({ start: BigInt(r.start), end: BigInt(r.end) })),
          BigInt(B),
          maxCopy - (maxCopy % BigInt(page)),
          maxBootRegions,
        );
        // Where the loop stops: the first region k with cur_size + size >= mem_size, i.e.
        // S + len_k >= B - S (S: the bytes of regions 0..k-1); the holes before it. Where boot
        // memory really ends: the first region j with S + len_j >= B.
        let S = 0;
        let holes = 0;
        let lastEnd = 0;
        let k = -1;
        for (const [i, r] of mem.entries()) {
          holes += r.start - lastEnd;
          if (S + (r.end - r.start) >= B - S) {
            k = i;
            break;
          }
          S += r.end - r.start;
          lastEnd = r.end;
        }
        const j = mem.findIndex((_, i) => totalSize(mem.slice(0, i + 1)) >= B);
        const rk = mem[k];
        if (rk === undefined || j < 0) throw new Error('boot memory is at most 3/4 of memory');
        expect(k).toBeGreaterThanOrEqual(1);
        expect(k).toBeLessThanOrEqual(j);
        if (k < j) early++;
        const lastSize = BigInt.asUintN(64, BigInt(B - 2 * S));
        if (lastSize >= TWO_63) wrapped++;
        else if (lastSize > 0n && lastSize < BigInt(B - S)) short++;
        if (s.platform === 'powernv' && lastSize >= TWO_63) {
          // Cut in max_copy_size pieces, a size near 2^64 passes OPAL_FADUMP_MAX_MEM_REGS.
          expect(bm).toEqual({ ok: false, reason: 'Too many holes in boot memory area to enable fadump' });
          return;
        }
        if (s.platform === 'pseries') expect(bm.ok).toBe(k + (lastSize > 0n ? 1 : 0) <= maxBootRegions);
        if (c.ret !== 1) {
          expect(bm).toEqual({ ok: false, reason: 'Too many holes in boot memory area to enable fadump' });
          return;
        }
        expect(bm.ok).toBe(true);
        if (!bm.ok) return;
        const { regions, bootMemTop } = bm.value;
        // The model is the C loop.
        expect(regions.map((r) => [BigInt(r.start), u64Size(r)])).toEqual(c.addr.map((a, i) => [a, c.sz[i]]));
        expect(bootMemTop).toBe(pageAlign(Number(c.top), page));
        expect(regions.length).toBeLessThanOrEqual(maxBootRegions);
        // Regions 0..k-1 whole (cut in max_copy_size pieces on PowerNV) ...
        const before = regions.filter((r) => r.start < rk.start);
        expect(isStrictlySortedDisjoint(before, true)).toBe(true);
        expect(samePointSet(before, mem.slice(0, k))).toBe(true);
        // ... then size - 2S from region k's start: none when zero.
        const after = regions.filter((r) => r.start >= rk.start);
        expect(after.reduce((t, r) => t + u64Size(r), 0n)).toBe(lastSize);
        if (lastSize > 0n) expect(after[0]?.start).toBe(rk.start);
        // The sizes sum to size - S (mod 2^64), never to size.
        const sum = BigInt.asUintN(
          64,
          regions.reduce((t, r) => t + u64Size(r), 0n),
        );
        expect(sum).toBe(BigInt.asUintN(64, BigInt(B - S)));
        expect(sum).not.toBe(BigInt(B));
        // boot_mem_top counts the holes before region k only: right when k is where boot memory
        // ends, lower when the loop stopped early.
        expect(bootMemTop).toBe(pageAlign(B + holes, page));
        const trueHoles = (mem[j]?.start ?? 0) - totalSize(mem.slice(0, j));
        expect(bootMemTop).toBeLessThanOrEqual(pageAlign(B + trueHoles, page));
        expect(bootMemTop % page).toBe(0);
      }),
      opts(300),
    );
    // Each outcome of the double count is seen.
    expect(wrapped).toBeGreaterThan(10);
    expect(short).toBeGreaterThan(10);
    expect(early).toBeGreaterThan(0);
  });

  it('locateReserveMem: page aligned, at or above boot_mem_top, inside one memory range, the first that fits', () => {
    // boot_mem_top is page aligned in practice; an unaligned one checks the result is aligned.
    const arb = fc.tuple(
      layoutArb,
      fc.integer({ min: 0, max: 64 }),
      fc.integer({ min: 1, max: 4096 }),
      fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 4 * MiB })),
      pageSizeArb,
    );
    fc.assert(
      fc.property(arb, ([layout, topLmbs, sizePages, jitter, PAGE_SIZE]) => {
        const top = topLmbs * layout.lmb + jitter;
        const size = sizePages * PAGE_SIZE + HEADER;
        const start = locateReserveMem(layout.memory, top, size, PAGE_SIZE);
        const mem = normalize(layout.memory);
        const fits = (r: Range) => pageAlign(Math.max(r.start, top), PAGE_SIZE) + size <= r.end;
        if (start === null) {
          expect(mem.some(fits)).toBe(false);
          return;
        }
        expect(start % PAGE_SIZE).toBe(0);
        expect(start).toBeGreaterThanOrEqual(top);
        const home = mem.findIndex((r) => r.start <= start && start + size <= r.end);
        expect(home).toBeGreaterThanOrEqual(0);
        expect(mem.slice(0, home).some(fits)).toBe(false);
        // Lowest position in its range.
        const r = mem[home];
        if (r) expect(start).toBe(pageAlign(Math.max(r.start, top), PAGE_SIZE));
      }),
      opts(300),
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('range bookkeeping: normalize, subtract, withAdded, withRemoved', () => {
  const smallRange = fc
    .tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: -5, max: 40 }))
    .map(([start, len]) => ({ start, end: start + len }));
  const smallRanges = fc.array(smallRange, { maxLength: 12 });
  // A cut is a well-formed range (possibly empty); an inverted one is not a range at all.
  const smallCut = fc
    .tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 40 }))
    .map(([start, len]) => ({ start, end: start + len }));

  it('normalize: sorted, disjoint, not touching, no empty range, same points, idempotent', () => {
    fc.assert(
      fc.property(smallRanges, (rs) => {
        const n = normalize(rs);
        expect(isStrictlySortedDisjoint(n, false)).toBe(true);
        expect(
          samePointSet(
            n,
            rs.filter((r) => r.end > r.start),
          ),
        ).toBe(true);
        expect(normalize(n)).toEqual(n);
        expect(totalSize(n)).toBeLessThanOrEqual(totalSize(rs.filter((r) => r.end > r.start)));
      }),
      opts(500),
    );
  });

  it('subtract: the points of the ranges not in the cut; size = size - size of the intersection', () => {
    fc.assert(
      fc.property(smallRanges, smallCut, (rs, cut) => {
        const n = normalize(rs);
        const out = subtract(n, cut);
        expect(out.every((r) => r.end > r.start)).toBe(true);
        expect(out.every((r) => !(r.start < cut.end && cut.start < r.end))).toBe(true);
        let want = 0;
        const pts = breakpoints(n, [cut]);
        for (let i = 0; i + 1 < pts.length; i++) {
          const p = pts[i];
          const q = pts[i + 1];
          if (p === undefined || q === undefined) continue;
          const inside = covers(n, p) > 0 && !(cut.start <= p && p < cut.end);
          if (inside) want += q - p;
          expect(covers(out, p)).toBe(inside ? 1 : 0);
        }
        expect(totalSize(out)).toBe(want);
      }),
      opts(500),
    );
  });

  it('withAdded / withRemoved: totals add up for disjoint additions and contained removals; add then remove is identity', () => {
    fc.assert(
      fc.property(layoutArb, fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 10 }), (layout, picks) => {
        const { lmb, memory } = layout;
        const end = endOfDram(memory) + 4 * lmb;
        const blocks: Range[] = [];
        for (let a = 0; a < end; a += lmb) blocks.push({ start: a, end: a + lmb });
        const present = blocks.filter((b) => covers(memory, b.start) > 0);
        const absent = blocks.filter((b) => covers(memory, b.start) === 0);
        const add = [...new Set(picks.map((p) => p % Math.max(1, absent.length)))].flatMap((i) =>
          absent.slice(i, i + 1),
        );
        const rem = [...new Set(picks.map((p) => p % Math.max(1, present.length)))].flatMap((i) =>
          present.slice(i, i + 1),
        );
        const added = withAdded(memory, add);
        expect(totalSize(added)).toBe(totalSize(memory) + add.length * lmb);
        expect(isStrictlySortedDisjoint(added, false)).toBe(true);
        expect(withRemoved(added, add)).toEqual(normalize(memory));
        const removed = withRemoved(memory, rem);
        expect(totalSize(removed)).toBe(totalSize(memory) - rem.length * lmb);
        expect(rem.every((b) => covers(removed, b.start) === 0)).toBe(true);
        expect(withAdded(removed, rem)).toEqual(normalize(memory));
      }),
      opts(200),
    );
  });
});

describe('memory hotplug: lmbsAdded / lmbsRemoved (DLPAR)', () => {
  it('lmbsAdded: the lowest absent LMBs below the maximum, never above it; total grows by count LMBs', () => {
    const arb = fc.tuple(layoutArb, fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 16 }));
    fc.assert(
      fc.property(arb, ([{ lmb, memory }, count, extraLmbs]) => {
        const maxBytes = endOfDram(memory) + extraLmbs * lmb;
        const absent: Range[] = [];
        for (let a = 0; a + lmb <= maxBytes; a += lmb)
          if (covers(memory, a) === 0) absent.push({ start: a, end: a + lmb });
        const got = lmbsAdded(memory, count, lmb, maxBytes);
        if (count > absent.length) {
          expect(got).toBeNull();
          return;
        }
        expect(got).toEqual(absent.slice(0, count));
        if (got === null) return;
        expect(got.every((b) => b.end <= maxBytes && b.start % lmb === 0)).toBe(true);
        expect(totalSize(withAdded(memory, got))).toBe(totalSize(memory) + count * lmb);
      }),
      opts(200),
    );
  });

  it('lmbsRemoved: the highest present LMBs, never below the minimum; total shrinks by count LMBs', () => {
    const arb = fc.tuple(layoutArb, fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 100 }));
    fc.assert(
      fc.property(arb, ([{ lmb, memory }, count, minLmbs]) => {
        const minBytes = minLmbs * lmb;
        const got = lmbsRemoved(memory, count, lmb, minBytes);
        const total = totalSize(memory);
        if (total - count * lmb < minBytes) {
          expect(got).toBeNull();
          return;
        }
        expect(got).not.toBeNull();
        if (got === null) return;
        expect(got).toHaveLength(count);
        const after = withRemoved(memory, got);
        expect(totalSize(after)).toBe(total - count * lmb);
        expect(totalSize(after)).toBeGreaterThanOrEqual(minBytes);
        // Every removed block was present, and every block left lies below every removed one.
        expect(
          got.every((b) => b.start % lmb === 0 && covers(memory, b.start) > 0 && covers(memory, b.end - 1) > 0),
        ).toBe(true);
        if (got.length > 0) {
          const lowestRemoved = Math.min(...got.map((b) => b.start));
          expect(endOfDram(after)).toBeLessThanOrEqual(lowestRemoved);
        }
      }),
      opts(200),
    );
  });

  it('examples: add fills the lowest hole; remove takes from the top; the minimum is respected', () => {
    const memory = [
      { start: 0, end: 1 * GiB },
      { start: 2 * GiB, end: 3 * GiB },
    ];
    expect(lmbsAdded(memory, 2, 256 * MiB, 4 * GiB)).toEqual([
      { start: 1 * GiB, end: 1 * GiB + 256 * MiB },
      { start: 1 * GiB + 256 * MiB, end: 1 * GiB + 512 * MiB },
    ]);
    expect(lmbsAdded(memory, 9, 256 * MiB, 4 * GiB)).toBeNull();
    expect(lmbsRemoved(memory, 5, 256 * MiB, 0)).toEqual([
      { start: 2 * GiB + 768 * MiB, end: 3 * GiB },
      { start: 2 * GiB + 512 * MiB, end: 2 * GiB + 768 * MiB },
      { start: 2 * GiB + 256 * MiB, end: 2 * GiB + 512 * MiB },
      { start: 2 * GiB, end: 2 * GiB + 256 * MiB },
      { start: 768 * MiB, end: 1 * GiB },
    ]);
    expect(lmbsRemoved(memory, 5, 256 * MiB, 1 * GiB)).toBeNull();
    expect(lmbsRemoved(memory, 4, 256 * MiB, 1 * GiB)).toHaveLength(4);
  });
});

// ---------------------------------------------------------------------------------------------

describe('bootMemorySize (fadump_calculate_reserve_size)', () => {
  const ramArb = fc.oneof(
    fc.integer({ min: 1, max: 1 << 16 }).map((n) => n * 64 * MiB),
    fc.integer({ min: 1, max: 2 ** 42 }),
  );
  const crashkernelArb = fc.oneof(
    fc.constant(null),
    fc.integer({ min: 1, max: 2 ** 40 }),
    fc.integer({ min: 1, max: 4096 }).map((n) => n * MiB),
  );
  const fivePercent = (ram: number) => Math.floor(Math.floor(ram / 20) / (256 * MiB)) * 256 * MiB;

  it('current rule: page aligned and >= the platform minimum, or an error; crashkernel= capped at RAM/4; else max(5% rounded down to 256 MiB, minimum)', () => {
    fc.assert(
      fc.property(platformArb, ramArb, crashkernelArb, pageSizeArb, (platform, ramBytes, crashkernel, pageSize) => {
        const min = PLATFORM[platform].bootMemMin;
        const r = bootMemorySize({ platform, ramBytes, crashkernel, rule: 'current', pageSize });
        if (r.ok) {
          expect(r.value % pageSize).toBe(0);
          expect(r.value).toBeGreaterThanOrEqual(min);
        }
        if (crashkernel === null) {
          expect(r).toEqual({ ok: true, value: Math.max(fivePercent(ramBytes), min) });
        } else {
          const want = pageAlign(Math.min(crashkernel, Math.floor(ramBytes / 4)), pageSize);
          if (want < min) expect(r.ok).toBe(false);
          else expect(r).toEqual({ ok: true, value: want });
          if (r.ok) expect(r.value).toBeLessThanOrEqual(pageAlign(ramBytes / 4, pageSize));
        }
      }),
      opts(500),
    );
  });

  it('current rule: more RAM never means less boot memory (no crashkernel=)', () => {
    fc.assert(
      fc.property(platformArb, ramArb, ramArb, (platform, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const x = bootMemorySize({
          platform,
          ramBytes: lo,
          crashkernel: null,
          rule: 'current',
          pageSize: PAGE_SIZE_64K,
        });
        const y = bootMemorySize({
          platform,
          ramBytes: hi,
          crashkernel: null,
          rule: 'current',
          pageSize: PAGE_SIZE_64K,
        });
        expect(x.ok && y.ok && x.value <= y.value).toBe(true);
      }),
      opts(300),
    );
  });

  it('current rule examples', () => {
    // 64 GiB: 5% = 3.2 GiB -> 3 GiB.
    expect(
      bootMemorySize({
        platform: 'pseries',
        ramBytes: 64 * GiB,
        crashkernel: null,
        rule: 'current',
        pageSize: PAGE_SIZE_64K,
      }),
    ).toEqual({ ok: true, value: 3 * GiB });
    // 4 GiB: 5% = 204.8 MiB -> 0 -> raised to the minimum.
    expect(
      bootMemorySize({
        platform: 'pseries',
        ramBytes: 4 * GiB,
        crashkernel: null,
        rule: 'current',
        pageSize: PAGE_SIZE_64K,
      }),
    ).toEqual({ ok: true, value: 320 * MiB });
    expect(
      bootMemorySize({
        platform: 'powernv',
        ramBytes: 4 * GiB,
        crashkernel: null,
        rule: 'current',
        pageSize: PAGE_SIZE_64K,
      }),
    ).toEqual({ ok: true, value: 768 * MiB });
    // crashkernel=4G on 8 GiB is capped at 2 GiB.
    expect(
      bootMemorySize({
        platform: 'pseries',
        ramBytes: 8 * GiB,
        crashkernel: 4 * GiB,
        rule: 'current',
        pageSize: PAGE_SIZE_64K,
      }),
    ).toEqual({ ok: true, value: 2 * GiB });
    // crashkernel=256M is below the pSeries minimum: error.
    expect(
      bootMemorySize({
        platform: 'pseries',
        ramBytes: 8 * GiB,
        crashkernel: 256 * MiB,
        rule: 'current',
        pageSize: PAGE_SIZE_64K,
      }).ok,
    ).toBe(false);
    // crashkernel=1G on 2 GiB: capped at 512 MiB, fine on pSeries, below OPAL's 768 MiB.
    expect(
      bootMemorySize({
        platform: 'pseries',
        ramBytes: 2 * GiB,
        crashkernel: 1 * GiB,
        rule: 'current',
        pageSize: PAGE_SIZE_64K,
      }),
    ).toEqual({ ok: true, value: 512 * MiB });
    expect(
      bootMemorySize({
        platform: 'powernv',
        ramBytes: 2 * GiB,
        crashkernel: 1 * GiB,
        rule: 'current',
        pageSize: PAGE_SIZE_64K,
      }).ok,
    ).toBe(false);
    // crashkernel= of size 0 counts as absent (ret == 0 && size > 0).
    expect(
      bootMemorySize({
        platform: 'pseries',
        ramBytes: 64 * GiB,
        crashkernel: 0,
        rule: 'current',
        pageSize: PAGE_SIZE_64K,
      }),
    ).toEqual({ ok: true, value: 3 * GiB });
    // A size that is not page aligned is rounded up.
    expect(
      bootMemorySize({
        platform: 'pseries',
        ramBytes: 8 * GiB,
        crashkernel: 400 * MiB + 1,
        rule: 'current',
        pageSize: PAGE_SIZE_64K,
      }),
    ).toEqual({ ok: true, value: 400 * MiB + PAGE_SIZE_64K });
    // With 4K pages the same size rounds up to the next 4 KiB.
    expect(
      bootMemorySize({
        platform: 'pseries',
        ramBytes: 8 * GiB,
        crashkernel: 400 * MiB + 1,
        rule: 'current',
        pageSize: 4 * KiB,
      }),
    ).toEqual({ ok: true, value: 400 * MiB + 4 * KiB });
  });

  it('seed-2011 rule: larger of 5% (rounded down to 256 MiB) or 256 MiB; crashkernel= overrides (uncapped); never an error', () => {
    fc.assert(
      fc.property(platformArb, ramArb, crashkernelArb, pageSizeArb, (platform, ramBytes, crashkernel, pageSize) => {
        const r = bootMemorySize({ platform, ramBytes, crashkernel, rule: 'seed-2011', pageSize });
        const want =
          crashkernel === null
            ? Math.max(fivePercent(ramBytes), SEED_2011_MIN_BOOT_MEM)
            : pageAlign(crashkernel, pageSize);
        expect(r).toEqual({ ok: true, value: want });
        if (r.ok) expect(r.value % pageSize).toBe(0);
      }),
      opts(500),
    );
    expect(
      bootMemorySize({
        platform: 'pseries',
        ramBytes: 4 * GiB,
        crashkernel: null,
        rule: 'seed-2011',
        pageSize: PAGE_SIZE_64K,
      }),
    ).toEqual({ ok: true, value: 256 * MiB });
    expect(
      bootMemorySize({
        platform: 'pseries',
        ramBytes: 100 * GiB,
        crashkernel: null,
        rule: 'seed-2011',
        pageSize: PAGE_SIZE_64K,
      }),
    ).toEqual({ ok: true, value: 5 * GiB });
  });

  // Was a bug, fixed (src/memory/layout.ts:103): with the seed-2011 rule a crashkernel= (standing in for the old
  // fadump_reserve_mem=) of 0 is taken as an override (`??` only skips null) and gives a boot
  // memory size of 0. The 2011 kernel tested `if (fw_dump.reserve_bootvar)`, so 0 fell back to the
  // default, as the current rule here does (`crashkernel > 0`).
  it('seed-2011 rule: crashkernel= of 0 falls back to the default', () => {
    expect(
      bootMemorySize({
        platform: 'pseries',
        ramBytes: 4 * GiB,
        crashkernel: 0,
        rule: 'seed-2011',
        pageSize: PAGE_SIZE_64K,
      }),
    ).toEqual({ ok: true, value: 256 * MiB });
  });
});

describe('fadumpAreaSize, dumpAreaAt, cmaRange', () => {
  const PAGE_SIZE = PAGE_SIZE_64K;
  const sizeArb = fc.integer({ min: 1, max: 1 << 18 }).map((n) => n * PAGE_SIZE);

  it('fadumpAreaSize: pSeries PAGE_ALIGN(cpu state + HPTE) + boot memory + header; OPAL boot memory + header + one metadata page (PAGE_ALIGN(3088): 4 KiB or 64 KiB)', () => {
    fc.assert(
      fc.property(geometryArb('pseries'), geometryArb('powernv'), sizeArb, (p, o, size) => {
        const cpuHpte = fadumpAreaSize(p, size) - size - HEADER;
        expect(cpuHpte % p.pageSize).toBe(0);
        expect(cpuHpte).toBeGreaterThanOrEqual(p.cpuStateBytes + p.hpteBytes);
        expect(cpuHpte).toBeLessThan(p.cpuStateBytes + p.hpteBytes + p.pageSize);
        expect(fadumpAreaSize(o, size)).toBe(size + HEADER + o.pageSize);
      }),
      opts(200),
    );
    // The documentation's example: CPU 0x40020 + HPTE 0x1000 -> 0x50000 with 64K pages.
    expect(fadumpAreaSize(geometry64K('pseries'), 1 * GiB)).toBe(0x50000 + 1 * GiB + HEADER);
  });

  it('dumpAreaAt: CPU state, HPTE, page-aligned boot memory copy, header, metadata, back to back, ending at start + size', () => {
    fc.assert(
      fc.property(
        platformArb.chain((p) => geometryArb(p)),
        fc.integer({ min: 0, max: 1 << 20 }),
        sizeArb,
        (g, startPages, size) => {
          const platform = g.platform;
          const start = startPages * g.pageSize;
          const a = dumpAreaAt(g, start, size);
          expect(a.start).toBe(start);
          expect(a.size).toBe(fadumpAreaSize(g, size));
          expect(a.bootMemDest % g.pageSize).toBe(0);
          expect(a.bootMemDest).toBeGreaterThanOrEqual(start);
          if (a.cpuState) expect(a.cpuState.start).toBe(start);
          if (a.hpte) {
            expect(a.hpte.start).toBe(a.cpuState ? a.cpuState.end : start);
            expect(a.hpte.end).toBeLessThanOrEqual(a.bootMemDest);
          }
          expect(a.header).toEqual({ start: a.bootMemDest + size, end: a.bootMemDest + size + HEADER });
          const last = a.metadata ?? a.header;
          if (a.metadata) expect(a.metadata.start).toBe(a.header.end);
          expect(last.end).toBe(start + a.size);
          expect(platform === 'powernv').toBe(a.cpuState === null && a.hpte === null && a.metadata !== null);
        },
      ),
      opts(200),
    );
  });

  it('cmaRange: fadump_cma_init() hands [reserve_dump_area_start, + boot_memory_size) to CMA, or nothing when either is not 16 MiB aligned', () => {
    const arb = fc.tuple(fc.integer({ min: 0, max: 1 << 20 }), fc.integer({ min: 0, max: 1 << 16 }));
    fc.assert(
      fc.property(arb, ([startPages, sizePages]) => {
        const start = startPages * PAGE_SIZE;
        const size = sizePages * PAGE_SIZE;
        const r = cmaRange(start, size);
        if (size > 0 && start % CMA_ALIGN === 0 && size % CMA_ALIGN === 0)
          expect(r).toEqual({ start, end: start + size });
        else expect(r).toBeNull();
      }),
      opts(300),
    );
    // A real 2 GiB guest (test/real/): "Initialized 0x14000000 bytes cma area at 320MB".
    expect(cmaRange(320 * MiB, 320 * MiB)).toEqual({ start: 0x14000000, end: 0x28000000 });
  });
});
