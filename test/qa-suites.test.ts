// The two public QA suites' fadump scenarios, each as one event log (examples/qa/, listed with
// what each suite asserts in examples/qa/README.md): op-test's testcases/OpTestKernelDump.py
// (open-power/op-test) and QEMU's tests/functional/ppc64/test_fadump.py. Each log is replayed
// through the model, and through the simulator where it is comparable; each test asserts what its
// suite asserts, then the model's stronger claim (the dump outcome, the kernel's exact lines, a
// stale vmcore where the suite only checks that a vmcore file exists).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Config } from '../src/config';
import { comparability, judgePath } from '../src/explore/suite';
import { parseLog } from '../src/log/parse';
import { replay, type Replay, type ReplayStep } from '../src/log/replay';
import { formatDiff, modelRun, simRun } from '../src/sim/adapter';

const DIR = 'examples/qa';

interface Qa {
  config: Config;
  r: Replay;
}

function load(name: string): Qa {
  const log = parseLog(readFileSync(join(DIR, `${name}.jsonl`), 'utf8'), name);
  return { config: log.config, r: replay(log.config, log.entries) };
}

/** The n-th (0-based) step whose event is `event`. */
function nth(r: Replay, event: string, n = 0): ReplayStep {
  const s = r.steps.filter((x) => x.event.event === event)[n];
  if (s === undefined) throw new Error(`no ${event} #${n}`);
  return s;
}

const file = (s: ReplayStep, p: string): string | null | undefined => s.sysfs[p];
const REG = '/sys/kernel/fadump/registered';
const PANIC = 'Kernel panic - not syncing: sysrq triggered crash';

/** verify_dump_file(): a new crash directory holding a vmcore. The model's form: the capture
 *  kernel exports /proc/vmcore after the crash and kdump's save of it is accepted. */
function expectDumpSaved(r: Replay, n = 0): void {
  expect(nth(r, 'crash', n).vmcore, `crash #${n} exports /proc/vmcore`).not.toBeNull();
  expect(nth(r, 'save-dump', n).accepted, `save-dump #${n}`).toBe(true);
}

/** The model's stronger claim: the vmcore describes the crashed kernel's memory exactly. */
function expectAccurate(r: Replay, n = 0): void {
  expect(nth(r, 'crash', n).outcome.kind, `crash #${n}`).toBe('captured-accurate');
}

/** Model and simulator agree at every step (fadump logs; the simulator states only fadump). */
function expectSimAgrees(q: Qa, name: string): void {
  const log = parseLog(readFileSync(join(DIR, `${name}.jsonl`), 'utf8'), name);
  const events = log.entries.map((e) => e.event);
  if (!comparability(q.config).compared) return;
  const v = judgePath(q.config, events, modelRun(q.config, events), simRun(q.config, events).steps);
  expect(v.kind === 'differs' ? formatDiff(q.config, events, v.diff) : null).toBeNull();
}

// ---- The dump target (htarget): op-test's KernelCrash_Kdump{NFS,SSH,SAN,PMEM} ----
// op-test waits for "saving vmcore complete" on the console (kernel_crash()), then
// verify_dump_file() finds a new dated directory holding a `vmcore*` (dump_place "net": on the
// dump server, over ssh). The model's claim: where kdump.sh writes it (src/dump-target.ts,
// docs/kernel-behaviour.md §5 "The dump target"), the dump accurate.
function expectSavedOnTarget(r: Replay, vmcore: string): void {
  expectDumpSaved(r);
  const save = nth(r, 'save-dump');
  expect(save.service).toContain('kdump: saving vmcore complete');
  expect(save.service.at(-1)).toMatch(/^kdump: saved /);
  expect(save.service.at(-1)?.endsWith(vmcore)).toBe(true);
  expect(save.outcome.kind).toBe('captured-accurate');
  expectAccurate(r);
}

const TARGET_SCENARIOS: Record<string, (q: Qa) => void> = {
  // nfs server:/path mounted on /var/crash, `path /`: /kdumproot/var/crash/<HOST_IP>-<date>/.
  'optest-kdump-nfs': ({ r }) => expectSavedOnTarget(r, '/kdumproot/var/crash/<host-ip>-<date>/vmcore'),
  // ssh: makedumpfile -F, the flattened file renamed vmcore.flat on the server (matches vmcore*).
  'optest-kdump-ssh': ({ r }) => expectSavedOnTarget(r, 'root@<server>:/var/crash/<host-ip>-<date>/vmcore.flat'),
  // `<fs> <dev>1` mounted on /var/crash, `path /`: HOST_IP 127.0.0.1 (no network target).
  'optest-kdump-san': ({ r }) => expectSavedOnTarget(r, '/kdumproot/var/crash/127.0.0.1-<date>/vmcore'),
  'optest-kdump-pmem': ({ r }) => expectSavedOnTarget(r, '/kdumproot/var/crash/127.0.0.1-<date>/vmcore'),
};
// ---- end of the dump target's block ----

const SCENARIOS: Record<string, (q: Qa) => void> = {
  ...TARGET_SCENARIOS,
  // QEMU tests/functional/ppc64/test_fadump.py do_test_fadump(): console patterns, then `stat /proc/vmcore`.
  'qemu-fadump-pseries': ({ r }) => qemuPseries(r),
  'qemu-fadump-pseries-kvm': ({ r }) => qemuPseries(r),
  'qemu-fadump-powernv': ({ r }) => {
    // Skipped upstream ("PowerNV Fadump not supported yet"): the model's claim only.
    const crash = nth(r, 'crash');
    expect(crash.panic).toContain(PANIC);
    expect(crash.console).toContain('fadump: Firmware-assisted dump is active.');
    expect(crash.console.some((l) => l.startsWith('rtas fadump:'))).toBe(false);
    expect(crash.vmcore).not.toBeNull();
    expectAccurate(r);
  },
  'optest-fadump-enable-pseries': ({ r }) => {
    // verify_fadump_unreg() / verify_fadump_reg(): registered reads 0, then 1.
    expect(file(nth(r, 'write', 0), REG)).toBe('0');
    expect(file(nth(r, 'write', 1), REG)).toBe('1');
    expectDumpSaved(r);
    expect(nth(r, 'write', 1).console).toEqual(['rtas fadump: Registration is successful!']);
    expectAccurate(r);
  },
  'optest-fadump-enable-powernv': ({ r }) => {
    expect(file(nth(r, 'write', 0), REG)).toBe('0');
    expect(file(nth(r, 'write', 1), REG)).toBe('1');
    // The suite greps dmesg for "fadump: Registering for firmware-assisted kernel dump": register_fadump()
    // logs it with pr_debug (arch/powerpc/kernel/fadump.c), absent without dynamic debug [I].
    expect(nth(r, 'write', 1).console.some((l) => l.includes('Registering for firmware-assisted'))).toBe(false);
    expectDumpSaved(r);
    // verify_dump_file(MPIPL): an opalcore beside the vmcore; the model's /sys/firmware/opal/mpipl/core.
    expect(file(nth(r, 'crash'), '/sys/firmware/opal/mpipl/core')).toBeTruthy();
    expectAccurate(r);
  },
  'optest-kdump-only': ({ r }) => {
    expectDumpSaved(r);
    // The kdump hand-over's own lines are printed deferred (src/sysfs/panic.ts): not on the console.
    expect(nth(r, 'crash').panic).toEqual(['sysrq: Trigger a crash', PANIC]);
    expectAccurate(r);
  },
  'optest-disable-all': ({ r }) => {
    // boot_type must be NORMAL: no dump kernel boots.
    const crash = nth(r, 'crash');
    expect(crash.running).toMatch(/^production kernel/);
    expect(crash.vmcore).toBeNull();
    expect(crash.panic).toEqual(['sysrq: Trigger a crash', PANIC, 'Rebooting in 10 seconds..']);
    expect(crash.outcome.kind).toBe('not-armed');
  },
  'optest-kdump-smt': ({ r }) => {
    for (let i = 0; i < 4; i++) {
      expectDumpSaved(r, i);
      expectAccurate(r, i);
    }
  },
  'optest-kdump-dlpar': ({ r }) => {
    for (let i = 0; i < 4; i++) {
      expectDumpSaved(r, i);
      expectAccurate(r, i);
    }
  },
  'optest-kdump-dlpar-at-registration': ({ r }) => {
    // The suite only checks that each crash leaves a vmcore: it does, every time.
    for (let i = 0; i < 4; i++) expectDumpSaved(r, i);
    // The model: after a CPU add or remove the dump is accurate; after memory hotplug, with the
    // elfcorehdr built at registration (before 6.10) and the crash before the udev rule's
    // kdumpctl reload, the vmcore is stale (docs/kernel-behaviour.md §4).
    expectAccurate(r, 0);
    expectAccurate(r, 1);
    expect(nth(r, 'crash', 2).outcome.kind).toBe('captured-stale');
    expect(nth(r, 'crash', 3).outcome.kind).toBe('captured-stale');
  },
  'optest-kdump-workload': ({ r }) => basicFadump(r),
  'optest-perf': ({ r }) => basicFadump(r),
  'optest-makedump': ({ r }) => basicFadump(r),
  'optest-measure-makedump-time': ({ r }) => basicFadump(r),
  'optest-xive-off': ({ r }) => basicFadump(r),
  'optest-disable-radix': ({ r }) => basicFadump(r),
  'optest-hugepage-checks': ({ r }) => basicFadump(r),
  'optest-hugepage-16g-16m': ({ r }) => basicFadump(r),
  'optest-fadump-cma-check': ({ r }) => {
    // check_boot_log_for_fadump_error(): no "Failed to init cma area for firmware-assisted dump".
    const boot = nth(r, 'boot');
    expect(boot.console.some((l) => /fadump:\s*Failed to init cma area/.test(l))).toBe(false);
    // The model: the CMA line fadump_cma_init() logs instead, and CmaTotal.
    expect(boot.console.some((l) => /^fadump: Initialized .* cma area/.test(l))).toBe(true);
    expect(boot.meminfo?.CmaTotal).toBeGreaterThan(0);
  },
  'optest-fadump-nocma': ({ r }) => {
    expectDumpSaved(r);
    const boot = nth(r, 'boot');
    expect(boot.console.some((l) => l.includes('cma area'))).toBe(false);
    expect(boot.meminfo?.CmaTotal ?? 0).toBe(0);
    expectAccurate(r);
  },
  'optest-fadump-off-value-rhel': ({ r }) => {
    // fadump_registered must not read 1; on RHEL kdump takes the dump.
    expect(file(nth(r, 'boot'), '/sys/kernel/fadump_registered')).not.toBe('1');
    expectDumpSaved(r);
    expect(nth(r, 'crash').running).toMatch(/^kdump's capture kernel/);
    expectAccurate(r);
  },
  'optest-kdump-kernel-switch': ({ r }) => {
    expectDumpSaved(r);
    expect(nth(r, 'crash').running).toMatch(/^kdump's capture kernel/);
    expectAccurate(r);
  },
  'optest-low-crashkernel': ({ r }) => {
    expectDumpSaved(r);
    expectAccurate(r);
  },
};

// ---- hqa2: the scenarios that needed the merged vocabulary (boot/reboot cmdline, kdumpEnabled,
// distro, fadumpCommandlineAppend, kdump-restart, dump-restart, watchdog-reset action, mpipl,
// petitboot-crash, crashkernel= syntax). ----
const KDUMP_RUNS = /^kdump's capture kernel/;
const FADUMP_RUNS = /^fadump's capture kernel/;

/** A dump restart (§13.4) `n` times, each captured, saved and accurate; no sysrq/panic lines. */
function dumpRestarts(r: Replay, times: number): void {
  for (let i = 0; i < times; i++) {
    const s = nth(r, 'dump-restart', i);
    expect(s.vmcore, `dump-restart #${i}`).not.toBeNull();
    expect(nth(r, 'save-dump', i).accepted).toBe(true);
    expect(s.outcome.kind, `dump-restart #${i}`).toBe('captured-accurate');
    // system_reset_exception() goes to crash_fadump()/crash_kexec() before die(): no sysrq or
    // panic line on the crashing kernel's console (arch/powerpc/kernel/traps.c).
    expect(s.panic, `dump-restart #${i}`).toEqual([]);
    if (FADUMP_RUNS.test(s.running))
      expect(s.console, `dump-restart #${i}`).toContain('rtas fadump: Firmware-assisted dump is active.');
  }
}

/** The capture kernel's /proc/cmdline (fadump: the stored command line plus bootargs_append). */
const cmdlineOf = (s: ReplayStep): string => s.cmdline ?? '';

const HQA2: Record<string, (q: Qa) => void> = {
  'optest-kdump-only-hmc': ({ r }) => {
    dumpRestarts(r, 1);
    expect(nth(r, 'dump-restart').running).toMatch(KDUMP_RUNS);
  },
  'optest-low-crashkernel-hmc': ({ r }) => {
    dumpRestarts(r, 1);
    expect(nth(r, 'dump-restart').running).toMatch(KDUMP_RUNS);
    expect(nth(r, 'boot').console).toContain('Reserving 256MB of memory at 512MB for crashkernel (System RAM: 8192MB)');
  },
  'optest-kdump-smt-hmc': ({ r }) => dumpRestarts(r, 3),
  'optest-xive-off-hmc': ({ r }) => {
    dumpRestarts(r, 3);
    // The suite's /proc/cmdline check, in the production kernel and (fadump) the capture kernel.
    expect(cmdlineOf(nth(r, 'boot'))).toContain('xive=off');
    expect(cmdlineOf(nth(r, 'dump-restart'))).toContain('xive=off');
  },
  'optest-disable-radix-hmc': ({ r }) => {
    dumpRestarts(r, 3);
    expect(cmdlineOf(nth(r, 'boot'))).toContain('disable_radix');
  },
  'optest-pstore-check': ({ r }) => {
    // The suite: /sys/fs/pstore files newer after the dump restart (pstore not modelled). The
    // model: the dump restart is taken as a crash and its dump saved.
    dumpRestarts(r, 1);
    expect(nth(r, 'dump-restart').running).toMatch(FADUMP_RUNS);
  },
  'optest-fadump-off-value-sles': ({ r }) => {
    // SLES 16: fadump=off and no crash kernel loaded by the service (hsvc): no dump.
    expect(file(nth(r, 'boot'), '/sys/kernel/fadump_registered')).not.toBe('1');
    const crash = nth(r, 'crash');
    expect(crash.vmcore).toBeNull();
    expect(crash.outcome.kind).toBe('not-armed');
  },
  'optest-fadump-junk-value-rhel': ({ r }) => {
    // early_fadump_param() ignores "xyz": fadump stays off, kdump takes the dump.
    const boot = nth(r, 'boot');
    expect(cmdlineOf(boot)).toContain('fadump=xyz');
    expect(file(boot, '/sys/kernel/fadump_registered')).not.toBe('1');
    expectDumpSaved(r);
    expect(nth(r, 'crash').running).toMatch(KDUMP_RUNS);
    expectAccurate(r);
  },
  'optest-fadump-junk-value-sles': ({ r }) => {
    const boot = nth(r, 'boot');
    expect(cmdlineOf(boot)).toContain('fadump=xyz');
    expect(file(boot, '/sys/kernel/fadump_registered')).not.toBe('1');
    expect(nth(r, 'crash').vmcore).toBeNull();
    expect(nth(r, 'crash').outcome.kind).toBe('not-armed');
  },
  'optest-cmdline-param': ({ r }) => {
    // kdumpctl restart writes FADUMP_COMMANDLINE_APPEND to bootargs_append, then re-registers.
    expect(nth(r, 'kdump-restart').service).toContain(
      'kdumpctl: echo "test=123\\n" > /sys/kernel/fadump/bootargs_append -> accepted',
    );
    expect(file(nth(r, 'kdump-restart'), '/sys/kernel/fadump/bootargs_append')).toBe('test=123');
    expectDumpSaved(r);
    // The capture kernel runs with it: "Updated cmdline: ..." and its /proc/cmdline.
    const crash = nth(r, 'crash');
    expect(crash.console.some((l) => l.startsWith('fadump: Updated cmdline: ') && l.includes('test=123'))).toBe(true);
    expect(cmdlineOf(crash)).toContain('test=123');
    expectAccurate(r);
  },
  'optest-fadump-multithread': ({ r }) => {
    // The suite reads makedumpfile's thread count in kexec-dmesg.log (not modelled); the model
    // states the capture kernel's nr_cpus=16 on its /proc/cmdline.
    expect(cmdlineOf(nth(r, 'crash'))).toMatch(/ nr_cpus=16$/);
    expectDumpSaved(r);
    expectAccurate(r);
  },
  'optest-kdump-multithread': ({ r }) => {
    expectDumpSaved(r);
    expect(nth(r, 'crash').running).toMatch(KDUMP_RUNS);
    expectAccurate(r);
  },
  'optest-timezone-kdump': ({ r }) => {
    // kdumpctl restart (the rebuild) re-registers; the crash directory then holds the dump.
    expect(nth(r, 'kdump-restart').service).toContain(
      'kdumpctl: echo "1\\n" > /sys/kernel/fadump/registered -> accepted',
    );
    expectDumpSaved(r);
    expectAccurate(r);
  },
  'optest-crashkernel-offset': ({ r }) => {
    // crashkernel=512M@256M: reserved at the offset asked for (reserve_crashkernel()).
    expect(nth(r, 'boot').console).toContain('Reserving 512MB of memory at 256MB for crashkernel (System RAM: 8192MB)');
    expectDumpSaved(r);
    expect(nth(r, 'crash').running).toMatch(KDUMP_RUNS);
    expectAccurate(r);
  },
  'optest-watchdog-action-one': ({ r }) => {
    // action=1: the partition restarts ("Running"): a kernel runs again, and no dump is taken.
    const s = nth(r, 'watchdog-reset');
    expect(s.running).toMatch(/^production kernel/);
    expect(s.vmcore).toBeNull();
    expect(s.outcome.kind).toBe('not-triggered');
  },
  'optest-watchdog-action-zero': ({ r }) => {
    // action=0: the partition is powered off ("Not Activated"): no kernel runs, no dump.
    const s = nth(r, 'watchdog-reset');
    expect(s.running).toMatch(/^no kernel/);
    expect(s.vmcore).toBeNull();
  },
  'optest-watchdog-localdisk': ({ r }) => watchdogDump(r),
  'optest-watchdog-over-nfs': ({ r }) => watchdogDump(r),
  'optest-watchdog-over-san': ({ r }) => watchdogDump(r),
  'optest-opal-crash-mpipl': ({ r }) => {
    // The suite: /ibm,opal/dump/mpipl-boot after the OPAL assert (a DT node, not shown). The
    // model: the MPIPL boot is a capture boot with the OPAL core and an accurate vmcore.
    const s = nth(r, 'mpipl');
    expect(s.running).toMatch(FADUMP_RUNS);
    expect(file(s, '/sys/firmware/opal/mpipl/core')).toBeTruthy();
    expect(s.outcome.kind).toBe('captured-accurate');
  },
  'optest-sbe-crash-mpipl': ({ r }) => {
    const s = nth(r, 'mpipl');
    expect(s.running).toMatch(FADUMP_RUNS);
    expect(s.outcome.kind).toBe('captured-accurate');
  },
  'optest-skiroot-kernel-crash': ({ r }) => {
    // The system IPLs again after petitboot's kernel panics: the production kernel boots.
    expect(nth(r, 'petitboot-crash').accepted).toBe(true);
    expect(nth(r, 'reboot').running).toMatch(/^production kernel/);
  },
};

/** check_wd_localdisk/overNFS/overSAN: pseries_wdt action=2, a vmcore after the countdown. */
function watchdogDump(r: Replay): void {
  const s = nth(r, 'watchdog-reset');
  expect(s.vmcore).not.toBeNull();
  expect(nth(r, 'save-dump').accepted).toBe(true);
  expect(s.running).toMatch(FADUMP_RUNS);
  expect(s.outcome.kind).toBe('captured-accurate');
  expect(s.panic).toEqual([]);
  expect(s.console).toContain('fadump: Reserving 7680MB of memory at 0x00000020000000 for preserving crash data');
  // crashkernel=2G-16G:512M,... on 8 GiB selects 512M (parse_crashkernel_mem()).
  expect(nth(r, 'boot').console[0]).toBe('fadump: Reserved 512MB of memory at 0x00000020000000 (System RAM: 8192MB)');
}
// ---- end hqa2 ----

function basicFadump(r: Replay): void {
  expectDumpSaved(r);
  expect(nth(r, 'crash').panic).toEqual(['sysrq: Trigger a crash', PANIC]);
  expect(nth(r, 'write').running).toMatch(/^production kernel/);
  expectAccurate(r);
}

/** test_fadump_pseries: "fadump: Reserved " (not "not supported" / "Failed to find memory chunk"),
 *  "rtas fadump: Registration is successful!", the panic line, "rtas fadump: Firmware-assisted
 *  dump is active" (not a second "fadump: Reserved "), "preserving crash data", /proc/vmcore. */
function qemuPseries(r: Replay): void {
  const boot = nth(r, 'boot');
  const crash = nth(r, 'crash');
  expect(boot.console.some((l) => l.startsWith('fadump: Reserved '))).toBe(true);
  expect(
    boot.console.some((l) => /fadump: (Firmware-Assisted Dump is not supported|Failed to find memory chunk)/.test(l)),
  ).toBe(false);
  expect(boot.console).toContain('rtas fadump: Registration is successful!');
  expect(crash.panic).toContain(PANIC);
  expect(crash.console.some((l) => l.startsWith('rtas fadump: Firmware-assisted dump is active'))).toBe(true);
  expect(crash.console.some((l) => l.startsWith('fadump: Reserved '))).toBe(false);
  expect(crash.console.some((l) => l.includes('preserving crash data'))).toBe(true);
  expect(crash.vmcore).not.toBeNull();
  // The model: crashkernel=2G of 6G is cut to a quarter (fadump_calculate_reserve_size()), and the
  // capture kernel keeps the rest; the dump is accurate.
  expect(boot.console.slice(0, 2)).toEqual([
    'fadump: Adjusted boot memory size to 1536MB',
    'fadump: Reserved 1536MB of memory at 0x00000060000000 (System RAM: 6144MB)',
  ]);
  expect(crash.console).toContain('fadump: Reserving 4608MB of memory at 0x00000060000000 for preserving crash data');
  expectAccurate(r);
}

const logs = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => f.replace(/\.jsonl$/, ''))
    .sort();

describe('QA suite scenarios as event logs (examples/qa/)', () => {
  for (const name of logs(DIR)) {
    it(name, () => {
      const check = SCENARIOS[name] ?? HQA2[name];
      expect(check, `${name}: no assertions written`).toBeDefined();
      const q = load(name);
      check?.(q);
      expectSimAgrees(q, name);
    });
  }
  it('every log has its row in examples/qa/README.md', () => {
    const readme = readFileSync(join(DIR, 'README.md'), 'utf8');
    for (const name of logs(DIR)) expect(readme, name).toContain(`${name}.jsonl`);
  });
  // hqa2: and every log the table names exists.
  it('every log examples/qa/README.md names exists', () => {
    const readme = readFileSync(join(DIR, 'README.md'), 'utf8');
    const named = [...readme.matchAll(/`([\w.-]+)\.jsonl`/g)].map((m) => m[1] ?? '');
    expect(named.length).toBeGreaterThan(40);
    const present = new Set(logs(DIR));
    for (const name of named) expect(present.has(name), `${name}.jsonl`).toBe(true);
  });
});
