// The kernel's own console lines for the steps the model models, verbatim (the printk formats of
// arch/powerpc/kernel/fadump.c and arch/powerpc/platforms/pseries/rtas-fadump.c, with pr_fmt's "fadump: " and
// "rtas fadump: " prefixes), as an observer of one step: what it logs depends only on the states
// before and after it and the event. QA greps for these; `replay` prints them and `conform` finds
// each in a real kernel's log (test/real/).
import type { Config } from '../config';
import type { Errno, ExternalEvent, Reservation } from '../events';
import { traitsOf } from '../kernel-versions';
import { hex016, insideMemory, registeredRanges, type Range } from '../memory/layout';
import { bootRegionsRegistered } from '../../machines/kernel-rules';
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
function bootLines(config: Config, pre: SystemState, post: SystemState): string[] {
  const k = post.actors.productionKernel.context;
  const r = k.reservation;
  // fadump_reserve_mem()'s pr_err when boot memory needs more regions than the firmware takes.
  if (r === null) return k.reserveError === TOO_MANY_HOLES ? [`fadump: ${TOO_MANY_HOLES}`] : [];
  const ram = k.memory.reduce((a, m) => a + (m.end - m.start), 0);
  const out = [
    `fadump: Reserved ${Math.floor(r.bootMemorySize / MiB)}MB of memory at ${hex016(r.area.start)} (System RAM: ${Math.floor(ram / MiB)}MB)`,
  ];
  out.push(...cmaLines(config, r));
  if (post.actors.productionKernel.matches({ running: 'registered' }))
    out.push(...(keptOver(pre, post) ? alreadyRegistered(config) : registered(config)));
  return out;
}

/** The firmware kept the registration it held before the step (an unregister failed at the
 *  shutdown), so this boot's register got -9. */
function keptOver(pre: SystemState, post: SystemState): boolean {
  const held = pre.actors.firmware.context.registration;
  return held !== null && post.actors.firmware.context.registration === held;
}

/** rtas_fadump_register() on RTAS -9: pr_err "Already registered!" (the kernel marks itself
 *  registered and returns -EEXIST; docs/kernel-behaviour.md §1.2). */
function alreadyRegistered(config: Config): string[] {
  return config.platform === 'pseries' ? ['rtas fadump: Already registered!'] : [];
}

const TOO_MANY_HOLES = 'Too many holes in boot memory area to enable fadump';

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

/** rtas_fadump_register()'s -3 branch (arch/powerpc/platforms/pseries/rtas-fadump.c), when PHYP
 *  refused the registration's ranges (machines/firmware.ts): "Can't have holes in reserved memory
 *  area." if is_fadump_reserved_mem_contiguous() finds a hole in the area (fadump.c), then
 *  "Failed to register. Parameter Error(-3).". Kernels before fadump_max_boot_mem_rgns also asked
 *  is_fadump_boot_mem_contiguous() first ("Can't have holes in boot memory area."). */
function parameterErrorLines(config: Config, post: SystemState): string[] {
  const k = post.actors.productionKernel.context;
  const r = k.reservation;
  if (config.platform !== 'pseries' || r === null) return [];
  const sent = { ...r, bootRegions: bootRegionsRegistered(config, config.kernel, r.bootRegions) };
  if (insideMemory(registeredRanges(sent), post.actors.firmware.context.memory)) return [];
  const oldKernel = !traitsOf(config.kernel).everySectionComplete;
  const out: string[] = [];
  // rtas_fadump_register()'s -3 case: before 6.10 is_fadump_boot_mem_contiguous() is asked
  // first, over each boot-memory region as reserved at boot.
  if (oldKernel && !insideMemory(r.bootRegions, k.memory))
    out.push("rtas fadump: Can't have holes in boot memory area.");
  else if (!insideMemory([r.area], k.memory)) out.push("rtas fadump: Can't have holes in reserved memory area.");
  out.push('rtas fadump: Failed to register. Parameter Error(-3).');
  return out;
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

/** rtas_fadump_process()'s lines when it rejected the dump (docs/kernel-behaviour.md §1.4,
 *  "Partial preservation"): its pr_err "Dump taken by platform is not valid (%d)" / "...
 *  incomplete (%d)" and pr_warn "Region type: %u src addr: 0x%llx dest addr: 0x%llx"
 *  (arch/powerpc/platforms/pseries/rtas-fadump.c), the section's addresses rebuilt from what the
 *  capture kernel handed over (the dump's regions and area); [] for any other end of a capture. */
function platformRejectLines(config: Config, post: SystemState): string[] {
  const message = post.dumpReason ?? '';
  const m = /^Dump taken by platform is (?:not valid|incomplete)(?: \((\d+)\))?$/.exec(message);
  if (config.platform !== 'pseries' || post.dump !== 'lost' || m === null) return [];
  const out = [`rtas fadump: ${message}`];
  const r = post.actors.productionKernel.context.reservation;
  if (m[1] === undefined || r === null) return out;
  const i = Number(m[1]);
  let dest = r.bootMemDest;
  for (const b of r.bootRegions.slice(0, Math.max(0, i - 2))) dest += b.end - b.start;
  // Section 0 is the CPU state data (RTAS_FADUMP_CPU_STATE_DATA, at the area's start); from 2 on
  // the boot-memory regions (RTAS_FADUMP_REAL_MODE_REGION).
  const section =
    i === 0 ? { type: 0x1, src: 0, dest: r.area.start } : { type: 0x11, src: r.bootRegions[i - 2]?.start ?? 0, dest };
  out.push(
    `rtas fadump: Region type: ${section.type} src addr: ${hexll(section.src)} dest addr: ${hexll(section.dest)}`,
  );
  return out;
}

/** A capture boot whose processing failed (docs/kernel-behaviour.md §1.4 5): the capture boot's lines, then
 *  fadump_invalidate_release_mem() frees the memory above the kept area, as release_mem does; the
 *  kernel runs on (the production kernel holds the capture build's state); rtas_fadump_process()'s
 *  lines come before the release (as on real 6.12, test/real/). */
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
  return [...out, ...platformRejectLines(config, post), ...releaseLines(post, config.pageSize)];
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

/** The events after which a production kernel has booted anew: a reboot, a crash, and the other
 *  endings of docs/kernel-behaviour.md §12 (kexec -e, the watchdog, a dump restart, an MPIPL). */
const BOOTS_ANEW: ReadonlySet<ExternalEvent['event']> = new Set([
  'reboot',
  'crash',
  'kexec-reboot',
  'watchdog-reset',
  'dump-restart',
  'mpipl',
]);

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
  // A firmware-initiated MPIPL is OPAL's: on pSeries the event is refused and nothing boots.
  const refused = event.event === 'mpipl' && config.platform !== 'powernv';
  const booted = (event.event === 'boot' && before !== 'production') || (BOOTS_ANEW.has(event.event) && !refused);
  // A capture boot that failed runs on with the capture build (docs/kernel-behaviour.md §1.4 5): not a production boot.
  if (after === 'production' && booted && post.actors.productionKernel.context.build === 'capture')
    return event.event === 'crash' || event.event === 'dump-restart' || event.event === 'mpipl'
      ? failedCaptureLines(config, post, cmdline)
      : [];
  if (after === 'production' && booted) return bootLines(config, pre, post);

  if (event.event === 'write' && errno === 'EINVAL' && canonicalPath(event.path) === FILES.registered)
    return parameterErrorLines(config, post);
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
