// Pure helpers to show and compare memory: ranges and sizes as text, the physical memory a PT_LOAD
// list describes, the difference between two PT_LOAD lists (what a vmcore misses or describes in
// excess), and a memory map of named regions. Shared by replay, the report and check's
// explanations (src/explain/). Addresses and sizes are bytes throughout.
import { formatSize } from './size';
import { normalize, subtract, totalSize, type PtLoad, type Range } from './layout';

/** An address or size in hex, "0x200000000". */
export const hexOf = (n: number): string => `0x${n.toString(16)}`;
/** A half-open range, "[0x0–0x10000000)". */
export const rangeText = (r: Range): string => `[${hexOf(r.start)}–${hexOf(r.end)})`;
/** Ranges separated by spaces, "(none)" for none. */
export const rangesText = (rs: readonly Range[]): string => (rs.length === 0 ? '(none)' : rs.map(rangeText).join(' '));

/** A size for people: "8 GiB", "8.25 GiB", "320 MiB", exact (formatSize()) below a MiB. */
export function sizeText(bytes: number): string {
  if (bytes >= 2 ** 30)
    return bytes % 2 ** 30 === 0 ? `${bytes / 2 ** 30} GiB` : `${Number((bytes / 2 ** 30).toFixed(2))} GiB`;
  if (bytes >= 2 ** 20)
    return bytes % 2 ** 20 === 0 ? `${bytes / 2 ** 20} MiB` : `${Number((bytes / 2 ** 20).toFixed(2))} MiB`;
  return formatSize(bytes);
}

/** Ranges and their total size, "[0x0–0x200000000) 8 GiB". */
export const memoryText = (rs: readonly Range[]): string => `${rangesText(rs)} ${sizeText(totalSize(rs))}`;

/** The physical memory a PT_LOAD list describes (paddr, paddr + size), merged. */
export function described(ps: readonly PtLoad[]): Range[] {
  return normalize(ps.map((p) => ({ start: p.paddr, end: p.paddr + p.size })));
}

/** a minus b, merged. */
export function minus(a: readonly Range[], b: readonly Range[]): Range[] {
  return normalize(b.reduce<Range[]>((acc, cut) => subtract(acc, cut), normalize(a)));
}

/** "3 PT_LOAD [0x0–0x10000000) ...": a PT_LOAD list by the memory it describes. */
export const ptLoadsText = (ps: readonly PtLoad[]): string =>
  `${ps.length} PT_LOAD ${rangesText(ps.map((p) => ({ start: p.paddr, end: p.paddr + p.size })))}`;

/** How a vmcore's PT_LOADs differ from those that describe the memory at the crash exactly. */
export interface PtLoadDiff {
  /** Memory the expected PT_LOADs describe and the actual ones do not. */
  missing: Range[];
  /** Memory the actual PT_LOADs describe and the expected ones do not. */
  extra: Range[];
  /** Same range, different file offset. */
  moved: PtLoad[];
  /** Equal, PT_LOAD by PT_LOAD (address, size and offset). */
  same: boolean;
}

/** Compares PT_LOAD lists: `actual` (what a vmcore shows) against `expected`. */
export function diffPtLoads(actual: readonly PtLoad[], expected: readonly PtLoad[]): PtLoadDiff {
  const a = described(actual);
  const e = described(expected);
  const missing = minus(e, a);
  const extra = minus(a, e);
  const moved = actual.filter((p) =>
    expected.some((q) => q.paddr === p.paddr && q.size === p.size && q.offset !== p.offset),
  );
  const same =
    actual.length === expected.length &&
    actual.every(
      (p, i) => p.paddr === expected[i]?.paddr && p.size === expected[i]?.size && p.offset === expected[i]?.offset,
    );
  return { missing, extra, moved, same };
}

/** One named region of a memory map: bytes, [start, end). */
export interface MapRegion {
  /** "partition memory", "reserved area", "boot memory", "boot-memory copy", "CMA",
   *  "crashkernel", "scratch area". */
  name: string;
  start: number;
  end: number;
  /** end - start, bytes. */
  size: number;
  /** What the region is for, in a few words. */
  note: string;
}

/** The regions a memory map shows, as the kernel and firmware hold them (all optional). */
export interface MemoryMapInput {
  /** The partition's memory as the firmware assigns it. */
  partition: readonly Range[];
  /** fadump: the boot memory (the regions the firmware copies on a crash). */
  bootRegions?: readonly Range[] | null;
  /** fadump: the reserved area (the permanent one: copy, header, elfcorehdr). */
  area?: Range | null;
  /** fadump: where the boot memory is copied to (the first byte of the copy). */
  bootMemDest?: number | null;
  /** fadump: CMA over the copy's destination (user pages until a crash); null with nocma. */
  cma?: Range | null;
  /** kdump: the crashkernel= region. */
  crashkernel?: Range | null;
  /** Hypervisor-assisted dump: its permanent scratch area. */
  scratch?: Range | null;
}

/** The memory map: the partition's memory (one line per range), then the regions set aside for
 *  the dump, in address order within each kind. Pure. */
export function memoryMap(m: MemoryMapInput): MapRegion[] {
  const out: MapRegion[] = [];
  const add = (name: string, r: Range, note: string) =>
    r.end > r.start && out.push({ name, start: r.start, end: r.end, size: r.end - r.start, note });
  for (const r of normalize(m.partition)) add('partition memory', r, 'assigned by the firmware');
  const boot = m.bootRegions ?? [];
  for (const r of boot) add('boot memory', r, 'copied by the firmware on a crash');
  if (m.area) add('reserved area', m.area, 'fadump: the copy, the crash info header, the elfcorehdr');
  if (m.area && m.bootMemDest !== null && m.bootMemDest !== undefined && boot.length) {
    const size = totalSize(boot);
    add('boot-memory copy', { start: m.bootMemDest, end: m.bootMemDest + size }, 'where boot memory is copied');
  }
  if (m.cma) add('CMA', m.cma, 'user pages until a crash');
  if (m.crashkernel) add('crashkernel', m.crashkernel, "kdump's capture kernel and its elfcorehdr");
  if (m.scratch) add('scratch area', m.scratch, "hypervisor-assisted dump's CPU, HPTE and low-memory copy");
  return out;
}

/** A memory map as lines: "partition memory   [0x0–0x200000000) 8 GiB  (assigned by the firmware)". */
export function memoryMapLines(map: readonly MapRegion[]): string[] {
  const width = Math.max(0, ...map.map((r) => r.name.length));
  return map.map((r) => `${r.name.padEnd(width)}  ${rangeText(r)} ${sizeText(r.size)}  (${r.note})`);
}
