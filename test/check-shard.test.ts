// Issue 17 part 5, a matrix past one machine: `check --shard I/N` explores a slice of the matrix
// and prints its JSON; `check --merge FILES...` prints the one matrix, exactly as an unsharded
// `check` prints it, with its exit code, and refuses what is not every shard of one matrix once.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main';
import { parseShardSpec, shardSlice } from '../src/explore/shard';

let dir = '';
async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
const at = (name: string) => join(dir, name);

/** A small matrix: two configurations of the default matrix (judged against
 *  src/specs/expected.json) and one of our own with a violation nothing records (exit 1). */
const MATRIX = [
  { platform: 'pseries', mechanism: 'phyp-assisted-dump' },
  { platform: 'powernv', petitbootPreservesDump: false, memoryMiB: 16384 },
  { platform: 'pseries', mechanism: 'phyp-assisted-dump', memoryMiB: 4096 },
];

/** The summary's exploration time is the one figure two runs cannot share. */
const untimed = (text: string) => text.replace(/\(\d+\.\d s of exploration\)/, '(T s of exploration)');

let plain = { code: -1, out: '', err: '' };
const shardFiles: string[] = [];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fadump-shard-'));
  writeFileSync(at('matrix.json'), JSON.stringify(MATRIX));
  writeFileSync(at('other.json'), JSON.stringify(MATRIX.slice(0, 2)));
  plain = await cli(['check', '--config', at('matrix.json'), '--workers', '1', '--out', at('cx-a')]);
  for (const i of [1, 2]) {
    const r = await cli(['check', '--config', at('matrix.json'), '--shard', `${i}/2`, '--workers', '1']);
    expect(r.code, r.err).toBe(0);
    const f = at(`shard-${i}.json`);
    writeFileSync(f, r.out);
    shardFiles.push(f);
  }
  // Shard 2/2 of another matrix (two configurations of the three).
  const other = await cli(['check', '--config', at('other.json'), '--shard', '2/2', '--workers', '1']);
  writeFileSync(at('other-2.json'), other.out);
}, 180_000);
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('check --shard I/N, then check --merge', () => {
  it('the merged shards print the unsharded matrix, summary and judgement, with the same exit code', async () => {
    expect(plain.code, plain.out + plain.err).toBe(1);
    expect(plain.out).toContain('FAILED: ');
    // The shards in either order; the counterexample folders' names are as long as each other,
    // so that the replay lines wrap alike.
    const merged = await cli(['check', '--merge', shardFiles[1] ?? '', shardFiles[0] ?? '', '--out', at('cx-b')]);
    expect(merged.code, merged.err).toBe(plain.code);
    expect(untimed(merged.out).replaceAll(at('cx-b'), at('cx-a'))).toBe(untimed(plain.out));
    // The same counterexample logs, written by the merge.
    const logs = readdirSync(at('cx-a')).sort();
    expect(logs.length).toBeGreaterThan(0);
    expect(readdirSync(at('cx-b')).sort()).toEqual(logs);
    for (const f of logs)
      expect(readFileSync(join(at('cx-b'), f), 'utf8')).toBe(readFileSync(join(at('cx-a'), f), 'utf8'));
  });

  it('--merge --json lists the runs in the matrix order, the unrecorded violation as a mismatch', async () => {
    const r = await cli(['check', '--merge', ...shardFiles, '--json', '--out', at('cx-c')]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out) as { runs: { config: string }[]; mismatches: { config: string; expected: null }[] };
    expect(j.runs.map((x) => x.config)).toEqual([
      'pseries phyp-assisted-dump 8G',
      'powernv in-capture-kernel fadump=on 16G petitboot-clobbers',
      'pseries phyp-assisted-dump 4G',
    ]);
    expect(j.mismatches.map((m) => m.config)).toEqual(['pseries phyp-assisted-dump 4G']);
  });

  it('--merge --record FILE records the merged verdicts, and --merge --expect FILE then judges them: exit 0', async () => {
    const mine = at('mine-expected.json');
    const rec = await cli(['check', '--merge', ...shardFiles, '--record', mine, '--out', at('cx-e')]);
    expect(rec.code, rec.err).toBe(0);
    expect(rec.out).toContain(`recorded in ${mine}`);
    const recorded = JSON.parse(readFileSync(mine, 'utf8')) as { configurations: unknown[] };
    expect(recorded.configurations).toHaveLength(3);
    const judged = await cli(['check', '--merge', ...shardFiles, '--expect', mine, '--out', at('cx-e')]);
    expect(judged.code, judged.out).toBe(0);
    expect(judged.out).toContain(`every verdict matches ${mine}`);
  });

  it('--coverage is taken by the shards: --merge prints it when they collected it, and refuses it when not', async () => {
    const files: string[] = [];
    for (const i of [1, 2]) {
      const r = await cli(['check', '--config', at('other.json'), '--shard', `${i}/2`, '--coverage', '--workers', '1']);
      expect(r.code, r.err).toBe(0);
      files.push(at(`coverage-${i}.json`));
      writeFileSync(at(`coverage-${i}.json`), r.out);
    }
    const merged = await cli(['check', '--merge', ...files, '--out', at('cx-f')]);
    expect(merged.code, merged.err).toBe(0);
    expect(merged.out).toContain('coverage (over every configuration explored):');
    const refused = await cli(['check', '--merge', ...shardFiles, '--coverage']);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('the shards were explored without --coverage');
  });

  it('a shard holds configuration k when k mod N = I - 1, whatever the workers', () => {
    const doc = JSON.parse(readFileSync(shardFiles[0] ?? '', 'utf8')) as { runs: { index: number }[] };
    expect(doc.runs.map((r) => r.index)).toEqual([0, 2]);
    expect(shardSlice(10, parseShardSpec('3/4'))).toEqual([2, 6]);
    expect(shardSlice(2, parseShardSpec('4/4'))).toEqual([]);
  });
});

describe('bad shard specs and flag combinations: exit 2, naming the flag', () => {
  it('check --help lists --shard and --merge', async () => {
    const r = await cli(['check', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--shard <I\/N>/);
    expect(r.out).toMatch(/--merge <files\.\.\.>/);
  });

  for (const spec of ['0/2', '3/2', 'x/y', '1/0', '2']) {
    it(`--shard ${spec}`, async () => {
      const r = await cli(['check', '--config', at('matrix.json'), '--shard', spec]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^--shard: .*I\/N/);
    });
  }
  it('--shard with --record, --merge with --config', async () => {
    const a = await cli(['check', '--shard', '1/2', '--record', at('mine.json')]);
    expect(a.code).toBe(2);
    expect(a.err).toContain('give it to check --merge');
    const c = await cli(['check', '--shard', '1/2', '--out', at('cx-g')]);
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/--shard 1\/2 with --out/);
    const b = await cli(['check', '--merge', ...shardFiles, '--config', at('matrix.json')]);
    expect(b.code).toBe(2);
    expect(b.err).toContain('--merge with --config');
  });
});

describe('bad merge inputs: exit 2, naming the file and the field', () => {
  it('a missing shard', async () => {
    const r = await cli(['check', '--merge', shardFiles[0] ?? '', '--out', at('cx-d')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('missing shard 2/2');
    expect(r.out).toBe('');
  });

  it('a shard given twice', async () => {
    const copy = at('shard-1-copy.json');
    writeFileSync(copy, readFileSync(shardFiles[0] ?? '', 'utf8'));
    const r = await cli(['check', '--merge', shardFiles[0] ?? '', copy, shardFiles[1] ?? '']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/shard-1-copy\.json:\d+: field 'shard\.index': shard 1\/2 again/);
  });

  it('shards of different matrices', async () => {
    const r = await cli(['check', '--merge', shardFiles[0] ?? '', at('other-2.json')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/other-2\.json:\d+: field 'matrix\.id': .*different matrices/);
  });

  it('a shard of another version of the model', async () => {
    const f = at('old-model.json');
    writeFileSync(
      f,
      readFileSync(shardFiles[1] ?? '', 'utf8').replace(/"model": "[0-9a-f]{64}"/, `"model": "${'0'.repeat(64)}"`),
    );
    const r = await cli(['check', '--merge', shardFiles[0] ?? '', f]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/old-model\.json:\d+: field 'matrix\.model': made by another version of the model/);
  });

  it('malformed JSON (a truncated file) and a bad field', async () => {
    const cut = at('cut.json');
    writeFileSync(cut, readFileSync(shardFiles[1] ?? '', 'utf8').slice(0, 400));
    const a = await cli(['check', '--merge', shardFiles[0] ?? '', cut]);
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/cut\.json:\d+: not valid JSON .*truncated/);
    const bad = at('bad-field.json');
    writeFileSync(bad, readFileSync(shardFiles[1] ?? '', 'utf8').replace(/"edges": \d+/, '"edges": -1'));
    const b = await cli(['check', '--merge', shardFiles[0] ?? '', bad]);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/bad-field\.json:\d+: field 'runs\[0\]\.edges': /);
    expect(b.err).not.toMatch(/\n\s+at /);
  });

  it('an edited shard with a verdict dropped, or every verdict of a run', async () => {
    type Doc = { runs: { results: { property: string }[] }[] };
    const doc = JSON.parse(readFileSync(shardFiles[0] ?? '', 'utf8')) as Doc;
    const [run] = doc.runs;
    if (run === undefined) throw new Error('a run expected');
    const all = run.results.map((x) => x.property);
    const dropOne = at('dropped-one.json');
    run.results = run.results.filter((x) => x.property !== 'accurate-vmcore');
    writeFileSync(dropOne, JSON.stringify(doc, null, 2));
    const a = await cli(['check', '--merge', dropOne, shardFiles[1] ?? '', '--out', at('cx-drop')]);
    expect(a.code).toBe(2);
    expect(a.err).toMatch(
      /dropped-one\.json:\d+: field 'runs\[0\]\.results': results for \[.*\], but the matrix checks \[/,
    );
    expect(a.err).toContain(all.join(', '));
    expect(a.out).toBe('');
    const dropAll = at('dropped-all.json');
    run.results = [];
    writeFileSync(dropAll, JSON.stringify(doc, null, 2));
    const b = await cli(['check', '--merge', dropAll, shardFiles[1] ?? '']);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/dropped-all\.json:\d+: field 'runs\[0\]\.results': results for \[\]/);
  });

  it('an edited shard whose runs are not its slice', async () => {
    const f = at('edited.json');
    const doc = JSON.parse(readFileSync(shardFiles[0] ?? '', 'utf8')) as { runs: unknown[] };
    doc.runs.pop();
    writeFileSync(f, JSON.stringify(doc, null, 2));
    const r = await cli(['check', '--merge', f, shardFiles[1] ?? '']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /edited\.json:\d+: field 'runs': shard 1\/2 holds configurations \[0\], but its slice of 3 is \[0, 2\]/,
    );
  });
});
