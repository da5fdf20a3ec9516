// The kernel's own console lines for the steps the model models, verbatim (the printk formats of
// arch/powerpc/kernel/fadump.c and arch/powerpc/platforms/pseries/rtas-fadump.c, with pr_fmt's "fadump: " and
// "rtas fadump: " prefixes), as an observer of one step: what it logs depends only on the states
// before and after it and the event. QA greps for these; `replay` prints them and `conform` finds
// each in a real kernel's log (test/real/).
import { bootConfig, type Config } from '../config';
import { hotplugTarget, type Errno, type ExternalEvent, type MemoryHotplugEvent, type Reservation } from '../events';
import { traitsOf } from '../kernel-versions';
import {
  dlparRanges,
  earlyMemblockRegions,
  hex016,
  insideMemory,
  MAX_BOOT_MEM_RATIO,
  normalize,
  registeredRanges,
  type Range,
} from '../memory/layout';
import { bootRegionsRegistered, dlparRefusal, hotremovableFrom, paramAreaTried } from '../../machines/kernel-rules';
import { dlparView } from '../../machines/production-kernel';
import { opalReserved } from '../memory/reserve';
import type { SystemState } from '../../machines/system';
import { CAPTURE_OOM_LINES, crashkernelSizeAt, kdumpReservation } from '../memory/kdump';
import { canonicalPath, FILES } from './store';
import { procCmdline, running } from './view';

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
  const ram = k.memory.reduce((a, m) => a + (m.end - m.start), 0);
  const adjusted = adjustedLine(config, ram);
  const noParamArea =
    k.paramArea === null && paramAreaTried(config, 'first', r !== null) ? [`fadump: ${NO_PARAM_AREA}`] : [];
  // fadump_reserve_mem()'s pr_err when boot memory needs more regions than the firmware takes.
  if (r === null)
    return [...adjusted, ...(k.reserveError === TOO_MANY_HOLES ? [`fadump: ${TOO_MANY_HOLES}`] : []), ...noParamArea];
  const out = [
    ...adjusted,
    `fadump: Reserved ${Math.floor(r.bootMemorySize / MiB)}MB of memory at ${hex016(r.area.start)} (System RAM: ${Math.floor(ram / MiB)}MB)`,
    ...noParamArea,
  ];
  out.push(...cmaLines(config, r));
  if (post.actors.productionKernel.matches({ running: 'registered' }))
    out.push(...(keptOver(pre, post) ? alreadyRegistered(config) : registered(config)));
  return out;
}

/** fadump_calculate_reserve_size() (arch/powerpc/kernel/fadump.c), when fadump_reserve_mem()
 *  sizes boot memory (fadump enabled, no dump active) by a crashkernel= above
 *  memblock_phys_mem_size() / MAX_BOOT_MEM_RATIO: pr_info "Adjusted boot memory size to %luMB" (QEMU
 *  tests/functional/ppc64/test_fadump.py's crashkernel=2G of 6G shows it). */
function adjustedLine(config: Config, ram: number): string[] {
  const size = crashkernelSizeAt(config, ram);
  if (config.fadump === 'off' || config.bootMemoryRule !== 'current' || size === null) return [];
  const max = Math.floor(ram / MAX_BOOT_MEM_RATIO);
  return size > max ? [`fadump: Adjusted boot memory size to ${Math.floor(max / MiB)}MB`] : [];
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

/** fadump_setup_param_area()'s pr_warn when its window is full (paramAreaRange()): after
 *  fadump_reserve_mem()'s line, before fadump_cma_init()'s (early_init_devtree() order). */
const NO_PARAM_AREA = 'WARNING: Could not setup area to pass additional parameters!';

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

/** The platform part's pr_fmt prefix: "rtas fadump: " (arch/powerpc/platforms/pseries/rtas-fadump.c)
 *  or "opal fadump: " (arch/powerpc/platforms/powernv/opal-fadump.c). */
function platformPrefix(config: Config): string {
  return config.platform === 'pseries' ? 'rtas fadump: ' : 'opal fadump: ';
}

/** rtas_fadump_register() and opal_fadump_register() (OPAL_SUCCESS): pr_info "Registration is
 *  successful!". */
function registered(config: Config): string[] {
  return [`${platformPrefix(config)}Registration is successful!`];
}

/** rtas_fadump_dt_scan() and opal_fadump_dt_scan(): pr_info "Firmware-assisted dump is active."
 *  when the firmware announces a preserved dump, before fadump_reserve_mem()'s own line. */
function platformActive(config: Config): string {
  return `${platformPrefix(config)}Firmware-assisted dump is active.`;
}

/** rtas_fadump_register()'s -3 branch (arch/powerpc/platforms/pseries/rtas-fadump.c), when PHYP
 *  refused the registration's ranges (machines/firmware.ts): "Can't have holes in reserved memory
 *  area." if is_fadump_reserved_mem_contiguous() finds a hole in the area (fadump.c), then
 *  "Failed to register. Parameter Error(-3).". Kernels before fadump_max_boot_mem_rgns also asked
 *  is_fadump_boot_mem_contiguous() first ("Can't have holes in boot memory area."). */
function parameterErrorLines(config: Config, post: SystemState): string[] {
  const k = post.actors.productionKernel.context;
  const r = k.reservation;
  // QEMU answers no -3 for addresses (do_fadump_register(), machines/firmware.ts parameterError).
  if (config.platform !== 'pseries' || config.firmware === 'qemu' || r === null) return [];
  const sent = { ...r, bootRegions: bootRegionsRegistered(config, config.kernel, r) };
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
function captureLines(config: Config, post: SystemState): string[] {
  const c = post.actors.captureKernel.context;
  const out: string[] = [];
  out.push(platformActive(config));
  // boot_command_line after the append: /proc/cmdline of this boot (§12).
  if (c.paramArea !== null) out.push(`fadump: Updated cmdline: ${procCmdline(config, post) ?? ''}`);
  out.push('fadump: Firmware-assisted dump is active.');
  out.push(...reservingLines(config, c.memory, c.dump?.bootMemTop ?? 0));
  return out;
}

/** fadump_reserve_crash_area(base): one pr_info "Reserving %lluMB of memory at %#016llx for
 *  preserving crash data" per memblock.memory region at or above `base` (for_each_mem_range()),
 *  the regions as early boot has them: boot RAM and hot-removable DIMM memory apart
 *  (earlyMemblockRegions(), hotremovableFrom()). */
function reservingLines(config: Config, memory: readonly Range[], base: number): string[] {
  const out: string[] = [];
  for (const m of earlyMemblockRegions(memory, hotremovableFrom(config))) {
    const start = Math.max(m.start, base);
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
function failedCaptureLines(config: Config, post: SystemState): string[] {
  const k = post.actors.productionKernel.context;
  const out: string[] = [];
  out.push(platformActive(config));
  if (k.paramArea !== null) out.push(`fadump: Updated cmdline: ${procCmdline(config, post) ?? ''}`);
  out.push('fadump: Firmware-assisted dump is active.');
  out.push(...reservingLines(config, k.memory, k.reservation?.bootMemTop ?? 0));
  return [...out, ...headerRejectLines(post), ...platformRejectLines(config, post), ...releaseLines(post, config)];
}

/** is_fadump_header_compatible() (arch/powerpc/kernel/fadump.c, 6.10+; §3): its pr_err when the
 *  crash info header failed the check, with fadump.c's "fadump: " prefix, e.g. "fadump: Fadump
 *  header is corrupted." where a double count misplaced the header (§1.1 item 4,
 *  test/real/pseries-6.12-64k-boot-mem-two-regions.jsonl); [] for any other end of a capture. */
function headerRejectLines(post: SystemState): string[] {
  const messages = [
    'Fadump header is corrupted.',
    'Fadump header size mismatch.',
    'Endianness mismatch between the crashed and fadump kernels.',
    "Old magic number, can't process the dump.",
  ];
  const message = post.dumpReason ?? '';
  return post.dump === 'lost' && messages.includes(message) ? [`fadump: ${message}`] : [];
}

/** release_mem: fadump_release_memory(boot_mem_top, memblock_end_of_DRAM()) frees what lies
 *  outside the kept area and the firmware's reserved ranges (OPAL's on PowerNV, opalReserved()),
 *  sorted and merged; each gap goes to fadump_release_reserved_area(), whose PHYS_PFN() rounds
 *  both ends down to a page and which logs fadump_free_reserved_memory()'s "freeing reserved
 *  memory (0x%llx - 0x%llx)" for every memory range it touches (arch/powerpc/kernel/fadump.c). */
function releaseLines(post: SystemState, config: Pick<Config, 'pageSize' | 'opalReservedRanges'>): string[] {
  const k = post.actors.productionKernel.context;
  const area: Range | undefined = k.reservation?.area;
  if (area === undefined) return [];
  const end = k.memory.reduce((a, m) => Math.max(a, m.end), 0);
  const kept = normalize([...opalReserved(config), area]);
  const gaps: Range[] = [];
  let from = k.reservation?.bootMemTop ?? 0;
  for (const r of kept) {
    if (from >= r.end) continue;
    if (from < r.start) gaps.push({ start: from, end: r.start });
    from = r.end;
  }
  if (from < end) gaps.push({ start: from, end });
  const page = (x: number) => Math.floor(x / config.pageSize) * config.pageSize;
  return gaps.flatMap((g) =>
    normalize(k.memory).flatMap((m) => {
      const start = Math.max(page(g.start), page(m.start));
      const stop = Math.min(page(g.end), page(m.end));
      return start < stop ? [`fadump: freeing reserved memory (${hexll(start)} - ${hexll(stop)})`] : [];
    }),
  );
}

/** kdump's lines of one step (docs/kernel-behaviour.md §6 "crashkernel="): at a production boot
 *  where fadump reserved nothing, what parse_crashkernel() and reserve_crashkernel()
 *  (arch/powerpc/kexec/core.c) logged (kdumpReservation()); at a crash whose capture kernel ran out
 *  of memory, out_of_memory()'s lines (CAPTURE_OOM_LINES). The lines are logged before the
 *  "fadump: " ones at a fadump boot [I: the model lists them after]. */
function kdumpLines(config: Config, pre: SystemState, event: ExternalEvent, post: SystemState): string[] {
  const k = post.actors.productionKernel.context;
  const booted = (event.event === 'boot' && running(pre) !== 'production') || BOOTS_ANEW.has(event.event);
  const out: string[] = [];
  if (event.event === 'crash' && pre.actors.kexec.matches('loaded') && post.dump === 'lost' && kdumpOom(post))
    out.push(...CAPTURE_OOM_LINES);
  if (booted && running(post) === 'production' && k.build === 'first' && k.reservation === null) {
    out.push(...kdumpReservation(config, k.memory, false).lines);
  }
  return out;
}

/** The dump was lost because the kdump kernel ran out of memory (captureOom()). */
const kdumpOom = (post: SystemState) => (post.dumpReason ?? '').startsWith('the kdump kernel ran out of memory');

/** A pc-dimm's device_del that the kernel refuses (QEMU: an indexed-count request,
 *  hw/ppc/spapr.c spapr_memory_unplug_request(); arch/powerpc/platforms/pseries/hotplug-memory.c
 *  dlpar_memory_remove_by_ic()): when an LMB failed to offline, has_unmovable_pages()'s
 *  dump_page() "page dumped because: unmovable page" (mm/page_isolation.c), then
 *  pr_err "Memory indexed-count-remove failed, adding any removed LMBs" with pr_fmt's
 *  "pseries-hotplug-mem: ". Its "Attempting to hot-remove %u LMB(s) at %x" names the whole DIMM,
 *  which the model's request does not hold (it names one LMB), and a remove that goes through
 *  logs per LMB: neither is printed [I]. [] for any other hotplug step. */
function dlparLines(config: Config, pre: SystemState, event: MemoryHotplugEvent): string[] {
  if (config.platform !== 'pseries' || config.firmware !== 'qemu' || event.action !== 'remove') return [];
  if (running(pre) !== 'production') return [];
  const target = hotplugTarget(event, config.lmbBytes);
  const ranges = dlparRanges(pre.actors.firmware.context.memory, target, 'remove', {
    lmbBytes: config.lmbBytes,
    minBytes: config.minMemoryBytes,
    maxBytes: config.maxMemoryBytes,
  });
  if (ranges === null) return [];
  const kernel = pre.actors.productionKernel;
  const view = dlparView(kernel.context, kernel.matches({ running: 'registered' }));
  const refusal = dlparRefusal(config, view, { action: 'remove', by: target.by, ranges });
  if (refusal === null) return [];
  return [
    ...(refusal.offline ? ['page dumped because: unmovable page'] : []),
    'pseries-hotplug-mem: Memory indexed-count-remove failed, adding any removed LMBs',
  ];
}

/** The events after which a production kernel has booted anew: a reboot, a crash, and the other
 *  endings of docs/kernel-behaviour.md §13 (kexec -e, the watchdog, a dump restart, an MPIPL). */
const BOOTS_ANEW: ReadonlySet<ExternalEvent['event']> = new Set([
  'reboot',
  'crash',
  'kexec-reboot',
  'watchdog-reset',
  'dump-restart',
  'mpipl',
]);

/** The fadump lines the kernel logs during one step (pre → post on `event`), in the order it
 *  logs them; [] for a step that logs none the model knows of. */
export function consoleLines(
  base: Config,
  pre: SystemState,
  event: ExternalEvent,
  post: SystemState,
  errno: Errno | null,
): string[] {
  const before = running(pre);
  const after = running(post);
  // The kernels of this step booted with the boot loader's stored command line (§12).
  const config = bootConfig(base, post.actors.firmware.context.cmdline);
  if (config.mechanism !== 'fadump') return config.mechanism === 'kdump' ? kdumpLines(config, pre, event, post) : [];
  if (after === 'capture' && before !== 'capture') return captureLines(config, post);
  // A firmware-initiated MPIPL is OPAL's: on pSeries the event is refused and nothing boots.
  const refused = event.event === 'mpipl' && config.platform !== 'powernv';
  const booted = (event.event === 'boot' && before !== 'production') || (BOOTS_ANEW.has(event.event) && !refused);
  // A capture boot that failed runs on with the capture build (docs/kernel-behaviour.md §1.4 5): not a production boot.
  if (after === 'production' && booted && post.actors.productionKernel.context.build === 'capture')
    return event.event === 'crash' || event.event === 'dump-restart' || event.event === 'mpipl'
      ? failedCaptureLines(config, post)
      : [];
  if (after === 'production' && booted)
    return [...bootLines(config, pre, post), ...kdumpLines(config, pre, event, post)];

  if (event.event === 'memory-hotplug') return dlparLines(config, pre, event);
  if (event.event === 'write' && errno === 'EINVAL' && canonicalPath(event.path) === FILES.registered)
    return parameterErrorLines(config, post);
  if (event.event === 'write' && errno === null) {
    const file = canonicalPath(event.path);
    if (file === FILES.releaseMem && before === 'capture' && after === 'production') return releaseLines(post, config);
    if (
      file === FILES.registered &&
      post.actors.productionKernel.matches({ running: 'registered' }) &&
      /^\s*1/.test(event.value)
    )
      return registered(config);
  }
  return [];
}
