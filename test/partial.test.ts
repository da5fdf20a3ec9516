// Partial preservation (docs/kernel-behaviour.md §1.4 "Partial preservation"): the firmware's
// dump flagged in error or copied only in part. pSeries rtas_fadump_process()
// (arch/powerpc/platforms/pseries/rtas-fadump.c) rejects it with its own message; OPAL's kernel
// does not check the copy (opal_fadump_get_config(), arch/powerpc/platforms/powernv/opal-fadump.c)
// and processes it. Each log runs through the model (what replay prints) and the simulator.
import { describe, expect, it } from 'vitest';
import { config as makeConfig, type ConfigInput } from '../src/config';
import type { ExternalEvent } from '../src/events';
import { compare, simRun } from '../src/sim/adapter';
import { boot, crash, fwError, P, read, run } from './support/story';

const pseries: ConfigInput = { platform: 'pseries', faults: true };
const powernv: ConfigInput = { platform: 'powernv', faults: true, memoryMiB: 16384 };
const partial = (regions: number): ExternalEvent => ({ event: 'firmware-error', call: 'preserve-partial', regions });

/** The platform code's own lines (pr_fmt "rtas fadump: ") among a step's console lines. */
function rtasLines(lines: readonly string[]): string[] {
  return lines.filter((l) => l.startsWith('rtas fadump: '));
}

/** The model and the simulator agree on every step, and the simulator's outcome after the last. */
function simAgrees(config: ConfigInput, events: ExternalEvent[]): string {
  const c = makeConfig(config);
  expect(compare(c, events).firstDiff).toBeNull();
  return simRun(c, events).steps.at(-1)?.dump ?? '(none)';
}

describe('pSeries: rtas_fadump_process() rejects a dump the firmware did not take whole', () => {
  it('a partial copy: "Dump taken by platform is incomplete (2)", the first boot-memory section', () => {
    const events = [boot, partial(0), crash];
    const r = run(pseries, events);
    expect(r.last().outcome).toMatchObject({ kind: 'lost', message: 'Dump taken by platform is incomplete (2)' });
    // The capture boot's own lines come first and fadump_invalidate_release_mem()'s "freeing
    // reserved memory" last, as on real 6.12 (test/real/pseries-6.12-64k-cpu-add-remove-crash.jsonl).
    expect(r.last().console.at(-1)).toMatch(/^fadump: freeing reserved memory \(0x[0-9a-f]+ - 0x200000000\)$/);
    expect(rtasLines(r.last().console)).toEqual([
      'rtas fadump: Firmware-assisted dump is active.',
      'rtas fadump: Dump taken by platform is incomplete (2)',
      // RTAS_FADUMP_REAL_MODE_REGION (0x11): boot memory from 0, copied to just after the CPU
      // state and HPTE sections (page-aligned) at the reserved area's start.
      'rtas fadump: Region type: 17 src addr: 0x0 dest addr: 0x14050000',
    ]);
    expect(r.last().vmcore).toBeNull();
    // fadump_invalidate_release_mem(): no release_mem to write, nothing registered.
    expect(read(r.last(), P.registered)).toBe('0');
    expect(simAgrees(pseries, events)).toBe('lost');
  });

  it('error_flags: "Dump taken by platform is not valid (0)", the CPU state section', () => {
    const events = [boot, fwError('preserve', -1), crash];
    const r = run(pseries, events);
    expect(r.last().outcome).toMatchObject({ kind: 'lost', message: 'Dump taken by platform is not valid (0)' });
    expect(rtasLines(r.last().console)).toEqual([
      'rtas fadump: Firmware-assisted dump is active.',
      'rtas fadump: Dump taken by platform is not valid (0)',
      'rtas fadump: Region type: 1 src addr: 0x0 dest addr: 0x14000000',
    ]);
    expect(simAgrees(pseries, events)).toBe('lost');
  });

  it('a kernel from before 78d5cc15fb7d (6.10) names no section', () => {
    const old: ConfigInput = { ...pseries, kernel: '6.6' };
    const r = run(old, [boot, partial(0), crash]);
    expect(r.last().outcome).toMatchObject({ kind: 'lost', message: 'Dump taken by platform is incomplete' });
    expect(rtasLines(r.last().console)).toEqual([
      'rtas fadump: Firmware-assisted dump is active.',
      'rtas fadump: Dump taken by platform is incomplete',
    ]);
  });

  it('a "partial" copy of every region is a whole one: captured', () => {
    const events = [boot, partial(1), crash];
    expect(run(pseries, events).last().outcome.kind).toBe('captured-accurate');
    expect(simAgrees(pseries, events)).toBe('captured');
  });
});

describe('OPAL: the kernel does not check the copy and processes the partial dump', () => {
  it('captured-partial, the ranges not preserved named; fadump_region counts registered ranges', () => {
    const events = [boot, partial(0), crash];
    const r = run(powernv, events);
    expect(r.last().outcome).toMatchObject({
      kind: 'captured-partial',
      notPreserved: [{ start: 0, end: 0x30000000 }],
    });
    expect(r.last().outcome.summary).toMatch(/^captured-partial: .* the firmware did not preserve \[0x0–0x30000000\)/);
    // opal_fadump_region_show(): Dumped is the registered size, not what the firmware copied.
    expect(read(r.last(), '/sys/kernel/debug/powerpc/fadump_region')).toContain(
      'Size: 0x30000000, Dumped: 0x30000000 bytes',
    );
    // No warning: "Not all memory regions were saved!!!" is only for ranges never registered.
    expect(r.last().console.join('\n')).not.toMatch(/saved|incomplete|not valid/);
    expect(r.last().vmcore?.ptLoad.length).toBe(2);
    expect(simAgrees(powernv, events)).toBe('captured');
  });
});

// docs/kernel-behaviour.md §1.4 "A registration from an earlier boot": after a failed unregister
// and a reboot, the firmware keeps the old registration (-9) and the capture kernel reads the
// param area it names (rtas_fadump_get_config(), fadump_append_bootargs()).
describe('a registration kept from an earlier boot: the param area it names', () => {
  const held = (more: ExternalEvent[]): ExternalEvent[] => [
    boot,
    { event: 'write', path: '/sys/kernel/fadump/bootargs_append', value: 'nr_cpus=16\n' },
    { event: 'write', path: '/sys/kernel/fadump/registered', value: '1\n' },
    { event: 'firmware-error', call: 'unregister', rc: -1 },
    ...more,
    { event: 'reboot' },
    crash,
  ];
  const append = '/sys/kernel/fadump/bootargs_append';

  it("hash: the area is at the same address in every boot, so it holds the crashing kernel's string ('')", () => {
    const c: ConfigInput = { ...pseries, mmu: 'hash' };
    const events = held([{ event: 'memory-hotplug', action: 'remove', lmbs: 1 }]);
    const r = run(c, events);
    expect(read(r.last(), append)).toBe('');
    expect(r.last().console).toContain(
      'fadump: Updated cmdline: BOOT_IMAGE=/boot/vmlinuz root=/dev/mapper/root ro fadump=on ',
    );
    expect(simAgrees(c, events)).toBe('captured');
  });

  it("radix, the same memory in both boots: the crashing kernel's own area and string", () => {
    const events = held([]);
    const r = run(pseries, events);
    expect(read(r.last(), append)).toBe('');
    // The reboot's register got -9: rtas_fadump_register()'s "Already registered!".
    expect(r.at(events.length - 2).console).toContain('rtas fadump: Already registered!');
    expect(r.at(events.length - 2).console).not.toContain('rtas fadump: Registration is successful!');
    expect(simAgrees(pseries, events)).toBe('captured');
  });

  it("radix, less memory (D6): the kernel reads the earlier boot's address, outside this memory", () => {
    const events = held([{ event: 'memory-hotplug', action: 'remove', lmbs: 1 }]);
    const sim = simRun(makeConfig(pseries), events).steps.at(-1);
    // The simulator, as the source reads: the old registration's address (the top of 8 GiB), and
    // what the earlier boot left there [I: outside the partition's 7.75 GiB, undefined].
    expect(sim?.sysfs[append]).toBe('nr_cpus=16');
    expect(sim?.sysfs['/sys/kernel/debug/powerpc/fadump_region']).toContain(
      "[0x000001fffff800-0x000001ffffffff]: cmdline append: 'nr_cpus=16'",
    );
    // The model: the defined case's answer for every case [I] (recorded disagreement D6).
    const model = run(pseries, events).last();
    expect(read(model, append)).toBe('');
    expect(read(model, '/sys/kernel/debug/powerpc/fadump_region')).toContain(
      "[0x000001effff800-0x000001efffffff]: cmdline append: ''",
    );
  });
});
