// CPU time of the calling thread, for benchmarks on a shared machine (wall time there measures
// the other processes too), and the kernel ids of threads, to tell whether one still runs.
import { existsSync, readFileSync, readlinkSync } from 'node:fs';

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

/** The kernel's id of the calling thread (its TID: the last part of the /proc/thread-self link),
 *  or 0 where /proc does not give it. */
export function osThreadId(): number {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : 0;
  } catch {
    return 0;
  }
}

/** Whether thread `tid` (an osThreadId()) of this process still runs: its /proc/self/task entry
 *  is there. null when that cannot be told (tid 0, or no /proc). A thread's entry goes when it
 *  ends, before the process's event loop hears of it: a thread blocked in a synchronous wait can
 *  still see that a worker thread has died (out of memory, terminated). */
export function osThreadRuns(tid: number): boolean | null {
  if (tid <= 0 || !existsSync('/proc/self/task')) return null;
  return existsSync(`/proc/self/task/${tid}`);
}
