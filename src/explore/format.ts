// The property matrix for a terminal: one row per configuration, one column per property.
import { PROPERTIES } from '../specs/properties';
import type { ConfigRun, Mismatch } from './check';
import type { Verdict } from './explore';

const MARK: Record<Verdict, string> = { holds: 'ok', violated: 'FAIL', incomplete: '?', 'n/a': '-' };

export function formatMatrix(
  runs: readonly ConfigRun[],
  mismatches: readonly Mismatch[],
  files: ReadonlyMap<string, string>,
  unrecorded: readonly string[],
): string {
  const props = PROPERTIES.filter((p) => runs.some((r) => r.results.some((x) => x.property === p.id)));
  const cols = props.map((_, i) => `P${i + 1}`);
  const nameWidth = Math.max(13, ...runs.map((r) => r.config.length));
  const out: string[] = [];
  out.push(
    `${'configuration'.padEnd(nameWidth)}  ${'states'.padStart(8)}  ${cols.map((c) => c.padStart(4)).join(' ')}`,
  );
  for (const run of runs) {
    const cells = props.map((p) => {
      const r = run.results.find((x) => x.property === p.id);
      return (r ? MARK[r.verdict] : '').padStart(4);
    });
    out.push(`${run.config.padEnd(nameWidth)}  ${String(run.states).padStart(8)}  ${cells.join(' ')}`);
  }
  out.push('', 'properties (ok holds, FAIL violated, ? incomplete, - not applicable):');
  props.forEach((p, i) => out.push(`  ${cols[i]} ${p.id}: ${p.sentence}`));
  const violations = runs.flatMap((run) =>
    run.results.filter((r) => r.verdict === 'violated').map((r) => ({ run, r })),
  );
  if (violations.length) {
    out.push('', 'violations (shortest counterexamples):');
    for (const { run, r } of violations) {
      const file = files.get(`${run.config}\u0000${r.property}`);
      const steps = (r.counterexample ?? [])
        .map((e) =>
          e.event === 'write'
            ? `echo ${JSON.stringify(e.value.trim().slice(0, 12))} > ${e.path.split('/').pop()}`
            : e.event === 'memory-hotplug'
              ? `hotplug ${e.action} ${e.lmbs}`
              : e.event,
        )
        .join(' -> ');
      out.push(
        `  ${r.property} @ ${run.config}: ${steps}${r.note ? ` (${r.note})` : ''}${file ? `\n    replay: npx fadump-model replay ${file}` : ''}`,
      );
    }
  }
  const states = runs.reduce((n, r) => n + r.states, 0);
  const seconds = runs.reduce((n, r) => n + r.seconds, 0);
  out.push(
    '',
    `${runs.length} configurations, ${states} states, ${runs.reduce((n, r) => n + r.edges, 0)} transitions explored (${seconds.toFixed(1)} s of exploration)`,
  );
  if (unrecorded.length) out.push(`no expected verdicts recorded for: ${unrecorded.join('; ')}`);
  if (mismatches.length === 0) out.push('every verdict matches src/specs/expected.json');
  else {
    out.push(
      `${mismatches.length} verdict(s) differ from src/specs/expected.json (a regression, or a fix to record with --record):`,
    );
    for (const m of mismatches)
      out.push(`  ${m.property} @ ${m.config}: expected ${m.expected ?? '(nothing)'}, got ${m.got}`);
  }
  return out.join('\n');
}

/** Coverage over all configurations: what no configuration ever reached, per actor. */
export function formatCoverage(runs: readonly ConfigRun[]): string {
  const out: string[] = ['', 'coverage (over every configuration explored):'];
  const actors = new Map<string, { states: Map<string, boolean>; transitions: Map<string, boolean> }>();
  for (const run of runs) {
    for (const c of run.coverage ?? []) {
      const a = actors.get(c.actor) ?? { states: new Map(), transitions: new Map() };
      actors.set(c.actor, a);
      for (const s of c.states.reached) a.states.set(s, true);
      for (const s of c.states.never) if (!a.states.get(s)) a.states.set(s, false);
      for (const t of c.transitions.reached) a.transitions.set(t, true);
      for (const t of c.transitions.never) if (!a.transitions.get(t)) a.transitions.set(t, false);
    }
  }
  for (const [actor, a] of actors) {
    const count = (m: Map<string, boolean>) => [...m.values()].filter(Boolean).length;
    out.push(
      `  ${actor}: states ${count(a.states)}/${a.states.size}, transitions ${count(a.transitions)}/${a.transitions.size}`,
    );
    for (const [s, ok] of a.states) if (!ok) out.push(`    state never reached: ${s}`);
    for (const [t, ok] of a.transitions) if (!ok) out.push(`    transition never taken: ${t}`);
  }
  return out.join('\n');
}
