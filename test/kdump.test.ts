// kdump beside fadump (issue 6): each claim of the seeds as a verdict computed by exploration, and
// each counterexample replayed through the public replay until it shows the violation.
// Sources: firmware-assisted-dump.rst ("Unlike kdump, the system has been reset ... FADump doesn't need a 2nd
// reboot", note 2: the fallback to kdump), kdump.rst (kdump), the LPC 2024 talk ("How fadump fares now"),
// docs/kernel-behaviour.md §1 early boot 4 and §6.
import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../src/config';
import type { ExternalEvent } from '../src/events';
import {
  boot,
  crash,
  exists,
  hotplug,
  kdumpReload,
  kdumpStart,
  MiB,
  P,
  read,
  reboot,
  run,
  saveDump,
  traffic,
  write,
} from './support/story';
import { counterexampleOf, replayViolation, verdictOf } from './support/verdicts';
import { productionMemory } from '../src/specs/properties';

const GiB = 1024 * MiB;
const kexecLoad: ExternalEvent = { event: 'kexec-load' };
const kexecLoaded: ExternalEvent = { event: 'kexec-loaded' };
const kexecUnload: ExternalEvent = { event: 'kexec-unload' };
const K = {
  loaded: '/sys/kernel/kexec_crash_loaded',
  size: '/sys/kernel/kexec_crash_size',
  crashHotplug: '/sys/devices/system/memory/crash_hotplug',
} as const;

const fadumpNew: ConfigInput = { platform: 'pseries', elfcorehdr: 'in-capture-kernel', fadump: 'on' };
const fadumpOld: ConfigInput = { platform: 'pseries', elfcorehdr: 'at-registration', fadump: 'on' };
const fadumpNocma: ConfigInput = { platform: 'pseries', elfcorehdr: 'in-capture-kernel', fadump: 'nocma' };
const kdumpUdev: ConfigInput = { platform: 'pseries', mechanism: 'kdump', crashkernel: '512M', crashHotplug: false };
const kdumpHotplug: ConfigInput = { platform: 'pseries', mechanism: 'kdump', crashkernel: '512M', crashHotplug: true };
const fallback: ConfigInput = { platform: 'pseries', fadump: 'on', crashkernel: '256M' };

/** kdumpctl start: kexec -p, and the syscall returns. */
const armed: ExternalEvent[] = [boot, kdumpStart, kexecLoaded];

describe('kdump: load, unload, crash (§6)', () => {
  it('boot reserves crashkernel= and loads nothing: kexec_crash_loaded reads 0, kexec_crash_size the reservation', () => {
    const r = run(kdumpUdev, [boot]);
    expect(read(r.at(0), K.loaded)).toBe('0');
    expect(Number(read(r.at(0), K.size))).toBe(512 * MiB);
    expect(read(r.at(0), P.enabled)).toBe('0');
  });

  it('kexec -p frees the current image first: while the load runs nothing is loaded', () => {
    const r = run(kdumpUdev, [...armed, kexecLoad, kexecLoaded]);
    expect(read(r.at(2), K.loaded)).toBe('1');
    expect(read(r.at(3), K.loaded)).toBe('0');
    expect(read(r.at(4), K.loaded)).toBe('1');
  });

  it('a crash inside that window is a plain panic; with an image loaded it jumps into the capture kernel', () => {
    const inWindow = run(kdumpUdev, [...armed, kexecLoad, crash]);
    expect(inWindow.last().dump).toBe('none');
    expect(inWindow.reason(4)).toMatch(/still loading the crash kernel \(an older image already freed/);
    const loaded = run(kdumpUdev, [...armed, crash]);
    expect(loaded.last().dump).toBe('captured');
    expect(loaded.last().vmcore).not.toBeNull();
    expect(loaded.last().states.kexec).toBe('capture.vmcore');
  });

  it('nothing loaded: a plain panic, and the machine reboots', () => {
    const r = run(kdumpUdev, [boot, crash]);
    expect(r.last().dump).toBe('none');
    expect(r.last().states.productionKernel).toMatch(/^running/);
  });

  it('kexec -p -u unloads; kexec -p with no crashkernel= memory fails with EADDRNOTAVAIL', () => {
    const r = run(kdumpUdev, [...armed, kexecUnload]);
    expect(read(r.last(), K.loaded)).toBe('0');
    const f = run(fadumpNew, [boot, kexecLoad]);
    expect(f.last().errno).toBe('EADDRNOTAVAIL');
    expect(f.last().accepted).toBe(false);
  });

  it('the jump into the capture kernel goes through no reset: no hw.reset travels', () => {
    const r = run(kdumpUdev, [...armed, crash]);
    expect(traffic(r, 3).some((t) => t.endsWith(':hw.reset'))).toBe(false);
    const f = run(fadumpNew, [boot, crash]);
    expect(traffic(f, 1).some((t) => t.endsWith(':hw.reset'))).toBe(true);
  });

  it('the kdump vmcore backs up the first 64 KB (kdump.rst) and leaves out the crash kernel region', () => {
    const r = run(kdumpUdev, [...armed, crash]);
    const v = r.last().vmcore;
    expect(v).not.toBeNull();
    const loads = v === null ? [] : v.ptLoad;
    // /proc/vmcore shows file offsets (fs/proc/vmcore.c): the ELF headers' page, the notes' page, then the data.
    expect(loads[0]).toEqual({ paddr: 0, size: 64 * 1024, offset: 2 * 64 * 1024 });
    // reserve_crashkernel() on an LPAR without @offset: min(ppc64_rma_size / 2, 512M), radix's RMA unlimited.
    const ck = { start: 512 * MiB, end: 512 * MiB + 512 * MiB };
    for (const p of loads) expect(p.paddr + p.size <= ck.start || p.paddr >= ck.end).toBe(true);
  });
});

describe('fadump falls back to kdump when its reservation fails and crashkernel= is set (§1 early boot 4, firmware-assisted-dump.rst note 2)', () => {
  it('fadump=on crashkernel=256M: fadump is not enabled, the 256M are reserved for kdump, kdumpctl loads it', () => {
    const r = run(fallback, [...armed, crash]);
    expect(read(r.at(0), P.enabled)).toBe('0');
    expect(Number(read(r.at(0), K.size))).toBe(256 * MiB);
    expect(read(r.at(2), K.loaded)).toBe('1');
    expect(r.last().states.kexec).toBe('capture.vmcore');
  });

  it('fadump=on crashkernel=1G: fadump reserves, so nothing is reserved for kdump (kexec_crash_size reads 0)', () => {
    const r = run({ platform: 'pseries', fadump: 'on', crashkernel: '1G' }, [boot, kexecLoad]);
    expect(read(r.at(0), P.enabled)).toBe('1');
    expect(read(r.at(0), K.size)).toBe('0');
    expect(r.last().errno).toBe('EADDRNOTAVAIL');
  });

  it('the fallback costs a second reboot and the device reset: the verdicts say so', () => {
    expect(verdictOf(fallback, 'no-second-reboot').verdict).toBe('violated');
    expect(verdictOf(fallback, 'devices-reset-before-capture').verdict).toBe('violated');
    expect(verdictOf(fallback, 'eventually-ready').verdict).toBe('holds');
  });
});

describe('the seeds’ claims, computed', () => {
  it('fadump resets devices before the capture, kdump does not (firmware-assisted-dump.rst, phyp-assisted-dump.txt, the LPC 2024 talk)', () => {
    for (const c of [fadumpNew, fadumpOld, fadumpNocma])
      expect(verdictOf(c, 'devices-reset-before-capture').verdict).toBe('holds');
    for (const c of [kdumpUdev, kdumpHotplug])
      expect(verdictOf(c, 'devices-reset-before-capture').verdict).toBe('violated');
    const cx = counterexampleOf(kdumpUdev, 'devices-reset-before-capture');
    expect(cx[cx.length - 1]).toEqual(crash);
    expect(replayViolation(kdumpUdev, 'devices-reset-before-capture', cx)).toBe(cx.length);
  });

  it('fadump needs no second reboot, kdump does (firmware-assisted-dump.rst, §6)', () => {
    for (const c of [fadumpNew, fadumpOld, fadumpNocma]) expect(verdictOf(c, 'no-second-reboot').verdict).toBe('holds');
    for (const c of [kdumpUdev, kdumpHotplug]) expect(verdictOf(c, 'no-second-reboot').verdict).toBe('violated');
    const cx = counterexampleOf(kdumpUdev, 'no-second-reboot');
    expect(cx[cx.length - 1]).toEqual(saveDump);
    expect(replayViolation(kdumpUdev, 'no-second-reboot', cx)).toBe(cx.length);
    // From there: no release file, and only a reboot brings production back.
    const r = run(kdumpUdev, [...cx, write(P.releaseMem, '1'), reboot]);
    expect(r.at(cx.length).errno).toBe('EACCES');
    expect(r.last().states.productionKernel).toMatch(/^running/);
    expect(traffic(r, cx.length + 1).some((t) => t.endsWith(':hw.reset'))).toBe(true);
  });

  it('kdump’s udev reload leaves a window after hotplug; CONFIG_CRASH_HOTPLUG does not (§6, the LPC 2024 talk)', () => {
    expect(verdictOf(kdumpUdev, 'always-ready-after-hotplug').verdict).toBe('violated');
    expect(verdictOf(kdumpUdev, 'no-crash-kernel-loaded-window').verdict).toBe('violated');
    expect(verdictOf(kdumpHotplug, 'always-ready-after-hotplug').verdict).toBe('holds');
    expect(verdictOf(kdumpHotplug, 'no-crash-kernel-loaded-window').verdict).toBe('holds');
    expect(verdictOf(kdumpHotplug, 'accurate-vmcore').verdict).toBe('holds');
    const window = counterexampleOf(kdumpUdev, 'no-crash-kernel-loaded-window');
    expect(window).toContainEqual(kdumpReload);
    expect(replayViolation(kdumpUdev, 'no-crash-kernel-loaded-window', window)).toBe(window.length);
    const stale = counterexampleOf(kdumpUdev, 'always-ready-after-hotplug');
    expect(stale).toContainEqual(hotplug('add', 1));
    expect(replayViolation(kdumpUdev, 'always-ready-after-hotplug', stale)).toBe(stale.length);
  });

  it('with CONFIG_CRASH_HOTPLUG crash_hotplug reads 1 and the kernel updates the loaded elfcorehdr: no reload is pending', () => {
    const r = run(kdumpHotplug, [...armed, hotplug('add', 1), crash]);
    expect(read(r.at(2), K.crashHotplug)).toBe('1');
    expect(r.at(3).states.kdumpService).toBe('kexec.loaded');
    const u = run(kdumpUdev, [...armed, hotplug('add', 1)]);
    expect(exists(u.at(2), K.crashHotplug)).toBe(false);
    expect(u.last().states.kdumpService).toBe('kexec.reloadPending');
    // Added memory is in the vmcore with CONFIG_CRASH_HOTPLUG, missing without.
    const top = (o: { vmcore: { ptLoad: { paddr: number; size: number }[] } | null }) =>
      Math.max(...(o.vmcore?.ptLoad ?? []).map((p) => p.paddr + p.size));
    expect(top(r.last())).toBe(8 * GiB + 256 * MiB);
    expect(top(run(kdumpUdev, [...armed, hotplug('add', 1), crash]).last())).toBe(8 * GiB);
  });

  it('fadump with the elfcorehdr built in the capture kernel is always ready; at registration it is not (c6c5b14dac0d, the LPC 2024 talk)', () => {
    expect(verdictOf(fadumpNew, 'always-ready-after-hotplug').verdict).toBe('holds');
    expect(verdictOf(fadumpNew, 'no-crash-kernel-loaded-window').verdict).toBe('holds');
    expect(verdictOf(fadumpOld, 'always-ready-after-hotplug').verdict).toBe('violated');
    const cx = counterexampleOf(fadumpOld, 'always-ready-after-hotplug');
    expect(replayViolation(fadumpOld, 'always-ready-after-hotplug', cx)).toBe(cx.length);
  });

  it('a registration that fails during kdumpctl’s reload leaves fadump unregistered: a window (§5)', () => {
    const c: ConfigInput = { platform: 'pseries', elfcorehdr: 'at-registration', faults: true };
    // The udev reload's echo 1 fails, kdumpctl echoes 0 and waits for its start: a crash then
    // finds nothing registered.
    const events: ExternalEvent[] = [
      boot,
      hotplug('add', 1),
      { event: 'firmware-error', call: 'register', rc: -1 },
      kdumpReload,
      crash,
    ];
    const r = run(c, events);
    expect(r.at(3).states.kdumpService).toBe('restartPending');
    expect(read(r.at(3), P.registered)).toBe('0');
    expect(r.last().dump).toBe('none');
    expect(replayViolation(c, 'no-crash-kernel-loaded-window', events)).toBe(events.length);
  });

  it('CMA gives the reserved memory back to production’s user pages, nocma does not (the LPC 2024 talk free -m, firmware-assisted-dump.rst note 3)', () => {
    const cma = verdictOf(fadumpNew, 'memory-available-to-production');
    const nocma = verdictOf(fadumpNocma, 'memory-available-to-production');
    const kdump = verdictOf(kdumpUdev, 'memory-available-to-production');
    if (cma.figure === undefined || nocma.figure === undefined || kdump.figure === undefined)
      throw new Error('no figure');
    // What a user reads: nocma loses exactly mem_reserved, kdump exactly kexec_crash_size.
    const reserved = Number(read(run(fadumpNocma, [boot]).at(0), P.memReserved));
    expect(nocma.figure).toBe(8 * GiB - reserved);
    expect(kdump.figure).toBe(8 * GiB - Number(read(run(kdumpUdev, [boot]).at(0), K.size)));
    // CMA: all but some metadata and alignment: far less lost than the boot memory (320 MB here).
    expect(cma.figure).toBeGreaterThan(nocma.figure);
    expect(8 * GiB - cma.figure).toBeLessThan(32 * MiB);
    expect(cma.figureAt).toEqual([boot]);
    // nocma and kdump withhold at least what the capture needs from the first boot on.
    expect(nocma.verdict).toBe('violated');
    expect(counterexampleOf(fadumpNocma, 'memory-available-to-production')).toEqual([boot]);
    expect(kdump.verdict).toBe('violated');
  });

  it('CMA holds as booted; its gain lasts until a dump is released without a reboot: the capture kernel set up no CMA (§1 early boot 6)', () => {
    expect(verdictOf(fadumpNew, 'memory-available-to-production').verdict).toBe('holds');
    const r = run(fadumpNew, [boot, crash, saveDump, write(P.releaseMem, '1')]);
    const after = r.replay.states[4];
    const booted = r.replay.states[1];
    if (after === undefined || booted === undefined) throw new Error('no state');
    const m = productionMemory(after);
    const atBoot = productionMemory(booted);
    if (m === null || atBoot === null) throw new Error('not in production');
    expect(r.last().states.productionKernel).toBe('running.notRegistered');
    // After the release the whole area (mem_reserved) is withheld, as with nocma.
    expect(m.withheld).toBe(Number(read(r.last(), P.memReserved)));
    expect(m.withheld).toBeGreaterThan(atBoot.withheld);
  });
});

describe('every kdump counterexample replays to its violation', () => {
  for (const c of [kdumpUdev, kdumpHotplug, fallback]) {
    for (const property of [
      'accurate-vmcore',
      'always-ready-after-hotplug',
      'no-second-reboot',
      'devices-reset-before-capture',
      'no-crash-kernel-loaded-window',
      'no-lost-dump',
      'capture-kernel-confined',
      'memory-available-to-production',
    ]) {
      it(`${JSON.stringify(c)} ${property}`, () => {
        const r = verdictOf(c, property);
        if (r.verdict !== 'violated') {
          expect(r.verdict).toBe('holds');
          return;
        }
        const cx = r.counterexample ?? [];
        expect(replayViolation(c, property, cx)).toBe(cx.length);
      });
    }
  }
});
