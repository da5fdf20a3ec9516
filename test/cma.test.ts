// fadump's CMA area as a user sees it: /proc/meminfo's CmaTotal and CmaFree and fadump_cma_init()'s
// console line (arch/powerpc/kernel/fadump.c; docs/kernel-behaviour.md §1 early boot 6). Each log
// is replayed through the model (what `replay` prints) and through src/sim/, and the values are
// the real kernels' (test/real/: Linux 6.1.176 and 6.12.107 under QEMU, 2 GiB, fadump=on).
import { describe, expect, it } from 'vitest';
import { config as makeConfig, type ConfigInput } from '../src/config';
import type { ExternalEvent } from '../src/events';
import { formatReplay, stepJson } from '../src/log/format';
import { cmaRange } from '../src/memory/layout';
import { simRun } from '../src/sim/adapter';
import { cmaLines } from '../src/sysfs/console';
import { generatePaths } from '../src/explore/paths';
import { configSpec } from '../src/spec/steps';
import { shBody } from '../src/spec/sh';
import { mdBody } from '../src/spec/md';
import { boot, crash, MiB, run, write } from './support/story';

const RELEASE = '/sys/kernel/fadump/release_mem';
const LAB: ConfigInput = {
  platform: 'pseries',
  kernel: '6.12',
  memoryMiB: 2048,
  firmware: 'qemu',
  mmu: 'hash',
  nrCpus: 8,
};
const CRASH_RELEASE: ExternalEvent[] = [boot, crash, write(RELEASE, '1\n')];

/** CmaTotal after every event, from the model and from the simulator (bytes; null: no kernel). */
function cmaTotals(config: ConfigInput, events: readonly ExternalEvent[]) {
  const model = run(config, events).steps.map((s) => s.meminfo?.CmaTotal ?? null);
  const sim = simRun(makeConfig(config), events)
    .steps.slice(1)
    .map((s) => s.meminfo?.CmaTotal ?? null);
  return { model, sim };
}

describe('/proc/meminfo CmaTotal and CmaFree', () => {
  it('fadump=on: the boot-memory copy destination is the CMA area, all free; the capture kernel has none, nor after release_mem', () => {
    // test/real/pseries-6.12-64k-crash-capture-release.jsonl: 335544320, 335544320 at boot; 0, 0
    // in the capture kernel and after release_mem (fadump_release_memory() frees to the buddy
    // allocator; fadump_cma_init() returns when dump_active).
    const r = run(LAB, CRASH_RELEASE);
    expect(r.steps.map((s) => s.meminfo)).toEqual([
      { CmaTotal: 320 * MiB, CmaFree: 320 * MiB },
      { CmaTotal: 0, CmaFree: 0 },
      { CmaTotal: 0, CmaFree: 0 },
    ]);
    expect(r.at(0).console).toContain(
      'fadump: Initialized 0x14000000 bytes cma area at 320MB from 0x140101b0 bytes of memory reserved for firmware-assisted dump',
    );
    expect(cmaTotals(LAB, CRASH_RELEASE)).toEqual({ model: [320 * MiB, 0, 0], sim: [320 * MiB, 0, 0] });
  });

  it('before any boot no kernel runs: no meminfo', () => {
    expect(run(LAB, []).replay.initial.meminfo).toBeNull();
  });

  it('fadump=nocma: no CMA area and no fadump_cma_init() line (it returns on nocma)', () => {
    const c = { ...LAB, fadump: 'nocma' } as const;
    const r = run(c, [boot]);
    expect(r.at(0).meminfo).toEqual({ CmaTotal: 0, CmaFree: 0 });
    expect(r.at(0).console.filter((l) => l.includes('cma area'))).toEqual([]);
    expect(cmaTotals(c, [boot])).toEqual({ model: [0], sim: [0] });
  });

  it('fadump=off: CONFIG_CMA prints the lines as 0 kB', () => {
    const c = { ...LAB, fadump: 'off' } as const;
    expect(run(c, [boot]).at(0).meminfo).toEqual({ CmaTotal: 0, CmaFree: 0 });
    expect(cmaTotals(c, [boot])).toEqual({ model: [0], sim: [0] });
  });

  it('before a4e92ce8e4c8 (4.20) there is no fadump CMA: the area stays plainly reserved', () => {
    const c: ConfigInput = { platform: 'pseries', kernel: '4.18', memoryMiB: 2048 };
    expect(run(c, [boot]).at(0).meminfo).toEqual({ CmaTotal: 0, CmaFree: 0 });
    expect(cmaTotals(c, [boot])).toEqual({ model: [0], sim: [0] });
  });

  it('crashkernel=330M until 6.12: fadump_reserve_mem() rounds boot_memory_size up to 16 MiB, and CMA takes all of it', () => {
    const c = { ...LAB, crashkernel: '330M' };
    const r = run(c, [boot]);
    expect(r.at(0).console[0]).toBe('fadump: Reserved 336MB of memory at 0x00000015000000 (System RAM: 2048MB)');
    expect(r.at(0).console[1]).toMatch(/^fadump: Initialized 0x15000000 bytes cma area at 336MB from /);
    expect(r.at(0).meminfo).toEqual({ CmaTotal: 336 * MiB, CmaFree: 336 * MiB });
    expect(cmaTotals(c, [boot])).toEqual({ model: [336 * MiB], sim: [336 * MiB] });
  });

  it('crashkernel=330M from 6.13 (6faeac507beb): boot memory stays 330 MiB and CMA is the 16 MiB-aligned part inside the area', () => {
    const c = { ...LAB, kernel: '6.13', crashkernel: '330M' };
    const r = run(c, [boot]);
    // The area starts at boot_mem_top, 330 MiB; CMA is [336 MiB, 656 MiB): 320 MiB.
    expect(r.at(0).console).toContain(
      'fadump: Initialized [0x15000000, 320MB] cma area from [0x14a00000, 330MB] bytes of memory reserved for firmware-assisted dump',
    );
    expect(r.at(0).meminfo).toEqual({ CmaTotal: 320 * MiB, CmaFree: 320 * MiB });
    expect(cmaTotals(c, [boot])).toEqual({ model: [320 * MiB], sim: [320 * MiB] });
  });

  it('replay prints the lines where they change, in kB as the file does; --json has them in bytes', () => {
    const r = run(LAB, CRASH_RELEASE);
    const text = formatReplay(r.replay);
    expect(text.match(/\/proc\/meminfo: .*/g)).toEqual([
      '/proc/meminfo: CmaTotal: 327680 kB, CmaFree: 327680 kB',
      '/proc/meminfo: CmaTotal: 0 kB, CmaFree: 0 kB',
    ]);
    expect(stepJson(r.at(0))).toMatchObject({ meminfo: { CmaTotal: 335544320, CmaFree: 335544320 } });
  });

  it('the simulator without fadump_cma_init() (mutant cma-not-given-back) shows CmaTotal 0 where the model shows the area', () => {
    const sim = simRun(makeConfig(LAB), [boot], { mutant: 'cma-not-given-back' });
    expect(sim.steps[1]?.meminfo).toEqual({ CmaTotal: 0, CmaFree: 0 });
    expect(run(LAB, [boot]).at(0).meminfo?.CmaTotal).toBe(320 * MiB);
  });
});

describe('the regression spec checks the CMA lines', () => {
  it('grep -E "^Cma(Total|Free):" /proc/meminfo: the area in a normal boot, 0 kB in the capture kernel', () => {
    const spec = configSpec(generatePaths(makeConfig(LAB)));
    const sh = shBody(spec);
    const values = [...sh.matchAll(/^\s*c (.*)$/gm)].map((m) => m[1] ?? '');
    expect(values).toContain("'CmaTotal: 0 kB\\nCmaFree: 0 kB'");
    // The area's figure goes to a value variable (it recurs), or stands in the line.
    expect(sh).toMatch(/CmaTotal: 327680 kB\\nCmaFree: 327680 kB/);
    expect(mdBody(spec)).toContain("`grep -E '^Cma(Total|Free):' /proc/meminfo`");
  });
});

describe('fadump_cma_init() failing', () => {
  // No configuration of today's matrix gives an unaligned area (memory has no holes below
  // boot_mem_top, and boot memory is rounded to 16 MiB); the arithmetic and the line are checked
  // directly.
  it('until 6.12 an unaligned base is refused (cma_init_reserved_mem(): -EINVAL) and the kernel says so', () => {
    expect(cmaRange(300 * MiB, 304 * MiB, 'exact')).toBeNull();
    const c = makeConfig(LAB);
    const r = {
      bootMemorySize: 304 * MiB,
      bootRegions: [{ start: 0, end: 304 * MiB }],
      bootMemTop: 300 * MiB,
      bootMemDest: 300 * MiB,
      area: { start: 300 * MiB, end: 604 * MiB + 0x101b0 },
      cma: null,
    };
    expect(cmaLines(c, r)).toEqual(['fadump: Failed to init cma area for firmware-assisted dump,-22']);
    expect(cmaLines(makeConfig({ ...LAB, fadump: 'nocma' }), r)).toEqual([]);
  });

  it('from 6.13 only an area with no aligned 16 MiB inside fails: "Too less memory to give to CMA"', () => {
    expect(cmaRange(300 * MiB, 8 * MiB, 'aligned-inside')).toBeNull();
    expect(cmaRange(300 * MiB, 300 * MiB, 'aligned-inside')).toEqual({ start: 304 * MiB, end: 592 * MiB });
    const r = {
      bootMemorySize: 8 * MiB,
      bootRegions: [{ start: 0, end: 8 * MiB }],
      bootMemTop: 8 * MiB,
      bootMemDest: 300 * MiB,
      area: { start: 300 * MiB, end: 308 * MiB },
      cma: null,
    };
    expect(cmaLines(makeConfig({ ...LAB, kernel: '6.13' }), r)).toEqual([
      'fadump: fadump_cma_init: Too less memory to give to CMA',
    ]);
  });
});
