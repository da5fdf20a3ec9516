// `paths` writes the generated suite as replayable logs, and the regression spec as shell scripts
// and Markdown; a written log replays (through XState's own transition()) to exactly what the
// suite expects, a script's values are exact.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main';
import { config } from '../src/config';
import { parseLog } from '../src/log/parse';
import { replay } from '../src/log/replay';
import { generatePaths, type TestPath } from '../src/explore/paths';
import { decisive, observableCover } from '../src/spec/cover';
import { expectedSteps } from '../src/explore/suite';
import { printfWords, readable } from '../src/spec/text';

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

  it('writes a Markdown spec: parts between boots, each step and the files after it', async () => {
    expect(await main(['paths', '--config', cfg, '--format', 'md', '--out', join(dir, 'md')], io)).toBe(0);
    const name = readdirSync(join(dir, 'md')).find((f) => f.endsWith('.md') && f !== 'README.md') ?? '';
    const md = readFileSync(join(dir, 'md', name), 'utf8');
    expect(md).toContain('- Path 1: parts 1 → 2');
    expect(md).toContain('crash (`echo c > /proc/sysrq-trigger`)');
    expect(md).toMatch(/`\/proc\/vmcore` PT_LOADs \(paddr:size:offset\): `0:14000000:20000 /);
    expect(md).toMatch(/write "2\\n" to `\/sys\/kernel\/fadump\/registered`: fails with EINVAL/);
    expect(md).not.toContain('changes nothing');
  });

  it('writes a shell script: each write a printf with its errno, each file compared, manual steps marked', async () => {
    expect(await main(['paths', '--config', cfg, '--format', 'sh', '--out', join(dir, 'sh')], io)).toBe(0);
    const name = readdirSync(join(dir, 'sh')).find((f) => f.endsWith('.sh')) ?? '';
    const sh = readFileSync(join(dir, 'sh', name), 'utf8');
    expect(sh.startsWith('#!/bin/sh\n')).toBe(true);
    expect(sh).toContain("w $F/registered EINVAL '2\\n'");
    expect(sh).toMatch(/\nf \$F\/registered '1'|\n {2}f \$F\/registered '1'/);
    expect(sh).toContain("m 'memory-hotplug add 1 LMB' 'on the HMC: add 1 LMB (256 MiB) of memory to this LPAR");
    expect(sh).toContain('down crash');
    // The script's own usage: a path's parts, one per boot.
    const r = spawnSync('sh', [join(dir, 'sh', name), 'list'], { encoding: 'utf8' });
    expect(r.stdout).toMatch(/^path 1: parts 1 2 /);
    expect(spawnSync('sh', [join(dir, 'sh', name), '999'], { encoding: 'utf8' }).status).toBe(2);
  });

  it('writes every value exactly: printf prints what the file must read, long runs included', () => {
    for (const value of ['1\n', `${'y'.repeat(2049)}\n`, "a'b%c\\d\te\n", `x${'b'.repeat(40)}%s${'7'.repeat(33)}`]) {
      const r = spawnSync('sh', ['-c', `r() { printf "%\${2}s" '' | tr ' ' "$1"; }; printf ${printfWords(value)}`], {
        encoding: 'latin1',
      });
      expect(r.stdout).toBe(value);
    }
    expect(readable(`${'y'.repeat(2049)}\n`)).toBe('"y" × 2049 + "\\n"');
  });

  it('the spec takes every transition a user can tell apart that the full transition cover takes', () => {
    const set = generatePaths(config({ platform: 'pseries', elfcorehdr: 'at-registration' }));
    const keys = (paths: readonly TestPath[]) => {
      const out = new Set<string>();
      for (const p of paths) {
        const st = expectedSteps(set, p);
        st.forEach((cur, k) => {
          const prev = st[k - 1];
          if (prev === undefined) return;
          const before = JSON.stringify([prev.sysfs, prev.vmcore, prev.dump]);
          const after = JSON.stringify([cur.sysfs, cur.vmcore, cur.dump]);
          if (cur.errno !== null) out.add(JSON.stringify([decisive(prev.sysfs, prev.vmcore), cur.event, cur.errno]));
          else if (before !== after) out.add(JSON.stringify([before, cur.event, after]));
        });
      }
      return out;
    };
    const cover = observableCover(set);
    const want = keys(set.paths);
    const got = keys(cover.paths);
    expect([...want].filter((k) => !got.has(k))).toEqual([]);
    expect(cover.paths.reduce((n, p) => n + p.letters.length, 0)).toBeLessThan(set.steps / 10);
  });

  it('refuses an unknown format with exit 2', async () => {
    expect(await main(['paths', '--config', cfg, '--format', 'xml', '--out', dir], io)).toBe(2);
  });
});
