// Issue 7 §5: a soak. Random walks through the fast engine with every property checked on every
// state and step (the property objects of src/specs/properties.ts, as the explorer checks them),
// no error, no violation of a property expected to hold, and a flat heap. `npm test` runs 100,000
// events over a quarter of the default matrix; `npx tsx scripts/soak.ts` runs 1,000,000 over all of it.
import { describe, expect, it } from 'vitest';
import { defaultMatrix } from '../src/explore/matrix';
import { formatSoak, soak } from '../scripts/soak';

const MB = 1024 * 1024;

describe('soak', () => {
  it('100,000 events: no error, only the violations the project expects, a flat heap', () => {
    const configs = defaultMatrix().filter((_, i) => i % 4 === 0);
    const r = soak({ events: 100_000, seed: 7, configs, sampleEvery: 10_000 });
    console.log(formatSoak(r));
    expect(r.events).toBe(100_000);
    expect(r.unexpected.map((u) => `${u.property} @ ${u.config}\n${u.log}`)).toEqual([]);
    // Every state property, and the step properties of each crash, release and hotplug, were checked.
    expect(r.checks).toBeGreaterThan(r.events * 5);
    // The engines were complete before the walks: nothing new was computed, so nothing should grow.
    expect(r.samples.every((s) => s.compiled === r.compiled)).toBe(true);
    // After warm-up the heap stays within the memo caches' bound (they are cleared when full).
    expect(r.gcExposed).toBe(true);
    expect(r.heapMaxAfterWarmup - r.heapAtWarmup).toBeLessThan(24 * MB);
    expect(r.heapEnd - r.heapAtWarmup).toBeLessThan(24 * MB);
  });

  it('the walks find the violations the explorer finds (at-registration: accurate-vmcore)', () => {
    const r = soak({
      events: 20_000,
      seed: 3,
      configs: [{ platform: 'pseries', elfcorehdr: 'at-registration', memoryMiB: 8192 }],
    });
    expect(r.unexpected).toEqual([]);
    expect(r.expectedViolations['pseries at-registration fadump=on 8G']?.['accurate-vmcore'] ?? 0).toBeGreaterThan(0);
  });
});
