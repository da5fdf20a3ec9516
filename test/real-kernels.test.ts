// The committed real-kernel transcripts (test/real/, recorded by `npm run lab -- run` on Linux
// 6.1 and 6.12 under QEMU 11) conformed against the model on every run of npm test, with no
// QEMU: every divergence must be in test/real/known-divergences.json with its reason, and every
// listed one must still happen (the list can only shrink as the model is fixed).
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  againstKnown,
  conform,
  conformAhead,
  conformFile,
  readTranscript,
  totals,
  transcriptConfig,
} from '../src/conform/conform';
import { replay } from '../src/log/replay';
import { readKnown } from '../src/cli/conform';
import { main } from '../src/cli/main';

const dir = join(__dirname, 'real');
const realDir = dir;
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.jsonl'))
  .sort();
const results = files.map((f) => conform(readTranscript(join(dir, f))));
const known = readKnown(join(dir, 'known-divergences.json'));

describe('real kernels under QEMU, conformed against the model', () => {
  it("issue 13's counts: 40 paths per pSeries kernel at 64 KiB, 10 per 4 KiB build, 10 on PowerNV 6.12, 5 kdump", () => {
    const headers = files.map((f) => readTranscript(join(dir, f)).header.guest);
    const count = (p: (g: (typeof headers)[number]) => boolean) => headers.filter(p).length;
    for (const series of ['6.1', '6.12']) {
      const pseries = (g: (typeof headers)[number]) => g.platform === 'pseries' && g.kernel === series;
      expect(
        count((g) => pseries(g) && g.pageSizeKiB === 64),
        `${series} 64 KiB`,
      ).toBeGreaterThanOrEqual(40);
      expect(
        count((g) => pseries(g) && g.pageSizeKiB === 4),
        `${series} 4 KiB`,
      ).toBeGreaterThanOrEqual(10);
    }
    expect(count((g) => g.platform === 'powernv' && g.kernel === '6.12')).toBeGreaterThanOrEqual(10);
    expect(count((g) => g.kdump !== undefined)).toBeGreaterThanOrEqual(5);
    for (const g of headers) {
      expect(g.kernelRelease).toMatch(new RegExp(`^${g.kernel.replace('.', '\\.')}\\.`));
      expect(g.qemu).toMatch(/^\d+\.\d+/);
    }
  });

  it("what is left is QEMU's: every known divergence is a named QEMU deviation with its evidence", () => {
    for (const k of known) expect(k.reason, `${k.transcript} ${k.field}`).toMatch(/^QEMU deviation: .*hw\/ppc\//);
  });

  it('README\'s "Today" states what `check` prints of these transcripts', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8').replace(/\s+/g, ' ');
    // The figures of `check`'s real-kernels line (realKernelsLine(): files and totals()).
    const { steps, agree } = totals(results);
    const paths = files.length;
    expect(readme).toContain(`**Today** (`);
    const today = readme.slice(readme.indexOf('**Today** ('));
    expect(today.slice(0, 300)).toMatch(new RegExp(`^\\*\\*Today\\*\\* \\([^)]*\\): ${paths} paths`));
    expect(today.slice(0, 2000)).toContain(`${steps} steps, ${agree} agree`);
  });

  it('every divergence is a known one, and every known one still happens', () => {
    const j = againstKnown(
      results.flatMap((r) => r.divergences),
      known,
      new Set(files),
    );
    const show = (d: { transcript: string; step: number; field: string }) =>
      `${d.transcript} step ${d.step} ${d.field}`;
    expect(
      j.unlisted.map((d) => `${show(d)}: model ${JSON.stringify(d.expected)} observed ${JSON.stringify(d.observed)}`),
    ).toEqual([]);
    expect(j.stale.map(show)).toEqual([]);
  });

  it('every known divergence names a transcript that is here', () => {
    for (const k of known) expect(files, k.transcript).toContain(k.transcript);
  });
});

describe('conformAhead: the transcripts conformed while check explores', () => {
  it('keeps what conformFile answers, and leaves a bad file to conformFile to report', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'ahead-'));
    const copy = (name: string) => {
      const f = join(tmp, name);
      writeFileSync(f, readFileSync(join(realDir, name), 'utf8'));
      return f;
    };
    const [a, b] = [files[0], files[1]].map((f) => copy(f ?? ''));
    const bad = join(tmp, 'bad.jsonl');
    writeFileSync(bad, '{"transcript":1}\n');
    if (a === undefined || b === undefined) throw new Error('two transcripts expected');
    // A bad file ends the walk without a rejection; the files after it are conformed later, when asked.
    await expect(conformAhead([a, bad, b])).resolves.toBeUndefined();
    const kept = conformFile(a);
    expect(conformFile(a)).toBe(kept);
    expect(kept.conformance).toEqual(conform(readTranscript(a)));
    expect(() => conformFile(bad)).toThrow(/bad\.jsonl:1: field 'path'/);
    rmSync(tmp, { recursive: true, force: true });
  });
});

describe('conform refuses bad input with exit 2, naming the file, line and field', () => {
  const run = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['conform', ...args], { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  it('a missing transcript, a bad header, a bad known-divergence list', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conform-'));
    writeFileSync(join(dir, 'bad.jsonl'), '{"transcript":1}\n');
    // The second entry lacks its step: the message names its line, 3.
    const entry = '{"transcript":"x","step":1,"field":"errno","reason":"a reason long enough"}';
    writeFileSync(join(dir, 'known.json'), `[\n${entry},\n{"transcript":"x"}\n]\n`);
    writeFileSync(join(dir, 'twice.json'), `[{"transcript":"x","transcript":"y"}]`);
    // A step given twice: refused on the line of the second one.
    const real = readFileSync(join(realDir, 'pseries-6.12-64k-registered-writes.jsonl'), 'utf8').trim().split('\n');
    writeFileSync(join(dir, 'repeated.jsonl'), `${[...real.slice(0, 3), real[2] ?? ''].join('\n')}\n`);
    expect(await run([join(dir, 'none.jsonl')])).toMatchObject({
      code: 2,
      err: expect.stringContaining('none.jsonl: cannot read (ENOENT)'),
    });
    expect(await run([join(dir, 'bad.jsonl')])).toMatchObject({
      code: 2,
      err: expect.stringContaining("bad.jsonl:1: field 'path'"),
    });
    expect(await run(['--known', join(dir, 'known.json'), join(realDir, files[0] ?? '')])).toMatchObject({
      code: 2,
      err: expect.stringContaining("known.json:3: field '1.step'"),
    });
    expect(await run(['--known', join(dir, 'twice.json'), join(realDir, files[0] ?? '')])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/twice\.json:1: not valid JSON \(column \d+: .*transcript/),
    });
    expect(await run([join(dir, 'repeated.jsonl')])).toMatchObject({
      code: 2,
      err: expect.stringContaining("repeated.jsonl:4: field 'step': step 1 where 2 was expected"),
    });
    rmSync(dir, { recursive: true, force: true });
  });
  it('a transcript or list that is endless, not UTF-8, or that the model cannot take: exit 2 with the line, never an internal error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conform-'));
    const real = readFileSync(join(realDir, 'pseries-6.12-64k-registered-writes.jsonl'), 'utf8').trim().split('\n');
    const header = JSON.parse(real[0] ?? '{}') as { guest: Record<string, unknown> };
    const at = (name: string, lines: readonly string[]) => {
      const f = join(dir, name);
      writeFileSync(f, `${lines.join('\n')}\n`);
      return f;
    };
    const old = at('old.jsonl', [
      JSON.stringify({ ...header, guest: { ...header.guest, kernel: '4.10' } }),
      ...real.slice(1),
    ]);
    const step2 = JSON.parse(real[2] ?? '{}') as Record<string, unknown>;
    const badBoot = { ...step2, event: { event: 'boot', cmdline: 'ro fadump=on crashkernel=garbage' } };
    const boot = at('boot.jsonl', [...real.slice(0, 2), JSON.stringify(badBoot), ...real.slice(3)]);
    const cases: [string[], string][] = [
      [['/dev/zero'], '/dev/zero: more than 16.0 MiB, the most a lab transcript may be'],
      [['--known', '/dev/zero', join(realDir, files[0] ?? '')], '/dev/zero: more than 4.0 MiB'],
      [[old], "old.jsonl:1: field 'guest.kernel': 4.10 is older than 4.11"],
      [[boot], "boot.jsonl:3: field 'event.cmdline': this configuration cannot boot with it: crashkernel=garbage"],
    ];
    for (const [args, message] of cases)
      expect(await run(args), args.join(' ')).toMatchObject({ code: 2, err: expect.stringContaining(message) });
    // A byte that is not UTF-8, on line 2.
    const latin = join(dir, 'latin.jsonl');
    writeFileSync(
      latin,
      Buffer.concat([Buffer.from(`${real[0] ?? ''}\n{"x":"`), Buffer.from([0xe9]), Buffer.from('"}\n')]),
    );
    expect(await run([latin])).toMatchObject({
      code: 2,
      err: expect.stringContaining('latin.jsonl:2: not UTF-8 text'),
    });
    // A key too many in a known-divergence list: the line of that key.
    const known = join(dir, 'known.json');
    writeFileSync(
      known,
      '[\n  {\n    "transcript": "x",\n    "step": 1,\n    "field": "errno",\n    "reason": "a reason long enough",\n    "extra": 1\n  }\n]\n',
    );
    expect(await run(['--known', known, join(realDir, files[0] ?? '')])).toMatchObject({
      code: 2,
      err: expect.stringContaining("known.json:7: field '0.extra'"),
    });
    // A byte order mark, blank lines before the header, CRLF, and an end line whose reason says
    // "step": the same transcript.
    const same = join(dir, 'same.jsonl');
    const end = JSON.parse(real[real.length - 1] ?? '{}') as Record<string, unknown>;
    writeFileSync(
      same,
      `\uFEFF\r\n\r\n${[...real.slice(0, -1), JSON.stringify({ ...end, reason: 'the last step' })].join('\r\n')}\r\n`,
    );
    expect(readTranscript(same).steps).toEqual(
      readTranscript(join(realDir, 'pseries-6.12-64k-registered-writes.jsonl')).steps,
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it('a path cut short (guest died, timeout, no end line) never "agrees": it says so, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conform-'));
    const whole = readFileSync(join(realDir, 'pseries-6.12-64k-registered-writes.jsonl'), 'utf8').trim().split('\n');
    const cut = (name: string, end: string | null) => {
      const f = join(dir, name);
      writeFileSync(f, `${[...whole.slice(0, 3), ...(end === null ? [] : [end])].join('\n')}\n`);
      return f;
    };
    const died = await run([cut('died.jsonl', '{"end":"guest-died","reason":"QEMU exited"}')]);
    expect(died.code).toBe(1);
    expect(died.out).toContain('cut short died.jsonl (pseries 6.12.107, 1 step recorded): guest-died: QEMU exited');
    expect(died.out).not.toContain('agrees   died.jsonl');
    expect(died.out).toContain('0 paths agree throughout; 1 cut short');
    const noEnd = await run([cut('noend.jsonl', null)]);
    expect(noEnd).toMatchObject({ code: 1, out: expect.stringContaining('): no end line') });
    rmSync(dir, { recursive: true, force: true });
  });
  it('step 0 (the guest before its first event) is not counted as a step that agrees', () => {
    const t = readTranscript(join(realDir, 'pseries-6.12-64k-registered-writes.jsonl'));
    const c = conform(t);
    expect(c.steps).toBe(t.steps.length - 1);
    expect(c.agreeingSteps).toBe(c.steps);
  });
  it('exit 0 when every divergence is known, 1 when the list is left out and some differ', async () => {
    const all = files.map((f) => join(realDir, f));
    expect((await run(['--known', join(realDir, 'known-divergences.json'), ...all])).code).toBe(0);
    expect((await run(all)).code).toBe(known.length > 0 ? 1 : 0);
  });
  it('says which divergences are known, with their reason, and what the kernel logged instead', async () => {
    const one = join(realDir, 'pseries-6.12-64k-dimm-remove-second-crash.jsonl');
    const r = await run(['--known', join(realDir, 'known-divergences.json'), one]);
    expect(r.out).toContain('known    pseries-6.12-64k-dimm-remove-second-crash.jsonl');
    expect(r.out).toContain(
      'known divergence: QEMU deviation: the guest kernel refused device_del of the pc-dimm at 0x80000000',
    );
    expect(r.out).toContain(
      'observed: not logged as such; the kernel logged: fadump: Reserving 192MB of memory at 0x00000014000000 for preserving crash data | fadump: Reserving 1024MB',
    );
    expect(r.out).toMatch(/\d+ divergent fields?: \d+ listed in .*known-divergences.json, 0 not listed/);
    // The dump: the guest's own vmcore beside the model's outcome at that step.
    expect(r.out).toContain(
      "dump at step 3, observed: captured-stale: fadump's capture kernel's vmcore misses [0x80000000–0x90000000)",
    );
    const plain = await run([one]);
    expect(plain.out).toContain('diverges pseries-6.12-64k-dimm-remove-second-crash.jsonl');
  });
  it('a capture kernel after a hot-add logs one "Reserving" line per early memblock region, boot RAM and DIMM apart', async () => {
    for (const kernel of ['6.1', '6.12']) {
      const one = join(realDir, `pseries-${kernel}-64k-hot-add-two-then-crash-release.jsonl`);
      const r = await run([one]);
      expect(r.code).toBe(0);
      expect(r.out).toContain(`agrees   pseries-${kernel}-64k-hot-add-two-then-crash-release.jsonl`);
    }
    // The model's own lines at the crash (step 3), as the kernel logged them.
    const t = readTranscript(join(realDir, 'pseries-6.12-64k-hot-add-two-then-crash-release.jsonl'));
    const events = t.steps.flatMap((s) => (s.event === null ? [] : [s.event]));
    const r = replay(
      transcriptConfig(t),
      events.map((event, i) => ({ line: i + 2, event })),
    );
    expect((r.steps[2]?.console ?? []).filter((l) => l.startsWith('fadump: Reserving'))).toEqual([
      'fadump: Reserving 1728MB of memory at 0x00000014000000 for preserving crash data',
      'fadump: Reserving 512MB of memory at 0x00000080000000 for preserving crash data',
    ]);
  });
  it('an event log given as a transcript is named as such', async () => {
    const r = await run([join(__dirname, '..', 'examples', 'seed-story-pseries.jsonl')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('an event log (a "config" line, then events), not a lab transcript: replay it with');
  });
});
