// The mutation figure the README states, kept true: src/sim/mutants-report.json (written by
// `npm run mutants -- --record src/sim/mutants-report.json`, the generated suite against the model)
// names, for every seeded fault, the path prefix that kills it or that it survives. Here every
// killing log is replayed: the model and the unmutated simulator agree on it (or stop at a recorded
// disagreement later), and the mutated simulator differs at the recorded step. Every survivor has
// its reason in src/sim/survivors.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { config as makeConfig } from '../src/config';
import { judgePath } from '../src/explore/suite';
import { modelRun, simRun } from '../src/sim/adapter';
import { MUTANT_IDS } from '../src/sim/mutants';
import type { RecordedReport } from '../scripts/mutants';
import { SURVIVORS } from '../src/sim/survivors';

const report = JSON.parse(
  readFileSync(join(__dirname, '..', 'src', 'sim', 'mutants-report.json'), 'utf8'),
) as RecordedReport;

describe('the mutation report of the generated suite against the model', () => {
  it('covers every seeded fault once', () => {
    expect(report.mutants.map((m) => m.id).sort()).toEqual([...MUTANT_IDS].sort());
    expect(report.total).toBe(MUTANT_IDS.length);
    expect(report.killed).toBe(report.mutants.filter((m) => m.killed).length);
  });

  for (const m of report.mutants) {
    if (m.killed && m.by !== null) {
      const by = m.by;
      it(`${m.id} is killed at step ${by.step} of a ${by.config} path`, () => {
        const c = makeConfig(by.configInput);
        const model = modelRun(c, by.events);
        expect(judgePath(c, by.events, model, simRun(c, by.events).steps).kind).not.toBe('differs');
        const mutated = judgePath(c, by.events, model, simRun(c, by.events, { mutant: m.id }).steps);
        expect(mutated).toMatchObject({ kind: 'differs', diff: { step: by.step } });
      });
    } else {
      it(`${m.id} survives, for a stated reason`, () => {
        expect(SURVIVORS[m.id], `${m.id} survived: say why in src/sim/survivors.ts`).toMatch(/.{40,}/);
      });
    }
  }

  it('every stated survivor reason belongs to a survivor', () => {
    const survivors = new Set(report.mutants.filter((m) => !m.killed).map((m) => m.id));
    for (const id of Object.keys(SURVIVORS)) expect(survivors.has(id as (typeof MUTANT_IDS)[number]), id).toBe(true);
  });

  it('the README states the figure', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    expect(readme).toContain(`kills ${report.killed} of the ${report.total} seeded faults`);
  });
});
