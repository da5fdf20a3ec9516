// `compare`: the LPC 2024 talk's table "How fadump fares now" (docs/sources.md §5) regenerated from the model (issue
// 6): one row per concern, one column per mechanism and generation, each cell the verdict (or the
// figure) that exploration computed for that configuration, with the event log that shows it.
// Nothing here decides a verdict: every cell is read off runMatrix's results; the rows only say
// how a property's verdict reads as an answer to the concern.
import { join } from 'node:path';
import type { ConfigInput } from '../config';
import { parseConfig } from '../config';
import type { ExternalEvent } from '../events';
import { runMatrix, slug, type ConfigRun } from '../explore/check';
import type { Verdict } from '../explore/explore';
import { formatLog } from '../log/parse';
import { propertyById } from '../specs/properties';
import { writeFileAtomic } from '../util/atomic';

/** One mechanism and generation. */
export interface CompareColumn {
  id: string;
  label: string;
  config: ConfigInput;
}

/** One concern: the property that answers it and how its verdict reads. */
export interface CompareRow {
  id: string;
  concern: string;
  property: string;
  /** The answer when the property holds, and when it is violated. */
  holds: string;
  violated: string;
  /** The row reports the property's figure (bytes) too. */
  figure: boolean;
  /** A violation's answer says after which event it shows (when that is not the first one). */
  where?: boolean;
}

export interface CompareCell {
  row: string;
  column: string;
  property: string;
  verdict: Verdict;
  /** The row's reading of the verdict ("yes", "no", ...), with the figure where there is one. */
  answer: string;
  figure: number | null;
  /** RAM of the configuration, for reading the figure. */
  memoryBytes: number;
  /** The counterexample's event log (violated), written under the output folder. */
  log: string | null;
  /** The log that reaches the state where the figure was measured. */
  figureLog: string | null;
  note: string | null;
}

export interface CompareTable {
  columns: {
    id: string;
    label: string;
    config: string;
    input: ConfigInput;
    states: number;
    seconds: number;
    complete: boolean;
  }[];
  rows: { id: string; concern: string; property: string; sentence: string; source: string }[];
  /** cells[r][c]: row r, column c. */
  cells: CompareCell[][];
  outDir: string;
}

const MEMORY_MIB = 8192;

/** The talk's columns: fadump before and after the 2024 change, with and without CMA; kdump with
 *  the udev reload and with CONFIG_CRASH_HOTPLUG; the 2007 hypervisor-assisted dump. All pSeries,
 *  8 GB. kdump reserves crashkernel=512M (kdump-utils' default for 4-16 GB on ppc64 [U][I]). */
export const COMPARE_COLUMNS: readonly CompareColumn[] = [
  {
    id: 'fadump-at-registration',
    label: 'fadump at-registration',
    config: { platform: 'pseries', elfcorehdr: 'at-registration', fadump: 'on', memoryMiB: MEMORY_MIB },
  },
  {
    id: 'fadump-in-capture-kernel',
    label: 'fadump in-capture-kernel',
    config: { platform: 'pseries', elfcorehdr: 'in-capture-kernel', fadump: 'on', memoryMiB: MEMORY_MIB },
  },
  {
    id: 'fadump-nocma',
    label: 'fadump nocma',
    config: { platform: 'pseries', elfcorehdr: 'in-capture-kernel', fadump: 'nocma', memoryMiB: MEMORY_MIB },
  },
  {
    id: 'kdump-udev-reload',
    label: 'kdump udev reload',
    config: {
      platform: 'pseries',
      mechanism: 'kdump',
      crashkernel: '512M',
      crashHotplug: false,
      memoryMiB: MEMORY_MIB,
    },
  },
  {
    id: 'kdump-crash-hotplug',
    label: 'kdump CRASH_HOTPLUG',
    config: { platform: 'pseries', mechanism: 'kdump', crashkernel: '512M', crashHotplug: true, memoryMiB: MEMORY_MIB },
  },
  {
    id: 'phyp-assisted-dump',
    label: 'phyp-assisted-dump',
    config: { platform: 'pseries', mechanism: 'phyp-assisted-dump', memoryMiB: MEMORY_MIB },
  },
];

/** The talk's concerns and the ones docs/sources.md's documents argue about, each answered by one property. */
export const COMPARE_ROWS: readonly CompareRow[] = [
  {
    id: 'devices-reset',
    concern: 'devices reset before capture',
    property: 'devices-reset-before-capture',
    holds: 'yes',
    violated: 'no',
    figure: false,
  },
  {
    id: 'second-reboot',
    concern: 'second reboot needed',
    property: 'no-second-reboot',
    holds: 'no',
    violated: 'yes',
    figure: false,
  },
  {
    id: 'window-after-hotplug',
    concern: 'ready after memory hotplug',
    property: 'always-ready-after-hotplug',
    holds: 'always',
    violated: 'stale/window',
    figure: false,
  },
  {
    id: 'nothing-armed-window',
    concern: 'window with nothing armed',
    property: 'no-crash-kernel-loaded-window',
    holds: 'none',
    violated: 'yes',
    figure: false,
  },
  {
    id: 'accurate-vmcore',
    concern: 'vmcore matches crashed memory',
    property: 'accurate-vmcore',
    holds: 'always',
    violated: 'not always',
    figure: false,
  },
  {
    id: 'no-lost-dump',
    concern: 'crash while armed gives a vmcore',
    property: 'no-lost-dump',
    holds: 'always',
    violated: 'not always',
    figure: false,
  },
  {
    id: 'eventually-ready',
    concern: 'gets back to production, armed',
    property: 'eventually-ready',
    holds: 'always',
    violated: 'not always',
    figure: false,
  },
  {
    id: 'memory-available',
    concern: 'memory available to production',
    property: 'memory-available-to-production',
    holds: 'kept',
    violated: 'withheld',
    figure: true,
    where: true,
  },
];

export interface CompareOptions {
  /** Where the event logs go (default out/compare). */
  outDir?: string;
  workers?: number;
  columns?: readonly CompareColumn[];
  rows?: readonly CompareRow[];
}

/** "echo 1 > release_mem", "crash", "hotplug add 1". */
export function shortEvent(e: ExternalEvent): string {
  if (e.event === 'write') return `echo ${e.value.trim()} > ${e.path.split('/').pop() ?? e.path}`;
  if (e.event === 'memory-hotplug') return `hotplug ${e.action} ${e.lmbs ?? e.drcIndex ?? e.address}`;
  if (e.event === 'cpu-hotplug') return `cpu ${e.action} ${e.cpus}`;
  return e.event;
}

function writeLog(outDir: string, column: CompareColumn, name: string, events: readonly ExternalEvent[]): string {
  const file = join(outDir, `${slug(column.id)}__${slug(name)}.jsonl`);
  writeFileAtomic(file, formatLog(column.config, events));
  return file;
}

/** Explores every column's configuration and reads the table off the results. */
export async function compareTable(options: CompareOptions = {}): Promise<CompareTable> {
  const outDir = options.outDir ?? 'out/compare';
  const columns = options.columns ?? COMPARE_COLUMNS;
  const rows = options.rows ?? COMPARE_ROWS;
  const properties = [...new Set(rows.map((r) => r.property))];
  const runs: ConfigRun[] = await runMatrix(
    columns.map((c) => c.config),
    { properties, ...(options.workers === undefined ? {} : { workers: options.workers }) },
  );
  const runOf = (c: CompareColumn): ConfigRun => {
    const parsed = parseConfig(c.config);
    if (!parsed.ok) throw new Error(`compare column ${c.id}: invalid configuration`);
    const run = runs.find((r) => r.config === parsed.config.name);
    if (run === undefined) throw new Error(`compare column ${c.id}: no result (interrupted?)`);
    return run;
  };
  const cells = rows.map((row) =>
    columns.map((column): CompareCell => {
      const run = runOf(column);
      const r = run.results.find((x) => x.property === row.property);
      if (r === undefined) throw new Error(`compare: no result for ${row.property} on ${run.config}`);
      const parsed = parseConfig(column.config);
      const memoryBytes = parsed.ok ? parsed.config.memoryBytes : 0;
      const log =
        r.verdict === 'violated' && r.counterexample !== null
          ? writeLog(outDir, column, row.property, r.counterexample)
          : null;
      const figure = row.figure && r.figure !== undefined ? r.figure : null;
      const figureLog =
        figure !== null && r.figureAt !== undefined
          ? writeLog(outDir, column, `${row.property}.figure`, r.figureAt)
          : null;
      const last =
        r.counterexample !== null && r.counterexample.length > 1
          ? r.counterexample[r.counterexample.length - 1]
          : undefined;
      const where =
        row.where === true && r.verdict === 'violated' && last !== undefined ? ` after ${shortEvent(last)}` : '';
      const answer =
        r.verdict === 'holds' ? row.holds : r.verdict === 'violated' ? `${row.violated}${where}` : r.verdict;
      return {
        row: row.id,
        column: column.id,
        property: row.property,
        verdict: r.verdict,
        answer,
        figure,
        memoryBytes,
        log,
        figureLog,
        note: r.note,
      };
    }),
  );
  return {
    columns: columns.map((c) => {
      const run = runOf(c);
      return {
        id: c.id,
        label: c.label,
        config: run.config,
        input: c.config,
        states: run.states,
        seconds: run.seconds,
        complete: run.complete,
      };
    }),
    rows: rows.map((r) => {
      const p = propertyById(r.property);
      return {
        id: r.id,
        concern: r.concern,
        property: r.property,
        sentence: p?.sentence ?? '',
        source: p?.source ?? '',
      };
    }),
    cells,
    outDir,
  };
}
