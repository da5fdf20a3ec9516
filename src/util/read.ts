// Reading an input file at the boundary: bounded (a file, a pipe or a device is read in chunks and
// refused as soon as it passes the limit, so a 100 MB or endless input never costs more than the
// limit), and checked to be UTF-8 text, with the line of the first bad byte.
import { closeSync, fstatSync, lstatSync, openSync, readSync } from 'node:fs';

/** Bad input from the user: the CLI prints the message and exits 2. */
export class InputError extends Error {}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

export interface ReadLimits {
  /** Refuse a file larger than this many bytes. */
  maxBytes: number;
  /** What the file is, for the message ("an event log", "a configuration file"). */
  what: string;
  /** Why the limit is what it is, appended to the message. */
  why: string;
}

const CHUNK = 1 << 20;

function errnoOf(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code ?? (e instanceof Error ? e.message : String(e));
}

/** The file's bytes, or an InputError naming it. */
export function readBounded(file: string, limits: ReadLimits): Buffer {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new InputError(`${file}: cannot read (${errnoOf(e)})`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new InputError(`${file}: cannot read (EISDIR: it is a directory)`);
    const max = formatBytes(limits.maxBytes);
    const tooBig = (size: string) =>
      new InputError(`${file}: ${size}, the most ${limits.what} may be (${limits.why}); nothing was read`);
    // A regular file's size is known before reading anything.
    if (st.isFile() && st.size > limits.maxBytes) throw tooBig(`${formatBytes(st.size)} is larger than ${max}`);
    const chunks: Buffer[] = [];
    let total = 0;
    // A regular file is read in one buffer of its size and a byte (one that grew meanwhile reads
    // on); anything else in chunks.
    let size = st.isFile() ? st.size + 1 : CHUNK;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(size, limits.maxBytes + 1 - total));
      size = CHUNK;
      let got: number;
      try {
        got = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException | null)?.code === 'EAGAIN') continue;
        throw new InputError(`${file}: cannot read (${errnoOf(e)})`);
      }
      if (got === 0) break;
      chunks.push(buf.subarray(0, got));
      total += got;
      if (total > limits.maxBytes) throw tooBig(`more than ${max}`);
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/** A bounded UTF-8 text file (readBounded, then decodeUtf8: a UTF-8 byte order mark is dropped).
 *  @throws InputError (exit 2) naming the file, and the line of the first bad byte when it is not
 *  UTF-8 text. */
export function readText(file: string, limits: ReadLimits): string {
  const text = decodeUtf8(readBounded(file, limits));
  if (!text.ok) throw new InputError(`${file}:${text.problem.line}: ${text.problem.message}`);
  return text.text;
}

export interface DecodeProblem {
  line: number;
  message: string;
}

/** UTF-8 text without its byte order mark, or the problem (with its line) when it is not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): { ok: true; text: string } | { ok: false; problem: DecodeProblem } {
  const b0 = bytes[0];
  const b1 = bytes[1];
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff)) {
    return {
      ok: false,
      problem: {
        line: 1,
        message: `the text is UTF-16 (byte order mark ${b0 === 0xff ? 'FF FE' : 'FE FF'}); expected UTF-8: convert it, e.g. iconv -f UTF-16 -t UTF-8`,
      },
    };
  }
  const bom = b0 === 0xef && b1 === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const body = bytes.subarray(bom);
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body) };
  } catch {
    const at = firstInvalidUtf8(body);
    let line = 1;
    for (let k = 0; k < at; k++) if (body[k] === 0x0a) line++;
    const byte = body[at] ?? 0;
    return {
      ok: false,
      problem: {
        line,
        message: `not UTF-8 text: byte 0x${byte.toString(16).padStart(2, '0')} at offset ${at + bom} does not start or continue a UTF-8 character`,
      },
    };
  }
}

/** The offset of the first byte that is not part of a well-formed UTF-8 sequence. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let k = 0;
  while (k < b.length) {
    const c = b[k] ?? 0;
    let need: number;
    let min: number;
    if (c < 0x80) {
      k++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return k;
    let cp = c & (0x3f >> need);
    for (let j = 1; j <= need; j++) {
      const d = b[k + j];
      if (d === undefined || (d & 0xc0) !== 0x80) return k;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return k;
    k += need + 1;
  }
  return b.length;
}

/** The first `bytes` bytes (at most) of `file` when it is a regular file (never a symbolic link,
 *  whose target may be anywhere, nor a FIFO, whose opening waits for a writer); null for anything
 *  else or a file that cannot be read. Never throws: for telling whether a file is one the tool
 *  wrote. */
export function readHead(file: string, bytes: number): Buffer | null {
  try {
    if (fileKind(file) !== 'file') return null;
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(bytes);
      return buf.subarray(0, readSync(fd, buf, 0, bytes, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
}

/** What is at `path`, not following a symbolic link: nothing, a regular file (the kind the tool
 *  writes: src/util/atomic.ts writeFileAtomic), or something else (a folder, a symbolic link, a
 *  FIFO...), which the tool neither reads as its own, writes over nor removes. Throws the fs error
 *  for a path it cannot look at (EACCES on a parent...). */
export function fileKind(path: string): 'none' | 'file' | 'other' {
  const st = lstatSync(path, { throwIfNoEntry: false });
  return st === undefined ? 'none' : st.isFile() ? 'file' : 'other';
}
