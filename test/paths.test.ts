// `paths` writes the generated suite as replayable logs and a Markdown spec; a written log replays
// (through XState's own transition()) to exactly what the suite expects.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main';
import { config } from '../src/config';
import { parseLog } from '../src/log/parse';
import { replay } from '../src/log/replay';
import { generatePaths } from '../src/explore/paths';
import { expectedSteps } from '../src/explore/suite';

describe('fadump-model paths', () => {
  const dir = mkdtempSync(join(tmpdir(), 'paths-'));
  const cfg = join(dir, 'config.json');
  writeFileSync(cfg, JSON.stringify({ platform: 'pseries', elfcorehdr: 'at-registration' }));
  const out: string[] = [];
  const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(t) };

  it('writes one replayable log per path, covering every transition', async () => {
    expect(await main(['paths', '--config', cfg, '--out', join(dir, 'jsonl')], io)).toBe(0);
    const set = generatePaths(config({ platform: 'pseries', elfcorehdr: 'at-registration' }));
    const folder = join(dir, 'jsonl', readdirSync(join(dir, 'jsonl'))[0] ?? '');
    const logs = readdirSync(folder).sort();
    expect(logs.length).toBe(set.paths.length);
    expect(out.join('\n')).toContain(`${set.transitions} transitions`);
    const first = parseLog(readFileSync(join(folder, logs[0] ?? ''), 'utf8'), 'path-0001.jsonl');
    const r = replay(first.config, first.entries);
    const want = expectedSteps(set, set.paths[0] ?? { letters: [], events: [] }).slice(1);
    expect(
      r.steps.map((s) => ({ accepted: s.accepted, errno: s.errno, sysfs: s.sysfs, vmcore: s.vmcore, dump: s.dump })),
    ).toEqual(want.map(({ event: _e, ...rest }) => rest));
  });

  it('writes a Markdown spec with each step and the files after it', async () => {
    expect(await main(['paths', '--config', cfg, '--format', 'md', '--out', join(dir, 'md')], io)).toBe(0);
    const md = readFileSync(join(dir, 'md', readdirSync(join(dir, 'md'))[0] ?? ''), 'utf8');
    expect(md).toContain('## Path 1');
    expect(md).toMatch(/`crash` succeeds/);
    expect(md).toContain('`/proc/vmcore` PT_LOADs');
  });

  it('refuses an unknown format with exit 2', async () => {
    expect(await main(['paths', '--config', cfg, '--format', 'xml', '--out', dir], io)).toBe(2);
  });
});
