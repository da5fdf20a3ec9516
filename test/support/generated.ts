// Defines the generated regression suite for a share of the default matrix: one test per path,
// named by configuration and the path's events, asserting after every step that the reference
// implementation (src/sim/) shows what the model predicts. A path stops being compared only at a
// recorded disagreement (src/sim/disagreements.ts) or where the model falls back to kdump, which
// the simulator does not state; both are counted, and the counts per configuration are held to
// test/generated/counts.json (the README's figures are its sums). No path is skipped.
// Re-record the counts after a deliberate change: UPDATE_SUITE_COUNTS=1 npx vitest run test/generated
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { config } from '../../src/config';
import { defaultMatrix } from '../../src/explore/matrix';
import { Engine } from '../../src/explore/engine';
import { generatePaths } from '../../src/explore/paths';
import { comparability, expectedSteps, judgePath, pathTitle, type SuiteCounts } from '../../src/explore/suite';
import { formatDiff, simRun } from '../../src/sim/adapter';

export const COUNTS_FILE = join(__dirname, '..', 'generated', 'counts.json');

/** The recorded counts, by configuration name. */
export function recordedCounts(): Record<string, SuiteCounts> {
  return JSON.parse(readFileSync(COUNTS_FILE, 'utf8')) as Record<string, SuiteCounts>;
}

function record(name: string, counts: SuiteCounts): void {
  const all = recordedCounts();
  all[name] = counts;
  const sorted = Object.fromEntries(Object.entries(all).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(COUNTS_FILE, `${JSON.stringify(sorted, null, 2)}\n`);
}

export function defineGeneratedSuite(part: number, parts: number): void {
  defaultMatrix().forEach((input, index) => {
    if (index % parts !== part) return;
    const c = config(input);
    describe(c.name, () => {
      const set = generatePaths(c);
      const counts: SuiteCounts = {
        paths: set.paths.length,
        agree: 0,
        disagreement: {},
        kdump: 0,
        notCompared: 0,
        masked: {},
      };
      it(`the paths take every transition of the reachable graph (${set.transitions} transitions, ${set.paths.length} paths, ${set.steps} steps)`, () => {
        // Counted by replaying the paths, not by generatePaths' own bookkeeping.
        const engine = set.exploration.engine;
        const taken = new Set<string>();
        for (const p of set.paths) {
          const t = engine.initialTuple();
          for (const e of p.letters) {
            taken.add(`${t.join(',')}/${e}`);
            Engine.apply(t, engine.edge(t, e));
          }
        }
        // Every (state, event) pair of the reachable graph: states times the alphabet.
        expect(taken.size).toBe(set.exploration.states * set.exploration.alphabet.length);
        expect(set.transitions).toBe(taken.size);
      });
      const comparable = comparability(c);
      if (!comparable.compared) {
        counts.notCompared = set.paths.length;
        it(`${set.paths.length} paths are not compared with src/sim/: ${comparable.reason}`, () => {
          expect(c.mechanism).not.toBe('fadump');
        });
      } else {
        set.paths.forEach((path, i) => {
          it(pathTitle(i, path), () => {
            const model = expectedSteps(set, path).map(({ event: _event, ...rest }) => rest);
            const sim = simRun(c, path.events);
            const v = judgePath(c, path.events, model, sim.steps);
            if (v.kind === 'agrees') counts.agree++;
            else if (v.kind === 'kdump') counts.kdump++;
            else if (v.kind === 'disagreement') counts.disagreement[v.id] = (counts.disagreement[v.id] ?? 0) + 1;
            if (v.kind !== 'differs') for (const id of v.maskedBy) counts.masked[id] = (counts.masked[id] ?? 0) + 1;
            expect(v.kind === 'differs' ? formatDiff(c, path.events, v.diff) : null).toBeNull();
          });
        });
      }
      it('the compared and not-compared counts are the recorded ones (test/generated/counts.json)', () => {
        if (process.env.UPDATE_SUITE_COUNTS === '1') record(c.name, counts);
        expect(counts).toEqual(recordedCounts()[c.name]);
      });
    });
  });
}
