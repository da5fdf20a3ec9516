// Issue 13's layout figures, to the byte: for a 2 GiB, 1-CPU pSeries guest, the model's
// mem_reserved, fadump_region and every PT_LOAD of /proc/vmcore (its start and size) equal what the
// real kernel showed, for both page sizes (CONFIG_PPC_4K_PAGES, CONFIG_PPC_64K_PAGES) and both
// kernels (6.1: elfcorehdr built at registration; 6.12: built in the capture kernel). The real
// figures are the lab's transcripts (test/real/, recorded under QEMU 11 by `npm run lab -- run`):
// the first boot's files, and the capture kernel's vmcore at the first crash. No QEMU runs here.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTranscript, transcriptConfig } from '../src/conform/conform';
import type { Transcript } from '../src/conform/transcript';
import { replay } from '../src/log/replay';

const dir = join(__dirname, 'real');
const MEM_RESERVED = '/sys/kernel/fadump/mem_reserved';
const REGION = '/sys/kernel/debug/powerpc/fadump_region';

/** A transcript of the guest the figures are stated for: 2 GiB of boot RAM, no pc-dimm, one CPU,
 *  a path that changes neither before its first crash, and a capture kernel that exported a vmcore
 *  there. */
function layoutGuest(t: Transcript): boolean {
  const g = t.header.guest;
  if (g.platform !== 'pseries' || g.memoryMiB !== 2048 || g.cpus !== 1 || (g.dimmsMiB ?? []).length > 0) return false;
  const events = t.steps.flatMap((s) => (s.event === null ? [] : [s.event]));
  const crash = events.findIndex((e) => e.event === 'crash');
  const captured = t.steps.find((s) => s.event?.event === 'crash')?.observed?.vmcore ?? null;
  return (
    crash > 0 && captured !== null && events.slice(0, crash).every((e) => e.event === 'boot' || e.event === 'write')
  );
}

interface Figures {
  memReserved: string | null;
  region: string | null;
  /** [start, size] of each PT_LOAD, in bytes. */
  ptLoads: [number, number][] | null;
}

/** The real kernel's figures: the first boot's files, the first crash's vmcore. */
function realFigures(t: Transcript): Figures {
  const boot = t.steps[1]?.observed ?? null;
  const crash = t.steps.find((s) => s.event?.event === 'crash')?.observed ?? null;
  return {
    memReserved: boot?.files[MEM_RESERVED] ?? null,
    region: boot?.files[REGION] ?? null,
    ptLoads: crash?.vmcore?.phdrs.filter((p) => p.type === 'PT_LOAD').map((p) => [p.paddr, p.memsz]) ?? null,
  };
}

/** The model's figures for the same events, at the same steps. */
function modelFigures(t: Transcript): Figures {
  const events = t.steps.flatMap((s) => (s.event === null ? [] : [s.event]));
  const r = replay(
    transcriptConfig(t),
    events.map((event, i) => ({ line: i + 2, event })),
  );
  const crash = events.findIndex((e) => e.event === 'crash');
  const boot = r.steps[0];
  const vmcore = r.steps[crash]?.vmcore ?? null;
  return {
    memReserved: boot?.sysfs[MEM_RESERVED] ?? null,
    region: boot?.sysfs[REGION] ?? null,
    ptLoads: vmcore === null ? null : vmcore.ptLoad.map((p) => [p.paddr, p.size]),
  };
}

const transcripts = readdirSync(dir)
  .filter((f) => f.endsWith('.jsonl'))
  .sort()
  .map((f) => readTranscript(join(dir, f)))
  .filter(layoutGuest);

/** "6.1-64k": the kernel series and page size a transcript ran. */
const variantOf = (t: Transcript) => `${t.header.guest.kernel}-${t.header.guest.pageSizeKiB}k`;

describe('the layout of a 2 GiB, 1-CPU guest: the model equals the real kernel to the byte', () => {
  for (const variant of ['6.1-64k', '6.12-64k', '6.1-4k', '6.12-4k']) {
    const mine = transcripts.filter((t) => variantOf(t) === variant);
    it(`${variant}: mem_reserved, fadump_region and each PT_LOAD's start and size (${mine.length} transcripts)`, () => {
      expect(mine.length, `no 2 GiB, 1-CPU transcript of ${variant} with a crash in test/real/`).toBeGreaterThan(0);
      for (const t of mine) {
        const real = realFigures(t);
        const name = t.header.path;
        // The real kernel showed them all: the figures are really compared.
        expect(real.memReserved, name).toMatch(/^\d+$/);
        expect(real.region, name).toMatch(/^CPU :\[/);
        expect(real.ptLoads?.length ?? 0, name).toBeGreaterThan(0);
        expect(modelFigures(t), name).toEqual(real);
      }
    });
  }

  it('the page size moves the figures: the area ends, and the PT_LOAD after it starts, elsewhere at 4 KiB', () => {
    for (const kernel of ['6.1', '6.12']) {
      const starts = ['4k', '64k'].map((p) => {
        const t = transcripts.find((x) => variantOf(x) === `${kernel}-${p}`);
        return t === undefined ? null : (realFigures(t).ptLoads?.[1]?.[0] ?? null);
      });
      expect(starts[0], kernel).not.toBeNull();
      expect(starts[0], kernel).not.toBe(starts[1]);
    }
  });
});
