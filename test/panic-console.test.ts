// The crashing kernel's own lines per crash step (src/sysfs/panic.ts): what `replay` and its
// --json show for `echo c > /proc/sysrq-trigger` on the fadump path, the kdump path and with
// nothing armed, as QA greps for them (QEMU's tests/functional/ppc64/test_fadump.py waits for
// "Kernel panic - not syncing: sysrq triggered crash").
import { describe, expect, it } from 'vitest';
import { parseLog } from '../src/log/parse';
import { replay } from '../src/log/replay';
import { KDUMP_DEFERRED_LINES, panicTimeout } from '../src/sysfs/panic';
import { dyingLines } from '../src/lab/observe';
import { compareStep } from '../src/conform/conform';

function crashStep(text: string): { panic: string[]; console: string[] } {
  const log = parseLog(text);
  const r = replay(log.config, log.entries);
  const s = r.steps.find((x) => x.event.event === 'crash');
  if (s === undefined) throw new Error('no crash step');
  return { panic: s.panic, console: s.console };
}

const PANIC = ['sysrq: Trigger a crash', 'Kernel panic - not syncing: sysrq triggered crash'];

describe('the crashing kernel logs sysrq and panic lines, then the hand-over', () => {
  for (const kernel of ['6.1', '6.12']) {
    it(`fadump (${kernel}): the two lines, then the firmware takes over silently; the capture boot's lines follow`, () => {
      const s = crashStep(
        `{"config":{"platform":"pseries","kernel":"${kernel}"}}\n{"event":"boot"}\n{"event":"crash"}\n`,
      );
      expect(s.panic).toEqual(PANIC);
      expect(s.console).toContain('rtas fadump: Firmware-assisted dump is active.');
    });
    it(`kdump (${kernel}): panic()'s lines only on the console`, () => {
      const s = crashStep(
        `{"config":{"platform":"pseries","kernel":"${kernel}","mechanism":"kdump","crashkernel":"512M"}}\n{"event":"boot"}\n{"event":"kexec-load"}\n{"event":"kexec-loaded"}\n{"event":"crash"}\n`,
      );
      // crash_kexec_prepare_cpus()'s and default_machine_kexec()'s lines are printed deferred: log
      // buffer only, not the console.
      expect(s.panic).toEqual(PANIC);
      for (const l of KDUMP_DEFERRED_LINES) expect(s.panic).not.toContain(l);
    });
  }
  it('nothing armed, panic=10: "Rebooting in 10 seconds.."', () => {
    const s = crashStep(
      `{"config":{"platform":"pseries","fadump":"off","cmdline":"console=hvc0 fadump=off panic=10"}}\n{"event":"boot"}\n{"event":"crash"}\n`,
    );
    expect(s.panic).toEqual([...PANIC, 'Rebooting in 10 seconds..']);
  });
  it('nothing armed, no panic=: the closing "---[ end Kernel panic" line', () => {
    const s = crashStep(`{"config":{"platform":"pseries","fadump":"off"}}\n{"event":"boot"}\n{"event":"crash"}\n`);
    expect(s.panic).toEqual([...PANIC, '---[ end Kernel panic - not syncing: sysrq triggered crash ]---']);
  });
  it('a release before 6.1 shows none (its sysrq crash was an Oops; not modelled)', () => {
    const s = crashStep(`{"config":{"platform":"pseries","kernel":"5.4"}}\n{"event":"boot"}\n{"event":"crash"}\n`);
    expect(s.panic).toEqual([]);
  });
  it("a dump restart (QEMU nmi) with nothing armed: die()'s Oops and trace end, then nmi_panic(); fadump takes it silently (both seen on 6.1.176 and 6.12.107)", () => {
    const at = (registered: boolean) => {
      const writes = registered ? '' : '{"event":"write","path":"/sys/kernel/fadump/registered","value":"0\\n"}\n';
      const log = parseLog(
        `{"config":{"platform":"pseries","kernel":"6.12","firmware":"qemu","cmdline":"console=hvc0 fadump=on panic=10"}}\n{"event":"boot"}\n${writes}{"event":"dump-restart"}\n`,
      );
      const s = replay(log.config, log.entries).steps.find((x) => x.event.event === 'dump-restart');
      if (s === undefined) throw new Error('no dump-restart step');
      return s.panic;
    };
    expect(at(false)).toEqual([
      'Oops: System Reset, sig: 6 [#1]',
      '---[ end trace 0000000000000000 ]---',
      'Kernel panic - not syncing: System Reset',
    ]);
    expect(at(true)).toEqual([]);
  });
  it('panic= is the last one given; negative reboots at once', () => {
    expect(panicTimeout('a panic=5 b panic=-1')).toBe(-1);
    expect(panicTimeout('nopanic=3')).toBe(0);
    expect(panicTimeout('panic=30')).toBe(30);
  });
});

describe("the lab keeps the crashing kernel's console lines, and conform compares them", () => {
  it('dyingLines(): timestamped lines until the clock goes back, firmware output left out', () => {
    const raw = [
      '@@7> 0',
      '[   12.345678] sysrq: Trigger a crash',
      '[   12.345700] Kernel panic - not syncing: sysrq triggered crash',
      '[   12.345800] CPU: 0 PID: 95 Comm: sh Not tainted 6.12.107 #1',
      'SLOF **********************************************************************',
      '[    0.000000] rtas fadump: Firmware-assisted dump is active.',
    ].join('\r\n');
    expect(dyingLines(raw)).toEqual([
      'sysrq: Trigger a crash',
      'Kernel panic - not syncing: sysrq triggered crash',
      'CPU: 0 PID: 95 Comm: sh Not tainted 6.12.107 #1',
    ]);
  });
  it('dyingLines(): a dying kernel that printed nothing (fadump took a dump restart) leaves none: the next kernel starts at 0', () => {
    const raw = [
      '@@7> 0',
      '[    0.000000] rtas fadump: Firmware-assisted dump is active.',
      '[    0.000000] fadump: Firmware-assisted dump is active.',
    ].join('\r\n');
    expect(dyingLines(raw)).toEqual([]);
  });
  it('compareStep(): each model line among the recorded ones, in order; none compared without a record', () => {
    const log = parseLog(`{"config":{"platform":"pseries","kernel":"6.12"}}\n{"event":"boot"}\n{"event":"crash"}\n`);
    const r = replay(log.config, log.entries);
    const s = r.steps[1];
    if (s === undefined) throw new Error('no crash step');
    const observed = {
      boot: 'capture' as const,
      files: {},
      vmcore: null,
      cmdline: '',
      meminfo: {},
      memoryBlockBytes: 0,
      memoryBlocksOnline: 0,
      console: s.console,
    };
    const step = (panic?: string[]) => ({
      step: 2,
      event: { event: 'crash' as const },
      errno: null,
      said: null,
      observed: panic === undefined ? observed : { ...observed, panic },
      ms: 0,
    });
    const fields = (panic?: string[]) =>
      compareStep(s, s.errno, s.console, step(panic), s.panic)
        .map((x) => x.field)
        .filter((f) => f.startsWith('panic'));
    expect(fields()).toEqual([]);
    expect(fields(['sysrq: Trigger a crash', 'CPU: 0', 'Kernel panic - not syncing: sysrq triggered crash'])).toEqual(
      [],
    );
    expect(fields(['Kernel panic - not syncing: sysrq triggered crash', 'sysrq: Trigger a crash'])).toEqual([
      'panic[1]',
    ]);
    expect(fields(['sysrq: Trigger a crash'])).toEqual(['panic[1]']);
  });
});
