// Defines the generated regression suite for a share of the default matrix: one test per path,
// named by configuration and the path's events, asserting after every step that the reference
// implementation (src/sim/) shows what the model predicts.
import { describe, expect, it } from 'vitest';
import { config } from '../../src/config';
import { defaultMatrix } from '../../src/explore/matrix';
import { generatePaths } from '../../src/explore/paths';
import { expectedSteps, notComparable, pathTitle } from '../../src/explore/suite';
import { firstDifference, formatDiff, simRun } from '../../src/sim/adapter';
import { MODEL_COMPAT } from '../../src/sim/disagreements';

export function defineGeneratedSuite(part: number, parts: number): void {
  defaultMatrix().forEach((input, index) => {
    if (index % parts !== part) return;
    const c = config(input);
    describe(c.name, () => {
      const set = generatePaths(c);
      it(`the paths take every transition of the reachable graph (${set.transitions} transitions, ${set.paths.length} paths, ${set.steps} steps)`, () => {
        expect(set.covered).toBe(set.transitions);
      });
      const skip = notComparable(c);
      if (skip !== null) {
        it.skip(`${set.paths.length} paths not run against src/sim/: ${skip}`, () => {});
        return;
      }
      set.paths.forEach((path, i) => {
        it(pathTitle(i, path), () => {
          const model = expectedSteps(set, path).map(({ event: _event, ...rest }) => rest);
          const sim = simRun(c, path.events, { compat: MODEL_COMPAT });
          // A known model disagreement (src/sim/disagreements.ts) ends the comparison where the
          // simulator notes it.
          const noted = sim.notes.findIndex((n) => n.length > 0);
          const upTo = noted < 0 ? model.length : noted;
          const diff = firstDifference(path.events, model.slice(0, upTo), sim.steps.slice(0, upTo));
          expect(diff === null ? null : formatDiff(c, path.events, diff)).toBeNull();
        });
      });
    });
  });
}
