// Bad event logs through the command line (docs/design.md §4: "a log that does
// not parse, names an unknown event, or is not accepted in its state gets a clear error naming
// the line, never a crash and never a silent skip"). main(argv, io) is called in-process with
// captured output; the real binary is spawned to check the process's exit code.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main';
import { LogError, parseLog } from '../src/log/parse';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fadump-bad-logs-'));
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

function logFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const header = '{"config": {"platform": "pseries", "memoryMiB": 8192}}';

interface BadLog {
  name: string;
  text: string;
  line: number;
  /** The field the message must name, when there is one. */
  field: string | null;
  /** Words the message must contain. */
  says: RegExp;
}

const badLogs: BadLog[] = [
  {
    name: 'truncated-last-line.jsonl',
    text: `${header}\n{"event": "boot"}\n{"event": "crash"}\n{"event": "wri`,
    line: 4,
    field: null,
    says: /not valid JSON.*truncated/,
  },
  {
    name: 'unknown-event.jsonl',
    text: `${header}\n{"event": "boot"}\n{"event": "explode"}\n`,
    line: 3,
    field: 'event',
    says: /unknown event "explode".*expected one of: boot, write/,
  },
  {
    name: 'wrong-type.jsonl',
    text: `${header}\n{"event": "boot"}\n{"event": "memory-hotplug", "action": "add", "lmbs": "one"}\n`,
    line: 3,
    field: 'lmbs',
    says: /expected number/,
  },
  {
    name: 'unknown-key.jsonl',
    text: `${header}\n{"event": "boot", "when": "now"}\n`,
    line: 2,
    field: null,
    says: /unknown key\(s\) 'when' for event 'boot'/,
  },
  {
    name: 'missing-config.jsonl',
    text: '{"event": "boot"}\n{"event": "crash"}\n',
    line: 1,
    field: 'config',
    says: /first line must be \{"config"/,
  },
  {
    name: 'empty.jsonl',
    text: '',
    line: 1,
    field: null,
    says: /empty log/,
  },
  {
    name: 'invalid-config-value.jsonl',
    text: '{"config": {"platform": "x86"}}\n{"event": "boot"}\n',
    line: 1,
    field: 'config.platform',
    says: /"pseries"\|"powernv"/,
  },
  {
    name: 'invalid-config-number.jsonl',
    text: '{"config": {"memoryMiB": -4}}\n{"event": "boot"}\n',
    line: 1,
    field: 'config.memoryMiB',
    says: /./,
  },
  {
    name: 'unknown-config-key.jsonl',
    text: '{"config": {"colour": "red"}}\n{"event": "boot"}\n',
    line: 1,
    field: 'config.colour',
    says: /unknown key 'colour'/,
  },
  {
    name: 'contradictory-config.jsonl',
    text: '{"config": {"platform": "pseries", "petitbootPreservesDump": true}}\n{"event": "boot"}\n',
    line: 1,
    field: 'config.petitbootPreservesDump',
    says: /only on PowerNV/,
  },
  {
    name: 'missing-field.jsonl',
    text: `${header}\n{"event": "boot"}\n{"event": "write", "path": "/sys/kernel/fadump/registered"}\n`,
    line: 3,
    field: 'value',
    says: /./,
  },
  {
    name: 'not-an-object.jsonl',
    text: `${header}\n["boot"]\n`,
    line: 2,
    field: null,
    says: /expected an object/,
  },
  {
    name: 'after-blank-lines.jsonl',
    text: `${header}\n\n{"event": "boot"}\n\n\n{"event": "reboot!"}\n`,
    line: 6,
    field: 'event',
    says: /unknown event "reboot!"/,
  },
  {
    name: 'crlf.jsonl',
    text: `${header}\r\n{"event": "boot"}\r\n{"event": "crash", "hard": true}\r\n`,
    line: 3,
    field: null,
    says: /unknown key\(s\) 'hard'/,
  },
];

describe('bad logs: exit code 2, the file, the line and the field, no stack trace', () => {
  it.each(badLogs)('$name', async (b) => {
    const file = logFile(b.name, b.text);
    for (const argv of [
      ['replay', file],
      ['replay', '--json', file],
    ]) {
      const r = await cli(argv);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toContain(`${file}:${b.line}:`);
      if (b.field !== null) expect(r.err).toContain(`field '${b.field}'`);
      expect(r.err).toMatch(b.says);
      expect(r.err).not.toContain('    at ');
      expect(r.err).not.toMatch(/internal error/);
    }
  });

  it('every problem of a log is reported, each with its own line', async () => {
    const file = logFile(
      'two-problems.jsonl',
      `${header}\n{"event": "boot"}\n{"event": "nope"}\n{"event": "crash", "x": 1}\n{"event": "crash"}\n`,
    );
    const r = await cli(['replay', file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${file}:3: field 'event'`);
    expect(r.err).toContain(`${file}:4: unknown key(s) 'x'`);
    expect(r.err).not.toContain(`${file}:5:`);
  });

  it('parseLog throws a LogError carrying the same file, line and field', () => {
    let caught: unknown = null;
    try {
      parseLog(`${header}\n{"event": "memory-hotplug", "action": "add", "lmbs": "one"}\n`, 'x.jsonl');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(LogError);
    if (!(caught instanceof LogError)) return;
    expect(caught.file).toBe('x.jsonl');
    expect(caught.problems).toEqual([{ line: 2, field: 'lmbs', message: expect.stringMatching(/expected number/) }]);
  });

  it('a file that cannot be read: exit 2 and its name', async () => {
    const missing = join(dir, 'no-such-log.jsonl');
    const r = await cli(['replay', missing]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${missing}: cannot read (ENOENT)`);
    expect(r.err).not.toContain('    at ');
  });

  it('bad usage (no log, unknown command): exit 2', async () => {
    expect((await cli(['replay'])).code).toBe(2);
    expect((await cli(['explode'])).code).toBe(2);
  });
});

describe('good logs', () => {
  it('exit 0; a write the kernel rejects is a result, not a log error: its line and errno are printed', async () => {
    const file = logFile(
      'rejected-write.jsonl',
      `${header}\n{"event": "boot"}\n{"event": "write", "path": "/sys/kernel/fadump/release_mem", "value": "1\\n"}\n`,
    );
    const r = await cli(['replay', file]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toContain('line 3: echo "1\\n" > /sys/kernel/fadump/release_mem -> -EACCES');
  });

  it('--json prints every step and the final observation', async () => {
    const r = await cli(['replay', '--json', 'examples/seed-story-pseries.jsonl']);
    expect(r.code).toBe(0);
    const json: unknown = JSON.parse(r.out);
    expect(json).toMatchObject({ steps: expect.any(Array), final: { dump: 'captured' } });
    if (typeof json !== 'object' || json === null || !('steps' in json) || !Array.isArray(json.steps)) return;
    expect(json.steps.map((s: { line: number }) => s.line)).toEqual([2, 3, 4, 5, 6]);
  });

  it('blank lines and CRLF line ends are accepted; the line numbers stay those of the file', async () => {
    const file = logFile('blank-crlf.jsonl', `${header}\r\n\r\n{"event": "boot"}\r\n\r\n{"event": "crash"}\r\n`);
    const r = await cli(['replay', '--json', file]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('"line": 3');
    expect(r.out).toContain('"line": 5');
  });
});

describe('the real binary', () => {
  const bin = join(process.cwd(), 'bin', 'fadump-model.mjs');
  const node = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });

  it('exits 2 on a bad log, with file:line on stderr and no stack trace', () => {
    const file = logFile(
      'spawned-bad.jsonl',
      `${header}\n{"event": "boot"}\n{"event": "memory-hotplug", "action": "add", "lmbs": "one"}\n`,
    );
    const p = node(['replay', file]);
    expect(p.status).toBe(2);
    expect(p.stdout).toBe('');
    expect(p.stderr).toContain(`${file}:3: field 'lmbs'`);
    expect(p.stderr).not.toContain('    at ');
  });

  it('exits 0 on the seed story example', () => {
    const p = node(['replay', 'examples/seed-story-pseries.jsonl']);
    expect(p.status).toBe(0);
    expect(p.stdout).toContain('line 2: boot -> accepted');
    expect(p.stdout).toContain('dump: captured');
  });
});
