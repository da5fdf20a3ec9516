// A QEMU guest whose fadump area lies in a pc-dimm present at boot (the lab's lab/paths/dimm.jsonl,
// test/real/pseries-*-dimm-*.jsonl): 512 MiB of boot RAM, the gap up to QEMU's device-memory base
// (1 GiB, hw/ppc/spapr.c) as a hole, a 1 GiB DIMM. Boot RAM and the gap are DRCONF_MEM_RESERVED
// without a DRC (spapr_dt_dynamic_memory()); the DIMM's LMBs have DRCs, so what the kernel says to
// a remove of one is its own rule (hotplug-memory.c dlpar_remove_lmb(), fadump.c
// is_fadump_memory_area(), mm/page_isolation.c for CMA). Every log goes through the model and the
// simulator (src/sim), which must agree step by step.
import { describe, expect, it } from 'vitest';
import { config as makeConfig, type ConfigInput } from '../src/config';
import type { ExternalEvent } from '../src/events';
import { modelConfigOf } from '../src/conform/transcript';
import { formatDiff, modelRun, simRun } from '../src/sim/adapter';
import { judgePath } from '../src/explore/suite';
import { DIMM_GUEST } from './support/dimm-guest';
import { boot, crash, MiB, P, partitionMemory, read, run, write, type Run } from './support/story';

const remove = (address: string): ExternalEvent => ({ event: 'memory-hotplug', action: 'remove', address });

/** The lab's guest of lab/paths/dimm.jsonl, as conform configures the model for it. */
const guest = modelConfigOf(DIMM_GUEST) as ConfigInput;

function both(events: readonly ExternalEvent[]): Run {
  const c = makeConfig(guest);
  const v = judgePath(c, events, modelRun(c, events), simRun(c, events).steps);
  expect(v.kind === 'differs' ? formatDiff(c, events, v.diff) : null).toBeNull();
  return run(guest, events);
}

const DIMM = [
  { start: 0, end: 512 * MiB },
  { start: 1024 * MiB, end: 2048 * MiB },
];

describe('fadump over a pc-dimm present at boot (QEMU)', () => {
  it('the area does not fit in 512 MiB of boot RAM: the kernel reserves it at the DIMM, 0x40000000', () => {
    const r = both([boot]);
    expect(r.at(0).console).toContain('fadump: Reserved 320MB of memory at 0x00000040000000 (System RAM: 1536MB)');
    expect(read(r.at(0), P.region)).toMatch(/^CPU :\[0x00000040000000-/);
  });

  it("registered: a remove of the DIMM's first LMB is refused (is_fadump_memory_area(), -EINVAL), memory unchanged", () => {
    const r = both([boot, remove('0x40000000'), crash]);
    expect(r.at(1).errno).toBe('EINVAL');
    expect(partitionMemory(r, 1)).toEqual(DIMM);
    expect(r.at(2).outcome.kind).toBe('captured-accurate');
  });

  it('unregistered: still refused, CMA pageblocks do not offline (by index: device_offline() -EBUSY)', () => {
    const r = both([boot, write(P.registered, '0\n', true), remove('0x40000000')]);
    expect(r.at(2).errno).toBe('EBUSY');
    expect(partitionMemory(r, 2)).toEqual(DIMM);
  });

  it("a DIMM LMB past the area and CMA goes; boot RAM and the gap's LMBs have no DRC (-EINVAL)", () => {
    const r = both([boot, remove('0x60000000')]);
    expect(r.at(1).errno).toBeNull();
    expect(partitionMemory(r, 1)).toEqual([
      DIMM[0],
      { start: 1024 * MiB, end: 1536 * MiB },
      { start: 1792 * MiB, end: 2048 * MiB },
    ]);
    expect(both([boot, remove('0x10000000')]).at(1).errno).toBe('EINVAL');
    expect(both([boot, remove('0x30000000')]).at(1).errno).toBe('EINVAL');
  });

  it("the top LMB at boot holds memblock's top-down boot allocations: it does not offline (-EBUSY), as on real 6.1 and 6.12", () => {
    // test/real/pseries-*-dimm-remove-second-crash.jsonl: "page dumped because: unmovable page".
    const r = both([boot, remove('0x70000000')]);
    expect(r.at(1).errno).toBe('EBUSY');
    expect(partitionMemory(r, 1)).toEqual(DIMM);
    expect(r.at(1).console).toEqual([
      'page dumped because: unmovable page',
      'pseries-hotplug-mem: Memory indexed-count-remove failed, adding any removed LMBs',
    ]);
    // Registered, a remove of fadump's own LMB is lmb_is_removable()'s no: no page is dumped.
    expect(both([boot, remove('0x40000000')]).at(1).console).toEqual([
      'pseries-hotplug-mem: Memory indexed-count-remove failed, adding any removed LMBs',
    ]);
  });
});
