// The default check matrix's counterexamples fitted to the lab (issue 13): which of them a 2 GiB
// pSeries guest under QEMU can perform, on which kernel generation, and, for the rest, why not.
// Pure: the counterexamples come in (from `check`'s out/counterexamples/*.jsonl, or the committed
// manifest lab/paths/counterexamples.json), the fitted lab paths and the manifest go out; judging a
// real transcript against a counterexample is judgeCounterexample().
import { z } from 'zod';
import { config as makeConfig, type Config, type ConfigInput } from '../config';
import type { Conformance, KnownDivergence } from '../conform/conform';
import { modelConfigOf, type Guest as GuestDescription, type Transcript } from '../conform/transcript';
import { ExternalEventSchema, type ExternalEvent } from '../events';
import { confirm, ConfirmBoundError } from '../explore/confirm';
import { propertyById } from '../specs/properties';
import type { KernelVariant } from './lab';
import type { LabPath } from './runner';
import { performable } from './run';
import { guestOf, labGuest } from './runner';

/** One counterexample of the check matrix: its configuration (name and input), the violated
 *  property's id and the checker's path (external events). */
export interface Counterexample {
  configuration: string;
  config: ConfigInput;
  property: string;
  events: ExternalEvent[];
}

/** The kernels the lab has built (lab/setup.sh), as the transcripts' headers record them: Debian's
 *  6.1.176-1 and 6.12.107-1 with 64 KiB pages and CONFIG_NR_CPUS=8; under TCG both take the hash
 *  MMU (test/real/pseries-*.jsonl). The first generation builds the elfcorehdr at registration
 *  (6.1), the second in the capture kernel (6.12; src/kernel-versions.ts). */
export const LAB_KERNELS: readonly KernelVariant[] = [
  { name: '6.1-64k', series: '6.1', pageSizeKiB: 64, vmlinux: '', release: '6.1.176', source: '6.1.176-1', nrCpus: 8 },
  {
    name: '6.12-64k',
    series: '6.12',
    pageSizeKiB: 64,
    vmlinux: '',
    release: '6.12.107',
    source: '6.12.107-1',
    nrCpus: 8,
  },
];

/** The lab guest (src/lab/runner.ts labGuest()) on a lab kernel, with the MMU the kernels take. */
export function cxGuest(k: KernelVariant, qemu = '11.1.3'): GuestDescription {
  return { ...labGuest(k, qemu), mmu: 'hash' };
}

/** Where a counterexample goes in the lab: a lab path on a kernel, with the event index at which
 *  the model's property is violated on it; or the reason it cannot run there. */
export type Fit =
  | { kind: 'lab'; kernel: string; events: ExternalEvent[]; guest?: LabPath['guest']; at: number }
  | { kind: 'reason'; reason: string };

/** Why a guest under QEMU cannot perform an event (performable() is false for it). */
export function unperformableReason(e: ExternalEvent): string {
  switch (e.event) {
    case 'kdump-start':
    case 'kdump-stop':
    case 'kdump-restart':
    case 'kdump-reload':
    case 'kexec-load':
    case 'kexec-loaded':
    case 'kexec-unload':
    case 'kexec-reboot':
      return `needs the kdump lab (kdumpctl and kexec in the guest): "${e.event}"`;
    case 'firmware-error':
      return `needs a firmware fault QEMU cannot inject: "firmware-error" on ${e.call}`;
    case 'watchdog-reset':
    case 'mpipl':
      return `needs the PowerNV lab (OPAL's MPIPL): "${e.event}"`;
    case 'petitboot-crash':
      return 'needs petitboot, which QEMU lacks: "petitboot-crash"';
    case 'memory-hotplug':
      return 'needs a DLPAR memory request by drc index, which names no pc-dimm QEMU can add or remove';
    default:
      return `a guest under QEMU cannot perform "${e.event}"`;
  }
}

/** The configuration keys a counterexample's configuration sets beyond what the lab guest fixes
 *  (platform, kernel generation, memory), as "key=value" words. */
function extraKeys(input: ConfigInput): string[] {
  const fixed = new Set(['platform', 'elfcorehdr', 'kernel', 'memoryMiB', 'name']);
  return Object.entries(input as Record<string, unknown>)
    .filter(([k]) => !fixed.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
}

/** Why the lab cannot perform a counterexample at all, before the model is asked: the PowerNV
 *  platform, kdump's configurations, a kernel release the lab lacks, an event performable()
 *  refuses, a boot or reboot with a command line of its own; null when none applies. */
function refusal(c: Counterexample, cfg: Config, kernels: readonly KernelVariant[]): string | null {
  // The lab's guests are pSeries (labGuest()); a PowerNV guest (QEMU's powernv machine with
  // skiboot) is another helper's lab, to be added beside LAB_KERNELS when it lands.
  if (cfg.platform !== 'pseries') return 'needs the PowerNV lab';
  // kdump's own configurations wait for the kdump lab: kdumpctl's events become performable() there.
  if (cfg.mechanism === 'kdump' && !performable({ event: 'kdump-start' }))
    return 'needs the kdump lab (kdumpctl and kexec in the guest)';
  const series = (c.config as { kernel?: unknown }).kernel;
  if (typeof series === 'string' && !kernels.some((k) => k.series === series))
    return `needs Linux ${series}; the lab has ${kernels.map((k) => k.series).join(' and ')}`;
  const bad = c.events.find((e) => !performable(e));
  if (bad !== undefined) return unperformableReason(bad);
  // The lab's guest keeps its command line across reboots (src/lab/run.ts: a reboot is the
  // guest's own `reboot`, QEMU restarts the same -append).
  for (const e of c.events)
    if ((e.event === 'boot' || e.event === 'reboot') && e.cmdline !== undefined)
      return `needs a ${e.event} with another kernel command line ("${e.cmdline}"), which the lab's guest does not take`;
  return null;
}

/** Fits one counterexample to the lab: refusal() gives the reasons the lab cannot perform it;
 *  otherwise the kernel of the configuration's elfcorehdr generation is taken, and the model must
 *  still violate the property on the path in that guest's configuration (confirm(),
 *  src/explore/confirm.ts), else the reason names the configuration keys it needs. */
export function fitCounterexample(c: Counterexample, kernels: readonly KernelVariant[] = LAB_KERNELS): Fit {
  const cfg = makeConfig(c.config);
  const refused = refusal(c, cfg, kernels);
  if (refused !== null) return { kind: 'reason', reason: refused };
  const kernel = kernels.find((k) => makeConfig(modelConfigOf(cxGuest(k))).elfcorehdr === cfg.elfcorehdr);
  if (kernel === undefined) return { kind: 'reason', reason: `no lab kernel builds the elfcorehdr ${cfg.elfcorehdr}` };
  const property = propertyById(c.property);
  if (property === undefined) return { kind: 'reason', reason: `unknown property ${c.property}` };
  const events: ExternalEvent[] = c.events[0]?.event === 'boot' ? [...c.events] : [{ event: 'boot' }, ...c.events];
  // CPUs possible and online at boot, as -smp onlineCpus,maxcpus=cpus (LabPath.guest).
  const cpus = cfg.cpus > 1 ? { cpus: cfg.cpus, onlineCpus: cfg.onlineCpus } : undefined;
  const guest = guestOf(cxGuest(kernel), { name: 'fit', events, ...(cpus ? { guest: cpus } : {}) });
  try {
    const r = confirm(makeConfig(modelConfigOf(guest)), property, events);
    if (r.violated) return { kind: 'lab', kernel: kernel.name, events, at: r.at, ...(cpus ? { guest: cpus } : {}) };
  } catch (e) {
    if (!(e instanceof ConfirmBoundError)) throw e;
    return { kind: 'reason', reason: `the model's search on the lab guest passed its bound (${e.maxStates} states)` };
  }
  const needs = extraKeys(c.config);
  return {
    kind: 'reason',
    reason: `the model holds on this path in the lab guest (pseries ${kernel.release}, 2 GiB, fadump=on, QEMU firmware)${needs.length ? `: the violation needs ${needs.join(', ')}` : ''}`,
  };
}

/** A lab path's name from its events: "cx-" and a word per event after the boot
 *  (hot-add, hot-add-N, hot-remove, cpu-add, cpu-remove, crash, reboot, write-FILE, ...). */
export function cxPathName(events: readonly ExternalEvent[], guest?: LabPath['guest']): string {
  const word = (e: ExternalEvent): string => {
    switch (e.event) {
      case 'memory-hotplug': {
        const n = e.lmbs ?? 1;
        return `hot-${e.action}${n === 1 ? '' : `-${n}`}`;
      }
      case 'cpu-hotplug':
        return `cpu-${e.action}`;
      case 'write':
        return `write-${(e.path.split('/').pop() ?? 'file').replace(/_/g, '-')}`;
      default:
        return e.event;
    }
  };
  const cpus = guest?.cpus !== undefined ? [`cpus-${guest.onlineCpus ?? guest.cpus}-of-${guest.cpus}`] : [];
  return ['cx', ...cpus, ...events.slice(1).map(word)].join('-');
}

/** One line of the manifest: a counterexample and where it went. */
export interface ManifestEntry extends Counterexample {
  /** The lab path's name (lab/paths/counterexamples.jsonl) and its kernel, when it runs. */
  path?: string;
  kernel?: string;
  /** The transcript step (1 is the boot) at which the model's property is violated. */
  step?: number;
  reason?: string;
}

/** Every counterexample fitted: the manifest in the counterexamples' order and the distinct lab
 *  paths (identical fitted paths on one kernel merged), each path named by its events. */
export function fitAll(
  cxs: readonly Counterexample[],
  kernels: readonly KernelVariant[] = LAB_KERNELS,
): { manifest: ManifestEntry[]; paths: LabPath[] } {
  const paths = new Map<string, LabPath>();
  const manifest = cxs.map((c): ManifestEntry => {
    const fit = fitCounterexample(c, kernels);
    if (fit.kind === 'reason') return { ...c, reason: fit.reason };
    const name = cxPathName(fit.events, fit.guest);
    const path: LabPath = { name, events: fit.events, ...(fit.guest ? { guest: fit.guest } : {}) };
    const known = paths.get(name);
    if (known !== undefined && JSON.stringify(known) !== JSON.stringify(path))
      throw new Error(`counterexamples: two paths named ${name}`);
    paths.set(name, path);
    return { ...c, path: name, kernel: fit.kernel, step: fit.at + 1 };
  });
  return { manifest, paths: [...paths.values()] };
}

/** The paths file's text (JSONL with a comment line), as committed. */
export function pathsText(paths: readonly LabPath[]): string {
  const head =
    "# Generated by `npm run lab -- counterexamples --write` (src/lab/counterexamples.ts): the check matrix's counterexamples a pSeries guest under QEMU can perform; lab/paths/counterexamples.json says which counterexample runs where.";
  return `${[head, ...paths.map((p) => JSON.stringify(p))].join('\n')}\n`;
}

export const ManifestEntrySchema = z
  .object({
    configuration: z.string().min(1),
    config: z.record(z.string(), z.unknown()),
    property: z.string().min(1),
    events: z.array(ExternalEventSchema),
    path: z.string().optional(),
    kernel: z.string().optional(),
    step: z.number().int().min(1).optional(),
    reason: z.string().optional(),
  })
  .strict()
  .refine((e) => (e.path === undefined) !== (e.reason === undefined), { message: 'give a path or a reason' });

export const ManifestSchema = z.object({ counterexamples: z.array(ManifestEntrySchema) }).strict();

/** The manifest's text (JSON, one entry a line), as committed. */
export function manifestText(manifest: readonly ManifestEntry[]): string {
  return `{"counterexamples": [\n${manifest.map((m) => `  ${JSON.stringify(m)}`).join(',\n')}\n]}\n`;
}

/** The verdict of a real transcript on a counterexample: "seen" when every compared field agrees
 *  with the model up to and including the violating step and the violation shows in the guest's
 *  observables (`evidence` says which); otherwise "not reproduced" with `reason` (the first
 *  divergent field, or that the violation is not visible in what the guest reports). */
export interface CxJudgement {
  verdict: 'seen' | 'not reproduced';
  /** e.g. "Linux 6.1.176 under QEMU 11.1.3". */
  on: string;
  evidence: string | null;
  reason: string | null;
  /** Known divergences up to the violating step (field and reason), which do not count. */
  excused: string[];
}

const rangeText = (r: { start: number; end: number }): string => `[0x${r.start.toString(16)}-0x${r.end.toString(16)})`;

/** Where a vmcore-shaped violation shows in the guest: its own /proc/vmcore judged against the
 *  memory at the crash (Conformance.observedOutcome). */
function vmcoreEvidence(c: Conformance): string | null {
  const o = c.observedOutcome;
  if (o === null) return null;
  if (o.kind === 'captured-stale')
    return `the guest's /proc/vmcore PT_LOADs miss the memory added before the crash: ${o.missing.map(rangeText).join(', ') || 'none'} missing${o.extra.length ? `, ${o.extra.map(rangeText).join(', ')} extra` : ''}`;
  if (o.kind === 'lost') return `the guest exported no /proc/vmcore: ${o.message}`;
  return null;
}

/** The guest's boot after the crash (the violating step) without a /proc/vmcore. */
function noVmcore(t: Transcript, step: number): string | null {
  const o = t.steps[step]?.observed ?? null;
  return o !== null && o.vmcore === null ? `the guest's ${o.boot} boot after the crash shows no /proc/vmcore` : null;
}

/** The observable a property's violation shows in, for the properties a pSeries guest can show:
 *  the vmcore's (accurate-vmcore: a stale one; no-lost-dump: none; always-ready-after-hotplug:
 *  either). null: not visible in what the guest reports. */
function evidenceOf(property: string, c: Conformance, t: Transcript, step: number): string | null {
  if (property === 'accurate-vmcore') return vmcoreEvidence(c);
  if (property === 'always-ready-after-hotplug') return noVmcore(t, step) ?? vmcoreEvidence(c);
  if (property === 'no-lost-dump') return noVmcore(t, step);
  return null;
}

/** Judges a real transcript (and its conformance) on a manifest entry with a lab path. A divergence
 *  listed in test/real/known-divergences.json (`known`) does not count against it; `excused` lists
 *  those up to the violating step with their reasons. */
export function judgeCounterexample(
  entry: ManifestEntry,
  t: Transcript,
  c: Conformance,
  known: readonly KnownDivergence[] = [],
): CxJudgement {
  const on = `Linux ${t.header.guest.kernelRelease} under QEMU ${t.header.guest.qemu}`;
  const step = entry.step ?? t.steps.length;
  const notSeen = (reason: string): CxJudgement => ({
    verdict: 'not reproduced',
    on,
    evidence: null,
    reason,
    excused: [],
  });
  if (t.steps.length <= step) return notSeen(`the guest run ended before step ${step} (${c.end})`);
  const isKnown = (d: Conformance['divergences'][number]) =>
    known.find((k) => k.transcript === d.transcript && k.step === d.step && k.field === d.field);
  const upTo = c.divergences.filter((d) => d.step <= step);
  const first = upTo.find((d) => isKnown(d) === undefined);
  if (first !== undefined)
    return notSeen(
      `the real kernel disagreed at step ${first.step}: ${first.field}: model ${first.expected}, guest ${first.observed}`,
    );
  const evidence = evidenceOf(entry.property, c, t, step);
  if (evidence === null) return notSeen(`the violation of ${entry.property} is not visible in what the guest reports`);
  const excused = upTo.flatMap((d) => {
    const k = isKnown(d);
    return k === undefined ? [] : [`step ${d.step} ${d.field}: ${k.reason}`];
  });
  return { verdict: 'seen', on, evidence, reason: null, excused };
}
