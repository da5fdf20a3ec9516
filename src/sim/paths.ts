// Event paths for the conformance test and the mutant harness: the configurations, a finite
// alphabet of external events per configuration, the example logs, and seeded random walks.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { config as makeConfig, kernelCmdline, type Config, type ConfigInput } from '../config';
import type { ExternalEvent } from '../events';
import { parseLog } from '../log/parse';
import { COMMAND_LINE_SIZE } from './consts';

export interface EventPath {
  config: Config;
  events: ExternalEvent[];
  /** Where the path comes from, for reports. */
  name?: string;
}

/** The configurations random walks run on: both platforms, both elfcorehdr generations,
 *  fadump=on|nocma|off, petitboot with and without CONFIG_PRESERVE_FA_DUMP, the 2017 kernels'
 *  EEXIST and kdumpctl registration, crashkernel= (capped, too small), firmware-assisted-dump.rst's
 *  boot-memory rule, a small LPAR where DLPAR reaches the reserved area, and mixed kernels. */
export const SIM_CONFIGS: readonly ConfigInput[] = [
  { platform: 'pseries', faults: true },
  { platform: 'pseries', elfcorehdr: 'at-registration', faults: true },
  { platform: 'pseries', fadump: 'nocma', memoryMiB: 16384 },
  { platform: 'pseries', fadump: 'off', elfcorehdr: 'at-registration' },
  {
    platform: 'pseries',
    elfcorehdr: 'at-registration',
    registeredWrite: 'eexist',
    registerAtBoot: false,
    faults: true,
  },
  { platform: 'pseries', registerAtBoot: false, faults: true },
  { platform: 'pseries', crashkernel: '4G', memoryMiB: 8192 },
  // fadump fails (no room for the area above boot memory) until memory is added and the LPAR
  // rebooted; without crashkernel= there is no fallback to kdump.
  { platform: 'pseries', memoryMiB: 512, lmbMiB: 256 },
  { platform: 'pseries', bootMemoryRule: 'seed-2011', memoryMiB: 4096 },
  { platform: 'pseries', memoryMiB: 1024, lmbMiB: 256, minMemoryMiB: 256, faults: true },
  { platform: 'pseries', captureKernel: { endianness: 'swapped' } },
  { platform: 'pseries', captureKernel: { headerSizes: 'different' } },
  { platform: 'pseries', elfcorehdr: 'at-registration', captureKernel: { elfcorehdr: 'in-capture-kernel' } },
  { platform: 'pseries', captureKernel: { elfcorehdr: 'at-registration' } },
  { platform: 'powernv', memoryMiB: 16384, faults: true },
  { platform: 'powernv', memoryMiB: 16384, elfcorehdr: 'at-registration', faults: true },
  { platform: 'powernv', memoryMiB: 16384, petitbootPreservesDump: false },
  { platform: 'powernv', memoryMiB: 16384, fadump: 'nocma', registerAtBoot: false, faults: true },
  { platform: 'powernv', memoryMiB: 16384, fadump: 'off' },
  // Holes at boot and named LMBs (hotplug-memory.c ..._by_index): boot memory in two regions,
  // a named remove under the area, above it and of the hole's neighbour, a named add into the hole.
  {
    platform: 'pseries',
    memoryMiB: 4096,
    lmbMiB: 256,
    minMemoryMiB: 1024,
    registerAtBoot: false,
    memoryHolesMiB: [{ startMiB: 256, sizeMiB: 256 }],
  },
  // CPU hotplug (docs/kernel-behaviour.md §11): QEMU's CPU state data for the CPUs present, on a 6.12 and a 6.1 capture
  // kernel, and PowerVM's.
  { platform: 'pseries', firmware: 'qemu', cpus: 2, onlineCpus: 1, kernel: '6.12' },
  { platform: 'pseries', firmware: 'qemu', cpus: 4, onlineCpus: 2, kernel: '6.1' },
  { platform: 'pseries', cpus: 2, onlineCpus: 1 },
];

export function simConfigs(): Config[] {
  return SIM_CONFIGS.map((c) => makeConfig(c));
}

const F = {
  enabled: '/sys/kernel/fadump/enabled',
  registered: '/sys/kernel/fadump/registered',
  releaseMem: '/sys/kernel/fadump/release_mem',
  releaseMemLink: '/sys/kernel/fadump_release_mem',
  bootargsAppend: '/sys/kernel/fadump/bootargs_append',
  releaseCore: '/sys/firmware/opal/mpipl/release_core',
} as const;

/** The finite alphabet of external events for a configuration. */
export function simAlphabet(config: Config): ExternalEvent[] {
  const w = (path: string, value: string): ExternalEvent => ({ event: 'write', path, value });
  const out: ExternalEvent[] = [
    { event: 'boot' },
    { event: 'crash' },
    { event: 'reboot' },
    { event: 'save-dump' },
    { event: 'kdump-reload' },
    { event: 'kdump-start' },
    { event: 'memory-hotplug', action: 'add', lmbs: 1 },
    { event: 'memory-hotplug', action: 'remove', lmbs: 1 },
    w(F.registered, '0'),
    w(F.registered, '1'),
    w(F.registered, '1\n'),
    w(F.registered, '2'),
    w(F.registered, 'x'),
    w(F.releaseMem, '1'),
    w(F.releaseMem, '0'),
    w(F.releaseMemLink, '1\n'),
    w(F.enabled, '1'),
  ];
  // The enabled kdump service: systemctl stop and restart (as the model's alphabet).
  if (config.kdumpEnabled) out.push({ event: 'kdump-stop' }, { event: 'kdump-restart' });
  if (config.onlineCpus < config.cpus)
    out.push(
      { event: 'cpu-hotplug', action: 'add', cpus: 1 },
      { event: 'cpu-hotplug', action: 'add', cpus: 2 },
      { event: 'cpu-hotplug', action: 'remove', cpus: 1 },
      w(F.bootargsAppend, 'nr_cpus=1\n'),
    );
  if (config.platform === 'pseries') {
    // The command line has `room` bytes left before COMMAND_LINE_SIZE: a write of exactly that many
    // bytes (with echo's newline) is -ENOSPC, one byte fewer fits.
    const room = COMMAND_LINE_SIZE - kernelCmdline(config).length;
    out.push(
      w(F.bootargsAppend, 'nr_cpus=16\n'),
      w(F.bootargsAppend, 'quiet'),
      w(F.bootargsAppend, `${'y'.repeat(room - 2)}\n`),
      w(F.bootargsAppend, `${'y'.repeat(room - 1)}\n`),
      w(F.bootargsAppend, `${'z'.repeat(COMMAND_LINE_SIZE)}\n`),
    );
  } else {
    out.push(w(F.releaseCore, '1'), w(F.releaseCore, '2'));
  }
  out.push(...namedLmbs(config));
  if (config.faults) {
    if (config.platform === 'pseries') {
      for (const rc of [-1, -2, -3, -9, 9902]) out.push({ event: 'firmware-error', call: 'register', rc });
      for (const rc of [-1, 9902]) out.push({ event: 'firmware-error', call: 'unregister', rc });
      out.push({ event: 'firmware-error', call: 'preserve', rc: -1 });
    } else {
      for (const rc of ['OPAL_RESOURCE', 'OPAL_HARDWARE', 'OPAL_PARAMETER', -1] as const)
        out.push({ event: 'firmware-error', call: 'register', rc });
      out.push({ event: 'firmware-error', call: 'unregister', rc: -1 });
      out.push({ event: 'firmware-error', call: 'preserve', rc: 'OPAL_HARDWARE' });
    }
  }
  return out;
}

/** With holes at boot, DLPAR of named LMBs (drc index 0x80000000 | LMB number): each hole's
 *  first LMB added, and removed again; LMB 1 and LMB 2 removed (under the reserved area for the
 *  default sizes: refused) and the last LMB removed by index. */
function namedLmbs(config: Config): ExternalEvent[] {
  if (config.memoryHolesMiB.length === 0) return [];
  const lmbMiB = config.lmbBytes / (1024 * 1024);
  const drc = (n: number) => `0x${(0x80000000 + n).toString(16)}`;
  const out: ExternalEvent[] = [];
  for (const h of config.memoryHolesMiB.slice(0, 2)) {
    const n = h.startMiB / lmbMiB;
    out.push({ event: 'memory-hotplug', action: 'add', drcIndex: drc(n) });
    out.push({ event: 'memory-hotplug', action: 'remove', drcIndex: drc(n) });
  }
  const last = config.memoryBytes / config.lmbBytes - 1;
  for (const n of [1, 2, last]) out.push({ event: 'memory-hotplug', action: 'remove', drcIndex: drc(n) });
  return out;
}

/** The relative weight of an event in a random walk: faults and hotplug rarer, crashes and the
 *  registered file common. */
export function weightOf(e: ExternalEvent): number {
  switch (e.event) {
    case 'firmware-error':
      return 1;
    case 'boot':
      return 1;
    case 'crash':
      return 4;
    case 'memory-hotplug':
    case 'cpu-hotplug':
      return 3;
    case 'write':
      return e.path.endsWith('/registered') || e.path.endsWith('release_mem') ? 3 : 2;
    default:
      return 3;
  }
}

/** mulberry32: a small seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` seeded random walks per configuration: a boot (sometimes after a fault), then up to
 *  `maxLength` weighted events from the alphabet. */
export function randomWalks(configs: readonly Config[], count: number, seed: number, maxLength = 24): EventPath[] {
  const rnd = prng(seed);
  const out: EventPath[] = [];
  for (const config of configs) {
    const alphabet = simAlphabet(config);
    const weights = alphabet.map(weightOf);
    const total = weights.reduce((a, b) => a + b, 0);
    const pick = (): ExternalEvent => {
      let x = rnd() * total;
      for (let i = 0; i < alphabet.length; i++) {
        x -= weights[i] ?? 0;
        if (x < 0) return alphabet[i] ?? { event: 'boot' };
      }
      return alphabet[alphabet.length - 1] ?? { event: 'boot' };
    };
    for (let n = 0; n < count; n++) {
      const events: ExternalEvent[] = [];
      if (rnd() < 0.2) events.push(pick());
      events.push({ event: 'boot' });
      const len = 1 + Math.floor(rnd() * maxLength);
      for (let i = 0; i < len; i++) events.push(pick());
      out.push({ config, events, name: `walk ${n} seed ${seed}` });
    }
  }
  return out;
}

/** Every log in a folder (examples/ by default). Which of them the simulator is held to is the
 *  caller's decision, from the configuration (src/explore/suite.ts comparability()). */
export function examplePaths(dir = join(process.cwd(), 'examples')): EventPath[] {
  return readdirSync(dir)
    .filter((x) => x.endsWith('.jsonl'))
    .sort()
    .map((f) => {
      const log = parseLog(readFileSync(join(dir, f), 'utf8'), f);
      return { config: log.config, events: log.entries.map((e) => e.event), name: f };
    });
}
