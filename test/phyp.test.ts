// Hypervisor-assisted dump, the 2007 design (phyp-assisted-dump.txt), beside fadump (issue 6): the permanent
// scratch area at the top of RAM, the capture boot into 256MB, incremental release through
// /sys/kernel/release_region, back in production without a reboot; and its verdicts, computed.
import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../src/config';
import type { ExternalEvent } from '../src/events';
import { boot, crash, exists, hotplug, MiB, P, read, reboot, run, saveDump, traffic, write } from './support/story';
import { counterexampleOf, replayViolation, verdictOf } from './support/verdicts';

const GiB = 1024 * MiB;
const RELEASE_REGION = '/sys/kernel/release_region';
const phyp: ConfigInput = { platform: 'pseries', mechanism: 'phyp-assisted-dump', memoryMiB: 8192 };
const phypFaults: ConfigInput = { ...phyp, faults: true };

/** "address-range pairs" (phyp-assisted-dump.txt): NAME:0xADDR-0xLEN, and the trailing ", 0xADDR-0xLEN". */
function pairs(text: string): { name: string; addr: number; len: number }[] {
  const out: { name: string; addr: number; len: number }[] = [];
  for (const m of text.matchAll(/(?:(CPU|HPTE|DUMP):|, )0x([0-9a-fA-F]+)-0x([0-9a-fA-F]+)/g)) {
    out.push({ name: m[1] ?? 'REST', addr: parseInt(m[2] ?? '', 16), len: parseInt(m[3] ?? '', 16) });
  }
  return out;
}

const releaseAll = write(RELEASE_REGION, `0x10000000 0x${(8 * GiB).toString(16)}`);
const seedExample = write(RELEASE_REGION, '0x40000000 0x10000000');

describe('production: the permanent scratch area (phyp-assisted-dump.txt)', () => {
  it('boots registered with the hypervisor, with no /sys/kernel/fadump (a 2007 kernel) and no release_region', () => {
    const r = run(phyp, [boot]);
    expect(r.at(0).states.phypDump).toBe('registered');
    expect(r.at(0).states.firmware).toBe('registered');
    expect(exists(r.at(0), P.enabled)).toBe(false);
    expect(exists(r.at(0), RELEASE_REGION)).toBe(false);
  });

  it('keeps the highest 256MB (and the CPU/HPTE sections) reserved: the figure is RAM minus that', () => {
    const m = verdictOf(phyp, 'memory-available-to-production');
    if (m.figure === undefined) throw new Error('no figure');
    expect(8 * GiB - m.figure).toBeGreaterThanOrEqual(256 * MiB);
    expect(8 * GiB - m.figure).toBeLessThan(256 * MiB + MiB);
    // It withholds at least what the capture needs (the low 256MB's copy): the verdict says so.
    expect(m.verdict).toBe('violated');
    expect(counterexampleOf(phyp, 'memory-available-to-production')).toEqual([boot]);
  });

  it('the scratch area cannot be hot-removed while reserved [I]', () => {
    const r = run(phyp, [boot, hotplug('remove', 1)]);
    expect(r.last().errno).toBe('EINVAL');
    expect(r.last().accepted).toBe(false);
  });
});

describe('capture: boot into 256MB, release_region (phyp-assisted-dump.txt)', () => {
  it('a crash: the hypervisor saves the low 256MB to the scratch area, resets I/O, boots the kernel into 256MB', () => {
    const r = run(phyp, [boot, crash]);
    expect(traffic(r, 1).some((t) => t.endsWith(':hw.reset'))).toBe(true);
    expect(r.last().states.phypDump).toBe('capture.vmcore');
    expect(r.last().dump).toBe('captured');
    const p = pairs(read(r.last(), RELEASE_REGION));
    expect(p.map((x) => x.name)).toEqual(['CPU', 'HPTE', 'DUMP', 'REST']);
    const dump = p[2];
    const rest = p[3];
    if (dump === undefined || rest === undefined) throw new Error('pairs');
    // The copy of the low 256MB lies at the top of RAM; the rest of memory starts at 256MB.
    expect(dump.len).toBe(256 * MiB);
    expect(dump.addr + dump.len).toBe(8 * GiB);
    expect(rest.addr).toBe(256 * MiB);
    // /proc/vmcore: the low 256MB via its copy, then the rest in place.
    const v = r.last().vmcore?.ptLoad ?? [];
    // /proc/vmcore shows file offsets (fs/proc/vmcore.c): the ELF headers' page, the notes' page, then the data.
    expect(v[0]).toEqual({ paddr: 0, size: 256 * MiB, offset: 2 * 64 * 1024 });
    expect(v[1]?.paddr).toBe(256 * MiB);
  });

  it('"echo 0x40000000 0x10000000 > /sys/kernel/release_region" releases 256MB at 1GB; the dump stays', () => {
    const r = run(phyp, [boot, crash, saveDump, seedExample]);
    expect(r.last().accepted).toBe(true);
    expect(r.last().states.phypDump).toBe('capture.saved');
    expect(exists(r.last(), RELEASE_REGION)).toBe(true);
  });

  it('a write that is not two hex numbers is -EINVAL', () => {
    const r = run(phyp, [boot, crash, write(RELEASE_REGION, '0x40000000')]);
    expect(r.last().errno).toBe('EINVAL');
  });

  it('releasing the last reserved range: back in production without a reboot, registered again', () => {
    const events: ExternalEvent[] = [boot, crash, saveDump, seedExample, releaseAll];
    const r = run(phyp, events);
    expect(r.last().states.productionKernel).toMatch(/^running/);
    expect(r.last().states.phypDump).toBe('registered');
    expect(r.last().states.firmware).toBe('registered');
    expect(exists(r.last(), RELEASE_REGION)).toBe(false);
    expect(traffic(r, 4).some((t) => t.endsWith(':hw.reset'))).toBe(false);
  });

  it('a reboot before the release: the hypervisor still holds the dump, the next boot captures it again [I]', () => {
    const r = run(phyp, [boot, crash, reboot]);
    expect(r.last().states.phypDump).toBe('capture.vmcore');
    expect(r.last().dump).toBe('captured');
  });
});

describe('verdicts (issue 6)', () => {
  it('resets devices, needs no second reboot, is ready after hotplug, has no window', () => {
    expect(verdictOf(phyp, 'devices-reset-before-capture').verdict).toBe('holds');
    expect(verdictOf(phyp, 'no-second-reboot').verdict).toBe('holds');
    expect(verdictOf(phyp, 'always-ready-after-hotplug').verdict).toBe('holds');
    expect(verdictOf(phyp, 'no-crash-kernel-loaded-window').verdict).toBe('holds');
    expect(verdictOf(phyp, 'accurate-vmcore').verdict).toBe('holds');
    expect(verdictOf(phyp, 'capture-kernel-confined').verdict).toBe('holds');
    expect(verdictOf(phyp, 'eventually-ready').verdict).toBe('holds');
    expect(verdictOf(phyp, 'header-in-area').verdict).toBe('n/a');
  });

  it('with firmware faults a dump can be lost, and every counterexample replays to its violation', () => {
    expect(verdictOf(phypFaults, 'no-lost-dump').verdict).toBe('violated');
    for (const property of [
      'no-lost-dump',
      'always-ready-after-hotplug',
      'no-second-reboot',
      'memory-available-to-production',
    ]) {
      const r = verdictOf(phypFaults, property);
      if (r.verdict !== 'violated') continue;
      const cx = r.counterexample ?? [];
      expect(replayViolation(phypFaults, property, cx), property).toBe(cx.length);
    }
  });
});
