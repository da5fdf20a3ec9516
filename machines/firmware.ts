// The firmware: PHYP/RTAS on pSeries, OPAL on PowerNV (docs/kernel-behaviour.md §1.2, §1.3,
// §4). It owns the partition's memory (DLPAR goes through it), holds the registration,
// preserves memory at a crash and boots the next kernel with the dump pending.
import { produce } from 'immer';
import { unregisterOk } from './kernel-rules';
import { assign, enqueueActions, setup } from 'xstate';
import { kernelCmdline, type Config } from '../src/config';
import {
  faultValue,
  hotplugTarget,
  NOT_TRIGGERED,
  type AnyEvent,
  type FaultCall,
  type FirmwareRc,
  type InternalEvent,
  type PreservedDump,
  type Registration,
} from '../src/events';
import {
  dlparRanges,
  insideMemory,
  normalize,
  registeredRanges,
  withAdded,
  withRemoved,
  type Range,
} from '../src/memory/layout';
import { qemuUncopiedSections } from '../src/memory/boot-regions';

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
  /** The partition's processors (DLPAR-added ones stay assigned across a reset, as QEMU's
   *  hot-plugged cores do), which the next boot finds (§11). */
  cpusPresent: number;
  /** The boot loader's stored command line (grub's default entry, petitboot's), which every boot
   *  passes on: set by a `boot` or `reboot` with a `cmdline` (§12); null: the configuration's. It
   *  survives resets and crashes (it is on disk / in NVRAM), so the capture boots run under it. */
  cmdline: string | null;
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

export function firmwareMachine(config: Config) {
  const bootEvent = (
    memory: Range[],
    dump: PreservedDump | null,
    cpus: number,
    cmdline: string | null,
  ): InternalEvent =>
    // pSeries boots the kernel through the normal bootloader; OPAL boots petitboot first (§4).
    // The processors travel only once DLPAR changed them (§11), so that other boots read as before;
    // the command line only once a boot or reboot set one (§12).
    config.platform === 'pseries'
      ? {
          type: 'os.boot',
          memory,
          dump,
          ...(cpus !== config.onlineCpus ? { cpus } : {}),
          ...(cmdline !== null ? { cmdline } : {}),
        }
      : { type: 'bootloader.start', memory, dump, ...(cmdline !== null ? { cmdline } : {}) };

  /** The stored command line after a boot or reboot that gives `given` (§12): null when it is the
   *  configuration's own, so that such a boot is the state a boot without one reaches. */
  const storedCmdline = (current: string | null, given: string | undefined): string | null =>
    given === undefined ? current : given === kernelCmdline(config) ? null : given;

  /** PHYP's ibm,configure-kernel-dump answers -3 (parameter error) when a section it is asked to
   *  preserve or copy to is not the partition's memory (a boot region's source, the copy's
   *  destination, the CPU state and HPTE sections: src/memory/layout.ts registeredRanges). PAPR
   *  lists -3 as "Parameter error" for the call; that PHYP checks the addresses against the
   *  partition's memory is what rtas_fadump_register()'s -3 branch implies, asking
   *  is_fadump_reserved_mem_contiguous() ("Can't have holes in reserved memory area.") [I]. OPAL
   *  is not modelled so: skiboot's opal_mpipl_update() checks are another story [I]. QEMU's
   *  do_fadump_register() (hw/ppc/spapr_fadump.c) checks the header's version and section count
   *  only, no address: it registers a section over a hole or with a wrapped size
   *  ("Registration is successful!", test/real/pseries-*-boot-mem-two-regions.jsonl). */
  const parameterError = (r: Registration, memory: readonly Range[]): boolean =>
    config.platform === 'pseries' && config.firmware !== 'qemu' && !insideMemory(registeredRanges(r), memory);

  /** QEMU's boot-memory sections that fail to copy (src/memory/boot-regions.ts
   *  qemuUncopiedSections()), as the dump's sectionErrors; {} when none or on PowerVM. */
  const qemuSectionErrors = (r: Registration, memory: readonly Range[]): { sectionErrors?: number[] } => {
    if (config.platform !== 'pseries' || config.firmware !== 'qemu') return {};
    const bad = qemuUncopiedSections(r.bootRegions, r.bootMemDest, normalize(memory));
    return bad.length > 0 ? { sectionErrors: bad } : {};
  };

  /** What the crash finds gone (destinationGone): every registered range on PowerVM; under QEMU
   *  the CPU state and HPTE sections only, as QEMU copies each boot-memory section on its own and
   *  marks one it cannot copy (qemuUncopiedSections(), the dump's sectionErrors). */
  const goneCheckedRanges = (r: Registration): Range[] =>
    config.firmware === 'qemu'
      ? [{ start: r.area.start, end: r.bootMemDest }].filter((x) => x.end > x.start)
      : registeredRanges(r);

  /** The firmware's answer to a registration: an injected fault; a registration already in place
   *  (`keeps`: PHYP -9, OPAL_PARAMETER); PHYP's parameter error; else success. */
  const registerRc = (context: FirmwareContext, r: Registration, keeps: boolean): FirmwareRc =>
    context.faults.register ??
    (keeps ? (config.platform === 'pseries' ? -9 : 'OPAL_PARAMETER') : parameterError(r, context.memory) ? -3 : 0);

  /** The DLPAR request the HMC sends the kernel for a memory-hotplug event, or null when it
   *  refuses (src/memory/layout.ts dlparRanges). */
  const dlparRequest = (
    memory: readonly Range[],
    e: Extract<AnyEvent, { type: 'memory-hotplug' }>,
  ): Extract<InternalEvent, { type: 'dlpar.request' }> | null => {
    const target = hotplugTarget(e, config.lmbBytes);
    const ranges = dlparRanges(memory, target, e.action, {
      lmbBytes: config.lmbBytes,
      minBytes: config.minMemoryBytes,
      maxBytes: config.maxMemoryBytes,
    });
    return ranges === null ? null : { type: 'dlpar.request', action: e.action, by: target.by, ranges };
  };

  return setup({
    types: {
      context: {} as FirmwareContext,
      events: {} as AnyEvent,
      emitted: {} as InternalEvent,
    },
    guards: {
      registerTakes: ({ context, event }) =>
        event.type === 'fw.register' && registerTakes(registerRc(context, event.registration, false)),
      unregisterTakes: ({ context }) => unregisterOk(context.faults.unregister ?? 0),
      /** OPAL: opal_cec_reboot2(MPIPL) failing means the normal panic path continues (§1 Crash). */
      mpiplFails: ({ context }) => config.platform === 'powernv' && context.faults.preserve !== undefined,
      /** The firmware takes this ending here (§13): endingRefusal() has no reason against it. */
      usable: (_args: unknown, p: { event: EndingName }) => endingRefusal(config, p.event) === null,
      /** A firmware-initiated MPIPL finds a dump for the next kernel: the running kernel's own
       *  metadata (the KERNEL tag's opal_fdm) counts registered regions, which it does only when
       *  this kernel's registration took some (§13.5). */
      mpiplPreserves: ({ context }) =>
        endingRefusal(config, 'mpipl') === null && context.registeredThisBoot && context.regionsRegistered > 0,
      dlparPossible: ({ context, event }) =>
        event.type === 'memory-hotplug' && dlparRequest(context.memory, event) !== null,
      dlparAccepted: ({ event }) => event.type === 'dlpar.result' && event.errno === null,
      /** pSeries: what the registration names (CPU state, HPTE, the boot-memory copy and its
       *  source) is no longer all partition memory: an LMB of it was hot-removed while registered,
       *  which 4.20 to 5.1 allowed for the CMA part of the area (docs/kernel-behaviour.md §10.5). */
      destinationGone: ({ context }) =>
        config.platform === 'pseries' &&
        context.registration !== null &&
        !insideMemory(goneCheckedRanges(context.registration), context.memory),
    },
    actions: {
      ignore: enqueueActions(({ enqueue }, params: { reason: string }) => {
        enqueue.emit({ type: 'ignored', reason: params.reason });
      }),
      /** Power on, with the stored command line, which a `boot` with `cmdline` sets first (§12). */
      bootOs: enqueueActions(({ enqueue, context, event }) => {
        const cmdline = storedCmdline(context.cmdline, event.type === 'boot' ? event.cmdline : undefined);
        if (cmdline !== context.cmdline) enqueue.assign({ cmdline });
        enqueue.emit(bootEvent(context.memory, context.dump, context.cpusPresent, cmdline));
      }),
      /** A reset without a dump being taken (reboot, plain panic): whatever dump is pending stays.
       *  A reboot's new command line is stored first (§12). */
      resetAndBoot: enqueueActions(({ enqueue, context, event }) => {
        const cmdline = storedCmdline(context.cmdline, event.type === 'fw.reset' ? event.cmdline : undefined);
        enqueue.assign(
          cmdline !== context.cmdline ? { registeredThisBoot: false, cmdline } : { registeredThisBoot: false },
        );
        enqueue.emit({ type: 'hw.reset' });
        enqueue.emit(bootEvent(context.memory, context.dump, context.cpusPresent, cmdline));
      }),
      register: enqueueActions(({ enqueue, context, event }, p: { already: boolean }) => {
        if (event.type !== 'fw.register') return;
        // A registration already in place (an unregister failed before): PHYP answers -9 and
        // keeps it (§1 Register: "-9 → registered and -EEXIST"). OPAL: opal_fadump_register adds
        // ranges from opal_fdm->registered_regions on, so the kernel that registered them adds
        // none and gets OPAL_PARAMETER (-EIO), while a new boot's fresh metadata adds them all.
        const keeps = p.already && (config.platform === 'pseries' || context.registeredThisBoot);
        const rc = registerRc(context, event.registration, keeps);
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
          ...qemuSectionErrors(context.registration, context.memory),
          regionsRegistered: context.regionsRegistered,
          memoryIntact: true,
          // §11: the registers of every processor the partition has now are saved.
          ...(context.cpusPresent !== config.onlineCpus ? { cpusAtCrash: context.cpusPresent } : {}),
        };
        enqueue.assign({ dump, registration: null, faults: consumed(context.faults, 'preserve', 'preserve-partial') });
        enqueue.emit({ type: 'hw.reset' });
        enqueue.emit(bootEvent(context.memory, dump, context.cpusPresent, context.cmdline));
      }),
      mpiplFailed: enqueueActions(({ enqueue, context }) => {
        enqueue.assign({ faults: consumed(context.faults, 'preserve', 'preserve-partial') });
        enqueue.emit({ type: 'dump.lost', reason: 'opal_cec_reboot2(MPIPL) failed: the normal panic path continues' });
      }),
      lost: enqueueActions(({ enqueue }, params: { reason: string }) => {
        enqueue.emit({ type: 'dump.lost', reason: params.reason });
      }),
      invalidate: assign({ dump: null }),
      /** kexec -e (§13.1): no firmware boot, no petitboot: the new kernel starts with the old
       *  kernel's device tree, which announces no dump; its fadump metadata is its own (OPAL:
       *  registered_regions 0 in the new opal_fdm). */
      kexecBoot: enqueueActions(({ enqueue, context }) => {
        enqueue.assign({ registeredThisBoot: false });
        enqueue.emit({ type: 'hw.reset' });
        enqueue.emit({
          type: 'os.boot',
          memory: context.memory,
          dump: null,
          ...(context.cpusPresent !== config.onlineCpus ? { cpus: context.cpusPresent } : {}),
          // `kexec -l` of the boot entry: the stored command line (§12) [I].
          ...(context.cmdline !== null ? { cmdline: context.cmdline } : {}),
        });
      }),
      /** Power off (§13.2): the firmware forgets the registration and whatever dump it held;
       *  memory is not preserved. The partition keeps its LMBs and processors [I]. */
      powerOff: enqueueActions(({ enqueue }) => {
        enqueue.assign({
          registration: null,
          dump: null,
          regionsRegistered: 0,
          registeredThisBoot: false,
          dlpar: null,
        });
        enqueue.emit({ type: 'hw.reset' });
      }),
      /** A firmware-initiated MPIPL (§13.5) with the kernel's ranges registered: hostboot/SBE copy
       *  them as at a kernel-requested MPIPL, but crash_fadump() never ran, so the crash info header
       *  is the one written at registration (crashing_cpu FADUMP_CPU_UNKNOWN). Injected faults are
       *  for opal_cec_reboot2(), which nobody calls here: they stay armed [I]. */
      firmwareMpipl: enqueueActions(({ enqueue, context }) => {
        const r = context.registration;
        if (r === null) return;
        const dump: PreservedDump = {
          ...r,
          memoryAtCrash: context.memory,
          errorFlags: false,
          regionsDumped: r.bootRegions.length,
          regionsRegistered: context.regionsRegistered,
          memoryIntact: true,
          ...(context.cpusPresent !== config.onlineCpus ? { cpusAtCrash: context.cpusPresent } : {}),
        };
        enqueue.assign({ dump, registration: null, registeredThisBoot: false });
        enqueue.emit({ type: 'hw.reset' });
        enqueue.emit(bootEvent(context.memory, dump, context.cpusPresent, context.cmdline));
      }),
      refuseEnding: enqueueActions(({ enqueue }, p: { event: EndingName }) => {
        enqueue.emit({
          type: 'ignored',
          reason: endingRefusal(config, p.event) ?? `no running kernel takes ${p.event} here [I]`,
        });
      }),
      observeNone: enqueueActions(({ enqueue }, params: { reason: string }) => {
        enqueue.emit({ type: 'dump.none', reason: params.reason });
      }),
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
        const request = dlparRequest(context.memory, event);
        if (request === null) return;
        enqueue.assign({ dlpar: { action: event.action, ranges: request.ranges } });
        enqueue.emit(request);
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
      recordCpus: assign({
        cpusPresent: ({ context, event }) => (event.type === 'dlpar.cpus' ? event.present : context.cpusPresent),
      }),
      dropRegistration: assign({ registration: null }),
    },
  }).createMachine({
    id: 'firmware',
    initial: 'off',
    context: {
      memory: config.memoryAtBoot.map((r) => ({ ...r })),
      registration: null,
      regionsRegistered: 0,
      registeredThisBoot: false,
      dump: null,
      faults: {},
      dlpar: null,
      cpusPresent: config.onlineCpus,
      cmdline: null,
    },
    // Calls that work the same whatever the registration state.
    on: {
      'firmware-error': { actions: 'armFault' },
      'fw.reset': { actions: 'resetAndBoot' },
      'fw.kexec': { actions: 'kexecBoot' },
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
      'dlpar.cpus': { actions: 'recordCpus' },
      // No kernel that takes processor DLPAR runs (kdump's or the 2007 dump's capture kernel) [I].
      'cpu-hotplug': {
        actions: {
          type: 'ignore',
          params: { reason: 'the model states processor DLPAR only for fadump-capable kernels' },
        },
      },
      boot: { actions: { type: 'ignore', params: { reason: 'the system is already running' } } },
      ...endingTransitions(),
    },
    states: {
      off: {
        on: {
          boot: { target: 'noDumpRegistered', actions: 'bootOs' },
          'firmware-error': { actions: 'armFault' },
          'power-off': { actions: { type: 'ignore', params: { reason: 'the system is already powered off' } } },
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
          // With no range taken (OPAL_RESOURCE at the first), the root's answer: nothing announced.
          mpipl: { guard: 'mpiplPreserves', target: 'dumpPending', actions: 'firmwareMpipl' },
        },
      },
      dumpPending: {
        on: {
          // A reset without the OS while a dump is held: the firmware boots again with it, as after
          // a plain panic of the capture kernel [I].
          'watchdog-reset': [
            { guard: usable('watchdog-reset'), actions: 'resetAndBoot' },
            ...refusedEnding('watchdog-reset'),
          ],
          mpipl: [{ guard: usable('mpipl'), actions: 'resetAndBoot' }, ...refusedEnding('mpipl')],
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

/** Why the firmware does not take an ending event here (§13), or null when it does. */
function endingRefusal(config: Config, event: EndingName): string | null {
  if (config.mechanism !== 'fadump')
    return `the model states ${event} for fadump kernels only, not mechanism "${config.mechanism}" [I]`;
  if (event === 'mpipl' && config.platform !== 'powernv')
    return "a firmware-initiated MPIPL is OPAL's (PowerNV): pSeries has none; the HMC's dump restart (dump-restart) is the nearest";
  if (event === 'petitboot-crash' && config.platform !== 'powernv')
    return 'pSeries boots without petitboot: there is no petitboot kernel to crash';
  return null;
}

/** The endings the firmware itself carries out (§13); kexec-reboot and dump-restart are the kernel's. */
type EndingEvent = 'power-off' | 'watchdog-reset' | 'mpipl' | 'petitboot-crash';
type EndingName = 'kexec-reboot' | EndingEvent;

/** The firmware's answer to an ending it does not take: its reason as an `ignored` observation. */
function refusedEnding(event: EndingName) {
  return [{ actions: { type: 'refuseEnding' as const, params: { event } } }];
}

export type FirmwareMachine = ReturnType<typeof firmwareMachine>;

const usable = (event: EndingName) => ({ type: 'usable' as const, params: { event } });

/** An ending the firmware carries out without the OS, where it can (`usable`): nothing calls the
 *  dump mechanism (outcome not-triggered, `reason`), and the firmware boots again; refused
 *  elsewhere. */
function notTriggered(event: EndingName, reason: string) {
  return [
    { guard: usable(event), actions: [{ type: 'observeNone' as const, params: { reason } }, 'resetAndBoot' as const] },
    ...refusedEnding(event),
  ];
}

/** The endings while the system runs (§13), where no state below says otherwise. */
function endingTransitions() {
  return {
    // kexec -e is the running kernel's; the firmware hears it only when no kernel took it.
    'kexec-reboot': refusedEnding('kexec-reboot'),
    // The running kernels took it as a crash (system_reset_exception()); none runs here [I].
    'dump-restart': {
      actions: { type: 'ignore' as const, params: { reason: 'no kernel runs to take the system reset interrupt [I]' } },
    },
    'power-off': [
      { guard: usable('power-off'), target: '#firmware.off', actions: 'powerOff' as const },
      ...refusedEnding('power-off'),
    ],
    'watchdog-reset': notTriggered('watchdog-reset', NOT_TRIGGERED.watchdog),
    // No kernel range registered: the KERNEL tag's opal_fdm shows registered_regions == 0
    // (opal_fadump_dt_scan(): "Kernel regions not registered with f/w for MPIPL"), so the kernel
    // boots as production; OPAL's own core is not modelled outside a capture boot [I].
    mpipl: notTriggered('mpipl', NOT_TRIGGERED.mpiplUnregistered),
    'petitboot-crash': refusedEnding('petitboot-crash'),
  };
}
