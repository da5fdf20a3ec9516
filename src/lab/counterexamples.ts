// The default check matrix's counterexamples fitted to the lab (issue 13): which of them a 2 GiB
// pSeries guest (or the PowerNV lab's powernv10) under QEMU can perform, on which kernel and
// command line, and, for the rest, why not.
// Pure: the counterexamples come in (from `check`'s out/counterexamples/*.jsonl, or the committed
// manifest lab/paths/counterexamples.json), the fitted lab paths and the manifest go out; judging a
// real transcript against a counterexample is judgeCounterexample().
import { z } from 'zod';
import { config as makeConfig, type Config, type ConfigInput } from '../config';
import type { Conformance, KnownDivergence } from '../conform/conform';
import { modelConfigOf, type Guest as GuestDescription, type Transcript } from '../conform/transcript';
import { ExternalEventSchema, toMachineEvent, type ExternalEvent } from '../events';
import { confirm, ConfirmBoundError } from '../explore/confirm';
import { propertyById } from '../specs/properties';
import { FILES, KEXEC_FILES } from '../sysfs/store';
import { sizeText } from '../memory/map';
import { createSystem } from '../../machines/system';
import type { KernelVariant } from './lab';
import type { LabPath } from './runner';
import { kdumpctlEvent, kdumpEvent, performableOn } from './run';
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

type Platform = GuestDescription['platform'];

/** Why a guest of `platform` under QEMU cannot perform an event (performableOn() is false). */
export function unperformableReason(e: ExternalEvent, platform: Platform = 'pseries'): string {
  switch (e.event) {
    case 'kdump-stop':
    case 'kdump-restart':
      return `needs kdumpctl ${e.event === 'kdump-stop' ? 'stop' : 'restart'} ("${e.event}"), which the lab's guest agent does not perform`;
    case 'kexec-reboot':
      return 'needs kexec -l and kexec -e ("kexec-reboot"), which the lab\'s guest agent does not perform';
    case 'firmware-error':
      return `needs a firmware fault QEMU cannot inject: "firmware-error" on ${e.call}`;
    case 'watchdog-reset':
    case 'mpipl':
      return platform === 'powernv'
        ? `needs an MPIPL the kernel does not start ("${e.event}"): QEMU's powernv offers no trigger for one (no skiboot assert, no SBE request from the host)`
        : `needs OPAL's MPIPL ("${e.event}"), a PowerNV event`;
    case 'petitboot-crash':
      return 'needs petitboot ("petitboot-crash"): QEMU\'s powernv has none, skiboot boots the kernel straight after the MPIPL';
    case 'memory-hotplug':
      return platform === 'powernv'
        ? "needs memory hot-add: QEMU's powernv has none (no DLPAR on PowerNV)"
        : 'needs a DLPAR memory request by drc index, which names no pc-dimm QEMU can add or remove';
    default:
      return platform === 'powernv' && (kdumpEvent(e) || kdumpctlEvent(e))
        ? `needs "${e.event}" on PowerNV, which the lab performs on pSeries guests only`
        : `a ${platform} guest under QEMU cannot perform "${e.event}"`;
  }
}

/** The lab's kernel command lines to try for a configuration (LabPath.guest.cmdline), in order:
 *  fadump= as the configuration says, none for the kdump mechanism (modelConfigOf() then takes
 *  kdump), and the configuration's crashkernel= as given; then, for a plain size, that size
 *  scaled to the guest's 2 GiB as the configuration's memory is to it (crashkernel=8G of 8 GiB:
 *  crashkernel=2G), where it differs. What the kernel makes of either is the model's to say
 *  (confirm(), fitCounterexample()). */
export function labCmdlines(c: Counterexample, cfg: Config, guestMiB = 2048): string[] {
  const given = (c.config as { crashkernel?: unknown }).crashkernel;
  const line = (crashkernel: string | undefined) =>
    [
      'console=hvc0',
      ...(cfg.mechanism === 'kdump' ? [] : [`fadump=${cfg.fadump}`]),
      ...(crashkernel === undefined ? [] : [`crashkernel=${crashkernel}`]),
      'panic=10',
    ].join(' ');
  if (typeof given !== 'string') return [line(undefined)];
  const m = /^(\d+)([MG])$/.exec(given);
  const mib = m === null ? null : Number(m[1]) * (m[2] === 'G' ? 1024 : 1);
  const scaled = mib === null ? null : Math.round((mib * guestMiB * 1024 * 1024) / cfg.memoryBytes);
  const text = scaled === null || scaled === mib ? null : scaled % 1024 === 0 ? `${scaled / 1024}G` : `${scaled}M`;
  return text === null ? [line(given)] : [line(given), line(text)];
}

/** The lab kernel a counterexample runs on: on PowerNV the PowerNV lab's (6.12-64k,
 *  lab/paths/powernv.jsonl), on pSeries the one of the configuration's release or elfcorehdr
 *  generation; a reason when the lab has none. */
function kernelFor(
  c: Counterexample,
  cfg: Config,
  kernels: readonly KernelVariant[],
): KernelVariant | { reason: string } {
  const series = (c.config as { kernel?: unknown }).kernel;
  if (cfg.platform === 'powernv') {
    const k = kernels.find((x) => x.name === POWERNV_KERNEL);
    if (k === undefined) return { reason: `needs the PowerNV lab's kernel ${POWERNV_KERNEL}` };
    if (typeof series === 'string' && series !== k.series)
      return { reason: `needs Linux ${series}; the PowerNV lab has ${k.series}` };
    return k;
  }
  if (typeof series === 'string') {
    const k = kernels.find((x) => x.series === series);
    return k ?? { reason: `needs Linux ${series}; the lab has ${kernels.map((x) => x.series).join(' and ')}` };
  }
  const k = kernels.find((x) => makeConfig(modelConfigOf(cxGuest(x))).elfcorehdr === cfg.elfcorehdr);
  return k ?? { reason: `no lab kernel builds the elfcorehdr ${cfg.elfcorehdr}` };
}

/** The PowerNV lab's kernel: its transcripts are test/real/powernv-6.12-64k-*.jsonl. */
export const POWERNV_KERNEL = '6.12-64k';

/** Why the lab cannot perform a counterexample's events on `platform`: an event performableOn()
 *  refuses, a boot or reboot with a command line of its own; null when none applies. */
function refusal(c: Counterexample, platform: Platform): string | null {
  const bad = c.events.find((e) => !performableOn(e, platform));
  if (bad !== undefined) return unperformableReason(bad, platform);
  // The lab's guest keeps its command line across reboots (src/lab/run.ts: a reboot is the
  // guest's own `reboot`, QEMU restarts the same -append).
  for (const e of c.events)
    if ((e.event === 'boot' || e.event === 'reboot') && e.cmdline !== undefined)
      return `needs a ${e.event} with another kernel command line ("${e.cmdline}"), which the lab's guest does not take`;
  return null;
}

/** What the model, on the lab guest, says of a path's kexec: `inside`, the reason the lab cannot
 *  perform it when the model is inside a `kexec -p` (the kexec actor loading: after kexec-load,
 *  kdumpctl start's or reload's load in kdump mode) and the next event is not its return
 *  (kexec-loaded): the lab's `kexec -p` has returned before the guest's next event
 *  (src/lab/run.ts); `acrossHotplug`, whether memory is hot-plugged while a crash image is loaded
 *  (kexecAcrossHotplug()). */
function kexecWalk(cfg: Config, events: readonly ExternalEvent[]): { inside: string | null; acrossHotplug: boolean } {
  const system = createSystem(cfg);
  let state = system.initial();
  let acrossHotplug = false;
  for (const [i, e] of events.entries()) {
    if (e.event === 'memory-hotplug' && state.actors.kexec.value !== 'unloaded') acrossHotplug = true;
    state = system.step(state, toMachineEvent(e)).state;
    const next = events[i + 1];
    if (next !== undefined && next.event !== 'kexec-loaded' && state.actors.kexec.value === 'loading')
      return {
        inside: `needs a "${next.event}" inside the \`kexec -p\` of "${e.event}" (the old crash image freed, the new one not yet loaded), which the lab cannot time: its kexec -p returns before the next event`,
        acrossHotplug,
      };
  }
  return { inside: null, acrossHotplug };
}

/** A kdump crash image loaded across a memory hot-add runs on a guest whose hash page table keeps
 *  its size (LabPath.guest.resizeHpt false, QEMU's resize-hpt=disabled). With QEMU's default the
 *  kernel resizes it on the hot-add (resize_hpt_for_hotplug(), arch/powerpc/mm/book3s64/
 *  hash_utils.c; "lpar: HPT resize to shift 22 complete" on the 2 GiB guest, booted with
 *  ppc64_pft_size 0x18) while the capture kernel's device tree, kexec-tools' copy of
 *  /proc/device-tree at load time (kexec/fs2dt.c), keeps the old ibm,pft-size: the capture kernel
 *  then stops after purgatory's "I'm in purgatory"
 *  (test/real/pseries-6.12-64k-cx-kdump-crashkernel-512m-kdump-start-kexec-loaded-hot-add-crash.jsonl,
 *  a timeout). The model has no hash page table: it describes a hypervisor without
 *  "hcall-hpt-resize" [I: PowerVM's HPT is sized for the partition's maximum memory]. */
export const KEXEC_ACROSS_HOTPLUG = { resizeHpt: false } as const;

/** The lab guest as a sentence: "pseries 6.12.107, 2 GiB, crashkernel=512M (kdump), QEMU's
 *  SLOF" / "powernv 6.12.107, 2 GiB, fadump=on, skiboot under QEMU, no petitboot". */
function guestWords(g: GuestDescription): string {
  const params = guestParams(g);
  const mode = /(^| )fadump=/.test(g.cmdline) ? '' : ' (kdump)';
  const fw = g.platform === 'powernv' ? 'skiboot under QEMU, no petitboot' : "QEMU's pSeries firmware";
  return `${g.platform} ${g.kernelRelease}, ${g.memoryMiB / 1024} GiB, ${params}${mode}, ${fw}`;
}

/** The guest's fadump= and crashkernel= words ("crashkernel=2G"). */
function guestParams(g: GuestDescription): string {
  return g.cmdline
    .split(' ')
    .filter((w) => /^(fadump|crashkernel)=/.test(w))
    .join(' ');
}

/** Why a configuration key the lab guest does not have matters, where the lab cannot give it. */
function whyNot(key: string): string {
  if (key === 'petitbootPreservesDump')
    return " (petitboot: QEMU's powernv has none, skiboot boots the kernel straight after the MPIPL)";
  if (key === 'kdumpEnabled') return " (kdump.service enabled at boot: the lab's guest starts no kdumpctl by itself)";
  return '';
}

/** The configuration keys a counterexample sets whose value the lab guest's configuration does
 *  not have, with the configuration's value. */
function missingKeys(input: ConfigInput, cfg: Config, lab: Config): [string, unknown][] {
  const fixed = new Set(['platform', 'memoryMiB', 'name']);
  const a = cfg as unknown as Record<string, unknown>;
  const b = lab as unknown as Record<string, unknown>;
  return Object.keys(input as Record<string, unknown>)
    .filter((k) => !fixed.has(k) && JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .map((k) => [k, a[k]]);
}

/** What the reason says of the keys the lab guest lacks: "the violation needs k=v, ..." for those
 *  each of which, set alone on the lab guest's configuration, brings the violation back (with why
 *  the lab cannot give them, whyNot()); when none does alone, that they all differ. */
function needsText(
  input: ConfigInput,
  missing: readonly [string, unknown][],
  lab: Config,
  property: NonNullable<ReturnType<typeof propertyById>>,
  events: readonly ExternalEvent[],
): string {
  const word = ([k]: readonly [string, unknown]) => {
    const v = (input as Record<string, unknown>)[k];
    return `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`;
  };
  const alone = missing.filter(([k, v]) => {
    try {
      return confirm({ ...lab, [k]: v } as Config, property, events).violated;
    } catch {
      // A value the lab guest's configuration cannot take alone (or a search past its bound).
      return false;
    }
  });
  if (alone.length) return `: the violation needs ${alone.map((m) => `${word(m)}${whyNot(m[0])}`).join(', ')}`;
  if (missing.length) return `: the configuration differs in ${missing.map(word).join(', ')}`;
  return '';
}

/** Fits one counterexample to the lab: refusal() gives the events the lab cannot perform on the
 *  configuration's platform (pSeries, or the PowerNV lab's powernv10); the guest takes the
 *  configuration's kernel (kernelFor()) and command line (labCmdline()); the model must still
 *  violate the property on the path in that guest's configuration (confirm(),
 *  src/explore/confirm.ts), else the reason names the guest tried and the configuration keys the
 *  violation needs; and no event may fall inside a `kexec -p` (insideLoad()). */
export function fitCounterexample(c: Counterexample, kernels: readonly KernelVariant[] = LAB_KERNELS): Fit {
  const cfg = makeConfig(c.config);
  const refused = refusal(c, cfg.platform);
  if (refused !== null) return { kind: 'reason', reason: refused };
  const kernel = kernelFor(c, cfg, kernels);
  if ('reason' in kernel) return { kind: 'reason', reason: kernel.reason };
  const property = propertyById(c.property);
  if (property === undefined) return { kind: 'reason', reason: `unknown property ${c.property}` };
  const events: ExternalEvent[] = c.events[0]?.event === 'boot' ? [...c.events] : [{ event: 'boot' }, ...c.events];
  // CPUs possible and online at boot, as -smp onlineCpus,maxcpus=cpus (LabPath.guest; pSeries).
  const cpus = cfg.platform === 'pseries' && cfg.cpus > 1 ? { cpus: cfg.cpus, onlineCpus: cfg.onlineCpus } : {};
  const tried: { guest: GuestDescription; lab: Config }[] = [];
  for (const cmdline of labCmdlines(c, cfg)) {
    const fitted: NonNullable<LabPath['guest']> = {
      ...(cfg.platform === 'powernv' ? { platform: 'powernv' as const } : {}),
      ...(cmdline === DEFAULT_CMDLINE ? {} : { cmdline }),
      ...cpus,
    };
    const guest = guestOf(cxGuest(kernel), { name: 'fit', events, guest: fitted });
    const lab = makeConfig(modelConfigOf(kdumpSized(guest, events)));
    tried.push({ guest, lab });
    let at: number;
    try {
      const r = confirm(lab, property, events);
      if (!r.violated) continue;
      at = r.at;
    } catch (e) {
      if (!(e instanceof ConfirmBoundError)) throw e;
      return { kind: 'reason', reason: `the model's search on the lab guest passed its bound (${e.maxStates} states)` };
    }
    const walk = kexecWalk(lab, events);
    if (walk.inside !== null) return { kind: 'reason', reason: walk.inside };
    const run = walk.acrossHotplug ? { ...fitted, ...KEXEC_ACROSS_HOTPLUG } : fitted;
    return { kind: 'lab', kernel: kernel.name, events, at, ...(Object.keys(run).length ? { guest: run } : {}) };
  }
  const [first, ...others] = tried;
  if (first === undefined) return { kind: 'reason', reason: 'no command line to try' };
  const firmware = firmwareNeeded(cfg, tried, property, events);
  const needs = firmware.length
    ? `: the violation needs ${firmware.join(', ')}`
    : needsText(c.config, missingKeys(c.config, cfg, first.lab), first.lab, property, events);
  const also = others.map((t) => `; also with ${guestParams(t.guest)}`).join('');
  return {
    kind: 'reason',
    reason: `the model holds on this path in the lab guest (${guestWords(first.guest)}${also})${needs}`,
  };
}

/** ["firmware=<the configuration's>"] when the lab guest's configuration with the configuration's
 *  firmware in place of QEMU's violates the property on one of the command lines tried (e.g.
 *  PowerVM, whose hot-added memory merges with the boot RAM, src/memory/kdump.ts
 *  hotremovableMemory()); else none. */
function firmwareNeeded(
  cfg: Config,
  tried: readonly { lab: Config }[],
  property: NonNullable<ReturnType<typeof propertyById>>,
  events: readonly ExternalEvent[],
): string[] {
  if (tried.every((t) => t.lab.firmware === cfg.firmware)) return [];
  const violates = tried.some((t) => {
    try {
      return confirm({ ...t.lab, firmware: cfg.firmware }, property, events).violated;
    } catch (e) {
      if (e instanceof ConfirmBoundError) return false;
      throw e;
    }
  });
  return violates ? [`firmware=${cfg.firmware} (the lab runs QEMU's)`] : [];
}

/** The lab guest's command line (labGuest()). */
const DEFAULT_CMDLINE = 'console=hvc0 fadump=on panic=10';

/** What `kexec -p` loads on each lab kernel (the vmlinux and the lab's capture initramfs, bytes),
 *  as its kdump transcripts record them (test/real/pseries-<kernel>-kdump-*.jsonl, header
 *  guest.kdump). */
const KDUMP_SIZES: Readonly<Record<string, { imageBytes: number; initrdBytes: number }>> = {
  '6.1.176': { imageBytes: 7724880, initrdBytes: 5550100 },
  '6.12.107': { imageBytes: 8177200, initrdBytes: 5550100 },
};

/** A guest as the lab records it when the path loads a crash kernel (kdumpGuest(),
 *  src/lab/runner.ts): with the sizes `kexec -p` loads there (KDUMP_SIZES). */
function kdumpSized(g: GuestDescription, events: readonly ExternalEvent[]): GuestDescription {
  const sizes = KDUMP_SIZES[g.kernelRelease];
  if (sizes === undefined || !events.some((e) => kdumpEvent(e) || kdumpctlEvent(e))) return g;
  return { ...g, kdump: sizes };
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
  const platform = guest?.platform === 'powernv' ? ['powernv'] : [];
  const hpt = guest?.resizeHpt === false ? ['fixed-hpt'] : [];
  return ['cx', ...platform, ...cmdlineWords(guest?.cmdline), ...hpt, ...cpus, ...events.slice(1).map(word)].join('-');
}

/** A fitted command line's words for a path's name: "kdump" without fadump=, "nocma"/"fadump-off"
 *  for fadump= other than on, and "crashkernel-<value>" (lower case, other characters as "-"). */
function cmdlineWords(cmdline: string | undefined): string[] {
  if (cmdline === undefined) return [];
  const words = cmdline.split(' ');
  const fadump = words.find((w) => w.startsWith('fadump='))?.slice('fadump='.length);
  const crashkernel = words.find((w) => w.startsWith('crashkernel='))?.slice('crashkernel='.length);
  const mode =
    fadump === undefined ? ['kdump'] : fadump === 'nocma' ? ['nocma'] : fadump === 'off' ? ['fadump-off'] : [];
  const ck =
    crashkernel === undefined
      ? []
      : [
          `crashkernel-${crashkernel
            .toLowerCase()
            .replace(/[^a-z0-9]+/g, '-')
            .replace(/-+$/, '')}`,
        ];
  return [...mode, ...ck];
}

/** One line of the manifest: a counterexample and where it went. */
export interface ManifestEntry extends Counterexample {
  /** The lab path's name (lab/paths/counterexamples.jsonl) and its kernel, when it runs. */
  path?: string;
  kernel?: string;
  /** The guest's machine when not pSeries (the transcript is <platform>-<kernel>-<path>.jsonl). */
  platform?: 'powernv';
  /** The transcript step (1 is the boot) at which the model's property is violated. */
  step?: number;
  reason?: string;
}

/** Every counterexample fitted: the manifest in the counterexamples' order and the distinct lab
 *  paths, each named by its guest and events. A fitted path that is the start of another on the
 *  same kernel and guest runs as that longer one (the judgement reads the transcript up to the
 *  violating step only), so one guest run serves both. */
export function fitAll(
  cxs: readonly Counterexample[],
  kernels: readonly KernelVariant[] = LAB_KERNELS,
): { manifest: ManifestEntry[]; paths: LabPath[] } {
  const fits = cxs.map((c) => ({ c, fit: fitCounterexample(c, kernels) }));
  const runs = fits.flatMap(({ fit }) => (fit.kind === 'lab' ? [fit] : []));
  const paths = new Map<string, LabPath>();
  const manifest = fits.map(({ c, fit }): ManifestEntry => {
    if (fit.kind === 'reason') return { ...c, reason: fit.reason };
    const run = longestExtension(fit, runs);
    const name = cxPathName(run.events, run.guest);
    const path: LabPath = { name, events: run.events, ...(run.guest ? { guest: run.guest } : {}) };
    const known = paths.get(name);
    if (known !== undefined && JSON.stringify(known) !== JSON.stringify(path))
      throw new Error(`counterexamples: two paths named ${name}`);
    paths.set(name, path);
    const platform = fit.guest?.platform === 'powernv' ? { platform: 'powernv' as const } : {};
    return { ...c, path: name, kernel: fit.kernel, ...platform, step: fit.at + 1 };
  });
  return { manifest, paths: [...paths.values()] };
}

type LabFit = Extract<Fit, { kind: 'lab' }>;

/** The longest fitted path on the same kernel and guest whose events start with `fit`'s (the
 *  first of them in the counterexamples' order; `fit` itself when none is longer). */
function longestExtension(fit: LabFit, runs: readonly LabFit[]): LabFit {
  const key = (f: LabFit) => `${f.kernel} ${JSON.stringify(f.guest ?? {})}`;
  const startsWith = (f: LabFit) =>
    f.events.length >= fit.events.length &&
    fit.events.every((e, i) => JSON.stringify(e) === JSON.stringify(f.events[i]));
  return runs
    .filter((f) => key(f) === key(fit) && startsWith(f))
    .reduce((best, f) => (f.events.length > best.events.length ? f : best), fit);
}

/** The paths file's text (JSONL with a comment line), as committed. */
export function pathsText(paths: readonly LabPath[]): string {
  const head =
    "# Generated by `npm run lab -- counterexamples --write` (src/lab/counterexamples.ts): the check matrix's counterexamples a pSeries or PowerNV guest under QEMU can perform; lab/paths/counterexamples.json says which counterexample runs where.";
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
    platform: z.literal('powernv').optional(),
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

/** A capture kernel that kexec started from the crashed kernel (kdump): /proc/vmcore is there and
 *  /proc/cmdline carries the elfcorehdr= kexec gave it (kdump.rst), which no firmware-assisted
 *  capture boot has: no reset of the machine on the way (devices-reset-before-capture). */
function kexecCapture(t: Transcript, step: number): string | null {
  const o = t.steps[step]?.observed ?? null;
  const hdr = o?.cmdline.split(' ').find((w) => w.startsWith('elfcorehdr='));
  return o !== null && o.boot === 'capture' && hdr !== undefined
    ? `the guest's capture kernel holds the dump (/proc/vmcore) after a kexec jump from the crashed kernel, no machine reset on the way (its /proc/cmdline has ${hdr})`
    : null;
}

/** After the save the capture kernel offers no release (no /sys/kernel/fadump/release_mem): back
 *  to production only by another reboot (no-second-reboot). */
function noRelease(t: Transcript, step: number): string | null {
  const o = t.steps[step]?.observed ?? null;
  return o !== null && o.vmcore !== null && !(FILES.releaseMem in o.files)
    ? `after saving /proc/vmcore the guest's capture kernel offers no ${FILES.releaseMem}: only another reboot returns to production`
    : null;
}

/** What the guest's production kernel withholds for the capture, as it reports it
 *  (memory-available-to-production): crashkernel= (kexec_crash_size, all of it the capture's),
 *  fadump's reserved area with no CMA (mem_reserved, CmaTotal 0). */
function withheld(t: Transcript, step: number): string | null {
  const o = t.steps[step]?.observed ?? null;
  if (o === null || o.boot !== 'normal') return null;
  const crash = Number(o.files[KEXEC_FILES.crashSize] ?? '0');
  if (crash > 0)
    return `crashkernel= withholds ${sizeText(crash)} from the guest's production kernel (${KEXEC_FILES.crashSize}), all of it set aside for the capture kernel`;
  const reserved = Number(o.files[FILES.memReserved] ?? '0');
  if (reserved > 0 && o.meminfo.CmaTotal === 0)
    return `fadump withholds its ${sizeText(reserved)} area (${reserved} bytes) from the guest's production kernel (${FILES.memReserved}) with no CMA to lend it back (CmaTotal 0 kB)`;
  return null;
}

/** The observable a property's violation shows in: the vmcore's (accurate-vmcore: a stale one;
 *  no-lost-dump: none; always-ready-after-hotplug: either), the capture boot's (devices-reset-
 *  before-capture, no-second-reboot), production's memory (memory-available-to-production).
 *  null: not visible in what the guest reports. */
function evidenceOf(property: string, c: Conformance, t: Transcript, step: number): string | null {
  if (property === 'accurate-vmcore') return vmcoreEvidence(c);
  if (property === 'always-ready-after-hotplug') return noVmcore(t, step) ?? vmcoreEvidence(c);
  if (property === 'no-lost-dump') return noVmcore(t, step);
  if (property === 'devices-reset-before-capture') return kexecCapture(t, step);
  if (property === 'no-second-reboot') return noRelease(t, step);
  if (property === 'memory-available-to-production') return withheld(t, step);
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
