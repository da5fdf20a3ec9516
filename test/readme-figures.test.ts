// Issue 11, "Every claim backed": the figures README.md's "Large state spaces" and "Speed" and its
// sentence about the soak state, held to what the code does. Each test reads the figure from the
// README itself, so that changing one without the other fails here. (The timings and the large.json
// run cannot run in a test: the README names the command that reproduces each.)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACTORS } from '../machines/system';
import { main } from '../src/cli/main';
import { config, parseConfig, type Config } from '../src/config';
import { alphabet } from '../src/explore/alphabet';
import { DEFAULT_MEMORY_SHARE, loadExpected, runMatrix } from '../src/explore/check';
import { DEFAULT_MAX_STATES } from '../src/cli/check';
import { explore } from '../src/explore/explore';
import { defaultMatrix } from '../src/explore/matrix';
import { PROPERTIES } from '../src/specs/properties';

// runMatrix as it is, watched: the options `check` hands it are the defaults the README states.
vi.mock('../src/explore/check', async (importOriginal) => {
  const mod = await importOriginal<typeof import('../src/explore/check')>();
  return { ...mod, runMatrix: vi.fn(mod.runMatrix) };
});

/** README.md with every run of whitespace (line breaks included) as one space. */
const README = readFileSync(join(process.cwd(), 'README.md'), 'utf8').replace(/\s+/g, ' ');

/** The README's section under that `## ` heading, whitespace folded. */
function section(heading: string): string {
  const start = README.indexOf(`## ${heading} `);
  if (start < 0) throw new Error(`README.md has no section '${heading}'`);
  const end = README.indexOf(' ## ', start + 3);
  return README.slice(start, end < 0 ? undefined : end);
}

/** The capture groups of `re` in `text` as numbers ("5,000,000" → 5000000); fails when absent. */
function figures(text: string, re: RegExp): number[] {
  const m = re.exec(text);
  expect(m, `README.md: ${re.source}`).not.toBeNull();
  return (m ?? []).slice(1).map((g) => Number(g.replace(/,/g, '')));
}

function parsed(input: object): Config {
  const p = parseConfig(input);
  if (!p.ok) throw new Error(JSON.stringify(p.issues));
  return p.config;
}

const LARGE = parsed(JSON.parse(readFileSync(join(process.cwd(), 'configs', 'large.json'), 'utf8')) as object);
const MATRIX = defaultMatrix().map(parsed);
const large = section('Large state spaces');
const speed = section('Speed');

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fadump-readme-'));
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('README "Large state spaces"', () => {
  it('"Without --max-states an exploration stops at N states": N is the default `check --help` states and `check` passes to the explorer', async () => {
    const [n] = figures(large, /Without `--max-states` an exploration stops at ([\d,]+) states/);
    expect(n).toBe(DEFAULT_MAX_STATES);
    const help: string[] = [];
    expect(await main(['check', '--help'], { out: (t) => help.push(t), err: (t) => help.push(t) })).toBe(0);
    expect(help.join('\n').replace(/\s+/g, ' ')).toContain(`default: ${DEFAULT_MAX_STATES.toLocaleString('en-US')})`);

    // What `check` hands the explorer when neither flag is given (nothing explored: the watched
    // runMatrix answers "no runs" once).
    const watched = vi.mocked(runMatrix);
    watched.mockClear();
    watched.mockResolvedValueOnce([]);
    const f = join(dir, 'one.json');
    writeFileSync(f, '{"platform": "pseries"}');
    expect(
      await main(['check', '--config', f, '--json', '--out', join(dir, 'cx')], {
        out: () => undefined,
        err: () => undefined,
      }),
    ).toBe(0);
    const opts = watched.mock.calls[0]?.[1];
    expect(opts?.maxStates).toBe(DEFAULT_MAX_STATES);
    // No --max-memory: none passed, so each exploration takes defaultMaxMemoryBytes(), the share:
    expect(opts?.maxMemoryBytes).toBeUndefined();
    expect(large).toContain('without `--max-memory` at half the V8 heap limit');
    expect(DEFAULT_MEMORY_SHARE).toBe(0.5);
  });

  it('configs/large.json: 25 events a state, so its 15,870,726 states make the "397 million transitions"; kept edges are 4 bytes per state and event', () => {
    expect(LARGE).toMatchObject({ platform: 'pseries', elfcorehdr: 'at-registration', faults: true });
    const events = alphabet(LARGE).length;
    const [edgeBytes, perState, withEvents] = figures(
      large,
      /the kept edges (\d+) bytes per state and alphabet event \((\d+) bytes with the (\d+) events of `configs\/large\.json`'s alphabet/,
    );
    expect(withEvents).toBe(events);
    expect(perState).toBe((edgeBytes ?? 0) * events);
    const [states, millions] = figures(large, /explores ([\d,]+) states and (\d+) million transitions/);
    expect(Math.round(((states ?? 0) * events) / 1e6)).toBe(millions);
    // The kept edges are an Int32Array of states × alphabet events.
    const r = explore(config({ platform: 'pseries', memoryMiB: 1024 }), { properties: [], keepEdges: true });
    expect(r.succ?.BYTES_PER_ELEMENT).toBe(edgeBytes);
    expect(r.succ?.length ?? 0).toBeGreaterThanOrEqual(r.states * r.alphabet.length);
  });

  it("its five violations: the default matrix's pSeries firmware-faults configuration's four, and accurate-vmcore of the elfcorehdr built at registration", () => {
    expect(large).toContain(
      "finds five violations: the four of the default matrix's pSeries firmware-faults configuration, and accurate-vmcore",
    );
    const expected = [...loadExpected().entries.values()];
    const violated = (name: string) =>
      Object.entries(expected.find((e) => e.name === name)?.verdicts ?? {})
        .filter(([, v]) => v === 'violated')
        .map(([id]) => id);
    const faults = MATRIX.filter((c) => c.platform === 'pseries' && c.faults && c.mechanism === 'fadump');
    expect(faults.map((c) => c.name)).toEqual(['pseries in-capture-kernel fadump=on 8G faults']);
    const four = violated('pseries in-capture-kernel fadump=on 8G faults');
    expect(four).toHaveLength(4);
    expect(four).not.toContain('accurate-vmcore');
    expect(violated('pseries at-registration fadump=on 8G')).toContain('accurate-vmcore');
    expect(new Set([...four, 'accurate-vmcore']).size).toBe(5);
  });
});

describe('README "Speed"', () => {
  it('"Every state has 17 to 28 events to try": the range of the alphabet over the default matrix, 17 on PowerNV, 20 on pSeries', () => {
    const sizes = MATRIX.map((c) => alphabet(c).length);
    const [lo, hi] = figures(speed, /Every state has (\d+) to (\d+) events to try/);
    expect([lo, hi]).toEqual([Math.min(...sizes), Math.max(...sizes)]);
    const [powernv, pseries] = figures(
      speed,
      /`src\/explore\/alphabet\.ts`: (\d+) on PowerNV, (\d+) on pSeries, more with/,
    );
    const plain = (c: Config) =>
      c.mechanism === 'fadump' &&
      !c.faults &&
      c.crashkernel === null &&
      c.onlineCpus === c.cpus &&
      c.memoryHolesMiB.length === 0 &&
      !c.endings &&
      !c.kdumpEnabled &&
      c.rebootCmdlines.length === 0;
    expect(new Set(MATRIX.filter((c) => plain(c) && c.platform === 'powernv').map((c) => alphabet(c).length))).toEqual(
      new Set([powernv]),
    );
    expect(new Set(MATRIX.filter((c) => plain(c) && c.platform === 'pseries').map((c) => alphabet(c).length))).toEqual(
      new Set([pseries]),
    );
    expect(Math.min(...sizes)).toBe(powernv);
  });

  it('part 1 of `npm run bench` explores the PowerNV firmware-faults space completely (scripts/bench.ts SHARED_CONFIG)', () => {
    const [n] = figures(speed, /explored completely by both": ([\d,]+) states/);
    // scripts/bench.ts's SHARED_CONFIG (importing the script would run it).
    const c = parsed({ platform: 'powernv', elfcorehdr: 'in-capture-kernel', faults: true, memoryMiB: 16384 });
    expect(explore(c, { properties: [] }).states).toBe(n);
    const bench = readFileSync(join(process.cwd(), 'scripts', 'bench.ts'), 'utf8');
    expect(bench).toMatch(
      /const SHARED_CONFIG: ConfigInput = \{\s+name: '[^']+',\s+platform: 'powernv',\s+elfcorehdr: 'in-capture-kernel',\s+faults: true,\s+memoryMiB: 16384,\s+\};/,
    );
  });

  it('"the system has seven" actors; 160 ns is 1 s / (250,000 × 25)', () => {
    expect(speed).toContain('the system has seven;');
    expect(ACTORS).toHaveLength(7);
    const [rate, ns, rate2, events] = figures(
      speed,
      /does not reach ([\d,]+) states\/s: with 25 events a state that rate leaves (\d+) ns a transition \(1 s \/ \(([\d,]+) × (\d+)\)\)/,
    );
    expect(rate2).toBe(rate);
    expect(ns).toBe(1e9 / ((rate ?? 1) * (events ?? 1)));
  });
});

describe('README, the CLI section: the soak', () => {
  it('`npm run soak` walks 1,000,000 events and checks every property but eventually-ready', () => {
    const pkg: unknown = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8'));
    const script =
      typeof pkg === 'object' &&
      pkg !== null &&
      'scripts' in pkg &&
      typeof pkg.scripts === 'object' &&
      pkg.scripts !== null &&
      'soak' in pkg.scripts
        ? pkg.scripts.soak
        : null;
    expect(script).toMatch(/scripts\/soak\.ts --events 1000000$/);
    expect(README).toContain('`npm run soak` (random walks over the default matrix, 1,000,000 events:');
    // scripts/soak.ts checks the state and step properties, and of the graph properties exactly
    // every-event-handled and no-deadlock: the one left is eventually-ready, as the README says.
    const graph = PROPERTIES.filter((p) => p.kind === 'graph').map((p) => p.id);
    expect(graph.filter((id) => id !== 'every-event-handled' && id !== 'no-deadlock')).toEqual(['eventually-ready']);
    expect(README).toContain(
      'against no-deadlock; not eventually-ready, a property of the whole graph that only `check` decides)',
    );
  });
});
