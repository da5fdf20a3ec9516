// kdump in the lab (lab/paths/kdump.jsonl): the guest's configuration follows from its command
// line, kexec-tools' answers become errnos, the capture kernel's /proc/cmdline is compared with its
// elfcorehdr= wherever the loader put it, and the model predicts what the real 6.12 kdump guest
// showed (RTAS's PT_LOAD inside the crash kernel region, no param area beside crashkernel=256M).
import { describe, expect, it } from 'vitest';
import { kdumpConfigOf, modelConfigOf, type Guest } from '../src/conform/transcript';
import { conform, readTranscript, sameCmdline, sameErrno, transcriptConfig } from '../src/conform/conform';
import { kdumpctlEvent, kdumpEvent, kexecResult, performable, performableOn } from '../src/lab/run';
import { readLabPaths } from '../src/lab/runner';
import { firstLoadMemsz } from '../src/lab/lab';
import { crashkernelRange, hotremovableMemory, kdumpPtLoads, kdumpRtas, kexecLoadFailure } from '../src/memory/kdump';
import { reserveCrashkernel } from '../src/memory/crashkernel';
import { paramAreaRange } from '../src/memory/guest';
import { config, parseConfig } from '../src/config';
import { replay } from '../src/log/replay';
import { formatStep } from '../src/log/format';
import { judgePath } from '../src/explore/suite';
import { modelRun, simRun } from '../src/sim/adapter';
import { errnoText, type ExternalEvent } from '../src/events';

const MiB = 1024 * 1024;
const guest = (cmdline: string): Guest => ({
  platform: 'pseries',
  kernel: '6.12',
  kernelRelease: '6.12.107',
  kernelSource: '6.12.107-1',
  qemu: '11.1.3',
  memoryMiB: 2048,
  maxMemoryMiB: 4096,
  lmbMiB: 256,
  cpus: 1,
  nrCpus: 8,
  pageSizeKiB: 64,
  mmu: 'hash',
  cmdline,
  kdump: { imageBytes: 8177200, initrdBytes: 5550100 },
});

describe('a kdump guest in the lab', () => {
  it('crashkernel= without fadump= makes the model kdump, with the sizes kexec -p loads', () => {
    expect(modelConfigOf(guest('console=hvc0 crashkernel=256M panic=10'))).toMatchObject({
      mechanism: 'kdump',
      fadump: 'off',
      crashkernel: '256M',
      crashHotplug: false,
      kexecSyscall: 'kexec_load',
      captureKernel: { imageMiB: 8, initrdMiB: 6, imageBytes: 8177200, initrdBytes: 5550100 },
    });
    expect(kdumpConfigOf(guest('console=hvc0 fadump=on crashkernel=256M'))).toEqual({});
    expect(kdumpConfigOf(guest('console=hvc0 fadump=on panic=10'))).toEqual({});
  });

  it('kexec-tools: "KEXEC ok" is success; strerror text an errno; a failure in user space says so', () => {
    expect(kexecResult(['KEXEC ok'])).toEqual({ errno: null, said: 'KEXEC ok' });
    expect(kexecResult(['KEXEC err kexec_load failed: Cannot assign requested address']).errno).toBe('EADDRNOTAVAIL');
    expect(kexecResult(['KEXEC err Could not find a free area of memory of 0x550000 bytes...']).errno).toMatch(
      /^E\?\(Could not find a free area/,
    );
  });

  it('the kdump paths parse and every event is one a guest performs; kexec events only in kdump paths', () => {
    const paths = readLabPaths('lab/paths/kdump.jsonl');
    expect(paths.length).toBeGreaterThanOrEqual(5);
    for (const p of paths) {
      expect(p.events.every(performable)).toBe(true);
      expect(p.guest?.cmdline).toMatch(/crashkernel=/);
    }
    expect(kdumpEvent({ event: 'kexec-load' })).toBe(true);
    expect(kdumpEvent({ event: 'crash' })).toBe(false);
  });

  it('kdumpctl start and reload are performed on pSeries as kdumpctl touches the kernel; stop and restart are not', () => {
    for (const e of [{ event: 'kdump-start' }, { event: 'kdump-reload' }] as const) {
      expect(kdumpctlEvent(e)).toBe(true);
      expect(performable(e)).toBe(true);
      expect(performableOn(e, 'powernv')).toBe(false);
    }
    expect(performable({ event: 'kdump-stop' })).toBe(false);
    expect(performable({ event: 'kdump-restart' })).toBe(false);
  });

  it('crashkernel=2G after two hot-added LMBs on QEMU spans boot RAM and pc-dimm memory: not one memblock region', () => {
    const MiB = 1024 * 1024;
    const memory = [
      { start: 0, end: 2048 * MiB },
      { start: 2048 * MiB, end: 2560 * MiB },
    ];
    const lab = config(modelConfigOf(guest('console=hvc0 crashkernel=2G panic=10')));
    expect(hotremovableMemory(lab, memory)).toEqual([{ start: 2048 * MiB, end: 2560 * MiB }]);
    const boot = {
      text: '2G',
      memory,
      rejectsRamSize: false,
      generic: false,
      lpar: true,
      rmaBytes: 2048 * MiB,
      pageSize: 65536,
    };
    expect(reserveCrashkernel({ ...boot, hotremovable: hotremovableMemory(lab, memory) })).toEqual({
      range: null,
      lines: [
        'Reserving 2048MB of memory at 512MB for crashkernel (System RAM: 2560MB)',
        'Failed to reserve memory for crashkernel!',
      ],
    });
    // PowerVM's LMBs carry no hot-removable flag [I]: one region, reserved.
    expect(reserveCrashkernel(boot).range).toEqual({ start: 512 * MiB, end: 2560 * MiB });
    const t = readTranscript('test/real/pseries-6.1-64k-kdump-crashkernel-2g-across-hot-added-memory.jsonl');
    expect(conform(t).divergences).toEqual([]);
  });

  it("the capture kernel's /proc/cmdline: elfcorehdr= first (kexec_file_load) or last (kexec-tools) is the same", () => {
    expect(sameCmdline('elfcorehdr=(address) console=hvc0 panic=10', 'console=hvc0 panic=10 elfcorehdr=532352K ')).toBe(
      true,
    );
    expect(sameCmdline('elfcorehdr=(address) console=hvc0 panic=10', 'console=hvc0 panic=10')).toBe(false);
    expect(sameCmdline('elfcorehdr=(address) console=hvc0', 'console=hvc0 quiet elfcorehdr=1K')).toBe(false);
  });

  it("RTAS below 768 MB inside crashkernel=256M at 512M is the vmcore's last PT_LOAD (QEMU, 64 KiB pages)", () => {
    const c = config({ mechanism: 'kdump', crashkernel: '256M', firmware: 'qemu', memoryMiB: 2048, kernel: '6.12' });
    const memory = [{ start: 0, end: 2048 * MiB }];
    const rtas = kdumpRtas(c, memory);
    expect(rtas).toEqual({ start: 0x2fff0000, end: 0x30000000 });
    const ck = { start: 512 * MiB, end: 768 * MiB };
    expect(kdumpPtLoads(memory, ck, rtas).map((p) => [p.paddr, p.size])).toEqual([
      [0, 0x10000],
      [0x10000, 512 * MiB - 0x10000],
      [768 * MiB, 1280 * MiB],
      [0x2fff0000, 0x10000],
    ]);
    // Outside the region (crashkernel=8M at 512M): no RTAS PT_LOAD.
    expect(kdumpPtLoads(memory, { start: 512 * MiB, end: 520 * MiB }, rtas)).toHaveLength(3);
    // 4 KiB pages: the page below 768 MB is 0x2ffff000 (test/real/pseries-*-4k-kdump-*.jsonl).
    const c4 = config({ mechanism: 'kdump', crashkernel: '256M', firmware: 'qemu', memoryMiB: 2048, pageSizeKiB: 4 });
    expect(kdumpRtas(c4, memory)).toEqual({ start: 0x2ffff000, end: 0x30000000 });
    // PowerVM's RTAS size is not known to the model.
    expect(kdumpRtas(config({ mechanism: 'kdump', crashkernel: '256M', memoryMiB: 2048 }), memory)).toBeNull();
  });

  it('the hash param area (0x2A000000-0x2E000000) finds no room inside crashkernel=256M at 512M, and room beside 8M', () => {
    expect(paramAreaRange('hash', 2048 * MiB, [{ start: 512 * MiB, end: 768 * MiB }])).toBeNull();
    expect(paramAreaRange('hash', 2048 * MiB, [{ start: 512 * MiB, end: 520 * MiB }])).not.toBeNull();
    expect(paramAreaRange('hash', 2048 * MiB, [])).not.toBeNull();
    expect(paramAreaRange('radix', 2048 * MiB, [{ start: 512 * MiB, end: 768 * MiB }])).not.toBeNull();
  });

  it('the simulator agrees: crashkernel= is memblock-reserved before the param area (fadump=off, hash and radix)', () => {
    for (const mmu of ['hash', 'radix'] as const) {
      const c = config({ kernel: '6.12', firmware: 'qemu', memoryMiB: 2048, mmu, fadump: 'off', crashkernel: '256M' });
      const events: ExternalEvent[] = [{ event: 'boot' }, { event: 'crash' }];
      expect(judgePath(c, events, modelRun(c, events), simRun(c, events).steps).kind, mmu).not.toBe('differs');
    }
  });

  it("an ELF's first PT_LOAD memsz is the kernel image kexec -p places", () => {
    const elf = Buffer.alloc(64 + 56);
    elf.writeUInt32BE(0x7f454c46, 0);
    elf[5] = 1;
    elf.writeBigUInt64LE(64n, 32);
    elf.writeUInt16LE(1, 56);
    elf.writeUInt32LE(1, 64);
    elf.writeBigUInt64LE(0x7cc630n, 64 + 40);
    expect(firstLoadMemsz(elf)).toBe(0x7cc630);
    expect(firstLoadMemsz(Buffer.from('not an elf'))).toBe(0);
  });

  it('crashkernel=8M on the lab kernels (no CONFIG_KEXEC_FILE): kexec-tools finds no room for the 0x550000-byte initramfs, no syscall', () => {
    for (const [kernel, imageBytes] of [
      ['6.1', 7724880],
      ['6.12', 8177200],
    ] as const) {
      const g = {
        ...guest('console=hvc0 crashkernel=8M panic=10'),
        kernel,
        kdump: { imageBytes, initrdBytes: 5550100 },
      };
      const c = config(modelConfigOf(g));
      const region = { start: 512 * MiB, end: 520 * MiB };
      expect(kexecLoadFailure(c, region)).toEqual({
        errno: 'E?(locate_hole failed)',
        segment: 'initrd',
        lines: ['Could not find a free area of memory of 0x550000 bytes...', 'locate_hole failed'],
      });
      // The kexec_file_load path of a distribution kernel answers with the syscall's errno instead.
      const events: ExternalEvent[] = [{ event: 'boot' }, { event: 'kexec-load' }, { event: 'crash' }];
      const [viaLoad, viaFile] = [c, config({ ...modelConfigOf(g), kexecSyscall: 'kexec_file_load' })].map((x) =>
        modelRun(x, events),
      );
      expect(viaLoad?.[2]?.errno).toBe('E?(locate_hole failed)');
      expect(viaFile?.[2]?.errno).toBe('EADDRNOTAVAIL');
      for (const run of [viaLoad, viaFile]) {
        expect(run?.[2]?.sysfs['/sys/kernel/kexec_crash_loaded']).toBe('0');
        expect(run?.[3]?.vmcore).toBeNull();
      }
      // src/sim states fadump only: the same kernel booted with fadump=off and crashkernel=8M.
      const asFadumpOff = config({ ...modelConfigOf(g), mechanism: 'fadump' });
      expect(simRun(asFadumpOff, events).steps.map((s) => s.errno)).toEqual(
        modelRun(asFadumpOff, events).map((s) => s.errno),
      );
      expect(simRun(asFadumpOff, events).steps[2]?.errno).toBe('E?(locate_hole failed)');
    }
  });

  it('kexecSyscall: kexec_file_load by default, kexec_load named where given, anything else refused with the field', () => {
    expect(config({ mechanism: 'kdump', crashkernel: '256M' }).kexecSyscall).toBe('kexec_file_load');
    const c = config({ mechanism: 'kdump', crashkernel: '256M', kexecSyscall: 'kexec_load' });
    expect(c.name).toContain('kexecSyscall=kexec_load');
    expect(c.canonical).toMatchObject({ kexecSyscall: 'kexec_load' });
    const bad = parseConfig({ mechanism: 'kdump', kexecSyscall: 'kexec_lod' });
    expect(bad.ok ? [] : bad.issues.map((i) => i.path)).toEqual(['kexecSyscall']);
  });

  it("replay says a user-space failure names no errno: kexec-tools' line, no minus sign", () => {
    const log = [{ event: 'boot' }, { event: 'kexec-load' }] as const;
    const r = replay(
      config({ mechanism: 'kdump', crashkernel: '64M', kexecSyscall: 'kexec_load' }),
      log.map((event, i) => ({ line: i + 2, event })),
    );
    const step = r.steps[1];
    expect(step?.errno).toBe('E?(locate_hole failed)');
    const text = step === undefined ? '' : formatStep(step);
    expect(text).toContain('kexec-load -> E?(locate_hole failed)');
    expect(text).toContain('no errno: kexec-tools failed in user space, no syscall made: "locate_hole failed"');
    expect(errnoText('EADDRNOTAVAIL')).toBe('-EADDRNOTAVAIL');
  });

  it("conform: kexec-tools' die() line is the last line of the guest's E?(...); errno names must be equal", () => {
    const real = 'E?(Could not find a free area of memory of 0x550000 bytes...\nlocate_hole failed)';
    expect(sameErrno('E?(locate_hole failed)', real)).toBe(true);
    expect(sameErrno('EADDRNOTAVAIL', real)).toBe(false);
    expect(sameErrno('E?(Could not find a free area of memory of 0x550000 bytes...)', real)).toBe(false);
    expect(sameErrno('EBUSY', 'EBUSY')).toBe(true);
    expect(sameErrno(null, real)).toBe(false);
  });

  it('the real crashkernel=8M transcripts (6.1, 6.12; 64 and 4 KiB pages) agree with the model at every step, and kexec-tools said what the model computes, byte for byte', () => {
    for (const name of ['6.1-64k', '6.12-64k', '6.1-4k']) {
      const t = readTranscript(`test/real/pseries-${name}-kdump-crashkernel-too-small.jsonl`);
      const r = conform(t);
      expect(r.divergences).toEqual([]);
      expect(r.agreeingSteps).toBe(r.steps);
      // The whole message, the hole's size too: the initramfs rounded up to the guest's page.
      const c = transcriptConfig(t);
      const region = crashkernelRange(c, [{ start: 0, end: c.memoryBytes }], false);
      const failure = region === null ? null : kexecLoadFailure(c, region);
      expect(failure?.segment).toBe('initrd');
      expect(`E?(${failure?.lines.join('\n') ?? ''})`).toBe(t.steps[2]?.errno);
    }
  });

  it('the real 6.12 load, crash, capture and save agrees with the model at every step', () => {
    const r = conform(readTranscript('test/real/pseries-6.12-64k-kdump-load-crash-capture-save.jsonl'));
    expect(r.divergences).toEqual([]);
    expect(r.agreeingSteps).toBe(r.steps);
  });
});
