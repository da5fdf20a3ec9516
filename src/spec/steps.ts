// The regression spec's steps: paths that take every transition a user can tell apart
// (src/spec/cover.ts, over the graph src/explore/paths.ts explores) turned into what a QA engineer
// does and checks on an LPAR or a QEMU guest, one part per boot. Steps that change nothing are
// dropped, steps whose change nobody can see are kept as actions whose checks come with the next
// step, and identical parts and paths are written once
// (`fadump-model paths --format sh|md`, README "Running the regression spec").
import type { Config } from '../config';
import { dumpVerdict, type DumpVerdict } from '../explain/outcome';
import {
  describeEvent,
  hotplugTarget,
  hotplugWhat,
  lmbDrcIndex,
  toMachineEvent,
  type Errno,
  type ExternalEvent,
} from '../events';
import { createSystem, type SystemState } from '../../machines/system';
import type { PtLoad } from '../memory/layout';
import { expectedSteps, type ExpectedStep } from '../explore/suite';
import type { PathSet } from '../explore/paths';
import { ALIASES, FILES } from '../sysfs/store';
import { decisive, observableCover, type CoverOptions } from './cover';
import { running, type Meminfo } from '../sysfs/view';
import { Engine } from '../explore/engine';

/** Files a shell can only test for existence: write-only (release_mem, release_core: the agent's
 *  `@WONLY`, lab/guest/agent) or whose contents the model does not state (OPAL's core, an ELF file
 *  the model names only). */
export const EXISTENCE_ONLY = new Set<string>([
  FILES.releaseMem,
  FILES.releaseCore,
  FILES.opalCore,
  ...Object.entries(ALIASES)
    .filter(([, target]) => target === FILES.releaseMem)
    .map(([alias]) => alias),
]);

/** One file's expected state after a step: its contents (without the trailing newline, exactly as
 *  `$(cat FILE)` gives them), 'exists' for an existence-only file, or null when it must be absent. */
export interface FileCheck {
  path: string;
  value: string | 'exists' | null;
}

/** How a step is carried out:
 *  - shell: a command in the guest (a write, reading /proc/vmcore, kdumpctl);
 *  - manual: needs the HMC, the hypervisor or QEMU's monitor (`what` says what to do);
 *  - boot: the step ends the part (crash, reboot, power-on); the next part starts after the boot. */
export type How =
  | { kind: 'shell' }
  /** notApplicable: the platform cannot do it (memory hotplug on PowerNV): no refusal is told. */
  | { kind: 'manual'; hmc: string; qemu: string; notApplicable?: true }
  | { kind: 'boot' };

/** One step of a part: the event, how it is done, and what must be seen after it. `checks` list only
 *  what changed since the step before (the part's first checks list everything). */
export interface SpecStep {
  event: ExternalEvent;
  how: How;
  /** The errno a write or a read of /proc/vmcore must fail with; null: it must succeed. */
  errno: Errno | null;
  checks: FileCheck[];
  /** /proc/vmcore's PT_LOADs (paddr, size, file offset, bytes) when they changed; null: it must be
   *  absent; undefined: unchanged. */
  vmcore?: PtLoad[] | null;
  /** The model's dump outcome when it changed (src/explain/outcome.ts; not checked by the shell:
   *  see dumpOutcomeNote()). */
  dump?: DumpVerdict;
}

/** Which kernel a part runs in, as the guest can tell: a capture boot has /proc/vmcore. 'off': the
 *  LPAR is not running (only manual steps until the power-on). */
export type BootKind = 'normal' | 'capture' | 'off';

/** The steps between two boots. `start` is what must be seen right after the boot (every file);
 *  the last step may be a crash or reboot that ends it. */
export interface SpecPart {
  boot: BootKind;
  start: { checks: FileCheck[]; vmcore: PtLoad[] | null; dump: DumpVerdict };
  steps: SpecStep[];
}

/** A configuration's spec: its distinct parts and its distinct paths (each a list of part
 *  indices, `count` generated paths alike). */
export interface ConfigSpec {
  config: Config;
  parts: SpecPart[];
  paths: { parts: number[]; count: number }[];
  /** The figures: the model's transition cover (paths, events, transitions), the distinct visible
   *  transitions and the paths and events that cover them (observableCover()), the steps kept. */
  generated: {
    paths: number;
    steps: number;
    transitions: number;
    visible: number;
    coverPaths: number;
    coverSteps: number;
    kept: number;
  };
}

/** The one place a step's dump outcome is put into words (md and sh print this text): the
 *  truthful outcome of src/explain/outcome.ts, as replay, conform and the report tell it, except
 *  that an accurate vmcore is not listed again (the step's /proc/vmcore checks show its PT_LOADs). */
/** What the model says of a manual step it refuses where the kernel's refusal is not documented: a
 *  hot-add while the dump is held (a capture kernel; src/sim/hotplug-memory.ts, a bound of the
 *  model [I]). Such a step is informational, not a kernel check. null: the refusal is the kernel's
 *  (a removal of a protected LMB, docs/kernel-behaviour.md §8) or there is none. */
export function modelBound(s: SpecStep): string | null {
  if (s.event.event !== 'memory-hotplug' || s.event.action !== 'add' || s.errno === null) return null;
  if (s.how.kind === 'manual' && s.how.notApplicable === true) return null;
  return `the model refuses this (${s.errno}; a modelling bound, not a documented kernel check: docs/kernel-behaviour.md §8 lists only the removal of a protected LMB); on a real system, note what happens`;
}

/** Dump outcomes named once per spec (D1, D2, ...; both writers): the full note in a list, its
 *  kind and name at each step, so that the long sentences are not repeated (the default matrix's
 *  spec stays under 5 MB, README "Running the regression spec"). */
export class OutcomeNames {
  private readonly index = new Map<string, number>();
  readonly notes: string[] = [];
  /** The name (`D3`) of `d`'s note, listed on first use. */
  name(d: DumpVerdict): string {
    const note = dumpOutcomeNote(d);
    let i = this.index.get(note);
    if (i === undefined) {
      this.notes.push(note);
      i = this.notes.length;
      this.index.set(note, i);
    }
    return `D${i}`;
  }
}

export function dumpOutcomeNote(d: DumpVerdict): string {
  const text =
    d.kind === 'captured-accurate'
      ? `captured-accurate: the vmcore describes exactly the crashed kernel's memory${d.exported ? '' : ' (saved or released since)'}`
      : d.summary;
  return `the model's dump outcome: ${text}`;
}

/** The pseudo-path of the CMA lines' check: `grep -E '^Cma(Total|Free):' /proc/meminfo`, spaces
 *  squeezed (meminfoOf() in src/sysfs/view.ts; docs/kernel-behaviour.md §1 early boot 6). */
export const MEMINFO_CMA = '/proc/meminfo';

/** What the CMA lines read ("CmaTotal: 327680 kB\nCmaFree: 327680 kB"); null when no kernel runs. */
export function meminfoCmaText(m: Meminfo | null): string | null {
  return m === null ? null : `CmaTotal: ${m.CmaTotal / 1024} kB\nCmaFree: ${m.CmaFree / 1024} kB`;
}

function fileChecks(sysfs: Record<string, string>, meminfo: Meminfo | null): FileCheck[] {
  const files: FileCheck[] = Object.entries(sysfs).map(([path, v]) => ({
    path,
    value: EXISTENCE_ONLY.has(path) ? 'exists' : v,
  }));
  const cma = meminfoCmaText(meminfo);
  return cma === null ? files : [{ path: MEMINFO_CMA, value: cma }, ...files];
}

function changed(prev: ExpectedStep, cur: ExpectedStep): FileCheck[] {
  const out: FileCheck[] = [];
  const cma = meminfoCmaText(cur.meminfo);
  if (cma !== null && cma !== meminfoCmaText(prev.meminfo)) out.push({ path: MEMINFO_CMA, value: cma });
  for (const p of [...new Set([...Object.keys(prev.sysfs), ...Object.keys(cur.sysfs)])].sort()) {
    const a = prev.sysfs[p];
    const b = cur.sysfs[p];
    if (a === b) continue;
    if (b === undefined) out.push({ path: p, value: null });
    else if (EXISTENCE_ONLY.has(p)) {
      if (a === undefined) out.push({ path: p, value: 'exists' });
    } else out.push({ path: p, value: b });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

const sameVmcore = (a: ExpectedStep, b: ExpectedStep) => JSON.stringify(a.vmcore) === JSON.stringify(b.vmcore);

/** A named LMB's hotplug: the kernel's own DLPAR interface takes a drc index
 *  (arch/powerpc/platforms/pseries/dlpar.c dlpar_store(): "memory add|remove index <drc index>"
 *  written to /sys/kernel/dlpar, as drmgr does); QEMU unplugs whole pc-dimms only. */
function namedLmbStep(c: Config, e: Extract<ExternalEvent, { event: 'memory-hotplug' }>): How {
  const t = hotplugTarget(e, c.lmbBytes);
  const index = t.by === 'index' ? `0x${lmbDrcIndex(t.lmb)}` : '';
  if (c.platform === 'powernv')
    return {
      kind: 'manual',
      hmc: `${e.action} ${hotplugWhat(e)}: not applicable on PowerNV (no DLPAR); skip the rest of this part (s)`,
      qemu: `QEMU's powernv machine has no memory hotplug either: skip (s)`,
      notApplicable: true,
    };
  return {
    kind: 'manual',
    hmc: `in the LPAR: echo "memory ${e.action} index ${index}" > /sys/kernel/dlpar (${hotplugWhat(e)})`,
    qemu: `QEMU adds and removes whole pc-dimms, not one named LMB: skip unless the LMB is a whole DIMM (s)`,
  };
}

/** How a QA engineer ends the running kernel one of the §13 ways (docs/kernel-behaviour.md). */
function endingStep(c: Config, e: ExternalEvent): How {
  switch (e.event) {
    case 'kexec-reboot':
      return {
        kind: 'manual',
        hmc: 'in the LPAR: kexec -l /boot/vmlinuz-RELEASE --initrd=/boot/initramfs-RELEASE.img --reuse-cmdline (RELEASE: what uname -r prints), then kexec -e',
        qemu: 'the same',
      };
    case 'power-off':
      return {
        kind: 'manual',
        hmc: 'on the HMC: chsysstate -r lpar -m <managed-system> -n <lpar-name> -o shutdown --immed',
        qemu: 'in the monitor, quit (the next boot starts QEMU again with the same command)',
      };
    case 'watchdog-reset':
      return {
        kind: 'manual',
        hmc: 'in the LPAR: modprobe pseries-wdt (action=1, hard restart, the default); open /dev/watchdog and stop writing to it for its timeout (60 s)',
        qemu: "the same (QEMU's spapr H_WATCHDOG), or in the monitor, system_reset",
      };
    case 'dump-restart':
      return {
        kind: 'manual',
        hmc: 'on the HMC: chsysstate -r lpar -m <managed-system> -n <lpar-name> -o dumprestart',
        qemu: 'in the monitor, nmi (QMP inject-nmi): a system reset interrupt on every vCPU',
      };
    case 'mpipl':
      if (c.platform !== 'powernv') return notOnPseries('a firmware-initiated MPIPL');
      return {
        kind: 'manual',
        hmc:
          e.trigger === 'opal-assert'
            ? 'a skiboot test build that asserts (an OPAL assert ends in an MPIPL when the kernel registered for it)'
            : "on the BMC: an SBE-initiated memory-preserving IPL (S0 interrupt), per the platform's service documentation",
        qemu: "QEMU's powernv machine does not perform an MPIPL: skip (s)",
      };
    case 'petitboot-crash':
      if (c.platform !== 'powernv') return notOnPseries("petitboot's crash");
      return {
        kind: 'manual',
        hmc: "arm it: at the next boot (the MPIPL boot after a crash), in petitboot's shell before it kexecs, echo c > /proc/sysrq-trigger",
        qemu: "the same with QEMU's powernv machine and a petitboot image [I]",
      };
    default:
      return { kind: 'manual', hmc: describeEvent(e), qemu: 'the same' };
  }
}

function notOnPseries(what: string): How {
  return {
    kind: 'manual',
    hmc: `${what}: PowerNV only; skip (s)`,
    qemu: 'skip (s)',
    notApplicable: true,
  };
}

/** How a QA engineer performs an event on this configuration's system. */
export function howOf(c: Config, e: ExternalEvent): How {
  const lmbMiB = c.lmbBytes / (1024 * 1024);
  const mib = (n: number) => `${n * lmbMiB} MiB`;
  switch (e.event) {
    case 'write':
    case 'save-dump':
      return { kind: 'shell' };
    case 'crash':
    case 'reboot':
    case 'boot':
      return { kind: 'boot' };
    case 'memory-hotplug': {
      if (e.lmbs === undefined) return namedLmbStep(c, e);
      const what = `${e.lmbs} LMB${e.lmbs === 1 ? '' : 's'} (${mib(e.lmbs)}) of memory`;
      if (c.platform === 'powernv')
        return {
          kind: 'manual',
          hmc: `${e.action} ${what}: not applicable on PowerNV (no HMC, no LPAR, no DLPAR): memory hotplug is not possible on PowerNV hardware without a hypervisor; skip the rest of this part (s)`,
          qemu: `QEMU's powernv machine has no pc-dimm hotplug either: skip (s)`,
          notApplicable: true,
        };
      return e.action === 'add'
        ? {
            kind: 'manual',
            hmc: `on the HMC: add ${what} to this LPAR (DLPAR: chhwres -r mem -m <managed-system> -p <lpar-name> -o a -q ${e.lmbs * lmbMiB})`,
            qemu: `in the monitor, object_add memory-backend-ram,id=memN,size=${mib(e.lmbs).replace(' MiB', 'M')} then device_add pc-dimm,id=dimmN,memdev=memN`,
          }
        : {
            kind: 'manual',
            hmc: `on the HMC: remove ${what} from this LPAR (DLPAR: chhwres -r mem -m <managed-system> -p <lpar-name> -o r -q ${e.lmbs * lmbMiB})`,
            qemu: `in the monitor, device_del the last pc-dimm added (${mib(e.lmbs)})`,
          };
    }
    case 'cpu-hotplug': {
      const what = `${e.cpus} processor${e.cpus === 1 ? '' : 's'}`;
      return e.action === 'add'
        ? {
            kind: 'manual',
            hmc: `on the HMC: add ${what} to this LPAR (DLPAR: chhwres -r proc -m <managed-system> -p <lpar-name> -o a --procs ${e.cpus})`,
            qemu: `in the monitor, device_add <cpu-model>-spapr-cpu-core,id=coreN,core-id=N for a free slot of info hotpluggable-cpus (${what})`,
          }
        : {
            kind: 'manual',
            hmc: `on the HMC: remove ${what} from this LPAR (DLPAR: chhwres -r proc -m <managed-system> -p <lpar-name> -o r --procs ${e.cpus})`,
            qemu: `in the monitor, device_del the last CPU core added (${what})`,
          };
    }
    case 'firmware-error': {
      if (e.call === 'preserve-partial') {
        const what = `copy only the first ${e.regions ?? 0} boot-memory region(s) at the next dump`;
        return {
          kind: 'manual',
          hmc:
            c.platform === 'powernv'
              ? `fault injection in the MPIPL copy (hostboot/SBE): ${what} (a firmware test build; not possible from Linux)`
              : `fault injection in the hypervisor's ibm,os-term: ${what} (a firmware test build; not possible from the LPAR)`,
          qemu: `a QEMU built to ${what} (hw/ppc/spapr_fadump.c or hw/ppc/pnv; not in the lab)`,
        };
      }
      const call =
        c.platform === 'powernv'
          ? `OPAL's opal_mpipl_update() for ${e.call}`
          : `RTAS ibm,configure-kernel-dump (${e.call === 'register' ? 'REGISTER' : e.call === 'unregister' ? 'UNREGISTER' : 'INVALIDATE'})`;
      return {
        kind: 'manual',
        hmc:
          c.platform === 'powernv'
            ? `fault injection in OPAL: make the next ${call} return ${e.rc} (a skiboot test build; not possible from Linux)`
            : `fault injection in the hypervisor: make the next ${call} return ${e.rc} (a firmware test build; not possible from the LPAR)`,
        qemu: `a QEMU built to fail the next ${call} with ${e.rc} (hw/ppc/spapr_fadump.c or hw/ppc/pnv; not in the lab)`,
      };
    }
    case 'kdump-reload':
      return {
        kind: 'manual',
        hmc: 'run kdumpctl reload (what the udev rule does after a memory change)',
        qemu: 'the same, where kdump-utils is installed',
      };
    case 'kdump-start':
      return { kind: 'manual', hmc: 'run kdumpctl start', qemu: 'the same, where kdump-utils is installed' };
    case 'kdump-stop':
      return { kind: 'manual', hmc: 'run systemctl stop kdump', qemu: 'the same, where kdump-utils is installed' };
    case 'kdump-restart':
      return { kind: 'manual', hmc: 'run systemctl restart kdump', qemu: 'the same, where kdump-utils is installed' };
    case 'kexec-load':
      return {
        kind: 'manual',
        hmc: 'start kexec -p (kexec_file_load with KEXEC_FILE_ON_CRASH) and hold it inside the syscall (a debugger or a delay probe) before the next step',
        qemu: 'the same',
      };
    case 'kexec-loaded':
      return { kind: 'manual', hmc: 'let the held kexec -p return', qemu: 'the same' };
    case 'kexec-unload':
      return { kind: 'manual', hmc: 'run kexec -p -u', qemu: 'the same' };
    // docs/kernel-behaviour.md §13: every way a kernel ends.
    case 'kexec-reboot':
    case 'power-off':
    case 'watchdog-reset':
    case 'dump-restart':
    case 'mpipl':
    case 'petitboot-crash':
      return endingStep(c, e);
  }
}

function bootKind(s: ExpectedStep, running: boolean): BootKind {
  if (!running) return 'off';
  return s.vmcore !== null ? 'capture' : 'normal';
}

/** One generated path as parts. `states[k]` is the model's state id after k events (to tell a
 *  self-loop, an event that changes nothing, from a step), `runs[k]` whether a kernel runs then,
 *  `outcomes[k]` the dump outcome then. */
function partsOf(
  c: Config,
  steps: readonly ExpectedStep[],
  states: readonly number[],
  runs: readonly boolean[],
  outcomes: readonly DumpVerdict[],
  seen: Set<string>,
): { parts: SpecPart[]; kept: number } {
  const none: DumpVerdict = { kind: 'none', summary: 'none' };
  const parts: SpecPart[] = [];
  let kept = 0;
  let cur: { part: SpecPart; last: ExpectedStep; k: number } | null = null;
  const start = (s: ExpectedStep, run: boolean, k: number) => {
    const part: SpecPart = {
      boot: bootKind(s, run),
      start: { checks: fileChecks(s.sysfs, s.meminfo), vmcore: s.vmcore?.ptLoad ?? null, dump: outcomes[k] ?? none },
      steps: [],
    };
    parts.push(part);
    return { part, last: s, k };
  };
  // The steps that check something no earlier step of this configuration checked: what a user
  // sees before, does, and sees after (a hidden state, such as a pending firmware fault, cannot be
  // told apart by a user). A rejected write already checked in the same visible situation is
  // dropped (it changes nothing); the path ends after its last step that checks something new.
  const novel = (k: number): boolean => {
    const s = steps[k];
    const before = steps[k - 1];
    if (s === undefined || before === undefined || s.event === null) return false;
    const key =
      states[k] === states[k - 1] && s.errno !== null
        ? JSON.stringify(['rejected', decisive(before.sysfs, before.vmcore), s.event, s.errno])
        : JSON.stringify([before.sysfs, before.vmcore, s.event, s.errno, s.sysfs, s.vmcore, s.dump]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  const isNew = steps.map((_, k) => k > 0 && novel(k));
  const end = isNew.lastIndexOf(true);
  for (let k = 1; k <= end; k++) {
    const s = steps[k];
    const before = steps[k - 1];
    if (s === undefined || before === undefined || s.event === null) continue;
    const selfLoop = states[k] === states[k - 1];
    // A step that changes nothing, rejected with no errno, or a rejection already checked: dropped.
    if (selfLoop && (s.errno === null || !isNew[k])) continue;
    kept++;
    const how = howOf(c, s.event);
    if (cur === null && how.kind === 'boot') {
      // The power-on: the first part starts after it.
      cur = start(s, runs[k] ?? true, k);
      continue;
    }
    // Steps before the power-on (the LPAR is off): a part of manual steps.
    cur ??= start(before, runs[k - 1] ?? false, k - 1);
    if (how.kind === 'boot' && !selfLoop) {
      cur.part.steps.push({ event: s.event, how, errno: null, checks: [] });
      cur = start(s, runs[k] ?? false, k);
      continue;
    }
    const prev = cur.last;
    const step: SpecStep = { event: s.event, how, errno: s.errno, checks: changed(prev, s) };
    if (!sameVmcore(prev, s)) step.vmcore = s.vmcore?.ptLoad ?? null;
    const was = outcomes[cur.k] ?? none;
    const now = outcomes[k] ?? none;
    if (was.summary !== now.summary) step.dump = now;
    cur.part.steps.push(step);
    cur.last = s;
    cur.k = k;
  }
  return { parts, kept };
}

/** The fast engine's states carry no dumpReason (it labels an observation, not a state): where a
 *  step lost or ended the dump, the step is taken once more through XState's own machines
 *  (machines/system.ts), whose result names the kernel's message. */
function withDumpReason(set: PathSet, before: SystemState, after: SystemState, letter: number): SystemState {
  if (after.dump === 'captured' || (after.dump === before.dump && after.dump === 'none')) return after;
  const event = set.exploration.alphabet[letter];
  if (event === undefined) return after;
  // createSystem() keeps one system per Config object.
  const r = createSystem(set.config).step({ ...before, dumpReason: before.dumpReason }, toMachineEvent(event));
  return { ...after, dumpReason: r.state.dumpReason };
}

/** The spec of one configuration: the paths of observableCover() as parts, identical parts and
 *  paths merged; `opts` fits the cover to a system (CoverOptions). */
export function configSpec(set: PathSet, opts: CoverOptions = {}): ConfigSpec {
  const x = set.exploration;
  const A = x.alphabet.length;
  const succ = x.succ;
  const engine = x.engine;
  const partIndex = new Map<string, number>();
  const parts: SpecPart[] = [];
  const pathIndex = new Map<string, number>();
  const paths: ConfigSpec['paths'] = [];
  let kept = 0;
  const seen = new Set<string>();
  const cover = observableCover(set, opts);
  for (const p of cover.paths) {
    const steps = expectedSteps(set, p);
    const states = [0];
    let s = 0;
    for (const e of p.letters) {
      s = succ?.[s * A + e] ?? s;
      states.push(s);
    }
    // Whether a kernel runs after each step (running(), src/sysfs/view.ts), and the dump outcome.
    const t = engine.initialTuple();
    const first = engine.toState(t);
    const runs = [running(first) !== null];
    const outcomes = [dumpVerdict(set.config, first, null)];
    let before = first;
    for (const e of p.letters) {
      Engine.apply(t, engine.edge(t, e));
      const state = withDumpReason(set, before, engine.toState(t), e);
      runs.push(running(state) !== null);
      outcomes.push(dumpVerdict(set.config, state, outcomes[outcomes.length - 1] ?? null));
      before = state;
    }
    const r = partsOf(set.config, steps, states, runs, outcomes, seen);
    kept += r.kept;
    const ids = r.parts.map((part) => {
      const key = JSON.stringify(part);
      let i = partIndex.get(key);
      if (i === undefined) {
        i = parts.length;
        parts.push(part);
        partIndex.set(key, i);
      }
      return i;
    });
    if (ids.length === 0) continue;
    const key = ids.join(' ');
    const j = pathIndex.get(key);
    if (j !== undefined) {
      const known = paths[j];
      if (known) known.count++;
    } else {
      pathIndex.set(key, paths.length);
      paths.push({ parts: ids, count: 1 });
    }
  }
  return {
    config: set.config,
    parts,
    paths,
    generated: {
      paths: set.paths.length,
      steps: set.steps,
      transitions: set.transitions,
      visible: cover.visible,
      coverPaths: cover.paths.length,
      coverSteps: cover.paths.reduce((n, p) => n + p.letters.length, 0),
      kept,
    },
  };
}
