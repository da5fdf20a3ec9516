// Configurations as data (issue 16): every configuration has one canonical form and key, whatever
// spelling it was given in, and a display name that shows every setting away from the defaults,
// so two different configurations never share a name and expected verdicts are never looked up
// under another configuration's name.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closestKey, fullConfig, MAX_NAME, parseConfig, type Config, type ConfigInput } from '../src/config';
import { defaultMatrix } from '../src/explore/matrix';

/** Configuration inputs over the keys that interact (kernel traits, generations, bounds, ...);
 *  contradictory ones are filtered out by parseConfig. */
const inputs: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    mechanism: fc.constantFrom('fadump', 'kdump', 'phyp-assisted-dump'),
    platform: fc.constantFrom('pseries', 'powernv'),
    kernel: fc.constantFrom('4.18', '5.14', '6.1', '6.9', '6.12'),
    elfcorehdr: fc.constantFrom('at-registration', 'in-capture-kernel'),
    fadump: fc.constantFrom('on', 'off', 'nocma'),
    crashHotplug: fc.boolean(),
    crashkernel: fc.constantFrom(null, '512M', '1G'),
    memoryMiB: fc.constantFrom(2048, 4096, 8192),
    lmbMiB: fc.constantFrom(256, 512, 1024),
    minMemoryMiB: fc.constantFrom(1024, 2048),
    maxMemoryMiB: fc.constantFrom(8192, 16384),
    petitbootPreservesDump: fc.boolean(),
    registerAtBoot: fc.boolean(),
    registeredWrite: fc.constantFrom('reregister', 'eexist'),
    cpus: fc.constantFrom(1, 4),
    pageSizeKiB: fc.constantFrom(4, 64),
    mmu: fc.constantFrom('radix', 'hash'),
    firmware: fc.constantFrom('powervm', 'qemu'),
    captureKernel: fc.record(
      {
        elfcorehdr: fc.constantFrom('at-registration', 'in-capture-kernel'),
        endianness: fc.constantFrom('same', 'swapped'),
      },
      { requiredKeys: [] },
    ),
    faults: fc.boolean(),
    nrCpus: fc.constantFrom(8, 2048),
  },
  { requiredKeys: [] },
);

function parsed(raw: unknown): Config | null {
  const r = parseConfig(raw);
  return r.ok ? r.config : null;
}

describe('the canonical form of a configuration', () => {
  it('every setting written out, or only the canonical ones: the same configuration, the same key and name', () => {
    fc.assert(
      fc.property(inputs, (raw) => {
        const c = parsed(raw);
        if (c === null) return;
        const full = parsed(fullConfig(c));
        const canonical = parsed(c.canonical);
        expect(full?.key).toBe(c.key);
        expect(canonical?.key).toBe(c.key);
        expect(full?.name).toBe(c.name);
        expect(canonical?.canonical).toEqual(c.canonical);
        expect(fullConfig(canonical ?? c)).toEqual(fullConfig(c));
      }),
      { seed: 16, numRuns: 300 },
    );
  });

  it('two different configurations never share a display name', () => {
    const keyOf = new Map<string, string>();
    for (const raw of [...fc.sample(inputs, { seed: 1616, numRuns: 1500 }), ...defaultMatrix()]) {
      const c = parsed(raw);
      if (c === null) continue;
      const seen = keyOf.get(c.name);
      if (seen !== undefined) expect(seen, c.name).toBe(c.key);
      keyOf.set(c.name, c.key);
    }
    expect(keyOf.size).toBeGreaterThan(100);
  });

  it('a display name fits MAX_NAME, gives itself back as a name, and still tells apart configurations that differ past it', () => {
    const cmdline = (end: string) => `BOOT_IMAGE=/vmlinux root=/dev/sda2 ro fadump=on ${'quiet '.repeat(300)}${end}`;
    const long = { platform: 'pseries', elfcorehdr: 'at-registration', cmdline: cmdline('a=1') };
    const names = new Set<string>();
    for (const raw of [long, { ...long, cmdline: cmdline('a=2') }, { ...long, cmdline: `${cmdline('a=1')}😀` }]) {
      const c = parsed(raw);
      expect(c?.name.length).toBeLessThanOrEqual(MAX_NAME);
      expect(c?.name).toMatch(/ #[0-9a-f]{16}$/);
      // Given back as its name, the same configuration.
      expect(parsed({ ...raw, name: c?.name })?.key).toBe(c?.key);
      names.add(c?.name ?? '');
    }
    expect(names.size).toBe(3);
    fc.assert(
      fc.property(inputs, fc.string({ minLength: 1, maxLength: 2047, unit: 'grapheme' }), (raw, line) => {
        const c = parsed({ ...raw, cmdline: `fadump=on ${line}` });
        if (c === null) return;
        expect(c.name.length).toBeLessThanOrEqual(MAX_NAME);
        expect(parsed({ ...c.canonical, name: c.name })?.name).toBe(c.name);
      }),
      { seed: 120, numRuns: 200 },
    );
  });

  it('a name with a control character or nothing to read is refused: it would start a line of its own in a script', () => {
    for (const name of [
      'nl\ntouch /tmp/x\n# ',
      'tab\there',
      'esc\u001b[31mred',
      'ls\u2028x',
      'c1\u0085x',
      '   ',
      'bidi\u202eevil',
      'zero\u200bwidth',
      'lone\ud800x',
    ]) {
      const r = parseConfig({ platform: 'pseries', name });
      expect(r.ok, JSON.stringify(name)).toBe(false);
      if (!r.ok) expect(r.issues.map((i) => i.path)).toEqual(['name']);
    }
    // A generated name writes such characters as \uXXXX, and is a name a configuration may be given.
    const odd = { platform: 'pseries', cmdline: 'ro fadump=on x=\u001b[2J\u2028\u202e' };
    const name = parsed(odd)?.name ?? '';
    expect(name).toContain('x=\\u001b[2J\\u2028\\u202e');
    expect(parsed({ ...odd, name })?.name).toBe(name);
    expect(parsed({ platform: 'pseries', name: 'lab box: 6.12 (64 KiB) — ünïcode ✓' })?.name).toBe(
      'lab box: 6.12 (64 KiB) — ünïcode ✓',
    );
  });

  it('the defaults spelt out are the default configuration', () => {
    const spelt: ConfigInput = {
      mechanism: 'fadump',
      platform: 'pseries',
      elfcorehdr: 'in-capture-kernel',
      fadump: 'on',
      memoryMiB: 8192,
      lmbMiB: 256,
      minMemoryMiB: 7680,
      maxMemoryMiB: 8704,
      faults: false,
      captureKernel: { endianness: 'same' },
    };
    expect(parsed(spelt)?.key).toBe('{}');
    expect(parsed(spelt)?.name).toBe('pseries in-capture-kernel fadump=on 8G');
  });

  it('a setting the name did not show before is in the name now: the LPAR bounds, the LMB size', () => {
    expect(
      parsed({
        platform: 'pseries',
        elfcorehdr: 'at-registration',
        memoryMiB: 8192,
        minMemoryMiB: 8192,
        maxMemoryMiB: 8192,
      })?.name,
    ).toBe('pseries at-registration fadump=on 8G minMemoryMiB=8192 maxMemoryMiB=8192');
    expect(parsed({ lmbMiB: 1024 })?.name).toBe('pseries in-capture-kernel fadump=on 8G lmbMiB=1024');
    expect(parsed({ cmdline: 'console=hvc0 fadump=on' })?.name).toBe(
      'pseries in-capture-kernel fadump=on 8G cmdline="console=hvc0 fadump=on"',
    );
  });
});

describe('did you mean', () => {
  it.each([
    ['memoryMib', 'memoryMiB'],
    ['MemoryMiB', 'memoryMiB'],
    ['platfrom', 'platform'],
    ['lmbMB', 'lmbMiB'],
    ['crashKernel', 'crashkernel'],
  ])('%s -> %s', (typo, meant) => {
    const r = parseConfig({ [typo]: 1 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]?.message).toBe(`unknown key '${typo}': did you mean '${meant}'?`);
  });

  it('nothing close: no guess', () => {
    expect(closestKey('colour', ['platform', 'memoryMiB'])).toBeNull();
  });
});
