// The properties kernel engineers argue about in design reviews, as first-class objects: an id,
// one sentence, the kernel fact it rests on, and a check (docs/design.md §5).
// Kinds, in the spirit of P's spec machines:
//  - state: an invariant checked in every reachable state;
//  - step: checked on every step (pre-state, event, post-state), optionally with a small monitor
//    carried along the path (P's spec-machine state);
//  - graph: checked on the explored graph (every event handled, no deadlock, liveness).
// Every property applies to every mechanism where it means something (issue 6): "armed" is
// fadump registered, a kdump crash kernel loaded, or hypervisor-assisted dump registered; "a
// vmcore" is whichever capture kernel exports one.
import { ACTORS, type SystemState } from '../../machines/system';
import type { Config } from '../config';
import type { ExternalEvent } from '../events';
import { elfcorePtLoads, normalize, totalSize, type PtLoad, type Range } from '../memory/layout';
import { kdumpCaptureMemory, kdumpPtLoads, kdumpRtas } from '../memory/kdump';
import { PHYP_BOOT_MEMORY, phypPtLoads } from '../memory/phyp';
import { headerProblem, platformProblem } from '../../machines/kernel-rules';
import { fadumpFilesIn, offersRelease } from '../sysfs/view';
import { FILES, RELEASE_REGION } from '../sysfs/store';

export interface Step {
  pre: SystemState;
  event: ExternalEvent;
  post: SystemState;
  handled: boolean;
  errno: string | null;
  ignored: readonly string[];
}

interface Base {
  id: string;
  sentence: string;
  /** The kernel fact it rests on: sections of docs/kernel-behaviour.md, or docs/sources.md's documents. */
  source: string;
  /** null when it applies to the configuration, else why it does not. */
  notApplicable(config: Config): string | null;
}

export interface StateProperty extends Base {
  kind: 'state';
  /** Pure: a function of what it reads of the state and the configuration. The explorer keeps its
   *  answers under what it read (src/explore/checks.ts), through proxies over the snapshots and
   *  their contexts, as a step property's: compare snapshots and context values by what they hold
   *  as canonical JSON sees it, never by identity (src/explore/read-tracker.ts;
   *  test/step-memo.test.ts holds every invariant to its answers without the proxies). */
  holds(state: SystemState, config: Config): boolean;
  /** A number measured in a state (null where it does not apply); exploration reports it from the
   *  first state, in breadth-first order, that has one (PropertyResult.figure). */
  figure?(state: SystemState, config: Config): number | null;
  /** What the figure counts, for reports. */
  figureUnit?: 'bytes';
}

export interface StepProperty extends Base {
  kind: 'step';
  /** Only events this returns true for are checked (and move the monitor). */
  triggers(event: ExternalEvent): boolean;
  /** The monitor's next value, 0 to 3 (src/explore/checks.ts MONITOR_VALUES: another is an error);
   *  monitors start at 0. */
  monitor?(m: number, step: Step, config: Config): number;
  /** Pure: a function of what it reads of the step, the monitor value and the configuration. The
   *  explorer keeps its answers under what it read (src/explore/read-trie.ts), through proxies over
   *  the snapshots and their contexts (a context field is kept under its value's structure): compare
   *  snapshots and context values by what they hold as canonical JSON sees it, never by identity
   *  (src/explore/read-tracker.ts; test/step-memo.test.ts holds every property to its answers
   *  without the proxies). */
  holds(step: Step, m: number, config: Config): boolean;
}

export interface GraphProperty extends Base {
  kind: 'graph';
  check: 'every-event-handled' | 'no-deadlock' | 'eventually';
  /** For 'eventually': the goal every reachable state must be able to reach. */
  goal?(state: SystemState, config: Config): boolean;
}

export type Property = StateProperty | StepProperty | GraphProperty;

const always = (): null => null;
const fadumpOnly = (c: Config): string | null => (c.fadump === 'off' ? 'fadump=off: nothing is ever registered' : null);
/** Some mechanism can be armed: fadump (or its fallback to kdump), kdump, hypervisor-assisted dump. */
const armable = (c: Config): string | null =>
  c.fadump !== 'off' || c.crashkernelText !== null || c.mechanism === 'phyp-assisted-dump'
    ? null
    : 'fadump=off: nothing is ever registered';

/** fadump is registered (docs/kernel-behaviour.md §1.2). */
function registered(s: SystemState): boolean {
  return s.actors.productionKernel.matches({ running: 'registered' });
}

/** A crash now would be captured by some mechanism: fadump registered, a kdump crash kernel
 *  loaded (kexec_crash_loaded reads 1, §6), hypervisor-assisted dump registered
 *  (phyp-assisted-dump.txt). */
export function armed(s: SystemState): boolean {
  return registered(s) || s.actors.kexec.matches('loaded') || s.actors.phypDump.matches('registered');
}

/** fadump's capture kernel exports /proc/vmcore. */
function vmcoreUp(s: SystemState): boolean {
  return s.actors.captureKernel.matches('dumpAvailable');
}

function kdumpVmcoreUp(s: SystemState): boolean {
  return s.actors.kexec.matches('capture');
}

function phypVmcoreUp(s: SystemState): boolean {
  return s.actors.phypDump.matches('capture');
}

/** Some capture kernel holds the dump. */
export function anyVmcoreUp(s: SystemState): boolean {
  return vmcoreUp(s) || kdumpVmcoreUp(s) || phypVmcoreUp(s);
}

/** The production kernel runs with its mechanism armable: fadump enabled, or the
 *  hypervisor-assisted dump code running in production again after its release (phyp-assisted-dump.txt),
 *  whether or not the hypervisor took the new registration. */
function backInProduction(s: SystemState): boolean {
  const k = s.actors.productionKernel;
  const phyp = s.actors.phypDump;
  return k.matches('running') && (k.context.enabled || phyp.matches('registered') || phyp.matches('notRegistered'));
}

/** The PT_LOADs that describe exactly the crashed kernel's memory at the crash: from the
 *  firmware's record of the partition's memory then (the ground truth), not from any kernel. */
export function expectedPtLoads(s: SystemState): PtLoad[] | null {
  const d = s.actors.firmware.context.dump;
  if (d === null) return null;
  return elfcorePtLoads({
    memory: d.memoryAtCrash,
    bootRegions: d.bootRegions,
    bootMemTop: d.bootMemTop,
    bootMemDest: d.bootMemDest,
    area: d.area,
  });
}

function samePtLoads(a: readonly PtLoad[] | null, b: readonly PtLoad[] | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.length === b.length &&
    a.every((p, i) => p.paddr === b[i]?.paddr && p.size === b[i]?.size && p.offset === b[i]?.offset)
  );
}

/** What a kdump vmcore must describe: the crashed kernel's memory at the crash (the firmware's
 *  record of the partition, unchanged while the capture kernel runs: it refuses DLPAR) minus its
 *  crash kernel region, the first 64 KB via kexec's backup (kdump.rst). */
export function expectedKdumpPtLoads(s: SystemState, c: Config): PtLoad[] | null {
  const ck = s.actors.productionKernel.context.crashkernel;
  const memory = s.actors.firmware.context.memory;
  return ck === null ? null : kdumpPtLoads(memory, ck, kdumpRtas(c, memory));
}

/** The vmcore of whichever capture kernel is up is exactly right (`c`: the configuration, whose
 *  page size places hypervisor-assisted dump's copy). */
function vmcoreAccurate(s: SystemState, c: Config): boolean {
  if (vmcoreUp(s)) {
    // ... and the firmware had memory to copy boot memory to: every PT_LOAD's data (p_offset)
    // lies in the memory at the crash (a destination past it is a dump of nothing, §4).
    const loads = s.actors.captureKernel.context.ptLoads;
    const memory = s.actors.firmware.context.dump?.memoryAtCrash ?? [];
    return samePtLoads(loads, expectedPtLoads(s)) && within(dataOf(loads ?? []), memory);
  }
  if (kdumpVmcoreUp(s)) return samePtLoads(s.actors.kexec.context.vmcore, expectedKdumpPtLoads(s, c));
  if (phypVmcoreUp(s)) {
    const d = s.actors.firmware.context.dump;
    return (
      d !== null && samePtLoads(s.actors.phypDump.context.ptLoads, phypPtLoads(d.memoryAtCrash, d.area, c.pageSize))
    );
  }
  return false;
}

/** Where the PT_LOADs' data lie: [p_offset, p_offset + size), bytes. */
function dataOf(loads: readonly PtLoad[]): Range[] {
  return loads.map((p) => ({ start: p.offset, end: p.offset + p.size }));
}

function overlapsAny(a: readonly Range[], b: readonly Range[]): boolean {
  return a.some((x) => b.some((y) => x.start < y.end && y.start < x.end));
}

function within(inner: readonly Range[], outer: readonly Range[]): boolean {
  const o = normalize(outer);
  return normalize(inner).every((r) => o.some((x) => x.start <= r.start && r.end <= x.end));
}

/** Memory the production kernel cannot use, and the memory the capture needs, in bytes (issue 6):
 *  fadump withholds its reserved area minus what CMA gives back to user pages (§1
 *  early boot 6; the LPC 2024 talk "CMA ... makes the memory reserved for fadump available for
 *  userpages"; firmware-assisted-dump.rst note 3 nocma), and its capture needs the boot memory; kdump withholds
 *  crashkernel=, which is also what its capture kernel runs in (§6, kdump.rst); hypervisor-assisted
 *  dump withholds its permanent scratch area and its capture needs the low 256MB (phyp-assisted-dump.txt). */
export function productionMemory(s: SystemState): { total: number; withheld: number; captureNeeds: number } | null {
  const k = s.actors.productionKernel;
  if (!k.matches('running')) return null;
  const c = k.context;
  let withheld = 0;
  let captureNeeds = 0;
  if (c.enabled && c.reservation !== null) {
    const r = c.reservation;
    withheld += r.area.end - r.area.start - (r.cma === null ? 0 : r.cma.end - r.cma.start);
    captureNeeds += r.bootMemorySize;
  }
  if (c.crashkernel !== null) {
    withheld += c.crashkernel.end - c.crashkernel.start;
    captureNeeds += c.crashkernel.end - c.crashkernel.start;
  }
  if (c.phypScratch !== null) {
    withheld += c.phypScratch.end - c.phypScratch.start;
    captureNeeds += PHYP_BOOT_MEMORY;
  }
  return { total: totalSize(c.memory), withheld, captureNeeds };
}

/** The endings of docs/kernel-behaviour.md §13 besides crash and reboot: each ends the running
 *  kernel, so each is a deliberate change of what is armed. */
const isEnding = (e: ExternalEvent): boolean =>
  e.event === 'kexec-reboot' ||
  e.event === 'power-off' ||
  e.event === 'watchdog-reset' ||
  e.event === 'dump-restart' ||
  e.event === 'mpipl' ||
  e.event === 'petitboot-crash';

const isDeliberate = (e: ExternalEvent): boolean =>
  isEnding(e) ||
  e.event === 'crash' ||
  // `systemctl stop`/`restart kdump` unregister or unload on purpose (docs/kernel-behaviour.md §5
  // "The kdump service"); restart's window until its start half is the user's choice.
  e.event === 'kdump-stop' ||
  e.event === 'kdump-restart' ||
  e.event === 'reboot' ||
  e.event === 'boot' ||
  e.event === 'kexec-load' ||
  e.event === 'kexec-unload' ||
  isWrite(e, FILES.registered) ||
  isWrite(e, FILES.releaseMem) ||
  isWrite(e, RELEASE_REGION);

const isWrite = (e: ExternalEvent, path: string, value?: string): boolean =>
  e.event === 'write' &&
  (e.path === path ||
    (path === FILES.releaseMem && e.path === '/sys/kernel/fadump_release_mem') ||
    (path === FILES.registered && e.path === '/sys/kernel/fadump_registered')) &&
  (value === undefined || e.value.trim() === value);

export const PROPERTIES: readonly Property[] = [
  {
    id: 'no-lost-dump',
    kind: 'step',
    sentence:
      'A crash while the dump mechanism is armed (fadump registered, a kdump crash kernel loaded, hypervisor-assisted dump registered) always ends with a vmcore available.',
    source:
      'docs/kernel-behaviour.md §1.3, §1.4, §6; docs/sources.md §1 (the goal of fadump), §2 (kdump), §3 (hypervisor-assisted dump)',
    notApplicable: armable,
    // A dump restart is a system reset interrupt the kernel takes as a crash (docs/kernel-behaviour.md §13.4).
    triggers: (e) => e.event === 'crash' || e.event === 'dump-restart',
    holds: (s) => !armed(s.pre) || anyVmcoreUp(s.post),
  },
  {
    id: 'accurate-vmcore',
    kind: 'state',
    sentence:
      "The vmcore's PT_LOADs describe exactly the crashed kernel's memory at the crash: boot memory via its copy (kdump: the first 64 KB via kexec's backup), nothing of the reserved area (kdump: of the crash kernel region), nothing missing.",
    source:
      'docs/kernel-behaviour.md §1.4 step 3, §5, §6; docs/sources.md §4 (the 2024 patch), §2 (the 64 KB backup), §3',
    notApplicable: armable,
    holds: (s, c) => !anyVmcoreUp(s) || vmcoreAccurate(s, c),
  },
  {
    id: 'always-ready-after-hotplug',
    kind: 'step',
    sentence:
      'After any memory hotplug while the mechanism is armed, whenever a crash comes it is captured accurately (no stale elfcorehdr, no unregistered or unloaded window).',
    source:
      'docs/kernel-behaviour.md §5, §6 (kdump: reload, or CONFIG_CRASH_HOTPLUG); docs/sources.md §4 and §5 ("fadump is always ready")',
    notApplicable: armable,
    triggers: (e) =>
      isEnding(e) ||
      e.event === 'crash' ||
      e.event === 'memory-hotplug' ||
      e.event === 'reboot' ||
      e.event === 'kexec-load' ||
      e.event === 'kexec-unload' ||
      e.event === 'kdump-stop' ||
      e.event === 'kdump-restart' ||
      isWrite(e, FILES.registered, '0') ||
      isWrite(e, FILES.releaseMem) ||
      isWrite(e, RELEASE_REGION),
    // 1 = a hotplug happened while armed, and nobody chose to unregister (a write or `systemctl
    // stop kdump`), unload, load by hand or reboot since.
    monitor: (m, s) => {
      if (s.event.event === 'memory-hotplug') return s.handled && s.errno === null && armed(s.pre) ? 1 : m;
      return 0;
    },
    // A dump restart ends the kernel as a crash does (docs/kernel-behaviour.md
    // §13.4); the other endings disarm by choice.
    holds: (s, m, c) =>
      (s.event.event !== 'crash' && s.event.event !== 'dump-restart') || m === 0 || vmcoreAccurate(s.post, c),
  },
  {
    id: 'no-second-reboot',
    kind: 'step',
    sentence:
      'After the dump is saved the capture kernel offers a release (release_mem, release_region), and releasing brings the system back to production without another reboot; a capture kernel that offers none needs a second reboot.',
    source:
      'docs/kernel-behaviour.md §1.5, §6 ("a kdump system needs a second reboot"); docs/sources.md §1 ("FADump doesn\'t need a 2nd reboot"), §3 ("no further reboots are required")',
    notApplicable: armable,
    triggers: (e) => e.event === 'save-dump' || isWrite(e, FILES.releaseMem) || isWrite(e, RELEASE_REGION),
    holds: (s, _m, c) => {
      if (s.event.event === 'save-dump') {
        if (!anyVmcoreUp(s.pre) || !anyVmcoreUp(s.post)) return true;
        return offersRelease(c, s.post);
      }
      if (!((vmcoreUp(s.pre) || phypVmcoreUp(s.pre)) && s.handled && s.errno === null)) return true;
      // hypervisor-assisted dump releases piece by piece: still capturing, or back in production.
      return phypVmcoreUp(s.post) || backInProduction(s.post);
    },
  },
  {
    id: 'capture-kernel-confined',
    kind: 'state',
    sentence:
      'Until release the capture kernel uses only its own memory: fadump below boot_mem_top, kdump its crashkernel= region (and the low 64 KB kexec backed up), hypervisor-assisted dump the low 256MB and what was released.',
    source:
      'docs/kernel-behaviour.md §1.1 step 4 (active: all memory above boot_mem_top is reserved), §7.4; docs/sources.md §2, §3 ("boot into only 256MB of RAM, reserving the rest")',
    notApplicable: armable,
    holds: (s) => {
      if (vmcoreUp(s)) {
        const d = s.actors.firmware.context.dump;
        return d !== null && s.actors.captureKernel.context.usable.every((r) => r.end <= d.bootMemTop);
      }
      if (kdumpVmcoreUp(s)) {
        const ck = s.actors.productionKernel.context.crashkernel;
        return ck !== null && within(s.actors.kexec.context.usable, kdumpCaptureMemory(ck));
      }
      if (phypVmcoreUp(s)) {
        const p = s.actors.phypDump.context;
        return !overlapsAny(p.usable, p.reserved);
      }
      return true;
    },
  },
  {
    id: 'enabled-implies-reserved',
    kind: 'state',
    sentence: 'fadump enabled implies supported and a reserved area of non-zero size.',
    source: 'docs/kernel-behaviour.md §7.1',
    notApplicable: always,
    holds: (s) => {
      const k = s.actors.productionKernel;
      if (!k.matches('running') || !k.context.enabled) return true;
      const r = k.context.reservation;
      return k.context.supported && r !== null && r.area.end > r.area.start;
    },
  },
  {
    id: 'registered-implies-reserved',
    kind: 'state',
    sentence: 'fadump registered implies enabled, an area reserved, and no dump active.',
    source: 'docs/kernel-behaviour.md §7.2',
    notApplicable: always,
    holds: (s) =>
      !registered(s) ||
      (s.actors.productionKernel.context.enabled &&
        s.actors.productionKernel.context.reservation !== null &&
        !vmcoreUp(s)),
  },
  {
    id: 'header-in-area',
    kind: 'state',
    sentence: 'The crash info header lies inside the permanent area, right after the boot-memory copy.',
    source: 'docs/kernel-behaviour.md §7.3, §1.2 (fadumphdr_addr = destination + boot_memory_size)',
    notApplicable: (c) =>
      c.mechanism === 'phyp-assisted-dump'
        ? 'hypervisor-assisted dump has no crash info header (docs/sources.md §3)'
        : null,
    holds: (s) => {
      const r = s.actors.firmware.context.registration;
      if (r === null) return true;
      const size = r.bootRegions.reduce((n, b) => n + (b.end - b.start), 0);
      const header = r.bootMemDest + size;
      return r.area.start <= r.bootMemDest && header < r.area.end;
    },
  },
  {
    id: 'vmcore-implies-valid',
    kind: 'state',
    sentence: '/proc/vmcore present implies a dump active, a compatible header and successful platform processing.',
    source: 'docs/kernel-behaviour.md §7.5, §3',
    notApplicable: always,
    holds: (s, c) => {
      if (!vmcoreUp(s)) return true;
      const d = s.actors.firmware.context.dump;
      return (
        s.actors.firmware.matches('dumpPending') &&
        d !== null &&
        headerProblem(c, d.header) === null &&
        platformProblem(c, d) === null
      );
    },
  },
  {
    id: 'release-mem-iff-active',
    kind: 'state',
    sentence: 'release_mem exists if and only if the running kernel booted with a dump active.',
    source: 'docs/kernel-behaviour.md §7.8, §2',
    notApplicable: always,
    holds: (s, c) => {
      const exists = fadumpFilesIn(c, s).has(FILES.releaseMem);
      const bootedActive =
        vmcoreUp(s) ||
        (s.actors.productionKernel.matches('running') && s.actors.productionKernel.context.releaseMemFile);
      return exists === bootedActive;
    },
  },
  {
    id: 'release-keeps-permanent-area',
    kind: 'step',
    sentence:
      'After release the dump is no longer active, the permanent area keeps its start and size, and registration is allowed but not automatic.',
    source: 'docs/kernel-behaviour.md §7.6, §1.5',
    notApplicable: fadumpOnly,
    triggers: (e) => isWrite(e, FILES.releaseMem),
    holds: (s) => {
      if (!(vmcoreUp(s.pre) && s.handled && s.errno === null)) return true;
      const before = s.pre.actors.firmware.context.dump;
      const after = s.post.actors.productionKernel.context.reservation;
      return (
        before !== null &&
        after !== null &&
        after.area.start === before.area.start &&
        after.area.end === before.area.end &&
        !vmcoreUp(s.post) &&
        s.post.actors.productionKernel.matches({ running: 'notRegistered' })
      );
    },
  },
  {
    id: 'registration-does-not-survive-reboot',
    kind: 'step',
    sentence:
      'Registration never survives a reboot; the next production boot registers by itself (kernels since v6.0).',
    source: 'docs/kernel-behaviour.md §7.7, §1.1 step 7',
    notApplicable: (c) => fadumpOnly(c) ?? (c.registerAtBoot ? null : 'registerAtBoot is false: kdumpctl registers'),
    triggers: (e) => e.event === 'reboot' || e.event === 'crash',
    holds: (s) => {
      const k = s.post.actors.productionKernel;
      if (!k.matches('running') || !k.context.enabled || k.context.reservation === null) return true;
      // A fresh boot: registered again unless the firmware refused the registration.
      return registered(s.post) || s.post.actors.firmware.context.registration === null;
    },
  },
  {
    id: 'steps-complete',
    kind: 'state',
    sentence:
      'Every step runs to completion: between external events no actor is left waiting for an answer (in a transient state).',
    source: 'docs/design.md §1, §2 (actors linked only by events, delivered until the system is quiet)',
    notApplicable: always,
    holds: (s) => ACTORS.every((a) => !s.actors[a].hasTag('transient')),
  },
  {
    id: 'every-event-handled',
    kind: 'graph',
    check: 'every-event-handled',
    sentence:
      'In every reachable state every external event is handled, explicitly ignored, or answered with an errno: nothing is dropped silently.',
    source: 'docs/design.md §4; docs/kernel-behaviour.md §8',
    notApplicable: always,
  },
  {
    id: 'no-deadlock',
    kind: 'graph',
    check: 'no-deadlock',
    sentence: 'Every reachable state has a way on.',
    source: 'docs/design.md §5',
    notApplicable: always,
  },
  {
    id: 'eventually-ready',
    kind: 'graph',
    check: 'eventually',
    sentence:
      'From every reachable state the system can get back to production with the dump mechanism armed (fadump registered, a kdump crash kernel loaded, hypervisor-assisted dump registered); a state that can never get there is a hot state left forever.',
    source: 'docs/design.md §5 (liveness); docs/kernel-behaviour.md §1.5, §6; docs/sources.md §3',
    notApplicable: armable,
    goal: (s) => s.actors.productionKernel.matches('running') && armed(s),
  },
  {
    id: 'devices-reset-before-capture',
    kind: 'state',
    sentence:
      'Whenever a capture kernel holds the dump, the machine was reset on the way (PCI and I/O devices reinitialised): the crashed kernel is not left waiting for a hardware reset that never came.',
    source:
      'docs/sources.md §1 and §3 ("Unlike kdump, the system has been reset ... PCI and I/O devices have been reinitialized"), §5 ("Devices are in inconsistent state"); docs/kernel-behaviour.md §1.3 (the firmware resets I/O), §6 (kdump: devices not reset)',
    notApplicable: armable,
    // The production kernel waits in `crashed` for hw.reset; only the firmware sends it.
    holds: (s) => !anyVmcoreUp(s) || !s.actors.productionKernel.matches('crashed'),
  },
  {
    id: 'no-crash-kernel-loaded-window',
    kind: 'step',
    sentence:
      'Once the mechanism is armed, a crash never finds nothing to capture it unless someone chose so (unregistered, unloaded or loaded by hand, rebooted): no window during a reload or re-registration.',
    source:
      'docs/kernel-behaviour.md §5 ("between unregister and register ... a crash gets no dump at all"), §6 ("frees the current crash image first ... a window with nothing loaded"); docs/sources.md §5 ("Brief service lapse")',
    notApplicable: armable,
    // Every event that can arm or disarm (or crash); hotplug, save-dump, firmware-error and the
    // other writes change neither.
    triggers: (e) =>
      isEnding(e) ||
      e.event === 'crash' ||
      e.event === 'boot' ||
      e.event === 'reboot' ||
      e.event === 'kdump-start' ||
      e.event === 'kdump-stop' ||
      e.event === 'kdump-restart' ||
      e.event === 'kdump-reload' ||
      e.event === 'kexec-load' ||
      e.event === 'kexec-loaded' ||
      e.event === 'kexec-unload' ||
      isWrite(e, FILES.registered) ||
      isWrite(e, FILES.releaseMem) ||
      isWrite(e, RELEASE_REGION),
    // 1 = armed since the last deliberate change (boot, reboot, crash, a user's write to registered
    // or release, a user's kexec -p / -u).
    monitor: (m, s) => (isDeliberate(s.event) ? (armed(s.post) ? 1 : 0) : m === 1 || armed(s.post) ? 1 : 0),
    holds: (s, m) => s.event.event !== 'crash' || m === 0 || armed(s.pre),
  },
  {
    id: 'memory-available-to-production',
    kind: 'state',
    sentence:
      "A production kernel, as booted, keeps the memory set aside for the capture: what the mechanism withholds from it is less than what the capture needs (fadump's CMA gives the boot-memory copy's destination back to user pages); the figure is the bytes production can use.",
    source:
      'docs/sources.md §5 ("Relatively larger memory reservation requirement": CMA, the free -m of fadump=on vs nocma), §1 note 3 (nocma), §3 (the permanent 256MB scratch area); docs/kernel-behaviour.md §1.1 step 6 (CMA unless nocma, not enabled, or active), §6 (crashkernel=)',
    notApplicable: always,
    // A kernel that was fadump's capture kernel and runs on after release_mem set up no CMA (it
    // booted with the dump active, §1 early boot 6): it keeps the whole area reserved
    // until the next boot. That is a fact of the release, not of the configuration: the verdict
    // judges production as booted; test/kdump.test.ts shows the figure after a release.
    holds: (s) => {
      const m = productionMemory(s);
      return (
        m === null ||
        s.actors.productionKernel.context.releaseMemFile ||
        m.withheld === 0 ||
        m.withheld < m.captureNeeds
      );
    },
    figure: (s) => {
      const m = productionMemory(s);
      return m === null ? null : m.total - m.withheld;
    },
    figureUnit: 'bytes',
  },
];

export function propertyById(id: string): Property | undefined {
  return PROPERTIES.find((p) => p.id === id);
}
