// Older kernels and kdump-utils udev rules as configuration values beside today's
// (docs/kernel-behaviour.md §10, src/kernel-versions.ts). Each variant gets the smallest log that
// shows how it differs from today's default, replayed through the model AND the simulator, with
// the kernel's (or the rule's) value asserted in both:
// - kernels before 98b8cd7f7564 (4.13): `echo 1 > registered` while registered and `echo 0` while
//   not return -EINVAL, and a registration the firmware refuses still returns success
//   (fadump_register_store() of 4.11/4.12, arch/powerpc/kernel/fadump.c);
// - kernels before f6e6bedb7731 (4.12): the area sits at the top of RAM, so the first LMB the HMC
//   removes is refused (fadump_reserve_mem(), lmb_is_removable() in pseries/hotplug-memory.c);
// - 98-kexec.rules.ppc64 (kdump-utils): a585f981bde6 re-registers on every memory event,
//   679a1c5a96e4 (today's) skips when hotplug_ready reads 1, and b4e3d3724cf3 (which it fixed)
//   grepped for 1 and so re-registered whenever the file exists.
import { describe, expect, it } from 'vitest';
import { config as makeConfig, type ConfigInput } from '../src/config';
import type { ExternalEvent } from '../src/events';
import { judgePath } from '../src/explore/suite';
import { modelRun, simRun, type ObservedStep } from '../src/sim/adapter';
import { dlparErrno } from '../machines/kernel-rules';
import { createSystem, xstateStepper, type ActorStepper, type System } from '../machines/system';
import { replayJson } from '../src/log/format';
import { replay } from '../src/log/replay';
import { reserveAtBoot } from '../src/memory/reserve';
import { lmb_is_removable_before_5_2 } from '../src/sim/hotplug-memory';
import {
  boot,
  crash,
  fwError,
  hotplug,
  kdumpReload,
  kdumpStart,
  MiB,
  P,
  read,
  run,
  traffic,
  write,
} from './support/story';

/** The log through the model and the simulator; fails when they disagree. Step 0 is the state
 *  before any event, step n the state after the n-th event. */
function both(input: ConfigInput, events: readonly ExternalEvent[]): { model: ObservedStep[]; sim: ObservedStep[] } {
  const c = makeConfig(input);
  const model = modelRun(c, events);
  const sim = simRun(c, events).steps;
  const v = judgePath(c, events, model, sim);
  expect(v.kind, JSON.stringify(v)).not.toBe('differs');
  return { model, sim };
}

/** The errno of the n-th event (1-based, as the steps count) in both runs. */
function errnoOf(r: { model: ObservedStep[]; sim: ObservedStep[] }, n: number): [unknown, unknown] {
  return [r.model[n]?.errno, r.sim[n]?.errno];
}

const registered = (r: { model: ObservedStep[]; sim: ObservedStep[] }, n: number): [unknown, unknown] => [
  r.model[n]?.sysfs[P.registered],
  r.sim[n]?.sysfs[P.registered],
];

describe('registered before 98b8cd7f7564: -EINVAL for a repeated write (4.11, 4.12)', () => {
  // Kernels before 5.18 do not register at boot: kdumpctl start does.
  const log: ExternalEvent[] = [
    boot,
    kdumpStart,
    write(P.registered, '1'),
    write(P.registered, '0'),
    write(P.registered, '0'),
  ];

  it('4.12: `echo 1` while registered and `echo 0` while not answer -EINVAL', () => {
    const r = both({ kernel: '4.12' }, log);
    expect(registered(r, 2)).toEqual(['1', '1']);
    expect(errnoOf(r, 3)).toEqual(['EINVAL', 'EINVAL']);
    expect(errnoOf(r, 4)).toEqual([null, null]);
    expect(errnoOf(r, 5)).toEqual(['EINVAL', 'EINVAL']);
  });

  it('4.13 (98b8cd7f7564): -EEXIST for the first, success for the second', () => {
    const r = both({ kernel: '4.13' }, log);
    expect(errnoOf(r, 3)).toEqual(['EEXIST', 'EEXIST']);
    expect(errnoOf(r, 5)).toEqual([null, null]);
  });

  it('today (0823c68b054b): `echo 1` while registered registers again', () => {
    const r = both({}, [boot, write(P.registered, '1'), write(P.registered, '0'), write(P.registered, '0')]);
    expect(errnoOf(r, 2)).toEqual([null, null]);
    expect(errnoOf(r, 4)).toEqual([null, null]);
  });

  it('4.12: a registration the firmware refuses (RTAS -1) still returns success, and registered reads 0', () => {
    const events = [boot, fwError('register', -1), write(P.registered, '1')];
    const old = both({ kernel: '4.12' }, events);
    expect(errnoOf(old, 3)).toEqual([null, null]);
    expect(registered(old, 3)).toEqual(['0', '0']);
    const now = both({ kernel: '4.13' }, events);
    expect(errnoOf(now, 3)).toEqual(['EIO', 'EIO']);
  });

  it('the name says so, and `registeredWrite: "einval"` gives the old store on a newer kernel', () => {
    expect(makeConfig({ kernel: '4.12' }).name).toContain('registered-einval');
    const r = both({ kernel: '4.13', registeredWrite: 'einval' }, log);
    expect(errnoOf(r, 3)).toEqual(['EINVAL', 'EINVAL']);
  });
});

describe('the reserved area at the top of RAM before f6e6bedb7731 (4.11)', () => {
  const log: ExternalEvent[] = [boot, kdumpStart, hotplug('remove', 1)];

  it('4.11: the area ends at the end of RAM, and removing the top LMB answers -EINVAL', () => {
    const r = run({ kernel: '4.11' }, log);
    expect(r.at(0).console.join('\n')).toMatch(/Reserved \d+MB of memory at 0x000001ebfa0000/);
    const b = both({ kernel: '4.11' }, log);
    expect(errnoOf(b, 3)).toEqual(['EINVAL', 'EINVAL']);
  });

  it('4.11: registered or not, the area refuses to go (its pages are memblock-reserved)', () => {
    const b = both({ kernel: '4.11' }, [boot, hotplug('remove', 1)]);
    expect(registered(b, 1)).toEqual(['0', '0']);
    expect(errnoOf(b, 2)).toEqual(['EINVAL', 'EINVAL']);
  });

  it('4.12: the area sits just above boot memory, and the same removal succeeds', () => {
    const b = both({ kernel: '4.12' }, log);
    expect(errnoOf(b, 3)).toEqual([null, null]);
  });
});

describe('the kdump-utils udev memory rule (98-kexec.rules.ppc64)', () => {
  // Today's kernel: hotplug_ready reads 1, the kernel registers at boot.
  const log: ExternalEvent[] = [boot, hotplug('remove', 1), kdumpReload];

  it('hotplug-ready (679a1c5a96e4, the default): the throttler never runs, nothing is written', () => {
    const r = run({}, log);
    expect(read(r.at(1), P.hotplugReady)).toBe('1');
    expect(traffic(r, 2).filter((t) => t.includes('sysfs.write'))).toEqual([]);
    both({}, log);
  });

  for (const rule of ['always', 'hotplug-ready-inverted'] as const) {
    it(`${rule}: kdumpctl reload echoes 1 to registered, and the kernel unregisters and registers again`, () => {
      const r = run({ udevRule: rule }, log);
      expect(traffic(r, 2)).toEqual(
        expect.arrayContaining([
          'kdumpService->productionKernel:sysfs.write',
          'productionKernel->firmware:fw.unregister',
        ]),
      );
      both({ udevRule: rule }, log);
    });
  }

  it('hotplug-ready-inverted: a re-registration the firmware refuses leaves nothing registered, and the crash gets no dump', () => {
    const events = [boot, hotplug('remove', 1), fwError('register', -1), kdumpReload, crash];
    const bad = both({ udevRule: 'hotplug-ready-inverted' }, events);
    expect(registered(bad, 4)).toEqual(['0', '0']);
    expect([bad.model[5]?.dump, bad.sim[5]?.dump]).toEqual(['none', 'none']);
    const good = both({}, events);
    expect(registered(good, 4)).toEqual(['1', '1']);
    expect([good.model[5]?.dump, good.sim[5]?.dump]).toEqual(['captured', 'captured']);
  });

  it('on a kernel without hotplug_ready (6.9) every rule re-registers', () => {
    for (const rule of ['always', 'hotplug-ready', 'hotplug-ready-inverted'] as const) {
      const r = run({ kernel: '6.9', udevRule: rule }, [boot, hotplug('remove', 1), kdumpReload]);
      expect(traffic(r, 2), rule).toContain('kdumpService->productionKernel:sysfs.write');
    }
  });

  it('a udevRule that is not one of the three is refused with its field', () => {
    expect(() => makeConfig({ udevRule: 'never' as never })).toThrow(/udevRule/);
  });
});

describe('the CMA part of the area could be hot-removed while registered: 4.20 to 5.1 (docs/kernel-behaviour.md §10.5)', () => {
  // lmb_is_removable() asked only is_fadump_boot_memory_area() until "powerpc/fadump: Do not allow
  // hot-remove memory from fadump reserved area" (5.2 [I]); is_mem_section_removable() counts the
  // free pages fadump_cma_init() (a4e92ce8e4c8, 4.20) handed to CMA as removable. 64 MiB LMBs, so
  // that whole LMBs lie inside the CMA part [320 MiB, 640 MiB) of the area [320 MiB, ~641 MiB).
  const input = { memoryMiB: 1024, lmbMiB: 64, minMemoryMiB: 256 } as const;
  const lmb = (startMiB: number) => ({ start: startMiB * MiB, end: (startMiB + 64) * MiB });
  const reservation = (kernel: string, fadump: 'on' | 'nocma' = 'on') => {
    const c = makeConfig({ ...input, kernel, fadump });
    const r = reserveAtBoot(c, [{ start: 0, end: c.memoryBytes }]);
    if (!r.ok) throw new Error(r.reason);
    return { c, r: r.reservation };
  };

  it('5.1: an LMB inside the CMA part goes while registered, the one holding the reserved tail does not; 5.2 refuses both', () => {
    const refused = (x: ReturnType<typeof reservation>, registered: boolean, startMiB: number) =>
      dlparErrno(
        x.c,
        {
          build: 'first',
          registered,
          reservation: x.r,
          memory: [{ start: 0, end: x.c.memoryBytes }],
          otherReserved: [],
          bootAllocations: null,
        },
        { action: 'remove', by: 'index', ranges: [lmb(startMiB)] },
      );
    const old = reservation('5.1');
    expect(old.r.cma).toEqual({ start: 320 * MiB, end: 640 * MiB });
    expect(refused(old, true, 384)).toBe(null);
    expect(refused(old, true, 640)).toBe('EINVAL');
    expect(refused(old, false, 640)).toBe('EINVAL');
    expect(refused(old, true, 0)).toBe('EINVAL');
    // 5.2: is_fadump_memory_area() while registered (-EINVAL); unregistered, CMA does not offline (-EBUSY).
    const fixed = reservation('5.2');
    expect(refused(fixed, true, 384)).toBe('EINVAL');
    expect(refused(fixed, false, 384)).toBe('EBUSY');
    // fadump=nocma: the whole area stays reserved pages, and refuses.
    const nocma = reservation('5.1', 'nocma');
    expect(refused(nocma, true, 384)).toBe('EINVAL');
  });

  it('5.1 log: a named LMB inside the CMA part is hot-removed while registered, and the crash loses the dump; 5.2 refuses it', () => {
    // drc index 0x80000006: the LMB at 384 MiB (6 x 64 MiB).
    const log: ExternalEvent[] = [
      boot,
      kdumpStart,
      { event: 'memory-hotplug', action: 'remove', drcIndex: '0x80000006' },
      crash,
    ];
    const old = both({ ...input, kernel: '5.1' }, log);
    expect(errnoOf(old, 3)).toEqual([null, null]);
    expect([old.model[4]?.dump, old.sim[4]?.dump]).toEqual(['lost', 'lost']);
    const fixed = both({ ...input, kernel: '5.2' }, log);
    expect(errnoOf(fixed, 3)).toEqual(['EINVAL', 'EINVAL']);
    expect([fixed.model[4]?.dump, fixed.sim[4]?.dump]).toEqual(['captured', 'captured']);
  });

  it("the simulator's lmb_is_removable() of 5.1 answers the same for the same LMBs", () => {
    const { r } = reservation('5.1');
    const cma = r.cma === null ? null : { base: r.cma.start, size: r.cma.end - r.cma.start };
    const f = { dump_registered: true, boot_mem_top: r.bootMemTop, cma };
    const reserved = [{ base: r.area.start, size: r.area.end - r.area.start }];
    const removable = (startMiB: number) =>
      lmb_is_removable_before_5_2(f, reserved, { base: startMiB * MiB, size: 64 * MiB });
    expect([removable(384), removable(640), removable(0)]).toEqual([true, false, false]);
    expect(lmb_is_removable_before_5_2({ ...f, cma: null }, reserved, { base: 384 * MiB, size: 64 * MiB })).toBe(false);
  });

  it("5.1 log: the model's DLPAR takes the highest LMBs, so a count reaches the reserved tail first: -EINVAL, as on 5.2", () => {
    const log: ExternalEvent[] = [boot, kdumpStart, hotplug('remove', 5), hotplug('remove', 1)];
    for (const kernel of ['5.1', '5.2']) {
      const r = both({ ...input, kernel }, log);
      expect(registered(r, 2), kernel).toEqual(['1', '1']);
      expect(errnoOf(r, 3), kernel).toEqual([null, null]);
      expect(errnoOf(r, 4), kernel).toEqual(['EINVAL', 'EINVAL']);
    }
  });
});

describe('a crash after the area was hot-removed while registered: the dump is lost [I] (docs/kernel-behaviour.md §10.5)', () => {
  // Reachable in the kernel from 4.20 to 5.1 for an LMB inside the CMA part; the model's DLPAR takes
  // the highest LMBs, so here the kernel's refusal is stepped around (the model) or seeded out
  // (the simulator's dlpar-protection-missing) and 7 of 64 MiB take the area's top half.
  const c = makeConfig({ kernel: '5.2', memoryMiB: 1024, lmbMiB: 64, minMemoryMiB: 256 });
  const log: ExternalEvent[] = [boot, kdumpStart, hotplug('remove', 7), crash];

  it('the model: the firmware finds the destination gone at ibm,os-term and copies nothing', () => {
    const system = createSystem(c);
    const plain = xstateStepper(system.machines);
    const unprotected: ActorStepper = {
      step: (actor, snapshot, event) =>
        actor === 'productionKernel' && event.type === 'dlpar.request'
          ? { snapshot, emitted: [{ type: 'dlpar.result', errno: null }], reacted: true }
          : plain.step(actor, snapshot, event),
    };
    const seeded: System = { ...system, step: (state, event) => system.step(state, event, unprotected) };
    const r = replay(
      c,
      log.map((event, i) => ({ line: i + 2, event })),
      seeded,
    );
    expect(r.steps[2]?.errno).toBe(null);
    expect(r.steps[3]?.dump).toBe('lost');
    expect(JSON.stringify(replayJson(r))).toContain('destination memory the partition no longer has');
  });

  it('the simulator with the protection seeded out: ibm,os-term finds the destination gone, the dump is lost', () => {
    const s = simRun(c, log, { mutant: 'dlpar-protection-missing' }).steps;
    expect(s[3]?.errno).toBe(null);
    expect(s[4]?.dump).toBe('lost');
    // With the protection (5.2), the removal is refused and the crash is captured.
    const ok = both({ kernel: '5.2', memoryMiB: 1024, lmbMiB: 64, minMemoryMiB: 256 }, log);
    expect(errnoOf(ok, 3)).toEqual(['EINVAL', 'EINVAL']);
    expect([ok.model[4]?.dump, ok.sim[4]?.dump]).toEqual(['captured', 'captured']);
  });
});
