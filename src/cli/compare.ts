// `fadump-model compare [--json] [--out DIR]`: the comparison of mechanisms, computed.
import { compareTable } from '../compare/compare';
import { formatCompare } from '../compare/format';
import type { Io } from './io';

export interface CompareFlags {
  json?: boolean;
  out: string;
}

/** `npx fadump-model compare [--json] [--out dir]`. */
export async function compareCommand(flags: CompareFlags, io: Io): Promise<number> {
  const t = await compareTable({ outDir: flags.out });
  io.out(flags.json ? JSON.stringify(t, null, 2) : formatCompare(t));
  return t.columns.every((c) => c.complete) ? 0 : 1;
}
