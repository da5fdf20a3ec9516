// The lab CLI's flags and paths files as a user gives them (src/cli/lab.ts): every bad one is
// refused with exit 2 and a message naming the flag, or the file, line and field, before any
// guest starts (the fake lab's QEMU, test/support/fake-guest.sh, is never launched here).
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/lab';

const lab = mkdtempSync(join(tmpdir(), 'fadump-lab-cli-'));

beforeAll(() => {
  process.env.FADUMP_LAB = lab;
  mkdirSync(join(lab, 'qemu'), { recursive: true });
  copyFileSync(join(__dirname, 'support', 'fake-guest.sh'), join(lab, 'qemu', 'run'));
  chmodSync(join(lab, 'qemu', 'run'), 0o755);
  mkdirSync(join(lab, 'kernels', '6.1-64k'), { recursive: true });
  writeFileSync(join(lab, 'kernels', '6.1-64k', 'vmlinux'), 'not a kernel');
  writeFileSync(join(lab, 'kernels', '6.1-64k', 'version'), 'Linux version 6.1.0-fake (test)');
  mkdirSync(join(lab, 'guest'), { recursive: true });
  writeFileSync(join(lab, 'guest', 'busybox'), 'not busybox');
});
afterAll(() => {
  delete process.env.FADUMP_LAB;
  rmSync(lab, { recursive: true, force: true });
});

/** Runs `npm run lab -- ARGS`; its exit code and what it wrote to stderr and stdout. */
async function lab_(...args: string[]): Promise<{ code: number; err: string; out: string }> {
  let err = '';
  let out = '';
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    err += String(s);
    return true;
  });
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  try {
    return { code: await main(args), err, out };
  } finally {
    e.mockRestore();
    o.mockRestore();
  }
}

const file = (name: string, text: string): string => {
  const f = join(lab, name);
  writeFileSync(f, text);
  return f;
};
const boot = '{"name":"p","events":[{"event":"boot"}]}\n';

describe('lab run refuses bad flags and paths files before any guest starts', () => {
  const run = (...a: string[]) => lab_('run', '--kernel', '6.1-64k', '--out', join(lab, 'out'), ...a);

  it('a missing paths file: exit 2 naming it', async () => {
    const r = await run('--paths', join(lab, 'nonexistent.jsonl'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^lab: .*nonexistent\.jsonl: cannot read \(ENOENT\)\n$/);
  });

  it('a directory as the paths file: exit 2, EISDIR, no stack trace', async () => {
    const r = await run('--paths', tmpdir());
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot read \(EISDIR: it is a directory\)/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('a flag where the paths file goes: exit 2, it looks like a flag', async () => {
    const r = await lab_('run', '--paths', '--kernel', '6.1-64k');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/'--kernel' looks like a flag: --paths needs a value of its own/);
  });

  it('an empty paths file: exit 2, it says so', async () => {
    const r = await run('--paths', file('empty.jsonl', '# nothing yet\n\n'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/empty\.jsonl: no paths in it/);
  });

  it('--out an existing regular file: exit 2 before the run', async () => {
    const r = await lab_('run', '--kernel', '6.1-64k', '--paths', file('one.jsonl', boot), '--out', file('f', 'x'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^lab: --out .*\/f: not a directory/);
  });

  it('--max-paths without --paths generated: exit 2', async () => {
    const r = await run('--paths', file('one.jsonl', boot), '--max-paths', '5');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--max-paths: only with --paths generated/);
  });

  it("a path's bad crashkernel=: exit 2 naming the file, line and field, and nothing recorded", async () => {
    const bad =
      boot + '{"name":"ck","guest":{"cmdline":"console=hvc0 fadump=on crashkernel=abc"},"events":[{"event":"boot"}]}\n';
    const r = await run('--paths', file('ck.jsonl', bad));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /^lab: .*ck\.jsonl:2: field 'guest\.cmdline': the model takes no such guest: crashkernel: memory value expected/,
    );
    expect(r.err).not.toMatch(/built-in|crashkernel: crashkernel:/);
    // Nothing recorded, and no --out folder made for it.
    expect(existsSync(join(lab, 'out')) ? readdirSync(join(lab, 'out')) : []).toEqual([]);
  });
});

describe('lab counterexamples checks its flags as lab run does', () => {
  it('--max-minutes abc: exit 2 before any guest starts', async () => {
    const r = await lab_('counterexamples', '--max-minutes', 'abc', '--out', join(lab, 'cx'));
    expect(r.code).toBe(2);
    expect(r.err).toBe('lab: --max-minutes: a positive number\n');
  });

  it('--from without --write is refused, and --out or --max-minutes with it', async () => {
    const from = await lab_('counterexamples', '--from', join(lab, 'cx'));
    expect(from.code).toBe(2);
    expect(from.err).toMatch(/^lab: --from: only with --write/);
    const out = await lab_('counterexamples', '--write', '--out', join(lab, 'cx'));
    expect(out.code).toBe(2);
    expect(out.err).toMatch(/^lab: --out: only without --write/);
  });

  it('a flag where a value goes: exit 2', async () => {
    const r = await lab_('counterexamples', '--max-minutes', '--out', 'x');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/'--out' looks like a flag: --max-minutes needs a value of its own \(--max-minutes N\)/);
  });
});

/** The processes whose command line names this test's fake QEMU (test/support/fake-guest.sh). */
function fakeQemus(): string[] {
  const qemu = join(lab, 'qemu', 'run');
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(join('/proc', d, 'cmdline'), 'utf8').includes(qemu);
      } catch {
        return false;
      }
    });
}

describe('stopping lab run', () => {
  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)
    it(`${signal} stops the guest under way (no QEMU left), keeps the transcript that finished, exits ${code}`, async () => {
      const out = join(lab, `stop-${signal}`);
      const paths = file(
        `stop-${signal}.jsonl`,
        '{"name":"done","events":[{"event":"boot"}]}\n' +
          `${JSON.stringify({ name: `hangs-${signal.toLowerCase()}`, events: [{ event: 'boot' }, { event: 'write', path: '/sys/kernel/fadump/hang', value: '1\n' }] })}\n`,
      );
      const console = join(lab, 'run', `pseries-6.1-64k-hangs-${signal.toLowerCase()}.console`);
      const running = lab_('run', '--kernel', '6.1-64k', '--jobs', '1', '--paths', paths, '--out', out);
      const t0 = Date.now();
      // The guest answered the boot's observation (obs: @@1) and the write's put (@@2); the write
      // (@@3) never answers.
      try {
        while (!(existsSync(console) && readFileSync(console, 'utf8').includes('@@2>'))) {
          if (Date.now() - t0 > 30_000) throw new Error('the fake guest did not start the hanging path');
          await new Promise((r) => setTimeout(r, 100));
        }
        await new Promise((r) => setTimeout(r, 300));
        expect(fakeQemus()).not.toEqual([]);
      } finally {
        process.emit(signal, signal);
      }
      const r = await running;
      expect(r.code).toBe(code);
      expect(r.err).toMatch(new RegExp(`lab: ${signal}: stopping the guests`));
      expect(readdirSync(out)).toEqual(['pseries-6.1-64k-done.jsonl']);
      expect(fakeQemus()).toEqual([]);
      expect(Date.now() - t0).toBeLessThan(20_000);
    }, 60_000);
});

describe('a resumed lab run and an edited path', () => {
  it('runs an unchanged path once, and refuses a recorded one whose events or guest changed', async () => {
    const out = join(lab, 'resume');
    const w = { event: 'write', path: '/sys/kernel/fadump/registered', value: '1\n' };
    const paths = file('resume.jsonl', `${JSON.stringify({ name: 'edited', events: [{ event: 'boot' }, w] })}\n`);
    const run = () => lab_('run', '--kernel', '6.1-64k', '--paths', paths, '--out', out);
    const first = await run();
    expect(first.code).toBe(0);
    expect(readdirSync(out)).toEqual(['pseries-6.1-64k-edited.jsonl']);
    const again = await run();
    expect(again.code).toBe(0);
    expect(again.err).toMatch(/1 already recorded \(skipped\), 0 to run/);

    file(
      'resume.jsonl',
      `${JSON.stringify({ name: 'edited', events: [{ event: 'boot' }, { ...w, value: '0\n' }] })}\n`,
    );
    const events = await run();
    expect(events.code).toBe(2);
    expect(events.err).toMatch(
      /^lab: .*resume\/pseries-6\.1-64k-edited\.jsonl: recorded for path "edited" as it was, not as .*resume\.jsonl:1 gives it now: event 2 was .*"value":"1\\n".*, the path has .*"value":"0\\n"/,
    );
    expect(events.err).toMatch(/delete the transcript .* or give the edited path a new name/);

    file(
      'resume.jsonl',
      `${JSON.stringify({ name: 'edited', guest: { cmdline: 'console=hvc0 fadump=on' }, events: [{ event: 'boot' }, w] })}\n`,
    );
    const guest = await run();
    expect(guest.code).toBe(2);
    expect(guest.err).toMatch(
      /the guest's cmdline was "console=hvc0 fadump=on panic=10", the path's guest has "console=hvc0 fadump=on"/,
    );
  }, 60_000);
});
