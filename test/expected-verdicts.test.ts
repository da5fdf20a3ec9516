// Issue 11, "Every claim backed": the expected verdicts (src/specs/expected.json) are the spec's
// claims, so `npm test` must hold the model to them. The default matrix is explored once, in this
// process, as `npm start` (`fadump-model check`) explores it, and must match the file with zero
// mismatches; the file must cover exactly that matrix, every property of every configuration.
// Then the other direction: a doctored file (one verdict flipped) makes the CLI, run as a user
// runs it (bin/fadump-model.mjs in a child process), exit 1 naming the configuration and the
// property; a bad --expect file exits 2 naming the file, the line and the field.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { main } from '../src/cli/main';
import { parseConfig, type ConfigInput } from '../src/config';
import { ExpectedFileSchema, loadExpected, type ExpectedFile } from '../src/explore/expected';
import { defaultMatrix } from '../src/explore/matrix';
import { PROPERTIES } from '../src/specs/properties';

const EXPECTED_PATH = join(process.cwd(), 'src', 'specs', 'expected.json');
const bin = join(process.cwd(), 'bin', 'fadump-model.mjs');

/** The part of `check --json`'s output these tests read. */
const CheckJson = z.object({
  results: z.array(
    z.object({
      property: z.string(),
      config: z.string(),
      verdict: z.enum(['holds', 'violated', 'incomplete', 'n/a']),
      states: z.number(),
    }),
  ),
  runs: z.array(
    z.object({
      config: z.string(),
      states: z.number(),
      transitions: z.number(),
      seconds: z.number(),
      complete: z.boolean(),
      stopReason: z.string(),
    }),
  ),
  mismatches: z.array(
    z.object({ config: z.string(), property: z.string(), expected: z.string().nullable(), got: z.string() }),
  ),
  interrupted: z.boolean(),
  notStarted: z.number(),
});
type CheckJson = z.infer<typeof CheckJson>;

/** The CLI in this process, its output captured. */
async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function readExpected(file: string): ExpectedFile {
  return ExpectedFileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

/** The default matrix's configuration of that name. */
function inputNamed(name: string): ConfigInput {
  const input = defaultMatrix().find((c) => {
    const p = parseConfig(c);
    return p.ok && p.config.name === name;
  });
  if (input === undefined) throw new Error(`no configuration '${name}' in the default matrix`);
  return input;
}

let dir = '';
let matrix: { code: number; json: CheckJson; err: string; seconds: number } | null = null;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fadump-expected-'));
  // `npm start` is `fadump-model check`: the default matrix on worker threads, compared with
  // src/specs/expected.json. --json for the figures, --out so the counterexamples stay out of out/.
  const t = performance.now();
  const r = await cli(['check', '--json', '--out', join(dir, 'counterexamples')]);
  matrix = {
    code: r.code,
    json: CheckJson.parse(JSON.parse(r.out)),
    err: r.err,
    seconds: (performance.now() - t) / 1000,
  };
}, 300_000);

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

function run(): NonNullable<typeof matrix> {
  if (matrix === null) throw new Error('the default matrix did not run');
  return matrix;
}

describe('the default matrix against src/specs/expected.json (what `npm start` checks)', () => {
  it('explores every configuration to the end and every verdict matches: zero mismatches, exit 0', () => {
    const m = run();
    console.log(
      `default matrix: ${m.json.runs.length} configurations, ${m.json.runs.reduce((n, r) => n + r.states, 0)} states, ${m.seconds.toFixed(1)} s wall`,
    );
    expect(
      m.json.mismatches.map((x) => `${x.property} @ ${x.config}: expected ${x.expected ?? '(nothing)'}, got ${x.got}`),
    ).toEqual([]);
    expect(m.code, m.err).toBe(0);
    expect(m.json.interrupted).toBe(false);
    expect(m.json.notStarted).toBe(0);
    expect(m.json.runs.filter((r) => !r.complete).map((r) => `${r.config}: ${r.stopReason}`)).toEqual([]);
    expect(m.json.results.filter((r) => r.verdict === 'incomplete')).toEqual([]);
  });

  it('the file records exactly the default matrix, every property of every configuration (no verdict goes unjudged)', () => {
    // compare() skips a configuration with nothing recorded, so zero mismatches alone could be
    // vacuous; and an entry for a configuration no longer explored is a claim nothing checks.
    const expected = loadExpected();
    const configs = defaultMatrix().map((c) => {
      const p = parseConfig(c);
      if (!p.ok) throw new Error(JSON.stringify(p.issues));
      return p.config;
    });
    const names = configs.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    // Found by canonical key; the name each entry holds is the matrix's name for it.
    expect([...expected.entries.keys()].sort()).toEqual(configs.map((c) => c.key).sort());
    for (const c of configs) expect(expected.entries.get(c.key)?.name).toBe(c.name);
    const verdictsOf = (name: string) => configs.find((c) => c.name === name)?.key ?? '';
    expect(
      run()
        .json.runs.map((r) => r.config)
        .sort(),
    ).toEqual([...names].sort());
    const ids = PROPERTIES.map((p) => p.id).sort();
    for (const name of names)
      expect(Object.keys(expected.entries.get(verdictsOf(name))?.verdicts ?? {}).sort(), name).toEqual(ids);
    // And the run produced a verdict for each of them, the very one recorded.
    const got = new Map(run().json.results.map((r) => [`${r.config}\u0000${r.property}`, r.verdict]));
    expect(got.size).toBe(names.length * ids.length);
    for (const name of names)
      for (const id of ids)
        expect(got.get(`${name}\u0000${id}`), `${id} @ ${name}`).toBe(
          expected.entries.get(verdictsOf(name))?.verdicts[id],
        );
  });
});

describe('check --expect FILE', () => {
  /** The cheapest configuration with a violation in the matrix run, and that property. */
  function cheapestViolation(): { config: string; property: string; states: number } {
    const states = new Map(run().json.runs.map((r) => [r.config, r.states]));
    const violated = run()
      .json.results.filter((r) => r.verdict === 'violated')
      .map((r) => ({ config: r.config, property: r.property, states: states.get(r.config) ?? Infinity }))
      .sort((a, b) => a.states - b.states);
    const first = violated[0];
    if (first === undefined) throw new Error('no violation in the default matrix');
    return first;
  }

  it('a doctored expected file (one verdict flipped) makes the CLI exit 1, naming the configuration and the property', () => {
    const { config, property } = cheapestViolation();
    const doctored = readExpected(EXPECTED_PATH);
    const row = doctored.configurations.find((e) => e.name === config)?.verdicts;
    if (row === undefined) throw new Error(`no expected verdicts for '${config}'`);
    expect(row[property]).toBe('violated');
    row[property] = 'holds';
    const expectFile = join(dir, 'doctored-expected.json');
    writeFileSync(expectFile, `${JSON.stringify(doctored, null, 2)}\n`);
    const configFile = join(dir, 'one-config.json');
    writeFileSync(configFile, JSON.stringify(inputNamed(config)));
    // The matrix's result is reused: only that configuration and property are explored again.
    const r = spawnSync(
      process.execPath,
      [
        bin,
        'check',
        '--config',
        configFile,
        '--property',
        property,
        '--expect',
        expectFile,
        '--out',
        join(dir, 'cx-doctored'),
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.status, r.stderr).toBe(1);
    // The text is wrapped to the terminal's width: compared with the spaces and line breaks merged.
    const text = r.stdout.replace(/\s+/g, ' ');
    expect(text).toContain(`FAILED: 1 verdict differs from ${expectFile}`);
    expect(text).toContain(`${property} @ ${config}: expected holds, got violated`);
    expect(r.stderr).not.toMatch(/internal error/);
  });

  it('the same file undoctored: exit 0, and --record FILE --partial writes there, not to src/specs/expected.json', async () => {
    const { config, property } = cheapestViolation();
    const copy = join(dir, 'copy-expected.json');
    writeFileSync(copy, readFileSync(EXPECTED_PATH));
    const configFile = join(dir, 'one-config-copy.json');
    writeFileSync(configFile, JSON.stringify(inputNamed(config)));
    const args = ['--config', configFile, '--property', property, '--out', join(dir, 'cx-copy'), '--workers', '1'];
    const same = await cli(['check', ...args, '--expect', copy]);
    expect(same.code, same.err).toBe(0);
    expect(same.out.replace(/\s+/g, ' ')).toContain(`every verdict matches ${copy}`);

    const before = readFileSync(EXPECTED_PATH, 'utf8');
    const fresh = join(dir, 'recorded.json');
    const rec = await cli(['check', ...args, '--record', fresh, '--partial']);
    expect(rec.code, rec.err).toBe(0);
    expect(rec.out.replace(/\s+/g, ' ')).toContain(
      `recorded in ${fresh}: 1 verdict, 1 configuration new, 0 verdicts changed`,
    );
    expect(readFileSync(EXPECTED_PATH, 'utf8')).toBe(before);
    const p = parseConfig(inputNamed(config));
    if (!p.ok) throw new Error('invalid');
    expect(readExpected(fresh)).toEqual({
      configurations: [{ name: config, configuration: p.config.canonical, verdicts: { [property]: 'violated' } }],
    });
  });

  it('a bad --expect file: exit 2 before exploring, naming the file, the line and the field', async () => {
    const cases: { name: string; content: string; says: string[] }[] = [
      {
        name: 'bad-verdict.json',
        content:
          '{\n  "configurations": [\n    {"name": "x", "configuration": {},\n      "verdicts": {\n        "no-lost-dump": "maybe"\n      }\n    }\n  ]\n}\n',
        says: [":5: field 'configurations[0].verdicts.no-lost-dump'", '"holds"|"violated"|"incomplete"|"n/a"'],
      },
      {
        name: 'extra-key.json',
        content: '{\n  "configurations": [],\n  "verdicts": {}\n}\n',
        says: [":3: field 'verdicts'", 'Unrecognized key'],
      },
      { name: 'no-configurations.json', content: '{}\n', says: [":1: field 'configurations'"] },
      {
        name: 'unknown-property.json',
        content:
          '{"configurations": [\n{"name": "a", "configuration": {},\n"verdicts": {\n"no-such-property": "holds"}}]}\n',
        says: [":4: field 'configurations[0].verdicts.no-such-property'", "unknown property 'no-such-property'"],
      },
      {
        name: 'bad-configuration.json',
        content: '{"configurations": [\n{"name": "a", "configuration": {\n"memoryMib": 4096}, "verdicts": {}}]}\n',
        says: [
          ":3: field 'configurations[0].configuration.memoryMib'",
          "unknown key 'memoryMib': did you mean 'memoryMiB'?",
        ],
      },
      {
        name: 'twice.json',
        content:
          '{"configurations": [\n{"name": "a", "configuration": {}, "verdicts": {}},\n{"name": "b", "configuration": {"memoryMiB": 8192}, "verdicts": {}}]}\n',
        says: [":3: field 'configurations[1].configuration'", 'the same configuration as configurations[0]'],
      },
      { name: 'not-json.json', content: '{"configurations": [\n', says: [':2: not valid JSON'] },
    ];
    for (const c of cases) {
      const f = join(dir, c.name);
      writeFileSync(f, c.content);
      const t = performance.now();
      const r = await cli(['check', '--expect', f, '--out', join(dir, 'cx-bad')]);
      expect(r.code, `${c.name}: ${r.err}`).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toContain(f);
      for (const s of c.says) expect(r.err, c.name).toContain(s);
      expect(r.err).not.toMatch(/\n\s+at |internal error/);
      // Refused at the boundary: the default matrix was not explored first.
      expect(performance.now() - t).toBeLessThan(2000);
    }
    const missing = await cli(['check', '--expect', join(dir, 'no-such-file.json'), '--out', join(dir, 'cx-bad')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('no-such-file.json: cannot read (ENOENT)');
  });
});
