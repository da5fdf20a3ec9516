// The model (machines/, replayed by src/log/replay.ts) and the simulator (src/sim/, an imperative
// statement of the same kernel behaviour that does not import the model) agree at every step: the
// errno and verdict of every event, every file and its contents, /proc/vmcore's PT_LOADs and the
// dump outcome. Every example log, and a few thousand seeded random event sequences over a matrix
// of configurations. A run stops being compared only at a recorded disagreement
// (src/sim/disagreements.ts, whose examples test/disagreements.test.ts holds to reality) or where
// the model falls back to kdump, as in the generated suite.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { config as makeConfig, type Config } from '../src/config';
import type { ExternalEvent } from '../src/events';
import { comparability, judgePath } from '../src/explore/suite';
import { formatDiff, modelRun, simRun } from '../src/sim/adapter';
import { createSim } from '../src/sim/index';
import { examplePaths, simAlphabet, simConfigs, weightOf } from '../src/sim/paths';

const SEED = 20251124;
/** Random sequences per configuration (19 configurations). */
const RUNS = 160;

/** Replays the events through both; null when they agree, or stop at a recorded disagreement or
 *  at the model's fallback to kdump (the generated suite's own judgement, judgePath()); otherwise
 *  the difference, formatted. */
function unexplained(config: Config, events: readonly ExternalEvent[]): string | null {
  const v = judgePath(config, events, modelRun(config, events), simRun(config, events).steps);
  return v.kind === 'differs' ? formatDiff(config, events, v.diff) : null;
}

describe('the simulator and the model agree on the example logs', () => {
  // Logs of other mechanisms (kdump, hypervisor-assisted dump) are outside the simulator
  // (comparability(), decided from the configuration); each is named, none is skipped silently.
  const all = examplePaths();
  const outside = all.filter((p) => !comparability(p.config).compared);
  it(`${outside.length} example logs of other mechanisms are outside the simulator: ${outside.map((p) => p.name).join(', ')}`, () => {
    for (const p of outside) expect(p.config.mechanism, p.name).not.toBe('fadump');
  });
  for (const p of all.filter((x) => comparability(x.config).compared)) {
    it(p.name ?? 'example', () => {
      expect(unexplained(p.config, p.events)).toBeNull();
    });
  }
});

describe('the simulator and the model agree on seeded random event sequences', () => {
  for (const config of simConfigs()) {
    it(config.name, () => {
      const alphabet = simAlphabet(config);
      const event = fc.oneof(...alphabet.map((e) => ({ arbitrary: fc.constant(e), weight: weightOf(e) })));
      const walk = fc
        .tuple(fc.option(event, { freq: 4 }), fc.array(event, { minLength: 1, maxLength: 24 }))
        .map(([pre, rest]) => [...(pre === null ? [] : [pre]), { event: 'boot' } as ExternalEvent, ...rest]);
      fc.assert(
        fc.property(walk, (events) => {
          const d = unexplained(config, events);
          if (d !== null) throw new Error(d);
        }),
        { seed: SEED, numRuns: RUNS },
      );
    });
  }
});

describe('the simulator is a separate statement of the behaviour', () => {
  /** Runtime imports (not `import type`) of a TypeScript file, resolved to paths. */
  function runtimeImports(file: string): string[] {
    const text = readFileSync(file, 'utf8');
    const out: string[] = [];
    for (const m of text.matchAll(/^import\s+(?!type\s)[^;]*?from\s+'([^']+)'/gms)) {
      const spec = m[1];
      if (spec === undefined || !spec.startsWith('.')) continue;
      const base = resolve(dirname(file), spec);
      out.push(base.endsWith('.ts') ? base : `${base}.ts`);
    }
    return out;
  }

  it("createSim reaches neither machines/ nor the model's layout, store, view or replay code", () => {
    const root = resolve(__dirname, '..');
    const seen = new Set<string>();
    const stack = [join(root, 'src/sim/index.ts')];
    while (stack.length) {
      const f = stack.pop();
      if (f === undefined || seen.has(f)) continue;
      seen.add(f);
      stack.push(...runtimeImports(f));
    }
    const rel = [...seen].map((f) => f.slice(root.length + 1)).sort();
    const forbidden = rel.filter(
      (f) => f.startsWith('machines/') || /^src\/(memory\/(layout|reserve)|sysfs\/|log\/|explore\/)/.test(f),
    );
    expect(forbidden).toEqual([]);
    expect(rel).toContain('src/sim/kernel.ts');
  });

  it('every file under src/sim except the adapter, paths and the harness is model-free', () => {
    const dir = resolve(__dirname, '../src/sim');
    const bridges = new Set(['adapter.ts', 'paths.ts', 'disagreements.ts']);
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts') && !bridges.has(x))) {
      const imports = runtimeImports(join(dir, f));
      expect(
        imports.filter(
          (i) => i.includes('/machines/') || i.includes('/src/sysfs/') || i.includes('/src/memory/layout'),
        ),
        f,
      ).toEqual([]);
    }
  });
});

describe('the simulator on its own', () => {
  it('answers like the model for a whole seed story (files, vmcore, errno)', () => {
    const sim = createSim(makeConfig({ platform: 'pseries' }));
    expect(sim.observe()).toEqual({ sysfs: {}, vmcore: null, dump: 'none', meminfo: null, cmdline: null });
    expect(sim.apply({ event: 'boot' })).toEqual({ accepted: true, errno: null });
    expect(sim.observe().sysfs['/sys/kernel/fadump/registered']).toBe('1');
    expect(sim.apply({ event: 'write', path: '/sys/kernel/fadump/release_mem', value: '1\n' })).toEqual({
      accepted: false,
      errno: 'EACCES',
    });
    sim.apply({ event: 'crash' });
    const captured = sim.observe();
    expect(captured.dump).toBe('captured');
    // /proc/vmcore's file offset: after the ELF headers' and the notes' 64 KiB pages.
    expect(captured.vmcore?.ptLoad[0]).toEqual({ paddr: 0, size: 320 * 1024 * 1024, offset: 0x20000 });
    expect(sim.apply({ event: 'write', path: '/sys/kernel/fadump/registered', value: '1\n' })).toEqual({
      accepted: false,
      errno: 'EPERM',
    });
    expect(sim.apply({ event: 'write', path: '/sys/kernel/fadump/release_mem', value: '1\n' })).toEqual({
      accepted: true,
      errno: null,
    });
    expect(sim.observe().vmcore).toBeNull();
    expect(sim.observe().sysfs['/sys/kernel/fadump/mem_reserved']).toBe(String(0x50000 + 320 * 1024 * 1024 + 680)); // the 6.10+ header: 40 + pt_regs 384 + cpumask 256 (NR_CPUS=2048)
    expect(sim.apply({ event: 'write', path: '/sys/kernel/fadump/release_mem', value: '1\n' })).toEqual({
      accepted: false,
      errno: 'EPERM',
    });
  });
});

// -------------------------------------------------------------------------------------------------
// Former reports, fixed in the model: the capture kernel's command line counted by bootargs_append
// after release (D4), and the capture kernel's build running on after release or a failed capture
// (D5). Both are compared in full now; these are their example logs and a longer D5 path.
describe('the former reports D4 and D5 agree now (docs/kernel-behaviour.md §1 "Release", early boot 3, §2, §3)', () => {
  const y = (n: number) => ({
    event: 'write' as const,
    path: '/sys/kernel/fadump/bootargs_append',
    value: `${'y'.repeat(n)}\n`,
  });
  const cases: {
    name: string;
    config: Parameters<typeof makeConfig>[0];
    events: ExternalEvent[];
    last: (sim: ReturnType<typeof createSim>, step: { errno: string | null }) => void;
  }[] = [
    {
      name: 'D4: after release bootargs_append counts the appended parameters (ENOSPC)',
      config: { platform: 'pseries' },
      events: [
        { event: 'boot' },
        y(1900),
        { event: 'crash' },
        { event: 'write', path: '/sys/kernel/fadump/release_mem', value: '1\n' },
        y(100),
      ],
      last: (_sim, step) => expect(step.errno).toBe('ENOSPC'),
    },
    {
      name: 'D5: a current capture kernel that runs on after refusing a pre-2024 header has hotplug_ready',
      config: {
        platform: 'pseries',
        elfcorehdr: 'at-registration',
        captureKernel: { elfcorehdr: 'in-capture-kernel' },
      },
      events: [{ event: 'boot' }, { event: 'crash' }],
      last: (sim) => expect(sim.observe().sysfs['/sys/kernel/fadump/hotplug_ready']).toBe('1'),
    },
    {
      name: 'D5: a byte-swapped capture kernel that runs on registers its own header and captures its own crash',
      config: { platform: 'pseries', captureKernel: { endianness: 'swapped' } },
      events: [
        { event: 'boot' },
        { event: 'crash' },
        { event: 'write', path: '/sys/kernel/fadump/registered', value: '1\n' },
        { event: 'memory-hotplug', action: 'add', lmbs: 1 },
        { event: 'crash' },
      ],
      last: (sim) => expect(sim.observe().dump).toBe('captured'),
    },
  ];
  for (const k of cases) {
    it(k.name, () => {
      const config = makeConfig(k.config);
      expect(unexplained(config, k.events)).toBeNull();
      // The simulator on its own shows the behaviour the comparison is about.
      const sim = createSim(config);
      let step = { errno: null as string | null };
      for (const e of k.events) step = sim.apply(e);
      k.last(sim, step);
    });
  }
});
