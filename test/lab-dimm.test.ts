// The lab's pc-dimms present at boot (a path's "guest": {"memoryMiB", "dimmsMiB"}) and a remove by
// an address in one (QMP device_del of that DIMM), against a fake QEMU that speaks QMP
// (test/support/fake-guest-dimm.mjs; no kernel): the DIMMs reach QEMU's command line and the
// transcript's header, the kernel's refusal ends the wait and is kept in the step's log lines, and
// conform's model configuration has the gap below the DIMMs as a hole.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTranscript } from '../src/conform/conform';
import { deviceMemoryBaseMiB, modelConfigOf } from '../src/conform/transcript';
import { config as makeConfig } from '../src/config';
import { buildInitramfs } from '../src/lab/lab';
import { dimmAt, performable } from '../src/lab/run';
import { execute, kernelsOf, plan, readLabPaths, type LabPath } from '../src/lab/runner';
import { InputError } from '../src/util/read';
import { DIMM_GUEST } from './support/dimm-guest';

const lab = mkdtempSync(join(tmpdir(), 'fadump-lab-dimm-'));

beforeAll(() => {
  process.env.FADUMP_LAB = lab;
  mkdirSync(join(lab, 'qemu'), { recursive: true });
  copyFileSync(join(__dirname, 'support', 'fake-guest-dimm.mjs'), join(lab, 'qemu', 'run'));
  chmodSync(join(lab, 'qemu', 'run'), 0o755);
  mkdirSync(join(lab, 'kernels', '6.1-64k'), { recursive: true });
  writeFileSync(join(lab, 'kernels', '6.1-64k', 'vmlinux'), 'not a kernel');
  writeFileSync(join(lab, 'kernels', '6.1-64k', 'version'), 'Linux version 6.1.0-fake (test)');
  mkdirSync(join(lab, 'guest'), { recursive: true });
  writeFileSync(join(lab, 'guest', 'busybox'), 'not busybox');
});
afterAll(() => {
  delete process.env.FADUMP_LAB;
  rmSync(lab, { recursive: true, force: true });
});

const REFUSAL = 'pseries-hotplug-mem: Memory indexed-count-remove failed, adding any removed LMBs';

describe('a path with a pc-dimm at boot, against a fake QEMU with QMP', () => {
  it('boots with the DIMM, device_dels the DIMM holding the address, and records the refusal', async () => {
    const out = join(lab, 'run');
    const path: LabPath = {
      name: 'dimm',
      guest: { memoryMiB: 512, dimmsMiB: [1024] },
      events: [{ event: 'boot' }, { event: 'memory-hotplug', action: 'remove', address: '0x50000000' }],
    };
    await execute(plan(kernelsOf(['6.1-64k']), [path], out).jobs, {
      jobs: 1,
      initramfs: buildInitramfs(),
      qemuVersion: 'fake',
      deadline: Date.now() + 60_000,
      signal: new AbortController().signal,
      timeouts: { boot: 5000, command: 3000, hotplug: 20_000 },
      onDone: () => undefined,
    });
    const t = readTranscript(join(out, 'pseries-6.1-64k-dimm.jsonl'));
    expect(t.end).toEqual({ end: 'completed', reason: '2 events' });
    const g = t.header.guest;
    expect([g.memoryMiB, g.dimmsMiB, g.maxMemoryMiB]).toEqual([512, [1024], 512 + 1024 + 2048]);
    // QEMU got -object memory-backend-ram + -device pc-dimm (the fake reports what it was given).
    expect(t.steps[1]?.observed?.console).toContain('fake: pc-dimm boot0 1024M at 0x40000000');
    const remove = t.steps[2];
    expect(remove?.said).toBe(`device_del boot0: memory blocks online: 6 -> 6; ${REFUSAL}; QEMU still lists boot0`);
    // The refusal the wait saw is in the step's log lines, not lost to the wait's own reads.
    expect(remove?.observed?.console).toContain(REFUSAL);
  }, 60_000);
});

describe('the pc-dimm paths file and the remove by address', () => {
  it('lab/paths/dimm.jsonl: 512 MiB of boot RAM (256 MiB for boot memory over two regions) and first a 1 GiB DIMM, events a guest performs', () => {
    const paths = readLabPaths(join(__dirname, '..', 'lab', 'paths', 'dimm.jsonl'));
    expect(paths.length).toBeGreaterThanOrEqual(3);
    for (const p of paths) {
      // boot-mem-two-regions: 320 MiB of boot memory over boot RAM and the DIMM (the double count,
      // docs/kernel-behaviour.md §1.1 item 4).
      const ram = p.name === 'boot-mem-two-regions' ? 256 : 512;
      expect([p.guest?.memoryMiB, p.guest?.dimmsMiB?.[0]]).toEqual([ram, 1024]);
      expect(p.events.every(performable)).toBe(true);
    }
  });

  it('a DIMM that is not whole LMBs, or an add or drc index by name, is refused with file, line and field', () => {
    const bad = join(lab, 'bad-dimm.jsonl');
    writeFileSync(bad, '{"name": "x", "guest": {"dimmsMiB": [300]}, "events": [{"event": "boot"}]}\n');
    expect(() => readLabPaths(bad)).toThrow(/bad-dimm\.jsonl:1: field 'guest\.dimmsMiB\.0'/);
    writeFileSync(
      bad,
      '{"name": "x", "events": [{"event": "boot"}, {"event": "memory-hotplug", "action": "add", "address": "0x40000000"}]}\n',
    );
    expect(() => readLabPaths(bad)).toThrow(InputError);
    expect(performable({ event: 'memory-hotplug', action: 'remove', drcIndex: '0x80000004' })).toBe(false);
    // A byte order mark and CRLF line ends, as an editor may save the file: the same path.
    writeFileSync(bad, '\uFEFF{"name": "x", "events": [{"event": "boot"}]}\r\n');
    expect(readLabPaths(bad).map((p) => p.name)).toEqual(['x']);
  });

  it('dimmAt finds the DIMM whose [addr, addr + size) holds the address (query-memory-devices)', () => {
    const devices = [
      { type: 'dimm', data: { id: 'boot0', addr: 0x40000000, size: 0x40000000 } },
      { type: 'dimm', data: { id: 'dimm1', addr: 0x80000000, size: 0x10000000 } },
    ];
    expect(dimmAt(devices, 0x40000000n)).toEqual({ id: 'boot0', size: 0x40000000 });
    expect(dimmAt(devices, 0x8fffffffn)).toEqual({ id: 'dimm1', size: 0x10000000 });
    expect(dimmAt(devices, 0x3fffffffn)).toBeNull();
    expect(dimmAt(devices, 0x90000000n)).toBeNull();
  });
});

describe("conform's model of a guest with pc-dimms at boot (modelConfigOf)", () => {
  const guest = DIMM_GUEST;
  it('device memory starts at the RAM size rounded up to 1 GiB (hw/ppc/spapr.c)', () => {
    expect([512, 1024, 1280, 2048].map(deviceMemoryBaseMiB)).toEqual([1024, 1024, 2048, 2048]);
  });
  it('boot RAM, the gap up to 1 GiB as a hole, then the DIMM; a valid configuration', () => {
    const c = modelConfigOf(guest);
    expect(c).toMatchObject({
      memoryMiB: 2048,
      memoryHolesMiB: [{ startMiB: 512, sizeMiB: 512 }],
      minMemoryMiB: 512,
      maxMemoryMiB: 1024 + 3584 - 512,
    });
    expect(makeConfig(c).memoryBytes).toBe(2048 * 1024 * 1024);
  });
  it('without DIMMs, as before: all of memoryMiB is boot RAM, no hole', () => {
    const { dimmsMiB: _, ...plain } = guest;
    expect(modelConfigOf({ ...plain, memoryMiB: 2048, maxMemoryMiB: 4096 })).toMatchObject({
      memoryMiB: 2048,
      minMemoryMiB: 2048,
      maxMemoryMiB: 4096,
    });
    expect(modelConfigOf({ ...plain, memoryMiB: 2048, maxMemoryMiB: 4096 })).not.toHaveProperty('memoryHolesMiB');
  });
});
