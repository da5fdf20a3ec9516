// The recorded model/simulator disagreements (src/sim/disagreements.ts) and reality, both ways:
// every record's log still shows exactly that difference, the generated suite reaches every record
// and stops only at recorded ones, and the README's compared/not-compared figures are the suite's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { config as makeConfig } from '../src/config';
import { judgePath, type SuiteCounts } from '../src/explore/suite';
import { compare, modelRun, simRun } from '../src/sim/adapter';
import { DISAGREEMENTS } from '../src/sim/disagreements';
import { recordedCounts } from './support/generated';

describe('every recorded disagreement still differs, as recorded', () => {
  for (const d of DISAGREEMENTS) {
    it(`${d.id}: ${d.title}`, () => {
      const c = makeConfig(d.example.config);
      const n = d.example.events.length;
      const model = modelRun(c, d.example.events);
      const sim = simRun(c, d.example.events).steps;
      const v = judgePath(c, d.example.events, model, sim);
      if (d.mask === undefined) {
        // Its log's first difference (other masks applied) is at its last event, and is it.
        expect(v, `${d.id}'s log no longer differs: settle it and retire the record`).toMatchObject({
          kind: 'disagreement',
          id: d.id,
          step: n,
        });
      } else {
        // Unmasked, its log differs at its last event; masked, it agrees.
        expect(
          compare(c, d.example.events).firstDiff?.step,
          `${d.id}'s log no longer differs: settle it and retire the record`,
        ).toBe(n);
        expect(v).toMatchObject({ kind: 'agrees', maskedBy: [d.id] });
      }
    });
  }
});

describe('a difference no record recognises fails the suite', () => {
  const d6 = DISAGREEMENTS.find((d) => d.id === 'D6');
  const d7 = DISAGREEMENTS.find((d) => d.id === 'D7');
  it('D7 masks only the address of the param-area line, and only under radix', () => {
    expect(d7?.mask).toBeDefined();
    const line = "DUMP: Src: 0x0\n\n[0x0000020ffff800-0x0000020fffffff]: cmdline append: 'x'";
    const radix = makeConfig({ platform: 'pseries' });
    expect(d7?.mask?.(radix, '/sys/kernel/debug/powerpc/fadump_region', line)).toBe(
      "DUMP: Src: 0x0\n\n[(address)]: cmdline append: 'x'",
    );
    expect(d7?.mask?.(radix, '/sys/kernel/fadump/bootargs_append', line)).toBe(line);
    expect(
      d7?.mask?.(makeConfig({ platform: 'pseries', mmu: 'hash' }), '/sys/kernel/debug/powerpc/fadump_region', line),
    ).toBe(line);
  });
  it('D6 is recognised only when nothing else differs', () => {
    expect(d6).toBeDefined();
    if (d6 === undefined) return;
    const c = makeConfig(d6.example.config);
    const model = modelRun(c, d6.example.events);
    const sim = simRun(c, d6.example.events).steps;
    expect(judgePath(c, d6.example.events, model, sim)).toEqual({
      kind: 'disagreement',
      id: 'D6',
      step: d6.example.events.length,
      maskedBy: ['D7'],
    });
    // The same path with one more difference (the dump outcome on its last step) is a failure.
    const last = sim.length - 1;
    const doctored = sim.map((s, i) => (i === last ? { ...s, dump: 'lost' as const } : s));
    expect(judgePath(c, d6.example.events, model, doctored).kind).toBe('differs');
    // An earlier difference is a failure even though D6 follows.
    const early = sim.map((s, i) => (i === 1 ? { ...s, errno: 'EIO' as const } : s));
    expect(judgePath(c, d6.example.events, model, early)).toMatchObject({ kind: 'differs', diff: { step: 1 } });
  });
});

describe('the recorded counts and the README', () => {
  const counts = Object.values(recordedCounts());
  const sum = (f: (c: SuiteCounts) => number) => counts.reduce((a, c) => a + f(c), 0);
  const stopped = (id: string) => sum((c) => c.disagreement[id] ?? 0);
  const maskedIn = (id: string) => sum((c) => c.masked[id] ?? 0);
  it('the generated suite reaches every recorded disagreement, and no other', () => {
    for (const d of DISAGREEMENTS)
      expect(d.mask === undefined ? stopped(d.id) : maskedIn(d.id), d.id).toBeGreaterThan(0);
    const reached = new Set(counts.flatMap((c) => [...Object.keys(c.disagreement), ...Object.keys(c.masked)]));
    expect([...reached].sort()).toEqual(DISAGREEMENTS.map((d) => d.id).sort());
  });
  it("the README states the suite's compared and not-compared figures", () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const n = (x: number) => x.toLocaleString('en-US');
    const paths = sum((c) => c.paths);
    const agree = sum((c) => c.agree);
    const kdump = sum((c) => c.kdump);
    const notCompared = sum((c) => c.notCompared);
    const atDisagreement = sum((c) => Object.values(c.disagreement).reduce((a, b) => a + b, 0));
    expect(paths).toBe(agree + kdump + notCompared + atDisagreement);
    const masked = sum((c) => Object.values(c.masked).reduce((a, b) => a + b, 0));
    const line = `${n(paths)} paths: ${n(agree)} compared to their end, ${n(atDisagreement)} up to a recorded disagreement, ${n(kdump)} up to the model's fallback to kdump, ${n(notCompared)} not compared; ${n(masked)} of the compared with a recorded mask`;
    expect(readme).toContain(line);
  });
});
