// The kdump service in user space (kdump-utils): `kdumpctl start`, the udev memory-hotplug rule
// (98-kexec.rules.ppc64) with kdump-udev-throttler and `kdumpctl reload` (docs/kernel-behaviour.md §5). It talks to
// the kernel only through sysfs.
import type { Kernel } from './kernel';
import type { UdevRule } from '../config';
import type { Faults } from './mutants';

const REGISTERED = '/sys/kernel/fadump/registered';
const ENABLED = '/sys/kernel/fadump/enabled';
const HOTPLUG_READY = '/sys/kernel/fadump/hotplug_ready';

/** stopped: not started since the last reset. startPending: `kdumpctl start` has yet to register
 *  fadump. idle: running. reloadPending: a memory uevent came and the throttler will run
 *  `kdumpctl reload`. restartPending: reload failed, kdumpctl stopped fadump and will start it. */
export type KdumpState = 'stopped' | 'startPending' | 'idle' | 'reloadPending' | 'restartPending';

export class KdumpService {
  state: KdumpState = 'stopped';

  constructor(
    private readonly faults: Faults,
    private readonly rule: UdevRule,
  ) {}

  /** A reset or power-off stops everything. */
  reset(): void {
    this.state = 'stopped';
  }

  /** User space comes up. In a capture boot (/proc/vmcore) the dump is saved and nothing is
   *  registered; otherwise `kdumpctl start` will register fadump if the kernel has not. */
  userspaceStart(kernel: Kernel): void {
    if (kernel.vmcore !== null) {
      this.state = 'idle';
      return;
    }
    const mustRegister = kernel.sysfsRead(ENABLED) === '1' && kernel.sysfsRead(REGISTERED) === '0';
    this.state = mustRegister ? 'startPending' : 'idle';
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
    if (this.rule === 'always' || hotplugReady === null) return false;
    const grepFor = this.rule === 'hotplug-ready' ? '0' : '1';
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

  /** `kdumpctl start`: start_fadump() echoes 1 to registered. */
  start(kernel: Kernel): boolean {
    if (this.state !== 'startPending' && this.state !== 'restartPending') return false;
    kernel.sysfsWrite(REGISTERED, '1\n');
    this.state = 'idle';
    return true;
  }
}
