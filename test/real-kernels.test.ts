// The committed real-kernel transcripts (test/real/, recorded by `npm run lab -- run` on Linux
// 6.1 and 6.12 under QEMU 11) conformed against the model on every run of npm test, with no
// QEMU: every divergence must be in test/real/known-divergences.json with its reason, and every
// listed one must still happen (the list can only shrink as the model is fixed).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { againstKnown, conform, readTranscript } from '../src/conform/conform';
import { readKnown } from '../src/conform/command';

const dir = join(__dirname, 'real');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.jsonl'))
  .sort();
const results = files.map((f) => conform(readTranscript(join(dir, f))));
const known = readKnown(join(dir, 'known-divergences.json'));

describe('real kernels under QEMU, conformed against the model', () => {
  it('at least 10 paths on each pSeries kernel, 6.1 and 6.12, each naming its kernel and QEMU', () => {
    for (const series of ['6.1', '6.12']) {
      const mine = files.map((f) => readTranscript(join(dir, f)).header).filter((h) => h.guest.kernel === series);
      expect(mine.length, series).toBeGreaterThanOrEqual(10);
      for (const h of mine) {
        expect(h.guest.kernelRelease).toMatch(new RegExp(`^${series.replace('.', '\\.')}\\.`));
        expect(h.guest.qemu).toMatch(/^\d+\.\d+/);
      }
    }
  });

  it('every divergence is a known one, and every known one still happens', () => {
    const j = againstKnown(
      results.flatMap((r) => r.divergences),
      known,
      new Set(files),
    );
    const show = (d: { transcript: string; step: number; field: string }) => `${d.transcript} step ${d.step} ${d.field}`;
    expect(j.unlisted.map((d) => `${show(d)}: model ${JSON.stringify(d.expected)} observed ${JSON.stringify(d.observed)}`)).toEqual([]);
    expect(j.stale.map(show)).toEqual([]);
  });

  it('every known divergence names a transcript that is here', () => {
    for (const k of known) expect(files, k.transcript).toContain(k.transcript);
  });
});
