// The lab's PowerNV guests: the PNOR image skiboot needs for MPIPL (src/lab/pnor.ts), the
// powernv10 command line, the paths file's platform, the model configured as the guest was, and
// the recorded powernv transcripts conformed with no divergence.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { config as makeConfig } from '../src/config';
import { conform, readTranscript } from '../src/conform/conform';
import { modelConfigOf } from '../src/conform/transcript';
import type { ExternalEvent } from '../src/events';
import { judgePath } from '../src/explore/suite';
import { powernvArgs } from '../src/lab/lab';
import {
  ensurePnorImage,
  ffsChecksum,
  ffsTableBytes,
  FFS_ENTRY_BYTES,
  FFS_HDR_BYTES,
  FFS_MAGIC,
  parseFfsTable,
  PNOR_BYTES,
} from '../src/lab/pnor';
import { performable, performableOn, withoutOpalLines } from '../src/lab/run';
import { guestOf, labGuest, readLabPaths } from '../src/lab/runner';
import { formatDiff, modelRun, simRun } from '../src/sim/adapter';
import { simAlphabet, weightOf } from '../src/sim/paths';
import type { KernelVariant } from '../src/lab/lab';
import { InputError } from '../src/util/read';

describe('the PNOR image: an FFS table skiboot accepts (libflash/libffs.c)', () => {
  it('reads back as one protected `part` partition of the table itself', () => {
    const t = parseFfsTable(ffsTableBytes());
    expect(t).not.toBeInstanceOf(Error);
    if (t instanceof Error) return;
    expect(t).toMatchObject({ version: 1, blockSize: 0x1000, blockCount: PNOR_BYTES / 0x1000, size: 0x1000 });
    expect(t.entries).toEqual([
      { name: 'part', base: 0, size: 0x1000, actual: 0x1000, pid: 0xffffffff, id: 1, type: 3, flags: 1 },
    ]);
  });
  it('starts with "PART"; header and entry each XOR to zero', () => {
    const b = ffsTableBytes();
    expect(Buffer.from(b.subarray(0, 4)).toString('latin1')).toBe('PART');
    expect(new DataView(b.buffer).getUint32(0)).toBe(FFS_MAGIC);
    expect(ffsChecksum(b.subarray(0, FFS_HDR_BYTES))).toBe(0);
    expect(ffsChecksum(b.subarray(FFS_HDR_BYTES, FFS_HDR_BYTES + FFS_ENTRY_BYTES))).toBe(0);
  });
  it('any flipped byte of the table is refused, as skiboot refuses it', () => {
    fc.assert(
      fc.property(fc.nat(FFS_HDR_BYTES + FFS_ENTRY_BYTES - 1), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const b = ffsTableBytes();
        b[at] = (b[at] ?? 0) ^ x;
        expect(parseFfsTable(b)).toBeInstanceOf(Error);
      }),
    );
  });
  it('for any block size and flash size, the table reads back with the part sized in whole blocks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 6, max: 16 }), fc.integer({ min: 1, max: 4096 }), (shift, blocks) => {
        const bs = 2 ** shift;
        const t = parseFfsTable(ffsTableBytes(bs * blocks, bs), bs * blocks);
        if (t instanceof Error) throw t;
        const part = t.entries[0];
        expect(part?.size).toBe(Math.floor((FFS_HDR_BYTES + FFS_ENTRY_BYTES + bs) / bs) * bs);
        expect(t.blockCount).toBe(blocks);
      }),
    );
  });
  it('a header larger than the flash is refused; a flash of part blocks is an error', () => {
    expect(parseFfsTable(ffsTableBytes(), PNOR_BYTES / 2)).toBeInstanceOf(Error);
    expect(() => ffsTableBytes(0x1800, 0x1000)).toThrow(/whole/);
  });
  it('ensurePnorImage writes a 128 MiB image once, erased (0xff) past the table', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pnor-'));
    const f = ensurePnorImage(join(dir, 'pnor.img'), 0x100000);
    const bytes = readFileSync(f);
    expect(bytes.length).toBe(0x100000);
    expect(parseFfsTable(bytes, 0x100000)).not.toBeInstanceOf(Error);
    expect(bytes[0x1000]).toBe(0xff);
    const m = statSync(f).mtimeMs;
    ensurePnorImage(f, 0x100000);
    expect(statSync(f).mtimeMs).toBe(m);
    rmSync(dir, { recursive: true, force: true });
  });
});

const k: KernelVariant = {
  name: '6.12-64k',
  series: '6.12',
  pageSizeKiB: 64,
  vmlinux: '/k/vmlinux',
  release: '6.12.107',
  source: '6.12.107-1',
  nrCpus: 8,
};

describe('a powernv guest: its QEMU line, its paths, what it can perform', () => {
  const g = guestOf(labGuest(k, '11.1.3'), { name: 'p', events: [], guest: { platform: 'powernv' } });
  it('is a powernv10 with the PNOR on the mtd drive, one CPU, no maxmem', () => {
    expect(g).toMatchObject({ platform: 'powernv', cpus: 1, memoryMiB: 2048, maxMemoryMiB: 2048 });
    const a = powernvArgs(g, '/k/vmlinux', '/i.cpio', '/q.sock', '/pnor.img').join(' ');
    expect(a).toContain('-machine powernv10');
    expect(a).toContain('-drive file=/pnor.img,format=raw,if=mtd');
    expect(a).toContain('-m 2048M -vga');
    expect(a).not.toContain('maxmem');
  });
  it('performs boot, writes, crash, reboot and save-dump; no DLPAR, no mpipl, no NMI', () => {
    const yes: ExternalEvent[] = [{ event: 'boot' }, { event: 'crash' }, { event: 'reboot' }, { event: 'save-dump' }];
    for (const e of yes) expect(performableOn(e, 'powernv'), e.event).toBe(true);
    const no: ExternalEvent[] = [
      { event: 'memory-hotplug', action: 'add', lmbs: 1 },
      { event: 'cpu-hotplug', action: 'add', cpus: 1 },
      { event: 'mpipl', trigger: 'sbe' },
      { event: 'dump-restart' },
    ];
    for (const e of no) expect(performableOn(e, 'powernv'), e.event).toBe(false);
    expect(performable({ event: 'memory-hotplug', action: 'add', lmbs: 1 })).toBe(true);
  });
  it('a paths file names the platform; a powernv path with DLPAR is refused with file, line and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pnv-'));
    const f = join(dir, 'p.jsonl');
    writeFileSync(
      f,
      '{"name":"a","guest":{"platform":"powernv"},"events":[{"event":"boot"},{"event":"memory-hotplug","action":"add","lmbs":1}]}\n',
    );
    expect(() => readLabPaths(f)).toThrow(InputError);
    expect(() => readLabPaths(f)).toThrow(/p\.jsonl:1: field 'events\.1': a powernv guest/);
    writeFileSync(
      f,
      '{"name":"a","guest":{"platform":"powernv","cpus":2,"onlineCpus":1},"events":[{"event":"boot"}]}\n',
    );
    expect(() => readLabPaths(f)).toThrow(/p\.jsonl:1: field 'guest': a powernv guest takes no cpus/);
    rmSync(dir, { recursive: true, force: true });
  });
  it("skiboot's own console lines are kept out of what the guest's tools said", () => {
    expect(withoutOpalLines(['[   26.390478478,5] DUMP: Payload Invalidated MPIPL', 'WRITE ok'])).toEqual(['WRITE ok']);
  });
});

describe('the model configured as the lab powernv guest', () => {
  const g = guestOf(labGuest(k, '11.1.3'), { name: 'p', events: [], guest: { platform: 'powernv' } });
  const config = makeConfig(modelConfigOf(g));
  it("places the reserved area above OPAL's memory, at the page after it", () => {
    expect(config.platform).toBe('powernv');
    expect(config.opalReservedRanges).toEqual([{ start: 0x30000000, size: 0x5382000 }]);
  });
  it('and the simulator agree on seeded random event sequences', () => {
    const alphabet = simAlphabet(config);
    const event = fc.oneof(...alphabet.map((e) => ({ arbitrary: fc.constant(e), weight: weightOf(e) })));
    const walk = fc
      .array(event, { minLength: 1, maxLength: 16 })
      .map((rest) => [{ event: 'boot' } as ExternalEvent, ...rest]);
    fc.assert(
      fc.property(walk, (events) => {
        const v = judgePath(config, events, modelRun(config, events), simRun(config, events).steps);
        if (v.kind === 'differs') throw new Error(formatDiff(config, events, v.diff));
      }),
      { seed: 20261130, numRuns: 60 },
    );
  });
});

describe('real PowerNV transcripts (test/real/powernv-*)', () => {
  const dir = join(__dirname, 'real');
  const files = readdirSync(dir).filter((f) => /^powernv-.*\.jsonl$/.test(f));
  it('at least 10 paths on 6.12-64k, each a powernv guest', () => {
    const t = files.filter((f) => f.startsWith('powernv-6.12-64k-'));
    expect(t.length).toBeGreaterThanOrEqual(10);
    for (const f of t) expect(readTranscript(join(dir, f)).header.guest.platform).toBe('powernv');
  });
  for (const f of files)
    it(`${f}: every step agrees with the model`, () => {
      const r = conform(readTranscript(join(dir, f)));
      expect(r.divergences.map((d) => `step ${d.step} ${d.field}: ${d.expected} / ${d.observed}`)).toEqual([]);
    });
});
