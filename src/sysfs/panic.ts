// The lines a crashing kernel logs on its way down, verbatim: the panic path of `echo c >
// /proc/sysrq-trigger` (the model's `crash`, as the lab and both QA suites trigger it) and the
// hand-over that follows it: to fadump's firmware, to the kdump kernel through kexec, or to
// nothing. They are what the dying kernel prints on its console, not the next kernel's dmesg:
// the lab keeps them from the raw console between the crash command and the next boot (the crash
// step's `observed.panic`, src/lab/observe.ts dyingLines()) and `conform` compares them there.
import type { Config } from '../config';
import type { ExternalEvent } from '../events';
import { compareKernelVersions } from '../kernel-versions';
import type { SystemState } from '../../machines/system';
import { running } from './view';

/** The oldest release whose panic path these lines are checked against: the lab's 6.1.176
 *  (Debian linux-source-6.1: drivers/tty/sysrq.c sysrq_handle_crash() calls panic("sysrq
 *  triggered crash\n")). Before "sysrq: Use panic() to force a crash" the sysrq crash was a NULL
 *  store and an Oops ("Kernel panic - not syncing: Fatal exception"), and __handle_sysrq()
 *  printed "SysRq : " first; those releases' lines are not modelled [I]: [] for them. */
export const PANIC_LINES_SINCE = '6.1';

/** The panic's message as panic() prints it: sysrq_handle_crash()'s "sysrq triggered crash\n"
 *  with the trailing newline dropped (kernel/panic.c panic()). */
const SYSRQ_PANIC = 'sysrq triggered crash';

/** How the crashed kernel hands over, read off the states before and after the crash. */
export type HandOver = 'fadump' | 'kdump' | 'none';

/** Which path the crash took: fadump's firmware when a registered production kernel crashed
 *  (crash_fadump() returns early unless fw_dump.dump_registered, should_fadump_crash()) and the
 *  next kernel is fadump's capture kernel (or a capture boot that failed and runs on,
 *  docs/kernel-behaviour.md §1.4 5); kdump's when the next kernel is the kexec'd capture kernel;
 *  else none (the kernel reboots or hangs, and a dump the firmware still holds boots again). */
export function handOver(pre: SystemState, post: SystemState): HandOver {
  const after = running(post);
  if (after === 'kdump-capture') return 'kdump';
  const registered = running(pre) === 'production' && pre.actors.productionKernel.matches({ running: 'registered' });
  const captured =
    after === 'capture' || (after === 'production' && post.actors.productionKernel.context.build === 'capture');
  return registered && captured ? 'fadump' : 'none';
}

/** panic_timeout from the command line's last `panic=N` (kernel/panic.c core_param(panic, ...));
 *  without one, CONFIG_PANIC_TIMEOUT, 0 in the defconfigs [I]. Seconds; negative reboots at once. */
export function panicTimeout(cmdline: string): number {
  let t = 0;
  for (const m of cmdline.matchAll(/(?:^|\s)panic=(-?\d+)(?=\s|$)/g)) t = Number(m[1]);
  return t;
}

/** The lines after panic()'s own when no dump mechanism took the crash (kernel/panic.c panic()):
 *  pr_emerg("Rebooting in %d seconds..\n", panic_timeout) when it is positive (then
 *  emergency_restart()), none when negative (restart at once), and with 0 the closing
 *  pr_emerg("---[ end Kernel panic - not syncing: %s ]---\n", buf) before the kernel spins. */
function noHandOverLines(cmdline: string): string[] {
  const t = panicTimeout(cmdline);
  if (t > 0) return [`Rebooting in ${t} seconds..`];
  if (t < 0) return [];
  return [`---[ end Kernel panic - not syncing: ${SYSRQ_PANIC} ]---`];
}

/** The kdump hand-over's own lines (arch/powerpc/kexec/crash.c default_machine_crash_shutdown() →
 *  crash_kexec_prepare_cpus(): printk(KERN_EMERG "Sending IPI to other CPUs\n"), "IPI
 *  complete\n"; arch/powerpc/kexec/core_64.c default_machine_kexec(): printk("kexec: Starting
 *  switchover sequence.\n")) are printed after printk_deferred_enter() (the same function), so
 *  they go to the log buffer (the dump's vmcore-dmesg.txt) and not to the console: a 6.6 pSeries
 *  kdump console goes from panic()'s stack dump straight to purgatory's "I'm in purgatory"
 *  (linuxppc-dev, Sourabh Jain, 2023-10-09, "kdump kernel fails to boot on powerpc with
 *  nr_cpus=1"). The console lines of the kdump path are panic()'s only. */
export const KDUMP_DEFERRED_LINES = [
  'Sending IPI to other CPUs',
  'IPI complete',
  'kexec: Starting switchover sequence.',
];

/** A system reset (the HMC's dump restart, QEMU's nmi) that no dump mechanism takes
 *  (arch/powerpc/kernel/traps.c system_reset_exception(): crash_fadump() and crash_kexec() return
 *  when nothing is registered or loaded, and print nothing when something is): die("System
 *  Reset", regs, SIGABRT) → __die() "Oops: %s, sig: %ld [#%d]" (the first oops) and
 *  oops_exit()'s "---[ end trace 0000000000000000 ]---", then nmi_panic(regs, "System Reset").
 *  __die()'s second line ("LE PAGE_SIZE=64K MMU=Hash SMP NR_CPUS=8 pSeries") depends on build
 *  options the model does not carry (CONFIG_PREEMPT, CONFIG_NUMA) and the registers vary: left
 *  out. panic()'s "Rebooting in N seconds.." does not reach the console from NMI context (the
 *  lab's 6.1.176 and 6.12.107 print "Kernel panic - not syncing: System Reset" last, then
 *  reboot after panic=N) [I: printk deferral in NMI context]. */
const SYSTEM_RESET_LINES = [
  'Oops: System Reset, sig: 6 [#1]',
  '---[ end trace 0000000000000000 ]---',
  'Kernel panic - not syncing: System Reset',
];

/** The console lines the running kernel prints as it crashes on `event` (pre → post), in order;
 *  a dump restart's (SYSTEM_RESET_LINES) when nothing takes it;
 *  [] for any other event, a crash with no kernel running, or a release before PANIC_LINES_SINCE.
 *  drivers/tty/sysrq.c __handle_sysrq(): pr_info("%s\n", op_p->action_msg) with pr_fmt
 *  "sysrq: " and sysrq_crash_op's action_msg "Trigger a crash"; kernel/panic.c panic():
 *  pr_emerg("Kernel panic - not syncing: %s\n", buf); then the hand-over's own: fadump's
 *  crash_fadump() → rtas_fadump_trigger() → rtas_os_term() (pSeries) or opal_fadump_trigger() →
 *  opal_cec_reboot2(OPAL_REBOOT_MPIPL) (PowerNV) print nothing when the firmware takes over;
 *  kdump's go to the log buffer only (KDUMP_DEFERRED_LINES); none's noHandOverLines(). The stack
 *  dump between panic's line and the hand-over (dump_stack(): "CPU: 0 PID: ..." and the call
 *  trace) varies with the machine and is left out. `cmdline` is the crashing kernel's command
 *  line (panic=). */
export function panicLines(
  config: Config,
  cmdline: string,
  pre: SystemState,
  event: ExternalEvent,
  post: SystemState,
): string[] {
  if ((event.event !== 'crash' && event.event !== 'dump-restart') || running(pre) === null) return [];
  if (compareKernelVersions(runningRelease(config, pre), PANIC_LINES_SINCE) < 0) return [];
  if (event.event === 'dump-restart') return handOver(pre, post) === 'none' ? SYSTEM_RESET_LINES : [];
  const out = ['sysrq: Trigger a crash', `Kernel panic - not syncing: ${SYSRQ_PANIC}`];
  // kdump's own lines reach only the log buffer (KDUMP_DEFERRED_LINES); fadump's firmware call
  // logs nothing when it takes over.
  if (handOver(pre, post) === 'none') out.push(...noHandOverLines(cmdline));
  return out;
}

/** The release of the kernel that crashes: the capture kernel's when a capture kernel runs
 *  (config.captureKernel's, else the production kernel's). */
function runningRelease(config: Config, pre: SystemState): string {
  const r = running(pre);
  return r === 'capture' || r === 'kdump-capture' ? config.captureKernel.kernel : config.kernel;
}
