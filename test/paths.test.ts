// `paths` writes the generated suite as replayable logs, and the regression spec as shell scripts
// and Markdown; a written log replays (through XState's own transition()) to exactly what the
// suite expects, a script's values are exact.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
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
import { configSpec } from '../src/spec/steps';
import { shBody, shScript } from '../src/spec/sh';
import { mdBody } from '../src/spec/md';

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
      r.steps.map((s) => ({
        accepted: s.accepted,
        errno: s.errno,
        sysfs: s.sysfs,
        vmcore: s.vmcore,
        dump: s.dump,
        meminfo: s.meminfo,
        cmdline: s.cmdline,
      })),
    ).toEqual(want.map(({ event: _e, ...rest }) => rest));
  });

  it('a second run into the same --out removes the files the first wrote that it does not, and says so', async () => {
    const logs = join(dir, 'again-jsonl');
    expect(await main(['paths', '--config', cfg, '--out', logs], io)).toBe(0);
    const folder = join(logs, readdirSync(logs)[0] ?? '');
    const n = readdirSync(folder).length;
    // As if an earlier model had generated two paths more for this configuration; a log of
    // another configuration and a file of the user's own beside them.
    const extra = [n + 1, n + 2].map((k) => join(folder, `path-${String(k).padStart(4, '0')}.jsonl`));
    const first = readFileSync(join(folder, 'path-0001.jsonl'), 'utf8');
    for (const f of extra) writeFileSync(f, first);
    const other = join(folder, `path-${String(n + 5).padStart(4, '0')}.jsonl`);
    writeFileSync(other, '{"config":{"platform":"powernv"}}\n{"event":"boot"}\n');
    writeFileSync(join(folder, 'notes.txt'), 'mine\n');
    // A folder and a symbolic link of the tool's names are not files it wrote: they stay.
    const folderOfMine = join(folder, `path-${String(n + 3).padStart(4, '0')}.jsonl`);
    mkdirSync(folderOfMine);
    const link = join(folder, `path-${String(n + 4).padStart(4, '0')}.jsonl`);
    symlinkSync(join(folder, 'notes.txt'), link);
    out.length = 0;
    expect(await main(['paths', '--config', cfg, '--out', logs], io)).toBe(0);
    expect(readdirSync(folder).length).toBe(n + 4);
    expect(existsSync(join(folder, 'notes.txt'))).toBe(true);
    expect(existsSync(folderOfMine) && existsSync(link) && existsSync(other)).toBe(true);
    expect(out.join('\n')).toContain(
      `removed 2 files an earlier run wrote that this one does not: ${extra.join(', ')}`,
    );
    // A spec: the files its README.md listed and this run does not write go; others stay.
    const sh = join(dir, 'again-sh');
    expect(await main(['paths', '--config', cfg, '--format', 'sh', '--out', sh], io)).toBe(0);
    const readme = join(sh, 'README.md');
    writeFileSync(
      readme,
      readFileSync(readme, 'utf8').replace('## The files\n\n', '## The files\n\n- `old.sh` (1 paths, 1 parts): gone\n'),
    );
    writeFileSync(join(sh, 'old.sh'), '#!/bin/sh\necho old\n');
    writeFileSync(join(sh, 'mine.sh'), '#!/bin/sh\necho mine\n');
    out.length = 0;
    expect(await main(['paths', '--config', cfg, '--format', 'sh', '--out', sh], io)).toBe(0);
    expect(existsSync(join(sh, 'old.sh'))).toBe(false);
    expect(existsSync(join(sh, 'mine.sh'))).toBe(true);
    expect(out.join('\n')).toContain(
      `removed 1 file an earlier run wrote that this one does not: ${join(sh, 'old.sh')}`,
    );
    out.length = 0;
    expect(await main(['paths', '--config', cfg, '--format', 'sh', '--out', sh], io)).toBe(0);
    expect(out.join('\n')).not.toContain('removed');
    // A README.md of the user's own lists nothing to remove, and a listed file that is not a
    // script the tool writes stays (nor is README.md itself ever removed).
    const own = join(dir, 'own-readme');
    mkdirSync(own);
    writeFileSync(join(own, 'README.md'), '# Notes\n\n## The files\n\n- `notes.md` (mine)\n');
    writeFileSync(join(own, 'notes.md'), '# Regression spec: mine\n');
    expect(await main(['paths', '--config', cfg, '--format', 'md', '--out', own], io)).toBe(0);
    const index = readFileSync(join(own, 'README.md'), 'utf8');
    writeFileSync(
      join(own, 'README.md'),
      index.replace('## The files\n\n', '## The files\n\n- `README.md` (x)\n- `plain.md` (x)\n'),
    );
    writeFileSync(join(own, 'plain.md'), 'my notes\n');
    out.length = 0;
    expect(await main(['paths', '--config', cfg, '--format', 'md', '--out', own], io)).toBe(0);
    expect(out.join('\n')).not.toContain('removed');
    expect(readdirSync(own).sort()).toEqual(
      [...readdirSync(own).filter((f) => f.startsWith('pseries')), 'README.md', 'notes.md', 'plain.md'].sort(),
    );
  });

  it("a name in the index's list of configurations not written is no file of the tool's; a configuration folder that is a symbolic link is refused", async () => {
    const sh = join(dir, 'victim');
    mkdirSync(sh);
    writeFileSync(join(sh, 'victim.sh'), '#!/bin/sh\necho mine\n');
    const withKdump = join(dir, 'with-kdump.json');
    writeFileSync(
      withKdump,
      JSON.stringify([
        { platform: 'pseries', elfcorehdr: 'at-registration' },
        { mechanism: 'kdump', crashkernel: '512M', name: '`victim.sh` (x' },
      ]),
    );
    expect(await main(['paths', '--config', withKdump, '--format', 'sh', '--out', sh], io)).toBe(0);
    expect(readFileSync(join(sh, 'README.md'), 'utf8')).toContain('- `victim.sh` (x: not written');
    out.length = 0;
    expect(await main(['paths', '--config', cfg, '--format', 'sh', '--out', sh], io)).toBe(0);
    expect(existsSync(join(sh, 'victim.sh'))).toBe(true);
    expect(out.join('\n')).not.toContain('removed');
    // A configuration's folder that is a symbolic link to one elsewhere: nothing is written through it.
    const logs = join(dir, 'linked');
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(logs);
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, join(logs, 'pseries_at-registration_fadump=on_8G'));
    const err: string[] = [];
    expect(await main(['paths', '--config', cfg, '--out', logs], { out: () => {}, err: (t) => err.push(t) })).toBe(2);
    expect(err.join('\n')).toContain(
      'pseries_at-registration_fadump=on_8G: a symbolic link, where paths writes the logs of',
    );
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('two configurations whose names make one file name get two files: none is written over nor removed', async () => {
    const two = join(dir, 'two.json');
    writeFileSync(
      two,
      JSON.stringify([
        { platform: 'pseries', elfcorehdr: 'at-registration', name: 'lab box!' },
        { platform: 'pseries', elfcorehdr: 'in-capture-kernel', name: 'lab box?' },
        { platform: 'powernv', memoryMiB: 16384, name: 'README' },
      ]),
    );
    const logs = join(dir, 'two-jsonl');
    out.length = 0;
    expect(await main(['paths', '--config', two, '--out', logs], io)).toBe(0);
    expect(readdirSync(logs).sort()).toEqual(['README', 'lab_box', 'lab_box-2']);
    expect(out.join('\n')).not.toContain('removed');
    const md = join(dir, 'two-md');
    expect(await main(['paths', '--config', two, '--format', 'md', '--out', md], io)).toBe(0);
    expect(readdirSync(md).sort()).toEqual(['README-2.md', 'README.md', 'lab_box-2.md', 'lab_box.md']);
    expect(readFileSync(join(md, 'README.md'), 'utf8').startsWith('# Regression spec (Markdown)')).toBe(true);
  });

  it('writes a Markdown spec: parts between boots, each step and the files after it', async () => {
    expect(await main(['paths', '--config', cfg, '--format', 'md', '--out', join(dir, 'md')], io)).toBe(0);
    const name = readdirSync(join(dir, 'md')).find((f) => f.endsWith('.md') && f !== 'README.md') ?? '';
    const md = readFileSync(join(dir, 'md', name), 'utf8');
    expect(md).toContain('- Path 1: P1 → P2');
    expect(md).toContain('a crash is `echo c > /proc/sysrq-trigger`');
    expect(md).toMatch(/^\d+\. crash$/m);
    // Files of /sys/kernel/fadump/ by their names, fadump_region by its own, and a link only where
    // it reads other than its target.
    expect(md).toMatch(/^ {3}- `registered` = "1"$/m);
    expect(md).toMatch(/`fadump_region` = /);
    expect(md).not.toContain('`/sys/kernel/fadump_registered` =');
    expect(md).toMatch(/`\/proc\/vmcore` PT_LOADs \(paddr:size:offset\): `0:14000000:20000 /);
    expect(md).toMatch(/`registered` ← "2\\n": fails with EINVAL/);
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
    expect(r.stdout).toMatch(/\npath 1: 1\[P1\] 2\[P2\] /);
    expect(spawnSync('sh', [join(dir, 'sh', name), '999'], { encoding: 'utf8' }).status).toBe(2);
  });

  it('the index next to the scripts says how to run them: usage, environment, exit codes', () => {
    const index = readFileSync(join(dir, 'sh', 'README.md'), 'utf8');
    expect(index).toContain('sh SCRIPT PATH [PART]');
    expect(index).toContain('sh SCRIPT list');
    for (const v of [
      'FADUMP_SPEC_YES=1',
      'FADUMP_SPEC_MANUAL=skip',
      'FADUMP_SPEC_STATE',
      'FADUMP_SPEC_SAVE',
      'FADUMP_SPEC_REBOOT',
    ])
      expect(index).toContain(v);
    expect(index).toContain('Exit status: 0 every check passed');
    expect(index).toContain('3 a manual');
    expect(index).not.toContain('Running the regression spec');
    expect(index).toMatch(/\n- `pseries_[^`]+\.sh` \(\d+ paths, \d+ parts\): /);
    expect(readFileSync(join(dir, 'md', 'README.md'), 'utf8')).toContain(
      'position N of path K is what `sh SCRIPT K N`',
    );
  });

  it('list gives the positions the script takes: every position it lists runs', () => {
    const name = readdirSync(join(dir, 'sh')).find((f) => f.endsWith('.sh')) ?? '';
    const script = join(dir, 'sh', name);
    const list = spawnSync('sh', [script, 'list'], { encoding: 'utf8' }).stdout;
    const last = /\npath 2: (?:.* )?(\d+)\[P(\d+)\]\n/.exec(list);
    expect(last).not.toBeNull();
    const md = readFileSync(join(dir, 'md', readdirSync(join(dir, 'md')).find((f) => f !== 'README.md') ?? ''), 'utf8');
    // The Markdown's path 2 names the same shared part at the same position, under its heading.
    const n = Number(last?.[1] ?? 0);
    expect(md).toMatch(new RegExp(`\\n- Path 2: (?:P\\d+ → ){${n - 1}}P${last?.[2]}\\n`));
    expect(md).toContain(`### P${last?.[2]}\n`);
    const r = spawnSync('sh', [script, '2', last?.[1] ?? ''], {
      encoding: 'utf8',
      input: '',
      env: { ...process.env, FADUMP_SPEC_STATE: join(dir, 'state-list'), FADUMP_SPEC_MANUAL: 'skip' },
    });
    expect(r.stdout).toContain(`# path 2 part ${last?.[1]} of ${last?.[1]}`);
    expect(r.stderr).not.toContain('has parts');
  });

  /** A script of one path whose parts check nothing that can fail here and end in a reboot
   *  (FADUMP_SPEC_REBOOT=true), or fail a check (part 2). */
  function toyScript(): string {
    const spec = configSpec(generatePaths(config({ platform: 'pseries', elfcorehdr: 'at-registration' })));
    const body = [
      'PATHS=1',
      'p1() {',
      '  b normal',
      '  down reboot',
      '}',
      'p2() {',
      '  b normal',
      '  a /',
      '  down reboot',
      '}',
      "path_1='1 2'",
      '',
    ].join('\n');
    const file = join(dir, 'toy.sh');
    writeFileSync(file, shScript([spec], body));
    return file;
  }
  const toyRun = (args: string[], env: Record<string, string>, bin?: string) =>
    spawnSync('sh', [toyScript(), ...args], {
      encoding: 'utf8',
      input: '',
      env: {
        ...process.env,
        PATH: bin === undefined ? (process.env.PATH ?? '') : `${bin}:${process.env.PATH ?? ''}`,
        FADUMP_SPEC_STATE: join(dir, 'toy.state'),
        FADUMP_SPEC_REBOOT: 'true',
        FADUMP_SPEC_YES: '',
        ...env,
      },
    });

  it('after a failed check the part stops: no reboot, no hint to go on, next reruns the same part', () => {
    writeFileSync(join(dir, 'toy.state'), '1 1\n');
    const r = toyRun(['1', '2'], { FADUMP_SPEC_YES: '1' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('not ok 2 /: expected to be absent, exists');
    expect(r.stdout).toContain('# path 1 part 2 failed (1 of 2 checks)');
    expect(r.stdout).toContain('next reruns part 2');
    expect(r.stdout).not.toContain('after the boot that follows');
    expect(r.stdout).not.toContain('# reboot');
    expect(readFileSync(join(dir, 'toy.state'), 'utf8')).toBe('1 2\n');
  });

  it('a reboot needs FADUMP_SPEC_YES=1 or yes on a terminal; without them exit 3 and the state stays', () => {
    writeFileSync(join(dir, 'toy.state'), '1 1\n');
    const no = toyRun(['1', '1'], {});
    expect(no.status).toBe(3);
    expect(no.stderr).toContain('not confirmed: no reboot done');
    expect(no.stderr).toContain('FADUMP_SPEC_YES=1 sh ');
    expect(no.stdout).not.toContain('# reboot');
    expect(readFileSync(join(dir, 'toy.state'), 'utf8')).toBe('1 1\n');
    const yes = toyRun(['1', '1'], { FADUMP_SPEC_YES: '1' });
    expect(yes.status).toBe(0);
    expect(yes.stdout).toContain('# reboot: true');
    expect(readFileSync(join(dir, 'toy.state'), 'utf8')).toBe('1 2\n');
  });

  it('list, next without a state and usage errors mount nothing and make no files; a part does', () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    const calls = join(dir, 'calls');
    for (const tool of ['mount', 'mktemp'])
      writeFileSync(
        join(bin, tool),
        `#!/bin/sh\necho ${tool} >> ${calls}\n${tool === 'mktemp' ? `echo ${join(dir, 't')}\n` : ''}`,
        {
          mode: 0o755,
        },
      );
    rmSync(join(dir, 'toy.state'), { force: true });
    expect(toyRun(['list'], {}, bin).status).toBe(0);
    expect(toyRun(['next'], {}, bin).status).toBe(2);
    expect(toyRun(['1', '9'], {}, bin).status).toBe(2);
    expect(toyRun(['bogus'], {}, bin).status).toBe(2);
    expect(existsSync(calls)).toBe(false);
    toyRun(['1', '1'], {}, bin);
    expect(readFileSync(calls, 'utf8')).toContain('mktemp');
  });

  it('a hot-add in a capture kernel is a modelling bound, told as info; a protected removal stays the kernel EINVAL', () => {
    const spec = configSpec(generatePaths(config({ platform: 'pseries', elfcorehdr: 'at-registration' })));
    const sh = shBody(spec);
    const md = mdBody(spec);
    expect(sh).toContain(
      "'on the HMC: add 1 LMB (256 MiB) of memory to this LPAR (DLPAR: chhwres -r mem -m <managed-system> -p <lpar-name> -o a -q 256); the model refuses this (EINVAL; a modelling bound, not a documented kernel check: docs/kernel-behaviour.md §8 lists only the removal of a protected LMB); on a real system, note what happens'",
    );
    expect(sh).toMatch(
      /\n {2}m\d+\n {2}i 'memory-hotplug add 1 LMB in a capture kernel: not checked \(a modelling bound\)'\n/,
    );
    expect(sh).toContain('-o r -q 256); the kernel must refuse it (EINVAL)');
    expect(sh).not.toMatch(/-o a -q \d+\); the kernel must refuse/);
    expect(md).toContain(
      '[M1](#m1) memory-hotplug add 1 LMB: the model refuses it (EINVAL): a modelling bound, informational, not a check',
    );
    expect(md).not.toContain("in QEMU: in QEMU's monitor");
    expect(md).toContain('; QEMU: in the monitor, object_add');
    // The script tells it as info, not as a failed check.
    const file = join(dir, 'info.sh');
    writeFileSync(
      file,
      shScript([spec], ['PATHS=1', "p1() {\n  b normal\n  i 'x: not checked'\n}", "path_1='1'", ''].join('\n')),
    );
    const r = spawnSync('sh', [file, '1'], {
      encoding: 'utf8',
      env: { ...process.env, FADUMP_SPEC_STATE: join(dir, 'info.state') },
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('# info: x: not checked\n');
    expect(r.stdout).toContain('1 checks, 0 failed');
  });

  it('PowerNV has no HMC and no DLPAR: its memory hotplug steps say they do not apply', () => {
    const spec = configSpec(generatePaths(config({ platform: 'powernv' })));
    const text = shBody(spec) + mdBody(spec);
    expect(text).toContain('not applicable on PowerNV (no HMC, no LPAR, no DLPAR)');
    expect(text).toContain("QEMU's powernv machine has no pc-dimm hotplug either");
    expect(text).not.toContain('chhwres');
    expect(text).not.toContain('on the HMC');
    expect(text).not.toContain('modelling bound');
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
