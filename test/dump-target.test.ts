// The kdump save target (docs/kernel-behaviour.md §5 "The dump target", src/dump-target.ts):
// where kdump-utils' kdump.sh saves the dump for each kdump.conf target, and what a save that fails
// on its target does (failure_action reboot: the dump is lost). Each log replayed through the model
// (what `replay` prints) and the simulator (src/sim), which must agree on every step.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  config as makeConfig,
  parseConfig,
  type ConfigInput,
  type DumpTarget,
  type DumpTargetFault,
} from '../src/config';
import { dumpDir, failedSaveLines, filesLeftByFailure, lostReason, savedFiles } from '../src/dump-target';
import type { ExternalEvent } from '../src/events';
import { alphabet } from '../src/explore/alphabet';
import { formatReplay } from '../src/log/format';
import { compare, simRun } from '../src/sim/adapter';
import { boot, crash, kdumpStart, P, read, run, saveDump, write } from './support/story';

const kexecLoaded: ExternalEvent = { event: 'kexec-loaded' };
const pseries: ConfigInput = { platform: 'pseries', kernel: '6.12', memoryMiB: 8192, kdumpEnabled: true };
const powernv: ConfigInput = { platform: 'powernv', kernel: '6.12', memoryMiB: 16384, kdumpEnabled: true };
const kdump: ConfigInput = { mechanism: 'kdump', kernel: '6.12', crashkernel: '1G', memoryMiB: 8192 };
const TARGETS: readonly DumpTarget[] = ['local', 'nfs', 'ssh', 'san', 'pmem'];
const FAULTS: readonly DumpTargetFault[] = ['unreachable', 'no-space'];

/** kdump.sh's lines of a step (without the rebooted kernel's kdumpctl lines). */
function kdumpLines(service: readonly string[]): string[] {
  return service.filter((l) => !l.startsWith('kdumpctl: '));
}

/** The model and the simulator agree on every step; the simulator's outcome after the last. */
function simAgrees(config: ConfigInput, events: ExternalEvent[]): string {
  const c = makeConfig(config);
  expect(compare(c, events).firstDiff).toBeNull();
  return simRun(c, events).steps.at(-1)?.dump ?? '(none)';
}

describe('each dump target: where kdump.sh saves the dump', () => {
  const where: Record<DumpTarget, string> = {
    local: '/var/crash/127.0.0.1-<date>/vmcore',
    nfs: '/kdumproot/var/crash/<host-ip>-<date>/vmcore',
    ssh: 'root@<server>:/var/crash/<host-ip>-<date>/vmcore.flat',
    san: '/kdumproot/var/crash/127.0.0.1-<date>/vmcore',
    pmem: '/kdumproot/var/crash/127.0.0.1-<date>/vmcore',
  };
  for (const target of TARGETS)
    it(`${target}: vmcore saved at ${where[target]}, the dump released afterwards`, () => {
      const cfg = { ...pseries, dumpTarget: target };
      const events = [boot, crash, saveDump, write(P.releaseMem, '1')];
      const r = run(cfg, events);
      expect(r.at(2).accepted).toBe(true);
      expect(r.at(2).service).toContain('kdump: saving vmcore complete');
      expect(r.at(2).service.at(-1)).toContain(where[target]);
      expect(r.at(2).states.captureKernel).toBe('dumpAvailable.saved');
      expect(r.last().accepted).toBe(true);
      expect(simAgrees(cfg, events)).toBe('captured');
    });

  it('ssh: makedumpfile -F output renamed vmcore.flat; vmcore-dmesg.txt before "saving vmcore"', () => {
    const r = run({ ...pseries, dumpTarget: 'ssh' }, [boot, crash, saveDump]);
    expect(r.last().service).toEqual([
      'kdump.conf: ssh root@<server>',
      'kdump: saving to root@<server>:/var/crash/<host-ip>-<date>',
      'kdump: saving vmcore-dmesg.txt to root@<server>:/var/crash/<host-ip>-<date>',
      'kdump: saving vmcore-dmesg.txt complete',
      'kdump: saving vmcore',
      'kdump: saving vmcore complete',
      'kdump: saved root@<server>:/var/crash/<host-ip>-<date>/vmcore-dmesg.txt, root@<server>:/var/crash/<host-ip>-<date>/vmcore.flat',
    ]);
  });

  it('the local target prints as before (no kdump.conf line)', () => {
    const r = run(pseries, [boot, crash, saveDump]);
    expect(r.last().service[0]).toBe('kdump: saving to /var/crash/127.0.0.1-<date>/');
    expect(r.last().service).toContain('kdump: saving to /var/crash/127.0.0.1-<date>/');
  });
});

describe('a save that fails on its target: "saving vmcore failed", failure_action reboot, dump lost', () => {
  for (const target of TARGETS)
    for (const fault of FAULTS)
      it(`fadump, ${target} ${fault}: the capture kernel reboots, fadump_cleanup() invalidates the dump`, () => {
        const cfg = { ...pseries, dumpTarget: target, dumpTargetFault: fault };
        const events = [boot, crash, saveDump];
        const r = run(cfg, events);
        expect(r.last().accepted).toBe(true);
        expect(r.last().service).toContain('kdump: saving vmcore failed');
        expect(r.last().service).toContain('kdump: Executing failure action systemctl reboot -f');
        expect(r.last().running).toBe('production kernel');
        expect(r.last().vmcore).toBeNull();
        expect(r.last().outcome).toMatchObject({
          kind: 'lost',
          message: lostReason(target, fault, 'fadump'),
        });
        expect(lostReason(target, fault, 'fadump')).toContain('fadump_cleanup() on the reboot invalidated the dump');
        // The rebooted production kernel registers again (kdumpEnabled).
        expect(read(r.last(), P.registered)).toBe('1');
        expect(simAgrees(cfg, events)).toBe('lost');
      });

  it('nfs unreachable: dump_fs() cannot mount the target', () => {
    const r = run({ ...pseries, dumpTarget: 'nfs', dumpTargetFault: 'unreachable' }, [boot, crash, saveDump]);
    expect(kdumpLines(r.last().service)).toEqual([
      'kdump.conf: nfs <server>:/<export>',
      "kdump: dump path '/kdumproot' is not mounted, trying to mount...",
      "kdump: failed to dump to '/kdumproot', it's not a mount point!",
      'kdump: saving vmcore failed',
      'kdump: Executing failure action systemctl reboot -f',
      'kdump: dump lost: nothing written',
    ]);
  });

  it('ssh no-space: vmcore-dmesg.txt written, the core collector fails, vmcore-incomplete left', () => {
    const r = run({ ...pseries, dumpTarget: 'ssh', dumpTargetFault: 'no-space' }, [boot, crash, saveDump]);
    expect(r.last().service).toContain('kdump: saving vmcore failed, exitcode:1');
    expect(kdumpLines(r.last().service).at(-1)).toBe(
      'kdump: dump lost: left root@<server>:/var/crash/<host-ip>-<date>/vmcore-dmesg.txt, root@<server>:/var/crash/<host-ip>-<date>/vmcore-incomplete',
    );
  });

  it('PowerNV: opalcore is saved before the vmcore fails for lack of space', () => {
    const cfg = { ...powernv, dumpTarget: 'san' as const, dumpTargetFault: 'no-space' as const };
    const events = [boot, crash, saveDump];
    const r = run(cfg, events);
    expect(r.last().service).toContain('kdump: saving opalcore complete');
    expect(kdumpLines(r.last().service).at(-1)).toContain('/kdumproot/var/crash/127.0.0.1-<date>/vmcore-incomplete');
    expect(r.last().outcome.kind).toBe('lost');
    expect(simAgrees(cfg, events)).toBe('lost');
  });

  it('kdump: the kdump kernel reboots, /proc/vmcore with it', () => {
    const cfg: ConfigInput = { ...kdump, dumpTarget: 'nfs', dumpTargetFault: 'unreachable' };
    const events = [boot, kdumpStart, kexecLoaded, crash, saveDump];
    const r = run(cfg, events);
    expect(r.at(3).running).not.toBe('production kernel');
    expect(r.last().service).toContain('kdump: saving vmcore failed');
    expect(r.last().running).toBe('production kernel');
    expect(r.last().outcome).toMatchObject({
      kind: 'lost',
      message:
        'kdump: saving vmcore failed (the nfs dump target is unreachable); failure_action reboot (systemctl reboot -f): the kdump kernel rebooted, /proc/vmcore went with it',
    });
    // (src/sim states fadump only.)
  });

  it('replay prints the target, the failure and the failure action', () => {
    const r = run({ ...pseries, dumpTarget: 'pmem', dumpTargetFault: 'unreachable' }, [boot, crash, saveDump]);
    const text = formatReplay(r.replay);
    expect(text).toContain('kdump.conf: xfs /dev/pmem0');
    expect(text).toContain('kdump: Executing failure action systemctl reboot -f');
    expect(text).toContain('dump: lost: kdump: saving vmcore failed (the pmem dump target is unreachable)');
  });
});

describe('the explorer: no new events', () => {
  it('the alphabet is the same with and without a target fault', () => {
    const plain = alphabet(makeConfig(pseries));
    const faulty = alphabet(makeConfig({ ...pseries, dumpTarget: 'ssh', dumpTargetFault: 'no-space' }));
    expect(faulty).toEqual(plain);
  });
  it('the canonical configuration names the keys only where set', () => {
    expect(makeConfig(pseries).canonical).not.toHaveProperty('dumpTarget');
    expect(makeConfig({ ...pseries, dumpTarget: 'nfs' }).canonical).toMatchObject({ dumpTarget: 'nfs' });
  });
});

describe('the keys at the boundary', () => {
  it('an unknown target or fault is refused with its field', () => {
    const bad = parseConfig({ dumpTarget: 'ftp', dumpTargetFault: 'slow' });
    expect(bad.ok).toBe(false);
    const paths = bad.ok ? [] : bad.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['dumpTarget', 'dumpTargetFault']));
  });
});

describe('src/dump-target.ts, every target and fault', () => {
  it("files lie under the target's directory; a failure ends with the failure action; nothing named vmcore is left", () => {
    fc.assert(
      fc.property(fc.constantFrom(...TARGETS), fc.constantFrom(...FAULTS), fc.boolean(), (target, fault, opalcore) => {
        const dir = dumpDir(target).replace(/\/$/, '');
        for (const f of [...savedFiles(target, opalcore), ...filesLeftByFailure(target, fault, opalcore)])
          expect(f.startsWith(`${dir}/`)).toBe(true);
        const lines = failedSaveLines(target, fault, opalcore);
        expect(lines.slice(-2)).toEqual([
          'kdump: saving vmcore failed',
          'kdump: Executing failure action systemctl reboot -f',
        ]);
        expect(filesLeftByFailure(target, fault, opalcore).some((f) => /\/vmcore(\.flat)?$/.test(f))).toBe(false);
      }),
    );
  });
});
