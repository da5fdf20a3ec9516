// Issue 7: hostile input. Every input is validated at the boundary and answered with a message
// naming the file, the line and the field, exit code 2, never a stack trace: event logs, --config
// files and command-line flags. (test/bad-logs.test.ts has the first cases; these are the rest.)
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main';
import { slug } from '../src/explore/check';
import { MAX_LOG_BYTES, MAX_LOG_EVENTS, parseLog } from '../src/log/parse';
import { replay } from '../src/log/replay';
import { formatReplay, replayJson } from '../src/log/format';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fadump-hostile-'));
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string | Uint8Array): string {
  const f = join(dir, name);
  writeFileSync(f, content);
  return f;
}

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const bin = join(process.cwd(), 'bin', 'fadump-model.mjs');
const header = '{"config": {"platform": "pseries", "memoryMiB": 8192}}';

/** Exit 2, nothing on stdout, the message on stderr, no stack trace, no internal error. */
function expectRejected(r: { code: number; out: string; err: string }, ...says: (string | RegExp)[]): void {
  expect(r.code, r.err).toBe(2);
  expect(r.out).toBe('');
  for (const s of says) {
    if (typeof s === 'string') expect(r.err).toContain(s);
    else expect(r.err).toMatch(s);
  }
  expect(r.err).not.toMatch(/\n\s+at /);
  expect(r.err).not.toMatch(/internal error/);
}

// ---------------------------------------------------------------------------------------------

interface BadLog {
  name: string;
  content: string | Uint8Array;
  /** The line the message must name (null: the whole file). */
  line: number | null;
  field: string | null;
  says: RegExp;
}

const ev = (e: object) => JSON.stringify(e);
const hotplug = (lmbs: unknown) => ev({ event: 'memory-hotplug', action: 'add', lmbs });

const badLogs: BadLog[] = [
  { name: 'only-whitespace.jsonl', content: '\n  \n\t\n', line: 1, field: null, says: /empty log/ },
  { name: 'only-bom.jsonl', content: '\uFEFF', line: 1, field: null, says: /empty log/ },
  {
    name: 'truncated-crlf.jsonl',
    content: `${header}\r\n{"event": "boot"}\r\n{"event": "cra`,
    line: 3,
    field: null,
    says: /not valid JSON \(column \d+: a string is not closed\): is the line truncated\?/,
  },
  {
    name: 'truncated-object.jsonl',
    content: `${header}\n{"event": "boot"`,
    line: 2,
    field: null,
    says: /not valid JSON.*is the line truncated\?/,
  },
  {
    name: 'invalid-json.jsonl',
    content: `${header}\n{event: boot}\n`,
    line: 2,
    field: null,
    says: /not valid JSON \(column 2: expected a key in double quotes or '}', found 'e'\)/,
  },
  {
    name: 'trailing-garbage.jsonl',
    content: `${header}\n{"event": "boot"} x\n`,
    line: 2,
    field: null,
    says: /unexpected 'x' after the end of the value/,
  },
  {
    name: 'single-quotes.jsonl',
    content: `${header}\n{'event': 'boot'}\n`,
    line: 2,
    field: null,
    says: /not valid JSON/,
  },
  {
    name: 'nul-byte.jsonl',
    content: `${header}\n{"event": "boot"}\u0000\n`,
    line: 2,
    field: null,
    says: /control character U\+0000/,
  },
  {
    name: 'raw-newline-in-string.jsonl',
    content: `${header}\n{"event": "write", "path": "/sys/kernel/fadump/registered", "value": "1\t"}\n`,
    line: 2,
    field: null,
    says: /control character U\+0009 inside a string/,
  },
  {
    name: 'deep-nesting.jsonl',
    content: `${header}\n${'['.repeat(200_000)}\n`,
    line: 2,
    field: null,
    says: /nested more than 64 levels deep/,
  },
  {
    name: 'duplicate-event-key.jsonl',
    content: `${header}\n{"event": "boot", "event": "crash"}\n`,
    line: 2,
    field: null,
    says: /duplicate key 'event' \(first at line 2 column 2\): JSON would silently keep only the last one/,
  },
  {
    name: 'duplicate-config-key.jsonl',
    content: '{"config": {"fadump": "nocma", "fadump": "off"}}\n{"event": "boot"}\n',
    line: 1,
    field: null,
    says: /duplicate key 'fadump'/,
  },
  {
    name: 'unknown-event-number.jsonl',
    content: `${header}\n{"event": 7}\n`,
    line: 2,
    field: 'event',
    says: /unknown event 7; expected one of: boot/,
  },
  {
    name: 'missing-event.jsonl',
    content: `${header}\n{"path": "/x"}\n`,
    line: 2,
    field: 'event',
    says: /missing: every line after the header names an event/,
  },
  {
    name: 'second-header.jsonl',
    content: `${header}\n{"event": "boot"}\n${header}\n`,
    line: 3,
    field: 'event',
    says: /a second \{"config": \.\.\.\} header\?/,
  },
  {
    name: 'extra-key.jsonl',
    content: `${header}\n{"event": "crash", "cpu": 3}\n`,
    line: 2,
    field: null,
    says: /unknown key\(s\) 'cpu' for event 'crash'/,
  },
  {
    name: 'missing-key.jsonl',
    content: `${header}\n{"event": "memory-hotplug", "lmbs": 1}\n`,
    line: 2,
    field: 'action',
    says: /expected one of "add"\|"remove"/,
  },
  { name: 'negative-size.jsonl', content: `${header}\n${hotplug(-1)}\n`, line: 2, field: 'lmbs', says: />=1/ },
  { name: 'zero-size.jsonl', content: `${header}\n${hotplug(0)}\n`, line: 2, field: 'lmbs', says: />=1/ },
  { name: 'huge-size.jsonl', content: `${header}\n${hotplug(1e15)}\n`, line: 2, field: 'lmbs', says: /<=4096/ },
  {
    name: 'infinite-size.jsonl',
    content: `${header}\n{"event": "memory-hotplug", "action": "add", "lmbs": 1e400}\n`,
    line: 2,
    field: null,
    says: /the number 1e400 is too large/,
  },
  {
    name: 'fractional-size.jsonl',
    content: `${header}\n${hotplug(1.5)}\n`,
    line: 2,
    field: 'lmbs',
    says: /expected int/,
  },
  {
    name: 'string-size.jsonl',
    content: `${header}\n${hotplug('4')}\n`,
    line: 2,
    field: 'lmbs',
    says: /expected number, received string/,
  },
  {
    name: 'null-size.jsonl',
    content: `${header}\n${hotplug(null)}\n`,
    line: 2,
    field: 'lmbs',
    says: /expected number, received null/,
  },
  {
    name: 'rc-out-of-range.jsonl',
    content: `${header}\n${ev({ event: 'firmware-error', call: 'register', rc: 123456 })}\n`,
    line: 2,
    field: 'rc',
    says: /./,
  },
  {
    name: 'write-value-too-long.jsonl',
    content: `${header}\n${ev({ event: 'write', path: '/sys/kernel/fadump/bootargs_append', value: 'x'.repeat(70_000) })}\n`,
    line: 2,
    field: 'value',
    says: /<=65536 characters/,
  },
  {
    name: 'write-value-not-string.jsonl',
    content: `${header}\n${ev({ event: 'write', path: '/sys/kernel/fadump/registered', value: 1 })}\n`,
    line: 2,
    field: 'value',
    says: /expected string, received number/,
  },
  {
    name: 'config-null.jsonl',
    content: '{"config": null}\n{"event": "boot"}\n',
    line: 1,
    field: 'config',
    says: /expected an object of configuration keys.*got null/,
  },
  {
    name: 'config-array.jsonl',
    content: '{"config": [{"platform": "pseries"}]}\n',
    line: 1,
    field: 'config',
    says: /got an array/,
  },
  {
    name: 'config-missing.jsonl',
    content: '{}\n{"event": "boot"}\n',
    line: 1,
    field: 'config',
    says: /first line must be exactly/,
  },
  {
    name: 'config-nocma-kdump.jsonl',
    content: '{"config": {"mechanism": "kdump", "fadump": "nocma", "crashkernel": "512M"}}\n',
    line: 1,
    field: 'config.fadump',
    says: /without fadump/,
  },
  {
    name: 'config-petitboot-pseries.jsonl',
    content: '{"config": {"platform": "pseries", "petitbootPreservesDump": false}}\n',
    line: 1,
    field: 'config.petitbootPreservesDump',
    says: /only on PowerNV/,
  },
  {
    name: 'config-lmb-multiple.jsonl',
    content: '{"config": {"memoryMiB": 8000}}\n',
    line: 1,
    field: 'config.memoryMiB',
    says: /8000 MiB is not a multiple of the LMB size \(256 MiB\)/,
  },
  {
    name: 'config-lmb-power.jsonl',
    content: '{"config": {"memoryMiB": 8100, "lmbMiB": 100}}\n',
    line: 1,
    field: 'config.lmbMiB',
    says: /not a power of two/,
  },
  {
    name: 'config-crashkernel-unparsable.jsonl',
    content: '{"config": {"crashkernel": "512Q"}}\n',
    line: 1,
    field: 'config.crashkernel',
    says: /crashkernel: unrecognized char: Q/,
  },
  {
    name: 'config-crashkernel-range-colon.jsonl',
    content: '{"config": {"crashkernel": "1G-4G256M:"}}\n',
    line: 1,
    field: 'config.crashkernel',
    says: /crashkernel: ':' expected/,
  },
  {
    name: 'config-crashkernel-negative.jsonl',
    content: '{"config": {"crashkernel": "-1G"}}\n',
    line: 1,
    field: 'config.crashkernel',
    says: /crashkernel: memory value expected/,
  },
  {
    name: 'config-crashkernel-huge.jsonl',
    content: '{"config": {"crashkernel": "99999999999999999999G"}}\n',
    line: 1,
    field: 'config.crashkernel',
    says: /too large/,
  },
  {
    name: 'config-memory-negative.jsonl',
    content: '{"config": {"memoryMiB": -8192}}\n',
    line: 1,
    field: 'config.memoryMiB',
    says: />0/,
  },
  {
    name: 'config-memory-huge.jsonl',
    content: '{"config": {"memoryMiB": 1e12}}\n',
    line: 1,
    field: 'config.memoryMiB',
    says: /<=67108864/,
  },
  {
    name: 'config-memory-string.jsonl',
    content: '{"config": {"memoryMiB": "8G"}}\n',
    line: 1,
    field: 'config.memoryMiB',
    says: /expected number, received string/,
  },
  {
    name: 'config-nested-unknown.jsonl',
    content: '{"config": {"captureKernel": {"endian": "big"}}}\n',
    line: 1,
    field: 'config.captureKernel.endian',
    says: /unknown key 'endian'/,
  },
  {
    name: 'utf16.jsonl',
    content: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${header}\n`, 'utf16le')]),
    line: 1,
    field: null,
    says: /UTF-16 \(byte order mark FF FE\); expected UTF-8/,
  },
  {
    name: 'latin1.jsonl',
    content: Buffer.concat([
      Buffer.from(
        `${header}\n{"event": "boot"}\n{"event": "write", "path": "/sys/kernel/fadump/bootargs_append", "value": "caf`,
      ),
      Buffer.from([0xe9]),
      Buffer.from('"}\n'),
    ]),
    line: 3,
    field: null,
    says: /not UTF-8 text: byte 0xe9 at offset \d+/,
  },
];

describe('hostile event logs: exit 2, file:line, field, no stack trace', () => {
  it.each(badLogs)('$name', async (b) => {
    const f = file(b.name, b.content);
    const r = await cli(['replay', f]);
    expectRejected(r, b.line === null ? `${f}: ` : `${f}:${b.line}: `, b.says);
    if (b.field !== null) expect(r.err).toContain(`${f}:${b.line}: field '${b.field}': `);
  });

  it('a UTF-8 byte order mark is accepted, and line numbers stay those of the file', async () => {
    const f = file('bom.jsonl', `\uFEFF${header}\n{"event": "boot"}\n\n{"event": "crash"}\n`);
    const r = await cli(['replay', '--json', f]);
    expect(r.code, r.err).toBe(0);
    const json = JSON.parse(r.out) as { steps: { line: number }[] };
    expect(json.steps.map((s) => s.line)).toEqual([2, 4]);
    const bad = file('bom-bad.jsonl', `\uFEFF${header}\n{"event": "boot"}\n{"event": "nope"}\n`);
    expectRejected(await cli(['replay', bad]), `${bad}:3: field 'event'`);
  });

  it('Windows line endings throughout, with a problem: the right line', async () => {
    const f = file('crlf-bad.jsonl', `${header}\r\n\r\n{"event": "boot"}\r\n${hotplug(-3)}\r\n`);
    expectRejected(await cli(['replay', f]), `${f}:4: field 'lmbs'`);
  });

  it('a log with only its header replays: no events, the initial state', async () => {
    const f = file('header-only.jsonl', `${header}\n`);
    const r = await cli(['replay', f]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('(the log has no events)');
    const j = await cli(['replay', '--json', f]);
    expect(JSON.parse(j.out)).toMatchObject({ steps: [], final: { dump: 'none' } });
  });

  it('the problems are capped at 20, each with its line', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => ev({ event: `bad${i}` }));
    const f = file('many-problems.jsonl', `${header}\n${lines.join('\n')}\n`);
    const r = await cli(['replay', f]);
    expectRejected(r, `${f}:2: field 'event'`, `${f}:21: field 'event'`);
    expect(r.err.split('\n')).toHaveLength(20);
  });

  it('a folder given as a log: exit 2, EISDIR', async () => {
    expectRejected(await cli(['replay', dir]), `${dir}: cannot read (EISDIR`);
  });

  it(`more than ${MAX_LOG_EVENTS} events: refused at the line of the first one too many`, async () => {
    const line = '{"event": "boot"}\n';
    const f = file('too-many-events.jsonl', `${header}\n${line.repeat(MAX_LOG_EVENTS + 5)}`);
    const r = await cli(['replay', f]);
    expectRejected(r, `${f}:${MAX_LOG_EVENTS + 2}: more than ${MAX_LOG_EVENTS} events: too long for a log`);
  });

  it('a 100 MB log is refused before it is read: a size message, in well under a second of work and bounded memory', () => {
    const f = join(dir, 'huge.jsonl');
    const fd = openSync(f, 'w');
    const chunk = Buffer.from('{"event": "boot"}\n'.repeat(58_255)); // ~1 MiB
    writeSync(fd, Buffer.from(`${header}\n`));
    for (let i = 0; i < 100; i++) writeSync(fd, chunk);
    closeSync(fd);
    // A 64 MB heap could not even hold the text of the log: it is never read.
    const started = performance.now();
    const p = spawnSync(process.execPath, ['--max-old-space-size=64', bin, 'replay', f], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const ms = performance.now() - started;
    expect(p.status, p.stderr).toBe(2);
    expect(p.stdout).toBe('');
    expect(p.stderr).toContain(`${f}: 100.0 MiB is larger than 16.0 MiB, the most an event log may be`);
    expect(p.stderr).not.toMatch(/\n\s+at /);
    expect(ms).toBeLessThan(20_000); // mostly node and tsx starting up
    expect(MAX_LOG_BYTES).toBe(16 * 1024 * 1024);
  });

  it('an endless log from a pipe is read in bounded chunks and refused past the limit', () => {
    const p = spawnSync('sh', ['-c', `yes '{"event": "boot"}' | "${process.execPath}" "${bin}" replay /dev/stdin`], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(p.status, p.stderr).toBe(2);
    expect(p.stdout).toBe('');
    expect(p.stderr).toContain('/dev/stdin: more than 16.0 MiB, the most an event log may be');
  });
});

describe('replay prints step by step (bounded memory), the same text as before', () => {
  /** A long log of small events (no 2 KB bootargs writes), as a random walk would write it. */
  function longLog(name: string, events: number): string {
    const letters = [
      '{"event": "boot"}',
      '{"event": "crash"}',
      '{"event": "save-dump"}',
      '{"event": "reboot"}',
      '{"event": "memory-hotplug", "action": "add", "lmbs": 1}',
      '{"event": "memory-hotplug", "action": "remove", "lmbs": 1}',
      '{"event": "write", "path": "/sys/kernel/fadump/release_mem", "value": "1\\n"}',
      '{"event": "write", "path": "/sys/kernel/fadump/registered", "value": "0\\n"}',
      '{"event": "kdump-reload"}',
    ];
    const lines = Array.from({ length: events }, (_, i) => letters[(i * 7 + (i >> 3)) % letters.length]);
    return file(name, `${header}\n${lines.join('\n')}\n`);
  }

  it('8,000 events replay in a 48 MB heap (holding every step, as replay() does, needs over 60 MB and dies there): nothing but the current state is held', () => {
    const f = longLog('long.jsonl', 8_000);
    const p = spawnSync(process.execPath, ['--max-old-space-size=48', bin, 'replay', f], {
      encoding: 'utf8',
      timeout: 120_000,
      maxBuffer: 1 << 30,
    });
    expect(p.status, p.stderr.slice(0, 2000)).toBe(0);
    expect(p.stdout.split('\n').filter((l) => l.startsWith('line ')).length).toBe(8_000);
  });

  it('a reader that goes away (replay | head): exit 141 at once, no stack trace', () => {
    const f = longLog('long-head.jsonl', 20_000);
    const started = performance.now();
    const p = spawnSync(
      'bash',
      ['-c', `"${process.execPath}" "${bin}" replay "${f}" | head -3 > /dev/null; echo "exit=\${PIPESTATUS[0]}"`],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(p.stdout.trim()).toBe('exit=141');
    expect(p.stderr).toBe('');
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  it('a reader gone before the only write (replay | true): exit 141, not 0', () => {
    const p = spawnSync(
      'bash',
      [
        '-c',
        `"${process.execPath}" "${bin}" replay examples/seed-story-pseries.jsonl | true; echo "exit=\${PIPESTATUS[0]}"`,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(p.stdout.trim()).toBe('exit=141');
    expect(p.stderr).toBe('');
  });

  it.each(['seed-story-pseries.jsonl', 'powernv-petitboot.jsonl', 'hotplug-reload-at-registration.jsonl'])(
    '%s: text and --json',
    async (name) => {
      const f = join('examples', name);
      const log = parseLog(readFileSync(f, 'utf8'), f);
      const r = replay(log.config, log.entries);
      const text = await cli(['replay', f]);
      expect(text.code).toBe(0);
      expect(text.out).toBe(`${f} (${log.config.name})\n${formatReplay(r)}`);
      const json = await cli(['replay', '--json', f]);
      expect(json.out).toBe(JSON.stringify(replayJson(r), null, 2));
    },
  );
});

// ---------------------------------------------------------------------------------------------

interface BadConfig {
  name: string;
  content: string | Uint8Array;
  line: number;
  field: string | null;
  says: RegExp;
}

const badConfigs: BadConfig[] = [
  {
    name: 'nocma-and-off.json',
    content: '{\n  "platform": "pseries",\n  "fadump": "nocma",\n  "fadump": "off"\n}\n',
    line: 4,
    field: null,
    says: /not valid JSON \(column 3: duplicate key 'fadump' \(first at line 3 column 3\): JSON would silently keep only the last one\)/,
  },
  {
    name: 'nocma-with-kdump.json',
    content: '{\n  "mechanism": "kdump",\n  "crashkernel": "512M",\n  "fadump": "nocma"\n}\n',
    line: 4,
    field: 'fadump',
    says: /runs without fadump/,
  },
  {
    name: 'petitboot-on-pseries.json',
    content:
      '[\n  {"platform": "powernv", "memoryMiB": 16384},\n  {\n    "platform": "pseries",\n    "petitbootPreservesDump": true\n  }\n]\n',
    line: 5,
    field: '[1].petitbootPreservesDump',
    says: /petitboot exists only on PowerNV/,
  },
  {
    name: 'lmb-multiple.json',
    content: '{\n  "memoryMiB": 8200\n}\n',
    line: 2,
    field: 'memoryMiB',
    says: /8200 MiB is not a multiple of the LMB size \(256 MiB\)/,
  },
  {
    name: 'crashkernel-unparsable.json',
    content: '[{"platform": "pseries"},\n {"memoryMiB": 2048,\n  "crashkernel": "4G-:"}]\n',
    line: 3,
    field: '[1].crashkernel',
    says: /crashkernel: Memory value expected/,
  },
  {
    name: 'min-over-max.json',
    content: '{\n  "memoryMiB": 8192,\n  "minMemoryMiB": 16384\n}\n',
    line: 3,
    field: 'minMemoryMiB',
    says: /16384 MiB is above memoryMiB \(8192\)/,
  },
  {
    name: 'unknown-key.json',
    content: '[\n  {\n    "platform": "pseries",\n    "colour": "red"\n  }\n]\n',
    line: 4,
    field: '[0].colour',
    says: /unknown key 'colour'/,
  },
  {
    name: 'null-entry.json',
    content: '[\n  {"platform": "pseries"},\n  null\n]\n',
    line: 3,
    field: '[1]',
    says: /expected a configuration object.*got null/,
  },
  {
    name: 'string-config.json',
    content: '"pseries"\n',
    line: 1,
    field: '(config)',
    says: /expected a configuration object.*got string/,
  },
  {
    name: 'same-config-twice.json',
    content: '[\n  {"platform": "pseries"},\n  {"platform": "pseries"}\n]\n',
    line: 3,
    field: '[1]',
    says: /the same configuration as \S*same-config-twice\.json\[0\].*results are named by it/,
  },
  {
    name: 'same-name-twice.json',
    content: '[\n  {"name": "a"},\n  {"platform": "powernv", "memoryMiB": 16384, "name": "a"}\n]\n',
    line: 3,
    field: '[1].name',
    says: /'a' is also the name of \S*same-name-twice\.json\[0\]/,
  },
  { name: 'empty-array.json', content: '[]', line: 1, field: null, says: /an empty array: no configuration to check/ },
  { name: 'empty-file.json', content: '', line: 1, field: null, says: /not valid JSON.*the text is empty/ },
  {
    name: 'truncated.json',
    content: '[\n  {"platform": "pseries"},\n  {"platform": "pow',
    line: 3,
    field: null,
    says: /not valid JSON \(column 16: a string is not closed\): is the file truncated\?/,
  },
  {
    name: 'trailing-comma.json',
    content: '{\n  "platform": "pseries",\n}\n',
    line: 3,
    field: null,
    says: /not valid JSON \(column 1: expected a key in double quotes/,
  },
  {
    name: 'utf16.json',
    content: Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('{}', 'utf16le')]),
    line: 1,
    field: null,
    says: /UTF-16/,
  },
];

describe('hostile --config files: exit 2, file:line, field', () => {
  it.each(badConfigs)('$name', async (b) => {
    const f = file(b.name, b.content);
    const out = join(dir, `out-${b.name}`);
    const r = await cli(['check', '--config', f, '--out', out]);
    expectRejected(r, `${f}:${b.line}: `, b.says);
    if (b.field !== null) expect(r.err).toContain(`${f}:${b.line}: field '${b.field}': `);
  });

  it('a config file over 4 MiB is refused before it is read', async () => {
    const f = file('huge-config.json', `[${'{"platform": "pseries"},'.repeat(200_000)}{}]`);
    expectRejected(
      await cli(['check', '--config', f]),
      `${f}: `,
      /is larger than 4\.0 MiB, the most a configuration file may be/,
    );
  });

  it('a missing config file', async () => {
    const f = join(dir, 'nope.json');
    expectRejected(await cli(['check', '--config', f]), `${f}: cannot read (ENOENT)`);
  });

  it('a UTF-8 byte order mark in a config file is accepted', async () => {
    // (2 GiB: a configuration the project records no verdicts for, so the "incomplete" verdicts of
    // --max-states are not judged against recorded ones.)
    const f = file('bom.json', '\uFEFF{"platform": "pseries", "memoryMiB": 2048, "name": "bom-test"}');
    const r = await cli([
      'check',
      '--config',
      f,
      '--max-states',
      '50',
      '--out',
      join(dir, 'out-bom'),
      '--json',
      '--workers',
      '1',
    ]);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ runs: [{ complete: false, stopReason: 'max-states' }] });
  });
});

// ---------------------------------------------------------------------------------------------

describe('hostile flags: exit 2 and what was wrong', () => {
  const cases: [string[], (string | RegExp)[]][] = [
    [['check', '--max-states', '0'], ["--max-states: expected a whole number from 1 to 100000000, got '0'"]],
    [['check', '--max-states', '-5'], [/--max-states: expected a whole number.*got '-5'/]],
    [['check', '--max-states', 'lots'], ["got 'lots'"]],
    [['check', '--max-states', '1.5'], ["got '1.5'"]],
    [['check', '--max-states', '1e3'], ["got '1e3'"]],
    [['check', '--max-states', '100000001'], ["got '100000001'"]],
    [['check', '--max-states'], ["option '--max-states <n>' argument missing"]],
    [['check', '--workers', '0'], ["--workers: expected a whole number from 1 to 64, got '0'"]],
    [['check', '--workers', '65'], ["got '65'"]],
    [['check', '--workers', 'many'], ["got 'many'"]],
    [['check', '--max-memory', 'lots'], ["--max-memory: expected a size such as 2G or 512M, got 'lots'"]],
    [['check', '--max-memory', '2GB'], ["got '2GB'"]],
    [['check', '--max-memory', '0'], ["got '0'"]],
    [['check', '--max-memory', '1K'], ['--max-memory: 1.0 KiB is too little to explore anything; give at least 16M']],
    [['check', '--max-memory', '1P'], [/--max-memory: .* is more than this machine's/]],
    [['check', '--max-memory'], ["option '--max-memory <size>' argument missing"]],
    [
      ['check', '--property', 'no-such-property'],
      ["--property: unknown property 'no-such-property'; known: no-lost-dump"],
    ],
    [['check', '--property'], ["option '--property <id...>' argument missing"]],
    [['check', '--config'], ["option '--config <file>' argument missing"]],
    [['check', '--frobnicate'], ["unknown option '--frobnicate'"]],
    [['replay'], ["missing required argument 'log'"]],
    [['replay', 'a.jsonl', 'b.jsonl'], ['too many arguments']],
    [['replay', '--jsn', 'examples/seed-story-pseries.jsonl'], ["unknown option '--jsn'"]],
    [['explode'], ["unknown command 'explode'"]],
    [['replay-examples', '--dir', '/no/such/folder'], ["--dir: cannot read the folder '/no/such/folder' (ENOENT)"]],
  ];
  it.each(cases)('%j', async (argv, says) => {
    expectRejected(await cli(argv), ...says);
  });

  it('--out that is a file, not a folder: refused before exploring', async () => {
    const f = file('not-a-folder', 'x');
    const cfg = file('small.json', '{"platform": "pseries"}');
    expectRejected(
      await cli(['check', '--config', cfg, '--out', f]),
      /--out: cannot create the folder '.*not-a-folder' \(EEXIST\)|--out: '.*' is (a file, )?not a folder/,
    );
    expectRejected(
      await cli(['check', '--config', cfg, '--out', join(f, 'sub')]),
      /--out: cannot create the folder .* \(ENOTDIR\)/,
    );
  });

  it('an output nobody can write (under /proc, /sys): refused before exploring, for --out and --record', async () => {
    const cfg = file('small-proc.json', '{"platform": "pseries"}');
    const why = '\\((ENOENT|EACCES|EPERM|EROFS)\\)';
    // Node 20's recursive mkdir never returned for a folder under /proc: check hung at 100% CPU.
    expectRejected(
      await cli(['check', '--config', cfg, '--out', '/proc/cx']),
      new RegExp(`--out: cannot create the folder '/proc/cx' ${why}`),
    );
    expectRejected(
      await cli(['diagrams', '--out', '/proc/dd']),
      new RegExp(`--out: cannot create the folder '/proc/dd' ${why}`),
    );
    expectRejected(
      await cli(['check', '--config', cfg, '--out', '/proc']),
      new RegExp(`--out: cannot write to '/proc' ${why}`),
    );
    // --record's folder is tried before the exploration (it was an internal error, exit 70, after it).
    const out = join(dir, 'cx-proc');
    for (const target of ['/proc/rec.json', '/sys/kernel/rec.json']) {
      const r = await cli(['check', '--config', cfg, '--out', out, '--record', target]);
      expectRejected(
        r,
        new RegExp(`--record: cannot write '${target}': the folder '${dirname(target)}' takes no new file ${why}`),
      );
      expect(r.err).not.toContain('exploring');
    }
  });

  it("a configuration named '..' or '../x': its files stay inside --out, and none is hidden", async () => {
    const out = join(dir, 'named', 'out');
    for (const name of ['..', '../../x', '.hidden']) {
      const cfg = file(
        'dots.json',
        JSON.stringify({ platform: 'pseries', elfcorehdr: 'in-capture-kernel', memoryMiB: 2048, fadump: 'off', name }),
      );
      const r = await cli(['paths', '--config', cfg, '--out', out]);
      expect(r.code, r.err).toBe(0);
    }
    // paths wrote into the parent of --out before (a name of '..' is a folder name as it is).
    expect(readdirSync(join(dir, 'named')).sort()).toEqual(['out']);
    expect(readdirSync(out).sort()).toEqual(['config', 'hidden', 'x']);
    expect(slug('..')).toBe('config');
    expect(slug('../../tmp/x')).toBe('tmp_x');
  });

  it('the real binary exits 2 on bad flags, with no stack trace', () => {
    for (const args of [
      ['check', '--workers', 'x'],
      ['check', '--bogus'],
      ['check', '--max-memory', 'huge'],
    ]) {
      const p = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
      expect(p.status, `${args.join(' ')}: ${p.stderr}`).toBe(2);
      expect(p.stdout).toBe('');
      expect(p.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('files are written atomically', () => {
  it('writeFileAtomic leaves the complete file and no temporary one; on failure, neither', async () => {
    const { writeFileAtomic, TEMP_FILE_PATTERN } = await import('../src/util/atomic');
    const { readdirSync } = await import('node:fs');
    const d = join(dir, 'atomic');
    writeFileAtomic(join(d, 'a.txt'), 'one');
    writeFileAtomic(join(d, 'a.txt'), 'two');
    expect(readFileSync(join(d, 'a.txt'), 'utf8')).toBe('two');
    mkdirSync(join(d, 'a-dir'));
    expect(() => writeFileAtomic(join(d, 'a-dir'), 'x')).toThrow();
    expect(readdirSync(d).filter((n) => TEMP_FILE_PATTERN.test(n))).toEqual([]);
    expect(readdirSync(d).sort()).toEqual(['a-dir', 'a.txt']);
  });

  it('two configurations whose names make the same file name do not overwrite each other', async () => {
    const { writeCounterexamples } = await import('../src/explore/check');
    const run = (config: string) => ({
      config,
      input: { name: config },
      states: 1,
      edges: 1,
      seconds: 0,
      complete: true,
      stopReason: 'done',
      results: [
        {
          property: 'no-lost-dump',
          verdict: 'violated' as const,
          states: 1,
          counterexample: [{ event: 'boot' as const }],
          note: null,
        },
      ],
      coverage: null,
    });
    const files = writeCounterexamples([run('a b'), run('a/b'), run('a_b')], join(dir, 'cx'));
    expect(new Set(files.values()).size).toBe(3);
  });
});
