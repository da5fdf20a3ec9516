// The production (first) kernel: boot with fadump=, crashkernel=, reservation and CMA; running
// with registration and the memory map; crashed (reference §1, §2, §4, §5).
import { enqueueActions, setup } from 'xstate';
import { kernelCmdline, type Config } from '../src/config';
import type { AnyEvent, Errno, Handover, InternalEvent, Reservation } from '../src/events';
import { withAdded, withRemoved, type PtLoad, type Range } from '../src/memory/layout';
import { reserveAtBoot } from '../src/memory/reserve';
import { fadumpFiles } from '../src/sysfs/files';
import { storeOutcome, type StoreOutcome } from '../src/sysfs/store';
import { dlparRemoveBlocked, dumpActiveAtBoot, headerFor, registerOutcome, registration, unregisterOk } from './kernel-rules';

export interface ProductionKernelContext {
  /** memblock: the memory this kernel runs with. */
  memory: Range[];
  /** fw_dump.fadump_supported / fadump_enabled. */
  supported: boolean;
  enabled: boolean;
  /** fw_dump's reservation; null when none was made (not enabled, or it failed). */
  reservation: Reservation | null;
  reserveError: string | null;
  /** The elfcorehdr in the reserved area, built at the last registration (before 2024). */
  elfcorehdr: PtLoad[] | null;
  /** pSeries param area: what bootargs_append holds; null where there is none. */
  paramArea: string | null;
  /** This kernel was the capture kernel: release_mem stays (§2). */
  releaseMemFile: boolean;
  opalCore: 'present' | 'released' | null;
  /** Who waits for the firmware call in flight. */
  pending: { origin: 'user' | 'kdump-service' | 'boot'; path: string } | null;
}

type Ctx = ProductionKernelContext;
type WriteKind = 'errno' | 'noop' | 'register' | 'unregister' | 'reregister' | 'set' | 'release-core';

function writeOf(event: AnyEvent): { path: string; value: string; origin: 'user' | 'kdump-service' } | null {
  if (event.type === 'write') return { path: event.path, value: event.value, origin: 'user' };
  if (event.type === 'sysfs.write') return { path: event.path, value: event.value, origin: 'kdump-service' };
  return null;
}

function kindOf(o: StoreOutcome): WriteKind | 'release' {
  return 'errno' in o ? 'errno' : o.op;
}

export function productionKernelMachine(config: Config) {
  const cmdlineLength = kernelCmdline(config).length;
  const hotplugReady = config.elfcorehdr === 'in-capture-kernel';

  const outcome = (context: Ctx, event: AnyEvent, registered: boolean): StoreOutcome | null => {
    const w = writeOf(event);
    if (w === null) return null;
    const files = fadumpFiles({ supported: context.supported, hotplugReady, releaseMemFile: context.releaseMemFile, paramArea: context.paramArea, opalCore: context.opalCore });
    const view = {
      enabled: context.enabled,
      dumpActive: false,
      registered,
      eexistOnReregister: config.registeredWrite === 'eexist',
      cmdlineLength,
      opalCore: context.opalCore,
    };
    return storeOutcome(view, files, w.path, w.value);
  };

  return setup({
    types: {
      context: {} as Ctx,
      events: {} as AnyEvent,
      emitted: {} as InternalEvent,
    },
    guards: {
      /** §1 early boot 1: this boot has no active dump, so it is a production boot. */
      noActiveDump: ({ event }) => event.type === 'os.boot' && !dumpActiveAtBoot(config, event.dump),
      /** §1 early boot 7: with an area reserved, the kernel registers itself at boot (v6.0+). */
      registersAtBoot: ({ context }) => config.registerAtBoot && context.enabled && context.reservation !== null,
      writeIs: ({ context, event }, p: { registered: boolean; kind: WriteKind }) => {
        const o = outcome(context, event, p.registered);
        return o !== null && kindOf(o) === p.kind;
      },
      registerTook: ({ event }) => event.type === 'fw.result' && registerOutcome(config, event.rc).registered,
      unregisterTook: ({ event }) => event.type === 'fw.result' && unregisterOk(event.rc),
      dlparBlocked: ({ context, event }, p: { registered: boolean }) =>
        event.type === 'dlpar.request' && event.action === 'remove' && dlparRemoveBlocked(config, p.registered, context.reservation, event.ranges),
    },
    actions: {
      ignore: enqueueActions(({ enqueue }, params: { reason: string }) => {
        enqueue.emit({ type: 'ignored', reason: params.reason });
      }),
      /** fadump_reserve_mem() and setup_fadump() of a production boot. */
      bootKernel: enqueueActions(({ enqueue, event }) => {
        if (event.type !== 'os.boot') return;
        // §1 early boot 1: OPAL needs registered_regions != 0 for dump_active; a preserved dump
        // without it is not processed, and this boot runs as production.
        if (event.dump !== null) enqueue.emit({ type: 'dump.lost', reason: 'the firmware preserved memory but no boot range was registered (OPAL registered_regions == 0): the dump is not active' });
        const enabled = config.fadump !== 'off';
        const reserved = enabled ? reserveAtBoot(config, event.memory) : null;
        const ok = reserved !== null && reserved.ok;
        enqueue.assign({
          memory: event.memory,
          supported: true,
          // Error: enabled=0, reserved size 0 (§1 early boot 4).
          enabled: ok,
          reservation: reserved !== null && reserved.ok ? reserved.reservation : null,
          reserveError: reserved !== null && !reserved.ok ? reserved.reason : null,
          elfcorehdr: null,
          // §1 early boot 5: the pSeries param area (bootargs_append), set up when enabled.
          paramArea: config.platform === 'pseries' && ok ? '' : null,
          releaseMemFile: false,
          opalCore: null,
          pending: null,
        });
      }),
      takeOver: enqueueActions(({ enqueue, event }) => {
        if (event.type !== 'kernel.handover') return;
        const h: Handover = event.handover;
        enqueue.assign({
          memory: h.memory,
          supported: true,
          enabled: h.enabled,
          reservation: h.reservation,
          reserveError: null,
          elfcorehdr: null,
          paramArea: h.paramArea,
          releaseMemFile: true,
          opalCore: h.opalCore,
          pending: null,
        });
      }),
      userspaceStart: enqueueActions(({ enqueue, context }, p: { registered: boolean }) => {
        enqueue.emit({ type: 'userspace.start', registered: p.registered, fadumpEnabled: context.enabled, capture: false });
      }),
      sendRegister: enqueueActions(({ enqueue, context, event }, p: { unregisterFirst: boolean }) => {
        const w = writeOf(event);
        if (context.reservation === null) return;
        const reg = registration(config, context.reservation, context.memory, context.paramArea);
        enqueue.assign({ pending: w === null ? { origin: 'boot', path: '' } : { origin: w.origin, path: w.path }, elfcorehdr: reg.elfcorehdr });
        if (p.unregisterFirst) enqueue.emit({ type: 'fw.unregister' });
        enqueue.emit({ type: 'fw.register', registration: reg });
      }),
      sendUnregister: enqueueActions(({ enqueue, event }) => {
        const w = writeOf(event);
        if (w === null) return;
        enqueue.assign({ pending: { origin: w.origin, path: w.path } });
        enqueue.emit({ type: 'fw.unregister' });
      }),
      reply: enqueueActions(({ enqueue, context, event }, p: { registered: boolean }) => {
        const w = writeOf(event);
        const o = outcome(context, event, p.registered);
        if (w === null || o === null) return;
        if ('op' in o && o.op === 'set') enqueue.assign({ paramArea: o.params });
        if ('op' in o && o.op === 'release-core') enqueue.assign({ opalCore: 'released' });
        enqueue.emit({ type: 'sysfs.result', path: w.path, errno: 'errno' in o ? o.errno : null, origin: w.origin });
      }),
      finishRegister: enqueueActions(({ enqueue, context, event }) => {
        if (event.type !== 'fw.result' || context.pending === null) return;
        const r = registerOutcome(config, event.rc);
        // OPAL_HARDWARE: supported=0, enabled=0 (§1 Register).
        if (r.disable) enqueue.assign({ enabled: false });
        const { origin, path } = context.pending;
        if (origin === 'boot') {
          enqueue.emit({ type: 'userspace.start', registered: r.registered, fadumpEnabled: context.enabled && !r.disable, capture: false });
        } else {
          enqueue.emit({ type: 'sysfs.result', path, errno: r.errno, origin });
        }
        enqueue.assign({ pending: null });
      }),
      finishUnregister: enqueueActions(({ enqueue, context, event }) => {
        if (event.type !== 'fw.result' || context.pending === null) return;
        const { origin, path } = context.pending;
        // registered_store returns success for `0` even when unregistering failed (§2).
        if (origin !== 'boot') enqueue.emit({ type: 'sysfs.result', path, errno: null, origin });
        enqueue.assign({ pending: null });
      }),
      /** crash_fadump(): the header gets the crashing CPU; pSeries ibm,os-term / OPAL MPIPL. */
      osTerm: enqueueActions(({ enqueue, context }) => {
        enqueue.emit({
          type: 'fw.os-term',
          header: { ...headerFor(config.elfcorehdr), crashingCpu: 0 },
          elfcorehdr: context.elfcorehdr,
          paramArea: context.paramArea,
        });
      }),
      plainPanic: enqueueActions(({ enqueue }) => {
        enqueue.emit({ type: 'dump.none', reason: 'fadump is not registered: a plain panic, no dump' });
        enqueue.emit({ type: 'fw.reset' });
      }),
      /** fadump_cleanup() from machine_shutdown: registered → unregister (§1 Register). */
      shutdown: enqueueActions(({ enqueue }, p: { registered: boolean }) => {
        if (p.registered) enqueue.emit({ type: 'fw.unregister' });
        enqueue.emit({ type: 'fw.reset' });
      }),
      dlparReject: enqueueActions(({ enqueue }) => {
        enqueue.emit({ type: 'dlpar.result', errno: 'EINVAL' as Errno });
      }),
      dlparApply: enqueueActions(({ enqueue, context, event }) => {
        if (event.type !== 'dlpar.request') return;
        enqueue.assign({ memory: event.action === 'add' ? withAdded(context.memory, event.ranges) : withRemoved(context.memory, event.ranges) });
        enqueue.emit({ type: 'dlpar.result', errno: null });
        // The memory online/offline uevent the udev rule watches (§5).
        enqueue.emit({ type: 'uevent.memory', hotplugReady });
      }),
    },
  }).createMachine({
    id: 'productionKernel',
    initial: 'off',
    context: {
      memory: [],
      supported: false,
      enabled: false,
      reservation: null,
      reserveError: null,
      elfcorehdr: null,
      paramArea: null,
      releaseMemFile: false,
      opalCore: null,
      pending: null,
    },
    states: {
      off: {
        on: {
          'os.boot': { guard: 'noActiveDump', target: 'booting', actions: 'bootKernel' },
          // §1 Release: after release_mem the capture kernel is the production kernel.
          'kernel.handover': { target: 'running.notRegistered', actions: 'takeOver' },
        },
      },
      booting: {
        tags: ['transient'],
        always: [
          { guard: 'registersAtBoot', target: 'running.registering', actions: { type: 'sendRegister', params: { unregisterFirst: false } } },
          { target: 'running.notRegistered', actions: { type: 'userspaceStart', params: { registered: false } } },
        ],
      },
      running: {
        initial: 'notRegistered',
        on: {
          'save-dump': { actions: { type: 'ignore', params: { reason: 'no /proc/vmcore: this is not a capture boot' } } },
        },
        states: {
          notRegistered: {
            on: {
              write: writeTransitions(false),
              'sysfs.write': writeTransitions(false),
              crash: { target: '#productionKernel.crashed', actions: 'plainPanic' },
              reboot: { target: '#productionKernel.shuttingDown', actions: { type: 'shutdown', params: { registered: false } } },
              'dlpar.request': dlparTransitions(false),
            },
          },
          registered: {
            on: {
              write: writeTransitions(true),
              'sysfs.write': writeTransitions(true),
              crash: { target: '#productionKernel.crashed', actions: 'osTerm' },
              reboot: { target: '#productionKernel.shuttingDown', actions: { type: 'shutdown', params: { registered: true } } },
              'dlpar.request': dlparTransitions(true),
            },
          },
          registering: {
            tags: ['transient'],
            on: {
              'fw.result': [
                { guard: 'registerTook', target: 'registered', actions: 'finishRegister' },
                { target: 'notRegistered', actions: 'finishRegister' },
              ],
            },
          },
          unregistering: {
            tags: ['transient'],
            on: {
              'fw.result': [
                { guard: 'unregisterTook', target: 'notRegistered', actions: 'finishUnregister' },
                { target: 'registered', actions: 'finishUnregister' },
              ],
            },
          },
          /** `echo 1` while registered: unregister (result ignored), then register (§2). */
          reregistering: {
            tags: ['transient'],
            on: { 'fw.result': { target: 'registering' } },
          },
        },
      },
      crashed: {
        on: { 'hw.reset': { target: 'off' } },
      },
      shuttingDown: {
        tags: ['transient'],
        on: { 'hw.reset': { target: 'off' } },
      },
    },
  });

  /** registered_store and the other store handlers, per registration state (§2). */
  function writeTransitions(registered: boolean) {
    const is = (kind: WriteKind) => ({ type: 'writeIs' as const, params: { registered, kind } });
    return [
      { guard: is('register'), target: 'registering', actions: { type: 'sendRegister' as const, params: { unregisterFirst: false } } },
      { guard: is('reregister'), target: 'reregistering', actions: { type: 'sendRegister' as const, params: { unregisterFirst: true } } },
      { guard: is('unregister'), target: 'unregistering', actions: 'sendUnregister' as const },
      { actions: { type: 'reply' as const, params: { registered } } },
    ];
  }

  /** §4: DLPAR memory requests. */
  function dlparTransitions(registered: boolean) {
    return [{ guard: { type: 'dlparBlocked' as const, params: { registered } }, actions: 'dlparReject' as const }, { actions: 'dlparApply' as const }];
  }
}

export type ProductionKernelMachine = ReturnType<typeof productionKernelMachine>;
