// lib/cmdline.c next_arg(), kernel/params.c parse_args(), init/main.c do_early_param() and
// kernel/crash_reserve.c get_last_crashkernel(), as the simulator's kernel calls them at boot
// (docs/kernel-behaviour.md §12). Written from the kernel's C, apart from src/memory/cmdline.ts.

/** A C string walked by index: the kernel writes NULs into boot_command_line's copy as it goes. */
type Chars = string[];

const isspace = (c: string | undefined): boolean =>
  c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';

/** skip_spaces() */
function skip_spaces(s: Chars, i: number): number {
  while (isspace(s[i])) i++;
  return i;
}

/** The C string at i: up to the first NUL (or the end). */
function cstr(s: Chars, i: number): string {
  let out = '';
  for (let j = i; j < s.length && s[j] !== '\0'; j++) out += s[j];
  return out;
}

/** next_arg(): returns [param, val | null, next index]. */
function next_arg(s: Chars, args: number): [string, string | null, number] {
  let equals = 0;
  let in_quote = false;
  let quoted = false;
  if (s[args] === '"') {
    args++;
    in_quote = true;
    quoted = true;
  }
  let i = 0;
  for (; args + i < s.length && s[args + i] !== '\0'; i++) {
    if (isspace(s[args + i]) && !in_quote) break;
    if (equals === 0 && s[args + i] === '=') equals = i;
    if (s[args + i] === '"') in_quote = !in_quote;
  }
  let val: number | null = null;
  if (equals !== 0) {
    s[args + equals] = '\0';
    val = args + equals + 1;
    // Don't include quotes in value.
    if (s[val] === '"') {
      val++;
      if (s[args + i - 1] === '"') s[args + i - 1] = '\0';
    }
  }
  if (quoted && i > 0 && s[args + i - 1] === '"') s[args + i - 1] = '\0';
  let next: number;
  if (args + i < s.length && s[args + i] !== '\0') {
    s[args + i] = '\0';
    next = args + i + 1;
  } else next = args + i;
  const param = cstr(s, args);
  return [param, val === null ? null : cstr(s, val), skip_spaces(s, next)];
}

/** parse_args("early options", cmdline, ...) with do_early_param() as the unknown handler: calls
 *  `early(param, val)` for every parameter before a bare "--". */
export function parse_early_options(cmdline: string, early: (param: string, val: string | null) => void): void {
  const s: Chars = [...cmdline];
  let args = skip_spaces(s, 0);
  while (args < s.length && s[args] !== '\0') {
    const [param, val, next] = next_arg(s, args);
    // Stop at --
    if (val === null && param === '--') return;
    early(param, val);
    if (next === args) return;
    args = next;
  }
}

/** parameq(): '-' and '_' are the same in parameter names. */
export function parameq(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] === '-' ? '_' : a[i];
    const y = b[i] === '-' ? '_' : b[i];
    if (x !== y) return false;
  }
  return true;
}

/** get_last_crashkernel(cmdline, "crashkernel=", NULL): the text after the last "crashkernel="
 *  (strstr, anywhere) up to the next space, skipping those ending in ",high" or ",low". */
export function get_last_crashkernel(cmdline: string): string | null {
  const name = 'crashkernel=';
  let ck: number | null = null;
  let p = cmdline.indexOf(name);
  while (p >= 0) {
    let end_p = cmdline.indexOf(' ', p);
    if (end_p < 0) end_p = cmdline.length;
    const word = cmdline.slice(p, end_p);
    if (!word.endsWith(',high') && !word.endsWith(',low')) ck = p;
    p = cmdline.indexOf(name, p + 1);
  }
  if (ck === null) return null;
  const end = cmdline.indexOf(' ', ck);
  return cmdline.slice(ck + name.length, end < 0 ? cmdline.length : end);
}
