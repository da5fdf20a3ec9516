// The external events exploration fires in every state: a finite alphabet per configuration, with
// every writable file's interesting values (docs/kernel-behaviour.md §2, §8) and one LMB of hotplug each way.
import { kernelCmdline, type Config } from '../config';
import { lmbDrcIndex, type ExternalEvent } from '../events';
import { COMMAND_LINE_SIZE, FILES, RELEASE_REGION } from '../sysfs/store';
import { PHYP_BOOT_MEMORY } from '../memory/phyp';
import { hex } from '../memory/layout';
import { cpuHotplugConfigured } from '../memory/cpus';

export function alphabet(config: Config): ExternalEvent[] {
  const w = (path: string, value: string): ExternalEvent => ({ event: 'write', path, value });
  const events: ExternalEvent[] = [
    { event: 'boot' },
    { event: 'crash' },
    { event: 'reboot' },
    { event: 'save-dump' },
    { event: 'kdump-reload' },
    { event: 'kdump-start' },
    { event: 'memory-hotplug', action: 'add', lmbs: 1 },
    { event: 'memory-hotplug', action: 'remove', lmbs: 1 },
    w(FILES.registered, '0\n'),
    w(FILES.registered, '1\n'),
    w(FILES.registered, '2\n'),
    w(FILES.registered, 'x\n'),
    w(FILES.releaseMem, '1\n'),
    w(FILES.releaseMem, '0\n'),
    w(FILES.enabled, '1\n'),
  ];
  if (config.platform === 'pseries') {
    const room = COMMAND_LINE_SIZE - kernelCmdline(config).length;
    events.push(
      w(FILES.bootargsAppend, 'nr_cpus=16\n'),
      // Exactly fills the command line (count = room): -ENOSPC, the boundary of `len + count >= 2048`.
      w(FILES.bootargsAppend, `${'y'.repeat(room - 1)}\n`),
      w(FILES.bootargsAppend, `${'z'.repeat(COMMAND_LINE_SIZE)}\n`), // -EINVAL
      // The boundaries: the longest write that fits with the command line, and a write of
      // exactly COMMAND_LINE_SIZE bytes (-EINVAL: count >= COMMAND_LINE_SIZE).
      w(FILES.bootargsAppend, `${'b'.repeat(room - 2)}\n`),
      w(FILES.bootargsAppend, `${'c'.repeat(COMMAND_LINE_SIZE - 1)}\n`),
    );
  } else {
    events.push(w(FILES.releaseCore, '1\n'), w(FILES.releaseCore, '2\n'));
  }
  events.push(...namedLmbEvents(config));
  // A reboot with each of the configuration's rebootCmdlines (docs/kernel-behaviour.md §12): the
  // boot loader's stored line changes. None unless the configuration gives some.
  for (const cmdline of config.rebootCmdlines) events.push({ event: 'reboot', cmdline });
  // Processor DLPAR (§11), one CPU each way, only where fewer CPUs are present than possible, so
  // that every other configuration explores what it did.
  if (cpuHotplugConfigured(config)) {
    events.push({ event: 'cpu-hotplug', action: 'add', cpus: 1 }, { event: 'cpu-hotplug', action: 'remove', cpus: 1 });
  }
  // The enabled kdump service (§5 "The kdump service"): systemctl stop and restart, only where
  // the configuration enables it, so that every other configuration explores what it did.
  if (config.kdumpEnabled) events.push({ event: 'kdump-stop' }, { event: 'kdump-restart' });
  // kdump (§6): kexec -p in its two halves, and kexec -p -u, wherever crashkernel= is
  // given (kdump, or fadump's fallback to it).
  if (config.crashkernelText !== null) {
    events.push({ event: 'kexec-load' }, { event: 'kexec-loaded' }, { event: 'kexec-unload' });
  }
  // Hypervisor-assisted dump (phyp-assisted-dump.txt): release_region writes: the document's example (256MB at the
  // 1GB boundary), everything above the low 256MB at once, and one that does not parse.
  if (config.mechanism === 'phyp-assisted-dump') {
    events.push(
      w(RELEASE_REGION, '0x40000000 0x10000000\n'),
      w(RELEASE_REGION, `${hex(PHYP_BOOT_MEMORY)} ${hex(config.maxMemoryBytes - PHYP_BOOT_MEMORY)}\n`),
      w(RELEASE_REGION, '0x40000000\n'),
    );
  }
  // Every way a kernel ends (docs/kernel-behaviour.md §13), only where the configuration asks for
  // them (endings: true), so that every other configuration explores what it did.
  if (config.endings && config.mechanism === 'fadump') {
    events.push(
      { event: 'kexec-reboot' },
      { event: 'power-off' },
      { event: 'watchdog-reset' },
      { event: 'dump-restart' },
    );
    if (config.platform === 'powernv') events.push({ event: 'mpipl', trigger: 'sbe' }, { event: 'petitboot-crash' });
  }
  if (config.faults) {
    if (config.platform === 'pseries') {
      events.push(
        { event: 'firmware-error', call: 'register', rc: -1 },
        { event: 'firmware-error', call: 'register', rc: -9 },
        { event: 'firmware-error', call: 'unregister', rc: -1 },
        // An RTAS busy code: the kernel retries until the call goes through.
        { event: 'firmware-error', call: 'unregister', rc: 9900 },
        { event: 'firmware-error', call: 'preserve', rc: -1 },
        // 'preserve-partial' is left out here: on pSeries it ends as the failed preserve does (the
        // dump lost, only the message differs: test/partial.test.ts), and exploring it too would
        // add half again to this configuration's states.
      );
    } else {
      events.push(
        { event: 'firmware-error', call: 'register', rc: 'OPAL_HARDWARE' },
        { event: 'firmware-error', call: 'register', rc: 'OPAL_RESOURCE' },
        { event: 'firmware-error', call: 'preserve', rc: 'OPAL_HARDWARE' },
        // The MPIPL copies none of the boot memory: the kernel does not notice and exports a
        // vmcore without it (docs/kernel-behaviour.md §1.4 "Partial preservation").
        { event: 'firmware-error', call: 'preserve-partial', regions: 0 },
      );
    }
  }
  return events;
}

/** Named-LMB DLPAR (hotplug-memory.c dlpar_memory_{add,remove}_by_index, docs/kernel-behaviour.md
 *  §4), only for a configuration with holes at boot (memoryHolesMiB), so that the default matrix
 *  does not grow: each of the first two holes' first LMB added by drc index, and the LMB right
 *  above each removed by drc index (which leaves a hole, or widens it). */
function namedLmbEvents(config: Config): ExternalEvent[] {
  const out: ExternalEvent[] = [];
  for (const h of config.memoryHolesMiB.slice(0, 2)) {
    const first = (h.startMiB * 1024 * 1024) / config.lmbBytes;
    const above = ((h.startMiB + h.sizeMiB) * 1024 * 1024) / config.lmbBytes;
    out.push({ event: 'memory-hotplug', action: 'add', drcIndex: `0x${lmbDrcIndex(first)}` });
    out.push({ event: 'memory-hotplug', action: 'remove', drcIndex: `0x${lmbDrcIndex(above)}` });
  }
  return out;
}
