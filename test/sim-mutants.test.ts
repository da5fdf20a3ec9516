// The seeded faults of the simulator (src/sim/mutants.ts) and the harness that measures how many of
// them a suite of event paths catches (scripts/mutants.ts).
import { describe, expect, it } from 'vitest';
import { config as makeConfig } from '../src/config';
import type { ExternalEvent } from '../src/events';
import { simRun } from '../src/sim/adapter';
import { MUTANTS, MUTANT_IDS } from '../src/sim/mutants';
import { comparability } from '../src/explore/suite';
import { examplePaths, randomWalks, simConfigs } from '../src/sim/paths';
import { defaultPaths, formatReport, runMutants } from '../scripts/mutants';

describe('the mutant catalogue', () => {
  it('has at least 20 faults, each with an id, a sentence, the reference section it breaks and a site', () => {
    expect(MUTANTS.length).toBeGreaterThanOrEqual(20);
    expect(new Set(MUTANT_IDS).size).toBe(MUTANTS.length);
    for (const m of MUTANTS) {
      expect(m.id, m.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(m.sentence.length, m.id).toBeGreaterThan(30);
      expect(m.breaks, m.id).toMatch(/§\d/);
      expect(m.site, m.id).toMatch(/\.ts/);
    }
  });

  it('switches a fault on only when asked: without a mutant the simulator is unchanged', () => {
    const paths = randomWalks(simConfigs(), 3, 5);
    for (const p of paths) {
      const a = simRun(p.config, p.events, {});
      const b = simRun(p.config, p.events, { mutant: null });
      expect(b.steps).toEqual(a.steps);
    }
  });
});

describe('the mutant harness', () => {
  it('against the unmutated simulator, the default paths kill every observable mutant', () => {
    const r = runMutants(defaultPaths(20, 3), { oracle: 'sim' });
    const survivors = r.results.filter((x) => !x.killed).map((x) => x.id);
    expect(survivors, formatReport(r)).toEqual(MUTANTS.filter((m) => !m.observable).map((m) => m.id));
    expect(r.observableScore).toBe(1);
  });

  it('against the model, on the example logs, uses every path and kills the faults they reach', () => {
    const r = runMutants(
      examplePaths().filter((p) => comparability(p.config).compared),
      { oracle: 'model' },
    );
    expect(r.excluded).toEqual([]);
    expect(r.usable).toBe(r.paths);
    const killed = new Set(r.results.filter((x) => x.killed).map((x) => x.id));
    // The examples boot, crash, capture, release and re-register on pSeries and PowerNV,
    // hot-add memory before a crash in both generations, and remove LMBs under the reserved area
    // (examples/dlpar-under-reserved-area.jsonl, which the DLPAR protection refuses).
    for (const id of [
      'dlpar-protection-missing',
      'no-register-at-boot',
      'petitboot-not-preserving',
      'stale-ptload-after-hotplug',
      'old-elfcorehdr-not-rebuilt',
      'release-keeps-vmcore',
      'ptload-split-off-by-one',
    ] as const) {
      expect(killed.has(id), id).toBe(true);
    }
    // ... but no firmware fault.
    for (const id of ['rtas-busy-not-retried', 'unregister-failure-clears-registered'] as const) {
      expect(killed.has(id), id).toBe(false);
    }
  });

  it('takes its paths as a parameter: a hand-written path kills the fault it aims at, no path kills nothing', () => {
    const R = '/sys/firmware/opal/mpipl/release_core';
    const events: ExternalEvent[] = [
      { event: 'boot' },
      { event: 'crash' },
      { event: 'write', path: R, value: '1\n' },
      { event: 'write', path: R, value: '1\n' },
    ];
    const r = runMutants(
      [{ config: makeConfig({ platform: 'powernv', memoryMiB: 16384 }), events, name: 'release_core twice' }],
      {
        mutants: ['release-core-twice', 'dlpar-protection-missing'],
      },
    );
    expect(r.results.map((x) => [x.id, x.killed, x.by?.step ?? null])).toEqual([
      ['release-core-twice', true, 4],
      ['dlpar-protection-missing', false, null],
    ]);
    const none = runMutants([], { oracle: 'sim' });
    expect(none.killed).toBe(0);
    expect(none.score).toBe(0);
  });

  it("kills rtas-busy-not-retried with a busy return before a registration (a busy return, the generated suite's blind spot)", () => {
    const config = makeConfig({ platform: 'pseries', faults: true });
    const R = '/sys/kernel/fadump/registered';
    const events: ExternalEvent[] = [
      { event: 'boot' },
      { event: 'firmware-error', call: 'register', rc: 9902 },
      { event: 'write', path: R, value: '0\n' },
      { event: 'write', path: R, value: '1\n' },
    ];
    const r = runMutants([{ config, events, name: 'busy' }], { mutants: ['rtas-busy-not-retried'] });
    expect(r.results[0]?.by?.step).toBe(4);
    expect(r.results[0]?.by?.fields).toEqual(
      expect.arrayContaining(['accepted', 'errno', 'sysfs:/sys/kernel/fadump/registered']),
    );
  });

  it('kills a DLPAR protection fault only with a removal that reaches the reserved area while registered', () => {
    const config = makeConfig({ platform: 'pseries', memoryMiB: 1024, lmbMiB: 256, minMemoryMiB: 256 });
    const remove: ExternalEvent = { event: 'memory-hotplug', action: 'remove', lmbs: 1 };
    const r = runMutants([{ config, events: [{ event: 'boot' }, remove, remove], name: 'shrink' }], {
      mutants: ['dlpar-protection-missing'],
    });
    expect(r.results[0]?.by?.fields).toEqual(['accepted', 'errno']);
  });
});
