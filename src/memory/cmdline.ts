// The kernel command line as the kernel reads it (docs/kernel-behaviour.md §12): next_arg()'s
// tokens (lib/cmdline.c), the early parameters in order (init/main.c parse_early_param() ->
// parse_args() -> do_early_param()), fadump= (arch/powerpc/kernel/fadump.c early_fadump_param()),
// the crashkernel= text parse_crashkernel() reads (kernel/crash_reserve.c get_last_crashkernel()),
// and the command line kdumpctl gives the kdump capture kernel (kdump-utils kdump-lib.sh
// prepare_cmdline()). Pure functions of strings.
import { COMMAND_LINE_SIZE } from '../sysfs/store';

/** One parameter of a command line: `param` and its value (null when the token has no `=`: "ro"). */
export interface KernelParam {
  readonly param: string;
  readonly val: string | null;
}

const isSpace = (c: string | undefined): boolean => c !== undefined && /^[ \t\n\v\f\r]$/.test(c);

function skipSpaces(s: string, i: number): number {
  while (isSpace(s[i])) i++;
  return i;
}

/**
 * next_arg() (lib/cmdline.c): the token starting at `at` (leading spaces already skipped) and where
 * the next one starts. A token ends at a space outside double quotes; its first `=` (not at index
 * 0: `equals == 0` means none) splits param from value; a quote opening the token or the value,
 * and a quote ending it, are dropped.
 */
export function nextArg(args: string, at: number): { arg: KernelParam; next: number } {
  let start = at;
  let inQuote = false;
  let quoted = false;
  if (args[start] === '"') {
    start++;
    inQuote = true;
    quoted = true;
  }
  let i = start;
  let equals = 0;
  for (; i < args.length; i++) {
    const c = args[i];
    if (isSpace(c) && !inQuote) break;
    if (equals === 0 && c === '=') equals = i - start;
    if (c === '"') inQuote = !inQuote;
  }
  // args[start, i) is the token; the kernel writes NULs over quotes it drops.
  let end = i;
  let param: string;
  let val: string | null = null;
  if (equals === 0) {
    if (quoted && end > start && args[end - 1] === '"') end--;
    param = args.slice(start, end);
  } else {
    param = args.slice(start, start + equals);
    let v = start + equals + 1;
    if (args[v] === '"') {
      v++;
      if (args[i - 1] === '"') end = i - 1;
    }
    if (quoted && i > start && args[i - 1] === '"') end = Math.min(end, i - 1);
    val = args.slice(v, Math.max(v, end));
  }
  return { arg: { param, val }, next: skipSpaces(args, i < args.length ? i + 1 : i) };
}

/** The kernel parameters of a command line in order, as parse_args() (kernel/params.c) walks them:
 *  leading spaces skipped, stopping at a bare `--` (what follows goes to init). */
export function kernelParams(cmdline: string): KernelParam[] {
  const out: KernelParam[] = [];
  let i = skipSpaces(cmdline, 0);
  while (i < cmdline.length) {
    const { arg, next } = nextArg(cmdline, i);
    if (arg.val === null && arg.param === '--') break;
    out.push(arg);
    if (next <= i) break;
    i = next;
  }
  return out;
}

/** parameq() (kernel/params.c): names compare equal with `-` and `_` taken as the same. */
export function parameq(a: string, b: string): boolean {
  return a.length === b.length && a.replace(/-/g, '_') === b.replace(/-/g, '_');
}

/** fadump= as the kernel ends up with it: fw_dump.fadump_enabled and fw_dump.nocma. */
export type FadumpParam = 'on' | 'off' | 'nocma';

/**
 * fadump= after parse_early_param(): do_early_param() calls early_fadump_param() for every
 * `fadump` parameter in order, so the last one that matches wins, except that `nocma`, once seen,
 * stays (nothing clears fw_dump.nocma). early_fadump_param() compares prefixes (strncmp): "on",
 * "off", "nocma" and anything starting with them ("onion" is on, "offset" off); anything else
 * ("yes", "1", "", or no value at all: that one returns 1 and do_early_param() warns "Malformed
 * early option 'fadump'") changes nothing. fadump_enabled starts at 0: a line without fadump= is
 * off. `knowsNocma`: the release has a4e92ce8e4c8 (4.20); before, "nocma" matches nothing.
 */
export function earlyFadumpParam(cmdline: string, knowsNocma: boolean): FadumpParam {
  let enabled = false;
  let nocma = false;
  for (const { param, val } of kernelParams(cmdline)) {
    if (!parameq(param, 'fadump') || val === null) continue;
    if (val.startsWith('on')) enabled = true;
    else if (val.startsWith('off')) enabled = false;
    else if (knowsNocma && val.startsWith('nocma')) {
      enabled = true;
      nocma = true;
    }
  }
  return !enabled ? 'off' : nocma ? 'nocma' : 'on';
}

/** suffix_tbl of kernel/crash_reserve.c (kernel/crash_core.c before 6.9): a crashkernel= ending in
 *  one of these is kdump's high/low reservation, which the plain one skips. */
const CRASHKERNEL_SUFFIXES = [',high', ',low'] as const;

/**
 * The text after `crashkernel=` that parse_crashkernel() parses (get_last_crashkernel() with no
 * suffix): strstr() finds every "crashkernel=" in the line (not token by token: inside quotes
 * too), each running to the next space; the last one not ending in ",high" or ",low" is used.
 * null when there is none.
 */
export function lastCrashkernel(cmdline: string): string | null {
  const name = 'crashkernel=';
  let found: string | null = null;
  for (let p = cmdline.indexOf(name); p >= 0; p = cmdline.indexOf(name, p + 1)) {
    const space = cmdline.indexOf(' ', p);
    const text = cmdline.slice(p, space < 0 ? cmdline.length : space);
    if (CRASHKERNEL_SUFFIXES.some((s) => text.endsWith(s))) continue;
    found = text.slice(name.length);
  }
  return found;
}

/** kdumpctl's parameters removed from the kdump capture kernel's command line: prepare_cmdline()'s
 *  own (crashkernel, panic_on_warn, root, rd.lvm.lv, rd.luks.uuid, rd.dm.uuid, rd.md.uuid, fcoe,
 *  netroot, rd.iscsi.initiator, iscsi_initiator) and ppc64le's KDUMP_COMMANDLINE_REMOVE
 *  (gen-kdump-sysconfig.sh: hugepages hugepagesz slub_debug quiet log_buf_len swiotlb hugetlb_cma
 *  ignition.firstboot). */
const KDUMP_REMOVE = new Set([
  'crashkernel',
  'panic_on_warn',
  'root',
  'rd.lvm.lv',
  'rd.luks.uuid',
  'rd.dm.uuid',
  'rd.md.uuid',
  'fcoe',
  'netroot',
  'rd.iscsi.initiator',
  'iscsi_initiator',
  'hugepages',
  'hugepagesz',
  'slub_debug',
  'quiet',
  'log_buf_len',
  'swiotlb',
  'hugetlb_cma',
  'ignition.firstboot',
]);

/** ppc64le's KDUMP_COMMANDLINE_APPEND (gen-kdump-sysconfig.sh: _common then ppc64le). */
export const KDUMP_COMMANDLINE_APPEND =
  'novmcoredd hugetlb_cma=0 kfence.sample_interval=0 initramfs_options=size=90% irqpoll nr_cpus=16 noirqdistrib reset_devices cgroup_disable=memory numa=off udev.children-max=2 ehea.use_mcs=0 panic=10 kvm_cma_resv_ratio=0 transparent_hugepage=never';

/**
 * The command line `kdumpctl start` gives `kexec -p` (prepare_cmdline() of kdump-lib.sh, with
 * /proc/cmdline, an empty KDUMP_COMMANDLINE and ppc64le's sysconfig): every parameter of
 * /proc/cmdline but the removed ones (xargs-split on spaces, quotes dropped; an `opt=` with an
 * empty value dropped), then KDUMP_COMMANDLINE_APPEND, then "rd.systemd.gpt_auto=no", single
 * spaces. No watchdog and no boot CPU APIC id on POWER [I]; a quoted value with spaces in it
 * (which xargs keeps as one word) is not modelled [I].
 */
export function kdumpctlCmdline(procCmdline: string): string {
  const out: string[] = [];
  for (const word of procCmdline.split(/\s+/).filter((w) => w !== '')) {
    const plain = word.replace(/"/g, '');
    const eq = plain.indexOf('=');
    const opt = eq < 0 ? plain : plain.slice(0, eq);
    const val = eq < 0 ? '' : plain.slice(eq + 1);
    if (eq >= 0 && val === '') continue;
    if (opt === '' || KDUMP_REMOVE.has(opt)) continue;
    out.push(eq < 0 ? opt : `${opt}=${val}`);
  }
  return [...out, KDUMP_COMMANDLINE_APPEND, 'rd.systemd.gpt_auto=no'].join(' ');
}

/**
 * /proc/cmdline of a fadump capture boot (§1 early boot 3, §12): fadump_append_bootargs()'s
 * snprintf(boot_command_line + len, COMMAND_LINE_SIZE - len, " %s", append_args) when the boot
 * read a param area (6.10+, pSeries), cut to COMMAND_LINE_SIZE - 1 bytes; the line itself without
 * one. What "fadump: Updated cmdline: %s" prints.
 */
export function captureCmdline(base: string, paramArea: string | null): string {
  if (paramArea === null) return base;
  const line = `${base} ${paramArea}`;
  const bytes = Buffer.from(line, 'utf8');
  return bytes.length <= COMMAND_LINE_SIZE - 1 ? line : bytes.subarray(0, COMMAND_LINE_SIZE - 1).toString('utf8');
}
