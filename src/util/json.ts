// A strict JSON reader for input files (event logs, --config files) that knows where things are:
// every problem comes with a line and a column, every value with the line it starts on, so that a
// message can name the file, the line and the field. It also refuses what JSON.parse accepts
// silently: a key given twice (JSON.parse keeps the last one, so {"fadump": "nocma", "fadump":
// "off"} would quietly mean "off"), and nesting deep enough to exhaust the stack.

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
  ) {
    super(why);
  }
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

function describeChar(c: string | undefined): string {
  if (c === undefined) return 'the end of the text';
  const code = c.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return `control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return `'${c}'`;
}

export function pathKey(path: JsonPath): string {
  return JSON.stringify(path);
}

/** Parses one JSON text. `firstLine` is the line number of the text's first character in its
 *  file (for a line of a JSONL log, that line). Never throws. */
export function parseJson(text: string, firstLine = 1, maxDepth = MAX_JSON_DEPTH): JsonResult {
  // Line starts, for turning offsets into (line, column).
  const lineStarts: number[] = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const position = (offset: number): JsonPosition => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: firstLine + lo, column: offset - (lineStarts[lo] ?? 0) + 1 };
  };

  const starts = new Map<string, number>();
  let i = 0;
  const n = text.length;

  const skip = () => {
    while (i < n && WS.has(text.charCodeAt(i))) i++;
  };
  const fail = (why: string, path: JsonPath, at = i): never => {
    throw new Fail(at, why, path);
  };
  const expected = (what: string, path: JsonPath): never =>
    fail(`expected ${what}, found ${describeChar(text[i])}`, path);

  const parseString = (path: JsonPath): string => {
    // text[i] === '"'
    const start = i;
    i++;
    let out = '';
    let run = i;
    for (;;) {
      if (i >= n) fail('a string is not closed', path, start);
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(run, i);
        i++;
        return out;
      }
      if (c < 0x20) fail(`${describeChar(text[i])} inside a string (write it as an escape such as \\n)`, path);
      if (c === 0x5c) {
        out += text.slice(run, i);
        const e = text[i + 1];
        switch (e) {
          case '"':
          case '\\':
          case '/':
            out += e;
            i += 2;
            break;
          case 'b':
            out += '\b';
            i += 2;
            break;
          case 'f':
            out += '\f';
            i += 2;
            break;
          case 'n':
            out += '\n';
            i += 2;
            break;
          case 'r':
            out += '\r';
            i += 2;
            break;
          case 't':
            out += '\t';
            i += 2;
            break;
          case 'u': {
            const hex = text.slice(i + 2, i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('\\u must be followed by four hex digits', path);
            out += String.fromCharCode(parseInt(hex, 16));
            i += 6;
            break;
          }
          default:
            fail(e === undefined ? 'a string is not closed' : `unknown escape \\${e}`, path);
        }
        run = i;
        continue;
      }
      i++;
    }
  };

  const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

  const parseValue = (path: JsonPath, depth: number): unknown => {
    skip();
    starts.set(pathKey(path), i);
    const c = text[i];
    if (c === '{' || c === '[') {
      if (depth >= maxDepth) fail(`nested more than ${maxDepth} levels deep`, path);
      return c === '{' ? parseObject(path, depth + 1) : parseArray(path, depth + 1);
    }
    if (c === '"') return parseString(path);
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (m === null) return expected('a number', path);
      i += m[0].length;
      const v = Number(m[0]);
      if (!Number.isFinite(v))
        fail(`the number ${m[0].length > 24 ? `${m[0].slice(0, 24)}...` : m[0]} is too large`, path, i - m[0].length);
      return v;
    }
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    return expected('a value (an object, array, string, number, true, false or null)', path);
  };

  const parseObject = (path: JsonPath, depth: number): Record<string, unknown> => {
    i++; // {
    const out: Record<string, unknown> = {};
    const keyAt = new Map<string, number>();
    skip();
    if (text[i] === '}') {
      i++;
      return out;
    }
    for (;;) {
      skip();
      if (text[i] !== '"')
        expected(keyAt.size === 0 ? "a key in double quotes or '}'" : 'a key in double quotes', path);
      const at = i;
      const key = parseString(path);
      const first = keyAt.get(key);
      if (first !== undefined) {
        const p = position(first);
        fail(
          `duplicate key '${key}' (first at line ${p.line} column ${p.column}): JSON would silently keep only the last one`,
          path,
          at,
        );
      }
      keyAt.set(key, at);
      skip();
      if (text[i] !== ':') expected(`':' after the key '${key}'`, path);
      i++;
      const child = [...path, key];
      const v = parseValue(child, depth);
      starts.set(pathKey(child), at);
      // Own data property even for "__proto__".
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      skip();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return out;
      }
      expected("',' or '}'", path);
    }
  };

  const parseArray = (path: JsonPath, depth: number): unknown[] => {
    i++; // [
    const out: unknown[] = [];
    skip();
    if (text[i] === ']') {
      i++;
      return out;
    }
    for (;;) {
      out.push(parseValue([...path, out.length], depth));
      skip();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        return out;
      }
      expected("',' or ']'", path);
    }
  };

  try {
    skip();
    if (i >= n)
      return {
        ok: false,
        problem: { ...position(i), path: [], message: 'no JSON value (the text is empty)', truncated: true },
      };
    const value = parseValue([], 0);
    skip();
    if (i < n) fail(`unexpected ${describeChar(text[i])} after the end of the value`, []);
    return {
      ok: true,
      doc: {
        value,
        locate(path) {
          for (let k = path.length; k >= 0; k--) {
            const at = starts.get(pathKey(path.slice(0, k)));
            if (at !== undefined) return position(at);
          }
          return position(0);
        },
      },
    };
  } catch (e) {
    if (e instanceof Fail)
      return { ok: false, problem: { ...position(e.at), path: e.path, message: e.why, truncated: i >= n } };
    // Nothing else is expected; still never throw (a RangeError from a giant string, say).
    return {
      ok: false,
      problem: { ...position(i), path: [], message: e instanceof Error ? e.message : String(e), truncated: false },
    };
  }
}
