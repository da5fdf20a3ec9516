// Every errno of every writable file in docs/kernel-behaviour.md §2 and §8, each in a
// state that gives it, reached by a log a user could write; the header-check failures of §3;
// and the writes the kernel does not reject. Each rejected write must leave everything a user can
// see as it was (a failed store handler changes nothing), except where the reference says a
// failure has an effect (OPAL_HARDWARE turns fadump off; RTAS -9 registers anyway).
import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../src/config';
import type { Errno, ExternalEvent } from '../src/events';
import { boot, crash, exists, fwError, P, read, regionOf, run, saveDump, traffic, write } from './support/story';

interface Case {
  name: string;
  config?: ConfigInput;
  /** Events that reach the state. */
  setup: ExternalEvent[];
  /** The write (or event) under test. */
  act: ExternalEvent;
  errno: Errno;
  /** The failure changes nothing a user can see (default true). */
  unchanged?: boolean;
}

const pseries: ConfigInput = { platform: 'pseries', memoryMiB: 8192 };
const powernv: ConfigInput = { platform: 'powernv', memoryMiB: 16384 };
/** An unregistered first kernel with fadump enabled. */
const unregistered = [boot, write(P.registered, '0')];
const capture = [boot, crash];
const released = [boot, crash, saveDump, write(P.releaseMem, '1')];

/** A pSeries COMMAND_LINE_SIZE (2048) string: too long by itself (-EINVAL). */
const tooLong = 'a'.repeat(2048);
/** Fits COMMAND_LINE_SIZE by itself, but not after the kernel's own command line (-ENOSPC). */
const overflowsCmdline = 'b'.repeat(2040);

const cases: Case[] = [
  // --- registered (§2: -EPERM if not enabled or dump active, before parsing) ---
  {
    name: 'registered: EPERM when booted with fadump=off (enabled reads 0)',
    config: { ...pseries, fadump: 'off' },
    setup: [boot],
    act: write(P.registered, '1'),
    errno: 'EPERM',
  },
  {
    name: 'registered: EPERM for "0" too when fadump=off (checked before parsing)',
    config: { ...pseries, fadump: 'off' },
    setup: [boot],
    act: write(P.registered, '0'),
    errno: 'EPERM',
  },
  {
    name: 'registered: EPERM for garbage when fadump=off (checked before parsing)',
    config: { ...pseries, fadump: 'off' },
    setup: [boot],
    act: write(P.registered, 'abc'),
    errno: 'EPERM',
  },
  {
    name: 'registered: EPERM in the capture kernel before release',
    config: pseries,
    setup: capture,
    act: write(P.registered, '1'),
    errno: 'EPERM',
  },
  {
    name: 'registered: EPERM in the capture kernel for "0" as well',
    config: pseries,
    setup: capture,
    act: write(P.registered, '0'),
    errno: 'EPERM',
  },
  {
    name: 'registered: EPERM in the PowerNV capture kernel',
    config: powernv,
    setup: capture,
    act: write(P.registered, '1'),
    errno: 'EPERM',
  },
  {
    name: 'registered: EPERM through the deprecated /sys/kernel/fadump_registered',
    config: pseries,
    setup: capture,
    act: write(P.oldRegistered, '1'),
    errno: 'EPERM',
  },
  {
    name: 'registered: EINVAL for "abc" (not an integer)',
    config: pseries,
    setup: [boot],
    act: write(P.registered, 'abc'),
    errno: 'EINVAL',
  },
  {
    name: 'registered: EINVAL for "2" (an integer outside {0,1})',
    config: pseries,
    setup: [boot],
    act: write(P.registered, '2'),
    errno: 'EINVAL',
  },
  {
    name: 'registered: EINVAL for "-1" while unregistered',
    config: pseries,
    setup: unregistered,
    act: write(P.registered, '-1'),
    errno: 'EINVAL',
  },
  {
    name: 'registered: EINVAL for "abc" on PowerNV',
    config: powernv,
    setup: [boot],
    act: write(P.registered, 'abc'),
    errno: 'EINVAL',
  },
  // Firmware failures (§1 Register and unregister).
  {
    name: 'registered: EIO when RTAS returns -1',
    config: pseries,
    setup: [...unregistered, fwError('register', -1)],
    act: write(P.registered, '1'),
    errno: 'EIO',
  },
  {
    name: 'registered: EIO when RTAS returns an unknown code (-99)',
    config: pseries,
    setup: [...unregistered, fwError('register', -99)],
    act: write(P.registered, '1'),
    errno: 'EIO',
  },
  {
    name: 'registered: EINVAL when RTAS returns -3',
    config: pseries,
    setup: [...unregistered, fwError('register', -3)],
    act: write(P.registered, '1'),
    errno: 'EINVAL',
  },
  {
    name: 'registered: EIO when OPAL returns OPAL_PARAMETER',
    config: powernv,
    setup: [...unregistered, fwError('register', 'OPAL_PARAMETER')],
    act: write(P.registered, '1'),
    errno: 'EIO',
  },
  {
    name: 'registered: EIO when OPAL returns OPAL_HARDWARE (and fadump is turned off)',
    config: powernv,
    setup: [...unregistered, fwError('register', 'OPAL_HARDWARE')],
    act: write(P.registered, '1'),
    errno: 'EIO',
    unchanged: false,
  },
  {
    name: 'registered: EIO on re-registration (echo 1 while registered) when RTAS fails',
    config: pseries,
    setup: [boot, fwError('register', -1)],
    act: write(P.registered, '1'),
    errno: 'EIO',
    unchanged: false,
  },
  {
    name: 'registered: EEXIST for echo 1 while registered on a 2017 kernel',
    config: { ...pseries, registeredWrite: 'eexist' },
    setup: [boot],
    act: write(P.registered, '1'),
    errno: 'EEXIST',
  },
  {
    name: 'registered: EEXIST when RTAS returns -9 (and the registration stands)',
    config: pseries,
    setup: [...unregistered, fwError('register', -9)],
    act: write(P.registered, '1'),
    errno: 'EEXIST',
    unchanged: false,
  },

  // --- release_mem (§2: -EPERM if not active; -EINVAL if not an integer or not 1) ---
  {
    name: 'release_mem: EPERM after release (the same kernel, now in production)',
    config: pseries,
    setup: released,
    act: write(P.releaseMem, '1'),
    errno: 'EPERM',
  },
  {
    name: 'release_mem: EPERM after release, through the deprecated path',
    config: pseries,
    setup: released,
    act: write(P.oldReleaseMem, '1'),
    errno: 'EPERM',
  },
  {
    name: 'release_mem: EPERM after release and re-registration',
    config: pseries,
    setup: [...released, write(P.registered, '1')],
    act: write(P.releaseMem, '1'),
    errno: 'EPERM',
  },
  {
    name: 'release_mem: EPERM after processing failed (capture kernel of the other endianness)',
    config: { ...pseries, captureKernel: { endianness: 'swapped' } },
    setup: capture,
    act: write(P.releaseMem, '1'),
    errno: 'EPERM',
  },
  {
    name: 'release_mem: EPERM after processing failed (header sizes differ)',
    config: { ...pseries, captureKernel: { headerSizes: 'different' } },
    setup: capture,
    act: write(P.releaseMem, '1'),
    errno: 'EPERM',
  },
  {
    name: 'release_mem: EINVAL for "0"',
    config: pseries,
    setup: capture,
    act: write(P.releaseMem, '0'),
    errno: 'EINVAL',
  },
  {
    name: 'release_mem: EINVAL for "x"',
    config: pseries,
    setup: capture,
    act: write(P.releaseMem, 'x'),
    errno: 'EINVAL',
  },
  {
    name: 'release_mem: EINVAL for "2" through the deprecated path',
    config: pseries,
    setup: capture,
    act: write(P.oldReleaseMem, '2'),
    errno: 'EINVAL',
  },
  {
    name: 'release_mem: EINVAL for "0" on PowerNV',
    config: powernv,
    setup: capture,
    act: write(P.releaseMem, '0'),
    errno: 'EINVAL',
  },

  // --- bootargs_append (§2: -EPERM if not enabled or active; -EINVAL too long; -ENOSPC) ---
  {
    name: 'bootargs_append: EPERM in the capture kernel (the area inherited from the crashed kernel)',
    config: pseries,
    setup: capture,
    act: write(P.bootargsAppend, 'nr_cpus=16'),
    errno: 'EPERM',
  },
  {
    name: 'bootargs_append: EINVAL for a 2048-character string',
    config: pseries,
    setup: [boot],
    act: write(P.bootargsAppend, tooLong, true),
    errno: 'EINVAL',
  },
  {
    name: "bootargs_append: EINVAL for 2047 characters and echo's newline",
    config: pseries,
    setup: [boot],
    act: write(P.bootargsAppend, 'c'.repeat(2047)),
    errno: 'EINVAL',
  },
  {
    name: 'bootargs_append: ENOSPC for a string that fits 2048 but not after the command line',
    config: pseries,
    setup: [boot],
    act: write(P.bootargsAppend, overflowsCmdline),
    errno: 'ENOSPC',
  },
  {
    name: 'bootargs_append: ENOSPC while unregistered as well',
    config: pseries,
    setup: unregistered,
    act: write(P.bootargsAppend, overflowsCmdline),
    errno: 'ENOSPC',
  },

  // --- release_core (opal-core.c: -EINVAL unless 1; -EPERM once the core is gone) ---
  {
    name: 'release_core: EPERM the second time',
    config: powernv,
    setup: [...capture, write(P.releaseCore, '1')],
    act: write(P.releaseCore, '1'),
    errno: 'EPERM',
  },
  {
    name: 'release_core: EPERM after release_mem (the core was freed before)',
    config: powernv,
    setup: [...capture, write(P.releaseCore, '1'), write(P.releaseMem, '1')],
    act: write(P.releaseCore, '1'),
    errno: 'EPERM',
  },
  {
    name: 'release_core: EINVAL for "2"',
    config: powernv,
    setup: capture,
    act: write(P.releaseCore, '2'),
    errno: 'EINVAL',
  },
  {
    name: 'release_core: EINVAL for "2" even after release (checked first)',
    config: powernv,
    setup: [...capture, write(P.releaseCore, '1')],
    act: write(P.releaseCore, '2'),
    errno: 'EINVAL',
  },

  // --- files that do not exist in that state, read-only files ---
  {
    name: 'EACCES: release_mem in a first boot (O_CREAT in an existing sysfs folder; real 6.1 and 6.12, test/real/)',
    config: pseries,
    setup: [boot],
    act: write(P.releaseMem, '1'),
    errno: 'EACCES',
  },
  {
    name: 'EACCES: the deprecated fadump_release_mem in a first boot (real 6.1 and 6.12)',
    config: pseries,
    setup: [boot],
    act: write(P.oldReleaseMem, '1'),
    errno: 'EACCES',
  },
  {
    name: 'EACCES: release_mem in the boot after a capture kernel was rebooted',
    config: pseries,
    setup: [...capture, saveDump, { event: 'reboot' }],
    act: write(P.releaseMem, '1'),
    errno: 'EACCES',
  },
  {
    name: 'EACCES: /sys/kernel/fadump/nope',
    config: pseries,
    setup: [boot],
    act: write('/sys/kernel/fadump/nope', '1'),
    errno: 'EACCES',
  },
  {
    name: 'EACCES: bootargs_append on PowerNV (no param area, /sys/kernel/fadump exists)',
    config: powernv,
    setup: [boot],
    act: write(P.bootargsAppend, 'x'),
    errno: 'EACCES',
  },
  {
    name: 'ENOENT: release_core on pSeries (no /sys/firmware/opal folder)',
    config: pseries,
    setup: capture,
    act: write(P.releaseCore, '1'),
    errno: 'ENOENT',
  },
  {
    name: 'ENOENT: release_core in a PowerNV first boot (no mpipl folder yet)',
    config: powernv,
    setup: [boot],
    act: write(P.releaseCore, '1'),
    errno: 'ENOENT',
  },
  {
    name: 'EACCES: the OPAL core after release_core freed it (release_core stays in the mpipl folder)',
    config: powernv,
    setup: [...capture, write(P.releaseCore, '1')],
    act: write(P.opalCore, '1'),
    errno: 'EACCES',
  },
  {
    name: 'EACCES: writing enabled (read-only)',
    config: pseries,
    setup: [boot],
    act: write(P.enabled, '1'),
    errno: 'EACCES',
  },
  {
    name: 'EACCES: writing the deprecated fadump_enabled',
    config: pseries,
    setup: [boot],
    act: write(P.oldEnabled, '0'),
    errno: 'EACCES',
  },
  {
    name: 'EACCES: writing mem_reserved',
    config: pseries,
    setup: [boot],
    act: write(P.memReserved, '0'),
    errno: 'EACCES',
  },
  {
    name: 'EACCES: writing hotplug_ready',
    config: pseries,
    setup: [boot],
    act: write(P.hotplugReady, '0'),
    errno: 'EACCES',
  },
  {
    name: 'EACCES: writing fadump_region in the capture kernel',
    config: pseries,
    setup: capture,
    act: write(P.region, '0'),
    errno: 'EACCES',
  },
  {
    name: 'EACCES: writing enabled with fadump=off',
    config: { ...pseries, fadump: 'off' },
    setup: [boot],
    act: write(P.enabled, '1'),
    errno: 'EACCES',
  },
  {
    name: 'EACCES: writing the OPAL core',
    config: powernv,
    setup: capture,
    act: write(P.opalCore, '1'),
    errno: 'EACCES',
  },
];

describe('every errno of every writable file (§2, §8)', () => {
  it.each(cases)('$name', (c) => {
    const r = run(c.config ?? pseries, [...c.setup, c.act]);
    const n = c.setup.length;
    // The setup itself went through without a rejected write.
    for (const s of r.steps.slice(0, n)) expect(s.errno, `setup line ${s.line}`).toBeNull();
    const step = r.at(n);
    expect(step.accepted).toBe(false);
    expect(step.errno).toBe(c.errno);
    if (c.unchanged ?? true) {
      const before = n === 0 ? r.replay.initial : r.at(n - 1);
      expect(step.states).toEqual(before.states);
      expect(step.sysfs).toEqual(before.sysfs);
      expect(step.vmcore).toEqual(before.vmcore);
      expect(step.dump).toBe(before.dump);
    }
  });

  it('covers every errno the model can answer but ENODEV (see the next block)', () => {
    const seen = new Set(cases.map((c) => c.errno));
    expect([...seen].sort()).toEqual(['EACCES', 'EEXIST', 'EINVAL', 'EIO', 'ENOENT', 'ENOSPC', 'EPERM']);
  });

  it('the replay prints the errno against the line that got it', async () => {
    const { formatReplay } = await import('../src/log/format');
    const r = run(pseries, [boot, write(P.registered, 'abc')]);
    expect(formatReplay(r.replay)).toContain('line 3: echo "abc\\n" > /sys/kernel/fadump/registered -> -EINVAL');
  });
});

describe('the effects of the failures that have one', () => {
  it('OPAL_HARDWARE turns fadump off: enabled reads 0 and the next registration is EPERM', () => {
    const r = run(powernv, [
      ...unregistered,
      fwError('register', 'OPAL_HARDWARE'),
      write(P.registered, '1'),
      write(P.registered, '1'),
    ]);
    expect(r.at(3).errno).toBe('EIO');
    expect(read(r.at(3), P.enabled)).toBe('0');
    expect(read(r.at(3), P.registered)).toBe('0');
    expect(read(r.at(3), P.region)).toBe('');
    expect(r.at(4).errno).toBe('EPERM');
  });

  it('RTAS -1 leaves fadump unregistered; the next attempt succeeds (the fault was one call)', () => {
    const r = run(pseries, [
      ...unregistered,
      fwError('register', -1),
      write(P.registered, '1'),
      write(P.registered, '1'),
    ]);
    expect(read(r.at(3), P.registered)).toBe('0');
    expect(r.at(3).states.firmware).toBe('noDumpRegistered');
    expect(r.at(4).accepted).toBe(true);
    expect(read(r.at(4), P.registered)).toBe('1');
  });

  it('RTAS -9 (already registered): EEXIST, yet registered reads 1 and a crash is captured', () => {
    const r = run(pseries, [...unregistered, fwError('register', -9), write(P.registered, '1'), crash]);
    expect(r.at(3).errno).toBe('EEXIST');
    expect(read(r.at(3), P.registered)).toBe('1');
    expect(r.at(4).dump).toBe('captured');
  });

  it('a failed re-registration (echo 1 while registered, RTAS -1) leaves fadump unregistered: a crash is not captured', () => {
    const r = run(pseries, [boot, fwError('register', -1), write(P.registered, '1'), crash]);
    expect(r.at(2).errno).toBe('EIO');
    expect(read(r.at(2), P.registered)).toBe('0');
    expect(r.at(3).dump).toBe('none');
    expect(r.reason(3)).toMatch(/not registered/);
  });

  it('every rejected write in the capture kernel keeps /proc/vmcore, and release still works afterwards', () => {
    const r = run(pseries, [
      ...capture,
      write(P.registered, '1'),
      write(P.releaseMem, '0'),
      write(P.bootargsAppend, 'x'),
      write(P.enabled, '0'),
      write(P.releaseMem, '1'),
    ]);
    expect(r.steps.slice(2, 6).map((s) => s.errno)).toEqual(['EPERM', 'EINVAL', 'EPERM', 'EACCES']);
    expect(r.at(5).vmcore).toEqual(r.at(1).vmcore);
    expect(r.at(6).accepted).toBe(true);
    expect(r.at(6).states.productionKernel).toBe('running.notRegistered');
  });
});

describe('the writes the kernel does not reject (§8 "Not rejected")', () => {
  it('echo 0 while unregistered: success, still unregistered, no firmware call', () => {
    const r = run(pseries, [...unregistered, write(P.registered, '0')]);
    const s = r.at(2);
    expect(s.accepted).toBe(true);
    expect(s.errno).toBeNull();
    expect(read(s, P.registered)).toBe('0');
    expect(traffic(r, 2).filter((t) => t.includes('fw.'))).toEqual([]);
  });

  it('echo 1 while registered: success, re-registers (unregister, then register), still registered', () => {
    const r = run(pseries, [boot, write(P.registered, '1')]);
    const s = r.at(1);
    expect(s.accepted).toBe(true);
    expect(s.errno).toBeNull();
    expect(read(s, P.registered)).toBe('1');
    expect(traffic(r, 1).filter((t) => /->firmware:fw\.(un)?register$/.test(t))).toEqual([
      'productionKernel->firmware:fw.unregister',
      'productionKernel->firmware:fw.register',
    ]);
  });

  it('echo 1 while registered on PowerNV: success, still registered', () => {
    const r = run(powernv, [boot, write(P.registered, '1')]);
    expect(r.at(1).accepted).toBe(true);
    expect(read(r.at(1), P.registered)).toBe('1');
  });

  it('echo 0 while registered: unregisters; a crash then gets no dump', () => {
    const r = run(pseries, [boot, write(P.registered, '0'), crash]);
    expect(r.at(1).accepted).toBe(true);
    expect(read(r.at(1), P.registered)).toBe('0');
    expect(r.at(2).dump).toBe('none');
  });

  it('echo 0 while registered succeeds even when the firmware fails to unregister; registered still reads 1', () => {
    const r = run(pseries, [boot, fwError('unregister', -1), write(P.registered, '0'), crash]);
    expect(r.at(2).accepted).toBe(true);
    expect(r.at(2).errno).toBeNull();
    expect(read(r.at(2), P.registered)).toBe('1');
    expect(r.at(3).dump).toBe('captured');
  });

  it('kstrtoint forms: "0x1", "01" and "1" without a newline register', () => {
    for (const v of ['0x1', '01', '1']) {
      const r = run(pseries, [...unregistered, write(P.registered, v, true)]);
      expect(r.at(2).accepted, v).toBe(true);
      expect(read(r.at(2), P.registered), v).toBe('1');
    }
  });

  it('bootargs_append: a short string is kept, shown in fadump_region and inherited by the capture kernel', () => {
    const r = run(pseries, [boot, write(P.bootargsAppend, 'nr_cpus=16'), crash]);
    expect(r.at(1).accepted).toBe(true);
    expect(read(r.at(1), P.bootargsAppend)).toBe('nr_cpus=16');
    expect(regionOf(r.at(1)).cmdlineAppend).toBe('nr_cpus=16');
    expect(read(r.at(2), P.bootargsAppend)).toBe('nr_cpus=16');
    expect(regionOf(r.at(2)).cmdlineAppend).toBe('nr_cpus=16');
  });

  it('bootargs_append: the longest string that fits the command line is accepted, one more byte is ENOSPC', () => {
    // bootargs_append_store() (arch/powerpc/kernel/fadump.c): -ENOSPC when
    // saved_command_line_len + count >= COMMAND_LINE_SIZE (2048 on powerpc). The model's default
    // command line, stated here as the literal it is; count includes echo's newline.
    const cmdline = 'BOOT_IMAGE=/boot/vmlinuz root=/dev/mapper/root ro fadump=on';
    const fits = 2048 - cmdline.length - 1 - 1;
    expect(run(pseries, [boot, write(P.bootargsAppend, 'd'.repeat(fits))]).at(1).accepted).toBe(true);
    expect(run(pseries, [boot, write(P.bootargsAppend, 'd'.repeat(fits + 1))]).at(1).errno).toBe('ENOSPC');
  });

  it('release_core: echo 1 frees the OPAL core once', () => {
    const r = run(powernv, [...capture, write(P.releaseCore, '1')]);
    expect(r.at(2).accepted).toBe(true);
    expect(exists(r.at(2), P.opalCore)).toBe(false);
  });
});

describe('ENODEV (register with no reserved area) cannot be reached', () => {
  // §1: "Register with no reserved area: -ENODEV". But a failed reservation sets
  // enabled=0 (§1 early boot 4), and registered_store checks enabled first (§2): EPERM comes
  // first. Every way to fail the reservation ends the same way.
  const failures: { name: string; config: ConfigInput }[] = [
    { name: 'pSeries crashkernel=256M, below the 320 MB minimum', config: { ...pseries, crashkernel: '256M' } },
    { name: 'PowerNV crashkernel=512M, below the 768 MB minimum', config: { ...powernv, crashkernel: '512M' } },
    {
      name: 'PowerNV with 1 GiB: no room above boot memory for the area',
      config: { platform: 'powernv', memoryMiB: 1024, lmbMiB: 256 },
    },
  ];
  it.each(failures)('$name: enabled 0, mem_reserved 0, fadump_region empty, registered → EPERM', ({ config }) => {
    const r = run(config, [boot, write(P.registered, '1')]);
    const b = r.at(0);
    expect(read(b, P.enabled)).toBe('0');
    expect(read(b, P.memReserved)).toBe('0');
    expect(read(b, P.region)).toBe('');
    expect(read(b, P.registered)).toBe('0');
    expect(r.at(1).errno).toBe('EPERM');
  });
});

describe("header check failures lose the dump with the kernel's message (§3)", () => {
  const headerCases: { name: string; config: ConfigInput; reason: string }[] = [
    {
      name: 'old magic: a pre-2024 kernel crashed, a current kernel captures',
      config: { ...pseries, elfcorehdr: 'at-registration', captureKernel: { elfcorehdr: 'in-capture-kernel' } },
      reason: "Old magic number, can't process the dump.",
    },
    {
      name: 'endianness: the capture kernel has the other byte order',
      config: { ...pseries, captureKernel: { endianness: 'swapped' } },
      reason: 'Endianness mismatch between the crashed and fadump kernels.',
    },
    {
      name: 'size mismatch: pt_regs_sz or cpu_mask_sz differ',
      config: { ...pseries, captureKernel: { headerSizes: 'different' } },
      reason: 'Fadump header size mismatch.',
    },
    {
      name: 'size mismatch on PowerNV',
      config: { ...powernv, captureKernel: { headerSizes: 'different' } },
      reason: 'Fadump header size mismatch.',
    },
    {
      name: 'new magic read by a pre-2024 capture kernel',
      config: { ...pseries, elfcorehdr: 'in-capture-kernel', captureKernel: { elfcorehdr: 'at-registration' } },
      reason: 'Crash info header is not valid.',
    },
  ];

  it.each(headerCases)('$name', ({ config, reason }) => {
    const r = run(config, [boot, crash, saveDump, write(P.releaseMem, '1'), write(P.registered, '1')]);
    const c = r.at(1);
    expect(r.at(0).dump).toBe('none');
    expect(c.dump).toBe('lost');
    expect(r.reason(1)).toBe(reason);
    expect(c.vmcore).toBeNull();
    // Invalidated and released (§1 capture boot 5): the kernel runs on, not registered, with
    // release_mem present but refusing.
    expect(c.states).toMatchObject({
      firmware: 'noDumpRegistered',
      productionKernel: 'running.notRegistered',
      captureKernel: 'off',
    });
    expect(exists(c, P.releaseMem)).toBe(true);
    expect(regionOf(c).memoryAbove).toBeNull();
    expect(r.at(2).accepted).toBe(false);
    expect(r.at(3).errno).toBe('EPERM');
    // Registration still works: the system is back in production.
    expect(r.at(4).accepted).toBe(true);
    expect(read(r.at(4), P.registered)).toBe('1');
  });

  it('the same crash with matching kernels is captured (the configs above are the only difference)', () => {
    const r = run(pseries, [boot, crash]);
    expect(r.at(1).dump).toBe('captured');
    expect(r.reason(1)).toBeNull();
  });

  it('a pSeries dump the firmware flagged in error is lost too (error_flags: test/partial.test.ts)', () => {
    const r = run(pseries, [boot, fwError('preserve', -1), crash]);
    expect(r.at(2).dump).toBe('lost');
    expect(r.reason(2)).toBe('Dump taken by platform is not valid (0)');
    expect(r.at(2).vmcore).toBeNull();
  });
});
