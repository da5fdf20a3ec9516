// crashkernel= values the model cannot stand behind are refused at the boundary (exit 2 through
// every command), with the kernel's reason: 0 reserves nothing, and a few bytes hold no capture
// kernel (issue 16: `crashkernel: "1K"` replayed a kdump capture out of 1 KiB).
import { describe, expect, it } from 'vitest';
import { MIN_CRASHKERNEL_BYTES, parseConfig } from '../src/config';

const problems = (input: Record<string, unknown>) => {
  const r = parseConfig(input);
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
};

describe('crashkernel=', () => {
  it('"0" reserves nothing: refused, pointing to null', () => {
    expect(problems({ mechanism: 'kdump', crashkernel: '0' })).toEqual([
      'crashkernel: crashkernel=0 reserves nothing (parse_crashkernel() gives a size of 0): leave it out, or give null',
    ]);
    expect(problems({ fadump: 'off', crashkernel: '0' })[0]).toContain('reserves nothing');
  });

  it('a size too small for a capture kernel is refused, the smallest taken is accepted', () => {
    expect(problems({ mechanism: 'kdump', crashkernel: '1K' })[0]).toContain(
      'crashkernel=1K is too small to hold a capture kernel',
    );
    expect(problems({ mechanism: 'kdump', crashkernel: `${MIN_CRASHKERNEL_BYTES / 1024 / 1024 - 1}M` })).toHaveLength(
      1,
    );
    expect(problems({ mechanism: 'kdump', crashkernel: `${MIN_CRASHKERNEL_BYTES / 1024 / 1024}M` })).toEqual([]);
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
