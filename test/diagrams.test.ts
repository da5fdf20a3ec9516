// diagrams/ is generated from the machines: regenerating gives the committed bytes, every actor's
// chart shows its states, and the walk of the state nodes renders what toDirectedGraph cannot
// (eventless transitions, parallel regions, wildcard and ignore lines).
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { ACTORS, buildMachines, type ActorId } from '../machines/system';
import { config } from '../src/config';
import { buildDiagrams, generateDiagrams, headerSentence, type GenerateResult } from '../src/diagrams/generate';
import { extractChart, renderSvg, toDot, toMermaid } from '../src/diagrams/statechart';
import { emittedTypes, RECORD, systemChart, USER, type SystemChart } from '../src/diagrams/system-chart';
import { parseLog } from '../src/log/parse';
import { replay } from '../src/log/replay';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const COMMITTED = join(ROOT, 'diagrams');
const STALE = 'diagrams/ is stale: run npx fadump-model diagrams';

let tmp = '';
let generated: GenerateResult;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'fadump-diagrams-'));
  generated = await generateDiagrams(tmp);
});

afterAll(() => {
  if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
});

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

describe('diagrams/', () => {
  it('is what the generator writes, byte for byte', () => {
    const stale: string[] = [];
    for (const f of generated.files) {
      const fresh = readFileSync(join(tmp, f.name), 'utf8');
      const committed = read(join(COMMITTED, f.name));
      if (committed === null) stale.push(`${f.name} (missing)`);
      else if (committed !== fresh) stale.push(`${f.name} (differs)`);
    }
    expect(stale, STALE).toEqual([]);
  });

  it('writes a .mmd and an .svg per actor and for the system, and README.md, atomically', () => {
    const names = generated.files.map((f) => f.name).sort();
    const expected = [...['system', ...ACTORS].flatMap((a) => [`${a}.mmd`, `${a}.svg`]), 'README.md'].sort();
    expect(names).toEqual(expected);
    // No temporary file is left behind.
    expect(readdirSync(tmp).sort()).toEqual(expected);
  });

  it('is deterministic within a process too (Graphviz keeps no state between layouts)', async () => {
    const again = await buildDiagrams();
    for (const f of again.files) expect(f.content, f.name).toBe(readFileSync(join(tmp, f.name), 'utf8'));
  });
});

const KEY_STATES: Record<ActorId, string[]> = {
  firmware: ['off', 'noDumpRegistered', 'registered', 'dumpPending'],
  productionKernel: ['off', 'booting', 'running', 'notRegistered', 'registered', 'registering', 'crashed'],
  petitboot: ['off', 'booting'],
  captureKernel: ['off', 'booting', 'dumpAvailable', 'vmcore', 'saved', 'crashed'],
  kdumpService: ['stopped', 'idle', 'reloadPending', 'reloading', 'restartPending', 'kexec', 'loadPending', 'loaded'],
  kexec: ['unloaded', 'loading', 'loaded', 'capture', 'vmcore', 'saved'],
  phypDump: ['off', 'registering', 'registered', 'notRegistered', 'capture', 'vmcore', 'saved'],
};

describe('each actor’s statechart', () => {
  const machines = buildMachines(config());
  for (const actor of ACTORS) {
    it(`${actor}: every state, the initial marker, the SVG`, () => {
      const mmd = readFileSync(join(tmp, `${actor}.mmd`), 'utf8');
      expect(mmd.startsWith('stateDiagram-v2\n')).toBe(true);
      expect(mmd).toMatch(/^ {2}\[\*\] --> \S+$/m);
      for (const s of KEY_STATES[actor]) expect(mmd, `${actor}: ${s}`).toContain(`state "${s}" as `);
      // Every state node of the machine, not only the key ones.
      const keys: string[] = [];
      const walk = (n: { key: string; states: Record<string, unknown> }): void => {
        for (const c of Object.values(n.states) as { key: string; states: Record<string, unknown> }[]) {
          keys.push(c.key);
          walk(c);
        }
      };
      walk(machines[actor].root);
      for (const k of keys) expect(mmd).toContain(`state "${k}" as `);
      const svg = readFileSync(join(tmp, `${actor}.svg`), 'utf8');
      expect(svg).toContain('<svg');
      for (const s of KEY_STATES[actor]) expect(svg).toContain(`>${s}</text>`);
    });
  }

  it('productionKernel: eventless boot transitions, guards with params, [else], transient states', () => {
    const mmd = readFileSync(join(tmp, 'productionKernel.mmd'), 'utf8');
    expect(mmd).toContain(
      'booting --> running_registering : always<br/>[registersAtBoot]<br/>/ sendRegister(unregisterFirst=false)',
    );
    expect(mmd).toContain(
      'booting --> running_notRegistered : always<br/>[else]<br/>/ userspaceStart(registered=false)',
    );
    expect(mmd).toMatch(/write, sysfs\.write<br\/>\[writeIs\(registered=false, kind=register\)\]/);
    expect(mmd).toMatch(/^ {2}class .*\bbooting\b.* transient$/m);
    expect(mmd).toContain('ignores: save-dump');
  });

  it('kdumpService: explicit ignores collapse into one line per state, no self-loops', () => {
    const mmd = readFileSync(join(tmp, 'kdumpService.mmd'), 'utf8');
    expect(mmd).toContain('stopped : ignores: kdump-reload, kdump-start');
    expect(mmd).not.toMatch(/(\w+) --> \1 :.*ignore/);
  });

  it('firmware: the wildcard reads "any other event", the machine-wide transitions sit in one box', () => {
    const mmd = readFileSync(join(tmp, 'firmware.mmd'), 'utf8');
    expect(mmd).toMatch(/off : ignores: (?:[\w-]+, )*any other event/);
    expect(mmd).toContain('state "anywhere in firmware" as anywhere_in_firmware');
    expect(mmd).toContain('anywhere_in_firmware : firmware-error / armFault');
  });
});

describe('the walk of the state nodes', () => {
  // A machine with what the actors do not (yet) use: parallel regions, a final state, a
  // transition out of a compound state, into a parallel state, entry actions.
  const m = setup({
    types: { context: {} as Record<string, never>, events: {} as { type: 'go' } | { type: 'stop' } | { type: 'poke' } },
    guards: { ready: () => true, flag: (_a, _p: { on: boolean }) => true },
    actions: {
      ignore: () => undefined,
      note: () => undefined,
      greet: () => undefined,
    },
  }).createMachine({
    id: 'toy',
    initial: 'idle',
    context: {},
    on: { stop: { target: '.done' } },
    states: {
      idle: {
        entry: 'greet',
        on: {
          go: [
            { guard: { type: 'flag', params: { on: true } }, target: 'work' },
            { target: 'idle', actions: 'note' },
          ],
          '*': { actions: 'ignore' },
        },
      },
      work: {
        type: 'parallel',
        on: { poke: { target: 'idle' } },
        states: {
          left: { initial: 'a', states: { a: { always: { guard: 'ready', target: 'b' } }, b: {} } },
          right: { initial: 'c', states: { c: { on: { poke: { actions: 'note' } } } } },
        },
      },
      done: { type: 'final' },
    },
  });
  const chart = extractChart(m);
  const mmd = toMermaid(chart);

  it('renders parallel regions with --, eventless and self transitions, final states', () => {
    expect(mmd).toContain('state "work" as work {');
    expect(mmd).toMatch(/state "left" as work_left \{[\s\S]*\n {4}--\n {4}state "right" as work_right \{/);
    expect(mmd).toContain('work_left_a --> work_left_b : always<br/>[ready]');
    expect(mmd).toContain('idle --> work : go<br/>[flag(on=true)]');
    expect(mmd).toContain('idle --> idle : go<br/>[else]<br/>/ note');
    expect(mmd).toContain('idle : entry / greet');
    expect(mmd).toContain('idle : ignores: any other event');
    expect(mmd).toContain('work --> idle : poke');
    expect(mmd).toContain('work_right_c : poke / note');
    expect(mmd).toContain('anywhere_in_toy --> done : stop');
    expect(mmd).toContain('done --> [*]');
  });

  it('lays the DOT out (clusters for compound and parallel states)', async () => {
    const dot = toDot(chart);
    expect(dot).toContain('subgraph "cluster_toy.work"');
    expect(dot).toContain('subgraph "cluster_toy.work.left"');
    const svg = await renderSvg(dot);
    expect(svg).toContain('>work</text>');
    expect(svg).toContain('>(parallel)</text>');
  });
});

describe('the system diagram', () => {
  const emitted = Object.fromEntries(
    ACTORS.map((a) => [
      a,
      emittedTypes(
        readFileSync(join(ROOT, 'machines', `${a.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}.ts`), 'utf8'),
      ),
    ]),
  ) as Record<ActorId, string[]>;
  const chart: SystemChart = systemChart(emitted);
  const has = (from: string, to: string, event: string): boolean =>
    chart.edges.some((e) => e.from === from && e.to === to && e.events.includes(event));

  it('shows every delivery the example logs make', () => {
    const dir = join(ROOT, 'examples');
    const missing = new Set<string>();
    for (const f of readdirSync(dir)
      .filter((n) => n.endsWith('.jsonl'))
      .sort()) {
      const log = parseLog(readFileSync(join(dir, f), 'utf8'), f);
      for (const step of replay(log.config, log.entries).deliveries) {
        for (const d of step)
          if (!has(d.from, d.to, d.event.type)) missing.add(`${d.from} -> ${d.to}: ${d.event.type}`);
      }
    }
    expect([...missing]).toEqual([]);
  });

  it('has the five actors, the user and the record, and the main routes', () => {
    const mmd = readFileSync(join(tmp, 'system.mmd'), 'utf8');
    expect(mmd.startsWith('flowchart')).toBe(true);
    for (const n of [...ACTORS, USER, RECORD]) expect(mmd).toMatch(new RegExp(`^ {2}${n}[[(]`, 'm'));
    expect(has('productionKernel', 'firmware', 'fw.register')).toBe(true);
    expect(has('firmware', 'petitboot', 'bootloader.start')).toBe(true);
    expect(has('captureKernel', 'productionKernel', 'kernel.handover')).toBe(true);
    expect(has('kdumpService', 'productionKernel', 'sysfs.write')).toBe(true);
    expect(has('captureKernel', RECORD, 'dump.captured')).toBe(true);
    expect(has(USER, 'kdumpService', 'kdump-reload')).toBe(true);
  });

  it('README.md embeds every Mermaid chart and links every SVG, with each actor’s header sentence', () => {
    const md = readFileSync(join(tmp, 'README.md'), 'utf8');
    for (const name of ['system', ...ACTORS]) {
      const mmd = readFileSync(join(tmp, `${name}.mmd`), 'utf8');
      expect(md).toContain(`\`\`\`mermaid\n${mmd}\`\`\``);
      expect(md).toContain(`](${name}.svg)`);
    }
    expect(headerSentence(readFileSync(join(ROOT, 'machines', 'petitboot.ts'), 'utf8'))).toBe(
      'Petitboot: OPAL\'s intermediate boot kernel (docs/kernel-behaviour.md §4; "On OPAL based machines" in Documentation/arch/powerpc/firmware-assisted-dump.rst).',
    );
    expect(md).toContain("Petitboot: OPAL's intermediate boot kernel");
  });
});
