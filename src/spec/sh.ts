// `paths --format sh`: one POSIX shell script per configuration (configurations whose scripts
// would be identical share one) that a QA engineer runs as root on an LPAR or a QEMU guest. Each
// part of a path (the steps between two boots) is a function; a write is `printf FORMAT > FILE`
// done as one write(2) by dd, whose message gives the errno name; every file the model predicts is
// read back with cat and compared exactly. README "Running the regression spec".
import { describeEvent, type ExternalEvent } from '../events';
import type { DumpVerdict } from '../explain/outcome';
import {
  OutcomeNames,
  MEMINFO_CMA,
  modelBound,
  type ConfigSpec,
  type FileCheck,
  type SpecPart,
  type SpecStep,
} from './steps';
import { printfParts, ptLoadText, setCmdline } from './text';

/** Values longer than this are defined once, as variables, at the top of the script. */
const SHARED_VALUE = 40;

const PREFIXES: [string, string][] = [
  ['/sys/kernel/fadump/', '$F/'],
  ['/sys/kernel/debug/powerpc/fadump_region', '$R'],
  ['/sys/kernel/', '$K/'],
];

function shPath(p: string): string {
  for (const [long, short] of PREFIXES) if (p.startsWith(long)) return short + p.slice(long.length);
  return p;
}

/** Single-quoted shell word. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A step's dump outcome as a comment naming its note (listed at the top of the body). */
function outcomeComment(d: DumpVerdict, v: Values): string {
  return `# dump outcome ${v.outcomes.name(d)}: ${d.kind}`;
}

class Values {
  readonly outcomes = new OutcomeNames();
  private readonly index = new Map<string, number>();
  readonly defs: string[] = [];
  private readonly manualIndex = new Map<string, number>();
  readonly manuals: string[] = [];
  /** A manual step's call: one function per distinct step (`mN`), defined once. */
  manual(line: string): string {
    let i = this.manualIndex.get(line);
    if (i === undefined) {
      i = this.manuals.length + 1;
      this.manualIndex.set(line, i);
      this.manuals.push(`m${i}() { ${line}; }`);
    }
    return `m${i}`;
  }
  /** printf words for a value: a long format is a shared variable (defined once at the top), its
   *  run arguments follow it. */
  words(value: string): string {
    const { format, args } = printfParts(value);
    const quoted = `'${format}'`;
    if (quoted.length <= SHARED_VALUE) return [quoted, ...args].join(' ');
    let i = this.index.get(quoted);
    if (i === undefined) {
      i = this.defs.length + 1;
      this.index.set(quoted, i);
      this.defs.push(`V${i}=${quoted}`);
    }
    return [`"$V${i}"`, ...args].join(' ');
  }
}

function checkLine(c: FileCheck, v: Values): string {
  if (c.value === null) return `a ${shPath(c.path)}`;
  if (c.value === 'exists') return `e ${shPath(c.path)}`;
  if (c.path === MEMINFO_CMA) return `c ${v.words(c.value)}`;
  return `f ${shPath(c.path)} ${v.words(c.value)}`;
}

function eventLine(e: ExternalEvent, s: SpecStep, v: Values): string[] {
  const errno = s.errno ?? '-';
  switch (s.how.kind) {
    case 'boot': {
      const down = e.event === 'crash' ? 'down crash' : e.event === 'reboot' ? 'down reboot' : 'down boot';
      // docs/kernel-behaviour.md §12: the boot loader's stored line is set before the (re)boot.
      const line = (e.event === 'reboot' || e.event === 'boot') && e.cmdline !== undefined ? e.cmdline : null;
      return line === null
        ? [down]
        : [
            v.manual(
              `m ${shQuote(describeEvent(e))} ${shQuote(setCmdline(line))} ${shQuote(`boot with -append ${JSON.stringify(line)} (or the guest's boot entry)`)}`,
            ),
            down,
          ];
    }
    case 'manual': {
      const bound = modelBound(s);
      const refusal =
        bound ?? (s.errno === null || s.how.notApplicable === true ? null : `the kernel must refuse it (${s.errno})`);
      const call = v.manual(
        `m ${shQuote(describeEvent(e))} ${shQuote(refusal === null ? s.how.hmc : `${s.how.hmc}; ${refusal}`)} ${shQuote(s.how.qemu)}`,
      );
      return bound === null
        ? [call]
        : [call, `i ${shQuote(`${describeEvent(e)} in a capture kernel: not checked (a modelling bound)`)}`];
    }
    case 'shell':
      if (e.event === 'write') return [`w ${shPath(e.path)} ${errno} ${v.words(e.value)}`];
      if (e.event === 'save-dump') return [`s ${errno}`];
      return [v.manual(`m ${shQuote(describeEvent(e))} ${shQuote('do it')} ${shQuote('do it')}`)];
  }
}

function partBody(part: SpecPart, obs: Map<string, number>, obsDefs: string[], v: Values): string[] {
  const lines: string[] = [];
  if (part.boot === 'off') lines.push('b off');
  else {
    lines.push(`b ${part.boot}`);
    const checks = [...part.start.checks.map((c) => checkLine(c, v)), `v ${shQuote(ptLoadText(part.start.vmcore))}`];
    const key = checks.join('\n');
    let i = obs.get(key);
    if (i === undefined) {
      i = obsDefs.length + 1;
      obs.set(key, i);
      obsDefs.push(`o${i}() {\n  ${checks.join('\n  ')}\n}`);
    }
    lines.push(`o${i}`);
    if (part.start.dump.kind !== 'none') lines.push(outcomeComment(part.start.dump, v));
  }
  for (const s of part.steps) {
    lines.push(...eventLine(s.event, s, v));
    for (const c of s.checks) lines.push(checkLine(c, v));
    if (s.vmcore !== undefined) lines.push(`v ${shQuote(ptLoadText(s.vmcore))}`);
    if (s.dump !== undefined) lines.push(outcomeComment(s.dump, v));
  }
  return lines;
}

/** The script's body for one configuration's spec: value variables, observation functions, part
 *  functions and the path table (everything but the header naming the configurations). */
export function shBody(spec: ConfigSpec): string {
  const v = new Values();
  const obs = new Map<string, number>();
  const obsDefs: string[] = [];
  const parts = spec.parts.map((p, i) => `p${i + 1}() {\n  ${partBody(p, obs, obsDefs, v).join('\n  ')}\n}`);
  const table = spec.paths.map((p, i) => `path_${i + 1}='${p.parts.map((k) => k + 1).join(' ')}'`);
  return [
    `PATHS=${spec.paths.length}`,
    ...v.defs,
    '# The dump outcomes the steps name (not checked by the script).',
    ...v.outcomes.notes.map((n, i) => `# ${n} (D${i + 1})`),
    '# The manual steps: what a shell in the system cannot do.',
    ...v.manuals,
    '# The files right after a boot, one function per distinct set.',
    ...obsDefs,
    '# The parts: the steps between two boots.',
    ...parts,
    '# The paths: the parts each runs, in order.',
    ...table,
    '',
  ].join('\n');
}

/** The shell helpers every script starts with (`w` write, `f` file reads, `e` exists, `a` absent,
 *  `c` /proc/meminfo's CMA lines, `v` /proc/vmcore's PT_LOADs, `s` save the dump, `m` manual step, `b` which boot, `down` crash or
 *  reboot), and its command line. */
const HELPERS = String.raw`set -u
F=/sys/kernel/fadump
K=/sys/kernel
R=/sys/kernel/debug/powerpc/fadump_region
STATE=${'$'}{FADUMP_SPEC_STATE:-/var/tmp/fadump-spec.state}
n=0
bad=0
P=0
Q=0
T=
trap '[ -z "$T" ] || rm -f "$T"' EXIT
# setup: only when a part runs (list, next's look-up and usage errors change nothing).
setup() {
  T=$(mktemp) || exit 2
  [ -d /sys/kernel/debug/powerpc ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
}
pass() { n=$((n + 1)); echo "ok $n $1"; }
fail() { n=$((n + 1)); bad=$((bad + 1)); echo "not ok $n $1"; }
# The errno name in a tool's message (glibc's and musl's strerror texts).
en() {
  case $1 in
    *'Operation not permitted'*) echo EPERM ;;
    *'No such file or directory'*) echo ENOENT ;;
    *'Input/output error'* | *'I/O error'*) echo EIO ;;
    *'Invalid argument'*) echo EINVAL ;;
    *'File exists'*) echo EEXIST ;;
    *'No space left on device'*) echo ENOSPC ;;
    *'Permission denied'*) echo EACCES ;;
    *'Device or resource busy'* | *'Resource busy'*) echo EBUSY ;;
    *'No such device'*) echo ENODEV ;;
    *'Cannot assign requested address'* | *'Address not available'*) echo EADDRNOTAVAIL ;;
    *) echo "E?($1)" ;;
  esac
}
said() { if [ "$1" = - ]; then echo succeeds; else echo "fails with $1"; fi; }
# r C N: the character C N times.
r() { printf "%${'$'}{2}s" '' | tr ' ' "$1"; }
# w FILE ERRNO FORMAT [ARG...]: printf FORMAT ARG... > FILE, as one write(2) (dd); ERRNO - : it succeeds.
w() {
  _p=$1 _e=$2
  shift 2
  # shellcheck disable=SC2059 # the value is a printf format by design
  printf "$@" > "$T"
  if _m=$(dd if="$T" of="$_p" bs=65536 conv=notrunc 2>&1); then _g=-; else _g=$(en "$_m"); fi
  _d="printf '$1'$([ $# -gt 1 ] && echo ' ...') > $_p"
  if [ "$_g" = "$_e" ]; then pass "$_d: $(said "$_e")"; else fail "$_d: expected $(said "$_e"), got $(said "$_g") ($_m)"; fi
  [ "$_e" = - ] || [ "$_g" = - ] || return 0
  [ "$_e" = "$_g" ] || echo "# the write's outcome differs: the checks that follow may fail with it"
}
# f FILE FORMAT [ARG...]: FILE reads exactly as printf FORMAT ARG... prints (trailing newlines aside).
f() {
  _p=$1
  shift
  # shellcheck disable=SC2059
  _w=$(printf "$@")
  if [ ! -e "$_p" ]; then
    fail "$_p: absent, expected it to read '$_w'"
  elif _g=$(cat "$_p" 2>&1) && [ "$_g" = "$_w" ]; then
    pass "$_p"
  else fail "$_p: expected '$_w', read '$_g'"; fi
}
# c FORMAT [ARG...]: /proc/meminfo's CmaTotal and CmaFree lines (spaces squeezed) read as printf
# FORMAT ARG... prints (fadump's CMA area; a kernel with other CMA areas adds theirs).
c() {
  # shellcheck disable=SC2059
  _w=$(printf "$@")
  _g=$(grep -E '^Cma(Total|Free):' /proc/meminfo | tr -s ' ')
  if [ "$_g" = "$_w" ]; then pass "/proc/meminfo CMA lines"; else fail "/proc/meminfo CMA lines: expected '$_w', read '$_g'"; fi
}
e() { if [ -e "$1" ]; then pass "$1 exists"; else fail "$1: expected to exist, absent"; fi; }
a() { if [ -e "$1" ]; then fail "$1: expected to be absent, exists"; else pass "$1 absent"; fi; }
# /proc/vmcore's PT_LOADs: paddr:memsz:offset in hex (the ELF64 program headers, little-endian host).
ptloads() {
  _o=$(od -A n -t u8 -j 32 -N 8 /proc/vmcore | tr -d ' ')
  _c=$(od -A n -t u2 -j 56 -N 2 /proc/vmcore | tr -d ' ')
  _i=0
  _s=
  while [ "$_i" -lt "$_c" ]; do
    _h=$((_o + _i * 56))
    if [ "$(od -A n -t u4 -j "$_h" -N 4 /proc/vmcore | tr -d ' ')" = 1 ]; then
      # shellcheck disable=SC2046 # offset vaddr paddr filesz memsz, split into words
      set -- $(od -A n -t u8 -j $((_h + 8)) -N 40 /proc/vmcore)
      _s="$_s $(printf '%x:%x:%x' "$3" "$5" "$1")"
    fi
    _i=$((_i + 1))
  done
  echo "${'$'}{_s# }"
}
v() {
  if [ -e /proc/vmcore ]; then _g=$(ptloads); else _g=none; fi
  if [ "$_g" = "$1" ]; then pass "/proc/vmcore PT_LOADs: $1"; else fail "/proc/vmcore PT_LOADs: expected $1, got $_g"; fi
}
# s ERRNO: user space saves the dump (reads /proc/vmcore to the end).
s() {
  if _m=$(dd if=/proc/vmcore of="${'$'}{FADUMP_SPEC_SAVE:-/dev/null}" bs=1M 2>&1); then _g=-; else _g=$(en "$_m"); fi
  if [ "$_g" = "$1" ]; then pass "save /proc/vmcore: $(said "$1")"; else fail "save /proc/vmcore: expected $(said "$1"), got $(said "$_g")"; fi
}
# i TEXT: informational, not a check (the model's own bound, not the kernel's documented behaviour).
i() { echo "# info: $1"; }
summary() { echo "# path $P part $Q: $n checks, $bad failed"; }
# m EVENT HMC QEMU: a step a shell in the guest cannot do.
m() {
  echo "MANUAL [$1] $2"
  echo "  (QEMU: $3)"
  if [ "${'$'}{FADUMP_SPEC_MANUAL:-ask}" = skip ]; then _a=s; else
    echo "  then press Enter; s and Enter skips the rest of this part"
    read -r _a || _a=s
  fi
  if [ "$_a" = s ]; then
    echo "# skipped from here: [$1] needs the HMC or the hypervisor"
    summary
    exit 3
  fi
}
# b normal|capture|off: the boot this part runs after (a capture boot has /proc/vmcore).
b() {
  if [ "$1" = off ]; then echo "# the LPAR is off: only manual steps until the power-on"; return; fi
  if [ -e /proc/vmcore ]; then _g=capture; else _g=normal; fi
  if [ "$_g" = "$1" ]; then pass "a $1 boot"; else
    fail "expected a $1 boot, this is a $_g boot: run the part that follows this boot"
    summary
    exit 2
  fi
}
# failed: a check of this part failed; the state names this part, so next reruns it.
failed() {
  echo "$P $Q" > "$STATE" 2>/dev/null
  echo "# path $P part $Q failed ($bad of $n checks): not going on; sh $0 next reruns part $Q (in the boot it starts from)"
  exit 1
}
# consent crash|reboot: FADUMP_SPEC_YES=1, or yes typed on the terminal; else exit 3.
consent() {
  [ "${'$'}{FADUMP_SPEC_YES:-}" = 1 ] && return 0
  if [ -t 0 ]; then
    printf '%s' "# the part now ends with a $1 of this system: type yes and Enter to go ahead: "
    read -r _y || _y=
    [ "$_y" = yes ] && return 0
  fi
  echo "# not confirmed: no $1 done, the state is unchanged. To go ahead, run this part again and type yes, or set FADUMP_SPEC_YES=1: FADUMP_SPEC_YES=1 sh $0 $P $Q" >&2
  exit 3
}
# down crash|reboot|boot: the part ends; the next part runs after the boot.
down() {
  summary
  [ "$bad" -eq 0 ] || failed
  [ "$1" = boot ] || consent "$1"
  echo "$P $((Q + 1))" > "$STATE" 2>/dev/null
  echo "# after the boot that follows, run: sh $0 $P $((Q + 1))   (or: sh $0 next)"
  sync
  case $1 in
    crash) echo "# crash: echo c > /proc/sysrq-trigger"; echo c > /proc/sysrq-trigger ;;
    reboot) echo "# reboot: ${'$'}{FADUMP_SPEC_REBOOT:-reboot}"; ${'$'}{FADUMP_SPEC_REBOOT:-reboot} ;;
    *) echo "MANUAL [boot] power the system on (pSeries: activate the LPAR on the HMC; PowerNV: power on through the BMC; QEMU: system_reset)" ;;
  esac
  exit 0
}
`;

const MAIN = String.raw`usage() {
  echo "usage: sh $0 list | PATH [PART] | next   (paths 1 to $PATHS)" >&2
  exit 2
}
case ${'$'}{1:-} in
  list)
    _k=1
    echo "# path N: its parts by position (sh $0 N POSITION), each with its shared part [P..] of the Markdown"
    while [ "$_k" -le "$PATHS" ]; do
      eval "_l=\${path_$_k}"
      _o="path $_k:"
      _j=1
      # shellcheck disable=SC2154 # _l is set through eval
      for _x in $_l; do
        _o="$_o ${'$'}{_j}[P$_x]"
        _j=$((_j + 1))
      done
      echo "$_o"
      _k=$((_k + 1))
    done
    exit 0 ;;
  next) read -r P Q < "$STATE" || { echo "no $STATE: start with sh $0 PATH" >&2; exit 2; } ;;
  [1-9]*) P=$1 Q=${'$'}{2:-1} ;;
  *) usage ;;
esac
case $P$Q in *[!0-9]*) usage ;; esac
[ "$P" -le "$PATHS" ] || usage
eval "_l=\${path_$P}"
# shellcheck disable=SC2086,SC2154 # the path's part numbers, split into words
set -- $_l
if [ "$Q" -lt 1 ] || [ "$Q" -gt $# ]; then echo "path $P has parts 1 to $#" >&2; exit 2; fi
_f=
eval "_f=\${$Q}"
echo "# path $P part $Q of $#"
setup
"p$_f"
summary
[ "$bad" -eq 0 ] || failed
rm -f "$STATE"
echo "# path $P: done"
`;

/** The whole script for a group of configurations that share one body. */
export function shScript(specs: readonly ConfigSpec[], body: string): string {
  const first = specs[0];
  if (first === undefined) throw new Error('shScript: no configuration');
  const g = first.generated;
  const header = [
    '#!/bin/sh',
    '# shellcheck disable=SC2034 # the path table is read through eval',
    '# fadump regression spec, generated from the model by `fadump-model paths --format sh`',
    '# (src/spec/sh.ts); README.md next to it says how to run it, as does this header.',
    `# Configuration${specs.length > 1 ? 's (the same steps and values)' : ''}:`,
    ...specs.map((s) => `#   ${s.config.name}: ${JSON.stringify(s.config.input)}`),
    `# The model's graph has ${g.transitions} transitions, ${g.visible} of them distinct to a user (what the files read`,
    `# before, the event and its errno, what they read after; src/spec/cover.ts): ${first.paths.length} paths of ${first.parts.length} distinct`,
    '# parts take each at least once. Steps without an effect are left out, and a rejected write already',
    '# checked where the files read the same.',
    '#',
    '# Run as root on the LPAR or QEMU guest booted as the configuration says:',
    '#   sh THIS list            the paths and their parts by position (the shared part [P..] as in the Markdown)',
    '#   sh THIS PATH [PART]     part PART (default 1) of path PATH: part 1 after the power-on, part N+1',
    '#                           after the boot that ends part N (a crash or a reboot, done by the script)',
    '#   sh THIS next            the part after the last one run (FADUMP_SPEC_STATE, default /var/tmp/fadump-spec.state)',
    '# Environment: FADUMP_SPEC_MANUAL=ask (default: print a manual step, wait for Enter) or skip;',
    '#   FADUMP_SPEC_SAVE: where save-dump copies /proc/vmcore (default /dev/null);',
    '#   FADUMP_SPEC_REBOOT: the reboot command (default reboot);',
    '#   FADUMP_SPEC_YES=1: crash or reboot without asking (else type yes on the terminal; without one, exit 3).',
    '# Output: "ok N ..." or "not ok N ..." per check. Exit: 0 every check passed, 1 one failed, 2 usage',
    '#   or the wrong boot, 3 a manual step skipped or the crash/reboot not confirmed. After a failed check',
    '#   the part stops: no crash or reboot, and next reruns the same part.',
  ];
  return `${header.join('\n')}\n${HELPERS}${body}${MAIN}`;
}
