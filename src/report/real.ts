// The real kernels' evidence for the check matrix's counterexamples (issue 13): the committed
// manifest (lab/paths/counterexamples.json, src/lab/counterexamples.ts) and the transcripts the lab
// recorded for its paths (test/real/<platform>-<kernel>-cx-*.jsonl), judged by judgeCounterexample().
// Reads files only: no QEMU, so `check` and `report` stay fast.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { conformFile, transcriptConfig, type Conformance, type KnownDivergence } from '../conform/conform';
import { replay, type ReplayStep } from '../log/replay';
import type { Step, Transcript } from '../conform/transcript';
import { parseJsonWith } from '../conform/transcript';
import { describeEvent } from '../events';
import { judgeCounterexample, ManifestSchema, type CxJudgement, type ManifestEntry } from '../lab/counterexamples';

/** The repository's files the evidence is read from. */
export const MANIFEST_FILE = new URL('../../lab/paths/counterexamples.json', import.meta.url);
export const REAL_DIR = new URL('../../test/real/', import.meta.url);

/** Reads the manifest; InputError (via parseJsonWith) naming the file and field. */
export function readManifest(file: string | URL = MANIFEST_FILE): ManifestEntry[] {
  const name = typeof file === 'string' ? file : file.pathname;
  return parseJsonWith(ManifestSchema, readFileSync(file, 'utf8'), name).counterexamples as ManifestEntry[];
}

const KnownSchema = z.array(
  z
    .object({ transcript: z.string(), step: z.number().int().nonnegative(), field: z.string(), reason: z.string() })
    .strict(),
);

/** The known divergences (test/real/known-divergences.json: QEMU deviations and recorded gaps, as
 *  `conform --known` reads them); an error naming the file and field for a bad one. */
export function readKnownDivergences(file: string): KnownDivergence[] {
  return parseJsonWith(KnownSchema, readFileSync(file, 'utf8'), file);
}

/** One step of the real transcript beside the model: the event, what the model predicts for the
 *  lab guest and what the guest showed (errno, fadump's registered file, online memory blocks,
 *  /proc/vmcore's PT_LOADs), and whether every compared field agreed ('known': only divergences
 *  listed in known-divergences.json). */
export interface RealStep {
  step: number;
  event: string;
  model: string;
  observed: string;
  agrees: 'yes' | 'known' | 'no';
}

const loadsText = (loads: readonly { paddr: number; size: number }[]): string =>
  loads.map((p) => `[0x${p.paddr.toString(16)}-0x${(p.paddr + p.size).toString(16)})`).join(' ');

/** What the model predicts at a step of the transcript's path, in the words of observedText(). */
export function modelText(m: ReplayStep, memoryBytes: number | null, blockBytes: number): string {
  const bytes = memoryBytes;
  const parts = [
    `fadump registered ${m.sysfs['/sys/kernel/fadump/registered'] ?? m.sysfs['/sys/kernel/fadump_registered'] ?? '-'}`,
    ...(bytes !== null && blockBytes > 0 ? [`memory blocks online ${bytes / blockBytes}`] : []),
    m.vmcore === null ? 'no /proc/vmcore' : `/proc/vmcore PT_LOADs ${loadsText(m.vmcore.ptLoad)}`,
  ];
  if (m.errno !== null) parts.unshift(`errno ${m.errno}`);
  return parts.join('; ');
}

/** A counterexample's real evidence: where it ran (the transcript) and the judgement, or why it
 *  does not run in the lab. */
export type RealEvidence =
  | { kind: 'ran'; path: string; transcript: string; judgement: CxJudgement; steps: RealStep[]; violationStep: number }
  | { kind: 'not-run'; path: string; reason: string }
  | { kind: 'not-performable'; reason: string };

/** What the guest showed at a step, in one line. */
export function observedText(s: Step): string {
  const o = s.observed;
  if (o === null) return s.errno !== null ? `errno ${s.errno}` : '(initial)';
  const loads = (o.vmcore?.phdrs ?? [])
    .filter((p) => p.type === 'PT_LOAD')
    .map((p) => ({ paddr: p.paddr, size: p.memsz }));
  const parts = [
    `${o.boot} boot`,
    `fadump registered ${o.files['/sys/kernel/fadump/registered'] ?? o.files['/sys/kernel/fadump_registered'] ?? '-'}`,
    `memory blocks online ${o.memoryBlocksOnline}`,
    o.vmcore === null ? 'no /proc/vmcore' : `/proc/vmcore PT_LOADs ${loadsText(loads)}`,
  ];
  if (s.errno !== null) parts.unshift(`errno ${s.errno}`);
  return parts.join('; ');
}

/** stepsOf()'s answers, per conformance (conformFile() gives one per file): many counterexamples
 *  share a lab path. */
const stepsMemo = new WeakMap<Conformance, { known: readonly KnownDivergence[]; steps: RealStep[] }>();

/** Each step of the transcript beside the model's prediction for the same guest (the replay
 *  `conform` makes), once per conformance and list of known divergences. */
function stepsOf(t: Transcript, c: Conformance, known: readonly KnownDivergence[]): RealStep[] {
  const memo = stepsMemo.get(c);
  if (memo !== undefined && memo.known === known) return memo.steps;
  const steps = computeSteps(t, c, known);
  stepsMemo.set(c, { known, steps });
  return steps;
}

function computeSteps(t: Transcript, c: Conformance, known: readonly KnownDivergence[]): RealStep[] {
  const events = t.steps.flatMap((s) => (s.event === null ? [] : [s.event]));
  const r = replay(
    transcriptConfig(t),
    events.map((event, i) => ({ line: i + 2, event })),
  );
  const isKnown = (d: Conformance['divergences'][number]) =>
    known.some((k) => k.transcript === d.transcript && k.step === d.step && k.field === d.field);
  return t.steps.slice(1).map((s) => {
    const m = r.steps[s.step - 1];
    const memory = r.states[s.step]?.actors.firmware.context.memory.reduce((a, x) => a + (x.end - x.start), 0) ?? null;
    const diffs = c.divergences.filter((d) => d.step === s.step);
    return {
      step: s.step,
      event: s.event === null ? '' : describeEvent(s.event),
      model: m === undefined ? '' : modelText(m, memory, s.observed?.memoryBlockBytes ?? 0),
      observed: observedText(s),
      agrees: diffs.length === 0 ? 'yes' : diffs.every(isKnown) ? 'known' : 'no',
    };
  });
}

/** The evidence for one manifest entry, from the transcripts in `dir`. */
export function evidenceFor(e: ManifestEntry, dir: string, known: readonly KnownDivergence[]): RealEvidence {
  if (e.path === undefined || e.kernel === undefined)
    return { kind: 'not-performable', reason: e.reason ?? 'no lab path' };
  const file = join(dir, `${e.platform ?? 'pseries'}-${e.kernel}-${e.path}.jsonl`);
  if (!existsSync(file))
    return { kind: 'not-run', path: e.path, reason: `no transcript yet (npm run lab -- counterexamples): ${file}` };
  const { transcript: t, conformance: c } = conformFile(file);
  const judgement = judgeCounterexample(e, t, c, known);
  return {
    kind: 'ran',
    path: e.path,
    transcript: c.transcript,
    judgement,
    steps: stepsOf(t, c, known),
    violationStep: e.step ?? t.steps.length - 1,
  };
}

/** Every counterexample's evidence, keyed by "configuration\u0000property". */
export function realEvidence(
  manifest: readonly ManifestEntry[] = readManifest(),
  dir: string = REAL_DIR.pathname,
  known: readonly KnownDivergence[] = readKnownDivergences(join(dir, 'known-divergences.json')),
): Map<string, RealEvidence> {
  return new Map(manifest.map((e) => [`${e.configuration}\u0000${e.property}`, evidenceFor(e, dir, known)]));
}

/** The verdict line for people: "seen on Linux 6.1.176 under QEMU 11.1.3: <evidence>", or
 *  "not reproduced: <reason>". */
export function verdictLine(ev: RealEvidence): string {
  if (ev.kind === 'not-performable') return `not reproduced: ${ev.reason}`;
  if (ev.kind === 'not-run') return `not reproduced: ${ev.reason}`;
  const j = ev.judgement;
  return j.verdict === 'seen' ? `seen on ${j.on}: ${j.evidence ?? ''}` : `not reproduced on ${j.on}: ${j.reason ?? ''}`;
}

/** A run that did not show the violation, by kind: the real kernel disagreed, the guest run ended
 *  early, or the violation is not visible in what the guest reports (judgeCounterexample()). */
function ranReason(reason: string): string {
  if (reason.startsWith('the guest run ended')) return 'the guest run ended early';
  if (reason.includes('not visible in what the guest reports')) return 'not visible in what the guest reports';
  return 'the real kernel disagreed';
}

/** One line for `check`: how many of the matrix's counterexamples a real kernel showed, on which
 *  kernels, and why the rest were not reproduced (counted by reason, the commonest first). */
export function realCounterexamplesLine(evidence: ReadonlyMap<string, RealEvidence> = realEvidence()): string {
  const all = [...evidence.values()];
  const count = (xs: readonly string[]) => {
    const m = new Map<string, number>();
    for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
    return [...m].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} on ${k}`);
  };
  const seen = all.flatMap((e) => (e.kind === 'ran' && e.judgement.verdict === 'seen' ? [e.judgement.on] : []));
  const why = all.flatMap((e) => {
    if (e.kind === 'ran') return e.judgement.verdict === 'seen' ? [] : [ranReason(e.judgement.reason ?? '')];
    const r = e.reason
      .replace(/^the model holds on this path in the lab guest.*/, 'the model holds in the lab guest')
      .replace(/^needs Linux .*/, 'needs another kernel release')
      .replace(/ ?[:;(].*$/, '');
    return [e.kind === 'not-run' ? 'no transcript yet' : r];
  });
  const reasons = count(why).map((s) => s.replace(/^(\d+) on /, '$1: '));
  return `counterexamples on real kernels (lab/paths/counterexamples.json): ${seen.length} of ${all.length} seen (${count(seen).join(', ') || 'none'}); not reproduced: ${reasons.join(', ') || 'none'}`;
}
