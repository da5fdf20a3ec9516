// The lab's shell (set-up, the guest's init and agent, the fake guest of the driver's tests) passes
// shellcheck, Debian's package, which .ci/run installs.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const HAVE_SHELLCHECK = spawnSync('shellcheck', ['--version']).status === 0;
const root = join(__dirname, '..');

describe.skipIf(!HAVE_SHELLCHECK)("the lab's shell scripts pass shellcheck", () => {
  for (const [file, shell] of [
    ['lab/setup.sh', 'bash'],
    ['lab/guest/init', 'sh'],
    ['lab/guest/agent', 'sh'],
    ['test/support/fake-guest.sh', 'sh'],
  ] as const) {
    it(file, () => {
      const r = spawnSync('shellcheck', ['-s', shell, join(root, file)], { encoding: 'utf8' });
      expect(r.stdout + r.stderr).toBe('');
      expect(r.status).toBe(0);
    });
  }
});
