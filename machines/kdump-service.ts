// The kdump service in user space: kdumpctl, the udev memory-hotplug rule and its throttler
// (reference §5 and kdump-utils' 98-kexec.rules.ppc64, kdump-udev-throttler, kdumpctl).
import { enqueueActions, setup } from 'xstate';
import type { Config } from '../src/config';
import type { AnyEvent, InternalEvent } from '../src/events';
import { FILES } from '../src/sysfs/store';

export function kdumpServiceMachine(_config: Config) {
  return setup({
    types: { context: {} as Record<string, never>, events: {} as AnyEvent, emitted: {} as InternalEvent },
    guards: {
      /** kdumpctl start registers fadump when the kernel has not (before v6.0, or a failed boot
       *  registration). */
      mustRegister: ({ event }) => event.type === 'userspace.start' && event.fadumpEnabled && !event.registered && !event.capture,
      /** The udev rule skips the reload when /sys/kernel/fadump/hotplug_ready reads 1 (§5). */
      hotplugReady: ({ event }) => event.type === 'uevent.memory' && event.hotplugReady,
      mine: ({ event }) => event.type === 'sysfs.result' && event.origin === 'kdump-service',
      writeOk: ({ event }) => event.type === 'sysfs.result' && event.origin === 'kdump-service' && event.errno === null,
    },
    actions: {
      ignore: enqueueActions(({ enqueue }, params: { reason: string }) => {
        enqueue.emit({ type: 'ignored', reason: params.reason });
      }),
      writeRegistered: enqueueActions(({ enqueue }, params: { value: '0' | '1' }) => {
        enqueue.emit({ type: 'sysfs.write', path: FILES.registered, value: `${params.value}\n`, origin: 'kdump-service' });
      }),
    },
  }).createMachine({
    id: 'kdumpService',
    initial: 'stopped',
    context: {},
    on: {
      'hw.reset': { target: '.stopped' },
    },
    states: {
      stopped: {
        on: {
          'userspace.start': [{ guard: 'mustRegister', target: 'startPending' }, { target: 'idle' }],
          'kdump-reload': { actions: { type: 'ignore', params: { reason: 'the kdump service is not running' } } },
          'kdump-start': { actions: { type: 'ignore', params: { reason: 'the kdump service is not running' } } },
        },
      },
      idle: {
        on: {
          'uevent.memory': [{ guard: 'hotplugReady' }, { target: 'reloadPending' }],
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
    },
  });
}

export type KdumpServiceMachine = ReturnType<typeof kdumpServiceMachine>;
