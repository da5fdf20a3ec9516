// The CPUs (docs/kernel-behaviour.md §11): processor DLPAR while registered, what the vmcore's
// CPU notes and fadump_region's CPU line say afterwards, and the capture kernel's nr_cpus= from
// bootargs_append. Every log is replayed through the model and through the simulator (src/sim/),
// and each value below is the real kernel's (test/real/pseries-*-cpu-*.jsonl, recorded under
// QEMU 11.1.3 on Linux 6.1.176 and 6.12.107).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { config as makeConfig, parseConfig, type ConfigInput } from '../src/config';
import type { ExternalEvent } from '../src/events';
import { countPrstatusNotes } from '../src/lab/observe';
import { pseriesArgs } from '../src/lab/lab';
import { countCpus } from '../src/lab/run';
import { cpuDlpar, cpusAtBoot, cpusOnline, nrCpusParam, CPU_ONLINE_FILE } from '../src/memory/cpus';
import { compare } from '../src/sim/adapter';
import { dlpar_cpu, smp_setup_cpu_maps } from '../src/sim/hotplug-cpu';
import { formatLog } from '../src/log/parse';
import { boot, crash, read, run, write, type Run } from './support/story';

const cpu = (action: 'add' | 'remove', cpus = 1): ExternalEvent => ({ event: 'cpu-hotplug', action, cpus });
const RELEASE = '/sys/kernel/fadump/release_mem';
const APPEND = '/sys/kernel/fadump/bootargs_append';
const REGION = '/sys/kernel/debug/powerpc/fadump_region';

/** The lab's guest (src/lab/runner.ts labGuest()) with 1 CPU of 2 possible, as the model takes it. */
function guest(kernel: '6.1' | '6.12', firmware: 'qemu' | 'powervm' = 'qemu'): ConfigInput {
  return {
    platform: 'pseries',
    kernel,
    firmware,
    memoryMiB: 2048,
    minMemoryMiB: 2048,
    maxMemoryMiB: 4096,
    cpus: 2,
    onlineCpus: 1,
    nrCpus: 8,
    cmdline: 'console=hvc0 fadump=on panic=10',
  };
}

/** Replays through the model, and checks the simulator agrees at every step. */
function both(c: ConfigInput, events: readonly ExternalEvent[]): Run {
  const diff = compare(makeConfig(c), events).firstDiff;
  expect(diff, JSON.stringify(diff)).toBeNull();
  return run(c, events);
}

const cpuLine = (r: Run, n: number) => read(r.at(n), REGION).split('\n')[0];

describe('a CPU hot-added while registered (hotplug-cpu.c dlpar_cpu_add(); no fadump hotplug callback)', () => {
  for (const kernel of ['6.1', '6.12'] as const) {
    it(`${kernel}: comes online, nothing re-registers, and the capture kernel has a note for each CPU online at the crash`, () => {
      const r = both(guest(kernel), [boot, cpu('add'), crash, write(RELEASE, '1\n')]);
      expect(read(r.at(0), CPU_ONLINE_FILE)).toBe('0');
      expect(read(r.at(1), CPU_ONLINE_FILE)).toBe('0-1');
      expect(r.at(1).errno).toBeNull();
      expect(read(r.at(1), '/sys/kernel/fadump/registered')).toBe('1');
      // The CPU state data section is sized at boot for the possible CPUs: the line does not move.
      expect(cpuLine(r, 0)).toBe('CPU :[0x00000014000000-0x000000140009ff] 0xa00 bytes, Dumped: 0x0');
      expect(cpuLine(r, 1)).toBe(cpuLine(r, 0));
      // The capture boot: the hot-added core is still there, and crash_fadump() saved both in cpu_mask.
      expect(r.at(2).outcome.kind).toBe('captured-accurate');
      expect(r.at(2).vmcore?.prstatusNotes).toBe(2);
      expect(read(r.at(2), CPU_ONLINE_FILE)).toBe('0-1');
      expect(cpuLine(r, 2)).toBe('CPU :[0x00000014000000-0x000000140009ff] 0xa00 bytes, Dumped: 0xa00');
      expect(read(r.at(3), CPU_ONLINE_FILE)).toBe('0-1');
    });
  }
});

describe('a CPU added then removed before the crash: QEMU saves the registers of the CPUs present only', () => {
  it('6.1 (rtas_fadump_process() wants the CPU data non-empty): captured, one note, Dumped: 0x510', () => {
    const r = both(guest('6.1'), [boot, cpu('add'), cpu('remove'), crash]);
    expect(read(r.at(2), CPU_ONLINE_FILE)).toBe('0');
    expect(r.at(3).outcome.kind).toBe('captured-accurate');
    expect(r.at(3).vmcore?.prstatusNotes).toBe(1);
    expect(cpuLine(r, 3)).toBe('CPU :[0x00000014000000-0x000000140009ff] 0xa00 bytes, Dumped: 0x510');
  });

  it('6.12 (78d5cc15fb7d: every section complete): "Dump taken by platform is incomplete (0)", the dump is lost', () => {
    const r = both(guest('6.12'), [boot, cpu('add'), cpu('remove'), crash]);
    expect(r.at(3).vmcore).toBeNull();
    expect(r.at(3).outcome.kind).toBe('lost');
    expect(r.reason(3)).toMatch(/Dump taken by platform is incomplete \(0\)/);
    // The capture build runs on: it frees the memory above the kept area, as the real kernel logged.
    expect(r.at(3).console).toContain('fadump: freeing reserved memory (0x28010000 - 0x80000000)');
    expect(read(r.at(3), CPU_ONLINE_FILE)).toBe('0');
  });

  it('no hotplug at all, 1 CPU of 2 possible: lost on 6.12, captured on 6.1 (the same short CPU state data)', () => {
    const lost = both(guest('6.12'), [boot, crash]);
    expect(lost.at(1).outcome.kind).toBe('lost');
    expect(lost.at(1).console).toContain('fadump: freeing reserved memory (0x28010000 - 0x80000000)');
    const kept = both(guest('6.1'), [boot, crash]);
    expect(kept.at(1).vmcore?.prstatusNotes).toBe(1);
    expect(cpuLine(kept, 1)).toBe('CPU :[0x00000014000000-0x000000140009ff] 0xa00 bytes, Dumped: 0x510');
  });

  it('PowerVM fills its CPU state data whatever the CPUs [I]: captured on 6.12', () => {
    const r = both(guest('6.12', 'powervm'), [boot, cpu('add'), cpu('remove'), crash]);
    expect(r.at(3).outcome.kind).toBe('captured-accurate');
    expect(r.at(3).vmcore?.prstatusNotes).toBe(1);
  });
});

describe("the capture kernel's nr_cpus= from bootargs_append (fadump_append_bootargs(), nrcpus())", () => {
  it('6.12: the capture boot brings up one CPU, but the vmcore still has a note for both CPUs online at the crash', () => {
    const r = both(guest('6.12'), [boot, cpu('add'), write(APPEND, 'nr_cpus=1\n'), crash]);
    expect(r.at(2).errno).toBeNull();
    expect(read(r.at(3), CPU_ONLINE_FILE)).toBe('0');
    expect(r.at(3).vmcore?.prstatusNotes).toBe(2);
    expect(r.at(3).console.join('\n')).toMatch(/^fadump: Updated cmdline: console=hvc0 fadump=on panic=10 nr_cpus=1$/m);
  });

  it('6.1 has no bootargs_append (EACCES): the capture boot has both CPUs', () => {
    const r = both(guest('6.1'), [boot, cpu('add'), write(APPEND, 'nr_cpus=1\n'), crash]);
    expect(r.at(2).errno).toBe('EACCES');
    expect(read(r.at(3), CPU_ONLINE_FILE)).toBe('0-1');
  });
});

describe('DLPAR refusals (hotplug-cpu.c)', () => {
  it('removing the last CPU: -EINVAL ("Cannot remove all CPUs"); adding beyond the maximum: -EINVAL', () => {
    const r = both(guest('6.12'), [boot, cpu('remove'), cpu('add', 2), cpu('add'), cpu('add')]);
    expect(r.at(1).errno).toBe('EINVAL');
    expect(r.at(2).errno).toBe('EINVAL');
    expect(r.at(3).errno).toBeNull();
    expect(r.at(4).errno).toBe('EINVAL');
    expect(read(r.at(4), CPU_ONLINE_FILE)).toBe('0-1');
  });

  it('a kernel with nr_cpus=1 on its command line cannot take a second CPU', () => {
    const r = both({ ...guest('6.12'), cmdline: 'console=hvc0 fadump=on nr_cpus=1' }, [boot, cpu('add')]);
    expect(r.at(1).errno).toBe('EINVAL');
    expect(read(r.at(1), CPU_ONLINE_FILE)).toBe('0');
  });

  it('hot-added CPUs stay in the partition across a reboot', () => {
    const r = both(guest('6.12'), [boot, cpu('add'), { event: 'reboot' }]);
    expect(read(r.at(2), CPU_ONLINE_FILE)).toBe('0-1');
  });
});

describe('configurations without CPU hotplug read as before', () => {
  it('no CPU file, no note count, and no cpu-hotplug exploration', () => {
    const r = run({ platform: 'pseries' }, [boot, crash]);
    expect(CPU_ONLINE_FILE in r.at(0).sysfs).toBe(false);
    expect(r.at(1).vmcore?.prstatusNotes).toBeUndefined();
    expect(r.at(1).vmcore).not.toBeNull();
  });
});

describe('the configuration key onlineCpus', () => {
  it('is at most cpus, and pSeries only', () => {
    const above = parseConfig({ cpus: 2, onlineCpus: 3 });
    expect(above.ok).toBe(false);
    if (!above.ok) expect(above.issues[0]?.path).toBe('onlineCpus');
    const powernv = parseConfig({ platform: 'powernv', memoryMiB: 16384, cpus: 2, onlineCpus: 1 });
    expect(powernv.ok).toBe(false);
    if (!powernv.ok) expect(powernv.issues[0]?.message).toMatch(/DLPAR only on pSeries/);
    expect(makeConfig({ cpus: 2 }).key).toBe(makeConfig({ cpus: 2, onlineCpus: 2 }).key);
    expect(makeConfig({ cpus: 2, onlineCpus: 1 }).name).toMatch(/onlineCpus=1/);
  });

  it('a log with a bad cpu-hotplug event is refused with the line and the field (exit 2)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cpus-'));
    const file = join(dir, 'bad.jsonl');
    writeFileSync(
      file,
      `${JSON.stringify({ config: guest('6.12') })}\n{"event":"boot"}\n{"event":"cpu-hotplug","action":"add","cpus":0}\n`,
    );
    const bin = join(__dirname, '..', 'bin', 'fadump-model.mjs');
    const p = spawnSync(process.execPath, [bin, 'replay', file], { encoding: 'utf8', timeout: 60_000 });
    expect(p.status).toBe(2);
    expect(p.stderr).toMatch(/bad\.jsonl:3/);
    expect(p.stderr).toMatch(/cpus/);
  });

  it('replay prints the event and the CPU list', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cpus-'));
    const file = join(dir, 'ok.jsonl');
    writeFileSync(file, formatLog(guest('6.12'), [boot, cpu('add')]));
    const bin = join(__dirname, '..', 'bin', 'fadump-model.mjs');
    const p = spawnSync(process.execPath, [bin, 'replay', file], { encoding: 'utf8', timeout: 60_000 });
    expect(p.status).toBe(0);
    expect(p.stdout).toMatch(/cpu-hotplug add 1 CPU/);
    expect(p.stdout).toMatch(/\/sys\/devices\/system\/cpu\/online.*0-1/);
  });

  it("replay prints the vmcore's NT_PRSTATUS notes as --json has them: one per CPU online at the crash", () => {
    const dir = mkdtempSync(join(tmpdir(), 'cpus-'));
    const file = join(dir, 'notes.jsonl');
    writeFileSync(file, formatLog({ cpus: 4, onlineCpus: 2, firmware: 'qemu', kernel: '6.1' }, [boot, crash]));
    const bin = join(__dirname, '..', 'bin', 'fadump-model.mjs');
    const p = spawnSync(process.execPath, [bin, 'replay', file], { encoding: 'utf8', timeout: 60_000 });
    expect(p.status).toBe(0);
    expect(p.stdout).toMatch(/\/proc\/vmcore: \d+ PT_LOAD, 2 NT_PRSTATUS notes/);
  });
});

describe('the arithmetic', () => {
  it('nr_cpus=: the smallest valid value wins (nrcpus() only lowers nr_cpu_ids)', () => {
    expect(nrCpusParam('quiet nr_cpus=4 nr_cpus=2')).toBe(2);
    expect(nrCpusParam('nr_cpus=0 nr_cpus=-1')).toBeNull();
    expect(nrCpusParam('nr_cpus=1\n')).toBe(1);
    expect(cpusAtBoot(2, 2, 8, 'nr_cpus=1')).toEqual({ present: 2, possible: 1 });
  });

  it('the model (src/memory/cpus.ts) and the simulator (src/sim/hotplug-cpu.ts) agree on every DLPAR sequence', () => {
    const step = fc.record({ add: fc.boolean(), n: fc.integer({ min: 1, max: 3 }) });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(step, { maxLength: 8 }),
        (lparMax, atBoot, nrCpuIds, steps) => {
          const present = Math.min(atBoot, lparMax);
          let m = cpusAtBoot(present, lparMax, 8, `nr_cpus=${nrCpuIds}`);
          let s = smp_setup_cpu_maps(lparMax, present, Math.min(8, nrCpuIds));
          let dt = present;
          for (const x of steps) {
            const a = cpuDlpar(m, lparMax, x.add ? 'add' : 'remove', x.n);
            const b = dlpar_cpu(s, dt, lparMax, x.add ? 'add' : 'remove', x.n);
            expect(a.ok).toBe(typeof b !== 'string');
            if (a.ok && typeof b !== 'string') {
              m = a.cpus;
              s = b.maps;
              dt = b.dtCpus;
            }
            expect(cpusOnline(m)).toBe(s.online);
          }
        },
      ),
    );
  });
});

describe('the lab driver side', () => {
  it('a guest with fewer CPUs than possible boots with -smp N,maxcpus=M', () => {
    const g = {
      platform: 'pseries' as const,
      kernel: '6.12',
      kernelRelease: '6.12.107',
      kernelSource: '6.12.107-1',
      qemu: '11.1.3',
      memoryMiB: 2048,
      maxMemoryMiB: 4096,
      lmbMiB: 256,
      cpus: 2,
      onlineCpus: 1,
      nrCpus: 8,
      pageSizeKiB: 64 as const,
      mmu: 'hash' as const,
      cmdline: 'console=hvc0',
    };
    const args = pseriesArgs(g, 'vmlinux', 'initrd', 'sock');
    expect(args[args.indexOf('-smp') + 1]).toBe('1,maxcpus=2');
    const { onlineCpus: _, ...one } = { ...g, cpus: 1 };
    const plain = pseriesArgs(one, 'vmlinux', 'initrd', 'sock');
    expect(plain[plain.indexOf('-smp') + 1]).toBe('1');
  });

  it('CPU lists and NT_PRSTATUS notes are counted as the guest shows them', () => {
    expect(countCpus('0')).toBe(1);
    expect(countCpus('0-1')).toBe(2);
    expect(countCpus('0-3,6')).toBe(5);
    // Two NT_PRSTATUS notes ("CORE", type 1, 4-byte descriptors here) and a VMCOREINFO note.
    const note = (name: string, type: number, desc: number) => {
      const n = Buffer.from(`${name}\0`, 'latin1');
      const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
      const h = Buffer.alloc(12);
      h.writeUInt32LE(n.length, 0);
      h.writeUInt32LE(desc, 4);
      h.writeUInt32LE(type, 8);
      return Buffer.concat([h, pad(n), Buffer.alloc(desc)]);
    };
    const hex = Buffer.concat([note('CORE', 1, 8), note('CORE', 1, 8), note('VMCOREINFO', 0, 4)]).toString('hex');
    expect(countPrstatusNotes(hex.replace(/(..)/g, '$1 '), true)).toBe(2);
  });
});
