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
    '(its destination_address) of the registration the firmware preserved (ibm,kernel-dump). A registration the firmware kept ' +
    "(rtas_fadump_unregister() failed with -EIO; PHYP answers -9 to the next boot's register and keeps the old one) names the area " +
    'of the boot that made it: fadump_setup_param_area() places it top-down below the end of the memory that boot had (radix; ' +
    'under hash at a fixed address in every boot). fadump_append_bootargs() (arch/powerpc/kernel/fadump.c) checks only dump_active, ' +
    'param_area_supported and param_area != 0, memblock_reserve()s the area only below boot_mem_top, and appends the string at that ' +
    "address: no check that it lies in this boot's memory, no magic, no length. rtas_fadump_region_show() prints the section's range " +
    'and __va(destination_address) as the string, unchecked too. rtas_fadump_process() runs later and only zeroes param_area ' +
    '("Failed to process additional parameters! Proceeding anyway..") when the firmware reports the section short or in error. ' +
    "So: the capture kernel reads the earlier boot's address. What it finds there is defined only when that is the crashing kernel's " +
    "own area (hash, or the same end of memory): the crashing kernel's string. After a reboot with less memory it lies outside the " +
    "partition's memory; with more, inside memory the crashing kernel used for anything: the kernel source defines neither " +
    '(docs/kernel-behaviour.md §1.4 "A registration from an earlier boot").',
  model:
    "The capture kernel shows the param area text of the kernel that crashed ('' after the new boot zeroed its own), at the address " +
    "the crashing kernel's memory gives: the answer of the defined case, taken for every case [I].",
  sim:
    'The capture kernel reads the old address the held registration names, and finds the string the earlier boot left there: the ' +
    "simulator's RAM keeps what was written across a reboot, the partition's memory or not [I].",
  verdict:
    "Settled from the source: the capture kernel reads the registration's (earlier boot's) address, as the simulator does; the " +
    "content there is undefined by the kernel in this log (outside the new memory), so both sides' strings are [I]. The model " +
    'does not carry the address: measured on the pSeries faults configuration, carrying the boot-time memory end in the firmware ' +
    'takes it from 30,258 to 453,618 states, and stamping each registration with the memory end at registration to 198,558 ' +
    '(docs/kernel-behaviour.md §1.4). Open until a bounded representation is found; the suite stops a path at it.',
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
    // A dump restart is taken as a crash (docs/kernel-behaviour.md §13.4).
    (diff.event?.event === 'crash' || diff.event?.event === 'dump-restart') &&
    diff.fields.every(
      (f) =>
        f.field === BOOTARGS_APPEND ||
        // /proc/cmdline ends in the param area's string (docs/kernel-behaviour.md §12).
        f.field === 'cmdline' ||
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
