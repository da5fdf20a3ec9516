// A strict JSON reader for input files (event logs, --config files) that knows where things are:
// every problem comes with a line and a column, every value with the line it starts on, so that a
// message can name the file, the line and the field. It also refuses what JSON.parse accepts
// silently: a key given twice (JSON.parse keeps the last one, so {"fadump": "nocma", "fadump":
// "off"} would quietly mean "off"), and nesting deep enough to exhaust the stack.
// The parsing is jsonc-parser's (its visitor: the offset of every token; comments and trailing
// commas refused, as strict JSON has neither; JSON whitespace only). What is built on top: the
// value (own data properties even for "__proto__"), duplicate keys, the depth limit, numbers too
// large for a double, and messages that say what was expected and what was found instead. The
// first problem in the text wins: a visitor callback throws, which ends jsonc-parser's visit().
import { printParseErrorCode, visit } from 'jsonc-parser';

export type JsonPath = readonly (string | number)[];

export interface JsonPosition {
  /** 1-based, counted from the `line` the caller says the text starts on. */
  line: number;
  /** 1-based, in UTF-16 code units. */
  column: number;
}

export interface JsonProblem extends JsonPosition {
  /** Where in the value the problem is (the duplicate key's object, or the path so far). */
  path: JsonPath;
  message: string;
  /** The text ended before the value did (a truncated line or file). */
  truncated: boolean;
}

export interface JsonDocument {
  value: unknown;
  /** Where a path starts: for an object member its key, for an array element its value. */
  locate(path: JsonPath): JsonPosition;
}

export type JsonResult = { ok: true; doc: JsonDocument } | { ok: false; problem: JsonProblem };

export const MAX_JSON_DEPTH = 64;

class Fail extends Error {
  constructor(
    readonly at: number,
    readonly why: string,
    readonly path: JsonPath,
    readonly truncated = false,
  ) {
    super(why);
  }
}

function describeChar(c: string | undefined): string {
  if (c === undefined) return 'the end of the text';
  const code = c.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return `control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return `'${c}'`;
}

export function pathKey(path: JsonPath): string {
  return JSON.stringify(path);
}

/** Turns offsets into (line, column), `firstLine` being the line of offset 0. */
function positions(text: string, firstLine: number): (offset: number) => JsonPosition {
  const lineStarts: number[] = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: firstLine + lo, column: offset - (lineStarts[lo] ?? 0) + 1 };
  };
}

/** Where the string token at [start, end) goes wrong, which jsonc-parser reports at the token's
 *  start: the first control character, bad escape or \u without four hex digits (RFC 8259, section 7), or
 *  the end of the text before the closing quote. */
function stringFault(text: string, start: number, end: number): { at: number; why: string; truncated: boolean } {
  // The scanner stops before a line break inside a string: look at that character too.
  for (let j = start + 1; j <= end && j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c < 0x20)
      return {
        at: j,
        why: `${describeChar(text[j])} inside a string (write it as an escape such as \\n)`,
        truncated: false,
      };
    if (c !== 0x5c) continue;
    const e = text[j + 1];
    if (e === undefined) break;
    if (e === 'u') {
      if (!/^[0-9a-fA-F]{4}$/.test(text.slice(j + 2, j + 6)))
        return { at: j, why: '\\u must be followed by four hex digits', truncated: false };
      j += 5;
    } else if ('"\\/bfnrt'.includes(e)) j++;
    else return { at: j, why: `unknown escape \\${e}`, truncated: false };
  }
  return { at: start, why: 'a string is not closed', truncated: true };
}

/** What the parser wants next, for "expected ..., found ..." messages. */
type Expect = 'value' | 'first-key' | 'key' | 'colon' | 'comma-brace' | 'comma-bracket' | 'end';

const EXPECTED: Record<Exclude<Expect, 'end' | 'colon'>, string> = {
  value: 'a value (an object, array, string, number, true, false or null)',
  'first-key': "a key in double quotes or '}'",
  key: 'a key in double quotes',
  'comma-brace': "',' or '}'",
  'comma-bracket': "',' or ']'",
};

/** An object or array being read: its path, the value so far, and (objects) where each key is. */
interface Frame {
  path: JsonPath;
  value: Record<string, unknown> | unknown[];
  keys: Map<string, number> | null;
  key: string;
}

/** Parses one JSON text. `firstLine` is the line number of the text's first character in its
 *  file (for a line of a JSONL log, that line). Never throws. */
export function parseJson(text: string, firstLine = 1, maxDepth = MAX_JSON_DEPTH): JsonResult {
  const position = positions(text, firstLine);
  if (/^[ \t\n\r]*$/.test(text))
    return {
      ok: false,
      problem: { ...position(text.length), path: [], message: 'no JSON value (the text is empty)', truncated: true },
    };
  try {
    const { root: value, starts } = read(text, maxDepth, position);
    const locate = (path: JsonPath): JsonPosition => {
      for (let k = path.length; k >= 0; k--) {
        const at = starts.get(pathKey(path.slice(0, k)));
        if (at !== undefined) return position(at);
      }
      return position(0);
    };
    return { ok: true, doc: { value, locate } };
  } catch (e) {
    if (e instanceof Fail)
      return { ok: false, problem: { ...position(e.at), path: e.path, message: e.why, truncated: e.truncated } };
    // Nothing else is expected; still never throw (a RangeError from a giant string, say).
    const message = e instanceof Error ? e.message : String(e);
    return { ok: false, problem: { ...position(0), path: [], message, truncated: false } };
  }
}

/** Builds the value from jsonc-parser's visitor callbacks, tracking what is expected next and
 *  where each path starts; throws Fail at the first problem. */
class Builder {
  /** pathKey(path) → the offset the path starts at (an object member's key, else its value). */
  readonly starts = new Map<string, number>();
  root: unknown;
  private readonly stack: Frame[] = [];
  private expect: Expect = 'value';

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
    private readonly position: (offset: number) => JsonPosition,
  ) {}

  private top(): Frame | undefined {
    return this.stack[this.stack.length - 1];
  }

  /** The path being read: a member's or element's while its value is expected, else the
   *  enclosing object's or array's. */
  private here(): JsonPath {
    const f = this.top();
    if (f === undefined) return [];
    if (this.expect !== 'value') return f.path;
    return [...f.path, Array.isArray(f.value) ? f.value.length : f.key];
  }

  private afterValue(): void {
    const f = this.top();
    this.expect = f === undefined ? 'end' : f.keys === null ? 'comma-bracket' : 'comma-brace';
  }

  /** Puts a value where it belongs (its parent, or the root) and notes where it starts. */
  private place(v: unknown, offset: number, path: JsonPath): void {
    const k = pathKey(path);
    if (!this.starts.has(k)) this.starts.set(k, offset);
    const f = this.top();
    if (f === undefined) this.root = v;
    else if (Array.isArray(f.value)) f.value.push(v);
    // Own data property even for "__proto__".
    else Object.defineProperty(f.value, f.key, { value: v, enumerable: true, writable: true, configurable: true });
  }

  /** An object or array begins at `offset`. */
  open(value: Frame['value'], offset: number, path: JsonPath): void {
    if (this.stack.length >= this.maxDepth)
      throw new Fail(offset, `nested more than ${this.maxDepth} levels deep`, path);
    this.place(value, offset, path);
    this.stack.push({ path, value, keys: Array.isArray(value) ? null : new Map(), key: '' });
    this.expect = Array.isArray(value) ? 'value' : 'first-key';
  }

  /** jsonc-parser ends an object or array at the end of the text too (then reports the missing
   *  bracket): that is where the text was cut short. */
  close(offset: number): void {
    if (offset >= this.text.length) throw this.error('CloseExpected', offset, 0);
    this.stack.pop();
    this.afterValue();
  }

  /** A key at `offset`: refused if the object has it already. */
  property(key: string, offset: number): void {
    const f = this.top();
    if (f?.keys == null) return;
    const first = f.keys.get(key);
    if (first !== undefined) {
      const p = this.position(first);
      const why = `duplicate key '${key}' (first at line ${p.line} column ${p.column}): JSON would silently keep only the last one`;
      throw new Fail(offset, why, f.path);
    }
    f.keys.set(key, offset);
    f.key = key;
    this.starts.set(pathKey([...f.path, key]), offset);
    this.expect = 'colon';
  }

  separator(c: string): void {
    this.expect = c === ':' ? 'value' : this.top()?.keys == null ? 'value' : 'key';
  }

  /** A string, number, true, false or null; a number too large for a double is refused. */
  literal(v: unknown, offset: number, length: number, path: JsonPath): void {
    if (typeof v === 'number' && !Number.isFinite(v)) {
      const lit = this.text.slice(offset, offset + length);
      throw new Fail(offset, `the number ${lit.length > 24 ? `${lit.slice(0, 24)}...` : lit} is too large`, path);
    }
    this.place(v, offset, path);
    this.afterValue();
  }

  /** The Fail for jsonc-parser's error on the token at [offset, offset + length). */
  error(code: ErrorCode, offset: number, length: number): Fail {
    // jsonc-parser reads "nullx" as one unknown word: the value is null, then 'x' is wrong.
    const word = /^(?:true|false|null)/.exec(this.text.slice(offset, offset + 5))?.[0];
    if (word !== undefined && length > word.length && this.expect === 'value') {
      this.afterValue();
      offset += word.length;
    }
    return problemAt(this.text, code, offset, length, this.expect, this.top()?.key ?? '', this.here());
  }
}

/** Reads the value with jsonc-parser's visitor (strict JSON: no comments, no trailing commas);
 *  throws Fail at the first problem. */
function read(text: string, maxDepth: number, position: (offset: number) => JsonPosition): Builder {
  const b = new Builder(text, maxDepth, position);
  visit(
    text,
    {
      onObjectBegin: (offset, _length, _line, _column, path) => b.open({}, offset, path()),
      onArrayBegin: (offset, _length, _line, _column, path) => b.open([], offset, path()),
      onObjectEnd: (offset) => b.close(offset),
      onArrayEnd: (offset) => b.close(offset),
      onObjectProperty: (key, offset) => b.property(key, offset),
      onSeparator: (c) => b.separator(c),
      onLiteralValue: (v: unknown, offset, length, _line, _column, path) => b.literal(v, offset, length, path()),
      onError: (code, offset, length) => {
        throw b.error(printParseErrorCode(code), offset, length);
      },
    },
    { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false },
  );
  return b;
}

/** jsonc-parser's error codes by name, and a missing closing bracket at the end of the text. */
type ErrorCode = ReturnType<typeof printParseErrorCode> | 'CloseExpected';

/** The Fail for jsonc-parser's error `code` (or a missing closing bracket at the end of the text)
 *  on the token at [offset, offset + length), given what the parser expected there. */
function problemAt(
  text: string,
  code: ErrorCode,
  offset: number,
  length: number,
  expect: Expect,
  key: string,
  path: JsonPath,
): Fail {
  const end = offset >= text.length;
  // A string or number where neither can go (after a value, say) is wrong before it is malformed.
  const fits = expect === 'value' || ((expect === 'first-key' || expect === 'key') && text[offset] === '"');
  switch (fits ? code : 'InvalidSymbol') {
    case 'UnexpectedEndOfString':
    case 'InvalidCharacter':
    case 'InvalidEscapeCharacter':
    case 'InvalidUnicode': {
      const f = stringFault(text, offset, offset + length);
      return new Fail(f.at, f.why, path, f.truncated);
    }
    case 'UnexpectedEndOfNumber': {
      const at = offset + length;
      const lit = text.slice(offset, at);
      const why = `expected a digit after '${lit.length > 24 ? `...${lit.slice(-24)}` : lit}', found ${describeChar(text[at])}`;
      return new Fail(at, why, path, at >= text.length);
    }
    default: {
      if (expect === 'value' && text[offset] === '-')
        return new Fail(offset + 1, `expected a digit after '-', found ${describeChar(text[offset + 1])}`, path, end);
      const found = describeChar(text[offset]);
      const comment = code === 'InvalidCommentToken' ? ' (JSON has no comments)' : '';
      if (expect === 'end')
        return new Fail(offset, `unexpected ${found} after the end of the value${comment}`, path, end);
      const what = expect === 'colon' ? `':' after the key '${key}'` : EXPECTED[expect];
      return new Fail(offset, `expected ${what}, found ${found}${comment}`, path, end);
    }
  }
}
