// `fadump-model compare [--json] [--out DIR]`: the comparison of mechanisms, computed.
import { compareTable } from '../compare/compare';
import { formatCompare } from '../compare/format';
import { checkOutDir } from './check';
import type { Io } from './io';

export interface CompareFlags {
  json?: boolean;
  out: string;
}

/** `npx fadump-model compare [--json] [--out dir]`.
 *  @returns 0, or 1 when a column's exploration did not complete.
 *  @throws InputError (exit 2) when --out is a file or cannot be written, before exploring. */
export async function compareCommand(flags: CompareFlags, io: Io): Promise<number> {
  checkOutDir(flags.out);
  const t = await compareTable({ outDir: flags.out });
  io.out(flags.json ? JSON.stringify(t, null, 2) : formatCompare(t));
  return t.columns.every((c) => c.complete) ? 0 : 1;
}
