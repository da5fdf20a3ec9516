// A kernel's CPUs (docs/kernel-behaviour.md §11): how many are possible (nr_cpu_ids), present and
// online at boot, what a DLPAR processor add/remove does to them, and how the kernel prints a CPU
// list. Pure functions of counts; every CPU count is a number of logical CPUs (threads).
import type { KernelCpus } from '../events';
import { kernelParams, parameq } from './cmdline';

/** nr_cpus= of a command line: nrcpus() (kernel/smp.c, an early_param) takes get_option()'s
 *  integer and lowers nr_cpu_ids to it when it is above 0 and below nr_cpu_ids, so of several the
 *  smallest valid one wins. null when the line has none. */
export function nrCpusParam(cmdline: string): number | null {
  let best: number | null = null;
  // The kernel's tokens (src/memory/cmdline.ts: quotes, none after "--", docs/kernel-behaviour.md §12).
  for (const { param, val } of kernelParams(cmdline)) {
    const m = val === null || !parameq(param, 'nr_cpus') ? null : /^-?\d+/.exec(val);
    if (m === null) continue;
    const n = Number(m[0]);
    if (n > 0 && (best === null || n < best)) best = n;
  }
  return best;
}

/** The CPUs a pSeries kernel boots with, in logical CPUs: smp_setup_cpu_maps()
 *  (arch/powerpc/kernel/setup-common.c) makes the partition's maximum processors (ibm,lrdr-capacity;
 *  QEMU's -smp maxcpus, `lparMax`) possible, capped at nr_cpu_ids (CONFIG_NR_CPUS, `nrCpusBuild`,
 *  lowered by nr_cpus=); the partition's `present` processors beyond nr_cpu_ids are not brought
 *  up. */
export function cpusAtBoot(present: number, lparMax: number, nrCpusBuild: number, cmdline: string): KernelCpus {
  const nrCpuIds = Math.min(nrCpusBuild, nrCpusParam(cmdline) ?? nrCpusBuild);
  const possible = Math.min(lparMax, nrCpuIds);
  return { present, possible };
}

/** cpu_online_mask's weight: every present CPU the kernel can number is brought up [I: no
 *  maxcpus= and no CPU offlined from user space]. */
export function cpusOnline(c: KernelCpus): number {
  return Math.min(c.present, c.possible);
}

/** What a DLPAR processor request does (arch/powerpc/platforms/pseries/hotplug-cpu.c): the new
 *  CPUs, or the errno and the kernel's warning. Add: dlpar_cpu_add_by_count() finds no free DRC
 *  beyond the partition's maximum ("Failed to find enough CPUs (%d of %d) to add"), and
 *  pseries_add_processor() no free slot in cpu_possible_mask beyond nr_cpu_ids (-ENOSPC, which
 *  dlpar_cpu_add_by_count() turns into -EINVAL after removing what it added): -EINVAL either way,
 *  nothing changed. Remove: dlpar_cpu_remove_by_count() keeps at least one CPU ("Cannot remove all
 *  CPUs"): -EINVAL. A hot-added CPU is onlined (dlpar_online_cpu()). `lparMax` is the partition's
 *  maximum processors. */
export function cpuDlpar(
  c: KernelCpus,
  lparMax: number,
  action: 'add' | 'remove',
  n: number,
): { ok: true; cpus: KernelCpus } | { ok: false; errno: 'EINVAL'; warning: string } {
  if (action === 'add') {
    const free = lparMax - c.present;
    if (free < n) return { ok: false, errno: 'EINVAL', warning: `Failed to find enough CPUs (${free} of ${n}) to add` };
    if (c.present + n > c.possible)
      return { ok: false, errno: 'EINVAL', warning: 'CPU hot-add failed, removing any added CPUs' };
    return { ok: true, cpus: { ...c, present: c.present + n } };
  }
  if (n >= c.present) return { ok: false, errno: 'EINVAL', warning: 'Cannot remove all CPUs' };
  return { ok: true, cpus: { ...c, present: c.present - n } };
}

/** A CPU list as /sys/devices/system/cpu/online prints it (cpumap_print_to_pagebuf(), "%*pbl"):
 *  "0" for one CPU, "0-3" for four; the online CPUs are taken to be numbered from 0 without gaps
 *  [I: a removed CPU's number is the highest]. */
export function cpuList(n: number): string {
  return n <= 0 ? '' : n === 1 ? '0' : `0-${n - 1}`;
}

/** Whether a configuration leaves room to add CPUs (fewer present at boot than possible): only
 *  there do the views show /sys/devices/system/cpu/online and the vmcore's NT_PRSTATUS count, and
 *  only there does exploration send `cpu-hotplug` events, so that every other configuration reads
 *  as before. */
export function cpuHotplugConfigured(c: { readonly cpus: number; readonly onlineCpus: number }): boolean {
  return c.onlineCpus < c.cpus;
}

/** The file that lists the online CPUs (drivers/base/cpu.c, cpu_online_mask). */
export const CPU_ONLINE_FILE = '/sys/devices/system/cpu/online';
