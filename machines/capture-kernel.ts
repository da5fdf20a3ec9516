// The capture (second) kernel: early boot reserving everything above boot_mem_top, the header
// check, the elfcorehdr, /proc/vmcore, the dump saved, and release_mem, after which it is the
// production kernel again without a reboot (docs/kernel-behaviour.md §1.4, §1.5, §2, §3).
import { enqueueActions, setup } from 'xstate';
import { bootConfig, kernelCmdline, type Config } from '../src/config';
import { captureCmdline } from '../src/memory/cmdline';
import {
  KEXEC_SYSCALL,
  resetFor,
  type AnyEvent,
  type Handover,
  type InternalEvent,
  type KernelCpus,
  type PreservedDump,
} from '../src/events';
import { cpuDlpar, cpusAtBoot } from '../src/memory/cpus';
import { normalize, type PtLoad, type Range } from '../src/memory/layout';
import { fadumpFiles } from '../src/sysfs/files';
import { lostReason } from '../src/dump-target';
import { storeOutcome, type StoreOutcome } from '../src/sysfs/store';
import {
  areaAtCapture,
  captureElfcorehdr,
  captureReadsParamArea,
  captureSees,
  dumpActiveAtBoot,
  dumpBootMemorySize,
  headerProblem,
  hotplugReadyIn,
  platformProblem,
  savedCommandLineLen,
} from './kernel-rules';

export interface CaptureKernelContext {
  /** memblock of this boot: all the partition's memory; everything above boot_mem_top is reserved. */
  memory: Range[];
  dump: PreservedDump | null;
  /** The memory this kernel may use: everything below boot_mem_top (§1 capture boot; Fig. 2 of
   *  firmware-assisted-dump.rst). */
  usable: Range[];
  /** The elfcorehdr's PT_LOADs behind /proc/vmcore. */
  ptLoads: PtLoad[] | null;
  /** Why processing failed, when it did. */
  problem: string | null;
  /** The param area inherited from the crashed kernel (pSeries), read at early boot. */
  paramArea: string | null;
  opalCore: 'present' | 'released' | null;
  /** The CPUs this boot knows (§11): the partition's processors, capped by nr_cpus= of the command
   *  line with the param area appended. */
  cpus: KernelCpus;
  /** The boot loader's command line this boot got, when a boot or reboot set one (§12); null: the
   *  configuration's. */
  cmdline: string | null;
}

type Ctx = CaptureKernelContext;
type WriteKind = 'errno' | 'release' | 'release-core';

function writeOf(event: AnyEvent): { path: string; value: string; origin: 'user' | 'kdump-service' } | null {
  if (event.type === 'write') return { path: event.path, value: event.value, origin: 'user' };
  if (event.type === 'sysfs.write') return { path: event.path, value: event.value, origin: 'kdump-service' };
  return null;
}

export function captureKernelMachine(config: Config) {
  const hotplugReady = hotplugReadyIn(config, 'capture');
  /** No capture kernel runs: before its boot and after it hands over or goes down. */
  const offContext = (): CaptureKernelContext => ({
    memory: [],
    usable: [],
    dump: null,
    ptLoads: null,
    problem: null,
    paramArea: null,
    opalCore: null,
    cpus: bootCpus(config.onlineCpus, null, config),
    cmdline: null,
  });
  /** The configuration this boot runs under (§12): the stored command line's fadump=, crashkernel=. */
  const bootOf = (c: Ctx): Config => bootConfig(config, c.cmdline);
  /** fadump= of the stored line. The kernel parses the param area's string too (§1 early boot 3
   *  comes before 2), but a capture boot with fadump off (the dump left unprocessed and pending,
   *  §9.2) is not stated: an appended fadump= is not applied [I]. */
  const fadumpOf = (c: Ctx): Config['fadump'] => bootOf(c).fadump;
  const cmdlineLength = (c: Ctx) => savedCommandLineLen(bootOf(c), c.paramArea);

  /** §11: the capture boot's CPUs; fadump_append_bootargs() puts the param area's string after the
   *  command line (§1 early boot 3), so its nr_cpus= counts. */
  const bootCpus = (present: number, paramArea: string | null, boot: Config): KernelCpus =>
    cpusAtBoot(
      present,
      config.cpus,
      config.nrCpus,
      paramArea === null ? kernelCmdline(boot) : `${kernelCmdline(boot)} ${paramArea}`,
    );
  const cpuRequest = (c: Ctx, event: AnyEvent) =>
    event.type === 'cpu-hotplug' ? cpuDlpar(c.cpus, config.cpus, event.action, event.cpus) : null;

  const files = (c: Ctx) =>
    fadumpFiles({ supported: true, hotplugReady, releaseMemFile: true, paramArea: c.paramArea, opalCore: c.opalCore });

  const outcome = (c: Ctx, event: AnyEvent, dumpActive: boolean): StoreOutcome | null => {
    const w = writeOf(event);
    if (w === null) return null;
    const view = {
      enabled: true,
      dumpActive,
      registered: false,
      eexistOnReregister: false,
      cmdlineLength: cmdlineLength(c),
      opalCore: c.opalCore,
    };
    return storeOutcome(view, files(c), w.path, w.value);
  };

  /** What the production kernel takes over at release: the permanent area (the crashed kernel's
   *  start, this build's size: the same as the crashed kernel's when the builds match); and no
   *  kernel is booted, so this build with its command line runs on (§1 "Release", early boot 4). */
  const handover = (c: Ctx): Handover | null =>
    c.dump === null
      ? null
      : {
          build: 'capture',
          savedCommandLineLen: cmdlineLength(c),
          memory: c.memory,
          enabled: true,
          nocma: fadumpOf(c) === 'nocma',
          reservation: {
            bootMemorySize: dumpBootMemorySize(c.dump),
            bootRegions: c.dump.bootRegions,
            bootMemTop: c.dump.bootMemTop,
            bootMemDest: c.dump.bootMemDest,
            area: areaAtCapture(config, c.dump, c.memory),
            cma: null,
          },
          paramArea: c.paramArea,
          opalCore: c.opalCore,
          cpus: c.cpus,
          // §12: the build that runs on keeps its /proc/cmdline (the configuration's: null).
          cmdline: procCmdline(c),
        };
  /** /proc/cmdline of this boot, null when it is the configuration's own line (§12). */
  const procCmdline = (c: Ctx): string | null => {
    const line = captureCmdline(c.cmdline ?? kernelCmdline(config), c.paramArea);
    return line === kernelCmdline(config) ? null : line;
  };

  return setup({
    types: { context: {} as Ctx, events: {} as AnyEvent, emitted: {} as InternalEvent },
    guards: {
      /** kdump.sh's save fails on the configured dump target fault (src/dump-target.ts). */
      saveFails: ({ event }) => event.type === 'save-dump' && config.dumpTargetFault !== null,
      dumpActive: ({ event }) => event.type === 'os.boot' && dumpActiveAtBoot(config, event.dump),
      processingFailed: ({ context }) => context.problem !== null,
      cpuDlparTakes: ({ context, event }) => cpuRequest(context, event)?.ok === true,
      writeIs: ({ context, event }, p: { kind: WriteKind }) => {
        const o = outcome(context, event, true);
        return o !== null && ('errno' in o ? 'errno' : o.op) === p.kind;
      },
    },
    actions: {
      ignore: enqueueActions(({ enqueue }, params: { reason: string }) => {
        enqueue.emit({ type: 'ignored', reason: params.reason });
      }),
      /** Early boot with dump_active: header check, platform processing, elfcorehdr (§1 capture 1-4). */
      captureBoot: enqueueActions(({ enqueue, event }) => {
        if (event.type !== 'os.boot' || event.dump === null) return;
        // §1.1 item 4: the dump structure as rtas_fadump_get_config() reads it (a double count misplaces
        // the header and boot_mem_top).
        const dump = captureSees(config, event.dump);
        const paramArea = captureReadsParamArea(config) ? dump.paramArea : null;
        const cmdline = event.cmdline ?? null;
        const problem =
          fadumpOf({ ...offContext(), cmdline, paramArea }) === 'off'
            ? 'fadump=off: the dump is not processed'
            : (headerProblem(config, dump.header) ?? platformProblem(config, dump));
        enqueue.assign({
          memory: event.memory,
          // §1 early boot 4: active: all memory above boot_mem_top is reserved.
          usable: normalize(event.memory.map((r) => ({ start: r.start, end: Math.min(r.end, dump.bootMemTop) }))),
          dump,
          problem,
          ptLoads: problem === null ? captureElfcorehdr(config, dump, event.memory) : null,
          // §1 early boot 3: the param area string is appended to the capture kernel's command line
          // (by a capture build that knows the param area, 6.10+).
          paramArea,
          // §2: OPAL exports its own memory as /sys/firmware/opal/mpipl/core.
          opalCore: config.platform === 'powernv' ? 'present' : null,
          cpus: bootCpus(event.cpus ?? config.onlineCpus, paramArea, bootConfig(config, cmdline)),
          cmdline,
        });
      }),
      exportVmcore: enqueueActions(({ enqueue }) => {
        enqueue.emit({ type: 'dump.captured' });
        // kdumpctl in a capture boot saves the dump; it does not register.
        enqueue.emit({ type: 'userspace.start', registered: false, fadumpEnabled: true, capture: true });
      }),
      /** §1 capture 5: every failure invalidates and releases: the dump is lost. The kernel then runs
       *  on as a production kernel. */
      invalidateAndRelease: enqueueActions(({ enqueue, context }) => {
        const h = handover(context);
        enqueue.emit({ type: 'fw.invalidate' });
        enqueue.emit({ type: 'dump.lost', reason: context.problem ?? 'processing failed' });
        if (h !== null) enqueue.emit({ type: 'kernel.handover', handover: h });
        enqueue.emit({ type: 'userspace.start', registered: false, fadumpEnabled: true, capture: false });
        enqueue.assign({ dump: null, ptLoads: null });
      }),
      /** release_mem: tear down vmcore, invalidate, free all but the permanent area (§1 Release). */
      release: enqueueActions(({ enqueue, context, event }) => {
        const w = writeOf(event);
        const h = handover(context);
        enqueue.emit({ type: 'fw.invalidate' });
        if (h !== null) enqueue.emit({ type: 'kernel.handover', handover: h });
        if (w !== null) enqueue.emit({ type: 'sysfs.result', path: w.path, errno: null, origin: w.origin });
        enqueue.assign({ dump: null, ptLoads: null });
      }),
      reply: enqueueActions(({ enqueue, context, event }) => {
        const w = writeOf(event);
        const o = outcome(context, event, true);
        if (w === null || o === null) return;
        if ('op' in o && o.op === 'release-core') enqueue.assign({ opalCore: 'released' });
        enqueue.emit({ type: 'sysfs.result', path: w.path, errno: 'errno' in o ? o.errno : null, origin: w.origin });
      }),
      /** Not registered: a plain panic. The firmware still holds the dump, so the next boot
       *  captures it again. */
      plainPanic: enqueueActions(({ enqueue }) => {
        enqueue.emit({ type: 'fw.reset' });
      }),
      /** fadump_cleanup(): active → invalidate the dump (§1 Register), on a reboot as on kexec -e
       *  (§13.1: every release invalidates an active dump there). */
      shutdown: enqueueActions(({ enqueue, event }, p: { saved: boolean; kexec?: boolean }) => {
        enqueue.emit({ type: 'fw.invalidate' });
        if (!p.saved)
          enqueue.emit({
            type: 'dump.lost',
            reason: `${p.kexec === true ? 'kexec -e' : 'reboot'} invalidated the dump before it was saved`,
          });
        enqueue.emit(p.kexec === true ? { type: 'fw.kexec' } : resetFor(event));
      }),
      /** kdump.sh's save failed on the dump target: its failure_action, `systemctl reboot -f` by
       *  default, reboots this kernel, and machine_shutdown()'s fadump_cleanup() invalidates the
       *  active dump (src/dump-target.ts, docs/kernel-behaviour.md §5 "The dump target"). */
      saveFailed: enqueueActions(({ enqueue }) => {
        if (config.dumpTargetFault === null) return;
        enqueue.emit({ type: 'fw.invalidate' });
        enqueue.emit({ type: 'dump.lost', reason: lostReason(config.dumpTarget, config.dumpTargetFault, 'fadump') });
        enqueue.emit({ type: 'fw.reset' });
      }),
      /** Power off (§13.2): memory is gone, and with it a dump not yet saved. */
      poweredOff: enqueueActions(({ enqueue }, p: { saved: boolean }) => {
        if (!p.saved)
          enqueue.emit({ type: 'dump.lost', reason: 'powered off before the dump was saved: memory is not preserved' });
      }),
      /** Memory above boot_mem_top is memblock-reserved until release: it cannot be offlined [I].
       *  Hot-add is refused too while the dump is held [I]: a bound of the model, since memory added
       *  now would appear in a re-capture after a capture-kernel panic. */
      dlparReject: enqueueActions(({ enqueue }) => {
        enqueue.emit({ type: 'dlpar.result', errno: 'EINVAL' });
      }),
      /** §11: processor DLPAR works here as in the first kernel (hotplug-cpu.c has no fadump case). */
      cpuApply: enqueueActions(({ enqueue, context, event }) => {
        const r = cpuRequest(context, event);
        if (r === null || !r.ok || event.type !== 'cpu-hotplug') return;
        enqueue.assign({ cpus: r.cpus });
        enqueue.emit({ type: 'dlpar.cpus', present: r.cpus.present });
        if (event.action === 'add')
          enqueue.emit({ type: 'uevent.cpu', fadumpEnabled: true, crashHotplug: config.crashHotplug });
      }),
      cpuReject: enqueueActions(({ enqueue, context, event }) => {
        const r = cpuRequest(context, event);
        if (r === null || r.ok) return;
        enqueue.emit({ type: 'dlpar.result', errno: r.errno });
      }),
      clear: enqueueActions(({ enqueue }) => {
        enqueue.assign(offContext());
      }),
      /** kexec -p here: a capture kernel reserves no crashkernel= memory (§6: only when
       *  fadump did not reserve), so there is nowhere to load a crash kernel [I]. */
      kexecNoMemory: enqueueActions(({ enqueue }) => {
        enqueue.emit({ type: 'sysfs.result', path: KEXEC_SYSCALL, errno: 'EADDRNOTAVAIL', origin: 'user' });
      }),
      kexecNothingToUnload: enqueueActions(({ enqueue }) => {
        enqueue.emit({ type: 'sysfs.result', path: KEXEC_SYSCALL, errno: null, origin: 'user' });
      }),
    },
  }).createMachine({
    id: 'captureKernel',
    initial: 'off',
    context: offContext(),
    states: {
      off: {
        on: { 'os.boot': { guard: 'dumpActive', target: 'booting', actions: 'captureBoot' } },
      },
      booting: {
        tags: ['transient'],
        always: [
          { guard: 'processingFailed', target: 'off', actions: ['invalidateAndRelease', 'clear'] },
          { target: 'dumpAvailable.vmcore', actions: 'exportVmcore' },
        ],
      },
      /** /proc/vmcore is exported; memory above boot_mem_top stays reserved until release. */
      dumpAvailable: {
        initial: 'vmcore',
        on: {
          write: writeTransitions(),
          'sysfs.write': writeTransitions(),
          crash: { target: 'crashed', actions: 'plainPanic' },
          // §13.4: a system reset interrupt ends this kernel as a panic does.
          'dump-restart': { target: 'crashed', actions: 'plainPanic' },
          // §13: a reset without the OS (the watchdog, a firmware-initiated MPIPL).
          'hw.reset': { target: 'off', actions: 'clear' },
          'dlpar.request': { actions: 'dlparReject' },
          'cpu-hotplug': [{ guard: 'cpuDlparTakes', actions: 'cpuApply' }, { actions: 'cpuReject' }],
          'kexec-load': { actions: 'kexecNoMemory' },
          'kexec-unload': { actions: 'kexecNothingToUnload' },
        },
        states: {
          vmcore: {
            on: {
              'save-dump': [
                { guard: 'saveFails', target: '#captureKernel.shuttingDown', actions: 'saveFailed' },
                { target: 'saved' },
              ],
              reboot: {
                target: '#captureKernel.shuttingDown',
                actions: { type: 'shutdown', params: { saved: false } },
              },
              'kexec-reboot': {
                target: '#captureKernel.shuttingDown',
                actions: { type: 'shutdown', params: { saved: false, kexec: true } },
              },
              'power-off': {
                target: '#captureKernel.off',
                actions: [{ type: 'poweredOff', params: { saved: false } }, 'clear'],
              },
            },
          },
          saved: {
            on: {
              'save-dump': {
                actions: {
                  type: 'ignore',
                  params: { reason: 'the dump was already saved: copying it again changes nothing' },
                },
              },
              reboot: { target: '#captureKernel.shuttingDown', actions: { type: 'shutdown', params: { saved: true } } },
              'kexec-reboot': {
                target: '#captureKernel.shuttingDown',
                actions: { type: 'shutdown', params: { saved: true, kexec: true } },
              },
              'power-off': { target: '#captureKernel.off', actions: 'clear' },
            },
          },
        },
      },
      crashed: {
        on: { 'hw.reset': { target: 'off', actions: 'clear' } },
      },
      shuttingDown: {
        tags: ['transient'],
        on: { 'hw.reset': { target: 'off', actions: 'clear' } },
      },
    },
  });

  function writeTransitions() {
    return [
      {
        guard: { type: 'writeIs' as const, params: { kind: 'release' as const } },
        target: '#captureKernel.off',
        actions: ['release' as const, 'clear' as const],
      },
      { actions: 'reply' as const },
    ];
  }
}

export type CaptureKernelMachine = ReturnType<typeof captureKernelMachine>;
