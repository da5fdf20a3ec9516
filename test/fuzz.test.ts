// Issue 7 §2: property-based fuzzing (fast-check, fixed seed, modest counts) of the log parser,
// the sysfs write handlers through the model, and the fold. The larger run: npx tsx scripts/fuzz.ts.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { foldProperties, parserProperties, writeProperties } from '../scripts/fuzz';

const SEED = 20240607;

describe('fuzz: the log parser', () => {
  it('any text, any bytes: a parsed log or a LogError naming a line, never anything else', () => {
    parserProperties().forEach((p, k) => fc.assert(p, { seed: SEED + k, numRuns: 400 }));
  });
});

describe('fuzz: sysfs writes through the model', () => {
  it('any string to any path from a reachable state: accepted, an errno, or an explicit ignore; never a throw', () => {
    writeProperties().forEach((p, k) => fc.assert(p, { seed: SEED + k, numRuns: 300 }));
  });
});

describe('fuzz: the fold', () => {
  it('any events replay without a throw, and the same log replays to the same output twice', () => {
    foldProperties().forEach((p, k) => fc.assert(p, { seed: SEED + k, numRuns: 60 }));
  });
});
