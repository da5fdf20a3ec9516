// Hash compaction (issue 17, "Memory"; `check --hash-compact`, src/explore/fingerprints.ts): on
// every configuration of the default matrix it finds what the exact search finds (the same
// verdicts, states, transitions and counterexample lengths), and both modes stay within their
// bytes-a-state bounds (a bound of the data structures, not a timing).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main';
import { config, type ConfigInput } from '../src/config';
import type { ExternalEvent } from '../src/events';
import { runMatrix } from '../src/explore/check';
import { BASE_WIDTH } from '../src/explore/engine';
import { explore, type Exploration } from '../src/explore/explore';
import { missProbability } from '../src/explore/fingerprints';
import { defaultMatrix } from '../src/explore/matrix';
import { PROPERTIES } from '../src/specs/properties';
import { FIXTURE_ALPHABET, FIXTURE_PROPERTIES, GRAPH_FIXTURES, fixtureSystem } from './fixtures/graph-systems';
import { canonicalJson } from '../src/util/canonical';
import { seen } from './support/verdicts';

describe('hash compaction', () => {
  it('agrees with the exact search on every configuration of the default matrix (two workers)', async () => {
    const inputs = defaultMatrix();
    const exact = await runMatrix(inputs, { workers: 2, threads: true });
    const compact = await runMatrix(inputs, { workers: 2, threads: true, hashCompact: true });
    expect(compact).toHaveLength(inputs.length);
    expect(compact.map((r) => [r.config, seen(r)])).toEqual(exact.map((r) => [r.config, seen(r)]));
    for (const r of compact) expect(r.missProbability).toBe(missProbability(r.states));
    for (const r of exact) expect(r.missProbability).toBeUndefined();
  }, 300_000);

  it('recomputes a state from its parent links as the exact search stored it, monitors included', () => {
    const c = config({ platform: 'pseries', memoryMiB: 4096 });
    const exact = explore(c);
    const compact = explore(c, { hashCompact: true });
    expect(compact.states).toBe(exact.states);
    const a = new Int32Array(exact.width);
    const b = new Int32Array(exact.width);
    for (let i = 0; i < exact.states; i += 97) expect(compact.table.get(i, b)).toEqual(exact.table.get(i, a));
    expect(() => compact.table.find(a)).toThrow(/keeps no tuples/);
  });

  it('finds the graph properties violated where the exact search does (fixture systems: a trap, a deadlock, a dropped event)', () => {
    const cfg = config({});
    for (const f of GRAPH_FIXTURES) {
      for (const variant of [f.violating, f.holding]) {
        const opts = {
          system: fixtureSystem(cfg, variant),
          alphabet: FIXTURE_ALPHABET,
          properties: FIXTURE_PROPERTIES,
        };
        const exact = explore(cfg, opts);
        const compact = explore(cfg, { ...opts, system: fixtureSystem(cfg, variant), hashCompact: true });
        expect(compact.states, variant).toBe(exact.states);
        expect(compact.results, variant).toEqual(exact.results);
      }
    }
  });

  it("split over 2 and 3 workers, finds the exact search's states, verdicts, paths and tuples", () => {
    // Liveness held and violated (the second has no reboot and no release_mem: stuck states), a
    // prefix, memory that cannot change (split by snapshots).
    const cases: { input: ConfigInput; prefix?: ExternalEvent[] }[] = [
      { input: { platform: 'pseries', elfcorehdr: 'at-registration', crashkernel: '256M' } },
      { input: { platform: 'powernv', fadump: 'nocma', memoryMiB: 16384 }, prefix: [{ event: 'boot' }] },
      { input: { platform: 'pseries', memoryMiB: 4096, minMemoryMiB: 4096, maxMemoryMiB: 4096 } },
    ];
    for (const { input, prefix = [] } of cases) {
      const c = config(input);
      const exact = explore(c, { prefix });
      for (const workers of [2, 3]) {
        const r = explore(c, { prefix, hashCompact: true, split: workers });
        expect([r.states, r.edges, r.results]).toEqual([exact.states, exact.edges, exact.results]);
        expect(r.missProbability).toBe(missProbability(r.states));
        expect(r.peakQueueBytes).toBeGreaterThan(0);
        // Each exploration numbers snapshots in its own engine: compare what the tuples hold.
        const state = (x: Exploration, i: number) => {
          const t = x.table.get(i, new Int32Array(x.width));
          const s = x.engine.toState(t);
          return canonicalJson([
            s.dump,
            t.slice(BASE_WIDTH),
            ...Object.values(s.actors).map((a) => [a.value, a.context]),
          ]);
        };
        for (let i = 0; i < exact.states; i += 89) {
          expect(r.pathTo(i)).toEqual(exact.pathTo(i));
          expect(state(r, i)).toBe(state(exact, i));
        }
        const a = new Int32Array(exact.width);
        expect(() => r.table.find(a)).toThrow(/keeps no tuples/);
      }
    }
  }, 120_000);

  it('prints the birthday bound: n(n - 1)/2^65, 2.7e-4 for 100 million states', () => {
    expect(missProbability(1)).toBe(0);
    expect(missProbability(100_000_000)).toBeCloseTo(2.71e-4, 6);
    expect(missProbability(2 ** 40)).toBe(1);
  });
});

describe('bytes a state', () => {
  // A configuration of a few thousand states, no liveness property (whose kept edges take 4
  // bytes per state and event in either mode).
  const c = config({ platform: 'pseries', elfcorehdr: 'at-registration', memoryMiB: 8192 });
  const properties = PROPERTIES.filter((p) => !(p.kind === 'graph' && p.check === 'eventually'));

  it('exact: at most 40 in the visited set and parent links', () => {
    const r = explore(c, { properties });
    expect(r.states).toBeGreaterThan(2000);
    expect(r.bytesPerState).toBe((r.table.bytes + r.parent.byteLength + r.parentEvent.byteLength) / r.states);
    expect(r.bytesPerState).toBeLessThanOrEqual(40);
    expect(r.parentEvent.BYTES_PER_ELEMENT).toBe(1);
  });

  it('hash-compact: at most 16 in the fingerprints and parent links, and the same states', () => {
    const exact = explore(c, { properties });
    const r = explore(c, { properties, hashCompact: true });
    expect(r.states).toBe(exact.states);
    expect(r.bytesPerState).toBeLessThanOrEqual(16);
    expect(r.peakQueueBytes).toBeGreaterThan(0);
  });
});

describe('check --hash-compact', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hash-compact-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'small.json');
  writeFileSync(file, JSON.stringify({ platform: 'pseries', memoryMiB: 4096 }));
  async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('prints the probability that a state was missed, and --json carries it per run', async () => {
    const text = await cli(['check', '--config', file, '--hash-compact', '--out', join(dir, 'cx')]);
    expect(text.code).toBe(0);
    expect(text.out.replace(/\s+/g, ' ')).toMatch(/the probability that a state was missed is at most \d\.\de-\d+ in /);
    const json = await cli(['check', '--config', file, '--hash-compact', '--json', '--out', join(dir, 'cx')]);
    const runs = (JSON.parse(json.out) as { runs: { states: number; missProbability?: number }[] }).runs;
    expect(runs[0]?.missProbability).toBe(missProbability(runs[0]?.states ?? 0));
    const exact = await cli(['check', '--config', file, '--json', '--out', join(dir, 'cx')]);
    expect(exact.out).not.toContain('missProbability');
  });

  it('is refused with --shard and --merge (exit 2, naming the flag)', async () => {
    const shard = await cli(['check', '--shard', '1/2', '--hash-compact']);
    expect(shard.code).toBe(2);
    expect(shard.err).toMatch(/--shard 1\/2 with --hash-compact/);
    const merge = await cli(['check', '--merge', file, '--hash-compact']);
    expect(merge.code).toBe(2);
    expect(merge.err).toMatch(/--merge with --hash-compact/);
  });

  it('with --split 2 prints what one thread prints, the probability included', async () => {
    const one = await cli(['check', '--config', file, '--hash-compact', '--json', '--out', join(dir, 'cx')]);
    const two = await cli([
      'check',
      '--config',
      file,
      '--hash-compact',
      '--split',
      '2',
      '--json',
      '--out',
      join(dir, 'cx'),
    ]);
    expect(two.code).toBe(one.code);
    const runs = (text: string) =>
      (JSON.parse(text) as { runs: Record<string, unknown>[] }).runs.map(({ seconds: _s, ...rest }) => rest);
    expect(runs(two.out)).toEqual(runs(one.out));
  });

  it('stops at --max-states with "incomplete" verdicts, as an exact run does', async () => {
    const r = await cli([
      'check',
      '--config',
      file,
      '--hash-compact',
      '--max-states',
      '300',
      '--json',
      '--out',
      join(dir, 'cx'),
    ]);
    const doc = JSON.parse(r.out) as {
      runs: { complete: boolean; stopReason: string; states: number }[];
      results: { verdict: string }[];
    };
    expect(doc.runs[0]).toMatchObject({ complete: false, stopReason: 'max-states' });
    expect(doc.results.map((x) => x.verdict)).not.toContain('holds');
    expect(doc.results.map((x) => x.verdict)).toContain('incomplete');
  });
});
