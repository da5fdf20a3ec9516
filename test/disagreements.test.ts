// The recorded model/simulator disagreements (src/sim/disagreements.ts) and reality, both ways:
// every record's log still shows exactly that difference, the generated suite reaches every record
// and stops only at recorded ones, and the README's compared/not-compared figures are the suite's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { config as makeConfig } from '../src/config';
import { judgePath, type SuiteCounts } from '../src/explore/suite';
import { compare, modelRun, simRun } from '../src/sim/adapter';
import { DISAGREEMENTS, recognise } from '../src/sim/disagreements';
import { recordedCounts } from './support/generated';

describe('every recorded disagreement still differs, as recorded', () => {
  for (const d of DISAGREEMENTS) {
    it(`${d.id}: ${d.title}`, () => {
      const c = makeConfig(d.example.config);
      const diff = compare(c, d.example.events).firstDiff;
      expect(diff, `${d.id}'s log no longer differs: settle it and retire the record`).not.toBeNull();
      expect(diff?.step).toBe(d.example.events.length);
      expect(diff === null ? null : recognise(c, diff)?.id).toBe(d.id);
    });
  }
});

describe('a difference no record recognises fails the suite', () => {
  const d6 = DISAGREEMENTS.find((d) => d.id === 'D6');
  it('D6 is recognised only when nothing else differs', () => {
    expect(d6).toBeDefined();
    if (d6 === undefined) return;
    const c = makeConfig(d6.example.config);
    const model = modelRun(c, d6.example.events);
    const sim = simRun(c, d6.example.events).steps;
    expect(judgePath(c, d6.example.events, model, sim)).toEqual({ kind: 'disagreement', id: 'D6', step: d6.example.events.length });
    // The same path with one more difference (an errno on the crash step) is a failure.
    const last = sim.length - 1;
    const doctored = sim.map((s, i) => (i === last ? { ...s, dump: 'lost' as const } : s));
    expect(judgePath(c, d6.example.events, model, doctored).kind).toBe('differs');
    // An earlier difference is a failure even though D6 follows.
    const early = sim.map((s, i) => (i === 2 ? { ...s, errno: 'EIO' as const } : s));
    expect(judgePath(c, d6.example.events, model, early)).toMatchObject({ kind: 'differs', diff: { step: 2 } });
  });
});

describe('the recorded counts and the README', () => {
  const counts = Object.values(recordedCounts());
  const sum = (f: (c: SuiteCounts) => number) => counts.reduce((a, c) => a + f(c), 0);
  const stopped = (id: string) => sum((c) => c.disagreement[id] ?? 0);
  it('the generated suite reaches every recorded disagreement, and no other', () => {
    for (const d of DISAGREEMENTS) expect(stopped(d.id), d.id).toBeGreaterThan(0);
    const reached = new Set(counts.flatMap((c) => Object.keys(c.disagreement)));
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
    const line = `${n(paths)} paths: ${n(agree)} compared to their end, ${n(atDisagreement)} up to a recorded disagreement, ${n(kdump)} up to the model's fallback to kdump, ${n(notCompared)} not compared`;
    expect(readme).toContain(line);
  });
});
