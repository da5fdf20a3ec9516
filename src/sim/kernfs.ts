// The files a kernel shows under /sys and /sys/kernel/debug, and what the shell's `cat` and
// `echo > file` get from them: fs/kernfs (open, lookup, symlinks) and fs/sysfs/file.c
// (sysfs_kf_write). The fadump files themselves are created by src/sim/kernel.ts
// (fadump_init_files) and src/sim/opal-core.ts.
import type { Errno } from '../events';

/** A kernfs/debugfs file: show and store, either may be missing. */
export interface KernFile {
  show: (() => string) | null;
  store: ((buf: string) => Errno | null) | null;
}

/** sysfs, debugfs and procfs roots always exist (other folders while they hold a file). */
const ROOTS = [
  '/sys/kernel',
  '/sys/kernel/debug',
  '/sys/kernel/debug/powerpc',
  '/sys/firmware',
  '/sys/devices/system/memory',
  '/proc',
];

/** The files by path; `symlinks` maps a link's path to its target's. */
export class KernFiles {
  private readonly files = new Map<string, KernFile>();

  constructor(private readonly symlinks: Readonly<Record<string, string>>) {}

  set(path: string, file: KernFile): void {
    this.files.set(path, file);
  }

  delete(path: string): void {
    this.files.delete(path);
  }

  /** What a reader sees: path → contents without the trailing newline; write-only files read "". */
  view(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [path, file] of this.files) out[path] = file.show === null ? '' : file.show();
    // The links show their targets.
    for (const [link, target] of Object.entries(this.symlinks))
      if (this.files.has(target)) out[link] = out[target] ?? '';
    return out;
  }

  /** `cat path`: null when there is no such file. */
  read(path: string): string | null {
    const file = this.files.get(this.symlinks[path] ?? path);
    if (file === undefined) return null;
    return file.show === null ? '' : file.show();
  }

  /** The shell's open(O_CREAT|O_WRONLY|O_TRUNC) + write(): a missing file in an existing kernfs
   *  or procfs directory is -EACCES (no create operation), in a missing directory -ENOENT; -EACCES
   *  for a file without a store; sysfs_kf_write() returns 0 for a zero-length write without
   *  calling the store handler. */
  write(path: string, value: string): Errno | null {
    const file = this.files.get(this.symlinks[path] ?? path);
    if (file === undefined) return this.directoryExists(path.slice(0, path.lastIndexOf('/'))) ? 'EACCES' : 'ENOENT';
    if (file.store === null) return 'EACCES';
    if (value.length === 0) return null;
    return file.store(value);
  }

  /** sysfs, debugfs and procfs roots always exist; /sys/kernel/fadump and the OPAL mpipl folder
   *  while they hold a file. */
  private directoryExists(dir: string): boolean {
    if (ROOTS.includes(dir)) return true;
    return [...this.files.keys()].some((f) => f.startsWith(`${dir}/`));
  }
}
