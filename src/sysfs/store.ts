// The sysfs store handlers of arch/powerpc/kernel/fadump.c and opal-core.c, as pure decisions in
// the kernel's check order (docs/kernel-behaviour.md §2, §8). The machines act on what these return.
import type { Errno } from '../events';

export const FADUMP_DIR = '/sys/kernel/fadump';
export const FILES = {
  enabled: `${FADUMP_DIR}/enabled`,
  registered: `${FADUMP_DIR}/registered`,
  memReserved: `${FADUMP_DIR}/mem_reserved`,
  hotplugReady: `${FADUMP_DIR}/hotplug_ready`,
  releaseMem: `${FADUMP_DIR}/release_mem`,
  bootargsAppend: `${FADUMP_DIR}/bootargs_append`,
  fadumpRegion: '/sys/kernel/debug/powerpc/fadump_region',
  opalCore: '/sys/firmware/opal/mpipl/core',
  releaseCore: '/sys/firmware/opal/mpipl/release_core',
} as const;

/** kexec's files (§6): whether a crash kernel is loaded, the crashkernel= size, and
 *  CONFIG_CRASH_HOTPLUG's attribute. Read-only. */
export const KEXEC_FILES = {
  crashLoaded: '/sys/kernel/kexec_crash_loaded',
  crashSize: '/sys/kernel/kexec_crash_size',
  crashHotplug: '/sys/devices/system/memory/crash_hotplug',
} as const;

/** Hypervisor-assisted dump's file (phyp-assisted-dump.txt): read, the dump's address-range pairs; write
 *  "<start> <length>" in hex, release that memory. Exists only in a boot with dump data. */
export const RELEASE_REGION = '/sys/kernel/release_region';

/** The deprecated symlinks (§2) lead to the same files. */
export const ALIASES: Readonly<Record<string, string>> = {
  '/sys/kernel/fadump_enabled': FILES.enabled,
  '/sys/kernel/fadump_registered': FILES.registered,
  '/sys/kernel/fadump_release_mem': FILES.releaseMem,
};

export function canonicalPath(path: string): string {
  return ALIASES[path] ?? path;
}

/** The files written through a store handler; every other existing file is read-only. */
export const WRITABLE = new Set<string>([FILES.registered, FILES.releaseMem, FILES.bootargsAppend, FILES.releaseCore]);

/** COMMAND_LINE_SIZE on powerpc. */
export const COMMAND_LINE_SIZE = 2048;

/** kstrtoint(buf, 0, &v): base 0 (0x hex, leading 0 octal, else decimal), an optional sign, one
 *  optional trailing newline, and the value must fit an int. null when it does not parse. */
export function kstrtoint(buf: string): number | null {
  // The kernel sees a C string: it ends at the first NUL.
  const nul = buf.indexOf('\0');
  const c = nul >= 0 ? buf.slice(0, nul) : buf;
  const s = c.endsWith('\n') ? c.slice(0, -1) : c;
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m || m[2] === undefined) return null;
  const digits = m[2];
  let v: number;
  if (/^0[xX]/.test(digits)) v = parseInt(digits.slice(2), 16);
  else if (digits.startsWith('0')) v = digits.length === 1 ? 0 : parseInt(digits.slice(1), 8);
  else v = parseInt(digits, 10);
  if (m[1] === '-') v = -v;
  if (v > 2147483647 || v < -2147483648) return null;
  return v;
}

/** What a store handler needs to know of fw_dump. */
export interface StoreView {
  enabled: boolean;
  dumpActive: boolean;
  registered: boolean;
  /** The kernel returns -EEXIST for `echo 1` while registered (2017 kernels). */
  eexistOnReregister: boolean;
  /** Kernels before 98b8cd7f7564 (3.4 to 4.12): fadump_register_store() returns -EINVAL for
   *  `echo 1` while registered and for `echo 0` while not (src/kernel-versions.ts). Absent: no. */
  einvalOnRepeat?: boolean;
  /** strlen of the kernel's own command line. */
  cmdlineLength: number;
  opalCore: 'present' | 'released' | null;
}

export type RegisteredOutcome = { errno: Errno } | { op: 'noop' | 'unregister' | 'register' | 'reregister' };

/** registered_store(). */
export function registeredStore(v: StoreView, value: string): RegisteredOutcome {
  if (!v.enabled || v.dumpActive) return { errno: 'EPERM' };
  const input = kstrtoint(value);
  if (input === null) return { errno: 'EINVAL' };
  if (input === 0) {
    if (v.registered) return { op: 'unregister' };
    return v.einvalOnRepeat === true ? { errno: 'EINVAL' } : { op: 'noop' };
  }
  if (input === 1) {
    if (!v.registered) return { op: 'register' };
    if (v.einvalOnRepeat === true) return { errno: 'EINVAL' };
    return v.eexistOnReregister ? { errno: 'EEXIST' } : { op: 'reregister' };
  }
  return { errno: 'EINVAL' };
}

/** release_mem_store(). */
export function releaseMemStore(v: StoreView, value: string): { errno: Errno } | { op: 'release' } {
  if (!v.dumpActive) return { errno: 'EPERM' };
  const input = kstrtoint(value);
  if (input === null || input !== 1) return { errno: 'EINVAL' };
  return { op: 'release' };
}

/** bootargs_append_store(): the string without its trailing newline. */
export function bootargsAppendStore(v: StoreView, value: string): { errno: Errno } | { op: 'set'; params: string } {
  if (!v.enabled || v.dumpActive) return { errno: 'EPERM' };
  // count is in bytes and includes echo's newline.
  const count = Buffer.byteLength(value, 'utf8');
  if (count >= COMMAND_LINE_SIZE) return { errno: 'EINVAL' };
  if (v.cmdlineLength + count >= COMMAND_LINE_SIZE) return { errno: 'ENOSPC' };
  const params = value.endsWith('\n') ? value.slice(0, -1) : value;
  return { op: 'set', params };
}

/** fadump_release_opalcore_store() (opal-core.c). */
export function releaseCoreStore(v: StoreView, value: string): { errno: Errno } | { op: 'release-core' } {
  const input = kstrtoint(value);
  if (input === null || input !== 1) return { errno: 'EINVAL' };
  if (v.opalCore !== 'present') return { errno: 'EPERM' };
  return { op: 'release-core' };
}

export type StoreOutcome =
  | { errno: Errno }
  | { op: 'noop' | 'unregister' | 'register' | 'reregister' | 'release' | 'release-core' }
  | { op: 'set'; params: string };

/** Directories that exist whatever fadump's state (sysfs, debugfs, procfs roots). */
const ALWAYS_DIRS = new Set([
  '/sys/kernel',
  '/sys/kernel/debug',
  '/sys/kernel/debug/powerpc',
  '/sys/firmware',
  '/sys/devices/system/memory',
  '/proc',
]);

/** The errno of `echo value > path` for a path that is not a file: the shell opens it with
 *  O_CREAT, which kernfs and procfs directories refuse with -EACCES (they have no create
 *  operation: seen on real 6.1 and 6.12 kernels, test/real/), while a missing directory is
 *  -ENOENT. A directory exists when a file under it does (/sys/kernel/fadump only while fadump
 *  is supported, /sys/firmware/opal/mpipl only while the OPAL core is there). */
export function missingFileErrno(files: ReadonlySet<string>, path: string): Errno {
  const dir = path.slice(0, path.lastIndexOf('/'));
  if (ALWAYS_DIRS.has(dir)) return 'EACCES';
  for (const f of files) if (f.startsWith(`${dir}/`)) return 'EACCES';
  return 'ENOENT';
}

/** Any write: -EACCES or -ENOENT for a file that does not exist (missingFileErrno), -EACCES for
 *  a read-only one (kernfs opens a file without a store method read-only), else the file's store
 *  handler. */
export function storeOutcome(v: StoreView, files: ReadonlySet<string>, path: string, value: string): StoreOutcome {
  const file = canonicalPath(path);
  if (!files.has(file)) return { errno: missingFileErrno(files, path) };
  if (!WRITABLE.has(file)) return { errno: 'EACCES' };
  // sysfs_kf_write(): a zero-length write returns 0 without calling the store handler.
  if (value.length === 0) return { op: 'noop' };
  switch (file) {
    case FILES.registered:
      return registeredStore(v, value);
    case FILES.releaseMem:
      return releaseMemStore(v, value);
    case FILES.bootargsAppend:
      return bootargsAppendStore(v, value);
    default:
      return releaseCoreStore(v, value);
  }
}
