// kexec (kdump): the crash kernel image of the running kernel and the kdump capture kernel it
// jumps into (docs/kernel-behaviour.md §6; Documentation/admin-guide/kdump/kdump.rst).
// `kexec -p` frees the current image, then loads the new one: until the load returns nothing is
// loaded. A crash with an image loaded jumps into the capture kernel without any device reset;
// with nothing loaded it is a plain panic.
// After the dump is saved the capture kernel can only reboot: a second reboot.
import { enqueueActions, setup } from 'xstate';
import type { Config } from '../src/config';
import { KEXEC_SYSCALL, resetFor, type AnyEvent, type Errno, type InternalEvent } from '../src/events';
import { captureOom, kdumpCaptureMemory, kdumpPtLoads, kdumpRtas } from '../src/memory/kdump';
import type { PtLoad, Range } from '../src/memory/layout';
import { fadumpFiles } from '../src/sysfs/files';
import { storeOutcome } from '../src/sysfs/store';
import { lostReason } from '../src/dump-target';
import { hotplugReadyIn, paramAreaInKdumpCapture } from './kernel-rules';

export interface KexecContext {
  /** The crash kernel region (crashkernel=) of the image loaded or being loaded. */
  crashkernel: Range | null;
  /** The running kernel's memory, as the crash hotplug notifier keeps it (while an image is loaded
   *  or loading). */
  memory: Range[];
  /** The loaded image's elfcorehdr (null while nothing is loaded). */
  ptLoads: PtLoad[] | null;
  /** Who waits for the `kexec -p` under way. */
  origin: 'user' | 'kdump-service' | null;
  /** The kdump capture kernel: /proc/vmcore's PT_LOADs and the memory it runs in. */
  vmcore: PtLoad[] | null;
  usable: Range[];
  /** /proc/cmdline of the kernel that ran `kexec -p`, when not the configuration's (§12): kdumpctl
   *  builds the kdump kernel's command line from it. */
  cmdline: string | null;
}

type Ctx = KexecContext;

const EMPTY: Ctx = {
  crashkernel: null,
  memory: [],
  ptLoads: null,
  origin: null,
  vmcore: null,
  usable: [],
  cmdline: null,
};

/** The answer to a kexec -p / kexec -p -u: to the user as a syscall's result with its errno, to
 *  kdumpctl as kexec.result (written out here so that the system diagram sees both). */
function kexecAnswer(op: 'load' | 'unload', errno: Errno | null, origin: 'user' | 'kdump-service'): InternalEvent {
  return origin === 'user'
    ? { type: 'sysfs.result', path: KEXEC_SYSCALL, errno, origin: 'user' }
    : { type: 'kexec.result', op, errno, origin: 'kdump-service' };
}

function writeOf(event: AnyEvent): { path: string; value: string; origin: 'user' | 'kdump-service' } | null {
  if (event.type === 'write') return { path: event.path, value: event.value, origin: 'user' };
  if (event.type === 'sysfs.write') return { path: event.path, value: event.value, origin: 'kdump-service' };
  return null;
}

export function kexecMachine(config: Config) {
  // The kdump capture kernel is booted without fadump= (kdumpctl builds its command line) [I]: its
  // fadump files read as a kernel booted with fadump off (§2). It is the first kernel's
  // build: kdumpctl loads the running kernel's (uname -r) [U], and only a first kernel's boot has
  // crashkernel= memory to load it into (§6).
  // A release that sets the param area up whenever fadump is supported (f4892c68ecc1 until
  // 0843ba458439) gives it bootargs_append even so (src/kernel-versions.ts).
  // Its param area, by the memory it boots in (paramAreaInKdumpCapture()).
  const captureFiles = (crashkernelEnd: number | null) =>
    fadumpFiles({
      supported: true,
      hotplugReady: hotplugReadyIn(config, 'first'),
      releaseMemFile: false,
      paramArea: paramAreaInKdumpCapture(config, crashkernelEnd) ? '' : null,
      opalCore: null,
    });

  return setup({
    types: { context: {} as Ctx, events: {} as AnyEvent, emitted: {} as InternalEvent },
    guards: {
      /** kdump.sh's save fails on the configured dump target fault (src/dump-target.ts). */
      saveFails: ({ event }) => event.type === 'save-dump' && config.dumpTargetFault !== null,
      /** CONFIG_CRASH_HOTPLUG: the kernel updates the loaded image's elfcorehdr in place (§6). */
      crashHotplug: ({ event }) => event.type === 'crash.hotplug' && config.crashHotplug,
      startWhileLoaded: ({ event }) => event.type === 'kexec.load' && event.unlessLoaded === true,
      /** The capture kernel's memory (crashkernel=) is below what it needs (§6 "crashkernel="). */
      captureOom: ({ context }) => context.crashkernel !== null && captureOom(config, context.crashkernel) !== null,
    },
    actions: {
      ignore: enqueueActions(({ enqueue }, params: { reason: string }) => {
        enqueue.emit({ type: 'ignored', reason: params.reason });
      }),
      /** kdumpctl start finds kexec_crash_loaded reading 1: "Kdump already running" [U]. */
      alreadyLoaded: enqueueActions(({ enqueue, event }) => {
        if (event.type === 'kexec.load') enqueue.emit(kexecAnswer('load', null, event.origin));
      }),
      /** kexec_file_load(): free the current crash image (kimage_free(xchg(&kexec_crash_image,
       *  NULL))), start loading the new one (§6). */
      beginLoad: enqueueActions(({ enqueue, event }) => {
        if (event.type !== 'kexec.load') return;
        enqueue.assign({
          crashkernel: event.crashkernel,
          memory: event.memory,
          ptLoads: null,
          origin: event.origin,
          cmdline: event.cmdline ?? null,
        });
      }),
      /** The load returns: the image is installed with an elfcorehdr of the memory now (kexec
       *  builds it from the running kernel's memory map, minus the crash kernel region). */
      finishLoad: enqueueActions(({ enqueue, context }) => {
        if (context.crashkernel === null) return;
        enqueue.assign({
          ptLoads: kdumpPtLoads(context.memory, context.crashkernel, kdumpRtas(config, context.memory)),
          origin: null,
        });
        enqueue.emit(kexecAnswer('load', null, context.origin ?? 'user'));
      }),
      /** Another kexec call while one is under way: kexec_trylock() fails, -EBUSY [I]. */
      busy: enqueueActions(({ enqueue, event }) => {
        if (event.type === 'kexec.load') enqueue.emit(kexecAnswer('load', 'EBUSY', event.origin));
        if (event.type === 'kexec.unload') enqueue.emit(kexecAnswer('unload', 'EBUSY', event.origin));
      }),
      /** `kexec -p -u`: the image is freed; unloading nothing succeeds too. */
      unload: enqueueActions(({ enqueue, event }) => {
        if (event.type !== 'kexec.unload') return;
        enqueue.assign({ ...EMPTY });
        enqueue.emit(kexecAnswer('unload', null, event.origin));
      }),
      trackMemory: enqueueActions(({ enqueue, event }) => {
        if (event.type === 'crash.hotplug') enqueue.assign({ memory: event.memory });
      }),
      /** crash_handle_hotplug_event(): the elfcorehdr is rebuilt from the new memory map (§6). */
      updateElfcorehdr: enqueueActions(({ enqueue, context, event }) => {
        if (event.type !== 'crash.hotplug' || context.crashkernel === null) return;
        enqueue.assign({
          memory: event.memory,
          ptLoads: kdumpPtLoads(event.memory, context.crashkernel, kdumpRtas(config, event.memory)),
        });
      }),
      /** __crash_kexec() with an image: machine_crash_shutdown() and a jump into the capture
       *  kernel. No firmware, no device reset: drivers must cope (§6, the LPC 2024 talk). */
      jump: enqueueActions(({ enqueue, context }) => {
        if (context.crashkernel === null) return;
        enqueue.assign({ vmcore: context.ptLoads, usable: kdumpCaptureMemory(context.crashkernel) });
        enqueue.emit({ type: 'dump.captured' });
        // kdumpctl in the capture kernel saves the dump; it loads nothing.
        enqueue.emit({ type: 'userspace.start', registered: false, fadumpEnabled: false, capture: true });
      }),
      /** The capture kernel boots in crashk_res and runs out of memory before user space saves
       *  the dump: it panics and the machine reboots; the crashed kernel's memory is not preserved
       *  by anything, so the dump is lost (captureOom()). */
      oomPanic: enqueueActions(({ enqueue, context }) => {
        const why = context.crashkernel === null ? null : captureOom(config, context.crashkernel);
        enqueue.assign({ ...EMPTY });
        enqueue.emit({ type: 'dump.lost', reason: why ?? 'the kdump kernel ran out of memory' });
        enqueue.emit({ type: 'fw.reset' });
      }),
      /** Nothing loaded: panic() goes on, the machine reboots, no dump (§1 Crash, §6). */
      plainPanic: enqueueActions(({ enqueue }, params: { reason: string }) => {
        enqueue.emit({ type: 'dump.none', reason: params.reason });
        enqueue.emit({ type: 'fw.reset' });
      }),
      /** The capture kernel reboots (or panics): the crashed kernel's memory is not preserved by
       *  anything, so a dump not yet saved is gone [I]. */
      leaveCapture: enqueueActions(({ enqueue, event }, params: { saved: boolean; why: string }) => {
        if (!params.saved) enqueue.emit({ type: 'dump.lost', reason: params.why });
        enqueue.emit(resetFor(event));
      }),
      reply: enqueueActions(({ enqueue, event, context }) => {
        const w = writeOf(event);
        if (w === null) return;
        const view = {
          enabled: false,
          dumpActive: false,
          registered: false,
          eexistOnReregister: false,
          cmdlineLength: 0,
          opalCore: null,
        };
        const o = storeOutcome(view, captureFiles(context.crashkernel?.end ?? null), w.path, w.value);
        enqueue.emit({ type: 'sysfs.result', path: w.path, errno: 'errno' in o ? o.errno : null, origin: w.origin });
      }),
      /** kexec -p in the capture kernel: no crashkernel= memory there [I]. */
      noCrashkernel: enqueueActions(({ enqueue }) => {
        enqueue.emit(kexecAnswer('load', 'EADDRNOTAVAIL', 'user'));
      }),
      nothingToUnload: enqueueActions(({ enqueue }) => {
        enqueue.emit(kexecAnswer('unload', null, 'user'));
      }),
      /** The capture kernel refuses DLPAR: a bound of the model, as in the fadump capture kernel [I]. */
      dlparReject: enqueueActions(({ enqueue }) => {
        enqueue.emit({ type: 'dlpar.result', errno: 'EINVAL' });
      }),
      clear: enqueueActions(({ enqueue }) => {
        enqueue.assign({ ...EMPTY });
      }),
    },
  }).createMachine({
    id: 'kexec',
    initial: 'unloaded',
    context: { ...EMPTY },
    on: {
      // Any reset or power cycle: kexec images live in RAM of a kernel that is gone.
      'hw.reset': { target: '.unloaded', actions: 'clear' },
    },
    states: {
      /** kexec_crash_image is NULL: /sys/kernel/kexec_crash_loaded reads 0. */
      unloaded: {
        on: {
          'kexec.load': { target: 'loading', actions: 'beginLoad' },
          'kexec.unload': { actions: 'unload' },
          'kexec.crash': {
            actions: {
              type: 'plainPanic',
              params: { reason: 'no crash kernel is loaded (kexec_crash_loaded reads 0): a plain panic, no dump' },
            },
          },
          'kexec-loaded': { actions: { type: 'ignore', params: { reason: 'no kexec -p is under way' } } },
        },
      },
      /** `kexec -p` under way: the old image is freed, the new one not yet installed (§6). */
      loading: {
        on: {
          'kexec-loaded': { target: 'loaded', actions: 'finishLoad' },
          'kexec.load': { actions: 'busy' },
          'kexec.unload': { actions: 'busy' },
          'crash.hotplug': { actions: 'trackMemory' },
          'kexec.crash': {
            target: 'unloaded',
            actions: {
              type: 'plainPanic',
              params: {
                reason:
                  'kexec -p was still loading the crash kernel (an older image already freed, the new one not yet installed): a plain panic, no dump',
              },
            },
          },
        },
      },
      /** kexec_crash_loaded reads 1. */
      loaded: {
        on: {
          'kexec.load': [
            { guard: 'startWhileLoaded', actions: 'alreadyLoaded' },
            { target: 'loading', actions: 'beginLoad' },
          ],
          'kexec.unload': { target: 'unloaded', actions: 'unload' },
          'crash.hotplug': [{ guard: 'crashHotplug', actions: 'updateElfcorehdr' }, { actions: 'trackMemory' }],
          'kexec.crash': [
            { guard: 'captureOom', target: 'unloaded', actions: 'oomPanic' },
            { target: 'capture', actions: 'jump' },
          ],
          'kexec-loaded': { actions: { type: 'ignore', params: { reason: 'no kexec -p is under way' } } },
        },
      },
      /** The kdump capture kernel runs in the crash kernel region; /proc/vmcore is exported. */
      capture: {
        initial: 'vmcore',
        on: {
          write: { actions: 'reply' },
          'sysfs.write': { actions: 'reply' },
          'kexec-load': { actions: 'noCrashkernel' },
          'kexec-unload': { actions: 'nothingToUnload' },
          'kexec-loaded': { actions: { type: 'ignore', params: { reason: 'no kexec -p is under way' } } },
          'dlpar.request': { actions: 'dlparReject' },
        },
        states: {
          vmcore: {
            on: {
              // A failed save: kdump.sh's failure_action reboots the kdump kernel (src/dump-target.ts).
              'save-dump': [
                {
                  guard: 'saveFails',
                  actions: {
                    type: 'leaveCapture',
                    params: {
                      saved: false,
                      why:
                        config.dumpTargetFault === null
                          ? ''
                          : lostReason(config.dumpTarget, config.dumpTargetFault, 'kdump'),
                    },
                  },
                },
                { target: 'saved' },
              ],
              reboot: {
                actions: {
                  type: 'leaveCapture',
                  params: { saved: false, why: 'the kdump kernel rebooted before the dump was saved' },
                },
              },
              crash: {
                actions: {
                  type: 'leaveCapture',
                  params: { saved: false, why: 'the kdump kernel panicked before the dump was saved' },
                },
              },
              // A system reset interrupt (docs/kernel-behaviour.md §13.4) ends it as a panic does.
              'dump-restart': {
                actions: {
                  type: 'leaveCapture',
                  params: { saved: false, why: 'the kdump kernel panicked before the dump was saved' },
                },
              },
            },
          },
          /** The dump is saved. This kernel cannot become the production kernel: only a reboot
           *  brings production back (§6 "a second reboot", firmware-assisted-dump.rst). */
          saved: {
            on: {
              'save-dump': {
                actions: {
                  type: 'ignore',
                  params: { reason: 'the dump was already saved: copying it again changes nothing' },
                },
              },
              reboot: { actions: { type: 'leaveCapture', params: { saved: true, why: '' } } },
              crash: { actions: { type: 'leaveCapture', params: { saved: true, why: '' } } },
              'dump-restart': { actions: { type: 'leaveCapture', params: { saved: true, why: '' } } },
            },
          },
        },
      },
    },
  });
}

export type KexecMachine = ReturnType<typeof kexecMachine>;
