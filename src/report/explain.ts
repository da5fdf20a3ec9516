// Explanations generated from the data, never written by hand: why a property breaks at a step
// (from the frame's facts: /proc/vmcore's PT_LOADs against the memory at the crash, the dump
// outcome, the states), what each step of the log did, and which single change of configuration
// turns a violation into "holds" (pairs of configurations of the matrix that differ in one key).
import { ACTORS } from '../../machines/system';
import { explainAlong } from '../explain/violation';
import type { Property } from '../specs/properties';
import { diffPtLoads, ptLoadsText, rangesText, type Break, type Frame, type Trace } from './trace';
import type { Sequence } from './sequence';

/** Lines saying why the property fails at the break frame (the note in the picture, the red box
 *  in the step-through): the shared explanation (src/explain/), the one replay prints. */
export function diagnosis(p: Property, trace: Trace, br: Break, note: string | null): string[] {
  const initial = trace.states[0];
  if (initial === undefined) return [];
  const steps = (function* () {
    for (let i = 1; i <= br.frame; i++) {
      const pre = trace.states[i - 1];
      const event = trace.events[i - 1];
      const result = trace.results[i - 1];
      if (pre === undefined || event === undefined || result === undefined) return;
      yield { pre, event, line: trace.frames[i]?.line ?? i + 1, result };
    }
  })();
  const x = explainAlong(trace.config, p, initial, steps, note);
  return [x.why, ...x.detail];
}

/** One paragraph per step: what the step did, from the picture's notes and the states. */
export function narrative(trace: Trace, seq: Sequence): { frame: number; title: string; lines: string[] }[] {
  return seq.steps
    .filter((s) => s.index > 0)
    .map((s) => {
      const f = trace.frames[s.index];
      const prev = trace.frames[s.index - 1];
      const lines: string[] = [];
      if (f !== undefined && prev !== undefined) {
        const changed = ACTORS.filter((a) => f.states[a] !== prev.states[a]).map(
          (a) => `${a}: ${prev.states[a]} → ${f.states[a]}`,
        );
        if (changed.length) lines.push(changed.join('; '));
      }
      // The notes, less the actors' states already listed.
      for (const it of s.items)
        if (it.kind === 'note' && it.tone === 'fact')
          lines.push(...it.lines.filter((l) => !ACTORS.some((a) => l.startsWith(`${a}: `))));
      return { frame: s.index, title: s.title, lines };
    });
}

// Pairs of configurations that differ in one key: moved to src/explain/contrast.ts (check's
// explanations use them too); re-exported here.
export {
  configKeys,
  flipSentence,
  flips,
  rankKey,
  resolvedValue,
  soleDifference,
  type ConfigVerdict,
  type Flip,
} from '../explain/contrast';

/** Did a frame of a trace describe the memory at the crash exactly? For the contrast's summary. */
export function vmcoreVerdict(f: Frame): string | null {
  if (f.vmcore === null || f.expected === null) return null;
  const d = diffPtLoads(f.vmcore.ptLoad, f.expected);
  return d.same
    ? `/proc/vmcore's PT_LOADs equal those of the memory at the crash (${ptLoadsText(f.expected)})`
    : `/proc/vmcore misses ${rangesText(d.missing)}${d.extra.length ? ` and describes ${rangesText(d.extra)}` : ''}`;
}
