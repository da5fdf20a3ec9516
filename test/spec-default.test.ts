// The regression spec of the default matrix (`paths --format sh` and `--format md`): under 5 MB in
// all for each format, every script passes shellcheck (Debian's package, skipped with the reason
// when it is absent), kdump and hypervisor-assisted dump listed as not written.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSpecs, writeSpec } from '../src/cli/paths';
import { defaultMatrix } from '../src/explore/matrix';

const HAVE_SHELLCHECK = spawnSync('shellcheck', ['--version']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'spec-default-'));
const sh = join(dir, 'sh');
const md = join(dir, 'md');
const sizes = (d: string) => readdirSync(d).map((f) => statSync(join(d, f)).size);

beforeAll(() => {
  const b = buildSpecs(defaultMatrix(), { out: () => undefined, err: () => undefined });
  writeSpec('sh', b.specs, b.skipped, sh);
  writeSpec('md', b.specs, b.skipped, md);
}, 600_000);

describe('the regression spec of the default matrix', () => {
  it('is under 5 MB in all, as scripts and as Markdown', () => {
    const total = (d: string) => sizes(d).reduce((a, b) => a + b, 0);
    expect(total(sh)).toBeLessThan(5_000_000);
    expect(total(md)).toBeLessThan(5_000_000);
    expect(readdirSync(sh).filter((f) => f.endsWith('.sh')).length).toBeGreaterThan(20);
  });

  it('lists the configurations of other mechanisms as not written, with why', () => {
    const index = readFileSync(join(sh, 'README.md'), 'utf8');
    expect(index).toMatch(
      /pseries kdump 8G crashkernel=512M udev-reload: not written: the scripts check fadump's files/,
    );
    expect(index).toMatch(/pseries phyp-assisted-dump 8G: not written/);
    // Identical scripts are written once and name every configuration they apply to.
    expect(index).toMatch(
      /fadump=off_4G\.sh` .*: pseries at-registration fadump=off 4G; pseries at-registration fadump=off 8G/,
    );
  });

  it("tells the dump outcome as replay does: accurate, stale with the ranges, lost with the kernel's message", () => {
    const all = readdirSync(sh)
      .filter((f) => f.endsWith('.sh'))
      .map((f) => readFileSync(join(sh, f), 'utf8'))
      .join('\n');
    expect(all).toContain(
      "# the model's dump outcome: captured-accurate: the vmcore describes exactly the crashed kernel's memory",
    );
    expect(all).toMatch(
      /# the model's dump outcome: captured-stale: .* misses \[0x[0-9a-f]+–0x[0-9a-f]+\) \(256 MiB\)/,
    );
    expect(all).toContain(
      "# the model's dump outcome: lost: Endianness mismatch between the crashed and fadump kernels.",
    );
    expect(all).not.toContain('(no reason recorded)');
  });

  it('has no step that changes nothing, and no value cut short', () => {
    const all = readdirSync(md).map((f) => readFileSync(join(md, f), 'utf8'));
    expect(all.some((t) => t.includes('changes nothing'))).toBe(false);
    expect(all.some((t) => /…|\.\.\.`/.test(t))).toBe(false);
  });

  it.skipIf(!HAVE_SHELLCHECK)(
    "every script passes shellcheck (skipped when Debian's shellcheck is not installed)",
    async () => {
      const files = readdirSync(sh)
        .filter((f) => f.endsWith('.sh'))
        .map((f) => join(sh, f))
        .sort((a, b) => statSync(b).size - statSync(a).size);
      // Two shellcheck processes, the files dealt between them by size.
      const batches: string[][] = [[], []];
      const load = [0, 0];
      for (const f of files) {
        const i = (load[0] ?? 0) <= (load[1] ?? 0) ? 0 : 1;
        batches[i]?.push(f);
        load[i] = (load[i] ?? 0) + statSync(f).size;
      }
      const results = await Promise.all(
        batches.map(
          (b) =>
            new Promise<{ code: number | null; out: string }>((resolve) => {
              const p = spawn('shellcheck', ['-s', 'sh', ...b]);
              let out = '';
              p.stdout.on('data', (d: Buffer) => (out += d.toString()));
              p.stderr.on('data', (d: Buffer) => (out += d.toString()));
              p.on('close', (code) => resolve({ code, out }));
            }),
        ),
      );
      for (const r of results) {
        expect(r.out).toBe('');
        expect(r.code).toBe(0);
      }
    },
    600_000,
  );
});
