// The kdump service as distributions run it (docs/kernel-behaviour.md §5 "The kdump service"):
// the enabled unit's start after boot, `systemctl stop`/`restart`, kdumpctl's failures with its
// error lines, FADUMP_COMMANDLINE_APPEND into bootargs_append. Each log replayed through the
// model (what `replay` prints) and, for fadump, through the simulator (src/sim) too.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { config as makeConfig, type Config, type ConfigInput } from '../src/config';
import type { ExternalEvent } from '../src/events';
import { judgePath } from '../src/explore/suite';
import { formatDiff, modelRun, simRun } from '../src/sim/adapter';
import { simAlphabet } from '../src/sim/paths';
import { formatReplay } from '../src/log/format';
import { boot, crash, hotplug, kdumpReload, kdumpStart, P, read, run, saveDump, write } from './support/story';

const kdumpStop: ExternalEvent = { event: 'kdump-stop' };
const kdumpRestart: ExternalEvent = { event: 'kdump-restart' };
const APPEND = '/sys/kernel/fadump/bootargs_append';

/** The model and the simulator agree on the log (null), or the difference. */
function unexplained(config: Config, events: readonly ExternalEvent[]): string | null {
  const v = judgePath(config, events, modelRun(config, events), simRun(config, events).steps);
  return v.kind === 'differs' ? formatDiff(config, events, v.diff) : null;
}

const fadump: ConfigInput = { kernel: '6.12', memoryMiB: 8192 };
const enabled: ConfigInput = { ...fadump, kdumpEnabled: true };

describe('wrong answer 2: kdump-start with no crashkernel= memory', () => {
  const cfg: ConfigInput = { mechanism: 'kdump', crashkernel: '8G', memoryMiB: 8192 };
  it('answers kdumpctl\'s "No memory reserved for crash kernel", not "already started"', () => {
    const r = run(cfg, [boot, kdumpStart]);
    expect(r.at(0).states.kdumpService).toBe('inactive');
    expect(r.at(1).accepted).toBe(false);
    expect(r.at(1).note).toBe('failed: No memory reserved for crash kernel');
    expect(r.at(1).service).toEqual([
      'kdumpctl: No memory reserved for crash kernel',
      'kdumpctl: Starting kdump: [FAILED]',
    ]);
    expect(r.at(1).states.kdumpService).toBe('failed');
    const text = formatReplay(r.replay);
    expect(text).toContain('line 3: kdump-start -> failed: No memory reserved for crash kernel');
    expect(text).not.toContain('already started');
  });
  it('a start of the failed unit runs kdumpctl start again and fails again', () => {
    const r = run(cfg, [boot, kdumpStart, kdumpStart]);
    expect(r.at(2).note).toBe('failed: No memory reserved for crash kernel');
    expect(r.at(2).service).toContain('kdumpctl: Starting kdump: [FAILED]');
  });
  it('the enabled unit fails at boot, and the udev rule does nothing (systemctl is-active fails)', () => {
    const r = run({ ...cfg, kdumpEnabled: true }, [boot, hotplug('add', 1), kdumpReload]);
    expect(r.at(0).accepted).toBe(true);
    expect(r.at(0).service).toEqual([
      'kdumpctl: No memory reserved for crash kernel',
      'kdumpctl: Starting kdump: [FAILED]',
    ]);
    expect(r.at(1).states.kdumpService).toBe('failed');
    expect(r.at(2).note).toBe('ignored: the kdump service is not active');
  });
});

describe('fadump with the unit enabled', () => {
  it('kdumpctl starts after boot: bootargs_append gets FADUMP_COMMANDLINE_APPEND, then registered 1', () => {
    const c: ConfigInput = { ...enabled, fadumpCommandlineAppend: 'nr_cpus=16 numa=off' };
    const r = run(c, [boot]);
    expect(r.at(0).service).toEqual([
      'kdumpctl: echo "nr_cpus=16 numa=off\\n" > /sys/kernel/fadump/bootargs_append -> accepted',
      'kdumpctl: echo "1\\n" > /sys/kernel/fadump/registered -> accepted',
    ]);
    expect(read(r.at(0), APPEND)).toBe('nr_cpus=16 numa=off');
    expect(read(r.at(0), P.registered)).toBe('1');
    expect(r.at(0).states.kdumpService).toBe('idle');
    expect(unexplained(makeConfig(c), [boot])).toBeNull();
  });
  it('without FADUMP_COMMANDLINE_APPEND nothing is written to bootargs_append', () => {
    const r = run(enabled, [boot]);
    expect(r.at(0).service).toEqual(['kdumpctl: echo "1\\n" > /sys/kernel/fadump/registered -> accepted']);
    expect(read(r.at(0), APPEND)).toBe('');
  });
  it('on a kernel without bootargs_append (6.9) kdumpctl only registers', () => {
    const c: ConfigInput = {
      kernel: '6.9',
      memoryMiB: 8192,
      kdumpEnabled: true,
      fadumpCommandlineAppend: 'nr_cpus=16',
    };
    const r = run(c, [boot]);
    expect(r.at(0).service.some((l) => l.includes('bootargs_append'))).toBe(false);
    expect(unexplained(makeConfig(c), [boot])).toBeNull();
  });
  it('kdump-stop unregisters (echo 0); a second stop is refused; the stopped unit ignores the udev rule', () => {
    const events = [boot, kdumpStop, kdumpStop, hotplug('add', 1), kdumpReload];
    const r = run({ ...enabled, kernel: '6.6' }, events);
    expect(r.at(1).accepted).toBe(true);
    expect(r.at(1).service).toEqual(['kdumpctl: echo "0\\n" > /sys/kernel/fadump/registered -> accepted']);
    expect(read(r.at(1), P.registered)).toBe('0');
    expect(r.at(1).states.kdumpService).toBe('inactive');
    expect(r.at(2).note).toBe('ignored: the kdump service is not active');
    // 6.6 has no hotplug_ready: an active unit would have a reload pending now.
    expect(r.at(3).states.kdumpService).toBe('inactive');
    expect(r.at(4).note).toBe('ignored: the kdump service is not active');
    expect(unexplained(makeConfig({ ...enabled, kernel: '6.6' }), events)).toBeNull();
  });
  it('kdump-restart of an active unit stops and starts it; of a stopped one, starts it', () => {
    const events = [boot, kdumpRestart, kdumpStop, kdumpRestart];
    const r = run(enabled, events);
    expect(r.at(1).service).toEqual([
      'kdumpctl: echo "0\\n" > /sys/kernel/fadump/registered -> accepted',
      'kdumpctl: echo "1\\n" > /sys/kernel/fadump/registered -> accepted',
    ]);
    expect(r.at(3).service).toEqual(['kdumpctl: echo "1\\n" > /sys/kernel/fadump/registered -> accepted']);
    expect(read(r.at(3), P.registered)).toBe('1');
    expect(r.at(3).states.kdumpService).toBe('idle');
    expect(unexplained(makeConfig(enabled), events)).toBeNull();
  });
  it('kdump-start of the running unit is refused as already started', () => {
    const r = run(enabled, [boot, kdumpStart]);
    expect(r.at(1).note).toBe('ignored: the kdump service is already started');
  });
});

describe('no capture kernel image', () => {
  const c: ConfigInput = { ...fadump, captureKernelImage: 'missing' };
  it('kdumpctl start fails with "Failed to detect kdump kernel location" (fadump registered by the kernel)', () => {
    const events = [boot, kdumpStart, hotplug('add', 1)];
    const r = run({ ...c, kernel: '6.6' }, events);
    expect(r.at(0).states.kdumpService).toBe('inactive');
    expect(r.at(1).note).toBe('failed: Failed to detect kdump kernel location');
    // The kernel registered fadump at boot (since 607451ce0aa9): the dump is armed all the same.
    expect(read(r.at(1), P.registered)).toBe('1');
    expect(r.at(2).states.kdumpService).toBe('failed');
    expect(unexplained(makeConfig({ ...c, kernel: '6.6' }), events)).toBeNull();
  });
  it('the enabled unit fails at boot with the same line', () => {
    const r = run({ ...c, kdumpEnabled: true }, [boot, kdumpRestart]);
    expect(r.at(0).service).toEqual([
      'kdumpctl: Failed to detect kdump kernel location',
      'kdumpctl: Starting kdump: [FAILED]',
    ]);
    expect(r.at(1).note).toBe('failed: Failed to detect kdump kernel location');
  });
});

describe('fadump off or not registered by the kernel, kdumpEnabled false (today)', () => {
  it('without crashkernel= the service is inactive at boot and kdump-start fails', () => {
    const c: ConfigInput = { ...fadump, fadump: 'off' };
    const events = [boot, kdumpStart, hotplug('add', 1), kdumpReload];
    const r = run(c, events);
    expect(r.at(1).note).toBe('failed: No memory reserved for crash kernel');
    expect(r.at(3).note).toBe('ignored: the kdump service is not active');
    expect(unexplained(makeConfig(c), events)).toBeNull();
  });
  it('before 607451ce0aa9 (5.15) kdumpctl start registers, as before', () => {
    const c: ConfigInput = { kernel: '5.15', memoryMiB: 8192 };
    const r = run(c, [boot, kdumpStart, write(P.registered, '0')]);
    expect(r.at(1).accepted).toBe(true);
    expect(read(r.at(1), P.registered)).toBe('1');
  });
});

describe('the simulator and the model agree on random walks with the enabled unit', () => {
  const configs: ConfigInput[] = [
    { ...enabled, fadumpCommandlineAppend: 'nr_cpus=16' },
    { kernel: '6.6', memoryMiB: 8192, kdumpEnabled: true, faults: true },
    { ...fadump, kdumpEnabled: true, captureKernelImage: 'missing' },
  ];
  for (const input of configs) {
    const config = makeConfig(input);
    it(config.name, () => {
      const alphabet = simAlphabet(config);
      const walk = fc
        .array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 16 })
        .map((rest) => [{ event: 'boot' } as ExternalEvent, ...rest]);
      fc.assert(
        fc.property(walk, (events) => unexplained(config, events) === null),
        { numRuns: 150, seed: 15 },
      );
    });
  }
});

describe('the capture side saves files (kdump.sh dump_fs())', () => {
  it('pSeries: vmcore-dmesg.txt and vmcore under /var/crash/127.0.0.1-<date>/', () => {
    const r = run(fadump, [boot, crash, saveDump, saveDump]);
    expect(r.at(2).service).toEqual([
      'kdump: saving to /var/crash/127.0.0.1-<date>/',
      'kdump: saving vmcore-dmesg.txt to /var/crash/127.0.0.1-<date>/',
      'kdump: saving vmcore-dmesg.txt complete',
      'kdump: saving vmcore',
      'kdump: saving vmcore complete',
      'kdump: saved /var/crash/127.0.0.1-<date>/vmcore-dmesg.txt, /var/crash/127.0.0.1-<date>/vmcore',
    ]);
    // A second copy changes nothing and saves nothing.
    expect(r.at(3).service).toEqual([]);
  });
  it('PowerNV: opalcore too, from /sys/firmware/opal/mpipl/core', () => {
    const r = run({ platform: 'powernv', memoryMiB: 16384 }, [boot, crash, saveDump]);
    expect(r.at(2).service).toContain(
      'kdump: saving opalcore:/sys/firmware/opal/mpipl/core to /var/crash/127.0.0.1-<date>/opalcore',
    );
    expect(r.at(2).service.at(-1)).toBe(
      'kdump: saved /var/crash/127.0.0.1-<date>/vmcore-dmesg.txt, /var/crash/127.0.0.1-<date>/opalcore, /var/crash/127.0.0.1-<date>/vmcore',
    );
  });
  it('PowerNV after release_core: no opalcore', () => {
    const r = run({ platform: 'powernv', memoryMiB: 16384 }, [
      boot,
      crash,
      write('/sys/firmware/opal/mpipl/release_core', '1'),
      saveDump,
    ]);
    expect(r.at(3).service.some((l) => l.includes('opalcore'))).toBe(false);
  });
});

describe('distribution policy with fadump not enabled (fadump=off, crashkernel= reserved)', () => {
  const base: ConfigInput = { fadump: 'off', crashkernel: '1G', memoryMiB: 8192 };
  it('RHEL (kdumpctl) falls back to kdump: kexec -p', () => {
    const r = run(base, [boot, kdumpStart]);
    expect(r.at(1).accepted).toBe(true);
    expect(r.at(1).service).toEqual(['kdumpctl: kexec -p (load the crash kernel) -> under way']);
  });
  it('SLES (load.sh, KDUMP_FADUMP="yes") does not: "fadump is not enabled in the kernel."', () => {
    const c: ConfigInput = { ...base, distro: 'sles' };
    const r = run(c, [boot, kdumpStart]);
    expect(r.at(0).states.kdumpService).toBe('inactive');
    expect(r.at(1).note).toBe('failed: fadump is not enabled in the kernel.');
    expect(r.at(1).service).toEqual(['kdump: fadump is not enabled in the kernel.']);
    expect(unexplained(makeConfig(c), [boot, kdumpStart])).toBeNull();
  });
  it('SLES with fadump on registers as RHEL does', () => {
    const c: ConfigInput = { ...fadump, distro: 'sles', kdumpEnabled: true };
    const r = run(c, [boot]);
    expect(read(r.at(0), P.registered)).toBe('1');
    expect(r.at(0).states.kdumpService).toBe('idle');
  });
});

describe('a capture boot runs kdump.sh, not kdump.service', () => {
  it('systemctl stop/restart there change nothing', () => {
    const events = [boot, crash, kdumpStop, kdumpRestart];
    const r = run(enabled, events);
    expect(r.at(2).note).toBe('ignored: the capture kernel runs no kdump service (kdump.sh saves the dump)');
    expect(r.at(3).note).toBe('ignored: the capture kernel runs no kdump service (kdump.sh saves the dump)');
    expect(r.at(3).vmcore).not.toBeNull();
    expect(unexplained(makeConfig(enabled), events)).toBeNull();
  });
});
