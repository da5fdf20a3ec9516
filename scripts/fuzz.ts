// Property-based fuzzing (fast-check) of the input boundary and the fold:
//  - the log parser: arbitrary bytes and lines, never throw anything but LogError;
//  - the sysfs write handlers, through the model: every string written to every path, from any
//    reachable state, is accepted, answered with an errno, or explicitly ignored, never a throw;
//  - the fold: every sequence of valid events replays without a throw, and replaying the same log
//    twice gives the same output (text and JSON, whole and streamed).
// test/fuzz.test.ts runs these with a fixed seed and a modest count; the larger run is
//   npx tsx scripts/fuzz.ts [--runs N] [--seed S]
import fc from 'fast-check';
import { pathToFileURL } from 'node:url';
import { createSystem, type System, type SystemState } from '../machines/system';
import { config as makeConfig, type Config, type ConfigInput } from '../src/config';
import { EXTERNAL_EVENT_NAMES, ExternalEventSchema, toMachineEvent, type ExternalEvent } from '../src/events';
import { alphabet } from '../src/explore/alphabet';
import { formatReplay, replayJson, replayJsonChunks } from '../src/log/format';
import { formatLog, LogError, parseLog } from '../src/log/parse';
import { parseLogBytes } from '../src/log/read';
import { replay, replaySteps } from '../src/log/replay';
import { ALIASES, FILES, storeOutcome } from '../src/sysfs/store';
import { wholeNumberArg } from '../src/util/args';

// ---------------------------------------------------------------------------------------------
// Generators

const HEADER = '{"config": {"platform": "pseries", "memoryMiB": 8192}}';

/** Every file the model knows, the deprecated symlinks, near misses and garbage. */
export const pathArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...Object.values(FILES), ...Object.keys(ALIASES)) },
  fc.constantFrom(
    '/sys/kernel/fadump',
    '/sys/kernel/fadump/',
    '/sys/kernel/fadump/registered/',
    '/sys/kernel/fadump//registered',
    '/sys/kernel/fadump/../fadump/registered',
    '/proc/vmcore',
    '/',
    '.',
  ),
  fc.string({ minLength: 1, maxLength: 40 }).map((s) => `/sys/kernel/fadump/${s}`),
  fc.string({ minLength: 1, maxLength: 60, unit: 'binary' }),
);

/** What a user might write: numbers in every base, echo's newline, NULs, long strings. */
export const valueArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '0',
    '1',
    '0\n',
    '1\n',
    '2\n',
    '-1\n',
    '0x1\n',
    '01\n',
    '1\n\n',
    ' 1\n',
    '',
    '\n',
    '\0',
    '1\0garbage',
    'nr_cpus=16\n',
    'x\n',
  ),
  fc.integer().map((n) => `${n}\n`),
  fc.string({ maxLength: 40 }),
  fc.string({ maxLength: 40, unit: 'binary' }),
  fc.integer({ min: 1, max: 5000 }).map((n) => 'a'.repeat(n)),
);

/** Any valid external event (the schema decides: candidates it rejects are dropped). */
export const eventArb: fc.Arbitrary<ExternalEvent> = fc
  .oneof(
    fc.constantFrom(...EXTERNAL_EVENT_NAMES).map((event): unknown => ({ event })),
    fc.record({ event: fc.constant('write'), path: pathArb, value: valueArb }),
    fc.record({
      event: fc.constant('memory-hotplug'),
      action: fc.constantFrom('add', 'remove'),
      lmbs: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4096 })),
    }),
    fc.record({
      event: fc.constant('firmware-error'),
      call: fc.constantFrom('register', 'unregister', 'preserve'),
      rc: fc.oneof(
        fc.integer({ min: -9999, max: 9999 }),
        fc.constantFrom('OPAL_RESOURCE', 'OPAL_HARDWARE', 'OPAL_PARAMETER'),
      ),
    }),
  )
  .map((c) => ExternalEventSchema.safeParse(c))
  .filter((r) => r.success)
  .map((r) => {
    if (!r.success) throw new Error('unreachable');
    return r.data;
  });

/** Configurations the fold is fuzzed on: both platforms, both generations, faults, fadump=off. */
export const FUZZ_CONFIGS: readonly ConfigInput[] = [
  { platform: 'pseries' },
  { platform: 'pseries', elfcorehdr: 'at-registration', faults: true },
  { platform: 'pseries', fadump: 'nocma', crashkernel: '1G' },
  { platform: 'pseries', fadump: 'off' },
  { platform: 'pseries', registerAtBoot: false, registeredWrite: 'eexist', captureKernel: { endianness: 'swapped' } },
  { platform: 'powernv', memoryMiB: 16384, faults: true },
  { platform: 'powernv', memoryMiB: 16384, petitbootPreservesDump: false, elfcorehdr: 'at-registration' },
];

/** A JSONL line: a valid event, one with a field broken, random JSON, or random text. */
const lineArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: eventArb.map((e) => JSON.stringify(e)) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(eventArb, fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }))
      .map(([e, k, v]) => JSON.stringify({ ...e, [k]: v })),
  },
  { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 60, unit: 'binary' }) },
  {
    weight: 1,
    arbitrary: eventArb.chain((e) => {
      const s = JSON.stringify(e);
      return fc.nat({ max: s.length }).map((n) => s.slice(0, n));
    }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '\r',
      '\uFEFF',
      '{}',
      '[]',
      'null',
      '{"event":"boot","event":"crash"}',
      '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]',
      HEADER,
    ),
  },
);

const eolArb = fc.constantFrom('\n', '\r\n', '\r', '\n\n');

/** A log text: a header (valid, broken or missing), then lines with mixed line ends. */
export const logTextArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(
      { weight: 4, arbitrary: fc.constant(HEADER) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '{"config": null}',
          '{"config": {"colour": 1}}',
          '{"config": {"fadump": "nocma", "fadump": "off"}}',
          '{"event": "boot"}',
          '',
        ),
      },
      { weight: 1, arbitrary: lineArb },
    ),
    fc.array(fc.tuple(lineArb, eolArb), { maxLength: 12 }),
    fc.boolean(),
  )
  .map(([h, lines, bom]) => `${bom ? '\uFEFF' : ''}${h}\n${lines.map(([l, e]) => l + e).join('')}`);

// ---------------------------------------------------------------------------------------------
// Properties

/** Anything that is not a LogError escaping the parser is a bug. */
function onlyLogError(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (e instanceof LogError) {
      // Every problem names a line within the text (or none, for the whole file) and says something.
      for (const p of e.problems) {
        if (p.message.length === 0) throw new Error('a LogError problem without a message', { cause: e });
        if (p.line !== null && (!Number.isInteger(p.line) || p.line < 1))
          throw new Error(`a LogError problem at line ${p.line}`, { cause: e });
      }
      return;
    }
    throw e;
  }
}

/** The parser on any text and on any bytes (through the UTF-8 check readLogFile does). */
export function parserProperties(): fc.IPropertyWithHooks<never>[] {
  return [
    fc.property(logTextArb, (text) => onlyLogError(() => parseLog(text, 'fuzz.jsonl'))) as fc.IPropertyWithHooks<never>,
    fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) =>
      onlyLogError(() => parseLog(text, 'fuzz.jsonl')),
    ) as fc.IPropertyWithHooks<never>,
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) =>
      onlyLogError(() => parseLogBytes(bytes, 'fuzz.jsonl')),
    ) as fc.IPropertyWithHooks<never>,
    fc.property(logTextArb, fc.uint8Array({ maxLength: 8 }), fc.nat(), (text, junk, at) => {
      // A valid-ish log with a few random bytes spliced in.
      const bytes = Buffer.from(text, 'utf8');
      const k = bytes.length === 0 ? 0 : at % bytes.length;
      onlyLogError(() => parseLogBytes(Buffer.concat([bytes.subarray(0, k), junk, bytes.subarray(k)]), 'fuzz.jsonl'));
    }) as fc.IPropertyWithHooks<never>,
  ];
}

interface Reached {
  config: Config;
  system: System;
  state: SystemState;
}

const systems = new Map<ConfigInput, { config: Config; system: System; letters: ExternalEvent[] }>();
function systemFor(input: ConfigInput) {
  let s = systems.get(input);
  if (s === undefined) {
    const config = makeConfig(input);
    s = { config, system: createSystem(config), letters: alphabet(config) };
    systems.set(input, s);
  }
  return s;
}

/** A reachable state: a configuration, boot, and a random walk over its exploration alphabet. */
const reachedArb: fc.Arbitrary<Reached> = fc
  .tuple(fc.constantFrom(...FUZZ_CONFIGS), fc.array(fc.nat(), { maxLength: 8 }))
  .map(([input, walk]) => {
    const { config, system, letters } = systemFor(input);
    // Mostly from a running system: power on first.
    let state = system.step(system.initial(), { type: 'boot' }).state;
    for (const k of walk) {
      const e = letters[k % letters.length];
      if (e !== undefined) state = system.step(state, toMachineEvent(e)).state;
    }
    return { config, system, state };
  });

/** How the fuzzed writes were answered (accepted, -EINVAL, ..., ignored): the fuzz reaches them all. */
export const writeOutcomes = new Map<string, number>();

/** The sysfs write handlers, alone and through the model. */
export function writeProperties(): fc.IPropertyWithHooks<never>[] {
  const view = fc.record({
    enabled: fc.boolean(),
    dumpActive: fc.boolean(),
    registered: fc.boolean(),
    eexistOnReregister: fc.boolean(),
    cmdlineLength: fc.integer({ min: 0, max: 4096 }),
    opalCore: fc.constantFrom<'present' | 'released' | null>('present', 'released', null),
  });
  return [
    fc.property(view, pathArb, valueArb, (v, path, value) => {
      const o = storeOutcome(v, new Set(Object.values(FILES)), path, value);
      if (!('errno' in o) && !('op' in o))
        throw new Error(`storeOutcome gave neither an errno nor an operation: ${JSON.stringify(o)}`);
    }) as fc.IPropertyWithHooks<never>,
    fc.property(reachedArb, pathArb, valueArb, ({ system, state }, path, value) => {
      const r = system.step(state, { type: 'write', path, value });
      const outcome =
        r.errno !== null ? `-${r.errno}` : r.handled ? 'accepted' : r.ignored.length > 0 ? 'ignored' : null;
      if (outcome === null)
        throw new Error(
          `echo ${JSON.stringify(value)} > ${path}: neither accepted, nor an errno, nor an explicit ignore`,
        );
      writeOutcomes.set(outcome, (writeOutcomes.get(outcome) ?? 0) + 1);
    }) as fc.IPropertyWithHooks<never>,
  ];
}

function render(config: Config, entries: { line: number; event: ExternalEvent }[]): string {
  const r = replay(config, entries);
  const whole = JSON.stringify(replayJson(r), null, 2);
  const system = createSystem(config);
  const start = system.initial();
  const streamed = [
    ...replayJsonChunks(
      r.initial,
      (function* () {
        for (const s of replaySteps(config, entries, system, start)) yield s.step;
      })(),
    ),
  ].join('\n');
  if (streamed !== whole) throw new Error('the streamed --json output differs from the whole one');
  return `${formatReplay(r)}\n${whole}`;
}

/** The fold: arbitrary events, through a written log, replay without a throw, the same way twice. */
export function foldProperties(): fc.IPropertyWithHooks<never>[] {
  return [
    fc.property(fc.constantFrom(...FUZZ_CONFIGS), fc.array(eventArb, { maxLength: 25 }), (input, events) => {
      const log = parseLog(formatLog(input, events), 'fuzz.jsonl');
      if (log.entries.length !== events.length)
        throw new Error('the log lost events on the way through formatLog/parseLog');
      const first = render(log.config, log.entries);
      const second = render(log.config, log.entries);
      if (first !== second) throw new Error('replaying the same log twice gave different output');
    }) as fc.IPropertyWithHooks<never>,
  ];
}

export interface FuzzReport {
  name: string;
  runs: number;
  seconds: number;
}

/** Runs every property with `runs` runs each; throws (fast-check's report) on the first failure. */
export function fuzzAll(runs: number, seed: number, log: (line: string) => void = () => {}): FuzzReport[] {
  const groups: [string, fc.IPropertyWithHooks<never>[], number][] = [
    ['parser', parserProperties(), runs * 4],
    ['sysfs writes', writeProperties(), runs],
    ['fold', foldProperties(), Math.max(1, Math.floor(runs / 4))],
  ];
  const out: FuzzReport[] = [];
  for (const [name, props, n] of groups) {
    const t = performance.now();
    props.forEach((p, k) => fc.assert(p, { seed: seed + k, numRuns: n }));
    const r = { name, runs: n * props.length, seconds: (performance.now() - t) / 1000 };
    out.push(r);
    log(`${name}: ${r.runs} runs in ${r.seconds.toFixed(1)} s, no failure`);
  }
  return out;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const runs = wholeNumberArg('runs', 5000);
  const seed = wholeNumberArg('seed', Date.now() % 1_000_000);
  process.stdout.write(`fuzzing with seed ${seed}, ${runs} runs a property (x4 for the parser, /4 for the fold)\n`);
  try {
    fuzzAll(runs, seed, (l) => process.stdout.write(`${l}\n`));
    process.stdout.write(
      `sysfs writes through the model were answered: ${[...writeOutcomes]
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}\n`,
    );
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
