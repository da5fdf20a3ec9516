// Memory hotplug and the vmcore (docs/kernel-behaviour.md §5, c6c5b14dac0d): before the
// 2024 change the PT_LOAD list was built at registration and went stale until the udev rule's
// `kdumpctl reload` re-registered; after it the capture kernel builds the list from that boot's
// memory map. "Covers" is computed from the PT_LOAD paddr ranges against the partition's memory
// at the crash, never from numbers written down here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../src/config';
import type { ExternalEvent } from '../src/events';
import {
  boot,
  bytes,
  covers,
  crash,
  exists,
  hotplug,
  intersect,
  kdumpReload,
  kdumpStart,
  merge,
  minus,
  MiB,
  overlapping,
  P,
  partitionMemory,
  read,
  reservedArea,
  run,
  runText,
  vmcoreSpans,
  without,
  write,
  type Run,
  type Span,
} from './support/story';

interface Coverage {
  /** The memory the crashed kernel had, minus the reserved area: what the vmcore must describe. */
  expected: Span[];
  /** What the PT_LOADs describe. */
  described: Span[];
  /** Memory the hotplug added (present at the crash, absent at boot). */
  added: Span[];
  /** Memory the hotplug removed (present at boot, absent at the crash). */
  removed: Span[];
}

/** Reads the coverage of the crash at event index `crashAt` (the boot is event 0). */
function coverage(r: Run, crashAt: number): Coverage {
  const atBoot = partitionMemory(r, 0);
  const atCrash = partitionMemory(r, crashAt - 1);
  const area = reservedArea(r.at(0));
  return {
    expected: minus(atCrash, area),
    described: merge(vmcoreSpans(r.at(crashAt))),
    added: without(atCrash, atBoot),
    removed: without(atBoot, atCrash),
  };
}

const base = { platform: 'pseries' as const, memoryMiB: 8192, lmbMiB: 256 };
const atRegistration: ConfigInput = { ...base, elfcorehdr: 'at-registration' };
const inCapture: ConfigInput = { ...base, elfcorehdr: 'in-capture-kernel' };

describe('memory add, then a crash (§5)', () => {
  const addThenCrash: ExternalEvent[] = [boot, hotplug('add', 1), crash];

  it('the hotplug really added one LMB of memory the partition did not have at boot', () => {
    const r = run(atRegistration, addThenCrash);
    const c = coverage(r, 2);
    expect(bytes(c.added)).toBe(256 * MiB);
    expect(c.removed).toEqual([]);
    expect(r.at(1).accepted).toBe(true);
  });

  it('at-registration, crash before kdump-reload: the PT_LOADs miss the added memory', () => {
    const r = run(atRegistration, addThenCrash);
    const c = coverage(r, 2);
    expect(r.at(2).dump).toBe('captured');
    expect(overlapping(r.at(2))).toBe(false);
    // Not one byte of the added LMB is in the vmcore ...
    expect(intersect(c.described, c.added)).toEqual([]);
    expect(covers(c.described, c.expected)).toBe(false);
    // ... while everything the kernel had at registration is.
    expect(c.described).toEqual(without(c.expected, c.added));
  });

  it('in-capture-kernel, the same log: the PT_LOADs cover all memory at the crash, the added LMB included', () => {
    const r = run(inCapture, addThenCrash);
    const c = coverage(r, 2);
    expect(bytes(c.added)).toBe(256 * MiB);
    expect(covers(c.described, c.added)).toBe(true);
    expect(c.described).toEqual(c.expected);
    expect(overlapping(r.at(2))).toBe(false);
  });

  it('at-registration with kdump-reload before the crash: the re-registration covers the added memory', () => {
    const r = run(atRegistration, [boot, hotplug('add', 1), kdumpReload, crash]);
    const c = coverage(r, 3);
    expect(r.at(2).accepted).toBe(true);
    expect(read(r.at(2), P.registered)).toBe('1');
    expect(covers(c.described, c.added)).toBe(true);
    expect(c.described).toEqual(c.expected);
  });

  it('at-registration, re-registering by hand (echo 1 > registered) covers it as well', () => {
    const r = run(atRegistration, [boot, hotplug('add', 1), write(P.registered, '1'), crash]);
    const c = coverage(r, 3);
    expect(c.described).toEqual(c.expected);
  });

  it.each([1, 2])('%i LMB(s): only the at-registration kernel without a reload misses memory', (lmbs) => {
    const results = [
      { config: atRegistration, events: [boot, hotplug('add', lmbs), crash], crashAt: 2, complete: false },
      { config: atRegistration, events: [boot, hotplug('add', lmbs), kdumpReload, crash], crashAt: 3, complete: true },
      { config: inCapture, events: [boot, hotplug('add', lmbs), crash], crashAt: 2, complete: true },
    ];
    for (const x of results) {
      const r = run(x.config, x.events);
      const c = coverage(r, x.crashAt);
      expect(bytes(c.added)).toBe(lmbs * 256 * MiB);
      expect(covers(c.described, c.expected)).toBe(x.complete);
      expect(bytes(intersect(c.described, c.added))).toBe(x.complete ? bytes(c.added) : 0);
    }
  });

  it('the three examples/ logs say the same', () => {
    const load = (f: string) => runText(readFileSync(`examples/${f}`, 'utf8'), f);
    const stale = load('hotplug-before-reload-at-registration.jsonl');
    const reloaded = load('hotplug-reload-at-registration.jsonl');
    const fresh = load('hotplug-before-crash-in-capture-kernel.jsonl');
    const s = coverage(stale, 2);
    expect(bytes(s.added)).toBeGreaterThan(0);
    expect(intersect(s.described, s.added)).toEqual([]);
    const rl = coverage(reloaded, 3);
    expect(rl.described).toEqual(rl.expected);
    const f = coverage(fresh, 2);
    expect(f.described).toEqual(f.expected);
    // The two logs that differ only in the kernel generation.
    const sameLog = (text: string) => text.split('\n').slice(1).join('\n');
    expect(sameLog(stale.log)).toBe(sameLog(fresh.log));
  });
});

describe('memory remove, then a crash', () => {
  it('at-registration before reload: the PT_LOADs still describe the removed memory (stale)', () => {
    const r = run(atRegistration, [boot, hotplug('remove', 1), crash]);
    const c = coverage(r, 2);
    expect(bytes(c.removed)).toBe(256 * MiB);
    expect(covers(c.described, c.removed)).toBe(true);
    expect(c.described).not.toEqual(c.expected);
  });

  it('in-capture-kernel: the PT_LOADs describe exactly the memory left', () => {
    const r = run(inCapture, [boot, hotplug('remove', 1), crash]);
    const c = coverage(r, 2);
    expect(bytes(c.removed)).toBe(256 * MiB);
    expect(intersect(c.described, c.removed)).toEqual([]);
    expect(c.described).toEqual(c.expected);
  });

  it('at-registration after kdump-reload: exact again', () => {
    const r = run(atRegistration, [boot, hotplug('remove', 1), kdumpReload, crash]);
    const c = coverage(r, 3);
    expect(c.described).toEqual(c.expected);
  });
});

describe('the kdump service and hotplug_ready (§5)', () => {
  it('in-capture-kernel: hotplug_ready reads 1 and the udev rule skips the reload', () => {
    const r = run(inCapture, [boot, hotplug('add', 1), kdumpReload]);
    expect(read(r.at(0), P.hotplugReady)).toBe('1');
    expect(r.at(1).states.kdumpService).toBe('idle');
    expect(r.at(2).accepted).toBe(false);
    expect(r.at(2).note).toMatch(/no reload pending/);
  });

  it('at-registration: no hotplug_ready file; a memory event leaves a reload pending until kdump-reload', () => {
    const r = run(atRegistration, [boot, hotplug('add', 1), kdumpReload]);
    expect(exists(r.at(0), P.hotplugReady)).toBe(false);
    expect(r.at(1).states.kdumpService).toBe('reloadPending');
    // Registered all along: stale, not absent.
    expect(read(r.at(1), P.registered)).toBe('1');
    expect(r.at(2).states.kdumpService).toBe('idle');
    expect(read(r.at(2), P.registered)).toBe('1');
  });

  it('a failed reload (RTAS -1) makes kdumpctl stop and wait to start: fadump is unregistered, a crash gets no dump', () => {
    const r = run(atRegistration, [
      boot,
      hotplug('add', 1),
      { event: 'firmware-error', call: 'register', rc: -1 },
      kdumpReload,
      crash,
    ]);
    expect(r.at(3).states.kdumpService).toBe('restartPending');
    expect(read(r.at(3), P.registered)).toBe('0');
    expect(r.at(4).dump).toBe('none');
  });
});

describe('DLPAR removal of protected memory (§4, §8)', () => {
  // 8 GiB with a 256 MB floor: removing 31 of 32 LMBs would take memory at or below boot_mem_top.
  const cfg: ConfigInput = { ...inCapture, minMemoryMiB: 256 };

  it('pSeries, registered: removing an LMB at or below boot_mem_top fails with EINVAL and changes nothing', () => {
    const r = run(cfg, [boot, hotplug('remove', 31)]);
    expect(r.at(1).errno).toBe('EINVAL');
    expect(partitionMemory(r, 1)).toEqual(partitionMemory(r, 0));
    expect(r.at(1).sysfs).toEqual(r.at(0).sysfs);
  });

  it('removing memory above the reserved area is allowed while registered', () => {
    const r = run(cfg, [boot, hotplug('remove', 1)]);
    expect(r.at(1).errno).toBeNull();
    expect(r.at(1).accepted).toBe(true);
  });

  it('after echo 0 > registered the same removal still fails: the reserved area (CMA) cannot be offlined', () => {
    // mm/memory_hotplug.c offline_pages() → -EBUSY on the area's pages; by count,
    // dlpar_memory_remove_by_count() "Memory hot-remove failed, adding LMB's back" → -EINVAL.
    const r = run(cfg, [boot, write(P.registered, '0'), hotplug('remove', 31)]);
    expect(r.at(2).errno).toBe('EINVAL');
    expect(partitionMemory(r, 2)).toEqual(partitionMemory(r, 0));
  });

  it('after echo 0 > registered, removal down to just above the reserved area is allowed', () => {
    // 8 GiB: the area ends below 768 MiB, so LMBs 3..31 (29 of them) are ordinary memory.
    const r = run(cfg, [boot, write(P.registered, '0'), hotplug('remove', 29)]);
    expect(r.at(2).errno).toBeNull();
    expect(bytes(partitionMemory(r, 2))).toBe(768 * MiB);
  });

  it('beyond the LPAR profile the HMC refuses: ignored, nothing changes', () => {
    const r = run(inCapture, [boot, hotplug('add', 3)]);
    expect(r.at(1).accepted).toBe(false);
    expect(r.at(1).note).toMatch(/LPAR profile/);
    expect(partitionMemory(r, 1)).toEqual(partitionMemory(r, 0));
  });
});

// After a failed capture no kernel is booted: the capture kernel's build runs on (§1
// "Capture boot" 5, "Release"), and memory hotplug follows that build's generation (§2
// hotplug_ready, §5), not the first kernel's.
describe("memory hotplug in the capture kernel's build that runs on after a failed capture (§1, §5)", () => {
  /** boot, crash (the header is refused: the dump is lost), kdumpctl start registers the build
   *  that runs on, one LMB added, crash. */
  const log: ExternalEvent[] = [boot, crash, kdumpStart, hotplug('add', 1), crash];

  /** What the crash at event 4 must describe: the memory at that crash minus the area the running
   *  kernel registered (read just before the crash). */
  function coverageOfSecondCrash(r: Run): Coverage {
    const atRegistration = partitionMemory(r, 2);
    const atCrash = partitionMemory(r, 3);
    const area = reservedArea(r.at(3));
    return {
      expected: minus(atCrash, area),
      described: merge(vmcoreSpans(r.at(4))),
      added: without(atCrash, atRegistration),
      removed: without(atRegistration, atCrash),
    };
  }

  it('first kernel pre-2024, capture kernel current: hotplug_ready reads 1, the udev rule skips the reload, the vmcore covers the added LMB', () => {
    const r = run({ ...atRegistration, captureKernel: { elfcorehdr: 'in-capture-kernel' } }, log);
    expect(r.at(1).dump).toBe('lost');
    expect(read(r.at(2), P.registered)).toBe('1');
    expect(read(r.at(3), P.hotplugReady)).toBe('1');
    expect(r.at(3).states.kdumpService).toBe('idle');
    expect(r.at(4).dump).toBe('captured');
    const c = coverageOfSecondCrash(r);
    expect(bytes(c.added)).toBe(256 * MiB);
    expect(c.described).toEqual(c.expected);
  });

  it('first kernel current, capture kernel pre-2024: no hotplug_ready, a reload is left pending, and a crash before it misses the added LMB', () => {
    const r = run({ ...inCapture, captureKernel: { elfcorehdr: 'at-registration' } }, log);
    expect(r.at(1).dump).toBe('lost');
    expect(read(r.at(2), P.registered)).toBe('1');
    expect(exists(r.at(3), P.hotplugReady)).toBe(false);
    expect(r.at(3).states.kdumpService).toBe('reloadPending');
    // The pre-2024 build built the elfcorehdr at registration: stale after the hotplug (§5).
    expect(r.at(4).dump).toBe('captured');
    const c = coverageOfSecondCrash(r);
    expect(bytes(c.added)).toBe(256 * MiB);
    expect(intersect(c.described, c.added)).toEqual([]);
    expect(c.described).toEqual(without(c.expected, c.added));
  });

  it('the same, with the reload before the crash: the re-registration covers the added LMB', () => {
    const r = run({ ...inCapture, captureKernel: { elfcorehdr: 'at-registration' } }, [
      boot,
      crash,
      kdumpStart,
      hotplug('add', 1),
      kdumpReload,
      crash,
    ]);
    expect(r.at(4).accepted).toBe(true);
    expect(r.at(5).dump).toBe('captured');
    const area = reservedArea(r.at(4));
    expect(merge(vmcoreSpans(r.at(5)))).toEqual(minus(partitionMemory(r, 4), area));
  });
});
