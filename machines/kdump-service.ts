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

export function kdumpServiceMachine(config: Config) {
  return setup({
    types: { context: {} as Record<string, never>, events: {} as AnyEvent, emitted: {} as InternalEvent },
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
      /** The udev rule skips the reload when /sys/devices/system/memory/crash_hotplug reads 1
       *  (CONFIG_CRASH_HOTPLUG: the kernel updates the elfcorehdr itself, §6) [U]. */
      crashHotplug: ({ event }) => event.type === 'uevent.memory' && event.crashHotplug === true,
      /** 98-kexec.rules.ppc64's CPU path (SUBSYSTEM=="cpu", ACTION=="online"): nothing when
       *  /sys/kernel/fadump/enabled reads 1, nor when /sys/devices/system/cpu/crash_hotplug reads 1
       *  (the model takes the memory one's value for it [I]); else the throttler reloads (§11). */
      cpuRuleSkips: ({ event }) => event.type === 'uevent.cpu' && (event.fadumpEnabled || event.crashHotplug),
      loadDone: ({ event }) => event.type === 'kexec.result' && event.op === 'load' && event.errno === null,
      loadFailed: ({ event }) => event.type === 'kexec.result' && event.op === 'load' && event.errno !== null,
    },
    actions: {
      ignore: enqueueActions(({ enqueue }, params: { reason: string }) => {
        enqueue.emit({ type: 'ignored', reason: params.reason });
      }),
      writeRegistered: enqueueActions(({ enqueue }, params: { value: '0' | '1' }) => {
        enqueue.emit({
          type: 'sysfs.write',
          path: FILES.registered,
          value: `${params.value}\n`,
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
    },
  }).createMachine({
    id: 'kdumpService',
    initial: 'stopped',
    context: {},
    on: {
      'hw.reset': { target: '.stopped' },
      // A kdump crash jumps into the capture kernel without a reset: the crashed kernel's user
      // space is gone and the capture kernel's starts (§6).
      'userspace.start': { guard: 'capture', target: '.idle' },
    },
    states: {
      stopped: {
        on: {
          'userspace.start': [
            { guard: 'mustRegister', target: 'startPending' },
            { guard: 'mustLoad', target: 'kexec' },
            { target: 'idle' },
          ],
          'kdump-reload': { actions: { type: 'ignore', params: { reason: 'the kdump service is not running' } } },
          'kdump-start': { actions: { type: 'ignore', params: { reason: 'the kdump service is not running' } } },
        },
      },
      idle: {
        on: {
          'uevent.memory': [{ guard: 'udevSkips' }, { target: 'reloadPending' }],
          'uevent.cpu': [{ guard: 'cpuRuleSkips' }, { target: 'reloadPending' }],
          'kdump-reload': { actions: { type: 'ignore', params: { reason: 'no reload pending' } } },
          'kdump-start': { actions: { type: 'ignore', params: { reason: 'the kdump service is already started' } } },
        },
      },
      /** kdumpctl start has yet to run: fadump is not registered. */
      startPending: {
        on: {
          'kdump-start': { target: 'starting', actions: { type: 'writeRegistered', params: { value: '1' } } },
          'kdump-reload': { actions: { type: 'ignore', params: { reason: 'the kdump service has not started yet' } } },
        },
      },
      /** A memory uevent came; the throttler will run `kdumpctl reload`. Until then the
       *  registered elfcorehdr is stale (§5). */
      reloadPending: {
        on: {
          'kdump-reload': { target: 'reloading', actions: { type: 'writeRegistered', params: { value: '1' } } },
          'kdump-start': { actions: { type: 'ignore', params: { reason: 'the kdump service is already started' } } },
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
          'kdump-start': { target: 'starting', actions: { type: 'writeRegistered', params: { value: '1' } } },
          'kdump-reload': { actions: { type: 'ignore', params: { reason: 'kdumpctl is between stop and start' } } },
        },
      },
      starting: {
        tags: ['transient'],
        on: { 'sysfs.result': { guard: 'mine', target: 'idle' } },
      },
      /** kdump: the crash kernel is loaded with kexec (§6). */
      kexec: {
        initial: 'loadPending',
        states: {
          /** kdumpctl start has yet to run: nothing is loaded. */
          loadPending: {
            on: {
              'kdump-start': { target: 'loading', actions: 'kexecLoad' },
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
                { guard: 'loadFailed', target: 'loadPending' },
              ],
              'kdump-start': {
                actions: { type: 'ignore', params: { reason: 'kdumpctl start is already loading the crash kernel' } },
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
