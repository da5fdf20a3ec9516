// Where the simulator and the model part ways, recorded as data. Each record has a log that shows
// it and a classifier that recognises its first difference; the generated suite
// (test/support/generated.ts) compares a path up to such a difference and stops there, and fails on
// any difference no record recognises. test/disagreements.test.ts replays every record's log and
// fails when it no longer differs, so the list and reality cannot part ways in either direction.
//
// Retired (fixed in the model, their ids not reused): D1 the pre-2024 area size, D2 registering
// over a held registration, D3 RTAS busy codes on unregister, D4 the capture kernel's longer command
// line counted by bootargs_append after release, D5 the capture kernel's build running on after
// release or a failed capture.
import type { Config, ConfigInput } from '../config';
import type { ExternalEvent } from '../events';
import type { StepDiff } from './adapter';

export interface Disagreement {
  /** D6, D7, ...: never reused. */
  id: string;
  title: string;
  /** What the kernel does, with the upstream file and function it rests on. */
  kernel: string;
  model: string;
  sim: string;
  /** Which is right, and what settles it. */
  verdict: string;
  /** A short log whose first difference is at its last event and is this disagreement. */
  example: { config: ConfigInput; events: ExternalEvent[] };
  /** True when a first difference is this disagreement, and nothing else: the path is compared
   *  up to it and stops there. */
  recognises: (config: Config, diff: StepDiff) => boolean;
  /** For a disagreement confined to part of one file's value: that part made equal on both sides
   *  (model and simulator alike), so that the rest of the value and of the path is still
   *  compared. The suite counts the paths where it changed the outcome. */
  mask?: (config: Config, path: string, value: string) => string;
}

const BOOTARGS_APPEND = 'sysfs:/sys/kernel/fadump/bootargs_append';
const FADUMP_REGION = 'sysfs:/sys/kernel/debug/powerpc/fadump_region';

/** The lines of two fadump_region texts that differ, by index. */
function differingLines(a: unknown, b: unknown): string[] {
  if (typeof a !== 'string' || typeof b !== 'string') return ['(not text)'];
  const x = a.split('\n');
  const y = b.split('\n');
  const out: string[] = [];
  for (let i = 0; i < Math.max(x.length, y.length); i++) if (x[i] !== y[i]) out.push(x[i] ?? y[i] ?? '');
  return out;
}

/** A param-area line of fadump_region: its address range and its text. */
const PARAM_LINE = /^\[(0x[0-9a-f]+-0x[0-9a-f]+|\(address\))\]: (cmdline append: .*)$/;

const D6: Disagreement = {
  id: 'D6',
  title:
    "After a failed unregister and a reboot with less memory, the capture kernel reads the held registration's param area",
  kernel:
    'rtas_fadump_get_config() (arch/powerpc/platforms/pseries/rtas-fadump.c) takes param_area from the RTAS_FADUMP_PARAM_AREA section ' +
    'of the registration the firmware preserved (ibm,kernel-dump), and fadump_append_bootargs() (arch/powerpc/kernel/fadump.c) appends ' +
    'the string found there. fadump_setup_param_area() places the area top-down in the upper half of memory (radix), so a boot with less ' +
    'memory puts it elsewhere; a registration the firmware kept (unregister failed: rtas_fadump_unregister() returns -EIO and PHYP ' +
    "answers -9 to the next boot's register) still names the old address.",
  model:
    "The capture kernel shows the param area text of the kernel that crashed ('' after the new boot zeroed its own).",
  sim: 'The capture kernel reads the old address the held registration names, where the earlier boot wrote its string.',
  verdict:
    'The simulator follows the kernel source: the param area is an address in the preserved registration, not the crashing kernel. ' +
    'The model does not track the address (D7). Open; what an address outside the new memory holds is not defined by the kernel.',
  example: {
    config: { platform: 'pseries', faults: true },
    events: [
      { event: 'boot' },
      { event: 'write', path: '/sys/kernel/fadump/bootargs_append', value: 'nr_cpus=16\n' },
      { event: 'write', path: '/sys/kernel/fadump/registered', value: '1\n' },
      { event: 'firmware-error', call: 'unregister', rc: -1 },
      { event: 'memory-hotplug', action: 'remove', lmbs: 1 },
      { event: 'reboot' },
      { event: 'crash' },
    ],
  },
  recognises: (config, diff) =>
    config.platform === 'pseries' &&
    diff.event?.event === 'crash' &&
    diff.fields.every(
      (f) =>
        f.field === BOOTARGS_APPEND ||
        (f.field === FADUMP_REGION && differingLines(f.model, f.sim).every((l) => PARAM_LINE.test(l))),
    ),
};

const D7: Disagreement = {
  id: 'D7',
  title:
    "Under the radix MMU the model computes the param area's address from the memory the kernel has now, not the memory it booted with",
  kernel:
    'fadump_setup_param_area() (arch/powerpc/kernel/fadump.c) allocates the area once, at boot, top-down in the upper half of the ' +
    'memory the kernel booted with (under hash at 0x2dfff800); rtas_fadump_region_show() prints that address; memory hotplug does not move it.',
  model:
    "The model keeps the param area's text but not its address: keeping it multiplies the state space by the boot-time memory sizes " +
    '(measured: 55,711 to 512,308 states on the default matrix). After memory hotplug the address it prints moves.',
  sim: 'The simulator keeps the address it allocated at boot.',
  verdict:
    'The simulator follows the kernel source. Under the hash MMU (what the real 6.1 and 6.12 kernels chose under QEMU, test/real/) the ' +
    'address is fixed and the model exact. The suite compares fadump_region with the address of the param-area line masked under radix, ' +
    'and everything else as it is. Open: carry the boot-time address without splitting states that differ only by it.',
  example: {
    config: { platform: 'pseries' },
    events: [{ event: 'boot' }, { event: 'memory-hotplug', action: 'add', lmbs: 1 }],
  },
  recognises: () => false,
  mask: (config, path, value) =>
    config.mmu === 'radix' && `sysfs:${path}` === FADUMP_REGION
      ? value.replace(/^\[0x[0-9a-f]+-0x[0-9a-f]+\]: cmdline append:/m, '[(address)]: cmdline append:')
      : value,
};

/** The open disagreements. */
export const DISAGREEMENTS: readonly Disagreement[] = [D6, D7];

/** The record that recognises a first difference, or null. */
export function recognise(
  config: Config,
  diff: StepDiff,
  list: readonly Disagreement[] = DISAGREEMENTS,
): Disagreement | null {
  return list.find((d) => d.recognises(config, diff)) ?? null;
}
