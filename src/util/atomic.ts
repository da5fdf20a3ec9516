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
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The temporary files writeFileAtomic uses look like this (for tests that look for leftovers). */
export const TEMP_FILE_PATTERN = /^\..*\.\d+\.[a-z0-9]+\.tmp$/;

/** Writes `content` (a string is written as UTF-8) to `path`, creating its folder: either the
 *  complete new file is there afterwards or, when it throws (the fs error), the old one is. */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
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
