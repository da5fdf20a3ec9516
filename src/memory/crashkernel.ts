// crashkernel= as the kernel parses it, and kdump's reservation on powerpc, as pure functions over
// bytes (docs/kernel-behaviour.md §6 "crashkernel="). Parsing follows parse_crashkernel() and its
// helpers parse_crashkernel_simple(), parse_crashkernel_mem() and get_last_crashkernel()
// (kernel/crash_core.c in 6.1, kernel/crash_reserve.c from 6.9, the same code); memparse() is
// lib/cmdline.c's. The reservation follows reserve_crashkernel() in arch/powerpc/kexec/core.c.
import type { Range } from './layout';
import { MiB } from './size';

/** What parse_crashkernel() hands back for one crashkernel= value: the size and the @offset, in
 *  bytes (offset 0: none given). `messages` are the pr_warn()/pr_info() lines it logged on the way
 *  (verbatim, no prefix: crash_core.c has no pr_fmt). */
export interface CrashkernelSpec {
  readonly size: number;
  readonly base: number;
  readonly messages: readonly string[];
}

/** Why parse_crashkernel() returns an error (-EINVAL) or finds nothing (-ENOENT): `message` is the
 *  line it logged (null for none). */
export interface CrashkernelFailure {
  readonly error: 'EINVAL' | 'ENOENT';
  readonly message: string | null;
}

const SHIFT: Record<string, number> = { k: 1, m: 2, g: 3, t: 4, p: 5, e: 6 };

/** memparse() (lib/cmdline.c) from index `at` of `s`: simple_strtoull(s, &end, 0) (0x hex when a hex
 *  digit follows, a leading 0 octal, else decimal; no sign, no blanks), then one optional
 *  K/M/G/T/P/E suffix (either case) shifting by 10 bits each. `end` === `at` when no digit was read.
 *  Values past 2^53 give Infinity (the kernel wraps at 2^64: no configuration needs either). */
export function memparse(s: string, at: number): { value: number; end: number } {
  let i = at;
  let radix = 10;
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-fA-F]/.test(s[i + 2] ?? '')) {
    radix = 16;
    i += 2;
  } else if (s[i] === '0') radix = 8;
  const digits = radix === 16 ? /[0-9a-fA-F]/ : radix === 8 ? /[0-7]/ : /[0-9]/;
  const start = i;
  let value = 0;
  while (i < s.length && digits.test(s[i] ?? '')) {
    value = value * radix + parseInt(s[i] ?? '0', radix);
    i++;
  }
  if (i === start) return { value: 0, end: at };
  const shift = SHIFT[(s[i] ?? '').toLowerCase()];
  if (shift !== undefined) {
    value *= 1024 ** shift;
    i++;
  }
  return { value: Number.isSafeInteger(value) ? value : Infinity, end: i };
}

/** The value's end: the kernel's parsers stop at a blank or the end of the command line. */
const ends = (s: string, i: number) => i >= s.length || s[i] === ' ';

/** roundup(system_ram, SZ_128M): parse_crashkernel_mem() matches ranges against RAM rounded up to
 *  128 MiB ("kdump: round up the total memory size to 128M for crashkernel reservation", 2021;
 *  in 6.1 and 6.12). */
export function rangeMatchRam(systemRamBytes: number): number {
  return Math.ceil(systemRamBytes / (128 * MiB)) * (128 * MiB);
}

/** parse_crashkernel_mem(): `start-[end]:size[,...][@offset]`. A range matches when
 *  start <= RAM < end (RAM rounded up to 128 MiB); a size >= that RAM is an error; no match gives
 *  a size of 0 ("crashkernel size resulted in zero bytes"); the @offset is read only after a match. */
function parseMem(s: string, ram: number): CrashkernelSpec | CrashkernelFailure {
  const total = rangeMatchRam(ram);
  const fail = (message: string): CrashkernelFailure => ({ error: 'EINVAL', message });
  let cur = 0;
  let size = 0;
  for (;;) {
    const start = memparse(s, cur);
    if (start.end === cur) return fail('crashkernel: Memory value expected');
    cur = start.end;
    if (s[cur] !== '-') return fail("crashkernel: '-' expected");
    cur++;
    let end = Infinity;
    if (s[cur] !== ':') {
      const e = memparse(s, cur);
      if (e.end === cur) return fail('crashkernel: Memory value expected');
      cur = e.end;
      end = e.value;
      if (end <= start.value) return fail('crashkernel: end <= start');
    }
    if (s[cur] !== ':') return fail("crashkernel: ':' expected");
    cur++;
    const sz = memparse(s, cur);
    if (sz.end === cur) return fail('crashkernel: Memory value expected');
    cur = sz.end;
    if (sz.value >= total) return fail('crashkernel: invalid size');
    if (total >= start.value && total < end) {
      size = sz.value;
      break;
    }
    // do { ... } while (*cur++ == ',');
    if (s[cur++] !== ',') break;
  }
  if (size === 0) return { size: 0, base: 0, messages: ['crashkernel size resulted in zero bytes'] };
  while (cur < s.length && s[cur] !== ' ' && s[cur] !== '@') cur++;
  if (s[cur] !== '@') return { size, base: 0, messages: [] };
  const base = memparse(s, cur + 1);
  if (base.end === cur + 1) return fail("crashkernel: Memory value expected after '@'");
  return { size, base: base.value, messages: [] };
}

/** parse_crashkernel_simple(): `size[@offset]`. */
function parseSimple(s: string): CrashkernelSpec | CrashkernelFailure {
  const size = memparse(s, 0);
  if (size.end === 0) return { error: 'EINVAL', message: 'crashkernel: memory value expected' };
  const cur = size.end;
  if (s[cur] === '@') return { size: size.value, base: memparse(s, cur + 1).value, messages: [] };
  if (!ends(s, cur)) return { error: 'EINVAL', message: `crashkernel: unrecognized char: ${s[cur] ?? ''}` };
  return { size: size.value, base: 0, messages: [] };
}

/** The suffixes get_last_crashkernel() skips when no suffix is asked for (suffix_tbl[]: ",high",
 *  ",low"; ",cma" only from 6.16, after the releases the model describes). powerpc's
 *  reserve_crashkernel() and fadump_calculate_reserve_size() ask for none, so a crashkernel= with
 *  one of them is not found at all (-ENOENT: nothing reserved, nothing logged). */
const SKIPPED_SUFFIXES = [',high', ',low'];

/** parse_crashkernel(cmdline, system_ram, &size, &base, NULL, NULL) as powerpc calls it, for the
 *  value of the last crashkernel= (`text`, what follows "crashkernel="): the extended syntax when a
 *  ':' comes before the first blank, else the simple one. `systemRamBytes` is
 *  memblock_phys_mem_size() (bytes). The result before the release-dependent checks of
 *  parse_crashkernel() itself (a size of 0, a size >= RAM: crashkernelAccepted()). */
export function parseCrashkernelDetailed(text: string, systemRamBytes: number): CrashkernelSpec | CrashkernelFailure {
  const value = text.split(' ')[0] ?? '';
  if (SKIPPED_SUFFIXES.some((x) => value.endsWith(x))) return { error: 'ENOENT', message: null };
  const colon = text.indexOf(':');
  const space = text.indexOf(' ');
  if (colon >= 0 && (space < 0 || colon < space)) return parseMem(text, systemRamBytes);
  return parseSimple(text);
}

/** The size and offset (bytes) parse_crashkernel() gives for `text` (the value of crashkernel=)
 *  against `systemRamBytes` of RAM; null when it reports a syntax error or finds no crashkernel=
 *  it reads (",high"/",low" on powerpc). The size may be 0 (no range matched) or at least RAM:
 *  what the kernel then does depends on its release (crashkernelAccepted()). */
export function parseCrashkernel(text: string, systemRamBytes: number): CrashkernelSpec | null {
  const r = parseCrashkernelDetailed(text, systemRamBytes);
  return 'error' in r ? null : r;
}

/** Why a configuration's crashkernel= value is not one the kernel can parse, whatever the RAM, or
 *  null: the kernel's own warning, and what it means. A range's size at or above the RAM is a
 *  runtime matter (the kernel's "crashkernel: invalid size"), not a syntax error. */
export function crashkernelSyntaxError(text: string): string | null {
  if (text.trim() !== text || text.includes(' '))
    return 'give only the value of crashkernel=, without blanks (the kernel stops at the first one)';
  if (text === '') return 'crashkernel: memory value expected (an empty value)';
  const r = parseCrashkernelDetailed(text, Number.MAX_SAFE_INTEGER);
  if (!('error' in r)) {
    if (r.size === Infinity || r.base === Infinity) return 'too large: more than 2^53 bytes';
    return null;
  }
  if (r.error === 'ENOENT' || r.message === 'crashkernel: invalid size') return null;
  return `${r.message ?? ''}: parse_crashkernel() refuses it (-EINVAL) and nothing is reserved`;
}

/** Whether parse_crashkernel() returns 0 for this size, by release: 6.7 ("crash_core: change
 *  parse_crashkernel() to support crashkernel=,high|low parsing") added `if (!*crash_size) ret =
 *  -EINVAL`, which changes nothing on powerpc (its callers also ask size > 0); "crash: fix crash
 *  memory reserve exceed system memory bug" (Jinjie Ruan, 2024, in 6.12 [I: merged through the
 *  mm tree for 6.12]) added `if (*crash_size >= system_ram) ret = -EINVAL`, silently. Before it
 *  a size at or above RAM is taken: fadump caps it, kdump fails to reserve it. */
export function crashkernelAccepted(spec: CrashkernelSpec, systemRamBytes: number, rejectsRamSize: boolean): boolean {
  if (spec.size <= 0) return false;
  return !(rejectsRamSize && spec.size >= systemRamBytes);
}

/** What fadump_calculate_reserve_size() and reserve_crashkernel() take from a crashkernel= value
 *  (`text`, or null for none) on `systemRamBytes` of RAM: the spec when parse_crashkernel()
 *  returns 0 with a size above 0 in this release (crashkernelAccepted()), else null. */
export function acceptedCrashkernel(
  text: string | null,
  systemRamBytes: number,
  rejectsRamSize: boolean,
): CrashkernelSpec | null {
  if (text === null) return null;
  const spec = parseCrashkernel(text, systemRamBytes);
  return spec !== null && crashkernelAccepted(spec, systemRamBytes, rejectsRamSize) ? spec : null;
}

/** The running kernel's image, [0, KERNEL_IMAGE_END) (__pa(_stext) to _end), in bytes: 32 MiB
 *  [I: a distribution's ppc64le kernel's text, data and bss; kdump.rst's ppc64 example
 *  "crashkernel=128M@32M" starts just above it]. */
export const KERNEL_IMAGE_END = 32 * MiB;

/** What reserve_crashkernel() (arch/powerpc/kexec/core.c, 6.1 and 6.12) needs to know. */
export interface CrashkernelBoot {
  /** The crashkernel= value, or null for none. */
  text: string | null;
  /** memblock.memory at boot: the partition's memory ranges (bytes). */
  memory: readonly Range[];
  /** The kernel applies the >= RAM check of parse_crashkernel() (6.12, crashkernelAccepted()). */
  rejectsRamSize: boolean;
  /** firmware_has_feature(FW_FEATURE_LPAR): pSeries (PowerVM and QEMU's spapr), not PowerNV. */
  lpar: boolean;
  /** ppc64_rma_size in bytes: radix__setup_initial_memory_limit() "Radix mode is not limited by RMA
   *  / VRMA addressing" (Infinity), hash the first memory block (src/memory/guest.ts). */
  rmaBytes: number;
  /** PAGE_SIZE in bytes. */
  pageSize: number;
  /** 6.15+: reserve_crashkernel_generic() does the reserving (e3185ee438c2, src/kernel-versions.ts). */
  generic: boolean;
  /** The part of `memory` the device tree flags DRCONF_MEM_HOTREMOVABLE, which
   *  early_init_drmem_lmb() (arch/powerpc/kernel/prom.c) memblock_mark_hotplug()s: memblock merges
   *  adjacent regions only of equal flags (memblock_merge_regions(), mm/memblock.c), so it is a
   *  region apart from the rest. None when absent. */
  hotremovable?: readonly Range[];
}

/** reserve_crashkernel()'s outcome: the crashk_res range (null: nothing reserved, so
 *  /sys/kernel/kexec_crash_size reads 0) and the console lines it logged, verbatim. */
export interface CrashkernelReservation {
  range: Range | null;
  lines: string[];
}

/** reserve_crashkernel() (arch/powerpc/kexec/core.c, CONFIG_NONSTATIC_KERNEL as ppc64 builds): the
 *  parsed size at the @offset, or with none at min(ppc64_rma_size / 2, 512M) on an LPAR (128M
 *  otherwise); the base PAGE_ALIGNed ("Crash kernel base must be aligned to 0x%lx"); a range over
 *  the running kernel is dropped ("Crash kernel can not overlap current kernel"). Then, until 6.15,
 *  the size PAGE_ALIGNed, "Reserving %ldMB of memory at %ldMB for crashkernel (System RAM: %ldMB)"
 *  and memblock_is_region_memory() (the whole range inside one memblock.memory region) or "Failed
 *  to reserve memory for crashkernel!"; from 6.15 (e3185ee438c2, arch_reserve_crashkernel())
 *  reserve_crashkernel_generic() (kernel/crash_reserve.c) with that fixed base:
 *  memblock_phys_alloc_range() inside [base, base + size) or "crashkernel reservation failed -
 *  memory is in use.", else "crashkernel reserved: 0x%016llx - 0x%016llx (%lld MB)". Nothing else
 *  is memblock-reserved there in the model [I]. */
export function reserveCrashkernel(b: CrashkernelBoot): CrashkernelReservation {
  if (b.text === null) return { range: null, lines: [] };
  const ram = b.memory.reduce((a, r) => a + (r.end - r.start), 0);
  const parsed = parseCrashkernelDetailed(b.text, ram);
  if ('error' in parsed) return { range: null, lines: parsed.message === null ? [] : [parsed.message] };
  const lines = [...parsed.messages];
  // ret == 0 && crash_size > 0; else crashk_res stays empty and nothing more is logged.
  if (!crashkernelAccepted(parsed, ram, b.rejectsRamSize)) return { range: null, lines };
  let start = parsed.base;
  if (start === 0) start = Math.min(b.rmaBytes / 2, b.lpar ? 512 * MiB : 128 * MiB);
  const aligned = Math.ceil(start / b.pageSize) * b.pageSize;
  if (aligned !== start) lines.push(`Crash kernel base must be aligned to 0x${b.pageSize.toString(16)}`);
  const size = b.generic ? parsed.size : Math.ceil(parsed.size / b.pageSize) * b.pageSize;
  const range = { start: aligned, end: aligned + size };
  // (kernel_start + kernel_size > crash_base) && (kernel_start <= crash_end), kernel_start 0.
  if (KERNEL_IMAGE_END > range.start)
    return { range: null, lines: [...lines, 'Crash kernel can not overlap current kernel'] };
  if (b.generic) {
    if (!isRegionMemory(b.memory, range, b.hotremovable ?? []))
      return { range: null, lines: [...lines, 'crashkernel reservation failed - memory is in use.'] };
    const hex = (n: number) => `0x${n.toString(16).padStart(16, '0')}`;
    return {
      range,
      lines: [...lines, `crashkernel reserved: ${hex(range.start)} - ${hex(range.end)} (${Math.floor(size / MiB)} MB)`],
    };
  }
  lines.push(
    `Reserving ${Math.floor(size / MiB)}MB of memory at ${Math.floor(range.start / MiB)}MB for crashkernel (System RAM: ${Math.floor(ram / MiB)}MB)`,
  );
  if (!isRegionMemory(b.memory, range, b.hotremovable ?? []))
    return { range: null, lines: [...lines, 'Failed to reserve memory for crashkernel!'] };
  return { range, lines };
}

/** memblock_is_region_memory(): the range lies inside one region of memblock.memory. Adjacent
 *  ranges are one region when their flags agree (memblock_merge_regions(), mm/memblock.c): the
 *  hot-removable part and the rest are merged apart. */
function isRegionMemory(memory: readonly Range[], r: Range, hotremovable: readonly Range[]): boolean {
  const plain = hotremovable.reduce<Range[]>((left, h) => cut(left, h), [...memory]);
  const hot = memory.flatMap((m) =>
    hotremovable.flatMap((h) => {
      const start = Math.max(m.start, h.start);
      const end = Math.min(m.end, h.end);
      return start < end ? [{ start, end }] : [];
    }),
  );
  return [merged(plain), merged(hot)].some((rs) => rs.some((m) => m.start <= r.start && r.end <= m.end));
}

/** `ranges` without `c` (written here: the simulator shares this file, not src/memory/layout.ts). */
function cut(ranges: readonly Range[], c: Range): Range[] {
  return ranges.flatMap((r) => {
    if (r.end <= c.start || c.end <= r.start) return [r];
    return [
      ...(r.start < c.start ? [{ start: r.start, end: c.start }] : []),
      ...(c.end < r.end ? [{ start: c.end, end: r.end }] : []),
    ];
  });
}

/** Ranges with the adjacent and overlapping ones joined, in address order. */
function merged(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const out: { start: number; end: number }[] = [];
  for (const m of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && last.end >= m.start) last.end = Math.max(last.end, m.end);
    else out.push({ start: m.start, end: m.end });
  }
  return out;
}
