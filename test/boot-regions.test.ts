// fadump_get_boot_mem_regions()'s double count (docs/kernel-behaviour.md §1.1 item 4): the model's
// region arithmetic (src/memory/boot-regions.ts) against a literal transcription of the C loop,
// the lab's figures (256 MiB of boot RAM, a 1 GiB pc-dimm at 1 GiB, boot memory 320 MiB), and the
// two real transcripts of that guest, on 6.12 and on 6.1.
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  captureBootMemConfig,
  fadumpGetBootMemRegions,
  hexU64,
  qemuUncopiedSections,
  rangeSizeU64,
  regionsAsRanges,
  u32MaxCopySize,
  u64MaxCopySize,
} from '../src/memory/boot-regions';
import { bootMemoryRegions } from '../src/memory/layout';
import { conform, readTranscript, transcriptConfig } from '../src/conform/conform';
import { replay } from '../src/log/replay';
import { cTranscription } from './support/fadump-c';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** Memory as the lab's LMBs give it: 1 to 5 blocks of whole 256 MiB LMBs with gaps between. */
const memoryArb = fc
  .array(fc.record({ gap: fc.integer({ min: 0, max: 8 }), lmbs: fc.integer({ min: 1, max: 8 }) }), {
    minLength: 1,
    maxLength: 5,
  })
  .map((blocks) => {
    let at = 0;
    return blocks.map((b, i) => {
      const start = at + (i === 0 ? 0 : (b.gap + 1) * 256 * MiB);
      at = start + b.lmbs * 256 * MiB;
      return { start, end: at };
    });
  });

describe("fadump_get_boot_mem_regions(): the model's arithmetic is the kernel's", () => {
  it('agrees with a literal transcription of the C loop, double count and wrap included', () => {
    fc.assert(
      fc.property(
        memoryArb,
        fc.integer({ min: 5, max: 200 }),
        fc.constantFrom(4096, 65536),
        fc.constantFrom('pseries', 'powernv'),
        (memory, units, pageSize, platform) => {
          const bootMemorySize = units * 64 * MiB;
          const maxCopy = platform === 'powernv' ? u32MaxCopySize(pageSize) : u64MaxCopySize(pageSize);
          const max = platform === 'powernv' ? 128 : 7;
          const c = cTranscription(
            memory.map((r) => ({ start: BigInt(r.start), end: BigInt(r.end) })),
            BigInt(bootMemorySize),
            maxCopy,
            max,
          );
          const k = fadumpGetBootMemRegions({
            memory,
            bootMemorySize,
            maxCopySize: maxCopy,
            maxRegions: max,
            pageSize,
          });
          expect(k.ok).toBe(c.ret === 1);
          expect(k.regions.map((r) => r.start)).toEqual(c.addr);
          expect(k.regions.map((r) => r.size)).toEqual(c.sz);
          const page = BigInt(pageSize);
          expect(k.bootMemTop).toBe(((c.top + page - 1n) / page) * page);
          // The model's ranges hold every size exactly, wrapped ones included.
          expect(regionsAsRanges(k.regions).map(rangeSizeU64)).toEqual(c.sz);
        },
      ),
      { numRuns: 400, seed: 13 },
    );
  });

  it('the registered sections sum to boot_memory_size only when boot memory lies in one memblock region', () => {
    fc.assert(
      fc.property(memoryArb, fc.integer({ min: 5, max: 200 }), (memory, units) => {
        const bootMemorySize = units * 64 * MiB;
        const r = bootMemoryRegions(memory, bootMemorySize, 'pseries', 65536);
        if (!r.ok) return;
        const first = memory[0];
        const inFirst = first !== undefined && first.end - first.start >= bootMemorySize;
        expect(captureBootMemConfig(r.value.regions).bootMemorySize === bootMemorySize).toBe(inFirst);
      }),
      { numRuns: 300, seed: 13 },
    );
  });
});

describe("the lab's guest: 256 MiB of boot RAM, a 1 GiB pc-dimm at 1 GiB, boot memory 320 MiB", () => {
  const memory = [
    { start: 0, end: 256 * MiB },
    { start: GiB, end: 2 * GiB },
  ];
  it('the DIMM gets 64 MiB - 256 MiB, wrapped: Size: 0xfffffffff4000000, as fadump_region shows', () => {
    const r = bootMemoryRegions(memory, 320 * MiB, 'pseries', 65536);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.regions.map((x) => [hexU64(x.start), hexU64(rangeSizeU64(x))])).toEqual([
      ['0x0', '0x10000000'],
      ['0x40000000', '0xfffffffff4000000'],
    ]);
    // boot_mem_top = PAGE_ALIGN(boot_memory_size + hole_size) is right: the area is at 0x44000000.
    expect(hexU64(r.value.bootMemTop)).toBe('0x44000000');
  });
  it('the capture kernel sums the sections to 64 MiB and looks for the header 256 MiB too low', () => {
    const r = bootMemoryRegions(memory, 320 * MiB, 'pseries', 65536);
    if (!r.ok) throw new Error(r.reason);
    const seen = captureBootMemConfig(r.value.regions);
    expect(hexU64(seen.bootMemorySize)).toBe('0x4000000');
    expect(hexU64(seen.bootMemTop)).toBe('0x34000000');
    const dest = 0x44010000;
    expect(hexU64(dest + seen.bootMemorySize)).toBe('0x48010000'); // read here
    expect(hexU64(dest + 320 * MiB)).toBe('0x58010000'); // written here
  });
  it('QEMU cannot copy the wrapped section (6.12), nor 6.1 single section over the hole', () => {
    const r = bootMemoryRegions(memory, 320 * MiB, 'pseries', 65536);
    if (!r.ok) throw new Error(r.reason);
    expect(qemuUncopiedSections(r.value.regions, 0x44010000, memory)).toEqual([1]);
    expect(qemuUncopiedSections([{ start: 0, end: 320 * MiB }], 0x44010000, memory)).toEqual([0]);
  });
  it('on PowerNV a wrapped size is split into 4 GiB copies past 128 regions: fadump is disabled', () => {
    const nv = [
      { start: 0, end: GiB },
      { start: 2 * GiB, end: 4 * GiB },
    ];
    expect(bootMemoryRegions(nv, 1536 * MiB, 'powernv', 65536)).toEqual({
      ok: false,
      reason: 'Too many holes in boot memory area to enable fadump',
    });
  });
});

describe('the real transcripts of that guest agree with the model at every step', () => {
  const dir = join(__dirname, 'real');
  for (const [file, line] of [
    ['pseries-6.12-64k-boot-mem-two-regions.jsonl', 'fadump: Fadump header is corrupted.'],
    ['pseries-6.1-64k-boot-mem-two-regions.jsonl', 'rtas fadump: Dump taken by platform is not valid'],
  ] as const) {
    it(`${file}: the dump is lost with "${line}"`, () => {
      const t = readTranscript(join(dir, file));
      const c = conform(t);
      expect(c.divergences).toEqual([]);
      expect(c.agreeingSteps).toBe(c.steps);
      const events = t.steps.flatMap((s) => (s.event === null ? [] : [s.event]));
      const r = replay(
        transcriptConfig(t),
        events.map((event, i) => ({ line: i + 2, event })),
      );
      expect(r.steps.at(-1)?.console).toContain(line);
    });
  }
});
