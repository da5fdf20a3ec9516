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
  /** True when a first difference is this disagreement, and nothing else. */
  recognises: (config: Config, diff: StepDiff) => boolean;
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

const D6: Disagreement = {
  id: 'D6',
  title: "After a failed unregister and a reboot with less memory, the capture kernel reads the held registration's param area",
  kernel:
    'rtas_fadump_get_config() (arch/powerpc/platforms/pseries/rtas-fadump.c) takes param_area from the RTAS_FADUMP_PARAM_AREA ' +
    "section of the registration the firmware preserved (ibm,kernel-dump), and fadump_append_bootargs() (arch/powerpc/kernel/fadump.c) " +
    "appends the string found there. fadump_setup_param_area() places the area top-down in the upper half of memory, so a boot with " +
    "less memory puts it elsewhere; a registration the firmware kept (unregister failed: rtas_fadump_unregister() returns -EIO and PHYP " +
    "answers -9 to the next boot's register) still names the old address.",
  model: "The capture kernel shows the param area of the kernel that crashed: '' (the new boot's area, zeroed at boot).",
  sim: 'The capture kernel reads the old address the held registration names, where the earlier boot wrote its string.',
  verdict:
    'The simulator follows the kernel source: the param area is an address in the preserved registration, not the crashing kernel. ' +
    'The model does not track which registration the firmware holds across a reboot. Open: the model needs the held registration to ' +
    'carry its param area; what an address outside the new memory holds is not defined by the kernel.',
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
    diff.fields.every((f) => f.field === BOOTARGS_APPEND || (f.field === FADUMP_REGION && differingLines(f.model, f.sim).every((l) => l.startsWith('cmdline append:')))),
};

/** The open disagreements. */
export const DISAGREEMENTS: readonly Disagreement[] = [D6];

/** The record that recognises a first difference, or null. */
export function recognise(config: Config, diff: StepDiff, list: readonly Disagreement[] = DISAGREEMENTS): Disagreement | null {
  return list.find((d) => d.recognises(config, diff)) ?? null;
}
