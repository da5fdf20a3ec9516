// kdump's memory arithmetic, as pure functions over byte ranges: the crashkernel= reservation and
// the elfcorehdr kexec builds for the capture kernel (docs/kernel-behaviour.md §1 early boot 4, §6; kdump.rst).
import type { Config } from '../config';
import { normalize, subtract, type PtLoad, type Range } from './layout';
import { KiB, MiB } from './size';

/** Where ppc64 places the crash kernel when crashkernel= gives no offset. kdump.rst gives
 *  "crashkernel=128M@32M" for ppc64; that the default base is 32 MB too is inferred [I]. */
export const CRASHKERNEL_BASE = 32 * MiB;

/** kdump.rst: "On PPC64 machines first 32KB of physical memory is needed for booting regardless
 *  of where the kernel is loaded and to support 64K page size kexec backs up the first 64KB
 *  memory." */
export const BACKUP_SRC_SIZE = 64 * KiB;

/** reserve_crashkernel(): crashkernel= memory is reserved only when fadump did not reserve
 *  (fadump off, or its reservation failed: the fallback to kdump; §1 early boot 4,
 *  §6, firmware-assisted-dump.rst note 2). null when nothing is reserved. */
export function crashkernelRange(config: Config, memory: readonly Range[], fadumpReserved: boolean): Range | null {
  if (fadumpReserved || config.crashkernel === null || config.crashkernel <= 0) return null;
  if (config.mechanism === 'phyp-assisted-dump') return null;
  const want = { start: CRASHKERNEL_BASE, end: CRASHKERNEL_BASE + config.crashkernel };
  // The range must be present memory (a reservation that does not fit is not made [I]).
  const fits = normalize(memory).some((r) => r.start <= want.start && want.end <= r.end);
  return fits ? want : null;
}

/** The elfcorehdr's PT_LOADs for a kdump capture kernel: the first 64 KB at the backup copy kexec
 *  made of it (inside the crash kernel region, at its start [I]), then every memory range minus
 *  that and minus the crash kernel region itself (the capture kernel's own memory), in place
 *  (p_offset = paddr). */
export function kdumpPtLoads(memory: readonly Range[], crashkernel: Range): PtLoad[] {
  const out: PtLoad[] = [{ paddr: 0, size: BACKUP_SRC_SIZE, offset: crashkernel.start }];
  const rest = subtract(subtract(normalize(memory), { start: 0, end: BACKUP_SRC_SIZE }), crashkernel);
  for (const r of normalize(rest)) out.push({ paddr: r.start, size: r.end - r.start, offset: r.start });
  return out;
}

/** The memory a kdump capture kernel may use: its crash kernel region, and the low memory the
 *  boot needs (its original contents are in the backup copy; kdump.rst). */
export function kdumpCaptureMemory(crashkernel: Range): Range[] {
  return normalize([{ start: 0, end: BACKUP_SRC_SIZE }, crashkernel]);
}
