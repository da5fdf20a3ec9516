// The check matrix's counterexamples on real kernels (issue 13): which the lab guest can perform
// (src/lab/counterexamples.ts), the committed paths file and manifest kept in step with the fitting
// and with src/specs/expected.json, and the real transcripts judged "seen" or "not reproduced".
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readKnown } from '../src/cli/conform';
import { conform, readTranscript } from '../src/conform/conform';
import { ExpectedFileSchema } from '../src/explore/expected';
import {
  cxPathName,
  fitAll,
  fitCounterexample,
  judgeCounterexample,
  pathsText,
  type Counterexample,
} from '../src/lab/counterexamples';
import { readLabPaths } from '../src/lab/runner';
import { readManifest, realCounterexamplesLine, realEvidence, verdictLine } from '../src/report/real';

const repo = join(import.meta.dirname, '..');
const real = join(repo, 'test', 'real');
const manifest = readManifest();
const known = readKnown(join(real, 'known-divergences.json'));

const hotAdd: Counterexample = {
  configuration: 'pseries at-registration fadump=on 8G',
  config: { platform: 'pseries', elfcorehdr: 'at-registration', fadump: 'on', memoryMiB: 8192 },
  property: 'accurate-vmcore',
  events: [{ event: 'boot' }, { event: 'memory-hotplug', action: 'add', lmbs: 1 }, { event: 'crash' }],
};

describe('fitting a counterexample to the lab guest', () => {
  it('the stale vmcore after a hot-add runs on 6.1 (elfcorehdr at registration), violated at the crash', () => {
    expect(fitCounterexample(hotAdd)).toMatchObject({ kind: 'lab', kernel: '6.1-64k', at: 2 });
    expect(cxPathName(hotAdd.events)).toBe('cx-hot-add-crash');
  });

  it('in a configuration that builds the elfcorehdr in the capture kernel, 6.12 takes it and the model holds', () => {
    const f = fitCounterexample({ ...hotAdd, config: { ...hotAdd.config, elfcorehdr: 'in-capture-kernel' } });
    expect(f).toMatchObject({ kind: 'reason' });
    expect(f.kind === 'reason' ? f.reason : '').toContain(
      'the model holds on this path in the lab guest (pseries 6.12.107',
    );
  });

  it('firmware faults, another command line, a release the lab lacks and PowerNV hot-add are stated reasons', () => {
    const reason = (c: Partial<Counterexample>) => {
      const f = fitCounterexample({ ...hotAdd, ...c });
      return f.kind === 'reason' ? f.reason : 'fitted';
    };
    expect(reason({ config: { platform: 'powernv', memoryMiB: 16384 } })).toBe(
      "needs memory hot-add: QEMU's powernv has none (no DLPAR on PowerNV)",
    );
    expect(
      reason({
        config: { platform: 'powernv', memoryMiB: 16384, endings: true },
        property: 'no-lost-dump',
        events: [{ event: 'boot' }, { event: 'petitboot-crash' }, { event: 'crash' }],
      }),
    ).toBe(
      'needs petitboot ("petitboot-crash"): QEMU\'s powernv has none, skiboot boots the kernel straight after the MPIPL',
    );
    expect(
      reason({
        events: [{ event: 'boot' }, { event: 'firmware-error', call: 'preserve', rc: -1 }, { event: 'crash' }],
      }),
    ).toBe('needs a firmware fault QEMU cannot inject: "firmware-error" on preserve');
    expect(reason({ events: [{ event: 'boot' }, { event: 'reboot', cmdline: 'fadump=nocma' }] })).toContain(
      'needs a reboot with another kernel command line ("fadump=nocma")',
    );
    expect(reason({ config: { platform: 'pseries', kernel: '4.11' } })).toBe(
      'needs Linux 4.11; the lab has 6.1 and 6.12',
    );
  });

  it("a PowerNV boot runs on the PowerNV lab's 6.12 guest with the configuration's fadump=", () => {
    const f = fitCounterexample({
      configuration: 'powernv in-capture-kernel fadump=nocma 16G petitboot-preserves',
      config: { platform: 'powernv', elfcorehdr: 'in-capture-kernel', fadump: 'nocma', memoryMiB: 16384 },
      property: 'memory-available-to-production',
      events: [{ event: 'boot' }],
    });
    expect(f).toEqual({
      kind: 'lab',
      kernel: '6.12-64k',
      events: [{ event: 'boot' }],
      at: 0,
      guest: { platform: 'powernv', cmdline: 'console=hvc0 fadump=nocma panic=10' },
    });
    expect(cxPathName([{ event: 'boot' }], f.kind === 'lab' ? f.guest : undefined)).toBe('cx-powernv-nocma');
  });

  it('where petitboot would clobber the dump, the reason names the PowerNV guest tried and petitboot', () => {
    const f = fitCounterexample({
      configuration: 'powernv in-capture-kernel fadump=on 16G petitboot-clobbers',
      config: {
        platform: 'powernv',
        elfcorehdr: 'in-capture-kernel',
        fadump: 'on',
        memoryMiB: 16384,
        petitbootPreservesDump: false,
      },
      property: 'no-lost-dump',
      events: [{ event: 'boot' }, { event: 'crash' }],
    });
    expect(f).toEqual({
      kind: 'reason',
      reason:
        "the model holds on this path in the lab guest (powernv 6.12.107, 2 GiB, fadump=on, skiboot under QEMU, no petitboot): the violation needs petitbootPreservesDump=false (petitboot: QEMU's powernv has none, skiboot boots the kernel straight after the MPIPL)",
    });
  });

  it("kdump: kdumpctl start runs in a guest booted with the configuration's crashkernel= and no fadump=", () => {
    const kdump: Counterexample = {
      configuration: 'pseries kdump 8G crashkernel=512M udev-reload',
      config: { platform: 'pseries', mechanism: 'kdump', crashkernel: '512M', crashHotplug: false },
      property: 'accurate-vmcore',
      events: [
        { event: 'boot' },
        { event: 'kdump-start' },
        { event: 'kexec-loaded' },
        { event: 'memory-hotplug', action: 'add', lmbs: 1 },
        { event: 'crash' },
      ],
    };
    const f = fitCounterexample(kdump);
    // The crash image stays loaded across the hot-add: QEMU keeps the hash page table's size.
    expect(f).toMatchObject({
      kind: 'lab',
      kernel: '6.12-64k',
      at: 4,
      guest: { cmdline: 'console=hvc0 crashkernel=512M panic=10', resizeHpt: false },
    });
    expect(cxPathName(kdump.events, f.kind === 'lab' ? f.guest : undefined)).toBe(
      'cx-kdump-crashkernel-512m-fixed-hpt-kdump-start-kexec-loaded-hot-add-crash',
    );
    // A crash inside kdumpctl reload's kexec -p: the lab's kexec -p returns first.
    const reload = fitCounterexample({
      ...kdump,
      property: 'no-crash-kernel-loaded-window',
      events: [...kdump.events.slice(0, 4), { event: 'kdump-reload' }, { event: 'crash' }],
    });
    expect(reload.kind === 'reason' ? reload.reason : '').toMatch(
      /^needs a "crash" inside the `kexec -p` of "kdump-reload" .* which the lab cannot time/,
    );
  });

  it('crashkernel= is scaled to the 2 GiB guest where the model needs it; the reason names every line tried', () => {
    // 128M of 8 GiB: the lab's small capture kernel lives in 128M, not in 32M (out of memory).
    const small = fitCounterexample({
      configuration: 'pseries kdump 8G crashkernel=128M udev-reload',
      config: { platform: 'pseries', mechanism: 'kdump', crashkernel: '128M', crashHotplug: false },
      property: 'no-lost-dump',
      events: [{ event: 'boot' }, { event: 'kdump-start' }, { event: 'kexec-loaded' }, { event: 'crash' }],
    });
    expect(small).toMatchObject({ kind: 'lab', at: 3, guest: { cmdline: 'console=hvc0 crashkernel=32M panic=10' } });
    // 8G of 8 GiB, 2G of 2 GiB: after two hot-adds QEMU's pc-dimm memory is a memblock region of
    // its own, so crashkernel=2G is refused where PowerVM would reserve it.
    const all = fitCounterexample({
      configuration: 'pseries kernel=6.1 kdump 8G crashkernel=8G udev-reload',
      config: { platform: 'pseries', mechanism: 'kdump', kernel: '6.1', crashkernel: '8G' },
      property: 'memory-available-to-production',
      events: [
        { event: 'boot' },
        { event: 'memory-hotplug', action: 'add', lmbs: 1 },
        { event: 'memory-hotplug', action: 'add', lmbs: 1 },
        { event: 'crash' },
      ],
    });
    expect(all).toEqual({
      kind: 'reason',
      reason:
        "the model holds on this path in the lab guest (pseries 6.1.176, 2 GiB, crashkernel=8G (kdump), QEMU's pSeries firmware; also with crashkernel=2G): the violation needs firmware=powervm (the lab runs QEMU's)",
    });
  });

  it("a configuration's CPUs go to the guest and the path's name", () => {
    const f = fitCounterexample({
      ...hotAdd,
      config: { platform: 'pseries', firmware: 'qemu', kernel: '6.12', cpus: 2, onlineCpus: 1, memoryMiB: 2048 },
      property: 'no-lost-dump',
      events: [{ event: 'boot' }, { event: 'crash' }],
    });
    expect(f).toMatchObject({ kind: 'lab', kernel: '6.12-64k', guest: { cpus: 2, onlineCpus: 1 } });
    expect(cxPathName([{ event: 'boot' }, { event: 'crash' }], { cpus: 2, onlineCpus: 1 })).toBe(
      'cx-cpus-1-of-2-crash',
    );
  });
});

describe('the committed paths file and manifest', () => {
  it('list every violated verdict of src/specs/expected.json once', () => {
    const expected = ExpectedFileSchema.parse(
      JSON.parse(readFileSync(join(repo, 'src', 'specs', 'expected.json'), 'utf8')),
    );
    const violated = expected.configurations.flatMap((c) =>
      Object.entries(c.verdicts)
        .filter(([, v]) => v === 'violated')
        .map(([p]) => `${c.name} / ${p}`),
    );
    expect(manifest.map((m) => `${m.configuration} / ${m.property}`).sort()).toEqual(violated.sort());
  });

  it("are what the fitting makes of the manifest's counterexamples (stale: npm run lab -- counterexamples --write)", () => {
    const again = fitAll(
      manifest.map(({ configuration, config, property, events }) => ({ configuration, config, property, events })),
    );
    expect(again.manifest).toEqual(manifest);
    expect(readFileSync(join(repo, 'lab', 'paths', 'counterexamples.jsonl'), 'utf8')).toBe(pathsText(again.paths));
    expect(readLabPaths(join(repo, 'lab', 'paths', 'counterexamples.jsonl')).map((p) => p.name)).toEqual(
      again.paths.map((p) => p.name),
    );
  });

  it('every lab path has its real transcript on its kernel', () => {
    for (const m of manifest.filter((x) => x.path !== undefined))
      expect(
        readFileSync(join(real, `${m.platform ?? 'pseries'}-${m.kernel ?? ''}-${m.path ?? ''}.jsonl`), 'utf8'),
      ).toContain('"end"');
  });
});

describe('judging the real transcripts', () => {
  const entry = manifest.find((m) => m.configuration === hotAdd.configuration && m.property === 'accurate-vmcore');
  const file = join(real, 'pseries-6.1-64k-cx-hot-add-crash.jsonl');

  it('the stale vmcore after a hot-add is seen on 6.1: its PT_LOADs miss the added LMB', () => {
    expect(entry).toMatchObject({ path: 'cx-hot-add-crash', kernel: '6.1-64k', step: 3 });
    if (entry === undefined) return;
    const t = readTranscript(file);
    const j = judgeCounterexample(entry, t, conform(t), known);
    expect(j).toMatchObject({ verdict: 'seen', on: 'Linux 6.1.176 under QEMU 11.1.3' });
    expect(j.evidence).toBe(
      "the guest's /proc/vmcore PT_LOADs miss the memory added before the crash: [0x80000000-0x90000000) missing",
    );
    expect(j.excused).toEqual([]);
  });

  it('a guest whose vmcore covered the added memory would not reproduce it: the first divergent field', () => {
    if (entry === undefined) return;
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const crash = JSON.parse(lines[4] ?? '{}') as {
      observed: { vmcore: { phdrs: { memsz: number; filesz: number }[] } };
    };
    const last = crash.observed.vmcore.phdrs[2];
    if (last === undefined) throw new Error('the transcript has no third program header');
    last.memsz += 0x10000000;
    last.filesz += 0x10000000;
    lines[4] = JSON.stringify(crash);
    const dir = mkdtempSync(join(tmpdir(), 'cx-'));
    const doctored = join(dir, 'pseries-6.1-64k-cx-hot-add-crash.jsonl');
    writeFileSync(doctored, `${lines.join('\n')}\n`);
    const t = readTranscript(doctored);
    const j = judgeCounterexample(entry, t, conform(t), known);
    expect(j.verdict).toBe('not reproduced');
    expect(j.reason).toMatch(/^the real kernel disagreed at step 3: ptload\[1\]\.memsz/);
  });

  it('a run that ended before the violating step is not reproduced', () => {
    if (entry === undefined) return;
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const dir = mkdtempSync(join(tmpdir(), 'cx-'));
    const cut = join(dir, 'pseries-6.1-64k-cx-hot-add-crash.jsonl');
    writeFileSync(cut, `${[...lines.slice(0, 4), '{"end":"guest-died","reason":"test"}'].join('\n')}\n`);
    const t = readTranscript(cut);
    expect(judgeCounterexample(entry, t, conform(t), known).reason).toMatch(/^the guest run ended before step 3/);
  });

  it('every counterexample the lab runs is seen on its kernel; the rest say why not', () => {
    const ev = realEvidence();
    const lines = [...ev.values()].map(verdictLine);
    expect(lines.filter((l) => l.startsWith('seen on Linux 6.1.176 under QEMU 11.1.3'))).toHaveLength(23);
    expect(lines.filter((l) => l.startsWith('seen on Linux 6.12.107 under QEMU 11.1.3'))).toHaveLength(29);
    for (const l of lines.filter((x) => !x.startsWith('seen'))) expect(l).toMatch(/^not reproduced: \S/);
  });

  it('kdump on 6.12: kdumpctl start loads the crash kernel, and the stale vmcore after a hot-add shows', () => {
    const kdump = manifest.find(
      (m) => m.configuration === 'pseries kdump 8G crashkernel=512M udev-reload' && m.property === 'accurate-vmcore',
    );
    expect(kdump).toMatchObject({
      path: 'cx-kdump-crashkernel-512m-fixed-hpt-kdump-start-kexec-loaded-hot-add-crash',
      kernel: '6.12-64k',
      step: 5,
    });
    if (kdump === undefined) return;
    const t = readTranscript(
      join(real, 'pseries-6.12-64k-cx-kdump-crashkernel-512m-fixed-hpt-kdump-start-kexec-loaded-hot-add-crash.jsonl'),
    );
    expect(t.header.guest).toMatchObject({ cmdline: 'console=hvc0 crashkernel=512M panic=10', resizeHpt: false });
    expect(t.steps[2]?.said).toBe('kdumpctl start (kdump mode)\nkexec -p: ok');
    const j = judgeCounterexample(kdump, t, conform(t), known);
    expect(j).toMatchObject({ verdict: 'seen', on: 'Linux 6.12.107 under QEMU 11.1.3' });
    expect(j.evidence).toBe(
      "the guest's /proc/vmcore PT_LOADs miss the memory added before the crash: [0x80000000-0x90000000) missing",
    );
  });

  it('PowerNV on 6.12: fadump=nocma withholds the whole area from production', () => {
    const e = realEvidence().get(
      'powernv in-capture-kernel fadump=nocma 16G petitboot-preserves\u0000memory-available-to-production',
    );
    expect(e === undefined ? '' : verdictLine(e)).toMatch(
      /^seen on Linux 6\.12\.107 under QEMU 11\.1\.3: fadump withholds its 768.06 MiB area \(805372336 bytes\) from the guest's production kernel \(\/sys\/kernel\/fadump\/mem_reserved\) with no CMA to lend it back \(CmaTotal 0 kB\)$/,
    );
  });

  it("check's line counts them: seen on which kernel, and why the rest were not reproduced", () => {
    const line = realCounterexamplesLine();
    expect(line).toMatch(
      /^counterexamples on real kernels \(lab\/paths\/counterexamples.json\): 52 of 108 seen \(29 on Linux 6.12.107 under QEMU 11.1.3, 23 on Linux 6.1.176 under QEMU 11.1.3\); not reproduced: /,
    );
    expect(line).toContain('9: needs memory hot-add');
    expect(line).toContain('2: needs petitboot');
    expect(line).not.toContain('needs the kdump lab');
    expect(line).not.toContain('needs the PowerNV lab');
  });
});
