// check's text for a terminal (src/explore/format.ts): the word wrap never cuts a word, never
// loses or reorders one, and keeps every line within the width unless a single word is longer.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { outputWidth, shellLines, shellWord, wrap, wrapUnits } from '../src/explore/format';

const word = fc.string({ minLength: 1, maxLength: 30 }).map((w) => w.replace(/\s/g, 'x'));

describe('wrap', () => {
  it('keeps every word, in order, and every line within the width unless it holds one long word', () => {
    fc.assert(
      fc.property(fc.array(word, { maxLength: 60 }), fc.integer({ min: 10, max: 120 }), (words, width) => {
        const lines = wrap(words.join(' '), width, '  ', '    ');
        expect(lines.join(' ').split(/ +/).filter(Boolean)).toEqual(words);
        for (const l of lines) if (l.length > width) expect(l.trim().split(' ')).toHaveLength(1);
        expect(lines[0]?.startsWith('  ')).toBe(true);
      }),
      { seed: 16, numRuns: 300 },
    );
  });
});

describe('wrap and shellLines after a label (`  P12 `, `    replay: `)', () => {
  it('a label too long for its first word goes on a line of its own: every line fits unless it holds one word', () => {
    fc.assert(
      fc.property(
        fc.array(
          word.map((w) => w.replace(/\\/g, 'x')),
          { minLength: 1, maxLength: 20 },
        ),
        fc.constantFrom('  P12 ', '    in 3 configurations: ', '    replay: '),
        fc.integer({ min: 10, max: 120 }),
        (words, label, width) => {
          for (const lines of [
            wrap(words.join(' '), width, label, '      '),
            shellLines(words, width, label, '      '),
          ]) {
            const all = lines
              .join(' ')
              .split(/ +/)
              .filter((w) => w !== '' && w !== '\\');
            expect(all).toEqual([...label.trim().split(' '), ...words]);
            // (A word and its line continuation may pass the width: the word cannot be broken.)
            for (const l of lines)
              if (l.length > width) expect(l.replace(/ \\$/, '').trim().split(' ')).toHaveLength(1);
          }
        },
      ),
      { seed: 18, numRuns: 300 },
    );
  });
});

describe('wrapUnits', () => {
  it('breaks only between units that fit a line: each such unit stays on one line', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(word, { minLength: 1, maxLength: 4 }).map((ws) => ws.join(' ')),
          { minLength: 1, maxLength: 20 },
        ),
        fc.integer({ min: 40, max: 120 }),
        (units, width) => {
          const lines = wrapUnits(units, '; ', width, '    in: ', '      ');
          const text = lines.join('\n');
          for (const u of units) if (u.length + 7 <= width) expect(text).toContain(u);
          for (const l of lines) if (l.length > width) expect(l.trim().split(' ')).toHaveLength(1);
        },
      ),
      { seed: 17, numRuns: 300 },
    );
  });
});

describe('outputWidth', () => {
  it('$COLUMNS when it is a sensible number, else 100 when stdout is not a terminal', () => {
    const pipe = { isTTY: false, columns: 0 } as unknown as NodeJS.WriteStream;
    expect(outputWidth({ COLUMNS: '80' }, pipe)).toBe(80);
    expect(outputWidth({}, pipe)).toBe(100);
    expect(outputWidth({ COLUMNS: 'wide' }, pipe)).toBe(100);
    expect(outputWidth({ COLUMNS: '5' }, pipe)).toBe(100);
    const tty = { isTTY: true, columns: 132 } as unknown as NodeJS.WriteStream;
    expect(outputWidth({}, tty)).toBe(132);
  });
});

describe('shellWord: a file name as one word of a shell command', () => {
  it('the shell reads back every string, whatever its characters (spaces, quotes, $, *, newlines)', () => {
    const words = fc.sample(
      fc.string({ unit: 'binary', maxLength: 24 }).filter((w) => !w.includes('\0')),
      300,
    );
    words.push('/tmp/cx meta/a.jsonl', "it's", '$HOME', '*', '', '-n');
    const p = spawnSync('sh', ['-c', `printf '%s\\0' ${words.map(shellWord).join(' ')}`], { encoding: 'utf8' });
    expect(p.status).toBe(0);
    expect(p.stdout.split('\0').slice(0, -1)).toEqual(words);
  });

  it('a plain path is left as it is', () => {
    expect(shellWord('out/counterexamples/pseries_in-capture-kernel__no-lost-dump.jsonl')).toBe(
      'out/counterexamples/pseries_in-capture-kernel__no-lost-dump.jsonl',
    );
  });
});
