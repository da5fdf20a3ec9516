// The CLI runs from a bundle of its sources (bin/bundle.mjs). What a user would notice if that went
// wrong: an edit to a source that the CLI does not run, workers that fail to start from the
// bundle, or a CLI that no longer starts when esbuild is missing. Each is tried on a copy of the
// checkout, so that the checkout's own bundle is left alone.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = process.cwd();
const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A copy of what the CLI reads (bin, src without its bundle, machines, lab, tsconfig.json), its
 *  node_modules a folder of links to the checkout's packages, all of them but `without`. */
function copyCheckout(without?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'fadump-bundle-'));
  made.push(dir);
  for (const part of ['bin', 'src', 'machines', 'lab', 'tsconfig.json', 'package.json'])
    cpSync(join(ROOT, part), join(dir, part), {
      recursive: true,
      filter: (f) => !f.includes(`${join('src', '.bundle')}`),
    });
  mkdirSync(join(dir, 'node_modules'));
  for (const name of readdirSync(join(ROOT, 'node_modules')))
    if (name !== without) symlinkSync(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name));
  return dir;
}

function run(dir: string, args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(dir, 'bin', 'fadump-model.mjs'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Two small configurations: two explorations for two workers, one of them split over two. */
const CONFIGS = [
  { name: 'one', platform: 'pseries', memoryMiB: 4096 },
  { name: 'two', platform: 'powernv', memoryMiB: 8192 },
];

function verdicts(json: string): string[] {
  const parsed = JSON.parse(json) as { results: { config: string; property: string; verdict: string }[] };
  return parsed.results.map((r) => `${r.config} ${r.property} ${r.verdict}`);
}

describe('the CLI from its bundle', () => {
  const dir = copyCheckout();
  writeFileSync(join(dir, 'configs.json'), JSON.stringify(CONFIGS));
  const check = ['check', '--config', 'configs.json', '--json', '--workers', '2'];

  it('is built on first use, and its workers (split ones too) give the verdicts the sources give', () => {
    const first = run(dir, [...check, '--split', '2']);
    expect(first.err).toContain('check: [2/2]');
    expect(existsSync(join(dir, 'src', '.bundle', 'main.mjs'))).toBe(true);
    const fromSources = copyCheckout('esbuild');
    writeFileSync(join(fromSources, 'configs.json'), JSON.stringify(CONFIGS));
    const plain = run(fromSources, check);
    // Without esbuild, no bundle: the CLI ran from the sources through tsx.
    expect(existsSync(join(fromSources, 'src', '.bundle'))).toBe(false);
    expect(plain.err).toContain('check: [2/2]');
    expect(first.code).toBe(plain.code);
    expect(verdicts(first.out)).toEqual(verdicts(plain.out));
    expect(verdicts(first.out).length).toBeGreaterThan(20);
  }, 240_000);

  it('runs an edited source: the bundle is rebuilt when a source it holds changed', () => {
    const file = join(dir, 'src', 'cli', 'main.ts');
    const text = readFileSync(file, 'utf8');
    const words = 'An executable, event-sourced specification';
    expect(text).toContain(words);
    writeFileSync(file, text.replace(words, 'A bundle rebuilt, event-sourced specification'));
    const help = run(dir, ['--help']);
    expect(help.out).toContain('A bundle rebuilt');
  }, 120_000);
});
