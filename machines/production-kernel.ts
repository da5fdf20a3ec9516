// The production (first) kernel: boot with fadump=, crashkernel=, reservation and CMA; running
// with registration and the memory map; crashed (docs/kernel-behaviour.md §1, §2, §4, §5).
import { enqueueActions, setup } from 'xstate';
import { bootConfig, type Config } from '../src/config';
import {
  KEXEC_SYSCALL,
  resetFor,
  type AnyEvent,
  type Errno,
  type Handover,
  type InternalEvent,
  type KernelBuild,
  type KernelCpus,
  type Reservation,
} from '../src/events';
import { kernelCmdline } from '../src/config';
import { cpuDlpar, cpusAtBoot, cpusOnline } from '../src/memory/cpus';
import { endOfDram, withAdded, withRemoved, type PtLoad, type Range } from '../src/memory/layout';
import { earlyReserved, reserveAtBoot } from '../src/memory/reserve';
import { crashkernelRange, kexecLoadRefusal } from '../src/memory/kdump';
import { phypScratchArea } from '../src/memory/phyp';
import { fadumpFiles } from '../src/sysfs/files';
import { storeOutcome, type StoreOutcome } from '../src/sysfs/store';
import {
  buildOf,
  dlparErrno,
  bootAllocationsLmb,
  dumpActiveAtBoot,
  headerFor,
  hotplugReadyIn,
  paramAreaAtBoot,
  phypDumpActiveAtBoot,
  registerOutcome,
  registration,
  savedCommandLineLen,
  kexecUnregisters,
  unregisterOk,
  type DlparKernelView,
} from './kernel-rules';

export interface ProductionKernelContext {
  /** The build that runs: the first kernel's after a boot without a dump, the capture kernel's
   *  after it ran on from release_mem or a failed capture (§1 "Release", "Capture boot" 5). It
   *  decides hotplug_ready (§2), the elfcorehdr at registration (§5) and the header written (§3). */
  build: KernelBuild;
  /** strlen(saved_command_line), for bootargs_append's -ENOSPC (§2): a capture build's includes
   *  the parameters it appended at its boot (§1 early boot 3). */
  savedCommandLineLen: number;
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
  /** kdump's crashkernel= reservation, made only when fadump did not reserve (§1 early boot 4,
   *  §6); null when none. */
  crashkernel: Range | null;
  /** Hypervisor-assisted dump's permanent scratch area at the top of RAM (phyp-assisted-dump.txt); null when
   *  none. */
  phypScratch: Range | null;
  /** The LMB holding memblock's top-down boot allocations, which does not offline
   *  (machines/kernel-rules.ts bootAllocationsLmb()). */
  bootAllocations: Range | null;
  /** The CPUs this kernel knows (§11): present and possible; all present ones it can number are
   *  online. */
  cpus: KernelCpus;
  /** The command line this kernel booted with, when a boot or reboot set one (§12); null: the
   *  configuration's. A capture build that runs on keeps its own (the handover's). */
  cmdline: string | null;
}

type Ctx = ProductionKernelContext;

/** What DLPAR meets in this kernel (machines/kernel-rules.ts DlparKernelView). */
export function dlparView(context: ProductionKernelContext, registered: boolean): DlparKernelView {
  return {
    build: context.build,
    registered,
    reservation: context.reservation,
    memory: context.memory,
    otherReserved: [context.crashkernel, context.phypScratch].filter((r): r is Range => r !== null),
    bootAllocations: context.bootAllocations,
  };
}
type WriteKind = 'errno' | 'noop' | 'register' | 'unregister' | 'reregister' | 'set' | 'release-core';

function writeOf(event: AnyEvent): { path: string; value: string; origin: 'user' | 'kdump-service' } | null {
  if (event.type === 'write') return { path: event.path, value: event.value, origin: 'user' };
  if (event.type === 'sysfs.write') return { path: event.path, value: event.value, origin: 'kdump-service' };
  return null;
}

/** The answer to a kexec -p / kexec -p -u: to the user as a syscall's result with its errno, to
 *  kdumpctl as kexec.result (written out here so that the system diagram sees both). */
function kexecAnswer(op: 'load' | 'unload', errno: Errno | null, origin: 'user' | 'kdump-service'): InternalEvent {
  return origin === 'user'
    ? { type: 'sysfs.result', path: KEXEC_SYSCALL, errno, origin: 'user' }
    : { type: 'kexec.result', op, errno, origin: 'kdump-service' };
}

/** The command line a kexec -p hands on for the kdump capture kernel (§12), when not the
 *  configuration's. */
function cmdlineOf(context: Ctx): { cmdline?: string } {
  return context.cmdline === null ? {} : { cmdline: context.cmdline };
}

function kindOf(o: StoreOutcome): WriteKind | 'release' {
  return 'errno' in o ? 'errno' : o.op;
}

/** A capture build that runs on: its boot allocations went below boot_mem_top, everything above
 *  being the crash area it reserved first (bootAllocationsLmb()). */
function capturedBootAllocations(config: Config, h: Handover): Range | null {
  const top = h.reservation?.bootMemTop ?? null;
  const reserved = top === null ? [] : [{ start: top, end: endOfDram(h.memory) }];
  if (h.phypScratch) reserved.push(h.phypScratch);
  return bootAllocationsLmb(h.memory, reserved, config.lmbBytes);
}

export function productionKernelMachine(config: Config) {
  /** What `kexec -p` answers before it loads anything into this crashk_res, null when it goes on
   *  (§6.1 "`kexec -p` that does not fit"; kexecLoadRefusal()). */
  const refusal = (ck: Range | null): Errno | null => kexecLoadRefusal(config, ck);
  /** §11: a first kernel's CPUs, booted with the command line of `boot` (§12: nr_cpus=). */
  const bootCpus = (present: number, boot: Config = config): KernelCpus =>
    cpusAtBoot(present, config.cpus, config.nrCpus, kernelCmdline(boot));
  /** What a DLPAR processor request would do here (§11). */
  const cpuRequest = (context: Ctx, event: AnyEvent) =>
    event.type === 'cpu-hotplug' ? cpuDlpar(context.cpus, config.cpus, event.action, event.cpus) : null;
  const outcome = (context: Ctx, event: AnyEvent, registered: boolean): StoreOutcome | null => {
    const w = writeOf(event);
    if (w === null) return null;
    const files = fadumpFiles({
      supported: context.supported,
      hotplugReady: hotplugReadyIn(config, context.build),
      releaseMemFile: context.releaseMemFile,
      paramArea: context.paramArea,
      opalCore: context.opalCore,
    });
    const view = {
      enabled: context.enabled,
      dumpActive: false,
      registered,
      eexistOnReregister: config.registeredWrite === 'eexist',
      einvalOnRepeat: config.registeredWrite === 'einval',
      cmdlineLength: context.savedCommandLineLen,
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
      /** §1 early boot 1: this boot has no active dump, so it is a production boot (phyp-assisted-dump.txt:
       *  a hypervisor-assisted dump's capture boot is not one either). */
      noActiveDump: ({ event }) =>
        event.type === 'os.boot' && !dumpActiveAtBoot(config, event.dump) && !phypDumpActiveAtBoot(config, event.dump),
      /** kdump memory is reserved: a crash goes to __crash_kexec(), kexec -p can load (§6). */
      kdumpReserved: ({ context }) => context.crashkernel !== null,
      /** A kernel with hypervisor-assisted dump (phyp-assisted-dump.txt): its panic ends in the hypervisor. */
      phypKernel: ({ event }) =>
        (event.type === 'crash' || event.type === 'dump-restart') && config.mechanism === 'phyp-assisted-dump',
      /** §1 early boot 7: with an area reserved, the kernel registers itself at boot (v6.0+). */
      registersAtBoot: ({ context }) => config.registerAtBoot && context.enabled && context.reservation !== null,
      writeIs: ({ context, event }, p: { registered: boolean; kind: WriteKind }) => {
        const o = outcome(context, event, p.registered);
        return o !== null && kindOf(o) === p.kind;
      },
      registerTook: ({ event }) => event.type === 'fw.result' && registerOutcome(config, event.rc).registered,
      unregisterTook: ({ event }) => event.type === 'fw.result' && unregisterOk(event.rc),
      opalRemovesOnError: ({ event }) =>
        config.platform === 'powernv' && event.type === 'fw.result' && !registerOutcome(config, event.rc).registered,
      /** §4: the kernel refuses the DLPAR request (machines/kernel-rules.ts dlparErrno). */
      dlparRefused: ({ context, event }, p: { registered: boolean }) =>
        event.type === 'dlpar.request' && dlparErrno(config, dlparView(context, p.registered), event) !== null,
      /** §11: dlpar_cpu_add_by_count() / dlpar_cpu_remove_by_count() take the request. */
      cpuDlparTakes: ({ context, event }) => cpuRequest(context, event)?.ok === true,
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
        if (event.dump !== null)
          enqueue.emit({
            type: 'dump.lost',
            reason:
              'the firmware preserved memory but no boot range was registered (OPAL registered_regions == 0): the dump is not active',
          });
        // §12: fadump= and crashkernel= of the command line this boot has.
        const cmdline = event.cmdline ?? null;
        const boot = bootConfig(config, cmdline);
        const enabled = boot.fadump !== 'off';
        const reserved = enabled ? reserveAtBoot(boot, event.memory) : null;
        const ok = reserved !== null && reserved.ok;
        // kdump memory only when fadump did not reserve: the fallback to kdump (§1 early boot 4).
        const crashkernel = crashkernelRange(boot, event.memory, ok);
        // phyp-assisted-dump.txt: with no dump waiting, only the highest 256MB is reserved, as a scratch area.
        const phyp = config.mechanism === 'phyp-assisted-dump' ? phypScratchArea(event.memory, config.pageSize) : null;
        enqueue.assign({
          // A boot without a dump boots the first kernel's build, with its own command line.
          build: 'first',
          savedCommandLineLen: savedCommandLineLen(boot, null),
          memory: event.memory,
          // A 2007 kernel with hypervisor-assisted dump has no fadump and no /sys/kernel/fadump.
          supported: config.mechanism !== 'phyp-assisted-dump',
          crashkernel,
          phypScratch: phyp === null ? null : phyp.area,
          bootAllocations: bootAllocationsLmb(
            event.memory,
            [reserved?.ok === true ? reserved.reservation.area : null, crashkernel, phyp?.area ?? null].filter(
              (r): r is Range => r !== null,
            ),
            config.lmbBytes,
          ),
          // Error: enabled=0, reserved size 0 (§1 early boot 4).
          enabled: ok,
          reservation: reserved !== null && reserved.ok ? reserved.reservation : null,
          reserveError: reserved !== null && !reserved.ok ? reserved.reason : null,
          elfcorehdr: null,
          // §1 early boot 5: the pSeries param area (bootargs_append), as this release sets it up
          // (src/kernel-versions.ts: when enabled, or whenever supported, or not at all).
          paramArea: paramAreaAtBoot(config, 'first', ok, earlyReserved(reserved, crashkernel)) ? '' : null,
          releaseMemFile: false,
          opalCore: null,
          pending: null,
          cpus: bootCpus(event.cpus ?? config.onlineCpus, boot),
          cmdline,
        });
        // phyp_dump_setup(): register the save region with the hypervisor (phyp-assisted-dump.txt "a
        // previously registered save region"; registering at boot is [I]).
        if (phyp !== null) enqueue.emit({ type: 'phyp.setup', scratch: phyp.area, memory: event.memory });
      }),
      takeOver: enqueueActions(({ enqueue, event }) => {
        if (event.type !== 'kernel.handover') return;
        const h: Handover = event.handover;
        enqueue.assign({
          build: h.build,
          savedCommandLineLen: h.savedCommandLineLen,
          memory: h.memory,
          supported: config.mechanism !== 'phyp-assisted-dump',
          enabled: h.enabled,
          reservation: h.reservation,
          reserveError: null,
          elfcorehdr: null,
          paramArea: h.paramArea,
          releaseMemFile: h.releaseMemFile ?? true,
          opalCore: h.opalCore,
          pending: null,
          crashkernel: null,
          phypScratch: h.phypScratch ?? null,
          bootAllocations: capturedBootAllocations(config, h),
          cpus: h.cpus ?? bootCpus(config.onlineCpus),
          cmdline: h.cmdline ?? null,
        });
      }),
      userspaceStart: enqueueActions(({ enqueue, context }, p: { registered: boolean }) => {
        enqueue.emit({
          type: 'userspace.start',
          registered: p.registered,
          fadumpEnabled: context.enabled,
          capture: false,
          ...(context.crashkernel === null ? {} : { kdump: true }),
          ...(context.paramArea === null ? {} : { bootargsAppend: true }),
        });
      }),
      /** kexec_file_load(KEXEC_FILE_ON_CRASH) reaches the kexec code with the crash kernel region
       *  and the memory map it describes (§6). With no crashkernel= memory there is nowhere to
       *  load a crash kernel: -EADDRNOTAVAIL [I: kexec_locate_mem_hole() finds no hole in an empty
       *  crashk_res]; the same when the image and initramfs do not fit in it (kexecSegmentsFit()).
       *  On the kexec_load path kexec-tools fails in user space first, no syscall made
       *  (kexecLoadFailure()). Such a load never succeeds with this configuration, so no image was
       *  loaded to free. */
      kexecLoad: enqueueActions(({ enqueue, context }) => {
        const refused = refusal(context.crashkernel);
        if (refused !== null || context.crashkernel === null)
          enqueue.emit(kexecAnswer('load', refused ?? 'EADDRNOTAVAIL', 'user'));
        else
          enqueue.emit({
            type: 'kexec.load',
            crashkernel: context.crashkernel,
            memory: context.memory,
            origin: 'user',
            ...cmdlineOf(context),
          });
      }),
      kexecUnload: enqueueActions(({ enqueue }) => {
        enqueue.emit({ type: 'kexec.unload', origin: 'user' });
      }),
      /** kdumpctl's kexec -p / kexec -p -u. */
      kexecRequest: enqueueActions(({ enqueue, context, event }) => {
        if (event.type !== 'kexec.request') return;
        const refused = event.op === 'unload' ? null : refusal(context.crashkernel);
        if (event.op === 'unload') enqueue.emit({ type: 'kexec.unload', origin: event.origin });
        else if (refused !== null || context.crashkernel === null)
          enqueue.emit(kexecAnswer('load', refused ?? 'EADDRNOTAVAIL', event.origin));
        else if (event.op === 'start')
          enqueue.emit({
            type: 'kexec.load',
            crashkernel: context.crashkernel,
            memory: context.memory,
            origin: event.origin,
            unlessLoaded: true,
            ...cmdlineOf(context),
          });
        else
          enqueue.emit({
            type: 'kexec.load',
            crashkernel: context.crashkernel,
            memory: context.memory,
            origin: event.origin,
            ...cmdlineOf(context),
          });
      }),
      /** Not registered with fadump: __crash_kexec() jumps into the crash kernel if one is loaded
       *  (§1 Crash); the kexec code decides. */
      kexecCrash: enqueueActions(({ enqueue }) => {
        enqueue.emit({ type: 'kexec.crash' });
      }),
      /** A hypervisor-assisted dump kernel's panic: the hypervisor is told (phyp-assisted-dump.txt). */
      phypCrash: enqueueActions(({ enqueue }) => {
        enqueue.emit({ type: 'phyp.crash' });
      }),
      sendRegister: enqueueActions(({ enqueue, context, event }, p: { unregisterFirst: boolean }) => {
        const w = writeOf(event);
        if (context.reservation === null) return;
        const reg = registration(config, context.build, context.reservation, context.memory, context.paramArea);
        enqueue.assign({
          pending: w === null ? { origin: 'boot', path: '' } : { origin: w.origin, path: w.path },
          elfcorehdr: reg.elfcorehdr,
        });
        if (p.unregisterFirst) enqueue.emit({ type: 'fw.unregister' });
        enqueue.emit({ type: 'fw.register', registration: reg });
      }),
      removeRanges: enqueueActions(({ enqueue }) => {
        enqueue.emit({ type: 'fw.unregister' });
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
          enqueue.emit({
            type: 'userspace.start',
            registered: r.registered,
            fadumpEnabled: context.enabled && !r.disable,
            capture: false,
            ...(context.paramArea === null ? {} : { bootargsAppend: true }),
          });
        } else {
          // Before 98b8cd7f7564 fadump_register_store() dropped register_fadump()'s result: the
          // write succeeds whatever the firmware said (src/kernel-versions.ts RegisteredWrite).
          const errno = config.registeredWrite === 'einval' ? null : r.errno;
          enqueue.emit({ type: 'sysfs.result', path, errno, origin });
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
      /** crash_fadump(): the header gets the crashing CPU and cpu_mask = cpu_online_mask (§11);
       *  pSeries ibm,os-term / OPAL MPIPL. */
      osTerm: enqueueActions(({ enqueue, context }) => {
        enqueue.emit({
          type: 'fw.os-term',
          header: {
            ...headerFor(buildOf(config, context.build)),
            crashingCpu: 0,
            cpusInMask: cpusOnline(context.cpus),
          },
          elfcorehdr: context.elfcorehdr,
          paramArea: context.paramArea,
        });
      }),
      plainPanic: enqueueActions(({ enqueue, context }) => {
        // crashkernel= given but nothing reserved (§6.1): kexec -p could never load a crash kernel.
        const boot = bootConfig(config, context.cmdline);
        const reason =
          boot.crashkernelText !== null && boot.fadump === 'off'
            ? `crashkernel=${boot.crashkernelText} reserved no memory (kexec_crash_size reads 0), so no crash kernel could be loaded: a plain panic, no dump`
            : 'fadump is not registered: a plain panic, no dump';
        enqueue.emit({ type: 'dump.none', reason });
        enqueue.emit({ type: 'fw.reset' });
      }),
      /** fadump_cleanup() from machine_shutdown: registered → unregister (§1 Register). */
      shutdown: enqueueActions(({ enqueue, event }, p: { registered: boolean }) => {
        if (p.registered) enqueue.emit({ type: 'fw.unregister' });
        enqueue.emit(resetFor(event));
      }),
      /** kexec -e (docs/kernel-behaviour.md §13.1): kernel_kexec() (kernel/kexec_core.c) runs
       *  machine_shutdown(), so fadump_cleanup(), which unregisters a registered dump only from
       *  "powerpc/fadump: Unregister fadump on kexec down path" on (src/kernel-versions.ts
       *  kexecUnregisters); then the new kernel starts without the firmware. */
      kexecShutdown: enqueueActions(({ enqueue, context }, p: { registered: boolean }) => {
        if (p.registered && kexecUnregisters(config, context.build)) enqueue.emit({ type: 'fw.unregister' });
        enqueue.emit({ type: 'fw.kexec' });
      }),
      dlparReject: enqueueActions(({ enqueue, context, event }, p: { registered: boolean }) => {
        if (event.type !== 'dlpar.request') return;
        enqueue.emit({ type: 'dlpar.result', errno: dlparErrno(config, dlparView(context, p.registered), event) });
      }),
      /** §11: the CPUs change; the firmware keeps the partition's new processors for the next
       *  boot; a hot-added CPU comes online, which the udev rule hears. fadump has no CPU hotplug
       *  callback: nothing is registered again. */
      cpuApply: enqueueActions(({ enqueue, context, event }) => {
        const r = cpuRequest(context, event);
        if (r === null || !r.ok || event.type !== 'cpu-hotplug') return;
        enqueue.assign({ cpus: r.cpus });
        enqueue.emit({ type: 'dlpar.cpus', present: r.cpus.present });
        if (event.action === 'add')
          enqueue.emit({ type: 'uevent.cpu', fadumpEnabled: context.enabled, crashHotplug: config.crashHotplug });
      }),
      cpuReject: enqueueActions(({ enqueue, context, event }) => {
        const r = cpuRequest(context, event);
        if (r === null || r.ok) return;
        enqueue.emit({ type: 'dlpar.result', errno: r.errno });
      }),
      dlparApply: enqueueActions(({ enqueue, context, event }) => {
        if (event.type !== 'dlpar.request') return;
        const memory =
          event.action === 'add' ? withAdded(context.memory, event.ranges) : withRemoved(context.memory, event.ranges);
        enqueue.assign({ memory });
        enqueue.emit({ type: 'dlpar.result', errno: null });
        // With crashkernel= memory, the crash hotplug notifier hears the change (§6).
        if (context.crashkernel !== null) enqueue.emit({ type: 'crash.hotplug', memory });
        // The memory online/offline uevent the udev rule watches (§5); for kdump the rule reads
        // /sys/devices/system/memory/crash_hotplug (§6).
        // hotplug_ready is the running build's (§2): a capture build that ran on has its own.
        const hotplugReady = hotplugReadyIn(config, context.build);
        enqueue.emit(
          context.crashkernel === null
            ? { type: 'uevent.memory', hotplugReady }
            : { type: 'uevent.memory', hotplugReady, crashHotplug: config.crashHotplug },
        );
      }),
    },
  }).createMachine({
    id: 'productionKernel',
    initial: 'off',
    context: {
      build: 'first',
      savedCommandLineLen: savedCommandLineLen(config, null),
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
      crashkernel: null,
      phypScratch: null,
      bootAllocations: null,
      cpus: bootCpus(config.onlineCpus),
      cmdline: null,
    },
    states: {
      off: {
        on: {
          'os.boot': { guard: 'noActiveDump', target: 'booting', actions: 'bootKernel' },
          // §1 Release: after release_mem (or a failed capture) the capture kernel's build runs on
          // as the production kernel.
          'kernel.handover': { target: 'running.notRegistered', actions: 'takeOver' },
        },
      },
      booting: {
        tags: ['transient'],
        always: [
          {
            guard: 'registersAtBoot',
            target: 'running.registering',
            actions: { type: 'sendRegister', params: { unregisterFirst: false } },
          },
          { target: 'running.notRegistered', actions: { type: 'userspaceStart', params: { registered: false } } },
        ],
      },
      running: {
        initial: 'notRegistered',
        on: {
          'save-dump': {
            actions: { type: 'ignore', params: { reason: 'no /proc/vmcore: this is not a capture boot' } },
          },
          // kexec -p / kexec -p -u, from the user or from kdumpctl (§6).
          'kexec-load': { actions: 'kexecLoad' },
          'kexec-unload': { actions: 'kexecUnload' },
          'kexec.request': { actions: 'kexecRequest' },
          'cpu-hotplug': [{ guard: 'cpuDlparTakes', actions: 'cpuApply' }, { actions: 'cpuReject' }],
          // A reset without the OS (power off, the watchdog's hard restart, a firmware-initiated
          // MPIPL: docs/kernel-behaviour.md §13): this kernel is simply gone.
          'hw.reset': { target: '#productionKernel.off' },
        },
        states: {
          notRegistered: {
            on: {
              write: writeTransitions(false),
              'sysfs.write': writeTransitions(false),
              crash: crashTransitions(false),
              // §13.4: the HMC's dump restart is a system reset interrupt; system_reset_exception()
              // (arch/powerpc/kernel/traps.c) calls crash_fadump(), then crash_kexec(), then dies:
              // the kernel ends as it does at a crash.
              'dump-restart': crashTransitions(false),
              reboot: {
                target: '#productionKernel.shuttingDown',
                actions: { type: 'shutdown', params: { registered: false } },
              },
              'kexec-reboot': {
                target: '#productionKernel.shuttingDown',
                actions: { type: 'kexecShutdown', params: { registered: false } },
              },
              'dlpar.request': dlparTransitions(false),
            },
          },
          registered: {
            on: {
              write: writeTransitions(true),
              'sysfs.write': writeTransitions(true),
              crash: crashTransitions(true),
              'dump-restart': crashTransitions(true),
              reboot: {
                target: '#productionKernel.shuttingDown',
                actions: { type: 'shutdown', params: { registered: true } },
              },
              'kexec-reboot': {
                target: '#productionKernel.shuttingDown',
                actions: { type: 'kexecShutdown', params: { registered: true } },
              },
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
            on: {
              'fw.result': [
                { guard: 'unregisterTook', target: 'registering' },
                { target: 'registeringWhileRegistered' },
              ],
            },
          },
          /** The unregister failed, so dump_registered is still 1, and a failed register leaves it
           *  so: rtas/opal_fadump_register change it only on success (§1 Register). */
          registeringWhileRegistered: {
            tags: ['transient'],
            on: {
              'fw.result': [
                // OPAL: "if some regions were registered before ADD_RANGE failed, remove them":
                // opal_fadump_unregister (§1 Register, "On error the added regions are removed").
                { guard: 'opalRemovesOnError', target: 'removingRanges', actions: ['finishRegister', 'removeRanges'] },
                { target: 'registered', actions: 'finishRegister' },
              ],
            },
          },
          removingRanges: {
            tags: ['transient'],
            on: { 'fw.result': [{ guard: 'unregisterTook', target: 'notRegistered' }, { target: 'registered' }] },
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
      {
        guard: is('register'),
        target: 'registering',
        actions: { type: 'sendRegister' as const, params: { unregisterFirst: false } },
      },
      {
        guard: is('reregister'),
        target: 'reregistering',
        actions: { type: 'sendRegister' as const, params: { unregisterFirst: true } },
      },
      { guard: is('unregister'), target: 'unregistering', actions: 'sendUnregister' as const },
      { actions: { type: 'reply' as const, params: { registered } } },
    ];
  }

  /** A panic (or a system reset interrupt, §13.4): registered, crash_fadump(); else kdump's
   *  __crash_kexec(), the 2007 dump's hypervisor, or a plain panic (§1 Crash). */
  function crashTransitions(registered: boolean) {
    if (registered) return [{ target: '#productionKernel.crashed', actions: 'osTerm' as const }];
    return [
      { guard: 'kdumpReserved' as const, target: '#productionKernel.crashed', actions: 'kexecCrash' as const },
      { guard: 'phypKernel' as const, target: '#productionKernel.crashed', actions: 'phypCrash' as const },
      { target: '#productionKernel.crashed', actions: 'plainPanic' as const },
    ];
  }

  /** §4: DLPAR memory requests. */
  function dlparTransitions(registered: boolean) {
    return [
      {
        guard: { type: 'dlparRefused' as const, params: { registered } },
        actions: { type: 'dlparReject' as const, params: { registered } },
      },
      { actions: 'dlparApply' as const },
    ];
  }
}

export type ProductionKernelMachine = ReturnType<typeof productionKernelMachine>;
