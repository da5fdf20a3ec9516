// Issue 16, "Say why, where users read": the wrong answers `check` gave, each with the input that
// showed it, run through main() as a user runs the CLI. Configurations are data (found by their
// canonical key, never by a display name that leaves settings out); a custom configuration's
// violations fail the run; --record writes only where it is told, and only whole property sets
// unless --partial; the text fits the terminal; every flag combination works or is refused.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main';
import { parseConfig } from '../src/config';
import { ExpectedFileSchema } from '../src/explore/expected';
import type { ConfigRun } from '../src/explore/check';
import { formatMatrix } from '../src/explore/format';
import { PROPERTIES } from '../src/specs/properties';

const EXPECTED_PATH = join(process.cwd(), 'src', 'specs', 'expected.json');

/** DLPAR impossible: the LPAR's bounds are its memory. Named "pseries at-registration fadump=on
 *  8G" before, and so judged against that matrix configuration's verdicts. */
const NO_DLPAR = {
  platform: 'pseries',
  elfcorehdr: 'at-registration',
  memoryMiB: 8192,
  minMemoryMiB: 8192,
  maxMemoryMiB: 8192,
};

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fadump-check-cli-'));
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});
const savedColumns = process.env.COLUMNS;
afterEach(() => {
  if (savedColumns === undefined) delete process.env.COLUMNS;
  else process.env.COLUMNS = savedColumns;
});

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

let n = 0;
function file(content: unknown): string {
  const f = join(dir, `config-${++n}.json`);
  writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return f;
}
const out = () => join(dir, `cx-${++n}`);

interface Json {
  results: { property: string; config: string; configuration: Record<string, unknown>; verdict: string }[];
  runs: { config: string; configuration: Record<string, unknown> }[];
  mismatches: { config: string; property: string; expected: string | null; got: string }[];
  unrecorded: string[];
  coverage?: { actor: string; states: { reached: number; total: number } }[];
}

describe('false regressions: expected verdicts are found by the whole configuration, not by a name', () => {
  it('DLPAR impossible (min = max = memory) is its own configuration: not judged against "pseries at-registration fadump=on 8G"', async () => {
    const r = await cli([
      'check',
      '--config',
      file(NO_DLPAR),
      '--property',
      'accurate-vmcore',
      '--workers',
      '1',
      '--out',
      out(),
    ]);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).not.toContain('expected violated, got holds');
    expect(r.out).toContain('pseries at-registration fadump=on 8G minMemoryMiB=8192 maxMemoryMiB=8192');
    expect(r.out).toMatch(/no expected verdicts recorded in src\/specs\/expected\.json for one configuration/);
    expect(r.out).not.toContain('every verdict matches');
  });

  it('lmbMiB 1024 is its own configuration too', async () => {
    const r = await cli([
      'check',
      '--config',
      file({ platform: 'pseries', elfcorehdr: 'at-registration', memoryMiB: 8192, lmbMiB: 1024 }),
      '--property',
      'no-lost-dump',
      '--workers',
      '1',
      '--json',
      '--out',
      out(),
    ]);
    const j = JSON.parse(r.out) as Json;
    expect(j.runs.map((x) => x.config)).toEqual(['pseries at-registration fadump=on 8G lmbMiB=1024']);
    expect(j.mismatches).toEqual([]);
    expect(j.unrecorded).toEqual(['pseries at-registration fadump=on 8G lmbMiB=1024']);
    expect(r.code).toBe(0);
  });

  it('the matrix configuration spelt another way (defaults and the implied kernel written out) is found and judged', async () => {
    const r = await cli([
      'check',
      '--config',
      file({ elfcorehdr: 'at-registration', fadump: 'on', kernel: '6.9', memoryMiB: 8192, minMemoryMiB: 7680 }),
      '--property',
      'accurate-vmcore',
      '--workers',
      '1',
      '--out',
      out(),
    ]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^pseries at-registration fadump=on 8G +[\d,]+ +FAIL$/m);
    expect(r.out).toContain('every verdict matches src/specs/expected.json');
  });

  it("a custom name equal to a matrix name does not borrow that configuration's verdicts: the default configuration so named is judged as itself", async () => {
    const r = await cli([
      'check',
      '--config',
      file({ name: 'pseries at-registration fadump=on 8G', elfcorehdr: 'in-capture-kernel' }),
      '--property',
      'accurate-vmcore',
      '--workers',
      '1',
      '--json',
      '--out',
      out(),
    ]);
    const j = JSON.parse(r.out) as Json;
    // Its accurate-vmcore holds, as recorded for "pseries in-capture-kernel fadump=on 8G"; the
    // matrix's "pseries at-registration fadump=on 8G" expects it violated.
    expect(j.results.map((x) => x.verdict)).toEqual(['holds']);
    expect(j.mismatches).toEqual([]);
    expect(j.unrecorded).toEqual([]);
    expect(r.code).toBe(0);
  });

  it('--record FILE on such a file adds its own entry and leaves the matrix entry as it was', async () => {
    const project = readFileSync(EXPECTED_PATH, 'utf8');
    const copy = join(dir, 'copy.json');
    copyFileSync(EXPECTED_PATH, copy);
    const before = ExpectedFileSchema.parse(JSON.parse(readFileSync(copy, 'utf8')));
    const r = await cli(['check', '--config', file(NO_DLPAR), '--record', copy, '--workers', '1', '--out', out()]);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out.replace(/\s+/g, ' ')).toContain(
      `recorded in ${copy}: ${PROPERTIES.length} verdicts, 1 configuration new, 0 verdicts changed`,
    );
    const after = ExpectedFileSchema.parse(JSON.parse(readFileSync(copy, 'utf8')));
    expect(after.configurations).toHaveLength(before.configurations.length + 1);
    for (const e of before.configurations) expect(after.configurations).toContainEqual(e);
    const added = after.configurations.find((e) => e.name.includes('minMemoryMiB'));
    expect(added?.configuration).toEqual({
      elfcorehdr: 'at-registration',
      minMemoryMiB: 8192,
      maxMemoryMiB: 8192,
    });
    expect(added?.verdicts['accurate-vmcore']).toBe('holds');
    // The project's own file is written only when named.
    expect(readFileSync(EXPECTED_PATH, 'utf8')).toBe(project);
  });

  it('--record with a subset of the properties is refused (exit 2, before exploring) unless --partial', async () => {
    const target = join(dir, 'partial.json');
    const args = ['check', '--config', file(NO_DLPAR), '--property', 'no-lost-dump', '--workers', '1'];
    const refused = await cli([...args, '--record', target, '--out', out()]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(
      `--record: only 1 of the ${PROPERTIES.length} properties is checked (--property); recording them would leave the others unrecorded. Add --partial`,
    );
    const partial = await cli([...args, '--record', target, '--partial', '--out', out()]);
    expect(partial.code, partial.err).toBe(0);
    expect(ExpectedFileSchema.parse(JSON.parse(readFileSync(target, 'utf8'))).configurations[0]?.verdicts).toEqual({
      'no-lost-dump': 'holds',
    });
    // A later full run judges what is recorded; the properties not recorded are not "expected (nothing)".
    const full = await cli(['check', '--config', file(NO_DLPAR), '--expect', target, '--workers', '1', '--out', out()]);
    expect(full.out).not.toContain('expected (nothing)');
  });

  it("the issue's input, check --record --config mine.json --property no-lost-dump: exit 2, src/specs/expected.json untouched", async () => {
    const before = readFileSync(EXPECTED_PATH, 'utf8');
    const r = await cli([
      'check',
      '--record',
      '--config',
      file(NO_DLPAR),
      '--property',
      'no-lost-dump',
      '--out',
      out(),
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("'--config' looks like a flag: --record needs a value of its own (--record FILE)");
    expect(readFileSync(EXPECTED_PATH, 'utf8')).toBe(before);
  });

  it.each([
    [['check', '--out', '--json'], '--out needs a value of its own (--out DIR)'],
    [['check', '--max-states', '--json'], '--max-states needs a value of its own (--max-states N)'],
    [['paths', '--format', '--out'], '--format needs a value of its own (--format FORMAT)'],
  ])('%j: the value the flag takes is named', async (args, says) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(says);
  });

  it('--record needs a file: bare --record is exit 2 (the project file is written only as --record src/specs/expected.json)', async () => {
    const r = await cli(['check', '--config', file(NO_DLPAR), '--record']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("option '--record <file>' argument missing");
  });
});

describe('silent violations: a configuration with nothing recorded fails on a violation', () => {
  it('exit 1, FAILED with each violation named, and never "every verdict matches"', async () => {
    // (A custom name on a matrix configuration is that configuration: judged by its verdicts.)
    const r = await cli([
      'check',
      '--config',
      file([
        { platform: 'pseries', elfcorehdr: 'at-registration', memoryMiB: 2048, name: 'mine 2G' },
        { platform: 'pseries', elfcorehdr: 'at-registration', memoryMiB: 16384, name: 'mine 16G' },
      ]),
      '--property',
      'accurate-vmcore',
      'always-ready-after-hotplug',
      '--workers',
      '1',
      '--out',
      out(),
    ]);
    expect(r.code).toBe(1);
    expect(r.out.replace(/\s+/g, ' ')).toContain('FAILED: 4 violations with no expected verdict recorded');
    expect(r.out).toContain('accurate-vmcore @ mine 2G: violated, nothing recorded');
    expect(r.out).not.toContain('every verdict matches');
  });
});

describe('output for a terminal of $COLUMNS (100 when unknown)', () => {
  const three = [4096, 8192, 32768].map((memoryMiB) => ({ elfcorehdr: 'at-registration', memoryMiB }));

  for (const columns of ['80', undefined]) {
    it(`every line fits ${columns ?? '100'} columns but for a lone file path; the legend holds every sentence whole`, async () => {
      if (columns === undefined) delete process.env.COLUMNS;
      else process.env.COLUMNS = columns;
      const width = Number(columns ?? '100');
      const r = await cli(['check', '--config', file(three), '--workers', '1', '--out', out()]);
      const lines = r.out.split('\n');
      expect(lines.filter((l) => l.length > width && l.trim().includes(' '))).toEqual([]);
      const text = r.out.replace(/\s+/g, ' ');
      for (const p of PROPERTIES) expect(text).toContain(`${p.id}: ${p.sentence.replace(/\s+/g, ' ')}`);
      // P1.. are mapped to ids in the legend.
      expect(r.out).toMatch(/^ {2}P1 +no-lost-dump: /m);
    });
  }

  it('the same counterexample in 4G, 8G and 32G is listed once, naming the three configurations', async () => {
    const r = await cli([
      'check',
      '--config',
      file(three),
      '--property',
      'accurate-vmcore',
      '--workers',
      '1',
      '--out',
      out(),
    ]);
    expect(r.code).toBe(0);
    expect(r.out.match(/^ {2}accurate-vmcore \(P2\): boot -> hotplug add 1 -> crash$/gm)).toHaveLength(1);
    expect(r.out.replace(/\s+/g, ' ')).toContain(
      'in 3 configurations: pseries at-registration fadump=on 4G; pseries at-registration fadump=on 8G; pseries at-registration fadump=on 32G',
    );
    expect(r.out).toMatch(/^ {4}why: .+$/m);
    // Whole, to be copied: on one line, or broken with a shell line continuation before the file.
    expect(r.out).toMatch(
      /npx fadump-model replay (\\\n +)?\S+pseries_at-registration_fadump=on_4G__accurate-vmcore\.jsonl/,
    );
  });

  it('a line per finished configuration on stderr when stderr is not a terminal', async () => {
    const r = await cli([
      'check',
      '--config',
      file(three),
      '--property',
      'no-lost-dump',
      '--workers',
      '2',
      '--out',
      out(),
    ]);
    expect(r.err).toContain('check: exploring 3 configurations, 1 property');
    for (const name of ['4G', '8G', '32G'])
      expect(r.err).toMatch(new RegExp(`check: \\[\\d/3\\] pseries at-registration fadump=on ${name}: [\\d,]+ states`));
  });
});

describe('flag combinations: each works, or is refused with exit 2 and a message', () => {
  it('--config A --config B: both files are checked', async () => {
    const r = await cli([
      'check',
      '--config',
      file({ memoryMiB: 4096 }),
      '--config',
      file({ memoryMiB: 32768 }),
      '--property',
      'no-lost-dump',
      '--json',
      '--workers',
      '1',
      '--out',
      out(),
    ]);
    expect(r.code, r.err).toBe(0);
    expect((JSON.parse(r.out) as Json).runs.map((x) => x.config).sort()).toEqual([
      'pseries in-capture-kernel fadump=on 32G',
      'pseries in-capture-kernel fadump=on 4G',
    ]);
  });

  it('--config A --config B with one name in both: exit 2 naming both files', async () => {
    const a = file({ memoryMiB: 4096 });
    const b = file({ memoryMiB: 4096, platform: 'pseries' });
    const r = await cli(['check', '--config', a, '--config', b, '--out', out()]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${b}:1: field '(config)': the same configuration as ${a}`);
  });

  it('--json --coverage: the coverage is in the JSON', async () => {
    const r = await cli([
      'check',
      '--config',
      file({ fadump: 'off' }),
      '--json',
      '--coverage',
      '--workers',
      '1',
      '--out',
      out(),
    ]);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as Json;
    expect(j.coverage?.length).toBeGreaterThan(3);
    expect(j.coverage?.[0]?.states.total).toBeGreaterThan(0);
  });

  it('--json: every result carries the full configuration, which given back is the same configuration', async () => {
    const r = await cli([
      'check',
      '--config',
      file(NO_DLPAR),
      '--property',
      'no-lost-dump',
      '--json',
      '--workers',
      '1',
      '--out',
      out(),
    ]);
    const j = JSON.parse(r.out) as Json;
    const c = j.results[0]?.configuration ?? {};
    expect(c).toMatchObject({ platform: 'pseries', kernel: '6.9', minMemoryMiB: 8192, lmbMiB: 256, nrCpus: 2048 });
    const again = parseConfig(c);
    const first = parseConfig(NO_DLPAR);
    expect(again.ok && first.ok && again.config.key === first.config.key).toBe(true);
    expect(again.ok && again.config.name).toBe(j.results[0]?.config);
  });

  it.each([
    [['--partial'], '--partial: only with --record FILE'],
    [['--record', 'x.json', '--expect', EXPECTED_PATH], '--record x.json and --expect'],
    [['--expect', EXPECTED_PATH, '--expect', EXPECTED_PATH], '--expect given twice'],
    [['--record', join('no-such-folder', 'x.json')], "the folder 'no-such-folder' does not exist"],
  ])('check %j: exit 2', async (args, says) => {
    const r = await cli(['check', '--config', file(NO_DLPAR), ...args, '--out', out()]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(says);
  });

  it('report --out FILE where FILE exists: exit 2 with a message, not an internal error', async () => {
    const f = join(dir, 'a-file');
    writeFileSync(f, 'x');
    const r = await cli(['report', '--out', f, '--config', file({ fadump: 'off' })]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--out: '${f}' is a file, not a folder`);
    expect(r.err).not.toContain('internal error');
  });

  it('paths --config A --config B: refused, paths takes one file', async () => {
    const r = await cli(['paths', '--config', file({}), '--config', file({}), '--out', out()]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--config given twice');
  });
});

describe('a misspelt configuration key', () => {
  it('memoryMib: did you mean memoryMiB?', async () => {
    const f = file('{\n  "platform": "pseries",\n  "memoryMib": 4096\n}\n');
    const r = await cli(['check', '--config', f, '--out', out()]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${f}:3: field 'memoryMib': unknown key 'memoryMib': did you mean 'memoryMiB'?`);
  });

  it('captureKernel.endianess: did you mean endianness? A key like nothing known lists the keys', async () => {
    const f = file({ captureKernel: { endianess: 'swapped' }, colour: 'blue' });
    const r = await cli(['check', '--config', f, '--out', out()]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown key 'endianess': did you mean 'endianness'?");
    expect(r.err).toContain("unknown key 'colour' (known: mechanism, platform,");
  });

  it('memoryHolesMiB[0].startMib: did you mean startMiB? A key like nothing known lists the entry keys', async () => {
    const f = file({
      memoryHolesMiB: [
        { startMib: 256, sizeMiB: 256 },
        { startMiB: 1024, sizeMiB: 256, colour: 1 },
      ],
    });
    const r = await cli(['check', '--config', f, '--out', out()]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("field 'memoryHolesMiB.0.startMib': unknown key 'startMib': did you mean 'startMiB'?");
    expect(r.err).toContain("unknown key 'colour' (known: startMiB, sizeMiB)");
  });
});

describe('README "The CLI" documents every flag of every command and every configuration key', () => {
  const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
  const cliSection = readme.slice(readme.indexOf('## The CLI'), readme.indexOf('## How it is built'));
  const commands = ['replay', 'check', 'diagrams', 'report', 'compare', 'paths', 'conform', 'replay-examples'];

  it.each(commands)('%s: every flag of its --help is in the README', async (command) => {
    const help = await cli([command, '--help']);
    expect(help.code).toBe(0);
    const flags = [...new Set(help.out.match(/--[a-z][a-z-]+/g) ?? [])].filter((f) => f !== '--help');
    expect(flags.length).toBeGreaterThan(0);
    for (const f of flags) expect(cliSection, `${command} ${f}`).toContain(`\`${f}`);
  });

  it('every configuration key, name included', async () => {
    const { ConfigSchema } = await import('../src/config');
    for (const key of Object.keys(ConfigSchema.shape)) expect(cliSection, key).toContain(`\`${key}\``);
  });
});

describe('paths --out FILE', () => {
  it('an existing file: exit 2 with a message, not an internal error', async () => {
    const f = join(dir, 'paths-file');
    writeFileSync(f, 'x');
    const r = await cli(['paths', '--config', file({ fadump: 'off' }), '--out', f]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--out: '${f}' is a file, not a folder`);
  });
});

describe('--record after an exploration stopped part-way', () => {
  it('records nothing, says why, exit 2; with --partial it records the "incomplete" verdicts', async () => {
    const target = join(dir, 'stopped.json');
    const args = [
      'check',
      '--config',
      file({ memoryMiB: 2048 }),
      '--max-states',
      '30',
      '--workers',
      '1',
      '--record',
      target,
    ];
    const refused = await cli([...args, '--out', out()]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(`--record: nothing recorded in ${target}: 1 configuration stopped part-way`);
    expect(() => readFileSync(target)).toThrow();
    const partial = await cli([...args, '--partial', '--out', out()]);
    expect(partial.code, partial.err).toBe(0);
    const recorded = ExpectedFileSchema.parse(JSON.parse(readFileSync(target, 'utf8')));
    expect(Object.values(recorded.configurations[0]?.verdicts ?? {})).toContain('incomplete');
  });

  it('a flag given twice is refused, not silently replaced: --out, --max-states, --workers', async () => {
    for (const flag of ['--out', '--max-states', '--workers']) {
      const r = await cli(['check', flag, '1', flag, '2']);
      expect(r.code, flag).toBe(2);
      expect(r.err).toContain(`${flag} given twice`);
    }
  });
});

describe('property labels: Pn is the place in PROPERTIES, whatever --property selects', () => {
  const p2 = PROPERTIES[1]?.id ?? '';
  const eight = { elfcorehdr: 'at-registration', memoryMiB: 8192 };

  it.each([['accurate-vmcore'], ['P2'], ['p2']])(
    'check --property %s: accurate-vmcore is P2 in the header, the legend and the violations',
    async (given) => {
      expect(p2).toBe('accurate-vmcore');
      const r = await cli(['check', '--config', file(eight), '--property', given, '--workers', '1', '--out', out()]);
      expect(r.code, r.out + r.err).toBe(0);
      expect(r.out).toMatch(/^configuration +states +P2$/m);
      expect(r.out).toMatch(/^ {2}P2 +accurate-vmcore: /m);
      expect(r.out).toMatch(/^ {2}accurate-vmcore \(P2\): /m);
      expect(r.out).not.toMatch(/\bP1\b/);
    },
  );

  it('--property acurate-vmcore: exit 2, did you mean accurate-vmcore?', async () => {
    const r = await cli(['check', '--config', file(eight), '--property', 'acurate-vmcore', '--out', out()]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--property: unknown property 'acurate-vmcore': did you mean 'accurate-vmcore'?");
  });

  it(`--property P99: exit 2, the columns are P1 to P${PROPERTIES.length}`, async () => {
    const r = await cli(['check', '--config', file(eight), '--property', 'P99', '--out', out()]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--property: no column P99: the properties are P1 to P${PROPERTIES.length}`);
  });
});

describe('one configuration twice under two names (the same canonical key) is refused', () => {
  it('check --config mine.json --config same.json --record out.json: exit 2 naming both, nothing recorded', async () => {
    const mine = file('{\n  "elfcorehdr": "at-registration",\n  "memoryMiB": 8192,\n  "name": "mine"\n}\n');
    const same = file({ platform: 'pseries', kernel: '6.9', elfcorehdr: 'at-registration', memoryMiB: 8192 });
    const target = join(dir, 'twice.json');
    const r = await cli(['check', '--config', mine, '--config', same, '--record', target, '--out', out()]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      `${same}:1: field '(config)': 'pseries at-registration fadump=on 8G' is the same configuration as ${mine}:1 ('mine'), its settings spelt another way`,
    );
    expect(() => readFileSync(target)).toThrow();
  });

  it('within one file: exit 2 naming both entries by line and name', async () => {
    const f = file([
      { elfcorehdr: 'at-registration', memoryMiB: 4096, name: 'first' },
      { elfcorehdr: 'at-registration', memoryMiB: 4096, fadump: 'on', name: 'second' },
    ]);
    const r = await cli(['check', '--config', f, '--out', out()]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      `${f}:7: field '[1]': 'second' is the same configuration as ${f}:2 [0] ('first'), its settings spelt another way`,
    );
  });
});

describe('an exploration stopped at --max-states: incomplete verdicts are not a regression', () => {
  it('check --config m.json --max-states 50: exit 1, "17 verdicts incomplete", never "a regression" nor the project file as a --record hint', async () => {
    const r = await cli([
      'check',
      '--config',
      file({ elfcorehdr: 'at-registration', memoryMiB: 8192 }),
      '--max-states',
      '50',
      '--workers',
      '1',
      '--out',
      out(),
    ]);
    expect(r.code, r.out + r.err).toBe(1);
    const text = r.out.replace(/\s+/g, ' ');
    expect(text).toMatch(
      /NOT CONFIRMED: \d+ verdicts incomplete: the exploration stopped at --max-states 50 before deciding them; give more states or --max-memory\./,
    );
    expect(text).toContain('pseries at-registration fadump=on 8G: no-lost-dump, no-second-reboot,');
    expect(r.out).not.toContain('FAILED');
    expect(r.out).not.toContain('a regression');
    expect(r.out).not.toContain('got incomplete');
    expect(r.out).not.toContain('--record src/specs/expected.json');
  });

  it("a verdict that differs from the project file in a custom run points to a file of the user's own", () => {
    const run = { config: 'mine', results: [], states: 1, edges: 0, seconds: 0 } as unknown as ConfigRun;
    const judgement = {
      file: 'src/specs/expected.json',
      mismatches: [{ config: 'mine', property: 'no-lost-dump', expected: 'holds' as const, got: 'violated' as const }],
      unrecorded: [],
      recordHint: 'in a file of your own: --record FILE, then --expect FILE',
    };
    const text = formatMatrix([run], new Map(), judgement).replace(/\s+/g, ' ');
    expect(text).toContain(
      'FAILED: 1 verdict differs from src/specs/expected.json (a regression, or a fix to record in a file of your own: --record FILE, then --expect FILE):',
    );
    expect(text).not.toContain('--record src/specs/expected.json');
  });
});

describe('plurals: one of a thing is singular', () => {
  it('check --config one.json --max-states 50: "1 configuration", never "1 configurations" (nor states, transitions)', async () => {
    const r = await cli([
      'check',
      '--config',
      file({ memoryMiB: 2048 }),
      '--property',
      'no-lost-dump',
      '--max-states',
      '1',
      '--workers',
      '1',
      '--out',
      out(),
    ]);
    const text = r.out.replace(/\s+/g, ' ');
    expect(text).toMatch(/ 1 configuration, [\d,]+ states?, [\d,]+ transitions? explored/);
    expect(text).not.toMatch(/\b1 (configurations|states|transitions|verdicts|properties)\b/);
    expect(text).toContain('for one configuration (or some of its properties)');
  });
});

describe('COLUMNS=60 (and narrower): every line fits but for a single word longer than a line', () => {
  for (const columns of [60, 30, 20]) {
    it(`COLUMNS=${columns} check --config two.json --coverage: the legend header, the matrix, the violations, the replay commands and the coverage fit`, async () => {
      process.env.COLUMNS = String(columns);
      const r = await cli([
        'check',
        '--config',
        file([4096, 8192].map((memoryMiB) => ({ elfcorehdr: 'at-registration', memoryMiB }))),
        '--coverage',
        '--workers',
        '1',
        '--out',
        out(),
      ]);
      expect(r.code, r.err).toBe(0);
      const lines = r.out.split('\n');
      expect(lines.filter((l) => l.length > columns && l.trim().includes(' '))).toEqual([]);
      const text = r.out.replace(/\s+/g, ' ');
      expect(text).toContain('properties (ok holds, FAIL violated, ? incomplete, - not applicable):');
      // The replay command still runs when copied: continued lines end with a backslash.
      expect(r.out.replace(/ \\\n +/g, ' ')).toMatch(/npx fadump-model replay \S+__accurate-vmcore\.jsonl/);
    });
  }
});

describe('--out DIR holds the counterexamples of the last run that checked them', () => {
  const input = (elfcorehdr: string) => ({ platform: 'pseries', elfcorehdr, memoryMiB: 2048, name: 'mine' });
  /** check of always-ready-after-hotplug on 'mine' (2 GiB, the elfcorehdr built as given), into cx. */
  const check = (cx: string, elfcorehdr: string, extra: string[] = []) =>
    cli([
      'check',
      '--config',
      file(input(elfcorehdr)),
      '--property',
      'always-ready-after-hotplug',
      '--workers',
      '1',
      '--out',
      cx,
      ...extra,
    ]);

  it('a log an earlier run left is removed once its property holds in that configuration, and said so; every other file stays', async () => {
    const cx = out();
    const run = (elfcorehdr: string, extra: string[] = []) => check(cx, elfcorehdr, extra);
    const log = join(cx, 'mine__always-ready-after-hotplug.jsonl');
    // At registration the elfcorehdr goes stale after a hot-plug: a counterexample is written.
    expect((await run('at-registration')).code).toBe(1);
    const written = readFileSync(log, 'utf8');
    expect(written).toContain('memory-hotplug');
    // Another configuration under the same name, where the property holds: the log is not its.
    expect((await run('in-capture-kernel')).out).not.toContain('removed');
    expect(readFileSync(log, 'utf8')).toBe(written);
    // As if an earlier model had found this configuration's property violated: its log.
    const stale = written.replace(/^.*\n/, `${JSON.stringify({ config: input('in-capture-kernel') })}\n`);
    writeFileSync(log, stale);
    writeFileSync(join(cx, 'notes.txt'), 'mine\n');
    writeFileSync(join(cx, 'mine__accurate-vmcore.jsonl'), stale);
    // Stopped part-way: no verdict contradicts the log, which stays.
    const stopped = await run('in-capture-kernel', ['--max-states', '50']);
    expect(stopped.out).not.toContain('removed');
    expect(existsSync(log)).toBe(true);
    // Explored to the end, the property holds: the log would read as a violation.
    const r = await run('in-capture-kernel', ['--json']);
    expect(r.code, r.err).toBe(0);
    expect((JSON.parse(r.out) as { removedCounterexamples: string[] }).removedCounterexamples).toEqual([log]);
    expect(existsSync(log)).toBe(false);
    // A property this run does not check, and the user's file, stay.
    expect(readdirSync(cx).sort()).toEqual(['mine__accurate-vmcore.jsonl', 'notes.txt']);
    // A FIFO of that name is no file the tool wrote: left as it is, without opening it (that would
    // wait for a writer), and the results are printed.
    expect(spawnSync('mkfifo', [log]).status).toBe(0);
    const fifo = await run('in-capture-kernel');
    expect(fifo.code, fifo.err).toBe(0);
    expect(fifo.out).not.toContain('removed');
    rmSync(log);
    // The text says which file went.
    writeFileSync(log, stale);
    const text = (await run('in-capture-kernel')).out.replace(/\s+/g, ' ');
    expect(text).toContain(
      `removed 1 counterexample an earlier run wrote, whose property holds or does not apply now: ${log}`,
    );
  });

  it('a folder where a counterexample goes: the log gets -2, the results are printed', async () => {
    const cx = out();
    mkdirSync(join(cx, 'mine__always-ready-after-hotplug.jsonl'), { recursive: true });
    const r = await check(cx, 'at-registration');
    expect(r.code, r.err).toBe(1);
    expect(readFileSync(join(cx, 'mine__always-ready-after-hotplug-2.jsonl'), 'utf8')).toContain('memory-hotplug');
  });
});
