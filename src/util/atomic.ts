// Files the tool writes are written atomically: a temporary file in the same folder, flushed to
// disk, then renamed over the target, so an interrupted run (Ctrl-C, a crash, a full disk) never
// leaves a half-written file where a complete one was, nor a temporary file behind. Every writer
// uses it: counterexamples, src/specs/expected.json, diagrams, reports.
// It is synchronous on purpose: a signal handler (Ctrl-C) runs on the event loop, so it can never
// run in the middle of a write.
// Written here rather than with write-file-atomic: its sync() makes one fs.writeSync() call and
// ignores the count, so a disk that fills mid-write leaves a truncated file renamed over the
// complete one, with no error (README "Libraries, and why"). Here a short write is followed by
// another write, which fails (ENOSPC, EFBIG), and the temporary file is removed.
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileKind } from './read';

/** The temporary files writeFileAtomic uses look like this (for tests that look for leftovers). */
export const TEMP_FILE_PATTERN = /^\..*\.\d+\.[a-z0-9]+\.tmp$/;

/** A temporary file's name beside `path` (TEMP_FILE_PATTERN). */
const tempBeside = (path: string): string =>
  join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);

/** Makes folder `dir` and its missing parents, one at a time: Node 20's recursive mkdirSync never
 *  returns for a folder under /proc. Throws the fs error (ENOENT, EACCES, EROFS, ENOTDIR...). */
export function makeFolder(dir: string): void {
  const missing: string[] = [];
  for (let p = resolve(dir); !existsSync(p) && dirname(p) !== p; p = dirname(p)) missing.unshift(p);
  for (const p of missing) mkdirSync(p);
}

/** Creates and removes a temporary file in folder `dir`, as writeFileAtomic() would write there:
 *  throws the fs error a write there would meet (EACCES, EROFS, ENOENT under /proc...), so that a
 *  command refuses an output it cannot write before it does any work. */
export function probeFolder(dir: string): void {
  const tmp = tempBeside(join(dir, 'probe'));
  closeSync(openSync(tmp, 'wx', 0o644));
  rmSync(tmp, { force: true });
}

/** Writes `content` (a string is written as UTF-8) to `path`, creating its folder: either the
 *  complete new file is there afterwards or, when it throws (the fs error), the old one is. */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempBeside(path);
  let renamed = false;
  try {
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    renamed = true;
  } finally {
    if (!renamed) rmSync(tmp, { force: true });
  }
}

/** Removes `path` when it is a regular file, the kind writeFileAtomic() writes (a file an earlier
 *  run wrote and this one contradicts): a folder, a symbolic link or anything else of that name is
 *  someone else's and stays, as does nothing.
 *  @returns whether it removed a file. @throws the fs error (EACCES, EROFS...) when it cannot. */
export function removeWrittenFile(path: string): boolean {
  if (fileKind(path) !== 'file') return false;
  unlinkSync(path);
  return true;
}
