// The comparison table for a terminal, and the `compare` command.
import { formatSize, GiB } from '../memory/size';
import { type CompareCell, type CompareTable } from './compare';

/** "7.98 GiB (99.8%)" */
export function formatFigure(bytes: number, of: number): string {
  const pct = of > 0 ? ` (${((100 * bytes) / of).toFixed(1)}%)` : '';
  const size = bytes % GiB === 0 ? formatSize(bytes) : `${(bytes / GiB).toFixed(2)} GiB`;
  return `${size}${pct}`;
}

function cellText(c: CompareCell, ref: (file: string) => string): string {
  const parts: string[] = [];
  if (c.figure !== null)
    parts.push(`${formatFigure(c.figure, c.memoryBytes)}${c.figureLog === null ? '' : ` ${ref(c.figureLog)}`}`);
  parts.push(`${c.answer}${c.log === null ? '' : ` ${ref(c.log)}`}`);
  return parts.join('; ');
}

export function formatCompare(t: CompareTable): string {
  const files: string[] = [];
  const ref = (file: string): string => {
    let i = files.indexOf(file);
    if (i < 0) i = files.push(file) - 1;
    return `[${i + 1}]`;
  };
  const texts = t.cells.map((row) => row.map((c) => cellText(c, ref)));
  const firstWidth = Math.max('concern'.length, ...t.rows.map((r) => r.concern.length));
  const widths = t.columns.map((c, j) => Math.max(c.label.length, ...texts.map((row) => (row[j] ?? '').length)));
  const line = (first: string, cells: readonly string[]): string =>
    [first.padEnd(firstWidth), ...cells.map((x, j) => x.padEnd(widths[j] ?? 0))].join(' | ').trimEnd();
  const out: string[] = [];
  out.push('How fadump fares now (the LPC 2024 talk, docs/sources.md §5), computed by exploring each configuration');
  out.push('');
  out.push(
    line(
      'concern',
      t.columns.map((c) => c.label),
    ),
  );
  out.push(['-'.repeat(firstWidth), ...widths.map((w) => '-'.repeat(w))].join('-|-'));
  t.rows.forEach((r, i) => out.push(line(r.concern, texts[i] ?? [])));
  out.push('');
  out.push('configurations:');
  for (const c of t.columns)
    out.push(`  ${c.label}: ${c.config} (${c.states} states${c.complete ? '' : ', INCOMPLETE'})`);
  out.push('');
  out.push('rows (the property each is read from):');
  for (const r of t.rows) out.push(`  ${r.concern}: ${r.property}: ${r.sentence}`);
  if (files.length) {
    out.push('');
    out.push(
      'event logs (counterexamples; for figures, the path to the state measured): npx fadump-model replay <log>',
    );
    files.forEach((f, i) => out.push(`  [${i + 1}] ${f}`));
  }
  return out.join('\n');
}
