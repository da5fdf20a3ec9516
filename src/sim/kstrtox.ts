// kstrtoint(buf, 0, &v), after lib/kstrtox.c: how the sysfs store handlers read a number. The
// seeded fault kstrtoint-accepts-garbage reads it as simple_strtol() would.
import type { Faults } from './mutants';

/** The int in `buf` (base 0: 0x hex, 0 octal, else decimal; one optional trailing newline), or
 *  null where the kernel returns -EINVAL or -ERANGE. */
export function kstrtoint(buf: string, faults: Faults): number | null {
  // The handler sees a C string: it ends at the first NUL.
  const nul = buf.indexOf('\0');
  if (nul >= 0) buf = buf.slice(0, nul);
  if (faults.on('kstrtoint-accepts-garbage')) {
    // simple_strtol(): leading digits, the rest ignored.
    const m = /^[+-]?\d*/.exec(buf);
    const n = m === null ? 0 : parseInt(m[0], 10);
    return Number.isNaN(n) ? 0 : n;
  }
  let s = buf;
  let neg = false;
  if (s.startsWith('-')) {
    neg = true;
    s = s.slice(1);
  } else if (s.startsWith('+')) {
    s = s.slice(1);
  }
  let base = 10;
  if (s[0] === '0') {
    if ((s[1] === 'x' || s[1] === 'X') && s[2] !== undefined && /[0-9a-fA-F]/.test(s[2])) {
      base = 16;
      s = s.slice(2);
    } else {
      base = 8;
    }
  }
  let i = 0;
  let v = 0n;
  for (; i < s.length; i++) {
    const c = s[i] ?? '';
    const d = /[0-9]/.test(c) ? c.charCodeAt(0) - 48 : /[a-fA-F]/.test(c) ? (c.charCodeAt(0) | 0x20) - 87 : 99;
    if (d >= base) break;
    v = v * BigInt(base) + BigInt(d);
    if (v > 0xffffffffffffffffn) return null; // -ERANGE
  }
  if (i === 0) return null;
  let rest = s.slice(i);
  if (rest.startsWith('\n')) rest = rest.slice(1);
  if (rest !== '') return null;
  const val = neg ? -v : v;
  if (val > 2147483647n || val < -2147483648n) return null;
  return Number(val);
}
