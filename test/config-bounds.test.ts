// crashkernel= is refused at the boundary only where the kernel's parser refuses it whatever the
// RAM (exit 2 through every command, with the kernel's own warning); sizes too small or too large
// are what the kernel does with them (test/kdump-sizing.test.ts).
import { describe, expect, it } from 'vitest';
import { fullConfig, parseConfig } from '../src/config';

const problems = (input: Record<string, unknown>) => {
  const r = parseConfig(input);
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
};

describe('crashkernel=', () => {
  it('sizes of any magnitude, offsets, ranges and suffixes are accepted for kdump and fadump', () => {
    for (const crashkernel of ['0', '1K', '1M', '16M', '8G', '100G', '512M@256M', '2G-16G:512M,16G-:1G', '512M,high'])
      expect(problems({ mechanism: 'kdump', crashkernel }), crashkernel).toEqual([]);
    for (const crashkernel of ['1G@256M', '1G-:256M@64M', '100G'])
      expect(problems({ crashkernel }), crashkernel).toEqual([]);
  });

  it('a value parse_crashkernel() refuses is refused with its warning', () => {
    expect(problems({ mechanism: 'kdump', crashkernel: 'lots' })).toEqual([
      'crashkernel: crashkernel: memory value expected: parse_crashkernel() refuses it (-EINVAL) and nothing is reserved',
    ]);
    expect(problems({ crashkernel: '4G-2G:256M' })[0]).toContain('crashkernel: end <= start');
  });
});

describe('kernel', () => {
  it('a release newer than the newest the version table describes is refused, not guessed', () => {
    expect(problems({ kernel: '6.99' })).toEqual([
      'kernel: 6.99 is newer than 6.18, the newest release the model describes (src/kernel-versions.ts)',
    ]);
    expect(problems({ kernel: '6.18' })).toEqual([]);
  });
});

describe('lmbMiB', () => {
  it('below 16 MiB, the smallest memory block on powerpc (MIN_MEMORY_BLOCK_SIZE), is refused; 16 is taken', () => {
    expect(problems({ lmbMiB: 1, memoryMiB: 1024 })).toContain(
      'lmbMiB: 1 MiB is below 16 MiB, the smallest memory block on powerpc',
    );
    expect(problems({ lmbMiB: 16, memoryMiB: 1024 })).toEqual([]);
  });
});

describe('memoryMiB at the top of its range', () => {
  it('the default maximum stays within 64 TiB, so the full configuration is valid again (it was an internal error)', () => {
    for (const memoryMiB of [67108864, 67108608]) {
      const r = parseConfig({ memoryMiB });
      if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('; '));
      expect(r.config.maxMemoryBytes / 2 ** 20).toBe(67108864);
      const again = parseConfig(fullConfig(r.config));
      expect(again.ok && again.config.key).toBe(r.config.key);
      expect(r.config.name).toBe(`pseries in-capture-kernel fadump=on ${memoryMiB / 1024}G`);
    }
  });
});
