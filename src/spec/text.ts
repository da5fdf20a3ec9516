// How the spec writers spell values: as printf formats for the shell (exact, with long runs of one
// character made by a helper) and as readable text for Markdown (exact too: a run is written as
// its character and its count, never cut).
import type { PtLoad } from '../memory/layout';

/** Runs of one letter or digit at least this long are written as a count. */
const RUN = 32;

/** Pieces of a value: literal text, or a run of `n` times the character `c`. */
type Piece = { text: string } | { c: string; n: number };

function pieces(value: string): Piece[] {
  const out: Piece[] = [];
  const re = new RegExp(`([A-Za-z0-9])\\1{${RUN - 1},}`, 'g');
  let at = 0;
  for (const m of value.matchAll(re)) {
    if (m.index > at) out.push({ text: value.slice(at, m.index) });
    out.push({ c: m[1] ?? '', n: m[0].length });
    at = m.index + m[0].length;
  }
  if (at < value.length) out.push({ text: value.slice(at) });
  return out;
}

/** `text` as the inside of a single-quoted printf format: every byte means itself (`%` doubled,
 *  backslash, newline, tab, quote and other control bytes as escapes). */
export function printfFormat(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '%') out += '%%';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === "'") out += '\\047';
    else if (code < 0x20 || code === 0x7f) out += `\\${code.toString(8).padStart(3, '0')}`;
    else out += ch;
  }
  return out;
}

/** A value as printf's arguments: the format (without quotes; a `'` written as \047) and, for each
 *  long run, an argument `"$(r C N)"` (the script's helper r prints N times C). printf FORMAT ARGS
 *  prints the value exactly. */
export function printfParts(value: string): { format: string; args: string[] } {
  let format = '';
  const args: string[] = [];
  for (const p of pieces(value)) {
    if ('text' in p) format += printfFormat(p.text);
    else {
      format += '%s';
      args.push(`"$(r ${p.c} ${p.n})"`);
    }
  }
  return { format, args };
}

/** printfParts() as shell words: `'format'` and the run arguments. */
export function printfWords(value: string): string {
  const { format, args } = printfParts(value);
  return [`'${format}'`, ...args].join(' ');
}

/** A multi-line value for a reader, as it reads, but each long run of one character written as
 *  `⟨"c" × n⟩` (exact: nothing is cut). */
export function blockText(value: string): string {
  return pieces(value)
    .map((p) => ('text' in p ? p.text : `⟨${JSON.stringify(p.c)} × ${p.n}⟩`))
    .join('');
}

/** A value for a reader: JSON-quoted pieces, runs as `"c" × n`, joined by ` + ` ("" for empty). */
export function readable(value: string): string {
  const ps = pieces(value);
  if (ps.length === 0) return '""';
  return ps.map((p) => ('text' in p ? JSON.stringify(p.text) : `${JSON.stringify(p.c)} × ${p.n}`)).join(' + ');
}

/** /proc/vmcore's PT_LOADs as the script's helper prints them: `paddr:size:offset` in hex, space
 *  separated; "none" when there is no /proc/vmcore. */
export function ptLoadText(loads: readonly PtLoad[] | null): string {
  if (loads === null) return 'none';
  return loads.map((p) => `${p.paddr.toString(16)}:${p.size.toString(16)}:${p.offset.toString(16)}`).join(' ');
}

/** How a tester sets the boot loader's command line (docs/kernel-behaviour.md §12). */
export function setCmdline(line: string): string {
  return `set the default boot entry's command line to ${JSON.stringify(line)} (grubby --update-kernel=DEFAULT: --remove-args the current ones, --args these; petitboot: edit the default entry)`;
}
