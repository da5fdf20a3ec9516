// The lab's driver against a fake guest (test/support/fake-guest.sh speaks the guest agent's
// protocol; no QEMU): a guest that hangs or dies ends its path with the reason and the run goes
// on; an interrupted run keeps the transcripts that finished and a resumed run skips them.
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTranscript } from '../src/conform/conform';
import { octalPieces, performable } from '../src/lab/run';
import { buildInitramfs } from '../src/lab/lab';
import { execute, generatedLabPaths, kernelsOf, plan, readLabPaths, type LabPath } from '../src/lab/runner';
import { InputError } from '../src/util/read';
import type { RunResult } from '../src/lab/run';

const lab = mkdtempSync(join(tmpdir(), 'fadump-lab-'));
const w = (path: string) => ({ event: 'write' as const, path, value: '1\n' });
const PATHS: LabPath[] = [
  { name: 'ok', events: [{ event: 'boot' }, w('/sys/kernel/fadump/registered'), { event: 'crash' }] },
  { name: 'hangs', events: [{ event: 'boot' }, w('/sys/kernel/fadump/hang'), w('/sys/kernel/fadump/registered')] },
  { name: 'dies', events: [{ event: 'boot' }, w('/sys/kernel/fadump/die'), w('/sys/kernel/fadump/registered')] },
  { name: 'ok-too', events: [{ event: 'boot' }, w('/sys/kernel/fadump/registered')] },
];
const timeouts = { boot: 5000, command: 1500, crashToCapture: 5000 };

beforeAll(() => {
  process.env.FADUMP_LAB = lab;
  mkdirSync(join(lab, 'qemu'), { recursive: true });
  copyFileSync(join(__dirname, 'support', 'fake-guest.sh'), join(lab, 'qemu', 'run'));
  chmodSync(join(lab, 'qemu', 'run'), 0o755);
  mkdirSync(join(lab, 'kernels', '6.1-64k'), { recursive: true });
  writeFileSync(join(lab, 'kernels', '6.1-64k', 'vmlinux'), 'not a kernel');
  writeFileSync(join(lab, 'kernels', '6.1-64k', 'version'), 'Linux version 6.1.0-fake (test)');
  mkdirSync(join(lab, 'guest'), { recursive: true });
  writeFileSync(join(lab, 'guest', 'busybox'), 'not busybox');
});
afterAll(() => {
  delete process.env.FADUMP_LAB;
  rmSync(lab, { recursive: true, force: true });
});

async function runAll(out: string, paths: readonly LabPath[], stopAfter = Infinity): Promise<RunResult[]> {
  const ac = new AbortController();
  const results: RunResult[] = [];
  await execute(plan(kernelsOf(['6.1-64k']), paths, out).jobs, {
    jobs: 1,
    initramfs: buildInitramfs(),
    qemuVersion: 'fake',
    deadline: Date.now() + 120_000,
    signal: ac.signal,
    timeouts,
    onDone: (_job, r) => {
      results.push(r);
      if (results.length >= stopAfter) ac.abort();
    },
  });
  return results;
}

describe('the lab driver against a fake guest', () => {
  it('a hung guest ends its path with a timeout, a dead one with its exit, and the run goes on', async () => {
    const out = join(lab, 'run-1');
    await runAll(out, PATHS);
    const t = (name: string) => readTranscript(join(out, `pseries-6.1-64k-${name}.jsonl`));
    expect(t('ok').end).toEqual({ end: 'completed', reason: '3 events' });
    expect(t('ok').steps.map((s) => s.observed?.boot ?? null)).toEqual([null, 'normal', 'normal', 'capture']);
    expect(t('hangs').end?.end).toBe('timeout');
    expect(t('hangs').end?.reason).toMatch(/^step 2: no .* within \d+ s$/);
    expect(t('dies').end?.end).toBe('guest-died');
    expect(t('dies').end?.reason).toMatch(/QEMU exited \(code 3\)/);
    expect(t('ok-too').end?.end).toBe('completed');
    expect(t('ok').header.guest.kernelRelease).toBe('6.1.0-fake');
    // The online CPUs the agent reports (/sys/devices/system/cpu/online), after every step.
    expect(t('ok').steps[1]?.observed?.cpusOnline).toBe('0');
  }, 60_000);

  it("a path's own CPUs reach the guest's header (-smp onlineCpus,maxcpus=cpus)", async () => {
    const out = join(lab, 'run-cpus');
    const cpus: LabPath = { name: 'cpus', guest: { cpus: 2, onlineCpus: 1 }, events: [{ event: 'boot' }] };
    await runAll(out, [cpus]);
    const g = readTranscript(join(out, 'pseries-6.1-64k-cpus.jsonl')).header.guest;
    expect([g.cpus, g.onlineCpus]).toEqual([2, 1]);
  }, 60_000);

  it('an interrupted run keeps the finished transcripts, and a resumed run skips them', async () => {
    const out = join(lab, 'run-2');
    const first = await runAll(out, PATHS, 1);
    expect(first).toHaveLength(1);
    expect(readdirSync(out).sort()).toEqual(['pseries-6.1-64k-ok.jsonl']);
    const resumed = plan(kernelsOf(['6.1-64k']), PATHS, out);
    expect(resumed.done.map((j) => j.path.name)).toEqual(['ok']);
    expect(resumed.jobs.map((j) => j.path.name)).toEqual(['hangs', 'dies', 'ok-too']);
    const second = await runAll(
      out,
      PATHS.filter((p) => p.name === 'ok' || p.name === 'ok-too'),
    );
    expect(second).toHaveLength(1);
    expect(existsSync(join(out, 'pseries-6.1-64k-ok-too.jsonl'))).toBe(true);
  }, 60_000);
});

describe("--paths generated: the model's paths fitted to a guest", () => {
  it('start with a boot, hold only events a guest performs, remove only DIMMs they added, and differ', () => {
    const guest = {
      platform: 'pseries' as const,
      kernel: '6.12',
      kernelRelease: '6.12.107',
      kernelSource: '6.12.107-1',
      qemu: '11.1.3',
      memoryMiB: 2048,
      maxMemoryMiB: 4096,
      lmbMiB: 256,
      cpus: 1,
      nrCpus: 8,
      pageSizeKiB: 64 as const,
      mmu: 'hash' as const,
      cmdline: 'console=hvc0 fadump=on panic=10',
    };
    const paths = generatedLabPaths(guest, 12, 10);
    expect(paths).toHaveLength(12);
    expect(new Set(paths.map((p) => JSON.stringify(p.events))).size).toBe(12);
    for (const p of paths) {
      expect(p.events[0]).toEqual({ event: 'boot' });
      expect(p.events.length).toBeLessThanOrEqual(10);
      let added = 0;
      for (const e of p.events) {
        expect(performable(e), JSON.stringify(e)).toBe(true);
        if (e.event === 'memory-hotplug') added += e.action === 'add' ? (e.lmbs ?? 0) : -(e.lmbs ?? 0);
        expect(added).toBeGreaterThanOrEqual(0);
      }
    }
  });
});

describe('the CPU paths file (lab/paths/cpu.jsonl)', () => {
  it('gives its guests 1 CPU of 2 and only events a guest performs; a guest with more CPUs online than possible is refused', () => {
    const paths = readLabPaths(join(__dirname, '..', 'lab', 'paths', 'cpu.jsonl'));
    expect(paths.length).toBeGreaterThanOrEqual(3);
    for (const p of paths) {
      expect(p.guest).toEqual({ cpus: 2, onlineCpus: 1 });
      expect(p.events.every(performable)).toBe(true);
    }
    const bad = join(lab, 'bad-cpus.jsonl');
    writeFileSync(bad, '{"name": "x", "guest": {"cpus": 1, "onlineCpus": 2}, "events": [{"event": "boot"}]}\n');
    expect(() => readLabPaths(bad)).toThrow(InputError);
    expect(() => readLabPaths(bad)).toThrow(/bad-cpus\.jsonl:1: field 'guest'/);
  });
});

describe('writes reach the guest byte for byte', () => {
  it('values become printf octal escapes in pieces a console line holds', () => {
    expect(octalPieces('1\n')).toEqual(['\\061\\012']);
    const long = octalPieces('y'.repeat(2100));
    expect(long.every((p) => p.length <= 1000)).toBe(true);
    expect(long.join('')).toBe('\\171'.repeat(2100));
  });
});
