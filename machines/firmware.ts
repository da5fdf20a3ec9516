// The firmware: PHYP/RTAS on pSeries, OPAL on PowerNV (docs/kernel-behaviour.md §1.2, §1.3,
// §4). It owns the partition's memory (DLPAR goes through it), holds the registration,
// preserves memory at a crash and boots the next kernel with the dump pending.
import { produce } from 'immer';
import { unregisterOk } from './kernel-rules';
import { assign, enqueueActions, setup } from 'xstate';
import type { Config } from '../src/config';
import {
  faultValue,
  type AnyEvent,
  type FaultCall,
  type FirmwareRc,
  type InternalEvent,
  type PreservedDump,
  type Registration,
} from '../src/events';
import { lmbsAdded, lmbsRemoved, totalSize, withAdded, withRemoved, type Range } from '../src/memory/layout';

export interface FirmwareContext {
  /** The partition's memory (the LPAR's assigned LMBs). */
  memory: Range[];
  registration: Registration | null;
  /** OPAL: how many boot ranges ADD_RANGE took (RESOURCE stops early). */
  regionsRegistered: number;
  /** OPAL: the registration was made by the kernel running now, whose metadata
   *  (opal_fdm->registered_regions) still counts its ranges. */
  registeredThisBoot: boolean;
  dump: PreservedDump | null;
  /** Injected faults: the next call of that kind returns this rc; 'preserve-partial': the number
   *  of boot-memory regions the next dump copies in full. */
  faults: Partial<Record<FaultCall, FirmwareRc>>;
  dlpar: { action: 'add' | 'remove'; ranges: Range[] } | null;
}

/** The faults left once the next call of that kind has consumed its injected rc. */
function consumed(faults: FirmwareContext['faults'], ...calls: FaultCall[]): FirmwareContext['faults'] {
  if (calls.every((c) => faults[c] === undefined)) return faults;
  return produce(faults, (f) => {
    for (const c of calls) delete f[c];
  });
}

/** The boot-memory regions a dump copies in full: all of them, or the first `regions` of them
 *  after a 'preserve-partial' fault (docs/kernel-behaviour.md §1.4 "Partial preservation"). */
function regionsDumped(faults: FirmwareContext['faults'], regions: number): number {
  const partial = faults['preserve-partial'];
  return typeof partial === 'number' ? Math.min(partial, regions) : regions;
}

/** What the firmware itself counts as a registration in place. */
function registerTakes(rc: FirmwareRc): boolean {
  return (
    rc === 0 || rc === -2 || rc === -9 || rc === 'OPAL_RESOURCE' || (typeof rc === 'number' && rc >= 9900 && rc <= 9905)
  );
}

/** Where a pSeries registration has the firmware write at a crash, in bytes: from the area's
 *  start (CPU state, HPTE) to the end of the boot-memory copy (rtas_fadump_init_mem_struct()). */
function registrationDestination(r: Registration): Range {
  return { start: r.area.start, end: r.bootMemDest + totalSize(r.bootRegions) };
}

export function firmwareMachine(config: Config) {
  const bootEvent = (memory: Range[], dump: PreservedDump | null): InternalEvent =>
    // pSeries boots the kernel through the normal bootloader; OPAL boots petitboot first (§4).
    config.platform === 'pseries' ? { type: 'os.boot', memory, dump } : { type: 'bootloader.start', memory, dump };

  return setup({
    types: {
      context: {} as FirmwareContext,
      events: {} as AnyEvent,
      emitted: {} as InternalEvent,
    },
    guards: {
      registerTakes: ({ context }) => registerTakes(context.faults.register ?? 0),
      unregisterTakes: ({ context }) => unregisterOk(context.faults.unregister ?? 0),
      /** OPAL: opal_cec_reboot2(MPIPL) failing means the normal panic path continues (§1 Crash). */
      mpiplFails: ({ context }) => config.platform === 'powernv' && context.faults.preserve !== undefined,
      dlparPossible: ({ context, event }) => {
        if (event.type !== 'memory-hotplug') return false;
        return event.action === 'add'
          ? lmbsAdded(context.memory, event.lmbs, config.lmbBytes, config.maxMemoryBytes) !== null
          : lmbsRemoved(context.memory, event.lmbs, config.lmbBytes, config.minMemoryBytes) !== null;
      },
      dlparAccepted: ({ event }) => event.type === 'dlpar.result' && event.errno === null,
      /** pSeries: the registration's destination (CPU state, HPTE, the boot-memory copy) is no
       *  longer all partition memory: an LMB of it was hot-removed while registered, which 4.20 to
       *  5.1 allowed for the CMA part of the area (docs/kernel-behaviour.md §10.5). */
      destinationGone: ({ context }) =>
        config.platform === 'pseries' &&
        context.registration !== null &&
        withRemoved([registrationDestination(context.registration)], context.memory).length > 0,
    },
    actions: {
      ignore: enqueueActions(({ enqueue }, params: { reason: string }) => {
        enqueue.emit({ type: 'ignored', reason: params.reason });
      }),
      bootOs: enqueueActions(({ enqueue, context }) => {
        enqueue.emit(bootEvent(context.memory, context.dump));
      }),
      /** A reset without a dump being taken (reboot, plain panic): whatever dump is pending stays. */
      resetAndBoot: enqueueActions(({ enqueue, context }) => {
        enqueue.assign({ registeredThisBoot: false });
        enqueue.emit({ type: 'hw.reset' });
        enqueue.emit(bootEvent(context.memory, context.dump));
      }),
      register: enqueueActions(({ enqueue, context, event }, p: { already: boolean }) => {
        if (event.type !== 'fw.register') return;
        // A registration already in place (an unregister failed before): PHYP answers -9 and
        // keeps it (§1 Register: "-9 → registered and -EEXIST"). OPAL: opal_fadump_register adds
        // ranges from opal_fdm->registered_regions on, so the kernel that registered them adds
        // none and gets OPAL_PARAMETER (-EIO), while a new boot's fresh metadata adds them all.
        const keeps = p.already && (config.platform === 'pseries' || context.registeredThisBoot);
        const rc = context.faults.register ?? (keeps ? (config.platform === 'pseries' ? -9 : 'OPAL_PARAMETER') : 0);
        enqueue.assign({
          registeredThisBoot: registerTakes(rc) || (keeps && context.registeredThisBoot),
          faults: consumed(context.faults, 'register'),
          registration: registerTakes(rc) && !keeps ? event.registration : context.registration,
          regionsRegistered: keeps
            ? context.regionsRegistered
            : rc === 'OPAL_RESOURCE'
              ? 0
              : event.registration.bootRegions.length,
        });
        enqueue.emit({ type: 'fw.result', call: 'register', rc });
      }),
      unregister: enqueueActions(({ enqueue, context }) => {
        const rc = context.faults.unregister ?? 0;
        enqueue.assign({
          faults: consumed(context.faults, 'unregister'),
          registration: unregisterOk(rc) ? null : context.registration,
        });
        enqueue.emit({ type: 'fw.result', call: 'unregister', rc });
      }),
      /** ibm,os-term / MPIPL: copy boot memory to its destination, save CPU state and HPTE, reset
       *  I/O without clearing RAM, boot with the dump pending (§1 Crash). */
      preserve: enqueueActions(({ enqueue, context, event }) => {
        if (event.type !== 'fw.os-term' || context.registration === null) return;
        const dump: PreservedDump = {
          ...context.registration,
          header: event.header,
          elfcorehdr: event.elfcorehdr,
          paramArea: event.paramArea,
          memoryAtCrash: context.memory,
          // pSeries: a failed preserve sets error_flags; bytes_dumped stays what was copied [I].
          errorFlags: context.faults.preserve !== undefined,
          regionsDumped: regionsDumped(context.faults, context.registration.bootRegions.length),
          regionsRegistered: context.regionsRegistered,
          memoryIntact: true,
        };
        enqueue.assign({ dump, registration: null, faults: consumed(context.faults, 'preserve', 'preserve-partial') });
        enqueue.emit({ type: 'hw.reset' });
        enqueue.emit(bootEvent(context.memory, dump));
      }),
      mpiplFailed: enqueueActions(({ enqueue, context }) => {
        enqueue.assign({ faults: consumed(context.faults, 'preserve', 'preserve-partial') });
        enqueue.emit({ type: 'dump.lost', reason: 'opal_cec_reboot2(MPIPL) failed: the normal panic path continues' });
      }),
      lost: enqueueActions(({ enqueue }, params: { reason: string }) => {
        enqueue.emit({ type: 'dump.lost', reason: params.reason });
      }),
      invalidate: assign({ dump: null }),
      armFault: assign({
        faults: ({ context, event }) =>
          event.type === 'firmware-error'
            ? produce(context.faults, (f) => {
                // The next dump fails one way: a fault for it replaces the other kind [I].
                if (event.call === 'preserve') delete f['preserve-partial'];
                if (event.call === 'preserve-partial') delete f.preserve;
                f[event.call] = faultValue(event);
              })
            : context.faults,
      }),
      requestDlpar: enqueueActions(({ enqueue, context, event }) => {
        if (event.type !== 'memory-hotplug') return;
        const ranges =
          (event.action === 'add'
            ? lmbsAdded(context.memory, event.lmbs, config.lmbBytes, config.maxMemoryBytes)
            : lmbsRemoved(context.memory, event.lmbs, config.lmbBytes, config.minMemoryBytes)) ?? [];
        enqueue.assign({ dlpar: { action: event.action, ranges } });
        enqueue.emit({ type: 'dlpar.request', action: event.action, ranges });
      }),
      commitDlpar: assign(({ context }) => ({
        memory:
          context.dlpar === null
            ? context.memory
            : context.dlpar.action === 'add'
              ? withAdded(context.memory, context.dlpar.ranges)
              : withRemoved(context.memory, context.dlpar.ranges),
        dlpar: null,
      })),
      dropDlpar: assign({ dlpar: null }),
      dropRegistration: assign({ registration: null }),
    },
  }).createMachine({
    id: 'firmware',
    initial: 'off',
    context: {
      memory: [{ start: 0, end: config.memoryBytes }],
      registration: null,
      regionsRegistered: 0,
      registeredThisBoot: false,
      dump: null,
      faults: {},
      dlpar: null,
    },
    // Calls that work the same whatever the registration state.
    on: {
      'firmware-error': { actions: 'armFault' },
      'fw.reset': { actions: 'resetAndBoot' },
      'fw.invalidate': { actions: 'invalidate' },
      'fw.unregister': { actions: 'unregister' },
      // ibm,os-term with nothing registered: the firmware just reboots [I].
      'fw.os-term': {
        actions: [{ type: 'lost', params: { reason: 'the firmware holds no registration' } }, 'resetAndBoot'],
      },
      'memory-hotplug': [
        { guard: 'dlparPossible', actions: 'requestDlpar' },
        {
          actions: {
            type: 'ignore',
            params: { reason: "the HMC refuses: beyond the LPAR profile's minimum or maximum memory" },
          },
        },
      ],
      'dlpar.result': [{ guard: 'dlparAccepted', actions: 'commitDlpar' }, { actions: 'dropDlpar' }],
      boot: { actions: { type: 'ignore', params: { reason: 'the system is already running' } } },
    },
    states: {
      off: {
        on: {
          boot: { target: 'noDumpRegistered', actions: 'bootOs' },
          'firmware-error': { actions: 'armFault' },
          '*': { actions: { type: 'ignore', params: { reason: 'the system is powered off: boot first' } } },
        },
      },
      noDumpRegistered: {
        on: {
          'fw.register': [
            { guard: 'registerTakes', target: 'registered', actions: { type: 'register', params: { already: false } } },
            { actions: { type: 'register', params: { already: false } } },
          ],
        },
      },
      registered: {
        on: {
          'fw.register': { actions: { type: 'register', params: { already: true } } },
          'fw.unregister': [
            { guard: 'unregisterTakes', target: 'noDumpRegistered', actions: 'unregister' },
            { actions: 'unregister' },
          ],
          'fw.os-term': [
            { guard: 'mpiplFails', actions: ['mpiplFailed', 'resetAndBoot'] },
            // No source says what PHYP does with a destination the partition no longer has; the
            // model takes it that nothing is copied and the registration is gone [I].
            {
              guard: 'destinationGone',
              target: 'noDumpRegistered',
              actions: [
                {
                  type: 'lost',
                  params: {
                    reason:
                      'the registration names destination memory the partition no longer has (hot-removed while registered): nothing is copied [I]',
                  },
                },
                'dropRegistration',
                'resetAndBoot',
              ],
            },
            { target: 'dumpPending', actions: 'preserve' },
          ],
        },
      },
      dumpPending: {
        on: {
          'fw.invalidate': { target: 'noDumpRegistered', actions: 'invalidate' },
          // A production boot registering while a dump is held: the kernel found the dump not
          // active (OPAL: no range registered), so the new registration replaces it [I].
          'fw.register': [
            {
              guard: 'registerTakes',
              target: 'registered',
              actions: ['invalidate', { type: 'register', params: { already: false } }],
            },
            { actions: { type: 'register', params: { already: false } } },
          ],
        },
      },
    },
  });
}

export type FirmwareMachine = ReturnType<typeof firmwareMachine>;
