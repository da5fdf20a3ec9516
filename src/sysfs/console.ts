// The kernel's own console lines for the steps the model models, verbatim (the printk formats of
// arch/powerpc/kernel/fadump.c and arch/powerpc/platforms/pseries/rtas-fadump.c, with pr_fmt's "fadump: " and
// "rtas fadump: " prefixes), as an observer of one step: what it logs depends only on the states
// before and after it and the event. QA greps for these; `replay` prints them and `conform` finds
// each in a real kernel's log (test/real/).
import type { Config } from '../config';
import type { Errno, ExternalEvent } from '../events';
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
 *  (System RAM: %lldMB)", fadump_cma_init() "Initialized %#llx bytes cma area at %ldMB from %#llx
 *  bytes of memory reserved for firmware-assisted dump", and registration at boot. */
function bootLines(config: Config, post: SystemState): string[] {
  const k = post.actors.productionKernel.context;
  const r = k.reservation;
  if (r === null) return [];
  const ram = k.memory.reduce((a, m) => a + (m.end - m.start), 0);
  const out = [
    `fadump: Reserved ${Math.floor(r.bootMemorySize / MiB)}MB of memory at ${hex016(r.area.start)} (System RAM: ${Math.floor(ram / MiB)}MB)`,
  ];
  if (r.cma !== null) {
    out.push(
      `fadump: Initialized ${hexll(r.cma.end - r.cma.start)} bytes cma area at ${Math.floor(r.cma.start / MiB)}MB from ${hexll(r.area.end - r.area.start)} bytes of memory reserved for firmware-assisted dump`,
    );
  }
  if (post.actors.productionKernel.matches({ running: 'registered' })) out.push(...registered(config));
  return out;
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

/** A capture boot whose processing failed (docs/kernel-behaviour.md §1.4 5): the capture boot's lines, then
 *  fadump_invalidate_release_mem() frees the memory above the kept area, as release_mem does; the
 *  kernel runs on (the production kernel holds the capture build's state). The processing error's
 *  own line is left out where the model does not know which section failed. */
function failedCaptureLines(config: Config, post: SystemState, cmdline: string): string[] {
  const k = post.actors.productionKernel.context;
  const out: string[] = [];
  if (config.platform === 'pseries') out.push('rtas fadump: Firmware-assisted dump is active.');
  if (k.paramArea !== null) out.push(`fadump: Updated cmdline: ${cmdline} ${k.paramArea}`);
  out.push('fadump: Firmware-assisted dump is active.');
  const top = k.reservation?.bootMemTop ?? 0;
  for (const m of k.memory) {
    const start = Math.max(m.start, top);
    if (m.end > start)
      out.push(
        `fadump: Reserving ${Math.floor((m.end - start) / MiB)}MB of memory at ${hex016(start)} for preserving crash data`,
      );
  }
  return [...out, ...releaseLines(post, config.pageSize)];
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
  // A capture boot that failed runs on with the capture build (docs/kernel-behaviour.md §1.4 5): not a production boot.
  if (after === 'production' && booted && post.actors.productionKernel.context.build === 'capture')
    return event.event === 'crash' ? failedCaptureLines(config, post, cmdline) : [];
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
