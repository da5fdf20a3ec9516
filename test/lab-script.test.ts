// `npm run lab -- script`'s driver against a fake guest (test/support/fake-guest.sh speaks the
// agent's `spec` command; no QEMU): a part that ends in a crash is followed by the capture boot and
// the next part runs there; a failed check fails the run; the log holds every check.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInitramfs, kernelVariant } from '../src/lab/lab';
import { labGuest } from '../src/lab/runner';
import { runScript, scriptLog, scriptPathParts } from '../src/lab/script';

const lab = mkdtempSync(join(tmpdir(), 'fadump-lab-script-'));
const timeouts = { boot: 5000, command: 1500, crashToCapture: 5000 };

beforeAll(() => {
  process.env.FADUMP_LAB = lab;
  mkdirSync(join(lab, 'qemu'), { recursive: true });
  copyFileSync(join(__dirname, 'support', 'fake-guest.sh'), join(lab, 'qemu', 'run'));
  chmodSync(join(lab, 'qemu', 'run'), 0o755);
  mkdirSync(join(lab, 'kernels', '6.1-64k'), { recursive: true });
  writeFileSync(join(lab, 'kernels', '6.1-64k', 'vmlinux'), 'not a kernel');
  mkdirSync(join(lab, 'guest'), { recursive: true });
  writeFileSync(join(lab, 'guest', 'busybox'), 'not busybox');
});
afterAll(() => {
  delete process.env.FADUMP_LAB;
  rmSync(lab, { recursive: true, force: true });
});

async function run(path: number, signal?: AbortSignal) {
  const k = kernelVariant('6.1-64k');
  if (k instanceof Error) throw k;
  return runScript({
    guest: labGuest(k, 'fake'),
    vmlinux: k.vmlinux,
    initramfs: buildInitramfs(lab, "#!/bin/sh\npath_1='1 2'\n"),
    workDir: lab,
    path,
    parts: 2,
    timeouts,
    ...(signal ? { signal } : {}),
  });
}

describe('npm run lab -- script, against a fake guest', () => {
  it('a stop (SIGTERM, SIGHUP, SIGINT in the CLI) ends the guest at once: interrupted, no part run', async () => {
    const ac = new AbortController();
    ac.abort();
    const t0 = Date.now();
    const r = await run(1, ac.signal);
    expect(r.end).toEqual({ end: 'interrupted', reason: 'interrupted in part 1' });
    expect(r.parts).toEqual([]);
    expect(Date.now() - t0).toBeLessThan(4000);
  });

  it('reads the parts of a path from the script', () => {
    expect(scriptPathParts("path_1='4 7 4'\npath_12='1'\n", 1)).toEqual([4, 7, 4]);
    expect(scriptPathParts("path_1='4 7 4'\n", 2)).toEqual([]);
  });

  it('runs part 1, follows its crash into the capture boot, runs part 2 there', async () => {
    const r = await run(1);
    expect(r.end).toEqual({ end: 'completed', reason: '2 parts' });
    expect(r.parts.map((p) => [p.rc, p.boot])).toEqual([
      [null, 'capture'],
      [0, null],
    ]);
    expect(r.checks).toBe(2);
    // Kernel messages on the console are not the script's lines.
    expect(r.parts[1]?.lines).toEqual(['ok 1 a capture boot']);
    expect(scriptLog({ path: '1' }, r)).toContain('# result: completed (2 parts); 2 checks, 0 failed');
  }, 30_000);

  it('the guest agent runs a part unattended: it consents to the crash or reboot (FADUMP_SPEC_YES=1)', () => {
    const agent = readFileSync(join(__dirname, '..', 'lab', 'guest', 'agent'), 'utf8');
    const run = agent.split('\n').find((l) => l.includes('sh /spec.sh')) ?? '';
    expect(run).toMatch(/^\s*FADUMP_SPEC_YES=1 .*sh \/spec\.sh /);
  });

  it('a failed check fails the run and is in the log', async () => {
    const r = await run(9);
    expect(r.end.end).toBe('failed');
    expect(r.failed).toBe(1);
    expect(scriptLog({ path: '9' }, r)).toContain("not ok 1 /sys/kernel/fadump/registered: expected '1', read '0'");
  }, 30_000);
});
