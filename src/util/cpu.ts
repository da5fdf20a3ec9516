// CPU time of the calling thread, for benchmarks on a shared machine: wall time there measures
// the other processes too.
import { readFileSync } from 'node:fs';

/** Milliseconds of CPU (user + system) this thread has used, from /proc/thread-self/stat (Linux,
 *  10 ms resolution); NaN where that file does not exist. */
export function threadCpuMs(): number {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // Fields after the command name (which is in parentheses and may hold spaces): utime and
    // stime are fields 14 and 15 of the line, 12 and 13 after the ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}
