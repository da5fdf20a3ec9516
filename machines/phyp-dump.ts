// Hypervisor-assisted dump, the 2007 design (Documentation/powerpc/phyp-assisted-dump.txt,
// docs/sources.md §3): the production kernel keeps the highest
// 256MB of RAM as a permanent scratch area and registers it with the hypervisor; at a crash the
// hypervisor saves the low 256MB there, resets PCI and I/O without clearing RAM, and boots the
// kernel again; that kernel boots into 256MB, reserves the rest, and user space releases it piece
// by piece through /sys/kernel/release_region ("echo 0x40000000 0x10000000 >
// /sys/kernel/release_region") until the system is back in production without a reboot. Where
// the document is silent the model infers [I], checked against phyp_dump.c of 2008 where that helps.
import { enqueueActions, setup } from 'xstate';
import type { Config } from '../src/config';
import {
  KEXEC_SYSCALL,
  resetFor,
  type AnyEvent,
  type CrashInfoHeader,
  type Handover,
  type InternalEvent,
  type PreservedDump,
  type Registration,
} from '../src/events';
import { normalize, withRemoved, type PtLoad, type Range } from '../src/memory/layout';
import {
  parseReleaseRegion,
  PHYP_BOOT_MEMORY,
  phypPtLoads,
  phypReservedAtCapture,
  phypScratchArea,
  releasable,
  scratchOf,
} from '../src/memory/phyp';
import { RELEASE_REGION } from '../src/sysfs/store';
import { dumpComplete, phypDumpActiveAtBoot, registerOutcome, savedCommandLineLen } from './kernel-rules';

export interface PhypDumpContext {
  /** The permanent scratch area registered with the hypervisor (production), or the one the
   *  crashed kernel had (capture). */
  scratch: Range | null;
  /** Capture boot: the partition's memory, the dump, and what is still reserved. */
  memory: Range[];
  dump: PreservedDump | null;
  reserved: Range[];
  /** What user space reads through /proc/vmcore [I], and the memory this kernel may use: the low
   *  256MB and what was released. */
  ptLoads: PtLoad[] | null;
  usable: Range[];
}

type Ctx = PhypDumpContext;

const EMPTY: Ctx = { scratch: null, memory: [], dump: null, reserved: [], ptLoads: null, usable: [] };

/** There is no crash info header: the hypervisor's own dump header describes the sections. */
const NO_HEADER: CrashInfoHeader = { magic: 'none', byteOrder: 'le', sizes: 'A', crashingCpu: 0xffffffff };

/** The registration of a scratch area (bytes), its copy page-aligned with `pageSize` (bytes). */
function registrationOf(scratch: Range, pageSize: number): Registration {
  return {
    bootRegions: [{ start: 0, end: PHYP_BOOT_MEMORY }],
    bootMemTop: PHYP_BOOT_MEMORY,
    bootMemDest: scratchOf(scratch, pageSize).dest,
    area: scratch,
    header: NO_HEADER,
    elfcorehdr: null,
    paramArea: null,
  };
}

function writeOf(event: AnyEvent): { path: string; value: string; origin: 'user' | 'kdump-service' } | null {
  if (event.type === 'write') return { path: event.path, value: event.value, origin: 'user' };
  if (event.type === 'sysfs.write') return { path: event.path, value: event.value, origin: 'kdump-service' };
  return null;
}

export function phypDumpMachine(config: Config) {
  return setup({
    types: { context: {} as Ctx, events: {} as AnyEvent, emitted: {} as InternalEvent },
    guards: {
      /** phyp-assisted-dump.txt: the ibm,dump-kernel node says crash data is waiting. */
      dumpWaiting: ({ event }) => event.type === 'os.boot' && phypDumpActiveAtBoot(config, event.dump),
      /** The hypervisor's sections report an error: the dump is not usable [I] (phyp_dump.c:
       *  "re-register the dump area, if old dump was invalid"). */
      dumpBad: ({ context }) => context.dump !== null && (context.dump.errorFlags || !dumpComplete(context.dump)),
      registerTook: ({ event }) => event.type === 'fw.result' && registerOutcome(config, event.rc).registered,
      releaseWrite: ({ event }) => {
        const w = writeOf(event);
        return w !== null && w.path === RELEASE_REGION;
      },
      /** The write releases the last reserved range. */
      releasesAll: ({ context, event }) => {
        const w = writeOf(event);
        const r = w === null || w.path !== RELEASE_REGION ? null : parseReleaseRegion(w.value);
        if (r === null) return false;
        return withRemoved(context.reserved, releasable(context.reserved, r.start, r.length)).length === 0;
      },
    },
    actions: {
      ignore: enqueueActions(({ enqueue }, params: { reason: string }) => {
        enqueue.emit({ type: 'ignored', reason: params.reason });
      }),
      /** register_dump_area(): the save region goes to the hypervisor (phyp-assisted-dump.txt). */
      register: enqueueActions(({ enqueue, event }) => {
        if (event.type !== 'phyp.setup') return;
        enqueue.assign({ ...EMPTY, scratch: event.scratch });
        enqueue.emit({ type: 'fw.register', registration: registrationOf(event.scratch, config.pageSize) });
      }),
      /** The panic path tells the hypervisor (rtas_os_term) [I]; it saves the low 256MB, CPU state
       *  and HPTE, resets PCI and I/O, and boots the kernel again (phyp-assisted-dump.txt). */
      osTerm: enqueueActions(({ enqueue }) => {
        enqueue.emit({
          type: 'fw.os-term',
          header: { ...NO_HEADER, crashingCpu: 0 },
          elfcorehdr: null,
          paramArea: null,
        });
      }),
      plainPanic: enqueueActions(({ enqueue }) => {
        enqueue.emit({
          type: 'dump.none',
          reason: 'hypervisor-assisted dump is not registered: a plain panic, no dump',
        });
        enqueue.emit({ type: 'fw.reset' });
      }),
      /** Early boot with dump data: "everything but 256 MB of RAM is reserved" (phyp-assisted-dump.txt). */
      captureBoot: enqueueActions(({ enqueue, event }) => {
        if (event.type !== 'os.boot' || event.dump === null) return;
        const d = event.dump;
        enqueue.assign({
          scratch: d.area,
          memory: event.memory,
          dump: d,
          reserved: phypReservedAtCapture(event.memory),
          ptLoads: phypPtLoads(d.memoryAtCrash, d.area, config.pageSize),
          usable: [{ start: 0, end: PHYP_BOOT_MEMORY }],
        });
      }),
      exportDump: enqueueActions(({ enqueue }) => {
        enqueue.emit({ type: 'dump.captured' });
        enqueue.emit({ type: 'userspace.start', registered: false, fadumpEnabled: false, capture: true });
      }),
      /** Every reserved byte is released (or the dump was bad): invalidate the dump, register
       *  again, and run on as the production kernel, "no further reboots are required"
       *  (phyp-assisted-dump.txt; phyp_dump.c's track_freed_range re-registers once all is freed [I]). */
      backToProduction: enqueueActions(({ enqueue, context, event }) => {
        const scratch = phypScratchArea(context.memory, config.pageSize);
        const handover: Handover = {
          // The same kernel booted again for the dump (phyp-assisted-dump.txt): the first kernel's build, with
          // its own command line (there is no param area).
          build: 'first',
          savedCommandLineLen: savedCommandLineLen(config, null),
          memory: context.memory,
          enabled: false,
          nocma: false,
          reservation: null,
          paramArea: null,
          opalCore: null,
          releaseMemFile: false,
          phypScratch: scratch === null ? null : scratch.area,
        };
        if (context.dump !== null && (context.dump.errorFlags || !dumpComplete(context.dump))) {
          enqueue.emit({
            type: 'dump.lost',
            reason: 'the hypervisor reported an error in the dump sections: the dump is invalidated',
          });
        }
        enqueue.emit({ type: 'fw.invalidate' });
        enqueue.emit({ type: 'kernel.handover', handover });
        const w = writeOf(event);
        if (w !== null) enqueue.emit({ type: 'sysfs.result', path: w.path, errno: null, origin: w.origin });
        enqueue.assign({ ...EMPTY, scratch: scratch === null ? null : scratch.area });
        if (scratch !== null)
          enqueue.emit({ type: 'fw.register', registration: registrationOf(scratch.area, config.pageSize) });
      }),
      /** release_region: free [start, start+length) of what is reserved; the freed memory "becomes
       *  immediately available to the system for normal use" (phyp-assisted-dump.txt). */
      release: enqueueActions(({ enqueue, context, event }) => {
        const w = writeOf(event);
        if (w === null) return;
        const r = parseReleaseRegion(w.value);
        if (r === null) {
          enqueue.emit({ type: 'sysfs.result', path: w.path, errno: 'EINVAL', origin: w.origin });
          return;
        }
        const cut = releasable(context.reserved, r.start, r.length);
        enqueue.assign({
          reserved: withRemoved(context.reserved, cut),
          usable: normalize([...context.usable, ...cut]),
        });
        enqueue.emit({ type: 'sysfs.result', path: w.path, errno: null, origin: w.origin });
      }),
      /** Only release_region exists here (the 2007 kernel has no fadump files) [I]. */
      noSuchFile: enqueueActions(({ enqueue, event }) => {
        const w = writeOf(event);
        if (w !== null) enqueue.emit({ type: 'sysfs.result', path: w.path, errno: 'ENOENT', origin: w.origin });
      }),
      /** No shutdown hook in the 2007 design: the hypervisor keeps the dump across a reboot, and
       *  the next boot finds it again [I] (phyp-assisted-dump.txt open issue: the crash and reboot paths
       *  "should be reviewed"). */
      reboot: enqueueActions(({ enqueue, event }) => {
        enqueue.emit(resetFor(event));
      }),
      dlparReject: enqueueActions(({ enqueue }) => {
        enqueue.emit({ type: 'dlpar.result', errno: 'EINVAL' });
      }),
      noCrashkernel: enqueueActions(({ enqueue }) => {
        enqueue.emit({ type: 'sysfs.result', path: KEXEC_SYSCALL, errno: 'EADDRNOTAVAIL', origin: 'user' });
      }),
      nothingToUnload: enqueueActions(({ enqueue }) => {
        enqueue.emit({ type: 'sysfs.result', path: KEXEC_SYSCALL, errno: null, origin: 'user' });
      }),
      clear: enqueueActions(({ enqueue }) => {
        enqueue.assign({ ...EMPTY });
      }),
    },
  }).createMachine({
    id: 'phypDump',
    initial: 'off',
    context: { ...EMPTY },
    states: {
      off: {
        on: {
          'phyp.setup': { target: 'registering', actions: 'register' },
          'os.boot': { guard: 'dumpWaiting', target: 'booting', actions: 'captureBoot' },
        },
      },
      registering: {
        tags: ['transient'],
        on: {
          'fw.result': [{ guard: 'registerTook', target: 'registered' }, { target: 'notRegistered' }],
        },
      },
      /** The save region is registered: a crash will be dumped. */
      registered: {
        on: {
          'phyp.crash': { target: 'off', actions: 'osTerm' },
          'hw.reset': { target: 'off', actions: 'clear' },
        },
      },
      notRegistered: {
        on: {
          'phyp.crash': { target: 'off', actions: ['plainPanic', 'clear'] },
          'hw.reset': { target: 'off', actions: 'clear' },
        },
      },
      booting: {
        tags: ['transient'],
        always: [
          { guard: 'dumpBad', target: 'registering', actions: 'backToProduction' },
          { target: 'capture', actions: 'exportDump' },
        ],
      },
      /** The capture kernel: it runs in the low 256MB plus what was released; /proc/vmcore and
       *  /sys/kernel/release_region exist (phyp-assisted-dump.txt). */
      capture: {
        initial: 'vmcore',
        on: {
          write: [
            { guard: 'releasesAll', target: 'registering', actions: 'backToProduction' },
            { guard: 'releaseWrite', actions: 'release' },
            { actions: 'noSuchFile' },
          ],
          'sysfs.write': { actions: 'noSuchFile' },
          reboot: { target: 'off', actions: ['reboot', 'clear'] },
          crash: { target: 'off', actions: ['reboot', 'clear'] },
          // A system reset interrupt (docs/kernel-behaviour.md §13.4) ends it as a panic does.
          'dump-restart': { target: 'off', actions: ['reboot', 'clear'] },
          'dlpar.request': { actions: 'dlparReject' },
          'kexec-load': { actions: 'noCrashkernel' },
          'kexec-unload': { actions: 'nothingToUnload' },
          'hw.reset': { target: 'off', actions: 'clear' },
        },
        states: {
          vmcore: {
            on: { 'save-dump': { target: 'saved' } },
          },
          saved: {
            on: {
              'save-dump': {
                actions: {
                  type: 'ignore',
                  params: { reason: 'the dump was already saved: copying it again changes nothing' },
                },
              },
            },
          },
        },
      },
    },
  });
}

export type PhypDumpMachine = ReturnType<typeof phypDumpMachine>;
