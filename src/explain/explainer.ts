// One explanation, used everywhere (issue 16): as a log is replayed, which properties each step
// breaks and why, the dump outcome (src/explain/outcome.ts), the memory map, and what the kdump
// service (kdumpctl) did on its own. A fold that holds only what the explanations need from the
// past (the step properties' monitors, the step that built the elfcorehdr the firmware holds, the
// last hotplug, when the mechanism was last armed and disarmed): replay streams with it.
// Used by replay (src/log/replay.ts), the report's diagnosis (src/report/explain.ts) and check's
// violation list (explainViolation(), src/explain/violation.ts).
import {
  ACTORS,
  stateString,
  type ActorId,
  type Delivery,
  type StepResult,
  type SystemState,
} from '../../machines/system';
import { bootConfigResult, type Config } from '../config';
import { describeEvent, errnoText, type ExternalEvent } from '../events';
import { totalSize, type PtLoad, type Range } from '../memory/layout';
import { memoryMap, memoryText, ptLoadsText, rangesText, sizeText, type MapRegion } from '../memory/map';
import { headerProblem, platformProblem } from '../../machines/kernel-rules';
import { PROPERTIES, armed, productionMemory, type Property, type Step } from '../specs/properties';
import { dumpVerdict, type DumpVerdict } from './outcome';

/** A property a step breaks, and why. */
export interface Violation {
  /** The property's id (src/specs/properties.ts). */
  property: string;
  /** One line: what is wrong, in the model's terms (ranges in hex with sizes, the kernel's
   *  messages verbatim). */
  why: string;
  /** Further lines: the PT_LOADs against the memory at the crash, the earlier step that built a
   *  stale elfcorehdr, the actors' states. */
  detail: string[];
  /** For a state property already broken before this step: the log line where it broke first
   *  (null: in the initial state); undefined when this step breaks it. */
  since?: number | null;
  /** Where it holds instead: the configuration that differs in one key (when known). */
  contrast?: string;
}

/** A step of the log as the explanations refer to it. */
interface StepRef {
  /** 1-based: the n-th event. */
  step: number;
  line: number;
  label: string;
}

const at = (r: StepRef): string => `step ${r.step} (line ${r.line}: ${r.label})`;

/** What the explainer says after one step. */
export interface Explained {
  violations: Violation[];
  outcome: DumpVerdict;
  memoryMap: MapRegion[];
  /** What the kdump service did on its own in this step, one line each ("kdumpctl: echo 1 >
   *  /sys/kernel/fadump/registered -> accepted"). */
  service: string[];
}

/** The memory map of a state: the partition's memory as the firmware assigns it, fadump's
 *  reserved area, boot memory and its copy and CMA (the running production kernel's reservation,
 *  or the dump's while a capture kernel holds it), crashkernel=, hypervisor-assisted dump's
 *  scratch area. Bytes. */
export function stateMemoryMap(config: Config, state: SystemState): MapRegion[] {
  const a = state.actors;
  const k = a.productionKernel.context;
  const fw = a.firmware.context;
  const running = a.productionKernel.matches('running');
  if (config.mechanism === 'phyp-assisted-dump') {
    const scratch = running ? k.phypScratch : a.phypDump.context.scratch;
    return memoryMap({ partition: fw.memory, scratch });
  }
  const r = running ? k.reservation : null;
  const src = r ?? fw.dump;
  return memoryMap({
    partition: fw.memory,
    bootRegions: src?.bootRegions ?? null,
    area: src?.area ?? null,
    bootMemDest: src?.bootMemDest ?? null,
    cma: r?.cma ?? null,
    crashkernel: k.crashkernel,
  });
}

/** The kdump service's failure in a step: kdumpctl's error line and "[FAILED]" (kdumpctl main()
 *  prints "Starting kdump: [FAILED]" or "Stopping kdump: [FAILED]"; on SLES load.sh's line only), when the unit entered the
 *  failed state in this step or a user's command ran into it again. */
export function serviceFailure(
  pre: SystemState,
  post: SystemState,
  deliveries: readonly Delivery[],
  distro: 'rhel' | 'sles' = 'rhel',
): string[] {
  const after = post.actors.kdumpService;
  const failure = after.context.failure;
  if (!after.matches('failed') || failure === null) return [];
  const again = deliveries.some((d) => d.from === 'user' && d.to === 'kdumpService');
  if (pre.actors.kdumpService.matches('failed') && !again) return [];
  // SLES: openSUSE/kdump's load.sh echoes its line and exits non-zero (no kdumpctl).
  if (distro === 'sles') return [`kdump: ${failure}`];
  const what =
    failure === 'fadump: failed to unregister' || failure === 'kexec: failed to unload kdump kernel'
      ? 'Stopping'
      : 'Starting';
  return [`kdumpctl: ${failure}`, `kdumpctl: ${what} kdump: [FAILED]`];
}

/** kdumpctl's own actions in a step, from the deliveries: its sysfs writes with their result,
 *  its kexec -p and kexec -p -u with theirs. */
export function serviceActions(deliveries: readonly Delivery[]): string[] {
  const out: { text: string; key: string; result: string | null }[] = [];
  const seen = new Set<unknown>();
  for (const d of deliveries) {
    const e = d.event;
    if (seen.has(e)) continue;
    if (d.from === 'kdumpService' && e.type === 'sysfs.write') {
      seen.add(e);
      out.push({ text: `echo ${JSON.stringify(e.value)} > ${e.path}`, key: `w:${e.path}`, result: null });
    } else if (e.type === 'kexec.load' && e.origin === 'kdump-service') {
      seen.add(e);
      out.push({ text: 'kexec -p (load the crash kernel)', key: 'k:load', result: null });
    } else if (e.type === 'kexec.unload' && e.origin === 'kdump-service') {
      seen.add(e);
      out.push({ text: 'kexec -p -u (unload the crash kernel)', key: 'k:unload', result: null });
    } else if (
      (e.type === 'sysfs.result' && e.origin === 'kdump-service') ||
      (e.type === 'kexec.result' && e.origin === 'kdump-service')
    ) {
      seen.add(e);
      const key = e.type === 'sysfs.result' ? `w:${e.path}` : `k:${e.op}`;
      const result = e.errno === null ? 'accepted' : errnoText(e.errno);
      const pending = out.find((x) => x.key === key && x.result === null);
      if (pending) pending.result = result;
      // The answer to a request of an earlier step (kexec -p returns with kexec-loaded).
      else if (e.type === 'kexec.result')
        out.push({
          text: e.op === 'load' ? 'kexec -p (load the crash kernel), finished' : 'kexec -p -u, finished',
          key,
          result,
        });
    }
  }
  return out.map((x) => `kdumpctl: ${x.text} -> ${x.result ?? 'under way'}`);
}

/** Which capture kernel runs, in words. */
function captureName(s: SystemState): string {
  if (s.actors.captureKernel.matches('dumpAvailable')) return "fadump's capture kernel";
  if (s.actors.kexec.matches('capture')) return "kdump's capture kernel (booted by kexec, no firmware in between)";
  if (s.actors.phypDump.matches('capture')) return "hypervisor-assisted dump's capture boot";
  return 'no capture kernel';
}

/** What is armed, in words. */
function armedName(s: SystemState): string {
  const a = s.actors;
  if (a.productionKernel.matches({ running: 'registered' })) return 'fadump registered';
  if (a.kexec.matches('loaded')) return 'a kdump crash kernel loaded';
  if (a.phypDump.matches('registered')) return 'hypervisor-assisted dump registered';
  return 'nothing armed';
}

const statesLine = (config: Config, s: SystemState): string =>
  `states: ${actorsInPlay(config)
    .map((a) => `${a}=${stateString(s.actors[a].value)}`)
    .join(', ')}`;

/** The past the explanations need, carried along the fold. */
interface History {
  /** The step whose registration built the elfcorehdr the firmware holds, with the memory then. */
  header: { ref: StepRef; key: string; memory: Range[] } | null;
  lastHotplug: StepRef | null;
  armedAt: StepRef | null;
  disarmedAt: StepRef | null;
}

const ranges = (ps: readonly PtLoad[] | null | undefined): string =>
  JSON.stringify(ps?.map((p) => [p.paddr, p.size]) ?? null);

/** Lines on a captured-stale vmcore: the PT_LOADs, what is missing and extra, where the header
 *  came from (the report's explanation box shows the same lines). */
function staleLines(v: Extract<DumpVerdict, { kind: 'captured-stale' }>, h: History): string[] {
  const out = [`/proc/vmcore: ${ptLoadsText(v.ptLoads)}`, `the memory at the crash needs: ${ptLoadsText(v.expected)}`];
  if (v.missing.length)
    out.push(`missing from the vmcore: ${rangesText(v.missing)} (${sizeText(totalSize(v.missing))})`);
  if (v.extra.length)
    out.push(`described but not memory at the crash: ${rangesText(v.extra)} (${sizeText(totalSize(v.extra))})`);
  if (v.moved) out.push(`at the wrong offset: ${v.moved} PT_LOAD`);
  if (v.mechanism === 'fadump' && h.header !== null && h.header.key === ranges(v.ptLoads))
    out.push(
      `the capture kernel exported the elfcorehdr the first kernel built at registration in ${at(h.header.ref)}, when the memory was ${rangesText(h.header.memory)}`,
    );
  return out;
}

function staleWhy(v: Extract<DumpVerdict, { kind: 'captured-stale' }>): string {
  const parts: string[] = [];
  if (v.missing.length) parts.push(`miss ${rangesText(v.missing)} (${sizeText(totalSize(v.missing))})`);
  if (v.extra.length) parts.push(`describe ${rangesText(v.extra)} (${sizeText(totalSize(v.extra))}) in excess`);
  if (v.moved) parts.push(`place ${v.moved} PT_LOAD at the wrong offset`);
  return `the vmcore's PT_LOADs ${parts.join(' and ')}: the crashed kernel's memory was ${memoryText(v.memoryAtCrash)}`;
}

/** What the explanations know about one step (null pre/event for the initial state). */
export interface BreakContext {
  config: Config;
  property: Property;
  pre: SystemState | null;
  event: ExternalEvent | null;
  result: Pick<StepResult, 'handled' | 'errno' | 'ignored'> | null;
  post: SystemState;
  ref: StepRef | null;
  outcome: DumpVerdict;
  history: Readonly<History>;
}

/** Why a property is broken at a step: a line and its detail. Kernel messages verbatim. */
export function explainBreak(c: BreakContext): { why: string; detail: string[] } {
  const { post, outcome: v, history: h } = c;
  const label = c.ref === null ? 'the initial state' : c.ref.label;
  const states = statesLine(c.config, post);
  const outcomeWhy = (): { why: string; detail: string[] } =>
    v.kind === 'captured-stale'
      ? { why: staleWhy(v), detail: staleLines(v, h) }
      : v.kind === 'not-armed'
        ? { why: `the crash found nothing armed (${v.message}): no vmcore`, detail: [states] }
        : v.kind === 'not-triggered'
          ? { why: `${v.message}`, detail: [states] }
          : v.kind === 'captured-partial'
            ? { why: `the vmcore lacks what the firmware did not preserve: ${v.summary}`, detail: [states] }
            : { why: `the crash left no /proc/vmcore: dump ${v.summary}`, detail: [states] };
  switch (c.property.id) {
    case 'accurate-vmcore':
      if (v.kind === 'captured-stale') return { why: staleWhy(v), detail: staleLines(v, h) };
      break;
    case 'always-ready-after-hotplug': {
      const o = outcomeWhy();
      const hp = h.lastHotplug === null ? '' : `after the memory hotplug of ${at(h.lastHotplug)}, `;
      return { why: `${hp}${o.why}`, detail: o.detail };
    }
    case 'no-lost-dump': {
      const armedBy = c.pre === null ? 'the mechanism armed' : armedName(c.pre);
      const msg =
        v.kind === 'lost'
          ? `dump lost: "${v.message}"`
          : v.kind === 'not-armed'
            ? `no dump: "${v.message}"`
            : v.summary;
      return {
        why: `the crash found ${armedBy} yet left no vmcore: ${msg}`,
        detail: [states],
      };
    }
    case 'no-crash-kernel-loaded-window': {
      const detail: string[] = [];
      if (h.armedAt) detail.push(`armed since ${at(h.armedAt)}`);
      if (h.disarmedAt) detail.push(`disarmed at ${at(h.disarmedAt)}, though no one chose to disarm`);
      detail.push(states);
      return {
        why: `the crash found nothing armed, in a window nobody chose: ${v.kind === 'not-armed' || v.kind === 'lost' ? v.message : v.summary}`,
        detail,
      };
    }
    case 'no-second-reboot':
      if (c.event?.event === 'save-dump')
        return {
          why: `after save-dump ${captureName(post)} offers no release (no release_mem, no release_region): back to production takes a second reboot`,
          detail: [states],
        };
      return { why: `the release was accepted but the system is not back in production`, detail: [states] };
    case 'devices-reset-before-capture':
      return {
        why: `${captureName(post)} holds the dump while the crashed kernel still waits for a hardware reset: PCI and I/O devices were not reset`,
        detail: [states],
      };
    case 'registration-does-not-survive-reboot':
      return {
        why: `after ${label} the production kernel runs with fadump enabled and an area reserved but is not registered (registered reads 0), while the firmware still holds a registration from before`,
        detail: [states],
      };
    case 'memory-available-to-production': {
      const m = productionMemory(post);
      if (m === null) break;
      const r = post.actors.productionKernel.context.reservation;
      const nocma =
        r !== null && r.cma === null
          ? bootedFadump(c.config, post.actors.productionKernel.context.cmdline) === 'nocma'
            ? " (fadump=nocma: no CMA gives the copy's destination back to user pages)"
            : " (no CMA over the copy's destination)"
          : '';
      return {
        why: `production withholds ${sizeText(m.withheld)} of its ${sizeText(m.total)}, not less than the ${sizeText(m.captureNeeds)} the capture needs${nocma}`,
        detail: [`production can use ${sizeText(m.total - m.withheld)}`, states],
      };
    }
    case 'vmcore-implies-valid': {
      const d = post.actors.firmware.context.dump;
      const problem =
        d === null
          ? 'no dump is active'
          : (headerProblem(c.config, d.header) ?? platformProblem(c.config, d) ?? 'the firmware holds no dump');
      return { why: `/proc/vmcore is exported though: ${problem}`, detail: [states] };
    }
    case 'every-event-handled':
      return { why: `${label} was dropped: no actor handled, ignored or refused it`, detail: [states] };
    case 'eventually-ready':
      return {
        why: `from ${c.ref === null ? 'the initial state' : `the state after ${label}`} the system can never get back to production with a dump mechanism armed`,
        detail: [states],
      };
    case 'no-deadlock':
      return {
        why: `${c.ref === null ? 'the initial state' : `the state after ${label}`} has no way on`,
        detail: [states],
      };
    default:
      break;
  }
  const detail: string[] = [];
  if (c.result !== null && c.event !== null)
    detail.push(
      `after ${describeEvent(c.event)}: ${c.result.errno !== null ? errnoText(c.result.errno) : c.result.handled ? 'accepted' : 'not accepted'}`,
    );
  detail.push(states);
  return { why: `${c.property.sentence.replace(/\.$/, '')}: not so after ${label}`, detail };
}

/** The streaming explainer of one configuration: `initial(state)`, then `step(...)` for every
 *  event in order. It evaluates the state and step properties of src/specs/properties.ts that
 *  apply to the configuration (every-event-handled too, on each step); no-deadlock and
 *  eventually-ready are properties of the whole graph and are not decided along a log. */
export class Explainer {
  private readonly state: Property[];
  private readonly steps: Property[];
  private readonly monitors = new Map<string, number>();
  private readonly broken = new Map<string, number | null>();
  private readonly history: History = { header: null, lastHotplug: null, armedAt: null, disarmedAt: null };
  private outcome: DumpVerdict | null = null;
  private count = 0;

  /** The events so far (for the contrast: the log up to the step that breaks a property); kept
   *  only when there is a contrast to tell. */
  private readonly events: ExternalEvent[] = [];

  /** `contrast(propertyId, events)`: where the property holds instead, added to a violation the
   *  first time it breaks, `events` the log up to that step (replay passes the default matrix's,
   *  defaultContrast()). */
  constructor(
    readonly config: Config,
    private readonly contrast: ((propertyId: string, events: readonly ExternalEvent[]) => string | null) | null = null,
  ) {
    const applicable = PROPERTIES.filter((p) => p.notApplicable(config) === null);
    this.state = applicable.filter((p) => p.kind === 'state');
    this.steps = applicable.filter(
      (p) => p.kind === 'step' || (p.kind === 'graph' && p.check === 'every-event-handled'),
    );
  }

  /** The initial state: the state properties it breaks, the outcome (none) and the memory map. */
  initial(s: SystemState): Explained {
    this.outcome = dumpVerdict(this.config, s, null);
    return {
      violations: this.checkState(null, null, null, s, null),
      outcome: this.outcome,
      memoryMap: stateMemoryMap(this.config, s),
      service: [],
    };
  }

  /** One step: `line` is the log line of `event`. */
  step(pre: SystemState, event: ExternalEvent, line: number, r: StepResult): Explained {
    if (this.outcome === null) this.initial(pre);
    const post = r.state;
    this.count++;
    if (this.contrast !== null) this.events.push(event);
    const ref: StepRef = { step: this.count, line, label: describeEvent(event) };
    const outcome = dumpVerdict(this.config, post, this.outcome);
    this.outcome = outcome;
    const h = this.history;
    const violations: Violation[] = [];
    const stepOf: Step = { pre, event, post, handled: r.handled, errno: r.errno, ignored: r.ignored };
    for (const p of this.steps) {
      let ok: boolean;
      if (p.kind === 'step') {
        if (!p.triggers(event)) continue;
        const m = this.monitors.get(p.id) ?? 0;
        ok = p.holds(stepOf, m, this.config);
        if (p.monitor) this.monitors.set(p.id, p.monitor(m, stepOf, this.config));
      } else ok = r.handled || r.ignored.length > 0;
      if (!ok) {
        const x = this.breakOf({ property: p, pre, event, result: r, post, ref, outcome });
        violations.push(this.withContrast({ property: p.id, ...x }));
      }
    }
    violations.push(...this.checkState(pre, event, r, post, ref));
    // The history, after the explanations of this step (they speak of earlier steps).
    if (event.event === 'memory-hotplug' && r.handled && r.errno === null && armed(pre)) h.lastHotplug = ref;
    if (!armed(pre) && armed(post)) {
      h.armedAt = ref;
      h.disarmedAt = null;
    } else if (armed(pre) && !armed(post)) h.disarmedAt = ref;
    const reg = post.actors.firmware.context.registration;
    const key = ranges(reg?.elfcorehdr ?? null);
    if (reg !== null && reg.elfcorehdr !== null && key !== ranges(pre.actors.firmware.context.registration?.elfcorehdr))
      h.header = { ref, key, memory: [...post.actors.firmware.context.memory] };
    return {
      violations,
      outcome,
      memoryMap: stateMemoryMap(this.config, post),
      service: [...serviceActions(r.deliveries), ...serviceFailure(pre, post, r.deliveries, this.config.distro)],
    };
  }

  /** explainBreak() with this replay's configuration and history. */
  private breakOf(c: Omit<BreakContext, 'config' | 'history'>): { why: string; detail: string[] } {
    return explainBreak({ ...c, config: this.config, history: this.history });
  }

  private withContrast(v: Violation): Violation {
    const c = this.contrast === null ? null : this.contrast(v.property, this.events);
    return c === null ? v : { ...v, contrast: c };
  }

  private checkState(
    pre: SystemState | null,
    event: ExternalEvent | null,
    r: StepResult | null,
    post: SystemState,
    ref: StepRef | null,
  ): Violation[] {
    const out: Violation[] = [];
    const outcome = this.outcome ?? dumpVerdict(this.config, post, null);
    for (const p of this.state) {
      if (p.kind !== 'state') continue;
      if (p.holds(post, this.config)) {
        this.broken.delete(p.id);
        continue;
      }
      const x = this.breakOf({ property: p, pre, event, result: r, post, ref, outcome });
      const since = this.broken.get(p.id);
      if (since === undefined) this.broken.set(p.id, ref?.line ?? null);
      out.push(since === undefined ? this.withContrast({ property: p.id, ...x }) : { property: p.id, ...x, since });
    }
    return out;
  }
}

/** The actors that take part in a configuration's dump mechanism, for a reader: the firmware,
 *  the production kernel and the kdump service always; petitboot on PowerNV; fadump's capture
 *  kernel where fadump can be enabled; kexec where crashkernel= is given; hypervisor-assisted
 *  dump where it is the mechanism. The others never leave their first state. */
export function actorsInPlay(config: Config): ActorId[] {
  return ACTORS.filter((a) => {
    switch (a) {
      case 'petitboot':
        return config.platform === 'powernv';
      case 'captureKernel':
        return config.mechanism === 'fadump' && config.fadump !== 'off';
      case 'kexec':
        return config.crashkernelText !== null;
      case 'phypDump':
        return config.mechanism === 'phyp-assisted-dump';
      default:
        return true;
    }
  });
}

/** Which kernel runs, in words: "production kernel", "fadump's capture kernel", "kdump's capture
 *  kernel (kexec -p, no firmware reset)", "hypervisor-assisted dump's capture boot", or "no kernel
 *  (firmware or boot loader)". */
export function runningText(s: SystemState): string {
  const a = s.actors;
  if (a.captureKernel.matches('dumpAvailable')) return "fadump's capture kernel";
  if (a.kexec.matches('capture'))
    return "kdump's capture kernel (loaded by kexec -p, entered without a firmware reset)";
  if (a.phypDump.matches('capture')) return "hypervisor-assisted dump's capture boot";
  if (a.productionKernel.matches('running'))
    return a.productionKernel.context.releaseMemFile
      ? 'production kernel (a capture build running on: it booted with a dump active)'
      : 'production kernel';
  if (a.productionKernel.matches('crashed')) return 'no kernel: the crashed kernel waits for the firmware';
  return 'no kernel (firmware or boot loader)';
}

/** fadump= of the command line a kernel booted with (docs/kernel-behaviour.md §12; null: the
 *  configuration's own). */
function bootedFadump(config: Config, cmdline: string | null): Config['fadump'] {
  if (cmdline === null) return config.fadump;
  const r = bootConfigResult(config, cmdline);
  return r.ok ? r.config.fadump : config.fadump;
}
