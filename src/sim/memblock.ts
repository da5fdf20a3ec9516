// A memblock of regions (base, size), the way mm/memblock.c keeps them: sorted, adjacent regions
// merged. The simulator's own range arithmetic (it does not use src/memory/layout.ts).

export interface MemblockRegion {
  base: number;
  size: number;
}

export function regionEnd(r: MemblockRegion): number {
  return r.base + r.size;
}

/** memblock_merge_regions(): sorted, overlapping or touching regions merged, empty ones dropped. */
export function memblockMerge(regions: readonly MemblockRegion[]): MemblockRegion[] {
  const sorted = regions.filter((r) => r.size > 0).map((r) => ({ base: r.base, size: r.size }));
  sorted.sort((a, b) => a.base - b.base);
  const out: MemblockRegion[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && r.base <= regionEnd(last)) {
      last.size = Math.max(regionEnd(last), regionEnd(r)) - last.base;
    } else {
      out.push(r);
    }
  }
  return out;
}

/** memblock_add(). */
export function memblockAdd(regions: readonly MemblockRegion[], base: number, size: number): MemblockRegion[] {
  return memblockMerge([...regions, { base, size }]);
}

/** memblock_remove(): cuts [base, base + size) out of every region. */
export function memblockRemove(regions: readonly MemblockRegion[], base: number, size: number): MemblockRegion[] {
  const end = base + size;
  const out: MemblockRegion[] = [];
  for (const r of regions) {
    const rend = regionEnd(r);
    if (rend <= base || end <= r.base) {
      out.push({ base: r.base, size: r.size });
      continue;
    }
    if (r.base < base) out.push({ base: r.base, size: base - r.base });
    if (end < rend) out.push({ base: end, size: rend - end });
  }
  return memblockMerge(out);
}

/** memblock_phys_mem_size(). */
export function memblockPhysMemSize(regions: readonly MemblockRegion[]): number {
  let total = 0;
  for (const r of regions) total += r.size;
  return total;
}

/** memblock_end_of_DRAM(). */
export function memblockEndOfDram(regions: readonly MemblockRegion[]): number {
  let end = 0;
  for (const r of regions) end = Math.max(end, regionEnd(r));
  return end;
}

/** memblock_is_region_reserved()-like: does [base, base + size) touch any region? */
export function memblockOverlaps(regions: readonly MemblockRegion[], base: number, size: number): boolean {
  return regions.some((r) => base < regionEnd(r) && r.base < base + size);
}

/** for_each_free_mem_range(): memory minus reserved, in address order. */
export function freeRanges(memory: readonly MemblockRegion[], reserved: readonly MemblockRegion[]): MemblockRegion[] {
  let free = memblockMerge(memory);
  for (const r of reserved) free = memblockRemove(free, r.base, r.size);
  return free;
}

export function PAGE_ALIGN(x: number, pageSize: number): number {
  return Math.ceil(x / pageSize) * pageSize;
}

export function ALIGN_DOWN(x: number, a: number): number {
  return Math.floor(x / a) * a;
}

export function ALIGN(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

/** Where memblock_alloc() puts early boot's allocations: mm/memblock.c memblock_find_in_range_node()
 *  searches top-down (__memblock_find_range_top_down()) unless memblock_bottom_up(), so the first
 *  one takes the highest page of the highest free range. Returns that page (`pageSize` bytes), or
 *  null when nothing is free. The simulator keeps only this page of them [I: their extent]. */
export function memblock_alloc_top_down(
  memory: readonly MemblockRegion[],
  reserved: readonly MemblockRegion[],
  pageSize: number,
): MemblockRegion | null {
  const free = freeRanges(memory, reserved);
  const top = free[free.length - 1];
  if (top === undefined) return null;
  return { base: ALIGN_DOWN(regionEnd(top) - 1, pageSize), size: pageSize };
}
