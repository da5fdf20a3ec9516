// The kernel command line across reboots (docs/kernel-behaviour.md §12): `boot` and `reboot` with
// a `cmdline`, parsed as the kernel parses it (next_arg(), early_fadump_param(),
// get_last_crashkernel()), and /proc/cmdline of the production and the capture kernels. Each log
// is replayed through the model and, where the simulator states the configuration, through
// src/sim/ too (up to a fallback to kdump, which it does not state).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { config as makeConfig, parseConfig, type ConfigInput } from '../src/config';
import { compareStep } from '../src/conform/conform';
import type { ExternalEvent } from '../src/events';
import { judgePath } from '../src/explore/suite';
import { stepJson, TextFormatter } from '../src/log/format';
import { formatLog, LogError, parseLog } from '../src/log/parse';
import {
  earlyFadumpParam,
  kdumpctlCmdline,
  kernelParams,
  lastCrashkernel,
  type KernelParam,
} from '../src/memory/cmdline';
import { formatDiff, modelRun, simRun } from '../src/sim/adapter';
import { get_last_crashkernel, parse_early_options } from '../src/sim/params';
import { crash, P, read, run, saveDump, write, type Run } from './support/story';

const DISTRO = 'BOOT_IMAGE=/boot/vmlinuz root=/dev/mapper/root ro';
const bootWith = (cmdline: string): ExternalEvent => ({ event: 'boot', cmdline });
const rebootWith = (cmdline: string): ExternalEvent => ({ event: 'reboot', cmdline });
const kdumpStart: ExternalEvent = { event: 'kdump-start' };
const kexecLoaded: ExternalEvent = { event: 'kexec-loaded' };

/** The model and the simulator agree on the log (up to a fallback to kdump); null when they do. */
function simDisagrees(input: ConfigInput, events: readonly ExternalEvent[]): string | null {
  const c = makeConfig(input);
  const v = judgePath(c, events, modelRun(c, events), simRun(c, events).steps);
  return v.kind === 'differs' ? formatDiff(c, events, v.diff) : null;
}

/** Replays through the model and checks the simulator agrees. */
function both(input: ConfigInput, events: readonly ExternalEvent[]): Run {
  expect(simDisagrees(input, events)).toBeNull();
  return run(input, events);
}

describe('fadump= as early_fadump_param() reads it', () => {
  const enabledAfter = (cmdline: string, input: ConfigInput = {}) =>
    read(both(input, [bootWith(cmdline)]).at(0), P.enabled);

  it('a line without fadump= boots with fadump off, whatever the configuration says', () => {
    expect(enabledAfter(`${DISTRO} quiet`)).toBe('0');
  });

  it('strncmp() prefixes: "onion" is on, "offset" is off, "yes" and a bare "fadump" change nothing', () => {
    expect(enabledAfter('ro fadump=onion')).toBe('1');
    expect(enabledAfter('ro fadump=on fadump=offset')).toBe('0');
    expect(enabledAfter('ro fadump=yes')).toBe('0');
    expect(enabledAfter('ro fadump=on fadump=yes')).toBe('1');
    expect(enabledAfter('ro fadump=on fadump')).toBe('1');
    expect(enabledAfter('ro fadump=on fadump=')).toBe('1');
  });

  it('the last fadump= that matches wins; "--" ends the kernel parameters; quotes are dropped', () => {
    expect(enabledAfter('ro fadump=off fadump=on')).toBe('1');
    expect(enabledAfter('ro fadump=on fadump=off')).toBe('0');
    expect(enabledAfter('ro fadump=on -- fadump=off')).toBe('1');
    expect(enabledAfter('ro "fadump=on"')).toBe('1');
    expect(enabledAfter('ro fadump="on"')).toBe('1');
  });

  it('fadump=nocma through a reboot: enabled, no CMA over the copy destination (/proc/meminfo)', () => {
    const r = both({}, [{ event: 'boot' }, rebootWith(`${DISTRO} fadump=nocma`)]);
    expect(r.at(0).meminfo?.CmaTotal).toBeGreaterThan(0);
    expect(read(r.at(1), P.enabled)).toBe('1');
    expect(read(r.at(1), P.registered)).toBe('1');
    expect(r.at(1).meminfo).toEqual({ CmaTotal: 0, CmaFree: 0 });
  });

  it('4.19 does not know nocma (a4e92ce8e4c8 came in 4.20): fadump stays off', () => {
    expect(enabledAfter('ro fadump=nocma', { kernel: '4.19' })).toBe('0');
    expect(enabledAfter('ro fadump=on fadump=nocma', { kernel: '4.19' })).toBe('1');
  });
});

describe('nr_cpus= through a reboot (nrcpus(), kernel/smp.c)', () => {
  const online = (cmdline: string) =>
    read(
      both({ cpus: 4, onlineCpus: 2 }, [{ event: 'boot' }, rebootWith(cmdline)]).at(1),
      '/sys/devices/system/cpu/online',
    );

  it('lowers the CPUs the next boot brings up; one after "--" goes to init, not the kernel', () => {
    expect(online('ro fadump=on')).toBe('0-1');
    expect(online('ro fadump=on nr_cpus=1')).toBe('0');
    expect(online('ro fadump=on nr_cpus=2 nr_cpus=1 nr_cpus=3')).toBe('0');
    expect(online('ro fadump=on -- nr_cpus=1')).toBe('0-1');
  });
});

describe("op-test's pattern as one log: change fadump=, reboot, crash, revert", () => {
  const fadumpLine = `${DISTRO} fadump=on crashkernel=1G`;
  const kdumpLine = `${DISTRO} fadump=off crashkernel=1G`;
  const events: ExternalEvent[] = [
    bootWith(fadumpLine),
    rebootWith(kdumpLine),
    kdumpStart,
    kexecLoaded,
    crash,
    saveDump,
    rebootWith(fadumpLine),
    crash,
    saveDump,
  ];
  const input: ConfigInput = { crashkernel: '1G' };

  it('fadump=off with crashkernel=: kdump reserves, kdumpctl loads, a crash goes to the kdump kernel', () => {
    const r = run(input, events);
    expect(read(r.at(1), P.enabled)).toBe('0');
    expect(read(r.at(1), '/sys/kernel/kexec_crash_size')).toBe(String(1024 * 1024 * 1024));
    expect(r.at(1).cmdline).toBe(kdumpLine);
    expect(read(r.at(3), '/sys/kernel/kexec_crash_loaded')).toBe('1');
    expect(r.at(4).running).toMatch(/kdump's capture kernel/);
    expect(r.at(4).outcome.kind).toMatch(/^captured/);
    // kdumpctl's prepare_cmdline(): crashkernel= and root= removed, ppc64le's parameters added.
    const kdumpCmdline = r.at(4).cmdline ?? '';
    expect(kdumpCmdline.startsWith('elfcorehdr=')).toBe(true);
    expect(kdumpCmdline).not.toMatch(/crashkernel=|root=/);
    expect(kdumpCmdline).toMatch(/ fadump=off .* nr_cpus=16 .* rd\.systemd\.gpt_auto=no$/);
  });

  it('reverted to fadump=on, the next crash is captured by fadump', () => {
    const r = run(input, events);
    expect(read(r.at(6), P.enabled)).toBe('1');
    expect(read(r.at(6), P.registered)).toBe('1');
    expect(r.at(6).cmdline).toBe(fadumpLine);
    expect(r.at(7).running).toMatch(/fadump's capture kernel/);
    expect(r.at(7).vmcore).not.toBeNull();
    expect(r.at(7).outcome.kind).toMatch(/^captured/);
    expect(r.at(7).cmdline).toMatch(new RegExp(`^${fadumpLine}`));
  });

  it('the simulator agrees up to the fallback to kdump, and on the fadump half on its own', () => {
    expect(simDisagrees(input, events)).toBeNull();
    expect(simDisagrees({}, [bootWith(fadumpLine), crash, saveDump, rebootWith(DISTRO), crash])).toBeNull();
  });

  it('a kdump configuration whose reboot turns fadump on runs fadump', () => {
    const r = run({ mechanism: 'kdump', crashkernel: '1G' }, [{ event: 'boot' }, rebootWith(fadumpLine)]);
    expect(read(r.at(0), P.enabled)).toBe('0');
    expect(read(r.at(1), P.enabled)).toBe('1');
    expect(read(r.at(1), P.registered)).toBe('1');
  });
});

describe('/proc/cmdline', () => {
  const line = 'console=hvc0 fadump=on panic=10';

  it('6.12\'s capture kernel: the stored line with bootargs_append\'s string, as "Updated cmdline" logs it', () => {
    const r = both({ kernel: '6.12' }, [bootWith(line), write(P.bootargsAppend, 'nr_cpus=1'), crash]);
    expect(r.at(0).cmdline).toBe(line);
    expect(r.at(2).cmdline).toBe(`${line} nr_cpus=1`);
    expect(r.at(2).console).toContain(`fadump: Updated cmdline: ${line} nr_cpus=1`);
  });

  it('an empty param area still appends " " (the real 6.12 shows the trailing space)', () => {
    const r = both({ kernel: '6.12' }, [bootWith(line), crash]);
    expect(r.at(1).cmdline).toBe(`${line} `);
  });

  it('6.1 appends nothing: its capture kernel has the stored line', () => {
    const r = both({ kernel: '6.1' }, [bootWith(line), crash]);
    expect(r.at(1).cmdline).toBe(line);
  });

  it('the stored line survives the crash, release_mem and a reboot without one', () => {
    const r = both({ kernel: '6.12' }, [
      bootWith(line),
      crash,
      saveDump,
      write(P.releaseMem, '1'),
      { event: 'reboot' },
    ]);
    expect(r.at(3).cmdline).toBe(`${line} `);
    expect(r.at(4).cmdline).toBe(line);
  });

  it('an appended nr_cpus= counts in the capture boot; an appended fadump= is not stated (§12)', () => {
    const r = both({ kernel: '6.12', cpus: 2 }, [
      bootWith(line),
      write(P.bootargsAppend, 'nr_cpus=1 fadump=off'),
      crash,
    ]);
    expect(r.at(2).cmdline).toBe(`${line} nr_cpus=1 fadump=off`);
    expect(r.at(2).outcome.kind).toMatch(/^captured/);
  });

  it("replay prints it when it differs from the configuration's own line, and --json has it always", () => {
    const r = run({}, [{ event: 'boot' }, rebootWith('ro fadump=on quiet')]);
    const text = new TextFormatter(r.replay.config);
    expect(text.step(r.at(0))).not.toContain('/proc/cmdline');
    expect(text.step(r.at(1))).toContain('  /proc/cmdline: ro fadump=on quiet');
    expect(stepJson(r.at(0))).toMatchObject({ cmdline: expect.stringMatching(/^BOOT_IMAGE=.* fadump=on$/) });
    expect(stepJson(r.at(1))).toMatchObject({ cmdline: 'ro fadump=on quiet' });
  });

  it('conform compares it with a transcript', () => {
    const o = run({}, [bootWith(line)]).at(0);
    const step = {
      step: 1,
      event: bootWith(line),
      errno: null,
      said: null,
      ms: 0,
      observed: {
        boot: 'normal' as const,
        files: Object.fromEntries(Object.entries(o.sysfs)),
        vmcore: null,
        cmdline: `${line} quiet`,
        meminfo: {},
        memoryBlockBytes: 0,
        memoryBlocksOnline: 0,
        console: [],
      },
    };
    expect(compareStep(o, null, [], step).map((d) => d.field)).toEqual(['cmdline']);
  });
});

describe('a command line the configuration refuses is refused when the log is read', () => {
  it('a crashkernel= that parse_crashkernel() refuses whatever the RAM: the line and the field', () => {
    const text = formatLog({}, [{ event: 'boot' }, rebootWith('ro fadump=off crashkernel=32Q')]);
    expect(() => parseLog(text, 'x.jsonl')).toThrow(LogError);
    try {
      parseLog(text, 'x.jsonl');
    } catch (e) {
      expect(String(e)).toMatch(/x\.jsonl:3.*cmdline.*crashkernel=32Q.*unrecognized char: Q/s);
    }
  });

  it('rebootCmdlines: at most 4, each validated', () => {
    const bad = parseConfig({ rebootCmdlines: ['ro crashkernel=1T-'] });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues[0]?.path).toBe('rebootCmdlines.0');
    expect(parseConfig({ rebootCmdlines: ['a', 'b', 'c', 'd', 'e'] }).ok).toBe(false);
    const good = parseConfig({ rebootCmdlines: ['ro fadump=nocma'] });
    expect(good.ok && good.config.name).toMatch(/reboot-cmdlines=\[fadump=nocma\]#[0-9a-f]{8}/);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties of the parsers, and src/sim/'s own statement of them against src/memory/cmdline.ts

/** A line of the characters that matter to next_arg(): letters, '=', '"', spaces, "--". */
const lineArb = fc
  .array(fc.constantFrom('a', 'b', 'fadump', 'on', 'off', 'nocma', '=', '"', ' ', '  ', '\t', '--', '-', '_', ','), {
    maxLength: 24,
  })
  .map((parts) => parts.join(''));

describe('the tokeniser and the parsers (fast-check)', () => {
  it('next_arg(): src/memory/cmdline.ts and src/sim/params.ts give the same parameters on any line', () => {
    fc.assert(
      fc.property(lineArb, (line) => {
        const sim: KernelParam[] = [];
        parse_early_options(line, (param, val) => sim.push({ param, val }));
        expect(kernelParams(line)).toEqual(sim);
      }),
      { numRuns: 2000 },
    );
  });

  it('space-separated name=value tokens without quotes come back as written', () => {
    const token = fc.tuple(fc.stringMatching(/^[a-z_.]{1,8}$/), fc.option(fc.stringMatching(/^[a-z0-9,=]{0,8}$/)));
    fc.assert(
      fc.property(fc.array(token, { maxLength: 8 }), fc.constantFrom(' ', '  ', '\t'), (tokens, sep) => {
        const line = tokens.map(([p, v]) => (v === null ? p : `${p}=${v}`)).join(sep);
        expect(kernelParams(line)).toEqual(tokens.map(([param, val]) => ({ param, val })));
      }),
    );
  });

  it('fadump=: the last matching value wins, nocma stays once seen', () => {
    const value = fc.constantFrom('on', 'off', 'nocma', 'onion', 'offset', 'yes', '1', '', null);
    fc.assert(
      fc.property(fc.array(value, { maxLength: 6 }), (values) => {
        const line = ['ro', ...values.map((v) => (v === null ? 'fadump' : `fadump=${v}`))].join(' ');
        let enabled = false;
        let nocma = false;
        for (const v of values) {
          if (v === null) continue;
          if (v.startsWith('on')) enabled = true;
          else if (v.startsWith('off')) enabled = false;
          else if (v.startsWith('nocma')) [enabled, nocma] = [true, true];
        }
        expect(earlyFadumpParam(line, true)).toBe(!enabled ? 'off' : nocma ? 'nocma' : 'on');
      }),
    );
  });

  it('get_last_crashkernel(): both statements agree, and ",high"/",low" ones are skipped', () => {
    const part = fc.constantFrom(
      'crashkernel=1G',
      'crashkernel=2G,high',
      'crashkernel=256M,low',
      'x',
      ' ',
      '"',
      'crashkernel=',
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 8 }), (parts) => {
        const line = parts.join('');
        expect(lastCrashkernel(line)).toBe(get_last_crashkernel(line));
      }),
    );
    expect(lastCrashkernel('ro crashkernel=1G crashkernel=4G,high')).toBe('1G');
    expect(lastCrashkernel('ro crashkernel=512M crashkernel=1G')).toBe('1G');
    expect(lastCrashkernel('ro')).toBeNull();
  });

  it("kdumpctl's line never has crashkernel= or root=, and ends with rd.systemd.gpt_auto=no", () => {
    fc.assert(
      fc.property(lineArb, fc.constantFrom('crashkernel=1G', 'root=/dev/sda', 'quiet', 'fadump=on'), (line, extra) => {
        const out = kdumpctlCmdline(`${line} ${extra}`);
        expect(out.split(' ').some((w) => /^(crashkernel|root|quiet)(=|$)/.test(w))).toBe(false);
        expect(out.endsWith('rd.systemd.gpt_auto=no')).toBe(true);
      }),
    );
  });
});
