// The fast engine must be faithful to XState: on thousands of random paths, the engine (cached
// actor steps, compiled step trie) and the plain system (XState's transition() for every actor
// step) reach the same snapshots, dump outcome and step verdicts.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ACTORS, createSystem, type SystemState } from '../machines/system';
import { config, type ConfigInput } from '../src/config';
import { toMachineEvent } from '../src/events';
import { alphabet } from '../src/explore/alphabet';
import { Engine } from '../src/explore/engine';
import { canonicalJson } from '../src/util/canonical';

const CONFIGS: ConfigInput[] = [
  { platform: 'pseries', elfcorehdr: 'at-registration', faults: true },
  { platform: 'pseries', elfcorehdr: 'in-capture-kernel', fadump: 'nocma' },
  { platform: 'powernv', faults: true, petitbootPreservesDump: true },
  { platform: 'powernv', elfcorehdr: 'at-registration', petitbootPreservesDump: false },
  { platform: 'pseries', elfcorehdr: 'at-registration', registeredWrite: 'eexist', registerAtBoot: false },
  { platform: 'pseries', captureKernel: { endianness: 'swapped' } },
];

function key(s: SystemState): string {
  return canonicalJson({ a: ACTORS.map((a) => ({ v: s.actors[a].value, c: s.actors[a].context })), d: s.dump });
}

describe('the fast engine agrees with XState transition() on random paths', () => {
  for (const raw of CONFIGS) {
    const c = config(raw);
    it(c.name, () => {
      const letters = alphabet(c);
      // One engine for all paths: its caches warm up across paths, as in exploration.
      const engine = new Engine(c, letters);
      const plain = createSystem(c);
      let steps = 0;
      fc.assert(
        fc.property(fc.array(fc.nat({ max: letters.length - 1 }), { minLength: 4, maxLength: 16 }), (path) => {
          const t = engine.initialTuple();
          let s = plain.initial();
          for (const e of path) {
            const event = letters[e];
            if (event === undefined) throw new Error('bad index');
            const out = engine.edge(t, e);
            Engine.apply(t, out);
            const r = plain.step(s, toMachineEvent(event));
            s = r.state;
            steps++;
            expect(key(engine.toState(t))).toBe(key({ ...s, dumpReason: null }));
            expect({ handled: out.handled, errno: out.errno, ignored: out.ignored }).toEqual({ handled: r.handled, errno: r.errno, ignored: r.ignored });
          }
        }),
        { seed: 7, numRuns: 350 },
      );
      expect(steps).toBeGreaterThan(2500);
    });
  }
});
