// scripts/profile.ts (README "Where the time goes"): its summary of a .cpuprofile, and its exit
// when the reader of that summary goes away.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { selfTimes } from '../scripts/profile';

/** A V8 CPU profile of `n` functions f0..f(n-1) under a root, function k sampled k + 1 times, 1 ms each. */
function profileOf(n: number) {
  const nodes = [
    {
      id: 1,
      callFrame: { functionName: '(root)', url: '', lineNumber: -1 },
      children: Array.from({ length: n }, (_, k) => k + 2),
    },
    ...Array.from({ length: n }, (_, k) => ({
      id: k + 2,
      callFrame: { functionName: `f${k}`, url: 'file:///repo/src/x.ts', lineNumber: k },
    })),
  ];
  const samples = Array.from({ length: n }, (_, k) => Array<number>(k + 1).fill(k + 2)).flat();
  return { nodes, startTime: 0, endTime: samples.length * 1000, samples, timeDeltas: samples.map(() => 1000) };
}

describe('scripts/profile.ts summary', () => {
  it('self time by function, most first', () => {
    const rows = selfTimes(profileOf(3), '/repo/');
    expect(rows.map((r) => [r.name, r.ms])).toEqual([
      ['f2', 3],
      ['f1', 2],
      ['f0', 1],
    ]);
  });

  it('a reader that goes away (summary | true): exit 141, no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'profile-'));
    const file = join(dir, 'big.cpuprofile');
    // The reader is gone before the script writes (true reads nothing): its first write fails (EPIPE).
    writeFileSync(file, JSON.stringify(profileOf(1000)));
    const p = spawnSync(
      'bash',
      [
        '-c',
        `"${process.execPath}" --import tsx scripts/profile.ts summary "${file}" --top 1000 | true; echo "exit=\${PIPESTATUS[0]}"`,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    rmSync(dir, { recursive: true, force: true });
    expect(p.stdout.trim()).toBe('exit=141');
    expect(p.stderr).toBe('');
  });
});
