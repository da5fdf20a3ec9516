// Every way a kernel ends (docs/kernel-behaviour.md §13): kexec -e, power off, the watchdog's hard
// restart, the HMC's dump restart, a firmware-initiated MPIPL and a crash of petitboot's kernel.
// Each is a small log replayed through the model (what `replay` prints) and the simulator, which
// must agree with it on every step.
import { describe, expect, it } from 'vitest';
import { config as makeConfig, type ConfigInput } from '../src/config';
import type { ExternalEvent } from '../src/events';
import { alphabet } from '../src/explore/alphabet';
import { traitsOf } from '../src/kernel-versions';
import { compare, simRun } from '../src/sim/adapter';
import { boot, crash, kdumpStart, P, read, reboot, run, saveDump, write } from './support/story';

const pseries: ConfigInput = { platform: 'pseries', memoryMiB: 8192 };
const powernv: ConfigInput = { platform: 'powernv', memoryMiB: 16384 };
const kexecReboot: ExternalEvent = { event: 'kexec-reboot' };
const powerOff: ExternalEvent = { event: 'power-off' };
const watchdog: ExternalEvent = { event: 'watchdog-reset' };
const dumpRestart: ExternalEvent = { event: 'dump-restart' };
const mpipl: ExternalEvent = { event: 'mpipl', trigger: 'sbe' };
const opalAssert: ExternalEvent = { event: 'mpipl', trigger: 'opal-assert' };
const petitbootCrash: ExternalEvent = { event: 'petitboot-crash' };

/** The model and the simulator agree on every step; the simulator's outcome after the last. */
function simAgrees(config: ConfigInput, events: ExternalEvent[]): string {
  const c = makeConfig(config);
  expect(compare(c, events).firstDiff).toBeNull();
  return simRun(c, events).steps.at(-1)?.dump ?? '(none)';
}

describe('kexec -l; kexec -e (§13.1)', () => {
  it('a current kernel unregisters on the kexec path: the new kernel registers afresh', () => {
    const events = [boot, kexecReboot];
    const r = run(pseries, events);
    expect(r.last().accepted).toBe(true);
    expect(read(r.last(), P.registered)).toBe('1');
    expect(r.last().console).toContain('rtas fadump: Registration is successful!');
    expect(r.last().console).not.toContain('rtas fadump: Already registered!');
    expect(r.last().outcome.kind).toBe('none');
    expect(simAgrees(pseries, events)).toBe('none');
  });

  it('before "Unregister fadump on kexec down path" (4.16) the new kernel meets the old registration: -EEXIST', () => {
    const old: ConfigInput = { ...pseries, kernel: '4.16' };
    const events = [boot, kdumpStart, kexecReboot, write(P.registered, '1')];
    const r = run(old, events);
    expect(read(r.at(1), P.registered)).toBe('1');
    // The kexec'd kernel starts unregistered; the firmware still holds the old structure.
    expect(read(r.at(2), P.registered)).toBe('0');
    // RTAS -9: rtas_fadump_register() marks itself registered and returns -EEXIST.
    expect(r.last().errno).toBe('EEXIST');
    expect(read(r.last(), P.registered)).toBe('1');
    expect(simAgrees(old, events)).toBe('none');
  });

  it('from 4.17 the same write registers without an error', () => {
    const fixed: ConfigInput = { ...pseries, kernel: '4.17' };
    const events = [boot, kdumpStart, kexecReboot, write(P.registered, '1')];
    const r = run(fixed, events);
    expect(r.last().errno).toBeNull();
    expect(read(r.last(), P.registered)).toBe('1');
    expect(simAgrees(fixed, events)).toBe('none');
  });

  it('the trait follows the release', () => {
    expect(traitsOf('4.16').kexecUnregisters).toBe(false);
    expect(traitsOf('4.17').kexecUnregisters).toBe(true);
    expect(traitsOf('6.12').kexecUnregisters).toBe(true);
  });

  it('kexec -e from the capture kernel before the dump is saved invalidates it: lost', () => {
    const events = [boot, crash, kexecReboot];
    const r = run(pseries, events);
    expect(r.last().outcome).toMatchObject({
      kind: 'lost',
      message: 'kexec -e invalidated the dump before it was saved',
    });
    expect(r.last().vmcore).toBeNull();
    expect(read(r.last(), P.registered)).toBe('1');
    expect(simAgrees(pseries, events)).toBe('lost');
  });

  it('after the dump is saved, kexec -e boots production and the capture stays captured', () => {
    const events = [boot, crash, saveDump, kexecReboot];
    const r = run(pseries, events);
    expect(r.last().outcome.kind).toBe('captured-accurate');
    expect(read(r.last(), P.registered)).toBe('1');
    expect(simAgrees(pseries, events)).toBe('captured');
  });

  it('on PowerNV kexec -e skips petitboot and registers again', () => {
    const events = [boot, kexecReboot];
    const r = run(powernv, events);
    expect(read(r.last(), P.registered)).toBe('1');
    expect(simAgrees(powernv, events)).toBe('none');
  });
});

describe('power off (§13.2)', () => {
  it('an unsaved vmcore is lost; the next boot is a cold boot that registers afresh', () => {
    const events = [boot, crash, powerOff, boot];
    const r = run(pseries, events);
    expect(r.at(2).outcome).toMatchObject({
      kind: 'lost',
      message: 'powered off before the dump was saved: memory is not preserved',
    });
    expect(r.at(2).sysfs).toEqual({});
    expect(r.last().vmcore).toBeNull();
    expect(read(r.last(), P.registered)).toBe('1');
    // A cold boot: the firmware forgot the registration, so no "Already registered!".
    expect(r.last().console).toContain('rtas fadump: Registration is successful!');
    expect(simAgrees(pseries, events)).toBe('lost');
  });

  it('a saved dump stays captured; a registered production kernel powered off registers afresh', () => {
    const events = [boot, crash, saveDump, powerOff, boot];
    const r = run(pseries, events);
    expect(r.last().outcome.kind).toBe('captured-accurate');
    expect(simAgrees(pseries, events)).toBe('captured');
    const plain = [boot, powerOff, boot];
    const p = run(pseries, plain);
    expect(p.last().console).not.toContain('rtas fadump: Already registered!');
    expect(simAgrees(pseries, plain)).toBe('none');
  });

  it('power off while off changes nothing', () => {
    const r = run(pseries, [powerOff]);
    expect(r.last().accepted).toBe(false);
    expect(r.last().note).toBe('ignored: the system is already powered off');
  });
});

describe('watchdog hard restart (§13.3)', () => {
  it('registered or not, no dump: not-triggered; the firmware keeps the registration (-9 at the next boot)', () => {
    const events = [boot, watchdog];
    const r = run(pseries, events);
    expect(r.last().outcome).toMatchObject({ kind: 'not-triggered' });
    expect(r.last().outcome.summary).toMatch(/nothing calls crash_fadump\(\): no dump/);
    expect(r.last().console).toContain('rtas fadump: Already registered!');
    expect(read(r.last(), P.registered)).toBe('1');
    expect(simAgrees(pseries, events)).toBe('none');
  });

  it('a dump already held stays held: the capture kernel boots again', () => {
    const events = [boot, crash, watchdog];
    const r = run(pseries, events);
    expect(r.last().outcome.kind).toBe('captured-accurate');
    expect(r.last().vmcore).not.toBeNull();
    expect(simAgrees(pseries, events)).toBe('captured');
  });
});

// hqa2: pseries-wdt's module parameter `action` (drivers/watchdog/pseries-wdt.c,
// pseries_wdt_action[]: 0 hard power off, 1 hard restart (WATCHDOG_ACTION), 2 dump restart).
describe("the watchdog's action (§13.3)", () => {
  const wd = (action: 'power-off' | 'hard-restart' | 'dump-restart'): ExternalEvent => ({
    event: 'watchdog-reset',
    action,
  });
  it('hard-restart is the default: the same as no action', () => {
    const r = run(pseries, [boot, wd('hard-restart')]);
    expect(r.last().outcome.kind).toBe('not-triggered');
    expect(r.last().console).toContain('rtas fadump: Already registered!');
    expect(simAgrees(pseries, [boot, wd('hard-restart')])).toBe('none');
  });
  it('power-off (action=0): no kernel runs; the next boot is cold and registers afresh', () => {
    const events = [boot, wd('power-off'), boot];
    const r = run(pseries, events);
    expect(r.at(1).running).toMatch(/^no kernel/);
    expect(r.at(1).vmcore).toBeNull();
    expect(r.last().console).toContain('rtas fadump: Registration is successful!');
    expect(r.last().console).not.toContain('rtas fadump: Already registered!');
    expect(simAgrees(pseries, events)).toBe('none');
  });
  it('dump-restart (action=2): a registered kernel takes it as a crash: captured', () => {
    const events = [boot, wd('dump-restart')];
    const r = run(pseries, events);
    expect(r.last().running).toMatch(/^fadump's capture kernel/);
    expect(r.last().outcome.kind).toBe('captured-accurate');
    expect(simAgrees(pseries, events)).toBe('captured');
  });
  it('dump-restart (action=2) under kdump: the loaded crash kernel takes it', () => {
    const kd: ConfigInput = { ...pseries, mechanism: 'kdump', crashkernel: '512M', kdumpEnabled: true };
    const r = run(kd, [boot, { event: 'kexec-loaded' }, wd('dump-restart')]);
    expect(r.last().running).toMatch(/^kdump's capture kernel/);
    expect(r.last().outcome.kind).toBe('captured-accurate');
  });
});

describe('HMC dump restart (§13.4)', () => {
  it('registered: system_reset_exception() calls crash_fadump(): captured', () => {
    const events = [boot, dumpRestart];
    const r = run(pseries, events);
    expect(r.last().outcome.kind).toBe('captured-accurate');
    expect(simAgrees(pseries, events)).toBe('captured');
  });

  it('not registered: a plain panic, no dump', () => {
    const events = [boot, write(P.registered, '0'), dumpRestart];
    const r = run(pseries, events);
    expect(r.last().outcome).toMatchObject({ kind: 'not-armed' });
    expect(simAgrees(pseries, events)).toBe('none');
  });

  it('on PowerNV too (OPAL MPIPL from crash_fadump())', () => {
    const events = [boot, dumpRestart];
    expect(run(powernv, events).last().outcome.kind).toBe('captured-accurate');
    expect(simAgrees(powernv, events)).toBe('captured');
  });
});

describe('firmware-initiated MPIPL (§13.5)', () => {
  it('registered: the ranges are preserved and the header from registration passes: captured', () => {
    for (const trigger of [mpipl, opalAssert]) {
      const events = [boot, trigger];
      const r = run(powernv, events);
      expect(r.last().outcome.kind).toBe('captured-accurate');
      expect(r.last().console).toContain('fadump: Firmware-assisted dump is active.');
      expect(r.last().vmcore).not.toBeNull();
      expect(simAgrees(powernv, events)).toBe('captured');
    }
  });

  it('nothing registered: registered_regions == 0, no vmcore (not-triggered)', () => {
    const events = [boot, write(P.registered, '0'), mpipl];
    const r = run(powernv, events);
    expect(r.last().outcome).toMatchObject({ kind: 'not-triggered' });
    expect(r.last().vmcore).toBeNull();
    expect(simAgrees(powernv, events)).toBe('none');
  });

  it("what counts is the running kernel's own metadata: after kexec -e it registered afresh", () => {
    const events = [boot, kexecReboot, mpipl];
    expect(run(powernv, events).last().outcome.kind).toBe('captured-accurate');
    expect(simAgrees(powernv, events)).toBe('captured');
  });

  it('a registration the new kernel failed to make (OPAL_HARDWARE) after a watchdog restart: no vmcore', () => {
    const cfg: ConfigInput = { ...powernv, faults: true };
    const events = [boot, watchdog, mpipl];
    const hw: ExternalEvent = { event: 'firmware-error', call: 'register', rc: 'OPAL_HARDWARE' };
    const withFault = [boot, hw, watchdog, mpipl];
    expect(run(cfg, events).last().outcome.kind).toBe('captured-accurate');
    const r = run(cfg, withFault);
    expect(r.last().outcome).toMatchObject({ kind: 'not-triggered' });
    expect(simAgrees(cfg, withFault)).toBe('none');
  });

  it('pSeries has none: refused with its reason', () => {
    const events = [boot, mpipl];
    const r = run(pseries, events);
    expect(r.last().accepted).toBe(false);
    expect(r.last().note).toMatch(/^ignored: a firmware-initiated MPIPL is OPAL's \(PowerNV\)/);
    expect(r.last().console).toEqual([]);
    expect(simAgrees(pseries, events)).toBe('none');
  });
});

describe("petitboot's kernel crashes (§13.6)", () => {
  it('during the MPIPL boot: a normal IPL, the dump is lost, production boots', () => {
    for (const petitbootPreservesDump of [true, false]) {
      const cfg: ConfigInput = { ...powernv, petitbootPreservesDump };
      const events = [boot, petitbootCrash, crash];
      const r = run(cfg, events);
      expect(r.at(1).accepted).toBe(true);
      expect(r.last().outcome).toMatchObject({ kind: 'lost' });
      expect(r.last().outcome.summary).toMatch(/petitboot's kernel panicked during the MPIPL boot/);
      expect(r.last().vmcore).toBeNull();
      expect(read(r.last(), P.registered)).toBe('1');
      expect(simAgrees(cfg, events)).toBe('lost');
    }
  });

  it('armed before a boot without a dump: it reboots once, nothing to lose', () => {
    const events = [petitbootCrash, boot, crash];
    const r = run(powernv, events);
    expect(read(r.at(1), P.registered)).toBe('1');
    expect(r.last().outcome.kind).toBe('captured-accurate');
    expect(simAgrees(powernv, events)).toBe('captured');
  });

  it('pSeries has no petitboot: refused', () => {
    const r = run(pseries, [boot, petitbootCrash, reboot]);
    expect(r.at(1).note).toBe('ignored: pSeries boots without petitboot: there is no petitboot kernel to crash');
  });
});

describe('the exploration explores the endings only where asked (endings: true)', () => {
  const names = (c: ConfigInput) => alphabet(makeConfig(c)).map((e) => e.event);
  it('not by default', () => {
    for (const c of [pseries, powernv])
      for (const e of ['kexec-reboot', 'power-off', 'watchdog-reset', 'dump-restart', 'mpipl', 'petitboot-crash'])
        expect(names(c)).not.toContain(e);
  });
  it('pSeries: four; PowerNV: six', () => {
    const p = names({ ...pseries, endings: true });
    expect(p).toEqual(expect.arrayContaining(['kexec-reboot', 'power-off', 'watchdog-reset', 'dump-restart']));
    expect(p).not.toContain('mpipl');
    expect(names({ ...powernv, endings: true })).toEqual(
      expect.arrayContaining([
        'kexec-reboot',
        'power-off',
        'watchdog-reset',
        'dump-restart',
        'mpipl',
        'petitboot-crash',
      ]),
    );
  });
});
