// Files the tool writes are written atomically: a temporary file in the same folder, flushed to
// disk, then renamed over the target, so an interrupted run (Ctrl-C, a crash, a full disk) never
// leaves a half-written file where a complete one was, nor a temporary file behind. Every writer
// uses it: counterexamples, src/specs/expected.json, diagrams, reports.
// It is synchronous on purpose: a signal handler (Ctrl-C) runs on the event loop, so it can never
// run in the middle of a write.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The temporary files writeFileAtomic uses look like this (for tests that look for leftovers). */
export const TEMP_FILE_PATTERN = /^\..*\.\d+\.[a-z0-9]+\.tmp$/;

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
