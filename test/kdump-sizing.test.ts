// crashkernel= as the kernel parses it and what a wrong size does (issue 15, "kdump sizing"):
// parse_crashkernel() (kernel/crash_reserve.c), reserve_crashkernel() (arch/powerpc/kexec/core.c),
// kexec -p's -EADDRNOTAVAIL when the capture kernel does not fit, and the capture kernel that runs
// out of memory; through the public replay and, where the simulator states it (fadump=off with
// crashkernel=: kdump's reservation and kexec -p), through src/sim too.
// docs/kernel-behaviour.md §6 "crashkernel=".
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { config as makeConfig, type ConfigInput } from '../src/config';
import type { ExternalEvent } from '../src/events';
import {
  crashkernelSyntaxError,
  memparse,
  parseCrashkernel,
  rangeMatchRam,
  reserveCrashkernel,
} from '../src/memory/crashkernel';
import { modelRun, simRun } from '../src/sim/adapter';
import { boot, crash, GiB, kdumpStart, MiB, P, read, run } from './support/story';

const kexecLoad: ExternalEvent = { event: 'kexec-load' };
const kexecLoaded: ExternalEvent = { event: 'kexec-loaded' };
const SIZE = '/sys/kernel/kexec_crash_size';
const LOADED = '/sys/kernel/kexec_crash_loaded';
/** kdump on 6.12 (powerpc's own reserve_crashkernel(), whose lines Debian 6.12 logs) unless the
 *  kernel is given. */
const kdump = (crashkernel: string, extra: ConfigInput = {}): ConfigInput => ({
  mechanism: 'kdump',
  crashkernel,
  kernel: '6.12',
  ...extra,
});

describe('parse_crashkernel(): the kernel’s syntax', () => {
  it('memparse(): K/M/G/T/P/E suffixes, 0x hex, a leading 0 octal, no sign', () => {
    expect(memparse('512M', 0)).toEqual({ value: 512 * MiB, end: 4 });
    expect(memparse('0x1000k', 0)).toEqual({ value: 0x1000 * 1024, end: 7 });
    expect(memparse('010', 0)).toEqual({ value: 8, end: 3 });
    expect(memparse('-1G', 0).end).toBe(0);
  });

  it('simple, @offset, ranges (start <= RAM < end, RAM rounded up to 128M), ",high"/",low" not read on powerpc', () => {
    expect(parseCrashkernel('512M', 8 * GiB)).toMatchObject({ size: 512 * MiB, base: 0 });
    expect(parseCrashkernel('512M@256M', 8 * GiB)).toMatchObject({ size: 512 * MiB, base: 256 * MiB });
    const ranges = '2G-16G:512M,16G-:1G';
    expect(parseCrashkernel(ranges, 8 * GiB)?.size).toBe(512 * MiB);
    expect(parseCrashkernel(ranges, 16 * GiB)?.size).toBe(GiB);
    expect(parseCrashkernel(ranges, 1.5 * GiB)).toMatchObject({
      size: 0,
      messages: ['crashkernel size resulted in zero bytes'],
    });
    // 16G - 64M of RAM rounds up to 16G: the second range.
    expect(parseCrashkernel(ranges, 16 * GiB - 64 * MiB)?.size).toBe(GiB);
    expect(parseCrashkernel('1G-:256M@64M', 8 * GiB)).toMatchObject({ size: 256 * MiB, base: 64 * MiB });
    expect(parseCrashkernel('512M,high', 8 * GiB)).toBeNull();
    // Every entry's size is checked against the RAM before the match: 1G of 1G is "invalid size".
    expect(parseCrashkernel(ranges, 1 * GiB)).toBeNull();
  });

  it('syntax errors carry the kernel’s warning; a size at or above RAM is not a syntax error', () => {
    expect(crashkernelSyntaxError('512Q')).toContain('crashkernel: unrecognized char: Q');
    expect(crashkernelSyntaxError('1G-4G256M:')).toContain("crashkernel: ':' expected");
    // No ':' at all: the simple syntax, which stops at the '-'.
    expect(crashkernelSyntaxError('1G-4G256M')).toContain('crashkernel: unrecognized char: -');
    expect(crashkernelSyntaxError('4G-2G:1G')).toContain('crashkernel: end <= start');
    expect(crashkernelSyntaxError('1G-:')).toContain('crashkernel: Memory value expected');
    expect(crashkernelSyntaxError('1G-:256M@')).toContain("crashkernel: Memory value expected after '@'");
    expect(crashkernelSyntaxError('100G')).toBeNull();
    expect(crashkernelSyntaxError('0-:8G')).toBeNull();
  });

  it('property: a simple size parses back to itself, with any @offset', () => {
    const unit = fc.constantFrom(['', 1], ['K', 1024], ['M', MiB], ['G', GiB]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4096 }), unit, fc.integer({ min: 0, max: 1024 }), (n, [u, m], off) => {
        const text = off === 0 ? `${n}${String(u)}` : `${n}${String(u)}@${off}M`;
        const spec = parseCrashkernel(text, 64 * GiB);
        expect(spec).toMatchObject({ size: n * Number(m), base: off * MiB });
        expect(crashkernelSyntaxError(text)).toBeNull();
      }),
    );
  });

  it('property: a range list picks the first range holding the RAM rounded up to 128M, else 0', () => {
    const arb = fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 5 }).chain((cuts) => {
      const bounds = [...new Set(cuts)].sort((a, b) => a - b);
      return fc.record({ bounds: fc.constant(bounds), ram: fc.integer({ min: 1, max: 80 * 1024 }) });
    });
    fc.assert(
      fc.property(arb, ({ bounds, ram }) => {
        // [0, b0) gets 64M, [b0, b1) 128M, ..., [b_last, ) (b_last + 1) * 64M
        const entries = bounds.map((b, i) => `${i === 0 ? 0 : `${bounds[i - 1] ?? 0}G`}-${b}G:${(i + 1) * 64}M`);
        entries.push(`${bounds[bounds.length - 1] ?? 0}G-:${(bounds.length + 1) * 64}M`);
        const ramBytes = ram * MiB;
        const total = rangeMatchRam(ramBytes);
        const spec = parseCrashkernel(entries.join(','), ramBytes);
        const index = bounds.filter((b) => b * GiB <= total).length;
        const size = (index + 1) * 64 * MiB;
        if (size >= total) expect(spec).toBeNull();
        else expect(spec?.size).toBe(size);
      }),
    );
  });

  it('property: reserve_crashkernel() places an accepted size page-aligned inside memory, or says why not', () => {
    const hex = (n: number) => `0x${n.toString(16).padStart(16, '0')}`;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20000 }),
        fc.integer({ min: 0, max: 8192 }),
        fc.boolean(),
        (sizeMiB, offMiB, generic) => {
          const memory = [{ start: 0, end: 8 * GiB }];
          const text = offMiB === 0 ? `${sizeMiB}M` : `${sizeMiB}M@${offMiB}M`;
          const r = reserveCrashkernel({
            text,
            memory,
            rejectsRamSize: false,
            lpar: true,
            rmaBytes: Infinity,
            pageSize: 64 * 1024,
            generic,
          });
          if (r.range === null) {
            expect(r.lines.some((l) => /Failed to reserve|reservation failed|can not overlap/.test(l))).toBe(true);
          } else {
            expect(r.range.start % (64 * 1024)).toBe(0);
            expect(r.range.end).toBeLessThanOrEqual(8 * GiB);
            expect(r.range.end - r.range.start).toBe(sizeMiB * MiB);
            expect(r.lines).toEqual([
              generic
                ? `crashkernel reserved: ${hex(r.range.start)} - ${hex(r.range.end)} (${sizeMiB} MB)`
                : `Reserving ${sizeMiB}MB of memory at ${r.range.start / MiB}MB for crashkernel (System RAM: 8192MB)`,
            ]);
          }
        },
      ),
    );
  });
});

describe('wrong answer 1: a crashkernel= far too small no longer captures', () => {
  const story = [boot, kdumpStart, kexecLoaded, crash];

  for (const size of ['1M', '16M']) {
    it(`crashkernel=${size}: reserved, but kexec -p fails with -EADDRNOTAVAIL (image 48M + initramfs 32M do not fit); the crash is a plain panic`, () => {
      const r = run(kdump(size), [boot, kexecLoad, crash]);
      expect(read(r.at(0), SIZE)).toBe(String(Number.parseInt(size, 10) * MiB));
      expect(r.at(1).errno).toBe('EADDRNOTAVAIL');
      expect(read(r.at(1), LOADED)).toBe('0');
      expect(r.at(2).dump).toBe('none');
    });
  }

  it('without CONFIG_KEXEC_FILE (kexecSyscall kexec_load) kexec-tools fails in user space instead, no syscall: its die() line, nothing loaded', () => {
    const viaLoad = (size: string) => run(kdump(size, { kexecSyscall: 'kexec_load' }), [boot, kexecLoad, crash]);
    // The 48 MiB image does not fit in 16M: elf_ppc64_load() goes on with the base ULONG_MAX.
    expect(viaLoad('16M').at(1).errno).toBe('E?(Base address: 0xffffffffffffffff is not page aligned)');
    // The image fits in 64M, the 32 MiB initramfs after it does not: "locate_hole failed".
    const r = viaLoad('64M');
    expect(r.at(1).errno).toBe('E?(locate_hole failed)');
    expect(read(r.at(1), LOADED)).toBe('0');
    expect(r.at(2).dump).toBe('none');
    // With room for the image, backup, elfcorehdr, purgatory, initramfs and device tree it loads.
    expect(viaLoad('81M').at(1).errno).toBeNull();
  });

  it('crashkernel=128M: kexec -p loads, the capture kernel runs out of memory: the dump is lost with the OOM panic', () => {
    const r = run(kdump('128M'), story);
    expect(read(r.at(2), LOADED)).toBe('1');
    expect(r.last().dump).toBe('lost');
    expect(r.reason(3)).toContain('the kdump kernel ran out of memory');
    expect(r.reason(3)).toContain('crashkernel= gives it 128 MiB, it needs 240 MiB');
    expect(r.last().console).toEqual(
      expect.arrayContaining([
        'Out of memory and no killable processes...',
        'Kernel panic - not syncing: System is deadlocked on memory',
      ]),
    );
  });

  it('crashkernel=256M with the default sizes captures; a larger working set makes the same 256M run out of memory', () => {
    expect(run(kdump('256M'), story).last().vmcore).not.toBeNull();
    const hungry = run(kdump('256M', { captureKernel: { workingMiB: 200 } }), story);
    expect(hungry.last().dump).toBe('lost');
    expect(hungry.reason(3)).toContain('it needs 280 MiB (image 48 + initramfs 32 + working 200 MiB)');
  });

  it('a configuration can give the capture kernel’s sizes; an unknown key is refused with its did-you-mean', () => {
    const c = makeConfig(kdump('512M', { captureKernel: { imageMiB: 60, initrdMiB: 40, workingMiB: 300 } }));
    expect(c.captureKernel).toMatchObject({ imageMiB: 60, initrdMiB: 40, workingMiB: 300 });
    const big = run(kdump('512M', { captureKernel: { imageMiB: 400, initrdMiB: 200 } }), [boot, kexecLoad]);
    expect(big.last().errno).toBe('EADDRNOTAVAIL');
  });
});

describe('wrong answer 2: a crashkernel= as large as RAM', () => {
  for (const size of ['8G', '100G']) {
    it(`crashkernel=${size} on 8G, 6.1: accepted; "Failed to reserve memory for crashkernel!", kexec_crash_size reads 0`, () => {
      const r = run(kdump(size, { kernel: '6.1' }), [boot, kexecLoad]);
      expect(r.at(0).console).toEqual([
        `Reserving ${Number.parseInt(size, 10) * 1024}MB of memory at 512MB for crashkernel (System RAM: 8192MB)`,
        'Failed to reserve memory for crashkernel!',
      ]);
      expect(read(r.at(0), SIZE)).toBe('0');
      expect(read(r.at(0), LOADED)).toBe('0');
      expect(r.at(1).errno).toBe('EADDRNOTAVAIL');
    });

    it(`crashkernel=${size} on 8G, 6.12+: parse_crashkernel() refuses it silently; kexec_crash_size reads 0`, () => {
      const r = run(kdump(size, { kernel: '6.12' }), [boot, kexecLoad]);
      expect(r.at(0).console).toEqual([]);
      expect(read(r.at(0), SIZE)).toBe('0');
      expect(r.at(1).errno).toBe('EADDRNOTAVAIL');
    });
  }
});

describe('6.15+ (e3185ee438c2): the generic reservation logs its own lines', () => {
  it('crashkernel=512M on 6.18: "crashkernel reserved: ..."; an offset past memory: "memory is in use"; 100G: refused silently', () => {
    expect(run(kdump('512M', { kernel: '6.18' }), [boot]).at(0).console).toEqual([
      'crashkernel reserved: 0x0000000020000000 - 0x0000000040000000 (512 MB)',
    ]);
    const past = run(kdump('512M@7936M', { kernel: '6.18' }), [boot]).at(0);
    expect(past.console).toEqual(['crashkernel reservation failed - memory is in use.']);
    expect(read(past, SIZE)).toBe('0');
    expect(run(kdump('100G', { kernel: '6.18' }), [boot]).at(0).console).toEqual([]);
  });
});

describe('wrong answer 3: offsets and ranges', () => {
  it('kdump crashkernel=512M@256M is reserved at 256M; without an offset at min(RMA/2, 512M)', () => {
    const at = run(kdump('512M@256M'), [boot]).at(0);
    expect(at.console).toEqual(['Reserving 512MB of memory at 256MB for crashkernel (System RAM: 8192MB)']);
    expect(read(at, SIZE)).toBe(String(512 * MiB));
    expect(run(kdump('512M'), [boot]).at(0).console).toEqual([
      'Reserving 512MB of memory at 512MB for crashkernel (System RAM: 8192MB)',
    ]);
    // The hash MMU's RMA is the first memory block: 512M of it puts the default at 256M.
    expect(run(kdump('128M', { mmu: 'hash', memoryMiB: 512, lmbMiB: 256 }), [boot]).at(0).console).toEqual([
      'Reserving 128MB of memory at 256MB for crashkernel (System RAM: 512MB)',
    ]);
  });

  it('an offset over the running kernel, or an unaligned one, is logged as the kernel logs it', () => {
    expect(run(kdump('256M@16M'), [boot]).at(0).console).toEqual(['Crash kernel can not overlap current kernel']);
    expect(run(kdump('256M@0x2001000'), [boot]).at(0).console).toEqual([
      'Crash kernel base must be aligned to 0x10000',
      'Reserving 256MB of memory at 32MB for crashkernel (System RAM: 8192MB)',
    ]);
  });

  it('fadump crashkernel=1G@256M ignores the offset; 4G is capped at RAM/4 with "Adjusted boot memory size"', () => {
    const r = run({ crashkernel: '1G@256M' }, [boot]);
    expect(read(r.at(0), P.memReserved)).toBe(read(run({ crashkernel: '1G' }, [boot]).at(0), P.memReserved));
    expect(run({ crashkernel: '4G' }, [boot]).at(0).console[0]).toBe('fadump: Adjusted boot memory size to 2048MB');
  });

  it('ranges choose by RAM: 2G-16G:512M,16G-:1G gives 512M on 8G and 1G on 16G', () => {
    const c = '2G-16G:512M,16G-:1G';
    expect(read(run(kdump(c), [boot]).at(0), SIZE)).toBe(String(512 * MiB));
    expect(read(run(kdump(c, { memoryMiB: 16384 }), [boot]).at(0), SIZE)).toBe(String(GiB));
    const none = run(kdump(c, { memoryMiB: 1536 }), [boot]).at(0);
    expect(none.console).toEqual(['crashkernel size resulted in zero bytes']);
    expect(read(none, SIZE)).toBe('0');
    // On 1G the last entry's 1G is not below the RAM: "crashkernel: invalid size", nothing reserved.
    const invalid = run(kdump(c, { memoryMiB: 1024 }), [boot]).at(0);
    expect(invalid.console).toEqual(['crashkernel: invalid size']);
    expect(read(invalid, SIZE)).toBe('0');
  });
});

describe('a range is chosen by the RAM of each boot', () => {
  it('fadump crashkernel=8G-9G:1G,9G-:2G: 1G of boot memory on 8G, 2G after a DLPAR add of 1G and a reboot; the simulator agrees', () => {
    const input: ConfigInput = { crashkernel: '8G-9G:1G,9G-:2G', maxMemoryMiB: 10240 };
    const events: ExternalEvent[] = [boot, { event: 'memory-hotplug', action: 'add', lmbs: 4 }, { event: 'reboot' }];
    const r = run(input, events);
    expect(r.at(0).console[0]).toBe('fadump: Reserved 1024MB of memory at 0x00000040000000 (System RAM: 8192MB)');
    expect(r.at(2).console[0]).toBe('fadump: Reserved 2048MB of memory at 0x00000080000000 (System RAM: 9216MB)');
    const c = makeConfig(input);
    const model = modelRun(c, events);
    const sim = simRun(c, events).steps;
    for (let i = 0; i < model.length; i++)
      expect(sim[i]?.sysfs[P.memReserved], `step ${i}`).toBe(model[i]?.sysfs[P.memReserved]);
  });
});

describe('the simulator agrees (fadump=off: kdump’s reservation and kexec -p)', () => {
  const cases: [string, ConfigInput][] = [
    ['1M', {}],
    ['16M', {}],
    ['256M', {}],
    ['8G', { kernel: '6.1' }],
    ['8G', {}],
    ['100G', {}],
    ['512M@256M', {}],
    ['256M@16M', {}],
    ['2G-16G:512M,16G-:1G', {}],
    ['2G-16G:512M,16G-:1G', { memoryMiB: 1024 }],
    ['2G-16G:512M,16G-:1G', { memoryMiB: 1536 }],
    ['128M', { mmu: 'hash', memoryMiB: 512 }],
    ['1000K', { kernel: '6.18', memoryMiB: 1024 }],
    ['1000K', { kernel: '6.1', memoryMiB: 1024 }],
    ['512M@7936M', { kernel: '6.18' }],
    // The kexec_load path: kexec-tools places the segments itself (kexecLoadFailure()).
    ['1M', { kexecSyscall: 'kexec_load' }],
    ['16M', { kexecSyscall: 'kexec_load' }],
    ['80M', { kexecSyscall: 'kexec_load' }],
    ['256M', { kexecSyscall: 'kexec_load' }],
    [
      '8M',
      { kexecSyscall: 'kexec_load', captureKernel: { imageBytes: 7724880, initrdBytes: 5550100 }, pageSizeKiB: 4 },
    ],
  ];
  for (const [ck, extra] of cases) {
    it(`crashkernel=${ck} ${JSON.stringify(extra)}: kexec_crash_size and kexec -p's errno`, () => {
      const c = makeConfig({ fadump: 'off', crashkernel: ck, ...extra });
      const events = [boot, kexecLoad, kexecLoaded];
      const model = modelRun(c, events);
      const sim = simRun(c, events).steps;
      for (let i = 0; i < model.length; i++) {
        expect(sim[i]?.errno, `step ${i}`).toBe(model[i]?.errno);
        expect(sim[i]?.sysfs[SIZE], `step ${i}`).toBe(model[i]?.sysfs[SIZE]);
        expect(sim[i]?.sysfs[LOADED], `step ${i}`).toBe(model[i]?.sysfs[LOADED]);
      }
    });
  }
});
