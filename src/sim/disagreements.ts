// Where the simulator and the model part ways, with the verdict from
// shared/reference/kernel-behaviour.md. These are reports for the model's owner (machines/ is not
// edited here). The conformance test (test/sim-conformance.test.ts) handles them so that it stays
// green without hiding anything else:
// - 'compat': the difference shows in almost every run of some configurations, so the simulator
//   imitates the model there (SimOptions.compat) and the case itself is an it.skip naming it;
// - 'note': the simulator notes when a run walks into the situation (Sim.notes()), and the
//   comparison of that run stops at that step; the case itself is an it.skip naming it.
import type { ConfigInput } from '../config';
import type { ExternalEvent } from '../events';
import type { Compat, KnownDisagreement } from './kernel';

/** D1 (the pre-2024 area size), D2 (registering over a held registration) and D3 (RTAS busy
 *  codes on unregister) were fixed in the model; their ids are retired. */
export type DisagreementId = KnownDisagreement;

export interface Disagreement {
  id: DisagreementId;
  title: string;
  /** What the reference says (quoted or closely paraphrased, with its section). */
  reference: string;
  model: string;
  sim: string;
  /** Which is right, and why. */
  verdict: string;
  handling: 'compat' | 'note';
  /** A short log that shows it (the first difference is at its last event). */
  example: { config: ConfigInput; events: ExternalEvent[] };
}

const R = '/sys/kernel/fadump/registered';

export const DISAGREEMENTS: readonly Disagreement[] = [
  {
    id: 'D4-capture-cmdline-length',
    title: 'After release, bootargs_append\'s -ENOSPC counts the capture kernel\'s own, longer command line',
    reference:
      '§1 early boot 3: "Capture boot only: the param-area string is appended to the boot command line"; §2 bootargs_append: "-ENOSPC if cmdline + string too long".',
    model: 'StoreView.cmdlineLength is kernelCmdline(config).length in both kernels, so after release the check ignores the appended parameters.',
    sim:
      'The capture kernel\'s command line is the first kernel\'s plus " " and the appended string (fadump_append_bootargs), and saved_command_line_len is what bootargs_append_store compares: after a capture with long extra parameters a new string that fitted before gets -ENOSPC.',
    verdict: 'Model wrong (edge case): the running kernel\'s command line includes what it appended. Fix: the capture kernel\'s cmdlineLength adds 1 + the param area\'s length.',
    handling: 'note',
    example: {
      config: { platform: 'pseries' },
      events: [
        { event: 'boot' },
        { event: 'write', path: '/sys/kernel/fadump/bootargs_append', value: `${'y'.repeat(1900)}\n` },
        { event: 'crash' },
        { event: 'write', path: '/sys/kernel/fadump/release_mem', value: '1\n' },
        { event: 'write', path: '/sys/kernel/fadump/bootargs_append', value: `${'y'.repeat(100)}\n` },
      ],
    },
  },
  {
    id: 'D5-post-release-kernel-image',
    title: 'After release (or a failed capture) the kernel that runs on is the capture kernel build',
    reference:
      '§1 Release: "The system is back in production without a second reboot"; §2: hotplug_ready exists on new kernels; §3: the header carries the writing kernel\'s magic, byte order and structure sizes.',
    model:
      'The capture kernel hands over to the production-kernel actor, which behaves as config.elfcorehdr (hotplug_ready, header magic, udev reload) and writes a header with the first kernel\'s byte order and sizes, so with a capture kernel that differs the next crash is judged as if the first kernel had crashed.',
    sim:
      'The same kernel object runs on: with captureKernel.elfcorehdr "in-capture-kernel" after an "at-registration" first kernel, hotplug_ready appears after the failed capture; with a byte-swapped capture kernel, once it registers and crashes, the next capture boot (the same build) reads its own header and captures the dump.',
    verdict:
      'Model wrong for mixed-kernel configurations: after release no kernel is booted, so the running build is the capture kernel. Fix: the handover carries the capture kernel\'s generation, byte order and sizes.',
    handling: 'note',
    example: {
      config: { platform: 'pseries', elfcorehdr: 'at-registration', captureKernel: { elfcorehdr: 'in-capture-kernel' } },
      events: [{ event: 'boot' }, { event: 'crash' }],
    },
  },
];

/** The simulator options the conformance test and the mutant harness use against the model. */
export const MODEL_COMPAT: Partial<Compat> = {};
