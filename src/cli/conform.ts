// `fadump-model conform TRANSCRIPT... [--known FILE] [--json]`: replays each transcript's events
// through the model configured as the guest was and prints the first divergence of each path
// (expected vs observed, with the step) and a summary. Exit 0: every divergence is a known one (or
// none), 1: an unlisted divergence, a listed one that no longer happens, or a path that did not
// complete (the guest died, timed out, was interrupted, or the transcript has no end line), 2: bad
// input.
import { z } from 'zod';
import { InputError, readText } from '../util/read';
import { parseJsonWith } from '../conform/transcript';
import {
  againstKnown,
  conform,
  readTranscript,
  totals,
  type Conformance,
  type KnownDivergence,
} from '../conform/conform';

const KnownSchema = z.array(
  z
    .object({
      transcript: z.string(),
      step: z.number().int().nonnegative(),
      field: z.string(),
      reason: z.string().min(10),
    })
    .strict(),
);

/** Reads a known-divergence list (JSON array; bounded, UTF-8). InputError naming the file, the
 *  line and the field. */
export function readKnown(file: string): KnownDivergence[] {
  const text = readText(file, {
    maxBytes: MAX_KNOWN_BYTES,
    what: 'a known-divergence list',
    why: 'one entry per divergence, with its reason',
  });
  return parseJsonWith(KnownSchema, text, file);
}

/** The largest known-divergence list read (test/real/known-divergences.json is a few KB). */
const MAX_KNOWN_BYTES = 4 * 1024 * 1024;

const stepsText = (n: number) => `${n} step${n === 1 ? '' : 's'}`;

export interface ConformFlags {
  known?: string;
  json?: boolean;
}

/** The command's text: per transcript its first divergence (with `known`: marked as known, with
 *  its recorded reason, where it is listed), then the totals. */
export function formatConformance(results: readonly Conformance[], known: readonly KnownDivergence[] = []): string {
  const lines: string[] = [];
  const reasonOf = (d: { transcript: string; step: number; field: string }) =>
    known.find((k) => k.transcript === d.transcript && k.step === d.step && k.field === d.field)?.reason;
  for (const r of results) {
    const first = r.divergences[0];
    // A path cut short agrees with nothing past its end: say so, whatever its steps showed.
    if (r.end !== 'completed')
      lines.push(`cut short ${r.transcript} (${r.kernel}, ${stepsText(r.steps)} recorded): ${r.end}`);
    if (first === undefined) {
      if (r.end === 'completed') lines.push(`agrees   ${r.transcript} (${r.kernel}, ${stepsText(r.steps)})`);
    } else {
      const reason = reasonOf(first);
      lines.push(
        `${reason === undefined ? 'diverges' : 'known   '} ${r.transcript} (${r.kernel}) at step ${first.step}, ${first.field}:`,
      );
      if (reason !== undefined) lines.push(`    known divergence: ${reason}`);
      lines.push(`    model:    ${first.expected.replace(/\n/g, '\n              ')}`);
      lines.push(`    observed: ${first.observed.replace(/\n/g, '\n              ')}`);
      if (r.divergences.length > 1) lines.push(`    (+${r.divergences.length - 1} more fields or steps)`);
    }
    // The dump outcome, told the same way for both (src/explain/outcome.ts): the guest's own
    // vmcore beside the model's outcome at that step.
    if (r.observedOutcome !== null && r.observedAt !== null) {
      lines.push(`    dump at step ${r.observedAt.step}, model:    ${r.observedAt.model.summary}`);
      lines.push(`    dump at step ${r.observedAt.step}, observed: ${r.observedOutcome.summary}`);
    }
  }
  const { steps, agree, whole } = totals(results);
  const short = results.filter((r) => r.end !== 'completed').length;
  lines.push(
    `${results.length} transcript${results.length === 1 ? '' : 's'}, ${stepsText(steps)}, ${agree} agree (${steps ? ((100 * agree) / steps).toFixed(1) : '0'}%), ${whole} paths agree throughout${short ? `; ${short} cut short` : ''}`,
  );
  return lines.join('\n');
}

export function conformCommand(
  files: readonly string[],
  flags: ConformFlags,
  io: { out: (t: string) => void; err: (t: string) => void },
): number {
  if (files.length === 0) throw new InputError('conform: name at least one transcript');
  const results = files.map((f) => conform(readTranscript(f)));
  const known = flags.known === undefined ? null : readKnown(flags.known);
  const judged =
    known === null
      ? null
      : againstKnown(
          results.flatMap((r) => r.divergences),
          known,
          new Set(results.map((r) => r.transcript)),
        );
  if (flags.json)
    io.out(JSON.stringify({ results, ...(judged ? { unlisted: judged.unlisted, stale: judged.stale } : {}) }, null, 2));
  else {
    io.out(formatConformance(results, known ?? []));
    if (judged) {
      const all = results.reduce((n, r) => n + r.divergences.length, 0);
      io.out(
        `${all} divergent field${all === 1 ? '' : 's'}: ${all - judged.unlisted.length} listed in ${flags.known ?? ''}, ${judged.unlisted.length} not listed; ${judged.stale.length} listed one${judged.stale.length === 1 ? '' : 's'} no longer happen${judged.stale.length === 1 ? 's' : ''}`,
      );
      for (const d of judged.unlisted)
        io.out(
          `NOT LISTED: ${d.transcript} step ${d.step} ${d.field}: model ${JSON.stringify(d.expected)}, observed ${JSON.stringify(d.observed)}`,
        );
      for (const d of judged.stale)
        io.out(`NO LONGER HAPPENS: ${d.transcript} step ${d.step} ${d.field} (${d.reason})`);
    }
  }
  if (results.some((r) => r.end !== 'completed')) return 1;
  if (judged === null) return results.some((r) => r.divergences.length > 0) ? 1 : 0;
  return judged.unlisted.length || judged.stale.length ? 1 : 0;
}
