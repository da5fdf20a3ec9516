// Issue 16, "Say why, where users read": replay names the property each step breaks and says why
// (text and --json), the dump outcome tells the truth (captured-accurate, captured-stale with the
// missing ranges, lost with the kernel's message, not-armed), kdumpctl's own writes show, kdump
// replays show the kdump capture kernel, and check's counterexamples are explained by
// explainViolation().
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main';
import { parseConfig, type ConfigInput } from '../src/config';
import type { ExternalEvent } from '../src/events';
import { explainViolation, matrixVerdicts, violationLine } from '../src/explain/violation';
import { conform, readTranscript } from '../src/conform/conform';
import type { ConfigVerdict } from '../src/explain/contrast';
import type { DumpVerdict } from '../src/explain/outcome';
import { runConfig } from '../src/explore/check';
import { defaultMatrix } from '../src/explore/matrix';
import { formatLog, parseLog } from '../src/log/parse';
import { replay } from '../src/log/replay';
import { PROPERTIES } from '../src/specs/properties';
import { expectedFor, loadExpected } from '../src/explore/expected';

const dir = mkdtempSync(join(tmpdir(), 'fadump-explain-'));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function inputNamed(name: string): ConfigInput {
  for (const input of defaultMatrix()) {
    const p = parseConfig(input);
    if (p.ok && p.config.name === name) return input;
  }
  throw new Error(`no configuration '${name}' in the default matrix`);
}

function configOf(input: ConfigInput) {
  const p = parseConfig(input);
  if (!p.ok) throw new Error('bad configuration');
  return p.config;
}

interface JsonStep {
  line: number;
  outcome: DumpVerdict;
  violations: { property: string; why: string; detail: string[]; since?: number | null }[];
  memoryMap: { name: string; start: number; end: number; size: number }[];
  service: string[];
  running: string;
  states: Record<string, string>;
  sysfs: Record<string, string>;
}

function replayText(text: string, file = '<log>') {
  const log = parseLog(text, file);
  return replay(log.config, log.entries);
}

// ---------------------------------------------------------------------------------------------
// Every counterexample check writes for these configurations of the default matrix: together they
// violate every property the default matrix violates (src/specs/expected.json).

const CONFIGS = [
  'pseries at-registration fadump=on 8G',
  'pseries in-capture-kernel fadump=on 8G capture-endian-swapped',
  'pseries kdump 8G crashkernel=512M udev-reload',
  'pseries in-capture-kernel fadump=on 8G faults',
  'powernv at-registration fadump=on 16G petitboot-clobbers',
  'pseries phyp-assisted-dump 8G faults',
];

interface Cx {
  config: string;
  input: ConfigInput;
  property: string;
  events: ExternalEvent[];
  file: string;
}

const counterexamples: Cx[] = CONFIGS.flatMap((name) => {
  const input = inputNamed(name);
  const run = runConfig(input, {});
  return run.results.flatMap((r) => {
    if (r.verdict !== 'violated' || r.counterexample === null) return [];
    const file = join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}--${r.property}.jsonl`);
    writeFileSync(file, formatLog(input, r.counterexample));
    return [{ config: name, input, property: r.property, events: r.counterexample, file }];
  });
});

const recorded = loadExpected();

/** The matrix's verdicts for a property, as check hands them to explainViolation(). */
function matrixFor(property: string): ConfigVerdict[] {
  return defaultMatrix().map((input) => {
    const c = configOf(input);
    return { config: c.name, input, verdict: expectedFor(recorded, c)?.[property] ?? 'n/a' };
  });
}

describe('replay of every counterexample names the broken property and says why', () => {
  it('the chosen configurations violate every property the default matrix violates', () => {
    const violatedSomewhere = new Set(
      [...recorded.entries.values()].flatMap(({ verdicts: v }) =>
        Object.entries(v)
          .filter(([, x]) => x === 'violated')
          .map(([p]) => p),
      ),
    );
    const covered = new Set(counterexamples.map((c) => c.property));
    expect([...violatedSomewhere].filter((p) => !covered.has(p))).toEqual([]);
    expect(counterexamples.length).toBeGreaterThanOrEqual(violatedSomewhere.size);
  });

  it.each(counterexamples.map((c) => [`${c.property} @ ${c.config}`, c] as const))(
    '%s: text and --json name the property at the step check reports, with a why',
    async (_, c) => {
      const text = await cli(['replay', c.file]);
      expect(text.code).toBe(0);
      const m = new RegExp(`✗ ${c.property} broken: (.+)`).exec(text.out);
      expect(m, text.out).not.toBeNull();
      expect((m?.[1] ?? '').length).toBeGreaterThan(20);

      const json = await cli(['replay', '--json', c.file]);
      const steps = (JSON.parse(json.out) as { steps: JsonStep[] }).steps;
      const broken = steps.filter((s) => s.violations.some((v) => v.property === c.property && v.since === undefined));
      expect(broken.length).toBeGreaterThan(0);
      // The counterexample is the shortest log: its last event is the one that breaks it.
      expect(broken.map((s) => s.line)).toContain(c.events.length + 1);
      const v = broken[0]?.violations.find((x) => x.property === c.property);
      expect(v?.why).toBe(m?.[1]);

      const x = explainViolation(configOf(c.input), c.events, c.property);
      expect(x.property).toBe(c.property);
      expect(x.step).toBe(c.events.length);
      expect(x.why).toBe(v?.why);
      expect(violationLine(x)).toContain(`${c.property} at step ${c.events.length} (line ${c.events.length + 1}: `);
    },
  );

  it('accurate-vmcore on the pre-2024 generation: the vmcore misses the hot-added 256 MiB, and the header was built at the boot before the hot-add', () => {
    const c = counterexamples.find(
      (x) => x.property === 'accurate-vmcore' && x.config === 'pseries at-registration fadump=on 8G',
    );
    if (c === undefined) throw new Error('no counterexample');
    const x = explainViolation(configOf(c.input), c.events, c.property);
    expect(x.why).toContain('miss [0x200000000–0x210000000) (256 MiB)');
    expect(x.why).toContain("the crashed kernel's memory was [0x0–0x210000000) 8.25 GiB");
    expect(x.detail).toContain('missing from the vmcore: [0x200000000–0x210000000) (256 MiB)');
    expect(x.detail.join('\n')).toMatch(
      /built at registration in step 1 \(line 2: boot\), when the memory was \[0x0–0x200000000\)/,
    );
  });

  it('explainViolation gives the contrasting configuration: the same log where the elfcorehdr is built in the capture kernel', () => {
    const c = counterexamples.find(
      (x) => x.property === 'accurate-vmcore' && x.config === 'pseries at-registration fadump=on 8G',
    );
    if (c === undefined) throw new Error('no counterexample');
    const x = explainViolation(configOf(c.input), c.events, c.property, { matrix: matrixFor(c.property) });
    expect(x.contrast).toContain('holds on pseries in-capture-kernel fadump=on 8G (only elfcorehdr differs');
    expect(x.contrast).toContain('captured-accurate');
  });

  it('without a matrix, replay and explainViolation() take the contrast from the verdicts recorded for the default matrix', async () => {
    const c = counterexamples.find(
      (x) => x.property === 'accurate-vmcore' && x.config === 'pseries at-registration fadump=on 8G',
    );
    if (c === undefined) throw new Error('no counterexample');
    const text = await cli(['replay', c.file]);
    expect(text.out).toContain(
      'holds on pseries in-capture-kernel fadump=on 8G (only elfcorehdr differs: at-registration → in-capture-kernel); the same log there ends with dump captured-accurate',
    );
    const x = explainViolation(configOf(c.input), c.events, c.property);
    expect(x.contrast).toContain('holds on pseries in-capture-kernel fadump=on 8G (only elfcorehdr differs');
    // replay and check say the same thing.
    expect(text.out).toContain(x.contrast);
    // A configuration outside the default matrix has none.
    const other = configOf({ ...c.input, memoryMiB: 12288 });
    expect(explainViolation(other, c.events, c.property).contrast).toBeNull();
  });

  it('a log with events another configuration never fires is no contrast there: the key that makes them possible is named, and replay and check say the same', async () => {
    const cxs = counterexamples.filter(
      (x) =>
        x.config === 'pseries in-capture-kernel fadump=on 8G faults' &&
        x.events.some((e) => e.event === 'firmware-error'),
    );
    expect(cxs.map((x) => x.property)).toContain('no-lost-dump');
    for (const c of cxs) {
      const x = explainViolation(configOf(c.input), c.events, c.property, { matrix: matrixFor(c.property) });
      expect(x.contrast).toBe(
        "this log's firmware-error events exist only where faults are injected: without faults (pseries in-capture-kernel fadump=on 8G) the property holds",
      );
      expect(explainViolation(configOf(c.input), c.events, c.property).contrast).toBe(x.contrast);
      const text = await cli(['replay', c.file]);
      expect(text.out).toContain(x.contrast);
      expect(text.out).not.toContain('breaks it there too');
      expect(text.out).not.toContain('holds on pseries in-capture-kernel fadump=on 8G (only faults differs');
    }
  });

  it('no-lost-dump with a byte-swapped capture kernel: lost, with the kernel message as the model holds it', async () => {
    const c = counterexamples.find((x) => x.property === 'no-lost-dump' && x.config.includes('endian'));
    if (c === undefined) throw new Error('no counterexample');
    const json = await cli(['replay', '--json', c.file]);
    const last = (JSON.parse(json.out) as { steps: JsonStep[] }).steps.at(-1);
    expect(last?.outcome).toEqual({
      kind: 'lost',
      message: 'Endianness mismatch between the crashed and fadump kernels.',
      summary: 'lost: Endianness mismatch between the crashed and fadump kernels.',
    });
    const text = await cli(['replay', c.file]);
    expect(text.out).toContain('dump: lost: Endianness mismatch between the crashed and fadump kernels.');
    expect(text.out).toContain(
      '✗ no-lost-dump broken: the crash found fadump registered yet left no vmcore: dump lost: "Endianness mismatch between the crashed and fadump kernels."',
    );
  });

  it('graph properties are explained at the last step; an unknown property is an error', () => {
    const config = configOf(inputNamed('pseries at-registration fadump=on 8G'));
    const x = explainViolation(config, [{ event: 'boot' }], 'eventually-ready');
    expect(x.step).toBe(1);
    expect(x.why).toContain('can never get back to production with a dump mechanism armed');
    const none = explainViolation(config, [{ event: 'boot' }], 'accurate-vmcore');
    expect(none.step).toBeNull();
    expect(() => explainViolation(config, [], 'no-such-property')).toThrow("unknown property 'no-such-property'");
  });

  it('replay evaluates the graph properties where the log ends, and raises no false alarm where they hold', async () => {
    // Where eventually-ready holds, replay must not claim it broken (a crashkernel= too small for
    // the capture kernel breaks it truthfully: test/kdump-sizing.test.ts).
    for (const input of [
      { fadump: 'off', crashkernel: '256M' },
      { platform: 'pseries', elfcorehdr: 'at-registration' },
    ]) {
      const file = join(dir, 'graph-holds.jsonl');
      writeFileSync(file, formatLog(input as ConfigInput, [{ event: 'boot' }, { event: 'crash' }]));
      const text = await cli(['replay', file]);
      expect(text.code).toBe(0);
      expect(text.out).not.toContain('eventually-ready broken');
      expect(text.out).not.toContain('no-deadlock broken');
    }
  });

  it('captured-accurate: the seed story on a current pSeries kernel', () => {
    const r = replayText(readFileSync('examples/seed-story-pseries.jsonl', 'utf8'));
    const crash = r.steps.find((s) => s.event.event === 'crash');
    expect(crash?.outcome.kind).toBe('captured-accurate');
    expect(crash?.outcome.summary).toMatch(/^captured-accurate: fadump's capture kernel exports \d PT_LOAD/);
    // After the release it stays as judged, the vmcore no longer exported.
    const last = r.steps.at(-1)?.outcome;
    expect(last?.kind).toBe('captured-accurate');
    expect(last !== undefined && 'exported' in last && last.exported).toBe(false);
    expect(r.steps.every((s) => s.violations.length === 0)).toBe(true);
  });

  it('captured-stale: a hot-add before the crash on the pre-2024 generation (elfcorehdr: at-registration); the PT_LOADs end at 0x200000000, memory at 0x210000000', async () => {
    const r = replayText(readFileSync('examples/hotplug-before-reload-at-registration.jsonl', 'utf8'));
    const crash = r.steps.find((s) => s.event.event === 'crash');
    const o = crash?.outcome;
    if (o === undefined || o.kind !== 'captured-stale') throw new Error(`stale expected, got ${o?.kind}`);
    expect(o.missing).toEqual([{ start: 0x200000000, end: 0x210000000 }]);
    expect(o.extra).toEqual([]);
    expect(o.memoryAtCrash.at(-1)?.end).toBe(0x210000000);
    expect(Math.max(...o.ptLoads.map((p) => p.paddr + p.size))).toBe(0x200000000);
    expect(crash?.violations.map((v) => v.property).sort()).toEqual(['accurate-vmcore', 'always-ready-after-hotplug']);
    const text = await cli(['replay', 'examples/hotplug-before-reload-at-registration.jsonl']);
    expect(text.out).toContain(
      "dump: captured-stale: fadump's capture kernel's vmcore misses [0x200000000–0x210000000) (256 MiB); the crashed kernel's memory was [0x0–0x210000000) 8.25 GiB",
    );
    // The memory map: the partition's memory after the hot-add, the reserved area, the copy, CMA.
    expect(text.out).toMatch(/partition memory +\[0x0–0x210000000\) 8.25 GiB/);
    expect(text.out).toMatch(/reserved area +\[0x14000000–0x/);
    expect(text.out).toMatch(/boot-memory copy +\[0x14050000–0x28050000\) 320 MiB/);
    expect(text.out).toMatch(/CMA +\[0x14000000–0x28000000\) 320 MiB/);
  });

  it('the same hot-add on the current generation: captured-accurate, nothing broken', () => {
    const r = replayText(readFileSync('examples/hotplug-before-crash-in-capture-kernel.jsonl', 'utf8'));
    const crash = r.steps.find((s) => s.event.event === 'crash');
    expect(crash?.outcome.kind).toBe('captured-accurate');
    expect(crash?.violations).toEqual([]);
  });

  it("lost: the firmware flagged the dump in error (pSeries), with rtas_fadump_process()'s message", () => {
    const r = replayText(
      [
        '{"config": {"platform": "pseries", "faults": true}}',
        '{"event": "boot"}',
        '{"event": "firmware-error", "call": "preserve", "rc": -1}',
        '{"event": "crash"}',
      ].join('\n'),
    );
    const last = r.steps.at(-1)?.outcome;
    expect(last?.kind).toBe('lost');
    expect(last !== undefined && 'message' in last ? last.message : '').toBe('Dump taken by platform is not valid (0)');
  });

  it('not-armed: a crash with nothing armed says so: no dump mechanism armed, the machine reboots, no vmcore', async () => {
    const f = join(dir, 'not-armed.jsonl');
    writeFileSync(
      f,
      [
        '{"config": {"platform": "pseries", "kernel": "4.18"}}',
        '{"event": "boot"}',
        '{"event": "crash"}',
        '{"event": "kdump-start"}',
      ].join('\n'),
    );
    const text = await cli(['replay', f]);
    const crash = text.out.split(/\n(?=line )/).find((s) => s.startsWith('line 3: crash'));
    expect(crash).toContain(
      'dump: not-armed: the crash found no dump mechanism armed (fadump is not registered: a plain panic, no dump); panic() goes on, the machine reboots, no vmcore',
    );
    const json = JSON.parse((await cli(['replay', '--json', f])).out) as { steps: JsonStep[] };
    expect(json.steps[1]?.outcome.kind).toBe('not-armed');
  });
});

// ---------------------------------------------------------------------------------------------
// What was hidden

describe('replay shows what was hidden', () => {
  it("kdumpctl's own writes are steps' lines: kdumpctl start registers on a 4.18 kernel (no registration at boot)", async () => {
    const f = join(dir, 'kdumpctl.jsonl');
    writeFileSync(
      f,
      ['{"config": {"platform": "pseries", "kernel": "4.18"}}', '{"event": "boot"}', '{"event": "kdump-start"}'].join(
        '\n',
      ),
    );
    const text = await cli(['replay', f]);
    expect(text.out).toContain('kdumpctl: echo "1\\n" > /sys/kernel/fadump/registered -> accepted');
    const json = JSON.parse((await cli(['replay', '--json', f])).out) as { steps: JsonStep[] };
    expect(json.steps[1]?.service).toEqual(['kdumpctl: echo "1\\n" > /sys/kernel/fadump/registered -> accepted']);
  });

  it('the udev reload after a hot-add: kdumpctl re-registers (echo 0, then echo 1) on the pre-2024 generation', async () => {
    const text = await cli(['replay', 'examples/hotplug-reload-at-registration.jsonl']);
    expect(text.out).toContain('kdumpctl: echo "1\\n" > /sys/kernel/fadump/registered');
  });

  it("kdump: the capture kernel shows as kdump's, fadump's actors are left out, and empty fadump files are not listed", async () => {
    const text = await cli(['replay', 'examples/kdump-second-reboot.jsonl']);
    const crash = text.out.split(/\n(?=line )/).find((s) => s.startsWith('line 5: crash')) ?? '';
    expect(crash).toContain("running: kdump's capture kernel (loaded by kexec -p, entered without a firmware reset)");
    expect(crash).not.toContain('captureKernel=');
    expect(crash).toContain('kexec=capture');
    expect(text.out).not.toMatch(/fadump_region: *\n/);
    expect(text.out).toContain('kdumpctl: kexec -p (load the crash kernel) -> under way');
    expect(text.out).toContain('kdumpctl: kexec -p (load the crash kernel), finished -> accepted');
    // reserve_crashkernel(): no @offset on an LPAR, min(ppc64_rma_size / 2, 512M) (radix: 512M).
    expect(text.out).toMatch(/crashkernel +\[0x20000000–0x40000000\) 512 MiB/);
    // The JSON keeps every actor's state and every file (data).
    const json = JSON.parse((await cli(['replay', '--json', 'examples/kdump-second-reboot.jsonl'])).out) as {
      steps: JsonStep[];
    };
    expect(json.steps[3]?.states.captureKernel).toBe('off');
    expect(json.steps[3]?.running).toContain("kdump's capture kernel");
  });
});

// ---------------------------------------------------------------------------------------------
// The same outcome in conform and in the JSON, and the matrix for check

describe('the outcome and the memory map as data', () => {
  it("conform tells the outcome of a real kernel's path, the model's and the guest's own vmcore judged the same way: 6.1 misses the hot-added LMB, 6.12 does not", () => {
    const old = conform(readTranscript('test/real/pseries-6.1-64k-hot-add-then-crash.jsonl'));
    for (const o of [old.outcome, old.observedOutcome]) {
      if (o === null || o.kind !== 'captured-stale') throw new Error(`stale expected, got ${o?.kind}`);
      expect(o.missing).toEqual([{ start: 0x80000000, end: 0x90000000 }]);
      expect(o.summary).toContain('misses [0x80000000–0x90000000) (256 MiB)');
    }
    const current = conform(readTranscript('test/real/pseries-6.12-64k-hot-add-then-crash.jsonl'));
    expect(current.outcome.kind).toBe('captured-accurate');
    expect(current.observedOutcome?.kind).toBe('captured-accurate');
    // The pair conform prints: the guest's vmcore beside the model's outcome at that same step.
    expect(old.observedAt?.model.kind).toBe('captured-stale');
    expect(current.observedAt?.model.kind).toBe('captured-accurate');
    const unregistered = conform(readTranscript('test/real/pseries-6.1-64k-unregistered-crash.jsonl'));
    expect(unregistered.outcome.kind).toBe('not-armed');
    expect(unregistered.observedOutcome).toBeNull();
  });

  it('replay --json gives the memory map per step in bytes: partition memory, reserved area, boot-memory copy, CMA', async () => {
    const json = JSON.parse(
      (await cli(['replay', '--json', 'examples/hotplug-before-reload-at-registration.jsonl'])).out,
    ) as {
      steps: JsonStep[];
      final: { outcome: DumpVerdict };
    };
    const names = (json.steps[0]?.memoryMap ?? []).map((r) => r.name);
    expect(names).toEqual(['partition memory', 'boot memory', 'reserved area', 'boot-memory copy', 'CMA']);
    const partition = json.steps[1]?.memoryMap.find((r) => r.name === 'partition memory');
    expect(partition).toMatchObject({ start: 0, end: 0x210000000, size: 0x210000000 });
    expect(json.final.outcome.kind).toBe('captured-stale');
  });

  it("matrixVerdicts() builds explainViolation()'s matrix from check's runs", () => {
    const runs = [
      {
        config: 'a',
        input: { platform: 'pseries' as const },
        results: [{ property: 'accurate-vmcore', verdict: 'holds' as const }],
      },
      { config: 'b', input: { platform: 'powernv' as const }, results: [] },
    ];
    expect(matrixVerdicts(runs, 'accurate-vmcore')).toEqual([
      { config: 'a', input: { platform: 'pseries' }, verdict: 'holds' },
      { config: 'b', input: { platform: 'powernv' }, verdict: 'n/a' },
    ]);
  });
});

describe('every example log replays with its outcome and explained violations', () => {
  const examples = readdirSync('examples').filter((f) => f.endsWith('.jsonl'));
  const ids = new Set(PROPERTIES.map((p) => p.id));
  it.each(examples)('%s', (name) => {
    const r = replayText(readFileSync(join('examples', name), 'utf8'), name);
    for (const s of r.steps) {
      expect(s.outcome.summary.startsWith(s.outcome.kind === 'none' ? 'none' : s.outcome.kind)).toBe(true);
      for (const v of s.violations) {
        expect(ids.has(v.property)).toBe(true);
        expect(v.why.length).toBeGreaterThan(20);
      }
      expect(s.memoryMap.some((m) => m.name === 'partition memory') || s.memoryMap.length === 0).toBe(true);
    }
    // A crash always ends in an outcome that says what became of it.
    for (const s of r.steps.filter((x) => x.event.event === 'crash'))
      expect(['captured-accurate', 'captured-stale', 'lost', 'not-armed']).toContain(s.outcome.kind);
  });
});
