// Issue 7 §3: heavy use. --max-states and --max-memory stop an exploration with "incomplete" and
// the partial figures instead of running out of memory; without --max-memory an exploration stops
// at a share of its heap limit rather than dying; Ctrl-C stops a running exploration promptly
// (the workers poll a shared stop flag), prints the partial result and exits 130, leaving no
// partial or temporary file behind.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main';
import { parseLog } from '../src/log/parse';
import { TEMP_FILE_PATTERN } from '../src/util/atomic';

/** Over a million states: faults and memory bounds 4-12 GiB in 256 MiB blocks. */
const BIG = {
  platform: 'pseries',
  elfcorehdr: 'at-registration',
  faults: true,
  memoryMiB: 8192,
  minMemoryMiB: 4096,
  maxMemoryMiB: 12288,
};
const bin = join(process.cwd(), 'bin', 'fadump-model.mjs');
/** Its display name: every setting away from the defaults (the bounds included). */
const BIG_NAME = 'pseries at-registration fadump=on 8G faults minMemoryMiB=4096 maxMemoryMiB=12288';

let dir = '';
let bigFile = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fadump-resources-'));
  bigFile = join(dir, 'big.json');
  writeFileSync(bigFile, JSON.stringify(BIG));
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

interface CheckJson {
  results: { property: string; verdict: string; states: number; note?: string }[];
  runs: { config: string; states: number; transitions: number; complete: boolean; stopReason: string }[];
  interrupted: boolean;
}

/** Every file in the folder is a complete, replayable log, and none is a temporary file. */
function expectCleanOutDir(out: string): void {
  const names = readdirSync(out);
  expect(names.filter((n) => TEMP_FILE_PATTERN.test(n) || n.endsWith('.tmp'))).toEqual([]);
  for (const n of names) expect(() => parseLog(readFileSync(join(out, n), 'utf8'), n)).not.toThrow();
}

describe('resource bounds on a configuration with over a million states', () => {
  it('--max-states: "incomplete" with the partial figures', async () => {
    const out = join(dir, 'out-states');
    const r = await cli(['check', '--config', bigFile, '--max-states', '20000', '--json', '--out', out]);
    // Nothing is recorded for this configuration: its violations fail the run.
    expect(r.code, r.err).toBe(1);
    const j = JSON.parse(r.out) as CheckJson;
    expect(j.runs).toHaveLength(1);
    expect(j.runs[0]).toMatchObject({ complete: false, stopReason: 'max-states' });
    expect(j.runs[0]?.states).toBeGreaterThanOrEqual(20_000);
    expect(j.runs[0]?.transitions).toBeGreaterThan(0);
    expect(new Set(j.results.map((x) => x.verdict))).toEqual(new Set(['incomplete', 'violated']));
    for (const x of j.results.filter((y) => y.verdict === 'incomplete'))
      expect(x.note).toMatch(/before max-states|not decided: exploration stopped \(max-states\)/);
    expectCleanOutDir(out);
  });

  it('the committed large configuration (README "Large state spaces") is accepted and explored', async () => {
    const r = await cli([
      'check',
      '--config',
      join('configs', 'large.json'),
      '--max-states',
      '5000',
      '--json',
      '--out',
      join(dir, 'out-large'),
    ]);
    // Nothing is recorded for it: the firmware-fault violations found in 5,000 states fail the run.
    expect(r.code, r.err).toBe(1);
    const j = JSON.parse(r.out) as CheckJson;
    expect(j.runs[0]).toMatchObject({
      config: 'large: pseries at-registration faults, 6.5-9.75 GiB',
      complete: false,
      stopReason: 'max-states',
    });
  });

  it('--max-memory: "incomplete" with the partial figures, well before the heap is full', async () => {
    const r = await cli(['check', '--config', bigFile, '--max-memory', '32M', '--out', join(dir, 'out-memory')]);
    expect([0, 1], r.err).toContain(r.code);
    expect(r.out.replace(/\s+/g, ' ')).toMatch(
      /incomplete: pseries at-registration fadump=on 8G faults minMemoryMiB=4096 maxMemoryMiB=12288: stopped at the memory budget \(--max-memory; by default half the heap limit\) after [\d,]+ states? and [\d,]+ transitions?/,
    );
    expect(r.out).toContain(`${BIG_NAME} (`);
    expect(r.out).toMatch(/states\)\n +(FAIL|\?)/);
  });

  it('without --max-memory, a small heap: the exploration stops at its budget instead of dying out of memory', () => {
    const p = spawnSync(
      process.execPath,
      ['--max-old-space-size=160', bin, 'check', '--config', bigFile, '--json', '--out', join(dir, 'out-heap')],
      { encoding: 'utf8', timeout: 120_000 },
    );
    // Nothing is recorded for this configuration: the violations found before the stop fail the run.
    expect(p.status, p.stderr).toBe(1);
    const j = JSON.parse(p.stdout) as CheckJson;
    expect(j.runs[0]).toMatchObject({ complete: false, stopReason: 'max-memory' });
  });

  it('Ctrl-C (its SIGINT given twice at once, as timeout -s INT does): stops the exploration under way, prints the partial result, exits 130, leaves no partial file', async () => {
    const out = join(dir, 'out-sigint');
    const child = spawn(process.execPath, [bin, 'check', '--config', bigFile, '--out', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    // Until the worker is exploring (the whole configuration takes minutes): without a terminal,
    // check says what is under way every few seconds (src/cli/check.ts UNDER_WAY_EVERY_MS).
    const started = performance.now();
    while (!/check: under way: .*: [\d,]+ states/.test(stderr) && performance.now() - started < 90_000)
      await new Promise((r) => setTimeout(r, 200));
    expect(stderr).toMatch(/check: exploring 1 configuration\n/);
    expect(stderr).toMatch(/check: under way: pseries at-registration fadump=on 8G faults [^:]*: [\d,]+ states/);
    const sent = performance.now();
    // Twice at once, as `timeout -s INT` sends it (to the command, then to its process group):
    // one interrupt, whose partial result is printed.
    child.kill('SIGINT');
    child.kill('SIGINT');
    const { code, signal } = await exited;
    const seconds = (performance.now() - sent) / 1000;
    expect(signal, stderr).toBeNull();
    expect(code, stderr).toBe(130);
    expect(seconds).toBeLessThan(15);
    // The text is wrapped to the terminal's width (100 columns in a pipe): compared with the spaces
    // and line breaks merged.
    const text = stdout.replace(/\s+/g, ' ');
    expect(text).toContain(`incomplete: ${BIG_NAME}: interrupted after `);
    expect(text).toMatch(/interrupted after [\d,]+ states? and [\d,]+ transitions?/);
    expect(text).toContain(
      'interrupted: 0 of 1 configuration explored to the end, 1 stopped part-way, 0 not started (the results above are partial)',
    );
    expect(stdout).toContain(`${BIG_NAME} (`);
    expect(stderr).not.toMatch(/\n\s+at /);
    expectCleanOutDir(out);
  });
});
