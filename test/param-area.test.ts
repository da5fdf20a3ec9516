// fadump_setup_param_area()'s place (src/memory/guest.ts paramAreaRange()): memblock's top-down
// allocation in the MMU's window, around what early_init_devtree() reserved before it. The real
// 6.12.107 with crashkernel=512M reserves fadump's area at 512 MB over the whole hash window and
// warns instead (test/real/pseries-6.12-64k-crashkernel-sizes-fadump.jsonl).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMMAND_LINE_SIZE, paramAreaRange } from '../src/memory/guest';
import { parseLog } from '../src/log/parse';
import { replay } from '../src/log/replay';

const MiB = 1024 * 1024;
const HASH = { start: 0x2a000000, end: 0x2e000000 };

describe('the param area goes at the top of its window, below anything reserved there', () => {
  it('hash: 0x2dfff800 with nothing in the window; under a reservation; none when the window is full', () => {
    expect(paramAreaRange('hash', 2048 * MiB)).toEqual({ start: 0x2dfff800, end: 0x2e000000 });
    expect(paramAreaRange('hash', 2048 * MiB, [{ start: 320 * MiB, end: 0x28020000 }])).toEqual({
      start: 0x2dfff800,
      end: 0x2e000000,
    });
    expect(paramAreaRange('hash', 2048 * MiB, [{ start: 0x2c000000, end: 0x30000000 }])).toEqual({
      start: 0x2bfff800,
      end: 0x2c000000,
    });
    expect(paramAreaRange('hash', 2048 * MiB, [{ start: 512 * MiB, end: 0x40020000 }])).toBeNull();
  });
  it('property: aligned, inside the window, clear of every reservation; null only when no slot is free', () => {
    const range = fc
      .tuple(fc.integer({ min: 0x28000000, max: 0x30000000 }), fc.integer({ min: 1, max: 0x2000000 }))
      .map(([start, len]) => ({ start, end: start + len }));
    fc.assert(
      fc.property(fc.array(range, { maxLength: 4 }), (reserved) => {
        const r = paramAreaRange('hash', 2048 * MiB, reserved);
        const free = (at: number) => reserved.every((x) => x.end <= at || at + COMMAND_LINE_SIZE <= x.start);
        if (r === null) {
          for (let at = HASH.start; at < HASH.end; at += COMMAND_LINE_SIZE) expect(free(at)).toBe(false);
          return;
        }
        expect(r.start % COMMAND_LINE_SIZE).toBe(0);
        expect(r.start).toBeGreaterThanOrEqual(HASH.start);
        expect(r.end).toBeLessThanOrEqual(HASH.end);
        expect(free(r.start)).toBe(true);
        for (let at = r.start + COMMAND_LINE_SIZE; at < HASH.end; at += COMMAND_LINE_SIZE) expect(free(at)).toBe(false);
      }),
      { numRuns: 40 },
    );
  });
  it('replay: crashkernel=512M on 6.12 (hash) warns, has no bootargs_append and appends nothing', () => {
    const log = parseLog(
      `{"config":{"platform":"pseries","kernel":"6.12","firmware":"qemu","memoryMiB":2048,"mmu":"hash","cmdline":"console=hvc0 fadump=on crashkernel=512M panic=10","fadump":"on","crashkernel":"512M"}}\n{"event":"boot"}\n{"event":"crash"}\n`,
    );
    const r = replay(log.config, log.entries);
    const boot = r.steps[0];
    expect(boot?.console).toContain('fadump: WARNING: Could not setup area to pass additional parameters!');
    expect(Object.keys(boot?.files ?? {})).not.toContain('/sys/kernel/fadump/bootargs_append');
    expect(r.steps[1]?.console.some((l) => l.startsWith('fadump: Updated cmdline'))).toBe(false);
  });
});
