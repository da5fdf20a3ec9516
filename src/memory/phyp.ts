// Hypervisor-assisted dump's memory arithmetic (phyp-assisted-dump.txt, November 2007), as pure functions over
// byte ranges. Where that document is silent the rule is inferred [I] (and checked against the shape
// of arch/powerpc/platforms/pseries/phyp_dump.c of 2008 where that helps).
import { elfcorePtLoads, endOfDram, normalize, subtract, type PtLoad, type Range } from './layout';
import { MiB, pageAlign } from './size';

/** phyp-assisted-dump.txt: "the hypervisor will save the low 256MB of RAM"; the next kernel "will boot into
 *  only 256MB of RAM, reserving the rest of system memory". */
export const PHYP_BOOT_MEMORY = 256 * MiB;

/** The CPU-state and HPTE sections the hypervisor also saves ("system state, system registers,
 *  and hardware PTE's"): the sizes of phyp-assisted-dump.txt's release_region example (CPU 0x10000, HPTE
 *  0x1000) [I]. */
export const PHYP_CPU_STATE_BYTES = 0x10000;
export const PHYP_HPTE_BYTES = 0x1000;

export interface PhypScratch {
  /** The whole permanent reservation: CPU state, HPTE, then the copy of the low 256 MB. */
  area: Range;
  cpu: Range;
  hpte: Range;
  /** Where the hypervisor copies the low 256 MB at a crash. */
  dest: number;
}

/** phyp-assisted-dump.txt: "If there is no waiting dump data, then only the highest 256MB of the ram is
 *  reserved as a scratch area. This area is *not* released: this region will be kept permanently
 *  reserved, so that it can act as a receptacle for a copy of the low 256MB". The CPU and HPTE
 *  sections sit just below the copy, page-aligned with `pageSize` (bytes) [I]. null when RAM is
 *  too small. */
export function phypScratchArea(memory: readonly Range[], pageSize: number): PhypScratch | null {
  const top = endOfDram(memory);
  const head = pageAlign(PHYP_CPU_STATE_BYTES + PHYP_HPTE_BYTES, pageSize);
  const start = top - head - PHYP_BOOT_MEMORY;
  if (start < PHYP_BOOT_MEMORY) return null;
  const area = { start, end: top };
  // The scratch area must be present memory.
  if (!normalize(memory).some((r) => r.start <= area.start && area.end <= r.end)) return null;
  return {
    area,
    cpu: { start, end: start + PHYP_CPU_STATE_BYTES },
    hpte: { start: start + PHYP_CPU_STATE_BYTES, end: start + PHYP_CPU_STATE_BYTES + PHYP_HPTE_BYTES },
    dest: start + head,
  };
}

/** The parts of a scratch area (bytes), its copy page-aligned with `pageSize` (bytes). */
export function scratchOf(area: Range, pageSize: number): PhypScratch {
  const head = pageAlign(PHYP_CPU_STATE_BYTES + PHYP_HPTE_BYTES, pageSize);
  return {
    area,
    cpu: { start: area.start, end: area.start + PHYP_CPU_STATE_BYTES },
    hpte: { start: area.start + PHYP_CPU_STATE_BYTES, end: area.start + PHYP_CPU_STATE_BYTES + PHYP_HPTE_BYTES },
    dest: area.start + head,
  };
}

/** What the dump holds, as program headers: the low 256 MB at its copy in the scratch area, then
 *  the crashed kernel's memory above 256 MB, in place, minus the scratch area (the same shape as
 *  fadump's, which "uses the same firmware interfaces and memory reservation model", firmware-assisted-dump.rst).
 *  phyp-assisted-dump.txt has user space read /proc/vmcore guided by release_region's address-range pairs;
 *  describing it as PT_LOADs is the model's [I]. */
export function phypPtLoads(memoryAtCrash: readonly Range[], scratch: Range, pageSize: number): PtLoad[] {
  return elfcorePtLoads({
    memory: memoryAtCrash,
    bootRegions: [{ start: 0, end: PHYP_BOOT_MEMORY }],
    bootMemTop: PHYP_BOOT_MEMORY,
    bootMemDest: scratchOf(scratch, pageSize).dest,
    area: scratch,
  });
}

/** The capture boot: "everything but 256 MB of RAM is reserved during early boot" (phyp-assisted-dump.txt). */
export function phypReservedAtCapture(memory: readonly Range[]): Range[] {
  return normalize(subtract(normalize(memory), { start: 0, end: PHYP_BOOT_MEMORY }));
}

/** store_release_region()'s parse: sscanf(buf, "%lx %lx") must convert two hex numbers (an
 *  optional 0x prefix each), else -EINVAL (phyp_dump.c, 2008 [I]). */
export function parseReleaseRegion(value: string): { start: number; length: number } | null {
  const nul = value.indexOf('\0');
  const text = nul >= 0 ? value.slice(0, nul) : value;
  const m = /^\s*([+]?(?:0[xX])?[0-9a-fA-F]+)\s+([+]?(?:0[xX])?[0-9a-fA-F]+)/.exec(text);
  if (m === null || m[1] === undefined || m[2] === undefined) return null;
  const hex = (t: string) => parseInt(t.replace(/^\+/, '').replace(/^0[xX]/, ''), 16);
  const start = hex(m[1]);
  const length = hex(m[2]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(length)) return null;
  return { start, length };
}

/** The part of [start, start + length) that is still reserved (the kernel clamps the range to
 *  the reserved area: "don't free any reserved memory that wasn't reserved for phyp-dump",
 *  phyp_dump.c [I]). */
export function releasable(reserved: readonly Range[], start: number, length: number): Range[] {
  const cut = { start, end: start + length };
  const out: Range[] = [];
  for (const r of normalize(reserved)) {
    const s = Math.max(r.start, cut.start);
    const e = Math.min(r.end, cut.end);
    if (e > s) out.push({ start: s, end: e });
  }
  return out;
}
