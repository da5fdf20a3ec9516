// The property matrix for a terminal: one row per configuration, one column per property.
import { PROPERTIES } from '../specs/properties';
import type { ConfigRun, Mismatch } from './check';
import type { Verdict } from './explore';

const MARK: Record<Verdict, string> = { holds: 'ok', violated: 'FAIL', incomplete: '?', 'n/a': '-' };

export function formatMatrix(runs: readonly ConfigRun[], mismatches: readonly Mismatch[], files: ReadonlyMap<string, string>, unrecorded: readonly string[]): string {
  const props = PROPERTIES.filter((p) => runs.some((r) => r.results.some((x) => x.property === p.id)));
  const cols = props.map((_, i) => `P${i + 1}`);
  const nameWidth = Math.max(13, ...runs.map((r) => r.config.length));
  const out: string[] = [];
  out.push(`${'configuration'.padEnd(nameWidth)}  ${'states'.padStart(8)}  ${cols.map((c) => c.padStart(4)).join(' ')}`);
  for (const run of runs) {
    const cells = props.map((p) => {
      const r = run.results.find((x) => x.property === p.id);
      return (r ? MARK[r.verdict] : '').padStart(4);
    });
    out.push(`${run.config.padEnd(nameWidth)}  ${String(run.states).padStart(8)}  ${cells.join(' ')}`);
  }
  out.push('', 'properties (ok holds, FAIL violated, ? incomplete, - not applicable):');
  props.forEach((p, i) => out.push(`  ${cols[i]} ${p.id}: ${p.sentence}`));
  const violations = runs.flatMap((run) => run.results.filter((r) => r.verdict === 'violated').map((r) => ({ run, r })));
  if (violations.length) {
    out.push('', 'violations (shortest counterexamples):');
    for (const { run, r } of violations) {
      const file = files.get(`${run.config}\u0000${r.property}`);
      const steps = (r.counterexample ?? []).map((e) => (e.event === 'write' ? `echo ${JSON.stringify(e.value.trim().slice(0, 12))} > ${e.path.split('/').pop()}` : e.event === 'memory-hotplug' ? `hotplug ${e.action} ${e.lmbs}` : e.event)).join(' -> ');
      out.push(`  ${r.property} @ ${run.config}: ${steps}${r.note ? ` (${r.note})` : ''}${file ? `\n    replay: npx fadump-model replay ${file}` : ''}`);
    }
  }
  const states = runs.reduce((n, r) => n + r.states, 0);
  const seconds = runs.reduce((n, r) => n + r.seconds, 0);
  out.push('', `${runs.length} configurations, ${states} states, ${runs.reduce((n, r) => n + r.edges, 0)} transitions explored (${seconds.toFixed(1)} s of exploration)`);
  if (unrecorded.length) out.push(`no expected verdicts recorded for: ${unrecorded.join('; ')}`);
  if (mismatches.length === 0) out.push('every verdict matches src/specs/expected.json');
  else {
    out.push(`${mismatches.length} verdict(s) differ from src/specs/expected.json (a regression, or a fix to record with --record):`);
    for (const m of mismatches) out.push(`  ${m.property} @ ${m.config}: expected ${m.expected ?? '(nothing)'}, got ${m.got}`);
  }
  return out.join('\n');
}
