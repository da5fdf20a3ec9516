// Memory as LMBs with addresses: named LMBs (drc index, address), holes after DLPAR, and what the
// kernel refuses (docs/kernel-behaviour.md §4). Every log goes through the model (replay) and the
// simulator (src/sim), which must agree step by step; each test asserts the kernel's value.
// Sources: arch/powerpc/platforms/pseries/hotplug-memory.c (dlpar_memory_remove_by_count,
// dlpar_memory_remove_by_index, dlpar_remove_lmb, lmb_is_removable, dlpar_add_lmb),
// arch/powerpc/kernel/fadump.c (is_fadump_memory_area), mm/memory_hotplug.c (offline_pages),
// mm/page_isolation.c (has_unmovable_pages), arch/powerpc/platforms/pseries/rtas-fadump.c
// (rtas_fadump_register).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { createActor } from 'xstate';
import { firmwareMachine } from '../machines/firmware';
import { registerOutcome, registration } from '../machines/kernel-rules';
import { reserveAtBoot } from '../src/memory/reserve';
import { config as makeConfig, parseConfig, type ConfigInput } from '../src/config';
import { describeEvent, type ExternalEvent } from '../src/events';
import { judgeVmcore } from '../src/explain/outcome';
import { parseLog } from '../src/log/parse';
import { bootMemoryRegions, insideMemory, registeredRanges } from '../src/memory/layout';
import { formatDiff, modelRun, simRun } from '../src/sim/adapter';
import { judgePath } from '../src/explore/suite';
import { boot, crash, MiB, P, partitionMemory, run, runText, vmcoreSpans, write, type Run } from './support/story';

const remove = (x: { lmbs?: number; drcIndex?: string; address?: string }): ExternalEvent =>
  ({ event: 'memory-hotplug', action: 'remove', ...x }) as ExternalEvent;
const add = (x: { lmbs?: number; drcIndex?: string; address?: string }): ExternalEvent =>
  ({ event: 'memory-hotplug', action: 'add', ...x }) as ExternalEvent;
const register: ExternalEvent = write(P.registered, '1\n', true);

/** Replays through the model and asserts the simulator agrees at every step. */
function both(cfg: ConfigInput, events: readonly ExternalEvent[]): Run {
  const c = makeConfig(cfg);
  // Compared as the generated suite compares (recorded disagreements masked: the param area's
  // printed address after hotplug, src/sim/disagreements.ts).
  const v = judgePath(c, events, modelRun(c, events), simRun(c, events).steps);
  expect(v.kind === 'differs' ? formatDiff(c, events, v.diff) : null).toBeNull();
  return run(cfg, events);
}

// The issue's smallest input: 1 GiB, 256 MiB LMBs, fadump=on, not registered at boot. The area
// (boot memory 320 MiB copied to [0x14050000, 0x28050000), CMA [320 MiB, 640 MiB)) lies in LMBs 1-2.
const small: ConfigInput = {
  platform: 'pseries',
  memoryMiB: 1024,
  lmbMiB: 256,
  minMemoryMiB: 256,
  maxMemoryMiB: 1024,
  registerAtBoot: false,
};

describe('the smallest input: removing memory under the reserved area (§4)', () => {
  it('remove 2 LMBs, not registered: -EINVAL (CMA pageblocks cannot be offlined; by count the LMBs are added back), memory unchanged', () => {
    const r = both(small, [boot, remove({ lmbs: 2 }), register, crash]);
    expect(r.at(1).errno).toBe('EINVAL');
    expect(partitionMemory(r, 1)).toEqual([{ start: 0, end: 1024 * MiB }]);
    // so the registration that follows is good and the dump is accurate
    expect(r.at(2).errno).toBeNull();
    expect(r.at(3).outcome.kind).toBe('captured-accurate');
  });

  it('the same with fadump=nocma: the area is memblock-reserved (PageReserved): -EINVAL', () => {
    const r = both({ ...small, fadump: 'nocma' }, [boot, remove({ lmbs: 2 })]);
    expect(r.at(1).errno).toBe('EINVAL');
  });

  it('remove 1 LMB (above the area) goes through, registered or not', () => {
    expect(both(small, [boot, remove({ lmbs: 1 })]).at(1).errno).toBeNull();
    expect(both({ ...small, registerAtBoot: true }, [boot, remove({ lmbs: 1 })]).at(1).errno).toBeNull();
  });
});

describe('a named LMB: dlpar_memory_remove_by_index / dlpar_memory_add_by_index (§4)', () => {
  const big: ConfigInput = { platform: 'pseries', memoryMiB: 4096, lmbMiB: 256, minMemoryMiB: 256, maxMemoryMiB: 4096 };

  it('an LMB under the CMA area, not registered: device_offline() fails, -EBUSY', () => {
    const r = both({ ...big, registerAtBoot: false }, [boot, remove({ drcIndex: '0x80000002' })]);
    expect(r.at(1).errno).toBe('EBUSY');
  });

  it('the same LMB while registered: lmb_is_removable() says no (is_fadump_memory_area), -EINVAL', () => {
    const r = both(big, [boot, remove({ address: '0x20000000' })]);
    expect(r.at(1).errno).toBe('EINVAL');
  });

  it('LMB 0 holds the kernel: -EBUSY unregistered (PageReserved), -EINVAL registered (at or below boot_mem_top)', () => {
    expect(both({ ...big, registerAtBoot: false }, [boot, remove({ drcIndex: '0x80000000' })]).at(1).errno).toBe(
      'EBUSY',
    );
    expect(both(big, [boot, remove({ drcIndex: '0x80000000' })]).at(1).errno).toBe('EINVAL');
  });

  it('an LMB not assigned: -EINVAL; one beyond ibm,dynamic-memory: -EINVAL', () => {
    const r = both(big, [boot, remove({ drcIndex: '0x80000008' }), remove({ drcIndex: '0x80000008' })]);
    expect(r.at(1).errno).toBeNull();
    expect(r.at(2).errno).toBe('EINVAL');
    expect(both(big, [boot, remove({ drcIndex: '0x80000010' })]).at(1).errno).toBe('EINVAL');
  });

  it('adding an LMB already assigned: dlpar_add_lmb() -EINVAL; beyond the profile: -EINVAL', () => {
    expect(both(big, [boot, add({ drcIndex: '0x80000005' })]).at(1).errno).toBe('EINVAL');
    expect(both(big, [boot, add({ address: '0x100000000' })]).at(1).errno).toBe('EINVAL');
  });

  it('removing a middle LMB leaves a hole; the capture kernel describes memory around it (PT_LOADs follow the hole)', () => {
    const r = both(big, [boot, remove({ drcIndex: '0x80000008' }), crash]);
    expect(partitionMemory(r, 1)).toEqual([
      { start: 0, end: 2048 * MiB },
      { start: 2304 * MiB, end: 4096 * MiB },
    ]);
    const spans = vmcoreSpans(r.at(2));
    expect(spans.some((s) => s.start < 2304 * MiB && 2048 * MiB < s.end)).toBe(false);
    expect(spans.some((s) => s.start === 2304 * MiB)).toBe(true);
    expect(r.at(2).outcome.kind).toBe('captured-accurate');
  });

  it('adding the LMB back fills the hole', () => {
    const r = both(big, [boot, remove({ drcIndex: '0x80000008' }), add({ address: '0x80000000' })]);
    expect(r.at(2).errno).toBeNull();
    expect(partitionMemory(r, 2)).toEqual([{ start: 0, end: 4096 * MiB }]);
  });

  it('replay names the LMB', () => {
    expect(describeEvent(remove({ drcIndex: '0x80000008' }))).toBe('memory-hotplug remove LMB drc index 0x80000008');
    expect(describeEvent(add({ address: '0x80000000' }))).toBe('memory-hotplug add the LMB at 0x80000000');
    expect(describeEvent(remove({ lmbs: 2 }))).toBe('memory-hotplug remove 2 LMBs');
  });
});

describe("QEMU's boot RAM LMBs are reserved, without a valid DRC (hw/ppc/spapr.c spapr_dt_dynamic_memory)", () => {
  const qemu: ConfigInput = { platform: 'pseries', firmware: 'qemu', memoryMiB: 4096, lmbMiB: 256, minMemoryMiB: 1024 };

  it('a boot LMB cannot be removed, by count or by index: -EINVAL (lmb_is_removable: DRCONF_MEM_RESERVED)', () => {
    const r = both(qemu, [boot, remove({ lmbs: 1 }), remove({ drcIndex: '0x8000000f' })]);
    expect(r.at(1).errno).toBe('EINVAL');
    expect(r.at(2).errno).toBe('EINVAL');
  });

  it('a pc-dimm LMB added comes and goes', () => {
    const r = both(qemu, [boot, add({ lmbs: 1 }), remove({ lmbs: 1 }), add({ drcIndex: '0x80000010' })]);
    expect(r.steps.map((s) => s.errno)).toEqual([null, null, null, null]);
    expect(partitionMemory(r, 3)).toEqual([{ start: 0, end: 4352 * MiB }]);
  });
});

describe('memory-hotplug names its LMBs with exactly one of lmbs / drcIndex / address', () => {
  const header = JSON.stringify({ config: { platform: 'pseries' } });
  const problem = (line: string) => {
    try {
      parseLog(`${header}\n${line}\n`, 'x.jsonl');
    } catch (e) {
      return (e as Error).message;
    }
    return null;
  };

  it('none or two of them: a clear message naming the line', () => {
    expect(problem('{"event":"memory-hotplug","action":"remove"}')).toMatch(/x\.jsonl:2: .*exactly one of "lmbs"/);
    expect(problem('{"event":"memory-hotplug","action":"remove","lmbs":1,"drcIndex":"0x80000001"}')).toMatch(
      /exactly one of/,
    );
  });

  it("a drc index that is not an LMB's, an address not in hex", () => {
    expect(problem('{"event":"memory-hotplug","action":"remove","drcIndex":"0x10000003"}')).toMatch(
      /field 'drcIndex': expected an LMB drc index/,
    );
    expect(problem('{"event":"memory-hotplug","action":"add","address":"805306368"}')).toMatch(
      /field 'address': expected a physical address in hex/,
    );
  });
});

describe('PHYP refuses a registration outside the partition memory with -3 (§4)', () => {
  it("the model's firmware answers a registration whose copy destination is past memory with -3; the kernel says -EINVAL", () => {
    const c = makeConfig(small);
    const fw = createActor(firmwareMachine(c));
    const results: unknown[] = [];
    fw.on('fw.result', (e) => results.push(e.rc));
    fw.start();
    fw.send({ type: 'boot' });
    // The issue's remove, had a kernel accepted it: memory ends at 512 MiB.
    fw.send({ type: 'memory-hotplug', action: 'remove', lmbs: 2 });
    fw.send({ type: 'dlpar.result', errno: null });
    expect(fw.getSnapshot().context.memory).toEqual([{ start: 0, end: 512 * MiB }]);
    const r = reserveAtBoot(c, [{ start: 0, end: 1024 * MiB }]);
    if (!r.ok) throw new Error(r.reason);
    fw.send({ type: 'fw.register', registration: registration(c, 'first', r.reservation, [], null) });
    expect(results).toEqual([-3]);
    expect(fw.getSnapshot().value).toBe('noDumpRegistered');
    expect(registerOutcome(c, -3)).toEqual({ registered: false, errno: 'EINVAL', disable: false });
  });

  it('the simulator, with the DLPAR protection seeded out: the remove goes through, the registration gets -3 → -EINVAL', () => {
    const c = makeConfig(small);
    const steps = simRun(c, [boot, remove({ lmbs: 2 }), register], { mutant: 'dlpar-protection-missing' }).steps;
    expect(steps[2]?.errno).toBeNull();
    expect(steps[3]?.errno).toBe('EINVAL');
  });

  it('registeredRanges names the CPU/HPTE sections, each boot region and the copy destination', () => {
    const r = {
      bootRegions: [{ start: 0, end: 320 * MiB }],
      bootMemDest: 320 * MiB + 0x50000,
      area: { start: 320 * MiB, end: 656 * MiB },
    };
    expect(registeredRanges(r)).toEqual([
      { start: 320 * MiB, end: 320 * MiB + 0x50000 },
      { start: 0, end: 320 * MiB },
      { start: 320 * MiB + 0x50000, end: 640 * MiB + 0x50000 },
    ]);
    // memory ending at 512 MiB (the issue's remove, had it gone through): the destination is outside
    expect(insideMemory(registeredRanges(r), [{ start: 0, end: 512 * MiB }])).toBe(false);
    expect(insideMemory(registeredRanges(r), [{ start: 0, end: 1024 * MiB }])).toBe(true);
  });
});

describe('the accuracy check notices a copy destination outside memory', () => {
  it('judgeVmcore: PT_LOADs whose data lie beyond the memory at the crash are captured-stale', () => {
    const memory = [{ start: 0, end: 512 * MiB }];
    const loads = [
      { paddr: 0, size: 320 * MiB, offset: 320 * MiB },
      { paddr: 320 * MiB + 0x50000 + 320 * MiB, size: 0, offset: 0 },
    ].filter((p) => p.size > 0);
    const v = judgeVmcore('fadump', loads, loads, memory);
    expect(v.kind).toBe('captured-stale');
    expect(v.summary).toMatch(/where no memory was at the crash/);
  });
});

describe('holes at boot: memoryHolesMiB (§4)', () => {
  const holes = (...h: [number, number][]) => h.map(([startMiB, sizeMiB]) => ({ startMiB, sizeMiB }));
  const holed: ConfigInput = {
    platform: 'pseries',
    memoryMiB: 4096,
    lmbMiB: 256,
    memoryHolesMiB: holes([512, 256], [2048, 512]),
  };

  it('boot memory below the first hole is one region, the area moves past the hole, the PT_LOADs follow both holes', () => {
    const r = both(holed, [boot, crash]);
    // boot_mem_top is 320 MiB; [320 MiB, 640 MiB) would cross the hole at 512 MiB.
    expect(r.at(0).console[0]).toBe('fadump: Reserved 320MB of memory at 0x00000030000000 (System RAM: 3328MB)');
    const dumps = r.at(0).sysfs[P.region]?.match(/DUMP: Src: (0x[0-9a-f]+)/g) ?? [];
    expect(dumps).toEqual(['DUMP: Src: 0x00000000000000']);
    const spans = vmcoreSpans(r.at(1));
    for (const hole of [
      { start: 512 * MiB, end: 768 * MiB },
      { start: 2048 * MiB, end: 2560 * MiB },
    ])
      expect(spans.some((s) => s.start < hole.end && hole.start < s.end)).toBe(false);
    expect(r.at(1).outcome.kind).toBe('captured-accurate');
  });

  it('boot memory over a hole: the double count wraps the second region, and PowerVM is taken to refuse it [I]', () => {
    // fadump_get_boot_mem_regions(): 320 MiB over [0, 256 MiB) and [512 MiB, ...): the second gets
    // 64 MiB - 256 MiB (docs/kernel-behaviour.md §1.1 item 4; test/boot-regions.test.ts).
    const r = both({ ...holed, memoryHolesMiB: holes([256, 256], [2048, 512]) }, [boot, crash]);
    expect(r.at(0).sysfs[P.region]).toContain(
      'DUMP: Src: 0x00000020000000, Dest: 0x00000034050000, Size: 0xfffffffff4000000, Dumped: 0x0 bytes',
    );
    expect(r.at(0).sysfs[P.registered]).toBe('0');
    expect(r.at(1).outcome.kind).toBe('not-armed');
  });

  it('7 boot regions are the most RTAS takes; 8: "Too many holes in boot memory area to enable fadump", not enabled', () => {
    // 16 MiB LMBs; holes every 32 MiB below 320 MiB split the 320 MiB of boot memory.
    const seven = holes([32, 16], [64, 16], [96, 16], [128, 16], [160, 16], [192, 16]);
    const eight = holes(...seven.map((h): [number, number] => [h.startMiB, h.sizeMiB]), [224, 16]);
    const cfg = (h: { startMiB: number; sizeMiB: number }[]): ConfigInput => ({
      platform: 'pseries',
      memoryMiB: 1024,
      lmbMiB: 16,
      memoryHolesMiB: h,
    });
    const ok = both(cfg(seven), [boot]);
    expect(ok.at(0).sysfs[P.enabled]).toBe('1');
    expect(ok.at(0).sysfs[P.region]?.match(/DUMP:/g)).toHaveLength(7);
    const off = both(cfg(eight), [boot]);
    expect(off.at(0).sysfs[P.enabled]).toBe('0');
    expect(off.at(0).console).toEqual(['fadump: Too many holes in boot memory area to enable fadump']);
  });

  it('a hole must be whole LMBs, above LMB 0, inside memory, not overlapping another', () => {
    const issues = (h: { startMiB: number; sizeMiB: number }[]) => {
      const r = parseConfig({ platform: 'pseries', memoryMiB: 4096, lmbMiB: 256, memoryHolesMiB: h });
      return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
    };
    expect(issues(holes([300, 256]))).toEqual([
      'memoryHolesMiB.0: a hole is whole LMBs: startMiB and sizeMiB must be multiples of 256',
    ]);
    expect(issues(holes([0, 256]))[0]).toMatch(/^memoryHolesMiB\.0: LMB 0 .* holds the kernel/);
    expect(issues(holes([3840, 256]))[0]).toMatch(/^memoryHolesMiB\.0: the hole ends at 4096 MiB, not below memoryMiB/);
    expect(issues(holes([512, 512], [768, 256]))[0]).toMatch(/^memoryHolesMiB\.1: the hole overlaps another one/);
  });

  it('the configuration name says where the holes are', () => {
    expect(makeConfig(holed).name).toContain('holes=512M+256M,2048M+512M');
  });
});

describe('pSeries before 78d5cc15fb7d (6.10) registers one real-mode section: a hole in boot memory is -3', () => {
  // rtas_fadump_init_mem_struct() of 6.9 registers [0, boot_memory_size) as one section, whatever
  // holes fadump_get_boot_mem_regions() split boot memory around; 6.10 registers each region, the
  // last one double-counted (docs/kernel-behaviour.md §1.1 item 4).
  const holed = (kernel: string, firmware: 'powervm' | 'qemu' = 'powervm'): ConfigInput => ({
    kernel,
    firmware,
    memoryMiB: 2048,
    registerAtBoot: false,
    memoryHolesMiB: [{ startMiB: 256, sizeMiB: 256 }],
  });

  it('6.9: the registration write fails with -EINVAL and "Failed to register. Parameter Error(-3).", and a crash finds nothing armed', () => {
    const r = both(holed('6.9'), [boot, register, crash]);
    expect(r.at(1).errno).toBe('EINVAL');
    // is_fadump_boot_mem_contiguous() finds no memory in the wrapped region [512 MiB, 320 MiB).
    expect(r.at(1).console).toEqual([
      "rtas fadump: Can't have holes in boot memory area.",
      'rtas fadump: Failed to register. Parameter Error(-3).',
    ]);
    expect(r.at(2).outcome.kind).toBe('not-armed');
  });

  it('6.10 under QEMU: the regions are registered, and the capture kernel finds the header corrupted', () => {
    const r = both(holed('6.10', 'qemu'), [boot, register, crash]);
    expect(r.at(1).errno).toBeNull();
    expect(r.at(2).console).toContain('fadump: Fadump header is corrupted.');
    expect(r.at(2).outcome).toMatchObject({ kind: 'lost', message: 'Fadump header is corrupted.' });
  });

  it('6.9 under QEMU: the one section over the hole is registered, not copied: "Dump taken by platform is not valid"', () => {
    const r = both(holed('6.9', 'qemu'), [boot, register, crash]);
    expect(r.at(1).errno).toBeNull();
    expect(r.at(2).outcome).toMatchObject({ kind: 'lost', message: 'Dump taken by platform is not valid' });
  });
});

describe('OPAL copies at most ALIGN_DOWN(U32_MAX, PAGE_SIZE) a region (max_copy_size)', () => {
  it('boot memory of 4 GiB and more is split into regions of 0xffff0000 bytes (64 KiB pages)', () => {
    const r = bootMemoryRegions([{ start: 0, end: 128 * 1024 * MiB }], 6 * 1024 * MiB, 'powernv', 64 * 1024);
    expect(r.ok && r.value.regions).toEqual([
      { start: 0, end: 0xffff0000 },
      { start: 0xffff0000, end: 6 * 1024 * MiB },
    ]);
    const p = bootMemoryRegions([{ start: 0, end: 128 * 1024 * MiB }], 6 * 1024 * MiB, 'pseries', 64 * 1024);
    expect(p.ok && p.value.regions).toEqual([{ start: 0, end: 6 * 1024 * MiB }]);
  });

  it('property: the regions lie in memory, in order, each within max_copy_size, and add up to the size', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 64 })), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.integer({ min: 1, max: 200 }),
        fc.constantFrom('pseries' as const, 'powernv' as const),
        (gaps, sizeLmbs, platform) => {
          const lmb = 256 * MiB;
          const memory: { start: number; end: number }[] = [];
          let at = 0;
          for (const [len, gap] of gaps) {
            memory.push({ start: at, end: at + len * lmb });
            at += (len + gap) * lmb;
          }
          const size = Math.min(
            sizeLmbs * lmb,
            memory.reduce((n, m) => n + m.end - m.start, 0),
          );
          const r = bootMemoryRegions(memory, size, platform, 64 * 1024);
          if (!r.ok) return r.reason === 'Too many holes in boot memory area to enable fadump';
          // Over two or more ranges the kernel's double count makes the last region wrong
          // (test/boot-regions.test.ts holds that to the C loop); here, boot memory in one range.
          if ((memory[0]?.end ?? 0) < size) return true;
          const regions = r.value.regions;
          const inMemory = regions.every((x) => memory.some((m) => m.start <= x.start && x.end <= m.end));
          const ordered = regions.every((x, i) => i === 0 || (regions[i - 1]?.end ?? 0) <= x.start);
          const capped = platform === 'pseries' || regions.every((x) => x.end - x.start <= 0xffff0000);
          return inMemory && ordered && capped && regions.reduce((n, x) => n + x.end - x.start, 0) === size;
        },
      ),
    );
  });
});

describe('examples/dlpar-under-reserved-area.jsonl', () => {
  it('replays to the kernel errnos, step by step, and an accurate dump', () => {
    const r = runText(readFileSync('examples/dlpar-under-reserved-area.jsonl', 'utf8'));
    expect(r.steps.map((s) => s.errno)).toEqual([null, 'EINVAL', 'EBUSY', null, null, null, 'EINVAL', null]);
    expect(r.last().outcome.kind).toBe('captured-accurate');
  });
});
