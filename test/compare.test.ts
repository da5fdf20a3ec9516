// `compare` (issue 6): the talk's "How fadump fares now" (LPC 2024, docs/sources.md §5) read off exploration. Every
// cell is the verdict exploration computes, every log it names exists and replays to the
// violation (or to the state where the figure was measured), and the table follows the
// configuration, not a list of answers.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  COMPARE_COLUMNS,
  COMPARE_ROWS,
  compareTable,
  type CompareCell,
  type CompareTable,
} from '../src/compare/compare';
import { formatCompare } from '../src/compare/format';
import { parseLog } from '../src/log/parse';
import { main } from '../src/cli/main';
import { replayViolation, verdictOf } from './support/verdicts';

let dir = '';
let table: CompareTable;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fadump-compare-'));
  table = await compareTable({ outDir: dir });
}, 120_000);

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

function cell(row: string, column: string): CompareCell {
  const r = table.rows.findIndex((x) => x.id === row);
  const c = table.columns.findIndex((x) => x.id === column);
  const found = table.cells[r]?.[c];
  if (found === undefined) throw new Error(`no cell ${row}/${column}`);
  return found;
}

describe('the table', () => {
  it('has one row per concern and one column per mechanism and generation, every exploration complete', () => {
    expect(table.rows.map((r) => r.id)).toEqual(COMPARE_ROWS.map((r) => r.id));
    expect(table.columns.map((c) => c.id)).toEqual(COMPARE_COLUMNS.map((c) => c.id));
    expect(table.cells).toHaveLength(COMPARE_ROWS.length);
    for (const row of table.cells) expect(row).toHaveLength(COMPARE_COLUMNS.length);
    for (const c of table.columns) expect(c.complete, c.id).toBe(true);
  });

  it('answers the talk’s concerns as the seeds claim', () => {
    expect(cell('devices-reset', 'fadump-in-capture-kernel').answer).toBe('yes');
    expect(cell('devices-reset', 'kdump-udev-reload').answer).toBe('no');
    expect(cell('devices-reset', 'phyp-assisted-dump').answer).toBe('yes');
    expect(cell('second-reboot', 'fadump-at-registration').answer).toBe('no');
    expect(cell('second-reboot', 'kdump-crash-hotplug').answer).toBe('yes');
    expect(cell('second-reboot', 'phyp-assisted-dump').answer).toBe('no');
    expect(cell('window-after-hotplug', 'fadump-at-registration').verdict).toBe('violated');
    expect(cell('window-after-hotplug', 'fadump-in-capture-kernel').verdict).toBe('holds');
    expect(cell('window-after-hotplug', 'kdump-udev-reload').verdict).toBe('violated');
    expect(cell('window-after-hotplug', 'kdump-crash-hotplug').verdict).toBe('holds');
    expect(cell('nothing-armed-window', 'kdump-udev-reload').verdict).toBe('violated');
    expect(cell('nothing-armed-window', 'kdump-crash-hotplug').verdict).toBe('holds');
  });

  it('reports memory available to production as figures: CMA > phyp > nocma > kdump with crashkernel=512M', () => {
    const f = (column: string): number => {
      const x = cell('memory-available', column).figure;
      if (x === null) throw new Error(`no figure for ${column}`);
      return x;
    };
    expect(f('fadump-in-capture-kernel')).toBeGreaterThan(f('phyp-assisted-dump'));
    expect(f('phyp-assisted-dump')).toBeGreaterThan(f('fadump-nocma'));
    expect(f('fadump-nocma')).toBeGreaterThan(f('kdump-udev-reload'));
    expect(f('kdump-udev-reload')).toBe(f('kdump-crash-hotplug'));
    expect(cell('memory-available', 'fadump-in-capture-kernel').memoryBytes).toBe(8 * 1024 ** 3);
  });

  it('every cell is the verdict exploration computes for that configuration and property', () => {
    const sample: [string, string][] = [
      ['devices-reset', 'kdump-udev-reload'],
      ['second-reboot', 'fadump-nocma'],
      ['window-after-hotplug', 'fadump-at-registration'],
      ['memory-available', 'phyp-assisted-dump'],
    ];
    for (const [row, column] of sample) {
      const c = cell(row, column);
      const col = COMPARE_COLUMNS.find((x) => x.id === column);
      if (col === undefined) throw new Error(column);
      const r = verdictOf(col.config, c.property);
      expect(c.verdict, `${row}/${column}`).toBe(r.verdict);
      expect(c.figure ?? undefined).toBe(COMPARE_ROWS.find((x) => x.id === row)?.figure ? r.figure : undefined);
    }
  });

  it('names a log for every violation, and each replays to it', () => {
    let logs = 0;
    table.cells.forEach((row) =>
      row.forEach((c) => {
        const col = COMPARE_COLUMNS.find((x) => x.id === c.column);
        if (col === undefined) throw new Error(c.column);
        if (c.verdict !== 'violated') {
          expect(c.log).toBeNull();
          return;
        }
        expect(c.log, `${c.row}/${c.column}`).not.toBeNull();
        const log = parseLog(readFileSync(c.log ?? '', 'utf8'), c.log ?? '');
        const events = log.entries.map((e) => e.event);
        expect(log.config.name).toBe(table.columns.find((x) => x.id === c.column)?.config);
        expect(replayViolation(col.config, c.property, events), `${c.row}/${c.column}`).toBe(events.length);
        logs++;
      }),
    );
    expect(logs).toBeGreaterThan(5);
  });

  it('names, for every figure, the log of the state where it was measured', () => {
    for (const c of table.cells.flat().filter((x) => x.figure !== null)) {
      expect(c.figureLog).not.toBeNull();
      const log = parseLog(readFileSync(c.figureLog ?? '', 'utf8'), c.figureLog ?? '');
      expect(log.entries.map((e) => e.event.event)).toEqual(['boot']);
    }
  });

  it('follows the configuration: swap a column’s config and its answers move with it', async () => {
    const [hotplugCol] = COMPARE_COLUMNS.filter((c) => c.id === 'kdump-crash-hotplug');
    if (hotplugCol === undefined) throw new Error('column');
    const t = await compareTable({
      outDir: dir,
      columns: [{ ...hotplugCol, config: { ...hotplugCol.config, crashHotplug: false } }],
      rows: COMPARE_ROWS.filter((r) => r.id === 'window-after-hotplug' || r.id === 'nothing-armed-window'),
    });
    expect(t.cells.map((r) => r[0]?.verdict)).toEqual(['violated', 'violated']);
  }, 60_000);

  it('prints a table with every concern and every column, and its logs', () => {
    const text = formatCompare(table);
    for (const r of COMPARE_ROWS) expect(text).toContain(r.concern);
    for (const c of COMPARE_COLUMNS) expect(text).toContain(c.label);
    expect(text).toMatch(/\[1\] .*\.jsonl/);
    expect(text).toMatch(/GiB \(\d+\.\d%\)/);
  });
});

describe('npx fadump-model compare --json', () => {
  it('prints the table as JSON and exits 0', async () => {
    const out: string[] = [];
    const code = await main(['compare', '--json', '--out', dir], { out: (t) => out.push(t), err: (t) => out.push(t) });
    expect(code).toBe(0);
    const parsed = JSON.parse(out.join('')) as CompareTable;
    expect(parsed.columns).toHaveLength(COMPARE_COLUMNS.length);
    expect(parsed.cells[0]?.[0]?.verdict).toBeDefined();
  }, 120_000);
});
