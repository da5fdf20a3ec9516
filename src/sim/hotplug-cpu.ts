// Processor DLPAR on pSeries, after arch/powerpc/platforms/pseries/hotplug-cpu.c
// (dlpar_cpu_add_by_count(), dlpar_cpu_remove_by_count()), and the CPU maps a boot sets up
// (smp_setup_cpu_maps(), arch/powerpc/kernel/setup-common.c; nrcpus(), kernel/smp.c).
// docs/kernel-behaviour.md §11. Logical CPUs are numbered from 0; a count stands for the mask.
import type { Errno } from '../events';
import { parameq, parse_early_options } from './params';

/** The kernel's CPU masks, by weight: cpu_possible_mask (nr_cpu_ids), cpu_present_mask and
 *  cpu_online_mask. */
export interface CpuMaps {
  possible: number;
  present: number;
  online: number;
}

/** nrcpus(): every nr_cpus=N with 0 < N < nr_cpu_ids lowers nr_cpu_ids (early params run in
 *  command-line order, parse_early_options(): none after a bare "--"). */
export function nr_cpu_ids_of(cmdline: string, nrCpus: number): number {
  let ids = nrCpus;
  parse_early_options(cmdline, (param, val) => {
    const m = val === null || !parameq(param, 'nr_cpus') ? null : /^-?\d+/.exec(val);
    const n = m === null ? 0 : Number(m[0]);
    if (n > 0 && n < ids) ids = n;
  });
  return ids;
}

/** smp_setup_cpu_maps() on an LPAR: "Partition configured for %d cpus." makes the partition's
 *  maximum possible, capped at nr_cpu_ids ("operating system maximum is %u"); the partition's
 *  present processors (the device tree's cpu nodes) are numbered up to that; smp_init() brings
 *  them all up. */
export function smp_setup_cpu_maps(lparMax: number, dtCpus: number, nrCpuIds: number): CpuMaps {
  const possible = Math.min(lparMax, nrCpuIds);
  const present = Math.min(dtCpus, possible);
  return { possible, present, online: present };
}

/** dlpar_cpu() by count. `dtCpus` is the partition's processors (the device tree's cpu nodes),
 *  `lparMax` its maximum. Add: find_drc_index_cpus_to_add() needs that many free DRCs, and
 *  pseries_add_processor() a free possible slot for each (-ENOSPC, -EINVAL from the by-count
 *  path); dlpar_online_cpu() onlines them. Remove: find_dlpar_cpus_to_remove() wants one CPU
 *  more than it removes ("Cannot remove all CPUs"): -EINVAL. Returns the new masks and device-tree
 *  count, or the errno. */
export function dlpar_cpu(
  maps: CpuMaps,
  dtCpus: number,
  lparMax: number,
  action: 'add' | 'remove',
  count: number,
): { maps: CpuMaps; dtCpus: number } | Errno {
  if (action === 'add') {
    if (lparMax - dtCpus < count) return 'EINVAL';
    if (maps.possible - maps.present < count) return 'EINVAL';
    const present = maps.present + count;
    return { maps: { ...maps, present, online: present }, dtCpus: dtCpus + count };
  }
  if (dtCpus <= count) return 'EINVAL';
  const left = dtCpus - count;
  const present = Math.min(left, maps.possible);
  return { maps: { ...maps, present, online: present }, dtCpus: left };
}

/** The CPU list of /sys/devices/system/cpu/online for CPUs 0..n-1 ("%*pbl"). */
export function cpulist(n: number): string {
  if (n <= 0) return '';
  return n === 1 ? '0' : `0-${n - 1}`;
}
