// The kernel's own console lines for the steps the model models, verbatim (the printk formats of
// arch/powerpc/kernel/fadump.c and arch/powerpc/platforms/pseries/rtas-fadump.c, with pr_fmt's "fadump: " and
// "rtas fadump: " prefixes), as an observer of one step: what it logs depends only on the states
// before and after it and the event. QA greps for these; `replay` prints them and `conform` finds
// each in a real kernel's log (test/real/).
import type { Config } from '../config';
import type { Errno, ExternalEvent, Reservation } from '../events';
import { traitsOf } from '../kernel-versions';
import { hex016, type Range } from '../memory/layout';
import type { SystemState } from '../../machines/system';
import { canonicalPath, FILES } from './store';
import { running } from './view';

const MiB = 1024 * 1024;

/** "0x%llx": lower-case hex without padding. */
function hexll(n: number): string {
  return `0x${n.toString(16)}`;
}

/** A production kernel's boot: fadump_reserve_mem() "Reserved %lldMB of memory at %#016llx
 *  (System RAM: %lldMB)", fadump_cma_init()'s line (cmaLines()), and registration at boot. */
function bootLines(config: Config, post: SystemState): string[] {
  const k = post.actors.productionKernel.context;
  const r = k.reservation;
  if (r === null) return [];
  const ram = k.memory.reduce((a, m) => a + (m.end - m.start), 0);
  const out = [
    `fadump: Reserved ${Math.floor(r.bootMemorySize / MiB)}MB of memory at ${hex016(r.area.start)} (System RAM: ${Math.floor(ram / MiB)}MB)`,
  ];
  out.push(...cmaLines(config, r));
  if (post.actors.productionKernel.matches({ running: 'registered' })) out.push(...registered(config));
  return out;
}

/** fadump_cma_init() (arch/powerpc/kernel/fadump.c), in a kernel that has it (a4e92ce8e4c8) and
 *  without fadump=nocma: on success the area, in the format of the release (6faeac507beb changed
 *  it: "Initialized [0x%llx, %luMB] cma area from [0x%lx, %luMB] bytes of memory reserved for
 *  firmware-assisted dump"); on failure pr_err("Failed to init cma area for firmware-assisted
 *  dump,%d\n", rc) with cma_init_reserved_mem()'s -EINVAL for an unaligned area (mm/cma.c), or,
 *  from 6faeac507beb, pr_warn("%s: Too less memory to give to CMA\n", __func__). */
export function cmaLines(config: Config, r: Reservation): string[] {
  const traits = traitsOf(config.kernel);
  if (config.fadump === 'nocma' || !traits.cma) return [];
  const cma = r.cma;
  const exact = traits.cmaFit === 'exact';
  if (cma === null)
    return [
      exact
        ? 'fadump: Failed to init cma area for firmware-assisted dump,-22'
        : 'fadump: fadump_cma_init: Too less memory to give to CMA',
    ];
  const size = cma.end - cma.start;
  return [
    exact
      ? `fadump: Initialized ${hexll(size)} bytes cma area at ${Math.floor(cma.start / MiB)}MB from ${hexll(r.area.end - r.area.start)} bytes of memory reserved for firmware-assisted dump`
      : `fadump: Initialized [${hexll(cma.start)}, ${Math.floor(size / MiB)}MB] cma area from [${hexll(r.area.start)}, ${Math.floor(r.bootMemorySize / MiB)}MB] bytes of memory reserved for firmware-assisted dump`,
  ];
}

/** rtas_fadump_register(): "Registration is successful!" (pSeries). */
function registered(config: Config): string[] {
  return config.platform === 'pseries' ? ['rtas fadump: Registration is successful!'] : [];
}

/** A capture boot: rtas_fadump_dt_scan() and fadump_reserve_mem() "Firmware-assisted dump is
 *  active.", fadump_append_bootargs() "Updated cmdline: %s" (6.10+, with a param area), and
 *  fadump_reserve_crash_area() "Reserving %lluMB of memory at %#016llx for preserving crash data"
 *  for each memory range above boot_mem_top. */
function captureLines(config: Config, post: SystemState, cmdline: string): string[] {
  const c = post.actors.captureKernel.context;
  const out: string[] = [];
  if (config.platform === 'pseries') out.push('rtas fadump: Firmware-assisted dump is active.');
  if (c.paramArea !== null) out.push(`fadump: Updated cmdline: ${cmdline} ${c.paramArea}`);
  out.push('fadump: Firmware-assisted dump is active.');
  const top = c.dump?.bootMemTop ?? 0;
  for (const m of c.memory) {
    const start = Math.max(m.start, top);
    if (m.end > start)
      out.push(
        `fadump: Reserving ${Math.floor((m.end - start) / MiB)}MB of memory at ${hex016(start)} for preserving crash data`,
      );
  }
  return out;
}

/** release_mem: fadump_free_reserved_memory() "freeing reserved memory (0x%llx - 0x%llx)" from
 *  the page after the kept area (PHYS_PFN rounds down) to the end of memory. */
function releaseLines(post: SystemState, pageSize: number): string[] {
  const k = post.actors.productionKernel.context;
  const area: Range | undefined = k.reservation?.area;
  const end = k.memory.reduce((a, m) => Math.max(a, m.end), 0);
  if (area === undefined) return [];
  const from = Math.floor(area.end / pageSize) * pageSize;
  return from < end ? [`fadump: freeing reserved memory (${hexll(from)} - ${hexll(end)})`] : [];
}

/** The fadump lines the kernel logs during one step (pre → post on `event`), in the order it
 *  logs them; [] for a step that logs none the model knows of. `cmdline` is the production
 *  kernel's command line. */
export function consoleLines(
  config: Config,
  cmdline: string,
  pre: SystemState,
  event: ExternalEvent,
  post: SystemState,
  errno: Errno | null,
): string[] {
  if (config.mechanism !== 'fadump') return [];
  const before = running(pre);
  const after = running(post);
  if (after === 'capture' && before !== 'capture') return captureLines(config, post, cmdline);
  const booted =
    (event.event === 'boot' && before !== 'production') || event.event === 'reboot' || event.event === 'crash';
  if (after === 'production' && booted) return bootLines(config, post);
  if (event.event === 'write' && errno === null) {
    const file = canonicalPath(event.path);
    if (file === FILES.releaseMem && before === 'capture' && after === 'production')
      return releaseLines(post, config.pageSize);
    if (
      file === FILES.registered &&
      post.actors.productionKernel.matches({ running: 'registered' }) &&
      /^\s*1/.test(event.value)
    )
      return registered(config);
  }
  return [];
}
