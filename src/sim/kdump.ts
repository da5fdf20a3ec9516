// The kdump service in user space (kdump-utils): the kdump.service unit and `kdumpctl start`,
// `stop`, `restart`, the udev memory-hotplug rule (98-kexec.rules.ppc64) with kdump-udev-throttler
// and `kdumpctl reload` (docs/kernel-behaviour.md §5). It talks to the kernel only through sysfs.
import type { Kernel } from './kernel';
import type { Config } from '../config';
import type { Faults } from './mutants';

const REGISTERED = '/sys/kernel/fadump/registered';
const ENABLED = '/sys/kernel/fadump/enabled';
const HOTPLUG_READY = '/sys/kernel/fadump/hotplug_ready';
const BOOTARGS_APPEND = '/sys/kernel/fadump/bootargs_append';

/** stopped: not started since the last reset. startPending: `kdumpctl start` has yet to register
 *  fadump. idle: running. reloadPending: a memory uevent came and the throttler will run
 *  `kdumpctl reload`. restartPending: reload failed, kdumpctl stopped fadump and will start it.
 *  inactive: the unit is not active (never started, or stopped). failed: kdumpctl exited 1. */
export type KdumpState =
  'stopped' | 'startPending' | 'idle' | 'reloadPending' | 'restartPending' | 'inactive' | 'failed';

/** The answer of a command to the service: done, refused (nothing to do), or failed with
 *  kdumpctl's error line (kdump-utils' kdump-lib.sh / kdumpctl, verbatim). */
export type ServiceAnswer = 'done' | 'refused' | { failed: string };

export class KdumpService {
  state: KdumpState = 'stopped';
  /** kdumpctl's error line while `failed`. */
  failure: string | null = null;
  /** This boot is a capture boot: kdump.sh runs there, no kdump.service [I]. */
  private capture = false;

  constructor(
    private readonly faults: Faults,
    private readonly config: Pick<
      Config,
      'udevRule' | 'kdumpEnabled' | 'fadumpCommandlineAppend' | 'captureKernelImage' | 'distro' | 'mechanism'
    >,
  ) {}

  /** A reset or power-off stops everything. */
  reset(): void {
    this.state = 'stopped';
    this.failure = null;
  }

  /** User space comes up. In a capture boot (/proc/vmcore) the dump is saved and nothing is
   *  registered. Otherwise an enabled unit (kdump.service, WantedBy=multi-user.target) runs
   *  `kdumpctl start` now; a unit not enabled waits for `kdump-start`. */
  userspaceStart(kernel: Kernel): void {
    this.failure = null;
    this.capture = kernel.vmcore !== null;
    if (kernel.vmcore !== null) {
      this.state = 'idle';
      return;
    }
    if (this.config.kdumpEnabled) {
      this.state = 'startPending';
      this.runStart(kernel);
      return;
    }
    if (this.startFailure(kernel) !== null) {
      this.state = 'inactive';
      return;
    }
    const mustRegister = kernel.sysfsRead(ENABLED) === '1' && kernel.sysfsRead(REGISTERED) === '0';
    this.state = mustRegister ? 'startPending' : 'idle';
  }

  /** The error line `kdumpctl start` stops at before it touches the kernel, or null. start()
   *  calls check_dump_feasibility() first: in kdump mode (fadump/enabled does not read 1)
   *  check_crash_mem_reserved() fails when /sys/kernel/kexec_crash_size reads 0; then
   *  setup_initrd() fails when prepare_kdump_bootinfo() finds no kernel image. */
  private startFailure(kernel: Kernel): string | null {
    const fadumpMode = kernel.sysfsRead(ENABLED) === '1';
    // SLES (openSUSE/kdump init/load.sh load_kdump_fadump()) with KDUMP_FADUMP="yes": no
    // fallback to kdump when fadump is not enabled.
    if (!fadumpMode && this.config.distro === 'sles' && this.config.mechanism === 'fadump')
      return 'fadump is not enabled in the kernel.';
    if (!fadumpMode && kernel.crashk_res === null) return 'No memory reserved for crash kernel';
    if (this.config.captureKernelImage === 'missing') return 'Failed to detect kdump kernel location';
    return null;
  }

  /** `kdumpctl start` from a state where the unit is not active. fadump mode: start_fadump(),
   *  which first runs fadump_bootargs_append() (77b80ce: echo FADUMP_COMMANDLINE_APPEND into
   *  bootargs_append where the file exists; a refused write is a warning only), then `echo 1 >
   *  registered`. kdump mode (kexec -p) is not stated here: the model's kexec actor carries it. */
  private runStart(kernel: Kernel): ServiceAnswer {
    const failure = this.startFailure(kernel);
    if (failure !== null) {
      this.state = 'failed';
      this.failure = failure;
      return { failed: failure };
    }
    this.failure = null;
    if (kernel.sysfsRead(ENABLED) !== '1') {
      this.state = 'idle';
      return 'done';
    }
    const append = this.config.fadumpCommandlineAppend;
    if (append !== null && kernel.sysfsRead(BOOTARGS_APPEND) !== null)
      kernel.sysfsWrite(BOOTARGS_APPEND, `${append}\n`);
    kernel.sysfsWrite(REGISTERED, '1\n');
    this.state = 'idle';
    return 'done';
  }

  /** The unit is active: the udev rule's `systemctl is-active kdump.service` succeeds. */
  private active(): boolean {
    return this.state === 'idle' || this.state === 'reloadPending';
  }

  /** The udev rule on memory online/offline, 98-kexec.rules.ppc64's RUN line for memory (§5,
   *  §10). The dump-capture environment has no reload rule [I]. */
  memoryUevent(kernel: Kernel): void {
    if (kernel.vmcore !== null) return;
    if (this.exitsEarly(kernel.sysfsRead(HOTPLUG_READY)) && !this.faults.on('udev-ignores-hotplug-ready')) return;
    if (this.state === 'idle') this.state = 'reloadPending';
  }

  /** The shell test before systemd-run, on hotplug_ready's contents (null: no such file):
   *  `! test -f F || cat F | grep X || exit 0` exits when the file exists and grep finds no X;
   *  X is 0 in 679a1c5a96e4 (the current rule) and 1 in b4e3d3724cf3, which it fixed;
   *  a585f981bde6's rule has no test. */
  private exitsEarly(hotplugReady: string | null): boolean {
    if (this.config.udevRule === 'always' || hotplugReady === null) return false;
    const grepFor = this.config.udevRule === 'hotplug-ready' ? '0' : '1';
    return !hotplugReady.includes(grepFor);
  }

  /** The CPU path of 98-kexec.rules.ppc64 (SUBSYSTEM=="cpu", ACTION=="online", after a hot-add):
   *  `cat /sys/kernel/fadump/enabled | grep 0 || exit 0`, so nothing with fadump enabled; nothing
   *  either where the kernel updates a crash image itself (CONFIG_CRASH_HOTPLUG) (§11). */
  cpuUevent(kernel: Kernel): void {
    if (kernel.vmcore !== null) return;
    if (kernel.sysfsRead(ENABLED) === '1' || kernel.env.config.crashHotplug) return;
    if (this.state === 'idle') this.state = 'reloadPending';
  }

  /** kdump-udev-throttler runs `kdumpctl reload`: reload_fadump() echoes 1 to registered; on
   *  failure stop (echo 0) then start (`kdumpctl start`, a separate event). */
  reload(kernel: Kernel): boolean {
    if (this.state !== 'reloadPending') return false;
    if (kernel.sysfsWrite(REGISTERED, '1\n') === null) {
      this.state = 'idle';
      return true;
    }
    if (this.faults.on('kdumpctl-reload-no-fallback')) {
      this.state = 'idle';
      return true;
    }
    kernel.sysfsWrite(REGISTERED, '0\n');
    this.state = 'restartPending';
    return true;
  }

  /** `kdumpctl start`: from a unit that is not active (or between reload's stop and start);
   *  refused when it already runs. */
  start(kernel: Kernel): ServiceAnswer {
    if (this.active() || this.state === 'stopped') return 'refused';
    return this.runStart(kernel);
  }

  /** `systemctl stop kdump`: ExecStop runs only for an active unit; stop_fadump() echoes 0 to
   *  registered and fails ("fadump: failed to unregister", the unit failed) when that is refused
   *  [I: the write's errno stands for is_kernel_loaded()'s reading]. The command ran either way
   *  ('done'); the failure is in `failure`. */
  stop(kernel: Kernel): ServiceAnswer {
    if (!this.active() || this.capture) return 'refused';
    if (kernel.sysfsWrite(REGISTERED, '0\n') !== null) {
      this.state = 'failed';
      this.failure = 'fadump: failed to unregister';
      return 'done';
    }
    this.state = 'inactive';
    return 'done';
  }

  /** `systemctl restart kdump`: stop when active, then start (kdumpctl main(), "restart"). A
   *  restart that stopped the unit ran ('done') whatever its start half says. */
  restart(kernel: Kernel): ServiceAnswer {
    if (this.state === 'stopped' || this.capture) return 'refused';
    if (!this.active()) return this.runStart(kernel);
    this.stop(kernel);
    if (this.state === 'inactive') this.runStart(kernel);
    return 'done';
  }
}
