// The kdump service in user space: kdumpctl, the udev memory-hotplug rule and its throttler
// (docs/kernel-behaviour.md §5 and kdump-utils' 98-kexec.rules.ppc64, kdump-udev-throttler, kdumpctl). With
// fadump it registers and re-registers through sysfs; with kdump (fadump off or failed and
// crashkernel= reserved) it loads the crash kernel with kexec -p and reloads it (unload, then
// load) after memory hotplug, unless the kernel updates the image itself (§6).
import { enqueueActions, setup } from 'xstate';
import type { Config, UdevRule } from '../src/config';
import type { AnyEvent, InternalEvent } from '../src/events';
import { FILES } from '../src/sysfs/store';

/**
 * Whether the fadump memory rule of 98-kexec.rules.ppc64 (kdump-utils) exits before it starts
 * kdump-udev-throttler, given /sys/kernel/fadump/hotplug_ready: true when the file exists (and,
 * as hotplug_ready_show() in arch/powerpc/kernel/fadump.c prints nothing else, reads 1), false
 * when it is absent (kernels before bc446c5acaba, v6.10). §10:
 * - 'always' (a585f981bde6 "kexec.rules: create dedicated udev rules for ppc64", 2019): no test,
 *   never skips;
 * - 'hotplug-ready' (679a1c5a96e4 "powerpc: fix early exit from udev on hotplug event for
 *   fadump", 2025): `! test -f F || cat F | grep 0 || exit 0` skips when the file reads 1;
 * - 'hotplug-ready-inverted' (b4e3d3724cf3 "fadump/udev: do not re-register fadump if kernel
 *   hotplug ready", 2024): `... | grep 1 || exit 0` skips only when the file reads something
 *   without a 1, which the kernel never prints: it never skips.
 */
export function udevRuleSkips(rule: UdevRule, hotplugReady: boolean): boolean {
  if (rule === 'hotplug-ready') return hotplugReady;
  return false;
}

/** What the kdump service remembers of the boot it runs in (the facts `kdumpctl start` reads
 *  again on each start), and why its last start or stop failed. */
export interface KdumpServiceContext {
  /** /sys/kernel/fadump/enabled reads 1: kdumpctl's dump mode is fadump (is_fadump_capable()). */
  fadumpEnabled: boolean;
  /** crashkernel= memory is reserved: /sys/kernel/kexec_crash_size is not 0. */
  kdump: boolean;
  /** /sys/kernel/fadump/bootargs_append exists. */
  appendFile: boolean;
  /** kdumpctl's error line of the failed start or stop (state `failed`), else null. */
  failure: string | null;
  /** This user space is a capture kernel's (kdump.sh saves the dump; no kdump.service runs). */
  capture: boolean;
}

const NO_BOOT: KdumpServiceContext = {
  fadumpEnabled: false,
  kdump: false,
  appendFile: false,
  failure: null,
  capture: false,
};

/** systemctl stop/restart in a capture boot: the dump-capture initramfs runs kdump.sh
 *  (kdump-capture.service), not kdump.service [I]. */
const IN_CAPTURE = 'the capture kernel runs no kdump service (kdump.sh saves the dump)';

/** kdumpctl's error lines (kdump-utils' kdump-lib.sh and kdumpctl), verbatim. */
export const KDUMPCTL_FAILURES = {
  /** check_crash_mem_reserved() (kdump-lib.sh), from check_kdump_feasibility(): kdump mode only. */
  noMemory: 'No memory reserved for crash kernel',
  /** prepare_kdump_bootinfo() (kdump-lib.sh), from setup_initrd() in start(). */
  noImage: 'Failed to detect kdump kernel location',
  /** stop_fadump() (kdumpctl) when registered still reads 1 after `echo 0`. */
  unregister: 'fadump: failed to unregister',
  /** load_kdump() (kdumpctl) when `kexec -p` fails (start_dump() then fails the start). */
  load: 'kexec: failed to load kdump kernel',
  /** stop_kdump() (kdumpctl) when `kexec -p -u` fails. */
  unload: 'kexec: failed to unload kdump kernel',
  /** openSUSE/kdump init/load.sh load_kdump_fadump() (at 558eb61b05a7) with KDUMP_FADUMP="yes"
   *  when /sys/kernel/fadump/enabled does not read 1: exit 5, no fallback to kdump. */
  slesNoFadump: 'fadump is not enabled in the kernel.',
} as const;

/** The ignored-reason of a refused user event that ran kdumpctl and failed: "failed: <line>"
 *  (src/log/replay.ts noteOf() prints it as the verdict). */
export function failedReason(line: string): string {
  return `failed: ${line}`;
}

/** The reason the udev rule does nothing while the unit is not active: 98-kexec.rules.ppc64
 *  starts with `/usr/bin/systemctl is-active kdump.service || exit 0` (since a585f981bde6
 *  "kexec.rules: create dedicated udev rules for ppc64", 2019). */
const NOT_ACTIVE = 'systemctl is-active kdump.service fails: the udev rule exits (98-kexec.rules.ppc64)';

export function kdumpServiceMachine(config: Config) {
  /** `kdumpctl start` (kdumpctl start()), in its order: check_dump_feasibility() (kdump mode
   *  only: kexec_crash_size must not read 0), setup_initrd() (the kernel image), then start_dump():
   *  start_fadump() (fadump_bootargs_append(), `echo 1 > registered`) or load_kdump() (`kexec -p`).
   *  The guards read the context, so the same list serves `kdump-start`, `kdump-restart` and the
   *  enabled unit's start after boot. */
  /** SLES's kdump with KDUMP_FADUMP="yes": the model's fadump mechanism on distro "sles" [I]. */
  const slesFadump = config.distro === 'sles' && config.mechanism === 'fadump';
  /** Hypervisor-assisted dump (2.6.29-era) predates kdump-utils' fadump support: the model keeps
   *  its service as it was, running once started, with nothing to load [I]. */
  const phyp = config.mechanism === 'phyp-assisted-dump';
  /** kdumpctl exits 1 with `line`: the unit is failed (the fail action). */
  const failWith = <G extends string>(guard: G, line: string) => ({
    guard,
    target: '#kdumpService.failed',
    actions: { type: 'fail' as const, params: { line } },
  });
  const START = [
    { guard: 'phyp' as const, target: '#kdumpService.idle' },
    failWith('slesNoFadump', KDUMPCTL_FAILURES.slesNoFadump),
    failWith('noCrashMemory', KDUMPCTL_FAILURES.noMemory),
    failWith('imageMissing', KDUMPCTL_FAILURES.noImage),
    { guard: 'appendFirst' as const, target: '#kdumpService.appending', actions: 'writeAppend' as const },
    {
      guard: 'fadumpMode' as const,
      target: '#kdumpService.starting',
      actions: { type: 'writeRegistered' as const, params: { value: '1' as const } },
    },
    { target: '#kdumpService.kexec.loading', actions: 'kexecLoad' as const },
  ];
  /** The udev rule's uevents while the unit is not active. */
  const INACTIVE_UEVENTS = {
    'uevent.memory': { actions: { type: 'ignore' as const, params: { reason: NOT_ACTIVE } } },
    'uevent.cpu': { actions: { type: 'ignore' as const, params: { reason: NOT_ACTIVE } } },
  };
  /** A unit that is not active (inactive or failed): a start runs kdumpctl start; stop and
   *  reload have nothing to act on. */
  const UNIT_NOT_ACTIVE = {
    ...INACTIVE_UEVENTS,
    'kdump-start': START,
    'kdump-restart': START,
    'kdump-stop': { actions: { type: 'ignore' as const, params: { reason: 'the kdump service is not active' } } },
    'kdump-reload': { actions: { type: 'ignore' as const, params: { reason: 'the kdump service is not active' } } },
  };
  /** `systemctl stop` of an active fadump unit: stop_fadump() echoes 0 to registered. */
  const STOP_FADUMP = {
    'kdump-stop': [
      { guard: 'inCapture', actions: { type: 'ignore', params: { reason: IN_CAPTURE } } },
      { target: '#kdumpService.stoppingUnit', actions: { type: 'writeRegistered', params: { value: '0' } } },
    ],
    'kdump-restart': [
      { guard: 'inCapture', actions: { type: 'ignore', params: { reason: IN_CAPTURE } } },
      { target: '#kdumpService.restartingUnit', actions: { type: 'writeRegistered', params: { value: '0' } } },
    ],
  } as const;
  /** `systemctl stop` of an active kdump unit: stop_kdump() runs `kexec -p -u`; restart runs
   *  stop then start (`kexec -p`), as kdumpctl reload does (§6). */
  const STOP_KEXEC = {
    'kdump-stop': { target: '#kdumpService.unloadingUnit', actions: 'kexecUnload' },
    'kdump-restart': { target: '#kdumpService.kexec.reloading', actions: 'kexecReload' },
  } as const;
  return setup({
    types: {
      context: {} as KdumpServiceContext,
      events: {} as AnyEvent,
      emitted: {} as InternalEvent,
    },
    guards: {
      /** kdumpctl start registers fadump when the kernel has not (before v6.0, or a failed boot
       *  registration). */
      mustRegister: ({ event }) =>
        event.type === 'userspace.start' && event.fadumpEnabled && !event.registered && !event.capture,
      /** The udev rule's RUN line ends early, before the throttler (§5, §10): per config.udevRule. */
      udevSkips: ({ event }) => event.type === 'uevent.memory' && udevRuleSkips(config.udevRule, event.hotplugReady),
      mine: ({ event }) => event.type === 'sysfs.result' && event.origin === 'kdump-service',
      writeOk: ({ event }) => event.type === 'sysfs.result' && event.origin === 'kdump-service' && event.errno === null,
      /** kdumpctl start uses kdump when /sys/kernel/fadump/enabled does not read 1 and
       *  crashkernel= memory is reserved [U]. */
      mustLoad: ({ event }) =>
        event.type === 'userspace.start' && !event.fadumpEnabled && event.kdump === true && !event.capture,
      /** A capture kernel's user space (kdumpctl saves the dump). */
      capture: ({ event }) => event.type === 'userspace.start' && event.capture,
      /** The unit is enabled (`systemctl enable kdump`): systemd starts it after this boot. */
      enabled: ({ event }) => event.type === 'userspace.start' && !event.capture && config.kdumpEnabled,
      /** kdumpctl start would fail at once: kdump mode (fadump/enabled does not read 1) with no
       *  crashkernel= memory, or no kernel image. */
      wouldFail: ({ event }) =>
        event.type === 'userspace.start' &&
        !event.capture &&
        !phyp &&
        ((!event.fadumpEnabled && event.kdump !== true) ||
          config.captureKernelImage === 'missing' ||
          (slesFadump && !event.fadumpEnabled)),
      /** SLES with KDUMP_FADUMP="yes" (the fadump mechanism [I]) and fadump not enabled: load.sh
       *  stops; no fallback to kdump, whatever crashkernel= reserved. */
      slesNoFadump: ({ context }) => slesFadump && !context.fadumpEnabled,
      phyp: () => phyp,
      inCapture: ({ context }) => context.capture,
      noCrashMemory: ({ context }) => !context.fadumpEnabled && !context.kdump,
      imageMissing: () => config.captureKernelImage === 'missing',
      /** fadump mode on a kernel with bootargs_append, FADUMP_COMMANDLINE_APPEND set. */
      appendFirst: ({ context }) =>
        context.fadumpEnabled && context.appendFile && config.fadumpCommandlineAppend !== null,
      fadumpMode: ({ context }) => context.fadumpEnabled,
      /** The udev rule skips the reload when /sys/devices/system/memory/crash_hotplug reads 1
       *  (CONFIG_CRASH_HOTPLUG: the kernel updates the elfcorehdr itself, §6) [U]. */
      crashHotplug: ({ event }) => event.type === 'uevent.memory' && event.crashHotplug === true,
      /** 98-kexec.rules.ppc64's CPU path (SUBSYSTEM=="cpu", ACTION=="online"): nothing when
       *  /sys/kernel/fadump/enabled reads 1, nor when /sys/devices/system/cpu/crash_hotplug reads 1
       *  (the model takes the memory one's value for it [I]); else the throttler reloads (§11). */
      cpuRuleSkips: ({ event }) => event.type === 'uevent.cpu' && (event.fadumpEnabled || event.crashHotplug),
      loadDone: ({ event }) => event.type === 'kexec.result' && event.op === 'load' && event.errno === null,
      loadFailed: ({ event }) => event.type === 'kexec.result' && event.op === 'load' && event.errno !== null,
      unloadDone: ({ event }) => event.type === 'kexec.result' && event.op === 'unload' && event.errno === null,
      unloadFailed: ({ event }) => event.type === 'kexec.result' && event.op === 'unload' && event.errno !== null,
    },
    actions: {
      ignore: enqueueActions(({ enqueue }, params: { reason: string }) => {
        enqueue.emit({ type: 'ignored', reason: params.reason });
      }),
      /** Remember the boot's facts kdumpctl start reads (userspace.start). */
      remember: enqueueActions(({ enqueue, event }) => {
        if (event.type !== 'userspace.start') return;
        enqueue.assign({
          fadumpEnabled: event.fadumpEnabled,
          kdump: event.kdump === true,
          appendFile: event.bootargsAppend === true,
          failure: null,
          capture: event.capture,
        });
      }),
      /** kdumpctl exits 1: the unit is failed, with kdumpctl's error line. A user's command gets
       *  "failed: <line>". */
      fail: enqueueActions(({ enqueue }, params: { line: string }) => {
        enqueue.assign({ failure: params.line });
        enqueue.emit({ type: 'ignored', reason: failedReason(params.line) });
      }),
      clearFailure: enqueueActions(({ enqueue }) => {
        enqueue.assign({ failure: null });
      }),
      writeRegistered: enqueueActions(({ enqueue }, params: { value: '0' | '1' }) => {
        enqueue.emit({
          type: 'sysfs.write',
          path: FILES.registered,
          value: `${params.value}\n`,
          origin: 'kdump-service',
        });
      }),
      /** fadump_bootargs_append() (kdumpctl, 77b80ce): `echo "${FADUMP_COMMANDLINE_APPEND}" >
       *  /sys/kernel/fadump/bootargs_append`; a failed write is only a warning ("Failed to setup
       *  additional parameters for fadump capture kernel"). Without the file kdumpctl warns "This
       *  kernel does not support passing additional parameters to fadump capture kernel." and
       *  writes nothing. */
      writeAppend: enqueueActions(({ enqueue }) => {
        enqueue.emit({
          type: 'sysfs.write',
          path: FILES.bootargsAppend,
          value: `${config.fadumpCommandlineAppend ?? ''}\n`,
          origin: 'kdump-service',
        });
      }),
      /** kdumpctl start: `kexec -p` (§6), unless kexec_crash_loaded already reads 1 ("Kdump
       *  already running") [U]. */
      kexecLoad: enqueueActions(({ enqueue }) => {
        enqueue.emit({ type: 'kexec.request', op: 'start', origin: 'kdump-service' });
      }),
      /** kdumpctl reload: `kexec -p -u`, then `kexec -p` (§6: the unload+load window). */
      kexecReload: enqueueActions(({ enqueue }) => {
        enqueue.emit({ type: 'kexec.request', op: 'unload', origin: 'kdump-service' });
        enqueue.emit({ type: 'kexec.request', op: 'load', origin: 'kdump-service' });
      }),
      /** kdumpctl stop: stop_kdump(), `kexec -p -u`. */
      kexecUnload: enqueueActions(({ enqueue }) => {
        enqueue.emit({ type: 'kexec.request', op: 'unload', origin: 'kdump-service' });
      }),
    },
  }).createMachine({
    id: 'kdumpService',
    initial: 'stopped',
    context: NO_BOOT,
    on: {
      'hw.reset': { target: '.stopped', actions: 'clearFailure' },
      // A kdump crash jumps into the capture kernel without a reset: the crashed kernel's user
      // space is gone and the capture kernel's starts (§6).
      'userspace.start': { guard: 'capture', target: '.idle', actions: 'remember' },
    },
    states: {
      stopped: {
        on: {
          'userspace.start': [
            // `systemctl enable kdump`: systemd runs `kdumpctl start` once the boot reaches
            // multi-user.target (kdump.service: WantedBy=multi-user.target).
            { guard: 'enabled', target: 'autoStart', actions: 'remember' },
            { guard: 'wouldFail', target: 'inactive', actions: 'remember' },
            { guard: 'mustRegister', target: 'startPending', actions: 'remember' },
            { guard: 'mustLoad', target: 'kexec', actions: 'remember' },
            { target: 'idle', actions: 'remember' },
          ],
          'kdump-reload': { actions: { type: 'ignore', params: { reason: 'the kdump service is not running' } } },
          'kdump-start': { actions: { type: 'ignore', params: { reason: 'the kdump service is not running' } } },
          'kdump-stop': { actions: { type: 'ignore', params: { reason: 'the kdump service is not running' } } },
          'kdump-restart': { actions: { type: 'ignore', params: { reason: 'the kdump service is not running' } } },
        },
      },
      /** The enabled unit's start after boot: an eventless step into kdumpctl start. */
      autoStart: { always: START },
      /** The unit is not active (not started, or stopped): `kdumpctl start` has yet to run, and
       *  the udev rule does nothing. */
      inactive: {
        on: UNIT_NOT_ACTIVE,
      },
      /** kdumpctl exited 1: the unit is failed (context.failure says why). A start runs kdumpctl
       *  start again (and fails again while the cause stays). */
      failed: {
        on: UNIT_NOT_ACTIVE,
      },
      idle: {
        on: {
          'uevent.memory': [{ guard: 'udevSkips' }, { target: 'reloadPending' }],
          'uevent.cpu': [{ guard: 'cpuRuleSkips' }, { target: 'reloadPending' }],
          'kdump-reload': { actions: { type: 'ignore', params: { reason: 'no reload pending' } } },
          'kdump-start': { actions: { type: 'ignore', params: { reason: 'the kdump service is already started' } } },
          ...STOP_FADUMP,
        },
      },
      /** kdumpctl start has yet to run: fadump is not registered. */
      startPending: {
        on: {
          'kdump-start': START,
          'kdump-restart': START,
          'kdump-stop': { actions: { type: 'ignore', params: { reason: 'the kdump service is not active' } } },
          'kdump-reload': { actions: { type: 'ignore', params: { reason: 'the kdump service has not started yet' } } },
        },
      },
      /** A memory uevent came; the throttler will run `kdumpctl reload`. Until then the
       *  registered elfcorehdr is stale (§5). */
      reloadPending: {
        on: {
          'kdump-reload': { target: 'reloading', actions: { type: 'writeRegistered', params: { value: '1' } } },
          'kdump-start': { actions: { type: 'ignore', params: { reason: 'the kdump service is already started' } } },
          ...STOP_FADUMP,
        },
      },
      /** reload_fadump: `echo 1 > registered`; on failure stop (echo 0) then start (echo 1). */
      reloading: {
        tags: ['transient'],
        on: {
          'sysfs.result': [
            { guard: 'writeOk', target: 'idle' },
            { guard: 'mine', target: 'stopping', actions: { type: 'writeRegistered', params: { value: '0' } } },
          ],
        },
      },
      stopping: {
        tags: ['transient'],
        on: { 'sysfs.result': { guard: 'mine', target: 'restartPending' } },
      },
      /** Between kdumpctl's stop and start: fadump is not registered (§5). */
      restartPending: {
        on: {
          'kdump-start': START,
          'kdump-restart': START,
          'kdump-stop': { actions: { type: 'ignore', params: { reason: 'kdumpctl is between stop and start' } } },
          'kdump-reload': { actions: { type: 'ignore', params: { reason: 'kdumpctl is between stop and start' } } },
        },
      },
      /** fadump_bootargs_append()'s write is under way; whatever it answers, start_fadump()
       *  goes on to `echo 1 > registered`. */
      appending: {
        tags: ['transient'],
        on: {
          'sysfs.result': {
            guard: 'mine',
            target: 'starting',
            actions: { type: 'writeRegistered', params: { value: '1' } },
          },
        },
      },
      starting: {
        tags: ['transient'],
        on: { 'sysfs.result': { guard: 'mine', target: 'idle' } },
      },
      /** `systemctl stop`: stop_fadump()'s `echo 0 > registered` is under way. A refused write
       *  leaves fadump registered: "fadump: failed to unregister", the unit failed [I: the model
       *  takes the write's errno for is_kernel_loaded()'s reading]. */
      stoppingUnit: {
        tags: ['transient'],
        on: {
          'sysfs.result': [{ guard: 'writeOk', target: 'inactive' }, failWith('mine', KDUMPCTL_FAILURES.unregister)],
        },
      },
      /** `systemctl restart`: the stop half's `echo 0`, then the start half. */
      restartingUnit: {
        tags: ['transient'],
        on: {
          'sysfs.result': [{ guard: 'writeOk', target: 'autoStart' }, failWith('mine', KDUMPCTL_FAILURES.unregister)],
        },
      },
      /** `systemctl stop` in kdump mode: stop_kdump()'s `kexec -p -u` is under way. */
      unloadingUnit: {
        on: {
          'kexec.result': [
            { guard: 'unloadDone', target: 'inactive' },
            failWith('unloadFailed', KDUMPCTL_FAILURES.unload),
          ],
        },
      },
      /** kdump: the crash kernel is loaded with kexec (§6). */
      kexec: {
        initial: 'loadPending',
        states: {
          /** kdumpctl start has yet to run: nothing is loaded. */
          loadPending: {
            on: {
              'kdump-start': START,
              'kdump-restart': START,
              'kdump-stop': { actions: { type: 'ignore', params: { reason: 'the kdump service is not active' } } },
              'kdump-reload': {
                actions: { type: 'ignore', params: { reason: 'the kdump service has not started yet' } },
              },
            },
          },
          /** kdumpctl start's `kexec -p` is under way (it returns with kexec-loaded). */
          loading: {
            on: {
              'kexec.result': [
                { guard: 'loadDone', target: 'loaded' },
                // load_kdump() returns 1: "Starting kdump: [FAILED]", the unit fails.
                failWith('loadFailed', KDUMPCTL_FAILURES.load),
              ],
              'kdump-start': {
                actions: { type: 'ignore', params: { reason: 'kdumpctl start is already loading the crash kernel' } },
              },
              'kdump-restart': {
                actions: { type: 'ignore', params: { reason: 'kdumpctl start is already loading the crash kernel' } },
              },
              'kdump-stop': {
                actions: { type: 'ignore', params: { reason: 'kdumpctl start is still loading the crash kernel' } },
              },
              'kdump-reload': {
                actions: { type: 'ignore', params: { reason: 'kdumpctl start is still loading the crash kernel' } },
              },
            },
          },
          loaded: {
            on: {
              'uevent.memory': [{ guard: 'crashHotplug' }, { target: 'reloadPending' }],
              'uevent.cpu': [{ guard: 'cpuRuleSkips' }, { target: 'reloadPending' }],
              'kdump-start': {
                actions: { type: 'ignore', params: { reason: 'the kdump service is already started' } },
              },
              'kdump-reload': { actions: { type: 'ignore', params: { reason: 'no reload pending' } } },
              ...STOP_KEXEC,
            },
          },
          /** A memory uevent came; the throttler will run `kdumpctl reload`. Until then the loaded
           *  image's elfcorehdr is stale (§6). */
          reloadPending: {
            on: {
              'kdump-reload': { target: 'reloading', actions: 'kexecReload' },
              'kdump-start': {
                actions: { type: 'ignore', params: { reason: 'the kdump service is already started' } },
              },
              ...STOP_KEXEC,
            },
          },
          /** kdumpctl reload: unloaded, and the new `kexec -p` is under way: nothing is loaded (§6). */
          reloading: {
            on: {
              'kexec.result': [
                { guard: 'loadDone', target: 'loaded' },
                { guard: 'loadFailed', target: 'loadPending' },
              ],
              'kdump-start': {
                actions: { type: 'ignore', params: { reason: 'kdumpctl reload is loading the crash kernel' } },
              },
              'kdump-restart': {
                actions: { type: 'ignore', params: { reason: 'kdumpctl reload is loading the crash kernel' } },
              },
              'kdump-stop': {
                actions: { type: 'ignore', params: { reason: 'kdumpctl reload is loading the crash kernel' } },
              },
              'kdump-reload': {
                actions: { type: 'ignore', params: { reason: 'kdumpctl reload is already under way' } },
              },
            },
          },
        },
      },
    },
  });
}

export type KdumpServiceMachine = ReturnType<typeof kdumpServiceMachine>;
