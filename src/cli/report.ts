// `fadump-model report [--out DIR] [--config FILE...] [--workers N]`: the HTML review page.
import { join } from 'node:path';
import { readConfigFiles } from '../inputs';
import { generateReport } from '../report/report';
import { checkOutDir } from './check';
import { UsageError, type Io } from './io';

/** The `report` command's flags as commander hands them over. */
export interface ReportFlags {
  out: string;
  /** --config FILE, given once or more. */
  config?: string[];
  workers?: string;
}

/**
 * `fadump-model report`: writes the HTML review page (index.html, sequences) under --out.
 * @returns 0.
 * @throws UsageError (exit 2) on a bad --workers, --config file, or an --out that is a file or
 *   cannot be written, before any work.
 */
export async function reportCommand(flags: ReportFlags, io: Io): Promise<number> {
  let workers: number | undefined;
  if (flags.workers !== undefined) {
    if (!/^\d+$/.test(flags.workers.trim()) || Number(flags.workers) < 1 || Number(flags.workers) > 64) {
      throw new UsageError(`--workers: expected a whole number from 1 to 64, got '${flags.workers}'`);
    }
    workers = Number(flags.workers);
  }
  const inputs = flags.config === undefined ? undefined : readConfigFiles(flags.config);
  checkOutDir(flags.out);
  const r = await generateReport(flags.out, {
    ...(inputs === undefined ? {} : { inputs }),
    ...(workers === undefined ? {} : { workers }),
  });
  const index = r.files.find((f) => f.name === 'index.html');
  io.out(`${join(r.outDir, 'index.html')} (${index?.bytes ?? 0} bytes)`);
  io.out(`${join(r.outDir, 'sequences.md')} and ${r.files.length - 2} files in ${join(r.outDir, 'sequences')}`);
  const cmp = r.model.compare;
  if (cmp !== null)
    io.out(
      cmp.table === null
        ? `comparison of mechanisms: not computed (${cmp.error ?? ''})`
        : `comparison of mechanisms: ${cmp.table.columns.length} columns, logs in ${join(r.outDir, 'compare')}`,
    );
  io.out(
    `${r.model.stats.configs} configurations, ${r.model.stats.states} states, ${r.model.counterexamples.length} counterexamples drawn; ${(r.ms / 1000).toFixed(1)} s (${r.model.stats.exploreSeconds.toFixed(1)} s of exploration)`,
  );
  return 0;
}
