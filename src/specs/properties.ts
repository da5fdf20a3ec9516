// The properties kernel engineers argue about in design reviews, as first-class objects: an id,
// one sentence, the kernel fact it rests on, and a check (shared/DESIGN.md "Properties").
// Kinds, in the spirit of P's spec machines:
//  - state: an invariant checked in every reachable state;
//  - step: checked on every step (pre-state, event, post-state), optionally with a small monitor
//    carried along the path (P's spec-machine state);
//  - graph: checked on the explored graph (every event handled, no deadlock, liveness).
import { ACTORS, type SystemState } from '../../machines/system';
import type { Config } from '../config';
import type { ExternalEvent } from '../events';
import { elfcorePtLoads, type PtLoad } from '../memory/layout';
import { headerProblem, platformProblem } from '../../machines/kernel-rules';
import { observe } from '../sysfs/view';
import { FILES } from '../sysfs/store';

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
  /** The kernel fact it rests on: a section of shared/reference/kernel-behaviour.md or a seed. */
  source: string;
  /** null when it applies to the configuration, else why it does not. */
  notApplicable(config: Config): string | null;
}

export interface StateProperty extends Base {
  kind: 'state';
  holds(state: SystemState, config: Config): boolean;
}

export interface StepProperty extends Base {
  kind: 'step';
  /** Only events this returns true for are checked (and move the monitor). */
  triggers(event: ExternalEvent): boolean;
  /** The monitor's next value; monitors start at 0. */
  monitor?(m: number, step: Step, config: Config): number;
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

function registered(s: SystemState): boolean {
  return s.actors.productionKernel.matches({ running: 'registered' });
}

function vmcoreUp(s: SystemState): boolean {
  return s.actors.captureKernel.matches('dumpAvailable');
}

/** The PT_LOADs that describe exactly the crashed kernel's memory at the crash: from the
 *  firmware's record of the partition's memory then (the ground truth), not from any kernel. */
export function expectedPtLoads(s: SystemState): PtLoad[] | null {
  const d = s.actors.firmware.context.dump;
  if (d === null) return null;
  return elfcorePtLoads({ memory: d.memoryAtCrash, bootRegions: d.bootRegions, bootMemTop: d.bootMemTop, bootMemDest: d.bootMemDest, area: d.area });
}

function samePtLoads(a: readonly PtLoad[] | null, b: readonly PtLoad[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((p, i) => p.paddr === b[i]?.paddr && p.size === b[i]?.size && p.offset === b[i]?.offset);
}

function vmcoreAccurate(s: SystemState): boolean {
  return vmcoreUp(s) && samePtLoads(s.actors.captureKernel.context.ptLoads, expectedPtLoads(s));
}

const isWrite = (e: ExternalEvent, path: string, value?: string): boolean =>
  e.event === 'write' && (e.path === path || (path === FILES.releaseMem && e.path === '/sys/kernel/fadump_release_mem') || (path === FILES.registered && e.path === '/sys/kernel/fadump_registered')) && (value === undefined || e.value.trim() === value);

export const PROPERTIES: readonly Property[] = [
  {
    id: 'no-lost-dump',
    kind: 'step',
    sentence: 'A crash while fadump is registered always ends with a vmcore available.',
    source: 'reference §1 "Crash" and "Capture boot"; seeds/000 (the goal of fadump)',
    notApplicable: fadumpOnly,
    triggers: (e) => e.event === 'crash',
    holds: (s) => !registered(s.pre) || vmcoreUp(s.post),
  },
  {
    id: 'accurate-vmcore',
    kind: 'state',
    sentence: "The vmcore's PT_LOADs describe exactly the crashed kernel's memory at the crash: boot memory via its copy, nothing of the reserved area, nothing missing.",
    source: 'reference §1 "Capture boot" 3, §5; seeds/003 (the 2024 patch)',
    notApplicable: fadumpOnly,
    holds: (s) => !vmcoreUp(s) || vmcoreAccurate(s),
  },
  {
    id: 'always-ready-after-hotplug',
    kind: 'step',
    sentence: 'After any memory hotplug while fadump is registered, whenever a crash comes it is captured accurately (no stale elfcorehdr, no unregistered window).',
    source: 'reference §5; seeds/003 and seeds/004 ("fadump is always ready")',
    notApplicable: fadumpOnly,
    triggers: (e) => e.event === 'crash' || e.event === 'memory-hotplug' || e.event === 'reboot' || isWrite(e, FILES.registered, '0') || isWrite(e, FILES.releaseMem),
    // 1 = a hotplug happened while registered, and nobody chose to unregister or reboot since.
    monitor: (m, s) => {
      if (s.event.event === 'memory-hotplug') return s.handled && s.errno === null && registered(s.pre) ? 1 : m;
      return 0;
    },
    holds: (s, m) => s.event.event !== 'crash' || m === 0 || vmcoreAccurate(s.post),
  },
  {
    id: 'no-second-reboot',
    kind: 'step',
    sentence: 'After the dump is saved and released, the system is back in production without another reboot.',
    source: 'reference §1 "Release"; seeds/000 ("FADump doesn\'t need a 2nd reboot")',
    notApplicable: fadumpOnly,
    triggers: (e) => isWrite(e, FILES.releaseMem),
    holds: (s) => !(vmcoreUp(s.pre) && s.handled && s.errno === null) || (s.post.actors.productionKernel.matches('running') && s.post.actors.productionKernel.context.enabled),
  },
  {
    id: 'capture-kernel-confined',
    kind: 'state',
    sentence: 'The capture kernel uses no memory above boot_mem_top until release.',
    source: 'reference §1 "Early boot" 4 (active: all memory above boot_mem_top is reserved), §7.4',
    notApplicable: fadumpOnly,
    holds: (s) => {
      if (!vmcoreUp(s)) return true;
      const d = s.actors.firmware.context.dump;
      return d !== null && s.actors.captureKernel.context.usable.every((r) => r.end <= d.bootMemTop);
    },
  },
  {
    id: 'enabled-implies-reserved',
    kind: 'state',
    sentence: 'fadump enabled implies supported and a reserved area of non-zero size.',
    source: 'reference §7.1',
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
    source: 'reference §7.2',
    notApplicable: always,
    holds: (s) => !registered(s) || (s.actors.productionKernel.context.enabled && s.actors.productionKernel.context.reservation !== null && !vmcoreUp(s)),
  },
  {
    id: 'header-in-area',
    kind: 'state',
    sentence: 'The crash info header lies inside the permanent area, right after the boot-memory copy.',
    source: 'reference §7.3, §1 "Register" (fadumphdr_addr = destination + boot_memory_size)',
    notApplicable: always,
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
    source: 'reference §7.5, §3',
    notApplicable: always,
    holds: (s, c) => {
      if (!vmcoreUp(s)) return true;
      const d = s.actors.firmware.context.dump;
      return s.actors.firmware.matches('dumpPending') && d !== null && headerProblem(c, d.header) === null && platformProblem(c, d) === null;
    },
  },
  {
    id: 'release-mem-iff-active',
    kind: 'state',
    sentence: 'release_mem exists if and only if the running kernel booted with a dump active.',
    source: 'reference §7.8, §2',
    notApplicable: always,
    holds: (s, c) => {
      const exists = FILES.releaseMem in observe(c, s).sysfs;
      const bootedActive = vmcoreUp(s) || (s.actors.productionKernel.matches('running') && s.actors.productionKernel.context.releaseMemFile);
      return exists === bootedActive;
    },
  },
  {
    id: 'release-keeps-permanent-area',
    kind: 'step',
    sentence: 'After release the dump is no longer active, the permanent area keeps its start and size, and registration is allowed but not automatic.',
    source: 'reference §7.6, §1 "Release"',
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
    sentence: 'Registration never survives a reboot; the next production boot registers by itself (kernels since v6.0).',
    source: 'reference §7.7, §1 "Early boot" 7',
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
    sentence: 'Every step runs to completion: between external events no actor is left waiting for an answer (in a transient state).',
    source: 'shared/DESIGN.md "The actors" (actors linked only by events, delivered until the system is quiet)',
    notApplicable: always,
    holds: (s) => ACTORS.every((a) => !s.actors[a].hasTag('transient')),
  },
  {
    id: 'every-event-handled',
    kind: 'graph',
    check: 'every-event-handled',
    sentence: 'In every reachable state every external event is handled, explicitly ignored, or answered with an errno: nothing is dropped silently.',
    source: 'shared/DESIGN.md "Event sourcing"; reference §8',
    notApplicable: always,
  },
  {
    id: 'no-deadlock',
    kind: 'graph',
    check: 'no-deadlock',
    sentence: 'Every reachable state has a way on.',
    source: 'shared/DESIGN.md "Properties"',
    notApplicable: always,
  },
  {
    id: 'eventually-ready',
    kind: 'graph',
    check: 'eventually',
    sentence: 'From every reachable state the system can get back to production with fadump registered (a state that can never get there is a hot state left forever).',
    source: 'shared/DESIGN.md "Properties" (liveness); reference §1 "Release"',
    notApplicable: fadumpOnly,
    goal: (s) => registered(s),
  },
];

export function propertyById(id: string): Property | undefined {
  return PROPERTIES.find((p) => p.id === id);
}
