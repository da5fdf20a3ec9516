// The CLI runs from a bundle of its sources (bin/bundle.mjs). What a user would notice if that went
// wrong: an edit to a source that the CLI does not run, workers that fail to start from the
// bundle, answers or shards that differ from the sources', stack traces that point nowhere, or a
// CLI that no longer starts when the bundle cannot be built. Each is tried on a copy of the
// checkout, so that the checkout's own bundle is left alone.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = process.cwd();
const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A copy of what the CLI reads (bin, src without its bundle, machines, lab, tsconfig.json), its
 *  node_modules a link to the checkout's. */
function copyCheckout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fadump-bundle-'));
  made.push(dir);
  for (const part of ['bin', 'src', 'machines', 'lab', 'tsconfig.json', 'package.json'])
    cpSync(join(ROOT, part), join(dir, part), {
      recursive: true,
      filter: (f) => !f.includes(`${join('src', '.bundle')}`),
    });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
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
  // A copy whose bundle cannot be built (src/.bundle is a file): the CLI runs the sources through
  // tsx, and says so.
  const fromSources = copyCheckout();
  writeFileSync(join(fromSources, 'configs.json'), JSON.stringify(CONFIGS));
  writeFileSync(join(fromSources, 'src', '.bundle'), 'not a folder\n');
  const check = ['check', '--config', 'configs.json', '--json', '--workers', '2'];

  it('is built on first use, and its workers (split ones too) give the verdicts the sources give', () => {
    const first = run(dir, [...check, '--split', '2']);
    expect(first.err).toContain('check: [2/2]');
    expect(first.err).not.toContain('through tsx');
    expect(existsSync(join(dir, 'src', '.bundle', 'main.mjs'))).toBe(true);
    const plain = run(fromSources, check);
    expect(plain.err).toContain(
      'fadump-model: running the sources through tsx: the bundle (src/.bundle) could not be built',
    );
    expect(plain.err).toContain('check: [2/2]');
    expect(first.code).toBe(plain.code);
    expect(verdicts(first.out)).toEqual(verdicts(plain.out));
    expect(verdicts(first.out).length).toBeGreaterThan(20);
  }, 240_000);

  it('makes shards that merge with those of the sources run through tsx (one model version)', () => {
    const shard = (d: string, k: number) => {
      const r = run(d, ['check', '--config', 'configs.json', '--workers', '1', '--shard', `${k}/2`]);
      writeFileSync(join(dir, `shard-${k}.json`), r.out);
    };
    shard(dir, 1);
    shard(fromSources, 2);
    const merged = run(dir, ['check', '--merge', 'shard-1.json', 'shard-2.json', '--json']);
    expect(merged.err).not.toContain('another version of the model');
    expect(verdicts(merged.out).length).toBeGreaterThan(20);
  }, 240_000);

  it('maps a stack trace to the sources: every source its maps name exists', () => {
    for (const name of ['main', 'worker-entry', 'split-worker-entry']) {
      const map = JSON.parse(readFileSync(join(dir, 'src', '.bundle', `${name}.mjs.map`), 'utf8')) as {
        sources: string[];
      };
      expect(map.sources.length).toBeGreaterThan(40);
      // esbuild's namespaced modules (the stand-in for tsx's register) are no files.
      for (const source of map.sources.filter((f) => !/^[a-z-]+:/.test(f)))
        expect(existsSync(join(dir, 'src', '.bundle', source)), source).toBe(true);
    }
  });

  it('runs an edited source: the bundle is rebuilt when a source it holds changed', () => {
    const file = join(dir, 'src', 'cli', 'main.ts');
    const text = readFileSync(file, 'utf8');
    const words = 'An executable, event-sourced specification';
    expect(text).toContain(words);
    writeFileSync(file, text.replace(words, 'A bundle rebuilt, event-sourced specification'));
    const help = run(dir, ['--help']);
    expect(help.out).toContain('A bundle rebuilt');
  }, 120_000);

  it('builds again over a stamp.json it cannot read, whatever it holds', () => {
    for (const text of ['', 'null', '[]', '{"format":2,"id":"x","inputs":null}', '{"format":2,"id":"x","inputs":{}}']) {
      writeFileSync(join(dir, 'src', '.bundle', 'stamp.json'), text);
      const r = run(dir, ['--help']);
      expect(r.code, text).toBe(0);
      expect(r.out, text).toContain('Usage: fadump-model');
    }
  }, 120_000);

  it('never runs bundles of two builds together: one from another build is built again', () => {
    const worker = join(dir, 'src', 'explore', 'worker.ts');
    const stamp = () =>
      (JSON.parse(readFileSync(join(dir, 'src', '.bundle', 'stamp.json'), 'utf8')) as { id: string }).id;
    const before = stamp();
    // As if a build at the same moment had put its own worker bundle in place.
    const bundled = join(dir, 'src', '.bundle', 'worker-entry.mjs');
    writeFileSync(bundled, readFileSync(bundled, 'utf8').replace(/^[^\n]*/, '// fadump-model bundle another-build'));
    expect(readFileSync(worker, 'utf8')).toContain('parentPort');
    const r = run(dir, ['--help']);
    expect(r.code).toBe(0);
    expect(stamp()).not.toBe(before);
    expect(readFileSync(bundled, 'utf8').startsWith(`// fadump-model bundle ${stamp()}\n`)).toBe(true);
  }, 120_000);
});
