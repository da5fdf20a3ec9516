// The seed document's story, end to end, as a user sees it (Documentation/arch/powerpc/firmware-assisted-dump.rst;
// docs/kernel-behaviour.md §1 "Capture boot" and "Release", §2, §4): boot with
// fadump=on, crash, capture boot, save the dump, `echo 1 > release_mem`, back in production
// without a reboot, `echo 1 > registered`. On pSeries, and on PowerNV through petitboot with and
// without CONFIG_PRESERVE_FA_DUMP.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { config as makeConfig, kernelCmdline, type ConfigInput } from '../src/config';
import { crashInfoHeaderBytes } from '../src/memory/guest';
import type { Observation } from '../src/sysfs/view';
import {
  boot,
  bytes,
  covers,
  crash,
  exists,
  GiB,
  merge,
  minus,
  MiB,
  overlapping,
  P,
  PAGE,
  pageAlign,
  read,
  reboot,
  regionOf,
  reservedArea,
  run,
  runText,
  saveDump,
  traffic,
  vmcoreSpans,
  write,
  type Run,
} from './support/story';

/** /proc/vmcore describes all of the crashed kernel's memory but the reserved area, each byte
 *  once, and every boot region is read from where firmware copied it (§1 capture boot 3). */
function expectVmcoreDescribes(
  o: Observation,
  memory: { start: number; end: number }[],
  area: { start: number; end: number },
): void {
  const described = vmcoreSpans(o);
  expect(overlapping(o)).toBe(false);
  expect(merge(described)).toEqual(minus(memory, area));
  const region = regionOf(o);
  for (const d of region.dumps) {
    // /proc/vmcore shows file offsets (fs/proc/vmcore.c); where the data is read from is
    // fadump_region's Dest.
    expect(o.vmcore?.ptLoad.map((p) => ({ paddr: p.paddr, size: p.size }))).toContainEqual({
      paddr: d.src,
      size: d.size,
    });
  }
}

/** What every state with fadump enabled shows, whoever runs. */
function expectEnabled(o: Observation, memReserved: number): void {
  expect(read(o, P.enabled)).toBe('1');
  expect(Number(read(o, P.memReserved))).toBe(memReserved);
  expect(exists(o, P.hotplugReady)).toBe(true);
  expect(read(o, P.hotplugReady)).toBe('1');
}

describe('the seed story on pSeries (fadump=on, 8 GiB)', () => {
  const config = { platform: 'pseries' as const, fadump: 'on' as const, memoryMiB: 8192 };
  const memory = [{ start: 0, end: 8 * GiB }];
  // Boot memory (§1 early boot 4): 5% of 8 GiB rounded down to 256 MB is 256 MB, raised to the
  // pSeries minimum of 320 MB.
  const bootMemory = 320 * MiB;

  const variants = [
    {
      release: P.oldReleaseMem,
      register: P.registered,
      what: 'deprecated /sys/kernel/fadump_release_mem, then fadump/registered',
    },
    {
      release: P.releaseMem,
      register: P.oldRegistered,
      what: 'fadump/release_mem, then deprecated /sys/kernel/fadump_registered',
    },
  ];

  for (const v of variants) {
    describe(v.what, () => {
      const r: Run = run(config, [boot, crash, saveDump, write(v.release, '1'), write(v.register, '1')]);
      const [atBoot, atCapture, saved, released, reregistered] = [0, 1, 2, 3, 4].map((n) => r.at(n));
      if (!atBoot || !atCapture || !saved || !released || !reregistered) throw new Error('five steps expected');

      it('every event is accepted', () => {
        expect(r.steps.map((s) => [s.line, s.accepted, s.errno])).toEqual([
          [2, true, null],
          [3, true, null],
          [4, true, null],
          [5, true, null],
          [6, true, null],
        ]);
      });

      it('boot: the kernel registers itself; enabled, registered, mem_reserved = the reserved area', () => {
        expect(atBoot.states.productionKernel).toBe('running.registered');
        expect(atBoot.states.firmware).toBe('registered');
        const region = regionOf(atBoot);
        // CPU state, HPTE, then one DUMP line for the boot memory (no holes in 8 GiB).
        expect(region.cpu).not.toBeNull();
        expect(region.hpte).not.toBeNull();
        expect(region.dumps).toHaveLength(1);
        const cpu = region.cpu;
        const hpte = region.hpte;
        const dump = region.dumps[0];
        if (!cpu || !hpte || !dump) return;
        expect(dump.src).toBe(0);
        expect(dump.size).toBe(bootMemory);
        // The area (Fig. 1): CPU | HPTE | page-aligned DUMP | header, right above boot memory.
        expect(cpu.start).toBeGreaterThanOrEqual(bootMemory);
        expect(hpte.start).toBe(cpu.last + 1);
        expect(dump.dest).toBe(cpu.start + pageAlign(cpu.size + hpte.size));
        const areaSize = pageAlign(cpu.size + hpte.size) + bootMemory + crashInfoHeaderBytes('in-capture-kernel', 2048);
        expectEnabled(atBoot, areaSize);
        expect(read(atBoot, P.registered)).toBe('1');
        // "Dumped: 0" everywhere before a crash, and no "Memory above" line.
        expect([cpu.dumped, hpte.dumped, dump.dumped]).toEqual([0, 0, 0]);
        expect(region.memoryAbove).toBeNull();
        expect(region.cmdlineAppend).toBe('');
      });

      it('boot: the fadump_region lines read as the kernel prints them ("%#016llx", "Dumped: 0x0")', () => {
        // rtas_fadump_region_show(); the kernel's vsprintf prints 0 with "%#llx" as 0x0, as in the
        // seed document's example ("Dumped: 0x0").
        expect(read(atBoot, P.region).split('\n').slice(0, 3)).toEqual([
          'CPU :[0x00000014000000-0x0000001404001f] 0x40020 bytes, Dumped: 0x0',
          'HPTE:[0x00000014040020-0x0000001404101f] 0x1000 bytes, Dumped: 0x0',
          'DUMP: Src: 0x00000000000000, Dest: 0x00000014050000, Size: 0x14000000, Dumped: 0x0 bytes',
        ]);
      });

      it('boot: release_mem does not exist and there is no /proc/vmcore; the dump outcome is none', () => {
        expect(exists(atBoot, P.releaseMem)).toBe(false);
        expect(atBoot.vmcore).toBeNull();
        expect(atBoot.dump).toBe('none');
        expect(r.replay.initial.dump).toBe('none');
      });

      it('crash: firmware preserves memory and boots the capture kernel; /proc/vmcore describes the crashed memory', () => {
        expect(atCapture.states).toMatchObject({
          firmware: 'dumpPending',
          productionKernel: 'off',
          captureKernel: 'dumpAvailable.vmcore',
        });
        expect(atCapture.dump).toBe('captured');
        expect(r.reason(1)).toBeNull();
        const area = reservedArea(atBoot);
        expect(reservedArea(atCapture)).toEqual(area);
        expectVmcoreDescribes(atCapture, memory, area);
        // The boot memory is read from its copy in the reserved area (fadump_region's Dest), the
        // rest in place; /proc/vmcore shows it first, after the ELF headers' and the notes' pages.
        const boot0 = atCapture.vmcore?.ptLoad[0];
        expect(boot0).toEqual({ paddr: 0, size: bootMemory, offset: 2 * 64 * 1024 });
        expect(regionOf(atCapture).dumps[0]?.dest).toBe(regionOf(atBoot).dumps[0]?.dest);
      });

      it('capture boot: registered reads 0, release_mem appears, "Dumped:" equals each size, memory above boot memory is reserved', () => {
        expectEnabled(atCapture, Number(read(atBoot, P.memReserved)));
        expect(read(atCapture, P.registered)).toBe('0');
        expect(exists(atCapture, P.releaseMem)).toBe(true);
        const region = regionOf(atCapture);
        const before = regionOf(atBoot);
        expect(region.cpu?.dumped).toBe(region.cpu?.size);
        expect(region.hpte?.dumped).toBe(region.hpte?.size);
        for (const d of region.dumps) expect(d.dumped).toBe(d.size);
        // Same sections as registered before the crash.
        expect({ ...region.cpu, dumped: 0 }).toEqual(before.cpu);
        expect(region.dumps.map((d) => ({ ...d, dumped: 0 }))).toEqual(before.dumps);
        // boot_mem_top: the end of boot memory, page aligned.
        const top = Math.max(...region.dumps.map((d) => d.src + d.size));
        expect(region.memoryAbove).toBe(pageAlign(top));
        expect(region.memoryAbove).toBe(bootMemory);
        // The line comes last, after a blank line, as the kernel prints it.
        expect(region.lines.slice(-2)[0]).toBe('');
      });

      it('save-dump: the dump is saved; /proc/vmcore stays until release', () => {
        expect(saved.states.captureKernel).toBe('dumpAvailable.saved');
        expect(saved.vmcore).toEqual(atCapture.vmcore);
        expect(saved.dump).toBe('captured');
      });

      it(`echo 1 > ${v.release}: back in production without a reboot, the permanent area kept`, () => {
        expect(released.states).toMatchObject({
          firmware: 'noDumpRegistered',
          productionKernel: 'running.notRegistered',
          captureKernel: 'off',
        });
        // No reset and no boot happened in this step: the same kernel carries on.
        expect(traffic(r, 3).filter((t) => /hw\.reset|os\.boot|bootloader\.start/.test(t))).toEqual([]);
        expect(released.vmcore).toBeNull();
        // Same start and size as the crashed kernel's area (§1 Release, §7.6).
        expectEnabled(released, Number(read(atBoot, P.memReserved)));
        expect(reservedArea(released)).toEqual(reservedArea(atBoot));
        const region = regionOf(released);
        expect(region.memoryAbove).toBeNull();
        expect([region.cpu?.dumped, region.hpte?.dumped, ...region.dumps.map((d) => d.dumped)]).toEqual([0, 0, 0]);
        // release_mem stays after release (§2); release does not re-register (§1 Release).
        expect(exists(released, P.releaseMem)).toBe(true);
        expect(read(released, P.registered)).toBe('0');
        expect(released.dump).toBe('captured');
      });

      it(`echo 1 > ${v.register}: registered reads 1 again`, () => {
        expect(read(reregistered, P.registered)).toBe('1');
        expect(reregistered.states).toMatchObject({ firmware: 'registered', productionKernel: 'running.registered' });
        expect(regionOf(reregistered)).toEqual(regionOf(atBoot));
        expect(exists(reregistered, P.releaseMem)).toBe(true);
      });
    });
  }

  it('the system is ready again: a second crash is captured like the first, still without a reboot in between', () => {
    const r = run(config, [boot, crash, saveDump, write(P.releaseMem, '1'), write(P.registered, '1'), crash]);
    const first = r.at(1);
    const second = r.at(5);
    expect(second.dump).toBe('captured');
    expect(second.states.captureKernel).toBe('dumpAvailable.vmcore');
    expect(second.vmcore).toEqual(first.vmcore);
    expect(second.sysfs).toEqual(first.sysfs);
  });

  it('without release, a reboot of the capture kernel invalidates the dump and the next boot registers by itself', () => {
    const r = run(config, [boot, crash, saveDump, { event: 'reboot' }]);
    const after = r.last();
    expect(after.states).toMatchObject({
      firmware: 'registered',
      productionKernel: 'running.registered',
      captureKernel: 'off',
    });
    expect(exists(after, P.releaseMem)).toBe(false);
    expect(after.sysfs).toEqual(r.at(0).sysfs);
    expect(after.dump).toBe('captured');
  });

  it('the CLI replays the seed story example and prints each step with its files', async () => {
    const { main } = await import('../src/cli/main');
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['replay', 'examples/seed-story-pseries.jsonl'], {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
    });
    expect(code).toBe(0);
    expect(err).toEqual([]);
    const text = out.join('\n');
    expect(text).toContain('line 5: echo "1\\n" > /sys/kernel/fadump_release_mem -> accepted');
    expect(text).toMatch(/Memory above 0x0*14000000 is reserved for saving crash dump/);
    expect(text).toContain('dump: captured');
  });

  it("after the capture and a reboot back to production, replay says the dump is the earlier crash's, and release_mem is write-only", async () => {
    const { main } = await import('../src/cli/main');
    const out: string[] = [];
    const code = await main(['replay', 'examples/kdump-second-reboot.jsonl'], {
      out: (t) => out.push(t),
      err: () => {},
    });
    expect(code).toBe(0);
    const steps = out.join('\n').split(/\n(?=line \d+:)/);
    const line8 = steps.find((s) => s.startsWith('line 8:')) ?? '';
    expect(line8).toContain('/proc/vmcore: absent');
    expect(line8).toContain(
      "dump: captured-accurate (the earlier crash's, no longer exported): kdump's capture kernel exported 3 PT_LOAD",
    );
    const line5 = steps.find((s) => s.startsWith('line 5:')) ?? '';
    expect(line5).toContain("dump: captured-accurate: kdump's capture kernel exports 3 PT_LOAD");
    const seed: string[] = [];
    await main(['replay', 'examples/seed-story-pseries.jsonl'], { out: (t) => seed.push(t), err: () => {} });
    const text = seed.join('\n');
    expect(text).toMatch(/release_mem: \(write-only\)/);
    expect(text).not.toMatch(/release_mem: *\n/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('the story on PowerNV, petitboot built with CONFIG_PRESERVE_FA_DUMP (examples/powernv-petitboot.jsonl)', () => {
  const r = runText(readFileSync('examples/powernv-petitboot.jsonl', 'utf8'), 'examples/powernv-petitboot.jsonl');
  const [atBoot, atCapture, saved, coreReleased, released, reregistered] = [0, 1, 2, 3, 4, 5].map((n) => r.at(n));
  if (!atBoot || !atCapture || !saved || !coreReleased || !released || !reregistered)
    throw new Error('six steps expected');
  // 5% of 16 GiB rounded down to 256 MB is 768 MB, the OPAL minimum (§1 early boot 4).
  const bootMemory = 768 * MiB;

  it('every event is accepted', () => {
    expect(r.steps.every((s) => s.accepted && s.errno === null)).toBe(true);
  });

  it('boot: registered; fadump_region has DUMP lines only (no CPU/HPTE), no bootargs_append (no param area on OPAL)', () => {
    expect(read(atBoot, P.registered)).toBe('1');
    const region = regionOf(atBoot);
    expect(region.cpu).toBeNull();
    expect(region.hpte).toBeNull();
    expect(region.cmdlineAppend).toBeNull();
    expect(region.dumps).toHaveLength(1);
    expect(region.dumps[0]).toMatchObject({ src: 0, size: bootMemory, dumped: 0 });
    expect(region.memoryAbove).toBeNull();
    expect(exists(atBoot, P.bootargsAppend)).toBe(false);
    expect(exists(atBoot, P.releaseMem)).toBe(false);
    expect(exists(atBoot, P.opalCore)).toBe(false);
    // The area: boot-memory copy + header + one metadata page (§1 early boot 4).
    expectEnabled(atBoot, bootMemory + crashInfoHeaderBytes('in-capture-kernel', 2048) + PAGE);
    expect(atBoot.dump).toBe('none');
  });

  it('crash: OPAL preserves memory, petitboot keeps it and kexecs the capture kernel', () => {
    const t = traffic(r, 1);
    expect(t).toContain('firmware->petitboot:bootloader.start');
    expect(t).toContain('petitboot->captureKernel:os.boot');
    expect(atCapture.states).toMatchObject({
      firmware: 'dumpPending',
      captureKernel: 'dumpAvailable.vmcore',
      petitboot: 'off',
    });
    expect(atCapture.dump).toBe('captured');
    expectVmcoreDescribes(atCapture, [{ start: 0, end: 16 * GiB }], reservedArea(atBoot));
  });

  it('capture boot: release_mem, OPAL core and release_core appear; Dumped equals size; memory above boot memory is reserved', () => {
    expect(exists(atCapture, P.releaseMem)).toBe(true);
    expect(exists(atCapture, P.opalCore)).toBe(true);
    expect(exists(atCapture, P.releaseCore)).toBe(true);
    expect(read(atCapture, P.registered)).toBe('0');
    const region = regionOf(atCapture);
    for (const d of region.dumps) expect(d.dumped).toBe(d.size);
    expect(region.memoryAbove).toBe(bootMemory);
  });

  it('echo 1 > release_core frees the OPAL core; /proc/vmcore stays', () => {
    expect(exists(coreReleased, P.opalCore)).toBe(false);
    expect(exists(coreReleased, P.releaseCore)).toBe(true);
    expect(coreReleased.vmcore).toEqual(saved.vmcore);
  });

  it('echo 1 > release_mem: back in production without a reboot; echo 1 > registered: registered', () => {
    expect(traffic(r, 4).filter((x) => /hw\.reset|os\.boot|bootloader\.start/.test(x))).toEqual([]);
    expect(released.states).toMatchObject({ productionKernel: 'running.notRegistered', firmware: 'noDumpRegistered' });
    expect(released.vmcore).toBeNull();
    expect(read(released, P.registered)).toBe('0');
    expect(reservedArea(released)).toEqual(reservedArea(atBoot));
    expect(regionOf(released).memoryAbove).toBeNull();
    expect(read(reregistered, P.registered)).toBe('1');
    expect(reregistered.states.firmware).toBe('registered');
  });
});

describe('the story on PowerNV, petitboot without CONFIG_PRESERVE_FA_DUMP', () => {
  const text = readFileSync('examples/powernv-petitboot.jsonl', 'utf8').replace(
    '"petitbootPreservesDump": true',
    '"petitbootPreservesDump": false',
  );
  const r = runText(text, 'powernv-petitboot-clobbers.jsonl');
  const atCapture = r.at(1);

  it('the config really is the clobbering petitboot', () => {
    expect(text).toContain('"petitbootPreservesDump": false');
  });

  it('the dump is lost, and the reason says the header petitboot overwrote is corrupted', () => {
    expect(atCapture.dump).toBe('lost');
    expect(r.reason(1)).toBe('Fadump header is corrupted.');
    expect(atCapture.vmcore).toBeNull();
  });

  it('the dump is invalidated and the capture kernel carries on as the production kernel, not registered', () => {
    expect(atCapture.states).toMatchObject({
      firmware: 'noDumpRegistered',
      productionKernel: 'running.notRegistered',
      captureKernel: 'off',
    });
    expect(read(atCapture, P.registered)).toBe('0');
    expect(exists(atCapture, P.releaseMem)).toBe(true);
    expect(regionOf(atCapture).memoryAbove).toBeNull();
  });

  it('save-dump finds no /proc/vmcore; release_mem is refused (EPERM); registering works', () => {
    expect(r.at(2).accepted).toBe(false);
    expect(r.at(2).note).toMatch(/no \/proc\/vmcore/);
    expect(r.at(4).errno).toBe('EPERM');
    expect(r.at(5).accepted).toBe(true);
    expect(read(r.at(5), P.registered)).toBe('1');
    // The outcome of that crash stays "lost" through everything after it.
    expect(r.steps.slice(1).map((s) => s.dump)).toEqual(['lost', 'lost', 'lost', 'lost', 'lost']);
  });

  it('both petitboots see the same crash; only the preserving one yields a dump', () => {
    const kept = runText(readFileSync('examples/powernv-petitboot.jsonl', 'utf8'));
    expect(kept.at(1).dump).toBe('captured');
    expect(bytes(vmcoreSpans(kept.at(1)))).toBeGreaterThan(0);
    expect(covers(vmcoreSpans(kept.at(1)), [{ start: 0, end: 768 * MiB }])).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// After release_mem, or a capture that failed and invalidated and released, no kernel is booted:
// the capture kernel's build goes on running as the production kernel (§1 "Release",
// "Capture boot" 5). Its own hotplug_ready (§2), its own header (§3) and its own command line
// (§1 early boot 3) are what the user sees from then on, until a reboot boots the first kernel.

describe('after a failed capture the capture kernel\'s build runs on (§1 "Capture boot" 5, §2, §3)', () => {
  it('a pre-2024 first kernel crashes, a current capture kernel refuses its header: the kernel that runs on shows hotplug_ready', () => {
    const config: ConfigInput = {
      platform: 'pseries',
      elfcorehdr: 'at-registration',
      captureKernel: { elfcorehdr: 'in-capture-kernel' },
    };
    const r = run(config, [boot, crash, reboot]);
    // The first kernel predates the 2024 change: no hotplug_ready.
    expect(exists(r.at(0), P.hotplugReady)).toBe(false);
    expect(r.at(1).dump).toBe('lost');
    expect(r.reason(1)).toBe("Old magic number, can't process the dump.");
    expect(r.at(1).states).toMatchObject({ productionKernel: 'running.notRegistered', captureKernel: 'off' });
    // The capture build runs on: it has the 2024 change.
    expect(read(r.at(1), P.hotplugReady)).toBe('1');
    // A reboot boots the first kernel again.
    expect(r.at(2).states.productionKernel).toBe('running.registered');
    expect(exists(r.at(2), P.hotplugReady)).toBe(false);
  });

  it('the other way round: a current first kernel, a pre-2024 capture kernel; after the failed capture hotplug_ready is gone', () => {
    const r = run(
      { platform: 'pseries', elfcorehdr: 'in-capture-kernel', captureKernel: { elfcorehdr: 'at-registration' } },
      [boot, crash],
    );
    expect(read(r.at(0), P.hotplugReady)).toBe('1');
    expect(r.reason(1)).toBe('Crash info header is not valid.');
    expect(exists(r.at(1), P.hotplugReady)).toBe(false);
  });

  const mismatches: { name: string; captureKernel: ConfigInput['captureKernel']; reason: string }[] = [
    {
      name: 'of the other byte order',
      captureKernel: { endianness: 'swapped' },
      reason: 'Endianness mismatch between the crashed and fadump kernels.',
    },
    {
      name: 'with other pt_regs/cpumask sizes',
      captureKernel: { headerSizes: 'different' },
      reason: 'Fadump header size mismatch.',
    },
  ];
  for (const m of mismatches) {
    it(`a capture kernel ${m.name} refuses the first kernel's header, but once it runs on and registers it captures its own crash`, () => {
      const config: ConfigInput = { platform: 'pseries', captureKernel: m.captureKernel };
      const r = run(config, [
        boot,
        crash,
        write(P.registered, '1'),
        crash,
        saveDump,
        write(P.releaseMem, '1'),
        reboot,
        crash,
      ]);
      expect(r.at(1).dump).toBe('lost');
      expect(r.reason(1)).toBe(m.reason);
      expect(r.at(2).accepted).toBe(true);
      expect(read(r.at(2), P.registered)).toBe('1');
      // The header was written by the capture build itself: the same build reads it at the next
      // capture boot and the dump is captured.
      expect(r.at(3).dump).toBe('captured');
      expect(r.at(3).states.captureKernel).toBe('dumpAvailable.vmcore');
      expect(r.at(3).vmcore).not.toBeNull();
      expect(r.at(5).accepted).toBe(true);
      // After a reboot the first kernel runs and registers again; its crash is refused again.
      expect(r.at(6).states.productionKernel).toBe('running.registered');
      expect(r.at(7).dump).toBe('lost');
      expect(r.reason(7)).toBe(m.reason);
    });
  }
});

describe("bootargs_append after release counts the capture kernel's own command line (§1 early boot 3, §2)", () => {
  const config: ConfigInput = { platform: 'pseries' };
  // The first kernel's command line, and the capture kernel's: the first kernel's plus " " and
  // the param area's string (fadump_append_bootargs); bootargs_append_store compares
  // saved_command_line_len + count with COMMAND_LINE_SIZE (2048), count with echo's newline.
  const first = kernelCmdline(makeConfig(config)).length;
  const params = 'y'.repeat(1900);
  const capture = first + 1 + params.length;

  it('a string that fitted in the first kernel gets ENOSPC once the capture kernel runs on', () => {
    const more = 'y'.repeat(100);
    expect(first + more.length + 1).toBeLessThan(2048);
    expect(capture + more.length + 1).toBeGreaterThanOrEqual(2048);
    const r = run(config, [
      boot,
      write(P.bootargsAppend, params),
      crash,
      write(P.releaseMem, '1'),
      write(P.bootargsAppend, more),
      reboot,
      write(P.bootargsAppend, more),
    ]);
    expect(r.at(1).accepted).toBe(true);
    expect(r.at(2).dump).toBe('captured');
    expect(regionOf(r.at(2)).cmdlineAppend).toBe(params);
    expect(r.at(3).accepted).toBe(true);
    expect(r.at(4).errno).toBe('ENOSPC');
    expect(read(r.at(4), P.bootargsAppend)).toBe(params);
    // The first kernel, booted again, has its own shorter command line.
    expect(r.at(6).errno).toBeNull();
    expect(r.at(6).accepted).toBe(true);
    expect(read(r.at(6), P.bootargsAppend)).toBe(more);
  });

  it('the boundary after release: the longest string that fits, and one byte more', () => {
    const fits = 'x'.repeat(2048 - capture - 2);
    const r = run(config, [
      boot,
      write(P.bootargsAppend, params),
      crash,
      write(P.releaseMem, '1'),
      write(P.bootargsAppend, `${fits}x`),
      write(P.bootargsAppend, fits),
    ]);
    expect(r.at(4).errno).toBe('ENOSPC');
    expect(r.at(5).accepted).toBe(true);
    expect(read(r.at(5), P.bootargsAppend)).toBe(fits);
  });
});
