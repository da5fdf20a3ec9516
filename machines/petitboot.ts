// Petitboot: OPAL's intermediate boot kernel (docs/kernel-behaviour.md §4; "On OPAL based machines" in
// Documentation/arch/powerpc/firmware-assisted-dump.rst).
// Built with CONFIG_PRESERVE_FA_DUMP it reserves everything above boot_mem_top and its cleanup is
// a no-op, so the kexec into the capture kernel keeps the dump; without it petitboot reuses that
// memory and the dump is lost [I].
import { assign, enqueueActions, setup } from 'xstate';
import type { Config } from '../src/config';
import type { AnyEvent, InternalEvent, PreservedDump } from '../src/events';
import type { Range } from '../src/memory/layout';

export interface PetitbootContext {
  memory: Range[];
  dump: PreservedDump | null;
  /** The default entry's command line, when a boot or reboot set one (§12). */
  cmdline: string | null;
  /** A `petitboot-crash` event armed a panic of petitboot's kernel at its next boot (§13.6). */
  panicArmed: boolean;
}

/** The command line petitboot's kexec passes on (§12): only one a boot or reboot set. */
const cmdlineOf = (c: PetitbootContext): { cmdline?: string } => (c.cmdline === null ? {} : { cmdline: c.cmdline });

export function petitbootMachine(config: Config) {
  return setup({
    types: { context: {} as PetitbootContext, events: {} as AnyEvent, emitted: {} as InternalEvent },
    guards: {
      preservesDump: ({ context }) => context.dump === null || config.petitbootPreservesDump,
      panics: ({ context }) => context.panicArmed,
      /** §13.6: only PowerNV boots petitboot; the model states its crash for fadump [I]. */
      canArm: () => config.platform === 'powernv' && config.mechanism === 'fadump',
    },
    actions: {
      arm: assign({ panicArmed: true }),
      /** §13.6: petitboot's kernel panics before it kexecs. Built with CONFIG_PRESERVE_FA_DUMP (or
       *  not), it has no crash_fadump() (fadump.c's CONFIG_PRESERVE_FA_DUMP part only reserves), so
       *  its panic() ends in emergency_restart(), powernv's opal_cec_reboot(): a normal IPL, not an
       *  MPIPL. The boot after it has no mpipl-boot, so the dump is gone [I: skiboot/hostboot do not
       *  keep an unprocessed MPIPL across a normal IPL]. */
      panic: enqueueActions(({ enqueue, context }) => {
        if (context.dump !== null)
          enqueue.emit({
            type: 'dump.lost',
            reason:
              "petitboot's kernel panicked during the MPIPL boot: its reboot is a normal IPL (opal_cec_reboot()), which announces no dump [I]",
          });
        enqueue.emit({ type: 'fw.invalidate' });
        enqueue.emit({ type: 'fw.reset' });
        enqueue.assign({ memory: [], dump: null, cmdline: null, panicArmed: false });
      }),
      load: assign(({ event }) =>
        event.type === 'bootloader.start'
          ? { memory: event.memory, dump: event.dump, cmdline: event.cmdline ?? null }
          : {},
      ),
      /** kexec into the kernel the boot menu picks, the dump intact. */
      kexec: enqueueActions(({ enqueue, context }) => {
        enqueue.emit({ type: 'os.boot', memory: context.memory, dump: context.dump, ...cmdlineOf(context) });
        enqueue.assign({ memory: [], dump: null, cmdline: null });
      }),
      /** Without CONFIG_PRESERVE_FA_DUMP petitboot allocates from the dump's memory: the reserved
       *  area (and the crash info header in it) is overwritten. */
      kexecClobbered: enqueueActions(({ enqueue, context }) => {
        const dump =
          context.dump === null
            ? null
            : { ...context.dump, memoryIntact: false, header: { ...context.dump.header, magic: 'garbage' as const } };
        enqueue.emit({ type: 'os.boot', memory: context.memory, dump, ...cmdlineOf(context) });
        enqueue.assign({ memory: [], dump: null, cmdline: null });
      }),
    },
  }).createMachine({
    id: 'petitboot',
    initial: 'off',
    context: { memory: [], dump: null, cmdline: null, panicArmed: false },
    states: {
      off: {
        on: {
          'bootloader.start': { target: 'booting', actions: 'load' },
          'petitboot-crash': { guard: 'canArm', actions: 'arm' },
        },
      },
      booting: {
        tags: ['transient'],
        always: [
          { guard: 'panics', target: 'off', actions: 'panic' },
          { guard: 'preservesDump', target: 'off', actions: 'kexec' },
          { target: 'off', actions: 'kexecClobbered' },
        ],
      },
    },
  });
}

export type PetitbootMachine = ReturnType<typeof petitbootMachine>;
